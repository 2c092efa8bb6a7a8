"""Line numbers of resources in dbt property files, found by scanning each YAML file once.

dbt's manifest says which file describes a model (`patch_path`) but not where in it. A finding must
point at the line to fix, so each file is scanned once for `- name: X` (and `- v: N`) list items, and
every item is indexed by its path of enclosing items: ("models", "fct_orders", "order_id"). A file is
scanned on the first look-up into it, which the loader defers until a location's line is read.
"""

from __future__ import annotations

import re

_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_ITEM = re.compile(r"^(\s*)-\s+(name|v)\s*:\s*['\"]?([^'\"#\s]+)['\"]?")

Key = tuple[str, ...]


class YamlLines:
    """Index of `- name:` items per file; one scan per file for the whole load."""

    def __init__(self) -> None:
        self._files: dict[str, dict[Key, int]] = {}

    def line(self, path: str, candidates: tuple[Key, ...]) -> int | None:
        """1-based line of the first of `candidates` (section, then names) found in the file at `path`."""
        index = self._files.get(path)
        if index is None:
            index = self._files[path] = _scan(path)
        for keys in candidates:
            line = index.get(keys)
            if line is not None:
                return line
        return None


def _scan(path: str) -> dict[Key, int]:
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError):
        return {}
    index: dict[Key, int] = {}
    section: str | None = None
    indents: list[int] = []  # indent of each enclosing item's dash,
    names: list[str] = []  # and its name
    for number, line in enumerate(text.splitlines(), start=1):
        top = _TOP_KEY.match(line)
        if top:
            section, indents, names = top.group(1), [], []
            continue
        if section is None or "-" not in line:  # most lines are neither: skip the regex
            continue
        item = _ITEM.match(line)
        if item is None:
            continue
        indent = len(item.group(1))
        while indents and indents[-1] >= indent:
            indents.pop()
            names.pop()
        indents.append(indent)
        names.append(item.group(3) if item.group(2) == "name" else f"v{item.group(3)}")
        index.setdefault((section, *names), number)
    return index
