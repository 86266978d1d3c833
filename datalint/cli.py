"""The command line. The only module that imports click.

Heavy modules (readers, the rule engine, jsonschema) are imported inside the
commands, so ``datalint --version`` and ``--help`` start as fast as click.
"""

from __future__ import annotations

import sys

import click

from datalint import __version__

SEVERITIES = ("error", "warning", "note")
# Kept in step with datalint.reporters.FORMATS (a test checks) without importing it at start-up.
OUTPUT_FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")


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
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="warning", show_default=True,
              help="Exit 1 when a finding is at or above this severity.")
@click.option("--check-metaschema", is_flag=True, help="Also validate JSON Schemas against their metaschema (slow on large specs).")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary, no notes.")
@click.option("--color/--no-color", default=None, help="Colour text output. Default: only on a terminal.")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for internal errors.")
def check(paths: tuple[str, ...], output_format: str, output: str | None, statistics: bool, dialect: str | None,
          fail_on: str, check_metaschema: bool, quiet: bool, color: bool | None, debug: bool) -> None:
    """Lint JSON Schema / OpenAPI (.json, .yaml, .yml) and SQL DDL (.sql) files.

    PATHS are files or directories (default: the current directory).
    Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage error or
    an input, rule pack or config that could not be fully read.
    """
    from datalint.engine import Engine
    from datalint.reporters import render
    from datalint.reporters.text import render_diagnostics
    from datalint.rulebook import load_rulebook
    from datalint.runner import RunOptions, exit_code, run

    rulebook, rule_problems = load_rulebook()
    options = RunOptions(dialect=dialect, check_metaschema=check_metaschema, debug=debug)
    report = run(paths or (".",), Engine(rulebook), options)
    report.diagnostics[:0] = rule_problems
    use_color = (sys.stdout.isatty() and output is None) if color is None else color
    if statistics:
        from datalint.reporters.text import render_statistics

        text = render_statistics(report)
    else:
        text = render(report, output_format, color=use_color, quiet=quiet, rules=rulebook.rules)
    if output:
        from datalint.atomic import write_atomic

        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
    if output_format == "text" or output:
        click.echo(render_diagnostics(report, color=use_color and sys.stderr.isatty(), quiet=quiet), nl=False, err=True)
    sys.exit(exit_code(report, fail_on))


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
    from datalint.rulebook import load_rulebook

    rulebook, problems = load_rulebook()
    if problems:
        click.echo(render_diagnostics(Report(diagnostics=problems)), nl=False, err=True)
        sys.exit(2)
    return rulebook


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
