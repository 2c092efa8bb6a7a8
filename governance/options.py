"""Command-line options shared in spelling across commands, and renamed options' old spellings.

One word per meaning, as dbt spells it: `-s/--select` and `--exclude` are dbt node selections, `--target`
is a dbt target, `--platform` the platform a command talks to (Unity Catalog, Databricks), `--rules` the
policy rule codes, `--out` the one output flag. An old spelling keeps working and prints one line saying
which to use (`renamed`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any


def deprecation(old: str, new: str) -> str:
    return f"warning: {old} is deprecated; use {new} (the old spelling still works, for now)"


def renamed(
    parser: argparse.ArgumentParser | Any, names: Sequence[str], old: Sequence[str], **kwargs: Any
) -> argparse.Action:
    """`parser.add_argument(*names, *old, **kwargs)` where using an `old` spelling prints a deprecation
    line on stderr naming the current one (the first long name of `names`)."""
    kind = kwargs.pop("action", "store")
    base: type[argparse.Action] = parser._registry_get("action", kind, kind)
    current = next((n for n in names if n.startswith("--")), names[0])
    deprecated = frozenset(old)

    class _Renamed(base):  # type: ignore[misc,valid-type]
        def __call__(
            self,
            parser: argparse.ArgumentParser,
            namespace: argparse.Namespace,
            values: Any,
            option_string: str | None = None,
        ) -> None:
            if option_string in deprecated:
                print(deprecation(option_string or "", current), file=sys.stderr)
            super().__call__(parser, namespace, values, option_string)

    help_text = kwargs.get("help")
    if help_text and help_text is not argparse.SUPPRESS:
        kwargs["help"] = f"{help_text} (formerly {', '.join(old)})"
    action: argparse.Action = parser.add_argument(*names, *old, action=_Renamed, **kwargs)
    return action
