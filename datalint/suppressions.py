"""Judging the suppressions written in schemas, and applying those that hold.

A suppression holds only when it is justified: it names rules that exist,
gives a reason, and its ``until`` day has not passed. One that does not hold
suppresses nothing (the findings stay) and is itself reported, so collection
cannot be waved through silently or forever. One that holds but matches no
finding is reported too, so stale allowances do not pile up.

These reports are findings of the ``suppression`` category (``DLX`` codes),
so configuration selects, ignores and re-grades them like any rule.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from datalint.model import Field, Finding, Suppression
from datalint.rulebook import Rule
from datalint.selectors import RuleIndex

if TYPE_CHECKING:  # datetime is imported only when an ``until`` is judged
    from datetime import date

CATEGORY = "suppression"


def _meta_rule(code: str, name: str, summary: str, why: str, instead: str) -> Rule:
    return Rule(
        code=code, name=name, category=CATEGORY, severity="warning", summary=summary, why=why, cautions=(),
        instead=instead, references=(), match={}, unless={}, examples={"flag": [], "pass": []}, pack="datalint",
    )


UNJUSTIFIED = _meta_rule(
    "DLX001", "unjustified-suppression", "A suppression gives no reason",
    "Collecting identity data is a choice someone must be able to defend; an allowance without a reason "
    "cannot be reviewed, so it suppresses nothing.",
    'Say why the data must be collected: reason="..." (and until=YYYY-MM-DD when the need ends).',
)
UNUSED = _meta_rule(
    "DLX002", "unused-suppression", "A suppression matches no finding",
    "An allowance that matches nothing is stale: the field changed or the rule no longer fires. Left in "
    "place it would silently allow whatever is added there next.",
    "Remove the suppression, or the rules it names that no longer fire.",
)
EXPIRED = _meta_rule(
    "DLX003", "expired-suppression", "A suppression is past its until date",
    "The team decided this data would stop being collected by that day; past it, the allowance lapses "
    "and the findings it covered are reported again.",
    "Stop collecting the data, or renew the suppression with a new reason and until date.",
)
INVALID = _meta_rule(
    "DLX004", "invalid-suppression", "A suppression cannot be understood",
    "A misspelt rule, a date that is not a date or an annotation without an allow list would otherwise "
    "look like an allowance while allowing nothing, or the wrong thing.",
    'Write x-datalint: {allow: [DL101], reason: "...", until: YYYY-MM-DD}, or in SQL '
    '-- datalint: allow DL101 reason="..." until=YYYY-MM-DD.',
)
META_RULES: tuple[Rule, ...] = (UNJUSTIFIED, UNUSED, EXPIRED, INVALID)


def today(environ: Mapping[str, str] = os.environ) -> date:
    """The day ``until`` is compared with. ``SOURCE_DATE_EPOCH`` (the
    reproducible-builds convention) fixes it, so a report run again later, or
    in a test, says the same."""
    from datetime import date, datetime, timezone

    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
    return date.today()


class Suppressor:
    def __init__(self, rules: Sequence[Rule], day: date | None = None):
        """``day``: what ``until`` is compared with; None for ``today()``,
        asked (and ``datetime`` imported) only when an ``until`` is judged."""
        self._index = RuleIndex(rules)
        self._day = day

    def apply(self, fields: Sequence[Field], findings: Sequence[Finding]) -> list[Finding]:
        """``findings`` (of ``fields``, one file) with the suppressions that
        hold attached, followed by a finding for each suppression that does
        not hold or matches nothing."""
        carriers: dict[Suppression, Field] = {}
        for field in fields:
            for suppression in field.suppressions:
                carriers.setdefault(suppression, field)
        if not carriers:
            return list(findings)
        verdicts = {suppression: self._judge(suppression) for suppression in carriers}
        used: set[Suppression] = set()
        result = []
        for finding in findings:
            holder = next((s for s in reversed(finding.field.suppressions) if finding.code in verdicts[s][0]), None)
            if holder is not None:
                used.add(holder)
                finding = finding._replace(suppressed=holder)
            result.append(finding)
        for suppression, carrier in carriers.items():
            problem = verdicts[suppression][1]
            if problem is None and suppression not in used:
                problem = UNUSED, "matches no finding here: remove it"
            if problem is not None:
                result.append(_report(suppression, carrier, *problem))
        return result

    def _judge(self, suppression: Suppression) -> tuple[frozenset[str], tuple[Rule, str] | None]:
        """The codes it allows (none when it does not hold) and what is wrong with it."""
        if not suppression.rules:
            return frozenset(), (INVALID, "names no rule to allow")
        unknown = self._index.unknown(suppression.rules)
        if unknown:
            return frozenset(), (INVALID, f"names unknown rule {unknown[0]!r}; see `datalint rules`")
        if suppression.until is not None:
            from datetime import date

            if self._day is None:
                self._day = today()
            try:
                last_day = date.fromisoformat(suppression.until)
            except ValueError:
                return frozenset(), (INVALID, f"has until={suppression.until!r}, which is not a YYYY-MM-DD date")
            if last_day < self._day:
                return frozenset(), (EXPIRED, f"expired after {suppression.until}; its findings are reported again")
        if not suppression.reason:
            return frozenset(), (UNJUSTIFIED, 'gives no reason, so it suppresses nothing: add reason="..."')
        return self._index.expand_all(suppression.rules), None


def _report(suppression: Suppression, carrier: Field, rule: Rule, problem: str) -> Finding:
    """A finding about the annotation itself, located where it is written."""
    where = Field(name=suppression.scope, container="", location=suppression.location, kind=carrier.kind)
    subject = f"Suppression of {', '.join(suppression.rules)}" if suppression.rules else "Suppression"
    message = f"{subject} {problem}"
    return Finding(code=rule.code, rule_name=rule.name, category=rule.category, severity=rule.severity,  # type: ignore[arg-type]
                   message=message, field=where)
