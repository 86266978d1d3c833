"""Loading rule packs: YAML files validated against ``rule.schema.json``.

Rules are data so that reviewers, advocates and platform teams can read,
audit and extend the vocabulary without reading Python. The schema is strict
(``additionalProperties: false``): a misspelt key in a custom pack must fail
loudly rather than silently disable a rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import product
from pathlib import Path
from typing import Any, NamedTuple

from datalint import __version__
from datalint.diagnostics import diagnostic
from datalint.digest import blake2b
from datalint.matching import Vocabulary, split_words
from datalint.model import Diagnostic

SCHEMA_FILE = "rule.schema.json"
VOCABULARY_FILE = "words.txt"
#: Bumped whenever the cached form changes shape.
CACHE_FORMAT = 10
#: The code the compiled rulebook depends on: a change to how terms are
#: tokenised must never be served a rulebook compiled by the old code.
_COMPILER_FILES = ("matching.py", "engine.py", "rulebook.py")
_KEPT_CACHE_FILES = 8


class Rule(NamedTuple):
    code: str
    name: str
    category: str
    severity: str
    summary: str
    why: str
    cautions: tuple[str, ...]
    instead: str
    references: tuple[str, ...]
    match: dict[str, Any]
    unless: dict[str, Any]
    examples: dict[str, list[Any]]
    pack: str
    """The file the rule came from, for error messages and ``explain``."""
    graph: dict[str, Any] = {}
    """A graph rule's section (``datalint.linkage``), which it has instead
    of ``match``: such a rule judges paths between containers, never one
    field, so the engine never fires it."""


class Rulebook(NamedTuple):
    rules: tuple[Rule, ...]
    vocabulary: Vocabulary
    by_id: dict[str, Rule] = {}
    """Each rule under its code and under its name."""
    compiled: dict[str, Any] | None = None
    """The engine's index (``datalint.engine.compile_rules``), when it came
    with the rulebook from the cache or was compiled for it."""
    key: str | None = None
    """Hash of the exact bytes of every pack, the schema, the vocabulary and
    the compiling code (None if some pack could not be read): a result
    cache can key on it."""

    @classmethod
    def build(cls, rules: Sequence[Rule], general_words: Iterable[str]) -> Rulebook:
        general = set(general_words)
        words = set(general)
        for rule in rules:
            for term in iter_terms(rule):
                words.update(split_words(term))
        by_id = {r.code: r for r in rules} | {r.name: r for r in rules}
        ordered = tuple(sorted(rules, key=lambda r: r.code))
        short = {word for word in general if len(word) == 2}
        return cls(ordered, Vocabulary(words, short), by_id)

    def find(self, code_or_name: str) -> Rule | None:
        """Rules are addressed by code (``DL101``) or name, interchangeably."""
        return self.by_id.get(code_or_name) or self.by_id.get(code_or_name.upper())


def expand_terms(terms: Iterable[str | list[list[str]]]) -> Iterator[str]:
    """Terms as phrases. A term written as a list of word lists stands for
    every phrase taking one word from each list, in order:
    ``[[passport, pasaporte], [number, no]]`` is four phrases. It keeps packs
    short without any cost at match time (phrases are indexed once)."""
    for term in terms:
        if isinstance(term, str):
            yield term
        else:
            yield from (" ".join(words) for words in product(*term))


def iter_terms(rule: Rule) -> Iterator[str]:
    """All phrases a rule matches on (not regexes): their words make up the
    vocabulary used to split glued identifiers."""
    for clause in (rule.match, rule.unless, *rule.match.get("all", ())):
        for source, terms in clause.items():
            if source not in ("all", "pattern"):
                yield from expand_terms(terms)
    yield from _graph_terms(rule.graph)


#: Keys of a graph section whose values are term lists (the others name
#: rules and findings, or are numbers).
GRAPH_TERM_KEYS = frozenset({"container", "field", "unless", "description", "type"})


def _graph_terms(section: Any) -> Iterator[str]:
    if isinstance(section, list):
        for item in section:
            yield from _graph_terms(item)
    elif isinstance(section, dict):
        for key, value in section.items():
            yield from expand_terms(value) if key in GRAPH_TERM_KEYS else _graph_terms(value)


def _data_dir(name: str) -> Path:
    """A top-level data folder (``rules``, ``seeds``): shipped in the wheel as
    ``datalint/_<name>``, or the repository's own folder in a source checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / f"_{name}"
    if packaged.is_dir():
        return packaged
    return here.parent / name


