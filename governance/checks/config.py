"""`governance/policies.yml`: which rules run, at which severity, with which parameters, on which files.

Validated up front: an unknown code or key, a mistyped parameter or a malformed exception stops
`mesh check` with one line naming the file, the key and (difflib) the closest valid spelling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from governance.checks.registry import Rule, all_rules
from governance.errors import MeshError
from governance.findings import Finding, Severity
from governance.project import SAFE_LOADER

DEFAULT_POLICY = Path(__file__).resolve().parent.parent / "policies.yml"

TOP_KEYS = ("version", "scope", "rules", "exceptions")
RULE_KEYS = ("enabled", "severity", "params", "include", "exclude")
SCOPE_KEYS = ("domains", "paths")
EXCEPTION_KEYS = ("code", "node", "path", "domain", "reason", "expires")


def did_you_mean(word: str, options: Iterable[str]) -> str:
    import difflib  # only error messages need it

    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True)
class Scope:
    """Which findings a rule keeps: domain names and path patterns (glob, or `re:<regex>`)."""

    domains: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.domains and not self.paths

    def matches(self, finding: Finding) -> bool:
        if finding.domain in self.domains:
            return True
        return any(path_matches(p, finding.location.path) for p in self.paths)


def path_matches(pattern: str, path: str) -> bool:
    if pattern.startswith("re:"):
        return re.search(pattern[3:], path) is not None
    return fnmatchcase(path, pattern)


@dataclass(frozen=True)
class RuleSettings:
    rule: Rule
    enabled: bool
    severity: Severity
    params: Mapping[str, Any]
    include: Scope = Scope()
    exclude: Scope = Scope()

    def keeps(self, finding: Finding) -> bool:
        return in_scope(self.include, self.exclude, finding)


def in_scope(include: Scope, exclude: Scope, finding: Finding) -> bool:
    if not include.empty and not include.matches(finding):
        return False
    return exclude.empty or not exclude.matches(finding)


@dataclass(frozen=True)
class PolicyException:
    """A granted waiver: one code on one node/path/domain, with a reason and an expiry date."""

    code: str
    reason: str
    expires: date
    node: str | None = None
    path: str | None = None
    domain: str | None = None
    line: int | None = None  # of the entry in the policy file

    def covers(self, finding: Finding) -> bool:
        if finding.code != self.code:
            return False
        if self.node is not None and not fnmatchcase(finding.node_id or "", self.node):
            return False
        if self.path is not None and not path_matches(self.path, finding.location.path):
            return False
        return self.domain is None or finding.domain == self.domain


@dataclass(frozen=True)
class Policy:
    path: str  # as shown to the user
    rules: dict[str, RuleSettings]
    include: Scope = Scope()  # global scope, applied on top of each rule's own
    exclude: Scope = Scope()
    exceptions: tuple[PolicyException, ...] = field(default=())

    def keeps(self, finding: Finding) -> bool:
        return in_scope(self.include, self.exclude, finding)


class _Reader:
    """Validates one policy document, raising MeshError(`<file>: <key path>: <problem>`)."""

    def __init__(self, shown: str, catalog: dict[str, Rule], extra_codes: Iterable[str]) -> None:
        self.shown = shown
        self.catalog = catalog
        self.names = {r.name: code for code, r in catalog.items()}
        self.extra_codes = set(extra_codes)

    def fail(self, where: str, problem: str) -> MeshError:
        return MeshError(f"{self.shown}: {where}: {problem}")

    def mapping(self, value: Any, where: str, allowed: Iterable[str] | None) -> dict[str, Any]:
        """`value` as a mapping whose keys are all in `allowed` (None: any key)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, "expected a mapping")
        if allowed is None:
            return value
        allowed = list(allowed)
        for key in value:
            if key not in allowed:
                raise self.fail(
                    where,
                    f"unknown key {key!r}{did_you_mean(str(key), allowed)} (allowed: {', '.join(allowed)})",
                )
        return value

    def code(self, raw: Any, where: str, *, allow_extra: bool = False) -> str:
        text = str(raw)
        if text in self.catalog:
            return text
        if text in self.names:
            return self.names[text]
        if allow_extra and text in self.extra_codes:
            return text
        options = [*self.catalog, *self.names, *(self.extra_codes if allow_extra else ())]
        raise self.fail(where, f"unknown rule {text!r}{did_you_mean(text, options)}; see `mesh rules`")

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, "expected a list of strings")
        for item in value:
            if item.startswith("re:"):
                try:
                    re.compile(item[3:])
                except re.error as exc:
                    raise self.fail(where, f"invalid regex {item[3:]!r} ({exc})") from None
        return tuple(value)

    def scope(self, value: Any, where: str) -> Scope:
        data = self.mapping(value, where, SCOPE_KEYS)
        return Scope(
            self.strings(data.get("domains"), f"{where}.domains"),
            self.strings(data.get("paths"), f"{where}.paths"),
        )

    def params(self, rule: Rule, value: Any, where: str) -> dict[str, Any]:
        data = self.mapping(value, where, [p.name for p in rule.params])
        params = {p.name: p.default for p in rule.params}
        for key, given in data.items():
            expected = type(rule.param(key).default)
            if isinstance(given, bool) != (expected is bool) or not isinstance(given, expected):
                raise self.fail(f"{where}.{key}", f"expected {expected.__name__}, got {type(given).__name__}")
            params[key] = given
        return params

    def severity(self, value: Any, where: str) -> Severity:
        try:
            return Severity(str(value))
        except ValueError:
            options = [s.value for s in Severity]
            raise self.fail(where, f"unknown severity {value!r}; use one of: {', '.join(options)}") from None

    def settings(self, rule: Rule, value: Any) -> RuleSettings:
        where = f"rules.{rule.code}"
        data = self.mapping(value, where, RULE_KEYS)
        enabled = data.get("enabled", True)
        if not isinstance(enabled, bool):
            raise self.fail(f"{where}.enabled", "expected true or false")
        return RuleSettings(
            rule=rule,
            enabled=enabled,
            severity=self.severity(data["severity"], f"{where}.severity")
            if "severity" in data
            else rule.severity,
            params=self.params(rule, data.get("params"), f"{where}.params"),
            include=self.scope(data.get("include"), f"{where}.include"),
            exclude=self.scope(data.get("exclude"), f"{where}.exclude"),
        )

    def exception(self, value: Any, index: int, line: int | None) -> PolicyException:
        where = f"exceptions[{index}]"
        data = self.mapping(value, where, EXCEPTION_KEYS)
        for key in ("code", "reason", "expires"):
            if not data.get(key):
                raise self.fail(where, f"missing `{key}` (every exception needs code, reason and expires)")
        expires = data["expires"]
        if isinstance(expires, datetime) or not isinstance(expires, date):  # a datetime is a date too
            raise self.fail(f"{where}.expires", f"expected a date YYYY-MM-DD, got {str(expires)!r}")
        if not any(data.get(k) for k in ("node", "path", "domain")):
            raise self.fail(where, "name what it waives: `node` (unique_id or glob), `path` or `domain`")
        target = {k: data.get(k) for k in ("node", "path", "domain")}
        if not all(v is None or isinstance(v, str) for v in target.values()):
            raise self.fail(where, "`node`, `path` and `domain` must be strings")
        if not isinstance(data["reason"], str):
            raise self.fail(f"{where}.reason", "expected text")
        return PolicyException(
            code=self.code(data["code"], f"{where}.code", allow_extra=True),
            reason=data["reason"],
            expires=expires,
            line=line,
            **target,
        )


