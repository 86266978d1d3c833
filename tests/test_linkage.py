"""Graph rules (rules/linkage.yaml): paths from advertising personas to
identity data, combinations, spread into logs, blobs, raised severities,
and migration folders replayed into their final schema."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from datalint.cli import main
from datalint.engine import Engine
from datalint.model import fingerprint
from datalint.runner import RunOptions, run
from datalint.session import Choices, lint

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "linkage"


@pytest.fixture(autouse=True)
def _from_repository(monkeypatch):
    monkeypatch.chdir(REPO)


def _findings(*targets: str, **choices) -> list:
    outcome = lint(list(targets), Choices(isolated=True, **choices))
    assert [d for d in outcome.report.diagnostics if d.severity == "error"] == []
    return outcome.report.findings


def _by(findings, code: str) -> list:
    return [finding for finding in findings if finding.code == code]


def test_a_path_through_two_foreign_keys_is_spelled_and_located_at_its_first_edge():
    [linked] = _by(_findings("tests/fixtures/linkage/two-keys"), "DL901")
    assert linked.field.qualified_name == "ads.advertiser_id"
    assert "ads.advertiser_id -> advertisers.id <- advertiser_verification.advertiser_id: doc_number" in linked.message
    assert [(step.source, step.target, step.kind, step.reverse) for step in linked.path] == [
        ("ads.advertiser_id", "advertisers.id", "foreign-key", False),
        ("advertisers.id", "advertiser_verification.advertiser_id", "foreign-key", True),
    ]
    assert linked.related == "advertiser_verification"


def test_reference_data_does_not_join_the_rows_that_point_at_it():
    """ads and clients both point at countries; clients' nationality is
    not the advertiser's."""
    messages = [finding.message for finding in _by(_findings("tests/fixtures/linkage/two-keys"), "DL901")]
    assert not any("clients" in message for message in messages)


def test_an_inferred_key_joins_without_a_constraint():
    [linked] = _by(_findings("tests/fixtures/linkage/inferred"), "DL901")
    assert [(step.kind, step.reverse) for step in linked.path] == [("inferred", True)]
    assert "escorts.id <- passports.escort_id: passport_number" in linked.message


def test_a_ref_chain_across_two_files():
    [linked] = _by(_findings("tests/fixtures/linkage/refs"), "DL901")
    assert linked.location.file.endswith("ad.schema.json")
    assert [step.kind for step in linked.path] == ["ref", "ref"]
    assert linked.path[0].target.endswith("advertiser.schema.json#/$defs/Advertiser")
    assert linked.message.endswith(": passport_number)")


def test_an_inline_object_joins_its_property_whatever_the_property_is_called(tmp_path):
    """The nested object's pointer is percent-encoded and ``~``-escaped; the
    property that holds it is still found as its carrier."""
    nested = {"type": "object", "properties": {"passport_number": {"type": "string"}}}
    ad = {"type": "object", "properties": {"title": {"type": "string"}, "owner {id}/~": nested}}
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {"Ad": ad}}
    (tmp_path / "ad.schema.json").write_text(json.dumps(schema))
    [linked] = _by(_findings(str(tmp_path)), "DL901")
    assert linked.field.name == "owner {id}/~"
    assert [(step.source, step.target, step.kind) for step in linked.path] == [
        ("#/$defs/Ad.owner {id}/~", "#/$defs/Ad/properties/owner%20%7Bid%7D~1~0", "nesting")
    ]


def test_a_cycle_ends_and_each_pair_is_reported_once():
    findings = _findings("tests/fixtures/linkage/cycle")
    [linked] = _by(findings, "DL901")
    assert "listings can be joined to owners" in linked.message
    [combination] = _by(findings, "DL902")
    assert combination.field.name == "date_of_birth" and combination.severity == "warning"
    [spread] = _by(findings, "DL903")
    assert spread.field.qualified_name == "search_events.passport_number"


def test_legal_identity_joined_to_a_persona_is_raised_to_error():
    [raised] = _by(_findings("tests/fixtures/linkage/cycle"), "DL703")
    assert raised.severity == "error"
    assert "raised to error by DL905" in raised.message and "listings" in raised.message
    assert fingerprint(raised) == fingerprint(_by(_findings("tests/fixtures/linkage/cycle", ignore=("DL905",)), "DL703")[0])


def test_without_a_persona_legal_identity_keeps_its_severity(tmp_path):
    (tmp_path / "hr.sql").write_text("CREATE TABLE employees (id int, legal_name text, date_of_birth date);\n")
    findings = _findings(str(tmp_path))
    assert {finding.severity for finding in findings if finding.category == "legal-identity"} == {"warning"}
    assert [finding for finding in findings if finding.category == "linkage"] == []


def test_blobs_that_say_they_hold_documents(tmp_path):
    (tmp_path / "kyc.sql").write_text(
        "CREATE TABLE checks (id int, verification_payload jsonb, kyc_data json, id_document_json text,\n"
        "  verification_status text, metadata jsonb, notes text);\n"
    )
    names = sorted(finding.field.name for finding in _by(_findings(str(tmp_path)), "DL904"))
    assert names == ["id_document_json", "kyc_data", "verification_payload"]


def test_minimised_examples_have_no_linkage():
    assert _findings("examples/minimised") == []


