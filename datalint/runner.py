"""One lint run: files -> readers -> rule engine -> a Report for reporters.

This is the only place that knows the order of the pipeline. Readers are
imported on first use so that a pre-commit run over one JSON file never pays
for importing sqlglot; so is every feature a run may not use (database
targets, migration folders, baselines, graph rules), at the one place where
it starts.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from datalint.config import Settings
from datalint.diagnostics import SETUP_CODES, diagnostic
from datalint.engine import PATTERN_TIMEOUT, Engine, PatternTimeout
from datalint.files import DEFAULT_MAX_BYTES, SQL_SUFFIXES, InputFile, discover, read_text
from datalint.model import SEVERITY_RANK, Diagnostic, Field, Finding, ReadResult, Report
from datalint.policy import Policy
from datalint.scope import dialect_for, select_files
from datalint.suppressions import Suppressor

if TYPE_CHECKING:
    from datetime import date

    from datalint.sources.migrations import MigrationFolder
    from datalint.targets import DatabaseTarget


class RunOptions(NamedTuple):
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
    jobs: int = 1
    """Worker processes reading and matching files (``--jobs``); 0 for one per core."""
    cache: bool = False
    """Serve unchanged files from ``.datalint_cache/`` in the current directory
    (``datalint.resultcache``); the command line's default, off with ``--no-cache``."""


def run(targets: Sequence[str], engine: Engine, options: RunOptions = RunOptions()) -> Report:
    paths, databases = _split_targets(targets)
    discovered, problems = discover(paths)
    report = Report(diagnostics=list(problems))
    suppressor = Suppressor(engine.rules, options.today)
    linted: list[tuple[tuple[Field, ...], list[Finding]]] = []
    scopes: dict[str, str] = {}
    units = [*_grouped(select_files(discovered, paths, options.settings), options), *databases]
    with _collector(enabled=True):
        linted_units = _lint_units(units, engine, options)
    with _collector(enabled=False):
        for unit, outcomes in zip(units, linted_units):
            for file, (result, findings, problems) in zip(_unit_files(unit), outcomes):
                report.diagnostics.extend(result.diagnostics)
                if result.skipped:
                    report.skipped[result.skipped] = report.skipped.get(result.skipped, 0) + 1
                    continue
                report.checked.append(file.display)
                if hasattr(unit, "files"):  # a migration folder: its tables are named in the folder's scope
                    scopes[file.display] = unit.display
                report.diagnostics.extend(problems)
                linted.append((result.fields, findings))
        for fields, findings in _linked(engine, linted, options, scopes):
            report.findings.extend(suppressor.apply(fields, findings))
        report.findings = options.policy.apply(report.findings)
        if options.baseline is not None:
            from datalint.baseline import without_baselined

            report.findings = without_baselined(report.findings, options.baseline)
        report.findings.sort(key=lambda f: (f.location.file, f.location.line, f.location.column, f.location.fragment, f.code, f.field.name))
        report.diagnostics.sort(key=lambda d: (d.location.file, d.location.line, d.location.column, d.location.fragment, d.code, d.message))
    return report


#: Collector thresholds while files are read: a young collection every
#: 20,000 allocations instead of 700, so the old generation (every file's
#: fields, the engine's caches) is traversed ~30x less often. Reading a
#: large schema cost a tenth more with the default thresholds.
READING_THRESHOLDS = (20_000, 50, 100)


@contextmanager
def _collector(*, enabled: bool) -> Iterator[None]:
    """Cyclic garbage collection only while files are read, which leaves
    cycles (syntax trees, YAML loaders), and then rarely. Linking and
    reporting create none, and with every file's fields alive each
    collection would traverse them all again (a fifth of the graph pass
    over 10,000 files, serial while ``--jobs`` workers idle); the command
    line also keeps it off for start-up (``cli.check``). The caller's
    setting and thresholds are restored."""
    was, thresholds = gc.isenabled(), gc.get_threshold()
    if enabled:
        gc.set_threshold(*READING_THRESHOLDS)
        gc.enable()
    else:
        gc.disable()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        (gc.enable if was else gc.disable)()


Outcome = tuple[ReadResult, list[Finding], list[Diagnostic]]
"""One file as read and matched, before suppressions, policy and baseline."""


def _unit_files(unit: InputFile | MigrationFolder | DatabaseTarget) -> Sequence[InputFile | DatabaseTarget]:
    return unit.files if hasattr(unit, "files") else (unit,)


def _lint_unit(unit: InputFile | MigrationFolder | DatabaseTarget, engine: Engine, options: RunOptions) -> list[Outcome]:
    """Each file of ``unit`` read and matched (a skipped one is not matched)."""
    outcomes: list[Outcome] = []
    for file, result in _read_unit(unit, options):
        findings, problems = ([], []) if result.skipped else _evaluate(engine, result.fields, file, options)
        outcomes.append((result, findings, problems))
    return outcomes


#: Files per task sent to a worker: large enough that pickling and
#: scheduling stay small next to the work, small enough to balance.
CHUNK = 32
_FORKED: tuple[Sequence[InputFile | MigrationFolder | DatabaseTarget], Engine, RunOptions] | None = None
"""What forked workers inherit: the units, the loaded engine, the options."""


