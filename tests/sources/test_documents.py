"""JSON/YAML text becomes plain data plus the line and column of every key."""

from __future__ import annotations

import json

import pytest

from datalint.sources.documents import (
    MAX_DEPTH,
    Duplicate,
    DocumentError,
    escape,
    parse_json,
    parse_yaml,
)

JSON = """{
  "properties": {
    "passport_number": { "type": "string" },
    "a/b~c": {
      "items": [ { "x": 1 }, { "visa": { "note": "quote \\" and { brackets ] in a string" } } ]
    }
  },
  "caf\\u00e9": "x"
}
"""


def test_json_key_positions_are_the_opening_quote():
    document = parse_json(JSON)
    assert document.positions["/properties"] == (2, 3)
    assert document.positions["/properties/passport_number"] == (3, 5)
    assert document.positions["/properties/passport_number/type"] == (3, 26)


def test_json_pointers_escape_tilde_and_slash_and_index_arrays():
    document = parse_json(JSON)
    assert document.positions["/properties/a~1b~0c"] == (4, 5)
    assert document.positions["/properties/a~1b~0c/items/0/x"] == (5, 20)
    assert document.positions["/properties/a~1b~0c/items/1/visa"] == (5, 32)
    assert document.positions["/properties/a~1b~0c/items/1/visa/note"] == (5, 42)


def test_json_escaped_keys_are_decoded():
    document = parse_json(JSON)
    assert "café" in document.data
    assert document.positions["/café"] == (8, 3)


def test_json_keys_are_found_from_the_object_that_holds_them():
    document = parse_json(JSON)
    properties = document.data["properties"]
    items = properties["a/b~c"]["items"]
    assert document.positions.key(properties, "passport_number", "/properties/passport_number") == (3, 5)
    assert document.positions.key(items[1]["visa"], "note", "/properties/a~1b~0c/items/1/visa/note") == (5, 42)
    assert document.positions.key(items[0], "x", "/properties/a~1b~0c/items/0/x") == (5, 20)
    assert document.positions.key(items[0], "missing", "/properties/a~1b~0c/items/0/missing") == (0, 0)


def test_json_array_elements_and_missing_keys_have_no_position():
    document = parse_json(JSON)
    assert "/properties/a~1b~0c/items/0" not in document.positions
    assert "/properties/a~1b~0c/items/01/x" not in document.positions
    assert "/properties/a~1b~0c/items/2/x" not in document.positions
    assert "/properties/nothing" not in document.positions
    assert "" not in document.positions


def test_json_positions_on_one_long_line_count_columns():
    text = json.dumps({f"p{n}": {"type": "string", "description": "x" * n} for n in range(200)})
    document = parse_json(text)
    assert document.positions["/p0"] == (1, 2)
    assert document.positions["/p199"] == (1, text.index('"p199"') + 1)
    assert document.positions["/p7/type"] == (1, text.index('"type"', text.index('"p7"')) + 1)


def test_json_positions_looked_up_in_any_order_are_right():
    """Lines are counted from the previous lookup; jumping back and forth
    (which ends in a table of line starts) gives the same answers."""
    text = json.dumps({f"p{n}": {"n": n} for n in range(500)}, indent=2)
    document = parse_json(text)
    lines = text.split("\n")
    expected = {n: next((row + 1, line.index(f'"p{n}"') + 1) for row, line in enumerate(lines) if f'"p{n}":' in line) for n in range(500)}
    for n in [*range(499, -1, -7), *range(0, 500, 3), *range(499, -1, -1), *range(500), *range(499, -1, -1), *range(500)]:
        assert document.positions[f"/p{n}"] == expected[n]


def test_json_values_are_plain_python():
    document = parse_json(JSON)
    assert document.data["properties"]["passport_number"] == {"type": "string"}
    assert document.duplicates == ()


def test_json_duplicate_keys_are_reported_at_the_later_key_which_wins():
    document = parse_json('{\n  "a": {"x": 1},\n  "b": 2,\n  "a": {"x": 3}\n}')
    assert document.data == {"a": {"x": 3}, "b": 2}
    assert document.duplicates == (Duplicate("a", 4, 3),)
    assert document.positions["/a"] == (4, 3)
    assert document.positions["/a/x"] == (4, 9)


def test_json_syntax_error_carries_the_parser_position():
    with pytest.raises(DocumentError) as raised:
        parse_json('{\n  "a": 1,\n}')
    assert (raised.value.line, raised.value.column) == (3, 1)
    assert raised.value.message.startswith("invalid JSON: Expecting property name")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 3000, 100_000])
def test_json_nested_too_deep_is_an_error_at_the_first_bracket_too_deep(depth):
    with pytest.raises(DocumentError) as raised:
        parse_json("[" * depth + "]" * depth)
    assert "nesting too deep" in raised.value.message
    assert (raised.value.line, raised.value.column) == (1, MAX_DEPTH + 1)


