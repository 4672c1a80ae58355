"""HTML page -> its main text: page furniture dropped, paragraphs as lines, table rows as ' | ' lines."""

from __future__ import annotations

import re

from lxml import etree, html

from pipeline.readers_base import ReadProblem, table_row
from pipeline.readers_decode import Decoded, decode_text
from pipeline.text import is_cjk

# Elements that never hold report text.
DROP_TAGS: frozenset[str] = frozenset(
    [
        "script",
        "style",
        "noscript",
        "iframe",
        "frame",
        "frameset",
        "svg",
        "canvas",
        "template",
        "object",
        "embed",
        "applet",
        "select",
        "option",
        "button",
        "input",
        "textarea",
        "nav",
        "footer",
        "aside",
        "head",
        "map",
        "audio",
        "video",
    ]
)
# class/id words (split on space, '-' and '_') marking navigation, sharing and footer blocks.
NOISE_WORDS: frozenset[str] = frozenset(
    [
        "nav",
        "navbar",
        "navigation",
        "menu",
        "menubar",
        "submenu",
        "breadcrumb",
        "breadcrumbs",
        "crumb",
        "crumbs",
        "footer",
        "foot",
        "copyright",
        "share",
        "bdshare",
        "sharebox",
        "sidebar",
        "sidenav",
        "topbar",
        "toolbar",
        "login",
        "search",
        "friendlink",
        "qrcode",
        "ewm",
        "erweima",
        "advert",
        "ads",
        "banner",
    ]
)
# A block with at least this many links, whose text is mostly link text, is a menu or link list.
LINK_DENSE_MIN_LINKS = 4
LINK_DENSE_SHARE = 0.7
# Never drop a block holding this share of the page's text: a badly named wrapper, not furniture.
MAX_DROP_SHARE = 0.5

BLOCK_TAGS: frozenset[str] = frozenset(
    [
        "address",
        "article",
        "blockquote",
        "body",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
        "caption",
    ]
)

