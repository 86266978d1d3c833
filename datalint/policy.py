"""What the team's configuration says about findings: which rules run, how
serious each is, and where some are not wanted (``per-file-ignores``).

It works on findings, after the engine, so the engine stays the same for
every project and a finding dropped here is dropped for the same reason in
every output format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from datalint.config import Settings
from datalint.globs import matches, project_path
from datalint.model import Field, Finding
from datalint.rulebook import Rule
from datalint.selectors import RuleIndex


class FileIgnore(NamedTuple):
    glob: str
    codes: frozenset[str]
    where: str | None
    """``#/json/pointer`` (that object or property and below), ``table`` or
    ``table.column``; None for the whole file."""


class Policy(NamedTuple):
    enabled: frozenset[str] | None = None
    """Codes of the rules that run; None for all."""
    severities: Mapping[str, str] = {}
    file_ignores: tuple[FileIgnore, ...] = ()
    root: Path = Path(".")

    @classmethod
    def build(cls, settings: Settings, index: RuleIndex) -> Policy:
        selected = index.expand_all(settings.select if settings.select is not None else ["ALL"])
        enabled = (selected | index.expand_all(settings.extend_select)) - index.expand_all(settings.ignore)
        # Broad selectors first, so that a rule's own entry overrides its category's.
        by_breadth = sorted(settings.severity, key=lambda pair: -len(index.expand(pair[0]) or ()))
        severities = {code: severity for selector, severity in by_breadth for code in index.expand(selector) or ()}
        ignores = tuple(
            FileIgnore(glob, index.expand_all([rule]), where or None)
            for glob, entries in settings.per_file_ignores
            for rule, _, where in (entry.partition("@") for entry in entries)
        )
        return cls(enabled, severities, ignores, settings.root)

    def apply(self, findings: Sequence[Finding]) -> list[Finding]:
        paths: dict[str, str | None] = {}
        kept = []
        for finding in findings:
            if self.enabled is not None and finding.code not in self.enabled:
                continue
            if self.file_ignores:
                file = finding.location.file
                if file not in paths:
                    paths[file] = project_path(file, self.root)
                if self._ignored(finding, paths[file]):
                    continue
            severity = self.severities.get(finding.code, finding.severity)
            kept.append(finding if severity == finding.severity else finding._replace(severity=severity))
        return kept

    def describe(self, rules: Sequence[Rule]) -> list[Rule]:
        """The rules that run, as configured: what SARIF lists as the tool's rules."""
        return [
            rule._replace(severity=self.severities.get(rule.code, rule.severity))
            for rule in rules
            if self.enabled is None or rule.code in self.enabled
        ]

    def _ignored(self, finding: Finding, path: str | None) -> bool:
        return path is not None and any(
            finding.code in ignore.codes and matches(ignore.glob, path) and (ignore.where is None or _at(ignore.where, finding.field))
            for ignore in self.file_ignores
        )


def _at(where: str, field: Field) -> bool:
    if where.startswith("#"):
        pointer = field.pointer or ""
        return pointer == where or pointer.startswith(where.rstrip("/") + "/")
    where = where.lower()
    return any(
        name == where or name.endswith("." + where)
        for name in (field.qualified_name.lower(), field.container.lower())
    )