def worker_count(jobs: int) -> int:
    """``--jobs``: 0 for the cores this process may use."""
    if jobs > 0:
        return jobs
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _lint_units(units: Sequence[InputFile | MigrationFolder | DatabaseTarget], engine: Engine, options: RunOptions) -> list[list[Outcome]]:
    """Every unit's outcomes, in the order of ``units``. Plain files are read
    and matched by ``options.jobs`` forked worker processes in chunks when
    there are at least two per worker; migration folders and databases, and
    everything when serial, here. Whatever the scheduling, the outcomes are
    the same, so the report is byte-identical to a serial run's."""
    outcomes: list[list[Outcome] | None] = [None] * len(units)
    cache, keys = None, {}
    if options.cache:  # files the result cache holds are served from it
        from datalint.resultcache import ResultCache

        cache = ResultCache.open(engine.rulebook_key, (options.check_metaschema, options.max_file_size))
    if cache is not None:
        for number, unit in enumerate(units):
            if isinstance(unit, InputFile):
                key = cache.key(unit, dialect_for(unit.path, options.settings), options.max_file_size)
                hit = cache.get(key) if key is not None else None
                if hit is not None:
                    outcomes[number] = [hit]
                elif key is not None:
                    keys[number] = key
    _lint_pending(units, [number for number, done in enumerate(outcomes) if done is None], outcomes, engine, options)
    if cache is not None:
        for number, key in keys.items():
            cache.put(key, outcomes[number][0])  # type: ignore[index]
    return outcomes  # type: ignore[return-value]


def _can_fork() -> bool:
    """Whether workers can inherit the loaded engine. Asked only when a run
    has enough files for workers: importing multiprocessing costs ~7 ms, a
    tenth of a one-file pre-commit run."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _lint_pending(units: Sequence[InputFile | MigrationFolder | DatabaseTarget], pending: list[int],
                  outcomes: list[list[Outcome] | None], engine: Engine, options: RunOptions) -> None:
    """Fill ``outcomes`` for the units numbered in ``pending``, in worker
    processes when there are enough plain files."""
    jobs = worker_count(options.jobs)
    files = [number for number in pending if isinstance(units[number], InputFile)]
    if jobs < 2 or len(files) < 2 * jobs or not _can_fork():
        for number in pending:  # serial; without fork, workers could not inherit the engine
            outcomes[number] = _lint_unit(units[number], engine, options)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _FORKED
    size = max(1, min(CHUNK, len(files) // (jobs * 4)))
    chunks = [files[start:start + size] for start in range(0, len(files), size)]
    _FORKED = (units, engine, options)
    frozen = gc.get_freeze_count()
    gc.freeze()  # the loaded engine is neither copied into each worker (copy-on-write) nor traversed again by the collector here
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            done = pool.map(_lint_chunk, chunks)
            for number in pending:  # the rest meanwhile, here
                if not isinstance(units[number], InputFile):
                    outcomes[number] = _lint_unit(units[number], engine, options)
            for chunk, results in zip(chunks, done):
                for number, result in zip(chunk, results):
                    outcomes[number] = result
    finally:
        _FORKED = None
        if not frozen:  # a caller's own frozen objects stay frozen
            gc.unfreeze()


def _lint_chunk(numbers: list[int]) -> list[list[Outcome]]:
    """In a worker: the outcomes of these units. Returned in one piece, so
    that pickling keeps each finding's ``field`` the very object among the
    file's fields (suppressions and graph rules rely on it)."""
    assert _FORKED is not None
    units, engine, options = _FORKED
    return [_lint_unit(units[number], engine, options) for number in numbers]


def _split_targets(targets: Sequence[str]) -> tuple[list[str], list[DatabaseTarget]]:
    """Paths and database URLs; ``datalint.targets`` only when a target looks like a URL."""
    if not any("://" in target for target in targets):
        return list(targets), []
    from datalint.targets import split_targets

    return split_targets(targets)


def _grouped(files: list[InputFile], options: RunOptions) -> list[InputFile | MigrationFolder]:
    """``files`` with migration folders gathered. A folder is one only when
    named (``--migrations``) or when it holds two migrations or more, so
    the migration reader is imported only then."""
    if not options.migrations and sum(file.path.suffix.lower() == ".sql" for file in files) < 2:
        return list(files)
    from datalint.sources.migrations import group

    return group(files, options.migrations)


def _linked(engine: Engine, linted: list[tuple[tuple[Field, ...], list[Finding]]], options: RunOptions,
            scopes: dict[str, str]) -> list[tuple[tuple[Field, ...], list[Finding]]]:
    """The graph rules' pass, imported only when one runs and there are fields."""
    enabled = options.policy.enabled
    if not any(rule.graph and (enabled is None or rule.code in enabled) for rule in engine.rules):
        return linted
    if not any(fields for fields, _findings in linted):
        return linted
    from datalint.linkage import link

    return link(engine.rules, engine.vocabulary, linted, enabled, scopes)


def _read_unit(unit: InputFile | MigrationFolder | DatabaseTarget, options: RunOptions) -> list[tuple[InputFile | DatabaseTarget, ReadResult]]:
    """A file or database as read; a migration folder's files as the
    migrations after each leave them."""
    if hasattr(unit, "files"):  # a MigrationFolder: its module is loaded already
        from datalint.sources.migrations import replay

        return replay([(file, *_read(file, options)) for file in unit.files])
    return [(unit, _read(unit, options)[0])]


def _read(file: InputFile | DatabaseTarget, options: RunOptions) -> tuple[ReadResult, str | None]:
    """Read one file, containing any internal error to that file; with its
    text when it had one."""
    if not isinstance(file, InputFile):  # a DatabaseTarget
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
    import traceback

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

