"""What `mesh build` runs for health: freshness checks in the build's order, warnings never failures."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import orjson
import pytest

from governance.build.results import Outcome, ProjectResult
from governance.build.runner import BuildOptions
from governance.health import record
from governance.project import Projects

BUILD_MESH = Path(__file__).parents[2] / "fixtures" / "build_mesh"


@pytest.fixture
def projects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Projects:
    root = tmp_path / "mesh"
    shutil.copytree(BUILD_MESH, root)
    monkeypatch.setenv("MESH_ROOT", str(root))
    monkeypatch.setenv("MESH_DATA_DIR", str(tmp_path / "data"))
    return Projects.discover(root)


def test_freshness_checks_run_upstream_first_never_beside_their_readers(
    projects: Projects, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project's check opens its DuckDB file for writing; a reader's check attaches it: never at once
    (found in the demo: orders' check failed while logistics' and marketing's ran beside it)."""
    spans: dict[str, tuple[float, float]] = {}
    lock = threading.Lock()

    def check(project, options, profiles_dir, env):  # type: ignore[no-untyped-def]
        began = time.monotonic()
        time.sleep(0.3)
        with lock:
            spans[project.name] = (began, time.monotonic())
        return []

    monkeypatch.setattr(record, "declares_freshness", lambda manifest, project: True)
    monkeypatch.setattr(record, "check_freshness", check)
    results = [ProjectResult(name, Outcome.SUCCESS) for name in projects.order]
    warnings: list[str] = []
    record.record_build(projects, results, options=BuildOptions(), jobs=2, warn=warnings.append)
    assert set(spans) == set(projects.order)
    for name, project in projects.projects.items():
        for upstream in project.upstream:
            assert spans[upstream][1] <= spans[name][0], f"{name} checked while {upstream} was"
    assert (
        spans["alpha"][0] < spans["gamma"][1] and spans["gamma"][0] < spans["alpha"][1]
    )  # independent: at once
    assert warnings and all(w.startswith("health not recorded") for w in warnings)  # never built: no manifest


def test_a_late_source_is_one_warning_line(tmp_path: Path) -> None:
    sources = tmp_path / "sources.json"
    results = [
        {"unique_id": "source.orders.orders_db.orders", "status": "error"},
        {"unique_id": "source.orders.orders_db.products", "status": "pass"},
        {"unique_id": "source.orders.orders_db.customers", "status": "warn"},
    ]
    sources.write_bytes(orjson.dumps({"results": results}))
    assert record.freshness_warnings(sources, "orders") == [
        "orders: source freshness: 2 source(s) late (orders_db.orders, orders_db.customers)"
    ]


def test_only_projects_whose_sources_declare_freshness_are_checked(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    source = {
        "package_name": "orders",
        "loaded_at_field": "_loaded_at",
        "freshness": {"warn_after": {"count": 6}},
    }
    manifest.write_bytes(orjson.dumps({"sources": {"s": source}}))
    assert record.declares_freshness(manifest, "orders")
    assert not record.declares_freshness(manifest, "marketing")  # an upstream's source, not its own
    manifest.write_bytes(orjson.dumps({"sources": {"s": {**source, "loaded_at_field": None}}}))
    assert not record.declares_freshness(manifest, "orders")
    assert not record.declares_freshness(tmp_path / "absent.json", "orders")


def test_no_freshness_check_on_the_local_spark_target(
    projects: Projects, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spark target proves the Databricks dialect in CI: a JVM per check would buy nothing."""
    checked: list[str] = []
    monkeypatch.setattr(record, "declares_freshness", lambda manifest, project: True)
    monkeypatch.setattr(record, "check_freshness", lambda project, *_: checked.append(project.name) or [])
    results = [ProjectResult(name, Outcome.SUCCESS) for name in projects.order]
    record.record_build(projects, results, options=BuildOptions(target="spark"), jobs=1, warn=lambda _: None)
    assert checked == []
    record.record_build(projects, results, options=BuildOptions(target="ci"), jobs=1, warn=lambda _: None)
    assert sorted(checked) == sorted(projects.order)


def test_freshness_runs_dbt_with_the_environment_the_projects_build_had(
    projects: Projects, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `trino` build connects as the domain's owning group (MESH_TRINO_BUILD_USER, TRINO_PORT, per
    project); freshness run without them connected as the profile's default user and always warned."""
    seen: dict[str, str] = {}

    def fake_run_dbt(command, project, env, on_line):  # type: ignore[no-untyped-def]
        seen.update(env)
        return 0, "", []

    monkeypatch.setattr(record, "run_dbt", fake_run_dbt)
    project = projects.projects["alpha"]
    options = BuildOptions(
        project_env={"alpha": {"MESH_TRINO_BUILD_USER": "alpha-owners", "TRINO_PORT": "1"}}
    )
    record.check_freshness(project, options, Path("profiles"), {"MESH_DATA_DIR": "/data"})
    assert seen["MESH_TRINO_BUILD_USER"] == "alpha-owners" and seen["TRINO_PORT"] == "1"
    assert seen["MESH_DATA_DIR"] == "/data"
