"""`mesh publish` under races and kills: every table stays readable, nothing is left behind.

Real processes (tests/governance/iceberg/race.py) on SQLite and PostgreSQL catalogs. The >= 50-trial
figures in docs/reliability.md come from scripts/race_publish.py, which uses the same harness.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.governance.iceberg.conftest import CATALOG_DATABASES, pg_uri, require_postgres
from tests.governance.iceberg.mesh_fixture import BuiltMesh
from tests.governance.iceberg.race import (
    Run,
    Target,
    finish,
    inspect_catalog,
    kill_after,
    postgres_schema,
    publish_together,
    start,
)

pytestmark = pytest.mark.dbt

PRODUCTS = 3  # the fixture mesh's external products


@pytest.fixture(params=CATALOG_DATABASES)
def target(request: pytest.FixtureRequest, tmp_path: Path, mesh: BuiltMesh) -> Iterator[Target]:
    if request.param == "postgresql":
        require_postgres()
        with postgres_schema(pg_uri()) as uri:
            yield Target(uri, tmp_path / "lake", mesh.root, mesh.warehouse)
    else:
        yield Target(f"sqlite:///{tmp_path / 'catalog.db'}", tmp_path / "lake", mesh.root, mesh.warehouse)


def _assert_one_winner(runs: list[Run]) -> None:
    assert 0 in [r.code for r in runs], [r.stderr for r in runs]
    for run in runs:
        assert run.code in (0, 1), run.stderr
        assert "Traceback" not in run.stderr
        if run.code == 1:
            errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
            assert len(errors) == 1, run.stderr
            assert "another `mesh publish`" in errors[0]


def _assert_intact(target: Target) -> None:
    found = inspect_catalog(target)
    assert found.consistent, found.broken
    assert len(found.tables) == PRODUCTS
    assert found.orphans == []


@pytest.mark.parametrize("count", [2, 3])
def test_concurrent_publishes_over_an_existing_catalog(target: Target, count: int) -> None:
    assert finish(start(target)).code == 0
    _assert_one_winner(publish_together(target, count))
    _assert_intact(target)
    assert finish(start(target)).code == 0  # and the catalog still takes publishes
    _assert_intact(target)


def test_concurrent_first_publishes(target: Target) -> None:
    _assert_one_winner(publish_together(target, 3))
    _assert_intact(target)


def test_the_next_publish_removes_what_killed_publishes_left(target: Target) -> None:
    began = time.monotonic()
    assert finish(start(target)).code == 0
    duration = time.monotonic() - began
    for fraction in (0.35, 0.55, 0.7, 0.8, 0.9):  # import, read, write, commit: points along one publish
        kill_after(target, duration * fraction)
        found = inspect_catalog(target)
        assert found.consistent, found.broken
    assert finish(start(target)).code == 0
    _assert_intact(target)
