"""A tolerant, regex-based reader for statements sqlglot cannot parse.

Install scripts are full of SQL no parser accepts (``ENGINE=ENGINE_TYPE``
placeholders, a missing comma, vendor options), and a linter that skipped
those tables would pass exactly the columns nobody looked at. This reader
knows very little SQL: a table name, then ``name type`` items inside the
outer parentheses (or after ``ADD [COLUMN]``), skipping constraint items. It
keeps positions, so its fields point at the right line and column too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from datalint.sources.sql_catalogue import Catalogue, RawColumn, TableName
from datalint.sources.sql_dialect import Lexis
from datalint.sources.sql_split import Statement

_IDENT = r"""(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[^\s.,;()'"`\[\]]+)"""
_QNAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
_STRING = r"'(?:[^'\\]|\\.|'')*'"

_CREATE_TABLE = re.compile(
    rf"CREATE\s+(?:\w+\s+)*?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{_QNAME})\s*(?P<body>\()?", re.IGNORECASE
)
_ALTER_TABLE = re.compile(
    rf"ALTER\s+(?:\w+\s+)*?TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<name>{_QNAME})", re.IGNORECASE
)
_CREATE_ENUM = re.compile(
    rf"CREATE\s+(?:OR\s+REPLACE\s+)?TYPE\s+(?P<name>{_QNAME})\s+AS\s+ENUM\s*\((?P<labels>.*)", re.IGNORECASE | re.DOTALL
)
_COMMENT_ON = re.compile(
    rf"COMMENT\s+ON\s+(?P<kind>TABLE|COLUMN)\s+(?P<name>{_QNAME})\s+IS\s+(?P<text>{_STRING})", re.IGNORECASE | re.DOTALL
)
_ADD = re.compile(r"ADD\b(?P<column>\s+COLUMN)?(?:\s+IF\s+NOT\s+EXISTS)?\s*", re.IGNORECASE)
_TYPE = r"(?:\[\w+\]|[A-Za-z_]\w*)(?:\s+(?:varying|precision))?(?:\s*\([^()]*\))?(?:\s*\[\])*"
_COLUMN = re.compile(rf"(?P<name>{_IDENT}(?:\.{_IDENT})*)(?:\s+(?P<type>{_TYPE}))?", re.IGNORECASE)
_BRACKETED_TYPE = re.compile(r"^\[(\w+)\]")
_LEADING_NOISE = re.compile(r"(?:\s+|--[^\n]*|#[^\n]*|/\*.*?\*/)*", re.DOTALL)
_TARGET_COLUMNS = r"(?:\s*\((?P<target_columns>[^)]*)\))?"
_FOREIGN_KEY = re.compile(
    rf"FOREIGN\s+KEY\s*\((?P<columns>[^)]*)\)\s*REFERENCES\s+(?P<target>{_QNAME}){_TARGET_COLUMNS}", re.IGNORECASE
)
_REFERENCES = re.compile(rf"\bREFERENCES\s+(?P<target>{_QNAME}){_TARGET_COLUMNS}", re.IGNORECASE)
_INLINE_COMMENT = re.compile(rf"\bCOMMENT\s*=?\s*(?P<text>{_STRING})", re.IGNORECASE | re.DOTALL)
_DEFAULT = re.compile(rf"\bDEFAULT\s+(?P<value>{_STRING}|-?\d+(?:\.\d+)?\b|TRUE\b|FALSE\b)", re.IGNORECASE)
_STRING_LITERAL = re.compile(_STRING, re.DOTALL)
_IDENT_PART = re.compile(_IDENT)

#: Words that start a constraint item or continue the previous column's
#: definition on a new line; never column names when unquoted.
_NOT_A_COLUMN = frozenset(
    """add alter as auto_increment character charset check collate column comment constraint default drop
    exclude foreign fulltext generated identity index key like not null on period primary references
    spatial unique unsigned zerofill""".split()
)
_CONSTRAINT_START = frozenset(
    "check constraint exclude foreign fulltext index key like period primary spatial unique".split()
)


class Outcome(NamedTuple):
    columns: int
    """How many columns were read."""
    defines_columns: bool
    """Whether the statement visibly defines columns, so reading none of them
    means columns went unlinted."""


def read_statement(kind: str, statement: Statement, lexis: Lexis, catalogue: Catalogue) -> Outcome:
    """Read ``statement`` (a ``create_table``, ``alter_table``,
    ``create_type`` or ``comment``) into ``catalogue``."""
    return getattr(_Reader(statement, lexis, catalogue), kind)()


class _Reader:
    def __init__(self, statement: Statement, lexis: Lexis, catalogue: Catalogue) -> None:
        self.text = statement.text
        self.offset = statement.start
        self.lexis = lexis
        self.catalogue = catalogue

    def create_table(self) -> Outcome:
        head = _CREATE_TABLE.match(self.text)
        if head is None:
            return Outcome(0, "(" in self.text)
        if head.group("body") is None:
            return Outcome(0, False)  # CREATE TABLE ... AS SELECT / LIKE: no columns written here
        table = _table_name(head.group("name"))
        outcome, close = self._body(head.start("body"), table)
        for key in _FOREIGN_KEY.finditer(self.text, head.start("body"), close):
            self._note_foreign_key(key, table)
        table_comment = _INLINE_COMMENT.search(self.text, close)
        if table_comment:
            self.catalogue.table_comments.add(table.schema, (table.name,), _unquote_string(table_comment.group("text")))
        return outcome

    def alter_table(self) -> Outcome:
        head = _ALTER_TABLE.match(self.text)
        if head is None:
            return Outcome(0, False)
        table = _table_name(head.group("name"))
        actions, _ = _pieces(self.text, head.end(), 0, self.lexis, newlines=False)
        found, defines = 0, False
        for start, end in actions:
            outcome = self._add(start, end, table)
            found, defines = found + outcome.columns, defines or outcome.defines_columns
        for key in _FOREIGN_KEY.finditer(self.text):
            self._note_foreign_key(key, table)
        return Outcome(found, defines)

    def create_type(self) -> Outcome:
        match = _CREATE_ENUM.match(self.text)
        if match:
            name = _table_name(match.group("name"))
            labels = [_unquote_string(label) for label in _STRING_LITERAL.findall(match.group("labels"))]
            self.catalogue.enum_types.add(name.schema, (name.name,), labels)
        return Outcome(0, False)

    def comment(self) -> Outcome:
        match = _COMMENT_ON.match(self.text)
        if match:
            parts = _name_parts(match.group("name"))
            text = _unquote_string(match.group("text"))
            if match.group("kind").upper() == "TABLE":
                table = TableName.from_parts(parts)
                self.catalogue.table_comments.add(table.schema, (table.name,), text)
            elif len(parts) >= 2:
                self.catalogue.column_comments.add(parts[-3] if len(parts) > 2 else None, (parts[-2], parts[-1]), text)
        return Outcome(0, False)

    def _body(self, opening: int, table: TableName) -> tuple[Outcome, int]:
        """Read the column list whose ``(`` is at ``opening``; also return
        where the list ends.

        Typed columns are looked for line by line as well as item by item,
        so that a missing comma costs nothing; lines that merely continue a
        column (``NOT NULL DEFAULT 0``) are folded back into it. Untyped
        columns (SQLite allows them) are accepted only as whole items, where
        a lone word cannot be a fragment of something else."""
        found, close = self._typed_columns(opening, table)
        pieces, _ = _pieces(self.text, opening, 1, self.lexis, newlines=False)
        starts = [(_item(self.text, start, end), end) for start, end in pieces]
        items = [(start, end) for start, end in starts if start is not None]
        for start, end in items:
            column = self._lone_column(start, end, table)
            if column is not None:
                found += 1
                self.catalogue.columns.append(column)
        defines = any(_first_word(self.text, start) not in _CONSTRAINT_START for start, _ in items)
        return Outcome(found, defines), close

    def _typed_columns(self, opening: int, table: TableName) -> tuple[int, int]:
        pieces, close = _pieces(self.text, opening, 1, self.lexis, newlines=True)
        found = 0
        current: tuple[RawColumn, int] | None = None
        for start, end in pieces:
            item = _item(self.text, start, end)
            if item is None:
                continue
            column = self._typed_column(item, end, table)
            if column is not None:
                self._finish(current, start)
                current, found = (column, item), found + 1
                self.catalogue.columns.append(column)
            elif _first_word(self.text, item) in _CONSTRAINT_START:
                self._finish(current, start)
                current = None
        self._finish(current, close)
        return found, close

    def _add(self, start: int, end: int, table: TableName) -> Outcome:
        """One ``ADD [COLUMN] name type ...`` or ``ADD (name type, ...)`` action."""
        item = _item(self.text, start, end)
        add = _ADD.match(self.text, item) if item is not None else None
        if add is None:
            return Outcome(0, False)
        if self.text.startswith("(", add.end()):
            return self._body(add.end(), table)[0]
        column = self._typed_column(add.end(), end, table)
        if column is None:
            return Outcome(0, add.group("column") is not None)
        self.catalogue.columns.append(column)
        self._finish((column, add.end()), end)
        return Outcome(1, True)

    def _typed_column(self, item: int, end: int, table: TableName) -> RawColumn | None:
        match = _COLUMN.match(self.text, item, end)
        if match is None or match.group("type") is None or match.group("name").lower() in _NOT_A_COLUMN:
            return None
        type_text = _BRACKETED_TYPE.sub(r"\1", " ".join(match.group("type").lower().split()))
        column = RawColumn(table, _column_name(match.group("name")), self.offset + item, type=type_text)
        if type_text.startswith(("enum", "set")):
            column.enum.extend(_unquote_string(label) for label in _STRING_LITERAL.findall(type_text))
        return column

    def _lone_column(self, item: int, end: int, table: TableName) -> RawColumn | None:
        match = _COLUMN.match(self.text, item, end)
        if match is None or match.group("type") is not None or match.group("name").lower() in _NOT_A_COLUMN:
            return None
        if not _blank(self.text, match.end(), end):
            return None
        return RawColumn(table, _column_name(match.group("name")), self.offset + item)

    def _finish(self, current: tuple[RawColumn, int] | None, end: int) -> None:
        """Read what the column's own text says beyond its name and type:
        ``DEFAULT``, ``COMMENT``, ``REFERENCES``."""
        if current is None:
            return
        column, start = current
        definition = self.text[start:end]
        default = _DEFAULT.search(definition)
        if default:
            value = default.group("value")
            column.default = _unquote_string(value) if value.startswith("'") else value
        comment = _INLINE_COMMENT.search(definition)
        if comment:
            column.comment = _unquote_string(comment.group("text"))
        reference = _REFERENCES.search(definition)
        if reference:
            column.references = _table_name(reference.group("target")).written
            column.reference_column = next(iter(_target_columns(reference)), None)

    def _note_foreign_key(self, match: re.Match[str], table: TableName) -> None:
        columns = [_unquote(part) for part in _IDENT_PART.findall(match.group("columns"))]
        self.catalogue.add_reference(table, columns, _table_name(match.group("target")).written, _target_columns(match))


def _target_columns(match: re.Match[str]) -> list[str]:
    return [_unquote(part) for part in _IDENT_PART.findall(match.group("target_columns") or "")]


def _column_name(written: str) -> str:
    """Unquoted; a dotted name (Spark's ``ADD COLUMN point.z``) stays dotted."""
    return ".".join(_name_parts(written))


@lru_cache(maxsize=8)
def _tokens(lexis: Lexis) -> re.Pattern[str]:
    """Just enough tokens to find parentheses, commas and line ends that are
    not inside quotes or comments."""
    string = _STRING if lexis.backslash_escapes else r"'(?:[^']|'')*'"
    hash_comment = r"#[^\n]*|" if lexis.hash_comments else ""
    quoted = rf"""{string}|"(?:[^"]|"")*"|`(?:[^`]|``)*`"""
    comments = rf"--[^\n]*|/\*.*?(?:\*/|\Z)|{hash_comment}"
    return re.compile(rf"""{quoted}|{comments}[(),\n]|[^'"`(),\n\-/#]+|.""", re.DOTALL)


def _pieces(text: str, start: int, level: int, lexis: Lexis, newlines: bool) -> tuple[list[tuple[int, int]], int]:
    """Stretches of ``text`` at nesting ``level``, cut at commas (and at line
    ends if ``newlines``), plus where the list ends. A list that never closes
    runs to the end of the statement."""
    pieces: list[tuple[int, int]] = []
    depth, begin = 0, start
    for token in _tokens(lexis).finditer(text, start):
        value = token.group()
        if value == "(":
            depth += 1
            if depth == level:
                begin = token.end()
        elif value == ")":
            if depth == level and level:
                pieces.append((begin, token.start()))
                return pieces, token.start()
            depth = max(depth - 1, 0)
        elif depth == level and (value == "," or (value == "\n" and newlines)):
            pieces.append((begin, token.start()))
            begin = token.end()
    pieces.append((begin, len(text)))
    return pieces, len(text)


def _blank(text: str, start: int, end: int) -> bool:
    return _LEADING_NOISE.match(text, start, end).end() == end


def _item(text: str, start: int, end: int) -> int | None:
    """Where the item's first word is, past blanks and comments."""
    position = _LEADING_NOISE.match(text, start, end).end()
    return position if position < end else None


def _first_word(text: str, position: int) -> str:
    match = _IDENT_PART.match(text, position)
    return match.group().lower() if match else ""


def _table_name(written: str) -> TableName:
    return TableName.from_parts(_name_parts(written))


def _name_parts(written: str) -> list[str]:
    return [_unquote(part) for part in _IDENT_PART.findall(written)]


def _unquote(identifier: str) -> str:
    if identifier[:1] in ('"', "`") and identifier[-1:] == identifier[:1] and len(identifier) > 1:
        quote = identifier[0]
        return identifier[1:-1].replace(quote * 2, quote)
    if identifier.startswith("[") and identifier.endswith("]"):
        return identifier[1:-1]
    return identifier


def _unquote_string(literal: str) -> str:
    return literal[1:-1].replace("''", "'").replace("\\'", "'")
