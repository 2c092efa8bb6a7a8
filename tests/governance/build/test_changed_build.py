"""`mesh build --changed --state DIR` on the repository's mesh (tiny scale, built once as production):
exactly the affected nodes, across domains; nothing for a documentation-only change; never a write to
production; bad state in one line."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import orjson
import pytest

from governance.cli import main
from tests.domains.mesh_copy import MeshCopy
from tests.fixtures.built_mesh import BuiltMesh, built_mesh, edited
from tests.fixtures.mesh_project import cache_dir
from tests.lanes import builds_dbt

# Its tests edit the one shared production copy (and undo the edit): one worker runs them all, in turn
# (`--dist loadscope` keeps a module's tests on one worker, so its module fixtures are built once).
pytestmark = pytest.mark.dbt

STG_ORDERS = "domains/orders/models/staging/stg_orders.sql"
STG_PRODUCTS = "domains/orders/models/staging/stg_products.sql"
FCT_CAMPAIGN_SPEND = "domains/marketing/models/marts/fct_campaign_spend.sql"
DIM_CAMPAIGNS_DOCS = "domains/marketing/models/marts/dim_campaigns.yml"
REVIEWED = ("select * from final", "select * from final -- reviewed")


@pytest.fixture(scope="session")
@builds_dbt
def production(request: pytest.FixtureRequest) -> BuiltMesh:
    return built_mesh(cache_dir(request.config))


@pytest.fixture
def mesh(production: BuiltMesh, monkeypatch: pytest.MonkeyPatch) -> BuiltMesh:
    for key, value in production.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    return production


def plan(mesh: BuiltMesh, pr: str, *extra: str) -> dict[str, list[str] | None]:
    """{project: selected unique ids} of a dry run; None for projects not started."""
    assert main(["build", "--changed", "--state", str(mesh.state), "--pr", pr, "--dry-run", *extra]) == 0
    data = orjson.loads((mesh.data / "pr" / pr / "plan" / "plan.json").read_bytes())
    found: dict[str, list[str] | None] = {name: None for name in data["unchanged"]}
    found.update({name: [without_hash(n) for n in p["nodes"]] for name, p in data["projects"].items()})
    return found


def without_hash(unique_id: str) -> str:
    """A test's unique id ends in a hash of its arguments; the name before it is what the tests read."""
    return unique_id.rsplit(".", 1)[0] if unique_id.startswith("test.") else unique_id


def test_staging_change_builds_its_descendants_only(
    mesh: BuiltMesh, capsys: pytest.CaptureFixture[str]
) -> None:
    """stg_products feeds dim_products, which no other domain reads: one project starts."""
    with edited(mesh.root / STG_PRODUCTS, *REVIEWED):
        found = plan(mesh, "stg-products")
    assert found == {
        "orders": [
            "model.orders.dim_products",
            "model.orders.int_products_deduped",
            "model.orders.stg_products",
            "test.orders.accepted_values_dim_products_category__apparel__footwear__electronics__home__garden__toys__beauty__sports",
            "test.orders.not_null_dim_products_product_id",
            "test.orders.not_null_int_products_deduped_product_id",
            "test.orders.not_null_stg_products_product_id",
            "test.orders.not_null_stg_products_unit_price",
            "test.orders.relationships_fct_order_lines_product_id__product_id__ref_dim_products_",
            "test.orders.unique_dim_products_product_id",
            "test.orders.unique_dim_products_sku",
            "test.orders.unique_int_products_deduped_product_id",
        ],
        "marketing": None,
        "logistics": None,
        "hub": None,
    }
    assert capsys.readouterr().err == "would start 1 of 4 projects (1 domain)\n"


