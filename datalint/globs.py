"""The glob patterns of the configuration (``include``, ``exclude``,
``per-file-ignores``, ``dialects``), read the way ``.gitignore`` reads them,
because that is the syntax people already write for "these files".

- ``*`` and ``?`` stay inside one path segment, ``**`` crosses segments,
  ``[abc]`` is a character class;
- a pattern without a ``/`` matches a file or directory name at any depth
  (``*.sql``, ``fixtures``); one with a ``/`` is anchored at the directory of
  the configuration file (``schemas/*.json``, ``/legacy``);
- a pattern that names a directory covers everything below it.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

_TOKEN = re.compile(r"\*\*/|/\*\*$|\*\*|\*|\?|\[[^\]/]+\]|[^*?\[]+|\[")


@lru_cache(maxsize=256)
def compile_glob(pattern: str) -> re.Pattern[str]:
    body = pattern.strip().removeprefix("./").rstrip("/")
    anchored = "/" in body
    body = body.lstrip("/")
    parts = []
    for token in _TOKEN.findall(body):
        if token == "**/":
            parts.append("(?:.*/)?")
        elif token == "/**":
            parts.append("/.*")
        elif token == "**":
            parts.append(".*")
        elif token == "*":
            parts.append("[^/]*")
        elif token == "?":
            parts.append("[^/]")
        elif token.startswith("[") and len(token) > 1:
            parts.append("[^" + re.escape(token[2:-1]) + "]" if token[1] == "!" else "[" + re.escape(token[1:-1]) + "]")
        else:
            parts.append(re.escape(token))
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"{prefix}{''.join(parts)}(?:/.*)?", re.DOTALL)


def matches(pattern: str, path: str) -> bool:
    """Whether ``path`` (relative to the configuration's directory, with
    ``/`` separators) is covered by ``pattern``."""
    return compile_glob(pattern).fullmatch(path) is not None


def project_path(file: str | Path, root: Path) -> str | None:
    """``file`` relative to ``root`` with ``/`` separators, or None when it
    lies outside ``root`` (no pattern of that configuration covers it)."""
    relative = os.path.relpath(Path(file).resolve(), root.resolve())
    if relative == ".." or relative.startswith("../") or os.path.isabs(relative):
        return None
    return Path(relative).as_posix()
