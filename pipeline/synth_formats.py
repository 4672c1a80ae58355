"""Reports written in the formats agencies publish, from their plain text: for property tests of
the readers, and for generated corpora in several formats (python -m pipeline.synth --formats).

Paragraphs are the text's lines; runs of '|'-flattened lines become tables. PDF needs reportlab and
DOCX python-docx, both test packages (requirements-dev.txt): a real writer, not ours, so that the
readers are checked against files they did not shape.
"""

from __future__ import annotations

import html as htmlmod
import io
import quopri
import re
from collections.abc import Callable

from pipeline.text import is_cjk

SEPARATOR_ROW = re.compile(r"^[\s|:\-]*$")


def blocks(text: str) -> list[tuple[str, list]]:
    """The seed as ('p', line) paragraphs and ('table', rows) runs of '|'-flattened lines."""
    out: list[tuple[str, list]] = []
    for line in text.split("\n"):
        if "|" in line:
            if SEPARATOR_ROW.match(line):
                continue  # markdown '---|---' rule or a bare '|': no cells
            cells = [c.strip() for c in line.strip().removesuffix("|").split("|")]
            if out and out[-1][0] == "table":
                out[-1][1].append(cells)
            else:
                out.append(("table", [cells]))
        elif line.strip():
            out.append(("p", line.strip()))
    return out


def make_html(text: str, charset: str = "utf-8") -> bytes:
    """A government-site page: menus, breadcrumb, share bar, QR prompt and footer around the report."""
    body = []
    for kind, content in blocks(text):
        if kind == "p":
            # a source line break between two Chinese characters, as editors leave them
            mid = range(len(content) // 2, len(content))
            cut = next((i for i in mid if is_cjk(content[i - 1]) and is_cjk(content[i])), 0)
            body.append(f"<p>{htmlmod.escape(content[:cut])}\n{htmlmod.escape(content[cut:])}</p>")
        else:
            rows = "".join(
                "<tr>" + "".join(f"<td>{htmlmod.escape(c)}</td>" for c in row) + "</tr>" for row in content
            )
            body.append(f'<table border="1">{rows}</table>')
    menu = "".join(
        f'<li><a href="/{i}">{t}</a></li>' for i, t in enumerate(["首页", "政务公开", "政务服务", "互动交流"])
    )
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>报告正文_某某区人民政府门户网站</title><style>.x{{color:red}}</style>
<script>var tracker = "共受理999件";</script></head>
<body><div class="top-nav"><ul>{menu}</ul></div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a>政务公开</a></div>
<div id="zoom" class="article-content">{"".join(body)}</div>
<div class="bdshare">分享到：<a>微信</a><a>微博</a><a>QQ空间</a><a>人人网</a></div>
<p>扫一扫在手机打开当前页</p><p>【打印本页】【关闭窗口】</p>
<div class="footer">版权所有：某某区人民政府办公室 鲁ICP备05001918号 网站标识码3703000001</div>
</body></html>"""
    return page.encode(charset if charset != "gb2312" else "gb18030")


def make_pdf(text: str) -> bytes:
    """Paragraphs with a two-character first-line indent (as Chinese reports are set) and ruled tables."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle(
        "cn", fontName="STSong-Light", fontSize=11, leading=16, wordWrap="CJK", firstLineIndent=22
    )
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=9, leading=12, wordWrap="CJK")
    story = []
    for kind, content in blocks(text):
        if kind == "p":
            story.append(Paragraph(htmlmod.escape(content), style))
        else:
            width = max(len(r) for r in content)
            rows = [
                [Paragraph(htmlmod.escape(c), cell) for c in r] + [""] * (width - len(r)) for r in content
            ]
            table = Table(rows, colWidths=[450 / width] * width)  # wide tables must still fit A4
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")]))
            story.append(table)
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, pageCompression=1).build(story)  # Flate streams, like real PDFs
    return buf.getvalue()


# Type and page as GB/T 9704 sets official documents (公文): 3号 (16 pt) FangSong body, 2号 (22 pt)
# title centred, about 28 characters a line; tables in 五号 (10.5 pt).
GONGWEN = {
    "body_pt": 16,
    "title_pt": 22,
    "table_pt": 10.5,
    "face": "FangSong",
    "margins_mm": (37, 26, 35, 28),
}
_TITLE_WORDS = ("报告", "通知", "总结")


