"""Finding files and decoding them: whatever sits on disk ends as text, or as
a located DL001 that names the problem, and the run goes on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from datalint.files import InputFile, discover, read_text
from datalint.model import ReadResult
from datalint.runner import RunOptions, run

PASSPORT_JSON = '{\n  "type": "object",\n  "properties": {\n    "passport_number": {"type": "string"}\n  }\n}\n'
PASSPORT_YAML = "type: object\nproperties:\n  stage_name: {type: string}\n  passport_number:\n    type: string\n"
PASSPORT_SQL = "-- adverts\nCREATE TABLE ads (\n  id int,\n  passport_number text\n);\n"


def lint(engine, *targets: Path | str, **options):
    return run([str(target) for target in targets], engine, RunOptions(**options))


def located(report) -> list[tuple[str, str, int, int, str]]:
    return [(d.location.file, d.code, d.location.line, d.location.column, d.message) for d in report.diagnostics]


def findings(report) -> list[tuple[str, int, int, str]]:
    return [(f.location.file, f.location.line, f.location.column, f.code) for f in report.findings]


# ------------------------------------------------------------------ encodings and line endings


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [("a.json", PASSPORT_JSON, 4), ("a.yaml", PASSPORT_YAML, 4), ("a.sql", PASSPORT_SQL, 4)],
)
@pytest.mark.parametrize("ending", ["\r\n", "\r"], ids=["crlf", "lone-cr"])
def test_crlf_and_lone_cr_give_the_same_findings_and_lines_as_lf(engine, tmp_path, name, text, line, ending):
    (tmp_path / "lf").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "lf" / name).write_bytes(text.encode())
    (tmp_path / "other" / name).write_bytes(text.replace("\n", ending).encode())
    lf = lint(engine, tmp_path / "lf" / name)
    other = lint(engine, tmp_path / "other" / name)
    assert [(l, c, code) for _f, l, c, code in findings(other)] == [(l, c, code) for _f, l, c, code in findings(lf)]
    assert findings(lf)[0][1] == line
    assert other.diagnostics == lf.diagnostics == []


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")],
    ids=["utf-8-bom", "utf-16-le", "utf-16-be"],
)
def test_byte_order_marks_decode_to_the_same_findings(engine, tmp_path, bom, encoding):
    marked = tmp_path / "marked.json"
    marked.write_bytes(bom + PASSPORT_JSON.replace("\n", "\r\n").encode(encoding))
    report = lint(engine, marked)
    assert [(line, column, code) for _f, line, column, code in findings(report)] == [(4, 5, "DL101")]
    assert report.diagnostics == []


def test_a_latin1_byte_is_a_dl001_naming_the_encoding_and_where(engine, tmp_path):
    (tmp_path / "latin1.sql").write_bytes("CREATE TABLE t (\n  nationalit\xe9 text\n);\n".encode("latin-1"))
    (tmp_path / "ok.json").write_text(PASSPORT_JSON)
    report = lint(engine, tmp_path)
    (problem,) = report.diagnostics
    assert (problem.code, problem.severity, problem.location.line, problem.location.column) == ("DL001", "error", 2, 13)
    assert problem.message.startswith("not valid UTF-8: byte 0xE9 cannot be decoded")
    assert "re-encode the file as UTF-8" in problem.message
    assert report.skipped == {"bad encoding": 1}
    assert [f[3] for f in findings(report)] == ["DL101"]  # the other file is still linted


def test_nul_bytes_are_a_located_dl001(engine, tmp_path):
    (tmp_path / "blob.json").write_bytes(b'{\n  "a": 1,\n  "b": "\x00"\n}\n')
    report = lint(engine, tmp_path / "blob.json")
    assert located(report) == [(f"{tmp_path}/blob.json", "DL001", 3, 9, "file contains NUL bytes (binary?)")]
    assert report.skipped == {"binary": 1}


# ------------------------------------------------------------------ size


def test_a_file_over_the_limit_is_skipped_after_reading_only_limit_plus_one_bytes(engine, tmp_path):
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as handle:  # sparse: 16 GiB on paper, nothing on disk
        handle.truncate(16 * 1024**3)
    (tmp_path / "small.json").write_text(PASSPORT_JSON)
    report = lint(engine, tmp_path, max_file_size=1024)
    assert located(report) == [(f"{tmp_path}/huge.json", "DL001", 0, 0, "file is larger than the 1,024-byte limit (--max-file-size)")]
    assert report.skipped == {"too large": 1}
    assert report.checked == [f"{tmp_path}/small.json"]


def test_a_file_at_the_limit_is_read(engine, tmp_path):
    (tmp_path / "a.json").write_text(PASSPORT_JSON)
    report = lint(engine, tmp_path / "a.json", max_file_size=len(PASSPORT_JSON))
    assert report.diagnostics == [] and len(report.findings) == 1


# ------------------------------------------------------------------ what a directory holds


def test_dangling_link_named_like_a_schema_is_reported_not_passed_over(engine, tmp_path):
    (tmp_path / "gone.sql").symlink_to(tmp_path / "nowhere.sql")
    (tmp_path / "ok.sql").write_text(PASSPORT_SQL)
    report = lint(engine, tmp_path)
    assert located(report) == [(f"{tmp_path}/gone.sql", "DL001", 0, 0, "dangling symbolic link: its target does not exist")]
    assert report.skipped == {"unreadable": 1} and len(report.findings) == 1


def test_file_symlink_loop_is_reported(engine, tmp_path):
    (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
    (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
    report = lint(engine, tmp_path)
    assert {(file, message) for file, _c, _l, _col, message in located(report)} == {
        (f"{tmp_path}/a.json", "symbolic link loop"),
        (f"{tmp_path}/b.json", "symbolic link loop"),
    }


def test_directory_symlink_loop_does_not_trap_the_walk(engine, tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "a.json").write_text(PASSPORT_JSON)
    (tmp_path / "schemas" / "again").symlink_to(tmp_path)
    report = lint(engine, tmp_path)
    assert report.checked == [f"{tmp_path}/schemas/a.json"]


@pytest.mark.parametrize("explicit", [False, True], ids=["in-a-directory", "named"])
def test_a_fifo_named_like_a_schema_does_not_hang_the_run(engine, tmp_path, explicit):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    report = lint(engine, fifo if explicit else tmp_path)
    (problem,) = report.diagnostics
    assert (problem.code, problem.message) == ("DL001", "not a regular file (a FIFO, socket or device?)")


def test_explicit_dangling_link_is_not_called_missing(engine, tmp_path):
    link = tmp_path / "x.yaml"
    link.symlink_to(tmp_path / "nowhere.yaml")
    report = lint(engine, link)
    assert [message for *_rest, message in located(report)] == ["dangling symbolic link: its target does not exist"]


def test_a_directory_that_cannot_be_listed_is_reported(engine, tmp_path, monkeypatch):
    """Root (CI) can list any directory, so the refusal is simulated."""
    (tmp_path / "locked").mkdir()
    (tmp_path / "ok.json").write_text(PASSPORT_JSON)
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = lint(engine, tmp_path)
    assert located(report) == [(f"{tmp_path}/locked", "DL001", 0, 0, "cannot list directory: Permission denied")]
    assert len(report.findings) == 1


@pytest.mark.parametrize("target", ["locked", "./locked/", "."], ids=["named", "dotted-slashed", "current"])
def test_an_unlistable_target_directory_is_named_as_given(engine, tmp_path, monkeypatch, target):
    """The walk's own directory, not a subdirectory: the diagnostic names
    the target as typed, normalised like every report path."""
    (tmp_path / "locked").mkdir()
    monkeypatch.chdir(tmp_path / "locked" if target == "." else tmp_path)
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path).resolve().name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    (where, *_rest) = located(lint(engine, target))[0]
    assert where == {"locked": "locked", "./locked/": "locked", ".": "."}[target]


def test_read_text_reports_rather_than_raises_for_a_vanished_file(tmp_path):
    result = read_text(InputFile(tmp_path / "gone.json", "gone.json", tmp_path))
    assert isinstance(result, ReadResult)
    assert (result.skipped, result.diagnostics[0].code) == ("unreadable", "DL001")


def test_discovery_is_sorted_and_deduplicated(tmp_path):
    for name in ("b.sql", "a.json", "c.yaml"):
        (tmp_path / name).write_text("")
    files, problems = discover([str(tmp_path), str(tmp_path / "a.json"), str(tmp_path)])
    assert [file.display for file in files] == sorted({f"{tmp_path}/{n}" for n in ("a.json", "b.sql", "c.yaml")})
    assert problems == []


# ------------------------------------------------------------------ the summary says why


def test_summary_counts_what_was_skipped_and_why(engine, tmp_path):
    from datalint.reporters.json import summary_dict
    from datalint.reporters.text import summary

    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0"}')
    (tmp_path / "ci.yml").write_text("on: push\njobs: {}\n")
    (tmp_path / "broken.json").write_text('{"properties": ')
    (tmp_path / "big.sql").write_text("-- " + "x" * 5000)
    (tmp_path / "ok.json").write_text(PASSPORT_JSON)
    report = lint(engine, tmp_path, max_file_size=4096)
    assert report.skipped == {"not a schema": 2, "syntax error": 1, "too large": 1}
    assert summary(report) == (
        "Found 1 error in 1 of 1 file checked, 4 skipped (2 not a schema, 1 syntax error, 1 too large); "
        "2 inputs could not be fully read."
    )
    assert summary_dict(report)["skipped"] == {"not a schema": 2, "syntax error": 1, "too large": 1}
    assert summary_dict(report)["files_skipped"] == 4
