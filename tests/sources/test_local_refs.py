"""``#/json/pointer`` references into the document itself are resolved
without ``referencing`` (its import costs more than a small file's whole
lint), and give exactly what ``referencing`` gives, errors included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from datalint.sources import refs
from datalint.sources.schema import read_schema

REPO = Path(__file__).resolve().parent.parent.parent

DOCUMENT = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.com/root.json",
    "type": "object",
    "properties": {
        "passport": {"$ref": "#/$defs/Passport"},
        "tilde": {"$ref": "#/$defs/a~1b~0c"},
        "percent": {"$ref": "#/$defs/with%20space"},
        "item": {"$ref": "#/$defs/List/anyOf/1"},
        "chain": {"$ref": "#/$defs/Chain"},
        "inner": {"$ref": "#/$defs/Embedded/$defs/Inner"},
        "nowhere": {"$ref": "#/$defs/Missing"},
        "bad_index": {"$ref": "#/$defs/List/anyOf/x"},
        "anchor": {"$ref": "#named"},
    },
    "$defs": {
        "Passport": {"type": "string", "description": "Passport number", "pattern": "^[A-Z0-9]+$"},
        "a/b~c": {"type": "string", "description": "Escaped key"},
        "with space": {"type": "string", "description": "Percent-encoded key"},
        "List": {"anyOf": [{"type": "integer"}, {"type": "string", "description": "Second item"}]},
        "Chain": {"allOf": [{"$ref": "#/$defs/Passport"}], "title": "Chained"},
        "Embedded": {"$id": "embedded.json", "$defs": {"Inner": {"type": "string", "description": "Inner"}}},
        "Named": {"$anchor": "named", "type": "string", "description": "By anchor"},
    },
}


def _read(path: Path):
    text = path.read_text(encoding="utf-8")
    return read_schema(text, str(path), source=path, root=path.parent, yaml_syntax=path.suffix in (".yaml", ".yml"))


def test_same_fields_and_diagnostics_as_referencing(tmp_path, monkeypatch):
    path = tmp_path / "root.json"
    path.write_text(json.dumps(DOCUMENT, indent=2), encoding="utf-8")
    fast = _read(path)
    monkeypatch.setattr(refs.References, "_local", lambda self, ref, base: None)
    slow = _read(path)
    assert fast.fields == slow.fields
    assert fast.diagnostics == slow.diagnostics
    assert {d.code for d in fast.diagnostics} == {"DL006"}
    described = {field.name: field.description for field in fast.fields}
    assert described["passport"] == "Passport number" and described["tilde"] == "Escaped key"
    assert described["item"] == "Second item" and described["chain"].startswith("Chained")
    assert any("Missing" in d.message for d in fast.diagnostics)


@pytest.mark.parametrize(
    "path",
    sorted((REPO / "tests" / "fixtures" / "schema").rglob("*.json")) + sorted((REPO / "examples").rglob("*.json")),
    ids=lambda p: p.name,
)
def test_fixtures_read_the_same(path, monkeypatch):
    fast = _read(path)
    monkeypatch.setattr(refs.References, "_local", lambda self, ref, base: None)
    slow = _read(path)
    assert (fast.fields, fast.diagnostics) == (slow.fields, slow.diagnostics)


def test_a_schema_with_only_local_refs_never_imports_referencing():
    example = REPO / "examples" / "unsafe" / "advertiser.schema.json"
    code = (
        "import sys; from pathlib import Path; from datalint.sources.schema import read_schema; "
        f"p = Path({str(example)!r}); read_schema(p.read_text(), str(p), source=p, root=p.parent); "
        "print('referencing' in sys.modules, 'jsonschema' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
