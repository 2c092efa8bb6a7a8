"""SARIF 2.1.0: results with file + start line so code hosts annotate pull requests; rules with help."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from governance.checks.catalog import Entry
from governance.checks.evaluation import Report
from governance.findings import Finding, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(entry: Entry) -> dict[str, Any]:
    help_text = f"{entry.rationale}\n\nHow to remediate: {entry.remediation}"
    return {
        "id": entry.code,
        "name": entry.name,
        "shortDescription": {"text": entry.title},
        "fullDescription": {"text": entry.rationale},
        "help": {
            "text": help_text,
            "markdown": f"**{entry.title}**\n\n{entry.rationale}\n\n**How to remediate:** "
            f"{entry.remediation}",
        },
        "defaultConfiguration": {"level": LEVELS[entry.severity]},
    }


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": finding.location.path, "uriBaseId": "%SRCROOT%"}}
    if finding.location.line:
        physical["region"] = {"startLine": finding.location.line}
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVELS[finding.severity],
        "message": {
            "text": f"{finding.message} (domain {finding.domain}, owner {finding.owner or 'unknown'})"
        },
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"meshFingerprint/v2": finding.fingerprint},
        "properties": {"domain": finding.domain, "owner": finding.owner, "impact": list(finding.impact)},
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    return result


def render(report: Report, rules: Mapping[str, Entry]) -> str:
    codes = sorted({r.code for r in report.rules} | {f.code for f in report.findings})
    described = [rules[c] for c in codes if c in rules]
    index = {entry.code: i for i, entry in enumerate(described)}
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mesh check",
                        "rules": [_rule(e) for e in described],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "repository root"}}},
                "results": [_result(f, index) for f in report.findings],
            }
        ],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"
