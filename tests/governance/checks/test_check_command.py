"""`mesh check` and `mesh rules` end to end: exit codes, formats, files, and one-line errors on bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import orjson
import pytest

from governance.cli import main
from governance.project import Projects
from tests.fixtures.mesh_project import copy_tree

REPO = Path(__file__).resolve().parents[3]


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], root: Path, *args: str):
    monkeypatch.setenv("MESH_ROOT", str(root))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clean_copy(clean_root: Path, tmp_path: Path) -> Path:
    return copy_tree(clean_root, tmp_path / "mesh")


GOVERNED = "governing 3 projects (2 domains + hub), 4 products\n"


def test_clean_mesh_exits_zero(monkeypatch, capsys, clean_root: Path):
    code, out, err = _run(monkeypatch, capsys, clean_root)
    # what it governed, and no warning: every model placed, products found
    assert (code, err) == (0, GOVERNED)
    assert "0 errors, 0 warnings" in out


def test_violations_exit_one_with_every_field(monkeypatch, capsys, violations_root: Path):
    code, out, _ = _run(monkeypatch, capsys, violations_root, "--format", "json")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert findings and all(f["domain"] and f["code"] and f["severity"] and f["path"] for f in findings)
    assert all(f["owner"] for f in findings if f["code"] != "MESH000")


def test_warnings_alone_exit_zero(monkeypatch, capsys, violations_root: Path):
    code, out, _ = _run(monkeypatch, capsys, violations_root, "--select", "MESH026", "layer-prefix")
    assert code == 0 and "0 errors, 3 warnings" in out


def test_domain_filter(monkeypatch, capsys, violations_root: Path):
    code, out, _ = _run(monkeypatch, capsys, violations_root, "--domain", "marketing", "--format", "json")
    assert code == 1 and {f["domain"] for f in json.loads(out)["findings"]} == {"marketing"}


def test_output_file_and_step_summary(monkeypatch, capsys, violations_root: Path, tmp_path: Path):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("MESH_ROOT", str(violations_root))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    report = tmp_path / "out" / "mesh.sarif"
    assert main(["check", "--format", "sarif", "--out", str(report)]) == 1
    assert capsys.readouterr().out == ""
    assert json.loads(report.read_text())["version"] == "2.1.0"
    assert summary.read_text().startswith("## mesh check failed")


def test_write_then_apply_baseline(monkeypatch, capsys, violations_root: Path, tmp_path: Path):
    baseline = tmp_path / "baseline.json"
    code, _, err = _run(monkeypatch, capsys, violations_root, "--write-baseline", str(baseline))
    assert code == 0 and "wrote" in err and baseline.is_file()
    code, out, _ = _run(monkeypatch, capsys, violations_root, "--baseline", str(baseline))
    assert code == 0 and "0 errors, 0 warnings" in out and "baselined" in out


def test_state_reports_breaking_changes_with_the_rest(monkeypatch, capsys, clean_root: Path, tmp_path: Path):
    state = tmp_path / "state"
    for project, folder in (("orders", "domains/orders"), ("marketing", "domains/marketing"), ("hub", ".")):
        (state / project).mkdir(parents=True)
        shutil.copy(clean_root / folder / "target" / "manifest.json", state / project / "manifest.json")
    code, out, err = _run(monkeypatch, capsys, clean_root, "--state", str(state))
    assert (code, err) == (0, GOVERNED) and "0 errors" in out
    # production had a product column that the working tree no longer has: a breaking change
    manifest = orjson.loads((state / "orders" / "manifest.json").read_bytes())
    node = manifest["nodes"]["model.orders.fct_orders"]
    node["columns"]["discount"] = {**node["columns"]["amount"], "name": "discount"}
    (state / "orders" / "manifest.json").write_bytes(orjson.dumps(manifest))
    code, out, _ = _run(monkeypatch, capsys, clean_root, "--state", str(state), "--format", "json")
    assert code == 1
    assert any(
        f["code"].startswith("MESH1") and "discount" in f["message"] for f in json.loads(out)["findings"]
    )


@pytest.fixture
def dropped_column_state(clean_root: Path, tmp_path: Path) -> Path:
    """Production's artifacts, in which orders.fct_orders still had a column `discount`."""
    state = tmp_path / "state"
    for project, folder in (("orders", "domains/orders"), ("marketing", "domains/marketing"), ("hub", ".")):
        (state / project).mkdir(parents=True)
        shutil.copy(clean_root / folder / "target" / "manifest.json", state / project / "manifest.json")
    manifest = orjson.loads((state / "orders" / "manifest.json").read_bytes())
    node = manifest["nodes"]["model.orders.fct_orders"]
    node["columns"]["discount"] = {**node["columns"]["amount"], "name": "discount"}
    (state / "orders" / "manifest.json").write_bytes(orjson.dumps(manifest))
    return state


