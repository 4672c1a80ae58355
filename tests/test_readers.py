"""Every format and encoding, written by the test from the sample reports, reads back to the same content."""

from __future__ import annotations

import gc
import io
import re
import zipfile
import zlib
from pathlib import Path

import pytest
from conftest import RAW_DIR

from pipeline import synth
from pipeline.boilerplate import line_rule
from pipeline.extract import extract
from pipeline.readers import STATUSES, read_bytes, read_path
from pipeline.readers_base import Limits
from pipeline.readers_docx import W
from pipeline.synth_formats import SEPARATOR_ROW, blocks, make_docx, make_html, make_mht, make_pdf, make_rtf
from pipeline.text import normalise

SEEDS = sorted(RAW_DIR.glob("*.txt"))


FORMATS = {
    "utf8.txt": lambda t: t.encode("utf-8"),
    "utf8-bom.txt": lambda t: t.encode("utf-8-sig"),
    "gb18030.txt": lambda t: t.encode("gb18030"),
    "utf16-bom.txt": lambda t: t.encode("utf-16"),
    "utf16le-nobom.txt": lambda t: t.encode("utf-16-le"),
    "utf16be-nobom.txt": lambda t: t.encode("utf-16-be"),
    "crlf.txt": lambda t: t.replace("\n", "\r\n").encode("utf-8"),
    "page.html": make_html,
    "page-gbk.htm": lambda t: make_html(t, "gb2312"),
    "archive.mht": make_mht,
    "report.pdf": make_pdf,
    "report.docx": make_docx,
    "merged.docx": lambda t: make_docx(t, merge_groups=True),  # the official template's merged cells
    "table.rtf": make_rtf,
}
EXPECTED_KIND = {
    "txt": "txt",
    "html": "html",
    "htm": "html",
    "mht": "mhtml",
    "pdf": "pdf",
    "docx": "docx",
    "rtf": "rtf",
}


@pytest.fixture(scope="module")
def generated() -> dict[tuple[str, str], bytes]:
    """Every seed in every format, written once per test module."""
    return {
        (seed.name, fmt): write(seed.read_text(encoding="utf-8"))
        for seed in SEEDS
        for fmt, write in FORMATS.items()
    }


def _key(s: str) -> str:
    """Content without layout: whitespace and table pipes do not count."""
    return re.sub(r"[\s|]", "", normalise(s))


def content_lines(seed_text: str) -> list[str]:
    """The seed's lines that carry report content (page furniture and table rules excluded)."""
    return [
        _key(line)
        for line in seed_text.split("\n")
        if _key(line) and not SEPARATOR_ROW.match(line) and line_rule(line) is None
    ]


# ---------------------------------------------------------------- the round trip


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("seed", SEEDS, ids=[s.stem[:3] for s in SEEDS])
def test_every_seed_line_survives_every_format_in_order(generated, seed: Path, fmt: str) -> None:
    result = read_bytes(generated[(seed.name, fmt)], f"{seed.stem}.{fmt}")
    assert result.status == "ok", result.message
    assert result.kind == EXPECTED_KIND[fmt.rsplit(".", 1)[1]]
    got = _key(result.text)
    pos = 0
    for line in content_lines(seed.read_text(encoding="utf-8")):
        at = got.find(line, pos)
        assert at >= 0, f"missing or out of order in {fmt}: {line[:60]}"
        pos = at + len(line)


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("seed", SEEDS, ids=[s.stem[:3] for s in SEEDS])
def test_every_format_yields_the_metrics_of_the_plain_text(generated, seed: Path, fmt: str) -> None:
    plain = seed.read_text(encoding="utf-8")
    result = read_bytes(generated[(seed.name, fmt)], f"{seed.stem}.{fmt}")
    assert result.status == "ok", result.message

    def values(text: str) -> set[tuple[str, float, str]]:
        return {(r.metric, r.value, r.scope) for r in extract(text, seed.name).records}

    assert values(result.text) == values(plain)


