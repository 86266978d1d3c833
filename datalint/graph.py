"""The schema graph: containers (tables, schema objects) joined by the keys
and references that let one be read together with another.

A single field tells what is collected; the graph tells what can be joined.
An ad that is one foreign key away from a passport scan is the harm the
schema creates even when no one table looks alarming, so graph rules
(``datalint.linkage``) walk it. It is built from the fields of every file
linted in one run, and knows nothing about rules.

Containers are keyed so that what is one schema joins and what is not does
not: SQL tables by name (``public.ads`` and ``ads`` are one table) within
one *scope*, the directory of the file (or the migration folder, or the
database), so that two dumps side by side (a MySQL and a PostgreSQL copy, two
projects) never join each other; JSON objects by file and pointer.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from urllib.parse import quote_from_bytes, unquote

from datalint.model import Field, Step

#: Containers a walk visits before it stops: far above a real schema (GitLab
#: has 1,400 tables), a bound on what a generated one can cost.
MAX_VISITED = 20_000


class Container:
    """A table or schema object, with its fields in the order they are
    written. Mutable: ``build_graph`` appends the fields as it meets them."""

    __slots__ = ("key", "display", "names", "file", "label", "fields")

    def __init__(self, key: str, display: str, names: tuple[str, ...], file: str, label: str) -> None:
        self.key = key
        self.display = display
        """As reports name it: the table as written, or the JSON Pointer."""
        self.names = names
        """The names it goes by, outermost first: the table's name, or the
        enclosing ``$defs`` entry and properties of a JSON object."""
        self.file = file
        self.label = label
        """How a report names it on its own: the table, or ``file#pointer``."""
        self.fields: list[Field] = []

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else ""


class Edge(NamedTuple):
    source: str
    target: str
    kind: str
    carrier: Field
    """The field the edge is written on: where a finding about it points."""
    source_label: str
    target_label: str

    def step(self, reverse: bool) -> Step:
        if reverse:
            return Step(self.target_label, self.source_label, self.kind, True)  # type: ignore[arg-type]
        return Step(self.source_label, self.target_label, self.kind)  # type: ignore[arg-type]


class Hop(NamedTuple):
    edge: Edge
    reverse: bool


class Graph:
    def __init__(self) -> None:
        self.containers: dict[str, Container] = {}
        self.edges: list[Edge] = []
        self._container_of: dict[int, str] = {}
        self._adjacent: dict[str, list[Hop]] = {}
        self._moves: dict[str, list[tuple[Hop, str, bool, bool]]] = {}
        """Per container, each hop with what ``paths`` asks of it: the
        container it leads to, whether it goes forward along a ``$ref``
        (into a shared definition), and whether it goes back against one."""
        self._own: dict[str, list[Field]] = {}
        self._has_id: dict[str, bool] = {}
        self.keys: set[int] = set()
        """Fields that carry an edge (ids): keys, not data of their own."""

    def container_of(self, item: Field) -> Container | None:
        key = self._container_of.get(id(item))
        return self.containers[key] if key is not None else None

    def own_fields(self, container: Container) -> list[Field]:
        """The fields of ``container`` that carry no edge. Asked by every
        rule for every container, so kept once the graph is built (no edge
        is added after ``build_graph``)."""
        own = self._own.get(container.key)
        if own is None:
            keys = self.keys
            own = self._own[container.key] = [item for item in container.fields if id(item) not in keys]
        return own

    def add_edge(self, edge: Edge) -> None:
        self.edges.append(edge)
        self.keys.add(id(edge.carrier))
        forward, backward = Hop(edge, False), Hop(edge, True)
        ref = edge.kind == "ref"
        self._adjacent.setdefault(edge.source, []).append(forward)
        self._adjacent.setdefault(edge.target, []).append(backward)
        self._moves.setdefault(edge.source, []).append((forward, edge.target, ref, False))
        self._moves.setdefault(edge.target, []).append((backward, edge.source, False, ref))

    def neighbours(self, key: str) -> list[Hop]:
        return self._adjacent.get(key, [])

    def paths(self, start: str, max_hops: int, terminal: Iterable[str] = ()) -> dict[str, tuple[Hop, ...]]:
        """The shortest path from ``start`` to every container within
        ``max_hops`` edges (``start`` itself: the empty path).

        Two joins are not followed, because they link types, not people:
        out of a ``terminal`` container (shared reference data such as a
        countries table) and, in JSON, from a ``$ref`` target back out to
        another object that refers to it (two objects that both use an
        ``Address`` definition do not hold the same address). A state
        remembers whether it arrived forward into such a shared node."""
        stops = set(terminal)
        moves = self._moves
        found: dict[str, tuple[Hop, ...]] = {start: ()}
        seen = {(start, False)}
        queue: deque[tuple[str, bool, tuple[Hop, ...]]] = deque([(start, False, ())])
        while queue and len(seen) < MAX_VISITED:
            key, shared, path = queue.popleft()
            if len(path) >= max_hops or (path and key in stops):
                continue
            for hop, following, into_shared, out_of_shared in moves.get(key, ()):
                if shared and out_of_shared:
                    continue
                state = (following, into_shared)
                if state in seen:
                    continue
                seen.add(state)
                longer = (*path, hop)
                if following not in found:
                    found[following] = longer
                queue.append((following, into_shared, longer))
        return found


