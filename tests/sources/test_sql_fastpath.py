"""The shortcuts for pg_dump's shapes (and plain hand-written PostgreSQL
tables and ADD COLUMNs), and the type spellings and CHECK conditions read
without sqlglot, record exactly what sqlglot's tree reader records, and hand
every other shape to sqlglot."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from datalint.sources import sql, sql_fastpath, sql_postgres, sql_tree
from datalint.sources.sql_catalogue import Catalogue, TableName
from datalint.sources.sql_fastpath import read_comment, read_enum_type, read_listed_check

REPO = Path(__file__).resolve().parent.parent.parent
SHARED = REPO.parent / "shared"
SQL_FILES = sorted((REPO / "tests" / "fixtures" / "sql").glob("*.sql")) + sorted((REPO / "examples").rglob("*.sql"))
# Unquoted names that must be left to sqlglot, and names that need not.
NAMES = ["status", "visa_type", "_x1", "a$b", '"Status"', '"a""b"', '"select"', *sorted(sql_postgres.KEYWORDS)]

DUMP = """
CREATE TYPE public.mood AS ENUM ('happy', 'sad');
CREATE TABLE public.advertisers (
    id bigint NOT NULL,
    "position" integer DEFAULT 0 NOT NULL,
    passport_number character varying(20),
    nationality text DEFAULT 'unknown'::text NOT NULL,
    quote text DEFAULT 'it''s -- not a comment'::text,
    born date,
    balance numeric(18,2) DEFAULT 1.50,
    lag integer DEFAULT -1,
    active boolean DEFAULT TRUE NOT NULL,
    feeling public.mood,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    ids bigint[] DEFAULT ARRAY[]::bigint[],
    seen_at timestamp(6) without time zone DEFAULT now(),
    token uuid DEFAULT gen_random_uuid(), -- a trailing comment
    visa_status smallint DEFAULT nextval('visa_seq'::regclass),
    search_vector tsvector GENERATED ALWAYS AS ((to_tsvector('english'::regconfig, COALESCE(nationality, ''::text)))) STORED,
    CONSTRAINT check_len CHECK ((char_length(nationality) <= 255)),
    CONSTRAINT check_visa CHECK (((visa_status)::text = ANY ((ARRAY['tourist'::character varying, 'work'::character varying])::text[])))
)
PARTITION BY RANGE (id);