def test_staging_change_follows_the_products_it_feeds_across_domains(mesh: BuiltMesh) -> None:
    """stg_orders feeds fct_orders and fct_order_lines: their readers in other domains build, nothing else."""
    with edited(mesh.root / STG_ORDERS, *REVIEWED):
        found = plan(mesh, "stg-orders")
    assert found == {
        "orders": [
            "model.orders.fct_order_lines",
            "model.orders.fct_orders",
            "model.orders.int_orders_deduped",
            "model.orders.stg_orders",
            "test.orders.accepted_values_fct_orders_order_status__placed__cancelled__shipped__delivered",
            "test.orders.accepted_values_stg_orders_order_status__placed__cancelled__shipped__delivered",
            "test.orders.not_null_fct_order_lines_order_id",
            "test.orders.not_null_fct_order_lines_order_line_id",
            "test.orders.not_null_fct_order_lines_product_id",
            "test.orders.not_null_fct_orders_order_id",
            "test.orders.not_null_fct_orders_order_status",
            "test.orders.not_null_fct_orders_order_total",
            "test.orders.not_null_fct_orders_ordered_at",
            "test.orders.not_null_int_orders_deduped_order_id",
            "test.orders.not_null_stg_orders_order_id",
            "test.orders.relationships_fct_order_lines_order_id__order_id__ref_fct_orders_",
            "test.orders.relationships_fct_order_lines_product_id__product_id__ref_dim_products_",
            "test.orders.relationships_fct_orders_customer_id__customer_id__ref_dim_customers_v_2_",
            "test.orders.unique_fct_order_lines_order_line_id",
            "test.orders.unique_fct_orders_order_id",
            "test.orders.unique_int_orders_deduped_order_id",
            "unit_test.orders.int_orders_deduped.test_int_orders_deduped_current_status_follows_change_time",
        ],
        # logistics reads fct_orders only in a relationships test: that test runs, no model builds
        "logistics": [
            "test.logistics.relationships_fct_shipments_order_id__order_id__ref_orders_fct_orders_"
        ],
        "marketing": [
            "model.marketing.fct_attributed_orders",
            "model.marketing.int_orders_attributable",
            "test.marketing.not_null_fct_attributed_orders_attribution_channel",
            "test.marketing.not_null_fct_attributed_orders_order_id",
            "test.marketing.not_null_int_orders_attributable_order_id",
            "test.marketing.relationships_fct_attributed_orders_attributed_campaign_id__campaign_id__ref_dim_campaigns_",
            "test.marketing.relationships_fct_attributed_orders_attributed_session_id__session_id__ref_fct_sessions_",
            "test.marketing.relationships_fct_attributed_orders_customer_id__customer_id__ref_orders_dim_customers_v_2_",
            "test.marketing.relationships_fct_attributed_orders_order_id__order_id__ref_orders_fct_orders_",
            "test.marketing.unique_fct_attributed_orders_order_id",
            "test.marketing.unique_int_orders_attributable_order_id",
            "unit_test.marketing.fct_attributed_orders.test_fct_attributed_orders_last_touch_within_30_days",
        ],
        "hub": [
            "model.hub.customer_360",
            "model.hub.marketing_roi",
            "test.hub.not_null_customer_360_customer_id",
            "test.hub.not_null_marketing_roi_campaign_id",
            "test.hub.relationships_customer_360_customer_id__customer_id__ref_orders_dim_customers_v_2_",
            "test.hub.relationships_marketing_roi_campaign_id__campaign_id__ref_marketing_dim_campaigns_",
            "test.hub.unique_customer_360_customer_id",
            "test.hub.unique_marketing_roi_campaign_id",
            "test.hub.value_between_customer_360_lifetime_value__100000000__0",
            "test.hub.value_between_customer_360_on_time_delivery_rate__1__0",
        ],
    }


