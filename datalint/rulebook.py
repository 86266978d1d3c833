"""Loading rule packs: YAML files validated against ``rule.schema.json``.

Rules are data so that reviewers, advocates and platform teams can read,
audit and extend the vocabulary without reading Python. The schema is strict
(``additionalProperties: false``): a misspelt key in a custom pack must fail
loudly rather than silently disable a rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import product
from pathlib import Path
from typing import Any

import yaml

from datalint.diagnostics import diagnostic
from datalint.matching import Vocabulary, split_words
from datalint.model import Diagnostic

SCHEMA_FILE = "rule.schema.json"
VOCABULARY_FILE = "words.txt"


@dataclass(frozen=True, slots=True)
class Rule:
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


@dataclass(frozen=True)
class Rulebook:
    rules: tuple[Rule, ...]
    vocabulary: Vocabulary
    _by_id: dict[str, Rule] = field(default_factory=dict, repr=False)

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
        return self._by_id.get(code_or_name) or self._by_id.get(code_or_name.upper())


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


def _data_dir(name: str) -> Path:
    """A top-level data folder (``rules``, ``seeds``): shipped in the wheel as
    ``datalint/_<name>``, or the repository's own folder in a source checkout."""
    packaged = resources.files("datalint") / f"_{name}"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / name


def builtin_rules_dir() -> Path:
    return _data_dir("rules")


def load_cautions() -> dict[str, str]:
    """Caution id -> title, from the seeds digest that rules cite."""
    entries = yaml.safe_load((_data_dir("seeds") / "cautions.yaml").read_text(encoding="utf-8"))
    return {entry["id"]: entry["title"] for entry in entries}


def load_rulebook(extra_dirs: Sequence[Path] = ()) -> tuple[Rulebook, list[Diagnostic]]:
    """Load the built-in packs and any custom pack directories.

    Broken packs become DL007 diagnostics (the run exits 2) while the rules
    that did load still run, so one typo does not silence the whole linter.
    """
    builtin = builtin_rules_dir()
    schema = json.loads((builtin / SCHEMA_FILE).read_text(encoding="utf-8"))
    rules: list[Rule] = []
    problems: list[Diagnostic] = []
    for directory in (builtin, *extra_dirs):
        if not directory.is_dir():
            problems.append(diagnostic("DL007", "rule directory not found", str(directory)))
            continue
        for pack in sorted(directory.glob("*.yaml")):
            loaded, pack_problems = _load_pack(pack, schema)
            rules.extend(loaded)
            problems.extend(pack_problems)
    rules, clashes = _drop_duplicates(rules)
    words = _read_words(builtin / VOCABULARY_FILE)
    return Rulebook.build(rules, words), problems + clashes


def _read_words(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [word for line in lines if not line.startswith("#") for word in line.split()]


def _load_pack(path: Path, schema: dict[str, Any]) -> tuple[list[Rule], list[Diagnostic]]:
    display = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        return [], [diagnostic("DL007", f"rule pack is not valid YAML: {error.problem}", display, line, column)]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return [], [diagnostic("DL007", f"rule pack cannot be read: {error}", display)]
    problems = validate_pack(data, schema)
    if problems:
        return [], [diagnostic("DL007", problem, display) for problem in problems]
    return [_rule(entry, path.name) for entry in data["rules"]], []


def validate_pack(data: Any, schema: dict[str, Any]) -> list[str]:
    """Schema errors as ``at rules[3].match.nmae: ...`` messages that name
    the offending key, best match first."""
    import jsonschema  # deferred: costs ~9x interpreter start-up

    validator = jsonschema.Draft202012Validator(schema)
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
        match=entry["match"],
        unless=entry.get("unless", {}),
        examples=entry["examples"],
        pack=pack,
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
