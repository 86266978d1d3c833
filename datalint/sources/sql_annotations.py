"""Where ``-- datalint: allow ...`` annotations sit in SQL, and what they cover.

On a column's line (a trailing comment) or in its ``COMMENT`` an annotation
covers that column; on the comment lines right above a statement it covers
every column the statement defines.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from datalint.model import Location, Suppression
from datalint.sources.annotations import from_comment, split_comment

if TYPE_CHECKING:
    from datalint.sources.sql_catalogue import LineIndex, RawColumn


def attach_statement_suppressions(columns: list[RawColumn], text: str, start: int, path: str, lines: LineIndex) -> None:
    for offset, comment in _comment_lines_above(text, start):
        _prose, annotation = split_comment(comment)
        if annotation is None:
            continue
        location = Location(path, *lines.position(offset))
        for column in columns:
            column.suppressions += (from_comment(annotation, location, column.table.written),)


def split_notes(notes: Iterable[tuple[str, Location]], scope: str) -> tuple[list[str], list[Suppression]]:
    """The prose of a column's comments (its description) and the
    suppressions they hold; ``notes`` pairs each comment with where it is."""
    prose: list[str] = []
    suppressions: list[Suppression] = []
    for text, location in notes:
        words, annotation = split_comment(text)
        prose.append(words)
        if annotation is not None:
            suppressions.append(from_comment(annotation, location, scope))
    return prose, suppressions


def _comment_lines_above(text: str, start: int) -> list[tuple[int, str]]:
    """``(offset, text)`` of the ``--`` lines directly above the line where
    a statement starts, nearest last; none if the statement does not start
    its line."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        return []
    found = []
    end = line_start - 1
    while end > 0:
        begin = text.rfind("\n", 0, end) + 1
        line = text[begin:end].lstrip()
        if not line.startswith("--"):
            break
        found.append((end - len(line), line[2:].strip()))
        end = begin - 1
    return found[::-1]
