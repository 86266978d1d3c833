"""The run cache (``datalint.runcache``): a re-run over unchanged inputs
prints what the first run printed without reading or matching anything,
and is never replayed once anything the run depended on may have changed."""

from __future__ import annotations

import json
import marshal
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from datalint import runcache
from helpers import GOOD_RULE

PASSPORT = {"type": "object", "properties": {"passport_number": {"type": "string"}, "id": {"type": "string"}}}
PLAIN = {"type": "object", "properties": {"id": {"type": "string"}}}
EPOCH = "1782864000"  # 2026-07-01

#: Runs datalint and says on stderr's last line whether the pipeline ran
#: (the rule engine imported) or the run was replayed.
SCRIPT = """
import sys
sys.argv = ["datalint", *sys.argv[1:]]
from datalint.cli import main
try:
    main()
finally:
    print("RAN" if "datalint.engine" in sys.modules else "REPLAYED", file=sys.stderr)
"""


def _run(cwd: Path, *args: str, epoch: str = EPOCH) -> tuple[bytes, bytes, int, str]:
    """(stdout, stderr, exit status, RAN or REPLAYED) of ``datalint check``."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
    done = subprocess.run([sys.executable, "-c", SCRIPT, "check", "--format", "json", *args],
                          cwd=cwd, capture_output=True, env=env, check=False)
    stderr, _, how = done.stderr.rstrip(b"\n").rpartition(b"\n")
    return done.stdout, stderr + b"\n" if stderr else b"", done.returncode, how.decode()


def _settle(*paths: Path) -> None:
    """Date files and directories back beyond the racy window, as if they
    had been written a while ago (their ctime stays recent: see the racy tests)."""
    for path in paths:
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 10 * runcache.RACY_NS))


@pytest.fixture
def project(tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "a.json").write_text(json.dumps(PASSPORT))
    (tmp_path / "schemas" / "b.json").write_text(json.dumps(PLAIN))
    (tmp_path / "c.sql").write_text("CREATE TABLE people (id int, nationality text);\n")
    return tmp_path


def test_a_rerun_is_replayed_byte_for_byte(project):
    cold = _run(project, "--isolated")
    assert cold[3] == "RAN" and json.loads(cold[0])["findings"]
    warm = _run(project, "--isolated")
    assert warm == (*cold[:3], "REPLAYED")
    assert _run(project, "--isolated", "--no-cache")[:3] == cold[:3]


def test_stderr_and_exit_status_are_replayed(project):
    (project / "broken.json").write_text('{"type": "object", "properties": {')
    cold = _run(project, "--isolated", "--format", "text")
    assert cold[1] and cold[2] == 2  # a syntax error: DL002 on stderr, exit 2
    assert _run(project, "--isolated", "--format", "text") == (*cold[:3], "REPLAYED")


def test_the_output_file_is_written_again(project, tmp_path_factory):
    report = tmp_path_factory.mktemp("out") / "report.json"
    cold = _run(project, "--isolated", "-o", str(report))
    written = report.read_bytes()
    report.unlink()
    assert _run(project, "--isolated", "-o", str(report)) == (*cold[:3], "REPLAYED")
    assert report.read_bytes() == written


def test_any_option_is_part_of_the_key(project):
    _run(project, "--isolated")
    assert _run(project, "--isolated", "--select", "DL101")[3] == "RAN"
    assert _run(project, "--isolated", "--jobs", "1")[3] == "REPLAYED"  # --jobs never changes output


def test_no_cache_neither_reads_nor_records(project):
    _run(project, "--isolated", "--no-cache")
    assert not (project / ".datalint_cache").exists()
    _run(project, "--isolated")
    assert _run(project, "--isolated", "--no-cache")[3] == "RAN"


def test_an_edited_file_is_read_again(project):
    _run(project, "--isolated")
    (project / "schemas" / "b.json").write_text(json.dumps(PASSPORT))
    again = _run(project, "--isolated")
    assert again[3] == "RAN"
    assert again[:3] == _run(project, "--isolated", "--no-cache")[:3]


def test_new_and_deleted_files_are_noticed(project):
    _run(project, "--isolated")
    (project / "schemas" / "deeper").mkdir()
    (project / "schemas" / "deeper" / "d.yaml").write_text("type: object\nproperties:\n  visa_status:\n    type: string\n")
    added = _run(project, "--isolated")
    assert added[3] == "RAN" and b"deeper/d.yaml" in added[0]
    (project / "schemas" / "a.json").unlink()
    removed = _run(project, "--isolated")
    assert removed[3] == "RAN" and b"schemas/a.json" not in removed[0]


def test_files_datalint_does_not_read_change_nothing(project):
    _run(project, "--isolated")
    (project / "schemas" / "notes.txt").write_text("not a schema")
    assert _run(project, "--isolated")[3] == "REPLAYED"


def test_same_bytes_with_new_stats_are_replayed_and_the_manifest_refreshed(project):
    cold = _run(project, "--isolated")
    manifest, = (project / ".datalint_cache" / "runs").iterdir()
    recorded = manifest.read_bytes()
    _settle(project / "schemas" / "a.json")  # a checkout or `touch`: new stats, same bytes
    assert _run(project, "--isolated") == (*cold[:3], "REPLAYED")
    assert manifest.read_bytes() != recorded  # the new stats are kept
    assert _run(project, "--isolated")[3] == "REPLAYED"


def test_entries_changed_just_before_their_stat_are_racy(tmp_path, monkeypatch):
    (tmp_path / "a.json").write_text("{}")
    snapshot = runcache.Snapshot(1024)
    snapshot.add_file(str(tmp_path / "a.json"))
    snapshot.add_directory(str(tmp_path))
    assert snapshot.files[str(tmp_path / "a.json")][2] and snapshot.directories[str(tmp_path)][2]
    monkeypatch.setattr(runcache, "RACY_NS", -runcache.RACY_NS)  # as if the stat came long after the change
    settled = runcache.Snapshot(1024)
    settled.add_file(str(tmp_path / "a.json"))
    settled.add_directory(str(tmp_path))
    assert not settled.files[str(tmp_path / "a.json")][2] and not settled.directories[str(tmp_path)][2]


def test_racy_files_are_compared_by_their_bytes(project, monkeypatch):
    """An edit in the same timestamp tick as the stat keeps every stat
    field; it is simulated by changing the recorded hash of files whose
    stats are unchanged: trusted by stat unless marked racy."""
    monkeypatch.chdir(project)
    _run(project, "--isolated")
    request, data = _request_of_last_run(project), _manifest(project)
    folder = next(group for group in data["files"] if group[0].endswith("schemas"))
    folder[3] = b"\xff" * len(folder[3])  # [folder, names, stats, hashes, racy]
    folder[4] = []
    _write_manifest(project, data)
    assert runcache.replay(request, lambda _root, _paths: None) is not None
    folder[4] = [0, 1]
    _write_manifest(project, data)
    assert runcache.replay(request, lambda _root, _paths: None) is None


def test_racy_directories_are_listed_again(project, monkeypatch):
    monkeypatch.chdir(project)
    _run(project, "--isolated")
    request, data = _request_of_last_run(project), _manifest(project)
    paths, _stats, listings, _racy, _suffixes = data["directories"]
    number, size = next(number for number, path in enumerate(paths) if path.endswith("schemas")), len(listings) // len(paths)
    data["directories"][2] = listings[: number * size] + b"\xff" * size + listings[(number + 1) * size :]  # as if a file had appeared in the same tick
    data["directories"][3] = []
    _write_manifest(project, data)
    assert runcache.replay(request, lambda _root, _paths: None) is not None
    data["directories"][3] = [number]
    _write_manifest(project, data)
    assert runcache.replay(request, lambda _root, _paths: None) is None


def test_forged_and_damaged_manifests_are_misses(project):
    cold = _run(project, "--isolated")
    manifest, = (project / ".datalint_cache" / "runs").iterdir()
    signature = manifest.read_bytes().partition(b"\n")[0]
    forged = _manifest(project)
    forged["text"] = json.dumps({"findings": []})
    manifest.write_bytes(signature + b"\n" + marshal.dumps(forged))
    assert _run(project, "--isolated") == (*cold[:3], "RAN")
    manifest.write_text("garbage")
    assert _run(project, "--isolated")[:3] == cold[:3]


def test_a_configuration_file_that_appears_is_read(project):
    cold = _run(project)
    assert b"DL101" in cold[0]
    (project / "datalint.toml").write_text('ignore = ["DL101"]\n')
    configured = _run(project)
    assert configured[3] == "RAN" and b"DL101" not in configured[0]
    (project / "datalint.toml").write_text('ignore = ["DL201"]\n')
    assert b"DL101" in _run(project)[0]




def test_an_edited_custom_rule_pack_is_read(project):
    (project / "rules").mkdir()
    (project / "rules" / "custom.yaml").write_text(GOOD_RULE)
    (project / "datalint.toml").write_text('rule-dirs = ["rules"]\n')
    (project / "schemas" / "tours.json").write_text(json.dumps({"type": "object", "properties": {"tour_date": {"type": "string"}}}))
    assert b"XX901" in _run(project, "schemas")[0]  # the pack is not among the files linted
    (project / "rules" / "custom.yaml").write_text(GOOD_RULE.replace("tour date", "tour day"))
    edited = _run(project, "schemas")
    assert edited[3] == "RAN" and b"XX901" not in edited[0]


def test_the_day_suppressions_are_judged_on_is_part_of_the_key(project):
    annotated = {"type": "object", "properties": {"nationality": {
        "type": "string", "x-datalint": {"allow": ["ALL"], "reason": "r", "until": "2026-01-01"}}}}
    (project / "schemas" / "b.json").write_text(json.dumps(annotated))
    expired = _run(project, "--isolated")
    earlier = _run(project, "--isolated", epoch="1735689600")  # 2025-01-01: still suppressed
    assert earlier[3] == "RAN" and earlier[0] != expired[0]


def test_files_whose_refs_may_leave_them_are_never_replayed(tmp_path):
    """Linting one file whose ``$ref`` reads a sibling: the sibling is not
    among the files the run stat'ed, so the run cannot vouch for it."""
    (tmp_path / "user.json").write_text(json.dumps({"type": "object", "properties": {"owner": {"$ref": "shared.json#/$defs/P"}}}))
    first = _run(tmp_path, "--isolated", "user.json")
    assert b"DL006" in first[0]  # the referenced file does not exist
    (tmp_path / "shared.json").write_text(json.dumps({"$defs": {"P": PASSPORT}}))
    again = _run(tmp_path, "--isolated", "user.json")
    assert again[3] == "RAN" and b"DL006" not in again[0]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_new_gitignore_rule_is_honoured(project):
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    cold = _run(project, "--isolated")
    assert b"schemas/a.json" in cold[0]
    (project / ".gitignore").write_text("schemas/a.json\n")  # not a linted file: only git can tell
    ignored = _run(project, "--isolated")
    assert b"schemas/a.json" not in ignored[0]
    assert _run(project, "--isolated")[3] == "REPLAYED"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_repository_created_around_a_recorded_run_is_honoured(project):
    """Recorded outside git, no ``.gitignore`` applied; once a repository
    holds the walked folder (created above it: the folder's own listing
    does not change), its ignore rules must apply, so no replay."""
    _settle(project / "schemas" / "a.json", project / "schemas" / "b.json", project / "schemas")
    assert b"schemas/a.json" in _run(project, "--isolated", "schemas")[0]
    assert _run(project, "--isolated", "schemas")[3] == "REPLAYED"
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (project / ".gitignore").write_text("schemas/a.json\n")
    after = _run(project, "--isolated", "schemas")
    assert after[3] == "RAN" and b"schemas/a.json" not in after[0]


