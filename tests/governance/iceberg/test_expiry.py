"""Snapshot expiry in `mesh publish` (issue 22): every publish kept every snapshot, 9 MB -> 100 MB after
25 publishes of unchanged data. Now a table keeps `retention.keep_snapshots` (or `keep_days`) of
publish.yml and the files no kept snapshot needs are deleted."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from governance.errors import MeshError
from governance.iceberg.catalog import open_catalog
from governance.iceberg.config import CatalogSettings, load_catalog_settings
from governance.iceberg.expiry import Retention, expired_ids
from governance.iceberg.publisher import Publisher
from tests.governance.iceberg.mesh_fixture import BuiltMesh
from tests.governance.iceberg.test_publisher import files_under, product

pytestmark = pytest.mark.dbt


def _grow(mesh: BuiltMesh, settings: CatalogSettings, publishes: int) -> tuple[int, int]:
    """(snapshots, files under the warehouse) after `publishes` publishes of the same product."""
    catalog = open_catalog(settings)
    publisher = Publisher(catalog, settings)
    model = product(mesh, "dim_carriers", "2")
    for _ in range(publishes):
        publisher.publish(model)
    table = catalog.load_table(("gold", "dim_carriers_v2"))
    assert table.scan().to_arrow().num_rows == 3
    return len(table.snapshots()), len(files_under(settings))


def test_repeated_publishes_keep_a_bounded_history(mesh: BuiltMesh, settings: CatalogSettings) -> None:
    kept = dataclasses.replace(settings, retention=Retention(keep_snapshots=3))
    snapshots_after_4, files_after_4 = _grow(mesh, kept, 4)
    snapshots_after_12, files_after_12 = _grow(mesh, kept, 8)
    assert snapshots_after_4 == snapshots_after_12 == 3
    # the metadata log grows by a small file per commit; data, manifests and lists stay bounded
    data_files = [p for p in files_under(kept) if p.suffix == ".parquet"]
    assert len(data_files) <= 3, data_files
    assert files_after_12 - files_after_4 <= 3 * 8, (files_after_4, files_after_12)


def test_keep_days_keeps_recent_snapshots(mesh: BuiltMesh, settings: CatalogSettings) -> None:
    catalog = open_catalog(settings)
    model = product(mesh, "dim_carriers", "2")
    for _ in range(3):
        Publisher(catalog, dataclasses.replace(settings, retention=Retention(1, keep_days=1))).publish(model)
    table = catalog.load_table(("gold", "dim_carriers_v2"))
    assert len(table.snapshots()) == 5  # 1 + 2 per replace, all younger than a day
    assert len(expired_ids(table, Retention(1, keep_days=1), now_ms=10**15)) == 4  # ...until they are not
    assert table.metadata.current_snapshot_id not in expired_ids(table, Retention(1, 0), now_ms=10**15)


@pytest.mark.parametrize(
    "section",
    ["retention: {keep_snapshots: 0}", "retention: {keep_snapshots: x}", "retention: {keep_days: -1}",
     "retention: {keep: 3}", "retention: [1]", "retention: {keep_snapshots: true}"],
)  # fmt: skip
def test_a_bad_retention_is_one_line(section: str, tmp_path: Path) -> None:
    path = tmp_path / "publish.yml"
    path.write_text(f"catalog: {{uri: 'sqlite:///c.db', warehouse: w}}\n{section}\n", encoding="utf-8")
    with pytest.raises(MeshError) as error:
        load_catalog_settings(tmp_path, path)
    assert "retention" in str(error.value) and "\n" not in str(error.value)


def test_the_shipped_publish_yml_sets_a_retention() -> None:
    settings = load_catalog_settings(Path(__file__).resolve().parents[3])
    assert settings.retention.keep_snapshots >= 1
