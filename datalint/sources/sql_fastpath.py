"""Shortcuts for the shapes that dominate a pg_dump. In GitLab's
``structure.sql`` (1,400 tables, 1,700 foreign-key ALTERs, 2,250 CHECK
constraint lines) parsing them cost most of the read; in a small dump,
importing sqlglot for its ``COMMENT ON`` and ``CREATE TYPE`` statements cost
as much as the rest of the run.

Every shortcut is exact or harmless: a statement is taken only if the whole
of it has the expected shape, and a CHECK constraint is skipped (or blanked
before a table goes to sqlglot) only if it cannot list enum values. Anything
else goes to sqlglot as usual.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from datalint.sources import sql_postgres
from datalint.sources.sql_catalogue import Catalogue, RawColumn, TableName

_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_QUALIFIED = rf"{_NAME}(?:\.{_NAME})?"
_NAMES = rf"{_NAME}(?:\s*,\s*{_NAME})*"
_FOREIGN_KEY = re.compile(
    rf"""ALTER\s+TABLE\s+(?:ONLY\s+)?(?P<table>{_QUALIFIED})\s+
         ADD\s+CONSTRAINT\s+{_NAME}\s+FOREIGN\s+KEY\s*\((?P<columns>{_NAMES})\)\s*
         REFERENCES\s+(?P<target>{_QUALIFIED})\s*(?:\((?P<target_columns>{_NAMES})\))?
         (?:\s+(?:ON\s+(?:DELETE|UPDATE)\s+(?:CASCADE|RESTRICT|NO\s+ACTION|SET\s+NULL|SET\s+DEFAULT)
                 |NOT\s+VALID|(?:NOT\s+)?DEFERRABLE|INITIALLY\s+(?:DEFERRED|IMMEDIATE)|MATCH\s+(?:FULL|SIMPLE)))*""",
    re.IGNORECASE | re.VERBOSE,
)
_NAME_PART = re.compile(_NAME)

# pg_dump writes each table CHECK on a line of its own, after the columns:
# ",\n    CONSTRAINT name CHECK (...)". The leading comma goes with it, so the
# item list stays well-formed whether or not the constraint was the last item.
_CHECK_LINE = re.compile(r",[ \t]*\n[ \t]*CONSTRAINT[ \t]+\w+[ \t]+CHECK[ \t]*\(.*\)(?=,?[ \t]*\n)")
_ENUM_SHAPE = re.compile(r"\bIN\b|\bANY\b|'", re.IGNORECASE)


def read_foreign_key(text: str, catalogue: Catalogue) -> bool:
    """Record a pg_dump-shaped ``ALTER TABLE ONLY t ADD CONSTRAINT c FOREIGN
    KEY (a) REFERENCES u(id) ON DELETE CASCADE``; False if ``text`` is not
    exactly that."""
    match = _FOREIGN_KEY.fullmatch(text)
    if match is None:
        return False
    table = _table(match.group("table"))
    target = _table(match.group("target"))
    catalogue.add_reference(table, _parts(match.group("columns")), target.written, _parts(match.group("target_columns") or ""))
    return True


# PostgreSQL only (in MySQL "x" is a string): names sqlglot reads as names,
# strings it reads as written.
_COMMENT_ON = re.compile(
    rf"""COMMENT\s+ON\s+(?P<kind>TABLE|COLUMN)\s+(?P<name>{sql_postgres.NAME}(?:\.{sql_postgres.NAME}){{0,2}})
         \s+IS\s+(?P<text>{sql_postgres.STRING})""",
    re.IGNORECASE | re.VERBOSE,
)
_ENUM_TYPE = re.compile(
    rf"""CREATE\s+TYPE\s+(?P<name>{sql_postgres.NAME}(?:\.{sql_postgres.NAME})?)\s+AS\s+ENUM\s*
         \(\s*(?P<labels>{sql_postgres.STRING}(?:\s*,\s*{sql_postgres.STRING})*)\s*\)""",
    re.IGNORECASE | re.VERBOSE,
)


def read_comment(text: str, catalogue: Catalogue) -> bool:
    """Record ``COMMENT ON TABLE [s.]t IS '...'`` or ``COMMENT ON COLUMN
    [s.]t.c IS '...'`` (PostgreSQL) as the tree reader would; False if
    ``text`` is not exactly that."""
    match = _COMMENT_ON.fullmatch(text)
    parts = sql_postgres.names(match.group("name")) if match else None
    if parts is None:
        return False
    comment = sql_postgres.strings(match.group("text"))[0]
    if match.group("kind").upper() == "COLUMN":
        if len(parts) < 2:
            return False
        catalogue.column_comments.add(parts[0] if len(parts) == 3 else None, (parts[-2], parts[-1]), comment)
    elif len(parts) < 3:
        table = TableName.from_parts(parts)
        if comment:
            catalogue.table_comments.add(table.schema, (table.name,), comment)
    else:
        return False
    return True


def read_enum_type(text: str, catalogue: Catalogue) -> bool:
    """Record ``CREATE TYPE [s.]t AS ENUM ('a', ...)`` (PostgreSQL) as the
    tree reader would; False if ``text`` is not exactly that."""
    match = _ENUM_TYPE.fullmatch(text)
    parts = sql_postgres.names(match.group("name")) if match else None
    if parts is None:
        return False
    name = TableName.from_parts(parts)
    catalogue.enum_types.add(name.schema, (name.name,), sql_postgres.strings(match.group("labels")))
    return True


def blank_plain_checks(text: str) -> str:
    """``text`` with every CHECK constraint line that cannot hold enum values
    (no ``IN``, ``ANY`` or string literal) replaced by spaces. Offsets and
    line breaks are kept, so positions in the parse tree stay true."""
    if "CHECK" not in text:
        return text
    return _CHECK_LINE.sub(_blank_unless_enum, text)


def _blank_unless_enum(match: re.Match[str]) -> str:
    written = match.group()
    if _ENUM_SHAPE.search(written) or not _one_parenthesis(written[written.index("(") :]):
        return written
    return re.sub(r"[^\n]", " ", written)


def _one_parenthesis(condition: str) -> bool:
    """True if ``condition`` is a single parenthesised group, so the line
    holds nothing but the constraint (``CHECK (a > 0)), b int`` does not).
    One match answers for the usual shallow groups; deeper ones are walked."""
    if _ONE_GROUP.fullmatch(condition):
        return True
    return condition.startswith("(") and sql_postgres.closing(condition) == len(condition) - 1


def _parts(written: str) -> list[str]:
    return [part[1:-1].replace('""', '"') if part.startswith('"') else part for part in _NAME_PART.findall(written)]


@lru_cache(maxsize=4096)
def _table(written: str) -> TableName:
    """The table named ``written`` (a dump names the same tables thousands
    of times, in its keys)."""
    return TableName.from_parts(_parts(written))


# ------------------------------------------------------------ CREATE TABLE
#
# pg_dump writes every table the same way: one column per line, a type from
# a short list, a literal or a handful of well-known functions as DEFAULT,
# NOT NULL, and CHECK constraints after the columns. sqlglot spent about 0.7
# of GitLab's 0.9 s read on those 1,400 statements. A statement is taken
# here only if every item has exactly that shape; anything else (a quoted
# type, COLLATE, GENERATED, any other constraint, a CHECK with more than its
# condition, a trailer other than PARTITION BY) goes to sqlglot. Column types
# and CHECKs that list values are read by ``sql_postgres`` when they have one
# of its shapes, otherwise by sqlglot, once per distinct spelling.

_TABLE_HEAD = re.compile(rf"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<table>{_QUALIFIED})\s*\(", re.IGNORECASE)
# Items and the end of the list: quotes and comments are skipped whole.
_ITEM_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/|[(),]|[^'"(),/-]+|[/-]""", re.DOTALL)
# The same tokens, in one match per item when the item holds no comment and
# its parentheses nest at most six deep (all of GitLab's do): each token is
# matched atomically, as the tokenizer takes the first it finds.
_QUOTES = r"""'(?:[^']|'')*+'|"(?:[^"]|"")*+"|-(?!-)|/(?!\*)"""


