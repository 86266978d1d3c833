"""Machine output. The shape is a published contract (docs/json-output.schema.json):
other tools and the test-suite rely on it, so change it only compatibly."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from datalint import __version__
from datalint.diagnostics import CATALOGUE
from datalint.model import Diagnostic, Finding, Report


def render(report: Report, **_options: Any) -> str:
    document = {
        "version": __version__,
        "findings": [finding_dict(f) for f in report.findings],
        "errors": [diagnostic_dict(d) for d in report.diagnostics],
        "summary": summary_dict(report),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def finding_dict(finding: Finding) -> dict[str, Any]:
    field = finding.field
    result = {
        "rule": finding.code,
        "name": finding.rule_name,
        "category": finding.category,
        "severity": finding.severity,
        "message": finding.message,
        "file": field.location.file,
        "line": field.location.line,
        "column": field.location.column,
        "container": field.container,
        "field": field.name,
        "kind": field.kind,
        "evidence": [{"source": e.source, "term": e.term} for e in finding.evidence],
    }
    if field.pointer:
        result["pointer"] = field.pointer
    if field.location.fragment:
        result["fragment"] = field.location.fragment
    if finding.path:
        result["path"] = [
            {"from": step.source, "to": step.target, "kind": step.kind, "direction": "reverse" if step.reverse else "forward"}
            for step in finding.path
        ]
    if finding.suppressed is not None:
        result["suppressed"] = {"reason": finding.suppressed.reason, "until": finding.suppressed.until, "kind": "inSource"}
    return result


def diagnostic_dict(problem: Diagnostic) -> dict[str, Any]:
    result: dict[str, Any] = {
        "code": problem.code,
        "name": CATALOGUE[problem.code][0],
        "severity": problem.severity,
        "message": problem.message,
        "file": problem.location.file,
        "line": problem.location.line,
        "column": problem.location.column,
    }
    if problem.location.fragment:
        result["fragment"] = problem.location.fragment
    return result


def summary_dict(report: Report) -> dict[str, Any]:
    active = report.active
    by_severity = Counter(f.severity for f in active)
    return {
        "files_checked": report.files_checked,
        "files_skipped": report.files_skipped,
        "skipped": dict(sorted(report.skipped.items())),
        "findings": len(active),
        "by_severity": {s: by_severity[s] for s in ("error", "warning", "note")},
        "suppressed": len(report.findings) - len(active),
        "errors": sum(1 for d in report.diagnostics if d.severity == "error"),
    }
