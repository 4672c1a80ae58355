"""PDF -> text from its text layer (pdfplumber): lines in reading order, wrapped lines rejoined, tables as rows."""

from __future__ import annotations

import io
import re
import statistics
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.readers_base import MB, NUMBER_CELL, Limits, ReadProblem, cell_text, table_row
from pipeline.text import CELL_NUMBER, CELL_RUN, CJK_CLASS, join_wrapped

if TYPE_CHECKING:
    from pdfplumber.container import Container

_STREAM = re.compile(rb"stream\r?\n")
# A line ending this close to the right margin (in character widths) was wrapped by the layout.
WRAP_SLACK_CHARS = 2.0
RIGHT_EDGE_QUANTILE = 0.8
MIN_LINES_FOR_QUANTILE = 10
# Lines shorter than this share of the widest one (headings, a paragraph's last line, cells set as
# lines) say nothing of where the margin is.
WIDE_LINE_SHARE = 0.5
# The next line starting further right than this (in character widths) is an indented new paragraph.
INDENT_CHARS = 0.8
# A space between two Chinese characters of a text line, where the PDF has a space glyph or a gap,
# is mostly not the report's: a line break in the page's source (a browser or word processor printing
# it shows one: "全年无依申 请公开信息"), or letter-spacing ("年 度 报 告"). It splits the words a
# value is read by. But cells of a table set without rules are spaced alike ("信息内容 本年制发件数
# 本年废止件数"), and geometry cannot tell them apart: both are a quarter-em space glyph. Cells are
# names, not sentences: in a line with a sentence's punctuation all such spaces go; in others, those
# of a letter-spaced run and one alone in the line; several stay, as cells.
_CJK_SPACE = re.compile(f"(?<={CJK_CLASS}) (?={CJK_CLASS})")
_SENTENCE_MARK = re.compile("[，。；！？,;]")
_LETTER_SPACED = re.compile(f"(?<!\\S){CJK_CLASS}(?: {CJK_CLASS})+(?!\\S)")


# A row label's last character and the first of its cells, closer than a space: tab stops can leave
# the label flush against the cell ("…禁止公开0 0 0 0 0 0 0"), which then reads as part of it.
_GLUED_CELLS = re.compile(f"(?<={CJK_CLASS[:-1]}”’)])(?={CELL_NUMBER}(?: {CELL_NUMBER}){{2,}}$)")


def cells_apart(line: str) -> str:
    """`line` with a row's cells apart from its label."""
    return _GLUED_CELLS.sub(" ", line)


def cjk_spaces_dropped(line: str) -> str:
    """`line` without the spaces between Chinese characters that are not cell boundaries (see above)."""
    if _SENTENCE_MARK.search(line):
        return _CJK_SPACE.sub("", line)
    line = _LETTER_SPACED.sub(lambda m: m.group().replace(" ", ""), line)
    spaces = _CJK_SPACE.findall(line)
    return _CJK_SPACE.sub("", line) if len(spaces) == 1 else line


def inflated_size(data: bytes, cap: int) -> int:
    """Total size of the PDF's Flate streams once decompressed, counting stops just past `cap`.

    pdfminer inflates streams whole, so a small PDF can demand gigabytes (a decompression bomb);
    measuring first in bounded chunks keeps memory flat.
    """
    total = 0
    for m in _STREAM.finditer(data):
        d = zlib.decompressobj()
        pos = m.end()
        buf = data[pos : pos + MB]
        pos += len(buf)
        try:
            while buf and total <= cap:
                total += len(d.decompress(buf, 4 * MB))
                if d.eof:
                    break
                buf = d.unconsumed_tail
                if not buf:
                    buf = data[pos : pos + MB]
                    pos += len(buf)
        except zlib.error:
            continue  # not Flate (images, plain streams) or damaged: pdfminer will judge
        if total > cap:
            break
    return total


@dataclass
class _Item:
    top: float
    x0: float
    x1: float
    text: str
    is_row: bool  # a table row: never joined with its neighbours
    cells: tuple[str, ...] = ()  # a table row's cells
    height: float = 0.0  # a text line's height: its type size, near enough