def test_leaf_change_builds_its_model_and_only_the_reader_of_its_product(mesh: BuiltMesh) -> None:
    """fct_campaign_spend has no child in marketing; only the hub's marketing_roi reads the product."""
    with edited(mesh.root / FCT_CAMPAIGN_SPEND, *REVIEWED):
        found = plan(mesh, "leaf")
    assert found == {
        "orders": None,
        "logistics": None,
        "marketing": [
            "model.marketing.fct_campaign_spend",
            "test.marketing.not_null_fct_campaign_spend_campaign_id",
            "test.marketing.not_null_fct_campaign_spend_campaign_spend_id",
            "test.marketing.not_null_fct_campaign_spend_spend_amount",
            "test.marketing.relationships_fct_campaign_spend_campaign_id__campaign_id__ref_dim_campaigns_",
            "test.marketing.unique_fct_campaign_spend_campaign_spend_id",
        ],
        "hub": [
            "model.hub.marketing_roi",
            "test.hub.not_null_marketing_roi_campaign_id",
            "test.hub.relationships_marketing_roi_campaign_id__campaign_id__ref_marketing_dim_campaigns_",
            "test.hub.unique_marketing_roi_campaign_id",
        ],
    }


def test_documentation_only_change_builds_nothing(
    mesh: BuiltMesh, capsys: pytest.CaptureFixture[str]
) -> None:
    with edited(mesh.root / DIM_CAMPAIGNS_DOCS, "Every marketing campaign", "Each marketing campaign"):
        found = plan(mesh, "docs")
    assert found == {"orders": None, "marketing": None, "logistics": None, "hub": None}
    out, err = capsys.readouterr()
    assert "nothing to build" in out
    assert err == "would start 0 of 4 projects (0 domains)\n"
    # proven from production's source fingerprint: no dbt started (governance/build/fingerprint.py)
    assert orjson.loads((mesh.data / "pr" / "docs" / "plan" / "plan.json").read_bytes())["without_dbt"]
    assert "planned without dbt" in out


def test_a_test_added_beside_a_description_change_is_planned_by_dbt(mesh: BuiltMesh) -> None:
    """A property file whose change is more than its descriptions: dbt plans, and the new test runs."""
    docs = mesh.root / DIM_CAMPAIGNS_DOCS
    with (
        edited(docs, "Every marketing campaign", "Each marketing campaign"),
        edited(
            docs,
            "lower-case.\n        data_tests: [unique]",
            "lower-case.\n        data_tests: [unique, not_null]",
        ),
    ):
        found = plan(mesh, "docs-and-test")
    assert not orjson.loads((mesh.data / "pr" / "docs-and-test" / "plan" / "plan.json").read_bytes())[
        "without_dbt"
    ]
    assert found == {
        "orders": None,
        "marketing": ["test.marketing.not_null_dim_campaigns_utm_campaign"],
        "logistics": None,
        "hub": None,
    }


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.duckdb"))}


