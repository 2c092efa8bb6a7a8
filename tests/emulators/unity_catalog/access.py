"""Who the caller is and what it may do: Unity Catalog's ownership and privilege model, as documented.

Every rule names the page it follows. The emulator checks a privilege when a leaf statement runs (so a
script that loses a right halfway fails halfway, as on a warehouse) and before a REST write applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# https://docs.databricks.com/aws/en/data-governance/unity-catalog/manage-privileges/privileges
# (privilege inheritance): a privilege granted on a catalog or schema applies to every object in it.
INHERITED_TO_TABLE = frozenset({"SELECT", "MODIFY", "APPLY_TAG", "MANAGE", "BROWSE", "ALL_PRIVILEGES"})
# ALL PRIVILEGES expands to every applicable privilege except MANAGE (same page, "ALL PRIVILEGES").
_ALL_EXCLUDES = frozenset({"MANAGE", "EXTERNAL_USE_SCHEMA"})


@dataclass(frozen=True)
class Identity:
    """A user or service principal: the token identifies it; account groups it belongs to."""

    name: str
    groups: frozenset[str] = field(default_factory=frozenset)
    admin: bool = False  # metastore admin

    @property
    def names(self) -> frozenset[str]:
        return self.groups | {self.name}


@dataclass
class AccessDeniedError(Exception):
    """A missing right: `PERMISSION_DENIED` over REST, `INSUFFICIENT_PERMISSIONS` in SQL."""

    message: str

    def __str__(self) -> str:
        return self.message


def effective(held: dict[str, set[str]], names: frozenset[str]) -> set[str]:
    """Privileges a caller holds directly or through a group, ALL PRIVILEGES expanded."""
    privileges: set[str] = set()
    for principal, granted in held.items():
        if principal in names:
            privileges |= granted
    if "ALL_PRIVILEGES" in privileges:
        privileges |= INHERITED_TO_TABLE - _ALL_EXCLUDES
    return privileges