def test_json_nesting_up_to_the_limit_is_read():
    document = parse_json('{"a":' * (MAX_DEPTH - 1) + "{}" + "}" * (MAX_DEPTH - 1))
    assert document.positions["/a" * (MAX_DEPTH - 1)] == (1, 2 + 5 * (MAX_DEPTH - 2))


def test_json_integer_too_long_for_python_is_an_error_not_a_crash():
    with pytest.raises(DocumentError):
        parse_json('{"n": ' + "9" * 5000 + "}")


def test_json_scalar_document_has_no_positions():
    document = parse_json('"just a string"')
    assert document.data == "just a string"
    assert "" not in document.positions
    assert document.positions.get("/just a string") is None


YAML = """\
openapi: 3.0.3
paths:
  /guests:
    get:
      responses:
        200:
          description: OK
components:
  schemas:
    Guest:
      properties:
        "nationality": {type: string}
        on: {type: boolean}
"""


def test_yaml_key_positions_are_the_key_scalar():
    (document,) = parse_yaml(YAML)
    assert document.positions["/components/schemas/Guest"] == (10, 5)
    assert document.positions["/components/schemas/Guest/properties/nationality"] == (12, 9)
    assert document.positions["/components/schemas/Guest/properties/nationality/type"] == (12, 25)


def test_yaml_keys_stay_as_written_while_values_are_typed():
    (document,) = parse_yaml(YAML)
    assert document.data["openapi"] == "3.0.3"
    assert document.data["paths"]["/guests"]["get"]["responses"]["200"] == {"description": "OK"}
    assert document.positions["/paths/~1guests/get/responses/200"] == (6, 9)
    assert document.data["components"]["schemas"]["Guest"]["properties"]["on"] == {"type": "boolean"}


def test_yaml_scalars_become_json_like_values():
    (document,) = parse_yaml("a: 1\nb: 1.5\nc: true\nd: ~\ne: 2024-01-31\nf: !custom tagged\ng: !!binary aGk=\n")
    assert document.data == {"a": 1, "b": 1.5, "c": True, "d": None, "e": "2024-01-31", "f": "tagged", "g": "aGk="}


def test_yaml_merge_keys_bring_in_the_anchor_without_overriding_explicit_keys():
    (document,) = parse_yaml("base: &base\n  type: string\n  format: date\nborn:\n  <<: *base\n  format: date-time\n")
    assert document.data["born"] == {"type": "string", "format": "date-time"}
    assert document.positions["/born/type"] == (2, 3)
    assert document.positions["/born/format"] == (6, 3)
    assert document.duplicates == ()


def test_yaml_duplicate_keys_are_reported_at_the_later_key():
    (document,) = parse_yaml("a: 1\nb: 2\na: 3\n")
    assert document.data == {"a": 3, "b": 2}
    assert document.duplicates == (Duplicate("a", 3, 1),)


def test_yaml_stream_gives_one_document_each():
    documents = parse_yaml("kind: Deployment\n---\nkind: Service\n")
    assert [document.data for document in documents] == [{"kind": "Deployment"}, {"kind": "Service"}]
    assert documents[1].positions["/kind"] == (3, 1)


def test_yaml_empty_stream_has_no_documents():
    assert parse_yaml("# nothing but a comment\n") == ()


def test_yaml_syntax_error_carries_the_problem_mark():
    with pytest.raises(DocumentError) as raised:
        parse_yaml("a:\n  b: 1\n c: 2\n")
    assert (raised.value.line, raised.value.column) == (3, 2)
    assert raised.value.message == "invalid YAML: did not find expected key"


def test_yaml_forbidden_character_is_located():
    with pytest.raises(DocumentError) as raised:
        parse_yaml("a: 1\nb: \x07\n")
    assert (raised.value.line, raised.value.column) == (2, 4)


def test_yaml_alias_bomb_is_stopped():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    with pytest.raises(DocumentError) as raised:
        parse_yaml("\n".join(lines))
    assert "alias bomb" in raised.value.message


def test_yaml_recursive_alias_is_stopped():
    with pytest.raises(DocumentError) as raised:
        parse_yaml("a: &a [*a]\n")
    assert "nesting too deep" in raised.value.message


@pytest.mark.parametrize(
    "text",
    [
        "[" * 3000 + "]" * 3000,
        "\n".join(" " * level + "k:" for level in range(3000)),
    ],
    ids=["flow", "block"],
)
def test_yaml_3000_levels_is_an_error_not_a_crash(text):
    with pytest.raises(DocumentError) as raised:
        parse_yaml(text)
    assert "nesting" in raised.value.message


def test_escape_follows_rfc_6901_order():
    assert escape("a/b") == "a~1b"
    assert escape("~1") == "~01"
    assert escape("plain") == "plain"
