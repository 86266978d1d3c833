"""Offline ``$ref`` resolution for one document, with ``referencing``.

datalint never touches the network: jsonschema's default registry fetches
remote references, so resolution goes through a ``referencing.Registry`` whose
only retrieval is our own. It reads files that sit inside the scanned root
and nothing else; remote, ``file:`` and absolute-path references are refused
before ``referencing`` ever sees them. Refusals and failures are reported as a
reason string and never quote the target's content (it may be a secret file).

``referencing`` is imported on the first lookup, so documents without
references never pay for it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from datalint.sources.documents import DocumentError, parse_json, parse_yaml

#: Resource URI used when the document has no file behind it.
DETACHED_URI = "urn:datalint:document"

_REMOTE_SCHEMES = frozenset({"http", "https", "ftp", "ftps"})


_MISSING = object()


class _Local:
    """The scope of a target found by ``References._local``: this document
    under ``base``, with no ``referencing`` resolver built for it (yet)."""

    __slots__ = ("base",)

    def __init__(self, base: str) -> None:
        self.base = base


class RefError(Exception):
    """Why a reference was not followed; the message names no content."""


class Target(NamedTuple):
    """What a reference points to, with the scope (a ``referencing``
    resolver) that references written inside it are relative to."""

    contents: Any
    scope: Any


def document_uri(source: Path | None) -> str:
    return source.absolute().as_uri() if source is not None else DETACHED_URI


class References:
    """Resolves the references written in one document.

    ``default_dialect`` is the ``$schema`` URI assumed for documents that name
    none (it decides whether ``id`` or ``$id`` sets a base URI).
    """

    def __init__(
        self,
        data: Any,
        *,
        source: Path | None,
        root: Path | None,
        default_dialect: str,
    ) -> None:
        self._data = data
        self._uri = document_uri(source)
        scanned = (root if root is not None else source.parent) if source is not None else None
        # Both spellings of the root: the one paths are written in, and the
        # one symlinks resolve to, so a link to a directory still works as root.
        self._roots = (_lexical(scanned), _real(scanned)) if scanned is not None else None
        self._default_dialect = default_dialect
        self._registry: Any = None
        self._scopes: dict[str, Any] = {}
        self._cache: dict[tuple[str, str], Target | RefError] = {}
        self._files: dict[str, Any] = {}
        # "https://host/dir/" -> local directory, learnt from the root ``$id`` of
        # each file read, so sibling references of a published schema
        # ("eslintrc.json" next to "$id": ".../package.json") stay local.
        self._mirrors: dict[str, Path] = {}
        if source is not None:
            self._learn_mirror(data, source.absolute().parent)
        # Base URIs that name this document itself: a ``#/...`` pointer written
        # under one of them is resolved here, without importing referencing.
        self._root_bases = {self._uri}
        own_id = data.get("$id", data.get("id")) if isinstance(data, dict) else None
        if isinstance(own_id, str) and "#" not in own_id:
            try:
                self._root_bases.add(urljoin(self._uri, own_id))
            except ValueError:
                pass

    def lookup(self, ref: str, base: str) -> Target:
        """Resolve ``ref`` written where ``base`` is the base URI. Raises
        RefError. Results are cached: refs repeat a lot in large specs."""
        key = (base, ref)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._local(ref, base) if base in self._root_bases else None
            if cached is None:
                try:
                    cached = self.follow(ref, self._scope(base))
                except RefError as error:
                    cached = error
            self._cache[key] = cached
        if isinstance(cached, RefError):
            raise cached
        return cached

    def follow(self, ref: str, scope: Any) -> Target:
        """Resolve ``ref`` written inside an earlier target (a chain hop)."""
        if isinstance(scope, _Local):
            found = self._local(ref, scope.base)
            if found is not None:
                return found
            scope = self._scope(scope.base)
        self._check_written(ref)
        from referencing.exceptions import NoSuchAnchor, PointerToNowhere, Unresolvable

        try:
            resolved = scope.lookup(ref)
        except PointerToNowhere:
            raise RefError("it points to a location that does not exist") from None
        except NoSuchAnchor:
            raise RefError("it names an anchor that does not exist") from None
        except Unresolvable as error:
            raise _cause(error) from None
        except Exception:  # malformed pointers (e.g. a word indexing an array)
            raise RefError("it cannot be resolved") from None
        return Target(resolved.contents, resolved.resolver)

    def _local(self, ref: str, base: str) -> Target | None:
        """A ``#/json/pointer`` into this document, resolved by walking the
        data, as ``referencing`` would: None whenever that is not certain
        (an anchor, a missing or malformed step, or a step into an object
        with its own ``$id``/``id``, which would move the base URI); the
        caller then asks ``referencing``, which also words any error."""
        if not ref.startswith("#/"):
            return None
        contents = self._data
        for segment in unquote(ref[2:]).split("/"):
            if type(contents) is dict:
                contents = contents.get(segment.replace("~1", "/").replace("~0", "~"), _MISSING)
                if contents is _MISSING:
                    return None
            elif type(contents) is list and segment.isdigit() and int(segment) < len(contents):
                contents = contents[int(segment)]
            else:
                return None
            if type(contents) is dict and (isinstance(contents.get("$id"), str) or isinstance(contents.get("id"), str)):
                return None
        return Target(contents, _Local(base))

    # ------------------------------------------------------------ policy

    def _check_written(self, ref: str) -> None:
        """Refuse, before any lookup, what must never be read."""
        try:
            parts = urlsplit(ref)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            raise RefError("it is not a valid URI reference") from None
        if parts.scheme or parts.netloc:
            if parts.scheme == "file":
                raise RefError("file: references are never followed")
            if not self._known(urldefrag(ref).url):
                raise RefError("remote references are never fetched")
        elif parts.path.startswith("/") or parts.path.startswith("\\"):
            raise RefError("absolute paths are never followed")

    def _known(self, uri: str) -> bool:
        """An absolute URI we can answer without retrieval: a resource inside
        this document (``$id``) or a bundled metaschema."""
        registry = self._registry_or_build()
        return uri.rstrip("#") in registry or _bundled(uri) is not None

    # ------------------------------------------------------------ registry

    def _scope(self, base: str) -> Any:
        scope = self._scopes.get(base)
        if scope is None:
            scope = self._scopes[base] = self._registry_or_build().resolver(base_uri=base)
        return scope

    def _registry_or_build(self) -> Any:
        if self._registry is None:
            from referencing import Registry

            registry = Registry(retrieve=self._retrieve).with_resource(self._uri, self._resource(self._data))
            try:  # finds the resources embedded with ``$id``, once rather than on every miss
                registry = registry.crawl()
            except (ValueError, AttributeError, TypeError):  # an ``$id`` that is not a URI, a subschema that is
                pass  # not an object (``allOf: [""]``): lookups then fail one by one
            self._registry = registry
        return self._registry

    def _resource(self, contents: Any) -> Any:
        from referencing.jsonschema import DRAFT202012, specification_with

        dialect = contents.get("$schema") if isinstance(contents, dict) else None
        # OpenAPI 3.1's own dialect URI is unknown to referencing; it is 2020-12 underneath.
        default = specification_with(self._default_dialect, default=DRAFT202012)
        specification = specification_with(dialect, default=default) if isinstance(dialect, str) else default
        return specification.create_resource(contents)

    def _retrieve(self, uri: str) -> Any:
        """The registry's only way out: local files inside the root, and the
        metaschemas bundled with jsonschema. Everything else is refused."""
        parts = urlsplit(uri)
        if parts.scheme == "file":
            from urllib.request import url2pathname  # costs 17 ms to import: only when a file is read

            return self._read_local(Path(url2pathname(parts.path)))
        bundled = _bundled(uri)
        if bundled is not None:
            return bundled
        for prefix, directory in self._mirrors.items():
            if uri.startswith(prefix):
                return self._read_local(directory / unquote(uri[len(prefix) :]))
        if parts.scheme in _REMOTE_SCHEMES:
            raise RefError("it resolves to a remote location, which is never fetched")
        raise RefError("a relative reference needs the document's file location")

    def _read_local(self, path: Path) -> Any:
        if self._roots is None:
            raise RefError("a relative reference needs the document's file location")
        lexical = _lexical(path)
        lexical_root, real_root = self._roots
        if not _inside(lexical, lexical_root) or not _inside(_real(lexical), real_root):
            raise RefError("it points outside the scanned root")
        key = str(lexical)
        if key not in self._files:
            self._files[key] = self._resource(self._load(lexical))
        return self._files[key]

    def _load(self, path: Path) -> Any:
        try:
            text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        except FileNotFoundError:
            raise RefError("the referenced file does not exist") from None
        except (OSError, UnicodeDecodeError):
            raise RefError("the referenced file cannot be read") from None
        try:
            if path.suffix.lower() in (".yaml", ".yml"):
                documents = parse_yaml(text)
                data = documents[0].data if documents else None
            else:
                data = parse_json(text).data
        except DocumentError:
            raise RefError("the referenced file cannot be parsed") from None
        self._learn_mirror(data, path.parent)
        return data

    def _learn_mirror(self, data: Any, directory: Path) -> None:
        own_id = data.get("$id", data.get("id")) if isinstance(data, dict) else None
        if not isinstance(own_id, str) or urlsplit(own_id).scheme not in _REMOTE_SCHEMES:
            return
        prefix = urljoin(urldefrag(own_id).url, ".")
        self._mirrors.setdefault(prefix, directory)


def _bundled(uri: str) -> Any:
    """The JSON Schema metaschemas shipped with jsonschema (read from disk,
    never fetched), so ``"$ref": "http://json-schema.org/draft-07/schema#"``
    resolves offline."""
    if "json-schema.org/" not in uri:
        return None
    from jsonschema_specifications import REGISTRY

    try:
        return REGISTRY[urldefrag(uri).url]
    except LookupError:
        return None


def _cause(error: BaseException) -> RefError:
    """The reason our retrieve gave, found under referencing's wrappers."""
    seen = error
    while seen is not None:
        if isinstance(seen, RefError):
            return seen
        seen = seen.__cause__
    return RefError("it cannot be resolved")


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _lexical(path: Path) -> Path:
    return Path(os.path.normpath(path.absolute()))


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)
