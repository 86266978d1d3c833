"""The pg_dump shortcuts (CREATE TABLE, CHECK-only ALTER TABLE) read exactly
what sqlglot's tree reader reads, and hand every other shape to sqlglot."""

from __future__ import annotations

from pathlib import Path

import pytest

from datalint.sources import sql
from datalint.sources.sql_catalogue import Catalogue

REPO = Path(__file__).resolve().parent.parent.parent
SQL_FILES = sorted((REPO / "tests" / "fixtures" / "sql").glob("*.sql")) + sorted((REPO / "examples").rglob("*.sql"))

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
    CONSTRAINT check_len CHECK ((char_length(nationality) <= 255)),
    CONSTRAINT check_visa CHECK (((visa_status)::text = ANY ((ARRAY['tourist'::character varying, 'work'::character varying])::text[])))
)
PARTITION BY RANGE (id);

CREATE TABLE empty_one ();
ALTER TABLE public.advertisers ADD CONSTRAINT check_born CHECK ((born > '1900-01-01'::date)) NOT VALID;
ALTER TABLE public.advertisers ADD CONSTRAINT check_feel CHECK ((nationality = ANY (ARRAY['x'::text, 'y'::text])));
COMMENT ON COLUMN public.advertisers.passport_number IS 'Passport number as printed';
"""

DEFERRED = [
    "CREATE TABLE t (a text COLLATE \"C\")",
    "CREATE TABLE t (a tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, b)) STORED)",
    "CREATE TABLE t (a text, PRIMARY KEY (a))",
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
]


def _both(text: str, monkeypatch) -> tuple:
    fast = sql.read_sql(text, "x.sql")
    with monkeypatch.context() as patch:
        patch.setattr(sql, "read_create_table", lambda *args: False)
        patch.setattr(sql, "read_plain_check", lambda *args: False)
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
    assert sql.read_create_table(statement, 0, Catalogue(), sql._postgres_column_type, sql._postgres_check)


@pytest.mark.parametrize("statement", DEFERRED)
def test_other_shapes_go_to_sqlglot(statement, monkeypatch):
    catalogue = Catalogue()
    assert not sql.read_create_table(statement, 0, catalogue, sql._postgres_column_type, sql._postgres_check)
    assert catalogue.columns == []
    fast, slow = _both(statement + ";\n", monkeypatch)
    assert fast.fields == slow.fields and fast.diagnostics == slow.diagnostics


@pytest.mark.corpus
def test_gitlab_dump_reads_the_same(monkeypatch):
    path = REPO.parent / "shared" / "corpus" / "gitlab" / "structure.sql"
    if not path.is_file():
        pytest.skip("no GitLab dump in the corpus")
    fast, slow = _both(path.read_text(encoding="utf-8"), monkeypatch)
    assert fast.fields == slow.fields and fast.diagnostics == slow.diagnostics
