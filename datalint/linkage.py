"""Graph rules: findings about what the schema lets be joined, not what one
field holds.

A graph rule (a rule with a ``graph`` section instead of ``match``, see
docs/writing-rules.md) names in data which containers are advertising
personas, logs or reference data, and which findings of the field rules it
connects; this module only walks ``datalint.graph`` with them. It runs after
the field rules, on the findings of every file, and before suppressions, so
a linkage finding is suppressed, selected, re-graded and baselined like any
other: it is located at the field that carries its path's first edge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from datalint.graph import Container, Graph, Hop, build_graph, spell
from datalint.matching import MAX_TERM_TOKENS, Vocabulary, term_key
from datalint.model import SEVERITY_RANK, Evidence, Field, Finding
from datalint.rulebook import Rule, expand_terms

#: Personas (or combination anchors) walked from: a bound for generated
#: schemas, far above any real one.
MAX_STARTS = 2_000
#: Fields named in one message before "and N more".
_NAMED_FIELDS = 4


class _Answers(dict):  # type: ignore[type-arg]
    """Text -> the first term a run of its tokens spells (None if none),
    searched on the first ask, so that asking again is a plain look-up."""

    __slots__ = ("_search",)

    def __init__(self, search: Callable[[str], str | None]) -> None:
        super().__init__()
        self._search = search

    def __missing__(self, text: str) -> str | None:
        found = self[text] = self._search(text)
        return found


class TermSet:
    """Terms matched the way rules match names (token runs, plurals, glued
    words), for the few names a graph rule looks at."""

    def __init__(self, terms: Iterable[Any], vocabulary: Vocabulary) -> None:
        self._tokens = vocabulary.tokens
        self._keys = {term_key(vocabulary.tokens(term)): term for term in expand_terms(terms)}
        self._prefixes = {key[:end] for key in self._keys for end in range(1, len(key) + 1)}
        """A run whose glued tokens are no key's prefix cannot grow into a key."""
        self.find: Callable[[str], str | None] = _Answers(self._search).__getitem__
        """The first term a run of ``text``'s tokens spells, or None.
        Answers are kept by text: a schema repeats its names (``id``,
        ``created_at``) in every container, and each rule asks per
        container, so most asks are a dictionary look-up."""

    def __bool__(self) -> bool:
        return bool(self._keys)

    def first(self, fields: Iterable[Field]) -> tuple[Field, str] | None:
        """The first of ``fields`` whose name spells a term, with the term."""
        find = self.find
        for item in fields:
            term = find(item.name)
            if term is not None:
                return item, term
        return None

    def _search(self, text: str) -> str | None:
        tokens = self._tokens(text)
        prefixes = self._prefixes
        if prefixes.isdisjoint(tokens):  # most names: no run can even start
            return None
        for start in range(len(tokens)):
            glued = ""
            for token in tokens[start : start + MAX_TERM_TOKENS]:
                glued += token
                if glued not in prefixes:
                    break
                term = self._keys.get(glued)
                if term is not None:
                    return term
        return None


class _Containers:
    """A ``persona``/``identity``/``sink``/``lookup`` section: containers
    recognised by their name (or, with ``every_name``, by any of the names
    they go by) or by one of their own fields' names."""

    def __init__(self, section: dict[str, Any] | None, vocabulary: Vocabulary, every_name: bool = False) -> None:
        section = section or {}
        self.names = TermSet(section.get("container", ()), vocabulary)
        self.fields = TermSet(section.get("field", ()), vocabulary)
        self.unless = TermSet(section.get("unless", ()), vocabulary)
        self._every_name = every_name
        self._known: dict[str, tuple[Evidence, ...]] = {}
        """Answers by container: a walk from each persona asks again about
        the containers they share."""

    def evidence(self, container: Container, graph: Graph) -> tuple[Evidence, ...]:
        """Why ``container`` is one of these; empty when it is not."""
        known = self._known.get(container.key)
        if known is None:
            known = self._known[container.key] = self._evidence(container, graph)
        return known

    def _evidence(self, container: Container, graph: Graph) -> tuple[Evidence, ...]:
        names = container.names if self._every_name else container.names[-1:]
        unless, find = self.unless.find, self.names.find
        if any(unless(name) for name in names):
            return ()
        for name in names:
            term = find(name)
            if term is not None:
                return (Evidence("container", term),)
        if self.fields:
            named = self.fields.first(graph.own_fields(container))
            if named is not None:
                return (Evidence("name", named[1]),)
        return ()


