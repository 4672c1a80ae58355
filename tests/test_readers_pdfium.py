"""PDFs read through PDFium give what pdfminer gives, and those PDFium cannot read alike go to pdfminer.

The fixtures are PDFs LibreOffice Writer made (tests/fixtures/libreoffice), so their fonts are
embedded subsets as Word's and WPS's are; the reportlab PDFs name a CJK font they do not embed."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pdfplumber
import pytest

from pipeline import readers_pdf
from pipeline.readers import read_bytes
from pipeline.readers_base import Limits
from pipeline.readers_pdfium import Fallback, pdfium_pages
from pipeline.synth_formats import make_pdf
from tests.test_readers_pdf_unmapped import pdf_of_objects

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "libreoffice").glob("*.pdf"))
LIMITS = Limits()


def _by_pdfminer(data: bytes) -> str:
    return readers_pdf._page_text(*readers_pdf._pages_by_pdfminer(data, LIMITS))[0]


def _by_pdfium(data: bytes) -> str:
    read = readers_pdf._pages_by_pdfium(data, LIMITS)
    assert read is not None, "PDFium handed the document to pdfminer"
    return readers_pdf._page_text(*read)[0]


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_a_pdf_with_embedded_fonts_reads_through_pdfium_as_through_pdfminer(path: Path) -> None:
    data = path.read_bytes()
    assert _by_pdfium(data) == _by_pdfminer(data)


def _edges(page) -> list[tuple]:  # noqa: ANN001
    return sorted((str(e["orientation"]), e["x0"], e["top"], e["x1"], e["bottom"]) for e in page.edges)


def _same_edges(mine, theirs, tolerance: float = 0.05) -> bool:  # noqa: ANN001
    """Each edge has its twin within `tolerance` points (PDFium keeps points in single precision)."""
    left, right = _edges(mine), _edges(theirs)
    if len(left) != len(right):
        return False
    unmatched = list(right)
    for edge in left:
        twin = next(
            (
                o
                for o in unmatched
                if o[0] == edge[0]
                and all(abs(a - b) <= tolerance for a, b in zip(o[1:], edge[1:], strict=True))
            ),
            None,
        )
        if twin is None:
            return False
        unmatched.remove(twin)
    return True


def test_pdfium_finds_the_rules_pdfminer_finds() -> None:
    """The table finder works on rules: the same lines, rects and curves, at the same places."""
    ruled = [p for p in FIXTURES if p.stem.startswith(("docx-heading", "html-row"))]
    assert ruled
    for path in ruled:
        data = path.read_bytes()
        n_pages, layouts = pdfium_pages(data, 100)
        with pdfplumber.open(path) as pdf:
            assert n_pages == len(pdf.pages)
            for mine, theirs in zip(layouts, pdf.pages, strict=True):
                assert _edges(theirs), path.name
                assert _same_edges(mine, theirs), path.name
                # the same glyphs (PDFium lists them in another order, and drops spaces ending a line)
                assert sorted(c["text"] for c in mine.chars if c["text"] != " ") == sorted(
                    c["text"] for c in theirs.chars if c["text"] != " "
                )


def test_a_font_the_pdf_does_not_embed_sends_it_to_pdfminer() -> None:
    """reportlab names STSong-Light without embedding it, as iText and older tools do. PDFium would
    read it with whatever font the machine has, and without a CJK one it dropped characters."""
    data = make_pdf("全年受理政府信息公开申请548件。\n申请人情况 自然人 法人")
    n_pages, layouts = pdfium_pages(data, 100)
    assert n_pages == 1
    with pytest.raises(Fallback, match="not embedded"):
        list(layouts)
    assert readers_pdf._pages_by_pdfium(data, LIMITS) is None
    result = read_bytes(data, "a.pdf")
    assert result.status == "ok" and "申请人情况" in result.text and "548件" in result.text


def _raw_pdf(page_extra: str, content: str = "") -> bytes:
    return pdf_of_objects(
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] {page_extra} /Contents 4 0 R >>",
            f"<< /Length {len(content)} >>\nstream\n{content}endstream",
        ]
    )


def test_a_rotated_page_goes_to_pdfminer_which_turns_it() -> None:
    _, layouts = pdfium_pages(_raw_pdf("/Rotate 90"), 100)
    with pytest.raises(Fallback, match="rotated page"):
        list(layouts)
    _, layouts = pdfium_pages(_raw_pdf(""), 100)
    assert len(list(layouts)) == 1


def test_paths_are_sorted_as_pdfminer_sorts_them() -> None:
    """A stroked segment is a line, a filled `re` a rect, a bent path a curve; an unpainted one is
    not drawn; a form's paths are placed by the form's matrix."""
    content = (
        "0.5 w 72 600 m 300 600 l S\n"
        "72 500 200 50 re f\n"
        "72 400 m 100 420 l 130 400 l S\n"
        "72 300 m 300 300 l n\n"
    )
    data = _raw_pdf("", content)
    _, layouts = pdfium_pages(data, 100)
    (mine,) = list(layouts)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        theirs = pdf.pages[0]
        for kind in ("line", "rect", "curve"):
            got = [
                (round(o["x0"], 2), round(o["top"], 2), round(o["x1"], 2), round(o["bottom"], 2))
                for o in mine.objects[kind]
            ]
            want = [
                (round(o["x0"], 2), round(o["top"], 2), round(o["x1"], 2), round(o["bottom"], 2))
                for o in theirs.objects.get(kind, [])
            ]
            assert got == want, kind
        assert mine.objects["curve"][0]["pts"] == [(72.0, 442.0), (100.0, 422.0), (130.0, 442.0)]
        assert _same_edges(mine, theirs)


def test_a_damaged_cross_reference_table_is_left_to_pdfminer_to_judge() -> None:
    data = FIXTURES[0].read_bytes()
    assert pdfium_pages(data[: len(data) // 2], 100) is None
    result = read_bytes(data[: len(data) // 2], "cut.pdf")
    assert result.status == "unreadable" and "PDF" in result.message


def test_glyphs_without_unicode_mapping_are_refused_through_pdfium_too() -> None:
    """PDFium passes an unmapped glyph's code off as a character (it would read as Chinese). It
    flags it; the reader writes it as pdfminer does, and the text layer is refused."""
    data = FIXTURES[0].read_bytes()
    unmapped = data.replace(b"/ToUnicode", b"/ToUnicodX")  # same length: the offsets hold
    assert unmapped != data
    assert "(cid:" in _by_pdfium(unmapped)
    result = read_bytes(unmapped, "a.pdf")
    assert result.status == "unreadable" and "no Unicode mapping" in result.message


def test_threads_reading_pdfs_at_once_read_each_as_alone() -> None:
    """PDFium is not thread-safe; the dashboard reads uploads in its session threads."""
    datas = [p.read_bytes() for p in FIXTURES]
    alone = [read_bytes(d, "a.pdf").text for d in datas]
    results: dict[tuple[int, int], str | None] = {}

    def work(t: int) -> None:
        for i, d in enumerate(datas):
            results[(t, i)] = read_bytes(d, "a.pdf").text

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert all(results[(t, i)] == alone[i] for t in range(4) for i in range(len(datas)))
