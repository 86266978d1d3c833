"""Readers record the suppressions written in schemas, exactly as written,
on every field they cover, and keep them out of the fields' descriptions."""

from __future__ import annotations

import json
import textwrap

from datalint.model import Location, Suppression
from datalint.sources.schema import read_schema
from datalint.sources.sql import read_sql


def schema_fields(document: dict) -> dict:
    result = read_schema(json.dumps(document, indent=2), "s.json")
    assert result.diagnostics == ()
    return {field.name: field for field in result.fields}


def sql_fields(text: str, dialect: str | None = None) -> dict:
    result = read_sql(textwrap.dedent(text), "s.sql", dialect)
    return {field.name: field for field in result.fields}


VERIFICATION = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {
        "Verification": {
            "type": "object",
            "x-datalint": {"allow": ["nationality"], "reason": "tax residency", "until": "2027-06-30"},
            "properties": {
                "doc": {
                    "type": "string",
                    "description": "Passport number",
                    "x-datalint": {"allow": ["DL101", "DL104"], "reason": "AML law requires it"},
                },
                "address": {"type": "object", "properties": {"country": {"type": "string"}}},
            },
        },
        "Ad": {"type": "object", "properties": {"title": {"type": "string"}}},
    },
}


def test_property_annotation_is_recorded_where_written():
    doc = schema_fields(VERIFICATION)["doc"]
    assert doc.suppressions[-1] == Suppression(
        rules=("DL101", "DL104"),
        reason="AML law requires it",
        until=None,
        location=Location("s.json", 17, 11),
        scope="#/$defs/Verification/properties/doc",
    )


def test_object_annotation_covers_every_property_below_it_outermost_first():
    fields = schema_fields(VERIFICATION)
    outer = Suppression(("nationality",), "tax residency", "2027-06-30", Location("s.json", 6, 7), "#/$defs/Verification")
    assert fields["doc"].suppressions[0] == outer
    assert fields["address"].suppressions == (outer,)
    assert fields["country"].suppressions == (outer,)
    assert fields["title"].suppressions == ()


def test_annotation_is_not_evidence():
    assert schema_fields(VERIFICATION)["doc"].description == "Passport number"


def test_malformed_annotations_are_recorded_for_judging_not_dropped():
    schema = {"type": "object", "properties": {
        "a": {"type": "string", "x-datalint": "DL101"},
        "b": {"type": "string", "x-datalint": {"allow": "DL101", "reason": 42, "until": 20270630}},
    }}
    fields = schema_fields(schema)
    assert (fields["a"].suppressions[0].rules, fields["a"].suppressions[0].reason) == ((), "")
    b = fields["b"].suppressions[0]
    assert (b.rules, b.reason, b.until) == (("DL101",), "42", "20270630")


def test_yaml_dates_and_openapi_parameters():
    text = textwrap.dedent(
        """\
        openapi: 3.1.0
        paths:
          /ads:
            get:
              parameters:
                - name: nationality
                  in: query
                  x-datalint: {allow: [DL201], reason: filter ads by language market, until: 2027-06-30}
                  schema: {type: string}
        """
    )
    result = read_schema(text, "api.yaml", yaml_syntax=True)
    (parameter,) = result.fields
    assert parameter.suppressions == (
        Suppression(("DL201",), "filter ads by language market", "2027-06-30", Location("api.yaml", 8, 11), "#/paths/~1ads/get/parameters/0"),
    )


def test_sql_trailing_comment_covers_its_column_and_leaves_the_prose():
    fields = sql_fields(
        """\
        CREATE TABLE advertisers (
          id int,
          nationality text, -- ISO code; datalint: allow DL201, DL202 reason="tax residency" until=2027-06-30
          passport_number text
        );
        """
    )
    assert fields["nationality"].description == "ISO code"
    assert fields["nationality"].suppressions == (
        Suppression(("DL201", "DL202"), "tax residency", "2027-06-30", Location("s.sql", 3, 21), "advertisers.nationality"),
    )
    assert fields["id"].suppressions == fields["passport_number"].suppressions == ()


def test_sql_comment_line_above_a_statement_covers_all_its_columns():
    fields = sql_fields(
        """\
        CREATE TABLE ads (id int);

        -- Verification records.
        -- datalint: allow identity-document reason='kept 30 days for the payment provider'
        CREATE TABLE verification (
          passport_number text,
          document_scan bytea
        );
        """
    )
    expected = Suppression(("identity-document",), "kept 30 days for the payment provider", None, Location("s.sql", 4, 1), "verification")
    assert fields["passport_number"].suppressions == fields["document_scan"].suppressions == (expected,)
    assert fields["id"].suppressions == ()


def test_a_comment_separated_by_a_blank_line_is_not_above_the_statement():
    fields = sql_fields(
        """\
        -- datalint: allow DL101 reason="x"

        CREATE TABLE verification (passport_number text);
        """
    )
    assert fields["passport_number"].suppressions == ()


def test_comment_on_column_and_mysql_inline_comment():
    postgres = sql_fields(
        """\
        CREATE TABLE verification (passport_number text);
        COMMENT ON COLUMN verification.passport_number IS 'Checked once. datalint: allow DL101 reason="AML law"';
        """
    )
    field = postgres["passport_number"]
    assert field.description == "Checked once."
    assert field.suppressions == (Suppression(("DL101",), "AML law", None, Location("s.sql", 1, 28), "verification.passport_number"),)
    mysql = sql_fields(
        """\
        CREATE TABLE `verification` (
          `passport_number` varchar(20) COMMENT 'datalint: allow DL101 reason="AML law"'
        ) ENGINE=InnoDB;
        """,
        "mysql",
    )
    assert mysql["passport_number"].suppressions[0].rules == ("DL101",)
    assert mysql["passport_number"].description == ""


def test_sql_annotation_without_allow_list_is_recorded_empty():
    fields = sql_fields("CREATE TABLE t (\n  nationality text -- datalint: alow DL201 reason=\"x\"\n);\n")
    assert fields["nationality"].suppressions[0].rules == ()
