"""Each rule fails on its own seeded violation, with the right code, file:line, domain and owner,
and stays silent on the clean fixture mesh."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from governance.checks.config import Policy
from governance.checks.evaluation import run_rules
from governance.checks.registry import all_rules
from governance.checks.rules.sql import hard_coded_relations
from governance.findings import Finding
from governance.model import MeshModel
from tests.fixtures.mesh_project import line_of
from tests.fixtures.violations import SEEDED, Seeded

TODAY = date(2026, 6, 1)  # fixed, so deprecation dates compare the same on any day


@pytest.fixture(scope="module")
def violation_findings(violations_mesh: MeshModel, default_policy: Policy) -> list[Finding]:
    findings, _ = run_rules(violations_mesh, default_policy, today=TODAY)
    return findings


@pytest.fixture(scope="module")
def clean_findings(clean_mesh: MeshModel, default_policy: Policy) -> list[Finding]:
    findings, _ = run_rules(clean_mesh, default_policy, today=TODAY)
    return findings


@pytest.mark.parametrize("seed", SEEDED, ids=lambda s: s.code)
def test_rule_reports_its_seeded_violation(
    seed: Seeded, violation_findings: list[Finding], violations_root: Path
):
    expected_line = line_of(violations_root, seed.path, seed.anchor) if seed.anchor else None
    mine = [f for f in violation_findings if f.code == seed.code]
    at_place = [f for f in mine if f.location.path == seed.path and f.location.line == expected_line]
    assert at_place, (
        f"{seed.code}: nothing at {seed.path}:{expected_line}; got {[str(f.location) for f in mine]}"
    )
    matching = [f for f in at_place if seed.message in f.message]
    assert matching, f"{seed.code}: messages {[f.message for f in at_place]} lack {seed.message!r}"
    finding = matching[0]
    assert finding.domain == (seed.path.split("/")[1] if seed.path.startswith("domains/") else "hub")
    assert finding.owner, "every finding names an owner"
    assert finding.severity is all_rules()[seed.code].severity


@pytest.mark.parametrize("seed", SEEDED, ids=lambda s: s.code)
def test_rule_is_silent_on_the_clean_mesh(seed: Seeded, clean_findings: list[Finding]):
    assert [str(f.location) + " " + f.message for f in clean_findings if f.code == seed.code] == []


def test_every_rule_has_a_seeded_violation():
    # breaking-change rules compare two meshes: their seeded changes are in tests/governance/test_breaking.py
    checked = {code for code, rule in all_rules().items() if rule.check is not None and not rule.needs_state}
    assert checked == {s.code for s in SEEDED}


def test_registry_has_stable_documented_codes():
    rules = all_rules()
    assert len([r for r in rules.values() if r.check]) >= 25
    for code, rule in rules.items():
        assert re.fullmatch(r"MESH\d{3}", code) and rule.code == code
        assert re.fullmatch(r"[a-z0-9-]+", rule.name)
        assert rule.title and rule.rationale and rule.remediation and rule.example
    assert len({r.name for r in rules.values()}) == len(rules)


def test_cross_domain_ref_pinned_is_satisfied_by_a_pinned_ref(clean_mesh: MeshModel):
    hub_model = clean_mesh.domains["hub"].models["model.hub.customer_revenue"]
    pinned = [r for r in hub_model.refs if r.name == "dim_customers"]
    assert pinned and pinned[0].version == "2"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select * from orders.gold.fct_orders", [("orders.gold.fct_orders", 1)]),
        ("select 1\nfrom x\njoin raw.events e on true", [("raw.events", 3)]),
        ('select * from "main"."orders"', [('"main"."orders"', 1)]),
        ("select * from {{ ref('orders', 'fct_orders') }}", []),
        ("-- from a.b.c\n/* join d.e */ select 'from f.g' as x from cte", []),
        ("select * from read_parquet('a.b')", []),
        ("select * from {{ source('raw', 'orders') }} as o join main.dim d on true", [("main.dim", 1)]),
    ],
)
def test_hard_coded_relations(sql: str, expected: list[tuple[str, int]]):
    assert hard_coded_relations(sql) == expected
