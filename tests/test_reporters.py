"""The CI formats, each checked against what its consumer accepts: SARIF
against the official 2.1.0 schema and GitHub code scanning's requirements,
GitHub workflow commands, GitLab Code Quality and JUnit XML."""

from __future__ import annotations

import json
import shutil
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from conftest import REPO, SHARED
from helpers import datalint

MIGRATIONS = sorted(f"migrations/{path.name}" for path in (REPO / "examples" / "unsafe" / "migrations").glob("*.sql"))
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "stage_name": {"type": "string"},
        "passport_number": {"type": "string"},
        "nationality": {"type": "string", "x-datalint": {"allow": ["DL201"], "reason": "tax residency, 100% needed"}},
        "place_of_birth": {"type": "string", "x-datalint": {"allow": ["DL205"]}},
    },
}


@pytest.fixture
def project(tmp_path, monkeypatch):
    """The unsafe examples plus an annotated schema and an unreadable one,
    linted from the project's root so that paths are relative."""
    shutil.copytree(REPO / "examples" / "unsafe", tmp_path / "unsafe")
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "advertiser.json").write_text(json.dumps(SCHEMA, indent=2), encoding="utf-8")
    (tmp_path / "schemas" / "broken.json").write_text('{"properties": {', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str) -> str:
    result = datalint("check", "--isolated", "unsafe", "schemas", *args)
    assert result.exit_code == 2, result.output  # broken.json could not be read
    return result.stdout


# ------------------------------------------------------------ SARIF


@pytest.mark.corpus
def test_sarif_validates_against_the_official_schema(project):
    schema = json.loads((SHARED / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    # Offline: every $ref resolves inside this registry, nothing is fetched.
    registry = Registry().with_resource(schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
    validator = jsonschema.Draft4Validator(schema, registry=registry)
    document = json.loads(check("--format", "sarif"))
    assert [error.message for error in validator.iter_errors(document)] == []
    assert len(document["runs"][0]["results"]) > 40


def test_sarif_meets_github_code_scanning_requirements(project):
    run = json.loads(check("--format", "sarif"))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for rule in rules:
        assert {"id", "name", "shortDescription", "fullDescription", "help", "defaultConfiguration", "properties"} <= set(rule)
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert rule["properties"]["category"]
    ids = [rule["id"] for rule in rules]
    for result in run["results"]:
        assert result["ruleId"] == ids[result["ruleIndex"]]
        assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert not uri.startswith("/") and ":" not in uri, uri
        assert location["region"]["startLine"] >= 1
        assert len(result["partialFingerprints"]["datalint/v1"]) == 32
    fingerprints = [r["partialFingerprints"]["datalint/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)
    by_rule = {r["ruleId"]: r for r in run["results"] if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "schemas/advertiser.json"}
    assert by_rule["DL201"]["suppressions"][0]["justification"] == "tax residency, 100% needed"
    assert rules[by_rule["DLX001"]["ruleIndex"]]["properties"]["category"] == "suppression"
    assert run["invocations"][0]["executionSuccessful"] is False
    assert run["invocations"][0]["toolExecutionNotifications"][0]["descriptor"]["id"] == "DL002"


# ------------------------------------------------------------ GitHub


def test_github_annotations(project, rulebook):
    lines = check("--format", "github").splitlines()
    assert lines[-1] == "::error file=schemas/broken.json,line=1,col=17,title=DL002::" + lines[-1].split("::", 2)[2]
    ours = [line for line in lines if "file=schemas/advertiser.json" in line]
    assert ours == [
        f"::error file=schemas/advertiser.json,line=8,col=5,title=DL101::{rulebook.find('DL101').summary} (#.passport_number)",
        f"::warning file=schemas/advertiser.json,line=20,col=5,title=DL205::{rulebook.find('DL205').summary} (#.place_of_birth)",
        "::warning file=schemas/advertiser.json,line=22,col=7,title=DLX001::Suppression of DL205 gives no reason, so it suppresses "
        'nothing: add reason="..." (#/properties/place_of_birth)',
    ]


def test_github_shows_suppressed_findings_as_notices_on_request(project, rulebook):
    lines = check("--format", "github", "--show-suppressed").splitlines()
    assert (f"::notice file=schemas/advertiser.json,line=11,col=5,title=DL201::{rulebook.find('DL201').summary} (#.nationality)"
            " [suppressed: tax residency, 100%25 needed]") in lines


# ------------------------------------------------------------ GitLab


def test_gitlab_code_quality(project):
    issues = json.loads(check("--format", "gitlab"))
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["lines"]["begin"] >= 1 and not issue["location"]["path"].startswith("/")
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    ours = [(i["check_name"], i["severity"], i["location"]["lines"]["begin"]) for i in issues if i["location"]["path"].startswith("schemas/")]
    assert ours == [
        ("DL101 identity-document-number", "major", 8),
        ("DL205 place-of-birth", "minor", 20),
        ("DLX001 unjustified-suppression", "minor", 22),
        ("DL002", "critical", 1),
    ]


# ------------------------------------------------------------ JUnit


def test_junit_one_testcase_per_file_one_failure_per_finding(project):
    suite = ET.fromstring(check("--format", "junit")).find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert sorted(cases) == sorted(["schemas/advertiser.json", "schemas/broken.json", *(f"unsafe/{p}" for p in (
        "advertiser.schema.json", "mysql/schema.sql", "openapi.yaml", "postgres/schema.sql", *MIGRATIONS))])
    assert [f.get("type") for f in cases["schemas/advertiser.json"].findall("failure")] == ["DL101", "DL205", "DLX001"]
    assert cases["schemas/advertiser.json"].find("system-out") is None
    assert [e.get("type") for e in cases["schemas/broken.json"].findall("error")] == ["DL002"]
    assert (suite.get("tests"), suite.get("errors")) == (str(6 + len(MIGRATIONS)), "1")
    assert int(suite.get("failures")) == 5 + len(MIGRATIONS)


def test_junit_lists_suppressed_findings_as_output_not_failures(project, rulebook):
    suite = ET.fromstring(check("--format", "junit", "--show-suppressed")).find("testsuite")
    case = next(c for c in suite.iter("testcase") if c.get("name") == "schemas/advertiser.json")
    assert [f.get("type") for f in case.findall("failure")] == ["DL101", "DL205", "DLX001"]
    assert case.find("system-out").text == (
        f"schemas/advertiser.json:11:5: DL201 error {rulebook.find('DL201').summary} [suppressed: tax residency, 100% needed]\n"
    )


def test_json_with_suppression_findings_follows_the_published_schema(project):
    schema = json.loads((REPO / "docs" / "json-output.schema.json").read_text(encoding="utf-8"))
    document = json.loads(check("--format", "json"))
    jsonschema.Draft202012Validator(schema).validate(document)
    (meta,) = [f for f in document["findings"] if f["category"] == "suppression"]
    assert (meta["rule"], meta["container"], meta["field"], meta["evidence"]) == ("DLX001", "", "#/properties/place_of_birth", [])


def test_output_file_is_written_whole(project):
    datalint("check", "--isolated", "unsafe", "--format", "sarif", "--output", "report.sarif")
    assert json.loads((project / "report.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