def build_graph(fields: Iterable[Field], scopes: Mapping[str, str] | None = None) -> Graph:
    """The graph of ``fields`` (those of every file in the run). ``scopes``
    maps a file to the scope its SQL tables are named in, where that is not
    its directory (migration folders whose migrations sit in directories of
    their own)."""
    _directory_uri.cache_clear()
    graph = Graph()
    tables: dict[tuple[str, str], dict[str | None, str]] = {}
    columns: list[tuple[Field, str, str]] = []  # (column, its table's key, its scope)
    linked: list[tuple[Field, str]] = []  # JSON fields with $ref links, and their container's key
    # A file's fields share a few containers and one scope or URI, so each is
    # worked out once per (file, container as written), not per field.
    file_scopes: dict[str, str] = {}
    file_uris: dict[str, str] = {}
    tables_written: dict[tuple[str, str], Container] = {}  # by (scope, table as written)
    objects_written: dict[tuple[str, str], Container] = {}  # by (file, container as written)
    objects: list[tuple[Container, str, str]] = []  # JSON containers: (container, file URI, pointer as written)
    by_pointer: dict[tuple[str, str], Field] = {}  # JSON fields by (file URI, pointer as written)
    container_of = graph._container_of
    for item in fields:
        file = item.location.file
        if item.kind == "column":
            scope = file_scopes.get(file)
            if scope is None:
                scope = file_scopes[file] = (scopes or {}).get(file) or _directory(file)
            container = tables_written.get((scope, item.container))
            if container is None:
                container = tables_written[(scope, item.container)] = graph.containers[_table(graph, tables, scope, item)]
            columns.append((item, container.key, scope))
        else:
            uri = file_uris.get(file)
            if uri is None:
                uri = file_uris[file] = _file_uri(file)
            container = objects_written.get((file, item.container))
            if container is None:
                container = objects_written[(file, item.container)] = _object(graph, objects, uri, item)
            if item.links:
                linked.append((item, container.key))
            if item.pointer:
                by_pointer[(uri, item.pointer)] = item
        container.fields.append(item)
        container_of[id(item)] = container.key
    for item, source, scope in columns:
        _sql_edge(graph, tables, scope, item, source)
    for item, source in linked:
        _ref_edges(graph, item, source)
    for container, uri, pointer in objects:
        _nesting_edge(graph, by_pointer, container, uri, pointer)
    return graph


# ------------------------------------------------------------------- SQL


def _directory(file: str) -> str:
    return file if "://" in file else str(PurePosixPath(file).parent)


def _split(written: str) -> tuple[str | None, str]:
    schema, _, name = written.rpartition(".")
    return (schema.lower() or None), name.lower()


def _table(graph: Graph, tables: dict[tuple[str, str], dict[str | None, str]], scope: str, item: Field) -> str:
    """The table's key: an unqualified name is the same table as a
    qualified one of the scope (``ALTER TABLE ads`` after ``CREATE TABLE
    public.ads``); two schemas' tables of one name are two tables."""
    schema, name = _split(item.container)
    spellings = tables.setdefault((scope, name), {})
    key = spellings.get(schema)
    if key is None and spellings and (schema is None or None in spellings):
        key = spellings[None] if None in spellings else next(iter(spellings.values()))
    if key is None:
        key = f"sql\0{scope}\0{schema or ''}\0{name}"
        graph.containers[key] = Container(key, item.container, item.context or (item.container,), item.location.file, item.container)
    spellings.setdefault(schema, key)
    return key


def _resolve(tables: dict[tuple[str, str], dict[str | None, str]], scope: str, written: str) -> str | None:
    """The table ``written`` names in ``scope``: same schema first, then the
    only table of that name."""
    schema, name = _split(written)
    spellings = tables.get((scope, name))
    if not spellings:
        return None
    if schema in spellings:
        return spellings[schema]
    keys = set(spellings.values())
    return keys.pop() if len(keys) == 1 else spellings.get(None)


def _sql_edge(graph: Graph, tables: dict[tuple[str, str], dict[str | None, str]], scope: str, item: Field, source: str) -> None:
    """A foreign key, or else a ``<table>_id`` column naming a table of the
    scope that has an ``id`` (inferred: the join works without a constraint).
    ``source`` is the key of the column's table."""
    if item.references:
        target = _resolve(tables, scope, item.references)
        if target is not None:
            column = item.links[0].rpartition(".")[2] if item.links else ""
            _add(graph, item, source, target, "foreign-key", column)
        return
    for candidate in _named_tables(item.name):
        target = _resolve(tables, scope, candidate)
        if target is not None and target != source and _has_id(graph, target):
            _add(graph, item, source, target, "inferred", "id")
            return


