"""The SQL DDL reader: columns from ``CREATE TABLE`` / ``ALTER TABLE``, with
the comments, enum values, defaults and foreign keys that describe them.

A dump is mostly statements that define no columns, and sqlglot is slow, so
the file is split without tokenising (``sql_split``) and only statements that
can define or describe columns are parsed. pg_dump's own shapes are read
without sqlglot (``sql_fastpath``, ``sql_postgres``), and sqlglot is imported
only when a statement needs it (``sql_tree``): importing it costs as much as
the rest of a one-file run. A statement that no dialect can parse is noted
(DL003) and read with a tolerant regex reader (``sql_fallback``); only if
that also finds nothing in a statement that visibly defines columns is it an
error (DL004), because those columns went unlinted.
"""

from __future__ import annotations

import re
from functools import lru_cache
from types import ModuleType

from datalint.diagnostics import diagnostic
from datalint.model import Diagnostic, ReadResult
from datalint.sources import sql_postgres
from datalint.sources.sql_annotations import attach_statement_suppressions
from datalint.sources.sql_catalogue import Catalogue, LineIndex, TableName, attach_trailing_comments, build_fields
from datalint.sources.sql_fastpath import (
    ColumnType,
    blank_plain_checks,
    read_added_columns,
    read_comment,
    read_create_table,
    read_enum_type,
    read_foreign_key,
    read_listed_check,
    read_plain_check,
)
from datalint.sources.sql_dialect import detect_dialect, lexis_for, retry_order
from datalint.sources.sql_split import Statement, Unclosed, split_statements

_KIND = re.compile(
    r"""CREATE\s+(?:OR\s+REPLACE\s+)?
         (?:(?P<create_table>(?:(?:GLOBAL|LOCAL|TEMPORARY|TEMP|UNLOGGED|TRANSIENT|VOLATILE|EXTERNAL|VIRTUAL|MULTISET
                                |SET|HYBRID|DYNAMIC|ICEBERG)\s+)*TABLE\b)
           |(?P<create_type>TYPE\b))
       |(?P<alter_table>ALTER\s+(?:ONLINE\s+|IGNORE\s+)?TABLE\b)
       |(?P<comment>COMMENT\s+ON\s+(?:TABLE|COLUMN)\b)""",
    re.IGNORECASE | re.VERBOSE,
)
# Most ALTER TABLEs in a dump add primary keys and indexes, set defaults or
# owners: they say nothing about columns and are not worth parsing.
_ALTER_OF_INTEREST = re.compile(
    r"\bADD\b(?!\s+(?:CONSTRAINT\s+\S+\s+)?(?:PRIMARY|UNIQUE|INDEX|KEY|FULLTEXT|SPATIAL|PARTITION|EXCLUDE)\b)"
    r"|\bREFERENCES\b|\bCOMMENT\b",
    re.IGNORECASE,
)
_ALTER_WORDS = ("ADD", "REFERENCES", "COMMENT")
#: Longer statements go straight to the fallback, whose cost is linear:
#: sqlglot's is not (66 s and 6.7 GB for one 50 MB CREATE TABLE).
MAX_PARSED_CHARACTERS = 1_000_000
_LABELS = {
    "create_table": "CREATE TABLE",
    "alter_table": "ALTER TABLE",
    "create_type": "CREATE TYPE",
    "comment": "COMMENT ON",
}


def read_sql(text: str, path: str, dialect: str | None = None) -> ReadResult:
    """Read every column defined in ``text``. Never raises on bad SQL: what
    could not be read is reported as diagnostics located in ``path``."""
    if dialect is not None and not _sql_tree().known_dialect(dialect.lower()):
        return ReadResult(diagnostics=(diagnostic("DL008", f"unknown SQL dialect {dialect!r}", path),), skipped="unknown SQL dialect")
    reader = _Reader(text, path, dialect.lower() if dialect else detect_dialect(text))
    return reader.read()