@pytest.mark.parametrize("fmt", ["page.html", "page-gbk.htm"])
def test_html_furniture_is_gone_and_tables_are_rows(generated, fmt: str) -> None:
    seed = SEEDS[0]
    text = read_bytes(generated[(seed.name, fmt)], fmt).text
    for noise in [
        "政务服务\n互动交流",
        "当前位置",
        "分享到",
        "扫一扫在手机打开当前页",
        "打印本页",
        "版权所有",
        "var tracker",
        "999件",
    ]:
        assert noise not in text
    rows = [line for line in text.split("\n") if " | " in line]
    table_lines = [
        cells
        for kind, content in blocks(seed.read_text(encoding="utf-8"))
        if kind == "table"
        for cells in content
    ]
    assert len(rows) == len(table_lines)
    assert rows[0].split(" | ")[:2] == table_lines[0][:2]


ENCODING_CASES = [
    ("big5 traditional copy", lambda t: to_traditional(t).encode("big5", errors="replace"), "encoding big5"),
    ("gb18030 with damaged bytes", lambda t: _damage(t.encode("gb18030")), "damaged bytes replaced"),
    ("utf-8 with damaged bytes", lambda t: _damage(t.encode("utf-8")), "invalid byte sequence"),
    ("utf-8 cut mid-character", lambda t: t.rstrip().encode("utf-8")[:-1], "incomplete character"),
    (
        "gb18030 read as latin-1, saved as utf-8",
        lambda t: t.encode("gb18030").decode("latin-1").encode(),
        "mojibake",
    ),
]
SENTENCE = (
    "威海市文登区政务服务中心\n全年共受理政府信息公开申请3件，均已按时答复。发布各类服务信息1230条。\n" * 4
)


def to_traditional(text: str) -> str:
    return text.translate(str.maketrans("区务发布类条时复开请", "區務發佈類條時復開請"))


