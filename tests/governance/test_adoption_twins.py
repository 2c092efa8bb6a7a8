"""Two projects publishing the same model name, on their own layout (tests/fixtures/adoption_twins).

`crm` and `billing` both publish `customers`; `insights` reads both with two-part refs. A product is its
project, name and version everywhere: checks, lineage, the catalog site, contracts and the access matrix
keep the two apart, and a bare `--product customers` asks which one. The DuckDB files are where the
profiles put them (`dbs/<project>.duckdb`), and `mesh query` attaches them from there, so the site's
example queries run. Real dbt, real DuckDB, built once per session.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.mesh_project import MeshRecipe, Phase, cache_dir, copy_tree, prepare
from tests.governance.test_adoption import Run, mesh
from tests.lanes import builds_dbt

TWINS = Path(__file__).resolve().parents[1] / "fixtures" / "adoption_twins"
BOTH = ("model.billing.customers", "model.crm.customers")


@pytest.fixture(scope="module")
@builds_dbt
def twins(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = prepare(MeshRecipe("adoption-twins", (Phase(steps=()),), source=TWINS), cache_dir(request.config))
    root = copy_tree(copy, tmp_path_factory.mktemp("twins") / "repo")
    init = mesh(root, "init")
    assert init.code == 0, init.out + init.err
    build = mesh(root, "build")
    assert build.code == 0 and "3 of 3 projects built" in build.out, build.out + build.err
    return root


def test_check_governs_both_customers(twins: Path) -> None:
    run = mesh(twins, "check", "--format", "json")
    assert run.code in (0, 1), run.err
    assert run.err.splitlines()[0] == "governing 3 projects (3 domains), 2 products"
    findings = json.loads(run.out)["findings"]
    for node in BOTH:  # each product is checked as itself, under its own name
        project = node.split(".")[1]
        own = [f for f in findings if f["node_id"] == node]
        assert own, f"no finding on {node}: {findings}"
        assert all(f["message"].startswith(f"{project}.customers") for f in own), own


def test_lineage_keeps_both_customers_apart(twins: Path) -> None:
    run = mesh(twins, "lineage")
    assert run.code == 0, run.err
    graph = json.loads(run.out)
    kinds = {n["id"]: (n["kind"], n["domain"]) for n in graph["nodes"]}
    assert kinds == {
        "model.crm.customers": ("product", "crm"),
        "model.billing.customers": ("product", "billing"),
        "model.insights.customer_balances": ("consumer", "insights"),
    }
    assert {(e["source"], e["target"]) for e in graph["edges"]} == {
        ("model.crm.customers", "model.insights.customer_balances"),
        ("model.billing.customers", "model.insights.customer_balances"),
    }
    one = mesh(twins, "lineage", "--domain", "insights", "--format", "mermaid")
    assert one.code == 0, one.err
    assert "crm.customers" in one.out and "billing.customers" in one.out


def _example_query(page: str) -> str:
    """The embedded engine's example query a product page suggests."""
    found = re.search(r'<pre>mesh query "(?P<sql>[^"]+)"</pre>', html.unescape(page))
    assert found, page
    return found["sql"]


