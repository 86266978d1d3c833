"""SARIF 2.1.0, the format GitHub code scanning and most review tools ingest.

Rules travel with the results (``tool.driver.rules``) so a reviewer sees the
harm and the remediation next to the alert without installing datalint.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from datalint import __version__
from datalint.globs import project_path
from datalint.model import Diagnostic, Finding, Location, Report, fingerprint
from datalint.rulebook import Rule
from datalint.targets import is_url

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/datalint/datalint"


def render(report: Report, *, rules: Sequence[Rule] = (), **_options: Any) -> str:
    index = {rule.code: position for position, rule in enumerate(rules)}
    run = {
        "tool": {
            "driver": {
                "name": "datalint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in rules],
            }
        },
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The directory datalint was run from."}}},
        "results": [_result(finding, index) for finding in report.findings],
        "invocations": [
            {
                "executionSuccessful": not any(d.severity == "error" for d in report.diagnostics),
                "toolExecutionNotifications": [_notification(d) for d in report.diagnostics],
            }
        ],
    }
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule(rule: Rule) -> dict[str, Any]:
    cautions = f"\n\nCautions: {', '.join(rule.cautions)}." if rule.cautions else ""
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": f"{rule.instead}{cautions}", "markdown": f"**Collect instead.** {rule.instead}\n\n**Why.** {rule.why}{cautions}"},
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"category": rule.category, "tags": ["privacy", rule.category], "cautions": list(rule.cautions)},
    }


def _artifact(file: str) -> dict[str, str]:
    """Relative to the directory datalint ran in, as code scanning expects;
    an absolute ``file:`` URI only for files outside it. A database is its
    URL (without password); the column is the logical location."""
    if is_url(file):
        return {"uri": file}
    relative = project_path(file, Path.cwd())
    if relative is None:
        return {"uri": Path(file).resolve().as_uri()}
    return {"uri": quote(relative), "uriBaseId": "%SRCROOT%"}


def _physical(where: Location) -> dict[str, Any]:
    """Code scanning wants a region on every location: line 1 when the
    position is unknown (the whole file)."""
    region = {"startLine": max(where.line, 1), "startColumn": max(where.column, 1)}
    return {"artifactLocation": _artifact(where.file), "region": region}


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    field, where = finding.field, finding.location
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": finding.severity,
        "message": {"text": f"{finding.message} ({field.qualified_name})"},
        "locations": [
            {
                "physicalLocation": _physical(where),
                "logicalLocations": [{"fullyQualifiedName": field.pointer or field.qualified_name, "name": field.name, "kind": "member"}],
            }
        ],
        "partialFingerprints": {"datalint/v1": fingerprint(finding)},
        "properties": {"category": finding.category, "evidence": [f"{e.source}: {e.term}" for e in finding.evidence]},
    }
    if finding.path:
        arrows = {False: "->", True: "<-"}
        result["properties"]["path"] = [f"{step.source} {arrows[step.reverse]} {step.target} ({step.kind})" for step in finding.path]
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.suppressed is not None:
        suppression = finding.suppressed
        result["suppressions"] = [
            {
                "kind": "inSource",
                "justification": suppression.reason,
                "location": {"physicalLocation": _physical(suppression.location)},
                "properties": {"until": suppression.until},
            }
        ]
    return result


def _notification(problem: Diagnostic) -> dict[str, Any]:
    return {
        "level": problem.severity,
        "message": {"text": problem.message},
        "descriptor": {"id": problem.code},
        "locations": [{"physicalLocation": _physical(problem.location)}],
    }
