"""Shortcuts for the two shapes that dominate a pg_dump. In GitLab's
``structure.sql`` (1,400 tables, 1,700 foreign-key ALTERs, 2,250 CHECK
constraint lines) parsing them cost a third of the read, and neither can
define a column.

Both shortcuts are exact or harmless: a foreign key is taken only if the
whole statement matches, and a CHECK constraint is blanked only if it cannot
list enum values. Anything else goes to sqlglot as usual.
"""

from __future__ import annotations

import re

from datalint.sources.sql_catalogue import Catalogue, TableName

_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_QUALIFIED = rf"{_NAME}(?:\.{_NAME})?"
_NAMES = rf"{_NAME}(?:\s*,\s*{_NAME})*"
_FOREIGN_KEY = re.compile(
    rf"""ALTER\s+TABLE\s+(?:ONLY\s+)?(?P<table>{_QUALIFIED})\s+
         ADD\s+CONSTRAINT\s+{_NAME}\s+FOREIGN\s+KEY\s*\((?P<columns>{_NAMES})\)\s*
         REFERENCES\s+(?P<target>{_QUALIFIED})\s*(?:\({_NAMES}\))?
         (?:\s+(?:ON\s+(?:DELETE|UPDATE)\s+(?:CASCADE|RESTRICT|NO\s+ACTION|SET\s+NULL|SET\s+DEFAULT)
                 |NOT\s+VALID|(?:NOT\s+)?DEFERRABLE|INITIALLY\s+(?:DEFERRED|IMMEDIATE)|MATCH\s+(?:FULL|SIMPLE)))*""",
    re.IGNORECASE | re.VERBOSE,
)
_NAME_PART = re.compile(_NAME)

# pg_dump writes each table CHECK on a line of its own, after the columns:
# ",\n    CONSTRAINT name CHECK (...)". The leading comma goes with it, so the
# item list stays well-formed whether or not the constraint was the last item.
_CHECK_LINE = re.compile(r",[ \t]*\n[ \t]*CONSTRAINT[ \t]+\w+[ \t]+CHECK[ \t]*\(.*\)(?=,?[ \t]*\n)")
_BRACKETS = re.compile(r"[()]")
_ENUM_SHAPE = re.compile(r"\bIN\b|\bANY\b|'", re.IGNORECASE)


def read_foreign_key(text: str, catalogue: Catalogue) -> bool:
    """Record a pg_dump-shaped ``ALTER TABLE ONLY t ADD CONSTRAINT c FOREIGN
    KEY (a) REFERENCES u(id) ON DELETE CASCADE``; False if ``text`` is not
    exactly that."""
    match = _FOREIGN_KEY.fullmatch(text)
    if match is None:
        return False
    table = TableName.from_parts(_parts(match.group("table")))
    target = TableName.from_parts(_parts(match.group("target")))
    catalogue.add_reference(table, _parts(match.group("columns")), target.written)
    return True


def blank_plain_checks(text: str) -> str:
    """``text`` with every CHECK constraint line that cannot hold enum values
    (no ``IN``, ``ANY`` or string literal) replaced by spaces. Offsets and
    line breaks are kept, so positions in the parse tree stay true."""
    if "CHECK" not in text:
        return text
    return _CHECK_LINE.sub(_blank_unless_enum, text)


def _blank_unless_enum(match: re.Match[str]) -> str:
    written = match.group()
    if _ENUM_SHAPE.search(written) or not _one_parenthesis(written[written.index("(") :]):
        return written
    return re.sub(r"[^\n]", " ", written)


def _one_parenthesis(condition: str) -> bool:
    """True if ``condition`` is a single parenthesised group, so the line
    holds nothing but the constraint (``CHECK (a > 0)), b int`` does not)."""
    depth = 0
    for bracket in _BRACKETS.finditer(condition):
        depth += 1 if bracket.group() == "(" else -1
        if depth == 0:
            return bracket.end() == len(condition)
    return False


def _parts(written: str) -> list[str]:
    return [part[1:-1].replace('""', '"') if part.startswith('"') else part for part in _NAME_PART.findall(written)]
