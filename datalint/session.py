"""One ``datalint check`` from the command line's choices: configuration,
rule packs, policy and baseline gathered, then the run.

A broken configuration or baseline stops the check before any file is read
(DL008, exit 2): linting with part of the team's choices dropped would
report what they chose not to see, or pass what they chose to fail. A
broken rule pack does not: the other rules still run (DL007, exit 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from datalint.config import CONFIG_FILES, Settings, find_config, load_settings, unknown_names
from datalint.engine import Engine
from datalint.files import DEFAULT_MAX_BYTES
from datalint.model import Diagnostic, Report
from datalint.policy import Policy
from datalint.rulebook import Rule, Rulebook, load_rulebook
from datalint.runner import RunOptions, run
from datalint.selectors import RuleIndex
from datalint.suppressions import META_RULES

if TYPE_CHECKING:
    from datalint.runcache import Snapshot


class UsageProblem(ValueError):
    """A command-line value that names nothing; the CLI reports it as a usage error."""


class Choices(NamedTuple):
    """What the command line said; None where it said nothing, so the
    configuration decides."""

    config: str | None = None
    isolated: bool = False
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    dialect: str | None = None
    fail_on: str | None = None
    baseline: str | None = None
    check_metaschema: bool = False
    debug: bool = False
    max_file_size: int = DEFAULT_MAX_BYTES
    migrations: tuple[str, ...] = ()
    jobs: int | None = None
    """Worker processes (``--jobs``); None: the configuration's, else one per core."""
    cache: bool = False
    """Use the result cache and snapshot what the run reads, so that the
    command line can record it for replay (its default; ``--no-cache``)."""


class Outcome(NamedTuple):
    report: Report
    rules: tuple[Rule, ...]
    """The rules that ran, with their configured severities (SARIF lists them)."""
    fail_on: str
    snapshot: Snapshot | None = None
    """What the run read, stat'ed before it was read, when ``Choices.cache``
    (the command line records it with what it printed: ``datalint.runcache``)."""


def lint(paths: Sequence[str], choices: Choices) -> Outcome:
    snapshot = None
    if choices.cache:  # the cache directory first, so that creating it changes no listing taken
        from datalint.runcache import Snapshot, cache_directory  # deferred: only cached runs snapshot what they read

        cache_directory(create=True)
        snapshot = Snapshot(choices.max_file_size)
    targets = paths or choices.migrations or (".",)
    if snapshot is not None:
        _snapshot_inputs(snapshot, targets, choices)
    config = _config_path(choices)
    if snapshot is not None and config is not None and not choices.config:
        _forget_above(snapshot, config)
    settings, problems = load_settings(config)
    if problems:
        return Outcome(Report(diagnostics=problems), (), settings.fail_on)
    if snapshot is not None:
        _snapshot_settings(snapshot, settings)
    rulebook, pack_problems = load_rulebook(settings.rule_dirs)
    index = RuleIndex([*rulebook.rules, *META_RULES])
    problems = unknown_names(settings, index)
    settings = _overridden(settings, choices, index)
    known = None
    if choices.baseline is not None:
        from datalint.baseline import read_baseline

        known, baseline_problems = read_baseline(choices.baseline)
        problems += baseline_problems
    if problems:
        return Outcome(Report(diagnostics=[*pack_problems, *problems]), (), settings.fail_on)
    policy = Policy.build(settings, index)
    folders = tuple(Path(folder) for folder in choices.migrations)
    options = RunOptions(choices.check_metaschema, choices.debug, settings, policy, known, max_file_size=choices.max_file_size,
                         migrations=folders, jobs=settings.jobs if choices.jobs is None else choices.jobs, cache=choices.cache)
    report = run(targets, Engine(rulebook), options)
    report.diagnostics[:0] = pack_problems
    if snapshot is not None:
        from datalint.runcache import CONTENT_CODES

        if any(problem.code not in CONTENT_CODES for problem in report.diagnostics):
            snapshot.recordable = False
    return Outcome(report, tuple(policy.describe(index.rules)), settings.fail_on, snapshot)


def _snapshot_inputs(snapshot: Snapshot, targets: Sequence[str], choices: Choices) -> None:
    """Before anything is read: the targets (walked as ``files.discover``
    walks them), the configuration files that may be found, the baseline."""
    from datalint.files import LINTED_SUFFIXES, SKIPPED_DIRS
    from datalint.resultcache import may_read_other_files

    def own_bytes_only(data: bytes) -> bool:
        return not may_read_other_files(data)

    for target in targets:
        if "://" in target:  # a database: nothing to stat
            snapshot.recordable = False
        elif Path(target).is_dir():
            snapshot.walk(target, SKIPPED_DIRS, LINTED_SUFFIXES, own_bytes_only)
        else:
            snapshot.add_file(target, own_bytes_only)
    if choices.config is not None:
        snapshot.add_file(choices.config)
    elif not choices.isolated:
        for directory in (Path.cwd(), *Path.cwd().parents):
            for name in CONFIG_FILES:
                snapshot.add_file(str(directory / name))
    if choices.baseline is not None:
        snapshot.add_file(choices.baseline)


def _forget_above(snapshot: Snapshot, config: Path) -> None:
    """Configuration files above the one found were never read."""
    above = {str(directory / name) for directory in config.parent.parents for name in CONFIG_FILES}
    snapshot.files = {path: stamp for path, stamp in snapshot.files.items() if path not in above}


def _snapshot_settings(snapshot: Snapshot, settings: Settings) -> None:
    """Before the rule packs are read and files selected: every file of the
    rule directories, and what git ignores below each walked directory."""
    from datalint.rulebook import builtin_rules_dir

    for directory in (builtin_rules_dir(), *settings.rule_dirs):
        for entry in snapshot.add_directory(str(directory)):
            if entry.is_file():
                snapshot.add_file(entry.path)
    if settings.respect_gitignore:
        from datalint.scope import ignored_by_git

        for root in list(snapshot.walked):
            snapshot.add_git(root, ignored_by_git)


def configured_rulebook() -> tuple[Rulebook, list[Diagnostic]]:
    """The built-in rules and the packs of the nearest configuration's ``rule-dirs``."""
    settings, problems = load_settings(find_config(Path.cwd()))
    rulebook, pack_problems = load_rulebook(settings.rule_dirs)
    return rulebook, problems + pack_problems


def _config_path(choices: Choices) -> Path | None:
    if choices.isolated:
        return None
    if choices.config is not None:
        return Path(choices.config)
    return find_config(Path.cwd())


def _overridden(settings: Settings, choices: Choices, index: RuleIndex) -> Settings:
    """The command line wins over the configuration, key by key."""
    for option, names in (("--select", choices.select), ("--extend-select", choices.extend_select), ("--ignore", choices.ignore)):
        unknown = index.unknown(names or ())
        if unknown:
            raise UsageProblem(f"{option}: no rule, rule name or category is called {unknown[0]!r}; see `datalint rules`")
    given = {"select": choices.select, "extend_select": choices.extend_select, "ignore": choices.ignore, "fail_on": choices.fail_on}
    changes: dict[str, object] = {key: value for key, value in given.items() if value is not None}
    if choices.dialect is not None:  # one dialect for every file, whatever the configured globs say
        changes.update(dialect=choices.dialect, dialects=())
    return settings._replace(**changes)
