"""JUnit XML: one test case per file, one failure per finding, for CI systems
that only understand test reports."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from xml.etree import ElementTree as ET

from datalint.model import Finding, Location, Report
from datalint.reporters import shown, suppressed_note


def render(report: Report, *, show_suppressed: bool = False, **_options: Any) -> str:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in shown(report, show_suppressed):
        by_file[finding.location.file].append(finding)
    errors = defaultdict(list)
    for problem in report.diagnostics:
        if problem.severity == "error":
            errors[problem.location.file].append(problem)
    files = sorted(set(report.checked) | set(errors))
    suites = ET.Element("testsuites", name="datalint")
    suite = ET.SubElement(
        suites, "testsuite", name="datalint", tests=str(len(files)),
        failures=str(sum(1 for f in files if _failures(by_file[f]))), errors=str(sum(1 for f in files if errors[f])),
    )
    for file in files:
        case = ET.SubElement(suite, "testcase", classname="datalint", name=file)
        for finding in _failures(by_file[file]):
            failure = ET.SubElement(case, "failure", type=finding.code, message=f"{finding.message} ({finding.field.qualified_name})")
            failure.text = _line(finding)
        for problem in errors[file]:
            error = ET.SubElement(case, "error", type=problem.code, message=problem.message)
            error.text = f"{_where(problem.location)} {problem.code} {problem.message}"
        suppressed = [finding for finding in by_file[file] if finding.suppressed]
        if suppressed:  # reviewed and justified: shown as output, never as failures
            ET.SubElement(case, "system-out").text = "".join(f"{_line(finding)}{suppressed_note(finding)}\n" for finding in suppressed)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _failures(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.suppressed is None]


def _line(finding: Finding) -> str:
    return f"{_where(finding.location)} {finding.code} {finding.severity} {finding.message}"


def _where(location: Location) -> str:
    """``file:line:col:``, or ``url#schema.table.column:`` for a database."""
    if location.line:
        return f"{location.file}:{location.line}:{location.column}:"
    return f"{location.place}:"