def test_breaking_change_rules_are_configured_like_any_rule(
    monkeypatch, capsys, clean_root: Path, dropped_column_state: Path, tmp_path: Path
):
    state = str(dropped_column_state)
    policy = tmp_path / "policies.yml"
    policy.write_text("version: 1\nrules:\n  product-column-removed-or-renamed: {severity: warning}\n")
    code, out, _ = _run(
        monkeypatch, capsys, clean_root, "--state", state, "--config", str(policy), "--format", "json"
    )
    findings = json.loads(out)["findings"]
    assert code == 0 and [(f["code"], f["severity"]) for f in findings] == [("MESH101", "warning")]
    policy.write_text("version: 1\nrules:\n  MESH101: {enabled: false}\n")
    code, out, _ = _run(
        monkeypatch, capsys, clean_root, "--state", state, "--config", str(policy), "--format", "json"
    )
    assert code == 0 and json.loads(out)["findings"] == []
    for selector in ("MESH101", "product-column-removed-or-renamed"):
        code, out, _ = _run(
            monkeypatch, capsys, clean_root, "--state", state, "--select", selector, "--format", "json"
        )
        findings = json.loads(out)["findings"]
        assert code == 1 and {f["code"] for f in findings} == {"MESH101"}, selector
        assert findings[0]["fingerprint"] == "MESH101:model.orders.fct_orders:column:discount"
    policy.write_text("version: 1\nrules:\n  MESH101: {include: {domains: [marketing]}}\n")  # scope
    code, out, _ = _run(
        monkeypatch, capsys, clean_root, "--state", state, "--config", str(policy), "--format", "json"
    )
    assert code == 0 and json.loads(out)["findings"] == []


def test_a_baseline_remembers_the_column_not_only_the_model(
    monkeypatch, capsys, violations_root: Path, tmp_path: Path
):
    """A baselined finding on one column does not hide the same rule's finding on another column."""
    code, out, _ = _run(monkeypatch, capsys, violations_root, "--format", "json")
    findings = json.loads(out)["findings"]
    by_model: dict[tuple[str, str], list[dict]] = {}
    for finding in findings:
        if finding["fingerprint"].count(":column:"):
            by_model.setdefault((finding["code"], finding["node_id"]), []).append(finding)
    pair = next((group for group in by_model.values() if len(group) >= 2), None)
    assert pair is not None, "the violations mesh has a rule firing on two columns of one model"
    baseline = tmp_path / "baseline.json"
    entries = {pair[0]["fingerprint"]: {"code": pair[0]["code"]}}
    baseline.write_text(json.dumps({"version": 2, "findings": entries}))
    code, out, _ = _run(monkeypatch, capsys, violations_root, "--baseline", str(baseline), "--format", "json")
    assert code == 1
    remaining = {f["fingerprint"] for f in json.loads(out)["findings"]}
    assert pair[0]["fingerprint"] not in remaining
    assert {f["fingerprint"] for f in pair[1:]} <= remaining


def _bad_input(monkeypatch, capsys, root: Path, *args: str, output: Path | None = None) -> str:
    extra = ["--out", str(output)] if output else []
    code, out, err = _run(monkeypatch, capsys, root, *args, *extra)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    if output is not None:
        assert not output.exists(), "nothing half-written"
    return lines[0]


def test_truncated_manifest(monkeypatch, capsys, clean_copy: Path, tmp_path: Path):
    manifest = clean_copy / "domains/marketing/target/manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:5000])
    line = _bad_input(monkeypatch, capsys, clean_copy, output=tmp_path / "report.txt")
    assert "domains/marketing/target/manifest.json: not valid JSON" in line
    assert "mesh build --domain marketing" in line


def test_manifest_from_another_dbt_version(monkeypatch, capsys, clean_copy: Path):
    manifest = clean_copy / "domains/orders/target/manifest.json"
    data = orjson.loads(manifest.read_bytes())
    data["metadata"]["dbt_schema_version"] = "https://schemas.getdbt.com/dbt/manifest/v11.json"
    manifest.write_bytes(orjson.dumps(data))
    line = _bad_input(monkeypatch, capsys, clean_copy)
    assert "manifest schema https://schemas.getdbt.com/dbt/manifest/v11.json is not supported" in line


