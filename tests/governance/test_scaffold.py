"""`mesh new` (governance/scaffold.py): golden files, bad names, and one scaffold -> build -> check run.

The fixture mesh (tests/fixtures/scaffold/mesh) is one hand-written domain, `shop`, with a shared
profiles folder; golden files are under tests/fixtures/scaffold/golden (MESH_UPDATE_GOLDEN=1 rewrites
them). The end-to-end test uses real dbt and real DuckDB.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from governance.cli import main
from governance.errors import MeshError
from governance.model import Platform
from governance.project import Projects
from governance.scaffold import new_domain, new_product, new_version
from governance.settings import load_settings
from tests.governance.test_adoption import mesh

SCAFFOLD = Path(__file__).resolve().parents[1] / "fixtures" / "scaffold"
GOLDEN = SCAFFOLD / "golden"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SCAFFOLD / "mesh", tmp_path / "repo"))


def projects_of(root: Path) -> Projects:
    return Projects.discover(root, load_settings(root))


def assert_golden(root: Path, relative: str, golden: str) -> None:
    text = (root / relative).read_text(encoding="utf-8")
    expected = GOLDEN / golden
    if os.environ.get("MESH_UPDATE_GOLDEN") == "1":
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8"), f"{relative} differs from {expected}"


def test_new_domain_writes_the_conventional_project(root: Path) -> None:
    profiles_before = (root / "profiles" / "profiles.yml").read_text(encoding="utf-8")
    written = new_domain(projects_of(root), "billing", Platform.EXTERNAL, ["shop"])
    assert written.created == (
        "domains/billing/dbt_project.yml",
        "domains/billing/domain.yml",
        "domains/billing/models/groups.yml",
        "domains/billing/models/staging/.gitkeep",
        "domains/billing/models/intermediate/.gitkeep",
        "domains/billing/models/marts/.gitkeep",
        "domains/billing/macros/generate_schema_name.sql",
        "domains/billing/dbt_loom.config.yml",
    )
    assert written.appended == ("profiles/profiles.yml",)
    for name in ("dbt_project.yml", "domain.yml", "dbt_loom.config.yml", "models/groups.yml"):
        assert_golden(root, f"domains/billing/{name}", f"domain-{name.replace('/', '-')}")
    profiles = (root / "profiles" / "profiles.yml").read_text(encoding="utf-8")
    assert profiles.startswith(profiles_before)  # the shared file only grows
    assert_golden(root, "profiles/profiles.yml", "profiles.yml")
    # the settings layer reads it back: a domain of the mesh, external, reading shop
    billing = projects_of(root).projects["billing"]
    assert (billing.platform, billing.upstream) == (Platform.EXTERNAL, ("shop",))


def test_a_new_databricks_domain_builds_its_masks_inside_the_create(root: Path) -> None:
    """dbt-databricks writes the PII `column_mask` dbt_mesh declares inside the CREATE only under
    `use_materialization_v2` (docs/unity-catalog-conformance.md); an external domain does not need it."""
    new_domain(projects_of(root), "billing", Platform.DATABRICKS, ["shop"])
    project = yaml.safe_load((root / "domains" / "billing" / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project["flags"] == {"use_materialization_v2": True}
    new_domain(projects_of(root), "ledger", Platform.EXTERNAL, ["shop"])
    project = yaml.safe_load((root / "domains" / "ledger" / "dbt_project.yml").read_text(encoding="utf-8"))
    assert "flags" not in project


def test_new_product_without_a_relation_writes_a_contracted_key(root: Path) -> None:
    written = new_product(projects_of(root), "shop", "dim_stores")
    assert written.created == (
        "domains/shop/models/marts/dim_stores.sql",
        "domains/shop/models/marts/dim_stores.yml",
    )
    assert_golden(root, "domains/shop/models/marts/dim_stores.yml", "product-dim_stores.yml")
    assert_golden(root, "domains/shop/models/marts/dim_stores.sql", "product-dim_stores.sql")


def test_new_version_adds_the_next_version_and_dates_the_old(root: Path) -> None:
    new_product(projects_of(root), "shop", "dim_stores")
    written = new_version(projects_of(root), "shop.dim_stores", today=date(2026, 1, 1))
    assert written.created == ("domains/shop/models/marts/dim_stores_v2.sql",)
    assert_golden(root, "domains/shop/models/marts/dim_stores.yml", "version-dim_stores.yml")
    written = new_version(projects_of(root), "dim_stores", today=date(2026, 2, 1))
    assert written.created == ("domains/shop/models/marts/dim_stores_v3.sql",)
    assert_golden(root, "domains/shop/models/marts/dim_stores.yml", "version3-dim_stores.yml")


@pytest.mark.parametrize(
    "argv",
    [
        ["new", "domain", "../evil"],
        ["new", "domain", "Billing"],
        ["new", "domain", "a/b"],
        ["new", "domain", "shop"],  # exists
        ["new", "domain", "billing", "--upstream", "nowhere"],
        ["new", "domain", "billing", "--owner-email", "not-an-address"],
        ["new", "product", "shop", "../../etc/passwd"],
        ["new", "product", "nowhere", "fct_x"],
        ["new", "product", "shop", "fct_x", "--from", "x; drop table y"],
        ["new", "product", "shop", "fct_x", "--from", "stg_orders"],  # shop not built
        ["new", "version", "shop.fct_nothing"],
        ["new", "version", "a.b.c"],
        ["new", "version", "shop.x", "--deprecate-after", "0"],
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    root: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    assert main([*argv, "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_existing_files_are_never_replaced(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marts = root / "domains" / "shop" / "models" / "marts"
    marts.mkdir(parents=True)
    (marts / "fct_orders.yml").write_text("# mine\n", encoding="utf-8")
    assert main(["new", "product", "shop", "fct_orders", "--root", str(root)]) == 2
    assert "fct_orders.yml exists" in capsys.readouterr().err
    assert (marts / "fct_orders.yml").read_text(encoding="utf-8") == "# mine\n"
    assert not (marts / "fct_orders.sql").exists()
    (root / "domains" / "billing").mkdir()
    (root / "domains" / "billing" / "domain.yml").write_text("platform: external\n", encoding="utf-8")
    with pytest.raises(MeshError, match=r"domain\.yml exists"):
        new_domain(projects_of(root), "billing", Platform.DATABRICKS, [])
    assert not (root / "domains" / "billing" / "dbt_project.yml").exists()


@pytest.mark.dbt
def test_scaffolded_domain_and_products_build_and_check_clean(tmp_path: Path) -> None:
    root = Path(shutil.copytree(SCAFFOLD / "mesh", tmp_path / "repo"))
    (root / "data" / "warehouse").mkdir(parents=True)  # MESH_DATA_DIR (tests.governance.test_adoption.mesh)
    steps = [
        ("new", "domain", "billing", "--upstream", "shop", "--platform", "external"),
        ("build",),
        ("new", "product", "shop", "fct_orders", "--from", "bronze.stg_orders"),
        ("new", "product", "billing", "fct_invoices"),
        ("build",),
        ("new", "version", "shop.fct_orders"),
        ("build",),
    ]
    for step in steps:
        done = mesh(root, *step)
        assert done.code == 0, f"mesh {' '.join(step)}:\n{done.out}\n{done.err}"
    yml = (root / "domains/shop/models/marts/fct_orders.yml").read_text(encoding="utf-8")
    for column, kind in (("order_id", "bigint"), ("amount", "decimal(10,2)"), ("ordered_at", "timestamp"),
                         ("status", "string")):  # fmt: skip
        assert f"name: {column}\n        data_type: {kind}" in yml
    # customer_email looks personal (MESH022): confidential PII, shown unmasked only to a cleared group
    assert "pii_cleared_groups:\n          - shop-pii-readers" in yml
    email = yml[yml.index("- name: customer_email") :]
    assert "classification: confidential\n            pii: true\n            masked: false" in email
    check = mesh(root, "check", "--format", "json")
    assert check.code == 0, check.out + check.err
    assert "2 domains" in check.err and "3 products" in check.err, check.err
    report = json.loads(check.out)
    assert [f for f in report["findings"] if f["severity"] == "error"] == []


def test_new_version_keeps_comments_and_refuses_a_layout_it_cannot_edit(root: Path) -> None:
    marts = root / "domains" / "shop" / "models" / "marts"
    marts.mkdir(parents=True)
    (marts / "fct_sales_v1.sql").write_text("select 1 as sale_id\n", encoding="utf-8")
    (marts / "fct_sales_v2.sql").write_text("select 2 as sale_id\n", encoding="utf-8")
    written = (
        "version: 2\nmodels:\n  - name: fct_sales\n    # sales of the shop, one row per sale\n"
        "    latest_version: 2\n    versions:\n      - v: 2\n"
        "      - v: 1\n        deprecation_date: 2026-03-01\n"
    )
    (marts / "fct_sales.yml").write_text(written, encoding="utf-8")
    new_version(projects_of(root), "fct_sales", today=date(2026, 1, 1))
    assert (marts / "fct_sales.yml").read_text(encoding="utf-8") == (
        written.replace("latest_version: 2", "latest_version: 3").replace(
            "      - v: 2\n", "      - v: 3\n      - v: 2\n        deprecation_date: 2026-04-01\n"
        )
    )
    assert (marts / "fct_sales_v3.sql").read_text(encoding="utf-8") == "select 2 as sale_id\n"
    flow = "version: 2\nmodels:\n  - name: fct_sales\n    latest_version: 2\n    versions: [{v: 2}, {v: 1}]\n"
    (marts / "fct_sales.yml").write_text(flow, encoding="utf-8")
    (marts / "fct_sales_v3.sql").unlink()
    with pytest.raises(MeshError, match="without reformatting"):
        new_version(projects_of(root), "shop.fct_sales")
    assert (marts / "fct_sales.yml").read_text(encoding="utf-8") == flow
    assert not (marts / "fct_sales_v3.sql").exists()


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        (
            'projects:\n  include: ["domains/*", "../*"]\n',
            "projects.include '../*' leads outside the mesh root",
        ),
        ('projects:\n  include: ["domains/../../elsewhere/*"]\n', "leads outside the mesh root"),
        ('projects:\n  include: ["domains/*"]\nhub: ..\n', "hub '..' leads outside the mesh root"),
    ],
)
def test_project_folders_outside_the_root_are_refused_by_every_command(
    tmp_path: Path, settings: str, problem: str
) -> None:
    root = Path(shutil.copytree(SCAFFOLD / "mesh", tmp_path / "repo"))
    outside = tmp_path / "elsewhere" / "stray"
    outside.mkdir(parents=True)
    (outside / "dbt_project.yml").write_text("name: stray\nprofile: stray\n", encoding="utf-8")
    (root / "mesh.yml").write_text(settings, encoding="utf-8")
    before = sorted(p for p in tmp_path.rglob("*"))
    for command in (("check",), ("lineage",), ("new", "domain", "billing")):
        run = mesh(root, *command)
        assert run.code == 2 and run.err.count("\n") == 1, (command, run.err)
        assert problem in run.err, run.err
    assert sorted(p for p in tmp_path.rglob("*")) == before  # nothing written anywhere


def test_a_scaffold_target_outside_the_root_is_refused_and_nothing_is_written(root: Path) -> None:
    (root / "mesh.yml").write_text(
        'projects:\n  include: ["domains/*"]\nprofiles_dir: ../shared_profiles\n', encoding="utf-8"
    )
    (root.parent / "shared_profiles").mkdir()
    with pytest.raises(MeshError, match=r"shared_profiles/profiles.yml is outside the mesh root"):
        new_domain(projects_of(root), "billing", Platform.DATABRICKS, [])
    assert not (root / "domains" / "billing").exists()
    assert not (root.parent / "shared_profiles" / "profiles.yml").exists()


# --- from nothing, and beside projects written elsewhere -------------------------------------------

ADOPTION = Path(__file__).resolve().parents[1] / "fixtures" / "adoption"


@pytest.mark.dbt
def test_an_empty_repository_becomes_a_one_domain_mesh_that_builds_and_checks_clean(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    init = mesh(root, "init")
    assert init.code == 0 and "a new mesh, no dbt project yet" in init.out, init.err
    assert 'include: ["domains/*"]' in (root / "mesh.yml").read_text(encoding="utf-8")
    empty = mesh(root, "check")
    assert empty.code == 2 and "no dbt project found" in empty.err and "mesh new domain" in empty.err
    assert mesh(root, "new", "domain", "billing").code == 0
    assert mesh(root, "new", "product", "billing", "fct_invoices").code == 0
    profiles = (root / "domains/billing/profiles.yml").read_text(encoding="utf-8")
    assert "target: dev" in profiles  # dbt's own default in a repository with no other project
    build = mesh(root, "build")
    assert build.code == 0 and "1 of 1 projects built" in build.out, build.out + build.err
    check = mesh(root, "check", "--format", "json")
    assert check.code == 0, check.out + check.err
    assert json.loads(check.out)["summary"]["errors"] == 0
    assert check.err.splitlines()[0] == "governing 1 project (1 domain), 1 product"
    lineage = json.loads(mesh(root, "lineage").out)
    assert [n["id"] for n in lineage["nodes"]] == ["model.billing.fct_invoices"]


def test_new_domain_without_mesh_yml_in_an_empty_repository_writes_one(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    run = mesh(root, "new", "domain", "billing")
    assert run.code == 0, run.err
    assert "created mesh.yml" in run.out and (root / "domains/billing/dbt_project.yml").is_file()
    assert Projects.discover(root).domain_names == ["billing"]


def test_a_new_domain_follows_the_existing_projects_profile_conventions(tmp_path: Path) -> None:
    root = Path(shutil.copytree(ADOPTION, tmp_path / "repo"))
    (root / "mesh.yml").write_text('projects:\n  include: ["teams/*", "warehouse_core"]\n', encoding="utf-8")
    run = mesh(root, "new", "domain", "billing", "--upstream", "core")
    assert run.code == 0, run.err
    profile = yaml.safe_load((root / "teams/billing/profiles.yml").read_text(encoding="utf-8"))["billing"]
    # core's profile: target `dev`, its DuckDB file in its own target/ folder
    assert profile["target"] == "dev" and list(profile["outputs"]) == ["dev"]
    output = profile["outputs"]["dev"]
    assert output["path"] == "target/billing.duckdb"
    assert output["attach"] == [
        {"path": "../../warehouse_core/target/core.duckdb", "alias": "core", "read_only": True}
    ]
    assert not (root / "data").exists()  # no folder the profile does not use


def test_an_upstream_whose_profile_is_named_otherwise_is_attached_from_that_profile(tmp_path: Path) -> None:
    """dbt reads the profile dbt_project.yml names (`profile:`), not one named after the project: so does
    the scaffold (one reader of profiles, governance.project.project_profile)."""
    root = Path(shutil.copytree(ADOPTION, tmp_path / "repo"))
    (root / "mesh.yml").write_text('projects:\n  include: ["teams/*", "warehouse_core"]\n', encoding="utf-8")
    core = root / "warehouse_core"
    renames = (("dbt_project.yml", "profile: core", "profile: warehouse"),
               ("profiles.yml", "core:\n  target: dev", "warehouse:\n  target: dev"))  # fmt: skip
    for name, old, new in renames:
        text = (core / name).read_text(encoding="utf-8")
        assert text.count(old) == 1
        (core / name).write_text(text.replace(old, new), encoding="utf-8")
    run = mesh(root, "new", "domain", "billing", "--upstream", "core")
    assert run.code == 0, run.err
    profile = yaml.safe_load((root / "teams/billing/profiles.yml").read_text(encoding="utf-8"))["billing"]
    assert profile["outputs"]["dev"]["attach"] == [
        {"path": "../../warehouse_core/target/core.duckdb", "alias": "core", "read_only": True}
    ]


def test_a_product_named_like_another_projects_model_is_written_with_the_two_argument_ref(
    tmp_path: Path,
) -> None:
    """A product is its project, name and version (two projects may publish `customers`); a consumer's
    one-argument ref would be ambiguous, so the command says how to ref each."""
    root = Path(shutil.copytree(ADOPTION, tmp_path / "repo"))
    assert mesh(root, "init").code == 0
    (root / "teams/finance/models/groups.yml").write_text(
        "groups:\n  - name: finance\n    owner: {name: Finance, email: finance@example.com}\n",
        encoding="utf-8",
    )
    run = mesh(root, "new", "product", "finance", "customers")
    assert run.code == 0, run.err
    assert "note: core also has a model 'customers': consumers ref each with two arguments" in run.out
    assert "ref('core', 'customers') or ref('finance', 'customers')" in run.out


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (("new", "domain", "memory"), "domain name 'memory' is reserved"),
        (("new", "domain", "system"), "domain name 'system' is reserved"),
        (("new", "product", "finance", "growth"), "'growth' is the name of a project of the mesh"),
    ],
)
def test_names_that_collide_are_refused_and_nothing_is_written(
    tmp_path: Path, argv: tuple[str, ...], problem: str
) -> None:
    root = Path(shutil.copytree(ADOPTION, tmp_path / "repo"))
    assert mesh(root, "init").code == 0
    (root / "teams/finance/models/groups.yml").write_text(
        "groups:\n  - name: finance\n    owner: {name: Finance, email: finance@example.com}\n",
        encoding="utf-8",
    )
    before = sorted(p for p in root.rglob("*"))
    run = mesh(root, *argv)
    assert run.code == 2 and run.err.count("\n") == 1 and problem in run.err, run.err
    assert sorted(p for p in root.rglob("*")) == before
