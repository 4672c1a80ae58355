"""Chinese and Arabic numerals in report text: a parser that never raises and a span finder.

`parse_number` turns one numeral as written (5.6万, 两千, 十万零一千, 13万2, 1,234,567, 二〇一九)
into an exact Decimal. `find_numbers` walks a text and yields every number with its unit, its
approximate markers (约/余/多/近/超过/以上...) and the offsets of the numeral as written.

Ranges (五六百, 3-5件) are valued at their LOWER bound and flagged approx: the lower bound is a
figure the text actually guarantees ("at least"), and approx tells the reader it is not exact.

cn2an is used for pure Chinese numerals only, on the numeral part alone, inside try/except with
warnings silenced (it raises on units, 约, %, 第 and mangles set phrases); Arabic numerals with
万/亿 are computed with Decimal so 16.4亿 stays exact.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

from .memo import MEMO_SIZE

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_MULT = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1000), "百": Decimal(100)}

CN_NUM_CHARS = "零〇○一二两三四五六七八九十百千万亿"

# Set phrases whose numerals are names, not quantities (TECH-NOTES: cn2an rewrites them).
MASK_PHRASES: tuple[str, ...] = (
    "十九大", "二十大", "十八大", "十七大", "十九届", "二十届", "十八届", "十三五", "十四五", "十二五",
    "十一五", "一次办好", "一带一路", "一网通办", "一窗受理", "一站式", "一门", "一窗", "一网", "一链",
    "一线", "一号", "一证", "一表", "一事", "一次性", "一把手", "一岗双责", "两学一做", "三严三实",
    "三公", "三最", "五公开", "三查三单", "两集中", "三到位", "一体化", "统一", "唯一", "之一",
    "一些", "一定", "一起", "百分之", "一直", "一般", "一步", "一批", "一致", "一律", "千方百计",
    "百姓", "一年来", "一是", "二是", "三是", "四是", "五是", "六是", "七是", "八是", "九是",
)  # fmt: skip

# Units a counted value may carry (longest first so 人次 wins over 人, 万元 over 万).
UNITS: tuple[str, ...] = (
    "人次", "件次", "万元", "亿元", "元", "%", "件", "条", "篇", "项", "个", "次", "起", "宗", "份",
    "人", "期", "户", "场", "家", "笔", "封", "面", "块", "名", "天", "日", "批", "类", "期",
)  # fmt: skip

APPROX_BEFORE = ("大约", "将近", "接近", "超过", "约", "近", "逾", "超", "达近")
APPROX_AFTER = ("余", "多", "以上", "左右", "来", "有余")
# Cheap first tests: a marker before a number ends in one of these, one after it starts with one.
_APPROX_BEFORE_ENDS = frozenset(p[-1] for p in APPROX_BEFORE)
_APPROX_AFTER_STARTS = frozenset(a[0] for a in APPROX_AFTER)

_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CN = f"[{CN_NUM_CHARS}]+(?:点[零〇一二三四五六七八九]+)?"
# An Arabic numeral with an optional Chinese multiplier and a trailing digit (13万2 = 13.2万); a
# space may part the multiplier from the digits, as PDFs from Word and WPS do ("1424 万件").
# Every number starts with a digit or a Chinese numeral; the leading lookahead says so, which lets the
# regex engine skip other positions quickly (2x faster on report text, same matches).
_NUMBER_RE = re.compile(
    rf"(?=[\d{CN_NUM_CHARS}])"
    rf"(?:(?P<range>(?:{_ARABIC})\s*[-~—–至到]\s*)?"
    rf"(?P<arabic>{_ARABIC})(?:[ ](?=[万亿]|千万|百万))?(?P<mult>[万亿](?:(?P<tail>[1-9])(?![\d.,元件条篇项个次人%]))?|千万|百万)?"
    rf"|(?P<cn>{_CN}))"
)
_PERCENT_WORD = re.compile("百分之")
_ARABIC_RANGE = re.compile(rf"\s*({_ARABIC})\s*[-~—–至到]\s*({_ARABIC})\s*")
_CN_RANGE = re.compile(r"([一二三四五六七八九])([二三四五六七八九])([十百千万]*)")
_ARABIC_FULL = re.compile(rf"({_ARABIC})(千万|百万|[万亿千百])?([1-9])?")
_ARABIC_WAN_QIAN = re.compile(r"(\d+)万(\d)千")
# Every set phrase starting at each position, longest first: the union of the spans it marks is the
# union of every occurrence of every phrase (overlaps included), in one scan instead of one per phrase.
_MASK_RE = re.compile(
    f"(?=[{''.join(sorted({p[0] for p in MASK_PHRASES}))}])"
    f"(?=({'|'.join(map(re.escape, sorted(MASK_PHRASES, key=len, reverse=True)))}))"
)
_ORDINAL = re.compile(rf"第[{CN_NUM_CHARS}\d]+")
# Blanks, then the first unit of UNITS (in its order) there: an alternation tries them in order.
_UNIT = re.compile("[ \n\t]*(" + "|".join(map(re.escape, UNITS)) + ")")


class NumberSpan(NamedTuple):
    """One number found in a text; text[start:end] is the numeral as written (no unit, no 约).

    Immutable; a NamedTuple rather than a frozen dataclass because a report yields ~100 of them and a
    frozen dataclass is ~4x slower to build."""

    start: int
    end: int
    value: Decimal
    unit: str  # "" when none follows; "%" for percentages; 万元/亿元 are reported as 元
    unit_end: int  # offset just after the unit (== end when no unit)
    approx: bool
    lead_start: int  # offset of the approx prefix (== start when none): the text before is the lead
    is_range: bool = False
    raw: str = ""


def _cn_to_int(s: str) -> int | None:
    """Own parser for Chinese integer numerals; also reads digit-by-digit forms (二〇一九)."""
    if not s:
        return None
    if all(c in _CN_DIGITS for c in s):
        if len(s) == 1:
            return _CN_DIGITS[s]
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    total, section, digit = 0, 0, None
    for c in s:
        if c in _CN_DIGITS:
            if digit is not None and _CN_DIGITS[c] != 0 and digit != 0:
                return None  # two digits in a row: a range such as 五六百, not one number
            digit = _CN_DIGITS[c]
        elif c in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[c]
            digit = None
        elif c in _CN_BIG:
            if section == 0 and not digit:
                return None  # 万 with no count before it (万万, 零万) is not a numeral
            section += digit or 0
            total = (total + section) * _CN_BIG[c] if c == "亿" else total + section * _CN_BIG[c]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def _cn2an(s: str) -> Decimal | None:
    """cn2an on a bare Chinese numeral, guarded: any failure is None, never an exception."""
    try:
        import cn2an  # noqa: PLC0415 - optional at import time, the own parser covers its absence

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = cn2an.cn2an(s.replace("两", "二"), "smart")
        return Decimal(str(out)).normalize() if out is not None else None
    except Exception:  # cn2an raises ValueError and, on odd input, other errors too
        return None


def _chinese(s: str) -> Decimal | None:
    if "点" in s:
        whole, _, frac = s.partition("点")
        w = _cn_to_int(whole) if whole else 0
        if w is None or not frac or any(c not in _CN_DIGITS for c in frac):
            return _cn2an(s)
        return Decimal(f"{w}.{''.join(str(_CN_DIGITS[c]) for c in frac)}")
    own = _cn_to_int(s)
    if own is not None:
        return Decimal(own)
    return _cn2an(s)


def parse_range(s: str) -> tuple[Decimal, Decimal] | None:
    """(low, high) of a range written as 五六百, 三四十, 3-5 or 3至5; None when `s` is not a range."""
    m = _ARABIC_RANGE.fullmatch(s or "")
    if m:
        lo, hi = parse_number(m.group(1)), parse_number(m.group(2))
        return (lo, hi) if lo is not None and hi is not None else None
    m = _CN_RANGE.fullmatch(s or "")
    if m and _CN_DIGITS[m.group(2)] == _CN_DIGITS[m.group(1)] + 1:
        scale = Decimal(_cn_to_int("一" + m.group(3)) or 1) if m.group(3) else Decimal(1)
        return Decimal(_CN_DIGITS[m.group(1)]) * scale, Decimal(_CN_DIGITS[m.group(2)]) * scale
    return None


def parse_number(s: str) -> Decimal | None:
    """The exact value of one numeral as written, or None; never raises.

    Arabic (1,234,567; 16.4亿; 13万2; full-width digits), Chinese (两千, 十万零一千, 二〇一九, 三点五),
    百分之N (as N) and ranges (lower bound, see module docstring).
    """
    if not isinstance(s, str):
        return None
    return _parse_cached(s)


@lru_cache(maxsize=MEMO_SIZE)
def _parse_cached(s: str) -> Decimal | None:
    # a report repeats its numerals (0, 1, 100 ...) and a Decimal is immutable: parse each once
    try:
        return _parse(s)
    except (InvalidOperation, ValueError, TypeError, OverflowError, IndexError):
        return None


def _parse(s: str) -> Decimal | None:
    s = unicodedata.normalize("NFKC", s).strip()
    if not s or len(s) > 64:
        return None
    if s.startswith("百分之"):
        return parse_number(s[3:])
    rng = parse_range(s)
    if rng:
        return rng[0]
    m = _ARABIC_FULL.fullmatch(s)
    if m:
        value = Decimal(m.group(1).replace(",", ""))
        mult = m.group(2)
        if mult:
            factor = _MULT[mult[-1]] * (_MULT[mult[0]] if len(mult) == 2 else 1)
            value *= factor
            if m.group(3):
                if mult not in ("万", "亿"):
                    return None
                value += Decimal(m.group(3)) * factor / 10  # 13万2 = 13.2万
        elif m.group(3):
            return None
        return value.normalize() if value != value.to_integral() else value.quantize(Decimal(1))
    if all(c in CN_NUM_CHARS or c == "点" for c in s):
        return _chinese(s)
    # Mixed: Arabic number followed by Chinese multipliers, e.g. 5万2千.
    m = _ARABIC_WAN_QIAN.fullmatch(s)
    if m:
        return Decimal(m.group(1)) * 10_000 + Decimal(m.group(2)) * 1000
    return None


def _masked(text: str) -> bytearray:
    """1 at every offset inside a masked set phrase or an ordinal, else 0."""
    masked = bytearray(len(text))
    spans = [m.span(1) for m in _MASK_RE.finditer(text)]
    # 第N (ordinals) and 前N/N大/N个率先... : numerals that name, not count.
    spans += [m.span() for m in _ORDINAL.finditer(text)]
    for s, e in spans:
        masked[s:e] = b"\x01" * (e - s)
    return masked


def _unit_after(text: str, pos: int) -> tuple[str, int]:
    m = _UNIT.match(text, pos)
    return (m.group(1), m.end()) if m else ("", pos)


def find_numbers(text: str) -> Iterator[NumberSpan]:
    """Every number in `text` with unit and approximate flag; growth figures keep their % unit.

    Chinese numerals are only taken when a unit follows (so 一次办好, 十九大 and names are skipped)
    and outside masked set phrases; digits that are part of a year (2018年) carry unit "" here.
    """
    masked = _masked(text)
    for m in _NUMBER_RE.finditer(text):
        start, end = m.span()
        raw = m.group(0)
        range_text, cn = m.group("range", "cn")
        is_range = bool(range_text)
        if cn:
            if masked.find(1, start, end) >= 0 or (start > 0 and text[start - 1] in "第周"):
                continue
            value = _parse_cached(raw)
            rng = parse_range(raw)
            if rng:
                value, is_range = rng[0], True
        else:
            if start > 0 and (text[start - 1].isdigit() or text[start - 1] == "."):
                continue
            value = _parse_cached(range_text.rstrip(" -~—–至到") if is_range else raw.replace(" ", ""))
        if value is None:
            continue
        unit, unit_end = _unit_after(text, end)
        marker_approx = False
        if not unit:
            # 1400多件, 四百四十九余件: the marker sits between numeral and unit
            between = text[end : end + 2].lstrip()
            if between and between[0] in "余多":
                unit, unit_end = _unit_after(text, text.index(between[0], end) + 1)
                marker_approx = bool(unit)
        lead_start = start
        if start >= 3 and text.startswith("百分之", start - 3):
            unit, unit_end, lead_start = "%", end, start - 3
        if cn and not unit:
            continue
        if unit in ("万元", "亿元"):
            value *= _MULT[unit[0]]
            unit = "元"
        approx = is_range or marker_approx
        # A space may part the marker from the number: PDFs from Word and WPS space Chinese from
        # digits ("近 47条"), and web pages pad numbers.
        before = lead_start
        while before > 0 and text[before - 1] == " ":
            before -= 1
        if before > 0 and text[before - 1] in _APPROX_BEFORE_ENDS:
            for p in APPROX_BEFORE:
                if text.startswith(p, before - len(p)) and before - len(p) >= 0:
                    approx, lead_start = True, before - len(p)
                    break
        tail_from = unit_end if unit else end
        after = text[tail_from : tail_from + 2]
        if after[:1] in _APPROX_AFTER_STARTS and any(after.startswith(a) for a in APPROX_AFTER):
            approx = True
        yield NumberSpan(
            start, end, value, unit, unit_end if unit else end, approx, lead_start, is_range, raw
        )