def builtin_rules_dir() -> Path:
    return _data_dir("rules")


def load_cautions() -> dict[str, str]:
    """Caution id -> title, from the seeds digest that rules cite."""
    import yaml

    entries = yaml.safe_load((_data_dir("seeds") / "cautions.yaml").read_text(encoding="utf-8"))
    return {entry["id"]: entry["title"] for entry in entries}


def load_rulebook(extra_dirs: Sequence[Path] = (), *, cache: bool = True) -> tuple[Rulebook, list[Diagnostic]]:
    """Load the built-in packs and any custom pack directories.

    Broken packs become DL007 diagnostics (the run exits 2) while the rules
    that did load still run, so one typo does not silence the whole linter.

    Every pack is validated against ``rule.schema.json``. Parsing YAML and
    validating costs about a second, so a rulebook that loaded without a
    problem is cached, compiled, under a key that hashes the exact bytes of
    the schema, the vocabulary, every pack and the code that compiles them
    (see ``cache_dir``): a cache hit proves those same bytes were validated.
    ``cache=False`` neither reads nor writes the cache.
    """
    builtin = builtin_rules_dir()
    sources, problems = _read_sources(builtin, extra_dirs)
    key = _cache_key(sources) if not problems else None
    if key is not None and cache:
        cached = _read_cache(key)
        if cached is not None:
            return cached._replace(key=key), []
    rulebook, load_problems = _load(builtin, sources)
    problems += load_problems
    if key is not None and cache and not problems:
        _write_cache(key, rulebook)
    return (rulebook._replace(key=key) if not problems else rulebook), problems


def _read_sources(builtin: Path, extra_dirs: Sequence[Path]) -> tuple[list[tuple[int, Path, bytes | None]], list[Diagnostic]]:
    """(directory number, path, bytes) for the schema, the vocabulary and
    every pack, read once: what is hashed is exactly what is parsed."""
    sources: list[tuple[int, Path, bytes | None]] = []
    problems: list[Diagnostic] = []
    for name in (SCHEMA_FILE, VOCABULARY_FILE):
        sources.append((-1, builtin / name, (builtin / name).read_bytes()))
    for number, directory in enumerate((builtin, *extra_dirs)):
        if not directory.is_dir():
            problems.append(diagnostic("DL007", "rule directory not found", str(directory)))
            continue
        for pack in sorted(directory.glob("*.yaml")):
            try:
                sources.append((number, pack, pack.read_bytes()))
            except OSError as error:
                problems.append(diagnostic("DL007", f"rule pack cannot be read: {error}", str(pack)))
    return sources, problems


def _load(builtin: Path, sources: list[tuple[int, Path, bytes | None]]) -> tuple[Rulebook, list[Diagnostic]]:
    """Parse, validate and compile: the slow path, taken on a cache miss."""
    (_, _, schema_bytes), (_, _, words_bytes), *packs = sources
    schema = json.loads(schema_bytes.decode("utf-8"))
    rules: list[Rule] = []
    problems: list[Diagnostic] = []
    for _number, pack, data in packs:
        loaded, pack_problems = _load_pack(pack, schema, data)
        rules.extend(loaded)
        problems.extend(pack_problems)
    rules, clashes = _drop_duplicates(rules)
    rulebook = Rulebook.build(rules, _words(words_bytes.decode("utf-8")))
    from datalint.engine import compile_rules  # the engine imports this module

    compiled = rulebook._replace(compiled=compile_rules(rulebook))
    return compiled, problems + clashes


# ------------------------------------------------------------------ cache


def cache_dir() -> Path:
    """Where compiled rulebooks are kept: the user's datalint cache directory
    (``runcache.user_cache_directory``). Never the scanned project: a cache
    committed to a repository could otherwise hand a CI run rules that were
    never validated."""
    from datalint.runcache import user_cache_directory

    return Path(user_cache_directory())


def _cache_key(sources: list[tuple[int, Path, bytes | None]]) -> str:
    digest = blake2b(f"datalint {__version__} rulebook {CACHE_FORMAT}\0".encode(), digest_size=32)
    here = Path(__file__).parent
    for name in _COMPILER_FILES:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    for number, path, data in sources:
        digest.update(f"{number}\0{path.name}\0{len(data or b'')}\0".encode() + (data or b""))
    return digest.hexdigest()


def _cache_file(key: str) -> Path:
    return cache_dir() / f"rulebook-{key[:40]}.json"


