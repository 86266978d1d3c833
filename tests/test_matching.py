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
