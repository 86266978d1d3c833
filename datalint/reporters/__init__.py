"""Output formats. Each reporter turns a Report into text and does no I/O,
so the CLI alone decides where output goes (and writes it atomically)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from datalint.model import Finding, Report

#: format name -> module; imported on demand to keep start-up cheap.
FORMATS = {
    "text": "datalint.reporters.text",
    "json": "datalint.reporters.json",
    "sarif": "datalint.reporters.sarif",
    "github": "datalint.reporters.github",
    "gitlab": "datalint.reporters.gitlab",
    "junit": "datalint.reporters.junit",
}


def render(report: Report, format: str, **options: Any) -> str:
    return import_module(FORMATS[format]).render(report, **options)


def shown(report: Report, show_suppressed: bool) -> list[Finding]:
    """What formats read by people show: suppressed findings only on request,
    since they were reviewed and justified in the source."""
    return report.findings if show_suppressed else report.active


def suppressed_note(finding: Finding) -> str:
    return "" if finding.suppressed is None else f" [suppressed: {finding.suppressed.reason}]"
