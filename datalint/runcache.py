"""The run cache: a whole ``datalint check`` answered again from the stats of
everything it depended on, without importing a reader, the engine or a rule
pack, so that an unchanged repository costs about ``datalint --version``
plus one ``stat`` per file (issue #6, T7).

A run that may be cached records, in ``.datalint_cache/runs/``, a *manifest*
under a key of everything the command line decides (every option but
``--jobs``, the working directory, whether stdout and stderr are terminals
and their encodings, the day suppressions' ``until`` is judged on, ``GIT_*``
variables, the Python and datalint versions, a stamp of datalint's sources
and of the parsers it uses). The manifest holds what the run printed (stdout,
stderr, the ``--output`` file, the exit status) and what it read, taken
*before* it was read:

- every directory the targets' walk visits, by stat and by a hash of its
  listing (a file created, deleted or renamed changes both);
- every file that walk finds with a linted suffix, each explicitly named
  file, the configuration files looked for (found or not), the baseline and
  every file of the rule directories: by stat (size, mtime, inode, ctime)
  and by a hash of their bytes;
- for each walked root in a git repository, which of those files git
  ignores (git is asked again on replay: ``.gitignore`` files are not
  tracked by stat).

A later run with the same key is replayed when every directory and file
stat is unchanged; when a file's stats changed (a ``git checkout``, a
``touch``) its bytes are hashed and compared instead, and the manifest is
refreshed. *Racy* entries, changed within ``RACY_NS`` of the moment they
were stat'ed, are never trusted by stat (an edit in the same timestamp tick
would keep every stat field): their bytes, or listing, are always compared,
as git does with racily clean index entries. Nothing is recorded for runs
whose output depends on more than those bytes: databases, ``$ref``s that
may leave a file, files that could not be read, configuration or rule pack
problems, internal errors and pattern timeouts.

Manifests are signed with the result cache's key (``secret``), so a
``.datalint_cache`` checked into a pull request is never replayed, and
written atomically, so concurrent runs at worst both record the same run.
``--no-cache`` neither reads nor writes them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat as file_types
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from datalint import __version__

DIRECTORY = ".datalint_cache"
FORMAT = 1
#: Entries changed this close to the moment they were stat'ed are racy: a
#: filesystem timestamp tick (up to a few ms locally, up to 2 s on FAT and
#: some network filesystems) could hide an edit made just after the stat.
RACY_NS = 2_000_000_000
#: Diagnostics that depend only on the bytes of the file they name. A run
#: with any other (unreadable files, broken configuration or packs,
#: internal errors, pattern timeouts, databases) is not recorded.
CONTENT_CODES = frozenset({"DL002", "DL003", "DL004", "DL005", "DL006"})
#: Manifests kept per cache directory (one per set of options and per day).
KEPT_MANIFESTS = 16
_DIGEST_SIZE = 32
_ABSENT = "-" * _DIGEST_SIZE
"""The stamp and the hash of a file that is not there (same width as a hash)."""
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by datalint.\n# For information about cache directory tags see https://bford.info/cachedir/\n"


# ------------------------------------------------------------ the directory


def cache_directory(create: bool) -> str | None:
    """``.datalint_cache`` in the current directory, created (with a
    ``.gitignore`` and a ``CACHEDIR.TAG``) when asked; None when it cannot be.
    (``os.path`` rather than ``pathlib`` here: a replay does not import it.)"""
    directory = os.path.join(os.getcwd(), DIRECTORY)
    if os.path.isfile(os.path.join(directory, "CACHEDIR.TAG")):
        return directory
    if not create:
        return None
    from datalint.atomic import write_atomic

    try:
        os.makedirs(directory, exist_ok=True)
        write_atomic(os.path.join(directory, ".gitignore"), "*\n")
        write_atomic(os.path.join(directory, "CACHEDIR.TAG"), _TAG)
    except OSError:
        return None
    return directory


def user_cache_directory() -> str:
    """Where the signing key and compiled rulebooks live:
    ``$DATALINT_CACHE_DIR``, else the user's cache directory
    (``$XDG_CACHE_HOME/datalint``, ``~/.cache/datalint``;
    ``%LOCALAPPDATA%\\datalint`` on Windows, ``~/Library/Caches/datalint``
    on macOS). Here rather than in ``rulebook`` so that a replayed run need
    not import the rule machinery. Never the scanned project."""
    configured = os.environ.get("DATALINT_CACHE_DIR")
    if configured:
        return configured
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
    elif sys.platform == "darwin":
        base = os.path.join(home, "Library", "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
    return os.path.join(base, "datalint")


def secret() -> bytes:
    """The signing key (32 random bytes, mode 0600), created on first use."""
    path = os.path.join(user_cache_directory(), "result-cache.key")
    try:
        return _valid_secret(_read(path))
    except (OSError, ValueError):
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another run made it meanwhile
        return _valid_secret(_read(path))
    with os.fdopen(handle, "wb") as stream:
        stream.write(os.urandom(32))
    return _valid_secret(_read(path))


def _read(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def _valid_secret(data: bytes) -> bytes:
    if len(data) != 32:
        raise ValueError("not a key")
    return data


def sign(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, "sha256").hexdigest()


def code_stamp() -> str:
    """datalint's own sources by name, size and modification time: an
    edited reader (an editable install) must not be served old results."""
    here = os.path.dirname(os.path.abspath(__file__))
    parts = []
    for current, dirnames, filenames in os.walk(here):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".py", ".json")):
                stat = os.stat(os.path.join(current, name))
                parts.append(f"{os.path.relpath(os.path.join(current, name), here)}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


PARSERS = {".sql": ("sqlglot", "sqlglotc"), ".yaml": ("yaml",), ".yml": ("yaml",), ".json": ("jsonschema", "referencing")}
_parser_stamps: dict[str, str] = {}


def parser_stamp(suffix: str) -> str:
    """Where and when the third-party parsers a suffix uses were installed
    (found without importing them)."""
    if suffix not in _parser_stamps:
        from importlib.util import find_spec

        parts = []
        for name in PARSERS.get(suffix, ()):
            try:
                spec = find_spec(name)
                origin = spec.origin if spec is not None else None
                parts.append(f"{name}:{origin}:{os.stat(origin).st_mtime_ns if origin else ''}")
            except (ImportError, ValueError, OSError):
                parts.append(f"{name}:-")
        _parser_stamps[suffix] = ";".join(parts)
    return _parser_stamps[suffix]


# ------------------------------------------------------------------ stamps


def _stat(path: str, dir_fd: int | None = None) -> os.stat_result | None:
    try:
        return os.stat(path, dir_fd=dir_fd)
    except OSError:
        return None


def _sign(stat: os.stat_result | None) -> str:
    """What a stat says about content: ``size:mtime:inode:ctime``, or
    ``_ABSENT`` when there is nothing there."""
    if stat is None:
        return _ABSENT
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}:{stat.st_ctime_ns}"


def _signs(signs: list[str]) -> str:
    """One folder's file stats, hashed: a replay compares folders, and looks
    at files one by one only in a folder that changed."""
    return _digest("\n".join(signs).encode())


def _changed(stat: os.stat_result | None) -> int:
    """When the entry last changed, for the racy test (ctime too: ``touch``,
    ``tar`` and checkouts may set an old mtime)."""
    return 0 if stat is None else max(stat.st_mtime_ns, stat.st_ctime_ns)


def _stat_all(folder: str, names: list[str]) -> list[os.stat_result | None]:
    """The stats of ``names`` in ``folder``: relative to the folder's
    descriptor where the platform can (a third cheaper than resolving every
    full path, and a replay is mostly stats)."""
    if os.stat not in os.supports_dir_fd:
        return [_stat(os.path.join(folder, name)) for name in names]
    try:
        descriptor = os.open(folder or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return [None] * len(names)
    try:
        try:
            return [os.stat(name, dir_fd=descriptor) for name in names]
        except OSError:  # some are missing: one by one
            return [_stat(name, descriptor) for name in names]
    finally:
        os.close(descriptor)


#: Files above which a replay stats on several threads.
THREADED_FILES = 1000


def _stamp_all(groups: list[list[Any]]) -> list[tuple[list[str], list[os.stat_result | None], str]]:
    """Each recorded folder's names, their stats now and the hash of those.
    A large tree is stat'ed on a few threads: ``stat`` releases the GIL, and
    a replay is mostly stats (git's preload-index does the same)."""
    stamps: list[Any] = [None] * len(groups)
    failures: list[BaseException] = []

    def stamp(first: int, step: int) -> None:
        try:
            for number in range(first, len(groups), step):
                folder, joined = groups[number][:2]
                names = joined.split("\0")
                stats = _stat_all(folder, names)
                stamps[number] = (names, stats, _signs([_sign(stat) for stat in stats]))
        except Exception as error:  # noqa: BLE001 - re-raised in the calling thread
            failures.append(error)

    files = sum(group[1].count("\0") + 1 for group in groups)
    count = min(4, os.cpu_count() or 1) if files > THREADED_FILES else 1
    import threading  # already loaded by click: free

    helpers = [threading.Thread(target=stamp, args=(first, count)) for first in range(1, count)]
    for helper in helpers:
        helper.start()
    stamp(0, count)
    for helper in helpers:
        helper.join()
    if failures:
        raise failures[0]
    return stamps


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:_DIGEST_SIZE]


