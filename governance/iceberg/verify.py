"""`mesh publish` for a domain built on Trino: verify and complete what the build wrote, copy nothing.

A domain built with `mesh build --target trino` already wrote its products into the Iceberg catalog
(dbt-trino, `<layer>.<table>` of the domain's catalog). Publishing it checks each product's table against
its contract (the columns, in order, with the declared types; primary-key and unique columns without
nulls or duplicates, which Trino does not enforce) and then completes it the way a copied product is
published: table comment, column docs, owner, domain and the other `mesh.*` properties
(governance/iceberg/contract.py), in one commit. A table that fails a check is left as the build wrote
it and the product is reported, with what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson
import pyarrow.compute as pc
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import CommitFailedException, NoSuchTableError
from pyiceberg.table import Table
from pyiceberg.types import IcebergType
from sqlalchemy.exc import SQLAlchemyError

from governance.errors import ExitCode, MeshError
from governance.iceberg.catalog import catalog_unreachable
from governance.iceberg.config import CatalogSettings
from governance.iceberg.contract import MANAGED_KEY, PREFIX, product_properties
from governance.iceberg.types import iceberg_type
from governance.model import Model

TRINO_ADAPTER = "trino"
UNIQUE_CONSTRAINTS = frozenset({"primary_key", "unique"})


@dataclass(frozen=True)
class Verified:
    identifier: str  # namespace.table
    rows: int
    changed: bool  # properties or docs were completed by this publish
    metadata_location: str = ""  # the table's metadata file once verified and completed (health reads it)


def built_on(manifest_path: Path) -> str | None:
    """The adapter of the project's last dbt run (`metadata.adapter_type` of its manifest)."""
    try:
        metadata = orjson.loads(manifest_path.read_bytes()).get("metadata") or {}
    except (OSError, orjson.JSONDecodeError):
        return None
    adapter = metadata.get("adapter_type")
    return str(adapter) if adapter else None


def built_identifier(model: Model) -> tuple[str, str]:
    """Where the Trino build wrote `model` in the Iceberg catalog: namespace = layer, table = alias."""
    return model.schema.lower(), model.alias.lower()


# Contract types spelled the Spark/Databricks way, as DuckDB spells them.
ALIASES = {"string": "varchar", "int": "integer", "long": "bigint", "short": "smallint", "byte": "tinyint"}


def declared_type(data_type: str, column: str, relation: str) -> IcebergType | None:
    """The Iceberg type a contract's declared type maps to; None when the publisher knows none (dbt's own
    contract check compared the built column with it already)."""
    spelled = ALIASES.get(data_type.strip().lower(), data_type)
    try:
        return iceberg_type(spelled, column, relation).iceberg
    except MeshError:
        return None


class TrinoBuiltVerifier:
    def __init__(self, catalog: SqlCatalog, settings: CatalogSettings) -> None:
        self.catalog = catalog
        self.settings = settings

    def verify(self, model: Model) -> Verified:
        identifier = built_identifier(model)
        name = ".".join(identifier)
        try:
            try:
                table = self.catalog.load_table(identifier)
            except NoSuchTableError:
                raise MeshError(
                    f"{model.relation}: the trino build wrote no table {name} in catalog "
                    f"{self.settings.name}; "
                    f"build it (mesh build --target trino --domain {model.project}), then publish again",
                    ExitCode.FAILED,
                ) from None
            self._check_contract(model, table, name)
            rows = self._check_keys(model, table, name)
            changed = self._complete(model, table)
        except CommitFailedException as error:
            raise MeshError(
                f"{model.relation}: {error}; the build or another publish changed {name} meanwhile; "
                "run `mesh publish` again",
                ExitCode.FAILED,
            ) from None
        except SQLAlchemyError as error:
            raise catalog_unreachable(self.settings, error) from None
        return Verified(name, rows, changed, table.metadata_location)

    def _check_contract(self, model: Model, table: Table, name: str) -> None:
        built = [(f.name, f.field_type) for f in table.schema().fields]
        declared = list(model.columns.values())
        if [c for c, _ in built] != [c.name for c in declared]:
            raise MeshError(
                f"{model.fix_location}: {name} has columns {', '.join(c for c, _ in built)}, the contract "
                f"of {model.display_name} declares {', '.join(c.name for c in declared)}; rebuild it "
                f"(mesh build --target trino --domain {model.project})",
                ExitCode.FAILED,
            )
        for (column, kind), contract in zip(built, declared, strict=True):
            if not contract.data_type:
                continue
            expected = declared_type(contract.data_type, column, model.relation)
            if expected is not None and kind != expected:
                raise MeshError(
                    f"{model.fix_location}: column {column} of {name} is {kind}, the contract of "
                    f"{model.display_name} declares {contract.data_type} ({expected}); Trino wrote another "
                    "type: cast it in the model, then build --target trino again",
                    ExitCode.FAILED,
                )

    def _check_keys(self, model: Model, table: Table, name: str) -> int:
        """Primary-key and unique columns (Trino enforces neither): no nulls, no duplicates."""
        keys = [c.name for c in model.columns.values() if UNIQUE_CONSTRAINTS & set(c.constraint_types)]
        scanned = table.scan(selected_fields=tuple(keys) if keys else ("*",)).to_arrow()
        for key in keys:
            values = scanned.column(key)
            nulls = values.null_count
            duplicates = len(values) - nulls - pc.count_distinct(values).as_py()
            if nulls or duplicates:
                raise MeshError(
                    f"{model.fix_location}: {name}.{key} is a {model.display_name} key but has "
                    f"{nulls} null(s) and {duplicates} duplicate(s), which Trino does not refuse; "
                    "fix the model, then build again",
                    ExitCode.FAILED,
                )
        return int(scanned.num_rows)

    def _complete(self, model: Model, table: Table) -> bool:
        wanted = product_properties(model, self.settings.identity)
        current = table.properties
        stale = [k for k in current if k.startswith(PREFIX) and k not in wanted and k != MANAGED_KEY]
        changed = {k: v for k, v in wanted.items() if current.get(k) != v}
        docs = {
            f.name: model.columns[f.name].description or ""
            for f in table.schema().fields
            if f.name in model.columns and (f.doc or "") != (model.columns[f.name].description or "")
        }
        if not (stale or changed or docs):
            return False
        with table.transaction() as transaction:
            if docs:
                with transaction.update_schema() as update:
                    for column, doc in docs.items():
                        update.update_column(column, doc=doc)
            if stale:
                transaction.remove_properties(*stale)
            if changed:
                transaction.set_properties(changed)
        return True
