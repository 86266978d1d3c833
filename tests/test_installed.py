"""datalint as a user gets it: the built wheel installed into a fresh virtual
environment and run as a real process from another directory. This is what
catches rule packs or seeds missing from the wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv holding only the datalint wheel; its dependencies are borrowed
    from the test environment through a .pth file, so no network is needed."""
    work = tmp_path_factory.mktemp("installed")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(work / "dist"), str(REPO)],
        check=True,
    )
    wheel = next((work / "dist").glob("datalint-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "_borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv


def run_datalint(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(venv / "bin" / "datalint"), *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_wheel_package_is_the_one_that_runs(installed, tmp_path):
    python = installed / "bin" / "python"
    location = subprocess.run([str(python), "-c", "import datalint; print(datalint.__file__)"],
                              cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert str(installed) in location


def test_check_examples_from_another_directory(installed, tmp_path):
    result = run_datalint(installed, "check", str(REPO / "examples" / "unsafe"), "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert {f["category"] for f in document["findings"]} >= {"identity-document", "nationality", "immigration"}
    assert [e for e in document["errors"] if e["severity"] == "error"] == []


def test_default_target_is_the_current_directory(installed, tmp_path):
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (nationality text);\n", encoding="utf-8")
    result = run_datalint(installed, "check", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("schema.sql:1:")


def test_rules_and_explain_work_from_the_wheel(installed, tmp_path):
    rules = run_datalint(installed, "rules", cwd=tmp_path)
    assert rules.returncode == 0 and "DL101" in rules.stdout
    explain = run_datalint(installed, "explain", "DL101", cwd=tmp_path)
    assert explain.returncode == 0 and "C" in explain.stdout and "(unknown caution)" not in explain.stdout
