"""JUnit XML: one test suite per domain, one test case per finding (failures) so CI test tabs list them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from xml.etree import ElementTree as ET

from governance.checks.catalog import Entry
from governance.checks.evaluation import Report
from governance.findings import Finding, Severity


def render(report: Report, rules: Mapping[str, Entry]) -> str:
    by_domain: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_domain[finding.domain].append(finding)
    suites = ET.Element(
        "testsuites",
        name="mesh check",
        tests=str(len(report.findings)),
        failures=str(report.count(Severity.ERROR)),
    )
    for domain, findings in sorted(by_domain.items()):
        errors = sum(1 for f in findings if f.severity is Severity.ERROR)
        suite = ET.SubElement(
            suites, "testsuite", name=domain, tests=str(len(findings)), failures=str(errors)
        )
        for finding in findings:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{domain}.{finding.code}",
                name=f"{finding.code} {finding.message}",
                file=finding.location.path,
                line=str(finding.location.line or 0),
            )
            title = rules[finding.code].title if finding.code in rules else finding.code
            body = f"{finding.location} (owner: {finding.owner or 'unknown'})"
            if finding.severity is Severity.ERROR:
                ET.SubElement(case, "failure", message=finding.message, type=title).text = body
            else:
                ET.SubElement(
                    case, "system-out"
                ).text = f"{finding.severity.value}: {finding.message} at {body}"
    if not report.findings:
        suite = ET.SubElement(suites, "testsuite", name="mesh", tests="1", failures="0")
        ET.SubElement(suite, "testcase", classname="mesh", name="all policies pass")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