def test_pull_request_build_reads_production_and_never_writes_it(mesh: BuiltMesh) -> None:
    production_files = digests(mesh.data / "warehouse")
    production_state = digests(mesh.state) | {
        p: hashlib.sha256((mesh.state / p / "manifest.json").read_bytes()).hexdigest()
        for p in ("orders", "hub")
    }
    assert set(production_files) == {"orders.duckdb", "marketing.duckdb", "logistics.duckdb", "hub.duckdb"}
    namespace = mesh.data / "pr" / "write-guard"
    shutil.rmtree(namespace, ignore_errors=True)  # an interrupted run's: this is a pull request's first build
    earlier = set(dbt_commands(mesh, namespace))  # the cached mesh keeps its logs between sessions
    with edited(mesh.root / STG_ORDERS, *REVIEWED):
        assert main(["build", "--changed", "--state", str(mesh.state), "--pr", "write-guard"]) == 0
    # while dbt planned, a second dbt interpreter parsed, in the namespace's profile, orders (whose files
    # changed: production's fingerprint says so) and the projects reading it, each into its own log under
    # the namespace; orders' build took its pre-parse's manifest in the interpreter that parsed it, every
    # other build (each reads orders' rebuilt products) parsed partially (the relation names they read are
    # checked below: the rebuilt products of the pull request, production's unchanged ones)
    commands = [c for k, c in dbt_commands(mesh, namespace).items() if k not in earlier]
    preparsed = sorted(str(c["project"]) for c in commands if c["which"] == "parse")
    assert preparsed == ["hub", "logistics", "marketing", "orders"], commands
    # each parsed in full (a new profile) with its macros from production's last parse of the project
    for command in (c for c in commands if c["which"] == "parse"):
        assert any(str(line).endswith("macros taken from an earlier parse") for line in command["parse"]), (
            command
        )
    # dbt planned orders only: its readers' files are production's, and the edit changed nothing orders
    # offers them (what dbt-loom injects), so their plans come from production's manifests (the relation
    # names checked below prove they still read the rebuilt products)
    assert [c["project"] for c in commands if c["which"] == "ls"] == ["orders"], commands
    plan_file = orjson.loads((namespace / "plan" / "plan.json").read_bytes())
    assert plan_file["planned_without_dbt"] == ["logistics", "marketing", "hub"]
    builds = [c for c in commands if c["which"] == "build"]
    assert sorted(str(c["project"]) for c in builds) == ["hub", "logistics", "marketing", "orders"]
    for command in builds:
        if command["project"] == "orders":
            parsed = next(c for c in commands if c["which"] == "parse" and c["project"] == "orders")
            assert command["parse"] == [] and command["pid"] == parsed["pid"], commands
        else:
            assert command["parse"] and "UnableToPartialParse" not in str(command["parse"]), command
    assert digests(mesh.data / "warehouse") == production_files
    assert production_state == digests(mesh.state) | {
        p: hashlib.sha256((mesh.state / p / "manifest.json").read_bytes()).hexdigest()
        for p in ("orders", "hub")
    }
    results = {}
    for project in ("orders", "logistics", "marketing", "hub"):
        run = orjson.loads((namespace / "target" / project / "run_results.json").read_bytes())
        results[project] = run["results"]
        for result in run["results"]:
            relation = result.get("relation_name")
            if relation:  # every relation written is in the pull request's catalogs
                assert relation.startswith(f'"{project}__pr_write_guard"'), relation
    built = {r["unique_id"] for rs in results.values() for r in rs if r["unique_id"].startswith("model.")}
    assert built == {
        "model.orders.fct_order_lines", "model.orders.fct_orders", "model.orders.int_orders_deduped",
        "model.orders.stg_orders", "model.marketing.fct_attributed_orders",
        "model.marketing.int_orders_attributable", "model.hub.customer_360", "model.hub.marketing_roi",
    }  # fmt: skip
    # the consumer read the pull request's rebuilt product and production's unchanged one
    compiled = (namespace / "target" / "marketing" / "compiled").rglob("int_orders_attributable.sql")
    sql = next(iter(compiled)).read_text()
    assert '"orders__pr_write_guard"."gold"."fct_orders"' in sql
    hub_sql = next(iter((namespace / "target" / "hub" / "compiled").rglob("customer_360.sql"))).read_text()
    assert '"orders"."gold"."dim_customers_v2"' in hub_sql  # unchanged product: production's relation
    assert '"marketing__pr_write_guard"."gold"."fct_attributed_orders"' in hub_sql
    # an unselected node of the project's own defers to production, from a state that holds only the
    # project's own nodes and none of what deferral never reads (the macros: most of a manifest's bytes)
    attributed = (namespace / "target" / "marketing" / "compiled").rglob("fct_attributed_orders.sql")
    assert '"marketing"."gold"."fct_sessions"' in next(iter(attributed)).read_text()
    deferred = orjson.loads((namespace / "defer" / "marketing" / "manifest.json").read_bytes())
    assert deferred["macros"] == {} and deferred["nodes"]
    assert {node["package_name"] for node in deferred["nodes"].values()} == {"marketing"}
    # the review summary and the data diff of the rebuilt products (a comment changes no row)
    summary_file = namespace / "summary.md"
    assert (
        main(["pr-summary", "--state", str(mesh.state), "--pr", "write-guard", "--output", str(summary_file)])
        == 0
    )
    summary = summary_file.read_text()
    assert "| orders | changed |" in summary and "| marketing | reads changed products: reads" in summary
    assert "Not started (nothing changed)" not in summary  # every project had something to do
    assert "| orders.fct\\_orders | " in summary
    fct_orders = next(line for line in summary.splitlines() if line.startswith("| orders.fct\\_orders |"))
    cells = [c.strip() for c in fct_orders.strip("|").split("|")]
    assert cells[1].split(" → ")[0] == cells[1].split(" → ")[1]  # same row count on both sides
    assert cells[2] == "order\\_id" and cells[3:6] == ["0", "0", "0"]
    assert "None against production." in summary
    assert "orders-team@example.com" in summary.split("### Owners to notify")[1]
    assert main(["diff", "--pr", "write-guard"]) == 0
    assert main(["clean", "--pr", "write-guard"]) == 0
    assert not namespace.exists()
    assert digests(mesh.data / "warehouse") == production_files


