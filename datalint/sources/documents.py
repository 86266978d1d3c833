"""JSON and YAML text as plain Python data, plus where every object key was written.

Findings point at the line and column of a property's key, so parsed values
alone are not enough. A character-by-character parser in Python would be far
too slow for multi-megabyte OpenAPI specs, so JSON is parsed by the C ``json``
module and key positions are recovered by one regex pass whose hits are lined
up with the parsed data. YAML positions come from the node marks of a safe
composer; the Python values are built from the nodes here (never by PyYAML's
constructors), which is where alias expansion and nesting are bounded.

Positions are looked up by plain JSON Pointer (``/a/b~1c``; the root, ``""``,
has no key) or by the object holding the key, and given as 1-based (line,
column), columns counted in characters.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate
from typing import Any, NamedTuple

#: Deeper documents are refused: real schemas stay far below (Stripe's 4 MB
#: spec nests 24 levels) and every later stage recurses along the nesting.
MAX_DEPTH = 256
#: Values a YAML stream may expand to through aliases and merge keys (an
#: alias bomb guard): the expanded size is counted, not the aliases.
MAX_NODES = 1_000_000
#: Definitions hidden by duplicate keys that are read again as views of the
#: document; each costs a walk of the whole document.
MAX_HIDDEN = 16

# A JSON string token, then (group 1) the colon that makes it a key. Matching
# every string keeps the scan in step: outside strings no quote can occur.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?')
_token: re.Pattern[str] | None = None  # the slow scan's tokens, compiled on first use
#: Lines are found by counting line feeds from the previous lookup, which is
#: cheap while lookups move forward through the text, as a walk of the
#: document does; after counting over the text this many times, a table of
#: line starts is built and searched instead.
_COUNTING_BUDGET = 4


class DocumentError(Exception):
    """The text cannot be read; carries where the parser gave up (0 if unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class Duplicate(NamedTuple):
    """A key written twice in one object: the later one wins, so a definition
    silently disappears from anything that reads the document."""

    key: str
    line: int
    column: int


class Positions:
    """Where each key of a document was written, as 1-based (line, column),
    looked up by plain JSON Pointer or, faster, by the object holding the key.
    Offsets are kept and turned into lines only on lookup: most keys are
    never asked for."""

    __slots__ = ("_text", "_line_starts", "_last", "_counted")

    def __init__(self, text: str) -> None:
        self._text = text
        self._line_starts: list[int] | None = None
        self._last = (0, 1, 0)
        """(offset, its line, where that line starts) of the latest lookup."""
        self._counted = 0

    @property
    def text(self) -> str:
        return self._text

    def offset(self, pointer: str) -> int | None:
        """Where the key that ``pointer`` ends with starts, if it is a key."""
        raise NotImplementedError

    def key_offset(self, owner: Any, key: str, pointer: str) -> int | None:
        """``offset(pointer)``, where ``owner`` is the object (from this
        document's data) that holds ``key``, the last step of ``pointer``."""
        return self.offset(pointer)

    def key(self, owner: Any, key: str, pointer: str) -> tuple[int, int]:
        """(line, column) of a key, (0, 0) when it is not known."""
        offset = self.key_offset(owner, key, pointer)
        return (0, 0) if offset is None else self.at(offset)

    def get(self, pointer: str, default: Any = None) -> Any:
        offset = self.offset(pointer)
        return default if offset is None else self.at(offset)

    def __getitem__(self, pointer: str) -> tuple[int, int]:
        offset = self.offset(pointer)
        if offset is None:
            raise KeyError(pointer)
        return self.at(offset)

    def __contains__(self, pointer: object) -> bool:
        return isinstance(pointer, str) and self.offset(pointer) is not None

    def at(self, offset: int) -> tuple[int, int]:
        """(line, column) of a character offset. Lines are counted from the
        previous lookup; once the counting has covered the text a few times
        over (lookups jumping back and forth), a table of line starts is
        built and searched instead, so no input makes this quadratic."""
        starts = self._line_starts
        if starts is not None:
            line = bisect_right(starts, offset)
            return line, offset - starts[line - 1] + 1
        text = self._text
        last, line, start = self._last
        if offset >= last:
            newlines = text.count("\n", last, offset)
            if newlines:
                line += newlines
                start = text.rfind("\n", last, offset) + 1
            self._counted += offset - last
        elif offset >= start:  # back, but on the same line
            pass
        else:
            line -= text.count("\n", offset, start)
            start = text.rfind("\n", 0, offset) + 1
            self._counted += last - start
        self._last = (offset, line, start)
        if self._counted > _COUNTING_BUDGET * len(text):
            self._line_starts = list(accumulate((len(line) + 1 for line in text.split("\n")), initial=0))
        return line, offset - start + 1


class _KeyTable(Positions):
    """Positions recorded key by key, by pointer (YAML, and JSON read by the
    slow scan)."""

    __slots__ = ("_offsets",)

    def __init__(self, offsets: dict[str, int], text: str) -> None:
        super().__init__(text)
        self._offsets = offsets

    def offset(self, pointer: str) -> int | None:
        return self._offsets.get(pointer)


class _AlignedKeys(Positions):
    """JSON positions found without a pointer per key: ``json`` keeps keys in
    text order, so the n-th key met in a pre-order walk of the data is the
    n-th key token of the text. What is recorded is, per object and array,
    the number of the first key token inside it and how many it holds; a
    key's number is worked out when it is asked for."""

    __slots__ = ("_data", "_key_offsets", "_spans", "_numbers")

    def __init__(self, data: Any, key_offsets: list[int], spans: dict[int, tuple[int, int]], text: str) -> None:
        super().__init__(text)
        self._data = data
        self._key_offsets = key_offsets
        self._spans = spans
        """id(object or array) -> (number of its first key, keys inside it)."""
        self._numbers: dict[int, dict[str, int]] = {}
        """id(object) -> its keys' numbers, for objects asked about."""

    def key_offset(self, owner: Any, key: str, pointer: str) -> int | None:
        if type(owner) is not dict or key not in owner:
            return None
        span = self._spans.get(id(owner[key]))
        if span is not None:  # a nested object or array: its key comes just before its first key
            return self._key_offsets[span[0] - 1]
        numbers = self._numbers.get(id(owner))
        if numbers is None:
            if id(owner) not in self._spans:  # not an object of this document
                return None
            numbers = self._numbers[id(owner)] = self._number_keys(owner)
        return self._key_offsets[numbers[key]]

    def _number_keys(self, owner: dict[str, Any]) -> dict[str, int]:
        spans = self._spans
        number = spans[id(owner)][0]
        numbers = {}
        for key, value in owner.items():
            numbers[key] = number
            span = spans.get(id(value))
            number += 1 if span is None else 1 + span[1]
        return numbers

    def offset(self, pointer: str) -> int | None:
        if not pointer.startswith("/"):
            return None
        owner, key = self._data, None
        for token in pointer[1:].split("/"):
            if key is not None:
                owner = owner[key]
            if "~" in token:
                token = token.replace("~1", "/").replace("~0", "~")
            if type(owner) is dict and token in owner:
                key = token
            elif type(owner) is list and token.isdecimal() and str(int(token)) == token and int(token) < len(owner):
                owner, key = owner[int(token)], None
            else:
                return None
        return None if key is None else self.key_offset(owner, key, pointer)


class Document(NamedTuple):
    """A parsed document: its data, where its keys are written, and what
    duplicate keys hide."""

    data: Any
    positions: Positions
    duplicates: tuple[Duplicate, ...] = ()
    hidden: tuple[Document, ...] = ()
    """The document as it reads when a definition hidden by a duplicate key
    wins instead, one view per hidden definition: a ``passport`` written
    before a second ``properties`` key must still be linted."""
    unread_hidden: tuple[Duplicate, ...] = ()
    """Hidden definitions beyond MAX_HIDDEN, which no view shows."""


def escape(token: str) -> str:
    """One JSON Pointer reference token (RFC 6901: ``~`` then ``/``)."""
    if "~" in token or "/" in token:
        return token.replace("~", "~0").replace("/", "~1")
    return token


# --------------------------------------------------------------------- JSON


def parse_json(text: str) -> Document:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DocumentError(f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        _scan(text)  # raises at the bracket that is too deep
        raise _too_deep() from None
    except ValueError as error:  # e.g. an integer longer than Python converts
        raise DocumentError(f"invalid JSON: {error}") from None
    # ``lastindex`` is set when group 1, the colon, took part: a key. (An
    # attribute, not a call: this runs for every string of the text.)
    key_offsets = [match.start() for match in _STRING.finditer(text) if match.lastindex]
    spans = _spans(data)
    if spans is not None and (spans[id(data)][1] if spans else 0) == len(key_offsets):
        return Document(data, _AlignedKeys(data, key_offsets, spans, text))
    offsets, duplicates = _scan(text)
    positions = _KeyTable(offsets, text)
    found = tuple(Duplicate(key, *positions.at(at)) for key, at in duplicates)
    if not found:
        return Document(data, positions)
    tree = _with_offsets(json.loads(text, object_pairs_hook=_Pairs), iter(key_offsets).__next__)
    return _with_views(Document(data, positions, found), tree)


class _TooDeep(Exception):
    pass


def _spans(data: Any) -> dict[int, tuple[int, int]] | None:
    """For each object and array, the number of the first key inside it and
    how many keys it holds, numbering keys in pre-order: what lines up the
    parsed data with the key tokens of the text (see ``_AlignedKeys``). If
    the total differs from the number of key tokens, a key was written twice.
    None sends the caller to the slower scan, which also owns reporting a
    document nested too deeply."""
    spans: dict[int, tuple[int, int]] = {}
    kind = type(data)
    if kind is dict or kind is list:
        try:
            _number(data, 0, 1, spans)
        except _TooDeep:
            return None
    return spans


def _number(value: dict[str, Any] | list[Any], number: int, depth: int, spans: dict[int, tuple[int, int]]) -> int:
    """Record ``value``'s span, its first key being ``number``; returns the
    number of the first key after it."""
    if depth > MAX_DEPTH:
        raise _TooDeep
    first = number
    if type(value) is dict:
        for item in value.values():
            number += 1
            kind = type(item)
            if kind is dict or kind is list:
                number = _number(item, number, depth + 1, spans)
    else:
        for item in value:
            kind = type(item)
            if kind is dict or kind is list:
                number = _number(item, number, depth + 1, spans)
    spans[id(value)] = (first, number - first)
    return number


def _scan(text: str) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Track the path through every token. Slower than ``_spans`` but sees
    each written key, so it finds duplicates and the first too-deep bracket."""
    offsets: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []
    stack: list[tuple[str, set[str] | None, int, str]] = []
    pointer, keys, index, pending = "", None, 0, ""
    global _token
    if _token is None:
        _token = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*")(\s*:)?|[{}\[\],]')
    for match in _token.finditer(text):
        raw = match.group(1)
        if raw is not None:
            if match.group(2) is not None and keys is not None:
                key = json.loads(raw) if "\\" in raw else raw[1:-1]
                pending = f"{pointer}/{escape(key)}"
                if key in keys:
                    duplicates.append((key, match.start()))
                keys.add(key)
                offsets[pending] = match.start()
            continue
        char = match.group()
        if char == ",":
            if keys is None:
                index += 1
        elif char == "{" or char == "[":
            if keys is not None:
                child = pending
            else:
                child = f"{pointer}/{index}" if stack else ""
            stack.append((pointer, keys, index, pending))
            if len(stack) > MAX_DEPTH:
                raise _too_deep(*_KeyTable({}, text).at(match.start()))
            pointer, keys, index, pending = child, (set() if char == "{" else None), 0, ""
        elif stack:
            pointer, keys, index, pending = stack.pop()
    return offsets, duplicates


def _too_deep(line: int = 0, column: int = 0) -> DocumentError:
    return DocumentError(f"nesting too deep (more than {MAX_DEPTH} levels)", line, column)


# --------------------------------------------------------------- hidden views


class _Pairs(list):
    """An object with every occurrence of every key, in text order: what a
    dict loses when a key is written twice. Items are ``(key, value)`` from
    the JSON parser, then ``(key, offset, value)`` once offsets are known."""


def _with_offsets(value: Any, next_offset: Any) -> Any:
    """Pair each key with its key token, in document order (as ``_spans`` numbers them)."""
    if isinstance(value, _Pairs):
        result = _Pairs()
        for key, item in value:
            offset = next_offset()
            result.append((key, offset, _with_offsets(item, next_offset)))
        return result
    if isinstance(value, list):
        return [_with_offsets(item, next_offset) for item in value]
    return value


def _with_views(document: Document, tree: Any) -> Document:
    """``document`` plus one view per definition its duplicate keys hide."""
    views, unread = [], []
    text = document.positions.text
    for choice, offset in _hidden_choices(tree, {}):
        if len(views) < MAX_HIDDEN:
            offsets: dict[str, int] = {}
            views.append(Document(_materialise(tree, choice, "", offsets), _KeyTable(offsets, text)))
        else:
            line, column = document.positions.at(offset)
            unread.append(Duplicate("", line, column))
    return Document(document.data, document.positions, document.duplicates, tuple(views), tuple(unread))


def _hidden_choices(value: Any, choice: dict[tuple[int, str], int]) -> Iterator[tuple[dict[tuple[int, str], int], int]]:
    """For each occurrence of a key that a later one hides: which occurrence
    to take in each object on the way to it (the last one elsewhere), and the
    offset of its key. Hidden occurrences inside hidden ones are found too."""
    if isinstance(value, _Pairs):
        last = {key: index for index, (key, _offset, _item) in enumerate(value)}
        for index, (key, offset, item) in enumerate(value):
            if last[key] == index:
                yield from _hidden_choices(item, choice)
            else:
                taken = {**choice, (id(value), key): index}
                yield taken, offset
                yield from _hidden_choices(item, taken)
    elif isinstance(value, list):
        for item in value:
            yield from _hidden_choices(item, choice)


def _materialise(value: Any, choice: dict[tuple[int, str], int], pointer: str, offsets: dict[str, int]) -> Any:
    """Plain data in which the chosen occurrences win (the last by default,
    as in a parser), with key offsets by pointer."""
    if isinstance(value, _Pairs):
        taken = {key: index for index, (key, _offset, _item) in enumerate(value)}
        result: dict[str, Any] = {}
        for key in taken:
            _key, offset, item = value[choice.get((id(value), key), taken[key])]
            child = f"{pointer}/{escape(key)}"
            offsets[child] = offset
            result[key] = _materialise(item, choice, child, offsets)
        return result
    if isinstance(value, list):
        return [_materialise(item, choice, f"{pointer}/{index}", offsets) for index, item in enumerate(value)]
    return value


# --------------------------------------------------------------------- YAML

_YAML_TAG = "tag:yaml.org,2002:"
_MERGE = _YAML_TAG + "merge"
# PyYAML's unsafe loaders build arbitrary objects from these; no loader here
# does, but a schema carrying them is hostile, so it is refused outright.
_PYTHON_TAG = _YAML_TAG + "python/"


def parse_yaml(text: str) -> tuple[Document, ...]:
    """One Document per document in the stream (Kubernetes-style files hold
    several). Only the safe loader's composer runs: no Python object is ever
    constructed from tags."""
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
    loader = loader_class(text)
    lines = _KeyTable({}, text)
    converter = _YamlConverter(loader, lines)
    documents = []
    try:
        while loader.check_node():
            node = loader.get_node()
            document = converter.document(node)
            if document.duplicates:
                document = _with_views(document, converter.pairs(node))
            documents.append(document)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "cannot be parsed"
        raise DocumentError(f"invalid YAML: {problem}", *_at(lines, mark)) from None
    except yaml.reader.ReaderError as error:  # a character YAML forbids; no mark, only an index
        where = lines.at(error.position)
        raise DocumentError(f"invalid YAML: {error.reason} (#x{error.character:04x})", *where) from None
    except yaml.YAMLError as error:
        raise DocumentError(f"invalid YAML: {type(error).__name__}") from None
    except RecursionError:  # the pure-Python composer recurses along the nesting
        raise _too_deep() from None
    finally:
        loader.dispose()
    return tuple(documents)


def _at(lines: Positions, mark: Any) -> tuple[int, int]:
    """From the mark's character index rather than its line: YAML also breaks
    lines at U+2028 and U+0085, while every position datalint reports counts
    line feeds only, as JSON and editors do."""
    return lines.at(mark.index) if mark is not None else (0, 0)


class _YamlConverter:
    """Builds plain values (dict, list, str, int, float, bool, None) from the
    node graph. Aliases are expanded, so the expanded size is what is counted
    against MAX_NODES; a recursive alias is stopped by the depth limit."""

    def __init__(self, loader: Any, lines: Positions) -> None:
        self._loader = loader
        self._lines = lines
        self._nodes = 0
        self._offsets: dict[str, int] = {}
        self._duplicates: list[Duplicate] = []
        self._builders = _scalar_builders()
        self._keep_all = False

    def document(self, node: Any) -> Document:
        self._offsets, self._duplicates, self._keep_all = {}, [], False
        data = self._value(node, "", 1)
        return Document(data, _KeyTable(self._offsets, self._lines.text), tuple(self._duplicates))

    def pairs(self, node: Any) -> Any:
        """The document again with every occurrence of every key (mappings as
        ``_Pairs``), for the views of what duplicates hide. It counts
        against the same MAX_NODES budget."""
        self._offsets, self._duplicates, self._keep_all = {}, [], True
        return self._value(node, "", 1)

    def _count(self, nodes: int, node: Any) -> None:
        self._nodes += nodes
        if self._nodes > MAX_NODES:
            message = f"document expands to more than {MAX_NODES:,} values (an alias bomb?)"
            raise DocumentError(message, *_at(self._lines, node.start_mark))

    def _value(self, node: Any, pointer: str, depth: int) -> Any:
        self._count(1, node)
        if depth > MAX_DEPTH:
            raise _too_deep(*_at(self._lines, node.start_mark))
        if node.tag.startswith(_PYTHON_TAG):
            raise DocumentError(f"invalid YAML: tag !!{node.tag[len(_YAML_TAG):]} is not allowed", *_at(self._lines, node.start_mark))
        kind = node.id
        if kind == "scalar":
            return self._scalar(node)
        if kind == "sequence":
            return [self._value(child, f"{pointer}/{index}", depth + 1) for index, child in enumerate(node.value)]
        return self._mapping(node, pointer, depth)

    def _mapping(self, node: Any, pointer: str, depth: int) -> dict[str, Any] | _Pairs:
        explicit = [(self._key(key, depth), key, value) for key, value in node.value if key.tag != _MERGE]
        written = {key for key, _node, _value in explicit}
        result: dict[str, Any] = {}
        every = _Pairs()
        for key_node, value_node in self._merged(node, depth):
            key = self._key(key_node, depth)
            if key not in written and key not in result:
                self._put(result, every, key, key_node, value_node, pointer, depth)
        seen: set[str] = set()
        for key, key_node, value_node in explicit:
            if key in seen:
                self._duplicates.append(Duplicate(key, *_at(self._lines, key_node.start_mark)))
            seen.add(key)
            self._put(result, every, key, key_node, value_node, pointer, depth)
        return every if self._keep_all else result

    def _put(
        self, result: dict[str, Any], every: _Pairs, key: str, key_node: Any, value_node: Any, pointer: str, depth: int
    ) -> None:
        child = f"{pointer}/{escape(key)}"
        offset = self._offsets[child] = key_node.start_mark.index
        result[key] = self._value(value_node, child, depth + 1)
        if self._keep_all:
            every.append((key, offset, result[key]))

    def _merged(self, node: Any, depth: int) -> list[tuple[Any, Any]]:
        """Pairs brought in by ``<<`` merge keys; earlier sources win, as the
        merge-key spec says, and nested merges are flattened first."""
        pairs: list[tuple[Any, Any]] = []
        for key, value in node.value:
            if key.tag != _MERGE:
                continue
            sources = value.value if value.id == "sequence" else [value]
            for source in sources:
                if source.id == "mapping":
                    if depth > MAX_DEPTH:
                        raise _too_deep(*_at(self._lines, source.start_mark))
                    pairs.extend(self._merged(source, depth + 1))
                    pairs.extend((k, v) for k, v in source.value if k.tag != _MERGE)
                    self._count(len(source.value), source)  # merges of merges expand like aliases
        return pairs

    def _key(self, node: Any, depth: int) -> str:
        """Keys as written: ``200:`` stays "200" and ``on:`` stays "on"."""
        if node.id == "scalar" and not node.tag.startswith(_PYTHON_TAG):
            return node.value
        return json.dumps(self._value(node, "", depth + 1), default=str)

    def _scalar(self, node: Any) -> Any:
        build = self._builders.get(node.tag)
        if build is None:  # str, timestamps, binary and unknown tags keep their text
            return node.value
        try:
            return build(self._loader, node)
        except (ValueError, KeyError):  # e.g. ``!!int`` on text that is not a number
            return node.value


def _null(_loader: Any, _node: Any) -> None:
    return None


def _scalar_builders() -> dict[str, Any]:
    from yaml.constructor import SafeConstructor

    return {
        "tag:yaml.org,2002:null": _null,
        "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
        "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
        "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
    }
