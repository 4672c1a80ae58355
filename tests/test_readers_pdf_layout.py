"""PDF layouts a word processor or a browser makes: what the reader must rejoin or keep apart so that
a value keeps its words. Each case was seen in PDFs that LibreOffice Writer exported from generated
reports (as Word, WPS or a browser's print would) and lost values there; the drawn ones isolate it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pipeline.extract import extract
from pipeline.readers import read_bytes, read_path
from pipeline.readers_pdf import cjk_spaces_dropped, row_continued

LIBREOFFICE = Path(__file__).parent / "fixtures" / "libreoffice"
FONT = "STSong-Light"
SIZE = 11
PAGE = (595, 842)
LEFT, RIGHT = 72, 523  # the text block
STEP = 16  # line pitch

Line = tuple[tuple[float, str], ...]  # one line's pieces: (x, text)


def _font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _width(text: str) -> float:
    from reportlab.pdfbase import pdfmetrics

    _font()
    return pdfmetrics.stringWidth(text, FONT, SIZE)


def _pdf(pages: list[list[Line | list[str]]]) -> bytes:
    """Each page top to bottom: a text line as its pieces, or a table row as its cells (a list),
    ruled all round and between cells as a word processor draws a table, 60 pt a cell."""
    from reportlab.pdfgen import canvas

    _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=PAGE)
    for items in pages:
        c.setFont(FONT, SIZE)
        y = PAGE[1] - 72
        for item in items:
            if isinstance(item, list):
                xs = [LEFT + 60 * i for i in range(len(item) + 1)]
                xs[1:] = [x + 120 for x in xs[1:]]  # a wide label column
                top, bottom = y + SIZE + 3, y - 5
                for yy in (top, bottom):
                    c.line(xs[0], yy, xs[-1], yy)
                for x in xs:
                    c.line(x, top, x, bottom)
                for cell, x in zip(item, xs, strict=False):
                    c.drawString(x + 2, y, cell)
                y -= STEP + 3
            else:
                for x, text in item:
                    c.drawString(x, y, text)
                y -= STEP
        c.showPage()
    c.save()
    return buf.getvalue()


def _full(indent: float = 0, filler: str = "依托政府门户网站、政务微博、微信公众号等平台拓宽公开渠道") -> str:
    """As much of `filler` as fits between the margins, after `indent`."""
    line = ""
    for ch in filler * 4:
        if _width(line + ch) > RIGHT - LEFT - indent:
            return line
        line += ch
    return line


def _at(text: str, x: float = LEFT) -> Line:
    return ((x, text),)


# A paragraph that sets the margins: an indented first line, a line to the right edge, a short end.
INDENT = 2 * SIZE
MARGINS: list[Line | list[str]] = [_at(_full(INDENT), LEFT + INDENT), _at(_full()), _at("拓宽公开渠道。")] * 2


def _lines(data: bytes) -> list[str]:
    result = read_bytes(data, "a.pdf")
    assert result.status == "ok", result.message
    return result.text.split("\n")


def _values(text: str) -> set[tuple[str, str, float]]:
    return {(r.metric, r.scope, r.value) for r in extract(text, "a.pdf").records}


# ------------------------------------------------------------------ spaces between Chinese characters


@pytest.mark.parametrize(
    ("line", "read"),
    [
        ("全年无依申 请公开信息。", "全年无依申请公开信息。"),  # a source line break, printed as a space
        ("申请行 政复议、提起 行政诉讼的情况,共计 2 件", "申请行政复议、提起行政诉讼的情况,共计 2 件"),
        ("石家庄市桥 西区民政局", "石家庄市桥西区民政局"),  # one space alone in a line
        ("年 度 报 告", "年度报告"),  # letter-spaced
        (
            "信息内容 本年制发件数 本年废止件数 现行有效件数",
            "信息内容 本年制发件数 本年废止件数 现行有效件数",
        ),
        ("申请人情况 自然人 法人或其他组织", "申请人情况 自然人 法人或其他组织"),
        ("共受理 548 件", "共受理 548 件"),  # by a number: not between Chinese characters
        ("Open Data 平台", "Open Data 平台"),
    ],
)
def test_spaces_between_chinese_characters_go_unless_they_part_cells(line: str, read: str) -> None:
    assert cjk_spaces_dropped(line) == read


def test_a_space_glyph_inside_a_sentence_no_longer_splits_the_words_of_a_value() -> None:
    """HTML whose source broke a line between two characters, printed: the browser or word
    processor sets a space there. "行 政复议" was no reconsideration, "政府 信息" no item."""
    text = read_bytes(
        _pdf(
            [
                [
                    _at("全年共公开政府 信息35390条,其中政策文件33993条。"),
                    _at("全年因政府信息公开申请行 政复议3件。"),
                ]
            ]
        ),
        "a.pdf",
    ).text
    assert {("items_published", "annual", 35390.0), ("admin_reconsiderations", "annual", 3.0)} <= _values(
        text
    )


# ------------------------------------------------------------------------- a line ended by a number


def _wrapped_before(early: str, after: str) -> list[str]:
    return _lines(_pdf([[*MARGINS, _at(early), _at(after), *MARGINS]]))


def test_a_line_left_short_because_a_number_did_not_fit_is_rejoined() -> None:
    """No line breaks inside a number: the layout moves it whole to the next line, and the line
    before ends short of the margin by its width (room for three characters, not six digits)."""
    early = _full()[:-3]
    lines = _wrapped_before(early, "133661人次,群众满意度达到99%。")
    assert early + "133661人次,群众满意度达到99%。" in lines, lines


def test_a_line_ending_a_sentence_short_of_the_margin_stays_apart_from_a_number_after_it() -> None:
    early = _full()[:-4] + "。"
    assert {early, "2018年,中心坚持一窗受理。"} <= set(_wrapped_before(early, "2018年,中心坚持一窗受理。"))


def test_a_number_alone_on_the_next_line_is_a_cell_not_the_rest_of_the_line() -> None:
    early = _full()[:-3]
    assert {early, "7"} <= set(_wrapped_before(early, "7"))


def test_a_short_notice_keeps_its_title_and_paragraphs_apart() -> None:
    """A page of a few lines, one of them wrapped: the right edge was a quantile of too few line
    ends, a short paragraph's end, and the title (…的通知) took the first sentence as its rest; so
    the notice read as a work summary and lost its agency."""
    full = _full()
    lines = _lines(
        _pdf(
            [
                [
                    _at("和平区桃源街道便民服务中心关于做好2010年政务公开工作的通知"),
                    _at("为进一步做好2010年政务公开工作,现就有关事项通知如下。"),
                    _at(full),
                    _at("民的原则。"),
                    _at("受理群众来电咨询2433个,进驻部门50个、设置服务窗口31个。"),
                    _at("及时更新政府信息公开指南和目录,方便社会公众检索查询。"),
                ]
            ]
        )
    )
    assert lines[:2] == [
        "和平区桃源街道便民服务中心关于做好2010年政务公开工作的通知",
        "为进一步做好2010年政务公开工作,现就有关事项通知如下。",
    ]
    assert full + "民的原则。" in lines


def test_a_centred_title_of_two_lines_is_one_line() -> None:
    """Official documents centre their title in larger type, and a long one wraps: its second line
    sits mid-page, far from the margin a continued line starts at. The title was cut in two, and
    the notice lost its agency."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas

    _font()
    title = "和平区桃源街道便民服务中心关于做好2010年政务公开工作的通知"
    big = 16
    first = ""
    for ch in title:
        if pdfmetrics.stringWidth(first + ch, FONT, big) > RIGHT - LEFT:
            break
        first += ch
    rest = title[len(first) :]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=PAGE)
    y = PAGE[1] - 72
    for line in (first, rest):
        c.setFont(FONT, big)
        c.drawCentredString((LEFT + RIGHT) / 2, y, line)
        y -= 24
    c.setFont(FONT, SIZE)
    for piece in MARGINS * 3:
        for x, text in piece:
            c.drawString(x, y, text)
        y -= STEP
    c.showPage()
    c.save()
    lines = _lines(buf.getvalue())
    assert lines[0] == title, lines[:3]
    assert lines[1] == _full(INDENT) + _full() + "拓宽公开渠道。"


