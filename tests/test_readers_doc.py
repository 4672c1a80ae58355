"""A real Word 97-2003 .doc (written by LibreOffice from a sample report) reads like the plain text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from conftest import RAW_DIR

from pipeline.extract import extract
from pipeline.readers import read_path

SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(
    SOFFICE is None, reason="needs LibreOffice to write a .doc (scripts/setup.sh --dev installs it)"
)
def test_a_word_97_doc_yields_the_same_metrics_as_the_plain_text(tmp_path: Path):
    seed = sorted(RAW_DIR.glob("*.txt"))[0]
    text = seed.read_text(encoding="utf-8-sig")
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=3)
    for i, row in enumerate([["信息内容", "本年新收", "上年结转"], ["申请", "3", "1"]]):
        for j, cell in enumerate(row):
            table.cell(i, j).text = cell
    document.save(tmp_path / "report.docx")
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "doc",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "report.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    result = read_path(tmp_path / "report.doc")
    assert (result.kind, result.status) == ("doc", "ok")
    assert "申请 | 3 | 1" in result.text  # table rows come through as cells
    plain = {(r.metric, r.value, r.scope) for r in extract(text).records}
    assert plain and {(r.metric, r.value, r.scope) for r in extract(result.text).records} == plain


def test_a_password_protected_office_file_says_so():
    """Office stores a password-protected .docx as an OLE2 file whose directory names the streams
    EncryptionInfo and EncryptedPackage (MS-OFFCRYPTO); here its header and directory names alone."""
    from pipeline.readers import read_bytes

    names = "".join(n.ljust(32, "\0") for n in ("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + names.encode("utf-16-le") + bytes(4096)
    for name in ("report.docx", "report.doc"):
        result = read_bytes(data, name)
        assert (result.status, result.text) == ("unreadable", None)
        assert "password-protected" in result.message and "antiword" not in result.message


LIBREOFFICE = Path(__file__).parent / "fixtures" / "libreoffice"


def test_cells_antiword_wrapped_over_lines_are_one_cell_again():
    """antiword sets each cell in a fixed width and wraps longer text onto lines that look like rows.
    The report's title, cut in two that way, was no longer a title: the report read as a work
    summary, and values that need a disclosure report were lost (a generated report exported as
    .doc by LibreOffice Writer: fixtures/libreoffice)."""
    doc = LIBREOFFICE / "doc-cells-wrapped.doc"
    if shutil.which("antiword") is None:
        pytest.skip("needs antiword (scripts/setup.sh installs it)")
    text = read_path(doc).text
    assert "标题: | 美兰区黄岗乡人民政府2022年政府信息公开工作年度报告 |  |" in text.split("\n")
    want = extract(read_path(doc.with_suffix(".txt")).text, "a.txt")
    got = extract(text, doc.name)
    assert got.meta.doc_type == want.meta.doc_type == "disclosure_annual_report"
    assert {(r.metric, r.scope, r.value) for r in got.records} == {
        (r.metric, r.scope, r.value) for r in want.records
    }


@pytest.mark.parametrize(
    ("drawn", "rows"),
    [
        (  # a label wider than its column goes on below
            ["|标题:      |美兰区黄岗乡政府 |", "|           |年度报告         |"],
            ["标题: | 美兰区黄岗乡政府年度报告"],
        ),
        (  # broken inside a number
            [
                "|标题:      |关于做好2021年政|",
                "|           |务公开工作的通知|",
                "|标题:      |关于做好2|",
                "|           |021年通知|",
            ],
            ["标题: | 关于做好2021年政务公开工作的通知", "标题: | 关于做好2021年通知"],
        ),
        (  # a merged first cell leaves the next row's first cell blank: a row of its own
            ["|三、办理结果|(一)予以公开    |3   |", "|           |(二)部分公开    |0   |"],
            ["三、办理结果 | (一)予以公开 | 3", "| (二)部分公开 | 0"],
        ),
        (  # text under a cell that did not fill its width: another row
            ["|规章       |3   |", "|           |1   |"],
            ["规章 | 3", "| 1"],
        ),
    ],
)
def test_which_antiword_lines_are_the_rest_of_a_row(drawn, rows):
    from pipeline.readers_doc import _table_rows

    assert _table_rows("\n".join(drawn)).split("\n") == rows
