"""Recording the suppressions people write in their schemas.

Two spellings carry the same three things (the rules, a reason, an optional
last day): a JSON/YAML ``x-datalint: {allow: [...], reason: ..., until: ...}``
and a SQL comment ``datalint: allow DL101, DL205 reason="..." until=2027-06-30``.
Both are recorded as written, even when they are wrong: judging them is
``datalint.suppressions``' job, and a malformed one must reach it to be
reported rather than vanish here.
"""

from __future__ import annotations

import re
from typing import Any

from datalint.model import Location, Suppression

SCHEMA_KEY = "x-datalint"

# SQL comment syntax, compiled by ``re`` on first use (and cached there): a
# run over JSON/YAML schemas never needs them.
_MARKER = r"\bdatalint\s*:"
_ALLOW = r"\s*allow\s+(?P<rules>[\w-]+(?:\s*,\s*[\w-]+)*)"
_OPTION = r"""(?P<key>reason|until)\s*=\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>\S+))"""


def from_schema(value: Any, location: Location, scope: str) -> Suppression:
    """An ``x-datalint`` value. ``allow`` may be a list or one string."""
    if not isinstance(value, dict):
        return Suppression((), "", None, location, scope)
    allow = value.get("allow")
    rules = [allow] if isinstance(allow, str) else allow if isinstance(allow, list) else []
    reason, until = value.get("reason"), value.get("until")
    return Suppression(
        rules=tuple(str(rule).strip() for rule in rules),
        reason=str(reason).strip() if reason is not None else "",
        until=str(until) if until is not None else None,
        location=location,
        scope=scope,
    )


def split_comment(text: str) -> tuple[str, str | None]:
    """A comment's prose, and its annotation if it holds one. The annotation
    is kept out of the prose: its reason would otherwise be matched as the
    column's description ("we must keep the passport number because...")."""
    marker = re.search(_MARKER, text, re.IGNORECASE)
    if marker is None:
        return text, None
    return text[: marker.start()].strip(" \t\n;,"), text[marker.end() :]


def from_comment(annotation: str, location: Location, scope: str) -> Suppression:
    """The text after ``datalint:`` in a SQL comment."""
    allow = re.match(_ALLOW, annotation, re.IGNORECASE)
    if allow is None:
        return Suppression((), "", None, location, scope)
    options = {
        match["key"].lower(): next(value for value in match.group("double", "single", "bare") if value is not None)
        for match in re.compile(_OPTION, re.IGNORECASE).finditer(annotation, allow.end())
    }
    return Suppression(
        rules=tuple(rule.strip() for rule in allow["rules"].split(",")),
        reason=options.get("reason", "").strip(),
        until=options.get("until"),
        location=location,
        scope=scope,
    )
