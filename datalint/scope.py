"""Which of the discovered files a project lints, and in which SQL dialect.

``include``/``exclude`` apply to every file, including the ones named on the
command line, because pre-commit names files one by one and must honour them
too. ``.gitignore`` applies only to files found by walking a directory: a
file named explicitly was asked for. git is asked (``git check-ignore``)
rather than imitated, and when it is absent or the directory is not a
repository nothing is filtered.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from datalint.globs import matches, project_path

if TYPE_CHECKING:  # light to import: a run replayed from its manifest asks git through here
    from datalint.config import Settings
    from datalint.files import InputFile


def select_files(files: Sequence[InputFile], targets: Sequence[str], settings: Settings) -> list[InputFile]:
    named = {Path(target).as_posix() for target in targets if not Path(target).is_dir()}
    walked = [file for file in files if file.display not in named]
    ignored = git_ignored(walked) if settings.respect_gitignore and walked else set()
    if not (ignored or settings.include or settings.exclude):  # the usual case: hashing 10,000 paths for nothing costs 0.1 s
        return list(files)
    return [file for file in files if file.path not in ignored and _wanted(file.path, settings)]


def dialect_for(path: Path, settings: Settings) -> str | None:
    """The dialect of the first ``dialects`` glob matching ``path``, else ``dialect``."""
    if settings.dialects:
        relative = project_path(path, settings.root)
        if relative is not None:
            for glob, dialect in settings.dialects:
                if matches(glob, relative):
                    return dialect
    return settings.dialect


def _wanted(path: Path, settings: Settings) -> bool:
    """Files outside the configuration's directory are not covered by its globs."""
    if not (settings.include or settings.exclude):
        return True
    relative = project_path(path, settings.root)
    if relative is None:
        return True
    if settings.include and not any(matches(glob, relative) for glob in settings.include):
        return False
    return not any(matches(glob, relative) for glob in settings.exclude)


def git_ignored(files: Iterable[InputFile]) -> set[Path]:
    """The files git ignores, asked once per walked directory."""
    by_root: dict[Path, list[InputFile]] = defaultdict(list)
    for file in files:
        by_root[file.root].append(file)
    ignored: set[Path] = set()
    for root, group in by_root.items():
        by_name = {os.path.abspath(file.path): file.path for file in group}
        ignored.update(by_name[name] for name in ignored_by_git(str(root), list(by_name)) or ())
    return ignored


def ignored_by_git(root: str, paths: list[str]) -> set[str] | None:
    """Which of ``paths`` (absolute) git ignores, asked from ``root``; None
    when git cannot answer (not a repository, git not installed)."""
    if not _in_repository(Path(root)):
        return None
    import subprocess  # only here: a run over named files or outside git never starts one

    try:
        answer = subprocess.run(
            ["git", "check-ignore", "-z", "--stdin"],
            cwd=root, input="\0".join(paths), capture_output=True, text=True, check=False,
        )
    except OSError:  # git is not installed
        return None
    if answer.returncode not in (0, 1):  # some / none ignored; 128 means not a repository
        return None
    wanted = set(paths)
    return {name for name in answer.stdout.split("\0") if name in wanted}


def _in_repository(root: Path) -> bool:
    """Whether git could answer for ``root``: a ``.git`` (directory, or file
    for worktrees and submodules) at or above it, or a ``GIT_DIR`` in the
    environment. Saves starting git where it would only say "not a repository"."""
    if os.environ.get("GIT_DIR"):
        return True
    directory = Path(os.path.abspath(root))
    return any(os.path.lexists(os.path.join(candidate, ".git")) for candidate in (directory, *directory.parents))