_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-]+)", re.I)
# Declared charsets that are subsets of what is actually used on Chinese sites.
CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs"}
_WS = re.compile(r"[ \t\r\n\f\v]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def decode_html(data: bytes) -> Decoded:
    """Trust a BOM, then the declared <meta charset> if it decodes cleanly, else detect."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        m = _META_CHARSET.search(data[:4096])
        if m:
            declared = m.group(1).decode("ascii").lower()
            codec = CHARSET_ALIASES.get(declared, declared)
            try:
                return Decoded(data.decode(codec), codec, [f"encoding {codec} (declared {declared})"])
            except (UnicodeDecodeError, LookupError):
                found = decode_text(data)
                found.notes.append(f"declared charset {declared} is wrong; read as {found.encoding}")
                return found
    return decode_text(data)


def _classes(el) -> set[str]:
    words = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return set(re.split(r"[\s\-_]+", words)) - {""}


def _text_len(el) -> int:
    """Visible characters under an element, whitespace not counted."""
    return sum(len("".join(t.split())) for t in el.itertext())


def _is_furniture(el, total: int) -> str | None:
    """Why this element is page furniture (a rule id), or None."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in DROP_TAGS:
        return f"html-tag-{tag}"
    style = (el.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style or el.get("hidden") is not None:
        return "html-hidden"
    if tag == "header" and not any(a.tag in ("article", "main") for a in el.iterancestors()):
        return "html-site-header"
    if _classes(el) & NOISE_WORDS:
        return "html-noise-class"
    if tag in ("ul", "ol", "div", "table", "p", "td", "dl", "span"):
        links = el.findall(".//a")
        if len(links) >= LINK_DENSE_MIN_LINKS:
            link_chars = sum(len("".join("".join(a.itertext()).split())) for a in links)
            own = _text_len(el)
            if own and link_chars / own >= LINK_DENSE_SHARE:
                return "html-link-dense"
    return None


def _drop_furniture(root, notes: list[str]) -> None:
    total = _text_len(root) or 1
    dropped: dict[str, int] = {}
    stack = list(root)
    while stack:  # iterative: hostile pages nest deeper than Python's recursion limit
        el = stack.pop()
        rule = _is_furniture(el, total) if isinstance(el.tag, str) else None
        if rule and (rule.startswith("html-tag") or _text_len(el) <= MAX_DROP_SHARE * total):
            dropped[rule] = dropped.get(rule, 0) + 1
            _remove_keep_tail(el)
        else:
            stack.extend(el)
    if dropped:
        notes.append("html furniture removed: " + ", ".join(f"{k} x{v}" for k, v in sorted(dropped.items())))


def _remove_keep_tail(el) -> None:
    """Remove an element but keep the text that follows it (lxml stores it on the element)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _collapse(s: str) -> str:
    """HTML whitespace rules, with CSS's East Asian exception: a line break between two CJK
    characters disappears instead of becoming a space ('548786\\n件' is one word)."""

    def repl(m: re.Match) -> str:
        ws, start, end = m.group(0), m.start(), m.end()
        if "\n" in ws and start > 0 and end < len(s) and (is_cjk(s[start - 1]) or is_cjk(s[end])):
            return ""
        return " "

    return _WS.sub(repl, s)


class _Writer:
    """Accumulates inline text into lines; block boundaries end the current line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.buf: list[str] = []

    def inline(self, s: str | None) -> None:
        if s:
            self.buf.append(s)

    def newline(self) -> None:
        line = _collapse("".join(self.buf)).strip()
        if line:
            self.lines.append(line)
        self.buf = []

    def raw_line(self, line: str) -> None:
        self.newline()
        if line:
            self.lines.append(line)


def _inline_text(el) -> str:
    """A cell's text on one line: <br> and block children become spaces. Iterative: a cell may
    nest deeper than Python's recursion limit."""
    parts: list[str] = []
    stack: list = [el]  # elements to open, and strings to write, in reverse order
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        if item.text:
            parts.append(item.text)
        for child in reversed(item):
            if child.tail:
                stack.append(child.tail)
            if isinstance(child.tag, str):
                block = child.tag in BLOCK_TAGS
                if block:
                    stack.append("\n")
                stack.append(child)
                if child.tag == "br" or block:
                    stack.append("\n")
    return _collapse("".join(parts))


def _rows(table) -> list:
    """The table's own rows (not those of tables nested in its cells)."""
    return [tr for tr in table.iter("tr") if next(tr.iterancestors("table"), None) is table]


def _cells(tr) -> list:
    return [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]


def _is_layout_table(table) -> bool:
    """Tables used to lay out a page (nested tables, or one cell per row holding paragraphs)."""
    if table.find(".//table") is not None:
        return True
    rows = _rows(table)
    return bool(rows) and all(len(_cells(tr)) <= 1 for tr in rows)


def _walk(root, out: _Writer) -> None:
    """Write the text under `root` to `out`: blocks as lines, standard tables as row lines.
    Iterative (a stack of steps): a page of unclosed tags nests up to 2,048 levels deep."""
    stack: list[tuple[str, object]] = [("open", root)]
    while stack:
        step, item = stack.pop()
        if step == "text":
            out.inline(item)
        elif step == "newline":
            out.newline()
        else:
            _open(item, out, stack)


def _open(el, out: _Writer, stack: list) -> None:
    """Write an element's own text and queue its children, tails and closing line break."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag == "table" and not _is_layout_table(el):
        out.newline()
        for caption in el.findall("caption"):
            out.raw_line(_inline_text(caption).strip())
        for tr in _rows(el):
            out.raw_line(table_row([_inline_text(c) for c in _cells(tr)]))
        out.newline()
        return
    block = tag in BLOCK_TAGS or tag in ("td", "th")
    if block:
        out.newline()
        stack.append(("newline", None))
    out.inline(el.text)
    for child in reversed(el):
        stack.append(("text", child.tail))
        if isinstance(child.tag, str):
            stack.append(("newline", None) if child.tag == "br" else ("open", child))


# libxml2 stops building the tree at 2,048 levels (256 without huge_tree) and drops everything
# below: a page whose paragraphs each leave a <font> open lost all but its first 127 (the read
# still said ok). Past the limit, the page is parsed again without its inline formatting tags.
_INLINE_TAG = re.compile(r"</?(?:font|span|b|i|u|s|strong|em|small|big|strike|sup|sub)(?:\s[^<>]*)?/?>", re.I)
TOO_DEEP_NOTE = (
    "HTML nested deeper than 2,048 levels (unclosed tags): read again without its inline "
    "formatting tags (font, span, b ...), so hidden text inside them is not recognised as hidden"
)
STILL_TOO_DEEP_NOTE = "HTML still nested deeper than 2,048 levels: the text below that depth is not read"


def _parse(text: str):
    """(root, whether libxml2 stopped at its depth limit)."""
    parser = html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    root = html.document_fromstring(text.encode("utf-8", errors="replace"), parser=parser)
    too_deep = any(
        e.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in e.message for e in parser.error_log
    )
    return root, too_deep


# Page titles that name the kind of page, not the report: added as its first line, "报告正文" read as
# a report's title and a notice became a work summary.
GENERIC_PAGE_TITLES = frozenset(
    {
        "正文",
        "报告正文",
        "文章正文",
        "详细信息",
        "信息详情",
        "详情",
        "详情页",
        "内容页",
        "文章详情",
        "查看详情",
        "信息公开",
        "政府信息公开",
        "政务公开",
        "首页",
        "网站首页",
        "无标题文档",
        "新建网页",
    }
)
MIN_TITLE_CHARS = 6


def _is_title(title: str) -> bool:
    return len(title) >= MIN_TITLE_CHARS and title not in GENERIC_PAGE_TITLES


def html_to_text(data: bytes) -> tuple[str, list[str]]:
    decoded = decode_html(data)
    notes = list(decoded.notes)
    # lxml refuses control characters in text nodes; they are never content anyway.
    text = _CONTROL.sub("", decoded.text.lstrip("\ufeff"))
    if not text.strip():
        raise ReadProblem("empty", "HTML file is empty")
    try:
        root, too_deep = _parse(text)
        if too_deep:  # unclosed <font>, <b> ...: each paragraph one level deeper
            root, too_deep = _parse(_INLINE_TAG.sub("", text))
            notes.append(TOO_DEEP_NOTE)
            if too_deep:
                notes.append(STILL_TOO_DEEP_NOTE)
    except (etree.ParserError, ValueError) as e:
        raise ReadProblem("unreadable", f"HTML could not be parsed: {e}") from e
    title_el = root.find(".//title")
    title = " ".join("".join(title_el.itertext()).split()) if title_el is not None else ""
    _drop_furniture(root, notes)
    out = _Writer()
    body = root.find("body")
    _walk(body if body is not None else root, out)
    out.newline()
    lines = out.lines
    # The page title usually repeats the report's title; keep it when the body does not.
    head_title = re.split(r"\s*[_|｜]\s*|\s+-\s+", title)[0].strip() if title else ""
    if STILL_TOO_DEEP_NOTE in notes and not any(lines):  # (a page title alone is not its text)
        raise ReadProblem("unreadable", STILL_TOO_DEEP_NOTE)
    if _is_title(head_title) and not any(head_title in line for line in lines[:30]):
        lines.insert(0, head_title)
        notes.append("page <title> added as first line")
    return "\n".join(lines), notes
