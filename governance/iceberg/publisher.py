"""Publish one data product as an Iceberg table: completely, or not at all.

Order of work: read the product's columns, compare with the published table (refuse breaking
changes), write the data files, then commit one transaction (schema evolution + properties +
snapshot) whose catalog row update is the very last step. Any failure deletes the files written and
the namespace if this publish created it, so the catalog and the storage are left as they were.
Before writing, the files a publish that died left under the table location are removed. Both
clean-ups assume the caller holds the catalog's publish lock (governance/iceberg/lock.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import (
    CommitFailedException,
    NamespaceAlreadyExistsError,
    NoSuchTableError,
    TableAlreadyExistsError,
)
from pyiceberg.expressions import AlwaysTrue
from pyiceberg.io import load_file_io
from pyiceberg.table import Table, Transaction
from sqlalchemy.exc import SQLAlchemyError

from governance.errors import ExitCode, MeshError
from governance.iceberg.catalog import catalog_unreachable
from governance.iceberg.cleanup import LocationSnapshot, referenced_files, remove_orphans
from governance.iceberg.config import CatalogSettings
from governance.iceberg.contract import MANAGED_KEY, MANAGED_VALUE, PREFIX, product_properties
from governance.iceberg.naming import identifier_for
from governance.iceberg.schema import SchemaDiff, diff_schemas, evolve, product_schema
from governance.iceberg.source import ProductSource, open_source
from governance.iceberg.writer import DataFileWriter
from governance.model import Model


@dataclass(frozen=True)
class Published:
    identifier: str  # namespace.table
    action: str  # created | replaced | evolved
    rows: int
    data_files: int
    metadata_location: str
    diff: SchemaDiff | None
    orphans_removed: int = 0  # files left by publishes that died, removed before this one wrote


class BreakingChangeError(MeshError):
    def __init__(self, model: Model, identifier: str, diff: SchemaDiff) -> None:
        super().__init__(
            f"{model.fix_location}: refusing to publish {model.display_name} over {identifier}: "
            f"breaking change ({diff.describe()}); publish it as a new version "
            "(latest_version + versions: in the model yml) so consumers can migrate",
            ExitCode.FAILED,
        )
        self.diff = diff


def _load(catalog: SqlCatalog, identifier: tuple[str, str]) -> Table | None:
    try:
        return catalog.load_table(identifier)
    except NoSuchTableError:
        return None


def _ensure_namespace(catalog: SqlCatalog, namespace: str) -> bool:
    """Create the namespace if absent; True when this call created it."""
    if catalog.namespace_exists(namespace):
        return False
    try:
        catalog.create_namespace(namespace, {MANAGED_KEY: MANAGED_VALUE})
    except NamespaceAlreadyExistsError:
        return False
    return True


def _set_properties(transaction: Transaction, wanted: dict[str, str]) -> None:
    current = transaction.table_metadata.properties
    stale = [k for k in current if k.startswith(PREFIX) and k not in wanted]
    if stale:
        transaction.remove_properties(*stale)
    changed = {k: v for k, v in wanted.items() if current.get(k) != v}
    if changed:
        transaction.set_properties(changed)


class Publisher:
    def __init__(self, catalog: SqlCatalog, settings: CatalogSettings, workers: int | None = None) -> None:
        self.catalog = catalog
        self.settings = settings
        self.workers = workers

    def publish(
        self,
        model: Model,
        on_total: Callable[[int], None] | None = None,
        on_rows: Callable[[int], None] | None = None,
    ) -> Published:
        identifier = identifier_for(model)
        with open_source(self.settings.duckdb_path(model.project), model) as source:
            if on_total is not None:
                on_total(source.count())
            try:
                return self._publish(model, identifier, source, on_rows)
            except (CommitFailedException, TableAlreadyExistsError) as error:
                raise MeshError(
                    f"{model.relation}: {error}; another publish changed {'.'.join(identifier)} meanwhile, "
                    "nothing was written; run `mesh publish` again",
                    ExitCode.FAILED,
                ) from None
            except SQLAlchemyError as error:
                raise catalog_unreachable(self.settings, error) from None
            except OSError as error:
                raise MeshError(
                    f"{model.relation}: cannot write to the warehouse {self.settings.warehouse} "
                    f"({error.strerror or error}); nothing was registered",
                    ExitCode.FAILED,
                ) from None

    def _publish(
        self,
        model: Model,
        identifier: tuple[str, str],
        source: ProductSource,
        on_rows: Callable[[int], None] | None,
    ) -> Published:
        name = ".".join(identifier)
        columns = source.columns()
        wanted = product_schema(model, columns)
        properties = product_properties(model, self.settings.identity)
        existing = _load(self.catalog, identifier)
        diff: SchemaDiff | None = None
        if existing is not None:
            if existing.properties.get(MANAGED_KEY) != MANAGED_VALUE:
                raise MeshError(
                    f"{name} exists in catalog {self.settings.name} but was not published by the mesh "
                    f"(no {MANAGED_KEY} property); refusing to overwrite it: "
                    "rename the product or drop the table",
                    ExitCode.FAILED,
                )
            diff = diff_schemas(existing.schema(), wanted)
            if diff.breaking:
                raise BreakingChangeError(model, name, diff)

        created_namespace = _ensure_namespace(self.catalog, identifier[0])
        snapshot: LocationSnapshot | None = None
        transaction: Transaction
        orphans: list[str] = []
        try:
            if existing is None or diff is None:
                transaction = self.catalog.create_table_transaction(
                    identifier, schema=wanted, properties=properties
                )
                # No table yet: whatever lies at its location was written by a publish that died.
                orphans = remove_orphans(transaction.table_metadata.location, keep=set())
                snapshot = LocationSnapshot(transaction.table_metadata.location)
            else:
                orphans = remove_orphans(existing.location(), keep=referenced_files(existing))
                # Listed before the transaction: deleting the old snapshot already writes manifests.
                snapshot = LocationSnapshot(existing.location())
                transaction = existing.transaction()
                evolve(transaction, wanted, diff)
                _set_properties(transaction, properties)
                if existing.current_snapshot() is not None:
                    transaction.delete(AlwaysTrue())
            # Write in the table's column order (evolved tables keep old columns first).
            order = {c.name: c for c in columns}
            ordered = [order[f.name] for f in transaction.table_metadata.schema().fields]
            io = load_file_io({**self.catalog.properties, **properties}, transaction.table_metadata.location)
            writer = DataFileWriter(
                io,
                transaction.table_metadata,
                self.settings.target_file_bytes,
                self.workers,
            )
            written = writer.write(source.batches(ordered, self.settings.batch_rows), on_rows)
            summary = {"mesh.published-by": self.settings.identity}
            with transaction.update_snapshot(snapshot_properties=summary).fast_append() as append:
                for data_file in written.data_files:
                    append.append_data_file(data_file)
            table = transaction.commit_transaction()
        except BaseException:
            if snapshot is not None:
                snapshot.restore()
            if created_namespace:
                self._drop_empty_namespace(identifier[0])
            raise
        action = "created" if existing is None else ("evolved" if diff and diff.added else "replaced")
        return Published(
            identifier=name,
            action=action,
            rows=written.rows,
            data_files=len(written.data_files),
            metadata_location=table.metadata_location,
            diff=diff,
            orphans_removed=len(orphans),
        )

    def _drop_empty_namespace(self, namespace: str) -> None:
        try:
            if not self.catalog.list_tables(namespace):
                self.catalog.drop_namespace(namespace)
        except Exception:  # best effort while another error is being raised
            pass
