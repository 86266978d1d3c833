"""Token-level matching of rule terms against identifiers and text.

Raw substring search is what makes privacy scanners noisy (``race`` in
``trace_id``, ``visa`` in ``visage``) and blind (``placeOfBirth`` versus
``place_of_birth``). Here every identifier and every rule term is reduced to
the same canonical tokens, and a term matches when a contiguous run of the
field's tokens spells it, whatever separators or casing the schema used.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Umlauts become their two-letter spelling so that ``staatsangehörigkeit`` and
# ``staatsangehoerigkeit`` meet; every other accent is dropped (``é`` -> ``e``).
_TRANSLITERATE = str.maketrans(
    {
        "ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
        "ß": "ss", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ø": "o", "Ø": "O",
        "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i",
    }
)

# camelCase and ACRONYMWords boundaries, digit runs, and non-Latin letter runs.
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+|[^\W\d_A-Za-z]+")

#: Longest term, in tokens, that runs are built for; longer runs cannot match.
MAX_TERM_TOKENS = 6

# Segmenting glued words is only worth trying on tokens long enough to hold
# two words; shorter ones are either words themselves or noise.
_MIN_GLUED_LENGTH = 6
# Two-letter pieces (``of``, ``de``, ``id``) are allowed only from the general
# word list: letting any two-letter term word be a piece turns ``original``
# into ``origin al`` and ``idleberg`` into ``id le berg``.
_MIN_PIECE_LENGTH = 2
_SHORT_PIECE_LENGTH = 2


def fold(text: str) -> str:
    """Transliterate and strip accents, keeping case (camelCase needs it)."""
    text = text.translate(_TRANSLITERATE)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def split_words(text: str) -> tuple[str, ...]:
    """Lower-cased words of an identifier or sentence, before any vocabulary
    is applied: ``IDNumber`` -> ``id, number``; ``ssn_last_4`` -> ``ssn,
    last, 4``."""
    return tuple(word.lower() for word in _WORD.findall(fold(text)))


class Vocabulary:
    """The words datalint knows: every word of every rule term plus general
    schema words. It decides plural folding and glued-word segmentation, so
    both depend only on data in ``rules/``."""

    def __init__(self, words: Iterable[str], short_pieces: Iterable[str] = ()):
        self.words = frozenset(words)
        self.short_pieces = frozenset(short_pieces)
        self._longest = max((len(w) for w in self.words), default=0)
        self.tokens = lru_cache(maxsize=65536)(self._tokens)

    def singular(self, word: str) -> str:
        """Fold a simple plural onto a known singular (``passports``,
        ``nationalities``, ``identity_documents``); unknown words are left
        alone so ``status`` stays ``status``."""
        if len(word) <= 3:
            return word
        for suffix, replacement in (("ies", "y"), ("es", ""), ("s", "")):
            if word.endswith(suffix):
                candidate = word[: -len(suffix)] + replacement
                if candidate in self.words:
                    return candidate
        return word

    def segment(self, word: str) -> tuple[str, ...]:
        """Split a glued word into known words (``userdateofbirth`` -> user,
        date, of, birth), preferring the fewest pieces. A word that cannot be
        covered entirely by known words is kept whole: guessing at partial
        splits is what would turn ``passportjs`` into a passport."""
        if word in self.words or len(word) < _MIN_GLUED_LENGTH:
            return (word,)
        n = len(word)
        best: list[tuple[str, ...] | None] = [None] * (n + 1)
        best[0] = ()
        for end in range(1, n + 1):
            for start in range(max(0, end - self._longest), end - _MIN_PIECE_LENGTH + 1):
                prefix = best[start]
                if prefix is None:
                    continue
                piece = self.singular(word[start:end])
                if len(piece) <= _SHORT_PIECE_LENGTH and piece not in self.short_pieces:
                    continue
                if piece in self.words and (best[end] is None or len(prefix) + 1 < len(best[end])):
                    best[end] = prefix + (piece,)
        found = best[n]
        return found if found and len(found) > 1 else (word,)

    def _tokens(self, text: str) -> tuple[str, ...]:
        tokens: list[str] = []
        for word in split_words(text):
            tokens.extend(self.segment(self.singular(word)))
        return tuple(tokens)


def term_key(tokens: Iterable[str]) -> str:
    """The separator-free spelling that both terms and token runs reduce to."""
    return "".join(tokens)


def run_keys(tokens: tuple[str, ...], longest: int = MAX_TERM_TOKENS) -> set[str]:
    """Every contiguous run of tokens, glued: the keys a term can match."""
    keys: set[str] = set()
    for start in range(len(tokens)):
        glued = ""
        for token in tokens[start : start + longest]:
            glued += token
            keys.add(glued)
    return keys
