"""Uploads land in data/raw under a safe name, never outside it, never over a different file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.uploads import UploadRejected, safe_filename, save_upload

PDF = b"%PDF-1.4 fake but non-empty"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2019年政府信息公开工作年度报告.pdf", "2019年政府信息公开工作年度报告.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\Windows\\报告.doc", "报告.doc"),
        ("C:\\Users\\me\\Desktop\\统计表.rtf", "统计表.rtf"),
        ("/abs/path/report.docx", "report.docx"),
        (".hidden.txt", "hidden.txt"),
        ("a\x00b\x1fc.txt", "a_b_c.txt"),
        ("re:port?.html", "re_port_.html"),
        ("name with spaces .htm", "name with spaces .htm"),
        ("报告\u202e.txt", "报告.txt"),  # right-to-left override would disguise the extension
        ("report..txt", "report.txt"),
    ],
)
def test_file_names_lose_directories_and_unsafe_characters_but_keep_chinese(
    given: str, expected: str
) -> None:
    assert safe_filename(given) == expected


@pytest.mark.parametrize("bad", ["", "..", "...", "/", "con.txt", "NUL.pdf", "._.txt"])
def test_names_that_are_nothing_or_reserved_are_rejected(bad: str) -> None:
    with pytest.raises(UploadRejected, match="文件名无效"):
        safe_filename(bad)


def test_long_names_are_shortened_keeping_the_extension() -> None:
    name = safe_filename("报" * 300 + ".pdf")
    assert name.endswith(".pdf") and len(name) <= 120


def test_an_upload_is_stored_inside_raw_dir(tmp_path: Path) -> None:
    path = save_upload("../../逃逸.txt", "共受理548786件".encode(), tmp_path / "raw")
    assert path.parent == (tmp_path / "raw").resolve()
    assert path.name == "逃逸.txt"
    assert path.read_bytes() == "共受理548786件".encode()
    assert not (tmp_path / "逃逸.txt").exists()


def test_same_bytes_again_return_the_existing_file(tmp_path: Path) -> None:
    first = save_upload("a.pdf", PDF, tmp_path)
    assert save_upload("a.pdf", PDF, tmp_path) == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


def test_different_bytes_under_a_taken_name_get_a_numbered_name(tmp_path: Path) -> None:
    first = save_upload("a.pdf", PDF, tmp_path)
    second = save_upload("a.pdf", PDF + b"2", tmp_path)
    third = save_upload("a.pdf", PDF + b"3", tmp_path)
    assert (first.name, second.name, third.name) == ("a.pdf", "a (2).pdf", "a (3).pdf")
    assert first.read_bytes() == PDF
    assert save_upload("a.pdf", PDF + b"3", tmp_path) == third  # found among the numbered copies


@pytest.mark.parametrize("name", ["x.exe", "x.png", "x.xlsx", "x.html.exe", "noextension", "x.php"])
def test_disallowed_types_are_rejected_in_both_languages(tmp_path: Path, name: str) -> None:
    with pytest.raises(UploadRejected) as err:
        save_upload(name, b"data", tmp_path)
    assert "不支持的文件类型" in str(err.value) and "not allowed" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_too_large_and_empty_uploads_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(UploadRejected, match="文件过大.*limit"):
        save_upload("a.txt", b"x" * 101, tmp_path, max_bytes=100)
    with pytest.raises(UploadRejected, match="文件为空"):
        save_upload("a.txt", b"", tmp_path)
    assert save_upload("a.txt", b"x" * 100, tmp_path, max_bytes=100).stat().st_size == 100


def test_a_symlink_planted_in_raw_dir_is_never_written_through(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"keep me")
    os.symlink(outside, raw / "a.txt")
    with pytest.raises(UploadRejected, match="unsafe path"):
        save_upload("a.txt", b"new", raw)
    assert outside.read_bytes() == b"keep me"


def test_upload_rejected_is_a_value_error() -> None:
    assert issubclass(UploadRejected, ValueError)


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    save_upload("a.txt", b"one", tmp_path)
    save_upload("a.txt", b"two", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a (2).txt", "a.txt"]
