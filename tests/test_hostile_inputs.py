"""Hostile and broken schemas, SQL and rule packs: each ends as findings or a
located diagnostic, in bounded time, never as an exception or a leak."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from datalint.files import InputFile
from datalint.model import ReadResult
from datalint.rulebook import load_rulebook
from datalint.runner import RunOptions, run
from datalint.sources.documents import MAX_DEPTH, MAX_HIDDEN, DocumentError, parse_json, parse_yaml
from datalint.sources.schema import read_schema
from datalint.sources.sql import MAX_PARSED_CHARACTERS, read_sql

SECRET = "TOP-SECRET-7f3a"


def codes(result: ReadResult) -> list[tuple[str, int, int]]:
    return [(d.code, d.location.line, d.location.column) for d in result.diagnostics]


# ------------------------------------------------------------------ YAML: tags and bombs


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("properties:\n  a: !!python/object/apply:os.system ['echo pwned']\n", (2, 6)),
        ("properties:\n  ? !!python/name:os.system\n  : {type: string}\n", (2, 5)),
    ],
    ids=["value", "key"],
)
def test_python_tags_are_refused_with_their_position(text, where):
    result = read_schema(text, "tags.yaml", yaml_syntax=True)
    assert [(d.code, (d.location.line, d.location.column)) for d in result.diagnostics] == [("DL002", where)]
    assert result.diagnostics[0].message.startswith("invalid YAML: tag !!python/")
    assert "is not allowed" in result.diagnostics[0].message


def test_a_400_byte_alias_bomb_is_stopped_by_its_expanded_size_in_well_under_a_second():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    text = "\n".join(lines)
    assert len(text) < 450
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="expands to more than 1,000,000 values"):
        parse_yaml(text)
    assert time.perf_counter() - started < 5


def test_a_merge_key_bomb_is_counted_like_aliases():
    """``<<`` merges copy the pairs of what they merge: nine merges of nine
    merges of ... expand like an alias bomb without any alias being used as a value."""
    lines = ["a0: &a0 {k0: 1, k1: 2, k2: 3, k3: 4, k4: 5, k5: 6, k6: 7, k7: 8, k8: 9}"]
    lines += [f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i - 1}'] * 9)}]}}" for i in range(1, 9)]
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="alias bomb"):
        parse_yaml("\n".join(lines))
    assert time.perf_counter() - started < 5


def test_many_aliases_of_a_small_anchor_are_fine():
    """What is counted is the expanded size, not the number of aliases."""
    text = "x: &x {type: string}\nproperties:\n" + "".join(f"  p{i}: *x\n" for i in range(20_000))
    (document,) = parse_yaml(text)
    assert len(document.data["properties"]) == 20_000


# ------------------------------------------------------------------ nesting


@pytest.mark.parametrize(
    ("text", "yaml_syntax"),
    [
        ("[" * 100_000 + "]" * 100_000, False),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, False),
        ("[" * 100_000 + "]" * 100_000, True),
        ("\n".join(" " * level + "k:" for level in range(5_000)), True),
        ("- " * 100_000 + "x", True),
    ],
    ids=["json-arrays", "json-objects", "yaml-flow", "yaml-block", "yaml-block-sequences"],
)
def test_100000_levels_are_a_syntax_error_not_a_recursion_error(text, yaml_syntax):
    result = read_schema(text, "deep", yaml_syntax=yaml_syntax)
    ((code, line, _column),) = codes(result)
    assert code == "DL002" and line >= 1
    assert "nesting" in result.diagnostics[0].message or "depth" in result.diagnostics[0].message
    assert result.skipped == "syntax error"


def test_json_too_deep_points_at_the_first_bracket_past_the_limit():
    with pytest.raises(DocumentError) as raised:
        parse_json("[" * 100_000 + "]" * 100_000)
    assert (raised.value.line, raised.value.column) == (1, MAX_DEPTH + 1)


# ------------------------------------------------------------------ duplicate keys


def lint_text(engine, tmp_path: Path, name: str, text: str):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return run([str(tmp_path / name)], engine, RunOptions())


@pytest.mark.parametrize(
    ("name", "text", "hidden_at"),
    [
        (
            "dup.json",
            '{\n  "type": "object",\n  "properties": {\n    "passport_number": {"type": "string"}\n  },\n'
            '  "properties": {\n    "stage_name": {"type": "string"}\n  }\n}\n',
            (4, 5),
        ),
        (
            "dup.yaml",
            "type: object\nproperties:\n  passport_number: {type: string}\nproperties:\n  stage_name: {type: string}\n",
            (3, 3),
        ),
    ],
)
def test_a_passport_hidden_by_a_duplicate_key_is_still_linted(engine, tmp_path, name, text, hidden_at):
    report = lint_text(engine, tmp_path, name, text)
    assert [(f.field.name, (f.location.line, f.location.column)) for f in report.findings] == [("passport_number", hidden_at)]
    (duplicate,) = report.diagnostics
    assert (duplicate.code, duplicate.severity) == ("DL005", "warning")


def test_a_description_hidden_by_a_duplicate_key_still_counts_as_evidence(engine, tmp_path):
    text = '{"properties": {"doc": {"description": "Passport number", "description": "A code"}}}'
    report = lint_text(engine, tmp_path, "dup.json", text)
    assert [(f.code, f.field.description) for f in report.findings] == [("DL101", "Passport number")]


def test_a_duplicate_inside_a_hidden_definition_is_linted_too():
    text = (
        "properties:\n"
        "  person:\n    properties:\n      nationality: {type: string}\n      nationality: {type: integer}\n"
        "  person: {type: string}\n"
    )
    result = read_schema(text, "nested.yaml", yaml_syntax=True)
    assert sorted((f.name, str(f.type), f.location.line) for f in result.fields) == [
        ("nationality", "integer", 5),
        ("nationality", "string", 4),
        ("person", "None", 2),
        ("person", "string", 6),
    ]


def test_beyond_the_hidden_definition_limit_is_an_error_not_a_silent_pass():
    members = ", ".join('"passport": {"type": "string"}' for _ in range(MAX_HIDDEN + 4))
    result = read_schema('{"properties": {' + members + "}}", "many.json")
    assert len(result.fields) == MAX_HIDDEN + 1
    (unread,) = [d for d in result.diagnostics if d.code == "DL004"]
    assert unread.severity == "error"
    assert unread.message.startswith(f"3 more definitions hidden by duplicate keys were not linted (more than {MAX_HIDDEN})")


# ------------------------------------------------------------------ $ref


def schema_file(tmp_path: Path, text: str, name: str = "schema.json") -> ReadResult:
    path = tmp_path / "root" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return read_schema(text, name, source=path, root=tmp_path / "root")


@pytest.mark.parametrize(
    "ref",
    [
        "../outside.json#/$defs/X",
        "%2e%2e/outside.json#/$defs/X",
        "sub/%2E%2E/%2e%2e/outside.json#/$defs/X",
        "link.json#/$defs/X",
        "{root}/../outside.json#/$defs/X",
        "file://{root}/../outside.json#/$defs/X",
    ],
    ids=["dot-dot", "percent-encoded", "mixed-case-encoded", "symlink", "absolute", "file-uri"],
)
def test_refs_leaving_the_root_are_refused_and_the_target_never_printed(tmp_path, ref):
    (tmp_path / "outside.json").write_text(json.dumps({"$defs": {"X": {"type": "string", "description": SECRET}}}))
    (tmp_path / "root" / "sub").mkdir(parents=True)
    (tmp_path / "root" / "link.json").symlink_to(tmp_path / "outside.json")
    text = json.dumps({"properties": {"x": {"$ref": ref.format(root=tmp_path / "root")}}})
    result = schema_file(tmp_path, text)
    (note,) = result.diagnostics
    assert note.code == "DL006"
    assert any(reason in note.message for reason in ("outside the scanned root", "absolute paths", "file: references"))
    assert SECRET not in repr(result)
    assert result.fields[0].description == ""


@pytest.mark.parametrize(
    "ref",
    ["http://example.com/s.json", "https://example.com/s.json#/a", "ftp://example.com/s.json", "//example.com/s.json"],
)
def test_remote_refs_are_notes_and_never_fetched(ref):
    result = read_schema(json.dumps({"properties": {"x": {"$ref": ref}}}), "remote.json")
    (note,) = result.diagnostics
    assert (note.code, note.severity) == ("DL006", "note")
    assert "never fetched" in note.message


def test_ref_cycles_and_10000_hop_chains_terminate_quickly():
    defs = {f"D{i}": {"$ref": f"#/$defs/D{i + 1}"} for i in range(10_000)}
    defs["D10000"] = {"$ref": "#/$defs/D0", "description": "passport number"}
    text = json.dumps({"$defs": defs, "properties": {"a": {"$ref": "#/$defs/D0"}, "b": {"$ref": "#/$defs/D9999"}}})
    started = time.perf_counter()
    result = read_schema(text, "chain.json")
    assert time.perf_counter() - started < 10
    fields = {field.name: field for field in result.fields}
    assert fields["b"].description == "passport number"  # two hops away
    assert fields["a"].description == ""  # beyond the hop limit: not followed, not an error
    assert result.diagnostics == ()


# ------------------------------------------------------------------ SQL


def test_statement_over_the_parse_limit_goes_straight_to_the_linear_fallback():
    columns = ", ".join(f"c{i} varchar(40) DEFAULT 'x'" for i in range(MAX_PARSED_CHARACTERS // 24))
    sql = f"CREATE TABLE big ({columns}, passport_number text);"
    assert len(sql) > MAX_PARSED_CHARACTERS
    started = time.perf_counter()
    result = read_sql(sql, "big.sql")
    assert time.perf_counter() - started < 10
    assert result.fields[-1].name == "passport_number"
    assert len(result.fields) == MAX_PARSED_CHARACTERS // 24 + 1
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("DL003", f"CREATE TABLE statement not parsed (longer than the {MAX_PARSED_CHARACTERS:,}-character limit for parsing); "
                  "read with the tolerant fallback")
    ]


@pytest.mark.parametrize(
    "shape",
    [
        lambda n: "CREATE TABLE t (" + ", ".join(f"c{i} int" for i in range(n)) + ")",
        lambda n: "CREATE TABLE t (" + "(" * n + "a int",
        lambda n: "CREATE TABLE t (a int, " + "/* " * n,
        lambda n: "CREATE TABLE t (" + "'" * n + ", b int)",
        lambda n: "ALTER TABLE t " + "ADD COLUMN x int, " * n,
        lambda n: "CREATE TABLE t (a varchar" + " " * n + "(",
    ],
    ids=["columns", "open-parentheses", "open-comments", "quotes", "alter-actions", "spaces"],
)
def test_the_fallback_grows_linearly(shape):
    from datalint.sources import sql_fallback
    from datalint.sources.sql_catalogue import Catalogue
    from datalint.sources.sql_dialect import lexis_for
    from datalint.sources.sql_split import Statement

    def cost(n: int) -> float:
        text = shape(n)
        kind = "alter_table" if text.startswith("ALTER") else "create_table"
        started = time.perf_counter()
        sql_fallback.read_statement(kind, Statement(0, text, ()), lexis_for("postgres"), Catalogue())
        return time.perf_counter() - started

    small, large = cost(20_000), cost(80_000)
    assert large < max(small, 0.01) * 12  # 4x the input; quadratic would be 16x


def test_column_defining_statement_that_only_parses_as_a_command_is_read_by_the_fallback():
    result = read_sql("ALTER TABLE people ADD COLUMN ssn text, ALTER COLUMN id SET STATISTICS 100;", "m.sql")
    assert [f.qualified_name for f in result.fields] == ["people.ssn"]
    assert [(d.code, d.severity) for d in result.diagnostics] == [("DL003", "note")]


def test_statements_that_define_no_columns_and_do_not_parse_are_no_failure():
    sql = (
        "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN garbage(; END $$ LANGUAGE plpgsql;\n"
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE ((;\n"
        "GRANT ALL ON ((( TO nobody;\nSET x = ;;\nCOPY x FROM stdin;\n1\t'\n\\.\n"
        "CREATE TABLE ok (passport_number text);\n"
    )
    result = read_sql(sql, "noise.sql")
    assert [d for d in result.diagnostics if d.severity == "error"] == []
    assert [f.name for f in result.fields] == ["passport_number"]


def test_sql_syntax_error_is_located_and_does_not_quote_the_statement():
    result = read_sql(f"CREATE TABLE t (a int);\nCREATE TABLE u (b text DEFAULT '{SECRET});\n", "t.sql")
    assert [(d.code, d.location.line, d.location.column) for d in result.diagnostics] == [("DL003", 2, 1), ("DL002", 2, 32)]
    assert all(SECRET not in d.message for d in result.diagnostics)


# ------------------------------------------------------------------ rule packs


MINIMAL_RULE = """\
rules:
  - code: XX001
    name: custom-rule
    category: identity-document
    severity: error
    summary: A custom rule for tests
    why: Custom packs are as untrusted as schemas are.
    cautions: [C1]
    instead: Nothing at all, for tests.
    match: {name: [custom thing]}
    examples: {flag: [custom_thing], pass: [other]}
