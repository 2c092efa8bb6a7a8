"""A product's Iceberg schema and the comparison of a re-publish against the published table.

Additive changes (new columns, new descriptions) evolve the table; a removed column or a changed type
breaks its readers and is refused unless it comes as a new product version (a new table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyiceberg.schema import Schema
from pyiceberg.table import Transaction
from pyiceberg.types import NestedField

from governance.iceberg.source import SourceColumn
from governance.model import Model


def product_schema(model: Model, columns: Sequence[SourceColumn]) -> Schema:
    """Every column optional (contracts enforce not-null upstream), documented from the contract."""
    fields = []
    for field_id, column in enumerate(columns, start=1):
        contract = model.columns.get(column.name)
        doc = contract.description if contract and contract.description else None
        fields.append(NestedField(field_id, column.name, column.mapped.iceberg, required=False, doc=doc))
    return Schema(*fields)


@dataclass(frozen=True)
class SchemaDiff:
    removed: tuple[tuple[str, str], ...]  # (column, published type)
    changed: tuple[tuple[str, str, str], ...]  # (column, published type, new type)
    added: tuple[tuple[str, str], ...]  # (column, new type)
    redocumented: tuple[tuple[str, str | None], ...]  # (column, new doc)

    @property
    def breaking(self) -> bool:
        return bool(self.removed or self.changed)

    def describe(self) -> str:
        parts = [f"removed {name} ({kind})" for name, kind in self.removed]
        parts += [f"changed {name} {old} -> {new}" for name, old, new in self.changed]
        parts += [f"added {name} ({kind})" for name, kind in self.added]
        return "; ".join(parts) or "no column changes"


def diff_schemas(published: Schema, wanted: Schema) -> SchemaDiff:
    old = {f.name: f for f in published.fields}
    new = {f.name: f for f in wanted.fields}
    return SchemaDiff(
        removed=tuple((n, str(f.field_type)) for n, f in old.items() if n not in new),
        changed=tuple(
            (n, str(f.field_type), str(new[n].field_type))
            for n, f in old.items()
            if n in new and f.field_type != new[n].field_type
        ),
        added=tuple((n, str(f.field_type)) for n, f in new.items() if n not in old),
        redocumented=tuple(
            (n, f.doc) for n, f in new.items() if n in old and (old[n].doc or None) != (f.doc or None)
        ),
    )


def evolve(transaction: Transaction, wanted: Schema, diff: SchemaDiff) -> None:
    """Apply an additive diff: append new columns, update changed column docs."""
    if not (diff.added or diff.redocumented):
        return
    fields = {f.name: f for f in wanted.fields}
    with transaction.update_schema() as update:
        for name, _ in diff.added:
            update.add_column(name, fields[name].field_type, doc=fields[name].doc)
        for name, doc in diff.redocumented:
            update.update_column(name, doc=doc or "")
