"""The shape both the desired and the actual Unity Catalog state take, so they diff field by field."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

Grants = dict[str, frozenset[str]]  # principal -> privileges (SDK enum names: SELECT, USE_CATALOG, ...)
Tags = dict[str, str]  # key -> value ("" for a key-only tag)


@dataclass
class TableState:
    full_name: str  # catalog.schema.table
    comment: str | None = None
    owner: str | None = None
    columns: dict[str, str | None] = field(default_factory=dict)  # column -> comment
    tags: Tags = field(default_factory=dict)
    column_tags: dict[str, Tags] = field(default_factory=dict)
    grants: Grants = field(default_factory=dict)
    masks: dict[str, str] = field(default_factory=dict)  # column -> mask function full name (lower case)
    # actual: privileges reaching the table from its schema or catalog, principal -> {(privilege, from)};
    # desired: whether the product's classification is restricted (only its readers may read it)
    inherited: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    restricted: bool = False
    # desired-state context (empty for actual state): which product, for grouping and reports
    domain: str = ""
    product: str = ""


@dataclass(frozen=True)
class MaskFunction:
    """A column mask function: `RETURN body` over one parameter `v` of `data_type`."""

    full_name: str
    data_type: str
    body: str
    owner: str | None = None
    owned: bool = False  # actual: the sync principal owns it (directly or through a group)


@dataclass
class ShareState:
    name: str
    exists: bool = True
    objects: set[str] = field(default_factory=set)  # shared table full names
    recipients: Grants = field(default_factory=dict)  # recipient -> privileges on the share
    owner: str | None = None  # must keep SELECT on every shared table, or recipients lose access
    # shared table (lower case) -> its alias in the share (`shared_as`, `<schema>.<table>`); desired: the
    # mesh's `<domain>.<table>`, unique in the share. https://docs.databricks.com/api/workspace/shares/update
    aliases: dict[str, str] = field(default_factory=dict)
    unreadable: bool = False  # the sync principal may not read it (403): left alone, reported


@dataclass
class UnityState:
    """Tables by full name, grants on catalogs and schemas, and shares."""

    tables: dict[str, TableState] = field(default_factory=dict)
    catalog_grants: dict[str, Grants] = field(default_factory=dict)
    schema_grants: dict[str, Grants] = field(default_factory=dict)  # key: catalog.schema
    shares: dict[str, ShareState] = field(default_factory=dict)
    # Mask functions (full name, lower case) -> their definition: desired, the mesh's; actual, the
    # `mesh_mask_` functions of the schemas read. See governance/unity/masks.py.
    functions: dict[str, MaskFunction] = field(default_factory=dict)
    # Grants on those functions: desired, EXECUTE for the owner of every table each one masks (a rebuild's
    # `MASK f` takes EXECUTE on f); actual, the direct grants read.
    function_grants: dict[str, Grants] = field(default_factory=dict)
    # actual: schemas (catalog.schema, lower case) where the sync principal may create functions
    may_create_functions: set[str] = field(default_factory=set)
    # What the sync principal cannot see: tables that exist but are hidden from it, and securables
    # whose grants it may not read (neither owner nor MANAGE). Reported, never taken as absent.
    invisible: set[str] = field(default_factory=set)
    grants_unknown: set[str] = field(default_factory=set)

    def canonical(self) -> dict[str, Any]:
        def grants(g: Grants) -> dict[str, list[str]]:
            return {p: sorted(v) for p, v in sorted(g.items())}

        return {
            "tables": {
                name: {
                    "comment": t.comment,
                    "owner": t.owner,
                    "columns": dict(sorted(t.columns.items())),
                    "tags": dict(sorted(t.tags.items())),
                    "column_tags": {c: dict(sorted(v.items())) for c, v in sorted(t.column_tags.items())},
                    "grants": grants(t.grants),
                    "masks": dict(sorted(t.masks.items())),
                }
                for name, t in sorted(self.tables.items())
            },
            "catalog_grants": {k: grants(v) for k, v in sorted(self.catalog_grants.items())},
            "schema_grants": {k: grants(v) for k, v in sorted(self.schema_grants.items())},
            "shares": {
                name: {
                    "exists": s.exists,
                    "objects": sorted(s.objects),
                    "recipients": grants(s.recipients),
                    "aliases": dict(sorted(s.aliases.items())),
                    "unreadable": s.unreadable,
                }
                for name, s in sorted(self.shares.items())
            },
            "functions": {n: [f.data_type, f.body] for n, f in sorted(self.functions.items())},
            "function_grants": {k: grants(v) for k, v in sorted(self.function_grants.items())},
            "may_create_functions": sorted(self.may_create_functions),
            "invisible": sorted(self.invisible),
            "grants_unknown": sorted(self.grants_unknown),
        }

    def fingerprint(self) -> str:
        """Identity of a read state: a reviewed plan applies only while the workspace still matches it."""
        return hashlib.sha256(orjson.dumps(self.canonical(), option=orjson.OPT_SORT_KEYS)).hexdigest()