def test_missing_manifest_names_the_domain_to_build(monkeypatch, capsys, clean_copy: Path):
    (clean_copy / "domains/marketing/target/manifest.json").unlink()
    line = _bad_input(monkeypatch, capsys, clean_copy)
    assert "domains/marketing/target/manifest.json: manifest of 'marketing' not found" in line
    assert "run `mesh build --domain marketing` first" in line


def test_missing_field(monkeypatch, capsys, clean_copy: Path):
    manifest = clean_copy / "domains/orders/target/manifest.json"
    data = orjson.loads(manifest.read_bytes())
    del data["nodes"]["model.orders.fct_orders"]["name"]
    manifest.write_bytes(orjson.dumps(data))
    line = _bad_input(monkeypatch, capsys, clean_copy)
    assert "node model.orders.fct_orders: `name` must be a string" in line


def test_same_product_name_in_two_domains_is_two_products(monkeypatch, capsys, clean_copy: Path):
    """dbt refs are two-part: two domains may both publish `fct_orders` (test_adoption_twins.py runs it
    on real dbt projects)."""
    from governance.loader import load_mesh

    manifest = clean_copy / "domains/marketing/target/manifest.json"
    data = orjson.loads(manifest.read_bytes())
    data["nodes"]["model.marketing.fct_campaign_orders"]["name"] = "fct_orders"
    manifest.write_bytes(orjson.dumps(data))
    named = sorted(m.display_name for m in load_mesh(clean_copy).products() if m.name == "fct_orders")
    assert named == ["marketing.fct_orders", "orders.fct_orders"]


def test_cycle_between_domains(monkeypatch, capsys, clean_copy: Path):
    (clean_copy / "domains/orders/dependencies.yml").write_text("projects:\n  - name: marketing\n")
    line = _bad_input(monkeypatch, capsys, clean_copy)
    assert "dependency cycle between projects" in line


def test_cycle_between_domains_in_manifests(monkeypatch, capsys, clean_copy: Path):
    manifest = clean_copy / "domains/orders/target/manifest.json"
    data = orjson.loads(manifest.read_bytes())
    data["nodes"]["model.orders.fct_orders"]["depends_on"]["nodes"].append(
        "model.marketing.fct_campaign_orders"
    )
    manifest.write_bytes(orjson.dumps(data))
    line = _bad_input(monkeypatch, capsys, clean_copy)
    assert "dependency cycle between domains in their manifests" in line


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("--rules", "MESH0001"), "--rules: unknown rule 'MESH0001'"),
        (("--domain", "billing"), "unknown domain 'billing'"),
        (("--baseline", "/nonexistent/baseline.json"), "baseline not found"),
        (("--state", "/nonexistent/state"), "state directory not found"),
    ],
)
def test_bad_arguments(monkeypatch, capsys, clean_root: Path, args: tuple[str, ...], problem: str):
    assert problem in _bad_input(monkeypatch, capsys, clean_root, *args)


def test_malformed_policy_file(monkeypatch, capsys, clean_root: Path, tmp_path: Path):
    policy = tmp_path / "policies.yml"
    policy.write_text("rules:\n  MESH012: {severty: warning}\n")
    line = _bad_input(monkeypatch, capsys, clean_root, "--config", str(policy))
    assert "unknown key 'severty' (did you mean 'severity'?)" in line


def test_usage_error_exits_two(monkeypatch, capsys, clean_root: Path):
    monkeypatch.setenv("MESH_ROOT", str(clean_root))
    with pytest.raises(SystemExit) as exited:
        main(["check", "--format", "yaml"])
    assert exited.value.code == 2


def test_rules_command_writes_the_catalog(monkeypatch, capsys, tmp_path: Path):
    page = tmp_path / "rules.md"
    assert main(["rules", "--write", str(page)]) == 0
    assert page.read_text() == (REPO / "docs/rules.md").read_text()
    assert main(["rules"]) == 0
    assert "MESH012" in capsys.readouterr().out


@pytest.mark.dbt  # the repository's own mesh, as `mesh build` left it (make test's build lane)
def test_real_mesh_passes(monkeypatch, capsys):
    """The mesh as built in this repository (`mesh build`) has no policy errors."""
    if not (REPO / "domains").is_dir():
        pytest.skip("no domains in this checkout")
    projects = Projects.discover(REPO)
    missing = [p.name for p in projects.projects.values() if not p.manifest_path.is_file()]
    if missing:
        pytest.skip(f"real mesh not built (no manifest for {', '.join(missing)}); run `mesh build`")
    code, out, err = _run(monkeypatch, capsys, REPO)
    assert code == 0, out + err
