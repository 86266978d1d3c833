"""What the engine remembers only ever saves time: a field evaluated cold,
warm, or after thousands of others gets the same findings, and a rule regex
skipped by its literal prefilter could not have matched."""

from __future__ import annotations

import random

import pytest
import regex

from datalint.engine import Engine, compile_rules, pack_index, required_literals
from datalint.model import Field, Location
from datalint.rulebook import expand_terms

HERE = Location("f", 1, 1)


def _fields() -> list[Field]:
    rng = random.Random(11)
    words = ["passport", "number", "nationality", "date", "of", "birth", "visa", "status", "user", "id", "city", "tour",
             "arrival", "document", "scan", "residence", "permit", "ethnicity", "face", "photo", "name", "legal"]
    fields = []
    for n in range(3000):
        picked = rng.sample(words, rng.randint(1, 4))
        name = rng.choice(["_".join(picked), "".join(w.capitalize() for w in picked), "".join(picked)])
        fields.append(
            Field(
                name=name,
                container="t",
                location=HERE,
                context=(rng.choice(["users", "tours", "visa_applications", "ads"]),),
                description=rng.choice(["", "The traveller's passport number", "Country of citizenship", "Free text"]),
                enum=rng.choice([(), ("asylum seeker", "tourist"), ("a", "b")]),
                pattern=rng.choice([None, "^P<[A-Z]{3}", "^[0-9]{9}$", "\\d{3}-\\d{2}-\\d{4}"]),
            )
        )
    return fields


def test_cold_warm_and_crowded_evaluations_agree(rulebook):
    fields = _fields()
    crowded = Engine(rulebook)
    first = [[(f.code, f.evidence) for f in crowded.evaluate(field)] for field in fields]
    again = [[(f.code, f.evidence) for f in crowded.evaluate(field)] for field in fields]
    cold = [[(f.code, f.evidence) for f in Engine(rulebook).evaluate(field)] for field in fields[:300]]
    assert first == again
    assert first[:300] == cold
    assert any(first)


def _patterns(rulebook) -> list[str]:
    return [p for rule in rulebook.rules for clause in (rule.match, rule.unless, *rule.match.get("all", ())) for p in clause.get("pattern", ())]


def test_the_literal_prefilter_never_hides_a_match(rulebook):
    rng = random.Random(3)
    alphabet = "PIDVACGWF<>[]{}()-?^$\\d0123456789ABCZ.,|*+ "
    patterns = _patterns(rulebook) + ["ab?c", "a|b", "[a]b", "x{2}y", "(?:ab)+c", "(?<!a)bc", "\\.\\d+", "[^a]b"]
    for term in patterns:
        compiled = regex.compile(term)
        required = required_literals(term)
        for _ in range(400):
            subject = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
            if compiled.search(subject) and required is not None:
                assert all(literal in subject for literal in required), (term, subject, required)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("<<", ("<<",)),
        ("ab?c", ("a", "c")),
        ("a|b", ()),
        ("(?i)passport", None),
        ("[[:alpha:]]x", None),
        ("\\p{L}x", None),
        ("(?x) a b", None),
    ],
)
def test_required_literals(term, expected):
    assert required_literals(term) == expected


def test_index_phrases_are_all_reachable(rulebook):
    """Every phrase of every rule is found by the engine when it is the
    field's whole name (the cache never loses an index entry)."""
    engine = Engine(rulebook)
    for number, rule in enumerate(rulebook.rules):
        for term in list(expand_terms(rule.match.get("name", ())))[:20]:
            units = engine._text_hits("name", term)
            assert any(entry[0] == number and entry[3] == term for unit in units for entry in unit.entries), (rule.code, term)


def test_caches_start_afresh_without_changing_answers(rulebook, monkeypatch):
    import datalint.engine as engine_module

    fields = _fields()[:600]
    expected = [[(f.code, f.evidence) for f in Engine(rulebook).evaluate(field)] for field in fields]
    monkeypatch.setattr(engine_module, "_CACHE_LIMIT", 7)
    small = Engine(rulebook)
    assert [[(f.code, f.evidence) for f in small.evaluate(field)] for field in fields] == expected
    assert [[(f.code, f.evidence) for f in small.evaluate(field)] for field in fields] == expected


def test_packed_buckets_find_what_the_whole_index_finds(rulebook):
    """From the rulebook cache, a bucket of keys is decoded only when a text
    first reaches it: the findings never depend on which buckets happened
    to be decoded, and the texts of a few thousand fields leave most of
    them packed."""
    header, blob = pack_index(compile_rules(rulebook))
    packed = Engine(rulebook._replace(compiled={**header, "blob": blob.encode("utf-8")}))
    whole = Engine(rulebook._replace(compiled=compile_rules(rulebook)))
    fields = _fields()
    assert [[(f.code, f.evidence) for f in packed.evaluate(field)] for field in fields] == [
        [(f.code, f.evidence) for f in whole.evaluate(field)] for field in fields
    ]
    decoded = [type(bucket) is dict for bucket in packed._buckets["name"].values()]
    assert any(decoded) and decoded.count(False) > len(decoded) / 2


def test_one_source_verdicts_are_the_general_verdict(rulebook):
    """What a field's name decides from its units' own verdicts is what
    judging all their entries together decides."""
    engine = Engine(rulebook)
    for field in _fields():
        units = engine._text_hits("name", field.name)
        if units:
            assert engine._one_source(units) == engine._verdict(entry for unit in units for entry in unit.entries), field.name
