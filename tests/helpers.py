"""Helpers shared by the tests: rule-case ids, the in-process CLI, a custom pack."""

from __future__ import annotations

from typing import Any


def describe(case: str | dict[str, Any]) -> str:
    """A readable pytest id for a case."""
    if isinstance(case, str):
        return case
    extras = ",".join(f"{k}={v}" for k, v in case.items() if k != "name")
    return f"{case['name']}[{extras}]"[:80]


def datalint(*args: str):
    """Run the command line in-process, as a user would type it."""
    from click.testing import CliRunner

    from datalint.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


#: A minimal valid custom rule pack, for tests of loading custom packs.
GOOD_RULE = """
rules:
  - code: XX901
    name: custom-rule
    category: travel
    severity: warning
    summary: A custom rule for the tests
    why: Because the tests need a rule that loads (C1).
    cautions: [C1]
    instead: Collect nothing at all.
    match: {name: [tour date]}
    examples: {flag: [tour_date], pass: [tour_guide]}
"""
