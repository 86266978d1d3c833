"""The live-database reader: a schema read straight from the server.

``datalint check postgresql://auditor@db.internal/ads`` lints what is
deployed rather than a DDL file that may have drifted from it. Tables and
their columns (type, default, comment, enum labels, ``CHECK ... IN`` values,
foreign keys) are read by SQLAlchemy reflection, which asks only the
catalog (``pg_catalog``, ``information_schema``, ``SHOW CREATE TABLE``,
``sqlite_master`` and ``PRAGMA``), never a row of a user table. The result is
the same ``Field``s the DDL reader makes of the same schema, so rules,
suppressions written in comments and reporters treat both alike.

Safety:

- read-only: PostgreSQL sessions start with ``default_transaction_read_only``
  and ``SET TRANSACTION READ ONLY``; MySQL/MariaDB sessions with ``SET SESSION
  TRANSACTION READ ONLY``; SQLite files are opened with ``mode=ro`` and
  ``PRAGMA query_only``. Nothing is ever written, and only the named
  database is contacted.
- short timeouts (``CONNECT_TIMEOUT`` to connect, ``STATEMENT_TIMEOUT`` per
  catalog query), so a firewalled host fails a CI job in seconds.
- the password never leaves ``DatabaseTarget.url``: every message that
  comes from a driver is scrubbed, and internal errors name only the
  exception type (``--debug`` re-raises them with scrubbed messages).

SQLAlchemy and the drivers are the optional ``datalint[db]`` extra, imported
only here, and only when a database URL is linted.
"""

from __future__ import annotations

import re
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from datalint.diagnostics import diagnostic
from datalint.model import Diagnostic, Field, Location, ReadResult, Suppression
from datalint.sources.sql_annotations import split_notes
from datalint.targets import DatabaseTarget

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine, Inspector

CONNECT_TIMEOUT = 10
"""Seconds to wait for a server to answer (and for a locked SQLite file)."""
STATEMENT_TIMEOUT = 60
"""Seconds any one catalog query may run."""
INSTALL_HINT = "pip install 'datalint[db]'"
SKIPPED = "unreachable database"
"""``ReadResult.skipped`` of a database that could not be read at all."""

#: Default drivers, for URLs that name none (``postgresql://``, ``mysql://``).
_DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}
_ASYNC_DRIVERS = frozenset({"asyncpg", "psycopg_async", "aiomysql", "asyncmy", "aiosqlite"})
_EXTRA_PACKAGES = frozenset({"psycopg", "PyMySQL"})
"""The drivers the ``db`` extra installs."""
_DRIVER_PACKAGES = {"psycopg": "psycopg", "psycopg2": "psycopg2", "pymysql": "PyMySQL", "mysqldb": "mysqlclient"}
_SQL_DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql"}
#: Schemas that belong to the server, not to the application.
_SYSTEM_SCHEMAS = {
    "postgresql": frozenset({"information_schema"}),
    "mysql": frozenset({"information_schema", "mysql", "performance_schema", "sys"}),
    "sqlite": frozenset(),
}
_MYSQL_INTRODUCER = re.compile(r"(?<![\w'])_[A-Za-z0-9]+(?=')")


class DatabaseReadError(Exception):
    """An unexpected failure, re-raised under ``--debug`` with its message scrubbed."""


class _Unreachable(Exception):
    """The database cannot be read at all: the message says why (scrubbed)."""


def read_database(target: DatabaseTarget, debug: bool = False) -> ReadResult:
    """Every column of every table of ``target``. Never raises (unless
    ``debug``): what could not be read is a diagnostic naming the target
    without its password."""
    if target.kind is None:
        scheme = target.scheme.split("+", 1)[0]
        message = (f"unsupported URL scheme {scheme!r}: datalint reads files, directories and sqlite://, postgresql://, "
                   "mysql:// and mariadb:// databases, and never fetches anything else")
        return ReadResult(diagnostics=(diagnostic("DL001", message, target.display),), skipped="unsupported target")
    try:
        return _read(target)
    except _Unreachable as problem:
        return ReadResult(diagnostics=(diagnostic("DL010", str(problem), target.display),), skipped=SKIPPED)
    except Exception as error:  # noqa: BLE001 - contained to this target, like a file's internal error
        if debug:
            raise DatabaseReadError(target.scrub(f"{type(error).__name__}: {error}")).with_traceback(error.__traceback__) from None
        where = traceback.extract_tb(error.__traceback__)[-1]
        message = f"internal error while reading ({type(error).__name__} at {where.name}); rerun with --debug and report it"
        return ReadResult(diagnostics=(diagnostic("DL009", message, target.display),), skipped="internal error")


