"""Human output: one ``path:line:col: CODE severity message (where)`` line per
finding, the shape compilers use, so editors and terminals can jump to it."""

from __future__ import annotations

from collections import Counter

from datalint.model import Diagnostic, Finding, Location, Report
from datalint.reporters import shown, suppressed_note

_COLOURS = {"error": "31", "warning": "33", "note": "36"}


def render(report: Report, *, color: bool = False, quiet: bool = False, show_suppressed: bool = False, **_options: object) -> str:
    lines = [_finding_line(f, color) for f in shown(report, show_suppressed)]
    if not quiet:
        lines.append(summary(report))
    return "\n".join(lines) + ("\n" if lines else "")


def render_diagnostics(report: Report, *, color: bool = False, quiet: bool = False) -> str:
    """Problems reading inputs, for stderr. ``quiet`` keeps only failures."""
    shown = [d for d in report.diagnostics if not quiet or d.severity == "error"]
    return "".join(_diagnostic_line(d, color) + "\n" for d in shown)


def render_statistics(report: Report) -> str:
    """Findings per rule, most frequent first, like ``ruff --statistics``."""
    counts = Counter((f.code, f.rule_name, f.severity) for f in report.active)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    lines = [f"{count:>6}  {code}  {name:<40} {severity}" for (code, name, severity), count in ordered]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def _where(location: Location) -> str:
    if location.line:
        return f"{location.file}:{location.line}:{location.column}:"
    return f"{location.place}:"


def _paint(text: str, severity: str, color: bool) -> str:
    return f"\x1b[{_COLOURS[severity]}m{text}\x1b[0m" if color else text


def _finding_line(finding: Finding, color: bool) -> str:
    code = f"\x1b[1m{finding.code}\x1b[0m" if color else finding.code
    severity = _paint(finding.severity, finding.severity, color)
    return f"{_where(finding.location)} {code} {severity} {finding.message} ({finding.field.qualified_name}){suppressed_note(finding)}"


def _diagnostic_line(problem: Diagnostic, color: bool) -> str:
    severity = _paint(problem.severity, problem.severity, color)
    return f"{_where(problem.location)} {problem.code} {severity} {problem.message}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: Report) -> str:
    files = _plural(report.files_checked, "file")
    reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(report.skipped.items()))
    skipped = f", {report.files_skipped} skipped ({reasons})" if reasons else ""
    failed = sum(1 for d in report.diagnostics if d.severity == "error")
    active = report.active
    suppressed = len(report.findings) - len(active)
    notes = f"; {_plural(failed, 'input')} could not be fully read" if failed else ""
    notes += f"; {suppressed} suppressed in the source" if suppressed else ""
    if not active:
        return f"No findings in {files} checked{skipped}{notes}."
    counts = Counter(f.severity for f in active)
    parts = ", ".join(_plural(counts[s], s) for s in ("error", "warning", "note") if counts[s])
    affected = len({f.location.file for f in active})
    return f"Found {parts} in {affected} of {files} checked{skipped}{notes}."