CREATE TABLE empty_one ();
ALTER TABLE public.advertisers ADD CONSTRAINT check_born CHECK ((born > '1900-01-01'::date)) NOT VALID;
ALTER TABLE public.advertisers ADD CONSTRAINT check_feel CHECK ((nationality = ANY (ARRAY['x'::text, 'y'::text])));
ALTER TABLE public.advertisers ADD CONSTRAINT check_size CHECK ((octet_length((("position")::text)::bytea) <= 1024)) NOT VALID;
COMMENT ON COLUMN public.advertisers.passport_number IS 'Passport number as printed';
"""

DEFERRED = [
    "CREATE TABLE t (a text COLLATE \"C\")",
    "CREATE TABLE t (a bigint GENERATED ALWAYS AS IDENTITY)",
    "CREATE TABLE t (a text GENERATED ALWAYS AS (b) STORED DEFAULT 'x')",
    "CREATE TABLE t (a text, CONSTRAINT c CHECK (a <> '') ENABLE VALIDATE)",
    "CREATE TABLE t (a text NULL NOT NULL)",
    "CREATE TABLE t (a text UNIQUE DEFAULT 'x' UNIQUE)",
    "CREATE TABLE t (a text, PRIMARY KEY (a) DEFERRABLE)",
    "CREATE TABLE t (a integer REFERENCES u(id))",
    "CREATE TABLE t (a integer DEFAULT -1::integer)",
    "CREATE TABLE t (a integer DEFAULT (1 + 2))",
    "CREATE TABLE t (a text DEFAULT E'x\\ny')",
    "CREATE TABLE t (a text,)",
    "CREATE TABLE t (a \"char\")",
    "CREATE TABLE t (a text) INHERITS (u)",
    "CREATE TABLE t PARTITION OF u FOR VALUES IN (1)",
    "CREATE TEMPORARY TABLE t (a text)",
    "CREATE TABLE a.b.c (d text)",
    "CREATE TABLE t (LIKE u INCLUDING ALL)",
    "ALTER TABLE t ADD COLUMN a text, DROP COLUMN b",
    "ALTER TABLE t ADD CONSTRAINT c UNIQUE (a)",
    "ALTER TABLE t ADD COLUMN a text REFERENCES u(id)",
]


def _both(text: str, monkeypatch) -> tuple:
    fast = sql.read_sql(text, "x.sql")
    with monkeypatch.context() as patch:
        patch.setattr(sql, "read_create_table", lambda *args: False)
        patch.setattr(sql, "read_plain_check", lambda *args: False)
        patch.setattr(sql, "read_added_columns", lambda *args: False)
        for shortcut in ("read_comment", "read_enum_type", "read_listed_check"):
            patch.setattr(sql, shortcut, lambda *args: False)
        slow = sql.read_sql(text, "x.sql")
    return fast, slow


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_fixtures_read_the_same_with_and_without_the_shortcut(path, monkeypatch):
    fast, slow = _both(path.read_text(encoding="utf-8"), monkeypatch)
    assert fast.fields == slow.fields
    assert fast.diagnostics == slow.diagnostics


def test_a_pg_dump_table_reads_the_same_and_takes_the_shortcut(monkeypatch):
    fast, slow = _both(DUMP, monkeypatch)
    assert fast.fields == slow.fields and fast.diagnostics == slow.diagnostics
    by_name = {field.name: field for field in fast.fields}
    assert by_name["position"].examples == ("0",)
    assert by_name["quote"].examples == ("it's -- not a comment",)
    assert by_name["lag"].examples == ("-1",)
    assert by_name["feeling"].enum == ("happy", "sad")
    assert by_name["visa_status"].enum == ("tourist", "work")
    assert by_name["passport_number"].description == "Passport number as printed"
    statement = DUMP[DUMP.index("CREATE TABLE public.advertisers") : DUMP.index(";\n\nCREATE TABLE empty_one")]
    assert sql.read_create_table(statement, 0, Catalogue(), sql._postgres_column_type, sql._postgres_check_values)


def test_a_pg_dump_is_read_without_sqlglot(monkeypatch):
    def parse(*_args):
        raise AssertionError("sqlglot was asked to parse")

    monkeypatch.setattr(sql_tree, "parse", parse)
    sql._postgres_column_type.cache_clear()  # answers sqlglot gave other tests
    sql_fastpath._definition.cache_clear()
    sql_fastpath._item.cache_clear()
    result = sql.read_sql(DUMP, "x.sql")
    assert len(result.fields) == 16 and result.diagnostics == ()


HAND_WRITTEN = [
    "CREATE TABLE IF NOT EXISTS people (\n"
    "    id bigint PRIMARY KEY,\n"
    "    email varchar(254) NOT NULL UNIQUE,\n"
    "    created_at timestamptz NOT NULL DEFAULT now(),\n"
    "    nick text NULL DEFAULT 'x' UNIQUE,\n"
    "    PRIMARY KEY (id),\n"
    "    CONSTRAINT people_email UNIQUE (email, nick)\n"
    ")",
    'CREATE TABLE "User" ("id" TEXT NOT NULL, "score" INTEGER NOT NULL DEFAULT 0, CONSTRAINT "User_pkey" PRIMARY KEY ("id"))',
]
ADDED = [
    'ALTER TABLE "User" ADD COLUMN "avatarUrl" TEXT',
    "ALTER TABLE IF EXISTS ONLY public.u ADD COLUMN IF NOT EXISTS a text NOT NULL DEFAULT 'x',\n    ADD b integer UNIQUE",
]
MARKS = ["", " NOT NULL", " NULL", " PRIMARY KEY", " UNIQUE", " NOT NULL UNIQUE", " PRIMARY KEY NOT NULL"]


@pytest.mark.parametrize("statement", HAND_WRITTEN)
def test_hand_written_tables_read_the_same_and_take_the_shortcut(statement, monkeypatch):
    assert sql.read_create_table(statement, 0, Catalogue(), sql._postgres_column_type, sql._postgres_check_values)
    fast, slow = _both(statement + ";\n", monkeypatch)
    assert fast.fields == slow.fields and fast.diagnostics == slow.diagnostics and fast.fields


@pytest.mark.parametrize("statement", ADDED)
def test_added_columns_read_the_same_and_take_the_shortcut(statement, monkeypatch):
    assert sql.read_added_columns(statement, 0, Catalogue(), sql._postgres_column_type)
    fast, slow = _both(statement + ";\n", monkeypatch)
    assert fast.fields == slow.fields and fast.diagnostics == slow.diagnostics and fast.fields


@pytest.mark.parametrize("before", MARKS)
@pytest.mark.parametrize("after", MARKS)
def test_column_constraints_in_any_order_read_the_same(before, after, monkeypatch):
    statement = f"CREATE TABLE t (a integer{before} DEFAULT 7{after}, b text{before}{after});\n"
    fast, slow = _both(statement, monkeypatch)
    assert fast.fields == slow.fields and fast.diagnostics == slow.diagnostics


@pytest.mark.parametrize("statement", DEFERRED)
def test_other_shapes_go_to_sqlglot(statement, monkeypatch):
    catalogue = Catalogue()
    assert not sql.read_create_table(statement, 0, catalogue, sql._postgres_column_type, sql._postgres_check_values)
    assert not sql.read_added_columns(statement, 0, catalogue, sql._postgres_column_type)
    assert catalogue.columns == []
    fast, slow = _both(statement + ";\n", monkeypatch)
    assert fast.fields == slow.fields and fast.diagnostics == slow.diagnostics


LISTS = [
    DUMP[DUMP.index("CREATE TABLE public.advertisers") :],
    "CREATE TABLE t (a text DEFAULT 'x, y', b text -- a, comment\n, c int)",
    "CREATE TABLE t (a text /* (, */, b numeric(5, 2), \"c,d\" text)",
    "CREATE TABLE t (a int CHECK (((((((a > 0))))))), b text)",
    "CREATE TABLE t (a text DEFAULT 'unclosed, b text)",
    "CREATE TABLE t (a int - 1, b int / 2, c int)",
    "CREATE TABLE t (a text,, b text",
    "CREATE TABLE t ()",
]


@pytest.mark.parametrize("statement", LISTS)
def test_a_lists_items_are_the_ones_its_tokens_delimit(statement):
    opening = statement.index("(") + 1
    assert sql_fastpath._items(statement, opening) == sql_fastpath._item_spans(statement, opening)


def _corpus_files() -> list[Path]:
    """Every SQL file of the corpus, and the robustness files with
    statements a shortcut may take."""
    corpus = sorted((SHARED / "corpus").rglob("*.sql"))
    shapes = re.compile(r"CREATE\s+TABLE|CREATE\s+TYPE|COMMENT\s+ON", re.IGNORECASE)
    robustness = [path for path in sorted((SHARED / "robustness").rglob("*.sql")) if shapes.search(path.read_text(encoding="utf-8"))]
    return corpus + robustness


@pytest.mark.corpus
@pytest.mark.parametrize("path", _corpus_files() if SHARED.is_dir() else [], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_files_read_the_same(path, monkeypatch):
    fast, slow = _both(path.read_text(encoding="utf-8"), monkeypatch)
    assert fast.fields == slow.fields and fast.diagnostics == slow.diagnostics


# ------------------------------------------------- answers without sqlglot


def test_the_keywords_cover_sqlglots_postgres_tokenizer():
    from sqlglot.dialects.postgres import Postgres

    words = {word for keyword in Postgres.Tokenizer.KEYWORDS for word in keyword.lower().split()}
    assert {word for word in words if re.fullmatch(r"[a-z_][a-z0-9_]*", word)} <= sql_postgres.KEYWORDS


def _type_spellings() -> list[str]:
    spellings = []
    for base in sql_postgres._BUILT_IN:
        if base.endswith("time zone"):
            head, zone = base.split(" ", 1)
            spellings += [base, f"{head}(6) {zone}", f"{base}[]", base.upper()]
        else:
            spellings += [base, base.upper(), *(base + suffix for suffix in ("(5)", "(10,2)", "(10, 2)", "[]", "(5)[]", "[][]"))]
    for word in [*sql_postgres._EXTENSION_TYPES, *NAMES]:
        spellings += [word, f"{word}(5)", f"{word}[]", f"public.{word}"]
    return spellings


@pytest.mark.parametrize("spelling", _type_spellings())
def test_a_type_read_without_sqlglot_reads_as_sqlglot_reads_it(spelling):
    answer = sql_postgres.column_type(spelling)
    assert answer is None or answer == sql_tree.column_type(spelling)


def test_pg_dump_type_spellings_are_read_without_sqlglot():
    assert sql_postgres.column_type("character varying(20)[]") == ("varchar(20)[]", None, [])
    assert sql_postgres.column_type("timestamp(6) with time zone") == ("timestamptz(6)", None, [])
    assert sql_postgres.column_type("tsvector") == ("tsvector", TableName("tsvector", "tsvector"), [])
    assert sql_postgres.column_type("public.mood") == ("public.mood", TableName("public.mood", "mood", "public"), [])
    assert sql_postgres.column_type("public.text") is None  # a keyword: sqlglot decides
    assert sql_postgres.column_type("bit varying(5)") is None


CHECKS = [
    "CONSTRAINT c CHECK ((({column})::text = ANY ((ARRAY['a'::character varying, 'b''s'::character varying])::text[])))",
    "CONSTRAINT c CHECK (({column} = ANY (ARRAY['a'::text, 'b'::text])))",
    "CHECK ({column} IN ('a', 'b'))",
    "check ( {column} in ('a') )",
    "CONSTRAINT c CHECK (({column} = ANY (ARRAY[1, -7, 14.5, 030])))",
    "CHECK ({column} IN ('a'::character varying(20), 2))",
    "CHECK ({column} NOT IN ('a'))",
    "CHECK (({column} = ANY (ARRAY['a'::text])) AND (x > 0))",
    "CHECK ({column} IN ('a\\b'))",
    "CHECK (({column}) IN ('a')) OR (b)",
    "CHECK ((({column})::text = ANY (ARRAY[('a'::character varying)::text])))",
]


@pytest.mark.parametrize("shape", CHECKS)
def test_a_check_read_without_sqlglot_reads_as_sqlglot_reads_it(shape):
    table = TableName("public.t", "t", "public")
    for column in NAMES:
        item = shape.format(column=column)
        answer = sql_postgres.check_values(item)
        assert answer is None or answer == sql_tree.check_values(item, table), item


def test_pg_dump_checks_are_read_without_sqlglot():
    assert sql_postgres.check_values(CHECKS[0].format(column="visa")) == [("visa", ["a", "b's"])]
    assert sql_postgres.check_values(CHECKS[2].format(column='"Status"')) == [("Status", ["a", "b"])]
    assert sql_postgres.check_values(CHECKS[2].format(column="type")) is None  # a keyword: sqlglot decides
    assert sql_postgres.check_values(CHECKS[4].format(column="cadence")) == [("cadence", ["1", "-7", "14.5", "030"])]
    assert sql_postgres.check_values(CHECKS[5].format(column="size")) == [("size", ["a", "2"])]
    assert sql_postgres.check_values(CHECKS[6].format(column="status")) is None


STATEMENTS = [
    "COMMENT ON COLUMN {name}.{name} IS 'it''s -- kept'",
    "COMMENT ON COLUMN public.{name}.c IS ''",
    "comment on table {name} is 'x'",
    "COMMENT ON TABLE public.{name} IS ''",
    "COMMENT ON COLUMN {name} IS 'x'",
    "COMMENT ON TABLE a.b.{name} IS 'x'",
    "COMMENT ON COLUMN {name}.c IS E'x'",
    "CREATE TYPE {name} AS ENUM ('a', 'b''c')",
    "CREATE TYPE public.{name} AS ENUM (\n    'x'\n)",
    "CREATE TYPE {name} AS ENUM ()",
    "ALTER TABLE ONLY public.{name} ADD CONSTRAINT c CHECK ((status = ANY (ARRAY['a'::text, 'b'::text]))) NOT VALID",
    "ALTER TABLE {name} ADD CONSTRAINT c CHECK (status IN (1, 2))",
    "ALTER TABLE t ADD CONSTRAINT c CHECK ({name} IN ('a'))",
]


def _notes(catalogue: Catalogue) -> tuple:
    kinds = (catalogue.table_comments, catalogue.column_comments, catalogue.enum_types, catalogue.checks)
    return tuple(notes._notes for notes in kinds)


@pytest.mark.parametrize("shape", STATEMENTS)
def test_comments_enum_types_and_checks_read_without_sqlglot_read_as_sqlglot_reads_them(shape):
    for name in NAMES:
        statement = shape.format(name=name)
        fast, slow = Catalogue(), Catalogue()
        taken = read_comment(statement, fast) or read_enum_type(statement, fast) or read_listed_check(statement, fast)
        trees = sql_tree.parse(statement, "postgres")
        if taken:
            assert [sql_tree.read_tree(tree, 0, slow) for tree in trees] == [True], statement
        assert _notes(fast) == (_notes(slow) if taken else ({}, {}, {}, {})), statement


def test_a_small_pg_dump_is_read_without_importing_sqlglot():
    code = (
        "import sys; from datalint.sources.sql import read_sql; "
        "result = read_sql(open(sys.argv[1], encoding='utf-8').read(), 'schema.sql'); "
        "print(len(result.fields), len(result.diagnostics), 'sqlglot' in sys.modules)"
    )
    example = REPO / "examples" / "unsafe" / "postgres" / "schema.sql"
    done = subprocess.run([sys.executable, "-c", code, str(example)], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["87", "0", "False"]