def _nested(depth: int) -> str:
    """A parenthesised group, nesting at most ``depth`` deep."""
    inner = f"|{_nested(depth - 1)}" if depth > 1 else ""
    return rf"""\((?:[^'"()/-]++|{_QUOTES}{inner})*+\)"""


_PLAIN_ITEM = re.compile(rf"""(?:[^'"(),/-]++|{_QUOTES}|{_nested(6)})*+""")
_ONE_GROUP = re.compile(_nested(6))
_COMMENT_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|(--[^\n]*|/\*.*?\*/)""", re.DOTALL)
_TRAILER = re.compile(r"\s*(?:PARTITION\s+BY\s+(?:RANGE|LIST|HASH)\s*\((?:[^()'\"]|\"(?:[^\"]|\"\")*\")*\))?\s*", re.IGNORECASE)
_COLUMN_NAME = re.compile(rf"{_NAME}(?=\s)")
# Column constraints the tree reader ignores, before or after the DEFAULT.
_MARKS = r"(?:\s+(?:NOT\s+NULL|NULL|PRIMARY\s+KEY|UNIQUE))*"
_MARK = re.compile(r"NOT\s+NULL|NULL|PRIMARY\s+KEY|UNIQUE", re.IGNORECASE)
_COLUMN_REST = re.compile(rf"\s+(?P<rest>.*?)(?P<after>{_MARKS})\s*", re.IGNORECASE | re.DOTALL)
_TYPE = r"""[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)?(?:\s+(?:varying|precision))?(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\s+with(?:out)?\s+time\s+zone)?(?:\[\])*"""
_COLUMN_TYPE = re.compile(
    rf"(?P<type>{_TYPE})(?P<before>{_MARKS})(?:\s+DEFAULT\s+(?P<default>.+)|\s+GENERATED\s+ALWAYS\s+AS\s+(?P<generated>\(.*\))\s+STORED)?",
    re.IGNORECASE | re.DOTALL,
)
_CAST = rf"""(?:::(?:{_TYPE}|"char"))*"""
_DEFAULT_STRING = re.compile(rf"'(?P<value>(?:[^']|'')*)'{_CAST}", re.IGNORECASE)
# ``-1::integer`` is -(1::integer) to sqlglot, not a literal: no sign with casts.
_DEFAULT_NUMBER = re.compile(rf"(?P<value>\d+(?:\.\d+)?){_CAST}|(?P<negative>-\d+(?:\.\d+)?)", re.IGNORECASE)
_DEFAULT_BOOLEAN = re.compile(r"(?P<value>true|false)", re.IGNORECASE)
# Defaults that are no literal (their value is None either way).
_DEFAULT_OTHER = re.compile(
    rf"""[A-Za-z_]\w*\(\)|nextval\('(?:[^']|'')*'::regclass\)|CURRENT_(?:TIMESTAMP|DATE)|LOCALTIMESTAMP|NULL|ARRAY\[\]{_CAST}""",
    re.IGNORECASE,
)
_CHECK_ITEM = re.compile(rf"\s*(?:CONSTRAINT\s+{_NAME}\s+)?CHECK\s*\(", re.IGNORECASE)
_VALUES_KEYWORD = re.compile(r"\b(?:IN|ANY|SOME)\b", re.IGNORECASE)
_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_ALTER_CHECK = re.compile(
    rf"ALTER\s+TABLE\s+(?:ONLY\s+)?(?P<table>{_QUALIFIED})\s+ADD\s+CONSTRAINT\s+{_NAME}\s+CHECK\s*(?P<condition>\(.*\))(?:\s+NOT\s+VALID)?",
    re.IGNORECASE | re.DOTALL,
)
_ALTER_HEAD = re.compile(rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{_QUALIFIED})(?=\s)", re.IGNORECASE)
_ADD_COLUMN = re.compile(r"\s*ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?", re.IGNORECASE)
_KEY_ITEM = re.compile(rf"\s*(?:CONSTRAINT\s+{_NAME}\s+)?(?:PRIMARY\s+KEY|UNIQUE)\s*\(\s*{_NAMES}\s*\)\s*", re.IGNORECASE)
_NOT_A_COLUMN = frozenset({"constraint", "primary", "unique", "foreign", "check", "exclude", "like", "period"})