def make_docx(text: str, merge_groups: bool = False, gongwen: bool = False) -> bytes:
    """Set as Chinese reports are: paragraphs justified with a two-character first-line indent, in a
    Song typeface at 12 pt, and ruled tables (python-docx's default table style has no rules).
    With `merge_groups`, as the official 2019 template sets its tables: a short row (its group's label
    given once, on the group's first row) is right-aligned, and its blank first cells are merged into
    the label above, centred across the group's rows. With `gongwen`, as an official document: see
    GONGWEN; the first title-like paragraph is the centred title, which wraps onto a second line."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    body_pt = GONGWEN["body_pt"] if gongwen else 12
    normal.font.size = Pt(body_pt)
    face = GONGWEN["face"] if gongwen else "SimSun"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face)
    if gongwen:
        section = document.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        top, right, bottom, left = GONGWEN["margins_mm"]
        section.top_margin, section.right_margin = Mm(top), Mm(right)
        section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)
    title_pending = gongwen
    for kind, content in blocks(text):
        if kind == "p":
            paragraph = document.add_paragraph(content)
            if title_pending and len(content) < 60 and any(w in content for w in _TITLE_WORDS):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                paragraph.runs[0].font.size = Pt(GONGWEN["title_pt"])
                title_pending = False
                continue
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.paragraph_format.first_line_indent = Pt(2 * body_pt)
        else:
            width = max(len(r) for r in content)
            table = document.add_table(rows=len(content), cols=width)
            table.style = "Table Grid"
            for r, row in enumerate(content):
                shift = width - len(row) if merge_groups else 0
                for c, value in enumerate(row):
                    cell = table.cell(r, shift + c)
                    cell.text = value
                    if gongwen:
                        for run in cell.paragraphs[0].runs:
                            run.font.size = Pt(GONGWEN["table_pt"])
            if merge_groups:
                _merge_groups(table, content, width)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _merge_groups(table, rows: list[list[str]], width: int) -> None:
    """Merge each right-aligned short row's blank leading cells into the filled cell above them."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    for c in range(width):
        r = 0
        while r < len(rows):
            end = r
            while end + 1 < len(rows) and width - len(rows[end + 1]) > c:
                end += 1  # the next row is blank in column c
            if end > r and table.cell(r, c).text:
                table.cell(r, c).merge(
                    table.cell(end, c)
                ).vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            r = end + 1


def rtf_escape(s: str) -> str:
    """Chinese as GBK bytes in \\'xx escapes (what Word writes), anything else GBK lacks as \\uN?."""
    out = []
    for ch in s:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ord(ch) < 0x80:
            out.append(ch)
        else:
            try:
                out.append("".join(f"\\'{b:02x}" for b in ch.encode("gbk")))
            except UnicodeEncodeError:
                code = ord(ch) if ord(ch) < 0x8000 else ord(ch) - 0x10000
                out.append(f"\\u{code}?")
    return "".join(out)


def make_rtf(text: str) -> bytes:
    parts = [r"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 \'cb\'ce\'cc\'e5;}}\f0\fs24 "]
    for kind, content in blocks(text):
        if kind == "p":
            parts.append(r"\pard " + rtf_escape(content) + r"\par" + "\n")
        else:
            for row in content:
                cells = "".join(rf"\pard\intbl {rtf_escape(c)}\cell " for c in row)
                parts.append(
                    r"\trowd "
                    + "".join(rf"\cellx{1500 * (i + 1)}" for i in range(len(row)))
                    + cells
                    + r"\row"
                    + "\n"
                )
    parts.append("}")
    return "".join(parts).encode("ascii")


def make_mht(text: str) -> bytes:
    """Word's "single file web page": the page as quoted-printable GB2312 in a MIME archive, with
    an image part after it (what Chinese sites often attach under a .doc name)."""
    page = quopri.encodestring(make_html(text, "gb2312")).decode("ascii")
    return (
        'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_NextPart_01D9"\r\n\r\n'
        "This document is a Single File Web Page, also known as a Web Archive file.\r\n\r\n"
        "------=_NextPart_01D9\r\nContent-Location: file:///C:/report.htm\r\n"
        'Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset="gb2312"\r\n\r\n'
        f"{page}\r\n\r\n------=_NextPart_01D9\r\nContent-Location: file:///C:/image001.png\r\n"
        "Content-Transfer-Encoding: base64\r\nContent-Type: image/png\r\n\r\niVBORw0KGgo=\r\n\r\n"
        "------=_NextPart_01D9--\r\n"
    ).encode("ascii")


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


# format -> (file extension, writer); the extension is what a site serves it as
WRITERS: dict[str, tuple[str, Callable[[str], bytes]]] = {
    "txt": ("txt", _utf8),
    "html": ("html", make_html),
    "gbk-html": ("htm", lambda t: make_html(t, "gb2312")),
    "mht": ("mht", make_mht),
    "rtf": ("rtf", make_rtf),
    "docx": ("docx", make_docx),
    "pdf": ("pdf", make_pdf),
}
# The writers that need a test package, and which.
NEEDS = {"docx": "docx", "pdf": "reportlab"}


def missing_package(formats: list[str] | tuple[str, ...]) -> str | None:
    """The first package a writer of `formats` needs and this environment lacks, or None."""
    import importlib.util

    for f in formats:
        module = NEEDS.get(f)
        if module and importlib.util.find_spec(module) is None:
            return module
    return None
