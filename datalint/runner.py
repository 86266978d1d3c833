"""One lint run: files -> readers -> rule engine -> a Report for reporters.

This is the only place that knows the order of the pipeline. Readers are
imported on first use so that a pre-commit run over one JSON file never pays
for importing sqlglot.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass

from datalint.diagnostics import diagnostic
from datalint.engine import Engine
from datalint.files import SQL_SUFFIXES, InputFile, discover, read_text
from datalint.model import SEVERITY_RANK, ReadResult, Report


@dataclass(frozen=True, slots=True)
class RunOptions:
    dialect: str | None = None
    check_metaschema: bool = False
    debug: bool = False
    """Re-raise internal errors instead of containing them, for developers."""


def run(targets: Sequence[str], engine: Engine, options: RunOptions = RunOptions()) -> Report:
    files, problems = discover(targets)
    report = Report(diagnostics=list(problems))
    for file in files:
        result = _read(file, options)
        report.diagnostics.extend(result.diagnostics)
        if result.skipped:
            report.files_skipped += 1
            continue
        report.checked.append(file.display)
        report.findings.extend(engine.evaluate_all(result.fields))
    report.findings.sort(key=lambda f: (f.location.file, f.location.line, f.location.column, f.code, f.field.name))
    report.diagnostics.sort(key=lambda d: (d.location.file, d.location.line, d.location.column, d.code, d.message))
    return report


def _read(file: InputFile, options: RunOptions) -> ReadResult:
    """Read one file, containing any internal error to that file."""
    text, problem = read_text(file)
    if problem is not None:
        return ReadResult(diagnostics=(problem,))
    try:
        return _dispatch(text, file, options)
    except Exception as error:  # noqa: BLE001 - one broken file must not stop the run
        if options.debug:
            raise
        where = traceback.extract_tb(error.__traceback__)[-1]
        message = f"internal error while reading ({type(error).__name__} at {where.name}); rerun with --debug and report it"
        return ReadResult(diagnostics=(diagnostic("DL009", message, file.display),))


def _dispatch(text: str, file: InputFile, options: RunOptions) -> ReadResult:
    suffix = file.path.suffix.lower()
    if suffix in SQL_SUFFIXES:
        from datalint.sources.sql import read_sql

        return read_sql(text, file.display, options.dialect)
    from datalint.sources.schema import read_schema

    return read_schema(
        text,
        file.display,
        source=file.path,
        root=file.root,
        yaml_syntax=suffix in (".yaml", ".yml"),
        check_metaschema=options.check_metaschema,
    )


def exit_code(report: Report, fail_on: str) -> int:
    """2 when an input could not be fully linted (fail closed), 1 when a
    finding is at or above ``fail_on``, else 0."""
    if any(d.severity == "error" for d in report.diagnostics):
        return 2
    threshold = SEVERITY_RANK[fail_on]
    if any(SEVERITY_RANK[f.severity] >= threshold for f in report.findings):
        return 1
    return 0

