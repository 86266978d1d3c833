"""Justified collection: a suppression holds only with a reason and before its
``until`` day; one that does not hold, or matches nothing, is reported.
Suppressed findings stay in JSON and SARIF, leave the other formats unless
asked for, and never fail the run."""

from __future__ import annotations

import json
from datetime import date

import jsonschema
import pytest

from conftest import REPO
from datalint.model import Field, Location, Suppression
from datalint.suppressions import Suppressor, today
from helpers import datalint

DAY = date(2026, 6, 1)
HERE = Location("s.json", 3, 5)


def allow(*rules: str, reason: str = "AML law requires it", until: str | None = None, scope: str = "#/properties/doc") -> Suppression:
    return Suppression(rules, reason, until, HERE, scope)


def judged(engine, *fields: Field, day: date = DAY) -> list[tuple[str, str | None, str]]:
    """(code, reason it is suppressed for, message) of every finding."""
    findings = [finding for field in fields for finding in engine.evaluate(field)]
    result = Suppressor(engine.rules, day).apply(fields, findings)
    return [(f.code, f.suppressed.reason if f.suppressed else None, f.message) for f in result]


def passport(*suppressions: Suppression, name: str = "passport_number") -> Field:
    return Field(name=name, container="#", location=Location("s.json", 4, 5), suppressions=suppressions)


def test_a_justified_suppression_holds(engine):
    assert judged(engine, passport(allow("DL101"))) == [
        ("DL101", "AML law requires it", "Stores the number of a passport or other identity document"),
    ]


def test_rules_may_be_named_by_name_or_category(engine):
    by_name = judged(engine, passport(allow("identity-document-number")))
    by_category = judged(engine, passport(allow("identity-document")))
    assert [reason for _, reason, _ in by_name] == [reason for _, reason, _ in by_category] == ["AML law requires it"]


def test_without_a_reason_it_suppresses_nothing_and_is_reported_once(engine):
    unjustified = allow("DL101", reason="", scope="#")
    result = judged(engine, passport(unjustified), passport(unjustified, name="id_card_number"))
    assert [(code, reason) for code, reason, _ in result] == [("DL101", None), ("DL101", None), ("DLX001", None)]
    assert result[-1][2] == 'Suppression of DL101 gives no reason, so it suppresses nothing: add reason="..."'


def test_one_that_matches_nothing_is_reported_as_unused(engine):
    result = judged(engine, passport(allow("DL205")))
    assert result[-1] == ("DLX002", None, "Suppression of DL205 matches no finding here: remove it")
    assert result[0][:2] == ("DL101", None)


def test_it_holds_through_its_until_day_and_lapses_after(engine):
    field = passport(allow("DL101", until="2026-06-01"))
    assert judged(engine, field, day=date(2026, 6, 1))[0][1] == "AML law requires it"
    lapsed = judged(engine, field, day=date(2026, 6, 2))
    assert lapsed == [
        ("DL101", None, "Stores the number of a passport or other identity document"),
        ("DLX003", None, "Suppression of DL101 expired after 2026-06-01; its findings are reported again"),
    ]


@pytest.mark.parametrize(
    ("suppression", "message"),
    [
        (allow(), "Suppression names no rule to allow"),
        (allow("DL1O1"), "Suppression of DL1O1 names unknown rule 'DL1O1'; see `datalint rules`"),
        (allow("DL101", until="next year"), "Suppression of DL101 has until='next year', which is not a YYYY-MM-DD date"),
    ],
)
def test_one_that_cannot_be_understood_suppresses_nothing(engine, suppression, message):
    assert judged(engine, passport(suppression)) == [
        ("DL101", None, "Stores the number of a passport or other identity document"),
        ("DLX004", None, message),
    ]


def test_the_finding_about_a_suppression_points_at_the_annotation(engine):
    field = passport(allow("DL205"))
    finding = Suppressor(engine.rules, DAY).apply([field], engine.evaluate(field))[-1]
    assert (finding.location, finding.field.qualified_name, finding.category) == (HERE, "#/properties/doc", "suppression")


def test_today_comes_from_source_date_epoch():
    assert today({"SOURCE_DATE_EPOCH": "1782864000"}) == date(2026, 7, 1)
    assert today({}) == date.today()


# ------------------------------------------------------------ end to end

ANNOTATED_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "stage_name": {"type": "string"},
        "passport_number": {
            "type": "string",
            "x-datalint": {"allow": ["DL101"], "reason": "AML law requires it", "until": "2027-06-30"},
        },
    },
}
OUTPUT_SCHEMA = json.loads((REPO / "docs" / "json-output.schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "advertiser.json").write_text(json.dumps(ANNOTATED_SCHEMA, indent=2), encoding="utf-8")
    (tmp_path / "ads.sql").write_text(
        "-- datalint: allow DL201 reason=\"language market\" until=2027-06-30\n"
        "CREATE TABLE ads (\n  id int,\n  nationality text\n);\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1782864000")  # 2026-07-01
    return tmp_path


def test_suppressed_findings_do_not_fail_the_run_and_are_hidden_from_text(project):
    result = datalint("check", "--isolated")
    assert result.exit_code == 0
    assert result.stdout == "No findings in 2 files checked; 2 suppressed in the source.\n"


def test_show_suppressed_prints_them_with_their_reason(project):
    result = datalint("check", "--isolated", "--show-suppressed")
    assert result.stdout.splitlines()[:2] == [
        "ads.sql:4:3: DL201 error Stores a person's nationality (ads.nationality) [suppressed: language market]",
        "advertiser.json:8:5: DL101 error Stores the number of a passport or other identity document (#.passport_number)"
        " [suppressed: AML law requires it]",
    ]


def test_json_keeps_suppressed_findings_with_reason_and_until(project):
    document = json.loads(datalint("check", "--isolated", "--format", "json").stdout)
    jsonschema.Draft202012Validator(OUTPUT_SCHEMA).validate(document)
    assert [f["suppressed"] for f in document["findings"]] == [
        {"reason": "language market", "until": "2027-06-30", "kind": "inSource"},
        {"reason": "AML law requires it", "until": "2027-06-30", "kind": "inSource"},
    ]
    assert (document["summary"]["findings"], document["summary"]["suppressed"]) == (0, 2)


def test_sarif_carries_the_justification(project):
    document = json.loads(datalint("check", "--isolated", "--format", "sarif").stdout)
    results = document["runs"][0]["results"]
    assert [r["suppressions"][0]["justification"] for r in results] == ["language market", "AML law requires it"]
    assert {r["suppressions"][0]["kind"] for r in results} == {"inSource"}
    assert results[1]["suppressions"][0]["location"]["physicalLocation"]["region"]["startLine"] == 10


def test_statistics_count_only_what_is_not_suppressed(project):
    (project / "more.sql").write_text("CREATE TABLE t (nationality text, place_of_birth text);\n", encoding="utf-8")
    lines = datalint("check", "--isolated", "--statistics").stdout.splitlines()
    assert [line.split()[:2] for line in lines[:-1]] == [["1", "DL201"], ["1", "DL205"]]


def test_after_until_the_findings_return_with_an_expiry_finding(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1830297600")  # 2028-01-01
    result = datalint("check", "--isolated", "advertiser.json")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:2] == [
        "advertiser.json:8:5: DL101 error Stores the number of a passport or other identity document (#.passport_number)",
        "advertiser.json:10:7: DLX003 warning Suppression of DL101 expired after 2027-06-30; its findings are reported again"
        " (#/properties/passport_number)",
    ]
