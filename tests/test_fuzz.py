"""Property tests, one pair per reader: random bytes, and input shaped like
what the reader expects (schemas with nasty names, CREATE TABLEs with odd
quoting, rule packs, configuration). The only allowed outcome is fields plus
datalint's own diagnostics: never an exception, never DL009 (a bug).

The number of examples comes from the Hypothesis profile (tests/conftest.py;
docs/testing.md): 100 while developing, 1,000 in CI, 10,000 with
``HYPOTHESIS_PROFILE=deep``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from datalint.config import load_settings
from datalint.diagnostics import CATALOGUE
from datalint.files import decode
from datalint.model import ReadResult
from datalint.rulebook import SCHEMA_FILE, _load_pack, builtin_rules_dir
from datalint.sources.schema import read_schema
from datalint.sources.sql import read_sql

RULE_SCHEMA = json.loads((builtin_rules_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))


def assert_own_outcome(result: ReadResult, display: str, engine) -> None:
    for problem in result.diagnostics:
        assert problem.code in CATALOGUE and problem.code != "DL009", problem
        assert problem.location.file == display
        assert problem.location.line >= 0 and problem.location.column >= 0
    engine.evaluate_all(result.fields)


def read_bytes(data: bytes, display: str, reader) -> ReadResult:
    text = decode(data, display)
    return text if isinstance(text, ReadResult) else reader(text, display)


# ------------------------------------------------------------------ strategies

#: Random bytes, half of them valid UTF-8 so that the parsers, not only the decoder, see them.
_BYTES = st.binary(max_size=400) | st.text(max_size=400).map(lambda text: text.encode("utf-8", "surrogatepass"))

_NASTY = st.sampled_from(
    ["", " ", "~", "/", "~1", "a/b~c", "$ref", "#", "%2e%2e", "../x", "\u2028", "\u0085", "\ufeff", "é", "ß", "İ",
     "passport_number", "placeOfBirth", "NATIONALITY", "visa\nstatus", "\t", '"', "'", "\\", "{", "&a", "*a", "<<",
     "!!python/name:os.system", "x" * 300]
)  # fmt: skip
_NAMES = _NASTY | st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
_SCHEMA_WORDS = st.sampled_from(
    ["$schema", "$ref", "$id", "id", "properties", "patternProperties", "items", "prefixItems", "allOf", "anyOf", "oneOf",
     "not", "if", "then", "else", "$defs", "definitions", "dependentSchemas", "additionalProperties", "type", "title",
     "description", "enum", "const", "format", "pattern", "examples", "default", "openapi", "swagger", "components",
     "schemas", "parameters", "paths", "get", "name", "in", "schema", "content", "requestBody", "responses"]
)  # fmt: skip
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _NAMES | st.sampled_from(
    ["#/$defs/a", "#/properties/a", "#", "a.json#/x", "http://example.com/x", "file:///etc/passwd", "%2e%2e/x.json",
     "3.1.0", "2.0", "https://json-schema.org/draft/2020-12/schema", "object", "string", "#/$defs/a/properties/b"]
)  # fmt: skip
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.lists(st.tuples(_SCHEMA_WORDS | _NAMES, inner), max_size=5),  # pairs: keys may repeat
    max_leaves=40,
)


def to_json(value) -> str:
    """JSON text that keeps repeated keys (a dict would drop them)."""
    if isinstance(value, list) and all(isinstance(each, tuple) for each in value) and value:
        return "{" + ", ".join(f"{json.dumps(key, ensure_ascii=False)}: {to_json(item)}" for key, item in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_json(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def to_plain(value):
    if isinstance(value, list) and all(isinstance(each, tuple) for each in value) and value:
        return {str(key): to_plain(item) for key, item in value}
    if isinstance(value, list):
        return [to_plain(item) for item in value]
    return value


def schema_document(value) -> list:
    return [("$schema", "https://json-schema.org/draft/2020-12/schema"), ("properties", value)]


_IDENTIFIERS = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_$]{0,12}", fullmatch=True),
    _NAMES.map(lambda name: '"' + name.replace('"', '""') + '"'),
    _NAMES.map(lambda name: "`" + name.replace("`", "``") + "`"),
    _NAMES.map(lambda name: "[" + name.replace("]", "") + "]"),
    st.sampled_from(["passport_number", "nationality", "visa_status", "PRIMARY", "KEY", "CONSTRAINT", "CHECK"]),
)
_SQL_TOKENS = st.one_of(
    _IDENTIFIERS,
    st.sampled_from(
        ["int", "text", "varchar(20)", "decimal(10,2)", "ENUM('a','b')", "NOT NULL", "DEFAULT", "'x'", "'it''s'",
         "'unterminated", "\"", "COMMENT", "REFERENCES", "CHECK (x IN ('passport', 'visa'))", "(", ")", ",", ";",
         "--", "-- passport\n", "/*", "*/", "/* c */", "#", "\n", "$$", "$tag$", "::text", "ADD COLUMN", "AS ENUM",
         "IS", "ON", "ENGINE=InnoDB", "GO\n", "DELIMITER //\n", "//", "\\", "E'\\''"]
    ),  # fmt: skip
)
_HEADS = st.sampled_from(
    ["CREATE TABLE", "CREATE TEMPORARY TABLE IF NOT EXISTS", "ALTER TABLE", "ALTER TABLE ONLY", "CREATE TYPE",
     "COMMENT ON COLUMN", "COMMENT ON TABLE", "CREATE OR REPLACE TYPE", "INSERT INTO", "CREATE FUNCTION", ""]
)  # fmt: skip


@st.composite
def sql_statements(draw) -> str:
    statements = []
    for _ in range(draw(st.integers(1, 4))):
        head = draw(_HEADS)
        name = draw(_IDENTIFIERS)
        body = " ".join(draw(st.lists(_SQL_TOKENS, max_size=30)))
        depth = draw(st.integers(0, 3))
        statements.append(f"{head} {name} {'(' * depth}{body}{')' * draw(st.integers(0, depth + 1))}")
    return ";\n".join(statements) + draw(st.sampled_from(["", ";", ";\n"]))


_RULE_KEYS = st.sampled_from(
    ["code", "name", "category", "severity", "summary", "why", "cautions", "instead", "references", "match", "unless",
     "examples", "all", "pattern", "description", "enum", "flag", "pass", "rules"]
)  # fmt: skip
_RULE_VALUES = st.recursive(
    _SCALARS | st.sampled_from(["DL999", "XX001", "error", "identity-document", "C1", "(a+)+$", "(", "[a-"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_RULE_KEYS | _NAMES, inner, max_size=5),
    max_leaves=30,
)

_CONFIG_KEYS = st.sampled_from(
    ["select", "extend-select", "ignore", "severity", "per-file-ignores", "include", "exclude", "respect-gitignore",
     "dialect", "dialects", "fail-on", "rule-dirs", "tool", "datalint", "x"]
)  # fmt: skip
_TOML_VALUES = st.recursive(
    st.booleans().map(lambda flag: str(flag).lower())
    | st.integers().map(str)
    | _NAMES.map(json.dumps)
    | st.sampled_from(['"DL101"', '"nationality"', '"error"', '"postgres"']),
    lambda inner: st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]")
    | st.lists(st.tuples(_CONFIG_KEYS, inner), max_size=3).map(lambda pairs: "{" + ", ".join(f'"{k}" = {v}' for k, v in pairs) + "}"),
    max_leaves=15,
)


@st.composite
def toml_documents(draw) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            lines.append(f"[{draw(_CONFIG_KEYS)}]")
        lines.append(f"{draw(_CONFIG_KEYS)} = {draw(_TOML_VALUES)}")
    text = "\n".join(lines)
    cut = draw(st.integers(0, len(text)))
    return text if draw(st.booleans()) else text[:cut] + draw(st.sampled_from(["", "=", "[", '"', "\x00", "]]"])) + text[cut:]


# ------------------------------------------------------------------ JSON


@given(_BYTES)
@example(b"\xef\xbb\xbf{}")
@example(b"[" * 5000)
def test_json_reader_on_random_bytes(engine, data):
    assert_own_outcome(read_bytes(data, "f.json", read_schema), "f.json", engine)


@given(_VALUES)
def test_json_reader_on_schema_shaped_documents(engine, value):
    text = to_json(schema_document(value))
    result = read_schema(text, "s.json")
    assert_own_outcome(result, "s.json", engine)
    assert [d for d in result.diagnostics if d.severity == "error" and d.code != "DL004"] == []


# ------------------------------------------------------------------ YAML


@given(_BYTES)
@example(b"a: &a [*a]")
@example(b"!!python/object/apply:os.system ['true']")
def test_yaml_reader_on_random_bytes(engine, data):
    reader = lambda text, display: read_schema(text, display, yaml_syntax=True)  # noqa: E731
    assert_own_outcome(read_bytes(data, "f.yaml", reader), "f.yaml", engine)


@given(_VALUES, st.integers(0, 10_000), st.sampled_from(["", ":", "- ", "&x ", "*x", "!!python/name:x ", "\t", "{", "'"]))
def test_yaml_reader_on_schema_shaped_documents(engine, value, cut, noise):
    text = yaml.safe_dump(to_plain(schema_document(value)), allow_unicode=True, sort_keys=False)
    cut %= len(text) + 1
    for variant in (text, text[:cut] + noise + text[cut:]):
        assert_own_outcome(read_schema(variant, "s.yaml", yaml_syntax=True), "s.yaml", engine)


# ------------------------------------------------------------------ SQL


@given(_BYTES)
@example(b"CREATE TABLE t (" + b"(" * 3000)
def test_sql_reader_on_random_bytes(engine, data):
    assert_own_outcome(read_bytes(data, "f.sql", read_sql), "f.sql", engine)


@given(sql_statements())
def test_sql_reader_on_create_table_shaped_statements(engine, sql):
    assert_own_outcome(read_sql(sql, "s.sql"), "s.sql", engine)


# ------------------------------------------------------------------ rule packs


def assert_pack_outcome(raw: bytes) -> None:
    rules, problems = _load_pack(Path("fuzz.yaml"), RULE_SCHEMA, raw)
    assert all(problem.code == "DL007" and problem.location.file == "fuzz.yaml" for problem in problems)
    assert bool(rules) != bool(problems)


@given(_BYTES)
def test_rule_pack_loader_on_random_bytes(data):
    assert_pack_outcome(data)


@given(st.lists(_RULE_VALUES, max_size=2), st.booleans())
def test_rule_pack_loader_on_pack_shaped_documents(rules, wrapped):
    document = {"rules": rules} if wrapped else rules
    assert_pack_outcome(yaml.safe_dump(document, allow_unicode=True).encode("utf-8"))


# ------------------------------------------------------------------ configuration


@pytest.fixture(scope="module")
def config_dir():
    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory)


def assert_config_outcome(config_dir: Path, data: bytes) -> None:
    path = config_dir / "datalint.toml"
    path.write_bytes(data)
    _settings, problems = load_settings(path)
    assert all(problem.code == "DL008" for problem in problems)


@given(_BYTES)
@example(b"a = " + b"[" * 5000)
def test_config_loader_on_random_bytes(config_dir, data):
    assert_config_outcome(config_dir, data)


@given(toml_documents())
def test_config_loader_on_config_shaped_documents(config_dir, text):
    assert_config_outcome(config_dir, text.encode("utf-8"))