@dataclass
class _Table:
    schema: str
    name: str
    container: str
    columns: list[dict[str, Any]] = field(default_factory=list)
    comment: str = ""
    checks: list[str] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)
    """Column name -> the table its foreign key points to."""
    ddl: str | None = None
    """SQLite: the ``CREATE TABLE`` text the file keeps, comments included."""


def _read(target: DatabaseTarget) -> ReadResult:
    try:
        import sqlalchemy
    except ImportError:
        raise _Unreachable(f"reading a database needs SQLAlchemy and a driver: {INSTALL_HINT}") from None
    engine = _engine(target, sqlalchemy)
    try:
        with warnings.catch_warnings():
            # Unknown column types and the like: the field is still read, with what is known.
            warnings.simplefilter("ignore", sqlalchemy.exc.SAWarning)
            with _connect(engine, target) as connection:
                reader = _Reflector(target, connection, sqlalchemy)
                tables = reader.tables()
    finally:
        engine.dispose()
    fields = tuple(field for table in tables for field in _fields(table, target))
    return ReadResult(fields=fields, diagnostics=tuple(reader.diagnostics))


# --- connecting ------------------------------------------------------------------------


def _engine(target: DatabaseTarget, sqlalchemy: Any) -> Engine:
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    try:
        url = make_url(target.url)
    except Exception:  # noqa: BLE001 - the parser's message would quote the URL
        raise _Unreachable("not a valid database URL") from None
    family = url.get_backend_name()
    if family == "postgres":
        family = "postgresql"
    if "+" not in url.drivername:
        url = url.set(drivername=_DRIVERS[family if family in _DRIVERS else target.kind])
    elif url.get_driver_name() in _ASYNC_DRIVERS:
        raise _Unreachable(f"{url.get_driver_name()} is an asyncio driver, which datalint cannot use: drop the +driver from the URL")
    options: dict[str, Any] = {"poolclass": NullPool, "hide_parameters": True}
    if target.kind == "sqlite":
        path = _sqlite_file(url.database)
        uri = f"file:{quote(str(path))}?mode=ro"
        options["creator"] = lambda: _sqlite_connect(uri)
        url = "sqlite+pysqlite://"
    elif target.kind == "postgresql":
        timeout_ms = STATEMENT_TIMEOUT * 1000
        read_only = f"-c default_transaction_read_only=on -c statement_timeout={timeout_ms} -c lock_timeout={timeout_ms}"
        given = url.query.get("options")
        options["connect_args"] = {
            "connect_timeout": CONNECT_TIMEOUT,
            "application_name": "datalint",
            "options": f"{given} {read_only}" if isinstance(given, str) else read_only,
        }
    else:
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT, "read_timeout": STATEMENT_TIMEOUT}
    try:
        return sqlalchemy.create_engine(url, **options)
    except ImportError as error:
        raise _Unreachable(_missing_driver(error)) from None
    except sqlalchemy.exc.NoSuchModuleError:
        name = url.drivername if not isinstance(url, str) else "sqlite"
        raise _Unreachable(f"SQLAlchemy has no driver {name!r}; use {target.kind}:// ({INSTALL_HINT})") from None
    except sqlalchemy.exc.ArgumentError as error:
        raise _Unreachable(f"invalid database URL: {target.scrub(str(error))}") from None


def _missing_driver(error: ImportError) -> str:
    package = _DRIVER_PACKAGES.get((error.name or "").lower(), error.name or "the driver")
    if package in _EXTRA_PACKAGES:
        return f"the database driver {package} is not installed: {INSTALL_HINT}"
    return f"the database driver {package} is not installed: pip install {package}, or drop the +driver from the URL to use the one datalint[db] installs"


def _sqlite_file(database: str | None) -> Path:
    if not database or database == ":memory:":
        raise _Unreachable("no database file in the URL (sqlite:///relative/path.db or sqlite:////absolute/path.db)")
    if database.startswith("file:"):
        database = database[5:].split("?", 1)[0]
    path = Path(database)
    if not path.exists():
        raise _Unreachable(f"no such database file: {database}")
    if not path.is_file():
        raise _Unreachable(f"not a database file: {database}")
    return path.resolve()