def test_rows_that_reach_the_margin_do_not_set_where_continued_lines_start() -> None:
    """Rows set with tabs at the paragraph indent, many reaching the right edge: the line after
    each stood for where a wrapped line goes on, so the indent became 'the left margin', and a
    header filling the width took the indented row after it as its rest."""
    cells = _cells(7)
    rows: list[Line | list[str]] = [
        ((LEFT + INDENT, f"{i}.属于国家秘密"), (RIGHT - _width(cells), cells)) for i in range(1, 9)
    ]
    header = ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数")
    step = (RIGHT - LEFT - INDENT - _width(header[-1])) / 3
    header_line: Line = tuple((LEFT + INDENT + i * step, h) for i, h in enumerate(header[:3])) + (
        (RIGHT - _width(header[-1]), header[-1]),
    )
    lines = _lines(_pdf([[*MARGINS, *rows, header_line, _at("规章 0 0 21", LEFT + INDENT), *MARGINS]]))
    assert " ".join(header) in lines and "规章 0 0 21" in lines, lines


# ------------------------------------------------------------------------------ rows set with tabs


def _cells(n: int, value: str = "0") -> str:
    return " ".join([value] * n)


def test_rows_set_with_tabs_stay_rows() -> None:
    """A table typed with tabs, not drawn: its rows are text lines. A row reaching the margin is
    not wrapped into the next row; a row whose numbers ran over goes on in numbers only (at a tab
    stop, so indented); a label the tab left flush against its first cell is apart from it."""
    first, second = "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量"
    long_label = "(二)部分公开(区分处理的,只计这一情形,不计其他情形)"
    glued = "2.其他法律行政法规禁止公开" + _cells(7)
    right_aligned = RIGHT - _width(_cells(7))
    page: list[Line | list[str]] = [
        *MARGINS,
        ((LEFT, first), (right_aligned, _cells(7))),
        ((LEFT, second), (right_aligned, _cells(7))),
        ((LEFT, long_label), (RIGHT - _width(_cells(3, "1")), _cells(3, "1"))),
        _at(_cells(4), LEFT + 100),
        _at(glued),
        ((LEFT, "三、本年度办理结果 (一)予以公开"), (RIGHT - _width(_cells(6)), _cells(6))),
        _at("0", LEFT + 100),
        _at("3.危及“三安全一稳定”" + _cells(7)),
    ]
    lines = _lines(_pdf([page]))
    assert f"{first} {_cells(7)}" in lines and f"{second} {_cells(7)}" in lines, lines
    assert f"{long_label} 1 1 1 0 0 0 0" in lines, lines
    assert "2.其他法律行政法规禁止公开 0 0 0 0 0 0 0" in lines, lines
    assert f"三、本年度办理结果 (一)予以公开 {_cells(7)}" in lines, lines  # one number ran over
    assert f"3.危及“三安全一稳定” {_cells(7)}" in lines, lines


