"""One lint run: files -> readers -> rule engine -> a Report for reporters.

This is the only place that knows the order of the pipeline. Readers are
imported on first use so that a pre-commit run over one JSON file never pays
for importing sqlglot.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from datalint.baseline import without_baselined
from datalint.config import Settings
from datalint.diagnostics import SETUP_CODES, diagnostic
from datalint.engine import PATTERN_TIMEOUT, Engine, PatternTimeout
from datalint.files import DEFAULT_MAX_BYTES, SQL_SUFFIXES, InputFile, discover, read_text
from datalint.linkage import link
from datalint.model import SEVERITY_RANK, Diagnostic, Field, Finding, ReadResult, Report
from datalint.policy import Policy
from datalint.scope import dialect_for, select_files
from datalint.sources.migrations import MigrationFolder, group, replay
from datalint.suppressions import Suppressor, today
from datalint.targets import DatabaseTarget, split_targets


@dataclass(frozen=True, slots=True)
class RunOptions:
    check_metaschema: bool = False
    debug: bool = False
    """Re-raise internal errors instead of containing them, for developers."""
    settings: Settings = Settings()
    """Which files, in which SQL dialect (configuration and command line)."""
    policy: Policy = Policy()
    baseline: frozenset[str] | None = None
    """Fingerprints of known findings not to report (``--baseline``)."""
    today: date | None = None
    """The day suppressions' ``until`` is compared with; None for ``suppressions.today()``."""
    max_file_size: int = DEFAULT_MAX_BYTES
    """Larger files are skipped with a DL001 (``--max-file-size``)."""
    migrations: tuple[Path, ...] = ()
    """Folders read as ordered migrations whatever their files are named (``--migrations``)."""


def run(targets: Sequence[str], engine: Engine, options: RunOptions = RunOptions()) -> Report:
    paths, databases = split_targets(targets)
    discovered, problems = discover(paths)
    report = Report(diagnostics=list(problems))
    suppressor = Suppressor(engine.rules, options.today or today())
    linted: list[tuple[tuple[Field, ...], list[Finding]]] = []
    scopes: dict[str, str] = {}
    for unit in [*group(select_files(discovered, paths, options.settings), options.migrations), *databases]:
        for file, result in _read_unit(unit, options):
            report.diagnostics.extend(result.diagnostics)
            if result.skipped:
                report.skipped[result.skipped] = report.skipped.get(result.skipped, 0) + 1
                continue
            report.checked.append(file.display)
            if isinstance(unit, MigrationFolder):
                scopes[file.display] = unit.display
            findings, problems = _evaluate(engine, result.fields, file, options)
            report.diagnostics.extend(problems)
            linted.append((result.fields, findings))
    for fields, findings in link(engine.rules, engine.vocabulary, linted, options.policy.enabled, scopes):
        report.findings.extend(suppressor.apply(fields, findings))
    report.findings = options.policy.apply(report.findings)
    if options.baseline is not None:
        report.findings = without_baselined(report.findings, options.baseline)
    report.findings.sort(key=lambda f: (f.location.file, f.location.line, f.location.column, f.location.fragment, f.code, f.field.name))
    report.diagnostics.sort(key=lambda d: (d.location.file, d.location.line, d.location.column, d.location.fragment, d.code, d.message))
    return report


def _read_unit(unit: InputFile | MigrationFolder | DatabaseTarget, options: RunOptions) -> list[tuple[InputFile | DatabaseTarget, ReadResult]]:
    """A file or database as read; a migration folder's files as the
    migrations after each leave them."""
    if isinstance(unit, MigrationFolder):
        return replay([(file, *_read(file, options)) for file in unit.files])
    return [(unit, _read(unit, options)[0])]


def _read(file: InputFile | DatabaseTarget, options: RunOptions) -> tuple[ReadResult, str | None]:
    """Read one file, containing any internal error to that file; with its
    text when it had one."""
    if isinstance(file, DatabaseTarget):
        from datalint.sources.database import read_database

        return read_database(file, options.debug), None
    text = read_text(file, options.max_file_size)
    if isinstance(text, ReadResult):
        return text, None
    try:
        return _dispatch(text, file, options), text
    except Exception as error:  # noqa: BLE001 - one broken file must not stop the run
        if options.debug:
            raise
        problem = _internal_error(error, "reading", file.display)
        return ReadResult(diagnostics=(problem,), skipped="internal error"), None


def _evaluate(engine: Engine, fields: Sequence[Field], file: InputFile | DatabaseTarget, options: RunOptions) -> tuple[list[Finding], list[Diagnostic]]:
    """Findings for one file's fields. A rule that fails on a field costs
    that field a diagnostic, not the run: the other fields are still checked."""
    findings: list[Finding] = []
    problems: list[Diagnostic] = []
    for field in fields:
        try:
            findings.extend(engine.evaluate(field))
        except PatternTimeout as slow:
            findings.extend(slow.findings)
            where = field.location
            for rule in slow.rules:
                message = (
                    f"rule {rule.code} ({rule.pack}): its pattern ran longer than {PATTERN_TIMEOUT:g} s on "
                    f"{field.qualified_name} (catastrophic backtracking?); the field was not checked against it"
                )
                problems.append(diagnostic("DL007", message, file.display, where.line, where.column))
        except Exception as error:  # noqa: BLE001 - one field must not cost the file
            if options.debug:
                raise
            where = field.location
            problems.append(_internal_error(error, f"checking {field.qualified_name}", file.display, where.line, where.column))
    return findings, problems


def _internal_error(error: Exception, doing: str, display: str, line: int = 0, column: int = 0) -> Diagnostic:
    """DL009, naming the exception type and the function it came from, never
    its message: messages may quote the input."""
    where = traceback.extract_tb(error.__traceback__)[-1]
    message = f"internal error while {doing} ({type(error).__name__} at {where.name}); rerun with --debug and report it"
    return diagnostic("DL009", message, display, line, column)


def _dispatch(text: str, file: InputFile, options: RunOptions) -> ReadResult:
    suffix = file.path.suffix.lower()
    if suffix in SQL_SUFFIXES:
        from datalint.sources.sql import read_sql

        return read_sql(text, file.display, dialect_for(file.path, options.settings))
    from datalint.sources.schema import read_schema

    return read_schema(
        text,
        file.display,
        source=file.path,
        root=file.root,
        yaml_syntax=suffix in (".yaml", ".yml"),
        check_metaschema=options.check_metaschema,
    )


def exit_code(report: Report, fail_on: str, allow_skipped: bool = False) -> int:
    """2 when an input could not be fully linted (fail closed), 1 when a
    finding is at or above ``fail_on``, else 0. ``allow_skipped`` lets
    inputs that could not be read pass (they are still reported), but never
    a broken rule pack or configuration."""
    if any(d.severity == "error" and (not allow_skipped or d.code in SETUP_CODES) for d in report.diagnostics):
        return 2
    threshold = SEVERITY_RANK[fail_on]
    if any(SEVERITY_RANK[f.severity] >= threshold for f in report.active):
        return 1
    return 0

