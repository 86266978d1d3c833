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
#: Entries each tokenizer cache holds before it starts again from empty: a
#: bound on memory for monorepo runs, far above what one schema needs.
_CACHE_LIMIT = 200_000
#: Pieces are looked up by their first letters: each shorter length is tried
#: at every position, longer ones only where some piece begins so.
_HEAD = 4
_SHORT_LENGTHS = tuple(range(_MIN_PIECE_LENGTH, _HEAD))
#: Glued words segmented by trying every substring before the piece map,
#: which makes each later segmentation far cheaper, is built.
_SLOW_SEGMENTS = 48
#: Piece lengths are packed as characters from here up (``pack_pieces``).
_LENGTH_BASE = 0x100


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

    def __init__(self, words: Iterable[str], short_pieces: Iterable[str] = (), packed_pieces: bytes | memoryview | None = None):
        self.words = frozenset(words)
        self.short_pieces = frozenset(short_pieces)
        self._packed_pieces = packed_pieces
        """``pack_pieces()`` of a vocabulary of the same words (the rulebook
        cache keeps it): decoding it costs a fifth of building the map."""
        self._longest = max((len(w) for w in self.words), default=0)
        # Two plain-dict caches (cheaper than lru_cache on a miss): whole texts,
        # and single words, which repeat across identifiers even when the
        # identifiers themselves are all distinct.
        self._texts: dict[str, tuple[str, ...]] = {}
        self._words: dict[str, tuple[str, ...]] = {}

    def singular(self, word: str) -> str:
        """Fold a simple plural onto a known singular (``passports``,
        ``nationalities``, ``identity_documents``); unknown words are left
        alone so ``status`` stays ``status``. ``-ies`` -> ``-y`` is tried
        first: the vocabulary holds other languages' singulars too, and
        Romanian ``companie`` must not capture English ``companies``."""
        if len(word) <= 3:
            return word
        for suffix, replacement in (("ies", "y"), ("s", ""), ("es", "")):
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
        if "_piece_map" not in self.__dict__:
            # Building the piece map costs about as much as 50 segmentations:
            # a run over a few small files never needs it.
            self._slow_segments = getattr(self, "_slow_segments", 0) + 1
            if self._slow_segments <= _SLOW_SEGMENTS:
                return self._segment_by_singular(word)
        pieces = self._pieces()
        lengths = self.__dict__["_piece_lengths"]
        n = len(word)
        best: list[tuple[str, ...] | None] = [None] * (n + 1)
        best[0] = ()
        # Forward from each reachable position only (a glued word has a few),
        # ascending, keeping the first of equally short splits. Only the
        # lengths of the pieces that begin with the next _HEAD letters are
        # tried; when none does, every length below _HEAD.
        for start in range(n - _MIN_PIECE_LENGTH + 1):
            prefix = best[start]
            if prefix is None:
                continue
            count = len(prefix) + 1
            for length in lengths.get(word[start : start + _HEAD], _SHORT_LENGTHS):
                end = start + length
                if end > n:
                    break
                piece = pieces.get(word[start:end])
                if piece is not None and (best[end] is None or count < len(best[end])):
                    best[end] = prefix + (piece,)
        found = best[n]
        return found if found and len(found) > 1 else (word,)

    def _segment_by_singular(self, word: str) -> tuple[str, ...]:
        """``segment`` without the piece map: the same split, found by
        trying ``singular`` on every substring."""
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

    def _pieces(self) -> dict[str, str]:
        """Every spelling ``segment`` accepts as a piece -> the word it is:
        each known word and its plurals, through ``singular`` itself, minus
        two-letter words that are not general words and spellings longer
        than the longest word (the search never tries those). Built on
        first use."""
        pieces = self.__dict__.get("_piece_map")
        if pieces is None:
            if self._packed_pieces is not None:
                pieces, lengths = _unpacked_pieces(self._packed_pieces)
            else:
                pieces = self._built_pieces()
                lengths = _piece_lengths(pieces)
            self.__dict__["_piece_lengths"] = lengths
            self.__dict__["_piece_map"] = pieces
        return pieces

    def _built_pieces(self) -> dict[str, str]:
        pieces = {}
        for word in self.words:
            forms = [word, word + "s", word + "es"]
            if word.endswith("y"):
                forms.append(word[:-1] + "ies")
            for form in forms:
                if len(form) > self._longest:
                    continue
                piece = self.singular(form)
                if piece in self.words and (len(piece) > _SHORT_PIECE_LENGTH or piece in self.short_pieces):
                    pieces[form] = piece
        return pieces

    def pack_pieces(self) -> str:
        """The piece map and the lengths tried per head, as one string for
        the rulebook cache (``_unpacked_pieces`` reads it)."""
        pieces = self._pieces()
        lengths = self.__dict__["_piece_lengths"].items()
        packed_lengths = "\n".join(head + "".join(chr(_LENGTH_BASE + n) for n in found) for head, found in lengths)
        return "\0".join(("\n".join(pieces), "\n".join(pieces.values()), packed_lengths))

    def tokens(self, text: str) -> tuple[str, ...]:
        """The canonical tokens of an identifier or text: split into words,
        then each word singular-folded and segmented (cached per word)."""
        found = self._texts.get(text)
        if found is None:
            if len(self._texts) >= _CACHE_LIMIT:
                self._texts.clear()
            found = self._texts[text] = self.split(text)
        return found

    def split(self, text: str) -> tuple[str, ...]:
        """``tokens`` without the per-text cache, for callers that keep
        their own (the engine caches what each text hits instead).

        ASCII text is first cut at underscores and hyphens, which no word
        spans, so a snake_case or kebab-case name is a few look-ups of
        cached words with no regex."""
        if not text.isascii():
            return self._words_tokens(_WORD.findall(fold(text)))
        words = self._words
        if "-" in text:
            text = text.replace("-", "_")
        elif "_" not in text:  # camelCase or one word: one chunk
            pieces = words.get(text)
            return self._chunk_tokens(text) if pieces is None else pieces
        tokens: tuple[str, ...] = ()
        for chunk in text.split("_"):
            pieces = words.get(chunk)
            tokens += self._chunk_tokens(chunk) if pieces is None else pieces
        return tokens

    def _chunk_tokens(self, chunk: str) -> tuple[str, ...]:
        """The tokens of a chunk the word cache does not hold."""
        if chunk.isalpha() and chunk.islower():  # one word, as _WORD would find
            return self._word_tokens(chunk)
        found = _WORD.findall(chunk)
        if len(found) == 1 and found[0] == chunk:
            return self._word_tokens(chunk)
        return self._words_tokens(found)  # camelCase, other separators, digits: not one word

    def _words_tokens(self, found: list[str]) -> tuple[str, ...]:
        """The tokens of the words ``_WORD`` found, from the word cache."""
        words = self._words
        tokens: tuple[str, ...] = ()
        for word in found:
            pieces = words.get(word)
            tokens += self._word_tokens(word) if pieces is None else pieces
        return tokens

    def _word_tokens(self, word: str) -> tuple[str, ...]:
        """The tokens of one word of ``_WORD``, cached under the word as
        written and lower-cased."""
        words = self._words
        if len(words) >= _CACHE_LIMIT:
            words.clear()
        lower = word.lower()
        pieces = words.get(lower)
        if pieces is None:
            pieces = words[lower] = self.segment(self.singular(lower))
        words[word] = pieces
        return pieces


