"""Product contracts: enforced, typed, keyed, described, classified and with an SLA."""

from __future__ import annotations

from collections.abc import Iterator

from governance.checks.context import RuleContext
from governance.checks.registry import Param, rule
from governance.findings import Finding, Severity


@rule(
    code="MESH006",
    name="product-contract-enforced",
    title="Data products enforce their contract",
    severity=Severity.ERROR,
    rationale="Consumers in other domains compile against the product's columns and types; only an "
    "enforced contract makes dbt fail the producer's build before a change reaches them.",
    remediation="Set `config: {contract: {enforced: true}}` on the product and declare every column's "
    "`data_type`.",
    example="models:\n  - name: fct_orders\n    config:\n      access: public   # no contract",
)
def product_contract_enforced(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.products():
        if not model.contract_enforced:
            yield ctx.model(model, "is public but its contract is not enforced")


@rule(
    code="MESH007",
    name="product-columns-typed",
    title="Every column of a data product declares its data_type",
    severity=Severity.ERROR,
    rationale="The type is part of the interface; the catalogs and the Iceberg publisher need it too.",
    remediation="Add `data_type:` to the column in the product's yml.",
    example="columns:\n  - name: amount\n    description: Order amount.   # no data_type",
)
def product_columns_typed(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.products():
        for column in model.columns.values():
            if not column.data_type:
                yield ctx.model(model, f"column {column.name} has no data_type", column)


@rule(
    code="MESH008",
    name="product-single-primary-key",
    title="Every data product declares exactly one primary key",
    severity=Severity.ERROR,
    rationale="The grain of a product is part of its contract; joins and deduplication downstream rely "
    "on it, and the catalogs publish it as an informational constraint.",
    remediation="Add `constraints: [{type: primary_key}]` to the key column (or one model-level "
    "`primary_key` constraint listing the columns of a composite key), and only one.",
    example="columns:\n  - name: order_id\n    data_type: integer   # no primary_key constraint",
)
def product_single_primary_key(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.products():
        column_keys = [c.name for c in model.columns.values() if c.is_primary_key]
        model_keys = [c for c in model.constraints if c.get("type") == "primary_key"]
        declared = len(column_keys) + len(model_keys)
        if declared == 0:
            yield ctx.model(model, "declares no primary key")
        elif declared > 1:
            keys = ", ".join(column_keys) or "model-level constraints"
            yield ctx.model(model, f"declares {declared} primary keys ({keys}); declare one")


@rule(
    code="MESH010",
    name="product-described",
    title="Every data product has a description",
    severity=Severity.ERROR,
    rationale="The description is what a consumer reads in the catalog before using the product.",
    remediation="Add a `description:` saying what one row is and where the data comes from.",
    example="models:\n  - name: fct_orders\n    description: ''",
)
def product_described(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.products():
        if not model.description.strip():
            yield ctx.model(model, "has no description")


@rule(
    code="MESH011",
    name="product-columns-described",
    title="Every column of a data product has a description",
    severity=Severity.ERROR,
    rationale="Column descriptions are synced to Unity Catalog comments; undocumented columns are guessed "
    "at and misused.",
    remediation="Add a `description:` to each column listed in the finding.",
    example="columns:\n  - name: amount\n    data_type: double   # no description",
)
def product_columns_described(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.products():
        for column in model.columns.values():
            if not column.description.strip():
                yield ctx.model(model, f"column {column.name} has no description", column)


@rule(
    code="MESH030",
    name="product-sla-declared",
    title="Data products declare a freshness SLA",
    severity=Severity.ERROR,
    rationale="Consumers plan on how stale a product may be; the SLA monitor needs a number to check.",
    remediation="Add `meta: {sla: {freshness_hours: <hours>}}` with a positive number of hours.",
    example="config:\n  meta:\n    sla: {freshness_hours: soon}",
)
def product_sla_declared(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.products():
        sla = model.meta.get("sla")
        hours = sla.get("freshness_hours") if isinstance(sla, dict) else None
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
            yield ctx.model(model, f"meta.sla.freshness_hours must be a positive number, got {hours!r}")


@rule(
    code="MESH033",
    name="classification-vocabulary",
    title="Classifications use the mesh vocabulary",
    severity=Severity.ERROR,
    rationale="Unity Catalog tags and masking decisions are driven by the classification; an unknown "
    "value (a typo) silently escapes every policy keyed on the vocabulary.",
    remediation="Use one of the allowed values (see the `allowed` parameter) on the model or column.",
    example="config:\n  meta:\n    classification: secret",
    params=(
        Param(
            "allowed", ["public", "internal", "confidential", "restricted"], "allowed classification values"
        ),
    ),
)
def classification_vocabulary(ctx: RuleContext) -> Iterator[Finding]:
    allowed = {str(v) for v in ctx.params["allowed"]}
    for model in ctx.mesh.models():
        if model.classification is not None and model.classification not in allowed:
            yield ctx.model(model, f"classification {model.classification!r} is not one of {sorted(allowed)}")
        for column in model.columns.values():
            if column.classification is not None and column.classification not in allowed:
                yield ctx.model(
                    model, f"column {column.name} classification {column.classification!r} is unknown", column
                )
