"""Rule cases as data, as sqlfluff does: for every rule, identifiers that must
be flagged and look-alikes that must not (tests/rule_cases/*.yaml), plus the
examples written into each rule, plus negatives on which no rule may fire."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from datalint.rulebook import load_rulebook
from datalint.cases import field_from_case
from helpers import describe

CASES_DIR = Path(__file__).parent / "rule_cases"


def _cases():
    rulebook, _ = load_rulebook()
    for rule in rulebook.rules:
        if rule.graph:
            continue  # graph rules' examples describe paths; tests/test_linkage.py runs them on fixtures
        for verdict in ("flag", "pass"):
            for case in rule.examples[verdict]:
                yield pytest.param(rule.code, verdict, case, id=f"{rule.code}-example-{verdict}-{describe(case)}")
    for path in sorted(CASES_DIR.glob("*.yaml")):
        if path.name == "negatives.yaml":
            continue
        for code, verdicts in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            for verdict in ("flag", "pass"):
                for case in verdicts.get(verdict, ()):
                    yield pytest.param(code, verdict, case, id=f"{code}-{verdict}-{describe(case)}")


def _negatives():
    path = CASES_DIR / "negatives.yaml"
    if not path.exists():
        return []
    return [pytest.param(case, id=describe(case)) for case in yaml.safe_load(path.read_text(encoding="utf-8"))["never"]]


@pytest.mark.parametrize(("code", "verdict", "case"), list(_cases()))
def test_rule_case(engine, rulebook, code, verdict, case):
    assert rulebook.find(code) is not None, f"rule case names unknown rule {code}"
    fired = {finding.code for finding in engine.evaluate(field_from_case(case))}
    if verdict == "flag":
        assert code in fired, f"{code} should flag {case!r}"
    else:
        assert code not in fired, f"{code} must not flag {case!r}"


@pytest.mark.parametrize("case", _negatives())
def test_no_rule_fires_on_look_alike(engine, case):
    findings = engine.evaluate(field_from_case(case))
    assert findings == [], f"{case!r} was flagged by {[f.code for f in findings]}"


def test_every_rule_has_data_cases(rulebook):
    """Each rule has fixture cases beyond its own examples."""
    covered = set()
    for path in CASES_DIR.glob("*.yaml"):
        covered.update((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).keys())
    missing = [rule.code for rule in rulebook.rules if rule.code not in covered and not rule.graph]
    assert missing == []
