"""The rule engine: fields in, findings out. No I/O, no knowledge of formats.

Terms of every rule are compiled into one index per evidence source, keyed by
their separator-free spelling, so matching a field costs a handful of dict
look-ups per token run whatever the number of rules.

The compiled index is plain data (``compile_rules``), so the rulebook cache
can store it and a run can start without tokenising thousands of terms. What
each distinct text hits is cached per source: schemas repeat their names,
descriptions and enclosing objects far more often than they vary.

A key is compiled on its first hit into a ``_Unit`` that also knows what it
decides on its own. Most fields hit through their name alone, so their
verdict is usually one unit's, ready-made; only fields hit through several
sources are judged entry by entry (and cached by the units they hit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any

from datalint.matching import MAX_TERM_TOKENS, term_key
from datalint.model import Evidence, Field, Finding
from datalint.rulebook import Rule, Rulebook, expand_terms

#: Clause numbers inside a rule: top-level alternatives, and the veto list.
ANY = -1
UNLESS = -2

#: (source, Field attribute, whether it holds several texts), in evidence order.
_PARTS = (
    ("name", "name", False),
    ("container", "context", True),
    ("description", "description", False),
    ("enum", "enum", True),
    ("references", "references", False),
    ("format", "format", True),
    ("type", "type", False),
)
TERM_SOURCES = tuple(source for source, _attribute, _many in _PARTS)

#: Seconds one rule regex may search one field's pattern before the field is
#: reported as not fully checked (catastrophic backtracking in a custom rule).
PATTERN_TIMEOUT = 1.0

#: One index entry: (rule number, clause number, source, term as written).
Entry = tuple[int, int, str, str]
#: Distinct texts (or combinations of hits) each cache holds before it starts
#: again from empty.
_CACHE_LIMIT = 100_000
#: Texts of more tokens than this (prose) have their runs pruned by ``_heads``.
_SHORT_TEXT = 8
#: Between packed entries, and between keys and entries (``pack_index``):
#: ASCII, so JSON keeps the buckets one-byte strings (fast to parse), and
#: never in a term; a rule set that used them would simply not be cached.
_SEPARATOR = "\n"
_RECORD = "\t"
#: Packed keys are grouped by this many leading letters.
_BUCKET = 4
#: Buckets unpacked one by one before the engine unpacks all of them.
_LAZY_BUCKETS = 1024
#: Short texts looked up while buckets are pending before the engine unpacks
#: all of them: a large run repays the ~20 ms at once, and from then on a run
#: that is no key costs one look-up.
_LAZY_TEXTS = 10_000


class PatternTimeout(Exception):
    """A rule regex ran past PATTERN_TIMEOUT on a field: a failure to check
    it, never a "no match"."""

    def __init__(self, rules: tuple[Rule, ...], findings: list[Finding]) -> None:
        super().__init__(", ".join(rule.code for rule in rules))
        self.rules = rules
        self.findings = findings
        """What the other rules found on the field."""


def compile_rules(rulebook: Rulebook) -> dict[str, Any]:
    """The rules as JSON-compatible data: for each source, term key -> the
    ``[rule, clause, term]`` entries it fires; the regexes; and the sources
    each ``all`` clause requires. Rule numbers index ``rulebook.rules``."""
    tokens = rulebook.vocabulary.tokens
    index: dict[str, dict[str, list[list[Any]]]] = {source: {} for source in TERM_SOURCES}
    patterns: list[list[Any]] = []
    required: list[list[Any]] = []

    def add(rule: int, clause: int, sources: dict[str, Any]) -> None:
        for source, terms in sources.items():
            if source == "all":
                continue
            if source == "pattern":
                patterns.extend([rule, clause, pattern] for pattern in terms)
                continue
            for term in expand_terms(terms):
                index[source].setdefault(term_key(tokens(term)), []).append([rule, clause, term])

    for number, rule in enumerate(rulebook.rules):
        add(number, ANY, rule.match)
        add(number, UNLESS, rule.unless)
        for clause_number, clause in enumerate(rule.match.get("all", ())):
            add(number, clause_number, clause)
            required.append([number, clause_number, sorted(clause)])
    return {"index": index, "patterns": patterns, "required": required}


def pack_index(compiled: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``compiled`` packed for the rulebook cache, as (header, blob). Per
    source, keys are grouped by their first four letters into buckets, each
    one string of ``key TAB entries TAB key TAB entries ...`` (entries
    ``rule,clause,term`` joined by newlines) stored in the blob; the header
    gives each bucket's byte offset and length in the blob's UTF-8. A run
    reads the blob and decodes only the buckets its texts reach: a small
    file never builds the tens of thousands of keys term products create."""
    parts: list[bytes] = []
    offset = 0
    buckets: dict[str, dict[str, list[int]]] = {}
    for source, keys in compiled["index"].items():
        grouped: dict[str, list[str]] = {}
        for key, entries in keys.items():
            if any(_SEPARATOR in text or _RECORD in text for text in (key, *(term for _rule, _clause, term in entries))):
                raise ValueError("a term holds a separator of the packed index")
            grouped.setdefault(key[:_BUCKET], []).extend(
                (key, _SEPARATOR.join(f"{rule},{clause},{term}" for rule, clause, term in entries))
            )
        heads = buckets.setdefault(source, {})
        for head, items in grouped.items():
            data = _RECORD.join(items).encode("utf-8")
            heads[head] = [offset, len(data)]
            parts.append(data)
            offset += len(data)
    header = {"buckets": buckets, "patterns": compiled["patterns"], "required": compiled["required"]}
    return header, b"".join(parts).decode("utf-8")