"""


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        ("rules:\n  - code: [\n", "rule pack cannot be read: invalid YAML: ", (3, 1)),
        ("rules: !!python/object/apply:os.system ['id']\n", "rule pack cannot be read: invalid YAML: tag !!python/", (1, 8)),
        ("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(7)),
         "rule pack cannot be read: document expands", None),
        ("[" * 50_000, "rule pack cannot be read: invalid YAML: ", (1, None)),
        (MINIMAL_RULE.replace("name: [custom thing]", "pattern: ['(unclosed']"), "at rules[0].match.pattern: '(unclosed' is not a valid", (0, 0)),
    ],
    ids=["syntax", "python-tag", "alias-bomb", "deep", "bad-regex"],
)
def test_broken_custom_packs_are_located_dl007(tmp_path, text, message, where):
    (tmp_path / "custom.yaml").write_text(text, encoding="utf-8")
    rulebook, problems = load_rulebook([tmp_path], cache=False)
    (problem,) = problems
    assert (problem.code, problem.severity) == ("DL007", "error")
    assert problem.message.startswith(message)
    if where is not None:
        assert problem.location.line == where[0]
        assert where[1] is None or problem.location.column == where[1]
    assert len(rulebook.rules) > 10  # the built-in rules still run


def test_a_valid_custom_pack_loads(tmp_path):
    (tmp_path / "custom.yaml").write_text(MINIMAL_RULE, encoding="utf-8")
    rulebook, problems = load_rulebook([tmp_path], cache=False)
    assert problems == [] and rulebook.find("XX001") is not None


def test_input_file_is_frozen_and_hashable(tmp_path):
    assert len({InputFile(tmp_path, "a", tmp_path), InputFile(tmp_path, "a", tmp_path)}) == 1


def test_a_subschema_that_is_not_an_object_does_not_break_reference_crawling():
    """Found by tests/test_fuzz.py: ``referencing`` crawls every subschema and
    assumed objects."""
    text = json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", "properties": {"p": {"allOf": [""]}}})
    result = read_schema(text, "odd.json")
    assert [f.name for f in result.fields] == ["p"]
    assert result.diagnostics == ()


def test_a_configuration_nested_too_deeply_is_a_dl008(tmp_path):
    from datalint.config import load_settings

    (tmp_path / "datalint.toml").write_text("select = " + "[" * 5000 + "]" * 5000, encoding="utf-8")
    _settings, problems = load_settings(tmp_path / "datalint.toml")
    assert [(p.code, p.message) for p in problems] == [("DL008", "configuration is not valid TOML: nested too deeply")]


@pytest.mark.parametrize(
    ("text", "where"),
    [("select = [\n  'DL101'\n  'DL102'\n]\n", (3, 3)), ("fail-on = \n", (1, 11)), ("[x\n", (1, 3))],
)
def test_configuration_syntax_errors_carry_the_parser_position(tmp_path, text, where):
    from datalint.config import load_settings

    (tmp_path / "datalint.toml").write_text(text, encoding="utf-8")
    _settings, (problem,) = load_settings(tmp_path / "datalint.toml")
    assert (problem.code, problem.location.line, problem.location.column) == ("DL008", *where)
    assert problem.message.startswith("configuration is not valid TOML: ")


def test_rule_and_configuration_validation_never_retrieves_a_remote_ref(monkeypatch):
    """jsonschema's default registry would fetch an unknown ``$ref``; ours is offline."""
    import urllib.request

    from referencing.exceptions import Unresolvable

    from datalint.rulebook import validate_pack

    fetched = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda *args, **kwargs: fetched.append(args))
    with pytest.raises(Unresolvable):
        validate_pack({"rules": []}, {"$ref": "https://example.com/rule.schema.json"})
    assert fetched == []
