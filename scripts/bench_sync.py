"""Benchmark the Unity Catalog sync against the statement pattern dbt-databricks uses today.

Both run side by side against the same emulator (tests/emulators/unity_catalog), driven by the real
databricks-sdk, on a synthetic mesh of N products x C columns. Time is modelled, not slept: every
request costs `--latency` (network, API, dispatch) and every SQL statement `--statement-latency` more, a
script the sum of its statements, as a warehouse runs them one after another. A phase of work that runs
on T threads takes max(total cost / T, its longest request); the sync's phases (catalog queries, grants
API reads, metadata and grant writes, share writes, owner changes) follow one another, the dbt-databricks
models all run in one phase on the same T threads:

    .venv/bin/python scripts/bench_sync.py --products 200 1000 --columns 50 --latency 0.05 \
        --statement-latency 0.005 --repeat 1

The principal is not metastore admin: it holds the README's minimal privileges and is a member of the
group that builds the tables (the seed's `dbt-deployer`; without it the owner changes are refused) and of
the domains' owner groups (the documented set-up), so after the first sync it owns what it governs.

The baseline replays dbt-databricks 1.11's metadata statements per model (persist_docs, apply_tags,
apply_column_tags, apply_grants): COMMENT ON TABLE; DESCRIBE TABLE then one COMMENT ON COLUMN per
changed column; one SET TAGS for the table and one per tagged column on every run; SHOW GRANTS then
one GRANT per missing grantee. Models run on a thread pool as large as the sync's (dbt `threads`).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a plain script from any folder

from databricks.sdk import WorkspaceClient  # noqa: E402

from governance.model import Access, Column, Domain, Group, Layer, Location, MeshModel, Model  # noqa: E402
from governance.project import Platform  # noqa: E402
from governance.unity.actual import read_actual  # noqa: E402
from governance.unity.client import UnityClient  # noqa: E402
from governance.unity.config import load_config  # noqa: E402
from governance.unity.desired import build_desired  # noqa: E402
from governance.unity.pipeline import Inputs, apply_plan, compute_plan  # noqa: E402
from governance.unity.sql import quote_ident, quote_literal, quote_name  # noqa: E402
from governance.unity.state import TableState  # noqa: E402
from tests.emulators.unity_catalog import UnityCatalogEmulator, seed_from_mesh  # noqa: E402

DOMAINS = ("orders", "marketing", "logistics", "finance", "payments")


def synthetic_mesh(products: int, columns: int) -> MeshModel:
    """N gold products spread over five Databricks domains, each column described and classified."""
    domains = {
        d: Domain(d, f"domains/{d}", Platform.DATABRICKS, False, (), "1.11.8",
                  groups={d: Group(d, d, f"{d} team", f"{d}@example.com", Location("groups.yml"))})
        for d in DOMAINS
    }  # fmt: skip
    for i in range(products):
        d = DOMAINS[i % len(DOMAINS)]
        cols = {
            f"col_{j:03d}": Column(
                f"col_{j:03d}", "string", f"Column {j} of product {i}: what it means, in words.",
                meta={"classification": "confidential" if j % 10 == 0 else "internal", "pii": j % 10 == 0},
            )
            for j in range(columns)
        }  # fmt: skip
        name = f"fct_product_{i:05d}"
        domains[d].models[name] = Model(
            unique_id=f"model.{d}.{name}", project=d, name=name, version=None, latest_version=None,
            deprecation_date=None, access=Access.PUBLIC, group=d, layer=Layer.GOLD,
            description=f"Product {i}: one row per thing.", columns=cols, contract_enforced=True,
            materialized="table", database=d, schema="gold", alias=name, tags=("daily", "finance"),
            meta={"domain": d, "owner": f"{d}-team", "classification": "internal"},
            grants={"select": ("data-consumers", "data-analysts")}, constraints=(), depends_on=(),
            sql_path=Location(f"domains/{d}/models/marts/{name}.sql"),
        )  # fmt: skip
    return MeshModel(root=".", domains=domains)


# -- the dbt-databricks 1.11 pattern ---------------------------------------------------------------
def replay_dbt_databricks(client: UnityClient, want: TableState) -> None:
    table = quote_name(want.full_name)
    client.execute(f"COMMENT ON TABLE {table} IS {quote_literal(want.comment or '')}")
    described = {r["col_name"]: r["comment"] for r in client.query(f"DESCRIBE TABLE EXTENDED {table}")}
    for column, comment in want.columns.items():
        if comment and described.get(column) != comment:
            client.execute(f"COMMENT ON COLUMN {table}.{quote_ident(column)} IS {quote_literal(comment)}")
    tags = ", ".join(f"{quote_literal(k)} = {quote_literal(v)}" for k, v in want.tags.items())
    client.execute(f"ALTER TABLE {table} SET TAGS ({tags})")
    for column, column_tags in want.column_tags.items():
        pairs = ", ".join(f"{quote_literal(k)} = {quote_literal(v)}" for k, v in column_tags.items())
        client.execute(f"ALTER TABLE {table} ALTER COLUMN {quote_ident(column)} SET TAGS ({pairs})")
    held = {(r["Principal"], r["ActionType"]) for r in client.query(f"SHOW GRANTS ON {table}")}
    for principal, privileges in want.grants.items():
        for privilege in privileges:
            if (principal, privilege) not in held:
                client.execute(f"GRANT {privilege} ON {table} TO {quote_ident(principal)}")


@dataclass
class Run:
    requests: int
    statements: int
    writes: int
    seconds: float  # modelled wall time
    measured: float  # this process's own wall time (emulator and client on the same cores)


def _phase(method: str, path: str, is_write: bool) -> str:
    """Which of the sync's sequential phases a request belongs to (the baseline has one phase)."""
    if not is_write:
        return "read sql" if path == "/api/2.0/sql/statements" else "read api"
    if "/shares" in path:
        return "write shares"
    if method == "PATCH" and "/tables/" in path:
        return "write owners"
    return "write metadata and grants"


