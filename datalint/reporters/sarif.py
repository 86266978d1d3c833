"""SARIF 2.1.0, the format GitHub code scanning and most review tools ingest.

Rules travel with the results (``tool.driver.rules``) so a reviewer sees the
harm and the remediation next to the alert without installing datalint.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from datalint import __version__
from datalint.model import Diagnostic, Finding, Report, fingerprint
from datalint.rulebook import Rule

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
    cautions = ", ".join(rule.cautions)
    help_text = f"{rule.instead}\n\nCautions: {cautions}."
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": help_text, "markdown": f"**Collect instead.** {rule.instead}\n\n**Why.** {rule.why}\n\nCautions: {cautions}."},
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"category": rule.category, "tags": ["privacy", rule.category], "cautions": list(rule.cautions)},
    }


def _artifact(file: str) -> dict[str, str]:
    return {"uri": file, "uriBaseId": "%SRCROOT%"}


def _region(line: int, column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column} if line else {}


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    field, where = finding.field, finding.location
    physical: dict[str, Any] = {"artifactLocation": _artifact(where.file)}
    if where.line:
        physical["region"] = _region(where.line, where.column or 1)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": finding.severity,
        "message": {"text": f"{finding.message} ({field.qualified_name})"},
        "locations": [
            {
                "physicalLocation": physical,
                "logicalLocations": [{"fullyQualifiedName": field.pointer or field.qualified_name, "name": field.name, "kind": "member"}],
            }
        ],
        "partialFingerprints": {"datalint/v1": fingerprint(finding)},
        "properties": {"category": finding.category, "evidence": [f"{e.source}: {e.term}" for e in finding.evidence]},
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    return result


def _notification(problem: Diagnostic) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(problem.location.file)}
    if problem.location.line:
        physical["region"] = _region(problem.location.line, problem.location.column or 1)
    return {
        "level": problem.severity,
        "message": {"text": problem.message},
        "descriptor": {"id": problem.code},
        "locations": [{"physicalLocation": physical}],
    }