def _inside(obj: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    cx = (obj["x0"] + obj["x1"]) / 2
    cy = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _page_items(page: Container) -> tuple[list[_Item], float, float]:
    """A page's text lines and table rows ordered top to bottom, plus its left margin and char width.
    `page` is pdfplumber's (read by pdfminer) or PDFium's (`readers_pdfium.PageLayout`)."""
    from pdfplumber.table import TableFinder, TableSettings
    from pdfplumber.utils import chars_to_textmap

    tables = TableFinder(page, TableSettings.resolve(None)).tables
    boxes = [t.bbox for t in tables]
    chars = [c for c in page.chars if not _inside(c, boxes)] if boxes else page.chars
    x0, top, x1, bottom = page.bbox
    textmap = chars_to_textmap(chars, layout_bbox=page.bbox, layout_width=x1 - x0, layout_height=bottom - top)
    lines = textmap.extract_text_lines(strip=True, return_chars=False)
    items = [
        _Item(
            ln["top"],
            ln["x0"],
            ln["x1"],
            cjk_spaces_dropped(ln["text"]),
            False,
            height=ln["bottom"] - ln["top"],
        )
        for ln in lines
        if ln["text"].strip()
    ]
    for t in tables:
        rows = t.extract()
        step = (t.bbox[3] - t.bbox[1]) / max(len(rows), 1)
        for i, row in enumerate(rows):
            cells = tuple(cell_text(c) for c in row)
            line = table_row(list(cells))
            if line:
                items.append(_Item(t.bbox[1] + i * step, t.bbox[0], t.bbox[2], line, True, cells))
    items.sort(key=lambda it: it.top)
    text_lines = [it for it in items if not it.is_row]
    if not text_lines:
        return items, 0.0, 0.0
    widths = [(it.x1 - it.x0) / len(it.text) for it in text_lines if len(it.text) >= 4]
    char_w = statistics.median(widths) if widths else 10.0
    return items, min(it.x0 for it in text_lines), char_w


# A row's or heading's numbering, in either width (the text is not normalised yet). The table
# parser's own (table_rows._ENUM) reads normalised text and leaves 第…条 to its section rules.
_NUMBERED = re.compile(
    r"\s*(?:第[一二三四五六七八九十百\d]+[条章节项]|[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d{1,2}[.、．](?!\d))"
)


def row_continued(row: tuple[str, ...], top: tuple[str, ...]) -> tuple[str, ...] | None:
    """`row` (the last of a page) with the rest of its cells' text, when `top` (the first row of the
    next page) is that rest: Word and WPS let a row break across pages by default, and a long label
    ("5.要求行政机关确认或重新出" / "具已获取信息") then leaves a row of its own with no values.
    Rest of a row: the same columns, text only in cells that hold text above, and empty where the
    row above has its numbers. None when `top` is a row of its own."""
    if len(row) != len(top) or not any(top):
        return None
    numbers = [bool(c) and NUMBER_CELL.fullmatch(c) is not None for c in row]
    if not any(n and not t for n, t in zip(numbers, top, strict=True)):
        return None
    if any(t and (not r or n) for r, t, n in zip(row, top, numbers, strict=True)):
        return None
    if any(_NUMBERED.match(t) for t in top if t):
        return None  # numbered: a row or a heading of its own ("第二十条第(五)项", "(六)其他处理")
    return tuple(join_wrapped(r, t) if t else r for r, t in zip(row, top, strict=True))


def _right_edge(pages: list[tuple[list[_Item], float, float]]) -> float:
    """The text block's right edge, where the layout wraps lines: one for all `pages` (of one size),
    which share their margins. Left-aligned Chinese leaves ragged ends and punctuation may hang past
    the margin, so a high quantile of the line ends rather than the maximum; of the wide lines only,
    since short ones (headings, cells set as lines) put the edge mid-page where they crowd a page,
    and then no line there was taken as wrapped."""
    lines = [(it, left) for items, left, _ in pages for it in items if not it.is_row]
    # Rows set with tabs end where their numbers do, short of the edge, and a report of many such
    # rows put the edge there.
    spans = [(it.x1, it.x1 - left) for it, left in lines if not _ENDS_IN_CELLS.search(it.text)]
    spans = spans or [(it.x1, it.x1 - left) for it, left in lines]
    if not spans:
        return 0.0
    widest = max(width for _, width in spans)
    ends = sorted(end for end, width in spans if width >= WIDE_LINE_SHARE * widest)
    if len(ends) < MIN_LINES_FOR_QUANTILE:
        return ends[-1]  # too few for a quantile: it would be a paragraph's short last line
    return ends[int(RIGHT_EDGE_QUANTILE * (len(ends) - 1))]


def _wrapped_left(pages: list[tuple[list[_Item], float, float]], right: float) -> float | None:
    """Where the lines after a line that reaches the right edge most often start: the text block's
    left margin, which a paragraph's first line is indented from. The leftmost line of each page
    stood for it, but on a page whose every line opens a paragraph (a list, cells set as lines) that
    is the indent, and a line that happens to fill the width took the next paragraph as its rest.
    None when no line reaches the edge."""
    starts: Counter[int] = Counter()
    for items, _, char_w in pages:
        lines = [it for it in items if not it.is_row]
        for prev, nxt in zip(lines, lines[1:], strict=False):
            # (rows set with tabs that reach the edge are followed by the next row, not their rest)
            if prev.x1 >= right - WRAP_SLACK_CHARS * char_w and not _ENDS_IN_CELLS.search(prev.text):
                starts[round(nxt.x0)] += 1
    if not starts:
        return None
    most = max(starts.values())
    return float(min(x for x, n in starts.items() if n == most))


_Page = tuple[list[_Item], float, float]  # a page's items, left margin and char width
_Pages = tuple[list[_Page], list[tuple[int, int]]]  # the pages, and each one's size (width, height)


def pdf_to_text(data: bytes, limits: Limits) -> tuple[str, list[str]]:
    if inflated_size(data, limits.max_inflated) > limits.max_inflated:
        raise ReadProblem(
            "unsupported",
            f"PDF expands to more than {limits.max_inflated // MB} MB when decompressed (bomb?)",
        )
    read = _pages_by_pdfium(data, limits) or _pages_by_pdfminer(data, limits)
    text, n_tables = _page_text(*read)
    notes = [f"pdf: {len(read[0])} page(s), {n_tables} table row(s)"]
    return _unmapped_checked(text, notes)


def _page_limit(n_pages: int, limits: Limits) -> None:
    if n_pages > limits.max_pages:
        raise ReadProblem("unsupported", f"PDF has {n_pages} pages, over the {limits.max_pages} page limit")


def _pages_by_pdfium(data: bytes, limits: Limits) -> _Pages | None:
    """The pages read by PDFium (fast), or None for a document pdfminer must read (see readers_pdfium)."""
    from pypdfium2 import PdfiumError

    from pipeline.readers_pdfium import Fallback, pdfium_pages

    opened = pdfium_pages(data, limits.max_pages)
    if opened is None:
        return None
    n_pages, layouts = opened
    _page_limit(n_pages, limits)
    pages, sizes = [], []
    try:
        for layout in layouts:
            pages.append(_page_items(layout))
            sizes.append((round(layout.width), round(layout.height)))
    except (Fallback, PdfiumError):
        return None
    return pages, sizes


def _pages_by_pdfminer(data: bytes, limits: Limits) -> _Pages:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            _page_limit(len(pdf.pages), limits)
            pages, sizes = [], []
            for page in pdf.pages:
                pages.append(_page_items(page))
                sizes.append((round(page.width), round(page.height)))
                page.close()  # pdfplumber caches layout per page; free it on long documents
            return pages, sizes
    except ReadProblem:
        raise
    except PDFPasswordIncorrect as e:
        raise ReadProblem("unreadable", "PDF is encrypted (password protected)") from e
    except PdfminerException as e:  # pdfplumber wraps pdfminer's parse errors in this
        cause = e.args[0] if e.args else e
        if isinstance(cause, PDFPasswordIncorrect) or "password" in str(cause).lower():
            raise ReadProblem("unreadable", "PDF is encrypted (password protected)") from e
        raise ReadProblem("unreadable", f"PDF is damaged or truncated: {cause}"[:300]) from e
    except (PDFSyntaxError, PSException, MalformedPDFException) as e:
        raise ReadProblem("unreadable", f"PDF is damaged or truncated: {type(e).__name__}: {e}"[:300]) from e
    except Exception as e:
        if "encrypt" in str(e).lower() or "password" in type(e).__name__.lower():
            raise ReadProblem("unreadable", "PDF is encrypted (password protected)") from e
        raise


def _page_text(pages: list[_Page], sizes: list[tuple[int, int]]) -> tuple[str, int]:
    """The pages' lines in reading order, wrapped lines rejoined and rows broken across pages
    joined, with the number of table rows."""
    # Pages of one size share their margins (a landscape table page has its own).
    margins = {}
    for size in set(sizes):
        alike = [p for p, s in zip(pages, sizes, strict=True) if s == size]
        right = _right_edge(alike)
        margins[size] = (right, _wrapped_left(alike, right))
    out: list[str] = []
    pending: _Item | None = None  # the last text line, possibly continued on the next line
    geometry = (0.0, 0.0, 10.0)
    n_tables = 0
    last_row: _Item | None = None  # the table row last written, if nothing came after it
    for (items, page_left, char_w), size in zip(pages, sizes, strict=True):
        right, wrapped_left = margins[size]
        left = page_left if wrapped_left is None else wrapped_left
        n_tables += sum(1 for it in items if it.is_row)
        for k, it in enumerate(items):
            if it.is_row:
                if pending:
                    out.append(cells_apart(pending.text))
                    pending = None
                if k == 0 and last_row and (cells := row_continued(last_row.cells, it.cells)):
                    last_row = _Item(
                        last_row.top, last_row.x0, last_row.x1, table_row(list(cells)), True, cells
                    )
                    out[-1] = last_row.text
                    n_tables -= 1
                else:
                    out.append(it.text)
                    last_row = it
                continue
            last_row = None
            if pending and _continues(pending, it, geometry, left, char_w):
                joined = join_wrapped(pending.text, it.text)
                pending = _Item(it.top, pending.x0, it.x1, joined, False, height=pending.height)
            else:
                if pending:
                    out.append(cells_apart(pending.text))
                pending = it
            geometry = (left, right, char_w)
    if pending:
        out.append(cells_apart(pending.text))
    return "\n".join(out), n_tables


# pdfminer writes a glyph whose font has no Unicode mapping (no ToUnicode table: common in PDFs
# printed from Chinese word processors) as "(cid:N)". Such text is not the report's text.
_CID = re.compile(r"\(cid:\d+\)")


def _unmapped_checked(text: str, notes: list[str]) -> tuple[str, list[str]]:
    """Refuse a text layer that is mostly unmapped glyphs; mark a few as U+FFFD (a placeholder that
    keeps the words on each side apart, so no number or phrase is made up by joining them)."""
    unmapped = len(_CID.findall(text))
    if not unmapped:
        return text, notes
    readable = len("".join(_CID.sub("", text).split()))
    if unmapped > readable:
        raise ReadProblem(
            "unreadable",
            f"PDF text layer has no Unicode mapping for {unmapped:,} of its characters (fonts embedded "
            "without a ToUnicode table): the text cannot be read without OCR",
        )
    notes.append(f"pdf: {unmapped:,} character(s) without a Unicode mapping shown as \ufffd")
    return _CID.sub("\ufffd", text), notes


# A line may not be broken inside a number or a Latin word, so a line followed by one ends early by
# its width ("…全年接待办事群众约" / "133661人次"): it was still wrapped. Digits and Latin letters
# are about half a Chinese character wide.
_UNBREAKABLE = re.compile(r"[0-9A-Za-z.%,/-]+")
LATIN_CHAR_SHARE = 0.6
# Two lines whose heights differ by more than this share are set in different type.
SAME_TYPE_SHARE = 0.15
# A line ending a sentence ends early because its paragraph does.
_PARAGRAPH_END = tuple("。！？；：!?;:")


def _unbreakable_width(text: str, char_w: float) -> float:
    """The width of the number or Latin word `text` opens with, which the line before had no room for."""
    m = _UNBREAKABLE.match(text)
    if not m or m.end() == len(text.rstrip()):
        return 0.0  # a number alone on its line is a cell set as a line more often than a wrap
    return len(m.group()) * LATIN_CHAR_SHARE * char_w


_NUMBERS_ONLY = re.compile(rf"{CELL_NUMBER}(?:\s+{CELL_NUMBER})*")
# A line ending in two or more numbers apart by spaces: a table row's cells.
_ENDS_IN_CELLS = re.compile(rf"(?:^|\s){CELL_NUMBER}(?:\s+{CELL_NUMBER})+\s*$")


def _continues(
    prev: _Item, nxt: _Item, geometry: tuple[float, float, float], left: float, char_w: float
) -> bool:
    """Was `prev` wrapped by the layout, with `nxt` its continuation (not a new, indented paragraph)?"""
    prev_left, prev_right, prev_w = geometry
    room = prev_right - prev.x1
    reaches_margin = room <= WRAP_SLACK_CHARS * prev_w or (
        not prev.text.endswith(_PARAGRAPH_END)
        and room <= WRAP_SLACK_CHARS * prev_w + _unbreakable_width(nxt.text, prev_w)
    )
    if not reaches_margin or prev_right - prev_left <= 20 * prev_w:
        return False
    # A row of a table set with tabs, not rules: a row that reached the margin goes on in numbers
    # only (at a tab stop, so indented), and the next row opens with its label.
    if _ENDS_IN_CELLS.search(prev.text):
        return _NUMBERS_ONLY.fullmatch(nxt.text.strip()) is not None
    if CELL_RUN.fullmatch(nxt.text.strip()):
        return True
    if _centred_rest(prev, nxt, left, prev_right, char_w):
        return True
    return nxt.x0 <= left + INDENT_CHARS * char_w


def _centred_rest(prev: _Item, nxt: _Item, left: float, right: float, char_w: float) -> bool:
    """Is `nxt` the rest of a centred line (a title of two lines, as official documents set them)?
    It is centred between the margins, in the same type, and `prev` filled the width without ending
    a sentence: "…关于做好 2010" / "年政务公开工作的通知"."""
    if prev.text.endswith(_PARAGRAPH_END) or abs(nxt.height - prev.height) > SAME_TYPE_SHARE * prev.height:
        return False
    indent = nxt.x0 - left
    return indent > INDENT_CHARS * char_w and abs(indent - (right - nxt.x1)) <= char_w
