"""Pull-request namespaces (issue 22): one name per id, one lock shared by build, clean, summary and diff,
and `mesh clean` that removes only the folder mesh made."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from governance.build.namespace import PullRequestNamespace
from tests.fixtures.fuzz import run_cli


@pytest.mark.parametrize(
    "ids", [("a_1", "A-1", "a-1", "A_1", "a1"), ("pr-1_2", "pr_1-2", "Pr-1-2", "pr__1_2"), ("x", "X")]
)
def test_every_pull_request_id_has_its_own_catalog_suffix(ids: tuple[str, ...]) -> None:
    """`a_1` and `A-1` mapped to the same Databricks catalogs: cleaning one dropped the other's."""
    suffixes = [PullRequestNamespace.of(Path("/m"), i).suffix for i in ids]
    assert len(set(suffixes)) == len(ids), suffixes
    assert all(re.fullmatch(r"__pr_[a-z0-9_]+", s) for s in suffixes), suffixes


def test_a_numeric_id_keeps_its_suffix() -> None:
    assert PullRequestNamespace.of(Path("/m"), "42").suffix == "__pr_42"
    assert PullRequestNamespace.of(Path("/m"), "feature1").catalog("orders") == "orders__pr_feature1"


@pytest.fixture
def mesh_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "mesh"
    root.mkdir()
    (root / "mesh.yml").write_text("version: 1\n")
    (root / "dbt_project.yml").write_text("name: orders\n")
    monkeypatch.setenv("MESH_ROOT", str(root))
    monkeypatch.setenv("MESH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "pr"


HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from governance.build.namespace import PullRequestNamespace, pr_lock
    namespace = PullRequestNamespace(sys.argv[1], Path(sys.argv[2]))
    with pr_lock(namespace, "build --changed", exclusive=True):
        print("held", flush=True)
        time.sleep(60)
    """
)


def _hold(pr: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, pr.name, str(pr)], stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[3],
    )  # fmt: skip
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_clean_during_a_build_waits_then_names_the_build(mesh_root: Path) -> None:
    """`mesh clean --pr N` during `mesh build --changed --pr N` said done; the build then failed with a
    traceback and re-created the namespace."""
    namespace = mesh_root / "7"
    (namespace / "warehouse").mkdir(parents=True)
    (namespace / "warehouse" / "orders__pr_7.duckdb").write_bytes(b"db")
    build = _hold(namespace)
    try:
        started = time.monotonic()
        code, text = run_cli(["clean", "--pr", "7"])
        assert code == 2 and "build --changed" in text and f"pid {build.pid}" in text, text
        assert 1.5 < time.monotonic() - started < 10  # waited briefly, then said who holds it
        assert (namespace / "warehouse" / "orders__pr_7.duckdb").read_bytes() == b"db"
        assert run_cli(["clean", "--pr", "8"])[0] == 0  # another pull request is not held
    finally:
        build.kill()
        build.wait()
    code, text = run_cli(["clean", "--pr", "7"])  # a killed holder's lock dies with it
    assert code == 0 and not namespace.exists(), text


@pytest.mark.parametrize("command", [["pr-summary", "--state", "prod"], ["diff"]])
def test_summary_and_diff_wait_for_a_running_build(command: list[str], mesh_root: Path) -> None:
    build = _hold(mesh_root / "7")
    try:
        code, text = run_cli([*command, "--pr", "7"])
        assert code == 2 and "in use by `mesh build --changed`" in text, text
    finally:
        build.kill()
        build.wait()


def test_clean_leaves_a_symlinked_namespace_and_its_target_alone(mesh_root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep")
    mesh_root.mkdir(parents=True)
    (mesh_root / "7").symlink_to(elsewhere, target_is_directory=True)
    code, text = run_cli(["clean", "--pr", "7"])
    assert code == 2 and "symlink" in text and text.count("\n") == 1, text
    assert (elsewhere / "keep.txt").read_text() == "keep" and (mesh_root / "7").is_symlink()


def test_clean_of_a_namespace_it_cannot_remove_is_one_line(mesh_root: Path) -> None:
    stuck = mesh_root / "7" / "warehouse"
    stuck.mkdir(parents=True)
    (stuck / "orders__pr_7.duckdb").write_bytes(b"db")
    if subprocess.run(["chattr", "+i", str(stuck)], capture_output=True, check=False).returncode != 0:
        if os.geteuid() == 0:
            pytest.skip("no immutable flag here, and root ignores permissions")
        stuck.chmod(0o500)
    try:
        code, text = run_cli(["clean", "--pr", "7"])
        assert code == 2 and "could not remove" in text and text.count("\n") == 1, text
    finally:
        subprocess.run(["chattr", "-i", str(stuck)], capture_output=True, check=False)
        stuck.chmod(0o700)
