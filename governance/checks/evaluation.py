"""Run the configured rules over a mesh and apply scope, exceptions and the baseline, in that order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from governance.checks.config import Policy, PolicyException
from governance.checks.context import RuleContext
from governance.checks.registry import Rule, define
from governance.errors import ExitCode
from governance.findings import Finding, Severity
from governance.model import Location, MeshModel

EXPIRED_EXCEPTION = define(
    Rule(
        code="MESH000",
        name="exception-expired",
        title="A policy exception has expired",
        severity=Severity.WARNING,
        rationale="Exceptions are granted for a limited time; once expired they stop applying, so the "
        "waived findings come back, and the stale entry should be removed or renewed on purpose.",
        remediation="Fix the waived findings and delete the exception, or renew it with a new `expires` "
        "date and an updated `reason`.",
        example="exceptions:\n  - code: MESH012\n    node: model.marketing.fct_x\n    reason: legacy feed\n"
        "    expires: 2024-01-31",
    )
)

SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass
class Report:
    findings: list[Finding]  # what the user must act on
    rules: list[Rule]  # rules that ran (for SARIF/JUnit)
    excepted: list[tuple[Finding, PolicyException]] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.FAILED if self.count(Severity.ERROR) else ExitCode.OK


def sort_key(finding: Finding) -> tuple[str, int, str, int, str, str]:
    return (
        finding.domain,
        SEVERITY_ORDER[finding.severity],
        finding.location.path,
        finding.location.line or 0,
        finding.code,
        finding.message,
    )


def run_rules(
    mesh: MeshModel,
    policy: Policy,
    selected: set[str] | None = None,
    today: date | None = None,
    previous: MeshModel | None = None,
) -> tuple[list[Finding], list[Rule]]:
    """Every enabled (and selected) rule's findings, each kept only inside the rule's and global scope.
    Breaking-change rules run only with the previous deployment's mesh (`previous`)."""
    today = today or date.today()
    findings: list[Finding] = []
    ran: list[Rule] = []
    for code, settings in policy.rules.items():
        rule = settings.rule
        if rule.check is None or not settings.enabled or (selected and code not in selected):
            continue
        if rule.needs_state and previous is None:
            continue
        ran.append(rule)
        ctx = RuleContext(mesh, rule, settings.severity, settings.params, today, previous)
        findings.extend(f for f in rule.check(ctx) if settings.keeps(f) and policy.keeps(f))
    return findings, ran


def evaluate(
    mesh: MeshModel,
    policy: Policy,
    *,
    selected: set[str] | None = None,
    domains: Sequence[str] = (),
    extra: Iterable[Finding] = (),
    baseline: frozenset[str] = frozenset(),
    today: date | None = None,
    previous: MeshModel | None = None,
) -> Report:
    """The report of one `mesh check`: the rules (breaking changes too, given `previous`) + `extra`
    findings, filtered by scope, exceptions and the baseline."""
    today = today or date.today()
    findings, ran = run_rules(mesh, policy, selected, today, previous)
    findings.extend(f for f in extra if policy.keeps(f) and (not selected or f.code in selected))
    if domains:
        findings = [f for f in findings if f.domain in domains]
    live = [e for e in policy.exceptions if e.expires >= today]
    report = Report(findings=[], rules=ran)
    for finding in findings:
        waiver = next((e for e in live if e.covers(finding)), None)
        if waiver is not None:
            report.excepted.append((finding, waiver))
        elif finding.fingerprint in baseline:
            report.baselined.append(finding)
        else:
            report.findings.append(finding)
    expired = [e for e in policy.exceptions if e.expires < today]
    if expired:
        report.rules.append(EXPIRED_EXCEPTION)
        report.findings.extend(_expired_finding(policy, e) for e in expired)
    report.findings.sort(key=sort_key)
    return report


def _expired_finding(policy: Policy, exception: PolicyException) -> Finding:
    target = exception.node or exception.path or exception.domain or "?"
    return Finding(
        code=EXPIRED_EXCEPTION.code,
        severity=EXPIRED_EXCEPTION.severity,
        message=f"exception for {exception.code} on {target} expired on {exception.expires.isoformat()} "
        f"and no longer applies ({exception.reason})",
        domain=exception.domain or "governance",
        owner=None,
        location=Location(policy.path, exception.line),
        node_id=f"exception.{exception.code}.{target}",
    )
