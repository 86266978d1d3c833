"""What sqlglot's PostgreSQL reading makes of the small pieces a pg_dump
repeats, answered without importing sqlglot.

Importing sqlglot costs about as much as the rest of a one-file run, and a
pg_dump-shaped file needs it only for column type spellings, CHECK
constraints that list values, ``COMMENT ON`` and ``CREATE TYPE ... AS
ENUM``. Each function here answers for one narrow, common shape exactly what
``sql_tree`` records from sqlglot's tree, and None for anything else, which
then goes to sqlglot as before. ``tests/sources/test_sql_fastpath.py``
checks every answer against sqlglot, on generated spellings and on every
SQL file of the corpus.
"""

from __future__ import annotations

import re

from datalint.sources.sql_catalogue import TableName

#: Every word sqlglot's PostgreSQL tokenizer treats as a keyword (alone or
#: as part of a phrase such as ``ORDER BY``). An unquoted name among them may
#: parse as something else, so it is left to sqlglot; the test suite checks
#: that this list still covers the installed sqlglot's keywords.
KEYWORDS = frozenset(
    """
    all alter analyze and anti any apply array as asc asof auto_increment autoincrement begin between
    bigdecimal bigint bignum bignumeric bigserial binary bit blob bool boolean bpchar by byte bytea
    cache call case char character clob cluster collate column comment commit connect constraint copy
    create cross cstring cube current_catalog current_date current_schema current_time current_timestamp
    current_user database date datemultirange daterange datetime dec decfloat decimal decimal128
    decimal256 decimal32 decimal64 declare default delete desc describe distinct distribute do double
    drop else end enum escape except exec execute exists explain false fetch file filter first fixed
    float float4 float8 for foreign format from full function geography geometry glob grant group
    grouping having hstore hugeint ilike in index inet inner inout insert int int1 int128 int16 int2
    int256 int32 int4 int4multirange int4range int64 int8 int8multirange int8range integer intersect
    interval into is isnull join json jsonb keep key kill lateral left like limit list load localtime
    localtimestamp lock long longblob longtext longvarchar map mediumblob mediumint mediumtext merge
    money name namespace natural nchar next not notnull null nullable number numeric nummultirange
    numrange nvarchar nvarchar2 object offset oid on only operator optimize or order ordinality out
    outer over overlaps overwrite partition partitioned partitioned_by percent pivot point pragma
    precision prepare primary procedure qualify range real recursive ref references refresh regclass
    regcollation regconfig regdictionary regexp regnamespace regoper regoperator regproc regprocedure
    regrole regtype reindex rename replace reset returning revoke right rlike rollback rollup row rows
    schema security select semi sequence serial session session_user set sets settings short show
    similar smallint smallserial some sort sql str straight_join string struct table tablesample temp
    temporary text then time time_ns timestamp timestamp_ltz timestamp_ntz timestampltz timestampntz
    timestamptz timetz tinyblob tinyint tinytext to trigger true truncate tsmultirange tsrange
    tstzmultirange tstzrange type uhugeint uint uint128 uint256 uncache union unique unknown unnest
    unpivot update use using uuid vacuum values varbinary varchar varchar2 variadic variant varying
    vector view volatile when where window with xml xor
    """.split()
)

# ------------------------------------------------------------ column types
#
# sqlglot reads a built-in type as its own name for it, followed by the
# parameters as written (without spaces) and one ``[]`` per array level:
# ``character varying(20)[]`` is ``varchar(20)[]``.

_BUILT_IN = {
    "bigint": "bigint", "int8": "bigint", "integer": "int", "int": "int", "int4": "int",
    "smallint": "smallint", "int2": "smallint", "boolean": "boolean", "bool": "boolean",
    "text": "text", "character varying": "varchar", "varchar": "varchar", "character": "char",
    "char": "char", "bpchar": "bpchar", "uuid": "uuid", "bytea": "varbinary", "jsonb": "jsonb",
    "date": "date", "interval": "interval", "timestamp": "timestamp", "timestamptz": "timestamptz",
    "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
    "time": "time", "timetz": "timetz", "time without time zone": "time", "time with time zone": "timetz",
    "double precision": "double", "float8": "double", "float": "double", "float4": "float", "real": "float",
    "numeric": "decimal", "decimal": "decimal", "inet": "inet", "money": "money", "xml": "xml",
    "serial": "serial", "bigserial": "bigserial", "smallserial": "smallserial",
    "daterange": "daterange", "tsrange": "tsrange", "tstzrange": "tstzrange",
    "int4range": "int4range", "int8range": "int8range", "numrange": "numrange",
}  # fmt: skip
#: Types sqlglot does not know, read as user-defined types named as written.
_EXTENSION_TYPES = frozenset({"tsvector", "citext", "cidr", "macaddr"})
_TYPE_SPELLING = re.compile(
    r"""(?P<base>[A-Za-z]\w*(?:[ ](?:varying|precision))?)
        (?:\((?P<parameters>\d+(?:,[ ]?\d+)?)\))?
        (?P<zone>[ ]with(?:out)?[ ]time[ ]zone)?
        (?P<arrays>(?:\[\])*)""",
    re.IGNORECASE | re.VERBOSE,
)
_USER_TYPE = re.compile(r"public\.(?P<name>[a-z_][a-z0-9_]*)")