def _sqlite_connect(uri: str) -> Any:
    import sqlite3

    # mode=ro: never created, never written; check_same_thread: SQLAlchemy may close it from another thread.
    connection = sqlite3.connect(uri, uri=True, timeout=CONNECT_TIMEOUT, check_same_thread=False)
    connection.execute("PRAGMA query_only = ON")
    return connection


@contextmanager
def _connect(engine: Engine, target: DatabaseTarget) -> Iterator[Connection]:
    import sqlalchemy

    try:
        connection = engine.connect()
    except sqlalchemy.exc.SQLAlchemyError as error:  # the server's refusal, or a driver SQLAlchemy cannot use
        raise _Unreachable(f"cannot connect: {_reason(error, target)}") from None
    except ImportError as error:  # some dialects import their driver on first connect
        raise _Unreachable(_missing_driver(error)) from None
    try:
        try:
            _start_read_only(connection, target)
        except sqlalchemy.exc.DBAPIError as error:
            raise _Unreachable(f"cannot start a read-only transaction: {_reason(error, target)}") from None
        yield connection
    finally:
        # Nothing was written; a connection the server already dropped must not hide why.
        with suppress(Exception):
            connection.rollback()
        with suppress(Exception):
            connection.close()


def _start_read_only(connection: Connection, target: DatabaseTarget) -> None:
    """Nothing datalint runs writes; this makes sure nothing could."""
    if target.kind == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif target.kind == "mysql":
        # For the transactions that follow: reflection runs in them.
        connection.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
        connection.commit()
    # SQLite: mode=ro and PRAGMA query_only, set on the raw connection.


def _reason(error: Exception, target: DatabaseTarget) -> str:
    """The driver's own words (they say what went wrong best), first lines
    only, scrubbed of the password. SQLAlchemy's wrapper text (SQL, links)
    is left out."""
    original = getattr(error, "orig", None) or error
    args = getattr(original, "args", ())
    if len(args) == 2 and isinstance(args[0], int):  # PyMySQL: (errno, message)
        text = f"{args[1]} (error {args[0]})"
    else:
        text = str(original)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("[SQL")]
    text = " ".join(lines[:3])
    if len(text) > 400:
        text = text[:400] + "..."
    return target.scrub(text) or type(original).__name__


# --- reflecting --------------------------------------------------------------------------


