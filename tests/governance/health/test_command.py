"""`mesh health`: formats, filters, exit codes and --notify, over a store as `mesh build` leaves it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from governance.cli import main
from governance.health.store import HealthStore, store_path
from tests.governance.health.observations import daily_runs
from tests.governance.health.test_causes import late_orders

AT = "2026-03-02T06:00:00+00:00"


@pytest.fixture
def mesh_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "mesh"
    root.mkdir()
    (root / "mesh.yml").write_text("projects: {include: ['domains/*']}\n")
    monkeypatch.setenv("MESH_ROOT", str(root))
    monkeypatch.setenv("MESH_DATA_DIR", str(tmp_path / "data"))
    return root


def stored(tmp_path: Path, observations: list) -> None:  # type: ignore[type-arg]
    store = HealthStore.open(store_path(tmp_path / "data"))
    store.append(observations)
    store.close()


def test_table_lists_degraded_first_and_exits_1(
    mesh_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored(tmp_path, late_orders())
    assert main(["health", "--at", AT]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["status", "product", "owner", "reason"]
    assert [line.split()[:3] for line in lines[1:5]] == [
        ["degraded", "hub.marketing_roi", "analytics"],
        ["degraded", "marketing.fct_attributed_orders", "marketing"],
        ["degraded", "orders.fct_orders", "orders"],
        ["healthy", "orders.dim_customers", "orders"],
    ]
    assert lines[3].endswith("stale: last loaded 60 h ago; the SLA is 24 h")
    assert lines[-1] == "1 healthy, 0 caution, 3 degraded, 0 unknown (as of 2026-03-02 06:00 UTC)"


def test_a_healthy_mesh_exits_0_and_filters_by_domain_and_product(
    mesh_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored(tmp_path, late_orders())
    assert (
        main(["health", "--at", AT, "--domain", "orders", "--product", "dim_customers", "--format", "json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert [p["product"] for p in data["products"]] == ["orders.dim_customers"]
    assert data["products"][0]["status"] == "healthy" and data["products"][0]["owner"] == "orders"


def test_markdown_and_github_formats(
    mesh_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored(tmp_path, late_orders())
    assert main(["health", "--at", AT, "--format", "markdown", "--product", "orders.fct_orders"]) == 1
    out = capsys.readouterr().out
    assert "| degraded | orders.fct_orders | orders | stale: last loaded 60 h ago; the SLA is 24 h |" in out
    assert main(["health", "--at", AT, "--format", "github", "--domain", "marketing"]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(
        "::error title=marketing.fct_attributed_orders degraded::upstream orders.fct_orders"
    )


def test_notify_writes_one_message_per_owning_group(
    mesh_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored(tmp_path, late_orders())
    out = tmp_path / "notes"
    assert main(["health", "--at", AT, "--notify", str(out)]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["annotations.txt", "orders.json"]
    payload = json.loads((out / "orders.json").read_text())
    assert [c["product"] for c in payload["root_causes"]] == ["orders.fct_orders"]
    assert len((out / "annotations.txt").read_text().splitlines()) == 1
    assert "1 notification(s) written" in capsys.readouterr().err


def test_no_history_yet_says_so_and_exits_0(mesh_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["health"]) == 0
    assert "no health history yet: run `mesh build`" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "yesterday"], "--at: not an ISO time: 'yesterday'"),
        (["--product", "nope"], "--product nope: not in the health history"),
        (
            ["--domain", "nope"],
            "--domain nope: no product of that domain in the health history; known: hub, marketing, orders",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(
    mesh_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    stored(tmp_path, daily_runs(1))
    assert main(["health", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
