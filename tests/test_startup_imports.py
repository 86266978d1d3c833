"""A run over one small JSON file imports only what it uses (issue #6, T2):
no SQL reader, no migration replay, no baseline, no database targets, no
configuration parser without a configuration file, no subprocess for git."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from datalint.rulebook import load_rulebook

NOT_NEEDED = (
    "sqlglot", "jsonschema", "yaml", "subprocess", "tomllib", "traceback", "multiprocessing",
    "datalint.baseline", "datalint.targets", "datalint.sources.migrations", "datalint.sources.sql",
    "datalint.sources.sql_catalogue", "datalint.sources.sql_split", "datalint.sources.sql_dialect",
    "datalint.sources.database",
    "_hashlib",  # OpenSSL (~3 ms): cache keys and signatures use datalint.digest
    "dataclasses",  # ~7 ms with inspect: the model and the run's records are NamedTuples
)

SCRIPT = """
import json, sys
sys.argv = ["datalint", "check", "-q", *sys.argv[1:]]
from datalint.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _modules(cwd: Path, *args: str) -> set[str]:
    """The modules loaded by the second of two runs: the first one fills the
    compiled-rulebook cache, which a cold run validates with yaml and jsonschema."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=cwd, capture_output=True, text=True, env=env, check=True)
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    if load_rulebook()[1]:  # a broken pack (being edited) is never cached, so every run validates the packs
        loaded -= {"yaml", "jsonschema"}
    return loaded


def _schema(path: Path) -> None:
    path.write_text(json.dumps({"type": "object", "properties": {"id": {"type": "string"}, "passport_number": {"type": "string"}}}))


def test_one_json_file_imports_nothing_it_does_not_use(tmp_path):
    _schema(tmp_path / "one.json")
    loaded = _modules(tmp_path, "--no-cache", "one.json")
    assert "datalint.sources.schema" in loaded  # the run really happened
    assert sorted(loaded & set(NOT_NEEDED)) == []


def test_a_run_served_from_the_run_cache_imports_no_reader_engine_or_rules(tmp_path):
    _schema(tmp_path / "one.json")
    loaded = _modules(tmp_path, "one.json")  # the second run: replayed from the run cache
    assert "datalint.runcache" in loaded
    machinery = {"datalint.sources.schema", "datalint.sources.documents", "datalint.engine", "datalint.rulebook"}
    assert sorted(loaded & {*NOT_NEEDED, *machinery}) == []


def test_a_directory_outside_git_starts_no_git(tmp_path):
    (tmp_path / "schemas").mkdir()
    _schema(tmp_path / "schemas" / "one.json")
    _schema(tmp_path / "schemas" / "two.json")
    loaded = _modules(tmp_path, "--no-cache", "schemas")
    assert "subprocess" not in loaded
    assert "datalint.sources.migrations" not in loaded


def test_one_sql_file_reads_no_migrations(tmp_path):
    (tmp_path / "one.sql").write_text("CREATE TABLE people (id int, passport_number text);\n")
    loaded = _modules(tmp_path, "--no-cache", "one.sql")
    assert "datalint.sources.sql" in loaded
    assert sorted(loaded & {"subprocess", "datalint.sources.migrations", "datalint.baseline", "jsonschema", "dataclasses"}) == []