def _file_digest(path: str) -> str:
    try:
        return _digest(_read(path))
    except OSError:
        return _ABSENT


def _listing(entries: Iterable[os.DirEntry[str]], suffixes: tuple[str, ...] | None) -> str:
    """A hash of the names in a directory listing that a run looks at: its
    subdirectories and, when ``suffixes`` are given, only the files with
    one of them (a report written beside the schemas changes nothing)."""
    names = []
    for entry in entries:
        try:
            kind = "/" if entry.is_dir() else ""
        except OSError:
            kind = "?"
        if kind or suffixes is None or entry.name.lower().endswith(suffixes):
            names.append(entry.name + kind)
    return _digest("\0".join(sorted(names)).encode("utf-8", "surrogateescape"))


def _current_listing(path: str, suffixes: tuple[str, ...] | None) -> str:
    try:
        with os.scandir(path) as listing:
            return _listing(listing, suffixes)
    except OSError:
        return _ABSENT


class Snapshot:
    """What a run is about to read, stat'ed (and hashed) before it reads
    it. ``recordable`` turns False as soon as something is found that a
    manifest could not vouch for."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        """Larger files are not read: the run skips them (DL001), so it is not recorded."""
        self.taken = time.time_ns()
        self.directories: dict[str, tuple[str, str, bool, list[str] | None]] = {}
        """path -> (stat sign, listing hash, racy, the suffixes listed or None for all)"""
        self.files: dict[str, tuple[str, str, bool]] = {}
        """path -> (stat sign, content hash, racy)"""
        self.git: list[tuple[str, list[str], list[str]]] = []
        """(walked root, its candidate files, the ones git ignores)"""
        self.walked: dict[str, list[str]] = {}
        """walked root -> the files found below it"""
        self.recordable = True

    def _racy(self, changed: int) -> bool:
        return changed >= self.taken - RACY_NS

    def add_file(self, path: str, inspect: Callable[[bytes], bool] | None = None) -> None:
        """A file (or a place where one may appear), stat'ed before it is
        read; ``inspect`` may refuse the run for what the bytes hold."""
        if path in self.files:
            return
        stat = _stat(path)
        if stat is None:
            self.files[path] = (_ABSENT, _ABSENT, False)
            return
        if not file_types.S_ISREG(stat.st_mode) or stat.st_size > self.max_bytes:
            self.recordable = False  # a FIFO would block the read; the run reports both kinds (DL001)
            return
        try:
            data = _read(path)
        except OSError:
            self.recordable = False
            return
        if inspect is not None and not inspect(data):
            self.recordable = False
        self.files[path] = (_sign(stat), _digest(data), self._racy(_changed(stat)))

    def add_directory(self, path: str, suffixes: tuple[str, ...] | None = None) -> list[os.DirEntry[str]]:
        """A directory's stamp, taken before it is listed; its entries.
        ``suffixes``: only files with these matter (see ``_listing``)."""
        stat = _stat(path)
        try:
            with os.scandir(path) as listing:
                entries = list(listing)
        except OSError:
            self.recordable = False
            return []
        self.directories[path] = (_sign(stat), _listing(entries, suffixes), self._racy(_changed(stat)), suffixes and list(suffixes))
        return entries

    def walk(self, top: str, skipped: Iterable[str], suffixes: Iterable[str], inspect: Callable[[bytes], bool]) -> None:
        """Every directory below ``top`` that ``files.discover`` may descend
        into (``skipped`` names pruned, symbolic links not followed: a
        superset of its walk) and every file there with a linted suffix."""
        skipped, suffixes = frozenset(skipped), tuple(sorted(suffixes))
        found = self.walked.setdefault(os.path.abspath(top), [])
        pending = [top]
        while pending:
            directory = pending.pop()
            for entry in self.add_directory(directory, suffixes):
                try:
                    is_directory = entry.is_dir()
                except OSError:
                    is_directory = False
                if is_directory:
                    if entry.name not in skipped and not entry.is_symlink():
                        pending.append(entry.path)
                elif entry.name.lower().endswith(suffixes):
                    self.add_file(entry.path, inspect)
                    found.append(os.path.abspath(entry.path))

    def add_git(self, root: str, ignored: Callable[[str, list[str]], set[str] | None]) -> None:
        """Which of the files walked below ``root`` git ignores, when
        ``root`` is in a repository (``ignored`` answers None when not)."""
        candidates = sorted(self.walked.get(root, ()))
        answer = ignored(root, candidates) if candidates else None
        if answer is not None:
            self.git.append((root, candidates, sorted(answer)))


# ------------------------------------------------------------ the manifest


def request_key(options: dict[str, Any]) -> str:
    """Everything besides the files read that the printed report depends on."""
    return json.dumps([
        FORMAT, __version__, sys.version, sys.executable, code_stamp(), [parser_stamp(s) for s in sorted(PARSERS)],
        os.getcwd(), options,
        [stream.isatty() for stream in (sys.stdout, sys.stderr)],
        [getattr(stream, "encoding", None) for stream in (sys.stdout, sys.stderr)],
        os.environ.get("SOURCE_DATE_EPOCH"), time.strftime("%Y-%m-%d"),
        sorted((name, value) for name, value in os.environ.items() if name.startswith("GIT_")),
    ], sort_keys=True, default=str)


def _manifest_path(directory: str, request: str) -> str:
    return os.path.join(directory, "runs", _digest(request.encode("utf-8", "surrogateescape")))


class Replay:
    """What a recorded run printed."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.text: str = data["text"]
        """The report, printed or written to ``output``."""
        self.errors: str = data["errors"]
        """What went to stderr."""
        self.output: str | None = data["output"]
        """``--output``, as given (the working directory is in the key)."""
        self.code: int = data["code"]


