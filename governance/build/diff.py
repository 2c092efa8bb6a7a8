"""`mesh diff`: what a pull request does to each product it rebuilt, against production's data.

For each product in the pull request's plan: row counts on both sides and primary-key differences (keys
only in the pull request, keys only in production, rows whose key exists on both sides but whose values
changed). DuckDB only: production's and the pull request's database files are attached read-only to one
in-memory connection, so nothing is written anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from governance.build.namespace import PullRequestNamespace
from governance.model import MeshModel, Model


@dataclass(frozen=True)
class ProductDiff:
    product: str  # display name, e.g. orders.fct_orders
    production_rows: int | None  # None: not in production (a new product)
    pr_rows: int
    primary_key: tuple[str, ...]
    keys_added: int | None = None  # None: no primary key declared, or not comparable
    keys_removed: int | None = None
    rows_changed: int | None = None
    note: str = ""


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def relation(catalog: str, model: Model) -> str:
    return ".".join(quoted(part) for part in (catalog, model.schema, model.alias))


def columns(con: object, catalog: str, model: Model) -> list[str]:
    rows = con.execute(  # type: ignore[attr-defined]
        "select column_name from information_schema.columns where table_catalog = ? and table_schema = ? "
        "and table_name = ? order by ordinal_position",
        [catalog, model.schema, model.alias],
    ).fetchall()
    return [str(r[0]) for r in rows]


def diff_products(
    products: Sequence[str], pr_mesh: MeshModel, namespace: PullRequestNamespace, production_dir: Path
) -> list[ProductDiff]:
    """Row counts and primary-key differences of each product (unique ids) the pull request rebuilt."""
    import duckdb

    found: list[ProductDiff] = []
    con = duckdb.connect()
    attached: set[str] = set()
    try:
        for unique_id in products:
            model = pr_mesh.model(unique_id)
            if model is None:
                continue
            project = model.project
            sides = [(project, production_dir / f"{project}.duckdb")]
            sides.append((namespace.catalog(project), namespace.warehouse_file(project)))
            for catalog, path in sides:
                if catalog not in attached and path.is_file():
                    literal = str(path).replace("'", "''")
                    con.execute(f"attach '{literal}' as {quoted(catalog)} (read_only)")
                    attached.add(catalog)
            found.append(diff_one(con, model, project, namespace.catalog(project), attached))
    finally:
        con.close()
    return found


def count(con: object, query: str) -> int:
    row = con.execute(f"select count(*) from ({query})").fetchone()  # type: ignore[attr-defined]
    return int(row[0])


def diff_one(con: object, model: Model, production: str, pr: str, attached: set[str]) -> ProductDiff:
    pr_columns = columns(con, pr, model) if pr in attached else []
    if not pr_columns:
        return ProductDiff(model.display_name, None, 0, (), note="not built in the pull request's namespace")
    pr_rows = count(con, f"select 1 from {relation(pr, model)}")
    prod_columns = columns(con, production, model) if production in attached else []
    if not prod_columns:
        return ProductDiff(model.display_name, None, pr_rows, (), note="new: not in production")
    prod_rows = count(con, f"select 1 from {relation(production, model)}")
    key = tuple(model.primary_key)
    if not key or not set(key) <= set(pr_columns) or not set(key) <= set(prod_columns):
        return ProductDiff(model.display_name, prod_rows, pr_rows, key, note="no primary key to compare by")
    keys = ", ".join(quoted(k) for k in key)
    new, old = relation(pr, model), relation(production, model)
    added = count(con, f"select {keys} from {new} except select {keys} from {old}")
    removed = count(con, f"select {keys} from {old} except select {keys} from {new}")
    changed = None
    note = ""
    if pr_columns == prod_columns:
        join = " and ".join(f"n.{quoted(k)} is not distinct from o.{quoted(k)}" for k in key)
        differs = " or ".join(
            f"n.{quoted(c)} is distinct from o.{quoted(c)}" for c in pr_columns if c not in key
        )
        changed = count(con, f"select 1 from {new} n join {old} o on {join} where {differs or 'false'}")
    else:
        note = "columns differ: " + ", ".join(sorted(set(pr_columns) ^ set(prod_columns)))
    return ProductDiff(model.display_name, prod_rows, pr_rows, key, added, removed, changed, note)
