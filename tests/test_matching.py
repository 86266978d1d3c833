"""How identifiers become tokens: the mechanism every rule relies on."""

from __future__ import annotations

import pytest

from datalint.matching import Vocabulary, fold, run_keys, split_words

VOCAB = Vocabulary(
    ["passport", "number", "user", "date", "of", "birth", "nationality", "visa", "reisepass", "nummer", "origin", "al", "document"],
    short_pieces=["of"],
)


@pytest.mark.parametrize(
    ("identifier", "words"),
    [
        ("passport_number", ("passport", "number")),
        ("passportNumber", ("passport", "number")),
        ("PassportNumber", ("passport", "number")),
        ("IDNumber", ("id", "number")),
        ("PPTNo", ("ppt", "no")),
        ("passport-number", ("passport", "number")),
        ("traveller.passport.number", ("traveller", "passport", "number")),
        ("ssn_last_4", ("ssn", "last", "4")),
        ("address2", ("address", "2")),
        ("Date of birth", ("date", "of", "birth")),
    ],
)
def test_split_words_on_every_separator_and_case(identifier, words):
    assert split_words(identifier) == words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("nationalité", "nationalite"),
        ("staatsangehörigkeit", "staatsangehoerigkeit"),
        ("Straße", "Strasse"),
        ("obywatelstwo_polskie_ł", "obywatelstwo_polskie_l"),
        ("naţionalitate", "nationalitate"),
    ],
)
def test_fold_accents_and_umlauts(text, folded):
    assert fold(text) == folded


def test_plural_folds_only_onto_known_singular():
    assert VOCAB.singular("passports") == "passport"
    assert VOCAB.singular("nationalities") == "nationality"
    assert VOCAB.singular("status") == "status"


def test_an_english_ies_plural_prefers_its_y_singular_over_a_foreign_word():
    vocabulary = Vocabulary({"company", "companie"})  # Romanian "companie" is a singular too
    assert vocabulary.singular("companies") == "company"
    assert vocabulary.singular("companie") == "companie"
    assert VOCAB.tokens("identity_documents") == ("identity", "document")


def test_glued_words_split_only_when_fully_known():
    assert VOCAB.tokens("userdateofbirth") == ("user", "date", "of", "birth")
    assert VOCAB.tokens("passportjs") == ("passportjs",)
    assert VOCAB.tokens("reisepassnummer") == ("reisepass", "nummer")


def test_two_letter_pieces_come_only_from_general_words():
    """``al`` is a term word but not a general word: ``original`` stays whole."""
    assert VOCAB.tokens("original") == ("original",)


def test_run_keys_glue_contiguous_tokens_only():
    keys = run_keys(("place", "of", "birth"))
    assert {"place", "placeof", "placeofbirth", "ofbirth", "birth"} <= keys
    assert "placebirth" not in keys


# Identifiers that exercise every path of ``Vocabulary.split``: underscores
# (cut before the regex), camelCase and acronyms, other separators, digits,
# plurals, glued words and accents.
SPLIT_CASES = [
    "passport_number", "PASSPORT_NUMBER", "passportNumber", "IDNumber", "user__date_of_birth_", "_passports",
    "identity_documents", "nationalities", "userdateofbirth", "userdateofbirth_2", "passportjs", "reisepassnummer",
    "ssn_last_4", "address2", "traveller.passport.number", "passport-number", "Date of birth", "passportNumber_v2",
    "nationalité", "staatsangehörigkeit_nummer", "ÜBER_passport", "numéroDePasseport", "паспорт_number", "", "_", "$ref",
]


@pytest.mark.parametrize("identifier", SPLIT_CASES)
def test_split_gives_each_regex_word_singular_folded_and_segmented(identifier):
    vocabulary = Vocabulary(VOCAB.words, VOCAB.short_pieces)
    expected = tuple(piece for word in split_words(identifier) for piece in vocabulary.segment(vocabulary.singular(word)))
    assert vocabulary.split(identifier) == expected
    assert vocabulary.split(identifier) == expected  # from the word cache


def test_one_word_cache_serves_every_spelling():
    """Chunks and words share one cache (``IDs`` cut as a chunk, ``ID`` as a
    word of ``IDNumber``): what it remembers never changes a split."""
    shared = Vocabulary(VOCAB.words, VOCAB.short_pieces)
    for identifier in [*SPLIT_CASES, "IDs", "ID_Number", "id_numbers", *reversed(SPLIT_CASES)]:
        assert shared.split(identifier) == Vocabulary(VOCAB.words, VOCAB.short_pieces).split(identifier), identifier


def test_the_piece_map_segments_like_the_substring_search():
    words = ["user", "date", "of", "birth", "passport", "number", "numbers", "pass", "port", "id", "card", "ida", "ho", "holder"]
    vocabulary = Vocabulary(words, short_pieces=["of", "id"])
    glued = ["userdateofbirth", "passportnumbers", "passportholder", "idcardholder", "idaho", "passportjs", "cardholders", "portpass",
             "passportsholder", "idpassports"]  # a plural longer than the longest word is no piece
    searched = [vocabulary._segment_by_singular(word) for word in glued]
    vocabulary._pieces()
    assert [vocabulary.segment(word) for word in glued] == searched
    assert searched[:3] == [("user", "date", "of", "birth"), ("passport", "number"), ("passport", "holder")]


@pytest.mark.parametrize("words", [[], ["of"], ["user", "date", "of", "birth", "passport", "numbers", "country", "countries"]])
def test_a_packed_piece_map_reads_back_as_built(words):
    built = Vocabulary(words, short_pieces=["of"])
    packed = Vocabulary(words, short_pieces=["of"], packed_pieces=built.pack_pieces().encode("utf-8"))
    assert packed._pieces() == built._pieces()
    assert packed.__dict__["_piece_lengths"] == built.__dict__["_piece_lengths"]
