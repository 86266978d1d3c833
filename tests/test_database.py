"""Linting a live database: ``datalint check sqlite:///... postgresql://... mysql://...``.

SQLite runs everywhere (the database is built here with sqlite3). PostgreSQL
and MariaDB run against real servers started for this module
(``tests/dbservers.py``): skipped with the reason when none can be started,
a failure when ``CI=true``. The advertising site of ``examples/unsafe`` must
give the same findings (rule, table, column) from the server as from its DDL.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
from click.testing import CliRunner

from conftest import REPO
from datalint.cli import main
from datalint.model import Report
from datalint.runner import run
from datalint.targets import DatabaseTarget, is_url, parse_target, scrub, split_targets
from dbservers import Unavailable, mariadb_server, postgres_server, skip_or_fail

OUTPUT_SCHEMA = json.loads((REPO / "docs" / "json-output.schema.json").read_text(encoding="utf-8"))
PG_DDL = REPO / "examples" / "unsafe" / "postgres" / "schema.sql"
MYSQL_DDL = REPO / "examples" / "unsafe" / "mysql" / "schema.sql"
SQLITE_DDL = REPO / "tests" / "fixtures" / "database" / "advertising-sqlite.sql"
AUDITOR = "datalint_auditor"
AUDITOR_PASSWORD = "Aud1tor-S3cret"


def require_db_extra() -> None:
    try:
        import sqlalchemy  # noqa: F401
    except ImportError:
        skip_or_fail("the db extra is not installed (pip install -e '.[test,db]')")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def by_column(report: Report) -> set[tuple[str, str, str]]:
    """(table without schema, column, rule) of every finding: what must not
    depend on whether the schema came from a file or a server."""
    return {(finding.field.context[0], finding.field.name, finding.code) for finding in report.findings}


@pytest.fixture(scope="module")
def ddl_findings(engine) -> dict[str, set[tuple[str, str, str]]]:
    results = {}
    for name, path in (("postgres", PG_DDL), ("mysql", MYSQL_DDL)):
        report = run([str(path)], engine)
        assert report.findings and not [d for d in report.diagnostics if d.severity == "error"]
        results[name] = by_column(report)
    return results


# --- targets: recognising URLs and hiding passwords ----------------------------------


@pytest.mark.parametrize(
    ("url", "display"),
    [
        ("postgresql://auditor:S3cret-pw@db.internal/ads", "postgresql://auditor@db.internal/ads"),
        ("postgresql+psycopg://auditor:S3cret-pw@db.internal:6432/ads", "postgresql+psycopg://auditor@db.internal:6432/ads"),
        ("postgres://db.internal/ads", "postgres://db.internal/ads"),
        ("mysql://auditor:p@ss/w?rd@db:3306/ads", "mysql://auditor@db:3306/ads"),
        ("mariadb://auditor:%40t%2F@db/ads?charset=utf8mb4", "mariadb://auditor@db/ads?charset=utf8mb4"),
        ("postgresql://auditor@db/ads?sslmode=require&password=S3cret-pw", "postgresql://auditor@db/ads?sslmode=require"),
        ("postgresql://:S3cret-pw@db/ads", "postgresql://db/ads"),
        ("sqlite:////srv/data/app@2024:v1.db", "sqlite:////srv/data/app@2024:v1.db"),
        ("sqlite:///relative.db", "sqlite:///relative.db"),
    ],
)
def test_display_drops_the_password(url, display):
    target = parse_target(url)
    assert target.display == str(target) == display
    assert "S3cret" not in repr(target) and "p@ss" not in repr(target)


def test_kinds_by_scheme():
    kinds = {url: parse_target(url).kind for url in (
        "sqlite:///a.db", "postgresql://h/d", "postgres://h/d", "postgresql+psycopg://h/d", "mysql://h/d",
        "mysql+pymysql://h/d", "mariadb://h/d", "oracle://h/d", "https://example.com/schema.json")}
    assert list(kinds.values()) == ["sqlite", "postgresql", "postgresql", "postgresql", "mysql", "mysql", "mysql", None, None]


def test_scrub_hides_passwords_in_driver_messages():
    target = parse_target("postgresql://auditor:p%40ss-W0rd@db/ads")
    message = ('connection to "postgresql://auditor:p%40ss-W0rd@db/ads" failed: p@ss-W0rd rejected; '
               "dsn: host=db password=p@ss-W0rd user=auditor; other://u:x@y")
    cleaned = target.scrub(message)
    assert "p@ss" not in cleaned and "p%40ss" not in cleaned and ":x@" not in cleaned
    assert "postgresql://auditor@db/ads" in cleaned
    assert scrub("Access denied for user 'a'@'h' (using password: YES)") == "Access denied for user 'a'@'h' (using password: YES)"


def test_split_targets_keeps_paths_and_existing_files_named_like_urls(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "odd:" / "name").mkdir(parents=True)
    paths, databases = split_targets(["schemas", "sqlite:///a.db", "odd://name", "sqlite:///a.db", "mysql://h/d"])
    assert paths == ["schemas", "odd://name"]
    assert [d.display for d in databases] == ["sqlite:///a.db", "mysql://h/d"]
    assert is_url("sqlite:///a.db") and not is_url("schemas/a.sql") and not is_url("C:\\schemas\\a.sql")


def test_unknown_scheme_is_a_diagnostic_and_other_targets_are_linted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ads.sql").write_text("CREATE TABLE ads (passport_number text);\n", encoding="utf-8")
    result = invoke("check", "oracle://scott:T1ger-pw@db/orcl", "https://example.com/schema.json", "ads.sql")
    assert result.exit_code == 2
    assert "oracle://scott@db/orcl: DL001 error unsupported URL scheme 'oracle'" in result.stderr
    assert "https://example.com/schema.json: DL001 error unsupported URL scheme 'https'" in result.stderr
    assert "ads.sql:1:" in result.stdout and "DL101" in result.stdout
    assert "T1ger" not in result.stdout + result.stderr


def test_missing_extra_says_how_to_install_it(monkeypatch):
    from datalint.sources.database import read_database

    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    result = read_database(parse_target("postgresql://auditor:S3cret-pw@db.internal/ads"))
    (problem,) = result.diagnostics
    assert problem.code == "DL010" and problem.severity == "error" and result.skipped
    assert "pip install 'datalint[db]'" in problem.message
    assert problem.location.file == "postgresql://auditor@db.internal/ads"


@pytest.mark.parametrize(("url", "module", "package"), [
    ("postgresql://auditor:S3cret-pw@db.internal/ads", "psycopg", "psycopg"),
    ("mysql://auditor:S3cret-pw@db.internal/ads", "pymysql", "PyMySQL"),
    ("mariadb://auditor:S3cret-pw@db.internal/ads", "pymysql", "PyMySQL"),
])
def test_missing_driver_says_how_to_install_it(monkeypatch, url, module, package):
    require_db_extra()
    from datalint.sources.database import read_database

    monkeypatch.setitem(sys.modules, module, None)
    (problem,) = read_database(parse_target(url)).diagnostics
    assert problem.code == "DL010"
    assert problem.message == f"the database driver {package} is not installed: pip install 'datalint[db]'"
    assert "S3cret" not in problem.location.file


def test_connections_time_out_quickly_and_are_read_only():
    """What the drivers are asked for (the servers' tests check it holds)."""
    require_db_extra()
    import sqlalchemy

    from datalint.sources import database

    captured = {}

    def create_engine(url, **options):
        captured[str(url).split(":", 1)[0]] = options
        return "engine"

    fake = SimpleNamespace(create_engine=create_engine, exc=sqlalchemy.exc)
    database._engine(parse_target("postgresql://a:S3cret-pw@h/d"), fake)
    database._engine(parse_target("mysql://a:S3cret-pw@h/d"), fake)
    postgres, mysql = captured["postgresql+psycopg"], captured["mysql+pymysql"]
    assert postgres["connect_args"]["connect_timeout"] == database.CONNECT_TIMEOUT <= 10
    assert "default_transaction_read_only=on" in postgres["connect_args"]["options"]
    assert mysql["connect_args"]["connect_timeout"] == database.CONNECT_TIMEOUT
    assert postgres["hide_parameters"] and mysql["hide_parameters"]


def test_unreachable_server_is_a_diagnostic_without_password(tmp_path, monkeypatch):
    require_db_extra()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ads.sql").write_text("CREATE TABLE ads (passport_number text);\n", encoding="utf-8")
    # Port 1 on the loopback interface: refused at once; a socket that does not exist.
    postgres = "postgresql://auditor:S3cret-pw@127.0.0.1:1/ads"
    mysql = f"mysql://auditor:S3cret-pw@localhost/ads?unix_socket={tmp_path / 'no-such.sock'}"
    result = invoke("check", postgres, mysql, "ads.sql")
    assert result.exit_code == 2
    assert "postgresql://auditor@127.0.0.1:1/ads: DL010 error cannot connect: " in result.stderr
    assert f"mysql://auditor@localhost/ads?unix_socket={tmp_path / 'no-such.sock'}: DL010 error cannot connect: " in result.stderr
    assert "DL101" in result.stdout
    assert "S3cret" not in result.stdout + result.stderr


def test_debug_reraises_with_a_scrubbed_message(monkeypatch):
    from datalint.sources import database

    url = "postgresql://auditor:S3cret-pw@db.internal/ads"

    def broken(target):
        raise RuntimeError(f"something broke while talking to {target.url} with password=S3cret-pw")

    monkeypatch.setattr(database, "_read", broken)
    (problem,) = database.read_database(parse_target(url)).diagnostics
    assert problem.code == "DL009" and "S3cret" not in problem.message and "RuntimeError" in problem.message
    with pytest.raises(database.DatabaseReadError) as raised:
        database.read_database(parse_target(url), debug=True)
    assert "S3cret" not in str(raised.value) and "postgresql://auditor@db.internal/ads" in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_linting_files_never_imports_sqlalchemy(tmp_path):
    (tmp_path / "ads.sql").write_text("CREATE TABLE ads (passport_number text);\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from datalint.engine import Engine\nfrom datalint.rulebook import load_rulebook\nfrom datalint.runner import run\n"
        f"report = run([{str(tmp_path / 'ads.sql')!r}], Engine(load_rulebook()[0]))\n"
        "assert report.findings, report\n"
        "assert 'sqlalchemy' not in sys.modules and 'datalint.sources.database' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# --- SQLite: embedded, always tested ------------------------------------------------------


def build_sqlite(path: Path, ddl: str) -> Path:
    connection = sqlite3.connect(path)
    try:
        connection.executescript(ddl)
    finally:
        connection.close()
    return path


@pytest.fixture
def advertising_db(tmp_path) -> Path:
    return build_sqlite(tmp_path / "advertising.db", SQLITE_DDL.read_text(encoding="utf-8"))


def test_sqlite_findings_match_the_ddl(advertising_db, engine, ddl_findings):
    require_db_extra()
    report = run([f"sqlite:///{advertising_db}"], engine)
    assert report.diagnostics == [] and report.checked == [f"sqlite:///{advertising_db}"]
    assert by_column(report) == ddl_findings["postgres"]
    assert ("advertisers", "nationality", "DL201") in by_column(report)


def test_sqlite_fields_carry_what_the_ddl_reader_reads(advertising_db):
    require_db_extra()
    from datalint.sources.database import read_database

    url = f"sqlite:///{advertising_db}"
    fields = {field.qualified_name: field for field in read_database(parse_target(url)).fields}
    status = fields["advertisers.immigration_status"]
    assert status.kind == "column" and status.container == "advertisers" and status.context == ("advertisers",)
    assert status.enum == ("citizen", "settled", "pre_settled", "visa_holder", "asylum_seeker", "unknown")
    assert status.examples == ("unknown",) and status.type == "text"
    assert status.location.file == url and status.location.fragment == "advertisers.immigration_status"
    assert (status.location.line, status.location.column) == (0, 0)
    assert fields["identity_checks.doc_ref"].description == "Serial number printed on the identity document"
    assert fields["identity_checks.advertiser_id"].references == "advertisers"
    assert fields["identity_checks.face_template"].type == "varbinary"  # as the DDL reader names bytea
    assert fields["ads.incall"].examples == ("false",)


def test_sqlite_is_opened_read_only_and_never_created(advertising_db, tmp_path, engine):
    require_db_extra()
    from datalint.sources import database

    before = (advertising_db.read_bytes(), advertising_db.stat().st_mtime_ns)
    assert run([f"sqlite:///{advertising_db}"], engine).diagnostics == []
    assert (advertising_db.read_bytes(), advertising_db.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["advertising.db"]  # no journal, no WAL
    connection = database._sqlite_connect(f"file:{advertising_db}?mode=ro")
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
        connection.execute("CREATE TABLE intruder (x int)")
    connection.close()
    missing = tmp_path / "missing.db"
    (problem,) = database.read_database(parse_target(f"sqlite:///{missing}")).diagnostics
    assert problem.code == "DL010" and "no such database file" in problem.message
    assert not missing.exists()


def test_sqlite_relative_path_and_not_a_database(tmp_path, monkeypatch):
    require_db_extra()
    from datalint.sources.database import read_database

    monkeypatch.chdir(tmp_path)
    build_sqlite(tmp_path / "rel.db", "CREATE TABLE members (passport_number text);")
    (field,) = read_database(parse_target("sqlite:///rel.db")).fields
    assert field.location.place == "sqlite:///rel.db#members.passport_number"
    (tmp_path / "notes.db").write_text("not a database, just text\n" * 100, encoding="utf-8")
    (problem,) = read_database(parse_target("sqlite:///notes.db")).diagnostics
    assert problem.code == "DL010" and "not a database" in problem.message
    (problem,) = read_database(parse_target("sqlite://")).diagnostics
    assert problem.code == "DL010" and "no database file" in problem.message


def test_sqlite_comment_suppressions_work_like_the_ddl_readers(tmp_path, engine):
    require_db_extra()
    db = build_sqlite(tmp_path / "members.db", (
        "CREATE TABLE members (\n"
        "  id integer PRIMARY KEY,\n"
        "  nationality char(2), -- ISO country datalint: allow DL201 reason=\"VAT rules need it\"\n"
        "  passport_number text\n"
        ");\n"))
    report = run([f"sqlite:///{db}"], engine)
    suppressed = {f.field.name: f for f in report.findings if f.suppressed is not None}
    assert set(suppressed) == {"nationality"} and suppressed["nationality"].suppressed.reason == "VAT rules need it"
    assert suppressed["nationality"].field.description == "ISO country"
    assert {f.field.name for f in report.active} == {"passport_number"}


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "gitlab", "junit"])
def test_reporters_name_the_column_without_line_numbers(advertising_db, tmp_path, monkeypatch, output_format):
    require_db_extra()
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{advertising_db}"
    result = invoke("check", "--format", output_format, "--no-color", url)
    assert result.exit_code == 1, result.stderr
    out = result.stdout
    assert ":0:0" not in out and "%SRCROOT%/sqlite" not in out
    if output_format == "text":
        assert any(line.startswith(f"{url}#advertisers.nationality: DL201 error ") for line in out.splitlines())
    elif output_format == "junit":
        assert f">{url}#advertisers.nationality: DL201 error " in out
    elif output_format == "github":
        assert f"::error title=DL201::{url}#advertisers.nationality: " in out and "file=" not in out
    elif output_format == "json":
        document = json.loads(out)
        jsonschema.validate(document, OUTPUT_SCHEMA)
        finding = next(f for f in document["findings"] if f["field"] == "nationality")
        assert (finding["file"], finding["fragment"], finding["line"]) == (url, "advertisers.nationality", 0)
    elif output_format == "sarif":
        location = json.loads(out)["runs"][0]["results"][0]["locations"][0]
        assert location["physicalLocation"]["artifactLocation"] == {"uri": url}
    else:
        assert {issue["location"]["path"] for issue in json.loads(out)} == {url}


def test_a_table_that_cannot_be_read_is_named_and_the_rest_linted(advertising_db, engine, monkeypatch):
    require_db_extra()
    import sqlalchemy

    from datalint.sources import database

    bulk = database._Reflector._bulk

    def failing(self, schema, names):
        if "identity_checks" in names:
            raise sqlalchemy.exc.OperationalError("PRAGMA", {}, sqlite3.OperationalError("permission denied for table identity_checks"))
        return bulk(self, schema, names)

    monkeypatch.setattr(database._Reflector, "_bulk", failing)
    report = run([f"sqlite:///{advertising_db}"], engine)
    (problem,) = report.diagnostics
    assert problem.code == "DL011" and problem.location.fragment == "identity_checks"
    assert "permission denied" in problem.message and "not linted" in problem.message
    tables = {table for table, _column, _code in by_column(report)}
    assert "identity_checks" not in tables and {"advertisers", "ads"} <= tables


# --- PostgreSQL: a real server ------------------------------------------------------------


def _started(start_server, load, label: str):
    """A throwaway server with the advertising site loaded; skipped (or, in CI,
    failed) with the reason when none can be started."""
    require_db_extra()
    try:
        server_context = start_server()
        server = server_context.__enter__()
    except Unavailable as reason:
        skip_or_fail(f"no {label} server could be started: {reason}")
    try:
        load(server)
        yield server
    finally:
        server_context.__exit__(None, None, None)


@pytest.fixture(scope="module")
def postgres():
    yield from _started(postgres_server, _load_postgres, "PostgreSQL")


def _load_postgres(server) -> None:
    import psycopg

    with psycopg.connect(**server.connect_args("postgres"), autocommit=True) as admin:
        admin.execute("CREATE DATABASE ads")
        admin.execute("CREATE DATABASE annotated")
        admin.execute(f"CREATE ROLE {AUDITOR} LOGIN PASSWORD '{AUDITOR_PASSWORD}'")
    with psycopg.connect(**server.connect_args("ads"), autocommit=True) as admin:
        admin.execute(PG_DDL.read_text(encoding="utf-8"))
    with psycopg.connect(**server.connect_args("annotated"), autocommit=True) as admin:
        admin.execute(
            "CREATE SCHEMA kyc;"
            "CREATE TABLE public.members (id int PRIMARY KEY, nationality char(2), passport_no text);"
            "COMMENT ON COLUMN public.members.nationality IS 'ISO country datalint: allow DL201 reason=\"VAT rules need it\"';"
            "CREATE TABLE kyc.scans (member_id int REFERENCES public.members(id), passport_scan bytea);"
            "CREATE TABLE public.events (id int, nationality text) PARTITION BY RANGE (id);"
            "CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM (0) TO (100);"
            "CREATE VIEW public.member_view AS SELECT passport_no AS passport_number FROM public.members;"
        )
    # The documented auditor role: CONNECT and USAGE, no privilege on any table.
    for database, schemas in (("ads", "public"), ("annotated", "public, kyc")):
        with psycopg.connect(**server.connect_args(database), autocommit=True) as admin:
            admin.execute(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC; REVOKE ALL ON SCHEMA public FROM PUBLIC;"
                          f"GRANT CONNECT ON DATABASE {database} TO {AUDITOR}; GRANT USAGE ON SCHEMA {schemas} TO {AUDITOR};")


def auditor_url(server, database: str = "ads", password: str = AUDITOR_PASSWORD, scheme: str | None = None) -> str:
    return server.url(database, user=AUDITOR, password=password, scheme=scheme)


def test_postgres_auditor_cannot_read_rows(postgres):
    import psycopg

    arguments = {**postgres.connect_args("ads"), "user": AUDITOR, "password": AUDITOR_PASSWORD}
    with psycopg.connect(**arguments) as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
        connection.execute("SELECT count(*) FROM public.advertisers")


def test_postgres_findings_match_the_ddl(postgres, engine, ddl_findings):
    report = run([auditor_url(postgres)], engine)
    assert report.diagnostics == [] and len(report.checked) == 1
    assert by_column(report) == ddl_findings["postgres"]


def test_postgres_fields_are_named_like_pg_dump_names_them(postgres):
    from datalint.sources.database import read_database
    from datalint.sources.sql import read_sql

    url = auditor_url(postgres)
    fields = {field.qualified_name: field for field in read_database(parse_target(url)).fields}
    ddl = {field.qualified_name: field for field in read_sql(PG_DDL.read_text(encoding="utf-8"), "schema.sql").fields}
    assert set(fields) == set(ddl)
    for name, field in fields.items():
        expected = ddl[name]
        assert (field.container, field.context, field.references, field.description, field.container_description) == (
            expected.container, expected.context, expected.references, expected.description, expected.container_description), name
        assert set(field.enum) == set(expected.enum) and field.examples == expected.examples, name
    status = fields["public.advertisers.immigration_status"]
    assert status.type == "public.immigration_status" and "asylum_seeker" in status.enum
    assert fields["public.identity_checks.status"].enum == ("pending", "approved", "rejected")
    assert status.location.file == parse_target(url).display and status.location.fragment == "public.advertisers.immigration_status"
    assert AUDITOR_PASSWORD not in status.location.file


def test_postgres_cli_names_each_column_and_never_the_password(postgres, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = auditor_url(postgres)
    display = parse_target(url).display
    result = invoke("check", "--no-color", url)
    assert result.exit_code == 1, result.stderr
    assert f"{display}#public.advertisers.nationality: DL201 error Stores a person's nationality (public.advertisers.nationality)" \
        in result.stdout.splitlines()
    result_json = invoke("check", "--format", "json", url)
    jsonschema.validate(json.loads(result_json.stdout), OUTPUT_SCHEMA)
    everything = result.stdout + result.stderr + result_json.stdout + result_json.stderr
    assert AUDITOR_PASSWORD not in everything and postgres.password not in everything


@pytest.mark.parametrize("scheme", ["postgres", "postgresql+psycopg"])
def test_postgres_scheme_spellings(postgres, engine, ddl_findings, scheme):
    assert by_column(run([auditor_url(postgres, scheme=scheme)], engine)) == ddl_findings["postgres"]


def test_postgres_bad_credentials_are_a_diagnostic(postgres, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ads.sql").write_text("CREATE TABLE ads (passport_number text);\n", encoding="utf-8")
    url = auditor_url(postgres, password="Wr0ng-Passw0rd")
    result = invoke("check", url, auditor_url(postgres, database="no_such_db"), "ads.sql")
    assert result.exit_code == 2
    assert f"{parse_target(url).display}: DL010 error cannot connect: " in result.stderr
    assert "password authentication failed" in result.stderr and 'database "no_such_db" does not exist' in result.stderr
    assert "DL101" in result.stdout
    assert "Wr0ng-Passw0rd" not in result.stdout + result.stderr and AUDITOR_PASSWORD not in result.stdout + result.stderr


def test_postgres_session_is_read_only_even_for_a_superuser(postgres):
    import sqlalchemy

    from datalint.sources import database

    target = parse_target(postgres.url("ads"))  # the superuser: only the session stops writes
    engine = database._engine(target, sqlalchemy)
    try:
        with database._connect(engine, target) as connection:
            assert connection.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
            with pytest.raises(sqlalchemy.exc.DBAPIError, match="read-only transaction"):
                connection.exec_driver_sql("CREATE TABLE public.intruder (x int)")
    finally:
        engine.dispose()


def test_postgres_comments_schemas_partitions_and_views(postgres, engine):
    report = run([auditor_url(postgres, "annotated")], engine)
    assert report.diagnostics == []
    containers = {f.field.container for f in report.findings}
    assert containers == {"public.members", "kyc.scans", "public.events"}  # no partition, no view
    nationality = next(f for f in report.findings if f.field.qualified_name == "public.members.nationality")
    assert nationality.suppressed is not None and nationality.suppressed.reason == "VAT rules need it"
    assert nationality.field.description == "ISO country"
    scan = next(f for f in report.findings if f.field.qualified_name == "kyc.scans.passport_scan")
    assert scan.field.type == "bytea" and scan.location.fragment == "kyc.scans.passport_scan"


def test_postgres_a_forbidden_table_is_named_and_the_rest_linted(postgres, engine, monkeypatch):
    """A real permission error from the server, in the middle of the
    reflection: the transaction survives it and the other tables are read."""
    from datalint.sources import database

    bulk = database._Reflector._bulk

    def forbidden(self, schema, names):
        if "identity_checks" in names:
            self.connection.exec_driver_sql("SELECT 1 FROM public.identity_checks LIMIT 0")  # the auditor may not
        return bulk(self, schema, names)

    monkeypatch.setattr(database._Reflector, "_bulk", forbidden)
    report = run([auditor_url(postgres)], engine)
    (problem,) = report.diagnostics
    assert problem.code == "DL011" and problem.location.fragment == "public.identity_checks"
    assert "permission denied" in problem.message
    tables = {table for table, _column, _code in by_column(report)}
    assert "identity_checks" not in tables and {"advertisers", "ads", "tours"} <= tables


# --- MariaDB (the mysql:// and mariadb:// URLs): a real server ---------------------------------


@pytest.fixture(scope="module")
def mariadb():
    yield from _started(mariadb_server, _load_mariadb, "MariaDB")


def _load_mariadb(server) -> None:
    import pymysql

    # MySQL 8's default collation is unknown to MariaDB; nothing else needs changing.
    ddl = MYSQL_DDL.read_text(encoding="utf-8").replace("utf8mb4_0900_ai_ci", "utf8mb4_unicode_ci")
    connection = pymysql.connect(**server.connect_args("mysql"), autocommit=True,
                                 client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE ads")
            cursor.execute("USE ads")
            cursor.execute(ddl)
            while cursor.nextset():
                pass
            cursor.execute(f"CREATE USER '{AUDITOR}'@'localhost' IDENTIFIED BY '{AUDITOR_PASSWORD}'")
            cursor.execute(f"GRANT REFERENCES ON ads.* TO '{AUDITOR}'@'localhost'")
    finally:
        connection.close()


def test_mariadb_auditor_cannot_read_rows(mariadb):
    import pymysql

    arguments = {**mariadb.connect_args("ads"), "user": AUDITOR, "password": AUDITOR_PASSWORD}
    connection = pymysql.connect(**arguments)
    try:
        with connection.cursor() as cursor, pytest.raises(pymysql.err.OperationalError, match="denied"):
            cursor.execute("SELECT count(*) FROM advertisers")
    finally:
        connection.close()


@pytest.mark.parametrize("scheme", ["mysql", "mariadb", "mysql+pymysql"])
def test_mariadb_findings_match_the_ddl(mariadb, engine, ddl_findings, scheme):
    report = run([mariadb.url("ads", user=AUDITOR, password=AUDITOR_PASSWORD, scheme=scheme)], engine)
    assert report.diagnostics == []
    assert by_column(report) == ddl_findings["mysql"]


def test_mariadb_fields_are_named_like_mysqldump_names_them(mariadb):
    from datalint.sources.database import read_database

    url = mariadb.url("ads", user=AUDITOR, password=AUDITOR_PASSWORD)
    fields = {field.qualified_name: field for field in read_database(parse_target(url)).fields}
    verification = fields["advertiser_verification.immigration_status"]
    assert verification.container == "advertiser_verification" and verification.type == "enum"
    assert "asylum_seeker" in verification.enum
    assert fields["advertiser_verification.numero_pasaporte"].description == "Número de pasaporte / DNI / NIE"
    assert fields["advertiser_verification.advertiser_id"].references == "advertisers"
    assert verification.location.place == f"{parse_target(url).display}#advertiser_verification.immigration_status"


def test_mariadb_bad_credentials_and_read_only_session(mariadb):
    import sqlalchemy

    from datalint.sources import database

    url = mariadb.url("ads", user=AUDITOR, password="Wr0ng-Passw0rd")
    (problem,) = database.read_database(parse_target(url)).diagnostics
    assert problem.code == "DL010" and "Access denied" in problem.message and "Wr0ng" not in problem.message
    target = parse_target(mariadb.url("ads"))  # the admin: only the session stops writes
    engine = database._engine(target, sqlalchemy)
    try:
        with database._connect(engine, target) as connection:
            with pytest.raises(sqlalchemy.exc.DBAPIError, match="READ ONLY"):
                connection.exec_driver_sql("CREATE TABLE ads.intruder (x int)")
    finally:
        engine.dispose()


def test_database_target_repr_hides_the_url():
    target = DatabaseTarget(url="postgresql://a:S3cret-pw@h/d", display="postgresql://a@h/d", scheme="postgresql", kind="postgresql")
    assert "S3cret" not in repr(target)
