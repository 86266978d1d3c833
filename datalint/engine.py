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

#: Where runs that begin with a token too short to know its bucket go on.
_SHORT = "short"
#: One index entry: (rule number, clause number, source, term as written).
Entry = tuple[int, int, str, str]
#: Distinct texts (or combinations of hits) each cache holds before it starts
#: again from empty.
_CACHE_LIMIT = 100_000
#: Between packed entries, and between keys and entries (``pack_index``):
#: ASCII, so JSON keeps the buckets one-byte strings (fast to parse), and
#: never in a term; a rule set that used them would simply not be cached.
_SEPARATOR = "\n"
_RECORD = "\t"
#: Keys are grouped into buckets by this many leading letters (shorter keys
#: by all of theirs): packed per bucket, unpacked per bucket, and looked up
#: in their bucket, so a run whose first letters begin no key stops there.
_BUCKET = 4


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
    source, keys are grouped into buckets (``_bucketed``), each one string
    of ``key TAB entries TAB key TAB entries ...`` (entries
    ``rule,clause,term`` joined by newlines) stored in the blob; the header
    gives each bucket's byte offset and length in the blob's UTF-8. A run
    reads the blob and decodes only the buckets its texts reach: a small
    file never builds the tens of thousands of keys term products create."""
    parts: list[bytes] = []
    offset = 0
    buckets: dict[str, dict[str, list[int]]] = {}
    for source, keys in compiled["index"].items():
        heads = buckets.setdefault(source, {})
        for head, bucket in _bucketed(keys).items():
            items: list[str] = []
            for key, entries in bucket.items():
                if any(_SEPARATOR in text or _RECORD in text for text in (key, *(term for _rule, _clause, term in entries))):
                    raise ValueError("a term holds a separator of the packed index")
                items.extend((key, _SEPARATOR.join(f"{rule},{clause},{term}" for rule, clause, term in entries)))
            data = _RECORD.join(items).encode("utf-8")
            heads[head] = [offset, len(data)]
            parts.append(data)
            offset += len(data)
    header = {"buckets": buckets, "patterns": compiled["patterns"], "required": compiled["required"]}
    return header, b"".join(parts).decode("utf-8")


def _bucketed(keys: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Keys grouped by their first ``_BUCKET`` letters (all of them when
    shorter): a key longer than that is only ever looked up in the bucket
    of its first letters, and a run of tokens that begins no bucket's
    letters can never grow into a key."""
    buckets: dict[str, dict[str, Any]] = {}
    for key, value in keys.items():
        bucket = buckets.get(key[:_BUCKET])
        if bucket is None:
            buckets[key[:_BUCKET]] = {key: value}
        else:
            bucket[key] = value
    return buckets


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


