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
pickle), and signed with an HMAC whose key lives in the user cache directory
(mode 0600), so a ``.datalint_cache`` checked into a pull request cannot
hide findings from CI: whatever does not verify or decode is a miss. Writes
are atomic (``datalint.atomic``) and content-addressed, so concurrent runs
at worst both compute the same entry. The directory gets a ``.gitignore``
(``*``) and a ``CACHEDIR.TAG``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from pathlib import Path
from typing import Any

from datalint import __version__
from datalint.atomic import write_atomic
from datalint.files import InputFile
from datalint.model import Diagnostic, Evidence, Field, Finding, Location, ReadResult, Step, Suppression

DIRECTORY = ".datalint_cache"
FORMAT = 1
_TYPES = {cls.__name__: cls for cls in (Location, Suppression, Field, Diagnostic, Evidence, Step, Finding, ReadResult)}
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by datalint.\n# For information about cache directory tags see https://bford.info/cachedir/\n"
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
        directory = Path.cwd() / DIRECTORY
        try:
            secret = _secret()
            if not (directory / "CACHEDIR.TAG").is_file():
                directory.mkdir(exist_ok=True)
                write_atomic(directory / ".gitignore", "*\n")
                write_atomic(directory / "CACHEDIR.TAG", _TAG)
        except OSError:
            return None
        fingerprint = json.dumps([FORMAT, __version__, rulebook_key, _code_stamp(), *map(str, reading)])
        return cls(directory, fingerprint, secret)

    def key(self, file: InputFile, dialect: str | None, max_bytes: int) -> str | None:
        """The entry key of ``file``, or None when it is not to be cached
        (not a regular file, too large, ``$ref``s that may leave it)."""
        try:
            if not file.path.is_file() or file.path.stat().st_size > max_bytes:
                return None
            data = file.path.read_bytes()
        except OSError:
            return None
        if len(data) > max_bytes or (b"$ref" in data and _OUTSIDE_REF.search(data)) or b"\\u0024" in data.lower():
            return None
        digest = hashlib.sha256(self._fingerprint.encode())
        for part in (file.display, str(file.path), str(file.root), str(dialect), _parser_stamp(file.path.suffix.lower())):
            digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0" + data)
        return digest.hexdigest()

    def get(self, key: str) -> tuple[ReadResult, list[Finding], list[Diagnostic]] | None:
        try:
            signature, _, payload = self._path(key).read_bytes().partition(b"\n")
            if not hmac.compare_digest(signature, self._sign(key, payload).encode()):
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
        return hmac.new(self._secret, key.encode() + b"\0" + payload, hashlib.sha256).hexdigest()


def _secret() -> bytes:
    """The HMAC key, created on first use in the user cache directory."""
    from datalint.rulebook import cache_dir

    path = cache_dir() / "result-cache.key"
    try:
        return _valid_secret(path.read_bytes())
    except (OSError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another run made it meanwhile
        return _valid_secret(path.read_bytes())
    with os.fdopen(handle, "wb") as stream:
        stream.write(os.urandom(32))
    return _valid_secret(path.read_bytes())


def _valid_secret(data: bytes) -> bytes:
    if len(data) != 32:
        raise ValueError("not a key")
    return data


def _code_stamp() -> str:
    """datalint's own sources by name, size and modification time: an
    edited reader (an editable install) must not be served old results."""
    here = Path(__file__).parent
    parts = []
    for current, dirnames, filenames in os.walk(here):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".py", ".json")):
                stat = os.stat(os.path.join(current, name))
                parts.append(f"{os.path.relpath(os.path.join(current, name), here)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


_PARSERS = {".sql": ("sqlglot", "sqlglotc"), ".yaml": ("yaml",), ".yml": ("yaml",), ".json": ("jsonschema", "referencing")}
_stamps: dict[str, str] = {}


def _parser_stamp(suffix: str) -> str:
    """Where and when the third-party parsers a suffix uses were installed
    (found without importing them)."""
    if suffix not in _stamps:
        from importlib.util import find_spec

        parts = []
        for name in _PARSERS.get(suffix, ()):
            try:
                spec = find_spec(name)
                origin = spec.origin if spec is not None else None
                parts.append(f"{name}:{origin}:{os.stat(origin).st_mtime_ns if origin else ''}")
            except (ImportError, ValueError, OSError):
                parts.append(f"{name}:-")
        _stamps[suffix] = ";".join(parts)
    return _stamps[suffix]


# ------------------------------------------------------------------ codec


def _encode_outcome(outcome: tuple[ReadResult, list[Finding], list[Diagnostic]]) -> list[Any]:
    result, findings, problems = outcome
    refs = {id(item): number for number, item in enumerate(result.fields)}
    return [
        [_encode(item, {}) for item in result.fields],
        _encode(replace(result, fields=()), {}),
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
    return replace(result, fields=fields), findings, problems


def _encode(value: Any, refs: dict[int, int]) -> Any:
    """JSON for a model object. A finding's field that is one of the file's
    fields is written as its index, so that decoding keeps it the very same
    object (suppressions and graph rules rely on it)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, tuple):
        return {"t": [_encode(item, refs) for item in value]}
    if isinstance(value, Field) and id(value) in refs:
        return {"r": refs[id(value)]}
    name = type(value).__name__
    if _TYPES.get(name) is type(value):
        return {"c": name, "v": [_encode(getattr(value, f.name), refs) for f in dataclass_fields(value)]}
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
