"""The catalogue of diagnostics: problems reading inputs, rules or config.

Codes are stable (tools and users filter on them) and live here, in one
table, so that readers only say *what* went wrong and never invent codes.
Findings use ``DL1xx`` and up; diagnostics use ``DL0xx``.
"""

from __future__ import annotations

from datalint.model import Diagnostic, Location, Severity

#: code -> (name, severity). ``error`` means "this input was not fully
#: linted" and makes the run exit 2 (fail closed).
CATALOGUE: dict[str, tuple[str, Severity]] = {
    "DL001": ("unreadable-file", "error"),
    "DL002": ("syntax-error", "error"),
    "DL003": ("unparsed-statement", "note"),
    "DL004": ("unread-definition", "error"),
    "DL005": ("invalid-schema", "warning"),
    "DL006": ("unresolved-ref", "note"),
    "DL007": ("broken-rule-pack", "error"),
    "DL008": ("broken-config", "error"),
    "DL009": ("internal-error", "error"),
    "DL010": ("unreachable-database", "error"),
    "DL011": ("unread-table", "error"),
}

#: Failures of datalint's own set-up (rule packs, configuration): the run's
#: rules are in doubt, so ``--allow-skipped`` never lets them pass.
SETUP_CODES = frozenset({"DL007", "DL008"})


def diagnostic(code: str, message: str, file: str, line: int = 0, column: int = 0, fragment: str = "") -> Diagnostic:
    """Build a diagnostic whose severity comes from the catalogue, so a
    reader cannot accidentally downgrade a failure to a note."""
    _name, severity = CATALOGUE[code]
    return Diagnostic(code=code, severity=severity, message=message, location=Location(file, line, column, fragment))
