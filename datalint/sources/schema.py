"""Read JSON Schema, OpenAPI/Swagger and FollowTheMoney-style YAML into Fields.

Each property is reported once, where it is defined: the walk follows the
document's own structure and never descends through a ``$ref``, so a
definition used in fifty places yields one finding, at the place a human
would fix. What a ``$ref`` says about a property (type, description, enum,
format, pattern) is merged into that property's Field instead, because a
``nationality`` that only says ``$ref: CountryCode`` still collects a
nationality.

Files that parse but are not schemas (manifests, CI workflows, Kubernetes
objects) are skipped quietly rather than linted as if they were.
"""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any, Literal, NamedTuple
from urllib.parse import urljoin

from datalint.diagnostics import diagnostic
from datalint.model import Diagnostic, Field, Location, ReadResult, Suppression
from datalint.sources.annotations import SCHEMA_KEY, from_schema
from datalint.sources.documents import MAX_HIDDEN, Document, DocumentError, Duplicate, escape, parse_json, parse_yaml
from datalint.sources.refs import RefError, References, Target, document_uri

DIALECT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
DIALECT_DRAFT4 = "http://json-schema.org/draft-04/schema#"

#: How far a property's ``$ref``/``allOf`` chain is followed for evidence;
#: real chains are one or two hops, cycles are cut earlier by a seen-set.
_MAX_HOPS = 8
_JSON_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})
#: Keys that make a mapping look like a property schema in a custom dialect.
_SCHEMA_WORDS = frozenset({"type", "label", "description", "title", "format", "enum", "$ref"})
_SCHEMA_TEXT = ("title", "description")
_OPERATION_TEXT = ("summary", "description")
_LINK_KEYWORDS = frozenset({"$ref", "allOf", "anyOf", "oneOf"})
#: Keys under which a property's ``$ref``s are written, for the schema graph.
_REF_HOLDERS = _LINK_KEYWORDS | {"items"}
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# The ASCII characters a URI fragment can hold literally (RFC 3986); the rest
# are percent-encoded. Non-ASCII is kept as written, as IRIs allow, so
# pointers stay readable.
_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?"
_DROP_SAFE = str.maketrans("", "", _SAFE)
_PERCENT_ENCODE = str.maketrans({chr(code): f"%{code:02X}" for code in range(128) if chr(code) not in _SAFE})


class _Dialect(NamedTuple):
    kind: Literal["json-schema", "openapi", "custom"]
    default: str
    """``$schema`` assumed where none is written."""
    id_keyword: str | None
    """The keyword that sets a base URI (``$id``; ``id`` before draft 6;
    none in OpenAPI 3.0, where ``id`` is just a property name)."""
    entries: tuple[str, ...] = ()
    """Custom dialects: the top-level entries that hold property schemas."""


def read_schema(
    text: str,
    path: str,
    *,
    source: Path | None = None,
    root: Path | None = None,
    yaml_syntax: bool = False,
    check_metaschema: bool = False,
) -> ReadResult:
    """Fields of one JSON/YAML file. Never raises: a file that cannot be read
    becomes a diagnostic, so one bad file cannot stop a run."""
    try:
        return _read(text, path, source, root, yaml_syntax, check_metaschema)
    except RecursionError:
        return ReadResult(diagnostics=(diagnostic("DL002", "nesting too deep to read", path),), skipped="syntax error")
    except Exception as error:  # a reader bug must cost one file, not the run
        import traceback

        where = traceback.extract_tb(error.__traceback__)[-1].name
        message = f"internal error in the schema reader ({type(error).__name__} in {where})"
        return ReadResult(diagnostics=(diagnostic("DL009", message, path),), skipped="internal error")


def _read(
    text: str, path: str, source: Path | None, root: Path | None, yaml_syntax: bool, check_metaschema: bool
) -> ReadResult:
    try:
        documents = parse_yaml(text) if yaml_syntax else (parse_json(text),)
    except DocumentError as error:
        return ReadResult(diagnostics=(diagnostic("DL002", error.message, path, error.line, error.column),), skipped="syntax error")
    fields: list[Field] = []
    diagnostics: list[Diagnostic] = []
    noted: set[str] = set()
    skipped = True
    for document in documents:
        dialect = _dialect(document.data)
        if dialect is None:
            continue
        skipped = False
        diagnostics.extend(_duplicate_warning(duplicate, path) for duplicate in document.duplicates)
        walker = _walk(document, dialect, path, source, root, noted)
        fields.extend(walker.fields)
        diagnostics.extend(walker.diagnostics)
        fields.extend(_hidden_fields(document, walker.fields, path, source, root, noted))
        diagnostics.extend(_unread_hidden(document, path))
        if check_metaschema:
            diagnostics.extend(_metaschema_diagnostics(document, dialect, path))
    if skipped:
        return ReadResult(skipped="not a schema")
    diagnostics.sort(key=lambda each: (each.location.line, each.location.column))
    return ReadResult(fields=tuple(fields), diagnostics=tuple(diagnostics))


