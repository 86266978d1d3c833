"""GitHub Actions workflow commands: each finding becomes an annotation on
the pull request's diff, with no upload step needed."""

from __future__ import annotations

from typing import Any

from datalint.model import Report

_LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def render(report: Report, **_options: Any) -> str:
    lines = []
    for finding in report.findings:
        where = finding.location
        properties = _properties(file=where.file, line=where.line, col=where.column, title=f"{finding.code} {finding.rule_name}")
        message = f"{finding.message} ({finding.field.qualified_name})"
        lines.append(f"::{_LEVELS[finding.severity]} {properties}::{_data(message)}")
    for problem in report.diagnostics:
        where = problem.location
        properties = _properties(file=where.file, line=where.line, col=where.column, title=problem.code)
        lines.append(f"::{_LEVELS[problem.severity]} {properties}::{_data(problem.message)}")
    return "".join(line + "\n" for line in lines)


def _data(text: str) -> str:
    """Escape a message the way the runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _properties(**values: object) -> str:
    parts = []
    for key, value in values.items():
        if value in (0, "", None):
            continue
        escaped = _data(str(value)).replace(":", "%3A").replace(",", "%2C")
        parts.append(f"{key}={escaped}")
    return ",".join(parts)
