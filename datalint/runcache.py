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
  every file of the rule directories: by stat (size, mtime, ctime, inode)
  and by a hash of their bytes;
- for each walked root in a git repository, which of those files git
  ignores (git is asked again on replay: ``.gitignore`` files are not
  tracked by stat); for one outside any, that no ``.git`` appeared at or
  above it since.

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

Manifests are signed with a key private to the user (``secret``), so a
``.datalint_cache`` checked into a pull request is never replayed, and
written atomically, so concurrent runs at worst both record the same run.
``--no-cache`` neither reads nor writes them.

A replay is mostly ``stat`` calls, and everything around them is kept
cheap: a folder's stats are packed into one string and compared with the
recorded one in a single step (file by file only in a folder that changed),
and the signature and hashes are BLAKE2b (``datalint.digest``), which
loads no OpenSSL.
"""

from __future__ import annotations

import marshal
import os
import stat as file_types
import struct
import sys
import time
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from datalint import __version__
from datalint.digest import blake2b, compare_digest


DIRECTORY = ".datalint_cache"
FORMAT = 3
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
_SIGNATURE_SIZE = 64
"""Hex digits of a signature (256 bits)."""
_DIGEST_SIZE = 16
"""Bytes of a content or listing hash."""
_ABSENT = bytes(_DIGEST_SIZE)
"""The hash of a file that is not there (same width as a hash)."""
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


def sign(key: bytes, message: bytes | memoryview) -> str:
    """A MAC of ``message``: keyed BLAKE2b, which is one (RFC 7693) without
    HMAC's construction, so that a replay loads no OpenSSL."""
    return blake2b(message, key=key, digest_size=_SIGNATURE_SIZE // 2).hexdigest()


def code_stamp() -> str:
    """datalint's own sources by name, size and modification time: an
    edited reader (an editable install) must not be served old results."""
    here = os.path.dirname(os.path.abspath(__file__))
    parts = []
    for current, dirnames, filenames in os.walk(here):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".py", ".json")):
                path = os.path.join(current, name)
                stat = os.stat(path)
                parts.append(f"{path[len(here):]}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


PARSERS = {".sql": ("sqlglot", "sqlglotc"), ".yaml": ("yaml",), ".yml": ("yaml",), ".json": ("jsonschema", "referencing")}
_parser_stamps: dict[str, str] = {}


def parser_stamp(suffix: str) -> str:
    """Where and when the third-party parsers a suffix uses were installed
    (found without importing them)."""
    if suffix not in _parser_stamps:
        parts = []
        for name in PARSERS.get(suffix, ()):
            try:
                origin = _origin(name)
                parts.append(f"{name}:{origin}:{os.stat(origin).st_mtime_ns if origin else ''}")
            except (ImportError, ValueError, OSError):
                parts.append(f"{name}:-")
        _parser_stamps[suffix] = ";".join(parts)
    return _parser_stamps[suffix]


def _origin(name: str) -> str | None:
    """The file a top-level module would be imported from, asked of the
    import system's finders as ``import`` asks them (what
    ``importlib.util.find_spec`` does, without importing it: ~0.3 ms)."""
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        spec = find_spec(name, None) if find_spec is not None else None
        if spec is not None:
            return spec.origin
    return None


# ------------------------------------------------------------------ stamps


class _Nothing:
    """The stat of a path where nothing is: a size no file has."""

    st_size, st_mtime_ns, st_ctime_ns, st_ino = -1, 0, 0, 0


_NOTHING = _Nothing()
_SIZE, _MTIME, _CTIME, _INODE = (attrgetter(f"st_{field}") for field in ("size", "mtime_ns", "ctime_ns", "ino"))


def _stat(path: str, dir_fd: int | None = None) -> os.stat_result | _Nothing:
    try:
        return os.stat(path, dir_fd=dir_fd)
    except OSError:
        return _NOTHING


def _stamps(stats: list[os.stat_result | _Nothing]) -> bytes:
    """What stats say about content (size, mtime, ctime, inode), packed
    field by field for a whole folder: a replay compares one ``bytes`` per
    folder, and formats nothing per file."""
    count = len(stats)
    return struct.pack(f"{3 * count}q{count}Q", *map(_SIZE, stats), *map(_MTIME, stats), *map(_CTIME, stats), *map(_INODE, stats))


def _suspects(now: bytes, recorded: bytes, racy: list[int]) -> list[int]:
    """The entries whose bytes (or listing) must be compared: those whose
    stats differ from the recorded ones, and the racy ones."""
    if now == recorded:
        return racy
    new, old = memoryview(now).cast("q"), memoryview(recorded).cast("q")
    if len(new) != len(old):
        raise ValueError("stamps of another folder")
    count = len(new) // 4
    return sorted({*racy, *(number % count for number, value in enumerate(new) if value != old[number])})


def _is_racy(stat: os.stat_result | _Nothing, taken: int) -> bool:
    """Whether the entry changed within ``RACY_NS`` of the moment ``taken``
    (ctime too: ``touch``, ``tar`` and checkouts may set an old mtime)."""
    return max(stat.st_mtime_ns, stat.st_ctime_ns) >= taken - RACY_NS


def _racy(stats: list[os.stat_result | _Nothing], taken: int) -> list[int]:
    return [number for number, stat in enumerate(stats) if _is_racy(stat, taken)]


def _stat_all(folder: str, names: list[str]) -> list[os.stat_result | _Nothing]:
    """The stats of ``names`` in ``folder``: relative to the folder's
    descriptor where the platform can (a third cheaper than resolving every
    full path, and a replay is mostly stats). One thread: ``stat`` releases
    the GIL, but for so short a call that a second thread only fights the
    first for it (measured twice slower on two cores)."""
    if os.stat not in os.supports_dir_fd:
        return [_stat(os.path.join(folder, name)) for name in names]
    try:
        descriptor = os.open(folder or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return [_NOTHING] * len(names)
    try:
        try:
            return [os.stat(name, dir_fd=descriptor) for name in names]
        except OSError:  # some are missing: one by one
            return [_stat(name, descriptor) for name in names]
    finally:
        os.close(descriptor)


def _digest(data: bytes) -> bytes:
    return blake2b(data, digest_size=_DIGEST_SIZE).digest()


def _file_digest(path: str) -> bytes:
    try:
        return _digest(_read(path))
    except OSError:
        return _ABSENT


def _nth_digest(digests: bytes, number: int) -> bytes:
    return digests[number * _DIGEST_SIZE : (number + 1) * _DIGEST_SIZE]


def _listing(entries: Iterable[os.DirEntry[str]], suffixes: tuple[str, ...] | None) -> bytes:
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


def _current_listing(path: str, suffixes: list[str] | None) -> bytes:
    try:
        with os.scandir(path) as listing:
            return _listing(listing, suffixes and tuple(suffixes))
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
        self.directories: dict[str, tuple[os.stat_result | _Nothing, bytes, bool, list[str] | None]] = {}
        """path -> (stat, listing hash, racy, the suffixes listed or None for all)"""
        self.files: dict[str, tuple[os.stat_result | _Nothing, bytes, bool]] = {}
        """path -> (stat, content hash, racy)"""
        self.git: list[tuple[str, list[str], list[str]]] = []
        """(walked root, its candidate files, the ones git ignores)"""
        self.no_git: list[str] = []
        """The ``.git`` at and above each walked root outside a repository:
        one that appears makes ``.gitignore`` apply, so the run is not replayed."""
        self.walked: dict[str, list[str]] = {}
        """walked root -> the files found below it"""
        self.recordable = True

    def add_file(self, path: str, inspect: Callable[[bytes], bool] | None = None) -> None:
        """A file (or a place where one may appear), stat'ed before it is
        read; ``inspect`` may refuse the run for what the bytes hold."""
        if path in self.files:
            return
        stat = _stat(path)
        if stat is _NOTHING:
            self.files[path] = (_NOTHING, _ABSENT, False)
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
        self.files[path] = (stat, _digest(data), _is_racy(stat, self.taken))

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
        self.directories[path] = (stat, _listing(entries, suffixes), _is_racy(stat, self.taken), suffixes and list(suffixes))
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
        if not candidates:
            return
        answer = ignored(root, candidates)
        if answer is not None:
            self.git.append((root, candidates, sorted(answer)))
            return
        markers = _git_markers(root)
        if any(os.path.lexists(marker) for marker in markers):
            self.recordable = False  # a repository git could not answer for (not installed?)
        else:
            self.no_git.extend(markers)


# ------------------------------------------------------------ the manifest


def request_key(options: dict[str, Any]) -> str:
    """Everything besides the files read that the printed report depends on."""
    return repr([
        FORMAT, __version__, sys.version, sys.executable, code_stamp(), [parser_stamp(s) for s in sorted(PARSERS)],
        os.getcwd(), sorted(options.items()),
        [stream.isatty() for stream in (sys.stdout, sys.stderr)],
        [getattr(stream, "encoding", None) for stream in (sys.stdout, sys.stderr)],
        os.environ.get("SOURCE_DATE_EPOCH"), time.strftime("%Y-%m-%d"),
        sorted((name, value) for name, value in os.environ.items() if name.startswith("GIT_")),
    ])


def _manifest_path(directory: str, request: str) -> str:
    return os.path.join(directory, "runs", _digest(request.encode("utf-8", "surrogateescape")).hex())


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


def _group(entries: list[tuple[str, tuple[Any, ...]]]) -> list[Any]:
    """Entries ``(name, (stat, hash, racy, ...))`` as a manifest keeps them:
    the names, their packed stamps, their hashes end to end, the racy ones."""
    stats = [stat for _, (stat, *_) in entries]
    return [[name for name, _ in entries], _stamps(stats), b"".join(digest for _, (_, digest, *_) in entries),
            [number for number, (_, (_, _, racy, *_)) in enumerate(entries) if racy]]


def record(request: str, snapshot: Snapshot, text: str, errors: str, output: str | None, code: int) -> None:
    """Keep a run's manifest, when its snapshot can vouch for it."""
    if not snapshot.recordable:
        return
    directory = cache_directory(create=True)
    if directory is None:
        return
    folders: dict[str, list[tuple[str, tuple[Any, ...]]]] = {}
    for path, entry in sorted(snapshot.files.items()):
        folder, name = os.path.split(path)
        folders.setdefault(folder, []).append((name, entry))
    directories = sorted(snapshot.directories.items())
    try:
        data = {
            "request": request,
            "directories": [*_group(directories), [suffixes for _, (*_, suffixes) in directories]],
            "files": [[folder, *_group(entries)] for folder, entries in folders.items()],
            "git": snapshot.git,
            "no_git": snapshot.no_git,
            "text": text, "errors": errors, "output": output, "code": code,
        }
    except struct.error:  # a stat field beyond 64 bits (a timestamp past 2262)
        return
    _write(directory, request, data)


def encode_manifest(data: dict[str, Any]) -> bytes:
    """A manifest's bytes: its signature, a newline, then ``data`` in
    ``marshal``'s format (built in, so a replay imports no decoder, and
    loaded only once the signature is verified: ``marshal`` trusts its
    input, and only this user's datalint can sign)."""
    payload = marshal.dumps(data)
    return sign(secret(), payload).encode() + b"\n" + payload


def decode_manifest(manifest: bytes) -> dict[str, Any] | None:
    """What ``encode_manifest`` encoded; None when the signature does not
    verify (forged, damaged, or signed with another user's key)."""
    signature = manifest[:_SIGNATURE_SIZE]
    payload = memoryview(manifest)[_SIGNATURE_SIZE + 1 :]  # not copied: a manifest is about 100 bytes a file
    if not compare_digest(signature, sign(secret(), payload).encode()):
        return None
    return marshal.loads(payload)


def _write(directory: str, request: str, data: dict[str, Any]) -> None:
    from datalint.atomic import write_atomic  # readers never see half of one; _prune skips its dot files

    try:
        path = _manifest_path(directory, request)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomic(path, encode_manifest(data), durable=False)
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


def _git_markers(root: str) -> list[str]:
    """Where a ``.git`` would put ``root`` in a repository (as
    ``scope._in_repository`` looks): at it and at every directory above."""
    directory, markers = os.path.abspath(root), []
    while True:
        markers.append(os.path.join(directory, ".git"))
        parent = os.path.dirname(directory)
        if parent == directory:
            return markers
        directory = parent


def replay(request: str, ignored: Callable[[str, list[str]], set[str] | None]) -> Replay | None:
    """The recorded run of ``request`` if nothing it read has changed, else
    None. ``ignored`` asks git which files it ignores (``scope.ignored_by_git``)."""
    directory = cache_directory(create=False)
    if directory is None:
        return None
    path = _manifest_path(directory, request)
    try:
        data = decode_manifest(_read(path))
        if data is None or data["request"] != request:
            return None
        refreshed = _verify(data, ignored)
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, struct.error):
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
    paths, recorded, listings, racy, suffixes = data["directories"]
    stats = [_stat(path) for path in paths]
    now = _stamps(stats)
    suspects = _suspects(now, recorded, racy)
    if any(_current_listing(paths[number], suffixes[number]) != _nth_digest(listings, number) for number in suspects):
        return None
    directories = [paths, now, listings, _racy(stats, taken) if suspects else racy, suffixes]
    files = []
    for folder, names, recorded, digests, racy in data["files"]:
        stats = _stat_all(folder, names)
        now = _stamps(stats)
        suspects = _suspects(now, recorded, racy)  # stats changed, or cannot be trusted: compare the bytes
        if any(_file_digest(os.path.join(folder, names[number])) != _nth_digest(digests, number) for number in suspects):
            return None
        files.append([folder, names, now, digests, _racy(stats, taken) if suspects else racy])
    for root, candidates, known in data["git"]:
        if sorted(ignored(root, candidates) or ()) != known:
            return None
    if any(os.path.lexists(marker) for marker in data["no_git"]):
        return None  # a repository now holds a walked root: its .gitignore may apply
    if directories == data["directories"] and files == data["files"]:
        return data
    return {**data, "directories": directories, "files": files}
