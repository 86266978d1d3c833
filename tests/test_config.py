"""Configuration: found like ruff's, validated whole (DL008 names the file
and the key, exit 2), and every key changes what a run reports."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import jsonschema
import pytest

from datalint.config import SCHEMA_FILE, find_config
from datalint.globs import matches
from helpers import datalint

PASSPORT = {"type": "object", "properties": {"passport_number": {"type": "string"}, "place_of_birth": {"type": "string"}}}
VERIFICATION = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {
        "Verification": {"type": "object", "properties": {"doc": {"type": "string", "description": "Passport number"}}},
        "Ad": {"type": "object", "properties": {"passport_number": {"type": "string"}}},
    },
}
TABLES = "CREATE TABLE advertisers (nationality text, citizenship text);\nCREATE TABLE bookings (nationality text);\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path, monkeypatch):
    write(tmp_path / "schemas" / "advertiser.json", json.dumps(PASSPORT, indent=2))
    write(tmp_path / "schemas" / "verification.json", json.dumps(VERIFICATION, indent=2))
    write(tmp_path / "db" / "schema.sql", TABLES)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def codes(*args: str) -> list[tuple[str, str, str]]:
    """(file, rule, field) of every finding of ``datalint check --format json``."""
    result = datalint("check", *args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return [(f["file"], f["rule"], f["field"]) for f in json.loads(result.stdout)["findings"]]


def errors(*args: str) -> list[tuple[str, int, int, str]]:
    result = datalint("check", *args, "--format", "json")
    assert result.exit_code == 2, result.output
    return [(e["file"], e["line"], e["column"], e["message"]) for e in json.loads(result.stdout)["errors"]]


ALL = [
    ("db/schema.sql", "DL201", "nationality"),
    ("db/schema.sql", "DL202", "citizenship"),
    ("db/schema.sql", "DL201", "nationality"),
    ("schemas/advertiser.json", "DL101", "passport_number"),
    ("schemas/advertiser.json", "DL205", "place_of_birth"),
    ("schemas/verification.json", "DL101", "doc"),
    ("schemas/verification.json", "DL101", "passport_number"),
]


def test_without_configuration_every_rule_runs(repo):
    assert codes() == ALL


# ------------------------------------------------------------ discovery


def test_found_from_a_subdirectory_upward(repo, monkeypatch):
    write(repo / "datalint.toml", 'ignore = ["DL101"]\n')
    monkeypatch.chdir(repo / "schemas")
    assert codes() == [("advertiser.json", "DL205", "place_of_birth")]


def test_datalint_toml_wins_over_pyproject_in_the_same_directory(repo):
    write(repo / "pyproject.toml", '[tool.datalint]\nignore = ["DL205"]\n')
    write(repo / "datalint.toml", 'ignore = ["DL101"]\n')
    assert find_config(repo) == repo / "datalint.toml"


def test_the_nearest_configuration_is_the_only_one(repo):
    write(repo / "datalint.toml", 'ignore = ["DL101"]\n')
    write(repo / "schemas" / "pyproject.toml", '[tool.datalint]\nignore = ["DL205"]\n')
    write(repo / "db" / "pyproject.toml", '[project]\nname = "not-configured"\n')
    assert find_config(repo / "schemas") == repo / "schemas" / "pyproject.toml"
    assert find_config(repo / "db") == repo / "datalint.toml"


def test_explicit_config_and_isolated(repo):
    write(repo / "datalint.toml", 'ignore = ["DL101", "DL201", "DL202"]\n')
    write(repo / "ci" / "strict.toml", 'select = ["DL202"]\n')
    assert codes() == [("schemas/advertiser.json", "DL205", "place_of_birth")]
    assert codes("--config", "ci/strict.toml") == [("db/schema.sql", "DL202", "citizenship")]
    assert codes("--isolated") == ALL
    assert datalint("check", "--config", "ci/strict.toml", "--isolated").exit_code == 2


# ------------------------------------------------------------ validation


def test_unknown_key_is_dl008_naming_file_and_key_and_nothing_is_linted(repo):
    write(repo / "pyproject.toml", '[tool.datalint]\nselct = ["DL101"]\n')
    assert errors() == [
        ("pyproject.toml", 0, 0, "[tool.datalint] at top level: Additional properties are not allowed ('selct' was unexpected)"),
    ]
    result = datalint("check")
    assert result.exit_code == 2
    assert result.stdout.startswith("No findings in 0 files checked")
    assert result.stderr.startswith("pyproject.toml: DL008 error [tool.datalint] at top level: ")


def test_bad_values_name_their_key(repo):
    write(repo / "datalint.toml", '[severity]\nDL205 = "notice"\n')
    assert errors() == [("datalint.toml", 0, 0, "at severity.DL205: 'notice' is not one of ['error', 'warning', 'note']")]


def test_toml_syntax_error_has_line_and_column(repo):
    write(repo / "datalint.toml", 'select = ["DL101"]\nignore = [DL205]\n')
    assert errors() == [("datalint.toml", 2, 11, "configuration is not valid TOML: Invalid value")]


def test_unknown_rules_and_dialects_are_dl008(repo):
    write(
        repo / "datalint.toml",
        """\
        ignore = ["DL999"]
        dialect = "postgress"
        [per-file-ignores]
        "db/*.sql" = ["nationalty@advertisers"]
        """,
    )
    assert errors() == [
        ("datalint.toml", 0, 0, "at ignore: no rule, rule name or category is called 'DL999'; see `datalint rules`"),
        ("datalint.toml", 0, 0, "at per-file-ignores.'db/*.sql': no rule, rule name or category is called 'nationalty'; see `datalint rules`"),
        ("datalint.toml", 0, 0, "at dialect: unknown SQL dialect 'postgress'"),
    ]


def test_unknown_rule_on_the_command_line_is_a_usage_error(repo):
    result = datalint("check", "--select", "DL101,DL999")
    assert result.exit_code == 2 and "--select: no rule, rule name or category is called 'DL999'" in result.output


def test_the_configuration_schema_is_valid():
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


# ------------------------------------------------------------ rules


def test_select_ignore_extend_select_by_code_name_and_category(repo):
    write(repo / "datalint.toml", 'select = ["nationality"]\nextend-select = ["identity-document-number"]\nignore = ["DL202"]\n')
    assert codes() == [
        ("db/schema.sql", "DL201", "nationality"),
        ("db/schema.sql", "DL201", "nationality"),
        ("schemas/advertiser.json", "DL101", "passport_number"),
        ("schemas/advertiser.json", "DL205", "place_of_birth"),
        ("schemas/verification.json", "DL101", "doc"),
        ("schemas/verification.json", "DL101", "passport_number"),
    ]


def test_command_line_overrides_the_configuration(repo):
    write(repo / "datalint.toml", 'select = ["nationality"]\nfail-on = "error"\n')
    assert codes("--select", "DL205") == [("schemas/advertiser.json", "DL205", "place_of_birth")]
    assert datalint("check", "--select", "DL205").exit_code == 0  # a warning, below fail-on = error
    assert datalint("check", "--select", "DL205", "--fail-on", "warning").exit_code == 1


def test_severity_overrides_the_narrower_selector_wins(repo):
    write(repo / "datalint.toml", '[severity]\nDL201 = "warning"\nnationality = "note"\n')
    document = json.loads(datalint("check", "db", "--format", "json").stdout)
    assert [(f["rule"], f["severity"]) for f in document["findings"]] == [("DL201", "warning"), ("DL202", "note"), ("DL201", "warning")]
    sarif = json.loads(datalint("check", "db", "--format", "sarif").stdout)
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert (levels["DL201"], levels["DL203"], levels["DL101"]) == ("warning", "note", "error")


def test_fail_on_from_the_configuration(repo):
    write(repo / "datalint.toml", 'fail-on = "error"\nselect = ["DL205"]\n')
    assert datalint("check").exit_code == 0


def test_per_file_ignores_whole_file_json_pointer_and_table_column(repo):
    write(
        repo / "datalint.toml",
        """\
        [per-file-ignores]
        "advertiser.json" = ["place-of-birth"]
        "schemas/verification.json" = ["DL101@#/$defs/Verification"]
        "db/*.sql" = ["DL201@advertisers.nationality", "DL202@advertisers"]
        """,
    )
    assert codes() == [
        ("db/schema.sql", "DL201", "nationality"),
        ("schemas/advertiser.json", "DL101", "passport_number"),
        ("schemas/verification.json", "DL101", "passport_number"),
    ]


CUSTOM_PACK = """\
rules:
  - code: XX901
    name: tour-dates
    category: travel
    severity: warning
    summary: Keeps the dates of a tour
    why: Tour dates place a worker in a city on a day (C1).
    cautions: [C1]
    instead: Keep availability as free text the advertiser edits.
    match: {name: [tour date]}
    examples: {flag: [tour_date], pass: [tour_guide]}
