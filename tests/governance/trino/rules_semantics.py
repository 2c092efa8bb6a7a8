"""Trino's documented file-based access control semantics, to read generated rules.json in tests.

From trinodb/trino docs security/file-system-access-control.md: within a section the first matching
rule wins; a missing field matches everything (`.*`); regexes match the whole name; a rule with
`group` applies when any of the user's groups matches; no matching rule means access denied.
"""

from __future__ import annotations

import re
from typing import Any


def _full(pattern: str | None, value: str) -> bool:
    return re.fullmatch(pattern if pattern is not None else ".*", value) is not None


def matches(rule: dict[str, Any], user: str, groups: set[str], **names: str) -> bool:
    if not _full(rule.get("user"), user):
        return False
    if "group" in rule and not any(_full(rule["group"], g) for g in groups):
        return False
    return all(_full(rule.get(key), value) for key, value in names.items())


def first(rules: list[dict[str, Any]], user: str, groups: set[str], **names: str) -> dict[str, Any] | None:
    return next((r for r in rules if matches(r, user, groups, **names)), None)


def table_access(rules: dict[str, Any], user: str, groups: set[str], table: str) -> tuple[set[str], set[str]]:
    """(privileges, hidden columns) a user gets on catalog.schema.table; empty when denied."""
    catalog, schema, name = table.split(".")
    catalog_rule = first(rules["catalogs"], user, groups, catalog=catalog)
    if catalog_rule is None or catalog_rule["allow"] in ("none", False):
        return set(), set()
    rule = first(rules["tables"], user, groups, catalog=catalog, schema=schema, table=name)
    if rule is None:
        return set(), set()
    hidden = {c["name"] for c in rule.get("columns", []) if c.get("allow") is False}
    return set(rule["privileges"]), hidden