def _walk(document: Document, dialect: _Dialect, path: str, source: Path | None, root: Path | None, noted: set[str]) -> _Walker:
    references = References(document.data, source=source, root=root, default_dialect=dialect.default)
    walker = _Walker(document, path, dialect, references, document_uri(source), noted)
    walker.walk()
    return walker


def _duplicate_warning(duplicate: Duplicate, path: str) -> Diagnostic:
    message = f"duplicate key '{duplicate.key}' hides an earlier definition (both are linted)"
    return diagnostic("DL005", message, path, duplicate.line, duplicate.column)


def _hidden_fields(
    document: Document, seen: list[Field], path: str, source: Path | None, root: Path | None, noted: set[str]
) -> list[Field]:
    """Fields that only the views of hidden definitions show: a parser keeps
    the last of two ``passport`` keys, but a reviewer may read the first."""
    if not document.hidden:
        return []  # the usual case: no need to hash every field
    known = set(seen)
    found = []
    for view in document.hidden:
        dialect = _dialect(view.data)
        if dialect is None:
            continue
        for field in _walk(view, dialect, path, source, root, noted).fields:
            if field not in known:  # a hidden ``description`` makes the same key a different field
                known.add(field)
                found.append(field)
    return found


def _unread_hidden(document: Document, path: str) -> list[Diagnostic]:
    if not document.unread_hidden:
        return []
    first = document.unread_hidden[0]
    message = (
        f"{len(document.unread_hidden)} more definitions hidden by duplicate keys were not linted "
        f"(more than {MAX_HIDDEN}); remove the duplicates"
    )
    return [diagnostic("DL004", message, path, first.line, first.column)]


# ------------------------------------------------------------- recognising


def _dialect(data: Any) -> _Dialect | None:
    if not isinstance(data, dict):
        return None
    openapi = data.get("openapi")
    if _is_version(openapi):
        if str(openapi).startswith("3.1"):
            dialect = data.get("jsonSchemaDialect")
            return _Dialect("openapi", dialect if isinstance(dialect, str) else DIALECT_2020_12, "$id")
        return _Dialect("openapi", DIALECT_DRAFT4, None)
    declared = data.get("$schema")
    if _is_version(data.get("swagger")) or (declared is None and isinstance(data.get("components"), dict)):
        return _Dialect("openapi", DIALECT_DRAFT4, None)
    if _is_json_schema(data, declared):
        old = isinstance(declared, str) and ("draft-04" in declared or "draft-03" in declared)
        return _Dialect("json-schema", DIALECT_DRAFT4 if old else DIALECT_2020_12, "id" if old else "$id")
    entries = tuple(name for name, entry in data.items() if _holds_property_schemas(entry))
    return _Dialect("custom", DIALECT_2020_12, None, entries) if entries else None