def _piece_lengths(pieces: dict[str, str]) -> dict[str, tuple[int, ...]]:
    """For each first ``_HEAD`` letters of a piece: the lengths of the
    pieces that begin so, and of the short pieces the head begins with."""
    lengths: dict[str, set[int]] = {}
    for form in pieces:
        if len(form) >= _HEAD:
            lengths.setdefault(form[:_HEAD], set()).add(len(form))
    for head, found in lengths.items():
        found.update(length for length in _SHORT_LENGTHS if head[:length] in pieces)
    return {head: tuple(sorted(found)) for head, found in lengths.items()}


def _unpacked_pieces(packed: bytes | memoryview) -> tuple[dict[str, str], dict[str, tuple[int, ...]]]:
    """``Vocabulary.pack_pieces`` read back: newline-joined forms, the words
    they are and the lengths per head (the head, then each length as one
    character above ``_LENGTH_BASE``, clear of the separators), NUL
    between the three."""
    forms, words, lengths = str(packed, "utf-8").split("\0")
    pieces = dict(zip(forms.split("\n"), words.split("\n"))) if forms else {}
    heads = {line[:_HEAD]: tuple([ord(c) - _LENGTH_BASE for c in line[_HEAD:]]) for line in lengths.split("\n")} if lengths else {}
    return pieces, heads


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
