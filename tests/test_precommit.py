"""The pre-commit hook, run by the real pre-commit framework: it installs
datalint from this repository into its own environment (from the package
registry, like a user's machine would) and lints the files it is given."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow

PASSPORT = {"type": "object", "properties": {"stage_name": {"type": "string"}, "passport_number": {"type": "string"}}}
MINIMISED = {"type": "object", "properties": {"stage_name": {"type": "string"}, "age_verified": {"type": "boolean"}}}


def git(*args: str, cwd: Path) -> str:
    identity = ["-c", "user.name=datalint tests", "-c", "user.email=tests@datalint.invalid", "-c", "commit.gpgsign=false"]
    return subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """This repository's working tree as a commit of its own. try-repo would
    take HEAD plus tracked changes only; files not committed yet (a new
    module, the hook manifest itself) must be part of what is tested."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO).split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git("init", "-q", cwd=snapshot)
    git("add", "-A", cwd=snapshot)
    git("commit", "-q", "-m", "snapshot", cwd=snapshot)
    return snapshot


@pytest.fixture
def project(tmp_path) -> Path:
    work = tmp_path / "project"
    work.mkdir()
    git("init", "-q", cwd=work)
    (work / "advertiser.json").write_text(json.dumps(PASSPORT, indent=2), encoding="utf-8")
    (work / "minimised.json").write_text(json.dumps(MINIMISED, indent=2), encoding="utf-8")
    git("add", "-A", cwd=work)
    return work


def try_repo(hook_repo: Path, project: Path, *files: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PRE_COMMIT_HOME"] = str(project.parent / "pre-commit-home")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "datalint", "--color", "never", "--files", *files],
        cwd=project, env=env, capture_output=True, text=True, timeout=900,
    )


def test_hook_fails_on_a_passport_number_and_passes_a_minimised_schema(hook_repo, project):
    flagged = try_repo(hook_repo, project, "advertiser.json")
    assert flagged.returncode != 0, flagged.stdout + flagged.stderr
    assert "advertiser.json:7:5: DL101 error " in flagged.stdout
    assert "(#.passport_number)" in flagged.stdout
    assert "datalint" in flagged.stdout and "Failed" in flagged.stdout

    clean = try_repo(hook_repo, project, "minimised.json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout and "DL1" not in clean.stdout
