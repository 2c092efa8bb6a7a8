"""Versions: pinned cross-domain refs, few live versions, dated deprecations, no refs past the date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

from governance.checks.context import RuleContext
from governance.checks.registry import Param, rule
from governance.findings import Finding, Severity
from governance.model import Exposure, Model


def _versioned_names(ctx: RuleContext) -> set[tuple[str, str]]:
    return {(m.project, m.name) for m in ctx.mesh.models() if m.version is not None}


@rule(
    code="MESH016",
    name="cross-domain-ref-pinned",
    title="Cross-domain refs to versioned products pin a version",
    severity=Severity.ERROR,
    rationale="An unpinned ref silently moves to the new latest version, which is by definition a breaking "
    "change; pinning makes each consumer migrate on purpose.",
    remediation="Write `ref('<domain>', '<product>', v=<n>)` with the version you have tested against.",
    example="select * from {{ ref('orders', 'dim_customers') }}   -- dim_customers has versions 1 and 2",
)
def cross_domain_ref_pinned(ctx: RuleContext) -> Iterator[Finding]:
    versioned = _versioned_names(ctx)
    consumers: list[Model | Exposure] = [*ctx.mesh.models(), *ctx.mesh.exposures()]
    for node in consumers:
        for ref in node.refs:
            foreign = ref.package is not None and ref.package != node.project
            if not foreign or ref.version is not None or (ref.package, ref.name) not in versioned:
                continue
            message = f"refs {ref.package}.{ref.name} without a version; pin one with v="
            edge = f"edge:{ref.package}.{ref.name}"
            if isinstance(node, Model):
                yield ctx.model(node, message, at_sql=True, subject=edge)
            else:
                yield ctx.exposure(node, message, edge)


@rule(
    code="MESH017",
    name="max-live-versions",
    title="A product keeps at most N live versions",
    severity=Severity.WARNING,
    rationale="Every live version is built, tested and synced; old versions must be retired, not kept "
    "forever.",
    remediation="Remove the oldest version once its deprecation date has passed and its consumers moved.",
    example="versions: [{v: 1}, {v: 2}, {v: 3}, {v: 4}]",
    params=(Param("max_versions", 3, "maximum number of versions of one model"),),
)
def max_live_versions(ctx: RuleContext) -> Iterator[Finding]:
    limit = int(ctx.params["max_versions"])
    versions: dict[tuple[str, str], list[Model]] = defaultdict(list)
    for model in ctx.mesh.models():
        if model.version is not None:
            versions[(model.project, model.name)].append(model)
    for models in versions.values():
        if len(models) > limit:
            latest = max(models, key=lambda m: m.version == m.latest_version)
            yield ctx.model(latest, f"has {len(models)} live versions (at most {limit})")


@rule(
    code="MESH018",
    name="deprecation-dated",
    title="Every version but the latest carries a deprecation_date",
    severity=Severity.ERROR,
    rationale="Consumers of an old version need a date to plan their migration, and producers a date "
    "after which the version may go.",
    remediation="Add `deprecation_date: YYYY-MM-DD` to the old version's entry under `versions:`.",
    example="versions:\n  - v: 1        # no deprecation_date\n  - v: 2",
)
def deprecation_dated(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.models():
        superseded = model.version is not None and model.version != model.latest_version
        if superseded and model.deprecation_date is None:
            yield ctx.model(model, f"is superseded by v{model.latest_version} but has no deprecation_date")


@rule(
    code="MESH019",
    name="no-ref-past-deprecation",
    title="Nothing references a model version past its deprecation date",
    severity=Severity.ERROR,
    rationale="After its deprecation date a version may be dropped at any time; consumers still reading it "
    "are about to break.",
    remediation="Move the consumer to the latest version (`ref(..., v=<latest>)`).",
    example="select * from {{ ref('orders', 'dim_customers', v=1) }}   -- v1 deprecated 2024-01-01",
)
def no_ref_past_deprecation(ctx: RuleContext) -> Iterator[Finding]:
    now = datetime.combine(ctx.today, datetime.min.time(), tzinfo=UTC)
    for model in ctx.mesh.models():
        date = model.deprecation_date
        if date is None or (date if date.tzinfo else date.replace(tzinfo=UTC)) > now:
            continue
        when = date.date().isoformat()
        for child in ctx.mesh.consumers(model.unique_id):
            message = f"reads {model.display_name}, deprecated since {when}"
            edge = f"edge:{model.unique_id}"
            if isinstance(child, Model):
                yield ctx.model(child, message, at_sql=True, subject=edge)
            else:
                yield ctx.exposure(child, message, edge)
