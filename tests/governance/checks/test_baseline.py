"""Baselines let a mesh adopt the checks: recorded findings are ignored, new ones still fail."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from governance.checks.baseline import read_baseline, write_baseline
from governance.checks.config import load_policy
from governance.checks.evaluation import evaluate
from governance.errors import MeshError
from governance.model import MeshModel

TODAY = date(2026, 6, 1)


def test_baselined_findings_are_ignored_and_new_ones_reported(tmp_path: Path, violations_mesh: MeshModel):
    policy = load_policy()
    first = evaluate(violations_mesh, policy, today=TODAY)
    assert first.findings
    keep_out = next(f for f in first.findings if f.code == "MESH012")
    recorded = [f for f in first.findings if f.fingerprint != keep_out.fingerprint]
    path = tmp_path / "baseline.json"
    assert write_baseline(path, recorded) == len({f.fingerprint for f in recorded})
    second = evaluate(violations_mesh, policy, baseline=read_baseline(path), today=TODAY)
    assert {f.fingerprint for f in second.findings} == {keep_out.fingerprint}
    assert len(second.baselined) == len(recorded)


def test_fingerprint_ignores_message_and_line(violations_mesh: MeshModel):
    finding = next(f for f in evaluate(violations_mesh, load_policy(), today=TODAY).findings if f.node_id)
    moved = replace(finding, message="reworded", location=replace(finding.location, line=999))
    assert moved.fingerprint == finding.fingerprint


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{", "not valid JSON"),
        ("[]", "not a mesh baseline"),
        (json.dumps({"version": 2, "findings": []}), "no `findings` mapping"),
    ],
)
def test_bad_baseline_is_one_clear_error(tmp_path: Path, content: str, problem: str):
    path = tmp_path / "baseline.json"
    path.write_text(content)
    with pytest.raises(MeshError, match=problem):
        read_baseline(path)
    with pytest.raises(MeshError, match="baseline not found"):
        read_baseline(tmp_path / "missing.json")
