"""Numerals as reports write them: the guarded parser and the span finder."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.numbers import find_numbers, parse_number, parse_range

_DIGITS = "零一二三四五六七八九"


def _four(n: int) -> str:
    out, zero = "", False
    for unit, val in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        d = n // val % 10
        if d == 0:
            zero = zero or bool(out)
        else:
            out += ("零" if zero else "") + _DIGITS[d] + unit
            zero = False
    return out


def to_chinese(n: int) -> str:
    """A plain int -> Chinese numeral renderer (一万零一, 三亿零五十), written for the tests."""
    if n == 0:
        return "零"
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out, gap = "", False
    for i in reversed(range(len(groups))):
        g = groups[i]
        if g == 0:
            gap = bool(out)
            continue
        if out and (gap or g < 1000):
            out += "零"
        out += _four(g) + ("", "万", "亿")[i]
        gap = False
    return out


def test_the_renderer_itself_writes_the_usual_forms():
    assert [to_chinese(n) for n in (10, 101, 10001, 101000, 20000000)] == [
        "一十",
        "一百零一",
        "一万零一",
        "一十万一千",
        "二千万",
    ]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("两千", 2000),  # cn2an's transform writes 2千
        ("十万零一千", 101000),  # fails in some cn2an versions
        ("13万2", 132000),  # fails in cn2an smart mode
        ("16.4亿", 1640000000),  # float gives 1639999999
        ("1,234,567", 1234567),  # cn2an raises on the comma
        ("１２３４", 1234),  # full-width digits
        ("5.6万", 56000),
        ("二〇一九", 2019),
        ("三点五", Decimal("3.5")),
        ("百分之九十五", 95),
        ("5万2千", 52000),
    ],
)
def test_tricky_numerals_parse_to_their_exact_value(written, expected):
    assert parse_number(written) == Decimal(expected)


def test_16_4_yi_is_exact_decimal_not_float():
    value = parse_number("16.4亿")
    assert isinstance(value, Decimal) and value == Decimal("1640000000")


@pytest.mark.parametrize(
    ("written", "low", "high"), [("五六百", 500, 600), ("3-5", 3, 5), ("三四十", 30, 40)]
)
def test_ranges_are_valued_at_their_lower_bound(written, low, high):
    assert parse_range(written) == (Decimal(low), Decimal(high))
    assert parse_number(written) == Decimal(low)


@pytest.mark.parametrize("junk", ["", "abc", "第三", "约", "%", "十九大精神", None, 5, "1,23", "万万"])
def test_junk_parses_to_none_without_raising(junk):
    assert parse_number(junk) is None


def _spans(text: str) -> list[tuple[str, Decimal, str, bool]]:
    return [(text[s.start : s.end], s.value, s.unit, s.approx) for s in find_numbers(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全年办件5.6万件。", [("5.6万", Decimal(56000), "件", False)]),
        ("结余3541.07万元2", [("3541.07万", Decimal(35410700), "元", False), ("2", Decimal(2), "", False)]),
        ("接待约50万人次", [("50万", Decimal(500000), "人次", True)]),
        ("公开信息778余条", [("778", Decimal(778), "条", True)]),
        ("日均1400多件", [("1400", Decimal(1400), "件", True)]),
        ("满意率98%以上", [("98", Decimal(98), "%", True)]),
        ("近300件", [("300", Decimal(300), "件", True)]),
        ("超过1000人次", [("1000", Decimal(1000), "人次", True)]),
        ("五六百人", [("五六百", Decimal(500), "人", True)]),
        ("3-5件", [("3-5", Decimal(3), "件", True)]),
        ("同比增加516%", [("516", Decimal(516), "%", False)]),
        ("受理四百四十九余件", [("四百四十九", Decimal(449), "件", True)]),
        ("共1,234,567条", [("1,234,567", Decimal(1234567), "条", False)]),
        # PDFs from Word and WPS space Chinese from digits (the default 'adjust space between
        # Asian text and numbers'): the marker and the multiplier still belong to the number
        ("信息近 47条", [("47", Decimal(47), "条", True)]),
        ("累计受理业务 1424 万件", [("1424 万", Decimal(14240000), "件", False)]),
        ("接待 4.8 万人次", [("4.8 万", Decimal(48000), "人次", False)]),
        ("第1 百", [("1", Decimal(1), "", False)]),
    ],
)
def test_the_finder_reports_value_unit_approx_and_the_numeral_as_written(text, expected):
    assert _spans(text) == expected


@pytest.mark.parametrize(
    "text", ["认真落实十九大精神", "深化一次办好改革", "第三次全会", "一是加强领导", "十三五规划"]
)
def test_set_phrases_and_ordinals_are_not_numbers(text):
    assert _spans(text) == []


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("0123456789.,万亿千百十两零〇一二三四五六七八九点约余多%件条-第 元"),
        max_size=20,
    )
)
def test_no_numeral_like_string_makes_parsing_or_finding_raise(s):
    parse_number(s)
    parse_range(s)
    list(find_numbers(s))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_no_string_at_all_makes_parsing_raise(s):
    parse_number(s)
    list(find_numbers(s))


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_arabic_and_chinese_renderings_of_an_integer_parse_equal(n):
    assert parse_number(str(n)) == parse_number(to_chinese(n)) == Decimal(n)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=10**9))
def test_a_counted_chinese_numeral_is_found_with_its_value(n):
    text = f"共受理{to_chinese(n)}件"
    spans = list(find_numbers(text))
    assert [(s.value, s.unit) for s in spans] == [(Decimal(n), "件")]
    assert text[spans[0].start : spans[0].end] == to_chinese(n)
