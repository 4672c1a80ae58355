"""Web page noise (share/print/close buttons, QR prompts, footers) removed by line-level rules kept as data."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

from .memo import MEMO_SIZE

# Phrases that are page furniture, never report content. A line made ONLY of these (plus brackets and
# separators) is dropped; a line that also says anything else is kept.
NOISE_PHRASES: tuple[tuple[str, str], ...] = (
    ("bp-qr", "扫一扫在手机打开当前页"),
    ("bp-qr", "扫一扫在手机上查看当前页面"),
    ("bp-qr", "手机扫一扫"),
    ("bp-qr", "扫一扫"),
    ("bp-qr", "微信扫一扫"),
    ("bp-print", "打印本页"),
    ("bp-print", "打印此页"),
    ("bp-print", "打印文章"),
    ("bp-print", "打印"),
    ("bp-close", "关闭窗口"),
    ("bp-close", "关闭本页"),
    ("bp-close", "关闭"),
    ("bp-share", "分享到"),
    ("bp-share", "分享"),
    ("bp-share", "微信"),
    ("bp-share", "微博"),
    ("bp-share", "新浪微博"),
    ("bp-share", "腾讯微博"),
    ("bp-share", "QQ空间"),
    ("bp-share", "QQ好友"),
    ("bp-share", "人人网"),
    ("bp-save", "保存本页"),
    ("bp-save", "收藏本页"),
    ("bp-save", "加入收藏"),
    ("bp-save", "收藏"),
    ("bp-top", "返回顶部"),
    ("bp-top", "回到顶部"),
    ("bp-top", "返回首页"),
    ("bp-top", "返回上一页"),
    ("bp-top", "返回"),
    ("bp-font", "字体"),
    ("bp-font", "字号"),
    ("bp-font", "大 中 小"),
    ("bp-font", "大中小"),
    ("bp-font", "默认"),
)

# Separators that may sit between the phrases on a noise line.
_FILLER = re.compile(r"[\s【】\[\]（）()<>《》|｜:：,，、/·•>»\-–—_]+")

# The entries of government sites' menus.
_MENU = "网站首页|首页|政务公开|政府信息公开|信息公开|政务服务|网上办事|办事服务|互动交流|政民互动|新闻中心|新闻动态|数据开放"

# Whole-line patterns (matched on the NFKC, space-squeezed line).
LINE_RULES: tuple[tuple[str, str, str], ...] = (
    ("bp-page-number", r"[-—–]\s*\d{1,4}\s*[-—–]", "page number like '- 3 -'"),
    (
        "bp-page-number",
        r"第\s*\d{1,4}\s*页(\s*[,，/]?\s*共\s*\d{1,4}\s*页)?",
        "page number like '第 3 页 共 9 页'",
    ),
    (
        "bp-font-size",
        r"【?\s*字[体号]\s*[:：]?\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中\s*[】\]]?\s*[【\[]?\s*小\s*[】\]]?\s*】?",
        "font size switch",
    ),
    (
        "bp-breadcrumb",
        r"(当前位置|您的位置|你的位置|您现在的位置|当前所在位置)\s*[:：].*",
        "breadcrumb trail",
    ),
    (
        "bp-breadcrumb",
        r"(网站)?首页\s*([>»›/|]\s*[^>»›/|]{1,20}\s*){1,8}",
        "breadcrumb or menu starting at the home page",
    ),
    (
        "bp-menu",
        rf"(?:[•·▪◆■]\s*(?:{_MENU})\s*)+|(?:{_MENU})(?:\s*[|｜/]?\s*(?:{_MENU})){{1,}}",
        "a site's menu, as a browser prints the page: bulleted items, or several on a line (one alone "
        "may be a report's heading, and headings give later sentences their context)",
    ),
    ("bp-views", r"(浏览|阅读|点击|访问)(次数|量|数)?\s*[:：]\s*\d*\s*", "view counter"),
    ("bp-prev-next", r"(上一篇|下一篇|上一条|下一条)\s*[:：].*", "links to neighbouring articles"),
    (
        "bp-footer",
        r".{0,60}(版权所有|Copyright|©|ICP备|公网安备|网站标识码|网站地图|技术支持\s*[:：]).{0,80}",
        "site footer",
    ),
    ("bp-footer", r"(主办单位|承办单位|主办|承办|维护单位)\s*[:：].{0,60}", "site owner line"),
)

# A number with a unit could be a metric: a line holding one is never removed, whatever rule matched.
METRIC_GUARD = re.compile(
    r"\d[\d,.]*\s*(万|亿|余|多)?\s*(件次|人次|件|条|篇|次|元|个|项|%|家|户|份|场|期|批|人|张|台|套|宗|起|天|亩|名|位)"
)

# Bracketed buttons inside a line that also holds content, e.g. "发布日期:2019-03-25 【打印本页】【关闭窗口】".
INLINE_RULES: tuple[tuple[str, str], ...] = (
    (
        "bp-inline-button",
        r"[【\[]\s*(打印本页|打印此页|打印|关闭窗口|关闭本页|关闭|保存本页|收藏本页|加入收藏|返回顶部|分享到)\s*[】\]]",
    ),
    ("bp-inline-qr", r"扫一扫在手机打开当前页|扫一扫在手机上查看当前页面"),
    ("bp-inline-font", r"【\s*字[体号]\s*[:：]?\s*大\s*中\s*小\s*】"),
)

_LINE_RULES = [(rule, re.compile(pattern, re.I)) for rule, pattern, _why in LINE_RULES]
_INLINE_RULES = [(rule, re.compile(pattern)) for rule, pattern in INLINE_RULES]
# Longest phrases first, so "关闭窗口" is consumed before "关闭".
_PHRASES = sorted(NOISE_PHRASES, key=lambda row: -len(row[1]))

# Speed (most lines are content): the line rules as ONE alternation tried in table order, so a
# fullmatch finds the first rule that matches the whole line, as the loop over the rows would; and one
# search that tells whether any noise phrase occurs at all (when none does, the phrase rule cannot fire).
_ANY_LINE_RULE = re.compile(
    "|".join(f"(?P<r{i}>{pattern})" for i, (_rule, pattern, _why) in enumerate(LINE_RULES)), re.I
)
_ANY_INLINE = re.compile("|".join(f"(?:{pattern})" for _rule, pattern in INLINE_RULES))
_ANY_PHRASE = re.compile("|".join(re.escape(phrase) for _rule, phrase in _PHRASES))


def _squeeze(line: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", line).split())


def line_rule(line: str) -> str | None:
    """The id of the rule that marks this line as page noise, or None to keep it."""
    return _flat_rule(_squeeze(line))


# Short lines (table cells such as "0 |", headings) repeat across a table and across reports: their
# verdict is cached. Long lines are rarely repeated and would make the cache large, so they are not.
_CACHED_CHARS = 16


def _flat_rule(flat: str) -> str | None:
    """line_rule on a line already NFKC-normalised and space-squeezed."""
    return _short_rule(flat) if len(flat) <= _CACHED_CHARS else _match_rules(flat)


@lru_cache(maxsize=MEMO_SIZE)
def _short_rule(flat: str) -> str | None:
    return _match_rules(flat)


def _match_rules(flat: str) -> str | None:
    if not flat:
        return None
    whole = _ANY_LINE_RULE.fullmatch(flat)
    if whole is None and not _ANY_PHRASE.search(flat):
        return None  # the common case: no rule can fire, so the metric guard need not be searched
    if METRIC_GUARD.search(flat):
        return None
    if whole is not None:
        return LINE_RULES[int(whole.lastgroup[1:])][0]
    rest, first = flat, None
    for rule, phrase in _PHRASES:
        if phrase in rest:
            first = first or rule
            rest = rest.replace(phrase, " ")
    if first and not _FILLER.sub("", rest):
        return first
    return None


def _flat_lines(lines: list[str]) -> list[str]:
    """_squeeze of every line, normalising the text in one call instead of one per line.

    A line break is a normalisation boundary (it neither composes nor decomposes), so NFKC of the
    joined text split at its line breaks is NFKC of each line; the count check is a guard all the same.
    """
    flat = unicodedata.normalize("NFKC", "\n".join(lines)).split("\n")
    if len(flat) != len(lines):
        flat = [unicodedata.normalize("NFKC", line) for line in lines]
    return [" ".join(line.split()) for line in flat]


def strip_boilerplate(text: str) -> tuple[str, Counter[str]]:
    """Drop noise lines and bracketed buttons; returns the text and how often each rule fired.

    Lines are otherwise left exactly as they were (no normalisation), so offsets into the
    normalised text still describe the report.
    """
    fired: Counter[str] = Counter()
    kept: list[str] = []
    lines = text.split("\n")
    # The inline patterns only remove their own matches, so a line (or text) where none of them matches
    # is left as it is: one search decides, instead of one substitution per pattern.
    inline = _ANY_INLINE.search(text) is not None
    for line, flat in zip(lines, _flat_lines(lines), strict=True):
        rule = _flat_rule(flat)
        if rule:
            fired[rule] += 1
            continue
        if inline and _ANY_INLINE.search(line):
            for inline_rule, pattern in _INLINE_RULES:
                line, n = pattern.subn("", line)
                if n:
                    fired[inline_rule] += n
        kept.append(line)
    return "\n".join(kept), fired


def describe(fired: Counter[str]) -> str:
    """A note for the documents table, e.g. 'boilerplate removed: bp-print x2, bp-qr x1'."""
    return "boilerplate removed: " + ", ".join(f"{rule} x{n}" for rule, n in sorted(fired.items()))
