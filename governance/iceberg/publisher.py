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

from pyarrow import fs
from pyiceberg.catalog.sql import IcebergTables, SqlCatalog
from pyiceberg.exceptions import (
    CommitFailedException,
    NamespaceAlreadyExistsError,
    NoSuchTableError,
    TableAlreadyExistsError,
)
from pyiceberg.expressions import AlwaysTrue
from pyiceberg.io import load_file_io
from pyiceberg.table import Table, Transaction
from sqlalchemy import ColumnElement, and_, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from governance.errors import ExitCode, MeshError
from governance.iceberg.catalog import catalog_unreachable
from governance.iceberg.cleanup import LocationSnapshot, referenced_files, remove_orphans
from governance.iceberg.config import CatalogSettings
from governance.iceberg.contract import MANAGED_KEY, MANAGED_VALUE, PREFIX, product_properties
from governance.iceberg.expiry import expire_snapshots
from governance.iceberg.naming import identifier_for
from governance.iceberg.schema import SchemaDiff, diff_schemas, evolve, product_schema
from governance.iceberg.source import ProductSource, open_source
from governance.iceberg.writer import DataFileWriter
from governance.model import Model


@dataclass(frozen=True)
class Published:
    identifier: str  # namespace.table
    action: str  # created | replaced | evolved | re-created
    rows: int
    data_files: int
    metadata_location: str
    diff: SchemaDiff | None
    orphans_removed: int = 0  # files left by publishes that died, removed before this one wrote
    lost_metadata: str | None = None  # re-created: the missing metadata file the catalog pointed at


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


def _row(catalog: SqlCatalog, identifier: tuple[str, str]) -> ColumnElement[bool]:
    """The catalog's row for `identifier` (catalog name, namespace, table)."""
    return and_(
        IcebergTables.catalog_name == catalog.name,
        IcebergTables.table_namespace == identifier[0],
        IcebergTables.table_name == identifier[1],
    )


def _metadata_location(catalog: SqlCatalog, identifier: tuple[str, str]) -> str | None:
    """The metadata file the catalog row names, read without opening it."""
    with Session(catalog.engine) as session:
        location = session.scalar(select(IcebergTables.metadata_location).where(_row(catalog, identifier)))
    return str(location) if location else None


def _missing(location: str) -> bool:
    try:
        filesystem, path = fs.FileSystem.from_uri(location)
        return bool(filesystem.get_file_info(path).type == fs.FileType.NotFound)
    except (OSError, ValueError):  # unreachable storage is not proof of a lost file
        return False


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
        identifier: tuple[str, str] | None = None,
    ) -> Published:
        """Publish `model` at `identifier` (default: where the mesh publishes it, naming.identifier_for)."""
        identifier = identifier or identifier_for(model)
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
        existing, lost = self._load_or_forget_lost(identifier)
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
                    identifier, schema=wanted, location=self._new_location(identifier), properties=properties
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
        table, _, _ = expire_snapshots(table, self.settings.retention)  # publish.yml retention: (N / D days)
        action = "created" if existing is None else ("evolved" if diff and diff.added else "replaced")
        if lost is not None:
            action = "re-created"
        return Published(
            identifier=name,
            action=action,
            rows=written.rows,
            data_files=len(written.data_files),
            metadata_location=table.metadata_location,
            diff=diff,
            orphans_removed=len(orphans),
            lost_metadata=lost,
        )

    def _new_location(self, identifier: tuple[str, str]) -> str:
        """Where a new table goes: `<namespace folder>/<table>-<catalog tag>`, the namespace folder being
        its `location` property or `<warehouse>/<namespace>` (pyiceberg's default, which another catalog
        over the same warehouse would also choose)."""
        namespace, table = identifier
        base = self.catalog.load_namespace_properties(namespace).get("location")
        base = (base or f"{self.settings.warehouse.rstrip('/')}/{namespace}").rstrip("/")
        return f"{base}/{table}-{self.settings.tag}"

    def _folders_of(self, identifier: tuple[str, str]) -> tuple[str, str]:
        """The folders the mesh ever created this table in: its own, and the one before tags."""
        namespace, table = identifier
        return (
            f"{self._new_location(identifier)}/",
            f"{self.settings.warehouse.rstrip('/')}/{namespace}/{table}/",
        )

    def _load_or_forget_lost(self, identifier: tuple[str, str]) -> tuple[Table | None, str | None]:
        """The published table, or (None, its metadata file) when the warehouse lost the table.

        A catalog database can outlive its warehouse (emptied, restored from an older backup, a fresh
        checkout against a kept database): the row then names a metadata file that no longer exists and
        the table cannot be read by anyone. When the mesh published it (its namespace is the mesh's and
        the file lay in a folder the mesh creates this table in), the row is forgotten and the product
        published afresh from its source; any other lost table is reported and left alone.
        """
        try:
            return _load(self.catalog, identifier), None
        except OSError:
            location = _metadata_location(self.catalog, identifier)
            if location is None or not _missing(location):
                raise
        name = ".".join(identifier)
        properties = self.catalog.load_namespace_properties(identifier[0])
        ours = properties.get(MANAGED_KEY) == MANAGED_VALUE and location.startswith(
            self._folders_of(identifier)
        )
        if not ours:
            raise MeshError(
                f"{name}: catalog {self.settings.name} points at metadata file {location}, which is "
                "missing, and the table was not published by the mesh (its namespace or location is not "
                "the mesh's); restore the file, or drop the table from the catalog",
                ExitCode.FAILED,
            )
        with Session(self.catalog.engine) as session:
            # Only the row as read: a writer that committed since (a Trino user) keeps its table.
            forgotten = session.execute(
                delete(IcebergTables).where(
                    _row(self.catalog, identifier), IcebergTables.metadata_location == location
                )
            )
            session.commit()
        if getattr(forgotten, "rowcount", 1) != 1:
            raise CommitFailedException(f"{name} changed while its lost metadata was being forgotten")
        return None, location

    def _drop_empty_namespace(self, namespace: str) -> None:
        try:
            if not self.catalog.list_tables(namespace):
                self.catalog.drop_namespace(namespace)
        except Exception:  # best effort while another error is being raised
            pass