def _selects(selectors: Iterable[str], finding: Finding) -> bool:
    return any(selector in (finding.code, finding.rule_name, finding.category) for selector in selectors)


class _Context:
    """What every check of one ``evaluate`` reads, and what they share."""

    __slots__ = ("graph", "vocabulary", "by_container", "found", "_ordered")

    def __init__(self, graph: Graph, vocabulary: Vocabulary, by_container: dict[str, list[Finding]]) -> None:
        self.graph = graph
        self.vocabulary = vocabulary
        self.by_container = by_container
        self.found: dict[str, Any] = {}
        """Personas and lookups by their section as written: rules that share
        one (``reach`` and ``raise`` name the same personas) walk the
        containers once."""
        self._ordered: list[Container] | None = None

    def ordered(self) -> list[Container]:
        """The containers by key, the order checks that walk them all
        report in; sorted once for every rule."""
        if self._ordered is None:
            self._ordered = sorted(self.graph.containers.values(), key=lambda each: each.key)
        return self._ordered


def evaluate(rules: Sequence[Rule], graph: Graph, findings: Sequence[Finding], vocabulary: Vocabulary) -> tuple[list[Finding], dict[int, Finding]]:
    """(new findings, raised findings by the ``id`` of the finding they
    replace). ``rules`` are the graph rules that run; ``findings`` those of
    the field rules, before suppressions."""
    by_container: dict[str, list[Finding]] = {}
    for finding in findings:
        container = graph.container_of(finding.field)
        if container is not None:
            by_container.setdefault(container.key, []).append(finding)
    context = _Context(graph, vocabulary, by_container)
    found: list[Finding] = []
    raised: dict[int, Finding] = {}
    for rule in rules:
        check = rule.graph["check"]
        if check == "raise":
            for original, replacement in _raise(rule, context):
                known = raised.get(id(original))
                if known is None or len(replacement.path) < len(known.path):
                    raised[id(original)] = replacement
        else:
            found.extend(_CHECKS[check](rule, context))
    return found, raised


def _finding(rule: Rule, carrier: Field, message: str, evidence: Iterable[Evidence], path: tuple[Hop, ...] = (), related: str = "") -> Finding:
    return Finding(
        code=rule.code,
        rule_name=rule.name,
        category=rule.category,
        severity=rule.severity,  # type: ignore[arg-type]
        message=f"{rule.summary}: {message}",
        field=carrier,
        evidence=tuple(dict.fromkeys(evidence)),
        path=tuple(hop.edge.step(hop.reverse) for hop in path),
        related=related,
    )


def _named(findings: Iterable[Finding]) -> str:
    names = list(dict.fromkeys(finding.field.name for finding in findings))
    shown = ", ".join(names[:_NAMED_FIELDS])
    return shown + (f" and {len(names) - _NAMED_FIELDS} more" if len(names) > _NAMED_FIELDS else "")


def _connected(rule: Rule, findings: Iterable[Finding]) -> list[Finding]:
    selectors, excepted = rule.graph.get("findings", ()), rule.graph.get("except", ())
    return [finding for finding in findings if _selects(selectors, finding) and not _selects(excepted, finding)]


def _personas(rule: Rule, context: _Context) -> list[tuple[Container, tuple[Evidence, ...]]]:
    """The first ``MAX_STARTS`` personas by key, with why each is one."""
    section = rule.graph.get("persona")
    known = context.found.get(f"persona {section!r}")
    if known is None:
        personas = _Containers(section, context.vocabulary)
        known = context.found[f"persona {section!r}"] = []
        for container in context.ordered():
            evidence = personas.evidence(container, context.graph)
            if evidence:
                known.append((container, evidence))
                if len(known) >= MAX_STARTS:
                    break
    return known


def _lookups(rule: Rule, context: _Context) -> set[str]:
    section = rule.graph.get("lookup")
    known = context.found.get(f"lookup {section!r}")
    if known is None:
        lookup = _Containers(section, context.vocabulary)
        graph = context.graph
        known = context.found[f"lookup {section!r}"] = (
            {key for key, container in graph.containers.items() if lookup.evidence(container, graph)} if lookup.names else set()
        )
    return known