class _Reader:
    def __init__(self, text: str, path: str, dialect: str) -> None:
        self.path = path
        self.dialects = (dialect, *retry_order(dialect))
        self.lexis = lexis_for(dialect)
        self.lines = LineIndex(text)
        self.catalogue = Catalogue()
        self.diagnostics: list[Diagnostic] = []
        self.text = text

    def read(self) -> ReadResult:
        statements, unclosed = self._split()
        for statement in statements:
            kind = _kind(statement.text)
            if kind:
                self._read_statement(kind, statement)
        if unclosed:
            self._report("DL002", f"unterminated {unclosed.what}: nothing after it was read", unclosed.start)
        return ReadResult(
            fields=build_fields(self.catalogue, self.path, self.lines),
            diagnostics=tuple(self.diagnostics),
        )

    def _split(self) -> tuple[list[Statement], Unclosed | None]:
        """Split by the dialect's rules; if that leaves a quote open, try the
        other backslash convention before giving up on the rest of the file
        (MySQL-escaped strings are common in files that look like anything)."""
        split = split_statements(self.text, self.lexis)
        if split[1] is None:
            return split
        lexis = self.lexis._replace(backslash_escapes=not self.lexis.backslash_escapes)
        retry = split_statements(self.text, lexis)
        if retry[1] is not None:
            return split
        self.lexis = lexis
        return retry

    def _read_statement(self, kind: str, statement: Statement) -> None:
        if kind == "alter_table" and (read_foreign_key(statement.text, self.catalogue) or read_plain_check(statement.text)):
            return
        before = len(self.catalogue.columns)
        if len(statement.text) > MAX_PARSED_CHARACTERS:
            reason = f"longer than the {MAX_PARSED_CHARACTERS:,}-character limit for parsing"
        elif self._read_without_tree(kind, statement):
            reason = None
        else:
            parsable = blank_plain_checks(statement.text) if kind == "create_table" else statement.text
            reason = self._read_with_sqlglot(parsable, statement.start)
        if reason:
            self._read_with_fallback(kind, statement, reason)
        attach_trailing_comments(self.catalogue.columns[before:], statement.comments, self.lines)
        attach_statement_suppressions(self.catalogue.columns[before:], self.text, statement.start, self.path, self.lines)

    def _read_without_tree(self, kind: str, statement: Statement) -> bool:
        """Read a PostgreSQL statement shaped as pg_dump (or a plain
        hand-written table) writes it, without sqlglot; False for any other
        statement. Only PostgreSQL: in MySQL, "x" is a string."""
        if self.dialects[0] != "postgres":
            return False
        text, start, catalogue = statement.text, statement.start, self.catalogue
        if kind == "create_table":
            return read_create_table(text, start, catalogue, _postgres_column_type, _postgres_check_values)
        if kind == "alter_table":
            return read_added_columns(text, start, catalogue, _postgres_column_type) or read_listed_check(text, catalogue)
        return (read_comment if kind == "comment" else read_enum_type)(text, catalogue)

    def _read_with_fallback(self, kind: str, statement: Statement, reason: str) -> None:
        label = _LABELS[kind]
        note = f"{label} statement not parsed ({reason}); read with the tolerant fallback"
        self._report("DL003", note, statement.start)
        from datalint.sources import sql_fallback  # only for statements sqlglot could not read

        outcome = sql_fallback.read_statement(kind, statement, self.lexis, self.catalogue)
        if outcome.defines_columns and not outcome.columns:
            message = f"could not read the columns of this {label} statement; they were not linted"
            self._report("DL004", message, statement.start)

    def _read_with_sqlglot(self, text: str, offset: int) -> str | None:
        """Read the statement in the first dialect that parses it; otherwise
        say why the first one failed."""
        first_reason = None
        for name in self.dialects:
            reason = self._try_dialect(text, offset, name)
            if reason is None:
                return None
            first_reason = first_reason or reason
        return first_reason

    def _try_dialect(self, text: str, offset: int, name: str) -> str | None:
        sql_tree = _sql_tree()
        trees = sql_tree.parse(text, name)
        if isinstance(trees, str):
            return trees
        before = len(self.catalogue.columns)
        try:
            if trees and all(sql_tree.read_tree(tree, offset, self.catalogue) for tree in trees):
                return None
        except Exception:  # noqa: BLE001 - an odd tree must not cost the file; the fallback still reads it
            pass
        del self.catalogue.columns[before:]
        return "unsupported syntax"

    def _report(self, code: str, message: str, offset: int) -> None:
        line, column = self.lines.position(offset)
        self.diagnostics.append(diagnostic(code, message, self.path, line, column))


def _kind(text: str) -> str | None:
    """Which column-related statement this is, if any; decided on the text so
    that the rest of a dump is never tokenised."""
    match = _KIND.match(text)
    if match is None:
        return None
    if match.lastgroup == "alter_table" and not _alters_columns(text, match.end()):
        return None
    return match.lastgroup


def _alters_columns(text: str, pos: int) -> bool:
    """Whether an ALTER TABLE may add, describe or link columns. A dump has
    thousands, and the regex has no literal to skip ahead by, so in ASCII
    text (where upper-casing moves nothing) it is tried only where one of
    its words appears."""
    if not text.isascii():
        return _ALTER_OF_INTEREST.search(text, pos) is not None
    upper = text.upper()
    for word in _ALTER_WORDS:
        start = upper.find(word, pos)
        while start >= 0:
            if _ALTER_OF_INTEREST.match(text, start):
                return True
            start = upper.find(word, start + 1)
    return False


@lru_cache(maxsize=4096)
def _postgres_column_type(written: str) -> ColumnType:
    """What the tree reader makes of a column type spelled ``written``
    (a dump repeats a few dozen spellings)."""
    return sql_postgres.column_type(written) or _sql_tree().column_type(written)


def _postgres_check_values(item: str, table: TableName) -> list[tuple[str, list[str]]] | None:
    """The (column, allowed values) pairs the tree reader records for one
    ``CONSTRAINT ... CHECK (...)`` item of ``table``."""
    found = sql_postgres.check_values(item)
    return found if found is not None else _sql_tree().check_values(item, table)


def _sql_tree() -> ModuleType:
    """sqlglot and the tree reader, imported when a statement first needs them."""
    from datalint.sources import sql_tree

    return sql_tree

