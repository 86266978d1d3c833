"""The JSON Schema / OpenAPI reader: which fields a document defines, where,
and what it says about them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datalint.model import Field, Location, ReadResult
from datalint.sources.schema import read_schema

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "fixtures" / "schema"
CORPUS = TESTS.parent.parent / "shared" / "corpus"


def read(name: str, *, root: Path = FIXTURES, **options) -> ReadResult:
    source = FIXTURES / name
    yaml_syntax = source.suffix in (".yaml", ".yml")
    text = source.read_text(encoding="utf-8")
    return read_schema(text, name, source=source, root=root, yaml_syntax=yaml_syntax, **options)


def by_pointer(result: ReadResult) -> dict[str, Field]:
    return {field.pointer: field for field in result.fields}


def only(result: ReadResult, name: str) -> Field:
    (field,) = [field for field in result.fields if field.name == name]
    return field


def where(field: Field) -> tuple[int, int]:
    return field.location.line, field.location.column


# ------------------------------------------------------------------ JSON Schema 2020-12


class TestJsonSchema202012:
    @pytest.fixture(scope="class")
    @classmethod
    def result(cls) -> ReadResult:
        return read("verification-2020-12.json")

    def test_every_property_once_in_source_order(self, result):
        assert [field.name for field in result.fields] == [
            "applicant", "documents", "visa_number", "notes", "^travel_", "author", "status",
            "nationality", "residence", "birth_date", "guardian",
            "passport_number", "issuing_country", "sex",
        ]  # fmt: skip
        assert result.diagnostics == ()
        assert not result.skipped

    def test_key_line_and_column(self, result):
        assert where(only(result, "applicant")) == (7, 5)
        assert where(only(result, "visa_number")) == (15, 13)
        assert where(only(result, "^travel_")) == (23, 9)
        assert where(only(result, "nationality")) == (40, 9)
        assert where(only(result, "passport_number")) == (49, 9)
        assert only(result, "sex").location == Location("verification-2020-12.json", 51, 9)

    def test_defs_entry_is_container_and_context(self, result):
        nationality = only(result, "nationality")
        assert nationality.container == "#/$defs/Person"
        assert nationality.pointer == "#/$defs/Person/properties/nationality"
        assert nationality.context == ("Person",)
        assert nationality.container_description == "Person. The applicant."
        assert nationality.kind == "property"

    def test_ref_merges_the_target_evidence_after_the_property_own(self, result):
        nationality = only(result, "nationality")
        assert nationality.type == "string"
        assert nationality.description == "Country of citizenship. ISO 3166-1 alpha-2 country code"
        assert nationality.pattern == "^[A-Z]{2}$"

    def test_allof_ref_merges_inline_members_first(self, result):
        residence = only(result, "residence")
        assert residence.type == "string"
        assert residence.description == "Country of residence. ISO 3166-1 alpha-2 country code"

    def test_ref_chain_is_followed(self, result):
        issuing_country = only(result, "issuing_country")  # -> Alpha2 -> CountryCode
        assert (issuing_country.type, issuing_country.pattern) == ("string", "^[A-Z]{2}$")

    def test_ref_cycle_terminates_and_keeps_what_it_found(self, result):
        status = only(result, "status")  # Loop -> Loop2 -> Loop
        assert status.type == "string"
        assert status.enum == ("pending", "verified")

    def test_recursive_definition_is_emitted_once(self, result):
        assert [field.pointer for field in result.fields if field.name == "guardian"] == [
            "#/$defs/Person/properties/guardian"
        ]
        assert only(result, "guardian").type == "object"

    def test_referenced_properties_are_not_re_emitted_at_the_ref(self, result):
        assert not any(field.pointer.startswith("#/properties/applicant/") for field in result.fields)

    def test_prefix_items_properties_are_found(self, result):
        visa = only(result, "visa_number")
        assert visa.container == "#/properties/documents/prefixItems/1"
        assert visa.context == ("documents",)
        assert visa.pattern == "^[A-Z0-9]{8}$"

    def test_pattern_properties_are_fields_named_by_their_pattern(self, result):
        travel = only(result, "^travel_")
        assert travel.pointer == "#/properties/notes/patternProperties/%5Etravel_"
        assert travel.container == "#/properties/notes"
        assert travel.description == "Free-text travel notes"

    def test_additional_properties_schema_is_walked(self, result):
        author = only(result, "author")
        assert author.container == "#/properties/notes/additionalProperties"
        assert author.context == ("notes",)

    def test_root_properties_live_in_the_root_container(self, result):
        applicant = only(result, "applicant")
        assert applicant.container == "#"
        assert applicant.context == ()
        assert applicant.container_description == (
            "Identity verification. Submitted by an applicant before a booking is confirmed."
        )

    def test_format_examples_enum_and_default(self, result):
        birth_date = only(result, "birth_date")
        assert (birth_date.format, birth_date.examples) == (("date",), ("1990-01-31",))
        sex = only(result, "sex")
        assert (sex.type, sex.enum, sex.examples) == (None, ("F", "M", "X"), ("X",))

    def test_title_and_description_are_joined(self, result):
        assert only(result, "passport_number").description == "Passport number"
        assert only(result, "applicant").description == "Person. The applicant."


# ------------------------------------------------------------------ draft-07


class TestDraft07:
    @pytest.fixture(scope="class")
    @classmethod
    def result(cls) -> ReadResult:
        return read("traveller-draft07.json")

    def test_definitions_are_walked_in_source_order(self, result):
        assert [field.name for field in result.fields][:3] == ["documentType", "documentNumber", "expiryDate"]
        document_type = only(result, "documentType")
        assert document_type.container == "#/definitions/identityDocument"
        assert document_type.context == ("identityDocument",)
        assert document_type.enum == ("passport", "identity_card", "visa")
        assert document_type.container_description == "A travel document presented at check-in."
        assert where(document_type) == (10, 9)

    def test_type_lists_are_joined(self, result):
        phone = only(result, "contactPhone")
        assert phone.type == "string|null"
        assert phone.pattern == "^\\+[0-9]{6,15}$"

    def test_conditional_and_negated_subschemas_are_walked(self, result):
        assert only(result, "country").pointer == "#/properties/residency/if/properties/country"
        assert only(result, "country").enum == ("US",)
        assert where(only(result, "greenCardNumber")) == (36, 33)
        assert only(result, "alienNumber").container == "#/properties/residency/else/not"
        assert only(result, "alienNumber").context == ("residency",)

    def test_one_of_and_dependencies_are_walked(self, result):
        assert only(result, "visaType").container == "#/properties/visaStatus/oneOf/0"
        assert only(result, "placeOfBirth").pointer == "#/dependencies/documents/properties/placeOfBirth"
        assert where(only(result, "placeOfBirth")) == (42, 23)

    def test_items_ref_does_not_re_emit_the_definition(self, result):
        assert [field.name for field in result.fields].count("documentNumber") == 1


# ------------------------------------------------------------------ OpenAPI 3.0 (YAML)


class TestOpenApi30Yaml:
    @pytest.fixture(scope="class")
    @classmethod
    def result(cls) -> ReadResult:
        return read("stays-openapi-3.0.yaml")

    def test_fields_in_source_order(self, result):
        assert [(field.kind, field.name) for field in result.fields] == [
            ("parameter", "include"),
            ("property", "visaNumber"),
            ("property", "arrivalFlight"),
            ("property", "registrationId"),
            ("parameter", "guestId"),
            ("parameter", "X-Document-Country"),
            ("property", "passportNumber"),
            ("property", "guest"),
            ("property", "message"),
            ("property", "fullName"),
            ("property", "nationality"),
            ("property", "dateOfBirth"),
        ]
        assert result.diagnostics == ()

    def test_operation_parameter(self, result):
        include = only(result, "include")
        assert include.container == "#/paths/~1guests~1%7BguestId%7D/get"
        assert include.pointer == "#/paths/~1guests~1%7BguestId%7D/get/parameters/0"
        assert where(include) == (14, 11)  # the `name` key
        assert include.context == ("GET /guests/{guestId}",)
        assert include.container_description == "Fetch a registered guest"
        assert (include.type, include.enum, include.description) == (
            "string",
            ("documents", "stays"),
            "Related records to embed",
        )

    def test_inline_request_body_schema(self, result):
        visa = only(result, "visaNumber")
        assert visa.container == "#/paths/~1guests~1%7BguestId%7D/put/requestBody/content/application~1json/schema"
        assert visa.context == ("PUT /guests/{guestId}",)
        assert visa.description == "Visa or entry permit number"
        assert where(visa) == (37, 17)
        assert only(result, "arrivalFlight").examples == ("LH 1234",)

    def test_inline_response_schema(self, result):
        registration = only(result, "registrationId")
        assert registration.pointer.startswith("#/paths/~1guests~1%7BguestId%7D/put/responses/201/content/")
        assert registration.format == ("uuid",)
        assert where(registration) == (51, 19)

    def test_component_parameters_request_bodies_and_responses(self, result):
        guest_id = only(result, "guestId")
        assert (guest_id.kind, guest_id.container, guest_id.pointer) == (
            "parameter",
            "#/components/parameters",
            "#/components/parameters/GuestId",
        )
        assert where(guest_id) == (65, 7)
        assert only(result, "passportNumber").context == ("GuestRegistration",)
        assert where(only(result, "passportNumber")) == (85, 15)
        assert only(result, "message").container.startswith("#/components/responses/NotFound/")

    def test_parameter_schema_ref_is_merged(self, result):
        country = only(result, "X-Document-Country")
        assert country.description == "Issuing country of the guest's travel document. ISO 3166-1 alpha-2 code"
        assert country.pattern == "^[A-Z]{2}$"

    def test_component_schema(self, result):
        nationality = only(result, "nationality")
        assert nationality.container == "#/components/schemas/Guest"
        assert nationality.context == ("Guest",)
        assert nationality.container_description == "Guest. A person staying at a listing."
        assert (nationality.type, nationality.pattern) == ("string", "^[A-Z]{2}$")
        assert where(nationality) == (112, 9)


# ------------------------------------------------------------------ OpenAPI 3.1 and Swagger 2.0


class TestOpenApi31Json:
    @pytest.fixture(scope="class")
    @classmethod
    def result(cls) -> ReadResult:
        return read("kyc-openapi-3.1.json")

    def test_parameter_examples_from_example_objects(self, result):
        applicant = only(result, "applicant_id")
        assert (applicant.kind, applicant.examples, where(applicant)) == ("parameter", ("app_123",), (10, 13))

    def test_webhook_bodies_are_read(self, result):
        hit = only(result, "watchlist_hit")
        assert hit.context == ("POST checkCompleted",)
        assert where(hit) == (36, 19)

    def test_content_keywords_are_formats(self, result):
        front = only(result, "document_front")
        assert front.format == ("base64", "image/jpeg")
        assert where(front) == (51, 11)

    def test_const_and_type_list(self, result):
        assert only(result, "document_type").enum == ("passport",)
        assert only(result, "mrz_line1").type == "string|null"

    def test_defs_inside_a_component(self, result):
        face = only(result, "face_template")
        assert face.container == "#/components/schemas/Check/$defs/Biometric"
        assert face.context == ("Check", "Biometric")
        assert where(face) == (65, 15)


class TestSwagger20:
    @pytest.fixture(scope="class")
    @classmethod
    def result(cls) -> ReadResult:
        return read("checkin-swagger-2.0.json")

    def test_parameters_carry_their_own_type(self, result):
        residence = only(result, "countryOfResidence")
        assert (residence.kind, residence.type, residence.pattern) == ("parameter", "string", "^[A-Z]{2}$")
        assert only(result, "gender").enum == ("MALE", "FEMALE", "UNSPECIFIED")
        assert only(result, "gender").container == "#/parameters"

    def test_body_parameter_schema_is_walked(self, result):
        traveler = only(result, "travelerId")
        assert traveler.container == "#/paths/~1check-in~1%7BorderId%7D~1travelers/post/parameters/2/schema"
        assert traveler.context == ("POST /check-in/{orderId}/travelers", "body")
        assert where(traveler) == (19, 17)
        assert only(result, "document").description == "Travel document (APIS)."

    def test_response_schema_and_definitions(self, result):
        assert where(only(result, "warnings")) == (28, 59)
        number = only(result, "number")
        assert (number.container, number.context, where(number)) == ("#/definitions/Document", ("Document",), (42, 9))


# ------------------------------------------------------------------ JSON and YAML agree


def test_json_and_yaml_of_the_same_shape_give_identical_fields():
    from_json = read("advertiser.json")
    from_yaml = read("advertiser.yaml")
    assert [(field.name, field.pointer, where(field)) for field in from_json.fields] == [
        ("display_name", "#/properties/display_name", (6, 5)),
        ("nationality", "#/properties/nationality", (7, 5)),
        ("work_permit", "#/properties/work_permit", (11, 5)),
        ("permit_number", "#/properties/work_permit/properties/permit_number", (14, 9)),
        ("expires_on", "#/properties/work_permit/properties/expires_on", (15, 9)),
        ("residence", "#/$defs/Verification/properties/residence", (23, 9)),
    ]
    assert [(field.name, field.pointer, field.location.line, field.location.column) for field in from_yaml.fields] == [
        (field.name, field.pointer, field.location.line, field.location.column) for field in from_json.fields
    ]
    assert only(from_yaml, "residence").enum == only(from_json, "residence").enum == ("DE", "FR", "NL")


def test_json_text_read_as_yaml_gives_the_same_fields():
    text = (FIXTURES / "verification-2020-12.json").read_text()
    assert read_schema(text, "v", yaml_syntax=True).fields == read_schema(text, "v").fields


# ------------------------------------------------------------------ references across files


class TestFileReferences:
    @pytest.fixture(scope="class")
    @classmethod
    def result(cls) -> ReadResult:
        return read("refs/booking.json", root=FIXTURES / "refs")

    def notes(self, result: ReadResult) -> dict[str, str]:
        return {d.message.split("'")[1]: d.message for d in result.diagnostics if d.code == "DL006"}

    def test_sibling_file_in_the_root_is_resolved(self, result):
        passport = only(result, "passport_number")
        assert passport.description == "Passport or national identity card number"
        assert passport.pattern == "^[A-Z0-9<]{5,20}$"

    def test_chain_through_a_yaml_file_in_a_subdirectory(self, result):
        nationality = only(result, "nationality")
        assert (nationality.type, nationality.format) == ("string", ("iso3166-alpha3",))

    def test_escape_from_the_root_is_refused_without_printing_the_target(self, result):
        message = self.notes(result)["../secret-outside.json#/$defs/Leak"]
        assert "outside the scanned root" in message
        assert only(result, "secret").description == ""
        rendered = repr(result)
        assert "TOP-SECRET" not in rendered

    def test_absolute_file_and_missing_targets_are_notes(self, result):
        notes = self.notes(result)
        assert "absolute paths" in notes["/etc/passwd"]
        assert "file: references" in notes["file:///etc/hosts"]
        assert "does not exist" in notes["common.json#/$defs/Missing"]
        assert "does not exist" in notes["missing.json"]

    def test_notes_sit_on_the_ref_key_and_are_notes(self, result):
        (secret,) = [d for d in result.diagnostics if "secret-outside" in d.message]
        assert (secret.code, secret.severity) == ("DL006", "note")
        assert (secret.location.line, secret.location.column) == (8, 17)

    def test_the_same_root_but_wider_resolves_the_escape(self):
        result = read("refs/booking.json", root=FIXTURES)
        assert only(result, "secret").type == "string"

    def test_published_id_maps_sibling_refs_to_local_files(self):
        result = read("refs/published.json", root=FIXTURES / "refs")
        assert only(result, "id_number").description == "Passport or national identity card number"
        assert only(result, "home").description == "Home address"
        assert result.diagnostics == ()


def test_symlink_leaving_the_root_is_refused(tmp_path):
    outside = tmp_path / "outside"
    root = tmp_path / "root"
    outside.mkdir()
    root.mkdir()
    (outside / "target.json").write_text('{"$defs": {"X": {"type": "string", "description": "SECRET-VIA-LINK"}}}')
    (root / "link.json").symlink_to(outside / "target.json")
    schema = root / "schema.json"
    schema.write_text('{"properties": {"x": {"$ref": "link.json#/$defs/X"}}}')
    result = read_schema(schema.read_text(), "schema.json", source=schema, root=root)
    assert only(result, "x").description == ""
    (note,) = result.diagnostics
    assert "outside the scanned root" in note.message
    assert "SECRET-VIA-LINK" not in repr(result)


def test_without_a_source_path_relative_refs_are_notes():
    result = read_schema('{"properties": {"x": {"$ref": "common.json#/$defs/A"}}}', "stdin.json")
    (note,) = result.diagnostics
    assert note.code == "DL006"
    assert "file location" in note.message


# ------------------------------------------------------------------ never the network


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("datalint opened a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_remote_refs_are_noted_once_and_never_fetched(no_network):
    result = read("refs/booking.json", root=FIXTURES / "refs", check_metaschema=True)
    remote = [d for d in result.diagnostics if "example.com" in d.message]
    assert len(remote) == 1  # `address` and `billing_address` share the ref
    assert remote[0].message == (
        "$ref 'https://example.com/schemas/address.json#/$defs/Address' was not followed: "
        "remote references are never fetched"
    )
    assert (remote[0].location.line, remote[0].location.column) == (10, 18)
    assert only(result, "address").type is None


def test_metaschema_refs_resolve_from_the_bundled_copies(no_network):
    draft7 = "http://json-schema.org/draft-07/schema#"
    text = json.dumps({"$schema": draft7, "properties": {"rules": {"$ref": draft7}}})
    result = read_schema(text, "meta.json", check_metaschema=True)
    assert result.diagnostics == ()
    assert only(result, "rules").type == "object|boolean"


def test_remote_ref_via_a_relative_ref_under_a_remote_id_is_not_fetched(no_network):
    text = '{"$id": "https://other.example.net/a/b.json", "properties": {"x": {"$ref": "c.json"}}}'
    result = read_schema(text, "b.json")
    (note,) = result.diagnostics
    assert "remote location" in note.message


# ------------------------------------------------------------------ what is not a schema


@pytest.mark.parametrize(
    "name",
    [
        "not-schemas/package.json",
        "not-schemas/tsconfig.json",
        "not-schemas/ci.yml",
        "not-schemas/docker-compose.yml",
        "not-schemas/deployment.yaml",
        "not-schemas/feature.geojson.json",
    ],
)
def test_non_schema_files_are_skipped_quietly(name):
    assert read(name) == ReadResult(skipped="not a schema")


def test_custom_dialect_with_labels_is_read():
    result = read("entities.yaml")
    assert [(field.container, field.name) for field in result.fields] == [
        ("#/Traveller", "passportNumber"),
        ("#/Traveller", "citizenship"),
        ("#/Traveller", "visaType"),
        ("#/Trip", "destination"),
    ]
    citizenship = only(result, "citizenship")
    assert (citizenship.type, citizenship.description, where(citizenship)) == ("country", "Citizenship", (13, 5))
    assert citizenship.context == ("Traveller",)
    assert citizenship.container_description == "Traveller. Someone crossing a border."


# ------------------------------------------------------------------ broken input


def test_json_syntax_error_is_dl002_at_the_parser_position():
    result = read_schema('{\n  "properties": {\n    "a": {"type": "string"},\n  }\n}', "broken.json")
    (error,) = result.diagnostics
    assert (error.code, error.severity) == ("DL002", "error")
    assert (error.location.line, error.location.column) == (4, 3)
    assert result.fields == ()


def test_yaml_syntax_error_is_dl002_at_the_problem_mark():
    result = read_schema("type: object\nproperties:\n  a: [1, 2\n  b: 3\n", "broken.yaml", yaml_syntax=True)
    (error,) = result.diagnostics
    assert error.code == "DL002"
    assert (error.location.line, error.location.column) == (4, 4)


def test_duplicate_keys_are_reported_and_reading_goes_on():
    text = """{
  "properties": {
    "nationality": {"type": "string"},
    "nationality": {"type": "integer"}
  }
}"""
    result = read_schema(text, "dup.json")
    (duplicate,) = result.diagnostics
    assert (duplicate.code, duplicate.severity) == ("DL005", "warning")
    assert duplicate.message == "duplicate key 'nationality' hides an earlier definition (both are linted)"
    assert (duplicate.location.line, duplicate.location.column) == (4, 5)
    assert [(field.type, where(field)) for field in result.fields] == [("integer", (4, 5)), ("string", (3, 5))]


def test_duplicate_yaml_keys_are_reported():
    result = read_schema("properties:\n  visa: {type: string}\n  visa: {type: boolean}\n", "dup.yaml", yaml_syntax=True)
    assert [(d.code, d.location.line) for d in result.diagnostics] == [("DL005", 3)]
    assert [(field.type, where(field)) for field in result.fields] == [("boolean", (3, 3)), ("string", (2, 3))]


def test_alias_bomb_is_stopped_with_a_diagnostic():
    lines = ["properties:", '  a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for level in range(1, 9):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"  {name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    result = read_schema("\n".join(lines), "bomb.yaml", yaml_syntax=True)
    (error,) = result.diagnostics
    assert error.code == "DL002"
    assert "alias bomb" in error.message


@pytest.mark.parametrize("yaml_syntax", [False, True])
def test_3000_levels_of_nesting_do_not_raise(yaml_syntax):
    text = '{"properties": {"a": ' * 1500 + "{}" + "}}" * 1500
    result = read_schema(text, "deep", yaml_syntax=yaml_syntax)
    (error,) = result.diagnostics
    assert error.code == "DL002"
    assert "nesting" in error.message


def test_nesting_under_the_limit_is_walked():
    text = '{"properties": {"a": ' * 100 + "{}" + "}}" * 100
    result = read_schema(text, "deep.json")
    assert len(result.fields) == 100
    assert result.fields[-1].context == ("a",) * 99


def test_invalid_against_metaschema_warns_only_when_asked_and_still_lints():
    text = (
        '{\n  "$schema": "http://json-schema.org/draft-07/schema#",\n  "properties": {\n'
        '    "passport_number": { "type": "strnig" }\n  }\n}'
    )
    quiet = read_schema(text, "bad.json")
    assert quiet.diagnostics == ()
    checked = read_schema(text, "bad.json", check_metaschema=True)
    (warning,) = checked.diagnostics
    assert (warning.code, warning.severity) == ("DL005", "warning")
    assert warning.message == "not valid against http://json-schema.org/draft-07/schema#: 'type' fails the 'anyOf' check"
    assert (warning.location.line, warning.location.column) == (4, 26)
    assert checked.fields == quiet.fields
    assert only(checked, "passport_number").type == "strnig"


def test_metaschema_warning_never_quotes_the_offending_value():
    text = json.dumps({"properties": {"name": {"examples": "Jane Doe, born 1990-01-31"}}})
    (warning,) = read_schema(text, "leak.json", check_metaschema=True).diagnostics
    assert warning.message.endswith("'examples' fails the 'type' check (expected 'array')")
    assert "Jane" not in warning.message


def test_openapi_components_are_checked_against_the_dialect_metaschema():
    text = '{"openapi": "3.1.0", "components": {"schemas": {"A": {"properties": {"x": {"type": 5}}}}}}'
    (warning,) = read_schema(text, "api.json", check_metaschema=True).diagnostics
    assert warning.code == "DL005"
    assert (warning.location.line, warning.location.column) == (1, 76)


def test_pointers_percent_encode_what_a_uri_fragment_cannot_hold_and_keep_non_ascii():
    text = json.dumps({"type": "object", "properties": {"date of birth": {}, "nationalité": {}, "a/b%{c}": {}, "passport_no": {}}})
    pointers = [field.pointer for field in read_schema(text, "odd.json").fields]
    assert pointers == [
        "#/properties/date%20of%20birth",
        "#/properties/nationalité",
        "#/properties/a~1b%25%7Bc%7D",
        "#/properties/passport_no",
    ]


@pytest.mark.parametrize("text", ["", "[]", "42", '"text"', "null"])
def test_documents_that_are_not_objects(text):
    result = read_schema(text, "odd.json")
    assert result.skipped or result.diagnostics[0].code == "DL002"


_WORDS = [
    "$schema", "$ref", "$id", "id", "properties", "patternProperties", "items", "prefixItems", "allOf", "anyOf",
    "oneOf", "not", "if", "then", "else", "$defs", "definitions", "dependencies", "additionalProperties", "type",
    "title", "description", "label", "enum", "const", "format", "pattern", "examples", "example", "default",
    "openapi", "swagger", "components", "schemas", "parameters", "paths", "get", "name", "in", "schema",
    "content", "requestBody", "responses", "webhooks", "callbacks",
]  # fmt: skip
_TEXT = st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=6)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    _TEXT,
    st.sampled_from(["#/$defs/a", "a.json", "http://[", "../x.json", "/etc/x", "3.1.0", "2.0", "object"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_WORDS) | _TEXT, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_VALUES, st.booleans())
def test_any_json_value_is_read_without_internal_errors(value, check_metaschema):
    text = json.dumps(value, ensure_ascii=False)
    for yaml_syntax in (False, True):
        result = read_schema(text, "any.json", yaml_syntax=yaml_syntax, check_metaschema=check_metaschema)
        assert [d for d in result.diagnostics if d.severity == "error"] == []
        assert all(field.location.line == 1 for field in result.fields)


@pytest.mark.slow
def test_a_document_without_refs_does_not_import_jsonschema_or_referencing():
    script = (
        "import sys\n"
        "from datalint.sources.schema import read_schema\n"
        "r = read_schema('{\"properties\": {\"a\": {\"type\": \"string\"}}}', 'a.json')\n"
        "assert len(r.fields) == 1\n"
        "print(sorted(m for m in ('jsonschema', 'referencing', 'yaml') if m in sys.modules))\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(TESTS.parent)}
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=True)
    assert output.stdout.strip() == "[]"


# ------------------------------------------------------------------ the real corpus


@pytest.mark.corpus
class TestCorpus:
    @pytest.fixture(scope="class")
    @classmethod
    def corpus(cls) -> Path:
        if not CORPUS.is_dir():
            pytest.skip("../shared/corpus is not present")
        return CORPUS

    def read_real(self, corpus: Path, name: str) -> ReadResult:
        source = corpus / name
        text = source.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        return read_schema(text, name, source=source, root=corpus, yaml_syntax=source.suffix != ".json")

    def test_every_file_reads_without_errors(self, corpus):
        names = sorted(
            str(path.relative_to(corpus)) for path in corpus.rglob("*") if path.suffix in (".json", ".yaml", ".yml")
        )
        assert len(names) > 100
        fields = 0
        for name in names:
            result = self.read_real(corpus, name)
            assert [d for d in result.diagnostics if d.severity == "error"] == [], name
            assert all(field.location.line > 0 for field in result.fields), name
            fields += len(result.fields)
        assert fields > 15_000

    def test_stripe_person(self, corpus):
        result = self.read_real(corpus, "stripe/spec3.json")
        person = {field.name: field for field in result.fields if field.container == "#/components/schemas/person"}
        assert where(person["nationality"]) == (23235, 11)
        assert person["nationality"].description == "The country where the person is a national."
        assert where(person["dob"]) == (23146, 11)
        assert person["dob"].type == "object"  # merged from its $ref
        assert where(person["id_number_provided"]) == (23199, 11)
        assert person["dob"].context == ("person",)

    def test_onfido_document_fields(self, corpus):
        result = self.read_real(corpus, "onfido/openapi.json")
        fields = by_pointer(result)
        document = "#/components/schemas/document_properties/properties/"
        assert where(fields[document + "nationality"]) == (5629, 11)
        assert where(fields[document + "mrz_line1"]) == (5646, 11)
        assert where(fields[document + "document_numbers"]) == (5605, 11)

    def test_followthemoney_person(self, corpus):
        result = self.read_real(corpus, "followthemoney/Person.yaml")
        nationality = only(result, "nationality")
        assert (nationality.type, nationality.description, where(nationality)) == ("country", "Nationality", (65, 5))
        assert nationality.container == "#/Person"
        assert where(only(result, "passportNumber")) == (71, 5)
