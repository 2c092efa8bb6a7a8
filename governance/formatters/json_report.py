"""JSON: every finding with its route (domain, owner) and place to fix, plus counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from governance.checks.catalog import Entry
from governance.checks.evaluation import Report
from governance.findings import Finding, Severity


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "domain": finding.domain,
        "owner": finding.owner,
        "path": finding.location.path,
        "line": finding.location.line,
        "node_id": finding.node_id,
        "impact": list(finding.impact),
        "fingerprint": finding.fingerprint,
    }


def render(report: Report, rules: Mapping[str, Entry]) -> str:
    document = {
        "summary": {
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
            "excepted": len(report.excepted),
            "baselined": len(report.baselined),
            "rules_run": len(report.rules),
        },
        "findings": [finding_dict(f) for f in report.findings],
        "excepted": [
            {**finding_dict(f), "reason": e.reason, "expires": e.expires.isoformat()}
            for f, e in report.excepted
        ],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"
