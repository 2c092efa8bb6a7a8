"""Line numbers of resources in dbt property files, found by scanning each YAML file once.

dbt's manifest says which file describes a model (`patch_path`) but not where in it. A finding must
point at the line to fix, so each file is scanned once for `- name: X` (and `- v: N`) list items, and
every item is indexed by its path of enclosing items: ("models", "fct_orders", "order_id").
"""

from __future__ import annotations

import re
from pathlib import Path

_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_ITEM = re.compile(r"^(\s*)-\s+(name|v)\s*:\s*['\"]?([^'\"#\s]+)['\"]?")

Key = tuple[str, ...]


class YamlLines:
    """Index of `- name:` items per file; one scan per file for the whole load."""

    def __init__(self) -> None:
        self._files: dict[Path, dict[Key, int]] = {}

    def line(self, path: Path, *keys: str) -> int | None:
        """1-based line of the item at `keys` (section, then names), or None when not found."""
        index = self._files.get(path)
        if index is None:
            index = self._files[path] = _scan(path)
        return index.get(tuple(keys))


def _scan(path: Path) -> dict[Key, int]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    index: dict[Key, int] = {}
    section: str | None = None
    stack: list[tuple[int, str]] = []  # (indent of the dash, item name)
    for number, line in enumerate(text.splitlines(), start=1):
        top = _TOP_KEY.match(line)
        if top:
            section, stack = top.group(1), []
            continue
        item = _ITEM.match(line)
        if item is None or section is None:
            continue
        indent = len(item.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        name = item.group(3) if item.group(2) == "name" else f"v{item.group(3)}"
        stack.append((indent, name))
        index.setdefault((section, *(n for _, n in stack)), number)
    return index
