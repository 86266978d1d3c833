"""Guessing a file's SQL dialect, and what that dialect means for splitting.

Detection must cost next to nothing on a multi-megabyte dump, so it looks for
a handful of tell-tale substrings instead of tokenising anything. A wrong
guess is not fatal: statements that fail in the guessed dialect are retried in
the others (see ``retry_order``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

DEFAULT_DIALECT = "postgres"

#: The dialects a failing statement is retried in, most forgiving first.
_RETRY_DIALECTS = ("postgres", "mysql", "sqlite", "tsql", "bigquery", "snowflake")

# Each marker is searched in the upper-cased text; one hit is one vote. Every
# pattern starts with a literal so that the regex engine can skip ahead fast.
_MARKERS: dict[str, tuple[re.Pattern[str], ...]] = {
    "mysql": (
        re.compile(r"`"),
        re.compile(r"ENGINE\s*="),
        re.compile(r"AUTO_INCREMENT"),
        re.compile(r"\n[ \t]*#"),
        re.compile(r"/\*!\d"),
    ),
    "postgres": (
        re.compile(r"SET\s+SEARCH_PATH\b"),
        re.compile(r"OWNER\s+TO\b"),
        re.compile(r"::"),
        re.compile(r"\$\$"),
        re.compile(r"NEXTVAL\("),
        re.compile(r"TABLE\s+\""),  # in MySQL "x" is a string, not a table name
    ),
    "sqlite": (
        re.compile(r"AUTOINCREMENT"),
        re.compile(r"WITHOUT\s+ROWID\b"),
    ),
    "tsql": (
        re.compile(r"\[[A-Z_][A-Z0-9_ ]*\]"),
        re.compile(r"\nGO[ \t]*(?:\n|$)"),
        re.compile(r"NVARCHAR\b"),
    ),
}

_MYSQL_LIKE = frozenset({"mysql", "doris", "starrocks"})
_BACKSLASH_ESCAPES = _MYSQL_LIKE | {"bigquery", "hive", "spark", "spark2", "databricks", "clickhouse"}
_BRACKET_QUOTES = frozenset({"tsql", "fabric", "sqlite"})
_GO_BATCHES = frozenset({"tsql", "fabric"})


class Lexis(NamedTuple):
    """The lexical habits that decide where a statement ends: a ``;`` inside
    any of these constructs is not a terminator."""

    backslash_escapes: bool
    """``'it\\'s'`` is one string (MySQL and friends)."""
    hash_comments: bool
    """``# ...`` is a comment (MySQL); elsewhere ``#`` is an operator."""
    bracket_quotes: bool
    """``[name]`` is a quoted identifier (T-SQL, SQLite); elsewhere ``[`` is
    an array subscript."""
    dollar_quotes: bool
    """``$tag$ ... $tag$`` bodies (PostgreSQL and most others; MySQL uses
    ``$$`` as a ``DELIMITER`` instead)."""
    nested_comments: bool
    """``/* /* */ */`` nests (PostgreSQL)."""
    go_batches: bool
    """A line holding only ``GO`` ends a batch (T-SQL)."""


def detect_dialect(text: str) -> str:
    """The dialect with the most distinct markers present; PostgreSQL on a
    tie or when nothing stands out, because it is the most common dump
    format."""
    upper = "\n" + text.upper()  # so that line-start markers match on line 1
    postgres = _votes(upper, _MARKERS[DEFAULT_DIALECT], 0)
    votes = {name: _votes(upper, markers, postgres) for name, markers in _MARKERS.items() if name != DEFAULT_DIALECT}
    best = max(votes.values(), default=0)
    if best <= postgres:
        return DEFAULT_DIALECT
    return next(name for name, count in votes.items() if count == best)


def _votes(upper: str, markers: tuple[re.Pattern[str], ...], to_beat: int) -> int:
    """How many of ``markers`` are present, if that can be more than
    ``to_beat``; otherwise some number no greater than it. Each search may
    read the whole file, so a dialect that can no longer win is not
    searched further (a pg_dump is barely searched for the others' markers)."""
    found = 0
    for index, marker in enumerate(markers):
        if found + len(markers) - index <= to_beat:
            return found
        found += marker.search(upper) is not None
    return found


def retry_order(dialect: str) -> tuple[str, ...]:
    """The other dialects to try, in order, for a statement that ``dialect``
    could not parse."""
    return tuple(name for name in _RETRY_DIALECTS if name != dialect)


def lexis_for(dialect: str) -> Lexis:
    return Lexis(
        backslash_escapes=dialect in _BACKSLASH_ESCAPES,
        hash_comments=dialect in _MYSQL_LIKE or dialect == "bigquery",
        bracket_quotes=dialect in _BRACKET_QUOTES,
        dollar_quotes=dialect not in _MYSQL_LIKE,
        nested_comments=dialect == "postgres",
        go_batches=dialect in _GO_BATCHES,
    )
