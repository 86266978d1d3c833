"""Naming rules: wherever a rule is named (configuration, command line,
suppressions) a code, a rule name, a category or ``ALL`` may stand.

Where a rule is named like its category (``nationality`` is both DL201's
name and the category), the category wins: the broader reading is the one
people mean when they write a word, and the rule is still reachable by code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from datalint.rulebook import Rule


class RuleIndex:
    def __init__(self, rules: Sequence[Rule]):
        self.rules = tuple(rules)
        names: dict[str, set[str]] = defaultdict(set)
        categories: dict[str, set[str]] = defaultdict(set)
        for rule in rules:
            names[rule.code.lower()].add(rule.code)
            names[rule.name.lower()].add(rule.code)
            categories[rule.category.lower()].add(rule.code)
        index = names | categories | {"all": {rule.code for rule in rules}}
        self._index = {key: frozenset(codes) for key, codes in index.items()}

    def expand(self, selector: str) -> frozenset[str] | None:
        """The codes ``selector`` names, or None when it names nothing."""
        return self._index.get(selector.strip().lower())

    def expand_all(self, selectors: Iterable[str]) -> frozenset[str]:
        """Codes named by known selectors; see ``unknown`` for the rest."""
        return frozenset(code for selector in selectors for code in self.expand(selector) or ())

    def unknown(self, selectors: Iterable[str]) -> list[str]:
        return [selector for selector in selectors if self.expand(selector) is None]