def _reach(rule: Rule, context: _Context) -> Iterator[Finding]:
    """Each persona and each identity container it can be joined to, once,
    by the shortest path, at the path's first edge. Two personas joined to
    each other (an ad and its advertiser's profile) are one finding, from
    the one whose partner holds more; an object nested in a target is part
    of it."""
    identity = _Containers(rule.graph.get("identity"), context.vocabulary)
    hops = rule.graph.get("max-hops", 4)
    stops = _lookups(rule, context)
    graph = context.graph
    candidates: dict[tuple[str, str], tuple[tuple[Evidence, ...], tuple[Hop, ...], list[Finding], tuple[Evidence, ...]]] = {}
    for persona, why in _personas(rule, context):
        paths = graph.paths(persona.key, hops, stops)
        for key, path in paths.items():
            held = context.by_container.get(key)
            connected = _connected(rule, held) if held else []
            named = () if connected or not path else identity.evidence(graph.containers[key], graph)
            if path and (connected or named):
                candidates[(persona.key, key)] = (why, path, connected, named)
    for (start, end), (why, path, connected, named) in sorted(candidates.items(), key=lambda item: (item[0][0], len(item[1][1]), item[0][1])):
        last = path[-1]
        if last.edge.kind == "nesting" and not last.reverse and (start, last.edge.source) in candidates:
            continue
        mirror = candidates.get((end, start))
        if mirror is not None and (len(mirror[2]), start) > (len(connected), end):
            continue
        persona, target = graph.containers[start], graph.containers[end]
        held = _named(connected) if connected else f"{target.display} by its name"
        reached = target.display if target.file == persona.file else target.label
        message = f"{persona.display} can be joined to {reached} ({spell(path)}: {held})"
        evidence = (*why, *named, *(Evidence("finding", finding.code) for finding in connected))
        yield _finding(rule, path[0].edge.carrier, message, evidence, path, target.label)


def _raise(rule: Rule, context: _Context) -> Iterator[tuple[Finding, Finding]]:
    """Findings in a container joined to a persona, at the rule's severity
    (never lowered), saying which persona and how."""
    hops = rule.graph.get("max-hops", 4)
    stops = _lookups(rule, context)
    for persona, _why in _personas(rule, context):
        for key, path in context.graph.paths(persona.key, hops, stops).items():
            for finding in _connected(rule, context.by_container.get(key, ())):
                if SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[rule.severity]:
                    continue
                if path:
                    how = f"{finding.field.container} is joined to the advertising persona {persona.display} by {spell(path)}"
                else:
                    how = f"{persona.display} is an advertising persona"
                note = f" (raised to {rule.severity} by {rule.code}: {how})"
                steps = tuple(hop.edge.step(hop.reverse) for hop in path)
                yield finding, finding._replace(severity=rule.severity, message=finding.message + note, path=steps)


def _combination(rule: Rule, context: _Context) -> Iterator[Finding]:
    """Every group present in one container, or in two joined by one edge:
    reported once per container holding the first group (a person with
    three addresses is one finding), with the first join that completes it."""
    groups = [(group.get("findings", ()), TermSet(group.get("field", ()), context.vocabulary)) for group in rule.graph["groups"]]
    graph = context.graph
    stops = _lookups(rule, context)
    covered: dict[str, list[Field | None]] = {}
    evidence: dict[str, list[Evidence | None]] = {}
    for key, container in graph.containers.items():
        found = context.by_container.get(key, ())
        own = graph.own_fields(container)
        fields: list[Field | None] = []
        why: list[Evidence | None] = []
        for selectors, terms in groups:
            hit = next((finding for finding in found if _selects(selectors, finding)), None)
            if hit is not None:
                fields.append(hit.field)
                why.append(Evidence("finding", hit.code))
                continue
            named = terms.first(own) if terms else None
            fields.append(named[0] if named else None)
            why.append(Evidence("name", named[1]) if named else None)
        if any(fields):
            covered[key], evidence[key] = fields, why
    for key in sorted(covered):
        here = covered[key]
        if here[0] is None:
            continue  # each combination is reported once, from where its first group is
        container = graph.containers[key]
        if all(here):
            first = min(here, key=lambda item: (item.location.line, item.location.column))  # type: ignore[union-attr]
            message = f"{container.display} holds {', '.join(item.name for item in here)}"  # type: ignore[union-attr]
            yield _finding(rule, first, message, [e for e in evidence[key] if e])  # type: ignore[arg-type]
            continue
        for hop in graph.neighbours(key):
            other = hop.edge.source if hop.reverse else hop.edge.target
            there = covered.get(other)
            if there is None or key in stops or other in stops:
                continue
            joined = [mine or theirs for mine, theirs in zip(here, there)]
            if not all(joined):
                continue
            target = graph.containers[other]
            names = ", ".join(item.name for item in joined)  # type: ignore[union-attr]
            message = f"{container.display} and {target.display} together hold {names} ({spell((hop,))})"
            why = [mine or theirs for mine, theirs in zip(evidence[key], evidence[other])]
            yield _finding(rule, hop.edge.carrier, message, why, (hop,), target.label)  # type: ignore[arg-type]
            break


