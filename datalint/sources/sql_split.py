"""Cutting a SQL file into statements without tokenising it.

sqlglot is far too slow to be handed a whole dump (most of which is INSERTs,
indexes and function bodies that define no columns), so the file is split
here and only the interesting statements reach the parser. The splitter only
has to know where a ``;`` is *not* a terminator: inside quotes, comments,
dollar-quoted bodies, and after a MySQL ``DELIMITER`` change. It jumps from
one special character to the next with a regex, so its cost grows with the
number of quotes and comments, not with the number of characters.

Comments inside a statement are kept (with absolute offsets) because a
trailing ``-- comment`` is how many schemas document a column.
"""

from __future__ import annotations

import re
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


_SPACE = re.compile(r"\s*")
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
    everything after it went unread)."""
    statements: list[Statement] = []
    scanner = _Scanner(text, lexis)
    pos = 0
    while True:
        start, unclosed = _skip_blank(text, pos, lexis)
        if unclosed or start >= len(text):
            return statements, unclosed
        directive_end = _client_directive(text, start, scanner)
        if directive_end is not None:
            pos = directive_end
            continue
        end, pos = scanner.scan(start)
        statement_text = text[start:end].rstrip()
        if statement_text:
            statements.append(Statement(start, statement_text, tuple(scanner.comments)))
        if scanner.unclosed:
            return statements, scanner.unclosed
        if _COPY_FROM_STDIN.match(statement_text):
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


def _skip_blank(text: str, pos: int, lexis: Lexis) -> tuple[int, Unclosed | None]:
    """Skip whitespace and comments between statements (they belong to no
    statement, and pg_dump's ``-- Name: x; Type: TABLE`` headers hold
    semicolons)."""
    while True:
        pos = _SPACE.match(text, pos).end()
        if text.startswith("--", pos) or (lexis.hash_comments and text.startswith("#", pos)):
            newline = text.find("\n", pos)
            pos = len(text) if newline < 0 else newline + 1
        elif text.startswith("/*", pos):
            end = _block_comment_end(text, pos, lexis.nested_comments)
            if end < 0:
                return len(text), Unclosed(pos, "comment")
            pos = end
        else:
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


class _Scanner:
    """Finds where each statement ends, collecting its comments.

    It searches for a single character class (a regex alternation would be
    five times slower on a large dump) and then looks at what it found."""

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
        self.special = re.compile(f"[{re.escape(characters)}]")

    def scan(self, pos: int) -> tuple[int, int]:
        """(end of the statement text, where the next statement may start)."""
        text, delimiter, search, handlers = self.text, self.delimiter, self.special.search, self.handlers
        self.comments = []
        while True:
            match = search(text, pos)
            if match is None:
                return len(text), len(text)
            pos = match.start()
            if text.startswith(delimiter, pos):
                return pos, pos + len(delimiter)
            go = _GO_LINE.match(text, pos + 1) if text[pos] == "\n" else None
            if go:  # a T-SQL batch separator ends the statement like a terminator
                return pos, go.end()
            handler = handlers.get(text[pos])
            pos = handler(pos) if handler else pos + 1
            if self.unclosed:
                return len(text), len(text)

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
