"""The benchmarks still run: ``benchmarks/run.py --smoke`` runs each one once
on small inputs and prints one line per target. Nothing here looks at the
times (machines are shared and noisy); the figures are read by hand."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO

TARGETS = ["T1", "T2", "T3", "T4", "T4b", "T5", "T6", "T7", "T7b", "T7c", "T8", "T9"]


@pytest.mark.slow
def test_smoke_mode_prints_every_target(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    printed = {match.group(1) for match in re.finditer(r"^(T\d+b?|T\dc)\s", result.stdout, re.MULTILINE)}
    assert set(TARGETS) <= printed, result.stdout
    assert "done in" in result.stdout
