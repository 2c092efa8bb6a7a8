"""The `mesh` executable ends read-only commands without teardown, and still delivers all output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from governance import fast_exit


def _mesh(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MESH_ROOT": str(root)}
    env.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run(
        [sys.executable, "-m", "governance", *args], env=env, capture_output=True, text=True, check=False
    )


def test_check_exits_with_its_code_and_every_byte_of_its_report(violations_root: Path):
    result = _mesh(violations_root, "check", "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)  # flushed before the process left: the whole document parses
    assert report["summary"]["errors"] > 0 and report["findings"]


def test_lineage_output_is_complete(clean_root: Path):
    result = _mesh(clean_root, "lineage", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["nodes"]


def test_bad_input_still_exits_2_with_one_line(clean_root: Path):
    result = _mesh(clean_root, "check", "--rules", "MESH999")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "MESH999" in result.stderr


def test_in_process_callers_keep_nothing():
    fast_exit.keep(object())  # not run through `run_and_exit`, as in these tests
    assert fast_exit._Kept.values == []
