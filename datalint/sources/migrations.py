"""Migration folders: the schema a sequence of migrations leaves behind.

Real platforms keep their DDL as ordered migrations, not as one dump. Linted
file by file, a column dropped two migrations later would still be
reported, and a renamed one reported under its old name. So the migrations
of a folder are read in order (each with the ordinary SQL reader) and
replayed: a field a later migration drops is not reported, a renamed column
or table is reported under its final name, and every finding points at the
migration and line that introduced the field (for a rename, the rename).

The SQL reader records columns; what removes or renames them is read here
with the same statement splitter and a few patterns, because those
statements define no column and the reader rightly never parses them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from datalint.files import InputFile
from datalint.model import Field, Location, ReadResult
from datalint.sources.sql_catalogue import LineIndex
from datalint.sources.sql_dialect import detect_dialect, lexis_for
from datalint.sources.sql_split import split_statements

# Flyway V1__x.sql / V1.1__x.sql (U: undo, ignored; R: repeatable, last);
# golang-migrate 0001_x.up.sql (.down.sql ignored); dbmate, Django
# sqlmigrate output and timestamped files 20230312153143_x.sql; Prisma
# <timestamp>_<name>/migration.sql.
_FLYWAY = re.compile(r"(?P<kind>[VUR])(?P<version>\d+(?:[._]\d+)*)?__.+\.sql", re.IGNORECASE)
_NUMBERED = re.compile(r"(?P<version>\d+)[_-].*?(?P<direction>\.up|\.down)?\.sql", re.IGNORECASE)
_PRISMA_DIRECTORY = re.compile(r"\d+_.+")
#: dbmate keeps both directions in one file; what follows this is the down.
_DOWN_SECTION = re.compile(r"^--\s*migrate:down\b", re.IGNORECASE | re.MULTILINE)


class MigrationFolder(NamedTuple):
    directory: Path
    display: str
    """The folder as reports name it; the scope its tables are named in."""
    files: tuple[InputFile, ...]
    """The migrations to apply, in order (down and undo migrations left out)."""


def _order(file: InputFile, prisma: bool) -> tuple[int, tuple[int, ...], str] | None:
    """Where a file goes in its folder, or None when it is no migration;
    (9, ...) for a down or undo migration, which is never applied."""
    name = file.path.name
    if prisma and name == "migration.sql" and _PRISMA_DIRECTORY.fullmatch(file.path.parent.name):
        return 0, (int(file.path.parent.name.split("_")[0]),), file.path.parent.name
    flyway = _FLYWAY.fullmatch(name)
    if flyway is not None:
        kind = flyway.group("kind").upper()
        version = tuple(int(part) for part in re.split(r"[._]", flyway.group("version") or "0"))
        return {"V": 0, "R": 1, "U": 9}[kind], version, name
    numbered = _NUMBERED.fullmatch(name)
    if numbered is not None:
        down = (numbered.group("direction") or "").lower() == ".down"
        return 9 if down else 0, (int(numbered.group("version")),), name
    return None


def group(files: Sequence[InputFile], forced: Iterable[Path] = (), auto: bool = True) -> list[InputFile | MigrationFolder]:
    """``files`` with the migrations of each migration folder gathered into
    one ``MigrationFolder``, in the place of its first file. A folder is one
    when it holds at least two migrations named by one of the schemes
    above (``auto``), or when it is named in ``forced`` (``--migrations``:
    every ``.sql`` file below it, migrations first in their order, the
    others after them by name)."""
    forced_dirs = [directory.resolve() for directory in forced]
    folders: dict[Path, list[tuple[tuple[int, tuple[int, ...], str], InputFile]]] = {}
    for file in files:
        if file.path.suffix.lower() != ".sql":
            continue
        home = next((directory for directory in forced_dirs if directory in file.path.resolve().parents), None)
        prisma_home = file.path.parent.parent if file.path.name == "migration.sql" else None
        order = _order(file, prisma=prisma_home is not None)
        if home is not None:
            folders.setdefault(home, []).append((order or (2, (), file.path.as_posix()), file))
        elif order is not None and auto:
            where = (prisma_home if order[0] == 0 and file.path.name == "migration.sql" else file.path.parent).resolve()
            folders.setdefault(where, []).append((order, file))
    chosen = {
        directory: sorted(members, key=lambda member: member[0])
        for directory, members in folders.items()
        if directory in forced_dirs or len(members) >= 2
    }
    member_of = {id(file): directory for directory, members in chosen.items() for _order_key, file in members}
    result: list[InputFile | MigrationFolder] = []
    placed: set[Path] = set()
    for file in files:
        directory = member_of.get(id(file))
        if directory is None:
            result.append(file)
        elif directory not in placed:
            placed.add(directory)
            applied = tuple(member for order, member in chosen[directory] if order[0] != 9)
            result.append(MigrationFolder(directory, _folder_display(file, directory), applied))
    return result


def _folder_display(file: InputFile, directory: Path) -> str:
    """The folder named the way its files are (relative when they are)."""
    depth = len(file.path.resolve().relative_to(directory).parts) - 1
    display = Path(file.display)
    for _ in range(depth + 1):
        display = display.parent
    return display.as_posix()


# ------------------------------------------------------------------ replay

_IDENT = r"""(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[A-Za-z_][\w$]*)"""
_QNAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
_DROP_TABLE = re.compile(rf"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?P<names>{_QNAME}(?:\s*,\s*{_QNAME})*)", re.IGNORECASE)
_RENAME_TABLES = re.compile(r"RENAME\s+TABLE\s+(?P<pairs>.+)", re.IGNORECASE | re.DOTALL)
_RENAME_PAIR = re.compile(rf"(?P<old>{_QNAME})\s+TO\s+(?P<new>{_QNAME})", re.IGNORECASE)
_ALTER_TABLE = re.compile(rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{_QNAME})\s+", re.IGNORECASE)
_ACTIONS = (
    ("rename_table", re.compile(rf"RENAME\s+TO\s+(?P<new>{_QNAME})", re.IGNORECASE)),
    ("rename_column", re.compile(rf"RENAME\s+(?:COLUMN\s+)?(?P<old>{_IDENT})\s+TO\s+(?P<new>{_IDENT})", re.IGNORECASE)),
    ("drop_column", re.compile(rf"DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(?P<old>{_IDENT})(?:\s+(?:CASCADE|RESTRICT))?\s*$", re.IGNORECASE)),
    ("retype", re.compile(rf"ALTER\s+(?:COLUMN\s+)?(?P<old>{_IDENT})\s+(?:SET\s+DATA\s+)?TYPE\s+(?P<type>[^\s(]+(?:\s*\([^)]*\))?)", re.IGNORECASE)),
    ("change", re.compile(rf"CHANGE\s+(?:COLUMN\s+)?(?P<old>{_IDENT})\s+(?P<new>{_IDENT})\s+(?P<type>[^\s(]+(?:\s*\([^)]*\))?)", re.IGNORECASE)),
    ("retype", re.compile(rf"MODIFY\s+(?:COLUMN\s+)?(?P<old>{_IDENT})\s+(?P<type>[^\s(]+(?:\s*\([^)]*\))?)", re.IGNORECASE)),
    ("reference", re.compile(
        rf"ADD\s+(?:CONSTRAINT\s+{_IDENT}\s+)?FOREIGN\s+KEY\s*\((?P<columns>[^)]*)\)\s*REFERENCES\s+(?P<target>{_QNAME})"
        r"(?:\s*\((?P<target_columns>[^)]*)\))?",
        re.IGNORECASE,
    )),
)
_NOT_A_COLUMN = frozenset({"constraint", "primary", "unique", "index", "key", "foreign", "check", "default", "not"})


class _Change(NamedTuple):
    kind: str
    table: str
    """The table's name, unqualified and lower-cased."""
    at: Location
    old: str = ""
    new: str = ""
    """For a table rename, the new name as written (schema included)."""
    type: str = ""
    target: str = ""
    target_column: str = ""


