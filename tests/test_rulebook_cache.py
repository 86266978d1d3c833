"""The compiled-rulebook cache: a hit gives exactly what a full load gives,
and never rules that were not validated (the key hashes the bytes of every
pack, the schema, the vocabulary and the code that compiles them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from datalint import rulebook as rulebook_module
from datalint.engine import Engine
from datalint.model import Field, Location
from datalint.rulebook import load_rulebook
from helpers import GOOD_RULE


FIELDS = [
    Field(name=name, container="t", location=Location("f", 1, 1), context=(context,), description=description)
    for name, context, description in [
        ("passport_number", "users", ""),
        ("nationality", "profiles", "Country of citizenship"),
        ("tour_date", "tours", ""),
        ("status", "visa_applications", "Residence permit status"),
        ("id", "x", "The id"),
    ]
]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DATALINT_CACHE_DIR", str(folder))
    return folder


def _findings(rulebook) -> list[tuple[str, str, tuple]]:
    engine = Engine(rulebook)
    return [(f.field.name, f.code, f.evidence) for field in FIELDS for f in engine.evaluate(field)]


def test_a_hit_gives_what_a_full_load_gives(cache):
    fresh, problems = load_rulebook(cache=False)
    assert problems == [] and not cache.exists()
    first, _ = load_rulebook()
    assert len(list(cache.glob("rulebook-*.json"))) == 1
    hit, problems = load_rulebook()
    assert problems == []
    assert hit.rules == first.rules == fresh.rules
    assert hit.vocabulary.words == fresh.vocabulary.words
    assert hit.vocabulary.short_pieces == fresh.vocabulary.short_pieces
    assert _findings(hit) == _findings(fresh)
    assert hit.find(fresh.rules[0].code) == fresh.rules[0]


def test_a_hit_decodes_the_piece_map_a_full_load_builds(cache):
    fresh, _ = load_rulebook(cache=False)
    load_rulebook()
    hit, _ = load_rulebook()
    assert hit.vocabulary._packed_pieces is not None  # decoded, not built again
    assert hit.vocabulary._pieces() == fresh.vocabulary._pieces()
    assert hit.vocabulary.__dict__["_piece_lengths"] == fresh.vocabulary.__dict__["_piece_lengths"]
    glued = ["userdateofbirth", "passportnumbers", "nationalityproof", "residencepermitcard", "visastatus"]
    assert [hit.vocabulary.segment(word) for word in glued] == [fresh.vocabulary.segment(word) for word in glued]


def test_changed_pack_bytes_are_validated_again(cache, tmp_path):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "custom.yaml").write_text(GOOD_RULE, encoding="utf-8")
    loaded, problems = load_rulebook([packs])
    assert problems == [] and loaded.find("XX901") is not None
    loaded, problems = load_rulebook([packs])  # from the cache
    assert problems == [] and loaded.find("XX901") is not None
    (packs / "custom.yaml").write_text(GOOD_RULE.replace("match: {name:", "match: {nmae:"), encoding="utf-8")
    loaded, problems = load_rulebook([packs])
    assert [p.code for p in problems] == ["DL007"] and "nmae" in problems[0].message
    assert loaded.find("XX901") is None


def test_a_broken_rule_set_is_never_cached(cache, tmp_path):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "custom.yaml").write_text("rules:\n  - code: [unclosed\n", encoding="utf-8")
    _, problems = load_rulebook([packs])
    assert problems
    assert not list(cache.glob("rulebook-*.json"))


def test_a_damaged_cache_file_is_ignored(cache):
    fresh, _ = load_rulebook()
    (written,) = cache.glob("rulebook-*.json")
    written.write_text('{"format": 2, "key": "not this one"', encoding="utf-8")
    again, problems = load_rulebook()
    assert problems == [] and again.rules == fresh.rules
    written.write_text("[]", encoding="utf-8")
    again, problems = load_rulebook()
    assert problems == [] and _findings(again) == _findings(fresh)


def test_a_truncated_cache_file_is_a_miss(cache):
    fresh, _ = load_rulebook()
    (written,) = cache.glob("rulebook-*.json")
    data = written.read_bytes()
    header_end = data.index(b"\n") + 1
    written.write_bytes(data[: header_end + 100])  # cut inside the rules' terms
    again, problems = load_rulebook()
    assert problems == [] and again.rules == fresh.rules
    assert again.rules[0].match == dict(fresh.rules[0].match)


def test_a_hit_parses_the_rules_terms_only_when_they_are_read(cache):
    load_rulebook()
    hit, _ = load_rulebook()
    terms = hit.rules[0].match._terms
    assert terms._parsed is None  # matching goes through the compiled index
    fresh, _ = load_rulebook(cache=False)
    assert dict(hit.rules[0].match) == fresh.rules[0].match
    assert terms._parsed is not None


def test_an_unwritable_cache_directory_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("DATALINT_CACHE_DIR", str(blocker / "cache"))
    loaded, problems = load_rulebook()
    assert problems == [] and loaded.rules


def test_the_key_covers_the_compiling_code(cache, monkeypatch):
    load_rulebook()
    monkeypatch.setattr(rulebook_module, "__version__", "0.0.0-other")
    load_rulebook()
    assert len(list(cache.glob("rulebook-*.json"))) == 2


def test_the_key_names_the_rule_set(cache, tmp_path):
    plain, _ = load_rulebook()
    uncached, _ = load_rulebook(cache=False)
    assert plain.key and plain.key == uncached.key
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "custom.yaml").write_text(GOOD_RULE, encoding="utf-8")
    custom, _ = load_rulebook([packs])
    assert custom.key not in (None, plain.key)
