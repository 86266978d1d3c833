"""GitLab Code Quality report (a JSON array), shown in merge-request widgets.

Inputs that could not be read are issues too: the widget is often the only
place a reviewer looks, and a schema that was not linted must not look clean.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from datalint.globs import project_path
from datalint.model import Diagnostic, Finding, Report, fingerprint
from datalint.reporters import shown, suppressed_note
from datalint.targets import is_url

_SEVERITIES = {"error": "major", "warning": "minor", "note": "info"}


def render(report: Report, *, show_suppressed: bool = False, **_options: Any) -> str:
    issues = [_finding(finding) for finding in shown(report, show_suppressed)]
    issues += [_problem(problem) for problem in report.diagnostics if problem.severity == "error"]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _finding(finding: Finding) -> dict[str, Any]:
    return _issue(
        check_name=f"{finding.code} {finding.rule_name}",
        description=f"{finding.message} ({finding.field.qualified_name}){suppressed_note(finding)}",
        fingerprint=fingerprint(finding),
        severity="info" if finding.suppressed else _SEVERITIES[finding.severity],
        file=finding.location.file,
        line=finding.location.line,
    )


def _problem(problem: Diagnostic) -> dict[str, Any]:
    key = "\0".join((problem.code, problem.location.file, problem.message))
    return _issue(
        check_name=problem.code,
        description=f"Not fully linted: {problem.message}",
        fingerprint=hashlib.sha256(key.encode("utf-8")).hexdigest()[:32],
        severity="critical",
        file=problem.location.file,
        line=problem.location.line,
    )


def _issue(*, check_name: str, description: str, fingerprint: str, severity: str, file: str, line: int) -> dict[str, Any]:
    """GitLab wants paths relative to the repository root, where CI runs."""
    path = file if is_url(file) else project_path(file, Path.cwd()) or file
    return {
        "type": "issue",
        "check_name": check_name,
        "description": description,
        "categories": ["Security"],
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {"path": path, "lines": {"begin": max(line, 1)}},
    }