def replay(read: Sequence[tuple[InputFile, ReadResult, str | None]]) -> list[tuple[InputFile, ReadResult]]:
    """Each migration's result, keeping only the fields that survive the
    migrations after it (renamed where they were renamed, moved to the
    renaming migration). ``read``: each migration in order, with its text
    (None when it could not be read)."""
    live: dict[tuple[str, str], Field] = {}
    for file, result, text in read:
        end = _down_start(text) if text else None
        changes = _changes(text, file.display) if text else []
        timeline: list[tuple[tuple[int, int], int, Field | _Change]] = []
        timeline += [((each.location.line, each.location.column), 0, each) for each in result.fields]
        timeline += [((change.at.line, change.at.column), 1, change) for change in changes]
        for (line, _column), _rank, item in sorted(timeline, key=lambda entry: (entry[0], entry[1])):
            if end is not None and line >= end:
                continue
            if isinstance(item, Field):
                live[(_bare(item.container), item.name.lower())] = item
            else:
                _apply(item, live)
    by_file: dict[str, list[Field]] = {}
    for item in live.values():
        by_file.setdefault(item.location.file, []).append(item)
    return [
        (file, result._replace(fields=tuple(sorted(by_file.get(file.display, ()), key=lambda each: (each.location.line, each.location.column)))))
        for file, result, _text in read
    ]


