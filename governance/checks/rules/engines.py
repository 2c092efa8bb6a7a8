"""Engines: every product is readable on every engine analysts use (Databricks SQL and Trino)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from governance.checks.context import RuleContext
from governance.checks.registry import rule
from governance.findings import Finding, Severity
from governance.model import Model, Platform

# What Unity Catalog's Iceberg REST endpoint needs to serve a Delta table (UniForm), as
# docs/architecture.md "Databricks domains on Trino" cites: IcebergCompatV2, Iceberg metadata written
# on every commit, column mapping by name, and no deletion vectors (IcebergCompatV2 refuses them).
ICEBERG_READS: dict[str, str] = {
    "delta.enableIcebergCompatV2": "true",
    "delta.universalFormat.enabledFormats": "iceberg",
    "delta.columnMapping.mode": "name",
    "delta.enableDeletionVectors": "false",
}
ENABLED_FORMATS = "delta.universalFormat.enabledFormats"

FIX = "{" + ", ".join(f"'{key}': '{value}'" for key, value in ICEBERG_READS.items()) + "}"


def iceberg_reads_gaps(properties: Mapping[str, str]) -> list[str]:
    """What in a Delta table's properties keeps Iceberg reads off, one phrase per property (none: on)."""
    gaps: list[str] = []
    for key, needed in ICEBERG_READS.items():
        value = properties.get(key)
        if value is None:
            gaps.append(f"{key} is not set (needs '{needed}')")
            continue
        text = value.strip().lower()
        if key == ENABLED_FORMATS:  # a list of formats: iceberg must be one of them
            ok = needed in {part.strip() for part in text.split(",")}
        else:
            ok = text == needed
        if not ok:
            gaps.append(f"{key} is '{value}' (needs '{needed}')")
    return gaps


@rule(
    code="MESH051",
    name="trino-readable",
    title="Products of Databricks domains enable Iceberg reads, so Trino can read them",
    severity=Severity.ERROR,
    rationale="Analysts read every product on Trino as well as on Databricks SQL. Trino reads a "
    "Databricks domain's product through Unity Catalog's Iceberg REST endpoint, which serves a Delta "
    "table only when Iceberg reads (UniForm) are enabled on it: IcebergCompatV2, Iceberg metadata, "
    "column mapping by name and no deletion vectors. Without them the table is missing on Trino, and the "
    "consumer finds out from a failing query instead of from the producer's check. A product that opts "
    "out (`meta.iceberg_reads: false`) is reported too: it is a product every analyst cannot read. "
    "The table properties are known when the manifest was parsed for Databricks (`mesh check` on a "
    "`databricks` target's artifacts); a manifest parsed for DuckDB or Spark has none and is judged on "
    "`meta.iceberg_reads` alone. Domains with `platform: external` publish to Iceberg directly and are "
    "not concerned.",
    remediation=f"Set the product's tblproperties for the Databricks target (in dbt_project.yml under "
    f"the gold folder, or in the model's config): `+tblproperties: {FIX}` (merged with the table's other "
    "properties), and remove `meta.iceberg_reads: false`. A streaming table or a model that needs "
    "deletion vectors cannot be served this way: keep it out of the products and publish a gold table "
    "built from it.",
    example="config:\n  meta:\n    iceberg_reads: false   # not served to Trino\n"
    "# or, parsed for Databricks:\n"
    "+tblproperties: {'delta.enableChangeDataFeed': 'true'}   # no UniForm",
)
def trino_readable(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.products():
        domain = ctx.mesh.domains.get(model.project)
        if domain is None or domain.platform is not Platform.DATABRICKS:
            continue
        yield from _iceberg_reads(ctx, model)


def _iceberg_reads(ctx: RuleContext, model: Model) -> Iterator[Finding]:
    opt_out = model.meta.get("iceberg_reads")
    if opt_out is False:
        yield ctx.model(
            model,
            "opts out of Iceberg reads (meta.iceberg_reads: false): Unity Catalog's Iceberg REST "
            "endpoint does not serve it, so Trino cannot read it; remove the opt-out and set "
            f"tblproperties {FIX}",
            subject="iceberg_reads",
        )
    elif opt_out is not None and opt_out is not True:
        yield ctx.model(
            model,
            f"meta.iceberg_reads is {opt_out!r}, not true or false; remove it (Iceberg reads are the "
            f"default) and set tblproperties {FIX}",
            subject="iceberg_reads",
        )
    if model.tblproperties is None:  # parsed for an engine without table properties
        return
    gaps = iceberg_reads_gaps(model.tblproperties)
    if gaps:
        yield ctx.model(
            model,
            f"its tblproperties do not enable Iceberg reads, so Trino cannot read it: {'; '.join(gaps)}; "
            f"set tblproperties {FIX}",
            subject="tblproperties",
        )
