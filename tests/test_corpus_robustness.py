"""Real-world robustness: the shared corpus of third-party schemas and the
2,249 SQL fixtures of sqlfluff (every dialect it knows, most of it not DDL).
Every file ends with findings, nothing, or a located diagnostic; nothing is
an internal error; the summary says what was skipped and why."""

from __future__ import annotations

import pytest

from conftest import SHARED
from datalint.files import discover
from datalint.reporters.text import summary
from datalint.runner import RunOptions, run

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


def lint_everything(engine, folder: str):
    target = str(SHARED / folder)
    files, problems = discover([target])
    assert problems == []
    report = run([target], engine, RunOptions())
    return {file.display for file in files}, report


def assert_every_file_accounted_for(files: set[str], report) -> None:
    diagnosed = {d.location.file for d in report.diagnostics}
    assert set(report.checked) <= files
    assert report.files_checked + report.files_skipped == len(files)
    skipped = files - set(report.checked)
    assert [d for d in report.diagnostics if d.code == "DL009"] == []
    failed = {d.location.file for d in report.diagnostics if d.severity == "error"}
    quiet = report.skipped.get("not a schema", 0)
    assert len(skipped - diagnosed) == quiet  # every other skipped file has its diagnostic
    assert all(d.location.line > 0 for d in report.diagnostics if d.location.file in failed - skipped)


def test_the_schema_corpus(engine):
    files, report = lint_everything(engine, "corpus")
    assert len(files) > 200
    assert_every_file_accounted_for(files, report)
    assert [d for d in report.diagnostics if d.severity == "error"] == []
    assert report.skipped == {"not a schema": 7}
    assert len(report.findings) > 300
    assert ", 7 skipped (7 not a schema)" in summary(report)


def test_the_sqlfluff_dialect_fixtures(engine):
    files, report = lint_everything(engine, "robustness/sqlfluff-dialects")
    assert len(files) == 2249
    assert_every_file_accounted_for(files, report)
    errors = [(d.location.file.rsplit("/", 2)[-2:], d.code) for d in report.diagnostics if d.severity == "error"]
    # SQLite lets a block comment run to the end of input; as PostgreSQL (its
    # detected dialect) the file is unterminated, and fails closed.
    assert errors == [(["sqlite", "block_comment_end_of_input.sql"], "DL002")]
    assert {d.code for d in report.diagnostics} <= {"DL002", "DL003"}
    assert report.skipped == {}
