"""The composite GitHub Action, its steps run by bash the way the runner
runs them: install from the action's own directory, then lint, annotate and
write SARIF for code scanning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
PASSPORT = {"type": "object", "properties": {"passport_number": {"type": "string"}}}


def step(name: str) -> dict:
    return next(each for each in ACTION["runs"]["steps"] if each["name"] == name)


def run_step(name: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """A step's script with its ``${{ }}`` environment filled in by ``env``."""
    script = step(name)
    variables = {key: env[key] for key in script.get("env", {})}
    base = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return subprocess.run(["bash", "-e", "-c", script["run"]], cwd=cwd, env={**base, **env, **variables},
                          capture_output=True, text=True, timeout=900)


def test_action_declares_its_inputs_and_runs_everything_through_bash():
    assert ACTION["runs"]["using"] == "composite"
    assert {"paths", "format", "fail-on", "sarif-file", "args"} <= set(ACTION["inputs"])
    assert all(each["shell"] == "bash" for each in ACTION["runs"]["steps"])
    scripts = "".join(each["run"] for each in ACTION["runs"]["steps"])
    assert "${{" not in scripts  # inputs reach scripts as environment variables only: no injection


@pytest.mark.slow
def test_action_installs_from_its_path_then_annotates_and_writes_sarif(tmp_path):
    project = tmp_path / "project"
    (project / "schemas").mkdir(parents=True)
    (project / "schemas" / "advertiser.json").write_text(json.dumps(PASSPORT, indent=2), encoding="utf-8")
    github_path = tmp_path / "github_path"
    env = {"ACTION_PATH": str(REPO), "PYTHON": sys.executable, "RUNNER_TEMP": str(tmp_path), "GITHUB_PATH": str(github_path)}
    installed = run_step("Install datalint", env, project)
    assert installed.returncode == 0, installed.stderr
    bin_dir = github_path.read_text(encoding="utf-8").strip()
    inputs = {"INPUT_PATHS": "schemas", "INPUT_FORMAT": "github", "INPUT_FAIL_ON": "error", "INPUT_SARIF_FILE": "datalint.sarif",
              "INPUT_ARGS": "--isolated", "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    linted = run_step("Run datalint", env | inputs, project)
    assert linted.returncode == 1, linted.stderr
    assert linted.stdout.startswith("::error file=schemas/advertiser.json,line=4,col=5,title=DL101::")
    sarif = json.loads((project / "datalint.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["DL101"]
    assert Path(bin_dir, "datalint").exists() and str(tmp_path) in bin_dir