def _exception_lines(text: str) -> list[int | None]:
    """Line of each `exceptions:` entry, for pointing at an expired one."""
    try:
        root = yaml.compose(text, Loader=SAFE_LOADER)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "exceptions" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def load_policy(
    path: Path | None = None, *, root: Path | None = None, extra_codes: Iterable[str] = ()
) -> Policy:
    """Read and validate a policy file (default: the packaged `governance/policies.yml`)."""
    path = path or DEFAULT_POLICY
    shown = _shown(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MeshError(f"{shown}: policy file not found; pass an existing file to --config") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MeshError(f"{shown}: cannot read policy file ({exc})") from None
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{shown}:{mark.line + 1}" if mark is not None else shown
        raise MeshError(
            f"{where}: invalid YAML ({getattr(exc, 'problem', exc)}); fix the policy file"
        ) from None
    except ValueError as exc:  # YAML's timestamp constructor on an impossible date (2026-02-30)
        raise MeshError(f"{shown}: invalid date ({exc}); write expires as YYYY-MM-DD") from None
    catalog = all_rules()
    reader = _Reader(shown, catalog, extra_codes)
    data = reader.mapping(data, "top level", TOP_KEYS)
    if data.get("version", 1) != 1:
        raise reader.fail("version", f"unsupported policy version {data.get('version')!r}; use 1")
    configured = reader.mapping(data.get("rules"), "rules", None)  # keys checked as codes below
    by_code: dict[str, Any] = {}
    for key, value in configured.items():
        code = reader.code(key, "rules")
        if code in by_code:
            raise reader.fail(f"rules.{key}", f"{code} is configured twice")
        by_code[code] = value
    rules = {code: reader.settings(rule, by_code.get(code)) for code, rule in catalog.items()}
    scope_data = reader.mapping(data.get("scope"), "scope", ("include", "exclude"))
    include = reader.scope(scope_data.get("include"), "scope.include")
    exclude = reader.scope(scope_data.get("exclude"), "scope.exclude")
    raw_exceptions = data.get("exceptions") or []
    if not isinstance(raw_exceptions, list):
        raise reader.fail("exceptions", "expected a list")
    lines = _exception_lines(text)
    exceptions = tuple(
        reader.exception(item, i, lines[i] if i < len(lines) else None)
        for i, item in enumerate(raw_exceptions)
    )
    return Policy(shown, rules, include, exclude, exceptions)


def _shown(path: Path, root: Path | None) -> str:
    for base in (root, Path.cwd()):
        if base is None:
            continue
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


def resolve_codes(
    raw: Iterable[str], catalog: Mapping[str, Rule], extra_codes: Iterable[str] = ()
) -> set[str]:
    """Codes for `--rules`: codes or rule names; an unknown one is an error with a suggestion."""
    names = {r.name: code for code, r in catalog.items()}
    extra = set(extra_codes)
    chosen: set[str] = set()
    for item in raw:
        if item in catalog or item in extra:
            chosen.add(item)
        elif item in names:
            chosen.add(names[item])
        else:
            suggestion = did_you_mean(item, [*catalog, *names, *extra])
            raise MeshError(f"--rules: unknown rule {item!r}{suggestion}; see `mesh rules`")
    return chosen