def record(request: str, snapshot: Snapshot, text: str, errors: str, output: str | None, code: int) -> None:
    """Keep a run's manifest, when its snapshot can vouch for it."""
    if not snapshot.recordable:
        return
    directory = cache_directory(create=True)
    if directory is None:
        return
    groups: dict[str, list[tuple[str, tuple[str, str, bool]]]] = {}
    for path, stamp in sorted(snapshot.files.items()):
        folder, name = os.path.split(path)
        groups.setdefault(folder, []).append((name, stamp))
    data = {
        "request": request,
        "directories": sorted([path, *stamp] for path, stamp in snapshot.directories.items()),
        "files": [
            [folder, "\0".join(name for name, _ in group), _signs([sign for _, (sign, _, _) in group]),
             "".join(digest for _, (_, digest, _) in group), [number for number, (_, (_, _, racy)) in enumerate(group) if racy]]
            for folder, group in groups.items()
        ],
        "git": snapshot.git,
        "text": text, "errors": errors, "output": output, "code": code,
    }
    _write(directory, request, data)


def _write(directory: str, request: str, data: dict[str, Any]) -> None:
    from datalint.atomic import write_atomic

    try:
        payload = json.dumps(data, separators=(",", ":"))
        path = _manifest_path(directory, request)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomic(path, sign(secret(), payload.encode()) + "\n" + payload, durable=False)
        _prune(path)
    except (OSError, ValueError):
        pass  # a manifest that cannot be written only costs the next run time