#: (type as ``sql_tree`` writes it, user-defined type, enum labels), or None
#: when sqlglot does not read the spelling as a plain column type.
ColumnType = tuple[str | None, TableName | None, list[str]] | None


def read_create_table(
    text: str,
    offset: int,
    catalogue: Catalogue,
    column_type: Callable[[str], ColumnType],
    check: Callable[[str, TableName], list[tuple[str, list[str]]] | None],
) -> bool:
    """Record the columns of a pg_dump-shaped ``CREATE TABLE``, exactly as
    the sqlglot tree reader would; False (recording nothing) when the
    statement has any other shape. ``column_type`` reads a type's spelling;
    ``check`` reads the (column, allowed values) pairs of one ``CONSTRAINT
    ... CHECK`` item (both with sqlglot, on a few words instead of the
    whole statement); either answers None for what it cannot read."""
    head = _TABLE_HEAD.match(text)
    if head is None:
        return False
    items, end = _items(text, head.end())
    if end is None or _TRAILER.fullmatch(text, end) is None:
        return False
    table = _table(head.group("table"))
    columns, checks = [], []
    for start, item_end in items:
        item = _item(text[start:item_end], column_type)
        if item.__class__ is _Column:
            columns.append(item.raw(table, offset + start))
        elif item is False or (item is None and len(items) > 1):  # an empty item is a stray comma
            return False
        elif item.__class__ is str:
            checks.append(item)
    allowed = []
    for item in checks:
        found = check(item, table)
        if found is None:
            return False
        allowed.extend(found)
    for column_name, values in allowed:
        catalogue.add_check(table, column_name, values)
    catalogue.columns.extend(columns)
    return True