#: (type as ``sql_tree`` writes it, user-defined type, enum labels).
TypeReading = tuple[str, TableName | None, list[str]]


def column_type(written: str) -> TypeReading | None:
    """How sqlglot reads the column type ``written``, for built-in types in
    their usual spellings and ``public.name`` user types; None otherwise."""
    user = _USER_TYPE.fullmatch(written)
    if user is not None:
        return None if user.group("name") in KEYWORDS else (written, TableName(written, user.group("name"), "public"), [])
    match = _TYPE_SPELLING.fullmatch(written)
    if match is None:
        return None
    base, parameters, zone, arrays = match.group("base", "parameters", "zone", "arrays")
    if base in _EXTENSION_TYPES and not parameters and not zone:
        return (base + arrays, None, []) if arrays else (base, TableName(base, base), [])
    name = _BUILT_IN.get((base + (zone or "")).lower())
    if name is None:
        return None
    suffix = f"({parameters.replace(' ', '')})" if parameters else ""
    return name + suffix + arrays, None, []


# ------------------------------------------------------ names and literals

#: A name: quoted, or a plain word (never ``$`` or non-ASCII letters).
NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)'
#: A standard string without backslashes, whose value is what sqlglot reads.
STRING = r"'(?:[^'\\]|'')*'"
_NAME_PART = re.compile(NAME)
_DOTTED_NAME = re.compile(rf"{NAME}(?:\.{NAME})*")
_STRING_PART = re.compile(STRING)


def names(written: str) -> list[str] | None:
    """The parts of a dotted name as sqlglot reads them; None if it is not
    one or an unquoted part is a keyword."""
    if _DOTTED_NAME.fullmatch(written) is None:
        return None
    parts = _NAME_PART.findall(written)
    if any(part[0] != '"' and part.lower() in KEYWORDS for part in parts):
        return None
    return [part[1:-1].replace('""', '"') if part[0] == '"' else part for part in parts]


def strings(written: str) -> list[str]:
    """The values of the string literals in ``written``."""
    return [literal[1:-1].replace("''", "'") for literal in _STRING_PART.findall(written)]


# ----------------------------------------------------- CHECK ... IN / ANY
#
# pg_dump rewrites ``status IN ('a', 'b')`` as
# ``(status = ANY (ARRAY['a'::text, 'b'::text]))``, or with casts on both
# sides for varchar columns; people write the IN form. Numbers are values
# too (``cadence = ANY (ARRAY[1, 7, 30])``).

_CAST = r"(?:::(?:text|character[ ]varying|varchar|bpchar|character|char)(?:\(\d+\))?(?:\[\])?)?"
_NUMBER = r"-?\d+(?:\.\d+)?"
_LITERAL = rf"(?:{STRING}{_CAST}|{_NUMBER})"
_LITERALS = rf"{_LITERAL}(?:\s*,\s*{_LITERAL})*"
_LITERAL_VALUE = re.compile(rf"'(?P<string>(?:[^'\\]|'')*)'{_CAST}|(?P<number>{_NUMBER})")
_CONDITION = re.compile(
    rf"""(?:(?P<column>{NAME})|\((?P<wrapped>{NAME})\){_CAST})
         (?:\s*=\s*ANY\s*\((?:ARRAY\[(?P<array>{_LITERALS})\]|\(ARRAY\[(?P<cast_array>{_LITERALS})\]\){_CAST})\)
           |\s+IN\s*\((?P<listed>{_LITERALS})\))""",
    re.IGNORECASE | re.VERBOSE,
)
_CHECK = re.compile(rf"(?:CONSTRAINT\s+{NAME}\s+)?CHECK\s*(?P<condition>\(.*\))", re.IGNORECASE | re.DOTALL)
_QUOTES_AND_BRACKETS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[()]")


def check_values(item: str) -> list[tuple[str, list[str]]] | None:
    """The (column, allowed values) pairs of a ``[CONSTRAINT c] CHECK
    (...)`` table item whose condition is one ``column IN (...)`` or
    ``column = ANY (ARRAY[...])`` of plain strings and numbers; None for any
    other item."""
    match = _CHECK.fullmatch(item)
    condition = _unwrap(match.group("condition")) if match else None
    found = _CONDITION.fullmatch(condition) if condition else None
    if found is None:
        return None
    column = names(found.group("column") or found.group("wrapped"))
    if column is None:
        return None
    literals = found.group("array") or found.group("cast_array") or found.group("listed")
    return [(column[0], [_value(literal) for literal in _LITERAL_VALUE.finditer(literals)])]


def _value(literal: re.Match[str]) -> str:
    string = literal.group("string")
    return literal.group("number") if string is None else string.replace("''", "'")


def _unwrap(condition: str) -> str | None:
    """``condition`` without the parentheses around all of it (pg_dump
    doubles them); None if its brackets do not balance."""
    while condition.startswith("("):
        close = closing(condition)
        if close is None:
            return None
        if close < len(condition) - 1:
            return condition  # ``(status)::text = ANY (...)``
        condition = condition[1:-1].strip()
    return condition


def closing(text: str) -> int | None:
    """Where the parenthesis opening ``text`` closes, skipping quotes; None
    if it never does."""
    depth = 0
    for token in _QUOTES_AND_BRACKETS.finditer(text):
        if token.group() == "(":
            depth += 1
        elif token.group() == ")":
            depth -= 1
            if depth == 0:
                return token.start()
    return None
