"""Shared fixtures: the built-in rulebook (loaded once) and paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from datalint.engine import Engine
from datalint.rulebook import Rulebook, load_rulebook

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

# Property tests (tests/test_fuzz.py) run few examples while developing and
# many in CI; both are derandomised in CI so a red run can be replayed.
# docs/testing.md explains the profiles.
_FUZZ = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("dev", max_examples=100, **_FUZZ)
settings.register_profile("ci", max_examples=1000, derandomize=True, print_blob=True, **_FUZZ)
settings.register_profile("deep", max_examples=10_000, **_FUZZ)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev"))


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    loaded, problems = load_rulebook()
    assert problems == [], problems
    return loaded


@pytest.fixture(scope="session")
def engine(rulebook: Rulebook) -> Engine:
    return Engine(rulebook)


def pytest_collection_modifyitems(items):
    """Tests marked ``corpus`` need ../shared; skip them cleanly without it."""
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason=f"{SHARED} is absent (real-schema corpus)")
    for item in items:
        if "corpus" in item.keywords:
            item.add_marker(skip)
