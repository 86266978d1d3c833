"""The rule engine: fields in, findings out. No I/O, no knowledge of formats.

Terms of every rule are compiled into one index per evidence source, keyed by
their separator-free spelling, so matching a field costs a handful of dict
look-ups per token run whatever the number of rules.

The compiled index is plain data (``compile_rules``), so the rulebook cache
can store it and a run can start without tokenising thousands of terms. What
each distinct text hits is cached per source: schemas repeat their names,
descriptions and enclosing objects far more often than they vary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import accumulate
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
_NO_HITS: tuple[Entry, ...] = ()
#: Distinct texts each per-source cache holds before it starts again from empty.
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
        # Own copies: entries (lists, or strings from the cache) are turned
        # into Entry tuples on their first hit; packed buckets are unpacked
        # into the index when a text first reaches one.
        if "buckets" in compiled:
            self._index: dict[str, dict[str, Any]] = {s: {} for s in TERM_SOURCES}
            self._pending = {s: dict(compiled["buckets"].get(s, {})) for s in TERM_SOURCES}
        else:
            self._index = {s: dict(compiled["index"].get(s, {})) for s in TERM_SOURCES}
            self._pending = {s: {} for s in TERM_SOURCES}
        self._unpacked = 0
        self._blob = compiled.get("blob", b"")
        self._pattern_entries: list[list[Any]] = compiled["patterns"]
        # [entry, literals it requires, compiled regex or None until needed]
        self._patterns: list[list[Any]] | None = None
        self._required: dict[tuple[int, int], frozenset[str]] = {
            (rule, clause): frozenset(sources) for rule, clause, sources in compiled["required"]
        }
        self._cache: dict[str, dict[Any, tuple[Entry, ...]]] = {source: {} for source in TERM_SOURCES}
        self._by_tokens: dict[str, dict[tuple[str, ...], tuple[Entry, ...]]] = {source: {} for source in TERM_SOURCES}
        # What a combination of interned hits decides, keyed by the hits'
        # identities: (rule number, evidence) pairs.
        self._verdicts: dict[Any, list[tuple[int, tuple[Evidence, ...]]]] = {}
        self._interned: dict[tuple[Any, ...], tuple[Entry, ...]] = {}
        # The index entries an interned tuple was made of, key by key (its
        # "units"), and what each unit decides on its own: see _one_source.
        self._units: dict[int, tuple[tuple[Entry, ...], ...]] = {}
        self._alone: dict[int, tuple[frozenset[int], tuple[tuple[int, str, str], ...]]] = {}
        # The first letters of every key (all keys when shorter): a run of
        # prose whose first letters are none of them cannot grow into a key.
        self._heads = {
            source: frozenset(self._pending[source]) | frozenset(key[:_BUCKET] for key in self._index[source])
            for source in TERM_SOURCES
        }

    # ------------------------------------------------------------- lookups

    def _text_hits(self, source: str, text: str) -> tuple[Entry, ...]:
        """Entries whose term a contiguous run of ``text``'s tokens spells."""
        cache = self._cache[source]
        hits = cache.get(text)
        if hits is not None:
            return hits
        index = self._index[source]
        pending = self._pending[source]
        if not index and not pending:
            return _NO_HITS
        # Spellings of one name (snake, camel, upper case) share their tokens.
        tokens = self._split(text)
        by_tokens = self._by_tokens[source]
        hits = by_tokens.get(tokens)
        if hits is None:
            keys: list[str] = []
            if len(tokens) <= _SHORT_TEXT:
                for start in range(len(tokens)):
                    for glued in accumulate(tokens[start : start + MAX_TERM_TOKENS]):
                        if (glued in index or (pending and glued[:_BUCKET] in pending and self._unpack(source, glued))) and glued not in keys:
                            keys.append(glued)
            else:  # prose: stop a run once no term key starts with its first letters
                heads = self._heads[source]
                for start in range(len(tokens)):
                    glued = ""
                    for token in tokens[start : start + MAX_TERM_TOKENS]:
                        glued += token
                        if len(glued) >= _BUCKET and glued[:_BUCKET] not in heads:
                            break
                        if (glued in index or (pending and glued[:_BUCKET] in pending and self._unpack(source, glued))) and glued not in keys:
                            keys.append(glued)
            hits = self._intern((source, *keys), source, keys) if keys else _NO_HITS
            if len(by_tokens) >= _CACHE_LIMIT:
                by_tokens.clear()
            by_tokens[tokens] = hits
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[text] = hits
        return hits

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

    def _intern(self, key: tuple[Any, ...], source: str, keys: list[str] | None, parts: list[tuple[Entry, ...]] = ()) -> tuple[Entry, ...]:
        """One shared tuple per distinct combination of hits, so that what a
        combination decides is worked out once (``_verdicts`` is keyed by
        the tuple's identity; see ``_forget``)."""
        hits = self._interned.get(key)
        if hits is None:
            units: list[tuple[Entry, ...]] = []
            index = self._index[source]
            for glued in keys or ():
                entries = index[glued]
                if type(entries) is not tuple:
                    entries = index[glued] = _unpack(entries, source)
                units.append(entries)
            for part in parts:
                units.extend(self._units[id(part)])
            hits = self._interned[key] = tuple(entry for unit in units for entry in unit)
            self._units[id(hits)] = tuple(units)
        return hits

    def _texts_hits(self, source: str, texts: tuple[str, ...]) -> tuple[Entry, ...]:
        """The same for a tuple of texts (enclosing names, enum values),
        cached as a whole: a table's columns all share one context."""
        cache = self._cache[source]
        hits = cache.get(texts)
        if hits is not None:
            return hits
        parts = [hits for text in texts if (hits := self._text_hits(source, text))]
        if not parts:
            hits = _NO_HITS
        elif len(parts) == 1:
            hits = parts[0]
        else:
            hits = self._intern((source, *map(id, parts)), source, None, parts)
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[texts] = hits
        return hits

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

    def _parts(self, field: Field) -> list[tuple[str, Any, tuple[Entry, ...]]]:
        """(source, text or texts, entries) for each part of the field that
        hits something."""
        parts = []
        for source, attribute, many in _PARTS:
            value = getattr(field, attribute)
            if value and (hits := (self._texts_hits if many else self._text_hits)(source, value)):
                parts.append((source, value, hits))
        return parts

    def _hits(self, field: Field) -> list[Entry]:
        return [entry for _source, _text, hits in self._parts(field) for entry in hits]

    # ------------------------------------------------------------- findings

    def evaluate(self, field: Field) -> list[Finding]:
        """Findings for one field, in rule-code order. Raises PatternTimeout
        (with the other rules' findings) when a rule regex ran out of time."""
        if len(self._interned) >= _CACHE_LIMIT:
            self._forget()
        parts = self._parts(field)
        if field.pattern and self._pattern_entries:
            matched, slow = self._pattern_hits(field.pattern)
            if slow:
                rules = tuple({entry[0]: self.rules[entry[0]] for entry in slow}.values())
                hits = [entry for _source, _text, part in parts for entry in part]
                raise PatternTimeout(rules, self._findings(field, hits + matched))
            if matched:
                parts.append(("pattern", field.pattern, tuple(matched)))
        if not parts:
            return []
        if len(parts) == 1:
            key: Any = id(parts[0][2])
        else:
            key = tuple([id(hits) for _source, _text, hits in parts])
        cacheable = parts[-1][0] != "pattern"  # pattern hits are not interned: their ids may be reused
        verdict = self._verdicts.get(key) if cacheable else None
        if verdict is None:
            if len(parts) == 1 and cacheable:
                verdict = self._one_source(self._units[key])
            else:
                verdict = self._verdict([entry for _source, _text, hits in parts for entry in hits])
            if cacheable:
                self._verdicts[key] = verdict
        rules = self.rules
        return [_finding(rules[number], field, evidence) for number, evidence in verdict]

    def _findings(self, field: Field, hits: list[Entry]) -> list[Finding]:
        return [_finding(self.rules[number], field, evidence) for number, evidence in self._verdict(hits)]

    def _forget(self) -> None:
        """Start the caches afresh (a bound on memory for huge runs). All at
        once, between fields: verdicts and units are keyed by the identity
        of interned tuples, which the text caches hold."""
        self._interned.clear()
        self._verdicts.clear()
        self._units.clear()
        for source in TERM_SOURCES:
            self._cache[source].clear()
            self._by_tokens[source].clear()

    def _one_source(self, units: tuple[tuple[Entry, ...], ...]) -> list[tuple[int, tuple[Evidence, ...]]]:
        """``_verdict`` for hits that all come from one source, from what
        each unit (one key's entries) decides alone: which rules it vetoes,
        and which entries fire without another source (``any`` terms, and
        ``all`` clauses that need only this source). Units recur across
        many combinations, so this is mostly look-ups."""
        vetoed: set[int] = set()
        decided = []
        for unit in units:
            alone = self._alone.get(id(unit))
            if alone is None:
                alone = self._alone[id(unit)] = self._decide_alone(unit)
            if alone[0]:
                vetoed |= alone[0]
            decided.append(alone[1])
        by_rule: dict[int, dict[tuple[str, str], None]] = {}
        for firing in decided:
            for rule, source, term in firing:
                if rule not in vetoed:
                    seen = by_rule.get(rule)
                    if seen is None:
                        by_rule[rule] = {(source, term): None}
                    else:
                        seen[(source, term)] = None
        return [(rule, tuple([Evidence(source, term) for source, term in by_rule[rule]])) for rule in sorted(by_rule)]

    def _decide_alone(self, unit: tuple[Entry, ...]) -> tuple[frozenset[int], tuple[tuple[int, str, str], ...]]:
        vetoes, firing = set(), []
        for rule, clause, source, term in unit:
            if clause == UNLESS:
                vetoes.add(rule)
            elif clause == ANY or self._required[(rule, clause)] <= {source}:
                firing.append((rule, source, term))
        return frozenset(vetoes), tuple(firing)

    def _verdict(self, hits: Iterable[Entry]) -> list[tuple[int, tuple[Evidence, ...]]]:
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
