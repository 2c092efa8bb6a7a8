"""Adopting a mesh written elsewhere (tests/fixtures/adoption): init, build, check, lineage, check --state.

Three projects with their own folder names, dbt's default schema, profiles inside each project, seeds,
and dbt-loom as the only record of the project graph. Nothing is moved: `mesh init` writes mesh.yml,
and every later command finds it from the working directory. Real dbt, real DuckDB.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.fixtures.mesh_project import MeshRecipe, Phase, cache_dir, copy_tree, prepare
from tests.lanes import builds_dbt

ADOPTION = Path(__file__).resolve().parents[1] / "fixtures" / "adoption"
PROJECTS = {"core": "warehouse_core", "finance": "teams/finance", "growth": "teams/growth"}


@dataclass
class Run:
    code: int
    out: str
    err: str


def mesh(root: Path, *args: str) -> Run:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"MESH_ROOT", "DBT_PROFILES_DIR", "GITHUB_STEP_SUMMARY"}
    }
    env |= {
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MESH_DATA_DIR": str(root / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "governance", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


@dataclass
class Adopted:
    root: Path
    init: Run
    build: Run
    check: Run
    baseline: Path
    lineage: Run
    state: Path


@pytest.fixture(scope="module")
@builds_dbt
def adopted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Adopted:
    copy = prepare(MeshRecipe("adoption", (Phase(steps=()),), source=ADOPTION), cache_dir(request.config))
    root = copy_tree(copy, tmp_path_factory.mktemp("adoption") / "repo")
    assert not (root / "mesh.yml").exists()
    init = mesh(root, "init")
    build = mesh(root, "build")  # the profiles default to `dev`, as dbt reads them
    assert build.code == 0, build.out + build.err
    check = mesh(root, "check", "--format", "json")
    baseline = root / "mesh-baseline.json"
    assert mesh(root, "check", "--write-baseline", str(baseline)).code == 0
    lineage = mesh(root, "lineage")
    state = root / "prod"  # what production last deployed: today's manifests
    for name, folder in PROJECTS.items():
        (state / name).mkdir(parents=True)
        shutil.copy(root / folder / "target" / "manifest.json", state / name / "manifest.json")
    return Adopted(root, init, build, check, baseline, lineage, state)


def test_init_finds_projects_and_edges_from_dbt_loom(adopted: Adopted) -> None:
    assert adopted.init.code == 0, adopted.init.err
    out = adopted.init.out
    assert "projects (3):" in out
    assert "edges (3): core -> finance, core -> growth, finance -> growth" in out
    assert "finance: teams/finance, platform databricks, reads core (dbt_loom.config.yml)" in out
    settings = (adopted.root / "mesh.yml").read_text(encoding="utf-8")
    assert 'include: ["teams/finance", "teams/growth", "warehouse_core"]' in settings
    assert "hub:" not in settings  # no project at the root: no hub


def test_build_follows_the_loom_graph_with_each_projects_profiles_and_seeds(adopted: Adopted) -> None:
    assert "3 of 3 projects built" in adopted.build.out
    assert adopted.build.out.index("[core] success") < adopted.build.out.index("[finance] dbt build started")
    for name in PROJECTS.values():  # each project's own profiles.yml put its database in its target/
        assert next((adopted.root / name / "target").glob("*.duckdb"), None) is not None


def test_check_governs_the_public_models_and_says_what_it_cannot_place(adopted: Adopted) -> None:
    lines = adopted.check.err.splitlines()
    assert lines[0] == "governing 3 projects (3 domains), 3 products"
    assert lines[1].startswith("warning: 2 models with no layer in finance (1), growth (1) (schemas: main)")
    assert "mesh.yml `layers.names`" in lines[1]
    report = json.loads(adopted.check.out)
    assert adopted.check.code == 1  # real findings on models that never followed these conventions
    products = {f["node_id"] for f in report["findings"] if f["code"] == "MESH008"}  # a product rule
    assert products == {"model.core.customers", "model.core.orders", "model.finance.revenue_by_customer"}


def test_lineage_is_the_product_graph(adopted: Adopted) -> None:
    assert adopted.lineage.code == 0
    graph = json.loads(adopted.lineage.out)
    kinds = {n["id"]: n["kind"] for n in graph["nodes"]}
    assert kinds == {
        "model.core.customers": "product",
        "model.core.orders": "product",
        "model.finance.revenue_by_customer": "product",
        "model.growth.top_accounts": "consumer",  # reads two products, publishes nothing
        "exposure.growth.sales_dashboard": "exposure",
    }
    edges = {(e["source"], e["target"]) for e in graph["edges"]}
    assert ("model.core.orders", "model.finance.revenue_by_customer") in edges
    assert ("model.finance.revenue_by_customer", "model.growth.top_accounts") in edges
    assert ("model.core.customers", "model.growth.top_accounts") in edges
    assert ("model.growth.top_accounts", "exposure.growth.sales_dashboard") in edges
    # core's staging models lie between its seeds and its products: said, not silently dropped
    assert "note: core: 2 models that are neither products" in adopted.lineage.err


def test_baselined_adoption_is_green_and_a_dropped_column_is_reported_with_its_downstream(
    adopted: Adopted, tmp_path: Path
) -> None:
    root = copy_tree(adopted.root, tmp_path / "repo")
    baseline, state = root / "mesh-baseline.json", root / "prod"
    green = mesh(root, "check", "--baseline", str(baseline), "--state", str(state))
    assert green.code == 0, green.out + green.err
    marts = root / "warehouse_core" / "models" / "marts"
    (marts / "orders.sql").write_text(
        (marts / "orders.sql").read_text(encoding="utf-8").replace(", status", ""), encoding="utf-8"
    )
    yml = (marts / "marts.yml").read_text(encoding="utf-8")
    (marts / "marts.yml").write_text(yml.replace("      - name: status\n        data_type: varchar\n", ""))
    rebuilt = mesh(root, "build", "--target", "dev", "--domain", "core")
    assert rebuilt.code == 0, rebuilt.out + rebuilt.err
    broken = mesh(root, "check", "--baseline", str(baseline), "--state", str(state), "--format", "json")
    assert broken.code == 1, broken.err
    findings = json.loads(broken.out)["findings"]
    assert [f["code"] for f in findings] == ["MESH101"]
    assert findings[0]["message"].startswith(
        "core.orders: column `status` removed or renamed; breaks 3 downstream"
    )
    assert set(findings[0]["impact"]) == {
        "model.finance.revenue_by_customer",
        "model.growth.top_accounts",
        "exposure.growth.sales_dashboard",
    }


def test_init_refuses_to_overwrite_and_records_a_baseline_once_built(
    adopted: Adopted, tmp_path: Path
) -> None:
    root = copy_tree(adopted.root, tmp_path / "repo")
    again = mesh(root, "init")
    assert again.code == 2 and again.err.count("\n") == 1 and "pass --force" in again.err
    baseline = root / "adoption-baseline.json"
    forced = mesh(root, "init", "--force", "--baseline", str(baseline))
    assert forced.code == 0, forced.err
    assert "governing 3 projects (3 domains), 3 products" in forced.out
    assert "MESH008 " in forced.out and f"findings recorded in {baseline}" in forced.out
    assert mesh(root, "check", "--baseline", str(baseline)).code == 0


def test_a_project_that_is_not_in_the_mesh_is_one_line(adopted: Adopted, tmp_path: Path) -> None:
    root = copy_tree(adopted.root, tmp_path / "repo")
    (root / "mesh.yml").write_text('projects:\n  include: ["teams/*"]\n', encoding="utf-8")
    for command in (("check",), ("lineage",), ("build", "--target", "dev")):
        run = mesh(root, *command)
        assert run.code == 2 and run.out == "", run.out
        assert run.err.count("\n") == 1, run.err
        assert (
            "manifest 'core' points at warehouse_core/target/manifest.json, written by the dbt project in "
            in run.err
        )
        assert "add 'warehouse_core' to mesh.yml projects.include" in run.err


def test_trino_config_uses_the_package_defaults_not_this_repositorys_users(
    adopted: Adopted, tmp_path: Path
) -> None:
    out = tmp_path / "trino"
    run = mesh(adopted.root, "trino-config", "--out", str(out), "--config-dir", "/etc/trino")
    assert run.code == 0, run.err
    assert "governing 3 projects (3 domains), 3 products" in run.err
    groups = (out / "group.txt").read_text(encoding="utf-8")
    for demo_user in ("olga", "maria", "alice", "analyst"):  # governance/trino.yml of this repository
        assert demo_user not in groups


# --- dbt-loom wiring as dbt-loom reads it (no dbt needed) -------------------------------------------


def dbt_project(root: Path, folder: str, name: str, loom: str = "") -> Path:
    path = root / folder
    path.mkdir(parents=True, exist_ok=True)
    (path / "dbt_project.yml").write_text(f"name: {name}\nprofile: {name}\n", encoding="utf-8")
    if loom:
        (path / "dbt_loom.config.yml").write_text(loom, encoding="utf-8")
    return path


def loom_entry(label: str, path: str, *, optional: bool = False) -> str:
    extra = "    optional: true\n" if optional else ""
    return f"  - name: {label}\n    type: file\n    config: {{path: '{path}'}}\n{extra}"


def test_upstream_is_the_project_whose_manifest_the_entry_points_at_not_its_label(tmp_path: Path) -> None:
    from governance.project import Projects

    dbt_project(tmp_path, "platform", "jaffle_platform")
    dbt_project(
        tmp_path,
        "finance",
        "jaffle_finance",
        "manifests:\n" + loom_entry("upstream_prod", "../platform/target/manifest.json"),
    )
    projects = Projects.discover(tmp_path)
    assert projects.projects["jaffle_finance"].upstream == ("jaffle_platform",)
    assert projects.order == ["jaffle_platform", "jaffle_finance"]
    # Once built, the manifest's own project name decides, wherever the file was copied to.
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    (artifacts / "platform.json").write_text(
        '{"metadata": {"dbt_schema_version": "x", "project_name": "jaffle_platform"}, "nodes": {}}',
        encoding="utf-8",
    )
    dbt_project(
        tmp_path, "finance", "jaffle_finance", "manifests:\n" + loom_entry("prod", "${ART}/platform.json")
    )
    os.environ["ART"] = str(artifacts)
    try:
        assert Projects.discover(tmp_path).projects["jaffle_finance"].upstream == ("jaffle_platform",)
    finally:
        del os.environ["ART"]


def test_an_entry_pointing_at_a_project_outside_the_mesh_names_its_folder(tmp_path: Path) -> None:
    from governance.errors import MeshError
    from governance.project import Projects

    dbt_project(tmp_path, "platform", "jaffle_platform")
    dbt_project(
        tmp_path,
        "finance",
        "jaffle_finance",
        "manifests:\n" + loom_entry("upstream_prod", "../platform/target/manifest.json"),
    )
    (tmp_path / "mesh.yml").write_text('projects:\n  include: ["finance"]\n', encoding="utf-8")
    with pytest.raises(MeshError) as caught:
        Projects.discover(tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert "written by the dbt project in platform, which is not in the mesh" in message
    assert "add 'platform' to mesh.yml projects.include" in message


def test_optional_manifests_of_projects_reading_each_other_order_the_build_and_say_how(
    tmp_path: Path,
) -> None:
    from governance.project import Projects

    dbt_project(tmp_path, "core", "core")
    dbt_project(
        tmp_path,
        "sales",
        "sales",
        "manifests:\n"
        + loom_entry("core", "../core/target/manifest.json")
        + loom_entry("marketing", "../marketing/target/manifest.json", optional=True),
    )
    dbt_project(
        tmp_path,
        "marketing",
        "marketing",
        "manifests:\n" + loom_entry("sales", "../sales/target/manifest.json"),
    )
    projects = Projects.discover(tmp_path)  # no "dependency cycle"
    assert projects.order == ["core", "sales", "marketing"]
    assert projects.projects["sales"].upstream == ("core",)
    assert projects.projects["sales"].deferred == ("marketing",)
    assert projects.projects["sales"].reads == ("core", "marketing")
    assert projects.notes == (
        "sales reads marketing optionally and marketing reads sales: marketing is built after sales, "
        "which reads the manifest marketing last wrote (none on a first build)",
    )
    # An optional read that closes no cycle still orders the build.
    (tmp_path / "marketing" / "dbt_loom.config.yml").unlink()
    again = Projects.discover(tmp_path)
    assert again.order == ["core", "marketing", "sales"] and again.notes == ()
    assert again.projects["sales"].upstream == ("core", "marketing")


def test_required_manifests_that_read_each_other_are_still_a_cycle(tmp_path: Path) -> None:
    from governance.errors import MeshError
    from governance.project import Projects

    dbt_project(tmp_path, "a", "a", "manifests:\n" + loom_entry("b", "../b/target/manifest.json"))
    dbt_project(tmp_path, "b", "b", "manifests:\n" + loom_entry("a", "../a/target/manifest.json"))
    with pytest.raises(MeshError, match="dependency cycle between projects"):
        Projects.discover(tmp_path)


def test_dependencies_yml_agrees_with_loom_by_project_not_label(tmp_path: Path) -> None:
    from governance.project import Projects

    dbt_project(tmp_path, "platform", "jaffle_platform")
    finance = dbt_project(
        tmp_path,
        "finance",
        "jaffle_finance",
        "manifests:\n" + loom_entry("prod", "../platform/target/manifest.json"),
    )
    (finance / "dependencies.yml").write_text("projects:\n  - name: jaffle_platform\n", encoding="utf-8")
    assert Projects.discover(tmp_path).projects["jaffle_finance"].upstream == ("jaffle_platform",)


# --- a dbt-loom mesh with labels, an optional manifest and a consumer-only project (real dbt) ---------

LOOM = Path(__file__).resolve().parents[1] / "fixtures" / "adoption_loom"
LOOM_PROJECTS = {"jaffle_platform": "platform", "jaffle_finance": "finance", "jaffle_marketing": "marketing"}


@dataclass
class LoomMesh:
    root: Path
    init: Run
    build: Run
    lineage: Run


@pytest.fixture(scope="module")
def loom(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> LoomMesh:
    copy = prepare(MeshRecipe("adoption-loom", (Phase(steps=()),), source=LOOM), cache_dir(request.config))
    root = copy_tree(copy, tmp_path_factory.mktemp("loom") / "repo")
    init = mesh(root, "init")
    assert init.code == 0, init.err
    build = mesh(root, "build")
    assert build.code == 0, build.out + build.err
    return LoomMesh(root, init, build, mesh(root, "lineage"))


@pytest.mark.dbt
def test_loom_labels_and_an_optional_manifest_between_projects_that_read_each_other(loom: LoomMesh) -> None:
    out = loom.init.out
    assert "edges (3): jaffle_finance -> jaffle_marketing, jaffle_marketing -> jaffle_finance, " in out
    assert "jaffle_finance: finance, platform databricks, reads jaffle_platform, jaffle_marketing " in out
    assert "(optional)" in out and "build order: jaffle_platform, jaffle_finance, jaffle_marketing" in out
    assert "jaffle_marketing is built after jaffle_finance" in out
    assert "3 of 3 projects built" in loom.build.out
    assert "order: jaffle_finance reads jaffle_marketing optionally" in loom.build.err
    assert loom.build.out.index("[jaffle_finance] success") < loom.build.out.index(
        "[jaffle_marketing] dbt build started"
    )
    again = mesh(loom.root, "build")  # now finance's optional manifest exists, and dbt-loom reads it
    assert again.code == 0 and "3 of 3 projects built" in again.out, again.out + again.err


@pytest.mark.dbt
def test_lineage_shows_a_consumer_project_and_takes_it_as_domain(loom: LoomMesh) -> None:
    assert loom.lineage.code == 0, loom.lineage.err
    graph = json.loads(loom.lineage.out)
    kinds = {n["id"]: (n["kind"], n["domain"]) for n in graph["nodes"]}
    assert kinds == {
        "model.jaffle_platform.customers": ("product", "jaffle_platform"),
        "model.jaffle_finance.revenue": ("product", "jaffle_finance"),
        "model.jaffle_marketing.campaign_targets": ("consumer", "jaffle_marketing"),
    }
    assert {(e["source"], e["target"]) for e in graph["edges"]} == {
        ("model.jaffle_platform.customers", "model.jaffle_finance.revenue"),
        ("model.jaffle_finance.revenue", "model.jaffle_marketing.campaign_targets"),
    }
    one = mesh(loom.root, "lineage", "--domain", "jaffle_marketing", "--format", "mermaid")
    assert one.code == 0, one.err
    assert 'subgraph d1["jaffle_marketing"]' in one.out and "jaffle_marketing.campaign_targets" in one.out
    assert "jaffle_platform" not in one.out  # two hops away
    assert "note: only jaffle_marketing's nodes and their direct producers and consumers: 1 other" in one.err


@pytest.mark.dbt
def test_check_state_names_each_project_it_could_not_compare_and_stale_manifests(
    loom: LoomMesh, tmp_path: Path
) -> None:
    root = copy_tree(loom.root, tmp_path / "repo")
    state = root / "prod"
    (state / "jaffle_platform").mkdir(parents=True)
    shutil.copy(root / "platform" / "target" / "manifest.json", state / "jaffle_platform" / "manifest.json")
    (state / "jaffle_finance").mkdir()
    run = mesh(root, "check", "--state", str(state), "--format", "json")
    lines = [line for line in run.err.splitlines() if line.startswith("warning: --state:")]
    assert lines == [
        f"warning: --state: jaffle_finance: not compared, {state / 'jaffle_finance'} has no manifest.json "
        "(a project new since that deployment, or its artifacts were not copied: copy production's "
        f"target/manifest.json to {state / 'jaffle_finance'}/)",
        f"warning: --state: jaffle_marketing: not compared, no folder {state / 'jaffle_marketing'} "
        "(a project new since that deployment, or its artifacts were not copied: copy production's "
        f"target/manifest.json to {state / 'jaffle_marketing'}/)",
    ]
    edited = root / "platform" / "models" / "customers.yml"
    built = (root / "platform" / "target" / "manifest.json").stat().st_mtime
    os.utime(edited, (built + 60, built + 60))  # sources edited, not rebuilt
    stale = mesh(root, "check", "--state", str(state), "--format", "json")
    assert (
        "warning: --state: jaffle_platform: target/manifest.json is older than "
        "platform/models/customers.yml (edited since the last build), so the comparison does not see "
        "that edit; run `mesh build --domain jaffle_platform` first"
    ) in stale.err.splitlines()


@pytest.mark.dbt
def test_a_models_own_unique_not_null_key_is_not_a_foreign_key(loom: LoomMesh) -> None:
    run = mesh(loom.root, "check", "--rules", "MESH012", "MESH009", "--format", "json")
    findings = json.loads(run.out)["findings"]
    # customers.customer_id (unique test, not_null constraint) and revenue.customer_id (both tests) are
    # each product's own grain: no "foreign key ... has no relationships test"
    assert [f for f in findings if f["code"] == "MESH012"] == [], findings


# --- a model configured into another domain's catalog or schema ------------------------------------


def test_foreign_catalogs_and_schemas_are_claims() -> None:
    from governance.claims import catalog_owners, foreign_claim

    owners = catalog_owners(["orders", "marketing"], {"marketing": "mkt_file"})
    domains = {"orders", "marketing"}
    assert foreign_claim(owners, domains, "marketing", "orders", "gold") == (
        "catalog 'orders', which domain orders owns"
    )
    assert foreign_claim(owners, domains, "orders", "MKT_FILE", None) == (
        "catalog 'MKT_FILE', which domain marketing owns"
    )
    assert foreign_claim(owners, domains, "marketing", None, "orders__gold") == (
        "schema 'orders__gold', which domain orders owns (<domain>__<layer>)"
    )
    for own in (("marketing", "marketing", "gold"), ("marketing", "scratch", "marketing__gold")):
        assert foreign_claim(owners, domains, *own) is None


@pytest.mark.parametrize(
    ("file", "text"),
    [
        ("finance/models/revenue.sql", "{{ config(database='jaffle_platform') }}\n"),
        (
            "finance/models/revenue.sql",
            '{{ config(materialized="table", schema="jaffle_platform__gold") }}\n',
        ),
        ("finance/dbt_project.yml", "    +database: jaffle_platform\n"),
    ],
)
def test_build_refuses_a_model_in_another_domains_catalog_before_dbt_runs(
    tmp_path: Path, file: str, text: str
) -> None:
    root = copy_tree(LOOM, tmp_path / "repo")
    assert mesh(root, "init").code == 0
    target = root / file
    original = target.read_text(encoding="utf-8")
    target.write_text(original + text if file.endswith(".yml") else text + original, encoding="utf-8")
    run = mesh(root, "build")
    assert run.code == 2 and run.err.count("\n") == 1 and run.out == "", run.out + run.err
    assert run.err.startswith("error: jaffle_finance: ") and "which domain jaffle_platform owns" in run.err
    assert not any((root / folder / "target").exists() for folder in LOOM_PROJECTS.values())  # no dbt ran


@pytest.mark.dbt
def test_check_reports_a_model_built_into_another_domains_catalog(loom: LoomMesh, tmp_path: Path) -> None:
    root = copy_tree(loom.root, tmp_path / "repo")
    manifest = root / "finance" / "target" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["nodes"]["model.jaffle_finance.revenue"]["database"] = "platform"  # jaffle_platform's DuckDB file
    manifest.write_text(json.dumps(data), encoding="utf-8")
    run = mesh(root, "check", "--rules", "MESH034", "--format", "json")
    assert run.code == 1, run.err
    assert [(f["node_id"], f["message"]) for f in json.loads(run.out)["findings"]] == [
        (
            "model.jaffle_finance.revenue",
            "jaffle_finance.revenue: is configured into catalog 'platform', which domain "
            "jaffle_platform owns",
        )
    ]


@pytest.mark.dbt
def test_init_offers_a_starter_policy_an_ordinary_dbt_mesh_passes(loom: LoomMesh, tmp_path: Path) -> None:
    root = copy_tree(loom.root, tmp_path / "repo")
    strict = mesh(root, "check", "--format", "json")
    assert strict.code == 1  # this platform's conventions, never followed here
    hint = mesh(root, "init", "--force").out
    assert "`mesh init --force --starter-policy` writes mesh-policies.yml" in hint
    init = mesh(root, "init", "--force", "--starter-policy")
    assert init.code == 0, init.err
    assert "under it: 0 errors, " in init.out
    assert 'policies: "mesh-policies.yml"' in (root / "mesh.yml").read_text(encoding="utf-8")
    policy = (root / "mesh-policies.yml").read_text(encoding="utf-8")
    assert "MESH024: {enabled: false}  # the consumer group" in policy
    relaxed = mesh(root, "check", "--format", "json")
    assert relaxed.code == 0, relaxed.out
    report = json.loads(relaxed.out)
    assert report["summary"]["errors"] == 0 and report["summary"]["warnings"] > 0
    # what breaks a consumer stays an error: a model built into another domain's catalog
    manifest = root / "finance" / "target" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["nodes"]["model.jaffle_finance.revenue"]["database"] = "platform"
    manifest.write_text(json.dumps(data), encoding="utf-8")
    assert mesh(root, "check").code == 1
    again = mesh(root, "init", "--starter-policy")
    assert again.code == 2 and "pass --force" in again.err


@pytest.mark.dbt
def test_a_dependencies_yml_only_mesh_is_warned_and_gets_its_dbt_loom_config(tmp_path: Path) -> None:
    root = copy_tree(LOOM, tmp_path / "repo")
    for folder, upstream in (("finance", "jaffle_platform"), ("marketing", "jaffle_finance")):
        (root / folder / "dbt_loom.config.yml").unlink()
        (root / folder / "dependencies.yml").write_text(
            f"projects:\n  - name: {upstream}\n", encoding="utf-8"
        )
    init = mesh(root, "init")
    assert init.code == 0, init.err
    assert (
        "warning: jaffle_finance names its upstream projects (jaffle_platform) only in dependencies.yml; "
        "dbt Core resolves cross-project refs only with dbt-loom" in init.out
    )
    failing = mesh(root, "build", "--domain", "jaffle_platform", "--domain", "jaffle_finance")
    assert "warning: jaffle_finance names its upstream projects (jaffle_platform) only in" in failing.err
    assert failing.code == 1 and "Compilation Error" in failing.out  # what dbt Core does without dbt-loom
    loom = mesh(root, "init", "--force", "--loom")
    assert loom.code == 0 and "only in dependencies.yml" not in loom.out, loom.out + loom.err
    config = yaml.safe_load((root / "finance" / "dbt_loom.config.yml").read_text(encoding="utf-8"))
    assert config == {
        "manifests": [
            {
                "name": "jaffle_platform",
                "type": "file",
                "config": {"path": "../platform/target/manifest.json"},
            }
        ]
    }
    build = mesh(root, "build")
    assert build.code == 0 and "3 of 3 projects built" in build.out, build.out + build.err
    assert "only in dependencies.yml" not in build.err


@pytest.mark.dbt
def test_contract_servers_come_from_each_projects_own_profile(loom: LoomMesh, tmp_path: Path) -> None:
    out = tmp_path / "contracts"
    run = mesh(loom.root, "contracts", "export", "--out", str(out))
    assert run.code == 0, run.err
    contract = yaml.safe_load((out / "jaffle_platform" / "jaffle_platform-customers.odcs.yaml").read_text())
    # the profile's DuckDB file (platform/target/platform.duckdb), and no Databricks: no target for it
    assert contract["servers"] == [
        {
            "server": "embedded-duckdb",
            "type": "duckdb",
            "description": "The mesh's embedded engine (`mesh query`); the domain's DuckDB file.",
            "database": "platform/target/platform.duckdb",
            "schema": "main",
        }
    ]


def test_init_warns_of_a_profiles_folder_that_does_not_exist(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    folder = dbt_project(root, "core", "core")
    (folder / "domain.yml").write_text("profiles_dir: ../config/dbt\n", encoding="utf-8")
    run = mesh(root, "init")
    assert run.code == 0, run.err
    assert (
        "warning: core: no profiles.yml in config/dbt; `mesh build` needs it there, or set mesh.yml "
        "`profiles_dir` (or domains.core.profiles_dir) to where it is"
    ) in run.out