def _read_cache(key: str) -> Rulebook | None:
    """The cached rulebook, or None on any miss, mismatch or damage."""
    import mmap

    try:
        with _cache_file(key).open("rb") as file:
            header = file.readline()
            data = json.loads(header)
            if data.get("format") != CACHE_FORMAT or data.get("key") != key:
                return None
            # The rest is mapped, not read: a small run touches a few pages of
            # the packed index, and the file is only ever replaced, never
            # rewritten in place (datalint.atomic), so the mapping stays whole.
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        start = len(header)
        end = start + data["terms"]
        if mapped[end : end + 1] != b"\n":
            return None  # truncated
        data["compiled"]["blob"] = memoryview(mapped)[end + 1 :]
        return _from_cached(data, _Terms(memoryview(mapped)[start:end]))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


class _Terms:
    """The ``match`` and ``unless`` sections of every cached rule, as one
    JSON line parsed on first use. A run from the cache matches through the
    compiled index and never reads them, and they are four fifths of the
    rules' text: parsing them cost a one-file run ~8 ms."""

    def __init__(self, raw: memoryview | bytes) -> None:
        self._raw = raw
        self._parsed: list[dict[str, Any]] | None = None

    def section(self, rule: int, name: str) -> dict[str, Any]:
        if self._parsed is None:
            self._parsed = json.loads(bytes(self._raw))
        return self._parsed[rule][name]


class _Section(Mapping):
    """One rule's ``match`` or ``unless``, read from ``_Terms`` when first
    looked at; equal to the dict it stands for."""

    __slots__ = ("_terms", "_rule", "_name")

    def __init__(self, terms: _Terms, rule: int, name: str) -> None:
        self._terms, self._rule, self._name = terms, rule, name

    def __getitem__(self, key: str) -> Any:
        return self._terms.section(self._rule, self._name)[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._terms.section(self._rule, self._name))

    def __len__(self) -> int:
        return len(self._terms.section(self._rule, self._name))

    def __repr__(self) -> str:
        return repr(self._terms.section(self._rule, self._name))


_DEFERRED = ("match", "unless")


def _from_cached(data: dict[str, Any], terms: _Terms) -> Rulebook:
    rules = tuple(
        Rule(
            **{**entry, "cautions": tuple(entry["cautions"]), "references": tuple(entry["references"])},
            **{name: _Section(terms, number, name) for name in _DEFERRED},
        )
        for number, entry in enumerate(data["rules"])
    )
    by_id = {r.code: r for r in rules} | {r.name: r for r in rules}
    blob = data["compiled"].get("blob")
    start, length = data["pieces"]
    pieces = blob[start : start + length] if blob is not None else None
    return Rulebook(rules, Vocabulary(data["words"], data["short"], pieces), by_id, data["compiled"])


def _write_cache(key: str, rulebook: Rulebook) -> None:
    """Best effort and safe under concurrent runs: the file is written
    beside its final name and renamed over it in one step, and two runs
    with the same key write the same bytes. The file is a line of JSON
    (rules without their terms, vocabulary, the index's layout), a line of
    the rules' ``match``/``unless`` sections (``_Terms``), then the packed
    index (``datalint.engine.pack_index``), decoded only where a run needs
    it, and the vocabulary's piece map (``Vocabulary.pack_pieces``),
    decoded only by a run that segments many glued words."""
    entries = [rule._asdict() for rule in rulebook.rules]
    sections = [{name: entry.pop(name) for name in _DEFERRED} for entry in entries]
    payload = {
        "format": CACHE_FORMAT,
        "key": key,
        "rules": entries,
        "words": sorted(rulebook.vocabulary.words),
        "short": sorted(rulebook.vocabulary.short_pieces),
        "compiled": None,
        "terms": 0,
        "pieces": [0, 0],
    }
    try:
        from datalint.engine import pack_index

        payload["compiled"], blob = pack_index(rulebook.compiled or {})
        pieces = rulebook.vocabulary.pack_pieces()  # after the index: the engine's offsets stay as they are
        payload["pieces"] = [len(blob.encode("utf-8")), len(pieces.encode("utf-8"))]
        terms = json.dumps(sections, ensure_ascii=False, separators=(",", ":"))
        payload["terms"] = len(terms.encode())
        header = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        if _from_cached(json.loads(header), _Terms(terms.encode())).rules != rulebook.rules:
            return  # something in a pack (a YAML date, say) does not survive JSON: stay uncached
        from datalint.atomic import write_atomic

        target = _cache_file(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, f"{header}\n{terms}\n{blob}{pieces}")
        _prune(target)
    except (OSError, TypeError, ValueError):
        pass


