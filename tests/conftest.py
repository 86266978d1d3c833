"""Shared fixtures: the built-in rulebook (loaded once) and paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from datalint.engine import Engine
from datalint.rulebook import Rulebook, load_rulebook

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


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