def test_concurrent_runs_record_one_manifest(project):
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    command = [sys.executable, "-m", "datalint", "check", "--format", "json", "--isolated"]
    processes = [subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE) for _ in range(3)]
    outputs = {process.communicate()[0] for process in processes}
    assert len(outputs) == 1
    assert _run(project, "--isolated")[0] in outputs


def test_every_file_whose_stats_changed_is_compared(project, monkeypatch):
    """Stats are compared a folder at a time; in a folder that changed,
    each file whose stats differ has its bytes compared, not just the first."""
    monkeypatch.chdir(project)
    (project / "schemas" / "z.json").write_text(json.dumps(PLAIN))
    _run(project, "--isolated")
    request, data = _request_of_last_run(project), _manifest(project)
    for group in data["files"]:
        group[4] = []  # settled: trusted by stat
    _write_manifest(project, data)
    _settle(project / "schemas" / "a.json")  # new stats, same bytes
    (project / "schemas" / "z.json").write_text(json.dumps(PLAIN).replace('"id"', '"ID"'))  # new bytes, same size
    assert runcache.replay(request, lambda _root, _paths: None) is None


def test_a_file_dated_beyond_what_a_stamp_holds_is_linted_and_not_recorded(project):
    far = 10_400_000_000 * 10**9  # the year 2300: past 2**63 nanoseconds since 1970
    os.utime(project / "schemas" / "a.json", ns=(far, far))
    if (project / "schemas" / "a.json").stat().st_mtime_ns != far:
        pytest.skip("this filesystem cannot hold the date")
    cold = _run(project, "--isolated")
    assert cold[2] == 1 and b"schemas/a.json" in cold[0]
    assert _run(project, "--isolated") == (*cold[:3], "RAN")