def modelled_seconds(costs: list[tuple[str, str, bool, float]], threads: int, phased: bool) -> float:
    by_phase: dict[str, list[float]] = {}
    for method, path, is_write, cost in costs:
        by_phase.setdefault(_phase(method, path, is_write) if phased else "all", []).append(cost)
    return sum(max(sum(c) / threads, *c) for c in by_phase.values())


def measure(emulator: UnityCatalogEmulator, action: Callable[[], None], threads: int, phased: bool) -> Run:
    emulator.reset_counts()
    started = time.perf_counter()
    action()
    return Run(
        emulator.total_requests,
        emulator.metastore.statement_count,
        emulator.writes,
        modelled_seconds(emulator.costs, threads, phased),
        time.perf_counter() - started,
    )


def one_round(
    products: int, columns: int, latency: float, statement_latency: float, concurrency: int
) -> dict[str, Run]:
    mesh = synthetic_mesh(products, columns)
    config = load_config(ROOT)
    config = dataclasses.replace(config, concurrency=concurrency, shares={})
    desired = build_desired(mesh, config)
    results: dict[str, Run] = {}
    for label in ("sync", "dbt-databricks"):
        owner_groups = tuple(f"{d}-team" for d in DOMAINS)
        emulator = UnityCatalogEmulator(groups=owner_groups).start()
        emulator.request_cost, emulator.statement_cost = latency, statement_latency
        try:
            seed_from_mesh(emulator, mesh)
            client = UnityClient(
                WorkspaceClient(host=emulator.url, token=emulator.token), emulator.warehouse_id
            )
            if label == "sync":
                inputs = Inputs(config, desired)

                def run_sync(client: UnityClient = client, inputs: Inputs = inputs) -> None:
                    result = apply_plan(client, compute_plan(client, inputs, prune=False), config, None)
                    assert not result.failures, result.failures

                results["sync first"] = measure(emulator, run_sync, concurrency, phased=True)
                results["sync no-op"] = measure(emulator, run_sync, concurrency, phased=True)
            else:
                tables = list(desired.state.tables.values())

                def run_baseline(client: UnityClient = client, tables: list[TableState] = tables) -> None:
                    with ThreadPoolExecutor(concurrency) as pool:
                        list(pool.map(lambda t: replay_dbt_databricks(client, t), tables))

                results["dbt-databricks first"] = measure(emulator, run_baseline, concurrency, phased=False)
                results["dbt-databricks no-op"] = measure(emulator, run_baseline, concurrency, phased=False)
        finally:
            emulator.stop()
    return results


