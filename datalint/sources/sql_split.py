"""Cutting a SQL file into statements without tokenising it.

sqlglot is far too slow to be handed a whole dump (most of which is INSERTs,
indexes and function bodies that define no columns), so the file is split
here and only the interesting statements reach the parser. The splitter only
has to know where a ``;`` is *not* a terminator: inside quotes, comments,
dollar-quoted bodies, and after a MySQL ``DELIMITER`` change. It jumps from
one special character to the next with ``str.find``, so its cost grows with
the number of statements, quotes and comments, not with the number of
characters.

Comments inside a statement are kept (with absolute offsets) because a
trailing ``-- comment`` is how many schemas document a column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from heapq import heapreplace
from typing import NamedTuple

from datalint.sources.sql_dialect import Lexis


class Comment(NamedTuple):
    start: int
    """Absolute offset of the comment marker."""
    text: str
    """The comment without its markers, stripped."""


class Statement(NamedTuple):
    start: int
    """Absolute offset of the statement's first character (after any
    leading whitespace and comments)."""
    text: str
    """From the first character up to, not including, the terminator."""
    comments: tuple[Comment, ...]


class Unclosed(NamedTuple):
    """A quote, comment or body still open at the end of the file: what
    follows it was never seen as SQL."""

    start: int
    what: str


# Whitespace and line comments between statements, in one match.
_BLANK = re.compile(r"(?:\s++|--[^\n]*+)*+")
_BLANK_OR_HASH = re.compile(r"(?:\s++|--[^\n]*+|#[^\n]*+)*+")
_COPY_FROM_STDIN = re.compile(r"COPY\b.*\bFROM\s+STDIN\b", re.IGNORECASE | re.DOTALL)
_DELIMITER_COMMAND = re.compile(r"DELIMITER[ \t]+(\S+)[^\n]*", re.IGNORECASE)
_DOLLAR_TAG = re.compile(r"\$(?:[^\W\d]\w*)?\$")
_GO_LINE = re.compile(r"[ \t]*GO[ \t]*\d*[ \t]*(?=\n|$)", re.IGNORECASE)

# Quoted text, each as "opening character -> regex matching the whole quote".
_PLAIN_QUOTES = {
    "'": re.compile(r"'[^']*(?:''[^']*)*'"),
    '"': re.compile(r'"[^"]*(?:""[^"]*)*"'),
    "`": re.compile(r"`[^`]*(?:``[^`]*)*`"),
    "[": re.compile(r"\[[^\]]*(?:\]\][^\]]*)*\]"),
}
_BACKSLASH_QUOTES = {
    "'": re.compile(r"'[^'\\]*(?:(?:''|\\.)[^'\\]*)*'", re.DOTALL),
    '"': re.compile(r'"[^"\\]*(?:(?:""|\\.)[^"\\]*)*"', re.DOTALL),
}
_QUOTE_NAMES = {"'": "string", '"': "quoted identifier", "`": "quoted identifier", "[": "quoted identifier"}


def split_statements(text: str, lexis: Lexis) -> tuple[list[Statement], Unclosed | None]:
    """Every non-empty statement in source order, plus the construct left
    open at the end of the file, if any (the reader reports it, because
    everything after it went unread).

    A dump holds tens of thousands of statements, so the loop keeps to
    locals and builds nothing a statement does not need."""
    statements: list[Statement] = []
    append = statements.append
    scanner = _Scanner(text, lexis)
    special, delimiter = scanner.specials.first, scanner.delimiter
    blank = (_BLANK_OR_HASH if lexis.hash_comments else _BLANK).match
    nested, length, pos = lexis.nested_comments, len(text), 0
    while True:
        start = blank(text, pos).end()
        if text[start : start + 2] == "/*":
            start, unclosed = _skip_block_comments(text, start, blank, nested)
            if unclosed:
                return statements, unclosed
        if start >= length:
            return statements, None
        if text[start] in "DdGg":
            directive_end = _client_directive(text, start, scanner)
            if directive_end is not None:
                special, delimiter, pos = scanner.specials.first, scanner.delimiter, directive_end
                continue
        end = special(start)
        if text[end : end + len(delimiter)] == delimiter:  # nothing to skip on the way
            pos, comments = end + len(delimiter), ()
        else:
            end, pos, comments = scanner.scan(start)
        statement_text = text[start:end].rstrip()
        if statement_text:
            append(Statement(start, statement_text, comments))
        if scanner.unclosed:
            return statements, scanner.unclosed
        if statement_text[:1] in "Cc" and _COPY_FROM_STDIN.match(statement_text):
            pos = _skip_copy_data(text, pos)


def _client_directive(text: str, start: int, scanner: _Scanner) -> int | None:
    """Where a client command that is not SQL ends (MySQL's ``DELIMITER``,
    T-SQL's ``GO``), or None if ``start`` holds SQL."""
    command = _DELIMITER_COMMAND.match(text, start)
    if command:
        scanner.set_delimiter(command.group(1))
        return command.end()
    go = _GO_LINE.match(text, start) if scanner.lexis.go_batches else None
    return go.end() if go else None


def _skip_copy_data(text: str, pos: int) -> int:
    """pg_dump's ``COPY ... FROM stdin;`` is followed by raw rows (with
    quotes and semicolons of their own) up to a line holding ``\\.``."""
    end = text.find("\n\\.", pos)
    return len(text) if end < 0 else end + 3


def _skip_block_comments(text: str, pos: int, blank: Callable[[str, int], re.Match[str]], nested: bool) -> tuple[int, Unclosed | None]:
    """Skip the block comment at ``pos`` and any comments and whitespace
    after it (comments between statements belong to no statement, and
    pg_dump's ``-- Name: x; Type: TABLE`` headers hold semicolons)."""
    while text.startswith("/*", pos):
        end = _block_comment_end(text, pos, nested)
        if end < 0:
            return len(text), Unclosed(pos, "comment")
        pos = blank(text, end).end()
    return pos, None


def _block_comment_end(text: str, pos: int, nested: bool) -> int:
    """Offset just after the ``*/`` closing the comment opened at ``pos``,
    or -1 if it never closes."""
    if not nested:
        end = text.find("*/", pos + 2)
        return -1 if end < 0 else end + 2
    depth, pos = 1, pos + 2
    while depth:
        close = text.find("*/", pos)
        if close < 0:
            return -1
        opening = text.find("/*", pos, close)
        if opening >= 0:
            depth, pos = depth + 1, opening + 2
        else:
            depth, pos = depth - 1, close + 2
    return pos


class _Specials:
    """Where the next character that may change the meaning of a ``;`` is.

    ``str.find`` jumps to a character far faster than a regex character
    class tests each one, so each character's next occurrence is found
    with it, and found again only once the scan has passed it: a dump's
    statements hold hardly any, and what the scanner skips whole (a
    function body, ``COPY`` data) is never searched character by character.
    The occurrences wait in a heap, soonest first."""

    def __init__(self, text: str, characters: str) -> None:
        self.text = text
        self.heap = [(-1, character) for character in dict.fromkeys(characters)]

    def first(self, pos: int) -> int:
        """The first special character at or after ``pos``; the length of
        the text if there is none."""
        heap = self.heap
        while heap[0][0] < pos:
            character = heap[0][1]
            found = self.text.find(character, pos)
            heapreplace(heap, (len(self.text) if found < 0 else found, character))
        return heap[0][0]


class _Scanner:
    """Finds where each statement ends, collecting its comments: it jumps
    from one special character to the next and looks at what it found."""

    def __init__(self, text: str, lexis: Lexis) -> None:
        self.text = text
        self.lexis = lexis
        self.handlers = {
            "'": self._skip_quote,
            '"': self._skip_quote,
            "`": self._skip_quote,
            "-": self._skip_dash,
            "/": self._skip_slash,
        }
        if lexis.hash_comments:
            self.handlers["#"] = self._skip_hash
        if lexis.bracket_quotes:
            self.handlers["["] = self._skip_quote
        if lexis.dollar_quotes:
            self.handlers["$"] = self._skip_dollar
        self.set_delimiter(";")
        self.comments: list[Comment] = []
        self.unclosed: Unclosed | None = None

    def set_delimiter(self, delimiter: str) -> None:
        """MySQL's ``DELIMITER //`` makes ``//`` the terminator (and ``;``
        ordinary text) until the next ``DELIMITER`` command."""
        self.delimiter = delimiter
        characters = "".join(self.handlers) + delimiter[0] + ("\n" if self.lexis.go_batches else "")
        self.specials = _Specials(self.text, characters)

    def scan(self, pos: int) -> tuple[int, int, tuple[Comment, ...]]:
        """(end of the statement text, where the next statement may start,
        the comments in it)."""
        text, delimiter, first, handlers = self.text, self.delimiter, self.specials.first, self.handlers
        self.comments = []
        while True:
            pos = first(pos)
            if pos >= len(text):
                return len(text), len(text), tuple(self.comments)
            if text.startswith(delimiter, pos):
                return pos, pos + len(delimiter), tuple(self.comments)
            go = _GO_LINE.match(text, pos + 1) if text[pos] == "\n" else None
            if go:  # a T-SQL batch separator ends the statement like a terminator
                return pos, go.end(), tuple(self.comments)
            handler = handlers.get(text[pos])
            pos = handler(pos) if handler else pos + 1
            if self.unclosed:
                return len(text), len(text), tuple(self.comments)

    def _skip_quote(self, pos: int) -> int:
        opening = self.text[pos]
        match = self._quote_pattern(opening, pos).match(self.text, pos)
        if match is None:
            self.unclosed = Unclosed(pos, _QUOTE_NAMES[opening])
            return len(self.text)
        return match.end()

    def _quote_pattern(self, opening: str, pos: int) -> re.Pattern[str]:
        if opening in _BACKSLASH_QUOTES and (self.lexis.backslash_escapes or self._is_escape_string(pos)):
            return _BACKSLASH_QUOTES[opening]
        return _PLAIN_QUOTES[opening]

    def _is_escape_string(self, pos: int) -> bool:
        """PostgreSQL ``E'...'`` strings honour backslash escapes."""
        text = self.text
        return (
            text[pos] == "'"
            and pos > 0
            and text[pos - 1] in "Ee"
            and (pos < 2 or not (text[pos - 2].isalnum() or text[pos - 2] == "_"))
        )

    def _skip_dash(self, pos: int) -> int:
        return self._line_comment(pos, pos + 2) if self.text.startswith("--", pos) else pos + 1

    def _skip_hash(self, pos: int) -> int:
        return self._line_comment(pos, pos + 1)

    def _line_comment(self, pos: int, body: int) -> int:
        newline = self.text.find("\n", body)
        end = len(self.text) if newline < 0 else newline
        self.comments.append(Comment(pos, self.text[body:end].strip()))
        return end

    def _skip_slash(self, pos: int) -> int:
        if not self.text.startswith("/*", pos):
            return pos + 1
        end = _block_comment_end(self.text, pos, self.lexis.nested_comments)
        if end < 0:
            self.unclosed = Unclosed(pos, "comment")
            return len(self.text)
        if not self.text.startswith("/*!", pos):  # MySQL conditional code, not prose
            self.comments.append(Comment(pos, self.text[pos + 2 : end - 2].strip()))
        return end

    def _skip_dollar(self, pos: int) -> int:
        """Skip a ``$tag$ ... $tag$`` body; a lone ``$`` (``$1``, ``a$b``)
        is ordinary text."""
        text = self.text
        tag = _DOLLAR_TAG.match(text, pos)
        if tag is None or (pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] == "_")):
            return pos + 1
        close = text.find(tag.group(), tag.end())
        if close < 0:
            self.unclosed = Unclosed(pos, "dollar-quoted body")
            return len(text)
        return close + len(tag.group())