def test_a_change_to_what_a_project_offers_its_readers_has_them_planned_by_dbt(mesh: BuiltMesh) -> None:
    """dim_customers' latest version goes back to v1: an unpinned ref in a reader would now resolve to
    another node, so no reader is planned from production's manifest."""
    yml = mesh.root / "domains/orders/models/marts/dim_customers.yml"
    with edited(yml, "latest_version: 2", "latest_version: 1"):
        plan(mesh, "latest-version")
    plan_file = orjson.loads((mesh.data / "pr" / "latest-version" / "plan" / "plan.json").read_bytes())
    assert plan_file["planned_without_dbt"] == []
    projects = set(plan_file["projects"]) | set(plan_file["unchanged"])
    assert projects == {"orders", "logistics", "marketing", "hub"}


def test_missing_state_manifest_builds_the_project_in_full(
    mesh: BuiltMesh, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    shutil.copytree(mesh.state, state)
    shutil.rmtree(state / "logistics")
    assert main(["build", "--changed", "--state", str(state), "--pr", "no-state", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "warning: logistics: no production manifest" in out and "building it in full" in out
    data = orjson.loads((mesh.data / "pr" / "no-state" / "plan" / "plan.json").read_bytes())
    assert list(data["projects"]) == ["logistics", "hub"] and data["projects"]["logistics"]["full"]
    # what logistics changed is unknown, so every reader of its products builds too
    assert data["projects"]["hub"]["reads"] == ["model.logistics.fct_shipments"]
    assert data["projects"]["hub"]["built"] == ["model.hub.customer_360"]
    assert data["unchanged"] == ["orders", "marketing"]


def test_state_of_another_dbt_schema_version_is_one_line(
    mesh: BuiltMesh, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    shutil.copytree(mesh.state, state)
    manifest = state / "marketing" / "manifest.json"
    data = orjson.loads(manifest.read_bytes())
    data["metadata"]["dbt_schema_version"] = "https://schemas.getdbt.com/dbt/manifest/v11.json"
    manifest.write_bytes(orjson.dumps(data))
    assert main(["build", "--changed", "--state", str(state), "--pr", "old-state"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "manifest/v11.json" in err and "another dbt version" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--changed"], "--changed and --state DIR go together"),
        (["--changed", "--state", "s", "--pr", "../x"], "--pr '../x'"),
        (["--changed", "--state", "s", "--select", "a"], "drop --select"),
        (["--changed", "--state", "no/such/dir"], "state directory not found"),
    ],
)
def test_bad_usage_is_one_line(
    mesh: BuiltMesh, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err


def test_databricks_namespace_suffixes_every_catalog_written(
    mesh: BuiltMesh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Databricks the suffix from the environment moves every written catalog out of production's."""
    copy = tmp_path / "mesh"
    shutil.copytree(mesh.root, copy, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setenv("MESH_CATALOG_SUFFIX", "__pr_17")
    monkeypatch.setenv("MESH_ENV", "prod")  # even production's environment: still a separate catalog
    MeshCopy(copy).dbt_ok("orders", "parse", "--target", "databricks", "--no-partial-parse")
    manifest = orjson.loads((copy / "domains" / "orders" / "target" / "manifest.json").read_bytes())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed", "snapshot")]
    assert models
    for node in models:
        assert node["database"] == "orders__pr_17", node["unique_id"]
        assert node["relation_name"].startswith("`orders__pr_17`."), node["relation_name"]


def test_summary_reports_a_breaking_change_with_its_downstream(
    mesh: BuiltMesh, capsys: pytest.CaptureFixture[str]
) -> None:
    yml = mesh.root / "domains/marketing/models/marts/fct_campaign_spend.yml"
    with edited(yml, "data_type: decimal(12,2)", "data_type: double"):
        plan(mesh, "breaking")
        capsys.readouterr()
        assert main(["pr-summary", "--state", str(mesh.state), "--pr", "breaking"]) == 0
    summary = capsys.readouterr().out
    row = next(line for line in summary.splitlines() if line.startswith("| MESH102 |"))
    assert "spend\\_amount" in row and "hub.marketing\\_roi" in row  # the consumer in the hub
    owners = summary.split("### Owners to notify")[1]
    assert "marketing-analytics@example.com" in owners


PARSE_EVENTS = ("UnableToPartialParse", "PartialParsingEnabled", "PartialParsingSkipParsing")


def rotated_logs(folder: Path) -> list[Path]:
    """dbt.log and its rotated files, oldest first (dbt.log.5 ... dbt.log.1, dbt.log)."""
    rotated = [p for p in folder.glob("dbt.log.*") if p.suffix[1:].isdigit()]
    return [*sorted(rotated, key=lambda p: -int(p.suffix[1:])), folder / "dbt.log"]


def dbt_commands(mesh: BuiltMesh, under: Path) -> dict[str, dict[str, object]]:
    """dbt's own log (each project's logs/dbt.log) of the commands whose target path is under `under`, by
    invocation: which command, its project and process id, and what dbt said about parsing. The rotated
    files too (dbt.log.1 ...: dbt starts a new file at 10 MB, and the cached mesh keeps its logs between
    sessions, so a command's lines may straddle the two), and a line another test's dbt is still writing
    is skipped."""
    found: dict[str, dict[str, object]] = {}
    chosen: set[str] = set()
    folders = [(p, mesh.folder(p) / "logs") for p in ("orders", "marketing", "logistics", "hub")]
    folders += [(p.name, p) for p in sorted((under / "logs").glob("*"))]  # the early pre-parses'
    logs = [(project, log) for project, folder in folders for log in rotated_logs(folder)]
    for project, log in logs:
        for line in log.read_bytes().splitlines() if log.is_file() else []:
            if not line.startswith(b"{"):
                continue
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError:  # the last line of a log another process is writing
                continue
            info, data = event["info"], event.get("data", {})
            command = found.setdefault(
                info["invocation_id"], {"project": project, "pid": info["pid"], "which": "", "parse": []}
            )
            target_path = str(data["args"].get("target_path")) if info["name"] == "MainReportArgs" else ""
            if target_path.startswith(str(under)):
                chosen.add(info["invocation_id"])
            elif info["name"] == "CommandCompleted":
                command["which"] = data["command"].split()[-1]  # `cli build`, `cli ls`
            elif info["name"] in PARSE_EVENTS:
                parse = command["parse"]
                assert isinstance(parse, list)
                parse.append(info["name"] + (f": {data['reason']}" if data.get("reason") else ""))
            elif info["name"] == "Note" and str(data.get("msg", "")).startswith("mesh: "):  # dbt_mesh's
                parse = command["parse"]
                assert isinstance(parse, list)
                parse.append(data["msg"])
    return {invocation: command for invocation, command in found.items() if invocation in chosen}


def test_pull_request_build_plans_only_what_changed_and_every_build_parses_partially(mesh: BuiltMesh) -> None:
    """A leaf change: orders and logistics (unchanged, with their upstreams, against production's
    fingerprint) are planned without dbt, and so is the hub (its files are production's, and marketing's
    edit changes nothing marketing offers it); planning and the builds run in two long-lived dbt interpreters,
    not one process per project: one plans while the other parses the planned projects in the namespace's
    profile. Marketing's build takes its pre-parse's manifest in the interpreter that parsed it (nothing
    it reads was rebuilt); the hub's, whose upstream was, parses partially. So does the next push."""
    namespace = mesh.data / "pr" / "one-process"
    build = ["build", "--changed", "--state", str(mesh.state), "--pr", "one-process"]
    earlier = set(dbt_commands(mesh, namespace))  # the cached mesh keeps its logs between sessions
    with edited(mesh.root / FCT_CAMPAIGN_SPEND, *REVIEWED):
        assert main(build) == 0
        first = {k: v for k, v in dbt_commands(mesh, namespace).items() if k not in earlier}
        assert main(build) == 0
        again = [v for k, v in dbt_commands(mesh, namespace).items() if k not in earlier and k not in first]
    plan_file = orjson.loads((namespace / "plan" / "plan.json").read_bytes())
    assert plan_file["planned_without_dbt"] == ["orders", "logistics", "hub"] and not plan_file["without_dbt"]
    assert main(["clean", "--pr", "one-process"]) == 0
    planned = {c["project"] for c in first.values() if c["which"] == "ls"}
    preparsed = sorted(str(c["project"]) for c in first.values() if c["which"] == "parse")
    builds = [c for c in first.values() if c["which"] == "build"]
    assert planned == {"marketing"} and preparsed == ["hub", "marketing"], first
    assert sorted(str(c["project"]) for c in builds) == ["hub", "marketing"]
    assert len({c["pid"] for c in first.values()}) == 2, first  # planning, pre-parses and builds
    for commands in (list(first.values()), again):
        by_project = {(c["project"], c["which"]): c for c in commands}
        assert sorted(project for project, which in by_project if which == "build") == ["hub", "marketing"]
        marketing, hub = by_project["marketing", "build"], by_project["hub", "build"]
        assert marketing["parse"] == [] and marketing["pid"] == by_project["marketing", "parse"]["pid"], (
            commands
        )
        assert hub["parse"] and "UnableToPartialParse" not in str(hub["parse"]), commands


def test_one_job_plans_and_builds_in_one_interpreter_without_parsing_ahead(mesh: BuiltMesh) -> None:
    """`--jobs 1` is one dbt interpreter: no second one to parse ahead, even where two projects could
    build at once (logistics and marketing both read the changed orders)."""
    namespace = mesh.data / "pr" / "one-job"
    earlier = set(dbt_commands(mesh, namespace))
    with edited(mesh.root / STG_ORDERS, *REVIEWED):
        assert main(["build", "--changed", "--state", str(mesh.state), "--pr", "one-job", "--jobs", "1"]) == 0
    commands = [c for k, c in dbt_commands(mesh, namespace).items() if k not in earlier]
    assert main(["clean", "--pr", "one-job"]) == 0
    assert sorted(str(c["project"]) for c in commands if c["which"] == "build") == [
        "hub", "logistics", "marketing", "orders"
    ]  # fmt: skip
    assert not [c for c in commands if c["which"] == "parse"], commands
    assert len({c["pid"] for c in commands}) == 1, commands
