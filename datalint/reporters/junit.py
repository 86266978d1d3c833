"""JUnit XML: one test case per file, one failure per finding, for CI systems
that only understand test reports."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from xml.etree import ElementTree as ET

from datalint.model import Finding, Report


def render(report: Report, **_options: Any) -> str:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_file[finding.location.file].append(finding)
    errors = defaultdict(list)
    for problem in report.diagnostics:
        if problem.severity == "error":
            errors[problem.location.file].append(problem)
    files = sorted(set(report.checked) | set(errors))
    suites = ET.Element("testsuites", name="datalint")
    suite = ET.SubElement(
        suites, "testsuite", name="datalint", tests=str(len(files)),
        failures=str(sum(1 for f in files if by_file[f])), errors=str(sum(1 for f in files if errors[f])),
    )
    for file in files:
        case = ET.SubElement(suite, "testcase", classname="datalint", name=file)
        for finding in by_file[file]:
            failure = ET.SubElement(case, "failure", type=finding.code, message=f"{finding.message} ({finding.field.qualified_name})")
            failure.text = f"{file}:{finding.location.line}:{finding.location.column}: {finding.code} {finding.severity} {finding.message}"
        for problem in errors[file]:
            error = ET.SubElement(case, "error", type=problem.code, message=problem.message)
            error.text = f"{file}:{problem.location.line}:{problem.location.column}: {problem.code} {problem.message}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
