"""Block-style YAML for plain data (dicts, lists, str, int, float, bool, None), written directly.

PyYAML's representer is pure Python even with the C emitter and took ~9 ms per contract (30 s for the
3,500 products of the 10,000-model benchmark mesh); contracts only hold plain data, so they are written
here, in the layout `yaml.safe_dump(sort_keys=False)` gives. A string is written plain only when it cannot
be read back as anything else; otherwise it is double-quoted with YAML escapes. Tests load every output
back with PyYAML and compare (including hostile and arbitrary Unicode strings).
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

# Plain scalars: start with a letter or _, then letters, digits and a few punctuation marks that never
# start YAML syntax in the middle of a scalar (no ": ", " #", no trailing space).
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/@+()]*(?: [A-Za-z0-9_.\-/@+()]+)*")
# Words YAML 1.1 (PyYAML) reads as booleans or null, and anything number- or date-like.
_RESERVED = frozenset(["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"])
_NUMBERISH = re.compile(r"[-+.0-9]|\.(?:inf|nan)$", re.IGNORECASE)
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]')


def _escape(char: str) -> str:
    known = _ESCAPES.get(char)
    if known is not None:
        return known
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    # YAML 1.1 (PyYAML) reads a float only with a dot: 1e-05 would come back as a string
    return text.replace("e", ".0e", 1) if "e" in text and "." not in text else text


def scalar(value: Any) -> str:
    if isinstance(value, str):
        return _text(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    return _text(str(value))


@functools.lru_cache(maxsize=65536)  # keys and most values repeat across a mesh's contracts
def _text(text: str) -> str:
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED and not _NUMBERISH.match(text):
        return text
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _escape(m.group(0)), text) + '"'


def _block(value: dict[str, Any] | list[Any], indent: str, out: list[str]) -> None:
    """Lines of a mapping or sequence at `indent` (the caller wrote the key or the dash)."""
    if isinstance(value, dict):
        child = indent + "  "
        for key, item in value.items():
            _entry(f"{indent}{_text(str(key))}:", item, child, indent, out)
        return
    deeper = indent + "  "
    for item in value:
        if isinstance(item, dict) and item:
            lead = f"{indent}- "
            for key, inner in item.items():
                _entry(f"{lead}{_text(str(key))}:", inner, indent + "    ", deeper, out)
                lead = deeper
        else:
            _entry(f"{indent}-", item, deeper, deeper, out)


def _entry(head: str, value: Any, child: str, sequence: str, out: list[str]) -> None:
    """`head` and its value: a scalar on the line, a mapping at `child`, a sequence at `sequence`
    (PyYAML's layout: a sequence under a mapping key is not indented further than the key)."""
    if isinstance(value, str):
        out.append(f"{head} {_text(value)}")
    elif isinstance(value, dict):
        if value:
            out.append(head)
            _block(value, child, out)
        else:
            out.append(f"{head} {{}}")
    elif isinstance(value, list | tuple):
        if value:
            out.append(head)
            _block(list(value), sequence, out)
        else:
            out.append(f"{head} []")
    else:
        out.append(f"{head} {scalar(value)}")


def dump(document: dict[str, Any]) -> str:
    if not document:
        return "{}\n"
    out: list[str] = []
    _block(document, "", out)
    return "\n".join(out) + "\n"
