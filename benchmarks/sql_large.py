"""Targets 4, 8 and 9: a whole pg_dump (GitLab's ``structure.sql``).

Floors, all measured in this run on the same file:
- sqlglot tokenising and parsing every statement (what a linter built
  naively on sqlglot would cost), wall time and peak RSS of its process;
- squawk (Rust) ``--reporter gcc``, if the ``squawk`` binary from the
  ``squawk-cli`` wheel is installed;
- a quote-aware regex scan of the columns, in process: the cost of merely
  finding the columns, no parser at all.
Smoke runs use a small generated dump instead. datalint runs with
``--no-cache``: a run served from the caches reads nothing (target 7c
measures that), and squawk has no cache either.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from _harness import SHARED, Settings, datalint_command, find_squawk, info, ms, no_cache, report

GITLAB = SHARED / "gitlab" / "structure.sql"

_SQLGLOT_PARSE = """
import logging, sys
logging.getLogger("sqlglot").setLevel(logging.CRITICAL)
import sqlglot
from sqlglot.errors import ErrorLevel
sqlglot.parse(open(sys.argv[1], encoding="utf-8").read(), read="postgres", error_level=ErrorLevel.IGNORE)
"""

# The regex floor: CREATE TABLE bodies, then one ``name type`` per line.
_TABLE = re.compile(r"^CREATE TABLE [^\n(]+\((.*?)^\)", re.MULTILINE | re.DOTALL)
_COLUMN = re.compile(r'^\s+("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s+(?!KEY\b)[A-Za-z]', re.MULTILINE)


def generated_dump(folder: Path, tables: int) -> Path:
    """A pg_dump-shaped file: tables with comments, defaults, CHECKs, plus the
    indexes, foreign keys and functions that make up most of a real dump."""
    parts = ["SET statement_timeout = 0;\n", "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"]
    parts.append("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now(); RETURN NEW;\nEND;\n$$;\n")
    for n in range(tables):
        parts.append(
            f"CREATE TABLE public.table_{n} (\n"
            "    id bigint NOT NULL,\n"
            f"    owner_id bigint,\n"
            "    name character varying(255) DEFAULT ''::character varying NOT NULL,\n"
            "    passport_number text,\n"
            "    status smallint DEFAULT 0 NOT NULL,\n"
            "    created_at timestamp with time zone NOT NULL,\n"
            "    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,\n"
            "    CONSTRAINT check_name_length CHECK ((char_length(name) <= 255))\n"
            ");\n\n"
            f"CREATE SEQUENCE public.table_{n}_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;\n"
            f"ALTER SEQUENCE public.table_{n}_id_seq OWNED BY public.table_{n}.id;\n"
            f"ALTER TABLE ONLY public.table_{n} ALTER COLUMN id SET DEFAULT nextval('public.table_{n}_id_seq'::regclass);\n"
            f"CREATE INDEX index_table_{n}_on_owner_id ON public.table_{n} USING btree (owner_id);\n"
            f"ALTER TABLE ONLY public.table_{n} ADD CONSTRAINT table_{n}_pkey PRIMARY KEY (id);\n"
        )
    for n in range(1, tables):
        parts.append(
            f"ALTER TABLE ONLY public.table_{n}\n    ADD CONSTRAINT fk_{n} FOREIGN KEY (owner_id) REFERENCES public.table_{n - 1}(id) ON DELETE CASCADE;\n"
        )
    path = folder / f"dump-{tables}.sql"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def generated_mysql_dump(folder: Path, tables: int) -> Path:
    """A mysqldump-shaped file: no pg_dump shortcut applies, every CREATE
    TABLE goes through sqlglot (what target 9 measures)."""
    parts = ["/*!40101 SET NAMES utf8mb4 */;\n"]
    for n in range(tables):
        parts.append(
            f"DROP TABLE IF EXISTS `table_{n}`;\n"
            f"CREATE TABLE `table_{n}` (\n"
            "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
            "  `owner_id` int(11) DEFAULT NULL,\n"
            "  `name` varchar(255) NOT NULL DEFAULT '' COMMENT 'Display name',\n"
            "  `passport_number` varchar(20) DEFAULT NULL,\n"
            "  `status` enum('new','verified','rejected') NOT NULL DEFAULT 'new',\n"
            "  `created_at` datetime NOT NULL,\n"
            "  PRIMARY KEY (`id`),\n"
            "  KEY `idx_owner` (`owner_id`)\n"
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\n"
        )
    path = folder / f"mysqldump-{tables}.sql"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def regex_floor(path: Path, repeat: int) -> tuple[float, int]:
    text = path.read_text(encoding="utf-8")
    best, found = float("inf"), 0
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        found = sum(len(_COLUMN.findall(body)) for body in _TABLE.findall(text))
        best = min(best, time.perf_counter() - start)
    return best, found


def lint_command(python: str, path: Path, settings: Settings) -> list[str]:
    """A full lint of ``path`` that reads it, whatever the result cache holds."""
    return [*datalint_command(python), "check", "-q", *no_cache(settings), "--fail-on", "error", str(path)]


def timed(command: list[str], settings: Settings) -> tuple[float, int, int]:
    """(wall seconds, peak RSS KiB, exit status) of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=settings.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, int(usage.ru_maxrss), process.returncode


