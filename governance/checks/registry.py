"""The one registry of mesh policy rules: stable code, default severity, parameters and documentation.

A rule is a small pure function `check(ctx) -> Iterable[Finding]` over the loaded mesh, registered with
`@rule(...)`. Targeting (enable, severity, include/exclude, exceptions, baseline) lives in
`governance.checks.config`/`evaluation`, never in the rule itself.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from governance.findings import Finding, Severity

if TYPE_CHECKING:
    from governance.checks.context import RuleContext

CheckFunction = Callable[["RuleContext"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Param:
    """A rule parameter settable in policies.yml; `default` also fixes its type."""

    name: str
    default: Any
    help: str


@dataclass(frozen=True, slots=True)
class Rule:
    code: str  # MESH001...
    name: str  # kebab-case alias, accepted wherever a code is
    title: str
    severity: Severity  # default; policies.yml may override
    rationale: str  # "Reason to flag"
    remediation: str  # "How to remediate"
    example: str  # YAML/SQL that violates the rule
    params: tuple[Param, ...] = ()
    check: CheckFunction | None = None  # None: reported by the evaluation itself (e.g. expired exceptions)
    needs_state: bool = (
        False  # compares with the previous deployment (`mesh check --state`): breaking changes
    )

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)


_REGISTRY: dict[str, Rule] = {}


def rule(
    *,
    code: str,
    name: str,
    title: str,
    severity: Severity,
    rationale: str,
    remediation: str,
    example: str,
    params: tuple[Param, ...] = (),
    needs_state: bool = False,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the check of rule `code`."""

    def register(check: CheckFunction) -> CheckFunction:
        define(Rule(code, name, title, severity, rationale, remediation, example, params, check, needs_state))
        return check

    return register


def define(entry: Rule) -> Rule:
    if entry.code in _REGISTRY or any(r.name == entry.name for r in _REGISTRY.values()):
        raise RuntimeError(f"rule {entry.code} ({entry.name}) registered twice")
    _REGISTRY[entry.code] = entry
    return entry


def all_rules() -> dict[str, Rule]:
    """Every registered rule by code, in code order (imports each module of `governance.checks.rules`)."""
    from governance.checks import rules

    for module in pkgutil.iter_modules(rules.__path__):
        importlib.import_module(f"{rules.__name__}.{module.name}")
    return dict(sorted(_REGISTRY.items()))
