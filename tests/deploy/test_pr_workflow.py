"""The pull-request workflow (.github/workflows/pull-request.yml) is valid and runs what `make pr-ci` runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from governance.cli import COMMANDS, build_parser

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "pull-request.yml"
SCRIPT = REPO / "scripts" / "ci" / "pr.sh"


def workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps() -> list[dict[str, Any]]:
    jobs = workflow()["jobs"]
    assert list(jobs) == ["mesh"]
    found: list[dict[str, Any]] = jobs["mesh"]["steps"]
    return found


def test_triggers_and_permissions() -> None:
    data = workflow()
    triggers = data[True]  # YAML 1.1 reads the key `on` as a boolean
    assert "pull_request" in triggers
    assert data["permissions"] == {"contents": "read", "pull-requests": "write", "security-events": "write"}
    job = data["jobs"]["mesh"]
    assert job["runs-on"] == "ubuntu-latest" and job["timeout-minutes"] <= 30


def test_every_step_is_well_formed_and_actions_are_pinned() -> None:
    for step in steps():
        assert "name" in step
        assert ("uses" in step) != ("run" in step), step["name"]
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", step["uses"]), step["uses"]


def test_history_is_fetched_so_the_base_commit_can_be_built() -> None:
    checkout = next(s for s in steps() if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    env = workflow()["env"]
    assert env["PR_BASE"] == "${{ github.event.pull_request.base.sha }}"
    assert env["MESH_PR_ID"] == "${{ github.event.pull_request.number }}"


def test_ci_step_is_the_make_target_and_outputs_match_the_script() -> None:
    runs = [s["run"] for s in steps() if "run" in s]
    assert "make install" in runs and "make pr-ci" in runs
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^pr-ci: install\n\t.*bash scripts/ci/pr\.sh$", makefile, re.MULTILINE)
    out_dir = workflow()["env"]["PR_CI_DIR"]
    script = SCRIPT.read_text()
    sarif = next(s for s in steps() if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert sarif["with"]["sarif_file"] == f"{out_dir}/check.sarif"
    assert '--output "$OUT/check.sarif"' in script and '--output "$OUT/summary.md"' in script
    comment = next(s for s in steps() if s.get("uses", "").startswith("actions/github-script@"))
    assert f"{out_dir}/summary.md" in comment["with"]["script"]
    assert comment["if"].startswith("always()") and sarif["if"].startswith("always()")


def test_every_mesh_command_in_the_script_parses() -> None:
    """Each `mesh ...` call in scripts/ci/pr.sh is a real command with real flags (argparse exits else)."""
    script = SCRIPT.read_text().replace("\\\n", " ")
    calls = re.findall(r'"\$BIN/mesh" ([^|;\n]+?)(?:\|\||$)', script, re.MULTILINE)
    commands = [shlex.split(call.strip()) for call in calls]
    assert {c[0] for c in commands} >= {"check", "build", "pr-summary"}
    for command in commands:
        assert command[0] in COMMANDS
        argv = [a.replace("$", "") for a in command]  # shell variables stand for their values
        build_parser(argv).parse_args(argv)
