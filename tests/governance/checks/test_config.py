"""policies.yml: validation with clear errors, scope, severities, parameters, exceptions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from governance.checks.config import load_policy, resolve_codes
from governance.checks.evaluation import evaluate
from governance.checks.registry import all_rules
from governance.errors import ExitCode, MeshError
from governance.findings import Severity
from governance.model import MeshModel

TODAY = date(2026, 6, 1)


def _policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policies.yml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(MeshError) as caught:
        load_policy(_policy(tmp_path, text), root=tmp_path)
    assert caught.value.code is ExitCode.BAD_INPUT
    message = str(caught.value)
    assert "\n" not in message and message.startswith("policies.yml")
    return message


def test_the_packaged_policy_is_valid():
    policy = load_policy()
    assert set(policy.rules) == set(all_rules())
    assert policy.rules["MESH024"].params["consumer_group"] == "data-consumers"


def test_unknown_rule_code_suggests_the_closest(tmp_path: Path):
    assert "rules: unknown rule 'MESH0012' (did you mean 'MESH012'?); see `mesh rules`" in _error(
        tmp_path, "rules:\n  MESH0012: {}\n"
    )


def test_unknown_rule_key_suggests_the_closest(tmp_path: Path):
    message = _error(tmp_path, "rules:\n  MESH012: {severty: warning}\n")
    assert "rules.MESH012: unknown key 'severty' (did you mean 'severity'?)" in message


def test_unknown_top_level_key(tmp_path: Path):
    assert "unknown key 'exceptons' (did you mean 'exceptions'?)" in _error(tmp_path, "exceptons: []\n")


def test_bad_severity_lists_the_choices(tmp_path: Path):
    assert "unknown severity 'fatal'; use one of: error, warning, info" in _error(
        tmp_path, "rules:\n  MESH012: {severity: fatal}\n"
    )


def test_parameter_type_is_checked(tmp_path: Path):
    message = _error(tmp_path, "rules:\n  max-live-versions: {params: {max_versions: many}}\n")
    assert "rules.MESH017.params.max_versions: expected int, got str" in message
    assert "unknown key 'max_version'" in _error(tmp_path, "rules:\n  MESH017: {params: {max_version: 2}}\n")


def test_malformed_yaml_names_the_line(tmp_path: Path):
    assert _error(tmp_path, "rules:\n  MESH012: {severity: [\n").startswith("policies.yml:3: invalid YAML")


def test_bad_regex_in_scope(tmp_path: Path):
    assert "invalid regex" in _error(tmp_path, "scope:\n  exclude: {paths: ['re:(']}\n")


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("{code: MESH012, node: x, expires: 2030-01-01}", "missing `reason`"),
        ("{code: MESH012, node: x, reason: legacy}", "missing `expires`"),
        ("{code: MESH012, node: x, reason: legacy, expires: soon}", "expected a date YYYY-MM-DD"),
        ("{code: MESH012, reason: legacy, expires: 2030-01-01}", "name what it waives"),
        ("{code: MESH999, node: x, reason: legacy, expires: 2030-01-01}", "unknown rule 'MESH999'"),
    ],
)
def test_exceptions_need_code_target_reason_and_expiry(tmp_path: Path, entry: str, problem: str):
    assert problem in _error(tmp_path, f"exceptions:\n  - {entry}\n")


def test_rule_names_are_accepted_like_codes(tmp_path: Path):
    policy = load_policy(_policy(tmp_path, "rules:\n  foreign-key-tested: {enabled: false}\n"))
    assert policy.rules["MESH012"].enabled is False
    assert resolve_codes(["foreign-key-tested", "MESH001"], all_rules()) == {"MESH012", "MESH001"}
    with pytest.raises(MeshError, match="did you mean 'foreign-key-tested'"):
        resolve_codes(["foreign-key-tsted"], all_rules())


def _codes_at(report_findings: list, code: str) -> list[str]:
    return sorted(str(f.location) for f in report_findings if f.code == code)


def test_severity_override_and_disable(tmp_path: Path, violations_mesh: MeshModel):
    text = "rules:\n  MESH012: {severity: warning}\n  MESH006: {enabled: false}\n"
    report = evaluate(violations_mesh, load_policy(_policy(tmp_path, text)), today=TODAY)
    assert {f.severity for f in report.findings if f.code == "MESH012"} == {Severity.WARNING}
    assert not [f for f in report.findings if f.code == "MESH006"]
    assert "MESH006" not in {r.code for r in report.rules}


def test_rule_scope_by_domain_and_path(tmp_path: Path, violations_mesh: MeshModel):
    everything = evaluate(violations_mesh, load_policy(), today=TODAY).findings
    assert {f.domain for f in everything if f.code == "MESH001"} == {"orders", "marketing", "hub"}
    text = (
        "rules:\n  MESH001:\n    include: {domains: [orders, marketing]}\n"
        "    exclude: {paths: ['domains/marketing/models/intermediate/*']}\n"
    )
    scoped = evaluate(violations_mesh, load_policy(_policy(tmp_path, text)), today=TODAY).findings
    kept = _codes_at(scoped, "MESH001")
    assert kept and all(not p.startswith(("models/", "domains/marketing/models/intermediate/")) for p in kept)
    assert any(p.startswith("domains/marketing/models/staging/") for p in kept)


def test_global_scope_applies_to_every_rule(tmp_path: Path, violations_mesh: MeshModel):
    text = "scope:\n  exclude: {paths: ['re:^domains/orders/']}\n"
    report = evaluate(violations_mesh, load_policy(_policy(tmp_path, text)), today=TODAY)
    assert report.findings and not [
        f for f in report.findings if f.location.path.startswith("domains/orders/")
    ]


def test_live_exception_waives_and_expired_one_is_reported(tmp_path: Path, violations_mesh: MeshModel):
    text = (
        "exceptions:\n"
        "  - code: MESH012\n    node: model.orders.fct_returns\n    reason: returns feed has no keys yet\n"
        "    expires: 2026-12-31\n"
        "  - code: product-sla-declared\n    path: domains/orders/models/marts/*.yml\n    reason: legacy\n"
        "    expires: 2026-01-31\n"
    )
    report = evaluate(violations_mesh, load_policy(_policy(tmp_path, text), root=tmp_path), today=TODAY)
    assert not [f for f in report.findings if f.code == "MESH012" and f.node_id == "model.orders.fct_returns"]
    assert {(f.code, e.reason) for f, e in report.excepted} == {("MESH012", "returns feed has no keys yet")}
    assert [f for f in report.findings if f.code == "MESH030"], "expired exceptions stop applying"
    expired = [f for f in report.findings if f.code == "MESH000"]
    assert len(expired) == 1 and str(expired[0].location) == "policies.yml:6"
    assert "expired on 2026-01-31" in expired[0].message


def test_domain_filter_and_selection(violations_mesh: MeshModel):
    report = evaluate(violations_mesh, load_policy(), selected={"MESH001"}, domains=["orders"], today=TODAY)
    assert report.findings and {(f.code, f.domain) for f in report.findings} == {("MESH001", "orders")}
    assert [r.code for r in report.rules] == ["MESH001"]
    assert report.exit_code is ExitCode.FAILED


def test_clean_mesh_passes(clean_mesh: MeshModel):
    report = evaluate(clean_mesh, load_policy(), today=TODAY)
    assert report.findings == [] and report.exit_code is ExitCode.OK


def test_the_documented_example_is_a_valid_policy(tmp_path: Path):
    from governance.checks.catalog import CONFIGURATION

    block = "\n".join(CONFIGURATION)
    example = block.split("```yaml\n", 1)[1].split("```", 1)[0]
    policy = load_policy(_policy(tmp_path, example))
    assert policy.rules["MESH017"].params["max_versions"] == 2
    assert policy.rules["MESH029"].enabled is False
    assert policy.exceptions[0].code == "MESH012"
