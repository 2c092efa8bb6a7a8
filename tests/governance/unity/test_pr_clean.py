"""`mesh clean --pr ID --target databricks` against the emulator with the real SDK: it drops exactly the
pull request's catalogs of the mesh's domains, never production, another pull request's or foreign ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.cli import main
from governance.model import MeshModel
from governance.unity.ownership import pull_request_catalogs
from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.governance.unity.conftest import TOKEN

OTHERS = (
    "orders",  # production (DuckDB/prod naming)
    "orders_dev",  # the dev environment's catalog
    "orders_dev__pr_43",  # another pull request
    "orders_dev__pr_420",  # another pull request whose id starts with this one's
    "orders_dev__pr_4",
    "sandbox__pr_42",  # not a domain of this mesh
    "orders_dev__pr_42_old",  # not this namespace's name exactly
)


def clean(*args: str) -> int:
    return main(["clean", *args])


def catalogs(emulator: UnityCatalogEmulator) -> set[str]:
    return set(emulator.metastore.catalogs)


def seed(emulator: UnityCatalogEmulator, names: tuple[str, ...], owner: str) -> None:
    for name in names:
        emulator.metastore.create_table(f"{name}.gold.t", [("id", "int")], owner=owner)


def test_names_follow_the_naming_macro(mesh: MeshModel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MESH_ENV", raising=False)
    for domain in mesh.domains:
        monkeypatch.delenv(f"MESH_CATALOG_{domain.upper()}", raising=False)
    assert pull_request_catalogs(mesh.domains, "__pr_42") == sorted(
        f"{d}{e}__pr_42" for d in mesh.domains for e in ("", "_dev")
    )
    monkeypatch.setenv("MESH_ENV", "prod")
    monkeypatch.setenv("MESH_CATALOG_MARKETING", "orders__pr_42")  # a domain's own catalog: never dropped
    names = pull_request_catalogs(mesh.domains, "__pr_42")
    assert "orders__pr_42" not in names and "orders__pr_42__pr_42" in names
    assert "orders_prod__pr_42" in names


def test_dry_run_then_drop_only_this_pull_requests_catalogs_idempotently(
    workspace_env: Path,
    emulator: UnityCatalogEmulator,
    mesh: MeshModel,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert set(mesh.domains) >= {"orders", "marketing"}
    bot = emulator.principal.name
    mine = ("orders_dev__pr_42", "marketing_dev__pr_42", "orders__pr_42")
    seed(emulator, mine + OTHERS, owner=bot)  # all owned by the caller: only the names protect them
    emulator.reset_counts()

    assert clean("--pr", "42", "--platform", "databricks") == 0
    out = capsys.readouterr().out
    assert emulator.writes == 0
    assert {line.split()[2] for line in out.splitlines() if line.startswith("would drop")} == set(mine)
    assert "pass --yes" in out

    before = catalogs(emulator)
    assert clean("--pr", "42", "--platform", "databricks", "--yes") == 0
    out = capsys.readouterr().out
    assert {line.split()[1] for line in out.splitlines() if line.startswith("dropped")} == set(mine)
    assert catalogs(emulator) == before - set(mine)
    assert set(OTHERS) <= catalogs(emulator)
    assert all(key[0] not in mine for key in emulator.metastore.tables)

    assert clean("--pr", "42", "--platform", "databricks", "--yes") == 0  # already clean: fine
    assert "nothing to clean" in capsys.readouterr().out
    assert catalogs(emulator) == before - set(mine)


def test_a_catalog_it_may_not_drop_is_one_line_and_exit_1(
    workspace_env: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(emulator, ("orders_dev__pr_7",), owner=emulator.principal.name)
    seed(emulator, ("marketing_dev__pr_7",), owner="someone-else")
    assert clean("--pr", "7", "--platform", "databricks", "--yes") == 1
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if "marketing_dev__pr_7" in line]
    assert len(errors) == 1 and "PERMISSION_DENIED" in errors[0]
    assert "orders_dev__pr_7" not in catalogs(emulator)
    assert "marketing_dev__pr_7" in catalogs(emulator)
    assert TOKEN not in captured.out + captured.err


@pytest.mark.parametrize("bad", ["", "42;DROP", "../42", "4 2", "_42", "x" * 41])
def test_bad_pull_request_ids_exit_2_before_any_call(
    workspace_env: Path, emulator: UnityCatalogEmulator, bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(emulator, ("orders_dev__pr_42",), owner=emulator.principal.name)
    emulator.reset_counts()
    assert clean("--pr", bad, "--platform", "databricks", "--yes") == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert sum(emulator.requests.values()) == 0
    assert "orders_dev__pr_42" in catalogs(emulator)
