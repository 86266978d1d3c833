"""Baselines: record today's findings, then report only new ones. Entries
survive edits that move lines; a file that is not a baseline stops the run."""

from __future__ import annotations

import json

import pytest

from datalint.model import Field, Finding, Location, fingerprint
from helpers import datalint

SCHEMA = {"type": "object", "properties": {"stage_name": {"type": "string"}, "passport_number": {"type": "string"}}}


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "advertiser.json").write_text(json.dumps(SCHEMA, indent=2), encoding="utf-8")
    (tmp_path / "ads.sql").write_text("CREATE TABLE ads (\n  id int,\n  nationality text\n);\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_write_baseline_records_findings_readably_and_exits_0(project):
    result = datalint("check", "--isolated", "--write-baseline", "datalint-baseline.json")
    assert (result.exit_code, result.stdout) == (0, "Recorded 2 findings in datalint-baseline.json.\n")
    baseline = json.loads((project / "datalint-baseline.json").read_text(encoding="utf-8"))
    field = Field(name="nationality", container="ads", location=Location("ads.sql", 3, 3))
    nationality = Finding("DL201", "nationality", "nationality", "error", "", field)
    assert baseline == {
        "tool": "datalint",
        "version": 1,
        "findings": [
            {"fingerprint": fingerprint(nationality), "rule": "DL201", "file": "ads.sql", "container": "ads", "field": "nationality"},
            {"fingerprint": baseline["findings"][1]["fingerprint"], "rule": "DL101", "file": "advertiser.json",
             "container": "#", "field": "passport_number"},
        ],
    }
    left = [path.name for path in project.iterdir() if path.name.startswith(".") and path.name != ".datalint_cache"]
    assert left == []  # no temporary file left behind (the result cache is meant to stay)


def test_baseline_hides_recorded_findings_even_when_lines_move(project):
    datalint("check", "--isolated", "--write-baseline", "baseline.json")
    (project / "ads.sql").write_text(
        "-- Ads, now with a comment above.\n\nCREATE TABLE ads (\n  id int,\n  nationality text,\n  visa_status text\n);\n",
        encoding="utf-8",
    )
    result = datalint("check", "--isolated", "--baseline", "baseline.json", "--format", "json")
    assert result.exit_code == 1
    assert [(f["rule"], f["field"], f["line"]) for f in json.loads(result.stdout)["findings"]] == [("DL301", "visa_status", 6)]


def test_a_clean_run_against_its_own_baseline_passes(project):
    datalint("check", "--isolated", "--write-baseline", "baseline.json")
    result = datalint("check", "--isolated", "--baseline", "baseline.json")
    assert result.exit_code == 0
    assert result.stdout.startswith("No findings in 2 files checked")  # the baseline itself is skipped: not a schema


def test_writing_is_deterministic(project):
    datalint("check", "--isolated", "--write-baseline", "one.json")
    datalint("check", "--isolated", "--write-baseline", "two.json")
    assert (project / "one.json").read_bytes() == (project / "two.json").read_bytes()


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("{\n  \"tool\": datalint\n}", 2, "baseline is not JSON: Expecting value"),
        ('{"tool": "eslint", "version": 1, "findings": []}', 0,
         'not a datalint baseline: expected an object with "tool": "datalint" (write one with --write-baseline)'),
        ('{"tool": "datalint", "version": 7, "findings": []}', 0,
         "not a datalint baseline: unsupported version 7 (this datalint reads version 1)"),
        ('{"tool": "datalint", "version": 1, "findings": [{"rule": "DL101"}]}', 0,
         "not a datalint baseline: findings[0] has no fingerprint"),
    ],
)
def test_a_file_that_is_not_a_baseline_stops_the_run(project, content, line, message):
    (project / "baseline.json").write_text(content, encoding="utf-8")
    result = datalint("check", "--isolated", "--baseline", "baseline.json", "--format", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert [(e["code"], e["file"], e["line"], e["message"]) for e in document["errors"]] == [("DL008", "baseline.json", line, message)]
    assert document["findings"] == []


def test_a_missing_baseline_is_an_error_and_both_options_together_are_refused(project):
    missing = datalint("check", "--isolated", "--baseline", "nowhere.json")
    assert missing.exit_code == 2
    assert missing.stderr == "nowhere.json: DL008 error cannot read baseline: No such file or directory\n"
    both = datalint("check", "--baseline", "a.json", "--write-baseline", "b.json")
    assert both.exit_code == 2 and "contradict" in both.output
