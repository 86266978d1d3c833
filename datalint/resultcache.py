"""The result cache: what reading and matching one file gave, kept in
``.datalint_cache/`` in the current directory so that an unchanged file is
neither parsed nor matched again (``--no-cache`` bypasses it).

An entry holds one file's outcome *before* suppressions, policy and
baseline (``runner.Outcome``), so those are applied afresh on every run and
never go stale. It is keyed by the sha256 of everything that decides that
outcome: the compiled rulebook's key (``Rulebook.key``: rule packs, the
matching code, the datalint version), a stamp of datalint's own sources and
of the parsers it uses (sqlglot, PyYAML, jsonschema), the reading settings
(metaschema check, size cap, the file's SQL dialect, the scanned root), the
display path and the file's bytes. A file whose ``$ref``s may read other
files is never cached: its outcome depends on bytes that are not in its key.
Nothing is cached when a rule pack failed to load (no key) or when a file
cost a diagnostic from the engine (a pattern timeout depends on the clock).

Entries are JSON, decoded only into datalint's own model classes (never
pickle), and signed (keyed BLAKE2b, ``runcache.sign``) with a key that lives in the user cache directory
(mode 0600), so a ``.datalint_cache`` checked into a pull request cannot
hide findings from CI: whatever does not verify or decode is a miss. Writes
are atomic (``datalint.atomic``) and content-addressed, so concurrent runs
at worst both compute the same entry. The directory gets a ``.gitignore``
(``*``) and a ``CACHEDIR.TAG``.

A command-line run whose inputs did not change at all never gets here: it
is replayed whole by ``datalint.runcache``, which shares this module's
directory, key and stamps. This cache serves the files of a run that did
change (one schema edited among ten thousand).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from datalint import __version__, runcache
from datalint.atomic import write_atomic
from datalint.digest import blake2b, compare_digest
from datalint.files import InputFile
from datalint.model import Diagnostic, Evidence, Field, Finding, Location, ReadResult, Step, Suppression

FORMAT = 2
_TYPES = {cls.__name__: cls for cls in (Location, Suppression, Field, Diagnostic, Evidence, Step, Finding, ReadResult)}
#: A ``$ref`` whose value does not start with ``#``: it may read another file.
_OUTSIDE_REF = re.compile(rb"""\$ref["']?\s*:\s*["']?\s*(?![\s"'#])""")


class ResultCache:
    def __init__(self, directory: Path, fingerprint: str, secret: bytes):
        self._directory = directory
        self._fingerprint = fingerprint
        self._secret = secret

    @classmethod
    def open(cls, rulebook_key: str | None, reading: tuple[Any, ...]) -> ResultCache | None:
        """The cache of the current directory, or None when results cannot be
        cached (a rule pack failed to load) or the directory is not writable."""
        if rulebook_key is None:
            return None
        directory = runcache.cache_directory(create=True)
        try:
            secret = runcache.secret()
        except OSError:
            return None
        if directory is None:
            return None
        fingerprint = json.dumps([FORMAT, __version__, rulebook_key, runcache.code_stamp(), *map(str, reading)])
        return cls(Path(directory), fingerprint, secret)

    def key(self, file: InputFile, dialect: str | None, max_bytes: int) -> str | None:
        """The entry key of ``file``, or None when it is not to be cached
        (not a regular file, too large, ``$ref``s that may leave it)."""
        try:
            if not file.path.is_file() or file.path.stat().st_size > max_bytes:
                return None
            data = file.path.read_bytes()
        except OSError:
            return None
        if len(data) > max_bytes or may_read_other_files(data):
            return None
        digest = blake2b(self._fingerprint.encode(), digest_size=32)
        for part in (file.display, str(file.path), str(file.root), str(dialect), runcache.parser_stamp(file.path.suffix.lower())):
            digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0" + data)
        return digest.hexdigest()

    def get(self, key: str) -> tuple[ReadResult, list[Finding], list[Diagnostic]] | None:
        try:
            signature, _, payload = self._path(key).read_bytes().partition(b"\n")
            if not compare_digest(signature, self._sign(key, payload).encode()):
                return None
            return _decode_outcome(json.loads(payload))
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
            return None  # missing, damaged or forged: a miss

    def put(self, key: str, outcome: tuple[ReadResult, list[Finding], list[Diagnostic]]) -> None:
        result, _findings, problems = outcome
        if problems or any(d.code == "DL009" for d in result.diagnostics):
            return
        try:
            payload = json.dumps(_encode_outcome(outcome), separators=(",", ":"))
            path = self._path(key)
            path.parent.mkdir(exist_ok=True)
            write_atomic(path, self._sign(key, payload.encode()) + "\n" + payload, durable=False)
        except (OSError, TypeError, ValueError, RecursionError):
            pass  # a cache that cannot be written only costs the next run time

    def _path(self, key: str) -> Path:
        return self._directory / key[:2] / key[2:]

    def _sign(self, key: str, payload: bytes) -> str:
        return runcache.sign(self._secret, key.encode() + b"\0" + payload)


def may_read_other_files(data: bytes) -> bool:
    """Whether a file's ``$ref``s may leave it (any not starting with ``#``,
    or an escaped ``$`` that could spell one): its outcome then depends on
    bytes that are not its own."""
    return (b"$ref" in data and _OUTSIDE_REF.search(data) is not None) or b"\\u0024" in data.lower()


# ------------------------------------------------------------------ codec


def _encode_outcome(outcome: tuple[ReadResult, list[Finding], list[Diagnostic]]) -> list[Any]:
    result, findings, problems = outcome
    refs = {id(item): number for number, item in enumerate(result.fields)}
    return [
        [_encode(item, {}) for item in result.fields],
        _encode(result._replace(fields=()), {}),
        [_encode(finding, refs) for finding in findings],
        [_encode(problem, {}) for problem in problems],
    ]


def _decode_outcome(data: list[Any]) -> tuple[ReadResult, list[Finding], list[Diagnostic]]:
    encoded_fields, encoded_result, encoded_findings, encoded_problems = data
    fields = tuple(_decode(item, ()) for item in encoded_fields)
    result = _decode(encoded_result, ())
    findings = [_decode(item, fields) for item in encoded_findings]
    problems = [_decode(item, ()) for item in encoded_problems]
    if not isinstance(result, ReadResult) or not all(isinstance(f, Field) for f in fields):
        raise TypeError("not an outcome")
    if not all(isinstance(f, Finding) for f in findings) or not all(isinstance(p, Diagnostic) for p in problems):
        raise TypeError("not an outcome")
    return result._replace(fields=fields), findings, problems


def _encode(value: Any, refs: dict[int, int]) -> Any:
    """JSON for a model object. A finding's field that is one of the file's
    fields is written as its index, so that decoding keeps it the very same
    object (suppressions and graph rules rely on it)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Field) and id(value) in refs:
        return {"r": refs[id(value)]}
    name = type(value).__name__
    if _TYPES.get(name) is type(value):  # model records are tuples too: tested first
        return {"c": name, "v": [_encode(item, refs) for item in value]}
    if type(value) is tuple:
        return {"t": [_encode(item, refs) for item in value]}
    raise TypeError(f"cannot cache a {name}")


def _decode(data: Any, fields: tuple[Field, ...]) -> Any:
    if data is None or isinstance(data, (str, bool, int)):
        return data
    if isinstance(data, dict):
        if "t" in data:
            return tuple(_decode(item, fields) for item in data["t"])
        if "r" in data:
            return fields[data["r"]]
        return _TYPES[data["c"]](*(_decode(item, fields) for item in data["v"]))
    raise TypeError("not an encoded value")
