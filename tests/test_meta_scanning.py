"""The anchored scans of pipeline.meta find exactly what the plain regex search finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import meta as M
from pipeline.text import normalise

SNIPPETS = [
    "",
    "本局是全市政务公开工作的主管部门。",
    "淄博市行政审批服务局是市政府工作部门,海沧区发改局是区政府工作部门。",
    "中心是什么?街道是基层。办事处是派出机构。局是",
    "局是" + "甲" * 25 + "局是" + "乙" * 5 + "中心是",
    "(区审管办)局是,(公管办)中心是",
    "昆山市发展和改革局2017年政府信息公开工作年度报告\n2017年,昆山市发展和改革局坚持以人民为中心。",
    "2019年度,区人民政府认真落实条例要求。\n\n 2020年,市政务服务中心进一步规范。",
    "山东省淄博市人民政府办公室 淄博市政务服务中心、高新区政务服务中心\n平度市人民政府\n某某县人民政府局",
    "一二三四五六七八九十一二三四五六七八九十市人民政府" + "县" * 30 + "局",
    "联系电话:BET365 Casino 彩票 bEaT365",
]


def _spans(matches) -> list[tuple[int, int, tuple]]:
    return [(m.start(), m.end(), m.groups()) for m in matches]


def _texts(seeds_dir: Path) -> list[str]:
    return SNIPPETS + [normalise(p.read_text(encoding="utf-8")) for p in sorted(seeds_dir.glob("*.txt"))]


@pytest.fixture(scope="module")
def texts(seeds_dir: Path) -> list[str]:
    return _texts(seeds_dir)


def test_body_is_finds_the_same_names_as_the_plain_pattern(texts: list[str]) -> None:
    for text in texts:
        body = M._strip_titles(text)
        assert _spans(M._body_is(body)) == _spans(M._BODY_IS.finditer(body)), text[:60]


def test_place_bodies_finds_the_same_names_as_the_plain_pattern(texts: list[str]) -> None:
    for text in texts:
        body = M._strip_titles(text)
        assert _spans(M._place_bodies(body)) == _spans(M._PLACE_BODY.finditer(body)), text[:60]


def test_year_subjects_are_found_at_the_start_of_the_text_and_of_every_line(texts: list[str]) -> None:
    plain = re.compile(r"(?:^|\n)" + M._SUBJECT)
    for text in texts:
        body = M._strip_titles(text)
        first = M._SUBJECT_AT_START.match(body)
        found = ([first] if first else []) + list(
            M._SUBJECT_AFTER_NEWLINE.finditer(body, first.end() if first else 0)
        )
        assert [m.group(1) for m in found] == [m.group(1) for m in plain.finditer(body)], text[:60]


@pytest.mark.parametrize(
    "head, spam",
    [
        ("2020年政府信息公开工作年度报告", False),
        ("欢迎访问 BET365 官方网站", True),
        ("beat365体育", True),
        ("Casino 娱乐", True),
        ("彩票投注站", True),
        ("bet 365 与 casin0", False),
        ("http://www.gov.cn/bc/cb", False),
    ],
)
def test_spam_words_are_found_in_any_case(head: str, spam: bool) -> None:
    plain = re.compile(r"beat365|bet365|彩票|博彩|娱乐城|投注|赌场|casino|六合彩|百家乐|棋牌|老虎机", re.I)
    assert M._is_spam(head) is spam
    assert M._is_spam(head) is bool(plain.search(head))


@pytest.mark.parametrize("n", [0, 1, 2, 50, 51])
def test_han_at_least_counts_han_characters_only(n: int) -> None:
    text = "abc 123 " + "政" * 50 + " xyz"
    assert M._han_at_least(text, n) is (n <= 50)
