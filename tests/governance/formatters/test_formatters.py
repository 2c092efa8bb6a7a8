"""Every format renders the same report: JSON, JUnit XML, SARIF 2.1.0 (schema-valid), GitHub, console."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from governance.checks.config import Policy
from governance.checks.evaluation import Report, evaluate
from governance.findings import Severity
from governance.formatters import FORMATS, render
from governance.model import MeshModel

SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "fixtures" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def report(violations_mesh: MeshModel, default_policy: Policy) -> Report:
    return evaluate(violations_mesh, default_policy, today=date(2026, 6, 1))


@pytest.fixture(scope="module")
def clean_report(clean_mesh: MeshModel, default_policy: Policy) -> Report:
    return evaluate(clean_mesh, default_policy, today=date(2026, 6, 1))


def test_json(report: Report):
    document = json.loads(render("json", report))
    assert document["summary"]["errors"] == report.count(Severity.ERROR) > 0
    first = document["findings"][0]
    assert set(first) >= {"code", "severity", "message", "domain", "owner", "path", "line", "fingerprint"}
    assert len(document["findings"]) == len(report.findings)


def test_junit(report: Report):
    root = ET.fromstring(render("junit", report))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"orders", "marketing", "hub"}
    failures = root.findall(".//failure")
    assert len(failures) == int(root.get("failures", "-1")) == report.count(Severity.ERROR)
    case = root.find(".//testcase[@classname='orders.MESH011']")
    assert case is not None and case.get("file") == "domains/orders/models/marts/fct_returns.yml"


def test_junit_of_a_clean_mesh_has_one_passing_case(clean_report: Report):
    root = ET.fromstring(render("junit", clean_report))
    assert len(root.findall(".//testcase")) == 1 and not root.findall(".//failure")


def test_sarif_is_valid_and_annotates_files(report: Report):
    document = json.loads(render("sarif", report))
    jsonschema.validate(document, json.loads(SARIF_SCHEMA.read_text()))
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {f.code for f in report.findings}
    assert all(r["help"]["text"] and r["shortDescription"]["text"] for r in rules)
    located = [r for r in run["results"] if "region" in r["locations"][0]["physicalLocation"]]
    assert located, "findings with a line carry region.startLine"
    result = next(r for r in run["results"] if r["ruleId"] == "MESH011")
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "domains/orders/models/marts/fct_returns.yml"
    assert physical["region"]["startLine"] > 1
    assert rules[result["ruleIndex"]]["id"] == "MESH011"
    assert {r["level"] for r in run["results"]} == {"error", "warning"}


def test_github_summary(report: Report):
    text = render("github", report)
    assert text.startswith("## mesh check failed")
    heading = next(line for line in text.splitlines() if line.startswith("### orders ("))
    assert "orders-team@example.com" in heading
    assert "`domains/orders/models/marts/fct_returns.yml:" in text


def test_console_groups_by_domain(report: Report):
    text = render("console", report)
    assert "\x1b[" not in text  # no colour codes unless asked
    positions = [text.index(f"{d}  owner:") for d in ("hub", "marketing", "orders")]
    assert positions == sorted(positions)
    assert "MESH021" in text and "stg_legacy_orders.sql:3" in text
    assert "\x1b[" in render("console", report, color=True)


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_renders_an_empty_report(name: str, clean_report: Report):
    assert render(name, clean_report).strip()