class _Column(NamedTuple):
    """A column item as read: its name, where the name starts in the item,
    and its definition."""

    name: str
    at: int
    type: str | None
    type_name: TableName | None
    enum: tuple[str, ...]
    default: str | None

    def raw(self, table: TableName, offset: int) -> RawColumn:
        """The column of ``table``, in an item starting at ``offset``."""
        return RawColumn(table, self.name, offset + self.at, self.type, self.type_name, self.enum, self.default)


@lru_cache(maxsize=16384)
def _item(item: str, column_type: Callable[[str], ColumnType]) -> _Column | str | bool | None:
    """What a table item holds: a column; the text of a CHECK that may list
    allowed values; True for an item that says nothing the tree reader keeps
    (any other CHECK, a key); None for an empty item (``CREATE TABLE t
    ()``); False for any item this shortcut does not read. A dump repeats
    items (``id bigint NOT NULL``) thousands of times: each distinct one is
    read once."""
    check_head = _CHECK_ITEM.match(item)
    if check_head:
        if not _one_parenthesis(item[check_head.end() - 1 :].rstrip()):
            return False  # something after the condition (``ENABLE VALIDATE``): sqlglot decides
        stripped = item.strip()
        return stripped if _may_list_values(stripped) else True
    if _KEY_ITEM.fullmatch(item):
        return True
    return _column(item, column_type)


def _items(text: str, pos: int) -> tuple[list[tuple[int, int]], int | None]:
    """(start, end) of each item between the opening parenthesis at ``pos``
    and its closing one, and where the text after that one starts; without
    a closing one, the items up to the end of ``text`` and None. A dump's
    items take one match each; a list with comments or deep nesting is
    tokenised."""
    items, start = [], pos
    while True:
        end = _PLAIN_ITEM.match(text, pos).end()
        after = text[end : end + 1]
        if after != "," and after != ")":
            return _item_spans(text, start)
        items.append((pos, end))
        pos = end + 1
        if after == ")":
            return items, pos


def _item_spans(text: str, pos: int) -> tuple[list[tuple[int, int]], int | None]:
    """``_items`` for any list, one token at a time."""
    items, depth, start = [], 0, pos
    for token in _ITEM_TOKEN.finditer(text, pos):
        kind = token.group()
        if kind == "(":
            depth += 1
        elif kind == ")":
            if depth == 0:
                items.append((start, token.start()))
                return items, token.end()
            depth -= 1
        elif kind == "," and depth == 0:
            items.append((start, token.start()))
            start = token.end()
    items.append((start, len(text)))
    return items, None


def read_added_columns(text: str, offset: int, catalogue: Catalogue, column_type: Callable[[str], ColumnType]) -> bool:
    """Record the columns of ``ALTER TABLE t ADD [COLUMN] c type ..., ADD
    ...`` (PostgreSQL; each column shaped as ``read_create_table`` takes
    them) exactly as the tree reader would; False (recording nothing) for
    any other statement."""
    head = _ALTER_HEAD.match(text)
    if head is None:
        return False
    items, close = _item_spans(text, head.end())
    if close is not None:  # a stray ")"
        return False
    table = _table(head.group("table"))
    columns = []
    for start, end in items:
        action = _ADD_COLUMN.match(text, start, end)
        column = _column(text[action.end() : end], column_type) if action else False
        if not column:
            return False
        columns.append(column.raw(table, offset + action.end()))
    catalogue.columns.extend(columns)
    return True


