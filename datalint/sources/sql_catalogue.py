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
from operator import attrgetter
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from datalint.model import Field, Location, Suppression
from datalint.sources.sql_annotations import split_notes
from datalint.sources.sql_split import Comment

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class TableName:
    written: str
    """As written, schema-qualified if it was (``public.ads``)."""
    name: str
    """Without schema (``ads``)."""
    schema: str | None = None

    @classmethod
    def from_parts(cls, parts: list[str]) -> TableName:
        parts = [part for part in parts if part] or [""]
        return cls(".".join(parts), parts[-1], parts[-2] if len(parts) > 1 else None)


@dataclass(slots=True)
class RawColumn:
    table: TableName
    name: str
    offset: int
    """Absolute offset of the column name's first character."""
    type: str | None = None
    type_name: TableName | None = None
    """A user-defined type (maybe a ``CREATE TYPE ... AS ENUM``)."""
    comment: str = ""
    """Inline ``COMMENT '...'`` (MySQL)."""
    trailing_comments: list[Comment] = field(default_factory=list)
    enum: list[str] = field(default_factory=list)
    default: str | None = None
    references: str | None = None
    reference_column: str | None = None
    """The column ``references`` names, when the key names one."""
    suppressions: list[Suppression] = field(default_factory=list)
    """Annotations on the comment lines above the defining statement."""


class ScopedNotes(Generic[V]):
    """Facts about a named object, matched the way people write SQL: names
    compare case-insensitively, and an unqualified name matches any schema
    (``COMMENT ON COLUMN users.ssn`` describes ``public.users``)."""

    def __init__(self) -> None:
        self._notes: dict[tuple[str, ...], list[tuple[str | None, V]]] = {}

    def add(self, schema: str | None, key: tuple[str, ...], value: V) -> None:
        self._notes.setdefault(fold(key), []).append((schema.lower() if schema else None, value))

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
        column.trailing_comments.extend(c for c in comments if column.offset < c.start < end and c.text)


def build_fields(catalogue: Catalogue, path: str, lines: LineIndex) -> tuple[Field, ...]:
    """Merge every note into its column and freeze the result, in source order."""
    ordered = sorted(catalogue.columns, key=attrgetter("offset"))
    return tuple([_build_field(column, catalogue, path, lines) for column in ordered])


def _build_field(column: RawColumn, catalogue: Catalogue, path: str, lines: LineIndex) -> Field:
    table = column.table
    key = fold((table.name, column.name))
    line, col = lines.position(column.offset)
    here = Location(path, line, col)
    comment_on = catalogue.column_comments.get(table.schema, key)[-1:]
    table_comment = catalogue.table_comments.get(table.schema, key[:1])[-1:]
    noted = catalogue.references.get(table.schema, key)
    target, target_column = (column.references, column.reference_column) if column.references else (noted or [(None, None)])[-1]
    notes = [(column.comment, here)] if column.comment else []  # most columns have no comment of their own
    notes += [(text, here) for text in comment_on]
    notes += [(comment.text, Location(path, *lines.position(comment.start))) for comment in column.trailing_comments]
    prose, suppressions = split_notes(notes, f"{table.written}.{column.name}") if notes else ((), ())
    return Field(
        name=column.name,
        container=table.written,
        location=here,
        kind="column",
        type=column.type,
        description=_join_unique(prose),
        enum=_unique([*column.enum, *_check_values(column, key, catalogue), *_type_labels(column, catalogue)]),
        examples=(column.default,) if column.default is not None else (),
        context=(table.name,),
        references=target,
        container_description="\n".join(table_comment),
        suppressions=(*column.suppressions, *suppressions),
        links=(f"{target}.{target_column}",) if target_column else (),
    )


def _type_labels(column: RawColumn, catalogue: Catalogue) -> list[str]:
    if column.type_name is None:
        return []
    labels = catalogue.enum_types.get(column.type_name.schema, fold((column.type_name.name,)))
    return labels[-1] if labels else []


def _check_values(column: RawColumn, key: tuple[str, ...], catalogue: Catalogue) -> list[str]:
    return [value for values in catalogue.checks.get(column.table.schema, key) for value in values]


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value)) if values else ()


def _join_unique(values: list[str]) -> str:
    return "\n".join(_unique(values))