def _damage(data: bytes) -> bytes:
    out = bytearray(data)
    out[len(out) // 3] = 0xFF
    return bytes(out)


@pytest.mark.parametrize(("case", "encode", "note"), ENCODING_CASES, ids=[c[0] for c in ENCODING_CASES])
def test_misencoded_and_damaged_text_is_still_read_and_says_so(case, encode, note) -> None:
    result = read_bytes(encode(SENTENCE), "a.txt")
    assert result.status == "ok"
    assert any(note in n for n in result.notes), result.notes
    assert "1230" in result.text and "申请3件" in result.text.replace("申請", "申请")


@pytest.mark.parametrize("codec", ["utf-8", "utf-16-le", "utf-16", "utf-16-be", "gb18030"])
@pytest.mark.parametrize("seed", SEEDS[:2], ids=[s.stem[:3] for s in SEEDS[:2]])
def test_a_text_cut_short_into_zero_padding_reads_what_is_there_and_says_so(seed: Path, codec: str) -> None:
    """An interrupted download leaves the file at its full size, its tail all NUL bytes."""
    text = read_path(seed).text
    whole = text.encode(codec)
    cut = whole[: len(whole) // 2]
    padded = read_bytes(cut + bytes(len(whole) - len(cut)), "a.txt")
    assert padded.status == "ok"
    assert any("NUL bytes (zero-filled, dropped): the file may be an incomplete" in n for n in padded.notes)
    assert "\x00" not in padded.text
    kept = padded.text[:-1]  # the last character may have been cut in two: replaced or misread
    assert len(kept) > len(text) // 3 and text.startswith(kept)
    few = read_bytes(whole + bytes(10), "a.txt")  # a few NUL bytes: not a sign of a cut
    assert few.text == read_bytes(whole, "a.txt").text and not any("incomplete" in n for n in few.notes)


def test_html_line_breaks_between_chinese_characters_vanish() -> None:
    page = (
        "<html><body><p>共受理行政许可事项\n548786\n件，办结率\n100%。</p><p>second\nline</p></body></html>"
    )
    text = read_bytes(page.encode(), "a.html").text
    assert text.split("\n") == ["共受理行政许可事项548786件，办结率100%。", "second line"]


def test_html_layout_tables_keep_paragraphs_and_data_tables_keep_cells() -> None:
    page = """<html><body><table><tr><td><p>第一段。</p><p>第二段。</p>
    <table><tr><td>规章</td><td>0</td><td></td><td>5</td></tr></table></td></tr></table></body></html>"""
    assert read_bytes(page.encode(), "a.htm").text.split("\n") == ["第一段。", "第二段。", "规章 | 0 |  | 5"]


def test_html_blank_cells_keep_their_column_even_at_the_end_of_a_row() -> None:
    page = (
        "<table><tr><td>行政许可</td><td>0</td><td> </td><td>0</td><td></td></tr><tr><td></td></tr></table>"
    )
    assert read_bytes(page.encode(), "a.html").text == "行政许可 | 0 |  | 0 |"


def test_html_with_a_wrong_declared_charset_is_still_decoded() -> None:
    page = '<html><head><meta charset="utf-8"></head><body><p>共受理548786件</p></body></html>'
    result = read_bytes(page.encode("gb18030"), "a.html")
    assert result.text == "共受理548786件"
    assert any("declared charset utf-8 is wrong" in n for n in result.notes)


CORPUS_FORMATS = ["gb18030.txt", "utf16le-nobom.txt", "utf16-bom.txt"]
STRUCTURED_FORMATS = ["page.html", "report.docx", "table.rtf"]


def test_corpus_reports_give_the_same_metrics_in_every_encoding_and_narrative_ones_in_every_format(
    corpus_dir: Path,
) -> None:
    """Real reports (not only the seeds). Structured formats only for narrative/: the table2019 texts
    were flattened one cell per line, which no real HTML/Word table looks like."""
    failures = []
    for path in sorted(corpus_dir.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        base = {(r.metric, r.value, r.scope) for r in extract(text, path.name).records}
        formats = CORPUS_FORMATS + (STRUCTURED_FORMATS if path.parent.name == "narrative" else [])
        for fmt in formats:
            result = read_bytes(FORMATS[fmt](text), fmt)
            got = {(r.metric, r.value, r.scope) for r in extract(result.text or "", path.name).records}
            if result.status != "ok" or got != base:
                failures.append((path.name, fmt, result.status, sorted(base ^ got)[:3]))
    assert failures == []


GENERATED = [synth.make_document(seed=2026, index=i)[0] for i in range(40)]


@pytest.mark.parametrize("fmt", [f for f in FORMATS if not f.endswith((".txt", ".htm"))])
def test_generated_reports_give_the_values_of_their_text_in_every_format(fmt: str) -> None:
    """The generator's variety (wrapped paragraphs, tables one cell a line or one row a line, with
    spaces or pipes) through each writer: every value of the text, and no other. In PDF a paragraph
    wrapped on a page of short lines lost its value, and a row's cells wrapped after its label lost
    their row (…公开申请\n0 0 0 0 0 0 0 joined close)."""
    for i, text in enumerate(GENERATED):
        want = sorted((r.metric, r.scope, r.value) for r in extract(text, "a.txt").records)
        read = read_bytes(FORMATS[fmt](text), fmt)
        got = sorted((r.metric, r.scope, r.value) for r in extract(read.text, fmt).records)
        assert got == want, (
            f"report {i}: lost {sorted(set(want) - set(got))[:3]}, added {sorted(set(got) - set(want))[:3]}"
        )


def test_pdf_wrapped_lines_are_rejoined_and_indented_paragraphs_kept(generated) -> None:
    seed = SEEDS[0]
    text = read_bytes(generated[(seed.name, "report.pdf")], "a.pdf").text
    for kind, content in blocks(seed.read_text(encoding="utf-8")):
        if kind == "p" and len(content) > 120:  # several lines long in the PDF
            assert normalise(content) in normalise(text).split("\n")


def test_pdf_wrapping_is_judged_on_the_document_not_on_a_page_of_short_lines() -> None:
    """A table flattened to one cell a line fills pages with short lines. Judged on such a page
    alone, the right margin sat mid-page: a paragraph wrapped there stayed cut in two (a value apart
    from its words); and the left margin sat at the indent, so a cell that happens to fill the
    width took the next cell as its rest."""
    paragraph = "依托政府门户网站、政务微博、微信公众号等平台拓宽公开渠道。2022年主动公开政府信息233条,其中政策文件16条、工作动态217条。"
    filling = "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    cells = ["信息内容", "本年制发件数", "规章", "0", "1", "行政规范性文件", "0", "15"] * 5
    text = "\n".join(
        [paragraph, *cells, paragraph.replace("233", "234"), *cells, filling, "7", "3.其他", "0"]
    )
    lines = read_bytes(make_pdf(text), "a.pdf").text.split("\n")
    assert normalise(paragraph) in lines and normalise(paragraph.replace("233", "234")) in lines
    assert lines[lines.index(normalise(filling)) + 1] == "7"


def _pdf_of_lines(pages: list[tuple[tuple[float, float], list[tuple[float, str]]]]) -> bytes:
    """A PDF drawn line by line: each page its (width, height) and its lines as (x, text), 11 pt."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for size, lines in pages:
        c.setPageSize(size)
        c.setFont("STSong-Light", 11)
        for i, (x, text) in enumerate(lines):
            c.drawString(x, size[1] - 72 - 16 * i, text)
        c.showPage()
    c.save()
    return buf.getvalue()


def test_pdf_pages_of_another_size_keep_their_own_margins() -> None:
    """A landscape page among portrait ones: its lines pass the portrait pages' right margin without
    reaching their own, and must not be taken for wrapped (…共计15 + 2.… would read 152)."""
    wrapped = [
        (94, "依托政府门户网站、政务微博、微信公众号等平台拓宽公开渠道主动公开政府信息与政策"),
        (72, "解读。"),
    ]
    portrait = ((595, 842), wrapped * 12)
    items = [
        (72, f"{i}.本年度共受理政府信息公开申请的办理情况及答复情况的统计说明与分析汇总报告附表共计15件")
        for i in range(1, 5)
    ]
    wide = [(94, "依托政府门户网站、政务微博、微信公众号等平台拓宽公开渠道," * 2), (72, "主动公开政府信息。")]
    landscape = ((842, 595), wide + items + wide)
    lines = read_bytes(_pdf_of_lines([portrait, portrait, landscape]), "a.pdf").text.split("\n")
    assert [line for line in lines if "本年度共受理" in line] == [text for _, text in items]
    assert "依托政府门户网站、政务微博、微信公众号等平台拓宽公开渠道主动公开政府信息与政策解读。" in lines


def test_docx_tables_are_rows_in_document_order(generated) -> None:
    seed = SEEDS[0]
    text = read_bytes(generated[(seed.name, "report.docx")], "a.docx").text.split("\n")
    assert text[0].startswith("标题: | 高新区政务服务中心2018年政府信息公开工作年度报告")
    assert text[2].startswith("发文日期: | 2019-03-25 | 发布机构:")
    assert text[3].startswith("本报告是根据")


def test_rtf_gbk_escapes_and_unicode_escapes_decode() -> None:
    rtf = make_rtf("共受理548786件，办结率100%。\n規章 | 0 | 3\n半角\ufffd")
    result = read_bytes(rtf, "统计表.rtf")
    assert result.text.split("\n")[:3] == ["共受理548786件，办结率100%。", "規章 | 0 | 3", "半角\ufffd"]


# ---------------------------------------------------------------- content decides, not the name


@pytest.mark.parametrize(
    ("fmt", "name", "kind"),
    [
        ("page.html", "report.doc", "html"),  # Chinese sites often serve HTML as .doc
        ("archive.mht", "report.doc", "mhtml"),  # and Word's single-file web pages as .doc
        ("table.rtf", "report.doc", "rtf"),
        ("report.pdf", "report", "pdf"),
        ("report.docx", "report.doc", "docx"),
        ("gb18030.txt", "report.html", "html"),  # a fragment named .html is parsed as HTML
        ("page.html", "page.txt", "html"),
    ],
)
def test_the_reader_is_chosen_by_content(generated, fmt: str, name: str, kind: str) -> None:
    result = read_bytes(generated[(SEEDS[0].name, fmt)], name)
    assert (result.kind, result.status) == (kind, "ok")
    assert "548786" in result.text


# ---------------------------------------------------------------- bad files say what is wrong


def _truncated_docx(generated) -> bytes:
    return generated[(SEEDS[0].name, "report.docx")][:3000]


BAD = [
    ("empty.txt", lambda g: b"", "empty", "file is empty"),
    ("blank.txt", lambda g: b" \r\n\t \n", "empty", "only whitespace"),
    (
        "image.txt",
        lambda g: b"\x89PNG\r\n\x1a\n" + bytes(200),
        "unsupported",
        "binary file (PNG image), not a report",
    ),
    ("photo.pdf", lambda g: b"\xff\xd8\xff\xe0" + bytes(200), "unsupported", "JPEG image"),
    ("archive.docx", lambda g: b"\x1f\x8b\x08" + bytes(100), "unsupported", "gzip"),
    ("sheet.xlsx", lambda g: _zip({"xl/workbook.xml": "<x/>"}), "unsupported", "Excel workbook"),
    ("cut.pdf", lambda g: g[(SEEDS[0].name, "report.pdf")][:2000], "unreadable", "PDF"),
    ("cut.docx", _truncated_docx, "unreadable", "damaged or truncated"),
    ("nozip.docx", lambda g: "共受理548786件".encode("gbk") * 3 + b"\x81", "unreadable", "not"),
    (
        "noise.txt",
        lambda g: bytes((i * 7919 + 13) % 256 for i in range(5000)),
        "unreadable",
        "could not decode",
    ),
    (
        "scan.pdf",
        lambda g: _blank_pdf(),
        "unreadable",
        "PDF has no text layer (scanned?); OCR is not supported",
    ),
    (
        "old.doc",
        lambda g: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000),
        "unreadable",
        ".doc could not be read",
    ),
    ("zip.docx", lambda g: _zip({"a.txt": "hi"}), "unsupported", "zip archive"),
    (
        "reports.zip",
        lambda g: _zip({f"年报/{i}.pdf": "x" for i in range(5)} | {"年报/": ""}),
        "unsupported",
        "zip archive of 5 file(s): 年报/0.pdf, 年报/1.pdf, 年报/2.pdf, …; unpack it into the input folder",
    ),
    ("windows.zip", lambda g: _gbk_named_zip(), "unsupported", "zip archive of 1 file(s): 报告.pdf; unpack"),
    (
        "report.ofd",
        lambda g: _zip({"OFD.xml": "<ofd:OFD/>", "Doc_0/Document.xml": "<x/>"}),
        "unsupported",
        "OFD document (GB/T 33190, China's fixed-layout format); export it as PDF",
    ),
    ("badxml.docx", lambda g: _zip({"word/document.xml": "<w:document><w:body>"}), "unreadable", "damaged"),
    (
        "bodyless.docx",
        lambda g: _zip({"word/document.xml": f'<w:document xmlns:w="{W}"/>'}),
        "unreadable",
        "no w:body",
    ),
    ("bad.rtf", lambda g: b"{\\rtf1 {\\b unbalanced", "ok", ""),
    ("zeroed.txt", lambda g: bytes(40_000), "unreadable", "only NUL bytes (40,000): zero-filled"),
    ("zeroed.html", lambda g: bytes(3), "unreadable", "only NUL bytes (3)"),
    # every byte valid UTF-8, none of it text
    ("controls.txt", lambda g: bytes(range(1, 32)) * 200, "unreadable", "binary data, not text"),
    ("dump.txt", lambda g: (b"\x00\x01\x02\x03" + b"ab") * 500, "unreadable", "binary data, not text"),
]


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buf.getvalue()


def _gbk_named_zip() -> bytes:
    """A zip as Chinese Windows makes it: the member's name in GBK bytes, without the UTF-8 flag."""
    data = _zip({"XXXX.pdf": "x"})  # an ASCII name of the same length, swapped for the GBK bytes
    return data.replace(b"XXXX.pdf", "报告.pdf".encode("gbk"))


def _blank_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(100, 100, 200, 200, fill=1)  # a picture of a page, no text
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize(("name", "make", "status", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_files_get_a_status_and_a_plain_message(generated, name, make, status, message) -> None:
    result = read_bytes(make(generated), name)
    assert result.status == status, result.message
    assert message in result.message
    assert (result.text is None) == (status != "ok")


def test_a_file_over_the_size_cap_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes("共受理548786件。\n".encode() * 1000)
    result = read_path(big, Limits(max_bytes=10_000))
    assert result.status == "unsupported"
    assert "over the 0.0 MB limit" in result.message or "limit" in result.message
    assert read_path(big).status == "ok"


def test_a_zip_bomb_docx_is_refused() -> None:
    bomb = _zip({"word/document.xml": "<w:document/>" + " " * 5_000_000})
    result = read_bytes(bomb, "bomb.docx", Limits(max_inflated=1_000_000))
    assert result.status == "unsupported"
    assert "expands to" in result.message


def test_a_strict_open_xml_docx_reads_as_the_transitional_one(generated) -> None:
    """Word's 'Strict Open XML Document' keeps the elements and changes their namespace."""
    from pipeline.readers_docx import W_STRICT

    transitional = generated[(SEEDS[0].name, "report.docx")]
    with zipfile.ZipFile(io.BytesIO(transitional)) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    members["word/document.xml"] = members["word/document.xml"].replace(W.encode(), W_STRICT.encode())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for name, content in members.items():
            dst.writestr(name, content)
    want = read_bytes(transitional, "a.docx")
    got = read_bytes(buf.getvalue(), "strict.docx")
    assert got.status == "ok" and got.text == want.text and len(want.text) > 1000


def test_a_docx_does_not_expand_entities_or_fetch_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("机密", encoding="utf-8")
    xml = (
        f'<!DOCTYPE d [<!ENTITY inner "共受理999件"><!ENTITY outer SYSTEM "file://{secret}">]>'
        f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>开头&inner;&outer;结尾</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )
    result = read_bytes(_zip({"word/document.xml": xml}), "entities.docx")
    assert result.status == "ok", result.message
    assert "开头" in result.text
    assert "999" not in result.text and "机密" not in result.text


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "report.pdf"])
def test_reading_leaves_no_cyclic_garbage(generated, fmt: str) -> None:
    """Pool workers run the collector rarely (engines.worker_init): what a reader leaves in reference
    cycles stays until a full collection. python-docx left each document's parts so (~5 MB a file);
    pdfplumber leaves ~1,000 small objects a file (worker memory measured flat over 300 PDFs), which
    is why PDF is not listed."""
    data = generated[(SEEDS[0].name, fmt)]
    read_bytes(data, fmt)  # imports and caches first
    gc.collect()
    gc.disable()
    try:
        assert read_bytes(data, fmt).status == "ok"
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_a_pdf_bomb_is_refused_before_parsing() -> None:
    payload = zlib.compress(b"0" * 5_000_000, 9)  # 5 KB that inflate to 5 MB
    bomb = (
        b"%PDF-1.4\n1 0 obj<</Length "
        + str(len(payload)).encode()
        + b"/Filter/FlateDecode>>stream\n"
        + payload
    )
    bomb += b"\nendstream\nendobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    result = read_bytes(bomb, "bomb.pdf", Limits(max_inflated=1_000_000))
    assert result.status == "unsupported"
    assert "decompressed" in result.message


def test_a_compressed_pdf_within_the_inflate_limit_reads(generated) -> None:
    data = generated[(SEEDS[0].name, "report.pdf")]
    assert b"/FlateDecode" in data
    assert read_bytes(data, "a.pdf", Limits(max_inflated=10_000_000)).status == "ok"


def test_missing_file_is_an_error_not_an_exception(tmp_path: Path) -> None:
    result = read_path(tmp_path / "gone.txt")
    assert result.status == "error"
    assert "could not open" in result.message


def test_reading_never_modifies_the_input(tmp_path: Path, generated) -> None:
    for (seed, fmt), data in list(generated.items())[:12]:
        path = tmp_path / f"{seed}.{fmt}"
        path.write_bytes(data)
        before = (path.stat().st_mtime_ns, path.read_bytes())
        read_path(path)
        assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_a_doc_that_antiword_cannot_parse_falls_back_and_names_both_tools() -> None:
    result = read_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + bytes(2000), "a.doc"
    )
    assert result.kind == "doc"
    assert result.status == "unreadable"
    assert "antiword" in result.message and "catdoc" in result.message


def test_doc_without_the_tools_says_how_to_install_them(monkeypatch) -> None:
    import pipeline.readers_doc as doc

    monkeypatch.setattr(doc.shutil, "which", lambda tool: None)
    result = read_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "a.doc")
    assert result.status == "unsupported"
    assert "apt-get install antiword" in result.message


def test_doc_tool_output_becomes_text_with_table_rows(monkeypatch) -> None:
    """No real .doc can be written here (no Word/LibreOffice), so `cat` stands in for antiword: this
    exercises the temporary copy, the subprocess call and antiword's '|cell|cell|' table rows."""
    import pipeline.readers_doc as doc

    monkeypatch.setattr(doc, "TOOLS", (("cat", ()),))
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\n"
    result = read_bytes(ole + "共受理548786件\n|规章      |0   |3   |\n".encode(), "a.doc")
    assert (result.kind, result.status) == ("doc", "ok")
    lines = result.text.split("\n")
    assert lines.index("规章 | 0 | 3") == lines.index("共受理548786件") + 1
    assert "doc read with cat" in result.notes


def test_a_reader_bug_becomes_an_error_status(monkeypatch) -> None:
    import pipeline.readers as readers

    def broken(data, limits):
        raise KeyError("boom")

    monkeypatch.setitem(readers.READERS, "txt", broken)
    result = read_bytes(b"hello", "a.txt")
    assert (result.status, result.text) == ("error", None)
    assert "KeyError" in result.message


def test_statuses_are_the_documented_ones(generated) -> None:
    for (seed, fmt), data in generated.items():
        assert read_bytes(data[: len(data) // 3], f"{seed}.{fmt}").status in STATUSES


@pytest.mark.parametrize(
    ("title", "first_line"),
    [
        (
            "某某区民政局2019年政府信息公开工作年度报告_某某区人民政府",
            "某某区民政局2019年政府信息公开工作年度报告",
        ),
        ("报告正文_某某区人民政府门户网站", "为进一步做好2019年政务公开工作,现就有关事项通知如下。"),
        ("详细信息", "为进一步做好2019年政务公开工作,现就有关事项通知如下。"),
    ],
)
def test_a_page_title_stands_for_the_missing_report_title_unless_it_names_the_page(title, first_line) -> None:
    """A page's <title> becomes the first line when the body lacks it; one that names the kind of
    page ("报告正文") read as a report's title: a notice on such a page became a work summary."""
    page = f"<html><head><title>{title}</title></head><body><p>为进一步做好2019年政务公开工作,现就有关事项通知如下。</p></body></html>"
    assert read_bytes(page.encode("utf-8"), "a.html").text.split("\n")[0] == first_line