def _may_list_values(condition: str) -> bool:
    """Whether a CHECK can hold allowed values for the tree reader: only
    ``IN (...)`` and ``= ANY (ARRAY[...])`` do (``SOME`` is ``ANY``), and
    those words outside quotes are what they need."""
    return _VALUES_KEYWORD.search(_QUOTED.sub(" ", condition)) is not None


def read_plain_check(text: str) -> bool:
    """True for ``ALTER TABLE t ADD CONSTRAINT c CHECK (...) [NOT VALID]``
    whose condition cannot hold allowed values: nothing in it is worth
    reading, so it is not parsed at all."""
    match = _ALTER_CHECK.fullmatch(text)
    return match is not None and _one_parenthesis(match.group("condition")) and not _may_list_values(match.group("condition"))


def read_listed_check(text: str, catalogue: Catalogue) -> bool:
    """Record the allowed values of ``ALTER TABLE t ADD CONSTRAINT c CHECK
    (col IN (...)) [NOT VALID]`` (PostgreSQL) as the tree reader would, for
    the conditions ``sql_postgres.check_values`` reads; False otherwise."""
    match = _ALTER_CHECK.fullmatch(text)
    table = sql_postgres.names(match.group("table")) if match else None
    found = sql_postgres.check_values("CHECK " + match.group("condition")) if table else None
    if found is None:
        return False
    for column, values in found:
        catalogue.add_check(TableName.from_parts(table), column, values)
    return True


def _column(item: str, column_type: Callable[[str], ColumnType]) -> _Column | None | bool:
    """The item's column; None for an empty item; False for any item this
    shortcut does not read."""
    if "--" in item or "/*" in item:  # trailing comments are attached later, from the splitter
        item = _COMMENT_TOKEN.sub(_spaces, item)
    stripped = item.lstrip()
    if not stripped.strip():
        return None
    name = _COLUMN_NAME.match(stripped)
    written = name.group() if name else ""
    if not written or (written[0] != '"' and written.lower() in _NOT_A_COLUMN):
        return False
    definition = _definition(stripped[name.end() :], column_type)
    if definition is None:
        return False
    (type_text, type_name, enum), default = definition
    unquoted = written[1:-1].replace('""', '"') if written[0] == '"' else written
    return _Column(unquoted, len(item) - len(stripped), type_text, type_name, tuple(enum), default)


@lru_cache(maxsize=4096)
def _definition(written: str, column_type: Callable[[str], ColumnType]) -> tuple[tuple[str | None, TableName | None, list[str]], str | None] | None:
    """(type reading, default) of what follows a column's name: a type,
    maybe a DEFAULT, maybe NOT NULL; None for anything else. A dump repeats
    a few hundred of these texts over thousands of columns."""
    rest = _COLUMN_REST.fullmatch(written)
    spelled = _COLUMN_TYPE.fullmatch(rest.group("rest")) if rest else None
    if spelled is None or (spelled.group("generated") and not _one_parenthesis(spelled.group("generated"))):
        return None
    marks = [" ".join(mark.upper().split()).removeprefix("NOT ") for mark in _MARK.findall(spelled.group("before") + rest.group("after"))]
    if len(set(marks)) < len(marks):  # ``NULL NOT NULL``: sqlglot decides
        return None
    default = _default(spelled.group("default"))
    read = column_type(spelled.group("type"))
    if default is False or read is None:
        return None
    return read, default


def _default(written: str | None) -> str | None | bool:
    """The value ``sql_tree`` would record for ``DEFAULT written``; False
    when it is none of the shapes known here."""
    if written is None:
        return None
    for shape in (_DEFAULT_STRING, _DEFAULT_NUMBER, _DEFAULT_BOOLEAN):
        match = shape.fullmatch(written)
        if match is not None:
            value = match.group("value") or match.group("negative") if shape is _DEFAULT_NUMBER else match.group("value")
            if shape is _DEFAULT_STRING:
                return value.replace("''", "'")
            return value.lower() if shape is _DEFAULT_BOOLEAN else value
    return None if _DEFAULT_OTHER.fullmatch(written) else False


def _spaces(match: re.Match[str]) -> str:
    """A comment as spaces (offsets stay true); quoted text as it is."""
    return " " * len(match.group()) if match.group(1) is not None else match.group()
