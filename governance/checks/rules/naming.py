"""Layout: layer prefixes and folders follow the conventions, so a name says what a model is."""

from __future__ import annotations

from collections.abc import Iterator

from governance.checks.context import RuleContext
from governance.checks.queries import domain_models
from governance.checks.registry import Param, rule
from governance.findings import Finding, Severity


@rule(
    code="MESH029",
    name="layer-prefix",
    title="Model names carry their layer's prefix",
    severity=Severity.WARNING,
    rationale="`stg_`, `int_`, `fct_`/`dim_` tell a reader (and a ref) which layer and contract to expect.",
    remediation="Rename the model (file and yml entry) with its layer's prefix.",
    example="# models/marts/orders.sql -> fct_orders.sql",
    params=(
        Param(
            "prefixes",
            {"bronze": ["stg_"], "silver": ["int_"], "gold": ["fct_", "dim_"]},
            "allowed name prefixes per layer",
        ),
    ),
)
def layer_prefix(ctx: RuleContext) -> Iterator[Finding]:
    prefixes: dict[str, list[str]] = ctx.params["prefixes"]
    for model in domain_models(ctx.mesh):
        allowed = prefixes.get(model.layer)  # a StrEnum: the value is the key
        if allowed and not any(model.name.startswith(p) for p in allowed):
            yield ctx.model(model, f"is in {model.layer.value} but its name has none of {', '.join(allowed)}")


@rule(
    code="MESH031",
    name="layer-matches-folder",
    title="A model's layer (schema) matches its folder",
    severity=Severity.WARNING,
    rationale="Folders set the schema, materialization and access per layer; a model whose schema is "
    "overridden to another layer escapes those defaults.",
    remediation="Move the model to the folder of its layer, or remove the schema override.",
    example="# models/staging/stg_orders.sql with config(schema='gold')",
    params=(
        Param(
            "folders",
            {"staging": "bronze", "intermediate": "silver", "marts": "gold"},
            "layer expected for each folder under models/",
        ),
    ),
)
def layer_matches_folder(ctx: RuleContext) -> Iterator[Finding]:
    folders: dict[str, str] = ctx.params["folders"]
    for model in domain_models(ctx.mesh):
        folder = next((p for p in model.sql_path.path.split("/") if p in folders), None)
        if folder and folders[folder] != model.layer:
            yield ctx.model(
                model, f"is in models/{folder}/ (layer {folders[folder]}) but builds into {model.schema!r}"
            )
