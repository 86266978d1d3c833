"""What the SQL readers learn about a file, before it becomes ``Field``s.

A column's description, allowed values and foreign key may be stated far
from its definition (``COMMENT ON COLUMN``, ``CREATE TYPE``, ``ALTER TABLE
... ADD CONSTRAINT`` further down a dump), and ``Field`` is frozen. So both
readers (the sqlglot tree reader and the regex fallback) only record facts
here, and the fields are built once the whole file has been read.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, KeysView, Sequence
from operator import attrgetter
from typing import Generic, NamedTuple, TypeVar

from datalint.model import Field, Location, Suppression
from datalint.sources.sql_annotations import split_notes
from datalint.sources.sql_split import Comment

V = TypeVar("V")


class TableName(NamedTuple):
    written: str
    """As written, schema-qualified if it was (``public.ads``)."""
    name: str
    """Without schema (``ads``)."""
    schema: str | None = None

    @classmethod
    def from_parts(cls, parts: list[str]) -> TableName:
        parts = [part for part in parts if part] or [""]
        return cls(".".join(parts), parts[-1], parts[-2] if len(parts) > 1 else None)


class RawColumn:
    """A column as read, still open to what the rest of the file says about
    it. ``offset`` is where its name starts in the file; ``type_name`` a
    user-defined type (maybe a ``CREATE TYPE ... AS ENUM``); ``comment`` an
    inline ``COMMENT '...'`` (MySQL); ``reference_column`` the column a
    foreign key's ``references`` names, when it names one;
    ``suppressions`` the annotations above the defining statement.

    A dump has tens of thousands of columns, so this is a plain class with
    slots, and what most columns lack is a shared empty tuple, not a new
    list: ``enum`` is a list to extend only when none was given."""

    __slots__ = (
        "comment", "default", "enum", "name", "offset", "reference_column", "references",
        "suppressions", "table", "trailing_comments", "type", "type_name",
    )  # fmt: skip

    def __init__(
        self,
        table: TableName,
        name: str,
        offset: int,
        type: str | None = None,
        type_name: TableName | None = None,
        enum: Sequence[str] | None = None,
        default: str | None = None,
    ) -> None:
        self.table = table
        self.name = name
        self.offset = offset
        self.type = type
        self.type_name = type_name
        self.comment = ""
        self.trailing_comments: tuple[Comment, ...] = ()
        self.enum: Sequence[str] = [] if enum is None else enum
        self.default = default
        self.references: str | None = None
        self.reference_column: str | None = None
        self.suppressions: tuple[Suppression, ...] = ()


class ScopedNotes(Generic[V]):
    """Facts about a named object, matched the way people write SQL: names
    compare case-insensitively, and an unqualified name matches any schema
    (``COMMENT ON COLUMN users.ssn`` describes ``public.users``)."""

    def __init__(self) -> None:
        self._notes: dict[tuple[str, ...], list[tuple[str | None, V]]] = {}

    def add(self, schema: str | None, key: tuple[str, ...], value: V) -> None:
        self._notes.setdefault(fold(key), []).append((schema.lower() if schema else None, value))

    def keys(self) -> KeysView[tuple[str, ...]]:
        """The folded keys that have notes: a membership test costs no call
        into this class, for the tens of thousands of columns that have none."""
        return self._notes.keys()

    def get(self, schema: str | None, folded_key: tuple[str, ...]) -> list[V]:
        """Every compatible note, oldest first. The key must come from
        ``fold`` (building fields looks up four notes per column, so the
        caller folds once)."""
        notes = self._notes.get(folded_key)
        if not notes:
            return []
        schema = schema.lower() if schema else None
        return [value for noted, value in notes if noted is None or schema is None or noted == schema]


def fold(key: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(map(str.lower, key))


class Catalogue:
    def __init__(self) -> None:
        self.columns: list[RawColumn] = []
        self.table_comments: ScopedNotes[str] = ScopedNotes()
        self.column_comments: ScopedNotes[str] = ScopedNotes()
        self.references: ScopedNotes[tuple[str, str | None]] = ScopedNotes()
        """(table, column) each foreign-key column points to."""
        self.checks: ScopedNotes[list[str]] = ScopedNotes()
        self.enum_types: ScopedNotes[list[str]] = ScopedNotes()

    def add_reference(self, table: TableName, columns: list[str], target: str, target_columns: list[str] = ()) -> None:
        """``target_columns`` pair up with ``columns`` when the key names them
        (``REFERENCES advertisers(id)``)."""
        paired = target_columns if len(target_columns) == len(columns) else [None] * len(columns)
        for column, target_column in zip(columns, paired):
            self.references.add(table.schema, (table.name, column), (target, target_column))

    def add_check(self, table: TableName, column: str, values: list[str]) -> None:
        self.checks.add(table.schema, (table.name, column), values)


class LineIndex:
    """Turns absolute offsets into 1-based line and column numbers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        if self._starts is None:  # built on first use: a file without columns never pays for it
            self._starts = [0, *(match.end() for match in re.finditer("\n", self.text))]
        line = bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1

    def positions(self, offsets: list[int]) -> Iterator[tuple[int, int]]:
        """``position`` of each of ``offsets``, which ascend: the text is
        walked once, counting line breaks, and no index of every line is built."""
        text, line, line_start, previous = self.text, 1, 0, 0
        for offset in offsets:
            breaks = text.count("\n", previous, offset)
            if breaks:
                line += breaks
                line_start = text.rfind("\n", previous, offset) + 1
            previous = offset
            yield line, offset - line_start + 1

    def line_end(self, offset: int) -> int:
        end = self.text.find("\n", offset)
        return len(self.text) if end < 0 else end


