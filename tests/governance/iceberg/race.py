"""A race harness for `mesh publish`: several publishes at once, or one killed at a random moment.

Each publish is a real `python -m governance publish` process against one catalog (SQLite file or a
PostgreSQL schema of its own) and one warehouse folder. `inspect_catalog` then opens every table the
catalog lists, reads all its rows, compares them with the product's source and lists the files under
each table's location that no snapshot, manifest or metadata file references (orphans).
Used by tests/governance/iceberg/test_concurrency.py and scripts/race_publish.py (the >= 50-trial figures).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import sqlalchemy
from pyiceberg.catalog.sql import SqlCatalog
from sqlalchemy import text

REPO = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Target:
    """Where the publishes write: the catalog URI, the warehouse folder and the mesh they read."""

    uri: str
    warehouse: Path
    mesh_root: Path
    source_dir: Path  # <dir>/<domain>.duckdb

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            MESH_ROOT=str(self.mesh_root),
            MESH_DATA_DIR=str(self.source_dir.parent),
            MESH_CATALOG_URI=self.uri,
            MESH_WAREHOUSE=self.warehouse.as_uri(),
        )
        env.pop("MESH_CATALOG_PASSWORD", None)
        return env


@contextmanager
def postgres_schema(base_uri: str) -> Iterator[str]:
    """A URI whose connections use a fresh schema of `base_uri`'s database (dropped afterwards)."""
    schema = f"race_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(base_uri)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in base_uri else "?"
    try:
        yield f"{base_uri}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


@dataclass(frozen=True)
class Run:
    code: int
    stderr: str


def start(target: Target, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "governance", "publish", *args],
        env=target.env(),
        cwd=target.mesh_root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 600) -> Run:
    _, err = process.communicate(timeout=timeout)
    return Run(process.returncode, err)


def publish_together(target: Target, count: int) -> list[Run]:
    processes = [start(target) for _ in range(count)]
    return [finish(p) for p in processes]


def kill_after(target: Target, delay: float) -> None:
    """Start a publish and SIGKILL it after `delay` seconds (it may have finished by then)."""
    process = start(target)
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.communicate(timeout=600)


@dataclass
class Inspection:
    tables: dict[str, int] = field(default_factory=dict)  # namespace.table -> rows read
    broken: dict[str, str] = field(default_factory=dict)  # namespace.table -> why it does not read
    orphans: list[str] = field(default_factory=list)  # files under a table location nothing references

    @property
    def consistent(self) -> bool:
        return not self.broken


def _path(location: str) -> str:
    parsed = urlparse(location)
    return unquote(parsed.path) if parsed.scheme == "file" else location


def _referenced(table: object) -> set[str]:
    from pyiceberg.table import Table

    assert isinstance(table, Table)
    metadata = table.metadata
    files = {table.metadata_location} | {entry.metadata_file for entry in metadata.metadata_log}
    for snapshot in metadata.snapshots:
        files.add(snapshot.manifest_list)
        for manifest in snapshot.manifests(table.io):
            files.add(manifest.manifest_path)
            for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=False):
                files.add(entry.data_file.file_path)
    return {_path(f) for f in files}


def source_rows(target: Target, relation: str) -> int:
    domain = relation.split(".", 1)[0]
    with duckdb.connect(str(target.source_dir / f"{domain}.duckdb"), read_only=True) as con:
        row = con.execute(f"select count(*) from {relation}").fetchone()
    assert row is not None
    return int(row[0])


def catalog_names(target: Target) -> list[str]:
    """The Iceberg catalogs in the catalog database: one per external domain (config.domain_catalog)."""
    probe = SqlCatalog("probe", uri=target.uri, warehouse=target.warehouse.as_uri())
    try:
        with probe.engine.connect() as connection:
            rows = connection.execute(text("SELECT DISTINCT catalog_name FROM iceberg_tables")).fetchall()
    finally:
        probe.engine.dispose()
    return sorted(str(row[0]) for row in rows)


def inspect_catalog(target: Target, catalog_name: str | None = None) -> Inspection:
    """Open and read every table of the catalogs (default: every one in the database); list the orphan
    files under the warehouse."""
    found = Inspection()
    referenced: set[str] = set()
    for name_of_catalog in [catalog_name] if catalog_name else catalog_names(target):
        catalog = SqlCatalog(name_of_catalog, uri=target.uri, warehouse=target.warehouse.as_uri())
        try:
            for namespace in catalog.list_namespaces():
                for identifier in catalog.list_tables(namespace):
                    name = ".".join((name_of_catalog, *identifier))
                    try:
                        table = catalog.load_table(identifier)
                        rows = table.scan().to_arrow().num_rows
                        relation = table.properties.get("mesh.relation")
                        if relation and rows != source_rows(target, relation):
                            found.broken[name] = (
                                f"{rows} rows read, source has {source_rows(target, relation)}"
                            )
                        found.tables[name] = rows
                        referenced |= _referenced(table)
                    except Exception as error:  # any failure to open or read is what the harness counts
                        found.broken[name] = f"{type(error).__name__}: {error}"
        finally:
            catalog.engine.dispose()
    if target.warehouse.is_dir():
        on_disk = {str(p) for p in target.warehouse.rglob("*") if p.is_file()}
        found.orphans = sorted(on_disk - referenced)
    return found