def test_the_site_has_a_page_per_product_and_its_example_queries_run(twins: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run = mesh(twins, "docs", "--out", str(out))
    assert run.code == 0, run.err
    pages = {
        p: (out / "products" / p / "customers.html").read_text(encoding="utf-8") for p in ("crm", "billing")
    }
    crm, billing = "as sales knows them", "with what they owe"  # each one's own description
    assert crm in pages["crm"] and billing not in pages["crm"]
    assert billing in pages["billing"] and crm not in pages["billing"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "products/crm/customers.html" in index and "products/billing/customers.html" in index
    # The example query names the file the project's profile writes (dbs/<project>.duckdb), and
    # `mesh query` attaches it from there: it runs and returns the product's rows.
    rows = {}
    for project, page in pages.items():
        sql = _example_query(page)
        assert sql == f"select * from {project}.main.customers limit 10"
        query = mesh(twins, "query", sql, "--format", "csv")
        assert query.code == 0, query.err
        rows[project] = list(csv.reader(io.StringIO(query.out)))
    assert rows["crm"] == [["customer_id", "customer_name"], ["1", "Ann"], ["2", "Bo"], ["3", "Cy"]]
    assert rows["billing"] == [["customer_id", "balance"], ["1", "120.0"], ["3", "40.0"]]


def test_query_attaches_each_profiles_database_under_its_catalog(twins: Path) -> None:
    run = mesh(
        twins,
        "query",
        "select customer_name, balance from insights.main.customer_balances order by customer_id",
        "--format",
        "csv",
    )
    assert run.code == 0, run.err
    assert list(csv.reader(io.StringIO(run.out))) == [
        ["customer_name", "balance"],
        ["Ann", "120.0"],
        ["Cy", "40.0"],
    ]


def test_contracts_are_one_per_product(twins: Path, tmp_path: Path) -> None:
    out = tmp_path / "contracts"
    run = mesh(twins, "contracts", "export", "--out", str(out))
    assert run.code == 0, run.err
    crm = yaml.safe_load((out / "crm" / "crm-customers.odcs.yaml").read_text(encoding="utf-8"))
    billing = yaml.safe_load((out / "billing" / "billing-customers.odcs.yaml").read_text(encoding="utf-8"))
    assert crm["id"] != billing["id"]
    assert [c["name"] for c in crm["schema"][0]["properties"]] == ["customer_id", "customer_name"]
    assert [c["name"] for c in billing["schema"][0]["properties"]] == ["customer_id", "balance"]
    assert [s["database"] for s in crm["servers"]] == ["dbs/crm.duckdb"]
    assert [s["database"] for s in billing["servers"]] == ["dbs/billing.duckdb"]


def _access(root: Path, *args: str) -> Run:
    return mesh(root, "access", "--format", "json", *args)


def test_access_matrix_names_each_product_by_its_project(twins: Path) -> None:
    every = _access(twins)
    assert every.code == 0, every.err
    owners = {(r["product"], r["principal"]) for r in json.loads(every.out) if r["via"] == "owner"}
    assert owners == {("crm.customers", "crm_team"), ("billing.customers", "billing_team")}
    ambiguous = _access(twins, "--product", "customers")
    assert ambiguous.code == 2 and ambiguous.out == "", ambiguous.out
    assert [line for line in ambiguous.err.splitlines() if line.startswith("error:")] == [
        ambiguous.err.splitlines()[-1]
    ], ambiguous.err
    assert "'customers' is published by billing and crm" in ambiguous.err
    assert "billing.customers or crm.customers" in ambiguous.err
    one = _access(twins, "--product", "crm.customers")
    assert one.code == 0, one.err
    assert {r["product"] for r in json.loads(one.out)} == {"crm.customers"}


def test_trino_rules_grant_each_customers_to_its_own_owner(twins: Path, tmp_path: Path) -> None:
    out = tmp_path / "trino"
    run = mesh(twins, "trino-config", "--out", str(out))
    assert run.code == 0, run.err
    tables = json.loads((out / "rules.json").read_text(encoding="utf-8"))["tables"]
    granted = {(r["catalog"], r["table"], r["group"]) for r in tables if "group" in r and "table" in r}
    assert granted == {("crm", "customers", "crm_team"), ("billing", "customers", "billing_team")}


def _project_writing(root: Path, folder: str, database: str) -> Path:
    """A dbt project whose profile's default target writes `database` (relative to the project)."""
    import duckdb

    path = root / folder
    path.mkdir(parents=True)
    (path / "dbt_project.yml").write_text(f"name: {folder}\nprofile: {folder}\n", encoding="utf-8")
    (path / "profiles.yml").write_text(
        f"{folder}:\n  target: dev\n  outputs:\n    dev: {{type: duckdb, path: {database}}}\n",
        encoding="utf-8",
    )
    file = path / database
    file.parent.mkdir(parents=True, exist_ok=True)
    if not file.exists():
        with duckdb.connect(str(file)) as connection:
            connection.execute(f"CREATE TABLE answer AS SELECT '{folder}' AS project")
    return file


def test_query_attaches_a_shared_file_once_and_notes_two_files_of_one_catalog_name(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from governance.engines.embedded import EmbeddedEngine
    from governance.project import Projects

    _project_writing(tmp_path, "a", "../dbs/dev.duckdb")
    _project_writing(tmp_path, "b", "../dbs/dev.duckdb")  # one file for both: attached once
    _project_writing(tmp_path, "c", "target/dev.duckdb")  # another file, the same catalog name `dev`
    settings: Any = SimpleNamespace(duckdb_path=lambda name: tmp_path / "none" / f"{name}.duckdb")
    engine = EmbeddedEngine(Projects.discover(tmp_path), settings)
    try:
        assert engine.execute("select project from dev.main.answer").rows == [("a",)]
        assert engine.notes == [
            f"domain c not attached: its DuckDB file {tmp_path / 'c' / 'target' / 'dev.duckdb'} would be "
            "catalog 'dev', the name of a's file already; give one of the files another name in its profile"
        ]
    finally:
        engine.close()


def test_the_builds_health_counts_rows_in_the_adopters_own_database_files(twins: Path) -> None:
    """Row counts come from the file each project's profile writes (dbs/<project>.duckdb here), not from
    our layout's data/warehouse/<project>.duckdb."""
    run = mesh(twins, "health", "--format", "json")
    products = {p["unique_id"]: p for p in json.loads(run.out)["products"]}
    assert {node: products[node]["row_count"] for node in BOTH} == {
        "model.billing.customers": 2,
        "model.crm.customers": 3,
    }, run.err
