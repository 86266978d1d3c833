"""Finding input files and turning their bytes into text readers can trust.

Readers receive text with the BOM removed and every line ending folded to
``\\n``, so CRLF and lone-CR files give the same findings and the same line
numbers as LF files. Anything that cannot become such text is a diagnostic
naming the file, never an exception.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from datalint.diagnostics import diagnostic
from datalint.model import Diagnostic, ReadResult

SCHEMA_SUFFIXES = frozenset({".json", ".yaml", ".yml"})
SQL_SUFFIXES = frozenset({".sql"})
LINTED_SUFFIXES = SCHEMA_SUFFIXES | SQL_SUFFIXES

#: Directories never worth descending into: VCS metadata, dependencies,
#: virtual environments, caches and build output.
SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox",
        "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".datalint_cache",
        "build", "dist", ".eggs", "site-packages", "bower_components", "vendor",
    }
)

#: Files larger than this are skipped with a diagnostic: a schema this big is
#: almost certainly generated or hostile, and parsing it would stall a commit.
DEFAULT_MAX_BYTES = 32 * 1024 * 1024

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


class InputFile(NamedTuple):
    """A file to lint: where it really is, how to name it in reports, and the
    scanned root that relative ``$ref``s must stay inside."""

    path: Path
    display: str
    root: Path


def discover(targets: Sequence[str]) -> tuple[list[InputFile], list[Diagnostic]]:
    """Expand command-line targets into files, sorted for deterministic output.

    Explicit files are linted whatever their suffix says only when it is one
    datalint reads; directories are walked for known suffixes.
    """
    found: dict[str, InputFile] = {}
    problems: list[Diagnostic] = []
    for target in targets:
        path = Path(target)
        if path.is_dir():
            root = path.resolve()
            base = path.as_posix().rstrip("/")
            prefix = "" if base in ("", ".") else base + "/"
            for file, relative in _walk(path, prefix, problems):
                display = prefix + relative
                found.setdefault(display, InputFile(file, display, root))
        elif os.path.lexists(path):  # dangling links and FIFOs too: read_text says what they are
            if path.suffix.lower() in LINTED_SUFFIXES:
                display = Path(target).as_posix()
                found.setdefault(display, InputFile(path, display, Path(os.path.realpath(path)).parent))
            else:
                problems.append(diagnostic("DL001", "not a .json, .yaml, .yml or .sql file", target))
        else:
            problems.append(diagnostic("DL001", "no such file or directory", target))
    return [found[key] for key in sorted(found)], problems


def _walk(directory: Path, prefix: str, problems: list[Diagnostic]) -> Iterator[tuple[Path, str]]:
    """(path, path relative to ``directory`` with ``/``) of the entries with
    a linted suffix below ``directory``, whatever they are: a dangling link
    named ``x.sql`` is reported by ``read_text``, not passed over. Symlinked
    directories are not followed, so link loops cannot trap the walk; a
    directory that cannot be listed is a diagnostic (named with ``prefix``,
    as reports name files). Relative names are cut from the walk's own
    strings: a monorepo has tens of thousands of files, and ``pathlib``
    arithmetic per file cost a tenth of a second per 10,000."""
    top = os.fspath(directory)

    def relative_to_top(current: str) -> str:
        inner = current[len(top) :].lstrip(os.sep)
        return inner.replace(os.sep, "/") + "/" if inner else ""

    def unlistable(error: OSError) -> None:
        where = (prefix + relative_to_top(error.filename)).rstrip("/") or "."
        problems.append(diagnostic("DL001", f"cannot list directory: {error.strerror or error}", where))

    for current, dirnames, filenames in os.walk(directory, onerror=unlistable, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not _is_virtualenv(os.path.join(current, d)))
        folder = relative_to_top(current)
        for name in sorted(filenames):
            if os.path.splitext(name)[1].lower() in LINTED_SUFFIXES:
                yield Path(current, name), folder + name


def _is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def read_text(file: InputFile, max_bytes: int = DEFAULT_MAX_BYTES) -> str | ReadResult:
    """The file's text, or a skipped result saying why it cannot be linted.

    At most ``max_bytes + 1`` bytes are read, and only from a regular file:
    opening a FIFO named ``x.json`` without ``O_NONBLOCK`` would hang the run."""
    try:
        descriptor = os.open(file.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        return _unreadable("unreadable", _open_failure(file.path, error), file.display)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return _unreadable("unreadable", "not a regular file (a FIFO, socket or device?)", file.display)
        try:
            data = handle.read(max_bytes + 1)
        except OSError as error:
            return _unreadable("unreadable", f"cannot read file: {error.strerror or error}", file.display)
    if len(data) > max_bytes:
        return _unreadable("too large", f"file is larger than the {max_bytes:,}-byte limit (--max-file-size)", file.display)
    return decode(data, file.display)


def _open_failure(path: Path, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if error.errno == errno.ENOENT and os.path.islink(path):
        return "dangling symbolic link: its target does not exist"
    return f"cannot read file: {error.strerror or error}"


def _unreadable(reason: str, message: str, display: str, line: int = 0, column: int = 0) -> ReadResult:
    return ReadResult(diagnostics=(diagnostic("DL001", message, display, line, column),), skipped=reason)


def decode(data: bytes, display: str) -> str | ReadResult:
    """Decode by BOM, else as UTF-8; fold line endings to ``\\n``."""
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom) :], name
            break
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        before = data[: error.start].decode(encoding, errors="replace").replace("\r\n", "\n").replace("\r", "\n")
        line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
        guess = " (Latin-1 or Windows-1252?)" if encoding == "utf-8" else ""
        message = f"not valid {encoding.upper()}: byte 0x{data[error.start]:02X} cannot be decoded{guess}; re-encode the file as UTF-8"
        return _unreadable("bad encoding", message, display, line, column)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        nul = text.index("\x00")
        line, column = text.count("\n", 0, nul) + 1, nul - text.rfind("\n", 0, nul)
        return _unreadable("binary", "file contains NUL bytes (binary?)", display, line, column)
    return text