def _down_start(text: str) -> int | None:
    """The line a dbmate ``-- migrate:down`` section starts on."""
    marker = _DOWN_SECTION.search(text)
    return text.count("\n", 0, marker.start()) + 1 if marker else None


def _apply(change: _Change, live: dict[tuple[str, str], Field]) -> None:
    keys = [key for key in live if key[0] == change.table]
    if change.kind == "drop_table":
        for key in keys:
            del live[key]
    elif change.kind == "rename_table":
        for key in keys:
            item = live.pop(key)
            live[(_bare(change.new), key[1])] = item._replace(container=change.new, context=(_unquoted(change.new).split(".")[-1],))
    elif change.kind == "drop_column":
        live.pop((change.table, change.old.lower()), None)
    elif change.kind in ("rename_column", "change", "retype"):
        item = live.pop((change.table, change.old.lower()), None)
        if item is None:
            return
        if change.new:
            item = item._replace(name=change.new, location=change.at)
        if change.type:
            item = item._replace(type=change.type.lower())
        live[(change.table, item.name.lower())] = item
    elif change.kind == "reference":
        item = live.get((change.table, change.old.lower()))
        if item is not None and item.references is None:
            links = (f"{change.target}.{change.target_column}",) if change.target_column else ()
            live[(change.table, change.old.lower())] = item._replace(references=change.target, links=links)


def _changes(text: str, display: str) -> list[_Change]:
    """The drops, renames, type changes and foreign keys a migration makes."""
    lines = LineIndex(text)
    statements, _unclosed = split_statements(text, lexis_for(detect_dialect(text)))
    changes: list[_Change] = []
    for statement in statements:
        body = statement.text
        drop = _DROP_TABLE.match(body)
        if drop is not None:
            at = Location(display, *lines.position(statement.start))
            changes += [_Change("drop_table", _bare(name), at) for name in _split_names(drop.group("names"))]
            continue
        renames = _RENAME_TABLES.match(body)
        if renames is not None:
            at = Location(display, *lines.position(statement.start))
            for pair in _RENAME_PAIR.finditer(renames.group("pairs")):
                changes.append(_Change("rename_table", _bare(pair.group("old")), at, new=_unquoted(pair.group("new"))))
            continue
        alter = _ALTER_TABLE.match(body)
        if alter is not None:
            changes += _alter(alter, body, statement.start, lines, display)
    return changes


def _alter(alter: re.Match[str], body: str, offset: int, lines: LineIndex, display: str) -> list[_Change]:
    table = _bare(alter.group("table"))
    changes = []
    for start, end in _actions(body, alter.end()):
        action = body[start:end].strip()
        at = Location(display, *lines.position(offset + start + len(body[start:end]) - len(body[start:end].lstrip())))
        for kind, pattern in _ACTIONS:
            found = pattern.match(action)
            if found is None:
                continue
            values = found.groupdict()
            if kind == "drop_column" and _unquoted(values["old"]).lower() in _NOT_A_COLUMN:
                break
            if kind == "reference":
                columns = [_unquoted(name) for name in re.findall(_IDENT, values["columns"])]
                targets = [_unquoted(name) for name in re.findall(_IDENT, values["target_columns"] or "")]
                paired = targets if len(targets) == len(columns) else [""] * len(columns)
                target = _unquoted(values["target"])
                changes += [_Change(kind, table, at, old=column, target=target, target_column=to) for column, to in zip(columns, paired)]
                break
            changes.append(_Change(
                kind, table, at,
                old=_unquoted(values.get("old") or ""),
                new=_unquoted(values.get("new") or ""),
                type=values.get("type") or "",
            ))
            break
    return changes


def _actions(body: str, start: int) -> list[tuple[int, int]]:
    """The comma-separated actions of an ALTER TABLE, as offsets."""
    pieces, depth, begin = [], 0, start
    for position in range(start, len(body)):
        character = body[position]
        if character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        elif character == "," and depth == 0:
            pieces.append((begin, position))
            begin = position + 1
    pieces.append((begin, len(body)))
    return pieces


def _split_names(written: str) -> list[str]:
    return [name.strip() for name in re.findall(_QNAME, written)]


def _unquoted(written: str) -> str:
    parts = re.findall(_IDENT, written)
    return ".".join(part[1:-1] if part[:1] in "\"`[" else part for part in parts)


def _bare(written: str) -> str:
    """A table's name without schema or quotes, lower-cased: how changes
    and fields are matched (a migration rarely repeats the schema)."""
    return _unquoted(written).split(".")[-1].lower()
