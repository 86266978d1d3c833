"""GitLab Code Quality report (a JSON array), shown in merge-request widgets."""

from __future__ import annotations

import json
from typing import Any

from datalint.model import Report, fingerprint

_SEVERITIES = {"error": "major", "warning": "minor", "note": "info"}


def render(report: Report, **_options: Any) -> str:
    issues = [
        {
            "type": "issue",
            "check_name": f"{finding.code} {finding.rule_name}",
            "description": f"{finding.message} ({finding.field.qualified_name})",
            "categories": ["Security"],
            "fingerprint": fingerprint(finding),
            "severity": _SEVERITIES[finding.severity],
            "location": {"path": finding.location.file, "lines": {"begin": max(finding.location.line, 1)}},
        }
        for finding in report.findings
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
