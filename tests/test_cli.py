"""The command line, end to end through click's CliRunner."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from click.testing import CliRunner

from conftest import REPO
from datalint import __version__
from datalint.cli import main

OUTPUT_SCHEMA = json.loads((REPO / "docs" / "json-output.schema.json").read_text(encoding="utf-8"))
FINDING_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>DL\d{3}) (?P<sev>error|warning|note) (?P<msg>.+) \((?P<where>.+)\)$")

PASSPORT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"stage_name": {"type": "string"}, "passport_number": {"type": "string"}},
}


def invoke(*args: str, cwd=None):
    runner = CliRunner()
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A small repository with one flagged and one clean schema."""
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "advertiser.json").write_text(json.dumps(PASSPORT_SCHEMA, indent=2), encoding="utf-8")
    (tmp_path / "schemas" / "ads.sql").write_text("CREATE TABLE ads (\n  id int,\n  title text\n);\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_flags_passport_number_with_location_and_exit_1(project):
    result = invoke("check", "schemas", "--no-color")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    match = FINDING_LINE.match(lines[0])
    assert match, lines[0]
    assert match["file"] == "schemas/advertiser.json"
    assert (match["line"], match["col"]) == ("8", "5")
    assert match["code"] == "DL101" and match["where"] == "#.passport_number"
    assert lines[-1].startswith("Found 1 error in 1 of 2 files checked")


def test_clean_input_exits_0(project):
    result = invoke("check", "schemas/ads.sql")
    assert result.exit_code == 0
    assert result.stdout.strip() == "No findings in 1 file checked."


def test_json_output_follows_published_schema(project):
    result = invoke("check", "schemas", "--format", "json")
    document = json.loads(result.stdout)
    jsonschema.Draft202012Validator(OUTPUT_SCHEMA).validate(document)
    finding = document["findings"][0]
    assert finding["rule"] == "DL101" and finding["name"] == "identity-document-number"
    assert finding["file"] == "schemas/advertiser.json"
    assert finding["container"] == "#" and finding["field"] == "passport_number"
    assert finding["evidence"] == [{"source": "name", "term": "passport number"}]
    assert document["summary"]["files_checked"] == 2


def test_unreadable_input_exits_2_and_others_still_linted(project):
    (project / "schemas" / "broken.json").write_text('{"properties": {"a": }', encoding="utf-8")
    result = invoke("check", "schemas", "missing-dir", "--format", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert [f["field"] for f in document["findings"]] == ["passport_number"]
    errors = {e["file"]: e for e in document["errors"]}
    assert errors["schemas/broken.json"]["code"] == "DL002" and errors["schemas/broken.json"]["line"] == 1
    assert errors["missing-dir"]["code"] == "DL001"


def test_diagnostics_go_to_stderr_in_text_mode(project):
    (project / "schemas" / "broken.json").write_text('{\n  "properties": [\n', encoding="utf-8")
    result = invoke("check", "schemas")
    assert result.exit_code == 2
    assert re.search(r"^schemas/broken\.json:\d+:\d+: DL002 error ", result.stderr, re.M)
    assert "broken.json" not in result.stdout.splitlines()[0]


def test_fail_on_raises_the_bar(project):
    warning_only = {"type": "object", "properties": {"document_type": {"enum": ["passport", "id_card"]}}}
    (project / "schemas" / "advertiser.json").write_text(json.dumps(warning_only), encoding="utf-8")
    findings = json.loads(invoke("check", "schemas", "--format", "json").stdout)["findings"]
    severities = {f["severity"] for f in findings}
    assert severities and "error" not in severities
    assert invoke("check", "schemas", "--fail-on", "error").exit_code == 0
    assert invoke("check", "schemas", "--fail-on", "note").exit_code == 1


def test_output_is_deterministic_across_argument_order(project):
    (project / "more.json").write_text(json.dumps(PASSPORT_SCHEMA), encoding="utf-8")
    first = invoke("check", "schemas", "more.json", "--format", "json").stdout
    second = invoke("check", "more.json", "schemas", "--format", "json").stdout
    assert first == second


def test_examples_unsafe_flagged_minimised_clean():
    unsafe = json.loads(invoke("check", str(REPO / "examples" / "unsafe"), "--format", "json").stdout)
    minimised = invoke("check", str(REPO / "examples" / "minimised"))
    assert {f["category"] for f in unsafe["findings"]} >= {"identity-document", "nationality", "immigration"}
    migrations = list((REPO / "examples" / "unsafe" / "migrations").glob("*.sql"))
    assert len({f["file"] for f in unsafe["findings"]}) == 4 + len(migrations)
    assert minimised.exit_code == 0, minimised.stdout


def test_rules_lists_every_rule(rulebook):
    result = invoke("rules")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == len(rulebook.rules)
    assert result.stdout.startswith(rulebook.rules[0].code)


def test_explain_by_code_and_by_name_cites_cautions(rulebook):
    rule = rulebook.find("DL101")
    by_code = invoke("explain", "DL101")
    assert by_code.exit_code == 0
    assert by_code.stdout == invoke("explain", rule.name).stdout
    for caution in rule.cautions:
        assert f"  {caution}: " in by_code.stdout
    assert "Collect instead:" in by_code.stdout and "(unknown caution)" not in by_code.stdout


def test_explain_unknown_rule_is_a_usage_error():
    result = invoke("explain", "DL999")
    assert result.exit_code == 2 and "no rule named" in result.output
