"""Trino system file-based access control (`rules.json`) generated from the products' grants.

Deny by default: every section is present, so anything no rule matches is denied. Within a section
the first matching rule wins, hence the order: admins, the publisher, then per product the
PII-cleared groups (all columns) before the owner (all columns) and the granted readers (PII columns
hidden), as the access matrix (governance.access) defines them, and
last the owning groups over the other tables of their own external schema (their scratch tables).
A product is written by `mesh publish` alone: every other group, its owner included, gets SELECT on
it and nothing else (Trino checks DDL and table procedures against OWNERSHIP, data changes against
INSERT/DELETE/UPDATE), and only admins and the publisher own schemas (a schema owner may
`DROP SCHEMA ... CASCADE`, products and all).
All name fields are Java regular expressions matched in full, so every name is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance.access import AccessPolicy, product_access
from governance.build.targets import declares_target
from governance.model import Domain, MeshModel, Model
from governance.project import Platform
from governance.trino.config import TrinoSettings
from governance.trino.names import TrinoTable, trino_table

ALL_TABLE_PRIVILEGES = ["SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP", "GRANT_SELECT"]
PUBLISHER_PROCEDURES = "register_table|unregister_table"
TRINO_TARGET = "trino"
OWNER_PRIVILEGES = ["SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP"]


_REGEX_META = re.compile(r"([\\.^$|?*+()\[\]{}])")


def exact(name: str) -> str:
    """A (Java) regex matching exactly `name`: its metacharacters backslash-escaped."""
    return _REGEX_META.sub(r"\\\1", name)


def one_of(names: Iterable[str]) -> str:
    return "|".join(exact(n) for n in sorted(set(names)))


@dataclass
class ProductAccess:
    """Who reads one product in Trino, and which columns they may not see."""

    table: TrinoTable
    owner: str | None
    readers: list[str]
    cleared: list[str]
    pii: list[str]
    # The product lives in its domain's own catalog and the domain builds there on Trino (`mesh build
    # --target trino`): its owner writes it; everyone else still reads it only.
    owner_writes: bool = False

    @classmethod
    def of(
        cls, model: Model, domain: Domain, settings: TrinoSettings, policy: AccessPolicy | None = None
    ) -> ProductAccess:
        """From the access matrix (governance.access): its readers read, its withheld columns are hidden
        from all but the cleared. `policy` is the central part of it (default: the model alone)."""
        access = product_access(model, policy or AccessPolicy())
        owner = access.owner
        return cls(
            trino_table(model, domain, settings),
            str(owner) if owner else None,
            sorted(set(access.readers) - ({owner} if owner else set())),
            [g for g in access.cleared if g != owner],
            # Named as Trino names columns, in lower case: a rule's column name is compared as written
            # (Trino 476), so `Email` would hide nothing from a reader who sees `email`.
            [column.lower() for column in access.withheld_columns],
        )

    def table_rules(self) -> list[dict[str, Any]]:
        where = {
            "catalog": exact(self.table.catalog),
            "schema": exact(self.table.schema),
            "table": exact(self.table.table),
        }
        hidden = [{"name": column, "allow": False} for column in self.pii]
        rules: list[dict[str, Any]] = []
        ordered = sorted(self.cleared) + [
            g for g in ([self.owner] if self.owner else []) if g not in self.cleared
        ]
        ordered += [g for g in self.readers if g not in ordered]
        for group in ordered:
            privileges = OWNER_PRIVILEGES if self.owner_writes and group == self.owner else ["SELECT"]
            rule: dict[str, Any] = {"group": exact(group), **where, "privileges": privileges}
            if hidden and group not in self.cleared and group != self.owner:  # the owner reads in clear
                rule["columns"] = hidden
            rules.append(rule)
        # Everyone else: nothing. Without it an owning group of another product in this schema would
        # fall through to the schema-wide owner rule and own this product.
        rules.append({**where, "privileges": []})
        return rules


@dataclass
class RulesBuilder:
    mesh: MeshModel
    settings: TrinoSettings
    publisher: str
    products: list[ProductAccess] = field(default_factory=list)
    # The central part of the access matrix (unity.yml consumer group, restricted readers); by default the
    # model alone decides, as the generated rules always have.
    policy: AccessPolicy = field(default_factory=AccessPolicy)

    def __post_init__(self) -> None:
        for domain in self.mesh.domains.values():
            if domain.is_hub:
                continue
            # Every external domain has its own catalog (named after it); its owners write there when the
            # domain builds on Trino (its profile declares the `trino` target: profiles/profiles.yml), else
            # the publisher alone writes products. Declared, so a local DuckDB build changes no rule.
            builds_on_trino = domain.platform is Platform.EXTERNAL and declares_target(
                Path(self.mesh.root), domain.name, TRINO_TARGET
            )
            for model in sorted(domain.products, key=lambda m: (m.name, m.version or "")):
                access = ProductAccess.of(model, domain, self.settings, self.policy)
                access.owner_writes = builds_on_trino and access.table.catalog == domain.name
                self.products.append(access)

    @property
    def referenced_groups(self) -> set[str]:
        groups = {self.settings.admin_group}
        for product in self.products:
            groups.update(product.readers)
            groups.update(product.cleared)
            if product.owner:
                groups.add(product.owner)
        return groups

    def _owners_by_schema(self) -> dict[tuple[str, str], set[str]]:
        owners: dict[tuple[str, str], set[str]] = {}
        for product in self.products:
            if product.owner:
                owners.setdefault((product.table.catalog, product.table.schema), set()).add(product.owner)
        return owners

    def _own_catalogs(self) -> dict[str, set[str]]:
        """Catalogs an external domain has to itself (named after it), with the groups owning its products:
        they build the domain there on Trino, so they own its schemas and write its tables."""
        owned: dict[str, set[str]] = {}
        for product in self.products:
            if product.owner_writes and product.owner:
                owned.setdefault(product.table.catalog, set()).add(product.owner)
        return owned

    def build(self) -> dict[str, Any]:
        admin = exact(self.settings.admin_group)
        # The external domains' catalogs (one per domain, named after it), which the publisher writes.
        external_catalogs = sorted(d.name for d in external_domains(self.mesh))
        external = one_of(external_catalogs) if external_catalogs else "$^"  # "$^" matches no catalog
        publisher = exact(self.publisher)
        mesh_catalogs = sorted({p.table.catalog for p in self.products} | set(external_catalogs))
        external_owners = {p.owner for p in self.products if p.owner and p.table.catalog in external_catalogs}
        readers = self.referenced_groups - {self.settings.admin_group}
        catalogs: list[dict[str, Any]] = [
            {"group": admin, "allow": "all"},
            {"user": publisher, "catalog": external, "allow": "all"},
        ]
        if external_owners:
            catalogs.append({"group": one_of(external_owners), "catalog": external, "allow": "all"})
        own_catalogs = sorted(self._own_catalogs().items())
        for catalog, owners in own_catalogs:
            catalogs.append({"group": one_of(owners), "catalog": exact(catalog), "allow": "all"})
        builders = set().union(*(owners for _, owners in own_catalogs))
        if builders:  # dbt-trino lists relations joined with system.metadata.materialized_views
            catalogs.append({"group": one_of(builders), "catalog": "system", "allow": "read-only"})
        if readers:
            catalogs.append(
                {"group": one_of(readers), "catalog": one_of(mesh_catalogs), "allow": "read-only"}
            )
        # Owning groups do not own their schema: CREATE TABLE needs table OWNERSHIP only (below).
        schemas: list[dict[str, Any]] = [
            {"group": admin, "owner": True},
            {"user": publisher, "catalog": external, "owner": True},
        ]
        schemas += [{"group": one_of(o), "catalog": exact(c), "owner": True} for c, o in own_catalogs]
        tables: list[dict[str, Any]] = [
            {"group": admin, "privileges": ALL_TABLE_PRIVILEGES},
            {
                "user": publisher,
                "catalog": external,
                "privileges": ["SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP"],
            },
        ]
        for product in self.products:
            tables.extend(product.table_rules())
        # Trino checks CREATE/DROP TABLE against table OWNERSHIP, not schema ownership: the owning groups
        # get every privilege on the other tables of their own external schemas. Products matched the
        # rules above first (SELECT only), also before they exist: nobody but the publisher creates one.
        for (catalog, schema), owners in sorted(self._owners_by_schema().items()):
            if catalog in external_catalogs:
                tables.append(
                    {
                        "group": one_of(owners),
                        "catalog": exact(catalog),
                        "schema": exact(schema),
                        "privileges": ["SELECT", "INSERT", "DELETE", "UPDATE", "OWNERSHIP"],
                    }
                )
        # A domain built on Trino: its owners write every other table of their own catalog (its layers and
        # landed sources); products matched their rules above (owner writes, others read).
        if builders:
            tables.append(
                {
                    "group": one_of(builders),
                    "catalog": "system",
                    "schema": "metadata",
                    "privileges": ["SELECT"],
                }
            )
        for catalog, owners in own_catalogs:
            tables.append(
                {"group": one_of(owners), "catalog": exact(catalog), "privileges": OWNER_PRIVILEGES}
            )
        procedures: list[dict[str, Any]] = [
            {"group": admin, "privileges": ["EXECUTE", "GRANT_EXECUTE"]},
            {
                "user": publisher,
                "catalog": external,
                "schema": "system",
                "procedure": PUBLISHER_PROCEDURES,
                "privileges": ["EXECUTE"],
            },
        ]
        return {"catalogs": catalogs, "schemas": schemas, "tables": tables, "procedures": procedures}


def external_domains(mesh: MeshModel) -> list[Domain]:
    return [d for d in mesh.domains.values() if d.platform is Platform.EXTERNAL and not d.is_hub]


def databricks_domains(mesh: MeshModel) -> list[Domain]:
    return [d for d in mesh.domains.values() if d.platform is Platform.DATABRICKS and not d.is_hub]