def _prune(written: str) -> None:
    """Keep ``written`` and the most recently written other manifests, up
    to ``KEPT_MANIFESTS``: the key holds the day and datalint's version, so
    old ones are never replayed."""
    with os.scandir(os.path.dirname(written)) as listing:
        others = [entry for entry in listing if entry.is_file() and entry.path != written and not entry.name.startswith(".")]
    others.sort(key=lambda entry: entry.stat().st_mtime_ns, reverse=True)
    for entry in others[KEPT_MANIFESTS - 1 :]:
        try:
            os.unlink(entry.path)
        except FileNotFoundError:  # a concurrent run pruned it first
            pass


def replay(request: str, ignored: Callable[[str, list[str]], set[str] | None]) -> Replay | None:
    """The recorded run of ``request`` if nothing it read has changed, else
    None. ``ignored`` asks git which files it ignores (``scope.ignored_by_git``)."""
    directory = cache_directory(create=False)
    if directory is None:
        return None
    path = _manifest_path(directory, request)
    try:
        signature, _, payload = _read(path).partition(b"\n")
        if not hmac.compare_digest(signature, sign(secret(), payload).encode()):
            return None
        data = json.loads(payload)
        if data["request"] != request:
            return None
        refreshed = _verify(data, ignored)
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None  # missing, damaged or forged: a miss
    if refreshed is None:
        return None
    if refreshed is not data:
        _write(directory, request, refreshed)
    return Replay(data)


