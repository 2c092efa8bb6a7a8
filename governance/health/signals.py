"""One observation per product from what a run left behind, without scanning a table.

freshness   the newest `loaded_at` of each source the product reads in its own domain, from dbt's
            `sources.json` (`dbt source freshness` asks the engine for max(loaded_at_field)); the
            product's data is as recent as the newest load among them (a change-data extract of a
            table nobody edits brings nothing new, and is not a stale product). Products of other
            domains it reads carry their own freshness, which `causes.py` follows across domains.
row count   DuckDB's catalog (`duckdb_tables().estimated_size`, kept in the file's metadata), read from
            the domain's warehouse file opened read-only; other engines: unknown.
tests       the product's data tests and their results in the run (`run_results.json`).
schema      column names and types from the manifest, compared run to run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from governance.contracts.facts import freshness_sla_hours
from governance.engines.quoting import quote_ident, quote_literal
from governance.health.store import NO_OWN_SOURCES, TESTED_AGAINST, Observation
from governance.lineage import LineageGraph, NodeKind
from governance.model import MeshModel, Model, Source


def own_sources(mesh: MeshModel, model: Model) -> list[Source]:
    """The sources of its own project a model reads, through its own project's models."""
    found: dict[str, Source] = {}
    seen = {model.unique_id}
    frontier = [model.unique_id]
    while frontier:
        for parent in mesh.parents.get(frontier.pop(), ()):
            if parent in seen:
                continue
            seen.add(parent)
            node = mesh.nodes.get(parent)
            if isinstance(node, Source) and node.project == model.project:
                found[parent] = node
            elif isinstance(node, Model) and node.project == model.project:
                frontier.append(parent)
    return [found[k] for k in sorted(found)]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def freshness_of(sources: list[Source]) -> tuple[datetime | None, str | None]:
    """(the newest load among the sources, None) or (None, why it is unknown)."""
    if not sources:
        return None, NO_OWN_SOURCES
    declared = [s for s in sources if s.freshness is not None and s.freshness.loaded_at_field]
    if not declared:
        return None, "no source it reads declares loaded_at_field"
    loads = [s.freshness.max_loaded_at for s in declared if s.freshness and s.freshness.max_loaded_at]
    if len(loads) < len(declared):
        missing = [
            f"{s.source_name}.{s.name}" for s in declared if not (s.freshness and s.freshness.max_loaded_at)
        ]
        if not loads:
            return None, f"no `dbt source freshness` result for {', '.join(missing[:3])}"
    return max(_utc(m) for m in loads), None


def column_signature(model: Model) -> str:
    return "; ".join(
        f"{c.name} {(c.data_type or '?').lower()}"
        for c in sorted(model.columns.values(), key=lambda c: c.name)
    )


def observe(
    mesh: MeshModel,
    lineage: LineageGraph,
    *,
    run_id: str,
    observed_at: datetime,
    projects: Mapping[str, str],
    row_counts: Mapping[str, int],
    nodes: Mapping[str, str] | None = None,
) -> list[Observation]:
    """An observation of every product and hub mart of the `projects` built (project -> its outcome).

    `nodes` (unique_id -> success | failed, from the run's results) gives each product its own build
    status: a product its project's failure skipped is `skipped`, one a selection left out of a
    successful build is not observed. Without `nodes`, every product takes its project's outcome."""
    upstreams: dict[str, set[str]] = {}
    judged = {n.id for n in lineage.nodes if n.kind in (NodeKind.PRODUCT, NodeKind.HUB_MODEL)}
    for edge in lineage.edges:
        if edge.source in judged and edge.target in judged:
            upstreams.setdefault(edge.target, set()).add(edge.source)
    for product in judged:  # a test comparing it with another product (relationships) depends on that too
        for test in mesh.tests_by_node.get(product, ()):
            others = (TESTED_AGAINST + d for d in test.depends_on if d in judged and d != product)
            upstreams.setdefault(product, set()).update(others)
    ran = {uid.split(".")[1] for uid in nodes or ()}
    found = []
    for unique_id in sorted(judged):
        model = mesh.model(unique_id)
        if model is None or model.project not in projects:
            continue
        status = _product_status(unique_id, projects[model.project], nodes, ran)
        if status is None:
            continue
        loaded_at, note = freshness_of(own_sources(mesh, model))
        tests = mesh.tests_by_node.get(unique_id, [])
        results = [t for t in tests if t.result is not None]
        failed = sorted(
            t.name + (f"({t.column_name})" if t.column_name else "")
            for t in results
            if t.result and t.result.status in ("fail", "error")
        )
        owner = mesh.owner(model)
        found.append(
            Observation(
                run_id=run_id,
                observed_at=observed_at,
                product=unique_id,
                name=f"{model.project}.{model.name}" + (f".v{model.version}" if model.version else ""),
                domain=model.project,
                owner=owner.group,
                contact=owner.contact,
                sla_hours=freshness_sla_hours(model),
                loaded_at=loaded_at,
                freshness_note=note,
                row_count=row_counts.get(unique_id),
                tests_total=len(tests),
                tests_failed=len(failed),
                tests_warned=sum(1 for t in results if t.result and t.result.status == "warn"),
                failed_tests=tuple(failed),
                build_status=status,
                columns=column_signature(model),
                upstreams=tuple(sorted(upstreams.get(unique_id, []))),
            )
        )
    return found


def _product_status(
    unique_id: str, project: str, nodes: Mapping[str, str] | None, ran: set[str]
) -> str | None:
    """A product's own build status; None when this run did not select it."""
    if nodes is None:
        return project
    if unique_id in nodes:
        return nodes[unique_id]
    if project == "success":
        return None
    # its project failed: dbt skipped it after a failed node, or nothing ran at all
    return "skipped" if project == "skipped" or unique_id.split(".")[1] in ran else "failed"


def duckdb_row_counts(files: Mapping[str, Path], models: Iterable[Model]) -> dict[str, int]:
    """unique_id -> rows, from each project's DuckDB file's catalog (no table is read)."""
    wanted: dict[tuple[str, str, str], str] = {}
    for model in models:
        if model.project in files:
            wanted[(model.project, model.schema.lower(), model.alias.lower())] = model.unique_id
    counts: dict[str, int] = {}
    if not wanted:
        return counts
    connection = duckdb.connect(":memory:")
    try:
        for project, path in sorted(files.items()):
            if not path.is_file():
                continue
            alias = f"health_{project}"
            try:
                connection.execute(f"ATTACH {quote_literal(str(path))} AS {quote_ident(alias)} (READ_ONLY)")
            except duckdb.Error:
                continue  # held by a writer or not a DuckDB file: row counts unknown, never a failure
            rows = connection.execute(
                "select schema_name, table_name, estimated_size from duckdb_tables() where database_name = ?",
                [alias],
            ).fetchall()
            for schema, table, size in rows:
                unique_id = wanted.get((project, str(schema).lower(), str(table).lower()))
                if unique_id is not None and size is not None:
                    counts[unique_id] = int(size)
            connection.execute(f"DETACH {quote_ident(alias)}")
    finally:
        connection.close()
    return counts
