"""The rule engine: fields in, findings out. No I/O, no knowledge of formats.

Terms of every rule are compiled into one index per evidence source, keyed by
their separator-free spelling, so matching a field costs a handful of dict
look-ups per token run whatever the number of rules.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from datalint.matching import run_keys, term_key
from datalint.model import Evidence, Field, Finding
from datalint.rulebook import Rule, Rulebook, expand_terms

#: Clause numbers inside a rule: top-level alternatives, and the veto list.
ANY = -1
UNLESS = -2

TERM_SOURCES = ("name", "container", "description", "enum", "references", "format", "type")


@dataclass(frozen=True, slots=True)
class _Entry:
    rule: int
    clause: int
    source: str
    term: str


class Engine:
    """Rules compiled for matching. Build once per run; ``evaluate`` is pure."""

    def __init__(self, rulebook: Rulebook):
        self.rules = rulebook.rules
        self._tokens = rulebook.vocabulary.tokens
        self._index: dict[str, dict[str, list[_Entry]]] = {s: defaultdict(list) for s in TERM_SOURCES}
        self._patterns: list[tuple[_Entry, re.Pattern[str]]] = []
        self._required: dict[tuple[int, int], frozenset[str]] = {}
        self._keys = lru_cache(maxsize=131072)(self._uncached_keys)
        for number, rule in enumerate(self.rules):
            self._add(number, ANY, rule.match)
            self._add(number, UNLESS, rule.unless)
            for clause_number, clause in enumerate(rule.match.get("all", ())):
                self._add(number, clause_number, clause)
                self._required[(number, clause_number)] = frozenset(clause)

    def _add(self, rule: int, clause: int, sources: dict) -> None:
        for source, terms in sources.items():
            if source == "all":
                continue
            if source == "pattern":
                self._patterns.extend((_Entry(rule, clause, source, p), re.compile(p)) for p in terms)
                continue
            for term in expand_terms(terms):
                self._index[source][term_key(self._tokens(term))].append(_Entry(rule, clause, source, term))

    def _uncached_keys(self, text: str) -> frozenset[str]:
        return frozenset(run_keys(self._tokens(text)))

    def _texts(self, field: Field) -> Iterable[tuple[str, Iterable[str]]]:
        yield "name", (field.name,)
        yield "container", field.context
        yield "description", (field.description,) if field.description else ()
        yield "enum", field.enum
        yield "references", (field.references,) if field.references else ()
        yield "format", field.format
        yield "type", (field.type,) if field.type else ()

    def _hits(self, field: Field) -> list[_Entry]:
        hits = []
        for source, texts in self._texts(field):
            index = self._index[source]
            if not index:
                continue
            for text in texts:
                for key in self._keys(text):
                    entries = index.get(key)
                    if entries:
                        hits.extend(entries)
        if field.pattern:
            hits.extend(entry for entry, regex in self._patterns if regex.search(field.pattern))
        return hits

    def evaluate(self, field: Field) -> list[Finding]:
        """Findings for one field, in rule-code order."""
        by_rule: dict[int, list[_Entry]] = defaultdict(list)
        for entry in self._hits(field):
            by_rule[entry.rule].append(entry)
        findings = []
        for number in sorted(by_rule):
            evidence = self._evidence(number, by_rule[number])
            if evidence:
                findings.append(_finding(self.rules[number], field, evidence))
        return findings

    def evaluate_all(self, fields: Iterable[Field]) -> list[Finding]:
        return [finding for field in fields for finding in self.evaluate(field)]

    def _evidence(self, rule: int, entries: list[_Entry]) -> tuple[Evidence, ...]:
        """The evidence that fires the rule, or nothing when a veto matched
        or no alternative is complete."""
        if any(e.clause == UNLESS for e in entries):
            return ()
        sources_by_clause: dict[int, set[str]] = defaultdict(set)
        for entry in entries:
            sources_by_clause[entry.clause].add(entry.source)
        fired = {ANY} | {c for c, s in sources_by_clause.items() if c >= 0 and s >= self._required[(rule, c)]}
        seen: dict[tuple[str, str], None] = {}
        for entry in entries:
            if entry.clause in fired:
                seen.setdefault((entry.source, entry.term))
        return tuple(Evidence(source, term) for source, term in seen)


def _finding(rule: Rule, field: Field, evidence: tuple[Evidence, ...]) -> Finding:
    return Finding(
        code=rule.code,
        rule_name=rule.name,
        category=rule.category,
        severity=rule.severity,  # type: ignore[arg-type]
        message=rule.summary,
        field=field,
        evidence=evidence,
    )


def evaluate(fields: Iterable[Field], rulebook: Rulebook | Engine) -> list[Finding]:
    """Findings for many fields. Accepts a prebuilt Engine to reuse its caches."""
    engine = rulebook if isinstance(rulebook, Engine) else Engine(rulebook)
    return engine.evaluate_all(fields)
