"""The SQL DDL reader, specified by what it makes of real-shaped dumps.

Fixtures in ``tests/fixtures/sql`` imitate pg_dump, mysqldump, SQLite and a
PrestaShop-style install script with placeholders; short inline SQL covers
the edge cases.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from datalint.model import Field, ReadResult
from datalint.sources.sql import read_sql
from datalint.sources.sql_dialect import detect_dialect, lexis_for
from datalint.sources.sql_split import split_statements

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sql"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def read_fixture(name: str) -> ReadResult:
    return read_sql((FIXTURES / name).read_text(encoding="utf-8"), name)


def by_name(result: ReadResult) -> dict[str, Field]:
    return {field.qualified_name: field for field in result.fields}


def position(field: Field) -> tuple[int, int]:
    return field.location.line, field.location.column


def codes(result: ReadResult) -> list[tuple[str, int]]:
    return [(d.code, d.location.line) for d in result.diagnostics]


@pytest.fixture(scope="module")
def pg_dump() -> ReadResult:
    return read_fixture("pg_dump.sql")


@pytest.fixture(scope="module")
def mysqldump() -> ReadResult:
    return read_fixture("mysqldump.sql")


@pytest.fixture(scope="module")
def sqlite() -> ReadResult:
    return read_fixture("sqlite.sql")


@pytest.fixture(scope="module")
def placeholders() -> ReadResult:
    return read_fixture("placeholders.sql")


@pytest.fixture(scope="module")
def corpus() -> dict[str, ReadResult]:
    """Every ``.sql`` file of ``../shared/corpus``, read once, by relative path."""
    root = SHARED / "corpus"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    return {
        path.relative_to(root).as_posix(): read_sql(path.read_text(encoding="utf-8").replace("\r\n", "\n"), path.name)
        for path in sorted(root.rglob("*.sql"))
    }


class TestPgDump:
    def test_reads_every_column_in_source_order_and_nothing_else(self, pg_dump):
        assert [f.qualified_name for f in pg_dump.fields] == [
            "public.travellers.id",
            "public.travellers.full_name",
            "public.travellers.passport_number",
            "public.travellers.nationality",
            "public.travellers.visa",
            "public.travellers.traveller_kind",
            "public.travellers.created_at",
            "public.bookings.id",
            "public.bookings.traveller_id",
            "public.bookings.destination_country",
        ]

    def test_functions_copy_data_sequences_and_settings_raise_no_diagnostics(self, pg_dump):
        assert pg_dump.diagnostics == ()

    def test_field_points_at_the_first_character_of_the_column_name(self, pg_dump):
        fields = by_name(pg_dump)
        assert position(fields["public.travellers.passport_number"]) == (55, 5)
        assert position(fields["public.bookings.destination_country"]) == (104, 5)
        assert fields["public.travellers.passport_number"].location.file == "pg_dump.sql"

    def test_container_keeps_the_schema_and_context_drops_it(self, pg_dump):
        field = by_name(pg_dump)["public.travellers.passport_number"]
        assert (field.kind, field.container, field.context) == ("column", "public.travellers", ("travellers",))

    def test_type_is_a_cheap_lowercase_name_with_its_length(self, pg_dump):
        fields = by_name(pg_dump)
        assert fields["public.travellers.passport_number"].type == "varchar(20)"
        assert fields["public.travellers.visa"].type == "public.visa_status"

    def test_comment_on_column_and_table_written_later_are_merged(self, pg_dump):
        field = by_name(pg_dump)["public.travellers.passport_number"]
        assert field.description == "Machine-readable passport number"
        assert field.container_description == "People who booked a trip"

    def test_create_type_enum_labels_reach_columns_of_that_type(self, pg_dump):
        assert by_name(pg_dump)["public.travellers.visa"].enum == ("pending", "granted", "refused")

    def test_pg_dump_rewrite_of_check_in_gives_enum_values(self, pg_dump):
        fields = by_name(pg_dump)
        assert fields["public.travellers.traveller_kind"].enum == ("resident", "visitor")
        assert fields["public.travellers.full_name"].enum == ()

    def test_literal_defaults_become_examples_and_expressions_do_not(self, pg_dump):
        fields = by_name(pg_dump)
        assert fields["public.travellers.nationality"].examples == ("unknown",)
        assert fields["public.travellers.visa"].examples == ("pending",)
        assert fields["public.travellers.created_at"].examples == ()

    def test_foreign_key_added_later_by_alter_table_only(self, pg_dump):
        fields = by_name(pg_dump)
        assert fields["public.bookings.traveller_id"].references == "public.travellers"
        assert fields["public.bookings.id"].references is None


class TestMysqldump:
    def test_reads_the_table_and_the_column_added_later(self, mysqldump):
        assert [f.name for f in mysqldump.fields] == [
            "emp_number",
            "emp_lastname",
            "emp_gender",
            "emp_passport_no",
            "work_permit",
            "nation_code",
            "visa_expiry",
        ]
        assert {f.container for f in mysqldump.fields} == {"employees"}

    def test_conditional_comments_locks_inserts_and_triggers_raise_no_diagnostics(self, mysqldump):
        assert mysqldump.diagnostics == ()

    def test_backticked_name_is_located_at_its_backtick(self, mysqldump):
        fields = by_name(mysqldump)
        assert position(fields["employees.emp_passport_no"]) == (22, 3)
        assert position(fields["employees.visa_expiry"]) == (48, 36)

    def test_inline_comments_describe_columns_and_the_table(self, mysqldump):
        fields = by_name(mysqldump)
        assert fields["employees.emp_passport_no"].description == "Passport number, scanned at hire"
        assert fields["employees.visa_expiry"].description == "When the visa lapses"
        assert fields["employees.emp_number"].container_description == "Staff records"

    def test_enum_and_set_types_give_their_values(self, mysqldump):
        fields = by_name(mysqldump)
        assert fields["employees.emp_gender"].enum == ("male", "female", "other")
        assert fields["employees.work_permit"].enum == ("visa", "residence", "citizen")
        assert fields["employees.work_permit"].examples == ("visa",)

    def test_table_level_foreign_key(self, mysqldump):
        assert by_name(mysqldump)["employees.nation_code"].references == "nationalities"


class TestSqlite:
    def test_trailing_line_comment_describes_its_column(self, sqlite):
        fields = by_name(sqlite)
        assert fields["guests.name"].description == "as printed on the identity document"
        assert fields["guests.id"].description == ""

    def test_column_check_in_gives_enum_values(self, sqlite):
        assert by_name(sqlite)["guests.document_type"].enum == ("passport", "national_id", "residence_permit")

    def test_inline_references(self, sqlite):
        assert by_name(sqlite)["guests.room_id"].references == "rooms"

    def test_without_rowid_table_is_noted_once_and_still_read(self, sqlite):
        assert codes(sqlite) == [("DL003", 11)]
        fields = by_name(sqlite)
        assert position(fields["rooms.id"]) == (11, 23)
        assert position(fields["rooms.label"]) == (11, 49)
        assert fields["rooms.label"].type == "text"


class TestTolerantFallback:
    def test_each_unparsable_statement_is_one_note_at_its_line(self, placeholders):
        assert codes(placeholders) == [("DL003", 3), ("DL003", 12)]
        assert all(d.severity == "note" for d in placeholders.diagnostics)

    def test_the_note_does_not_quote_the_statement(self, placeholders):
        assert all("PREFIX" not in d.message and "document" not in d.message for d in placeholders.diagnostics)

    def test_columns_are_read_with_their_positions(self, placeholders):
        assert [f.qualified_name for f in placeholders.fields] == [
            "PREFIX_guest_document.id_document",
            "PREFIX_guest_document.id_customer",
            "PREFIX_guest_document.document_number",
            "PREFIX_guest_document.nationality",
            "PREFIX_guest_stay.id_stay",
            "PREFIX_guest_stay.arrival_from",
        ]
        fields = by_name(placeholders)
        assert position(fields["PREFIX_guest_document.document_number"]) == (6, 3)
        assert position(fields["PREFIX_guest_stay.arrival_from"]) == (14, 3)

    def test_fallback_keeps_types_comments_and_defaults(self, placeholders):
        fields = by_name(placeholders)
        assert fields["PREFIX_guest_document.document_number"].type == "varchar(64)"
        assert fields["PREFIX_guest_document.document_number"].description == "passport or identity card"
        assert fields["PREFIX_guest_document.nationality"].description == "ISO 3166 alpha-3"
        assert fields["PREFIX_guest_document.nationality"].examples == ("UNK",)

    def test_command_only_alter_still_yields_the_added_column(self):
        result = read_sql("ALTER TABLE people ADD COLUMN ssn text, ALTER COLUMN id SET STATISTICS 100;", "m.sql")
        assert [(f.qualified_name, position(f), f.type) for f in result.fields] == [("people.ssn", (1, 31), "text")]
        assert codes(result) == [("DL003", 1)]

    def test_missing_comma_does_not_hide_the_next_column(self):
        sql = (
            "# TYPO3 ext_tables.sql\n"
            "CREATE TABLE tx_models (\n"
            "\tuid int(11) NOT NULL auto_increment,\n"
            "\t#measurements int(11) DEFAULT '0',\n"
            "\tnationality int(11) unsigned DEFAULT '0'\n"
            "\tresidence int(11) unsigned DEFAULT '0',\n"
            "\tPRIMARY KEY (uid)\n"
            ");\n"
        )
        result = read_sql(sql, "ext_tables.sql")
        assert [(f.name, position(f)) for f in result.fields] == [
            ("uid", (3, 2)),
            ("nationality", (5, 2)),
            ("residence", (6, 2)),
        ]
        assert codes(result) == [("DL003", 2)]

    def test_definition_the_fallback_cannot_read_is_an_error(self):
        result = read_sql("CREATE TABLE t (?? ??, !! !!) ZZZ;", "t.sql")
        assert result.fields == ()
        assert [(d.code, d.severity) for d in result.diagnostics] == [("DL003", "note"), ("DL004", "error")]


LATER_FACTS = (
    "CREATE TABLE public.people (id int, country_id int, doc_type varchar(10), ssn text);\n"
    "CREATE TABLE audit.people (ssn text);\n"
    "ALTER TABLE public.people ADD FOREIGN KEY (country_id) REFERENCES countries (id);\n"
    "ALTER TABLE public.people ADD CONSTRAINT doc_type_known CHECK (doc_type IN ('passport', 'visa'));\n"
    "COMMENT ON COLUMN people.doc_type IS 'Document shown at check-in';\n"
    "COMMENT ON COLUMN audit.people.ssn IS 'Copied from public.people';\n"
)


@pytest.fixture(scope="module")
def later() -> dict[str, Field]:
    return by_name(read_sql(LATER_FACTS, "later.sql"))


class TestFactsStatedLater:
    def test_unnamed_foreign_key_added_later(self, later):
        assert later["public.people.country_id"].references == "countries"

    def test_check_added_later_gives_enum_values(self, later):
        assert later["public.people.doc_type"].enum == ("passport", "visa")

    def test_unqualified_comment_describes_the_qualified_table(self, later):
        assert later["public.people.doc_type"].description == "Document shown at check-in"

    def test_comment_on_another_schema_describes_only_that_schema(self, later):
        assert later["audit.people.ssn"].description == "Copied from public.people"
        assert later["public.people.ssn"].description == ""


class TestDialects:
    @pytest.mark.parametrize(
        ("sql", "expected"),
        [
            ("CREATE TABLE `t` (`a` int) ENGINE=InnoDB;", "mysql"),
            ("SET search_path = public;\nCREATE TABLE t (a int DEFAULT nextval('s'::regclass));", "postgres"),
            ("CREATE TABLE [dbo].[t] ([a] NVARCHAR(10))\nGO\n", "tsql"),
            ("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT) WITHOUT ROWID;", "sqlite"),
            ("CREATE TABLE t (a int);", "postgres"),
            ('-- drops `jsonData`\nALTER TABLE "EndUser" ADD COLUMN "nationalId" TEXT;', "postgres"),
        ],
    )
    def test_detection_from_tell_tale_text(self, sql, expected):
        assert detect_dialect(sql) == expected

    def test_given_dialect_wins_over_detection(self):
        sql = "CREATE TABLE t (\n  a int, # a note; with a semicolon\n  b int\n);\n"
        assert [f.name for f in read_sql(sql, "t.sql", "mysql").fields] == ["a", "b"]

    def test_unknown_dialect_is_a_configuration_error(self):
        result = read_sql("CREATE TABLE t (a int);", "t.sql", "klingon")
        assert [(d.code, d.severity) for d in result.diagnostics] == [("DL008", "error")]

    def test_double_quoted_names_keep_their_position_when_mysql_reads_them_as_strings(self):
        sql = 'ALTER TABLE "EndUser" DROP COLUMN "jsonData",\nADD COLUMN "nationalId" VARCHAR;'
        assert [(f.qualified_name, position(f)) for f in read_sql(sql, "m.sql", "mysql").fields] == [
            ("EndUser.nationalId", (2, 12))
        ]

    def test_statement_failing_in_the_detected_dialect_is_retried_in_others(self):
        sql = "CREATE TABLE [guests] ([passport_no] NVARCHAR(20));\nCREATE TABLE t (a int DEFAULT 1::int);\n"
        result = read_sql(sql, "t.sql")
        assert [f.qualified_name for f in result.fields] == ["guests.passport_no", "t.a"]
        assert result.diagnostics == ()


class TestSplitting:
    def statements(self, sql: str, dialect: str = "postgres") -> list[str]:
        statements, unclosed = split_statements(sql, lexis_for(dialect))
        assert unclosed is None
        return [s.text for s in statements]

    def test_tagged_dollar_bodies_and_nested_comments_hide_semicolons(self):
        sql = "CREATE FUNCTION f() AS $fn$ a; $$ b; $fn$;\n/* x /* y; */ z; */ SELECT 1;"
        assert self.statements(sql) == ["CREATE FUNCTION f() AS $fn$ a; $$ b; $fn$", "SELECT 1"]

    def test_mysql_delimiter_changes_the_terminator(self):
        sql = "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\nSELECT 2;"
        assert self.statements(sql, "mysql") == ["CREATE PROCEDURE p() BEGIN SELECT 1; END", "SELECT 2"]

    def test_tsql_go_lines_end_batches(self):
        assert self.statements("SELECT 1\nGO\nSELECT [a;b]\nGO 2\n", "tsql") == ["SELECT 1", "SELECT [a;b]"]

    def test_statement_offsets_are_absolute(self):
        sql = "-- header; with a semicolon\nSET x = 1;\n\n  CREATE TABLE t (a int);"
        statements, _ = split_statements(sql, lexis_for("postgres"))
        assert [(s.start, sql[s.start : s.start + 6]) for s in statements] == [(28, "SET x "), (42, "CREATE")]

    def test_escape_strings_honour_backslashes(self):
        assert self.statements(r"SELECT E'it\'s; fine'; SELECT 2;") == [r"SELECT E'it\'s; fine'", "SELECT 2"]

    def test_unterminated_quote_is_a_located_syntax_error(self):
        result = read_sql("CREATE TABLE t (a int);\nCREATE TABLE u (b text DEFAULT 'oops);\n", "t.sql")
        assert [f.name for f in result.fields] == ["a", "b"]
        assert [(d.code, d.location.line, d.location.column) for d in result.diagnostics] == [
            ("DL003", 2, 1),
            ("DL002", 2, 32),
        ]


class TestNeverRaises:
    @pytest.mark.parametrize(
        "sql",
        [
            "",
            "\x00\x01\x02 garbage \xff",
            "CREATE TABLE",
            "CREATE TABLE ((( ;; 'unterminated",
            "ALTER TABLE x ADD COLUMN",
            "COMMENT ON COLUMN IS;",
            "CREATE TYPE AS ENUM (;",
            ")))))(((((",
            "/* never closed",
            "$$ never closed",
        ],
    )
    def test_garbage_gives_diagnostics_not_exceptions(self, sql):
        result = read_sql(sql, "g.sql")
        assert all(d.location.file == "g.sql" and d.location.line >= 1 for d in result.diagnostics)

    @staticmethod
    def nested(depth: int) -> str:
        return "CREATE TABLE t (a int CHECK (" + "(" * depth + "a" + ")" * depth + "), passport_no text);"

    def test_deeply_nested_parentheses_do_not_overflow(self):
        result = read_sql(self.nested(300), "deep.sql")
        assert [f.name for f in result.fields] == ["a", "passport_no"]
        assert {d.code for d in result.diagnostics} <= {"DL003"}  # compiled sqlglot (sqlglotc) parses it

    def test_nesting_beyond_the_parser_is_noted_and_read_by_the_fallback(self):
        result = read_sql(self.nested(5000), "deep.sql")
        assert [f.name for f in result.fields] == ["a", "passport_no"]
        assert [(d.code, d.message) for d in result.diagnostics] == [
            ("DL003", "CREATE TABLE statement not parsed (nested too deeply); read with the tolerant fallback")
        ]

    def test_sqlglot_never_echoes_statements_to_the_log(self, caplog):
        caplog.set_level(logging.DEBUG)
        read_sql("ALTER TABLE people ADD COLUMN ssn text, ALTER COLUMN id SET STATISTICS 100;", "m.sql")
        assert not [r for r in caplog.records if "ssn" in r.getMessage()]
        assert logging.getLogger("sqlglot").propagate is False


@pytest.mark.corpus
class TestCorpus:
    """Real third-party schemas from ``../shared/corpus``."""

    def test_every_sql_file_is_read_without_errors(self, corpus):
        errors = {path: d for path, result in corpus.items() for d in result.diagnostics if d.severity == "error"}
        assert len(corpus) > 90
        assert errors == {}

    def test_gitlab_structure_yields_all_its_tables(self, corpus):
        result = corpus["gitlab/structure.sql"]
        assert len(result.fields) > 13_000
        assert len({f.container for f in result.fields}) > 1_300
        assert result.diagnostics == ()

    def test_orangehrm_immigration_record_is_read(self, corpus):
        fields = by_name(corpus["orangehrm/V4_10_1.sql"])
        passport = fields["hs_hr_emp_passport.ep_passport_num"]
        assert (position(passport), passport.type) == ((857, 3), "varchar(100)")
        assert {"hs_hr_emp_passport.ep_passportexpiredate", "hs_hr_emp_passport.ep_i9_status"} <= fields.keys()
        assert fields["hs_hr_employee.nation_code"].references == "ohrm_nationality"

    def test_qloapps_placeholders_still_yield_the_address_table(self, corpus):
        address = [f.name for f in corpus["qloapps/db_structure.sql"].fields if f.container == "PREFIX_address"]
        assert {"dni", "firstname", "lastname", "phone_mobile"} <= set(address)
