"""A PDF's pages as pdfplumber sees them (characters, rules), read by PDFium in C rather than pdfminer.

pdfminer parses content streams in Python: ~90% of a PDF's reading time (17 ms a page of a Word
report). PDFium gives the same characters and paths several times faster. Each page becomes a
pdfplumber `Container` holding the objects pdfminer would have made (the same shapes, the same
line/rect/curve rules), so pdfplumber's own table finder and line builder read them unchanged.

Documents PDFium cannot stand in for exactly go back to pdfminer (`None`, `Fallback`): a damaged
cross-reference table (pdfminer judges and words those), a font the PDF does not embed (PDFium's
reading then depends on the machine's fonts), a rotated page, a media box not at the origin, or
rotated or mirrored text.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from collections.abc import Iterator

from pdfplumber.container import Container

# PDFium is not thread-safe; Streamlit reads uploads in its session threads.
_LOCK = threading.Lock()
# Whitespace PDFium may have made up (line ends, gaps it read as spaces); pdfminer only gives glyphs.
_MAYBE_GENERATED = frozenset((0x0A, 0x0D, 0x20, 0x02))
# How far a glyph's box reaches below the baseline, in ems. pdfminer takes each font's /Descent,
# but PDFium's reading of it varies between subsets of one font (-0.07 and +0.57 em in one report
# exported by Writer), which set the cells of a row at different heights and scrambled their text.
# One value for all fonts keeps a line's glyphs level; -0.12 em is a CJK font's (SimSun -0.14,
# Noto CJK -0.12), and a box a point off moves no glyph's centre out of its cell.
DESCENT_EM = -0.12


class PageLayout(Container):
    """One page's objects in pdfplumber's form: "char", "line", "rect", "curve" lists of dicts."""

    cached_properties = ["_rect_edges", "_curve_edges", "_edges"]

    def __init__(self, objects: dict[str, list[dict]], width: float, height: float) -> None:
        self._page_objects = objects
        self.bbox = (0.0, 0.0, width, height)
        self.width = width
        self.height = height

    @property
    def objects(self) -> dict[str, list[dict]]:
        return self._page_objects


class Fallback(Exception):
    """This document needs pdfminer (see the module's docstring)."""


def pdfium_pages(data: bytes, max_pages: int) -> tuple[int, Iterator[PageLayout]] | None:
    """(page count, the pages one at a time), or None when pdfminer must read `data`.

    The count comes first so the caller can refuse a document over its page limit unread. A page
    that turns out to need pdfminer raises `Fallback` from the iterator."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    with _LOCK:
        _without_system_fonts()
        try:
            doc = pdfium.PdfDocument(data)
        except Exception:
            return None  # encrypted, damaged, not a PDF: pdfminer says which
        if not raw.FPDF_DocumentHasValidCrossReferenceTable(doc.raw):
            doc.close()
            return None
        n_pages = len(doc)
    if n_pages > max_pages:
        doc.close()
        return n_pages, iter(())

    def pages() -> Iterator[PageLayout]:
        try:
            for i in range(n_pages):
                with _LOCK:
                    layout = _page_layout(doc, i)
                yield layout
        finally:
            with _LOCK:
                doc.close()

    return n_pages, pages()


@functools.lru_cache(maxsize=1)  # once a process (test_memo: every cache bounded)
def _without_system_fonts() -> None:
    """Stop PDFium from looking for installed fonts to stand in for those a PDF names but does not
    embed. The search loaded a CJK font file (tens of MB) for each such document, 21 ms of its first
    page's 25, and what PDFium then read depended on the fonts the machine has: without a CJK one it
    dropped characters ("申请人情况" read "申请人情"). Pages with such fonts go to pdfminer, which
    reads them from the PDF alone (see `_objects`). Global to the process: nothing here draws."""
    import pypdfium2.raw as raw

    raw.FPDF_SetSystemFontInfo(None)


def _page_layout(doc, index: int) -> PageLayout:  # noqa: ANN001 (pypdfium2's PdfDocument)
    import pypdfium2.raw as raw

    page = doc[index]
    try:
        if raw.FPDFPage_GetRotation(page.raw) != 0:
            raise Fallback("rotated page")
        left, bottom, right, top = page.get_mediabox()
        if left != 0 or bottom != 0:
            raise Fallback("media box not at the origin")
        width, height = right - left, top - bottom
        objects = _objects(page.raw, height)
        textpage = page.get_textpage()
        try:
            chars = _chars(textpage.raw, height)
        finally:
            textpage.close()
        objects["char"] = chars
        return PageLayout(objects, width, height)
    finally:
        page.close()


def _chars(textpage, height: float) -> list[dict]:  # noqa: ANN001 (a ctypes pointer)
    """The page's glyphs as pdfminer's LTChar dicts: from the origin along the advance, and from a
    fixed descent below the baseline to one em above it (see DESCENT_EM)."""
    import pypdfium2.raw as raw

    get_unicode = raw.FPDFText_GetUnicode
    is_generated = raw.FPDFText_IsGenerated
    map_error = raw.FPDFText_HasUnicodeMapError
    get_origin = raw.FPDFText_GetCharOrigin
    get_box = raw.FPDFText_GetLooseCharBox
    get_matrix = raw.FPDFText_GetMatrix
    get_size = raw.FPDFText_GetFontSize
    x, y = ctypes.c_double(), ctypes.c_double()
    box, matrix = raw.FS_RECTF(), raw.FS_MATRIX()
    chars = []
    for i in range(raw.FPDFText_CountChars(textpage)):
        code = get_unicode(textpage, i)
        if code in _MAYBE_GENERATED and is_generated(textpage, i):
            continue
        get_matrix(textpage, i, matrix)
        if matrix.b != 0 or matrix.c != 0 or matrix.a <= 0 or matrix.d <= 0:
            if is_generated(textpage, i):
                continue  # PDFium's own, with no glyph behind it (so no matrix)
            raise Fallback("rotated or mirrored text")
        size = get_size(textpage, i) * matrix.d
        get_origin(textpage, i, x, y)
        get_box(textpage, i, box)
        low = y.value + DESCENT_EM * size
        bottom_ = height - low
        top_ = bottom_ - size
        # pdfminer writes a glyph without a Unicode mapping as "(cid:N)"; PDFium passes its code
        # off as a character, which would read as Chinese.
        text = f"(cid:{code})" if map_error(textpage, i) else chr(code)
        chars.append(
            {
                "object_type": "char",
                "text": text,
                "x0": box.left,
                "x1": box.right,
                "y0": low,
                "y1": low + size,
                "top": top_,
                "bottom": bottom_,
                "doctop": top_,
                "width": box.right - box.left,
                "height": size,
                "size": size,
                "upright": True,
            }
        )
    return chars


def _objects(page, height: float) -> dict[str, list[dict]]:  # noqa: ANN001 (a ctypes pointer)
    """The page's painted paths, sorted as pdfminer sorts them into lines, rects and curves.
    Raises Fallback for text in a font the PDF does not embed (see `_without_system_fonts`)."""
    import pypdfium2.raw as raw

    objects: dict[str, list[dict]] = {"line": [], "rect": [], "curve": []}
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack = [(raw.FPDFPage_GetObject(page, i), identity) for i in range(raw.FPDFPage_CountObjects(page))]
    matrix = raw.FS_MATRIX()
    while stack:
        obj, outer = stack.pop()
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_FORM:
            raw.FPDFPageObj_GetMatrix(obj, matrix)
            inner = _compose(_tuple(matrix), outer)
            stack.extend(
                (raw.FPDFFormObj_GetObject(obj, j), inner) for j in range(raw.FPDFFormObj_CountObjects(obj))
            )
        elif kind == raw.FPDF_PAGEOBJ_TEXT:
            if not raw.FPDFFont_GetIsEmbedded(raw.FPDFTextObj_GetFont(obj)):
                raise Fallback("a font not embedded")
        elif kind == raw.FPDF_PAGEOBJ_PATH:
            raw.FPDFPageObj_GetMatrix(obj, matrix)
            for kind_, shape in _shapes(obj, _compose(_tuple(matrix), outer), height):
                objects[kind_].append(shape)
    return objects


def _tuple(m) -> tuple[float, float, float, float, float, float]:  # noqa: ANN001
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, float, float, float, float, float]:
    """m then n (PDF's row-vector convention: m × n)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _shapes(path, m: tuple[float, ...], height: float) -> Iterator[tuple[str, dict]]:  # noqa: ANN001
    """pdfminer's reading of one path object (converter.PDFLayoutAnalyzer.paint_path): each subpath
    of a single segment is a line, of an axis-aligned closed four is a rect, of anything else a
    curve through its segments' end points. Unpainted paths are not drawn, so not read."""
    import pypdfium2.raw as raw

    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not raw.FPDFPath_GetDrawMode(path, fill, stroke) or (fill.value == 0 and not stroke.value):
        return
    a, b, c, d, e, f = m
    px, py = ctypes.c_float(), ctypes.c_float()
    subpaths: list[list[tuple[str, tuple[float, float]]]] = []
    pending_bezier = 0
    for k in range(raw.FPDFPath_CountSegments(path)):
        segment = raw.FPDFPath_GetPathSegment(path, k)
        raw.FPDFPathSegment_GetPoint(segment, px, py)
        point = (a * px.value + c * py.value + e, b * px.value + d * py.value + f)
        kind = raw.FPDFPathSegment_GetType(segment)
        if kind == raw.FPDF_SEGMENT_MOVETO or not subpaths:
            subpaths.append([("m", point)])
            pending_bezier = 0
        elif kind == raw.FPDF_SEGMENT_BEZIERTO:
            pending_bezier += 1
            if pending_bezier == 3:  # two control points, then the end point: one "c"
                subpaths[-1].append(("c", point))
                pending_bezier = 0
        else:
            subpaths[-1].append(("l", point))
        if raw.FPDFPathSegment_GetClose(segment):
            subpaths[-1].append(("h", subpaths[-1][0][1]))
    for ops in subpaths:
        if len(ops) < 2:
            continue
        shape = "".join(op for op, _ in ops)
        pts = [p for _, p in ops]
        if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
            shape = shape[:-2] + "h"
            pts.pop()
        if shape in ("mlh", "ml"):
            yield "line", _shape_dict("line", pts[:2], height)
        elif shape in ("mlllh", "mllll"):
            (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
            square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
                y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
            )
            if pts[0] == pts[4] and square:
                yield "rect", _shape_dict("rect", pts, height)
            else:
                yield "curve", _shape_dict("curve", pts, height)
        else:
            yield "curve", _shape_dict("curve", pts, height)


def _shape_dict(kind: str, pts: list[tuple[float, float]], height: float) -> dict:
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    shape = {
        "object_type": kind,
        "x0": x0,
        "x1": x1,
        "y0": y0,
        "y1": y1,
        "top": height - y1,
        "bottom": height - y0,
        "doctop": height - y1,
        "width": x1 - x0,
        "height": y1 - y0,
    }
    if kind == "curve":
        shape["pts"] = [(px, height - py) for px, py in pts]
    return shape
