"""Every shipped rule pack is valid, cites real cautions and uses the fixed
category vocabulary; broken packs fail loudly with the file and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from datalint.model import CATEGORIES
from datalint.rulebook import builtin_rules_dir, load_cautions, load_rulebook, validate_pack
from helpers import GOOD_RULE

SCHEMA = json.loads((builtin_rules_dir() / "rule.schema.json").read_text(encoding="utf-8"))
PACKS = sorted(builtin_rules_dir().glob("*.yaml"))


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_pack_validates_against_rule_schema(pack: Path):
    assert validate_pack(yaml.safe_load(pack.read_text(encoding="utf-8")), SCHEMA) == []


def test_rules_cite_existing_cautions(rulebook):
    cautions = load_cautions()
    for rule in rulebook.rules:
        assert rule.cautions, rule.code
        unknown = [c for c in rule.cautions if c not in cautions]
        assert unknown == [], f"{rule.code} cites unknown cautions {unknown}"


def test_categories_come_from_the_fixed_vocabulary(rulebook):
    assert {rule.category for rule in rulebook.rules} <= set(CATEGORIES)


def test_codes_and_names_are_unique_and_addressable(rulebook):
    codes = [r.code for r in rulebook.rules]
    names = [r.name for r in rulebook.rules]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    for rule in rulebook.rules:
        assert rulebook.find(rule.code) is rule
        assert rulebook.find(rule.name) is rule
        assert rulebook.find(rule.code.lower()) is rule


def test_first_three_families_are_present(rulebook):
    categories = {rule.category for rule in rulebook.rules}
    assert {"identity-document", "nationality", "immigration"} <= categories


def _write_pack(directory: Path, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / "custom.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_custom_pack_loads_beside_builtin(tmp_path):
    _write_pack(tmp_path / "packs", GOOD_RULE)
    rulebook, problems = load_rulebook([tmp_path / "packs"])
    assert problems == []
    assert rulebook.find("XX901").pack == "custom.yaml"


def test_misspelt_key_names_file_and_key(tmp_path):
    path = _write_pack(tmp_path / "packs", GOOD_RULE.replace("match: {name:", "match: {nmae:"))
    rulebook, problems = load_rulebook([tmp_path / "packs"])
    assert rulebook.find("XX901") is None
    assert [p.code for p in problems] == ["DL007"]
    assert problems[0].location.file == str(path)
    assert "rules[0].match" in problems[0].message and "nmae" in problems[0].message


def test_yaml_syntax_error_has_line_and_column(tmp_path):
    _write_pack(tmp_path / "packs", "rules:\n  - code: [unclosed\n")
    _, problems = load_rulebook([tmp_path / "packs"])
    assert problems[0].code == "DL007"
    assert problems[0].location.line >= 2 and problems[0].location.column > 0


def test_duplicate_code_is_reported(tmp_path, rulebook):
    clash = GOOD_RULE.replace("XX901", rulebook.rules[0].code)
    _write_pack(tmp_path / "packs", clash)
    _, problems = load_rulebook([tmp_path / "packs"])
    assert any("clashes" in p.message for p in problems)


def test_docs_rules_md_is_current(rulebook):
    """docs/rules.md is generated; regenerate it with
    `datalint rules --format markdown > docs/rules.md`."""
    from conftest import REPO
    from datalint.reference import render_markdown

    current = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == render_markdown(rulebook, load_cautions())