def test_a_manifest_is_replaced_whole_or_not_at_all(project, monkeypatch):
    monkeypatch.chdir(project)
    snapshot = runcache.Snapshot(1024)
    runcache.record("request", snapshot, "first report\n", "", None, 0)

    def interrupted(_source, _target):
        raise OSError("interrupted")

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", interrupted)
        runcache.record("request", snapshot, "second report\n", "", None, 0)
    assert runcache.replay("request", lambda _root, _paths: None).text == "first report\n"
    assert len(list((project / ".datalint_cache" / "runs").iterdir())) == 1  # and no temporary file left beside it


def test_old_manifests_are_pruned(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for number in range(runcache.KEPT_MANIFESTS + 4):
        runcache.record(f"request {number}", runcache.Snapshot(1024), f"report {number}\n", "", None, 0)
    assert len(list((tmp_path / ".datalint_cache" / "runs").iterdir())) == runcache.KEPT_MANIFESTS
    latest = runcache.replay(f"request {runcache.KEPT_MANIFESTS + 3}", lambda _root, _paths: None)
    assert latest is not None and latest.text == f"report {runcache.KEPT_MANIFESTS + 3}\n"


# ------------------------------------------------------------------ helpers


def _manifest(project: Path) -> dict:
    manifest, = (project / ".datalint_cache" / "runs").iterdir()
    return runcache.decode_manifest(manifest.read_bytes())


def _write_manifest(project: Path, data: dict) -> None:
    """Rewrite the manifest, signed as datalint signs it."""
    manifest, = (project / ".datalint_cache" / "runs").iterdir()
    manifest.write_bytes(runcache.encode_manifest(data))


def _request_of_last_run(project: Path) -> str:
    return _manifest(project)["request"]