class _Reflector:
    """Reads the tables of the target's schemas, one catalog query per kind
    of fact and schema where the dialect allows; a table whose facts cannot
    be read is a DL011 diagnostic, and the others are still read."""

    def __init__(self, target: DatabaseTarget, connection: Connection, sqlalchemy: Any) -> None:
        self.target = target
        self.kind = target.kind
        self.connection = connection
        self.sqlalchemy = sqlalchemy
        self.inspector: Inspector = sqlalchemy.inspect(connection)
        self.default_schema = self.inspector.default_schema_name
        self.diagnostics: list[Diagnostic] = []
        self.enum_schemas: dict[str, str] = {}
        """PostgreSQL: enum types on the search path -> their schema, since
        reflection names those without it and pg_dump never does."""

    def tables(self) -> list[_Table]:
        try:
            schemas = self._schemas()
            names = {schema: self._table_names(schema) for schema in schemas}
            if self.kind == "postgresql":
                visible = (e for e in self.inspector.get_enums(schema="*") if e.get("visible"))
                self.enum_schemas = {e["name"]: e["schema"] for e in visible}
        except self.sqlalchemy.exc.DBAPIError as error:
            raise _Unreachable(f"cannot list the tables: {_reason(error, self.target)}") from None
        tables: list[_Table] = []
        for schema in schemas:
            tables += self._read_schema(schema, names[schema])
        return tables

    def _schemas(self) -> list[str]:
        if self.kind == "sqlite":
            return ["main"]
        if self.kind == "mysql" and self.default_schema:
            return [self.default_schema]  # the database named in the URL
        system = _SYSTEM_SCHEMAS[self.kind]
        found = [s for s in self.inspector.get_schema_names() if s not in system and not s.startswith("pg_")]
        return sorted(found)

    def _table_names(self, schema: str) -> list[str]:
        names = self.inspector.get_table_names(schema=schema)
        if self.kind == "postgresql":
            # Partitions repeat their parent's columns, and DDL never writes them out either.
            partitions = set(self.connection.exec_driver_sql(
                "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relispartition AND n.nspname = %(schema)s", {"schema": schema}).scalars())
            names = [name for name in names if name not in partitions]
        return sorted(names)

    def _read_schema(self, schema: str, names: list[str]) -> list[_Table]:
        """Every table of ``schema``: in bulk, and table by table if the
        bulk read fails, to name the tables that cannot be read."""
        if not names:
            return []
        try:
            with self._guard():
                return self._bulk(schema, names)
        except self.sqlalchemy.exc.SQLAlchemyError:
            pass
        tables = []
        for name in names:
            try:
                with self._guard():
                    tables += self._bulk(schema, [name])
            except self.sqlalchemy.exc.SQLAlchemyError as error:  # permission denied, dropped meanwhile, ...
                table = self._new_table(schema, name)
                message = f"cannot read table {table.container}: {_reason(error, self.target)}; its columns were not linted"
                self.diagnostics.append(diagnostic("DL011", message, self.target.display, fragment=table.container))
        return tables

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """A failed statement aborts a PostgreSQL transaction: keep each
        attempt in a savepoint so the next one can run."""
        if self.kind == "postgresql":
            with self.connection.begin_nested():
                yield
        else:
            yield

    def _bulk(self, schema: str, names: list[str]) -> list[_Table]:
        inspector, wanted = self.inspector, {"schema": schema, "filter_names": names}
        columns = inspector.get_multi_columns(**wanted)
        checks = inspector.get_multi_check_constraints(**wanted)
        foreign_keys = inspector.get_multi_foreign_keys(**wanted)
        comments = inspector.get_multi_table_comment(**wanted) if inspector.dialect.supports_comments else {}
        ddl = self._sqlite_ddl(names) if self.kind == "sqlite" else {}
        tables = []
        for name in names:
            key = (schema, name) if (schema, name) in columns else (None, name)
            table = self._new_table(schema, name)
            table.columns = [{**column, "type_text": self._type_text(column["type"])} for column in columns.get(key, [])]
            table.comment = (comments.get(key) or {}).get("text") or ""
            table.checks = [check["sqltext"] for check in checks.get(key, []) if check.get("sqltext")]
            for foreign_key in foreign_keys.get(key, []):
                target = self._qualified(foreign_key.get("referred_schema") or schema, foreign_key["referred_table"])
                for column in foreign_key.get("constrained_columns", ()):
                    table.references.setdefault(column, target)
            table.ddl = ddl.get(name)
            tables.append(table)
        return tables

    def _sqlite_ddl(self, names: list[str]) -> dict[str, str]:
        rows = self.connection.exec_driver_sql("SELECT name, sql FROM main.sqlite_master WHERE type = 'table'")
        wanted = set(names)
        return {name: sql for name, sql in rows if name in wanted and sql}

    def _type_text(self, column_type: Any) -> str | None:
        text = _type_text(column_type, self.kind)
        schema = self.enum_schemas.get(getattr(column_type, "name", None) or "") if _type_labels(column_type) else None
        if schema and text and "." not in text and getattr(column_type, "schema", None) is None:
            return f"{schema}.{text}"
        return text

    def _new_table(self, schema: str, name: str) -> _Table:
        return _Table(schema=schema, name=name, container=self._qualified(schema, name))

    def _qualified(self, schema: str | None, name: str) -> str:
        """Named as DDL names it: pg_dump always writes ``public.ads``;
        mysqldump and SQLite write ``ads`` for the database's own tables."""
        if self.kind == "postgresql" or (schema and schema not in (self.default_schema, "main")):
            return f"{schema}.{name}"
        return name


# --- building fields ---------------------------------------------------------------------


def _fields(table: _Table, target: DatabaseTarget) -> Iterator[Field]:
    kind = target.kind
    checks = _check_values(table, kind)
    written = _sqlite_columns(table, target) if table.ddl else {}
    for column in table.columns:
        name = column["name"]
        scope = f"{table.container}.{name}"
        here = Location(target.display, 0, 0, fragment=scope)
        prose, suppressions = split_notes([(column.get("comment") or "", here)], scope)
        ddl_field = written.get(name.lower())
        if ddl_field is not None:
            prose.append(ddl_field.description)
            suppressions += [_relocated(suppression, here) for suppression in ddl_field.suppressions]
        yield Field(
            name=name,
            container=table.container,
            location=here,
            kind="column",
            type=(ddl_field.type if ddl_field is not None and ddl_field.type else None) or column["type_text"],
            description="\n".join(dict.fromkeys(text for text in prose if text)),
            enum=tuple(dict.fromkeys(v for v in (*_type_labels(column["type"]), *checks.get(name.lower(), ())) if v)),
            examples=_default(column.get("default")),
            context=(table.name,),
            references=table.references.get(name),
            container_description=table.comment,
            suppressions=tuple(suppressions),
        )


