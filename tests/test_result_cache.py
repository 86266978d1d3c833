"""The result cache (``.datalint_cache/``): a re-run serves unchanged files
from it and prints the same report; changed, damaged, forged and
``$ref``-dependent entries never are served."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from datalint import resultcache

PASSPORT = {"type": "object", "properties": {"passport_number": {"type": "string"}, "id": {"type": "string"}}}


def _check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1782864000"}
    return subprocess.run([sys.executable, "-m", "datalint", "check", "--format", "json", "--isolated", *args, "."],
                          cwd=cwd, capture_output=True, env=env, check=False)


def _entries(cwd: Path) -> list[Path]:
    return sorted(p for p in (cwd / ".datalint_cache").glob("??/*") if p.is_file())


def _forget_runs(cwd: Path) -> None:
    """Drop the run manifests (``datalint.runcache``), so that the next run
    reads the per-file entries instead of replaying the whole run."""
    for manifest in (cwd / ".datalint_cache" / "runs").glob("*"):
        manifest.unlink()


@pytest.fixture
def project(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(PASSPORT))
    annotated = {"type": "object", "properties": {"nationality": {"type": "string", "x-datalint": {"allow": ["ALL"], "reason": "r", "until": "2000-01-01"}}}}
    (tmp_path / "b.json").write_text(json.dumps(annotated))
    (tmp_path / "c.sql").write_text("CREATE TABLE people (id int, passport_number text);\n")
    (tmp_path / "d.yaml").write_text("type: object\nproperties:\n  visa_status:\n    type: string\n")
    return tmp_path


def test_a_warm_run_prints_the_cold_runs_report(project):
    cold = _check(project)
    entries = _entries(project)
    assert len(entries) == 4
    assert (project / ".datalint_cache" / ".gitignore").read_text() == "*\n"
    assert (project / ".datalint_cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    _forget_runs(project)
    warm = _check(project)
    assert json.loads(cold.stdout)["findings"]
    assert (warm.stdout, warm.stderr, warm.returncode) == (cold.stdout, cold.stderr, cold.returncode)
    assert _check(project, "--no-cache").stdout == cold.stdout
    assert _check(project, "--jobs", "2").stdout == cold.stdout


def test_no_cache_writes_nothing(project):
    _check(project, "--no-cache")
    assert not (project / ".datalint_cache").exists()


def test_a_changed_file_is_read_again(project):
    _check(project)
    (project / "a.json").write_text(json.dumps({"type": "object", "properties": {"id": {"type": "string"}}}))
    again = _check(project)
    assert again.stdout == _check(project, "--no-cache").stdout
    assert "a.json" not in {f["file"] for f in json.loads(again.stdout)["findings"]}


def test_damaged_and_forged_entries_are_misses(project):
    cold = _check(project)
    _forget_runs(project)
    first, second, *_ = _entries(project)
    first.write_text("garbage")
    signature, _, payload = second.read_text().partition("\n")
    forged = json.loads(payload)
    forged[2] = []  # hide the findings
    second.write_text(signature + "\n" + json.dumps(forged))
    assert _check(project).stdout == cold.stdout


def test_files_whose_refs_leave_them_are_not_cached(tmp_path):
    (tmp_path / "shared.json").write_text(json.dumps({"$defs": {"P": {"type": "object", "properties": {"passport_number": {"type": "string"}}}}}))
    (tmp_path / "user.json").write_text(json.dumps({"type": "object", "properties": {"owner": {"$ref": "shared.json#/$defs/P"}}}))
    (tmp_path / "local.json").write_text(json.dumps({"$defs": {"X": {"type": "string"}}, "type": "object", "properties": {"nationality": {"$ref": "#/$defs/X"}}}))
    _check(tmp_path)
    assert len(_entries(tmp_path)) == 2  # shared.json and local.json, not user.json
    (tmp_path / "shared.json").write_text(json.dumps({"$defs": {"P": {"type": "object", "properties": {"id": {"type": "string"}}}}}))
    assert _check(tmp_path).stdout == _check(tmp_path, "--no-cache").stdout


def test_concurrent_runs_share_one_cache(project):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1782864000"}
    command = [sys.executable, "-m", "datalint", "check", "--format", "json", "--isolated", "."]
    processes = [subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE) for _ in range(3)]
    outputs = {process.communicate()[0] for process in processes}
    assert len(outputs) == 1
    assert _check(project).stdout in outputs


def test_the_codec_keeps_field_identity():
    from datalint.model import Field, Finding, Location, ReadResult

    field = Field("passport_number", "#", Location("a.json", 1, 2), pointer="#/properties/passport_number", enum=("x",))
    finding = Finding("DL101", "n", "c", "error", "m", field)
    result, findings, problems = resultcache._decode_outcome(json.loads(json.dumps(
        resultcache._encode_outcome((ReadResult(fields=(field,)), [finding], [])))))
    assert result.fields == (field,) and findings == [finding] and problems == []
    assert findings[0].field is result.fields[0]