def fastest_run(command: list[str], settings: Settings, repeat: int) -> tuple[float, int]:
    """(fastest wall time, peak RSS of that run) of ``repeat`` runs."""
    return min(timed(command, settings)[:2] for _ in range(max(1, repeat)))


def run(settings: Settings) -> None:
    if settings.smoke or not GITLAB.is_file():
        path = generated_dump(settings.workdir, 30 if settings.smoke else 1400)
    else:
        path = GITLAB
    label = path.name if path != GITLAB else "gitlab structure.sql"
    repeat = settings.runs(3)
    datalint = lint_command(settings.python, path, settings)
    timed(datalint, settings)  # warms the rule cache and the OS file cache

    lint_time, lint_rss = fastest_run(datalint, settings, repeat)
    parse_time, parse_rss = fastest_run([settings.python, "-c", _SQLGLOT_PARSE, str(path)], settings, 1)
    report(
        "T4",
        f"{label} vs sqlglot tokenize+parse",
        lint_time / parse_time,
        0.5,
        f"datalint {ms(lint_time)}; sqlglot parse {ms(parse_time)}",
        settings,
    )
    squawk = find_squawk(settings.python, settings.fast_python)
    if squawk:
        squawk_time, _rss = fastest_run([squawk, "--reporter", "gcc", str(path)], settings, repeat)
        report("T4b", f"{label} vs squawk --reporter gcc", lint_time / squawk_time, 1.0,
               f"datalint {ms(lint_time)}; squawk {ms(squawk_time)}", settings)
    else:
        report("T4b", f"{label} vs squawk --reporter gcc", None, 1.0,
               "squawk not found: pip install squawk-cli (or pass --fast-python with it installed)", settings)
    floor, columns = regex_floor(path, settings.runs(5))
    info(f"T4 regex floor: {columns} columns in {ms(floor)} in process; datalint (whole CLI run) is {lint_time / floor:.1f}x that")

    report(
        "T8",
        f"peak RSS on {label} vs sqlglot parse",
        lint_rss / parse_rss,
        1.5,
        f"datalint {lint_rss / 1024:.0f} MiB; sqlglot parse {parse_rss / 1024:.0f} MiB",
        settings,
    )
    caps(settings, datalint_command(settings.python))

    if settings.fast_python:
        def both(target: Path, runs: int) -> tuple[float, float]:
            pure = lint_command(settings.python, target, settings)
            fast = lint_command(settings.fast_python, target, settings)
            timed(pure, settings)
            timed(fast, settings)
            return fastest_run(pure, settings, runs)[0], fastest_run(fast, settings, runs)[0]

        mysql = generated_mysql_dump(settings.workdir, 20 if settings.smoke else 800)
        pure_mysql, fast_mysql = both(mysql, repeat)
        fast_time = both(path, repeat)[1]
        pure_small, fast_small = both(generated_dump(settings.workdir, 3), settings.runs(7))
        report(
            "T9",
            f"sqlglotc vs pure sqlglot, {mysql.name}",
            fast_mysql / pure_mysql,
            1 / 3.5,
            f"mysqldump (all sqlglot): pure {ms(pure_mysql)}, sqlglotc {ms(fast_mysql)} ({pure_mysql / fast_mysql:.2f}x faster); "
            f"{label} (pg_dump shortcut): pure {ms(lint_time)}, sqlglotc {ms(fast_time)}; "
            f"small file: pure {ms(pure_small)}, sqlglotc {ms(fast_small)}",
            settings,
        )
    else:
        report("T9", "sqlglotc vs pure sqlglot", None, 1 / 3.5,
               "no sqlglotc interpreter: pass --fast-python PATH (a venv with datalint[fast])", settings)


def caps(settings: Settings, datalint: list[str]) -> None:
    """Pathological inputs must end as a 'too large' diagnostic, quickly and
    in bounded memory, not as a stalled commit."""
    folder = settings.workdir / "caps"
    folder.mkdir(exist_ok=True)
    columns = 2_000 if settings.smoke else 60_000
    huge_statement = folder / "huge-statement.sql"
    body = ",\n".join(f"    c{n} text" for n in range(columns))
    huge_statement.write_text(f"CREATE TABLE wide (\n{body}\n);\n", encoding="utf-8")
    outcomes = []
    targets = [("one statement", huge_statement)]
    if not settings.smoke:
        huge_file = folder / "huge-file.sql"
        with huge_file.open("w", encoding="utf-8") as stream:
            line = "INSERT INTO t VALUES (1, 'x');\n" * 1000
            while stream.tell() < 33 * 1024 * 1024:
                stream.write(line)
        targets.append(("33 MiB file", huge_file))
    for what, path in targets:
        start = time.perf_counter()
        result = subprocess.run([*datalint, "check", str(path)], env=settings.env(), capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        capped = "too large" in result.stderr.lower() or "larger than" in result.stderr.lower() or "limit" in result.stderr.lower()
        outcomes.append(f"{what} ({path.stat().st_size / 1e3:,.0f} kB): {'capped' if capped else 'NOT capped'} in {ms(elapsed)}")
    info("T8 caps: " + "; ".join(outcomes))
