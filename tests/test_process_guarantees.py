"""What only a real process shows: no connection is ever attempted, output is
byte-identical whatever the hash seed, argument order, working directory or
TMPDIR, concurrent ``--output`` writers never leave a mixed file, and values
that may be personal data appear in no output at all."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")


def datalint(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "datalint", *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120
    )


# ------------------------------------------------------------------ network


AUDIT_HOOK = """\
import os, sys

def _record(event, args):
    if event.split(".")[0] in ("socket", "urllib", "http", "ftplib", "smtplib"):
        with open(os.environ["NETWORK_LOG"], "a") as log:
            log.write(event + "\\n")
        raise OSError("network use is forbidden in this test")

sys.addaudithook(_record)
"""


@pytest.fixture
def audited(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A sitecustomize that records (and refuses) every network audit event."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(AUDIT_HOOK, encoding="utf-8")
    log = tmp_path / "network.log"
    return {"PYTHONPATH": f"{site}{os.pathsep}{REPO}", "NETWORK_LOG": str(log)}, log


def test_the_audit_hook_sees_a_connection(audited, tmp_path):
    env, log = audited
    probe = "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 9), timeout=0.1)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", probe], env={**os.environ, **env}, check=True, timeout=60)
    assert log.read_text().split() != []


def test_a_run_over_remote_refs_makes_no_connection(audited, tmp_path):
    env, log = audited
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://schemas.example.com/root/booking.json",
        "properties": {
            name: {"$ref": ref}
            for name, ref in {
                "http": "http://example.com/a.json",
                "https": "https://example.com/a.json#/$defs/A",
                "ftp": "ftp://example.com/a.json",
                "file": "file:///etc/hosts",
                "sibling": "address.json",  # resolves under the remote $id
                "host_relative": "//example.org/x.json",
                "meta": "https://json-schema.org/draft/2020-12/schema",
            }.items()
        },
    }
    (tmp_path / "booking.json").write_text(json.dumps(schema), encoding="utf-8")
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.1.0\ncomponents:\n  schemas:\n    A:\n      properties:\n        p: {$ref: 'https://example.com/p.yaml'}\n"
    )
    result = datalint("check", ".", "--check-metaschema", "--format", "json", cwd=tmp_path, env=env)
    document = json.loads(result.stdout)
    assert {e["code"] for e in document["errors"]} == {"DL006"}
    assert sum("never fetched" in e["message"] for e in document["errors"]) >= 4
    assert not log.exists(), log.read_text()


# ------------------------------------------------------------------ determinism


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for folder in ("api", "db", "zz"):
        (root / folder).mkdir(parents=True)
    for source in (REPO / "examples" / "unsafe").rglob("*"):
        if source.is_file() and source.suffix in (".json", ".yaml", ".sql"):
            target = root / ("db" if source.suffix == ".sql" else "api") / f"{source.parent.name}-{source.name}"
            target.write_bytes(source.read_bytes())
    (root / "zz" / "broken.json").write_text('{"properties": {"visa": ', encoding="utf-8")
    (root / "zz" / "dup.yaml").write_text("properties:\n  a: {type: string}\n  a: {type: string}\n", encoding="utf-8")
    (root / "zz" / "remote.json").write_text('{"properties": {"p": {"$ref": "https://x.example/p.json"}}}', encoding="utf-8")
    return root


def outputs(project: Path, args: tuple[str, ...], cwd: Path, seed: str, tmpdir: Path) -> dict[str, tuple[str, str, int]]:
    tmpdir.mkdir(exist_ok=True)
    result = {}
    for output_format in FORMATS:
        run = datalint("check", *args, "--format", output_format, "--no-color", cwd=cwd,
                       env={"PYTHONHASHSEED": seed, "TMPDIR": str(tmpdir)})
        result[output_format] = (run.stdout, run.stderr, run.returncode)
    return result


def test_output_is_byte_identical_across_hash_seeds_argument_order_and_tmpdir(project, tmp_path):
    first = outputs(project, ("api", "db", "zz"), project, "0", tmp_path / "t1")
    assert first["json"][2] == 2 and json.loads(first["json"][0])["findings"]
    assert first == outputs(project, ("zz", "db", "api", "db"), project, "4242", tmp_path / "t2")
    assert first == outputs(project, ("./db", "zz/", "api"), project, "random", tmp_path / "t3")
    for stdout, stderr, _code in first.values():
        assert str(tmp_path) not in stdout + stderr
        assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", stdout + stderr), "a timestamp in the report"


def test_the_same_project_elsewhere_on_disk_gives_the_same_output(project, tmp_path):
    """Reports name files as given, relative to where datalint runs: no
    absolute path of the checkout, so a CI runner and a laptop agree."""
    elsewhere = tmp_path / "a" / "much" / "deeper" / "checkout"
    elsewhere.parent.mkdir(parents=True)
    project.rename(elsewhere)
    moved = outputs(elsewhere, ("api", "db", "zz"), elsewhere, "7", tmp_path / "t1")
    elsewhere.rename(project)
    assert moved == outputs(project, ("api", "db", "zz"), project, "8", tmp_path / "t2")


# ------------------------------------------------------------------ concurrent writers


def test_concurrent_runs_writing_one_output_never_leave_a_mixed_file(tmp_path):
    writers = 8
    for number in range(writers):
        fields = {f"passport_number_{number}_{index}": {"type": "string"} for index in range(400)}
        (tmp_path / f"in{number}").mkdir()
        (tmp_path / f"in{number}" / "s.json").write_text(json.dumps({"type": "object", "properties": fields}))
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()

    def write(number: int) -> int:
        return datalint("check", f"in{number}", "--format", "sarif", "-o", str(report), cwd=tmp_path).returncode

    def check_whole(text: str) -> None:
        results = json.loads(text)["runs"][0]["results"]
        names = {result["locations"][0]["logicalLocations"][0]["name"] for result in results}
        writer = {name.split("_")[2] for name in names}
        assert len(writer) == 1 and len(names) == 400, "the report mixes writers or lost findings"

    assert write(0) == 1
    done = threading.Event()
    seen: list[str] = []

    def watch() -> None:  # a CI step reading the report while runs write it
        while not done.is_set():
            seen.append(report.read_text(encoding="utf-8"))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(writers) as pool:
            assert list(pool.map(write, range(writers))) == [1] * writers
    finally:
        done.set()
        watcher.join()
    assert len(seen) > 10
    for text in [*seen, report.read_text(encoding="utf-8")]:
        check_whole(text)
    assert [path.name for path in report.parent.iterdir()] == ["report.json"]  # no temporary files left


# ------------------------------------------------------------------ leaks


SECRETS = [f"P{number}X7Q{number}SECRET" for number in range(13)]


def test_values_that_may_be_personal_data_appear_in_no_output(tmp_path):
    s = SECRETS
    schema = {
        "type": "object",
        "properties": {
            "passport_number": {"type": "string", "examples": [s[0]], "default": s[1]},
            "nationality": {"const": s[2]},
            "document_type": {"enum": [s[3], "passport"], "example": s[4]},
            "visa": {"type": "string", "examples": {"one": {"value": s[5]}}, "pattern": s[6]},
        },
    }
    (tmp_path / "a.json").write_text(json.dumps(schema, indent=2), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(f"properties:\n  passport_no: {{type: string, examples: ['{s[7]}']}}\n", encoding="utf-8")
    (tmp_path / "c.sql").write_text(
        f"CREATE TABLE guests (passport_number text DEFAULT '{s[8]}', ssn text COMMENT '{s[9]}');\n"
        f"CREATE TABLE broken (nationality text DEFAULT '{s[10]}' ENGINE=ENGINE_TYPE (;\n"
        f"INSERT INTO guests VALUES ('{s[11]}');\n"
        f"ALTER TABLE guests ADD COLUMN visa text DEFAULT '{s[12]}', ALTER COLUMN id SET STATISTICS 100;\n",  # sqlglot logs this one
        encoding="utf-8",
    )
    (tmp_path / "d.json").write_text('{"properties": {"x": {"default": "' + s[0] + '"}, }}', encoding="utf-8")
    runs = [datalint("check", ".", "--format", output_format, cwd=tmp_path) for output_format in FORMATS]
    runs.append(datalint("check", ".", "--statistics", "--check-metaschema", cwd=tmp_path))
    assert {run.returncode for run in runs} == {2}
    assert "DL101" in runs[1].stdout and "DL003" in runs[0].stderr and "DL002" in runs[0].stderr
    everything = "".join(run.stdout + run.stderr for run in runs)
    leaked = [secret for secret in SECRETS if secret in everything]
    assert leaked == []