def _prune(kept: Path) -> None:
    """Keep the newest few compiled rulebooks (several rule sets may be in
    use on one machine), so the cache does not grow with every edit."""
    try:
        others = sorted(
            (entry for entry in kept.parent.glob("rulebook-*.json") if entry != kept),
            key=lambda entry: entry.stat().st_mtime,
            reverse=True,
        )
        for stale in others[_KEPT_CACHE_FILES - 1 :]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass


def _words(text: str) -> list[str]:
    return [word for line in text.splitlines() if not line.startswith("#") for word in line.split()]


def _load_pack(path: Path, schema: dict[str, Any], raw: bytes | None = None) -> tuple[list[Rule], list[Diagnostic]]:
    """Custom packs are as untrusted as schemas, so they go through the same
    bounded YAML reader: alias bombs, deep nesting and ``!!python`` tags are
    refused with a position, never expanded or constructed."""
    from datalint.sources.documents import DocumentError, parse_yaml  # deferred: only a cache miss parses YAML

    display = str(path)
    try:
        documents = parse_yaml((raw if raw is not None else path.read_bytes()).decode("utf-8-sig"))
    except DocumentError as error:
        return [], [diagnostic("DL007", f"rule pack cannot be read: {error.message}", display, error.line, error.column)]
    except (OSError, UnicodeDecodeError) as error:
        return [], [diagnostic("DL007", f"rule pack cannot be read: {error}", display)]
    if len(documents) > 1:
        return [], [diagnostic("DL007", "rule pack holds more than one YAML document", display)]
    data = documents[0].data if documents else None
    problems = validate_pack(data, schema) or _bad_patterns(data)
    if problems:
        return [], [diagnostic("DL007", problem, display) for problem in problems]
    return [_rule(entry, path.name) for entry in data["rules"]], []


def _bad_patterns(data: dict[str, Any]) -> list[str]:
    """Rule regexes that do not compile: found at load time, not on the
    first field that has a ``pattern``."""
    import regex

    problems = []
    for number, entry in enumerate(data["rules"]):
        match = entry.get("match", {})
        clauses = [("match", match), ("unless", entry.get("unless", {}))]
        clauses += [(f"match.all[{index}]", clause) for index, clause in enumerate(match.get("all", ()))]
        for where, clause in clauses:
            for pattern in clause.get("pattern", ()):
                try:
                    regex.compile(pattern)
                except regex.error as error:
                    problems.append(f"at rules[{number}].{where}.pattern: {pattern!r} is not a valid regular expression: {error}")
    return problems


def validate_pack(data: Any, schema: dict[str, Any]) -> list[str]:
    """Schema errors as ``at rules[3].match.nmae: ...`` messages that name
    the offending key, best match first."""
    import jsonschema  # deferred: costs ~9x interpreter start-up
    from jsonschema_specifications import REGISTRY  # offline: the default registry fetches unknown $refs

    validator = jsonschema.Draft202012Validator(schema, registry=REGISTRY)
    messages = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        messages.append(f"at {where.lstrip('.') or 'top level'}: {error.message}")
    return messages


def _rule(entry: dict[str, Any], pack: str) -> Rule:
    return Rule(
        code=entry["code"],
        name=entry["name"],
        category=entry["category"],
        severity=entry["severity"],
        summary=entry["summary"],
        why=entry["why"].strip(),
        cautions=tuple(entry["cautions"]),
        instead=entry["instead"].strip(),
        references=tuple(entry.get("references", ())),
        match=entry.get("match", {}),
        unless=entry.get("unless", {}),
        examples=entry["examples"],
        pack=pack,
        graph=entry.get("graph", {}),
    )


def _drop_duplicates(rules: list[Rule]) -> tuple[list[Rule], list[Diagnostic]]:
    """A code or name used twice would make suppressions ambiguous."""
    seen: dict[str, Rule] = {}
    kept, problems = [], []
    for rule in rules:
        clash = seen.get(rule.code) or seen.get(rule.name)
        if clash:
            problems.append(
                diagnostic("DL007", f"rule {rule.code} ({rule.name}) clashes with {clash.code} ({clash.name}) from {clash.pack}", rule.pack)
            )
            continue
        seen[rule.code] = seen[rule.name] = rule
        kept.append(rule)
    return kept, problems
