"""The command line. The only module that imports click.

Heavy modules (readers, the rule engine, jsonschema) are imported inside the
commands, so ``datalint --version`` and ``--help`` start as fast as click.
"""

from __future__ import annotations

import functools
import gc
import re
import sys
from collections.abc import Callable
from typing import Any

import click

from datalint import __version__

SEVERITIES = ("error", "warning", "note")
# Kept in step with datalint.reporters.FORMATS (a test checks) without importing it at start-up.
OUTPUT_FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")


def _size(value: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*([KMG]?)i?B?\s*", value, re.IGNORECASE)
    if match is None or int(match.group(1)) == 0:
        raise click.BadParameter(f"{value!r} is not a size such as 1048576, 512K or 32M")
    return int(match.group(1)) * 1024 ** " KMG".index(match.group(2).upper() or " ")


def _fatal_errors_reported(command: Callable[..., None]) -> Callable[..., None]:
    """Whatever escapes a run (a reporter bug, an unwritable ``--output``)
    ends it with one line on stderr and exit 2, never a traceback unless
    ``--debug``. Inputs' own failures never get here: the runner contains
    them per file."""

    @functools.wraps(command)
    def contained(**options: Any) -> None:
        try:
            command(**options)
        except click.ClickException:
            raise
        except Exception as error:  # noqa: BLE001 - the last line of defence
            if options.get("debug"):
                raise
            if isinstance(error, OSError):
                message = f"{error.strerror or error}: {error.filename}" if error.filename else str(error.strerror or error)
            else:
                import traceback

                where = traceback.extract_tb(error.__traceback__)[-1].name
                message = f"internal error ({type(error).__name__} in {where}); rerun with --debug and report it"
            click.echo(f"datalint: error: {message}", err=True)
            sys.exit(2)

    return contained


def _collector_off_at_start_up(command: Callable[..., None]) -> Callable[..., None]:
    """Start-up (imports, the rulebook, a replay) only allocates what lives
    until exit: cyclic collections that find nothing cost ~5% of a one-file
    run. The runner turns the collector on while it reads files (syntax
    trees); an in-process caller gets its own setting back."""

    @functools.wraps(command)
    def paused(**options: Any) -> None:
        was = gc.isenabled()
        gc.disable()
        try:
            command(**options)
        finally:
            if was:
                gc.enable()

    return paused


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="datalint")
def main() -> None:
    """Flag schema fields whose collection feeds border surveillance of sex
    workers and migrants, and say what to collect instead."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "output_format", type=click.Choice(OUTPUT_FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE (atomically) instead of stdout.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of each finding.")
@click.option("--dialect", metavar="NAME", help="SQL dialect (postgres, mysql, sqlite, tsql, bigquery, snowflake, ...). "
              "Default: detected per file.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Exit 1 when a finding is at or above this severity. "
              "Default: the configuration's, else warning.")
@click.option("--select", metavar="RULES", help="Comma-separated rules to run (codes, names or categories). Default: all.")
@click.option("--extend-select", metavar="RULES", help="Comma-separated rules to run on top of the selected ones.")
@click.option("--ignore", metavar="RULES", help="Comma-separated rules not to run.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Read this configuration file "
              "(datalint.toml, or pyproject.toml's [tool.datalint]) instead of searching upward from here.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), help="Record the current findings in this file and exit 0.")
@click.option("--show-suppressed", is_flag=True, help="Also show findings suppressed in the source (JSON and SARIF always carry them).")
@click.option("--migrations", "migrations", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Read DIR as ordered migrations (applied in order; a dropped column is not reported) whatever "
              "its files are named; repeatable. Linted when no PATHS are given. Default: folders are detected.")
@click.option("--check-metaschema", is_flag=True, help="Also validate JSON Schemas against their metaschema (slow on large specs).")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary, no notes.")
@click.option("--color/--no-color", default=None, help="Colour text output. Default: only on a terminal.")
@click.option("--allow-skipped", is_flag=True, help="Inputs that cannot be fully read (too large, binary, syntax errors) "
              "are still reported but do not fail the run: exit by findings only.")
@click.option("--max-file-size", metavar="SIZE", default="32M", show_default=True, callback=lambda _c, _p, v: _size(v),
              help="Skip larger files with a DL001 error (bytes, or with a K, M or G suffix).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None, metavar="N",
              help="Read and match files in N worker processes (1: serial). Default: the configuration's `jobs`, else one per core.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache (.datalint_cache/ in the current directory).")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for internal errors.")
@_fatal_errors_reported
@_collector_off_at_start_up
def check(paths: tuple[str, ...], output_format: str, output: str | None, statistics: bool, dialect: str | None,
          fail_on: str | None, select: str | None, extend_select: str | None, ignore: str | None, config_file: str | None,
          isolated: bool, baseline: str | None, write_baseline: str | None, show_suppressed: bool, check_metaschema: bool,
          quiet: bool, color: bool | None, allow_skipped: bool, max_file_size: int, debug: bool,
          migrations: tuple[str, ...], jobs: int | None, no_cache: bool) -> None:
    """Lint JSON Schema / OpenAPI (.json, .yaml, .yml) and SQL DDL (.sql) files.

    PATHS are files or directories (default: the current directory).
    Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage error or
    an input, rule pack, configuration or baseline that could not be fully read.
    """
    if config_file and isolated:
        raise click.UsageError("--config and --isolated contradict each other")
    if baseline and write_baseline:
        raise click.UsageError("--baseline and --write-baseline contradict each other: a new baseline records every finding")
    use_color = (sys.stdout.isatty() and output is None) if color is None else color
    request = None
    if not no_cache and not write_baseline:
        from datalint import runcache

        asked = {name: value for name, value in click.get_current_context().params.items() if name != "jobs"}
        request = runcache.request_key({**asked, "use_color": use_color})
        replay = runcache.replay(request, _ignored_by_git)
        if replay is not None:  # nothing it read has changed: print what it printed
            _emit(replay.text, replay.errors, replay.output, replay.code)

    from datalint.reporters import render
    from datalint.reporters.text import render_diagnostics
    from datalint.runner import exit_code
    from datalint.session import Choices, UsageProblem, lint

    choices = Choices(
        config=config_file, isolated=isolated, select=_rule_list(select), extend_select=_rule_list(extend_select),
        ignore=_rule_list(ignore), dialect=dialect, fail_on=fail_on, baseline=baseline,
        check_metaschema=check_metaschema, debug=debug, max_file_size=max_file_size, migrations=migrations,
        jobs=jobs, cache=not no_cache,
    )
    try:
        outcome = lint(paths, choices)
    except UsageProblem as problem:
        raise click.UsageError(str(problem)) from None
    report = outcome.report
    errors = render_diagnostics(report, color=use_color and sys.stderr.isatty(), quiet=quiet)
    if write_baseline:
        _write_baseline(write_baseline, report)
        click.echo(errors, nl=False, err=True)
        sys.exit(2 if exit_code(report, outcome.fail_on, allow_skipped) == 2 else 0)
    if statistics:
        from datalint.reporters.text import render_statistics

        text = render_statistics(report)
    else:
        text = render(report, output_format, color=use_color, quiet=quiet, rules=outcome.rules, show_suppressed=show_suppressed)
    if output_format != "text" and not output:
        errors = ""
    code = exit_code(report, outcome.fail_on, allow_skipped)
    if request is not None and outcome.snapshot is not None:
        from datalint.runcache import record

        record(request, outcome.snapshot, text, errors, output, code)
    _emit(text, errors, output, code)


def _emit(text: str, errors: str, output: str | None, code: int) -> None:
    """Print a run's report and diagnostics, or write the report to
    ``--output``, and exit: one way for a run and for its replay, so the two
    print the same bytes."""
    if output is not None:
        from datalint.atomic import write_atomic

        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
    if errors:
        click.echo(errors, nl=False, err=True)
    sys.exit(code)


def _ignored_by_git(root: str, paths: list[str]) -> set[str] | None:
    """``scope.ignored_by_git``, imported only when a replay must ask git."""
    from datalint.scope import ignored_by_git

    return ignored_by_git(root, paths)


def _rule_list(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(name.strip() for name in value.split(",") if name.strip())


def _write_baseline(path: str, report) -> None:
    from datalint.atomic import write_atomic
    from datalint.baseline import render_baseline

    write_atomic(path, render_baseline(report.findings))
    click.echo(f"Recorded {len(report.active)} findings in {path}.")


@main.command("rules")
@click.option("--category", help="Only rules of this category.")
@click.option("--format", "output_format", type=click.Choice(["table", "markdown"]), default="table", show_default=True,
              help="`markdown` prints the full reference (docs/rules.md).")
def list_rules(category: str | None, output_format: str) -> None:
    """List the rules: code, name, category, severity."""
    rulebook = _rulebook_or_exit()
    if output_format == "markdown":
        from datalint.reference import render_markdown
        from datalint.rulebook import load_cautions

        click.echo(render_markdown(rulebook, load_cautions()), nl=False)
        return
    for rule in rulebook.rules:
        if category in (None, rule.category):
            click.echo(f"{rule.code}  {rule.name:<40} {rule.category:<18} {rule.severity}")


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Explain a rule (by code or name): the harm, the cautions it encodes,
    what to collect instead, and examples."""
    from datalint.reference import example_name
    from datalint.rulebook import load_cautions

    found = _rulebook_or_exit().find(rule)
    if found is None:
        raise click.UsageError(f"no rule named {rule!r}; see `datalint rules`")
    titles = load_cautions()
    click.echo(f"{found.code} {found.name}  [{found.category}, {found.severity}]\n")
    click.echo(f"{found.summary}\n")
    click.echo("Why it matters:\n" + _indent(found.why) + "\n")
    click.echo("Cautions it encodes (seeds/cautions.md):")
    for caution in found.cautions:
        click.echo(f"  {caution}: {titles.get(caution, '(unknown caution)')}")
    click.echo("\nCollect instead:\n" + _indent(found.instead) + "\n")
    if found.references:
        click.echo("References:\n" + "".join(f"  - {ref}\n" for ref in found.references))
    click.echo("Flagged, for example: " + ", ".join(example_name(e) for e in found.examples["flag"]))
    click.echo("Not flagged: " + ", ".join(example_name(e) for e in found.examples["pass"]))


def _rulebook_or_exit():
    """The rulebook, or exit 2 naming the broken pack: listing or explaining
    a partial rule set would mislead."""
    from datalint.model import Report
    from datalint.reporters.text import render_diagnostics
    from datalint.session import configured_rulebook

    rulebook, problems = configured_rulebook()
    if problems:
        click.echo(render_diagnostics(Report(diagnostics=problems)), nl=False, err=True)
        sys.exit(2)
    return rulebook


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
