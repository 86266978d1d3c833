"""Reading columns out of sqlglot trees: the one module of the SQL reader
that imports sqlglot, so that files which never need it do not pay for the
import (``sql`` imports this module on first use).

The tree is walked by hand, only where columns can be (``Create`` ->
``Schema`` -> ``ColumnDef``, ``Alter`` actions, ``Comment``), and every value
is taken from node attributes. ``find_all`` over whole trees plus ``.sql()``
per column took about a second on GitLab's 14,000-statement dump; this walk
takes a few tens of milliseconds.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError

from datalint.sources.sql_catalogue import Catalogue, RawColumn, TableName

# sqlglot logs unsupported statements verbatim, and they may hold personal
# data. Every reader that parses imports this module first.
_SQLGLOT_LOGGER = logging.getLogger("sqlglot")
_SQLGLOT_LOGGER.setLevel(logging.CRITICAL)
_SQLGLOT_LOGGER.propagate = False

_ENUM_TYPES = (exp.DataType.Type.ENUM, exp.DataType.Type.SET)


def known_dialect(name: str) -> bool:
    return _dialect(name) is not None


def parse(text: str, name: str) -> list[exp.Expr] | str:
    """sqlglot's trees for ``text`` in dialect ``name``, or a short reason
    why there are none. The reason never quotes the statement, which may
    hold personal data."""
    try:
        trees = _dialect(name).parse(text)
    except RecursionError:
        return "nested too deeply"
    except TokenError:
        return "could not be tokenised"
    except ParseError:
        return "syntax error"
    except Exception:  # noqa: BLE001 - sqlglot raises assorted errors on garbage
        return "parser failure"
    return [tree for tree in trees if tree is not None]


def column_type(written: str) -> tuple[str | None, TableName | None, list[str]] | None:
    """What ``_read_column`` records for a PostgreSQL column type spelled
    ``written``; None when sqlglot does not read it as a plain type."""
    trees = parse(f"CREATE TABLE t (c {written})", "postgres")
    if isinstance(trees, str) or len(trees) != 1:
        return None
    try:
        return read_type(trees[0])
    except Exception:  # noqa: BLE001 - e.g. a type sqlglot keeps as a bare string: let the statement go to sqlglot whole
        return None


def check_values(item: str, table: TableName) -> list[tuple[str, list[str]]] | None:
    """The (column, allowed values) pairs recorded for one PostgreSQL
    ``CONSTRAINT ... CHECK (...)`` item of ``table``; None if sqlglot
    does not read it as a constraint."""
    trees = parse(f"CREATE TABLE t ({item})", "postgres")
    if isinstance(trees, str) or len(trees) != 1:
        return None
    notes = _CheckNotes()
    try:
        return notes.found if read_constraint_item(trees[0], table, notes) else None  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - anything unexpected: let the whole statement go to sqlglot
        return None


class _CheckNotes:
    """Stands in for a Catalogue while one constraint is read: a CHECK
    item only ever adds allowed values."""

    def __init__(self) -> None:
        self.found: list[tuple[str, list[str]]] = []

    def add_check(self, _table: TableName, column: str, values: list[str]) -> None:
        self.found.append((column, values))


@lru_cache(maxsize=None)
def _dialect(name: str) -> Dialect | None:
    try:
        return Dialect.get_or_raise(name)
    except (ValueError, KeyError):
        return None


def read_tree(tree: exp.Expr, offset: int, catalogue: Catalogue) -> bool:
    """Record what ``tree`` says about columns. False means the tree is not
    one this reader understands (e.g. sqlglot's ``Command`` for syntax it
    skipped), so the statement must be read some other way."""
    if isinstance(tree, exp.Create):
        kind = (tree.args.get("kind") or "").upper()
        if kind == "TABLE":
            _read_create_table(tree, offset, catalogue)
            return True
        if kind == "TYPE":
            _read_create_type(tree, catalogue)
            return True
    if isinstance(tree, exp.Alter) and isinstance(tree.this, exp.Table):
        _read_alter(tree, offset, catalogue)
        return True
    if isinstance(tree, exp.Comment):
        _read_comment(tree, catalogue)
        return True
    return False


def read_type(tree: exp.Expr) -> tuple[str | None, TableName | None, list[str]] | None:
    """(type text, user-defined type, enum labels) of the one column of
    ``CREATE TABLE t (c <type>)``, as ``_read_column`` records them; None
    if the tree is anything else."""
    schema = tree.this if isinstance(tree, exp.Create) else None
    if not isinstance(schema, exp.Schema) or len(schema.expressions) != 1:
        return None
    column = schema.expressions[0]
    data_type = column.args.get("kind") if isinstance(column, exp.ColumnDef) else None
    if not isinstance(data_type, exp.DataType) or column.args.get("constraints"):
        return None
    enum = _literal_values(data_type.expressions) if data_type.this in _ENUM_TYPES else []
    return _type_text(data_type), _user_type(data_type), enum


def read_constraint_item(tree: exp.Expr, table: TableName, catalogue: Catalogue) -> bool:
    """Read the one item of ``CREATE TABLE t (CONSTRAINT c CHECK (...))`` as
    a constraint of ``table``; False if the tree is anything else."""
    schema = tree.this if isinstance(tree, exp.Create) else None
    if not isinstance(schema, exp.Schema) or len(schema.expressions) != 1:
        return False
    item = schema.expressions[0]
    if isinstance(item, (exp.ColumnDef, exp.Identifier)):
        return False
    _read_table_constraint(item, table, catalogue)
    return True


def _read_create_table(tree: exp.Create, offset: int, catalogue: Catalogue) -> None:
    schema = tree.this
    if not isinstance(schema, exp.Schema) or not isinstance(schema.this, exp.Table):
        return  # CREATE TABLE ... AS SELECT / LIKE / PARTITION OF: no columns written here
    table = _table_name(schema.this)
    for item in schema.expressions:
        if isinstance(item, (exp.ColumnDef, exp.Identifier)):
            _read_column(item, table, offset, catalogue)
        else:
            _read_table_constraint(item, table, catalogue)
    properties = tree.args.get("properties")
    for prop in properties.expressions if properties else ():
        if isinstance(prop, exp.SchemaCommentProperty):
            _note_table_comment(table, prop.this, catalogue)


def _read_column(column: exp.ColumnDef | exp.Identifier, table: TableName, offset: int, catalogue: Catalogue) -> None:
    """A column definition, or a bare name (SQLite allows untyped columns)."""
    identifier = column.this if isinstance(column, exp.ColumnDef) else column
    # An Identifier, or a Literal when MySQL reads "name" as a string.
    start = identifier.meta.get("start", 0) if isinstance(identifier, exp.Expr) else 0
    raw = RawColumn(table=table, name=column.name, offset=offset + start)
    data_type = column.args.get("kind")
    if isinstance(data_type, exp.DataType):
        raw.type = _type_text(data_type)
        raw.type_name = _user_type(data_type)
        if data_type.this in _ENUM_TYPES:
            raw.enum.extend(_literal_values(data_type.expressions))
    for constraint in column.args.get("constraints") or ():
        _read_column_constraint(constraint.args.get("kind"), raw, table, catalogue)
    catalogue.columns.append(raw)


def _read_column_constraint(kind: exp.Expr | None, raw: RawColumn, table: TableName, catalogue: Catalogue) -> None:
    if isinstance(kind, exp.DefaultColumnConstraint):
        raw.default = _literal_text(kind.this)
    elif isinstance(kind, exp.CommentColumnConstraint):
        raw.comment = _literal_text(kind.this) or ""
    elif isinstance(kind, exp.Reference):
        raw.references = _reference_target(kind)
        raw.reference_column = next(iter(_reference_columns(kind)), None)
    elif isinstance(kind, exp.CheckColumnConstraint):
        _read_check(kind.this, table, catalogue)


def _read_table_constraint(item: exp.Expr, table: TableName, catalogue: Catalogue) -> None:
    """``CONSTRAINT x CHECK (...)``, ``FOREIGN KEY (...) REFERENCES t``,
    with or without the ``CONSTRAINT name`` wrapper."""
    parts = item.expressions if isinstance(item, (exp.Constraint, exp.AddConstraint)) else [item]
    for part in parts:
        if isinstance(part, exp.Constraint):
            _read_table_constraint(part, table, catalogue)
        elif isinstance(part, exp.CheckColumnConstraint):
            _read_check(part.this, table, catalogue)
        elif isinstance(part, exp.ForeignKey):
            reference = part.args.get("reference")
            target = _reference_target(reference)
            if target:
                catalogue.add_reference(table, [key.name for key in part.expressions], target, _reference_columns(reference))


def _read_check(condition: exp.Expr | None, table: TableName, catalogue: Catalogue) -> None:
    """``col IN ('a', 'b')`` and pg_dump's rewrite of it,
    ``(col)::text = ANY ((ARRAY['a'::text, 'b'::text])::text[])``, possibly
    joined with AND."""
    pending = [condition]
    while pending:
        node = _unwrap(pending.pop())
        if isinstance(node, exp.And):
            pending.extend((node.this, node.expression))
        elif isinstance(node, exp.In) and node.expressions:
            _note_check(node.this, node.expressions, table, catalogue)
        elif isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any):
            array = _unwrap(node.expression.this)
            if isinstance(array, exp.Array):
                _note_check(node.this, array.expressions, table, catalogue)


def _note_check(subject: exp.Expr, values: list[exp.Expr], table: TableName, catalogue: Catalogue) -> None:
    column = _unwrap(subject)
    literals = _literal_values(values)
    if isinstance(column, exp.Column) and literals:
        catalogue.add_check(table, column.name, literals)


def _read_alter(tree: exp.Alter, offset: int, catalogue: Catalogue) -> None:
    table = _table_name(tree.this)
    for action in tree.args.get("actions") or ():
        if isinstance(action, exp.ColumnDef):
            _read_column(action, table, offset, catalogue)
        else:
            _read_table_constraint(action, table, catalogue)
    for option in tree.args.get("options") or ():
        if isinstance(option, exp.SchemaCommentProperty):
            _note_table_comment(table, option.this, catalogue)


def _read_create_type(tree: exp.Create, catalogue: Catalogue) -> None:
    definition = tree.expression
    if isinstance(tree.this, exp.Table) and isinstance(definition, exp.DataType) and definition.this in _ENUM_TYPES:
        name = _table_name(tree.this)
        catalogue.enum_types.add(name.schema, (name.name,), _literal_values(definition.expressions))


def _read_comment(tree: exp.Comment, catalogue: Catalogue) -> None:
    text = _literal_text(tree.expression)
    kind = (tree.args.get("kind") or "").upper()
    target = tree.this
    if text is None:
        return
    if kind == "TABLE" and isinstance(target, exp.Table):
        _note_table_comment(_table_name(target), tree.expression, catalogue)
    elif kind == "COLUMN" and isinstance(target, exp.Column) and target.table:
        schema = target.text("db") or None
        catalogue.column_comments.add(schema, (target.table, target.name), text)


def _note_table_comment(table: TableName, literal: exp.Expr, catalogue: Catalogue) -> None:
    text = _literal_text(literal)
    if text:
        catalogue.table_comments.add(table.schema, (table.name,), text)


def _table_name(table: exp.Table) -> TableName:
    return TableName.from_parts([table.catalog, table.db, table.name])


def _reference_target(reference: exp.Expr | None) -> str | None:
    target = reference.this if isinstance(reference, exp.Reference) else None
    if isinstance(target, exp.Schema):
        target = target.this
    return _table_name(target).written if isinstance(target, exp.Table) else None


def _reference_columns(reference: exp.Expr | None) -> list[str]:
    target = reference.this if isinstance(reference, exp.Reference) else None
    return [column.name for column in target.expressions] if isinstance(target, exp.Schema) else []


def _type_text(data_type: exp.DataType) -> str:
    """``varchar(20)``, ``decimal(10,2)``, ``bigint[]``, ``public.mood``:
    cheap to build, and close to what was written."""
    user_type = _user_type(data_type)
    if user_type is not None:
        return user_type.written
    name = data_type.this.value.lower()
    params = data_type.expressions
    if data_type.this == exp.DataType.Type.ARRAY and params and isinstance(params[0], exp.DataType):
        return _type_text(params[0]) + "[]"
    if data_type.this in _ENUM_TYPES:
        return name
    values = [param.this.name for param in params if isinstance(param, exp.DataTypeParam) and param.this is not None]
    return f"{name}({','.join(values)})" if values else name


def _user_type(data_type: exp.DataType) -> TableName | None:
    if data_type.this != exp.DataType.Type.USERDEFINED:
        return None
    kind = data_type.args.get("kind")
    if isinstance(kind, str):
        return TableName.from_parts(kind.split("."))
    if isinstance(kind, exp.Dot):
        return TableName.from_parts([part.name for part in kind.flatten()])
    if isinstance(kind, exp.Expr):
        return TableName.from_parts([kind.name])
    return None


def _unwrap(node: exp.Expr | None) -> exp.Expr | None:
    """Strip the parentheses and casts pg_dump wraps around everything."""
    while isinstance(node, (exp.Paren, exp.Cast)):
        node = node.this
    return node


def _literal_values(nodes: list[exp.Expr]) -> list[str]:
    return [text for text in map(_literal_text, nodes) if text is not None]


def _literal_text(node: exp.Expr | None) -> str | None:
    """The value of a literal default or label (``'new'::text`` -> ``new``,
    ``-1``, ``false``); None for expressions such as ``now()``."""
    node = _unwrap(node)
    if isinstance(node, exp.Literal):
        return node.this
    if isinstance(node, exp.Boolean):
        return "true" if node.this else "false"
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        return f"-{node.this.this}"
    return None
