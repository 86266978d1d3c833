"""Finding input files and turning their bytes into text readers can trust.

Readers receive text with the BOM removed and every line ending folded to
``\\n``, so CRLF and lone-CR files give the same findings and the same line
numbers as LF files. Anything that cannot become such text is a diagnostic
naming the file, never an exception.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from datalint.diagnostics import diagnostic
from datalint.model import Diagnostic

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


@dataclass(frozen=True, slots=True)
class InputFile:
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
            for file in _walk(path):
                display = _display(target, file.relative_to(path))
                found.setdefault(display, InputFile(file, display, path.resolve()))
        elif path.is_file():
            if path.suffix.lower() in LINTED_SUFFIXES:
                display = Path(target).as_posix()
                found.setdefault(display, InputFile(path, display, path.resolve().parent))
            else:
                problems.append(diagnostic("DL001", "not a .json, .yaml, .yml or .sql file", target))
        else:
            problems.append(diagnostic("DL001", "no such file or directory", target))
    return [found[key] for key in sorted(found)], problems


def _display(target: str, relative: Path) -> str:
    base = Path(target).as_posix().rstrip("/")
    joined = relative.as_posix() if base in ("", ".") else f"{base}/{relative.as_posix()}"
    return joined


def _walk(directory: Path) -> Iterator[Path]:
    """Files with a linted suffix below ``directory``. Symlinked directories
    are not followed, so link loops cannot trap the walk."""
    for current, dirnames, filenames in os.walk(directory, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not _is_virtualenv(Path(current, d)))
        for name in sorted(filenames):
            if Path(name).suffix.lower() in LINTED_SUFFIXES:
                candidate = Path(current, name)
                if candidate.is_file():
                    yield candidate


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def read_text(file: InputFile, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str | None, Diagnostic | None]:
    """The file's text, or the reason it cannot be linted."""
    try:
        with open(file.path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        return None, diagnostic("DL001", f"cannot read file: {error.strerror or error}", file.display)
    if len(data) > max_bytes:
        return None, diagnostic("DL001", f"file is larger than the {max_bytes:,}-byte limit; skipped", file.display)
    return decode(data, file.display)


def decode(data: bytes, display: str) -> tuple[str | None, Diagnostic | None]:
    """Decode by BOM, else as UTF-8; fold line endings to ``\\n``."""
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom) :], name
            break
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return None, diagnostic("DL001", f"not valid {encoding.upper()} (byte offset {error.start}); re-encode the file as UTF-8", display, line)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return None, diagnostic("DL001", "file contains NUL bytes (binary?); skipped", display, line)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, None
