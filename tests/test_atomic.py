"""Reports and baselines are replaced whole: a reader holding the old file
keeps reading the old bytes, and a write that fails leaves the old file and
no temporary behind. (tests/test_process_guarantees.py races real runs.)"""

from __future__ import annotations

import os
import stat
import threading

import pytest

from datalint.atomic import write_atomic


def test_a_reader_of_the_old_report_never_sees_the_new_one_half_written(tmp_path):
    target = tmp_path / "report.json"
    write_atomic(target, "A" * 100_000)
    with open(target, encoding="utf-8") as reader:
        write_atomic(target, "B" * 10)
        assert reader.read() == "A" * 100_000
    assert target.read_text(encoding="utf-8") == "B" * 10


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    write_atomic(target, "old")

    def disk_full(_descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["report.json"]


def test_the_error_names_the_requested_file_not_the_temporary(tmp_path):
    with pytest.raises(OSError) as raised:
        write_atomic(tmp_path / "missing" / "report.json", "x")
    assert raised.value.filename == str(tmp_path / "missing" / "report.json")


def test_text_is_written_as_utf8_with_unix_newlines(tmp_path):
    target = tmp_path / "r.txt"
    write_atomic(target, "naïve\nline\n")
    assert target.read_bytes() == "naïve\nline\n".encode()


def test_bytes_are_written_as_they_are(tmp_path):
    target = tmp_path / "manifest"
    write_atomic(target, b"\x00\r\n\xff", durable=False)
    assert target.read_bytes() == b"\x00\r\n\xff"


def test_a_fifo_is_written_in_place_not_replaced(tmp_path):
    """Renaming over a special file would destroy it: ``-o /dev/null`` run as
    root once turned /dev/null into a regular file."""
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    write_atomic(fifo, "report\n")
    reader.join(timeout=10)
    assert received == ["report\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlinked_report_keeps_its_link(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"
