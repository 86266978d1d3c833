"""GitHub Actions workflow commands: each finding becomes an annotation on
the pull request's diff, with no upload step needed."""

from __future__ import annotations

from typing import Any

from datalint.model import Finding, Location, Report
from datalint.reporters import shown, suppressed_note
from datalint.targets import is_url

_LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def render(report: Report, *, show_suppressed: bool = False, **_options: Any) -> str:
    lines = []
    for finding in shown(report, show_suppressed):
        where = finding.location
        properties = _properties(**_file(where), title=finding.code)
        message = f"{_prefix(where)}{finding.message} ({finding.field.qualified_name}){suppressed_note(finding)}"
        lines.append(f"::{_level(finding)} {properties}::{_data(message)}")
    for problem in report.diagnostics:
        where = problem.location
        properties = _properties(**_file(where), title=problem.code)
        lines.append(f"::{_LEVELS[problem.severity]} {properties}::{_data(_prefix(where) + problem.message)}")
    return "".join(line + "\n" for line in lines)


def _file(where: Location) -> dict[str, object]:
    """A database is not a file of the repository: its annotations are
    attached to no file, and name the database in the message instead."""
    if is_url(where.file):
        return {}
    return {"file": where.file, "line": where.line, "col": where.column}


def _prefix(where: Location) -> str:
    return f"{where.place}: " if is_url(where.file) else ""


def _level(finding: Finding) -> str:
    """A suppressed finding was reviewed: a notice, not a failure."""
    return _LEVELS["note" if finding.suppressed else finding.severity]


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