def test_linkage_findings_are_suppressed_where_their_first_edge_is(tmp_path):
    schema = (FIXTURES / "two-keys" / "schema.sql").read_text()
    schema = schema.replace(
        "    advertiser_id bigint NOT NULL,\n    title",
        '    advertiser_id bigint NOT NULL, -- datalint: allow DL901 reason="verification is joined by support staff only"\n    title',
    )
    (tmp_path / "schema.sql").write_text(schema)
    findings = _findings(str(tmp_path))
    [linked] = _by(findings, "DL901")
    assert linked.suppressed is not None
    assert _by(findings, "DLX002") == []


def test_linkage_findings_are_baselined_per_identity_container(tmp_path):
    baseline = tmp_path / "baseline.json"
    result = CliRunner().invoke(main, ["check", "--isolated", "--write-baseline", str(baseline), "examples/unsafe/postgres"])
    assert result.exit_code == 0, result.output
    entries = json.loads(baseline.read_text())["findings"]
    linked = [entry for entry in entries if entry["rule"] == "DL901"]
    assert len({entry["fingerprint"] for entry in linked}) == len(linked) >= 2
    result = CliRunner().invoke(main, ["check", "--isolated", "--baseline", str(baseline), "examples/unsafe/postgres"])
    assert result.exit_code == 0, result.output


def test_ignoring_the_category_turns_the_graph_off():
    findings = _findings("examples/unsafe", ignore=("linkage",))
    assert [finding for finding in findings if finding.category == "linkage" or "raised" in finding.message] == []


def test_json_output_carries_the_path(tmp_path):
    result = CliRunner().invoke(main, ["check", "--isolated", "--format", "json", "tests/fixtures/linkage/two-keys"])
    document = json.loads(result.output)
    [linked] = [finding for finding in document["findings"] if finding["rule"] == "DL901"]
    assert linked["path"][1] == {
        "from": "advertisers.id", "to": "advertiser_verification.advertiser_id", "kind": "foreign-key", "direction": "reverse",
    }
    assert {"source": "finding", "term": "DL101"} in linked["evidence"]
    schema = json.loads((REPO / "docs" / "json-output.schema.json").read_text())
    import jsonschema

    jsonschema.validate(document, schema)


# ------------------------------------------------------------ migrations


def test_migrations_drop_and_rename(tmp_path):
    findings = _findings("examples/unsafe/migrations")
    fields = {finding.field.name: finding for finding in findings}
    assert "passport_number" not in fields and "legal_name" not in fields
    renamed = fields["real_name"]
    assert (Path(renamed.location.file).name, renamed.location.line) == ("V5.1__drop_passport_number.sql", 5)
    assert (Path(fields["date_of_birth"].location.file).name, fields["date_of_birth"].location.line) == ("V1__create_advertisers.sql", 6)
    [spread] = _by(findings, "DL903")
    assert spread.field.qualified_name == "advertiser_audit_log.nationality"
    assert _by(findings, "DL904")[0].field.name == "verification_payload"
    linked = [finding.message for finding in _by(findings, "DL901")]
    assert any("ads.advertiser_id -> advertisers.id <- identity_checks.advertiser_id" in message for message in linked)


def test_prisma_migrations_in_folders_of_their_own():
    findings = _findings("tests/fixtures/linkage/prisma")
    assert [(finding.code, finding.field.qualified_name) for finding in findings] == [("DL201", "Profile.nationality")]


def test_down_migrations_are_not_applied(tmp_path):
    (tmp_path / "0001_ads.up.sql").write_text("CREATE TABLE ads (id int, nationality text);\n")
    (tmp_path / "0001_ads.down.sql").write_text("DROP TABLE ads;\n")
    (tmp_path / "0002_more.up.sql").write_text("ALTER TABLE ads ADD COLUMN title text;\n")
    outcome = lint([str(tmp_path)], Choices(isolated=True))
    assert [finding.field.name for finding in outcome.report.findings] == ["nationality"]
    assert all(not name.endswith(".down.sql") for name in outcome.report.checked)


def test_forced_migrations_apply_files_of_any_name(tmp_path):
    (tmp_path / "a_create.sql").write_text("CREATE TABLE ads (id int, nationality text);\n")
    (tmp_path / "b_drop.sql").write_text("ALTER TABLE ads DROP COLUMN nationality;\n")
    assert len(_findings(str(tmp_path))) == 1
    assert _findings(migrations=(str(tmp_path),)) == []


def test_a_plain_folder_of_files_is_not_replayed(tmp_path):
    (tmp_path / "schema.sql").write_text("CREATE TABLE ads (id int, nationality text);\n")
    (tmp_path / "cleanup.sql").write_text("DROP TABLE ads;\n")
    assert len(_findings(str(tmp_path))) == 1


# ------------------------------------------------------------ scale


@pytest.mark.corpus
def test_gitlab_dump_stays_fast(rulebook):
    dump = REPO.parent / "shared" / "corpus" / "gitlab" / "structure.sql"
    engine = Engine(rulebook)
    started = time.perf_counter()
    report = run([str(dump)], engine, RunOptions())
    elapsed = time.perf_counter() - started
    assert report.files_checked == 1
    assert elapsed < 10
