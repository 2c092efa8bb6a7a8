"""A pull request's build takes its pre-parse's manifest only when it would parse the same one
(governance/build/runner.py `parse_identity`), and only in the interpreter that kept it (`_take_idle`)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import cast

import pytest

from governance.build.runner import WorkerPool, parse_identity


@pytest.fixture
def loom(tmp_path: Path) -> tuple[Path, Path]:
    """The pre-parse's and the build's dbt-loom configurations: other files, the same upstream manifests."""
    text = "manifests:\n- name: orders\n  type: file\n  config:\n    path: /state/orders/manifest.json\n"
    early, build = tmp_path / "marketing.early.yml", tmp_path / "marketing.build.yml"
    early.write_text(text)
    build.write_text(text)
    return early, build


COMMON = ["--project-dir", "/mesh/domains/marketing", "--profiles-dir", "/data/pr/42/profiles",
          "--target", "ci", "--target-path", "/data/pr/42/target/marketing"]  # fmt: skip
PARSE = ["parse", *COMMON, "--quiet", "--log-path", "/data/pr/42/logs/marketing", "--log-format-file", "json"]
BUILD = ["build", *COMMON, "--log-format", "json", "--select", "fqn:marketing.marts.fct_campaign_spend",
         "--defer", "--favor-state", "--state", "/data/pr/42/defer/marketing"]  # fmt: skip
ENV = {"MESH_CATALOG_SUFFIX": "__pr_42", "MESH_DATA_DIR": "/data", "PATH": "/usr/bin"}


def test_a_build_parsing_what_its_preparse_parsed_has_its_identity(loom: tuple[Path, Path]) -> None:
    early, build = loom
    assert parse_identity(PARSE, {**ENV, "DBT_LOOM_CONFIG": str(early)}) == parse_identity(
        BUILD, {**ENV, "DBT_LOOM_CONFIG": str(build)}
    )  # what it runs, how it logs and which file names the manifests: none of it is parsed


@pytest.mark.parametrize(
    "change",
    [
        "an upstream rebuilt by the pull request",
        "another catalog suffix",
        "another data folder",
        "other vars",
        "another target",
        "another profiles folder",
        "another target path",
    ],
)
def test_anything_parsed_differently_is_another_identity(loom: tuple[Path, Path], change: str) -> None:
    early, build = loom
    argv, env = list(BUILD), {**ENV, "DBT_LOOM_CONFIG": str(build)}
    if change == "an upstream rebuilt by the pull request":
        build.write_text(build.read_text().replace("/state/orders/", "/data/pr/42/loom/orders."))
    elif change == "another catalog suffix":
        env["MESH_CATALOG_SUFFIX"] = "__pr_43"
    elif change == "another data folder":
        env["MESH_DATA_DIR"] = "/elsewhere"
    elif change == "other vars":
        argv += ["--vars", "{region: eu}"]
    else:
        option = {"another target": "--target", "another profiles folder": "--profiles-dir"}.get(
            change, "--target-path"
        )
        argv[argv.index(option) + 1] += "-other"
    assert parse_identity(PARSE, {**ENV, "DBT_LOOM_CONFIG": str(early)}) != parse_identity(argv, env)


def test_an_unreadable_loom_configuration_never_matches_a_readable_one(loom: tuple[Path, Path]) -> None:
    early, build = loom
    build.unlink()
    assert parse_identity(PARSE, {**ENV, "DBT_LOOM_CONFIG": str(early)}) != parse_identity(
        BUILD, {**ENV, "DBT_LOOM_CONFIG": str(build)}
    )


class Interpreter:
    def __init__(self, pid: int) -> None:
        self.pid = pid


def idle_pool(kept: dict[int, str | None]) -> WorkerPool:
    pool = WorkerPool(len(kept))
    pool._idle = [cast(subprocess.Popen[bytes], Interpreter(pid)) for pid in kept]
    pool._kept = {pid: identity for pid, identity in kept.items() if identity is not None}
    return pool


def test_a_build_goes_to_the_interpreter_that_kept_its_manifest() -> None:
    pool = idle_pool({1: "marketing", 2: None, 3: "hub"})
    with pool._lock:
        taken = pool._take_idle("marketing")
    assert taken is not None and taken.pid == 1
    assert 1 not in pool._kept  # the worker drops it at its next command; so does the pool


def test_anything_else_leaves_a_kept_manifest_alone_while_it_can() -> None:
    pool = idle_pool({1: "marketing", 2: None})
    with pool._lock:
        first, second = pool._take_idle(None), pool._take_idle("hub")
    assert first is not None and first.pid == 2  # the interpreter that kept nothing
    assert second is not None and second.pid == 1  # then the last one left, whatever it kept
    assert pool._kept == {}
