"""Sources: read only by their domain's staging layer, with a loader and a freshness check that passes."""

from __future__ import annotations

from collections.abc import Iterator

from governance.checks.context import RuleContext
from governance.checks.registry import rule
from governance.findings import Finding, Severity
from governance.model import Layer, Model


@rule(
    code="MESH020",
    name="source-read-by-own-staging",
    title="Only the owning domain's staging models read a source",
    severity=Severity.ERROR,
    rationale="Raw data enters a domain once, through staging, where it is renamed, typed and cleaned; "
    "other layers and other domains reading raw tables duplicate that work and bypass the owner.",
    remediation="Read the source in a `stg_` model of the domain that declares it, and ref that model (or "
    "the domain's product) instead.",
    example="-- models/marts/fct_orders.sql\nselect * from {{ source('raw_orders', 'orders') }}",
)
def source_read_by_own_staging(ctx: RuleContext) -> Iterator[Finding]:
    for source in ctx.mesh.sources():
        for child in ctx.mesh.consumers(source.unique_id):
            if not isinstance(child, Model):
                continue
            if child.project != source.project:
                yield ctx.model(
                    child,
                    f"reads source {source.unique_id} of domain {source.project}",
                    at_sql=True,
                    subject=f"edge:{source.unique_id}",
                )
            elif child.layer is not Layer.BRONZE:
                yield ctx.model(
                    child,
                    f"reads source {source.unique_id} from layer {child.layer.value}; only staging may",
                    at_sql=True,
                    subject=f"edge:{source.unique_id}",
                )


@rule(
    code="MESH025",
    name="source-freshness-declared",
    title="Sources declare freshness thresholds and a loaded_at_field",
    severity=Severity.ERROR,
    rationale="Product SLAs are only as good as their inputs; without a freshness check a stalled loader "
    "goes unnoticed until consumers complain.",
    remediation="Add `config: {loaded_at_field: <column>, freshness: {warn_after: ..., error_after: ...}}` "
    "to the source or table.",
    example="sources:\n  - name: raw_orders\n    tables:\n      - name: orders   # no freshness",
)
def source_freshness_declared(ctx: RuleContext) -> Iterator[Finding]:
    for source in ctx.mesh.sources():
        freshness = source.freshness
        if freshness is None or not (freshness.warn_after or freshness.error_after):
            yield ctx.source(source, "declares no freshness threshold")
        elif not freshness.loaded_at_field:
            yield ctx.source(source, "declares freshness but no loaded_at_field")


@rule(
    code="MESH026",
    name="source-loader-declared",
    title="Sources name their loader",
    severity=Severity.WARNING,
    rationale="When a source is late or wrong, the loader (Fivetran, Airbyte, a job) is where to look.",
    remediation="Add `loader: <tool>` to the source.",
    example="sources:\n  - name: raw_orders   # no loader",
)
def source_loader_declared(ctx: RuleContext) -> Iterator[Finding]:
    for source in ctx.mesh.sources():
        if not source.loader.strip():
            yield ctx.source(source, "has no loader")


@rule(
    code="MESH032",
    name="source-fresh",
    title="Sources passed their last freshness check",
    severity=Severity.WARNING,
    rationale="A stale source makes every product built on it stale; the owner should know before "
    "consumers do.",
    remediation="Check the loader named on the source, then rerun `dbt source freshness`.",
    example="sources.json: source.orders.raw_orders.orders -> error (max_loaded_at 3 days ago)",
)
def source_fresh(ctx: RuleContext) -> Iterator[Finding]:
    for source in ctx.mesh.sources():
        freshness = source.freshness
        if freshness is not None and freshness.status in {"error", "runtime error"}:
            loaded = freshness.max_loaded_at.isoformat() if freshness.max_loaded_at else "unknown"
            yield ctx.source(source, f"freshness check {freshness.status} (last loaded {loaded})")