def attach_trailing_comments(columns: list[RawColumn], comments: tuple[Comment, ...], lines: LineIndex) -> None:
    """Give each column the comments that follow its name on the same line
    (and before the next column's name): ``ssn text, -- social security``.
    Positions come from the splitter, so this works the same for sqlglot
    trees and for the regex fallback."""
    if not comments:
        return
    ordered = sorted(columns, key=attrgetter("offset"))
    for index, column in enumerate(ordered):
        end = lines.line_end(column.offset)
        if index + 1 < len(ordered):
            end = min(end, ordered[index + 1].offset)
        column.trailing_comments += tuple(c for c in comments if column.offset < c.start < end and c.text)


# ``Field`` is a NamedTuple: calling its ``__new__`` hands it the keywords
# directly, where ``Field(...)`` first packs them into a dictionary (half the
# cost of building a field, over tens of thousands of columns).
_new_field = Field.__new__


def build_fields(catalogue: Catalogue, path: str, lines: LineIndex) -> tuple[Field, ...]:
    """Merge every note into its column and freeze the result, in source
    order. A dump has tens of thousands of columns and few notes, so a note
    is looked for only where one was recorded under the column's name, and
    a table's own notes once per table."""
    ordered = sorted(catalogue.columns, key=attrgetter("offset"))
    commented, referenced, checked = catalogue.column_comments.keys(), catalogue.references.keys(), catalogue.checks.keys()
    fields = []
    table = None
    for column, (line, col) in zip(ordered, lines.positions([column.offset for column in ordered])):
        if column.table is not table:  # columns mostly come table by table: its values once per run of them
            table = column.table
            folded_table, context, schema = table.name.lower(), (table.name,), table.schema
            container_description = "\n".join(catalogue.table_comments.get(schema, (folded_table,))[-1:])
        key = (folded_table, column.name.lower())
        here = Location(path, line, col)
        if column.references:
            target, target_column = column.references, column.reference_column
        else:
            noted = catalogue.references.get(schema, key) if key in referenced else None
            target, target_column = noted[-1] if noted else (None, None)
        comment_on = catalogue.column_comments.get(schema, key)[-1:] if key in commented else ()
        if column.comment or comment_on or column.trailing_comments:
            description, suppressions = _notes(column, comment_on, here, lines)
        else:
            description, suppressions = "", column.suppressions
        values = column.enum
        if key in checked:
            values = [*values, *(value for found in catalogue.checks.get(schema, key) for value in found)]
        if column.type_name is not None:
            values = [*values, *_type_labels(column.type_name, catalogue)]
        fields.append(
            _new_field(
                Field,
                name=column.name,
                container=table.written,
                location=here,
                kind="column",
                type=column.type,
                description=description,
                enum=_unique(values) if values else (),
                examples=(column.default,) if column.default is not None else (),
                context=context,
                references=target,
                container_description=container_description,
                suppressions=suppressions,
                links=(f"{target}.{target_column}",) if target_column else (),
            )
        )
    return tuple(fields)


def _notes(column: RawColumn, comment_on: list[str], here: Location, lines: LineIndex) -> tuple[str, tuple[Suppression, ...]]:
    """The description a column's comments make, and every suppression
    that holds for it."""
    notes = [(column.comment, here)] if column.comment else []
    notes += [(text, here) for text in comment_on]
    notes += [(comment.text, Location(here.file, *lines.position(comment.start))) for comment in column.trailing_comments]
    prose, suppressions = split_notes(notes, f"{column.table.written}.{column.name}")
    return "\n".join(_unique(prose)), (*column.suppressions, *suppressions)


def _type_labels(type_name: TableName, catalogue: Catalogue) -> list[str]:
    labels = catalogue.enum_types.get(type_name.schema, fold((type_name.name,)))
    return labels[-1] if labels else []


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value)) if values else ()
