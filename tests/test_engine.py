"""The rule engine's semantics, on a small rulebook written here: any source
fires, `all` clauses need every source, `unless` vetoes, term products expand,
and evidence names the source and term (never the field's values)."""

from __future__ import annotations

import pytest

from datalint.engine import Engine
from datalint.model import Evidence
from datalint.rulebook import Rule, Rulebook
from datalint.cases import field_from_case


def _rule(code: str, match: dict, unless: dict | None = None) -> Rule:
    return Rule(
        code=code, name=f"rule-{code.lower()}", category="travel", severity="warning",
        summary="A rule for engine tests", why="Because (C1).", cautions=("C1",), instead="Nothing.",
        references=(), match=match, unless=unless or {}, examples={"flag": [], "pass": []}, pack="test.yaml",
    )


@pytest.fixture(scope="module")
def engine() -> Engine:
    rules = [
        _rule("XX101", {"name": [[["passport", "pasaporte"], ["number", "no"]]]}, {"name": ["passport session"]}),
        _rule("XX102", {"all": [{"container": ["tour"], "name": ["arrival date"]}]}),
        _rule("XX103", {"enum": ["asylum seeker"], "pattern": ["^\\^?P<"]}, {"enum": ["mastercard"]}),
    ]
    return Engine(Rulebook.build(rules, ["user", "of"]))


def codes(engine: Engine, case) -> list[str]:
    return [finding.code for finding in engine.evaluate(field_from_case(case))]


@pytest.mark.parametrize("name", ["passport_number", "pasaporteNo", "PASAPORTE_NUMBER", "userpassportnumber"])
def test_term_products_expand_to_every_phrase(engine, name):
    assert codes(engine, name) == ["XX101"]


@pytest.mark.parametrize("name", ["pass_port_number", "pa_saporte_no"])
def test_a_term_matches_whatever_tokens_spell_it(engine, name):
    """Runs of tokens are glued before they are looked up: the tokens need
    not be the term's words, and a run may begin with a token too short to
    say which keys it can grow into."""
    assert codes(engine, name) == ["XX101"]


def test_unless_vetoes_the_rule(engine):
    assert codes(engine, "passport_session_number") == []


def test_all_clause_needs_every_source(engine):
    assert codes(engine, {"name": "arrival_date", "container": "tours"}) == ["XX102"]
    assert codes(engine, "arrival_date") == []
    assert codes(engine, {"name": "created_at", "container": "tours"}) == []


def test_evidence_names_source_and_term(engine):
    [finding] = engine.evaluate(field_from_case({"name": "arrivalDate", "container": "tour"}))
    assert finding.evidence == (Evidence("name", "arrival date"), Evidence("container", "tour"))


def test_enum_and_pattern_sources(engine):
    assert codes(engine, {"name": "status", "enum": ["citizen", "asylum_seeker"]}) == ["XX103"]
    assert codes(engine, {"name": "line", "pattern": "^P<[A-Z<]{39}$"}) == ["XX103"]
    assert codes(engine, {"name": "brand", "enum": ["asylum_seeker", "mastercard"]}) == []