def _relocated(suppression: Suppression, here: Location) -> Suppression:
    """A suppression written in SQLite's stored DDL: its line is in text no
    one sees, so it is placed at the column, like the column itself."""
    return suppression._replace(location=here)


def _sqlite_columns(table: _Table, target: DatabaseTarget) -> dict[str, Field]:
    """SQLite keeps each table's ``CREATE TABLE`` as written, ``-- comments``
    included: the DDL reader makes of it what it makes of a ``.sql`` file
    (descriptions, suppressions, declared types)."""
    from datalint.sources.sql import read_sql

    result = read_sql(table.ddl or "", target.display, "sqlite")
    return {field.name.lower(): field for field in result.fields if field.kind == "column"}


def _check_values(table: _Table, kind: str | None) -> dict[str, list[str]]:
    """``CHECK (x IN ('a', 'b'))`` (and PostgreSQL's ``x = ANY (ARRAY[...])``)
    read as the DDL reader reads it: column (lower-cased) -> values."""
    if not table.checks:
        return {}
    # sql_tree quiets sqlglot's logger, which would print the check's text: import it first.
    from datalint.sources.sql_tree import read_tree

    import sqlglot
    from datalint.sources.sql_catalogue import Catalogue

    catalogue = Catalogue()
    dialect = _SQL_DIALECTS.get(kind or "", None)
    for text in table.checks:
        if kind == "mysql":
            text = _MYSQL_INTRODUCER.sub("", text)
        try:
            for tree in sqlglot.parse(f"ALTER TABLE t ADD CONSTRAINT c CHECK ({text})", read=dialect):
                if tree is not None:
                    read_tree(tree, 0, catalogue)
        except Exception:  # noqa: BLE001 - sqlglot raises assorted errors; an unreadable check only costs its values
            continue
    values: dict[str, list[str]] = {}
    for column in table.columns:
        name = column["name"].lower()
        found = [value for group in catalogue.checks.get(None, ("t", name)) for value in group]
        if found:
            values[name] = found
    return values


def _type_labels(column_type: Any) -> tuple[str, ...]:
    """The labels of an enum type: PostgreSQL ``CREATE TYPE ... AS ENUM``,
    MySQL ``ENUM(...)`` and ``SET(...)``."""
    labels = getattr(column_type, "enums", None) or getattr(column_type, "values", None)
    return tuple(str(label) for label in labels) if isinstance(labels, (list, tuple)) else ()


def _type_text(column_type: Any, kind: str | None) -> str | None:
    """The type as the server names it, lower-cased like the DDL reader's
    (``varchar(60)``, ``bytea``, ``public.document_type``)."""
    from sqlalchemy.types import NullType

    if isinstance(column_type, NullType):
        return None
    if kind == "mysql" and _type_labels(column_type):
        return type(column_type).__name__.lower()  # enum / set, without the labels
    try:
        from sqlalchemy.dialects import mysql, postgresql, sqlite

        dialect = {"postgresql": postgresql, "mysql": mysql, "sqlite": sqlite}[kind or "sqlite"].dialect()
        text = str(column_type.compile(dialect=dialect)).lower()
    except Exception:  # noqa: BLE001 - a type SQLAlchemy cannot print: its class name will do
        return type(column_type).__name__.lower()
    return _CHARSET.sub("", text).strip()


_CHARSET = re.compile(r"\s+(?:character set|charset|collate)\s+\w+", re.IGNORECASE)
_QUOTED_DEFAULT = re.compile(r"'((?:[^']|'')*)'(?:::[\w .\"\[\]()]+)?")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def _default(text: Any) -> tuple[str, ...]:
    """A literal default (``'unknown'::immigration_status`` -> ``unknown``,
    ``0``, ``false``), as the DDL reader keeps it; nothing for expressions
    such as ``now()``."""
    if not isinstance(text, str):
        return ()
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    quoted = _QUOTED_DEFAULT.fullmatch(text)
    if quoted:
        return (quoted[1].replace("''", "'"),)
    if _NUMBER.fullmatch(text):
        return (text.lstrip("+"),)
    if text.lower() in ("true", "false"):
        return (text.lower(),)
    return ()