# ------------------------------------------------------------------- a row broken across two pages


def _table_pages(top_of_next_page: list[str]) -> list[str]:
    filler: list[Line | list[str]] = MARGINS * 7
    rows: list[Line | list[str]] = [
        ["4.无正当理由大量反复申请", *"0000000"],
        ["5.要求行政机关确认或重新出", *"0010001"],
    ]
    return _lines(_pdf([filler + rows, [top_of_next_page, ["(六)其他处理", *"0000000"]]]))


def test_a_row_broken_across_pages_is_one_row() -> None:
    """Word and WPS let a table row break across pages: a long label leaves its rest, and no
    values, in a row at the top of the next page."""
    lines = _table_pages(["具已获取信息", *[""] * 7])
    assert "5.要求行政机关确认或重新出具已获取信息 | 0 | 0 | 1 | 0 | 0 | 0 | 1" in lines, lines
    assert not any(line.startswith("具已获取信息") for line in lines)


@pytest.mark.parametrize(
    ("row", "top", "joined"),
    [
        (
            ("5.要求行政机关确认或重新出", "0", "1"),
            ("具已获取信息", "", ""),
            ("5.要求行政机关确认或重新出具已获取信息", "0", "1"),
        ),
        (
            ("(六)其他处理", "1.申请人无正", "0"),
            ("", "当理由逾期不补正", ""),
            ("(六)其他处理", "1.申请人无正当理由逾期不补正", "0"),
        ),
        (("3.其他", "0", "1"), ("(七)总计", "0", "1"), None),  # a row of its own: it has values
        (("3.其他", "0", "1"), ("行政复议", "", "行政诉讼"), None),  # a header: text over numbers
        (("3.其他", "0", "1"), ("", "", ""), None),
        (("3.其他", "0", "1"), ("总计", ""), None),  # other columns: another table
        (("信息内容", "本年制发件数"), ("规章", ""), None),  # nothing above was a number
        (("行政规范性文件", "0", "4"), ("第二十条第(五)项", "", ""), None),  # numbered: a heading
        (("(五)不予处理", "1.信访举报", "0"), ("", "2.重复申请", ""), None),  # numbered: a row
    ],
)
def test_which_page_top_row_is_the_rest_of_the_row_above(row, top, joined) -> None:
    assert row_continued(row, top) == joined


def test_a_page_top_row_with_values_of_its_own_stays_a_row() -> None:
    lines = _table_pages(["(五)不予处理", *"0100001"])
    assert "5.要求行政机关确认或重新出 | 0 | 0 | 1 | 0 | 0 | 0 | 1" in lines
    assert "(五)不予处理 | 0 | 1 | 0 | 0 | 0 | 0 | 1" in lines


# ------------------------------------------------------------ PDFs that LibreOffice Writer exported


@pytest.mark.parametrize("pdf", sorted(LIBREOFFICE.glob("*.pdf")), ids=lambda p: p.stem)
def test_pdfs_exported_by_a_word_processor_give_the_values_of_their_text(pdf: Path) -> None:
    """Generated reports saved as DOCX or HTML and exported to PDF by LibreOffice Writer 7.4 (a
    real layout engine, not our writer): justified and wrapped text, tab stops, tables that break
    across pages. Every value of the text, and no other. See fixtures/libreoffice/README.md."""
    want = _values(read_path(pdf.with_suffix(".txt")).text)
    result = read_path(pdf)
    assert result.status == "ok", result.message
    got = _values(result.text)
    assert got == want, f"lost {sorted(want - got)[:4]}, added {sorted(got - want)[:4]}"
