"""Shortcuts for the two shapes that dominate a pg_dump. In GitLab's
``structure.sql`` (1,400 tables, 1,700 foreign-key ALTERs, 2,250 CHECK
constraint lines) parsing them cost a third of the read, and neither can
define a column.

Both shortcuts are exact or harmless: a foreign key is taken only if the
whole statement matches, and a CHECK constraint is blanked only if it cannot
list enum values. Anything else goes to sqlglot as usual.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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
_BRACKETS = re.compile(r"[()]")
_ENUM_SHAPE = re.compile(r"\bIN\b|\bANY\b|'", re.IGNORECASE)


def read_foreign_key(text: str, catalogue: Catalogue) -> bool:
    """Record a pg_dump-shaped ``ALTER TABLE ONLY t ADD CONSTRAINT c FOREIGN
    KEY (a) REFERENCES u(id) ON DELETE CASCADE``; False if ``text`` is not
    exactly that."""
    match = _FOREIGN_KEY.fullmatch(text)
    if match is None:
        return False
    table = TableName.from_parts(_parts(match.group("table")))
    target = TableName.from_parts(_parts(match.group("target")))
    catalogue.add_reference(table, _parts(match.group("columns")), target.written, _parts(match.group("target_columns") or ""))
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
    holds nothing but the constraint (``CHECK (a > 0)), b int`` does not)."""
    depth = 0
    for bracket in _BRACKETS.finditer(condition):
        depth += 1 if bracket.group() == "(" else -1
        if depth == 0:
            return bracket.end() == len(condition)
    return False


def _parts(written: str) -> list[str]:
    return [part[1:-1].replace('""', '"') if part.startswith('"') else part for part in _NAME_PART.findall(written)]


# ------------------------------------------------------------ CREATE TABLE
#
# pg_dump writes every table the same way: one column per line, a type from
# a short list, a literal or a handful of well-known functions as DEFAULT,
# NOT NULL, and CHECK constraints after the columns. sqlglot spent about 0.7
# of GitLab's 0.9 s read on those 1,400 statements. A statement is taken
# here only if every item has exactly that shape; anything else (a quoted
# type, COLLATE, GENERATED, a constraint that survived ``blank_plain_checks``,
# a trailer other than PARTITION BY) goes to sqlglot untouched. The column
# types themselves are still read by sqlglot, once per distinct spelling.

_TABLE_HEAD = re.compile(rf"CREATE\s+TABLE\s+(?P<table>{_QUALIFIED})\s*\(", re.IGNORECASE)
# Items and the end of the list: quotes and comments are skipped whole.
_ITEM_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/|[(),]|[^'"(),/-]+|[/-]""", re.DOTALL)
_COMMENT_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|(--[^\n]*|/\*.*?\*/)""", re.DOTALL)
_TRAILER = re.compile(r"\s*(?:PARTITION\s+BY\s+(?:RANGE|LIST|HASH)\s*\((?:[^()'\"]|\"(?:[^\"]|\"\")*\")*\))?\s*", re.IGNORECASE)
_COLUMN_ITEM = re.compile(rf"(?P<name>{_NAME})\s+(?P<rest>.*?)(?:\s+NOT\s+NULL)?\s*", re.IGNORECASE | re.DOTALL)
_TYPE = r"""[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)?(?:\s+(?:varying|precision))?(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\s+with(?:out)?\s+time\s+zone)?(?:\[\])*"""
_COLUMN_TYPE = re.compile(rf"(?P<type>{_TYPE})(?:\s+DEFAULT\s+(?P<default>.+))?", re.IGNORECASE | re.DOTALL)
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
    rf"ALTER\s+TABLE\s+(?:ONLY\s+)?{_QUALIFIED}\s+ADD\s+CONSTRAINT\s+{_NAME}\s+CHECK\s*(?P<condition>\((?:[^()'\"]|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\((?:[^()'\"]|'(?:[^']|'')*'|\((?:[^()'\"]|'(?:[^']|'')*')*\))*\))*\))(?:\s+NOT\s+VALID)?",
    re.IGNORECASE,
)
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
    table = TableName.from_parts(_parts(head.group("table")))
    columns, checks = [], []
    for start, item_end in items:
        if _CHECK_ITEM.match(text, start, item_end):
            if _may_list_values(text[start:item_end]):
                checks.append(text[start:item_end].strip())
            continue
        column = _column(text, start, item_end, table, offset, column_type)
        if column is False or (column is None and len(items) > 1):  # an empty item is a stray comma
            return False
        if column is not None:
            columns.append(column)
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


def _items(text: str, pos: int) -> tuple[list[tuple[int, int]], int | None]:
    """(start, end) of each item between the opening parenthesis at ``pos``
    and its closing one, and where the text after that one starts."""
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
    return items, None


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
    return match is not None and not _may_list_values(match.group("condition"))


def _column(text: str, start: int, end: int, table: TableName, offset: int, column_type: Callable[[str], ColumnType]) -> RawColumn | None | bool:
    """The item's column; None for an empty item (a blanked CHECK line);
    False for any item this shortcut does not read."""
    item = text[start:end]
    if "--" in item or "/*" in item:  # trailing comments are attached later, from the splitter
        item = _COMMENT_TOKEN.sub(_spaces, item)
    stripped = item.lstrip()
    if not stripped.strip():
        return None
    match = _COLUMN_ITEM.fullmatch(stripped)
    if match is None or (match.group("name")[0] != '"' and match.group("name").lower() in _NOT_A_COLUMN):
        return False
    spelled = _COLUMN_TYPE.fullmatch(match.group("rest"))
    if spelled is None:
        return False
    default = _default(spelled.group("default"))
    read = column_type(spelled.group("type"))
    if default is False or read is None:
        return False
    type_text, type_name, enum = read
    written = match.group("name")
    name = written[1:-1].replace('""', '"') if written[0] == '"' else written
    column = RawColumn(table=table, name=name, offset=offset + start + len(item) - len(stripped), type=type_text, type_name=type_name)
    column.enum.extend(enum)
    column.default = default
    return column


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