# Syntax where the ``regex`` module and ``re`` read a pattern differently
# (POSIX classes, Unicode properties, version flags, ...): no prefilter then.
_REGEX_ONLY = re.compile(r"\[:|\\[pPNXGKLQEmMuUxo0-9]|\(\?[^:<=!]|\(\?<[^=!]|\[\[|\{[^}]*\}\{")


def required_literals(term: str) -> tuple[str, ...] | None:
    """Strings every match of the regex ``term`` must contain: the runs of
    plain characters in its top-level sequence (outside any group,
    alternative or repetition). None when that cannot be said for sure
    (case-insensitive flags, syntax only the ``regex`` module knows), in
    which case the regex is always run."""
    if _REGEX_ONLY.search(term):
        return None
    try:
        from re import _constants, _parser  # the parser of ``re`` (3.11+); ``regex`` reads this syntax alike

        parsed = _parser.parse(term)
    except Exception:  # noqa: BLE001 - anything unusual: no prefilter
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    runs, current = [], []
    for op, value in parsed:
        if op is _constants.LITERAL:
            current.append(chr(value))
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return tuple(runs)


def _unpack(raw: Any, source: str) -> tuple[Entry, ...]:
    if type(raw) is str:
        entries = []
        for item in raw.split(_SEPARATOR):
            rule, clause, term = item.split(",", 2)
            entries.append((int(rule), int(clause), source, term))
        return tuple(entries)
    return tuple((rule, clause, source, term) for rule, clause, term in raw)


Verdict = list[tuple[int, tuple[Evidence, ...]]]
"""(rule number, evidence) of every rule that fires, in rule order."""


class _Unit:
    """One term key of one source, compiled on its first hit: its index
    entries, and what it decides when no other source hit (the rules it
    vetoes; the evidence it fires alone, from ``any`` terms and ``all``
    clauses that need only its source). Most fields hit through their name
    alone, so most verdicts are this, or a merge of a few of these."""

    __slots__ = ("entries", "vetoes", "firing", "fired", "decides", "verdict")

    def __init__(self, entries: tuple[Entry, ...], required: dict[tuple[int, int], frozenset[str]]) -> None:
        vetoes: set[int] = set()
        firing = []
        for rule, clause, source, term in entries:
            if clause == UNLESS:
                vetoes.add(rule)
            elif clause == ANY or required[(rule, clause)] <= {source}:
                firing.append((rule, (source, term), Evidence(source, term)))
        self.entries = entries
        self.vetoes = frozenset(vetoes)
        self.firing = tuple(firing)
        self.fired = frozenset(rule for rule, _pair, _evidence in firing)
        self.decides = bool(vetoes or firing)
        """Whether the unit changes a one-source verdict at all."""
        self.verdict = _merge((self,))


