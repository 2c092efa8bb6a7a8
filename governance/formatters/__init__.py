"""Report formatters behind one interface: `render(format, report) -> str`.

Each module exposes `render(report: Report, rules: Mapping[str, Entry]) -> str`; `rules` is the rule
catalog (titles, help) for the codes in the report.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `FORMATS` alone (`mesh check --help`) must not import the checks
    from governance.checks.catalog import Entry
    from governance.checks.evaluation import Report

Renderer = Callable[["Report", Mapping[str, "Entry"]], str]

FORMATS: dict[str, str] = {
    "console": "governance.formatters.console",
    "json": "governance.formatters.json_report",
    "junit": "governance.formatters.junit",
    "sarif": "governance.formatters.sarif",
    "github": "governance.formatters.github",
}


def render(name: str, report: Report, *, color: bool = False) -> str:
    from governance.checks.catalog import by_code

    module = importlib.import_module(FORMATS[name])
    rules = by_code()
    if name == "console":
        return str(module.render(report, rules, color=color))
    renderer: Renderer = module.render
    return renderer(report, rules)