def _verify(data: dict[str, Any], ignored: Callable[[str, list[str]], set[str] | None]) -> dict[str, Any] | None:
    """``data`` when everything is as recorded, a refreshed copy when only
    stats changed (the bytes are the same), None when anything differs."""
    taken = time.time_ns()
    directories = []
    for path, recorded, listing, racy, suffixes in data["directories"]:
        stat = _stat(path)
        now = _sign(stat)
        if (racy or now != recorded) and _current_listing(path, suffixes and tuple(suffixes)) != listing:
            return None
        directories.append([path, now, listing, _changed(stat) >= taken - RACY_NS, suffixes])
    files = []
    for (folder, joined, signs, digests, racy), (names, stats, now) in zip(data["files"], _stamp_all(data["files"]), strict=True):
        checked = range(len(names)) if now != signs else racy
        for number in checked:  # stats changed, or cannot be trusted: compare the bytes
            digest = _file_digest(os.path.join(folder, names[number])) if stats[number] is not None else _ABSENT
            if digest != digests[number * _DIGEST_SIZE : (number + 1) * _DIGEST_SIZE]:
                return None
        if checked:  # what was racy may not be any more; unchanged stats of settled files stay settled
            racy = [number for number, stat in enumerate(stats) if _changed(stat) >= taken - RACY_NS]
        files.append([folder, joined, now, digests, racy])
    for root, candidates, known in data["git"]:
        if sorted(ignored(root, candidates) or ()) != known:
            return None
    if directories == data["directories"] and files == data["files"]:
        return data
    return {**data, "directories": directories, "files": files}