def _spread(rule: Rule, context: _Context) -> Iterator[Finding]:
    """Identity findings in a log, export, index or sharing container: one
    finding per container, at its first such field."""
    sinks = _Containers(rule.graph.get("sink"), context.vocabulary, every_name=True)
    for key in sorted(context.by_container):
        container = context.graph.containers[key]
        connected = _connected(rule, context.by_container[key])
        if not connected:
            continue
        why = sinks.evidence(container, context.graph)
        if not why:
            continue
        first = min(connected, key=lambda finding: (finding.location.line, finding.location.column))
        message = f"{container.display} holds {_named(connected)}"
        yield _finding(rule, first.field, message, (*why, *(Evidence("finding", finding.code) for finding in connected)))


def _blob(rule: Rule, context: _Context) -> Iterator[Finding]:
    """Free-form fields (``jsonb``, ``text``, an object without properties)
    whose name or description says what they hold."""
    holds = rule.graph["holds"]
    structured = TermSet(holds["type"], context.vocabulary)
    text = TermSet(holds.get("text", ()), context.vocabulary)
    names = TermSet(holds.get("field", ()), context.vocabulary)
    texts = TermSet(holds.get("description", ()), context.vocabulary)
    unless = TermSet(holds.get("unless", ()), context.vocabulary)
    keys = context.graph.keys
    for container in context.ordered():
        for item in container.fields:
            # A field that carries an edge is a key, a $ref or an object
            # with properties of its own: not free-form.
            if not item.type or id(item) in keys or item.links or unless.find(item.name):
                continue
            kind = structured.find(item.type)
            said = names.find(item.name)
            if said is not None and (kind := kind or text.find(item.type)) is not None:
                evidence = (Evidence("type", kind), Evidence("name", said))
            elif kind is not None and item.description and (said := texts.find(item.description)) is not None:
                evidence = (Evidence("type", kind), Evidence("description", said))
            else:
                continue
            yield _finding(rule, item, f"{item.qualified_name} ({item.type}) says it holds {said}", evidence)


_CHECKS = {"reach": _reach, "combination": _combination, "spread": _spread, "blob": _blob}


def link(
    rules: Sequence[Rule],
    vocabulary: Vocabulary,
    linted: list[tuple[tuple[Field, ...], list[Finding]]],
    enabled: frozenset[str] | None,
    scopes: dict[str, str],
) -> list[tuple[tuple[Field, ...], list[Finding]]]:
    """Each file's fields and findings (as the field rules left them) with
    the graph rules' findings added to the file of the field that carries
    them, and raised findings in place of the ones they raise. Graph rules
    that do not run cost nothing: the graph is built only for one that does."""
    graph_rules = [rule for rule in rules if rule.graph and (enabled is None or rule.code in enabled)]
    if not graph_rules:
        return linted
    graph = build_graph((item for fields, _findings in linted for item in fields), scopes)
    found, raised = evaluate(graph_rules, graph, [finding for _fields, findings in linted for finding in findings], vocabulary)
    result = [(fields, [raised.get(id(finding), finding) for finding in findings]) for fields, findings in linted]
    if found:
        carriers = {id(finding.field) for finding in found}
        owner = {key: number for number, (fields, _findings) in enumerate(linted) for key in map(id, fields) if key in carriers}
        for finding in found:
            result[owner[id(finding.field)]][1].append(finding)
    return result
