"""An internal error or a runaway rule costs one field or one file a
diagnostic, never the run; what escapes the run (a reporter bug, an
unwritable report) ends it with one clean line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from datalint import engine as engine_module
from datalint.cli import main
from datalint.engine import Engine
from datalint.model import Report
from datalint.rulebook import load_rulebook
from datalint.runner import RunOptions, exit_code, run

SLOW_RULE = """\
rules:
  - code: XX001
    name: slow-pattern
    category: identity-document
    severity: error
    summary: A rule whose regex backtracks catastrophically
    why: Custom packs may hold regexes that never finish.
    cautions: [C1]
    instead: Nothing at all, for tests.
    match: {pattern: ['(x+x+)+y']}
    examples: {flag: [a], pass: [b]}
"""
#: Holds the rule regex's required literal ("y"), so no prefilter skips it.
SLOW_TEXT = "^" + "x" * 5000 + "!y$"
SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "pattern": SLOW_TEXT},
        "passport_number": {"type": "string", "pattern": SLOW_TEXT},
        "stage_name": {"type": "string"},
    },
}


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "a.json").write_text(json.dumps(SCHEMA, indent=2), encoding="utf-8")
    (tmp_path / "schemas" / "b.sql").write_text("CREATE TABLE t (nationality text);\n", encoding="utf-8")
    return tmp_path / "schemas"


def test_a_rule_regex_that_times_out_is_a_located_failure_not_a_no_match(tmp_path, schemas, monkeypatch):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "slow.yaml").write_text(SLOW_RULE, encoding="utf-8")
    rulebook, problems = load_rulebook([tmp_path / "pack"], cache=False)
    assert problems == []
    monkeypatch.setattr(engine_module, "PATTERN_TIMEOUT", 0.05)
    report = run([str(schemas)], Engine(rulebook), RunOptions())
    timeouts = [(d.code, d.severity, d.location.line, d.location.column) for d in report.diagnostics]
    assert timeouts == [("DL007", "error", 4, 5), ("DL007", "error", 8, 5)]
    assert report.diagnostics[0].message.startswith("rule XX001 (slow.yaml): its pattern ran longer than")
    assert "#.code" in report.diagnostics[0].message
    # the other rules still ran on the same fields and on the other file
    assert sorted((f.code, f.field.name) for f in report.findings) == [("DL101", "passport_number"), ("DL201", "nationality")]
    assert exit_code(report, "warning") == 2
    assert exit_code(report, "warning", allow_skipped=True) == 2  # a broken rule is never allowed to pass


def test_a_rule_that_crashes_on_one_field_costs_that_field_only(engine, schemas, monkeypatch):
    evaluate = Engine.evaluate

    def crash_on_code(self, field):
        if field.name == "code":
            raise KeyError("boom")
        return evaluate(self, field)

    monkeypatch.setattr(Engine, "evaluate", crash_on_code)
    report = run([str(schemas)], engine, RunOptions())
    (problem,) = report.diagnostics
    assert (problem.code, problem.location.file, problem.location.line) == ("DL009", f"{schemas}/a.json", 4)
    assert problem.message == "internal error while checking #.code (KeyError at crash_on_code); rerun with --debug and report it"
    assert sorted(f.field.name for f in report.findings) == ["nationality", "passport_number"]
    with pytest.raises(KeyError):
        run([str(schemas)], engine, RunOptions(debug=True))


def test_a_reader_that_crashes_on_one_file_costs_that_file_only(engine, schemas, monkeypatch):
    from datalint.sources import sql

    def crash(*_args, **_kwargs):
        raise ZeroDivisionError("secret-statement-text")

    monkeypatch.setattr(sql, "read_sql", crash)
    report = run([str(schemas)], engine, RunOptions())
    (problem,) = report.diagnostics
    assert (problem.code, problem.location.file) == ("DL009", f"{schemas}/b.sql")
    assert "ZeroDivisionError" in problem.message and "secret-statement-text" not in problem.message
    assert report.skipped == {"internal error": 1}
    assert [f.field.name for f in report.findings] == ["passport_number"]


def test_allow_skipped_lets_unread_inputs_pass_but_never_setup_failures():
    from datalint.diagnostics import diagnostic

    unread = Report(diagnostics=[diagnostic("DL002", "invalid JSON", "a.json", 1, 1)])
    broken_config = Report(diagnostics=[diagnostic("DL008", "unknown key", "datalint.toml", 1, 1)])
    assert exit_code(unread, "warning") == 2
    assert exit_code(unread, "warning", allow_skipped=True) == 0
    assert exit_code(broken_config, "warning", allow_skipped=True) == 2


# ------------------------------------------------------------------ the command line


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_allow_skipped_exits_by_findings_and_still_prints_the_diagnostics(schemas):
    (schemas / "broken.yaml").write_text("properties: [\n", encoding="utf-8")
    strict = invoke("check", str(schemas), "--no-color")
    allowed = invoke("check", str(schemas), "--no-color", "--allow-skipped")
    assert (strict.exit_code, allowed.exit_code) == (2, 1)
    assert f"{schemas}/broken.yaml:2:1: DL002 error" in allowed.stderr
    assert allowed.stdout == strict.stdout


def test_max_file_size_option(schemas):
    result = invoke("check", str(schemas), "--max-file-size", "1K", "--format", "json")
    document = json.loads(result.stdout)
    assert result.exit_code == 2
    assert [(e["file"], e["code"]) for e in document["errors"]] == [(f"{schemas}/a.json", "DL001")]
    assert document["summary"]["skipped"] == {"too large": 1}
    assert invoke("check", str(schemas), "--max-file-size", "lots").exit_code == 2


def test_a_reporter_failure_is_one_clean_line_and_exit_2(schemas, monkeypatch):
    from datalint.reporters import sarif

    def broken(*_args, **_kwargs):
        raise TypeError("not JSON serialisable")

    monkeypatch.setattr(sarif, "render", broken)
    result = invoke("check", str(schemas), "--format", "sarif")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "datalint: error: internal error (TypeError in broken); rerun with --debug and report it\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)
    debug = invoke("check", str(schemas), "--format", "sarif", "--debug")
    assert isinstance(debug.exception, TypeError)


def test_an_unwritable_output_is_one_clean_line_and_exit_2(schemas, tmp_path):
    result = invoke("check", str(schemas), "-o", str(tmp_path / "missing" / "report.json"))
    assert result.exit_code == 2
    assert result.stderr == f"datalint: error: No such file or directory: {tmp_path}/missing/report.json\n"


def test_an_input_failure_reaches_every_channel(schemas):
    (schemas / "broken.json").write_text('{\n  "properties": {,\n}', encoding="utf-8")
    text = invoke("check", str(schemas), "--no-color")
    document = json.loads(invoke("check", str(schemas), "--format", "json").stdout)
    sarif = json.loads(invoke("check", str(schemas), "--format", "sarif").stdout)
    assert f"{schemas}/broken.json:2:18: DL002 error invalid JSON: Expecting property name enclosed in double quotes" in text.stderr
    assert [(e["file"], e["line"], e["column"]) for e in document["errors"]] == [(f"{schemas}/broken.json", 2, 18)]
    (invocation,) = sarif["runs"][0]["invocations"]
    (notification,) = invocation["toolExecutionNotifications"]
    assert invocation["executionSuccessful"] is False
    assert notification["descriptor"]["id"] == "DL002"
    assert notification["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 18}