"""


def test_rule_dirs_are_relative_to_the_configuration(repo, monkeypatch):
    write(repo / "datalint.toml", 'rule-dirs = ["policy/rules"]\nselect = ["tour-dates"]\n')
    write(repo / "policy" / "rules" / "custom.yaml", CUSTOM_PACK)
    write(repo / "schemas" / "tours.json", json.dumps({"type": "object", "properties": {"tour_date": {"type": "string"}}}))
    monkeypatch.chdir(repo / "schemas")
    assert codes() == [("tours.json", "XX901", "tour_date")]
    assert datalint("explain", "XX901").stdout.startswith("XX901 tour-dates")


# ------------------------------------------------------------ files


def test_include_and_exclude_also_apply_to_named_files(repo):
    write(repo / "datalint.toml", 'include = ["schemas/"]\nexclude = ["verification.json"]\n')
    assert codes() == [("schemas/advertiser.json", "DL101", "passport_number"), ("schemas/advertiser.json", "DL205", "place_of_birth")]
    assert codes("schemas/verification.json", "db/schema.sql") == []


def test_gitignored_files_are_skipped_when_walking_not_when_named(repo):
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    write(repo / ".gitignore", "db/\n")
    assert [file for file, _, _ in codes()] == [file for file, _, _ in ALL if not file.startswith("db/")]
    assert codes("db/schema.sql")[0][0] == "db/schema.sql"
    write(repo / "datalint.toml", "respect-gitignore = false\n")
    assert codes() == ALL


def test_without_git_nothing_is_filtered(repo, monkeypatch, tmp_path_factory):
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    write(repo / ".gitignore", "db/\n")
    monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("no-git")))
    assert codes() == ALL


def test_dialect_globally_and_per_glob(repo):
    hash_comment = "CREATE TABLE t (\n  doc text, # passport number\n  x int\n);\n"
    write(repo / "legacy" / "a.sql", hash_comment)
    write(repo / "current" / "a.sql", hash_comment)
    write(repo / "datalint.toml", 'dialect = "postgres"\n[dialects]\n"legacy/*.sql" = "mysql"\n')
    assert codes("legacy", "current") == [("legacy/a.sql", "DL101", "doc")]
    assert codes("legacy", "current", "--dialect", "mysql") == [("current/a.sql", "DL101", "doc"), ("legacy/a.sql", "DL101", "doc")]


@pytest.mark.parametrize(
    ("pattern", "path", "covered"),
    [
        ("schemas/*.json", "schemas/a.json", True),
        ("schemas/*.json", "schemas/v1/a.json", False),
        ("schemas/*.json", "other/schemas/a.json", False),
        ("*.sql", "db/legacy/a.sql", True),
        ("fixtures", "tests/fixtures/a.json", True),
        ("/legacy", "db/legacy/a.sql", False),
        ("db/**/*.sql", "db/a.sql", True),
        ("db/**/*.sql", "db/x/y/a.sql", True),
        ("v?.yaml", "api/v1.yaml", True),
        ("[!v]*.yaml", "api/v1.yaml", False),
    ],
)
def test_globs_read_like_gitignore(pattern, path, covered):
    assert matches(pattern, path) is covered
