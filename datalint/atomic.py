"""Writing files so that nobody ever sees half of one.

Reports and baselines are read by CI steps and other tools, sometimes while a
concurrent run writes the same path: write a temporary file beside the
target, flush it to disk, then rename it over the target in one step.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Any


def write_atomic(path: str | Path, content: str | bytes, *, durable: bool = True) -> None:
    """Text is written as UTF-8 with ``\n`` line ends; bytes as they are
    (the run cache's manifests). ``durable=False`` skips the fsync: for
    caches, where an entry lost in a crash is only a miss (readers still
    never see half of one).

    Only regular files are replaced. ``--output /dev/null``, ``/dev/stdout``
    or a FIFO is written to in place: renaming over a device node would
    destroy it (as root, ``/dev/null`` would become a plain file). A symlink
    to a regular file keeps being a link: its target is replaced."""
    target = Path(path)
    if target.exists() and not target.is_file():
        with _open(target, content) as stream:
            stream.write(content)
        return
    if target.is_symlink():
        target = target.resolve()
    directory = target.parent if str(target.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as error:  # name the file the user asked for, not the temporary one
        raise OSError(error.errno, error.strerror, str(target)) from None
    try:
        with _open(handle, content) as stream:
            stream.write(content)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _open(file: Path | int, content: str | bytes) -> IO[Any]:
    if isinstance(content, bytes):
        return open(file, "wb")
    return open(file, "w", encoding="utf-8", newline="\n")
