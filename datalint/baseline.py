"""Baselines: adopt datalint on an existing schema without fixing it first.

``--write-baseline`` records today's findings; ``--baseline`` then reports
only findings that are not recorded, so new collection fails review while
the old is paid down. Entries are fingerprints (rule, file, container,
field; never lines, so edits above a field do not resurrect it), kept with
the readable parts so that a reviewer can read a baseline's diff.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from datalint.diagnostics import diagnostic
from datalint.model import Diagnostic, Finding, fingerprint

TOOL = "datalint"
VERSION = 1


def render_baseline(findings: Iterable[Finding]) -> str:
    entries = {
        fingerprint(finding): {
            "fingerprint": fingerprint(finding),
            "rule": finding.code,
            "file": finding.location.file,
            "container": finding.field.container,
            "field": finding.field.name,
        }
        for finding in findings
        if finding.suppressed is None
    }
    ordered = sorted(entries.values(), key=lambda e: (e["file"], e["container"], e["field"], e["rule"]))
    document = {"tool": TOOL, "version": VERSION, "findings": ordered}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def read_baseline(path: str) -> tuple[frozenset[str], list[Diagnostic]]:
    """The recorded fingerprints, or a DL008 saying why the file is not a
    datalint baseline (a run against the wrong file must not pass quietly)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return frozenset(), [diagnostic("DL008", f"cannot read baseline: {getattr(error, 'strerror', None) or error}", path)]
    except json.JSONDecodeError as error:
        return frozenset(), [diagnostic("DL008", f"baseline is not JSON: {error.msg}", path, error.lineno, error.colno)]
    problem = _shape_problem(data)
    if problem:
        return frozenset(), [diagnostic("DL008", f"not a datalint baseline: {problem}", path)]
    return frozenset(entry["fingerprint"] for entry in data["findings"]), []


def _shape_problem(data: object) -> str | None:
    if not isinstance(data, dict) or data.get("tool") != TOOL:
        return f'expected an object with "tool": "{TOOL}" (write one with --write-baseline)'
    if data.get("version") != VERSION:
        return f"unsupported version {data.get('version')!r} (this datalint reads version {VERSION})"
    entries = data.get("findings")
    if not isinstance(entries, list):
        return '"findings" is not a list'
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            return f"findings[{number}] has no fingerprint"
    return None


def without_baselined(findings: Sequence[Finding], known: frozenset[str]) -> list[Finding]:
    return [finding for finding in findings if finding.suppressed is not None or fingerprint(finding) not in known]