def _has_id(graph: Graph, key: str) -> bool:
    """Whether the table has an ``id`` column; asked for each ``<table>_id``
    column naming it, so remembered per table (no column is added after
    the fields are placed)."""
    answer = graph._has_id.get(key)
    if answer is None:
        answer = graph._has_id[key] = any(column.name.lower() == "id" for column in graph.containers[key].fields)
    return answer


@lru_cache(maxsize=4096)
def _named_tables(column: str) -> tuple[str, ...]:
    """Table names a key column may stand for: ``advertiser_id`` and
    ``advertiserId`` -> advertiser, advertisers; ``agency_id`` -> agencies.
    Cached: schemas repeat their key columns (``project_id``) in table
    after table."""
    lowered = column.lower()
    if lowered.endswith("_id"):
        base = lowered[:-3]
    elif column.endswith("Id") and column[:-2][-1:].islower():
        base = _snake(column[:-2])
    else:
        return ()
    if not base or base.endswith("_"):
        return ()
    names = [base, base + "s", base + "es"]
    if base.endswith("y"):
        names.append(base[:-1] + "ies")
    return (*names, *(name.replace("_", "") for name in names if "_" in name))


def _snake(camel: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in camel).lstrip("_")


def _add(graph: Graph, item: Field, source: str, target: str, kind: str, column: str) -> None:
    destination = graph.containers[target]
    label = f"{destination.display}.{column}" if column else destination.display
    graph.add_edge(Edge(source, target, kind, item, f"{graph.containers[source].display}.{item.name}", label))


# ------------------------------------------------------------------ JSON


@lru_cache(maxsize=None)
def _directory_uri(directory: str) -> str:
    """``Path(directory).absolute().as_uri()`` with a closing ``/``,
    remembered per directory: a run of 10,000 small files has a few hundred
    directories, and ``pathlib`` costs ~20 us a call. Cleared by each
    ``build_graph``, since it depends on the working directory."""
    uri = Path(directory).absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _file_uri(file: str) -> str:
    """``Path(file).absolute().as_uri()``: the directory's URI and the
    file's name quoted as ``as_uri`` quotes it (``/`` kept)."""
    directory, slash, name = file.rpartition("/")
    return _directory_uri(directory or slash or ".") + quote_from_bytes(os.fsencode(name))


def _json_key(uri: str, pointer: str) -> str:
    """``file URI#pointer``, the pointer unescaped, so that what a ``$ref``
    spells and what the reader writes compare equal."""
    return f"{uri}#{unquote(pointer.lstrip('#'))}"


def _object(graph: Graph, objects: list[tuple[Container, str, str]], uri: str, item: Field) -> Container:
    """The JSON object ``item`` is a field of, created on its first field
    and then listed in ``objects`` with where it is (for nesting edges)."""
    key = _json_key(uri, item.container)
    container = graph.containers.get(key)
    if container is None:
        name = item.location.file.rpartition("/")[2]  # the display path is POSIX
        names = item.context or (name.split(".")[0],)
        display = item.container if item.container not in ("", "#") else f"{name}#"
        container = graph.containers[key] = Container(key, display, names, item.location.file, f"{item.location.file}{item.container or '#'}")
        objects.append((container, uri, item.container))
    return container


def _ref_edges(graph: Graph, item: Field, source: str) -> None:
    for link in item.links:
        document, _, pointer = link.partition("#")
        written = f"{document}#{unquote(pointer)}"
        for candidate in (written, f"{written}/items"):
            target = graph.containers.get(candidate)
            if target is not None:
                if target.key != source:
                    _json_edge(graph, item, source, target, "ref")
                break


def _nesting_edge(graph: Graph, by_pointer: dict[tuple[str, str], Field], container: Container, uri: str, pointer: str) -> None:
    """An inline object below a property (``advertiser: {properties: ...}``,
    or its ``items``): the property joins its object to the inner one.
    ``pointer`` is the container's as the reader wrote it, as are the keys
    of ``by_pointer``: both are escaped alike, so no unquoting is needed."""
    while pointer:
        carrier = by_pointer.get((uri, pointer))
        if carrier is not None:
            _json_edge(graph, carrier, graph._container_of[id(carrier)], container, "nesting")
            return
        pointer = pointer.rpartition("/")[0]


def _json_edge(graph: Graph, item: Field, source: str, target: Container, kind: str) -> None:
    label = target.display if target.file == item.location.file else target.label
    graph.add_edge(Edge(source, target.key, kind, item, f"{graph.containers[source].display}.{item.name}", label))


def spell(path: Iterable[Hop]) -> str:
    """``ads.advertiser_id -> advertisers.id <- identity_checks.advertiser_id``:
    each step's end, with its start too where the path leaves a container
    by another field than the one it arrived at."""
    text = ""
    for hop in path:
        step = hop.edge.step(hop.reverse)
        arrow = "<-" if hop.reverse else "->"
        if not text:
            text = step.source
        elif not text.endswith(step.source):
            text += f", {step.source}"
        text += f" {arrow} {step.target}"
    return text