def _is_version(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _is_json_schema(data: dict[str, Any], declared: Any) -> bool:
    """``$schema`` alone is not enough: config files (tsconfig, biome...)
    carry one that names the schema they are *instances* of. Nor is a
    ``properties`` key: a GeoJSON feature has one, holding data, not schemas."""
    if isinstance(declared, str) and ("json-schema.org/" in declared or "spec.openapis.org/oas/" in declared):
        return True
    if data.get("type") == "object" and isinstance(data.get("properties"), dict):
        return True
    if any(_holds_schemas(data.get(key)) for key in ("properties", "$defs", "definitions")):
        return True
    return isinstance(declared, str) and (
        data.get("type") in _JSON_TYPES or any(key in data for key in ("allOf", "anyOf", "oneOf", "items", "$ref"))
    )


def _holds_schemas(value: Any) -> bool:
    return isinstance(value, dict) and all(each is None or isinstance(each, (dict, bool)) for each in value.values())


def _holds_property_schemas(entry: Any) -> bool:
    """FollowTheMoney-style: ``Person: {properties: {nationality: {label: ..., type: country}}}``."""
    properties = entry.get("properties") if isinstance(entry, dict) else None
    return isinstance(properties, dict) and any(
        isinstance(value, dict) and not _SCHEMA_WORDS.isdisjoint(value) for value in properties.values()
    )


# ------------------------------------------------------------- evidence


class _Evidence:
    """What a field's schema (and what it refers to) says, gathered first-wins
    for single values and in order, without repeats, for texts and formats."""

    __slots__ = ("type", "texts", "enum", "formats", "pattern", "examples")

    def __init__(self) -> None:
        self.type: str | None = None
        self.texts: list[str] = []
        self.enum: tuple[str, ...] = ()
        self.formats: list[str] = []
        self.pattern: str | None = None
        self.examples: list[str] = []

    def add(self, schema: dict[str, Any], text_keys: tuple[str, ...]) -> None:
        """``text_keys``: the title-like keys, then ``description``."""
        get = schema.get
        if self.type is None:
            kind = get("type")
            if isinstance(kind, str):
                self.type = kind
            elif isinstance(kind, list) and kind and all(isinstance(each, str) for each in kind):
                self.type = "|".join(kind)
        for key in text_keys:
            text = get(key)
            if isinstance(text, str) and (text := text.strip()) and text not in self.texts:
                self.texts.append(text)
        if not self.enum:
            values = get("enum")
            if isinstance(values, list):
                self.enum = tuple(_text(value) for value in values)
            elif "const" in schema:
                self.enum = (_text(schema["const"]),)
        if "format" in schema or "contentEncoding" in schema or "contentMediaType" in schema:
            for key in ("format", "contentEncoding", "contentMediaType"):
                value = get(key)
                if isinstance(value, str) and value not in self.formats:
                    self.formats.append(value)
        if self.pattern is None and isinstance(get("pattern"), str):
            self.pattern = schema["pattern"]

    def add_examples(self, schema: dict[str, Any]) -> None:
        for key in ("examples", "example", "default"):
            if key not in schema:
                continue
            value = schema[key]
            if key == "examples" and isinstance(value, list):
                self.examples.extend(_text(each) for each in value)
            elif key == "examples" and isinstance(value, dict):  # OpenAPI Example Objects
                self.examples.extend(
                    _text(each["value"]) for each in value.values() if isinstance(each, dict) and "value" in each
                )
            else:
                self.examples.append(_text(value))

    def field(
        self,
        name: str,
        container: str,
        location: Location,
        kind: Literal["property", "parameter"],
        pointer: str,
        context: tuple[str, ...],
        container_description: str,
        suppressions: tuple[Suppression, ...],
        links: tuple[str, ...] = (),
    ) -> Field:
        # Positional, in Field's order (``references`` is SQL's): a large
        # spec builds ten thousand of these, and keywords cost twice as much.
        return Field(
            name,
            container,
            location,
            kind,
            pointer,
            self.type,
            _join(self.texts),
            self.enum,
            tuple(self.formats),
            self.pattern,
            tuple(self.examples),
            context,
            None,
            container_description,
            suppressions,
            links,
        )


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _join(texts: list[str]) -> str:
    joined = ""
    for text in texts:
        if not joined:
            joined = text
        elif joined[-1] in ".!?:":
            joined = f"{joined} {text}"
        else:
            joined = f"{joined}. {text}"
    return joined


def _links(schema: dict[str, Any]) -> list[Any]:
    """What a schema *is*, besides itself: its ``$ref``, every ``allOf``
    member, and the member of a one-element ``anyOf``/``oneOf`` (the OpenAPI
    way of writing a nullable reference)."""
    links: list[Any] = []
    ref = schema.get("$ref")
    if isinstance(ref, str):
        links.append(ref)
    members = schema.get("allOf")
    if isinstance(members, list):
        links.extend(members)
    for keyword in ("anyOf", "oneOf"):
        members = schema.get(keyword)
        if isinstance(members, list) and len(members) == 1:
            links.extend(members)
    return links


def _rebase(base: str, identifier: str) -> str:
    try:
        return urljoin(base, identifier)
    except ValueError:  # not a URI: it cannot change what references are relative to
        return base


def _uri_safe(text: str) -> str:
    if text.isidentifier():  # letters, digits and "_" only: the usual property name
        return text
    rest = text.translate(_DROP_SAFE)
    if not rest or min(rest) >= "\x80":  # nothing left but non-ASCII, which IRIs allow
        return text
    return text.translate(_PERCENT_ENCODE)


# ------------------------------------------------------------- walking


class _Walker:
    """Walks one document in source order, so fields come out in the order
    they are written."""

    def __init__(
        self,
        document: Document,
        path: str,
        dialect: _Dialect,
        references: References,
        base: str,
        noted: set[str],
    ) -> None:
        self._data = document.data
        self._positions = document.positions
        self._path = path
        self._dialect = dialect
        self._references = references
        self._base = base
        self._noted = noted
        self._text_keys = ("title", "label", "description") if dialect.kind == "custom" else _SCHEMA_TEXT
        self.fields: list[Field] = []
        self.diagnostics: list[Diagnostic] = []
        self._suppressions: list[Suppression] = []
        """The ``x-datalint`` annotations of the schema objects being walked."""
        self._links: dict[str, str] = {}
        self._fragments: dict[str, str] = {"": "#"}

    def walk(self) -> None:
        if self._dialect.kind == "openapi":
            self._openapi()
        elif self._dialect.kind == "custom":
            for name in self._dialect.entries:
                self._schema(self._data[name], f"/{escape(name)}", (name,), self._base)
        else:
            self._schema(self._data, "", (), self._base)

    # --------------------------------------------------------- schemas

    def _schema(self, node: Any, pointer: str, context: tuple[str, ...], base: str) -> None:
        if not isinstance(node, dict):
            return
        if self._dialect.id_keyword is not None:
            identifier = node.get(self._dialect.id_keyword)
            if isinstance(identifier, str):
                base = _rebase(base, identifier)
        annotated = SCHEMA_KEY in node
        if annotated:
            self._suppressions.append(self._suppression(node, pointer))
        for keyword, value in node.items():
            visit = _KEYWORDS.get(keyword)
            if visit is not None:  # no keyword needs escaping in a pointer
                visit(self, value, f"{pointer}/{keyword}", node, pointer, context, base)
        if annotated:
            self._suppressions.pop()

    def _ref(self, value: Any, at: str, owner: Any, _pointer: str, _context: tuple[str, ...], base: str) -> None:
        if isinstance(value, str):
            self._check_ref(value, owner, at, base)

    def _properties(self, value: Any, at: str, owner: Any, pointer: str, context: tuple[str, ...], base: str) -> None:
        """``properties`` and ``patternProperties``: each entry is a field
        (a pattern's description is as telling as a name's)."""
        if not isinstance(value, dict):
            return
        described = self._describe(owner, self._text_keys)
        container = self._fragment(pointer)
        prefix = self._fragment(at)
        enclosing = tuple(self._suppressions)
        text_keys = self._text_keys
        for name, schema in value.items():
            token = escape(name)
            here = f"{at}/{token}"
            evidence = _Evidence()
            suppressions = enclosing
            links: tuple[str, ...] = ()
            is_schema = isinstance(schema, dict)
            if is_schema:
                if SCHEMA_KEY in schema:
                    suppressions += (self._suppression(schema, here),)
                evidence.add(schema, text_keys)
                evidence.add_examples(schema)
                if not _LINK_KEYWORDS.isdisjoint(schema):
                    self._merge(evidence, schema, base)
                if not _REF_HOLDERS.isdisjoint(schema):
                    links = self._ref_links(schema)
            location = self._location(value, name, here)
            pointer_here = f"{prefix}/{_uri_safe(token)}"
            self.fields.append(
                evidence.field(name, container, location, "property", pointer_here, context, described, suppressions, links)
            )
            if is_schema and not _WALKED.isdisjoint(schema):  # most are leaves
                self._schema(schema, here, (*context, name), base)

    def _one(self, value: Any, at: str, _owner: Any, _pointer: str, context: tuple[str, ...], base: str) -> None:
        self._schema(value, at, context, base)

    def _many(self, value: Any, at: str, owner: Any, pointer: str, context: tuple[str, ...], base: str) -> None:
        if isinstance(value, list):
            for index, schema in enumerate(value):
                self._schema(schema, f"{at}/{index}", context, base)

    def _items(self, value: Any, at: str, owner: Any, pointer: str, context: tuple[str, ...], base: str) -> None:
        """``items`` is one schema, or (before 2020-12) a list of them."""
        if isinstance(value, list):
            self._many(value, at, owner, pointer, context, base)
        else:
            self._schema(value, at, context, base)

    def _named(self, value: Any, at: str, _owner: Any, _pointer: str, context: tuple[str, ...], base: str) -> None:
        """``$defs``/``definitions``/``components.schemas``: the entry's name
        is the context its properties are read in."""
        if isinstance(value, dict):
            for name, schema in value.items():
                self._schema(schema, f"{at}/{escape(name)}", (*context, name), base)

    def _by_name(self, value: Any, at: str, _owner: Any, _pointer: str, context: tuple[str, ...], base: str) -> None:
        """``dependentSchemas``/``dependencies``: keyed by the property that
        triggers them, which is not an enclosing object."""
        if isinstance(value, dict):
            for name, schema in value.items():
                self._schema(schema, f"{at}/{escape(name)}", context, base)

    # --------------------------------------------------------- references

    def _merge(self, evidence: _Evidence, schema: dict[str, Any], base: str) -> None:
        """Breadth first, so what is written nearer the property (an inline
        ``allOf`` title) comes before what a definition further away says."""
        seen = {id(schema)}
        queue: deque[tuple[dict[str, Any], Any, int]] = deque([(schema, None, 0)])
        while queue:
            node, scope, hops = queue.popleft()
            if hops >= _MAX_HOPS:
                continue
            for link in _links(node):
                if isinstance(link, str):
                    target = self._resolve(link, base, scope)
                    if target is None:
                        continue
                    contents, link_scope = target.contents, target.scope
                else:
                    contents, link_scope = link, scope
                if isinstance(contents, dict) and id(contents) not in seen:
                    seen.add(id(contents))
                    evidence.add(contents, self._text_keys)
                    queue.append((contents, link_scope, hops + 1))

    def _ref_links(self, schema: dict[str, Any]) -> tuple[str, ...]:
        """The objects the property's ``$ref``s name, its items' included,
        as absolute URIs of the file they are in: the graph joins them to
        the containers of the files linted with this one. Refs are joined
        to the document's own file, not to an ``$id`` base, so a published
        schema's refs lead to the copies beside it."""
        items = schema.get("items")
        nodes = [schema, *(items if isinstance(items, list) else [items])]
        for keyword in ("allOf", "anyOf", "oneOf"):
            members = schema.get(keyword)
            nodes.extend(members if isinstance(members, list) else ())
        refs = [node["$ref"] for node in nodes if isinstance(node, dict) and isinstance(node.get("$ref"), str)]
        return tuple(dict.fromkeys(self._link(ref) for ref in refs))

    def _link(self, ref: str) -> str:
        """``ref`` joined to the document's file; refs repeat a lot in large specs."""
        link = self._links.get(ref)
        if link is None:
            link = self._links[ref] = _rebase(self._base, ref)
        return link

    def _resolve(self, ref: str, base: str, scope: Any) -> Target | None:
        """Failures are not reported here: the walk notes each ``$ref`` where
        it is written, and a chain's later hops are written elsewhere."""
        try:
            if scope is None:
                return self._references.lookup(ref, base)
            return self._references.follow(ref, scope)
        except RefError:
            return None

    def _check_ref(self, ref: str, owner: dict[str, Any], at: str, base: str) -> None:
        """``ref`` is ``owner``'s ``$ref``, at the pointer ``at``."""
        if ref in self._noted:
            return
        try:
            self._references.lookup(ref, base)
        except RefError as error:
            self._noted.add(ref)
            line, column = self._positions.key(owner, "$ref", at)
            message = f"$ref '{ref}' was not followed: {error}"
            self.diagnostics.append(diagnostic("DL006", message, self._path, line, column))

    # --------------------------------------------------------- OpenAPI

    def _openapi(self) -> None:
        base = self._base
        for key, value in self._data.items():
            if not isinstance(value, dict):
                continue
            at = f"/{escape(key)}"
            if key in ("paths", "webhooks"):
                for route, item in value.items():
                    self._path_item(item, f"{at}/{escape(route)}", route)
            elif key == "components":
                self._components(value, at)
            elif key == "definitions":  # Swagger 2
                self._named(value, at, None, "", (), base)
            elif key == "parameters":  # Swagger 2
                self._parameter_map(value, at)
            elif key == "responses":  # Swagger 2
                self._bodies(value, at)

    def _components(self, components: dict[str, Any], at: str) -> None:
        for section, entries in components.items():
            if not isinstance(entries, dict):
                continue
            here = f"{at}/{escape(section)}"
            if section == "schemas":
                self._named(entries, here, None, "", (), self._base)
            elif section == "parameters":
                self._parameter_map(entries, here)
            elif section in ("requestBodies", "responses"):
                self._bodies(entries, here)
            elif section == "pathItems":
                for name, item in entries.items():
                    self._path_item(item, f"{here}/{escape(name)}", name)
            elif section == "callbacks":
                self._callbacks(entries, here)

    def _path_item(self, item: Any, at: str, label: str) -> None:
        if not isinstance(item, dict):
            return
        described = self._describe(item, _OPERATION_TEXT)
        for key, value in item.items():
            here = f"{at}/{escape(key)}"
            if key == "$ref" and isinstance(value, str):
                self._check_ref(value, item, here, self._base)
            elif key == "parameters":
                self._parameters(value, here, at, (label,), described)
            elif key in _METHODS and isinstance(value, dict):
                self._operation(value, here, f"{key.upper()} {label}")

    def _operation(self, operation: dict[str, Any], at: str, label: str) -> None:
        described = self._describe(operation, _OPERATION_TEXT)
        for key, value in operation.items():
            here = f"{at}/{escape(key)}"
            if key == "parameters":
                self._parameters(value, here, at, (label,), described)
            elif key == "requestBody":
                self._body(value, here, (label,))
            elif key == "responses" and isinstance(value, dict):
                for status, response in value.items():
                    self._body(response, f"{here}/{escape(status)}", (label,))
            elif key == "callbacks" and isinstance(value, dict):
                self._callbacks(value, here)

    def _callbacks(self, callbacks: dict[str, Any], at: str) -> None:
        for name, callback in callbacks.items():
            if isinstance(callback, dict):
                for expression, item in callback.items():
                    self._path_item(item, f"{at}/{escape(name)}/{escape(expression)}", expression)

    def _bodies(self, bodies: dict[str, Any], at: str) -> None:
        for name, body in bodies.items():
            self._body(body, f"{at}/{escape(name)}", (name,))

    def _body(self, body: Any, at: str, context: tuple[str, ...]) -> None:
        """A request body or response: OpenAPI 3 ``content``, Swagger 2 ``schema``."""
        if not isinstance(body, dict):
            return
        ref = body.get("$ref")
        if isinstance(ref, str):
            self._check_ref(ref, body, f"{at}/$ref", self._base)
            return
        if "schema" in body:
            self._schema(body["schema"], f"{at}/schema", context, self._base)
        self._content(body.get("content"), f"{at}/content", context)

    def _content(self, content: Any, at: str, context: tuple[str, ...]) -> None:
        if isinstance(content, dict):
            for media_type, media in content.items():
                if isinstance(media, dict) and "schema" in media:
                    self._schema(media["schema"], f"{at}/{escape(media_type)}/schema", context, self._base)

    def _parameter_map(self, parameters: dict[str, Any], at: str) -> None:
        for name, parameter in parameters.items():
            self._parameter(parameter, f"{at}/{escape(name)}", at, (name,), "")

    def _parameters(self, parameters: Any, at: str, owner: str, context: tuple[str, ...], described: str) -> None:
        if isinstance(parameters, list):
            for index, parameter in enumerate(parameters):
                self._parameter(parameter, f"{at}/{index}", owner, context, described)

    def _parameter(self, parameter: Any, at: str, owner: str, context: tuple[str, ...], described: str) -> None:
        """A parameter is a field named by its ``name``, reported at that key.
        Swagger 2 writes type/enum/format on the parameter itself."""
        if not isinstance(parameter, dict):
            return
        ref = parameter.get("$ref")
        if isinstance(ref, str):
            self._check_ref(ref, parameter, f"{at}/$ref", self._base)
            return
        name = parameter.get("name")
        if not isinstance(name, str):
            return
        evidence = _Evidence()
        evidence.add(parameter, ("description",))
        evidence.add_examples(parameter)
        suppressions = tuple(self._suppressions)
        if SCHEMA_KEY in parameter:
            suppressions += (self._suppression(parameter, at),)
        schema = parameter.get("schema")
        if isinstance(schema, dict):
            if SCHEMA_KEY in schema:
                suppressions += (self._suppression(schema, f"{at}/schema"),)
            evidence.add(schema, _SCHEMA_TEXT)
            evidence.add_examples(schema)
            self._merge(evidence, schema, self._base)
        location = self._location(parameter, "name", f"{at}/name")
        self.fields.append(
            evidence.field(name, self._fragment(owner), location, "parameter", self._fragment(at), context, described, suppressions)
        )
        if schema is not None:
            self._schema(schema, f"{at}/schema", (*context, name), self._base)
        self._content(parameter.get("content"), f"{at}/content", (*context, name))

    # --------------------------------------------------------- helpers

    def _describe(self, node: Any, text_keys: tuple[str, ...]) -> str:
        texts = [text.strip() for key in text_keys if isinstance(text := node.get(key), str) and text.strip()]
        return _join(texts)

    def _fragment(self, pointer: str) -> str:
        """A JSON Pointer as a URI fragment, the form ``$ref`` uses. Escaping
        is character by character, so a pointer's fragment is its parent's
        plus its last token's: kept per pointer, the long shared prefixes
        of a large spec (``/paths/~1v1~1accounts~1{account}/...``) are
        escaped once."""
        fragment = self._fragments.get(pointer)
        if fragment is None:
            parent, _, token = pointer.rpartition("/")
            head = self._fragments.get(parent)
            if head is None:
                head = self._fragments[parent] = "#" + _uri_safe(parent)
            fragment = self._fragments[pointer] = f"{head}/{_uri_safe(token)}"
        return fragment

    def _suppression(self, node: dict[str, Any], pointer: str) -> Suppression:
        """The object's own ``x-datalint`` (the caller has seen it is there):
        it covers the object and every property below it."""
        location = self._location(node, SCHEMA_KEY, f"{pointer}/{SCHEMA_KEY}")
        return from_schema(node[SCHEMA_KEY], location, self._fragment(pointer))

    def _location(self, owner: dict[str, Any], key: str, pointer: str) -> Location:
        """Where ``owner``'s ``key`` is written; ``pointer`` names it."""
        return Location(self._path, *self._positions.key(owner, key, pointer))


_KEYWORDS = {
    "$ref": _Walker._ref,
    "properties": _Walker._properties,
    "patternProperties": _Walker._properties,
    "items": _Walker._items,
    "prefixItems": _Walker._many,
    "allOf": _Walker._many,
    "anyOf": _Walker._many,
    "oneOf": _Walker._many,
    "additionalProperties": _Walker._one,
    "unevaluatedProperties": _Walker._one,
    "additionalItems": _Walker._one,
    "unevaluatedItems": _Walker._one,
    "contains": _Walker._one,
    "propertyNames": _Walker._one,
    "not": _Walker._one,
    "if": _Walker._one,
    "then": _Walker._one,
    "else": _Walker._one,
    "$defs": _Walker._named,
    "definitions": _Walker._named,
    "dependentSchemas": _Walker._by_name,
    "dependencies": _Walker._by_name,
}


_WALKED = frozenset(_KEYWORDS)


# ------------------------------------------------------------- metaschema


def _metaschema_diagnostics(document: Document, dialect: _Dialect, path: str) -> list[Diagnostic]:
    """A JSON Schema is checked whole; in OpenAPI/Swagger each named schema
    is (the document around them is not a JSON Schema)."""
    from datalint.sources.metaschema import metaschema_problem

    diagnostics = []
    for pointer, schema in _checked_schemas(document.data, dialect):
        problem = metaschema_problem(schema, dialect.default)
        if problem is None:
            continue
        at = pointer + "".join(f"/{escape(part)}" for part in problem.path)
        line, column = _nearest(document, at)
        diagnostics.append(diagnostic("DL005", problem.message, path, line, column))
    return diagnostics


def _checked_schemas(data: dict[str, Any], dialect: _Dialect) -> list[tuple[str, Any]]:
    if dialect.kind == "json-schema":
        return [("", data)]
    if dialect.kind != "openapi":
        return []
    components = data.get("components")
    sections = [("/components/schemas", components.get("schemas"))] if isinstance(components, dict) else []
    sections.append(("/definitions", data.get("definitions")))
    return [
        (f"{at}/{escape(name)}", schema)
        for at, entries in sections
        if isinstance(entries, dict)
        for name, schema in entries.items()
    ]


def _nearest(document: Document, pointer: str) -> tuple[int, int]:
    """Array elements have no key of their own: report the closest key above."""
    while pointer:
        if pointer in document.positions:
            return document.positions[pointer]
        pointer = pointer.rpartition("/")[0]
    return 0, 0