_NO_UNITS: tuple[_Unit, ...] = ()


def _merge(units: Sequence[_Unit]) -> Verdict:
    """The verdict of units that all come from one source: the evidence
    they fire, minus every rule one of them vetoes."""
    vetoed: set[int] = set()
    for unit in units:
        vetoed |= unit.vetoes
    by_rule: dict[int, dict[tuple[str, str], Evidence]] = {}
    for unit in units:
        for rule, pair, evidence in unit.firing:
            if rule not in vetoed:
                seen = by_rule.get(rule)
                if seen is None:
                    by_rule[rule] = {pair: evidence}
                elif pair not in seen:
                    seen[pair] = evidence
    return [(rule, tuple(by_rule[rule].values())) for rule in sorted(by_rule)]


_VALUES = attrgetter(*(attribute for _source, attribute, _many in _PARTS))


class Engine:
    """Rules compiled for matching. Build once per run; ``evaluate`` is pure
    (its caches only remember answers)."""

    def __init__(self, rulebook: Rulebook):
        self.rules = rulebook.rules
        self.rulebook_key = rulebook.key
        """What the result cache keys on (None: the packs did not load cleanly)."""
        self.vocabulary = rulebook.vocabulary
        """For graph rules (``datalint.linkage``), which match a few names the same way."""
        self._split = rulebook.vocabulary.split
        compiled = rulebook.compiled if rulebook.compiled is not None else compile_rules(rulebook)
        # Own copies: packed buckets are unpacked into the index when a text
        # first reaches one; entries (lists, or strings from the cache) are
        # compiled into a _Unit on their first hit.
        if "buckets" in compiled:
            self._index: dict[str, dict[str, Any]] = {s: {} for s in TERM_SOURCES}
            self._pending = {s: dict(compiled["buckets"].get(s, {})) for s in TERM_SOURCES}
        else:
            self._index = {s: dict(compiled["index"].get(s, {})) for s in TERM_SOURCES}
            self._pending = {s: {} for s in TERM_SOURCES}
        self._unpacked = 0
        self._walked = 0
        self._blob = compiled.get("blob", b"")
        self._pattern_entries: list[list[Any]] = compiled["patterns"]
        # [entry, literals it requires, compiled regex or None until needed]
        self._patterns: list[list[Any]] | None = None
        self._required: dict[tuple[int, int], frozenset[str]] = {
            (rule, clause): frozenset(sources) for rule, clause, sources in compiled["required"]
        }
        self._has_terms = {source: bool(self._index[source] or self._pending[source]) for source in TERM_SOURCES}
        # The units each distinct text (or tuple of texts) hits, per source.
        self._cache: dict[str, dict[Any, tuple[_Unit, ...]]] = {source: {} for source in TERM_SOURCES}
        self._sources = tuple((source, many, self._cache[source]) for source, _attribute, many in _PARTS)
        # Verdicts of combinations of units: several deciding units of one
        # source, and the hits of several sources.
        self._merged: dict[tuple[_Unit, ...], Verdict] = {}
        self._verdicts: dict[tuple[_Unit, ...], Verdict] = {}
        # The first letters of every key (all keys when shorter): a run of
        # prose whose first letters are none of them cannot grow into a key.
        self._heads = {
            source: frozenset(self._pending[source]) | frozenset(key[:_BUCKET] for key in self._index[source])
            for source in TERM_SOURCES
        }

    # ------------------------------------------------------------- lookups

    def _text_hits(self, source: str, text: str) -> tuple[_Unit, ...]:
        """The units whose key a contiguous run of ``text``'s tokens spells,
        in order of their first run."""
        cache = self._cache[source]
        units = cache.get(text)
        if units is None:
            units = self._runs(source, self._split(text)) if self._has_terms[source] else _NO_UNITS
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[text] = units
        return units

    def _runs(self, source: str, tokens: tuple[str, ...]) -> tuple[_Unit, ...]:
        """The units of every key among the runs of ``tokens``, unpacking
        buckets and compiling keys on their first hit; prose stops a run
        once no key starts with its first letters."""
        index, pending = self._index[source], self._pending[source]
        heads = self._heads[source] if len(tokens) > _SHORT_TEXT else None
        if pending and heads is None:
            self._walked += 1
            if self._walked > _LAZY_TEXTS:
                self._unpack_all(source)
        found: list[_Unit] = []
        for start in range(len(tokens)):
            glued = ""
            for token in tokens[start : start + MAX_TERM_TOKENS]:
                glued += token
                unit = index.get(glued)
                if unit is None:
                    if heads is not None and len(glued) >= _BUCKET and glued[:_BUCKET] not in heads:
                        break
                    if not (pending and glued[:_BUCKET] in pending and self._unpack(source, glued)):
                        continue
                    unit = index[glued]
                if type(unit) is not _Unit:
                    unit = index[glued] = _Unit(_unpack(unit, source), self._required)
                if unit not in found:
                    found.append(unit)
        return tuple(found) if found else _NO_UNITS

    def _unpack(self, source: str, glued: str) -> bool:
        """Unpack the bucket ``glued`` falls in; whether ``glued`` is a key."""
        self._unpacked += 1
        if self._unpacked > _LAZY_BUCKETS:  # a large run: unpack the rest at once
            self._unpack_all(source)
        else:
            start, length = self._pending[source].pop(glued[:_BUCKET])
            items = str(self._blob[start : start + length], "utf-8").split(_RECORD)
            self._index[source].update(zip(items[0::2], items[1::2]))
        return glued in self._index[source]

    def _unpack_all(self, source: str) -> None:
        pending, index = self._pending[source], self._index[source]
        for start, length in pending.values():
            items = str(self._blob[start : start + length], "utf-8").split(_RECORD)
            index.update(zip(items[0::2], items[1::2]))
        pending.clear()

    def _texts_hits(self, source: str, texts: tuple[str, ...]) -> tuple[_Unit, ...]:
        """The same for a tuple of texts (enclosing names, enum values),
        cached as a whole: a table's columns all share one context."""
        cache = self._cache[source]
        units = cache.get(texts)
        if units is None:
            units = tuple(unit for text in texts for unit in self._text_hits(source, text))
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[texts] = units
        return units

    def _pattern_hits(self, pattern: str) -> tuple[list[Entry], list[Entry]]:
        """(entries whose regex matches ``pattern``, entries whose regex ran
        out of time). Rule regexes may come from custom packs and schemas'
        patterns from anyone, so each search has a deadline. A regex is
        only compiled (and ``regex`` only imported) once a field's pattern
        holds every literal the regex requires."""
        if self._patterns is None:
            self._patterns = [
                [(rule, clause, "pattern", term), required_literals(term), None] for rule, clause, term in self._pattern_entries
            ]
        hits, slow = [], []
        for item in self._patterns:
            entry, required, compiled = item
            if required is not None and not all(literal in pattern for literal in required):
                continue  # cannot match: no need to run, or even compile, the regex
            if compiled is None:
                import regex  # deferred: ~7 ms to import, and most runs never get here

                compiled = item[2] = regex.compile(entry[3])
            try:
                if compiled.search(pattern, timeout=PATTERN_TIMEOUT):
                    hits.append(entry)
            except TimeoutError:
                slow.append(entry)
        return hits, slow

    def _parts(self, field: Field) -> list[tuple[_Unit, ...]]:
        """The units each part of the field hits, for the parts that hit
        something, in evidence order."""
        parts = []
        for (source, many, cache), value in zip(self._sources, _VALUES(field)):
            if value:
                units = cache.get(value)
                if units is None:
                    units = (self._texts_hits if many else self._text_hits)(source, value)
                if units:
                    parts.append(units)
        return parts

    # ------------------------------------------------------------- findings

    def evaluate(self, field: Field) -> list[Finding]:
        """Findings for one field, in rule-code order. Raises PatternTimeout
        (with the other rules' findings) when a rule regex ran out of time."""
        parts = self._parts(field)
        if field.pattern and self._pattern_entries:
            matched, slow = self._pattern_hits(field.pattern)
            if matched or slow:
                hits = [entry for units in parts for unit in units for entry in unit.entries] + matched
                if slow:
                    rules = tuple({entry[0]: self.rules[entry[0]] for entry in slow}.values())
                    raise PatternTimeout(rules, self._findings(field, hits))
                return self._findings(field, hits)
        if not parts:
            return []
        verdict = self._one_source(parts[0]) if len(parts) == 1 else self._several_sources(parts)
        rules = self.rules
        return [_finding(rules[number], field, evidence) for number, evidence in verdict]

    def _findings(self, field: Field, hits: list[Entry]) -> list[Finding]:
        return [_finding(self.rules[number], field, evidence) for number, evidence in self._verdict(hits)]

    def _one_source(self, units: tuple[_Unit, ...]) -> Verdict:
        """``_verdict`` for units of one source, from what each decides
        alone. Usually one unit fires and no other vetoes what it fires:
        its own verdict is the answer; else the deciding units are merged."""
        firing = None
        several = False
        vetoed: frozenset[int] = frozenset()
        for unit in units:
            if unit.firing:
                if firing is not None:
                    several = True
                firing = unit
            if unit.vetoes:
                vetoed |= unit.vetoes
        if firing is None:
            return []
        if not several and vetoed.isdisjoint(firing.fired):
            return firing.verdict
        key = tuple([unit for unit in units if unit.decides])
        verdict = self._merged.get(key)
        if verdict is None:
            if len(self._merged) >= _CACHE_LIMIT:
                self._merged.clear()
            verdict = self._merged[key] = _merge(key)
        return verdict

    def _several_sources(self, parts: list[tuple[_Unit, ...]]) -> Verdict:
        """``_verdict`` for the units of several sources, cached by the
        units (each belongs to one source, so their sequence says which
        source hit which keys)."""
        key = tuple(unit for units in parts for unit in units)
        verdict = self._verdicts.get(key)
        if verdict is None:
            if len(self._verdicts) >= _CACHE_LIMIT:
                self._verdicts.clear()
            verdict = self._verdicts[key] = self._verdict(entry for unit in key for entry in unit.entries)
        return verdict

    def _verdict(self, hits: Iterable[Entry]) -> Verdict:
        """(rule number, evidence) of every rule the hits fire, in rule order."""
        by_rule: dict[int, list[Entry]] = {}
        for entry in hits:
            group = by_rule.get(entry[0])
            if group is None:
                by_rule[entry[0]] = [entry]
            else:
                group.append(entry)
        verdict = []
        for number in sorted(by_rule):
            evidence = self._evidence(number, by_rule[number])
            if evidence:
                verdict.append((number, evidence))
        return verdict

    def evaluate_all(self, fields: Iterable[Field]) -> list[Finding]:
        evaluate = self.evaluate
        return [finding for field in fields for finding in evaluate(field)]

    def _evidence(self, rule: int, entries: list[Entry]) -> tuple[Evidence, ...]:
        """The evidence that fires the rule, or nothing when a veto matched
        or no alternative is complete."""
        fired = {ANY}
        clauses: dict[int, set[str]] = {}
        for _rule, clause, source, _term in entries:
            if clause >= 0:
                sources = clauses.get(clause)
                if sources is None:
                    clauses[clause] = {source}
                else:
                    sources.add(source)
            elif clause == UNLESS:
                return ()
        for clause, sources in clauses.items():
            if sources >= self._required[(rule, clause)]:
                fired.add(clause)
        seen: dict[tuple[str, str], None] = {}
        for _rule, clause, source, term in entries:
            if clause in fired:
                seen[(source, term)] = None
        return tuple([Evidence(source, term) for source, term in seen])


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
