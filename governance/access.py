"""The access matrix: for every product, column and principal, what that principal gets.

The one definition of who reads what, from the model (owner, dbt `grants`, `meta.pii_cleared_groups`,
`classification`, `meta.shares`, column `meta.pii` / `masked`) and the central policy (`AccessPolicy`:
the consumer group, the restricted classifications' reader groups, the share recipients, from
`unity.yml`). Every engine enforces this and is tested against it: the Trino rules (`governance.trino.rules`),
the Unity Catalog grants and column masks (`governance.unity.desired`), the catalog site's "Who may read it".

A principal gets, per column:

- `clear`: the value as stored;
- `masked`: the value is already masked in the product itself (`meta.masked: true`: hashed or redacted in
  SQL), for everyone who reads the product;
- `withheld`: personal data in clear (`pii: true`, not `masked`) the principal is not cleared for: Trino
  hides the column, Unity Catalog's column mask returns NULL, and no share may carry it (MESH050);
- `denied`: the principal may not read the product at all.

Who reads a product: its owner; unless its classification is restricted, the dbt `select` grantees, the
consumer group and the PII-cleared groups; when it is restricted, only the restricted readers (a grant or
clearance of anyone else is dropped). Recipients of a share the product lists read it like a consumer:
uncleared, never when restricted. The owner and the cleared groups read PII in clear.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from governance.model import MeshModel, Model, names


class Grant(StrEnum):
    CLEAR = "clear"
    MASKED = "masked"
    WITHHELD = "withheld"
    DENIED = "denied"


@dataclass(frozen=True)
class AccessPolicy:
    """The central part of the policy (unity.yml): empty by default, the model alone then decides."""

    consumer_group: str | None = None
    restricted_readers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    shares: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # share -> recipients


@dataclass(frozen=True)
class Principal:
    """One principal's access to one product: why it is listed, and what each column gives it."""

    name: str
    via: tuple[str, ...]  # where the right (or the dropped right) comes from, for humans
    reads: bool
    cleared: bool  # reads PII in clear
    columns: Mapping[str, Grant]

    def columns_with(self, grant: Grant) -> list[str]:
        return [c for c, g in self.columns.items() if g is grant]

    @property
    def summary(self) -> str:
        """`denied`, `clear`, or `clear; withheld: a, b; masked: c`."""
        if not self.reads:
            return Grant.DENIED.value
        parts = [Grant.CLEAR.value]
        for grant in (Grant.WITHHELD, Grant.MASKED):
            listed = self.columns_with(grant)
            if listed:
                parts.append(f"{grant.value}: {', '.join(listed)}")
        return "; ".join(parts)


@dataclass(frozen=True)
class ProductAccess:
    model: Model
    owner: str | None
    restricted: bool
    principals: tuple[Principal, ...]

    @property
    def name(self) -> str:
        return self.model.display_name

    def principal(self, name: str) -> Principal:
        """The principal's access; a principal the product does not list is denied every column."""
        for principal in self.principals:
            if principal.name == name:
                return principal
        return Principal(name, (), False, False, dict.fromkeys(self.model.columns, Grant.DENIED))

    @property
    def readers(self) -> list[str]:
        """Everyone who reads the product, its owner included, in the matrix's order."""
        return [p.name for p in self.principals if p.reads]

    @property
    def cleared(self) -> list[str]:
        """Readers who read its PII in clear (the owner included)."""
        return [p.name for p in self.principals if p.reads and p.cleared]

    @property
    def withheld_columns(self) -> list[str]:
        """Columns an uncleared reader does not get (hidden on Trino, NULL through a Unity mask)."""
        return [c.name for c in self.model.columns.values() if c.is_pii and not c.is_masked]


def _column_grants(model: Model, reads: bool, cleared: bool) -> dict[str, Grant]:
    grants: dict[str, Grant] = {}
    for column in model.columns.values():
        if not reads:
            grants[column.name] = Grant.DENIED
        elif column.is_masked:
            grants[column.name] = Grant.MASKED
        elif column.is_pii and not cleared:
            grants[column.name] = Grant.WITHHELD
        else:
            grants[column.name] = Grant.CLEAR
    return grants


def _sources(model: Model, policy: AccessPolicy, restricted: tuple[str, ...] | None) -> dict[str, list[str]]:
    """Every principal the product names, with where each one comes from."""
    via: dict[str, list[str]] = {}

    def add(name: str, reason: str) -> None:
        reasons = via.setdefault(name, [])
        if reason not in reasons:
            reasons.append(reason)

    if model.principal:
        add(model.principal, "owner")
    for privilege, grantees in sorted(model.grants.items()):
        if privilege.strip().lower() == "select":
            for grantee in grantees:
                add(grantee, "dbt grants")
    if policy.consumer_group:
        add(policy.consumer_group, "consumer group")
    for group in restricted or ():
        add(group, "restricted readers")
    for group in model.pii_cleared_groups:
        add(group, "PII clearance")
    for share in names(model.meta.get("shares")):
        for recipient in policy.shares.get(share, ()):
            add(recipient, f"share {share}")
    return via


def product_access(model: Model, policy: AccessPolicy) -> ProductAccess:
    """The matrix rows of one product."""
    owner = model.principal
    restricted = policy.restricted_readers.get(model.classification or "")
    cleared = set(model.pii_cleared_groups)
    principals = []
    for name, reasons in _sources(model, policy, restricted).items():
        # Not restricted: every source grants read. Restricted: the owner and the restricted readers only.
        reads = name == owner or restricted is None or name in restricted
        is_cleared = reads and (name == owner or name in cleared)
        principals.append(
            Principal(name, tuple(reasons), reads, is_cleared, _column_grants(model, reads, is_cleared))
        )
    # Owner first, then the cleared readers, the other readers, and last the denied.
    principals.sort(key=lambda p: (p.name != owner, not p.reads, not p.cleared, p.name))
    return ProductAccess(model, owner, restricted is not None, tuple(principals))


def access_matrix(
    mesh: MeshModel,
    policy: AccessPolicy,
    products: Iterable[Model] | None = None,
) -> list[ProductAccess]:
    """Every product's rows (hub marts are not products), sorted by product name."""
    chosen = mesh.products() if products is None else products
    return [
        product_access(model, policy)
        for model in sorted(chosen, key=lambda m: (m.project, m.name, m.version or ""))
    ]


@dataclass(frozen=True)
class Cell:
    product: str
    principal: str
    via: str
    column: str
    grant: Grant


def cells(matrix: Iterable[ProductAccess], principal: str | None = None) -> Iterator[Cell]:
    """The matrix flattened: one cell per product, principal and column (`principal` alone if given)."""
    for product in matrix:
        rows = [product.principal(principal)] if principal else list(product.principals)
        for row in rows:
            for column, grant in row.columns.items():
                yield Cell(product.name, row.name, ", ".join(row.via), column, grant)