#: The Field attributes of every part but the name, whose hits are cached
#: together: a table's columns share their context, type and the like.
_OTHER_VALUES = attrgetter(*(attribute for _source, attribute, _many in _PARTS[1:]))


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
        # Per source, first letters -> the bucket of keys that begin so: from
        # the rulebook cache, its span in the blob until a text first reaches
        # it. Own copies either way: entries (lists, or strings from the
        # cache) are compiled into a _Unit on their first hit.
        self._buckets: dict[str, dict[str, Any]]
        if "buckets" in compiled:
            self._buckets = {s: dict(compiled["buckets"].get(s, {})) for s in TERM_SOURCES}
        else:
            self._buckets = {s: _bucketed(compiled["index"].get(s, {})) for s in TERM_SOURCES}
        self._blob = compiled.get("blob", b"")
        self._pattern_entries: list[list[Any]] = compiled["patterns"]
        # [entry, literals it requires, compiled regex or None until needed]
        self._patterns: list[list[Any]] | None = None
        self._required: dict[tuple[int, int], frozenset[str]] = {
            (rule, clause): frozenset(sources) for rule, clause, sources in compiled["required"]
        }
        # The units each distinct text (or tuple of texts) hits, per source;
        # and the parts every other source hits, per tuple of their values.
        self._cache: dict[str, dict[Any, tuple[_Unit, ...]]] = {source: {} for source in TERM_SOURCES}
        self._names = self._cache["name"]
        self._others: dict[tuple[Any, ...], tuple[tuple[_Unit, ...], ...]] = {}
        # Verdicts of combinations of units: several deciding units of one
        # source, and the hits of several sources.
        self._merged: dict[tuple[_Unit, ...], Verdict] = {}
        self._verdicts: dict[tuple[_Unit, ...], Verdict] = {}
        # Per source, what a token alone hits and where runs that begin with it go on.
        self._firsts: dict[str, dict[str, tuple[_Unit | None, Any]]] = {source: {} for source in TERM_SOURCES}
        # Per rule, the arguments every Finding of it starts with.
        self._rule_fields = [(rule.code, rule.name, rule.category, rule.severity, rule.summary) for rule in self.rules]

    # ------------------------------------------------------------- lookups

    def _text_hits(self, source: str, text: str) -> tuple[_Unit, ...]:
        """The units whose key a contiguous run of ``text``'s tokens spells,
        in order of their first run."""
        units = self._cache[source].get(text)
        return self._new_text_hits(source, text) if units is None else units

    def _new_text_hits(self, source: str, text: str) -> tuple[_Unit, ...]:
        """``_text_hits`` of a text its cache does not hold yet."""
        cache = self._cache[source]
        units = self._runs(source, self._split(text)) if self._buckets[source] else _NO_UNITS
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[text] = units
        return units

    def _runs(self, source: str, tokens: tuple[str, ...]) -> tuple[_Unit, ...]:
        """The units of every key among the runs of ``tokens``. What a
        token decides as the first of a run is cached (``_first``): most
        tokens begin no longer key, and their runs stop there; the others
        go on in their bucket, the only place their extensions can be. A
        run that begins with a short token (``id``, ``of``) is looked up
        bucket by bucket until it has ``_BUCKET`` letters."""
        firsts = self._firsts[source]
        found: list[_Unit] = []
        for start in range(len(tokens)):
            token = tokens[start]
            first = firsts.get(token)
            if first is None:
                first = self._first(source, token)
            unit, bucket = first
            if unit is not None and unit not in found:
                found.append(unit)
            if bucket is None:
                continue
            glued = token
            settled = bucket is not _SHORT
            for token in tokens[start + 1 : start + MAX_TERM_TOKENS]:
                glued += token
                if not settled:
                    settled = len(glued) >= _BUCKET
                    bucket = self._bucket(source, glued[:_BUCKET])
                    if bucket is None:
                        if settled:
                            break  # no key begins with these letters
                        continue
                unit = bucket.get(glued)
                if unit is not None:
                    if type(unit) is not _Unit:
                        unit = self._compile(source, bucket, glued)
                    if unit not in found:
                        found.append(unit)
        return tuple(found) if found else _NO_UNITS

    def _first(self, source: str, token: str) -> tuple[_Unit | None, Any]:
        """(the unit ``token`` alone hits, where runs that begin with it go
        on): the bucket of its first letters when a longer key there begins
        with it, ``_SHORT`` when it is too short to know its bucket, else
        None (no run that begins with it is a key)."""
        firsts = self._firsts[source]
        if len(firsts) >= _CACHE_LIMIT:
            firsts.clear()
        bucket = self._bucket(source, token[:_BUCKET])
        unit = None if bucket is None else bucket.get(token)
        if unit is not None and type(unit) is not _Unit:
            unit = self._compile(source, bucket, token)
        if len(token) < _BUCKET:
            goes_on = _SHORT
        elif bucket is not None and any(key.startswith(token) and key != token for key in bucket):
            goes_on = bucket
        else:
            goes_on = None
        first = firsts[token] = (unit, goes_on)
        return first

    def _bucket(self, source: str, head: str) -> dict[str, Any] | None:
        """The keys that begin with ``head`` (None: no key does), decoded
        from the blob when first reached."""
        bucket = self._buckets[source].get(head)
        return bucket if bucket is None or type(bucket) is dict else self._unpack(source, head)

    def _compile(self, source: str, bucket: dict[str, Any], key: str) -> _Unit:
        """The key's entries compiled into a _Unit, in place of them."""
        unit = bucket[key] = _Unit(_unpack(bucket[key], source), self._required)
        return unit

    def _unpack(self, source: str, head: str) -> dict[str, Any]:
        """The bucket of keys that begin with ``head``, decoded from the blob."""
        start, length = self._buckets[source][head]
        items = str(self._blob[start : start + length], "utf-8").split(_RECORD)
        bucket = self._buckets[source][head] = dict(zip(items[0::2], items[1::2]))
        return bucket

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

    def _other_parts(self, values: tuple[Any, ...]) -> tuple[tuple[_Unit, ...], ...]:
        """The units each part but the name hits, for the parts that hit
        something, in evidence order; cached by the tuple of their values,
        which a table's columns or an object's properties mostly share."""
        parts = []
        for (source, _attribute, many), value in zip(_PARTS[1:], values):
            if value:
                units = self._texts_hits(source, value) if many else self._text_hits(source, value)
                if units:
                    parts.append(units)
        if len(self._others) >= _CACHE_LIMIT:
            self._others.clear()
        found = self._others[values] = tuple(parts)
        return found

    # ------------------------------------------------------------- findings

    def evaluate(self, field: Field) -> list[Finding]:
        """Findings for one field, in rule-code order. Raises PatternTimeout
        (with the other rules' findings) when a rule regex ran out of time.

        Written for the common field, which hits through its name alone
        (or not at all): a name seldom repeats, its other parts do."""
        units = self._names.get(field.name)
        if units is None:
            units = self._new_text_hits("name", field.name)
        values = _OTHER_VALUES(field)
        others = self._others.get(values)
        if others is None:
            others = self._other_parts(values)
        if field.pattern and self._pattern_entries:
            matched, slow = self._pattern_hits(field.pattern)
            if matched or slow:
                hits = [entry for part in (units, *others) for unit in part for entry in unit.entries] + matched
                if slow:
                    rules = tuple({entry[0]: self.rules[entry[0]] for entry in slow}.values())
                    raise PatternTimeout(rules, self._findings(field, self._verdict(hits)))
                return self._findings(field, self._verdict(hits))
        if others:
            parts = (units, *others) if units else others
            verdict = self._one_source(parts[0]) if len(parts) == 1 else self._several_sources(parts)
        elif units:  # a unit's own verdict is what it decides alone
            verdict = units[0].verdict if len(units) == 1 else self._one_source(units)
        else:
            return []
        return self._findings(field, verdict) if verdict else []

    def _findings(self, field: Field, verdict: Verdict) -> list[Finding]:
        """The verdict's findings on ``field``."""
        fields = self._rule_fields
        return [Finding(*fields[number], field, evidence) for number, evidence in verdict]

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


def evaluate(fields: Iterable[Field], rulebook: Rulebook | Engine) -> list[Finding]:
    """Findings for many fields. Accepts a prebuilt Engine to reuse its caches."""
    engine = rulebook if isinstance(rulebook, Engine) else Engine(rulebook)
    return engine.evaluate_all(fields)
