"""``--jobs``: files read and matched in worker processes give the very
report a serial run gives, byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from datalint.runner import RunOptions, run, worker_count

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NAMES = ["id", "email", "display_name", "passport_number", "nationality", "city", "visa_status", "stage_name", "date_of_birth"]


def _tree(root: Path, count: int = 200) -> Path:
    """Many small schemas and SQL files: flagged fields, suppressions (one
    expired, one unused), cross-file ``$ref``s, YAML, a broken file, a migration folder."""
    for n in range(count):
        folder = root / f"service{n // 50}"
        folder.mkdir(parents=True, exist_ok=True)
        names = [NAMES[(n + k) % len(NAMES)] for k in range(1 + n % 5)]
        properties: dict = {name: {"type": "string"} for name in names}
        if n % 7 == 0:
            properties[names[0]]["x-datalint"] = {"allow": ["ALL"], "reason": "tested", "until": "2000-01-01" if n % 2 else "2999-01-01"}
        if n % 11 == 0:
            properties["owner"] = {"$ref": "shared.json#/$defs/Person"}
        schema = {"type": "object", "properties": properties}
        if n % 10 == 3:
            lines = ["type: object", "properties:", *(f"  {name}:\n    type: string" for name in names)]
            (folder / f"entity{n}.yaml").write_text("\n".join(lines) + "\n")
        elif n % 10 == 5:
            columns = ", ".join(f"{name} text" for name in names)
            (folder / f"table{n}.sql").write_text(f"CREATE TABLE t{n} (id int PRIMARY KEY, {columns});\n")
        elif n == 42:
            (folder / f"entity{n}.json").write_text("{ not json")
        else:
            (folder / f"entity{n}.json").write_text(json.dumps(schema))
        if not (folder / "shared.json").exists():
            (folder / "shared.json").write_text(json.dumps({"$defs": {"Person": {"type": "object", "properties": {"passport_number": {"type": "string"}}}}}))
    migrations = root / "migrations"
    migrations.mkdir()
    (migrations / "V1__init.sql").write_text("CREATE TABLE people (id int, nationality text, visa_status text);\n")
    (migrations / "V2__drop.sql").write_text("ALTER TABLE people DROP COLUMN visa_status;\n")
    return root


def _check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1782864000"}
    return subprocess.run([sys.executable, "-m", "datalint", "check", "--format", "json", "--isolated", "--no-cache", *args],
                          cwd=cwd, capture_output=True, env=env, check=False)


@pytest.mark.parametrize("where", ["examples", "generated"])
def test_jobs_2_prints_what_jobs_1_prints(tmp_path, where):
    cwd = EXAMPLES if where == "examples" else _tree(tmp_path / "tree")
    serial, parallel = _check(cwd, "--jobs", "1", "."), _check(cwd, "--jobs", "2", ".")
    assert serial.returncode == parallel.returncode
    assert json.loads(serial.stdout)["findings"]  # the comparison compares something
    assert serial.stdout == parallel.stdout
    assert serial.stderr == parallel.stderr


def test_the_pool_really_runs_and_keeps_field_identity(tmp_path, monkeypatch):
    tree = _tree(tmp_path / "tree")
    monkeypatch.chdir(tree)
    import concurrent.futures

    pools = []

    class Spy(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(kwargs.get("max_workers"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Spy)
    from datalint.engine import Engine
    from datalint.rulebook import load_rulebook

    engine = Engine(load_rulebook()[0])
    serial = run(["."], engine, RunOptions(jobs=1))
    parallel = run(["."], engine, RunOptions(jobs=2))
    assert pools == [2]
    assert parallel.findings == serial.findings
    assert parallel.diagnostics == serial.diagnostics
    assert parallel.checked == serial.checked
    assert any(finding.suppressed for finding in parallel.findings)


def test_few_files_stay_serial(monkeypatch, tmp_path):
    (tmp_path / "one.json").write_text(json.dumps({"type": "object", "properties": {"passport_number": {"type": "string"}}}))
    import concurrent.futures

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", None)  # would fail if used
    from datalint.engine import Engine
    from datalint.rulebook import load_rulebook

    report = run([str(tmp_path / "one.json")], Engine(load_rulebook()[0]), RunOptions(jobs=4))
    assert report.findings


def test_worker_count():
    assert worker_count(3) == 3
    assert worker_count(0) >= 1


@pytest.mark.parametrize("caller_enabled", [True, False], ids=["caller-collects", "caller-paused"])
def test_the_collector_runs_while_files_are_read_and_the_callers_setting_returns(engine, tmp_path, monkeypatch, caller_enabled):
    """Reading leaves cycles (syntax trees), so the collector runs then even
    when the command line paused it for start-up; linking runs without it."""
    import gc

    import datalint.linkage
    import datalint.runner

    seen: dict[str, bool] = {}

    def noting(step: str, function):
        def noted(*args):
            seen.setdefault(step, gc.isenabled())
            return function(*args)

        return noted

    monkeypatch.setattr(datalint.runner, "_read", noting("reading", datalint.runner._read))
    monkeypatch.setattr(datalint.linkage, "link", noting("linking", datalint.linkage.link))
    (tmp_path / "one.json").write_text(json.dumps({"type": "object", "properties": {"passport_number": {"type": "string"}}}))
    (gc.enable if caller_enabled else gc.disable)()
    thresholds = gc.get_threshold()
    try:
        run([str(tmp_path)], engine, RunOptions(jobs=1))
        assert (seen, gc.isenabled(), gc.get_threshold()) == ({"reading": True, "linking": False}, caller_enabled, thresholds)
    finally:
        gc.enable()


def test_an_in_process_check_gives_the_collector_back(tmp_path, monkeypatch):
    """The command line pauses the collector for start-up, not for whoever
    called it in process (tests, benchmarks, editors' integrations)."""
    import gc

    from datalint.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "one.json").write_text(json.dumps({"type": "object", "properties": {"passport_number": {"type": "string"}}}))
    assert gc.isenabled()
    with pytest.raises(SystemExit):
        main(["check", "-q", "--no-cache", "one.json"], standalone_mode=False)
    assert gc.isenabled()