def read_at_scale(products: int, columns: int) -> None:
    """One catalog of N products x C described columns, read by a principal in the owner group: the
    requests the bulk read takes, every result under the emulator's 25 MiB INLINE cap."""
    emulator = UnityCatalogEmulator(groups=("orders-team",)).start()
    try:
        names = [f"orders.gold.fct_product_{i:05d}" for i in range(products)]
        for i, name in enumerate(names):
            emulator.metastore.create_table(name, [(f"col_{j:03d}", "string") for j in range(columns)])
            entry = emulator.metastore.tables[tuple(name.split("."))]  # type: ignore[index]
            entry.owner = "orders-team"
            for j, column in enumerate(entry.columns.values()):
                column["comment"] = f"Column {j} of product {i}: what it means, in words."
        emulator.grant_sync_privileges({"orders"})
        client = UnityClient(WorkspaceClient(host=emulator.url, token=emulator.token), emulator.warehouse_id)
        started = time.perf_counter()
        state = read_actual(client, names, [])
        seconds = time.perf_counter() - started
        read = sum(len(t.columns) for t in state.tables.values())
        statements = emulator.requests["POST /api/2.0/sql/statements"]
        print(
            f"read {len(state.tables)} tables, {read} columns: {emulator.total_requests} requests "
            f"({statements} statements), largest result under {emulator.inline_limit_bytes} bytes, "
            f"{seconds:.1f} s in-process"
        )
    finally:
        emulator.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05, help="modelled seconds per request")
    parser.add_argument(
        "--statement-latency", type=float, default=0.005, help="modelled seconds per SQL statement"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="sync threads = dbt threads")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--read-products", type=int, help="only time the bulk read of one catalog of this many products"
    )
    args = parser.parse_args(argv)
    if args.read_products:
        read_at_scale(args.read_products, args.columns)
        return 0
    print(
        f"| products x columns | run | requests | statements | writes | modelled wall s "
        f"(median of {args.repeat}) | vs dbt-databricks |"
    )
    print("|---|---|---:|---:|---:|---:|---|")
    for products in args.products:
        rounds = [
            one_round(products, args.columns, args.latency, args.statement_latency, args.concurrency)
            for _ in range(args.repeat)
        ]
        median = {k: statistics.median(r[k].seconds for r in rounds) for k in rounds[0]}
        for phase in ("first", "no-op"):
            ours, base = rounds[0][f"sync {phase}"], rounds[0][f"dbt-databricks {phase}"]
            ratio = (
                f"{base.requests / max(ours.requests, 1):.0f}x fewer requests, "
                f"{median[f'dbt-databricks {phase}'] / median[f'sync {phase}']:.0f}x less wall time"
            )
            print(f"| {products} x {args.columns} | sync {phase} | {ours.requests} | {ours.statements} | "
                  f"{ours.writes} | {median[f'sync {phase}']:.2f} | {ratio} |")  # fmt: skip
            print(f"| {products} x {args.columns} | dbt-databricks {phase} | {base.requests} | "
                  f"{base.statements} | {base.writes} | "
                  f"{median[f'dbt-databricks {phase}']:.2f} | |")  # fmt: skip
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
