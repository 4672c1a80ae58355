"""Normalisation, ids, traditional->simplified, wrapped-line joining and web boilerplate rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import RAW_DIR

from pipeline.boilerplate import INLINE_RULES, LINE_RULES, NOISE_PHRASES, line_rule, strip_boilerplate
from pipeline.text import doc_id, is_cjk, join_wrapped, looks_traditional, normalise, to_simplified


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("受理１２３４５件，办结率１００％", "受理12345件,办结率100%"),  # full-width digits and punctuation
        ("a\r\nb\rc", "a\nb\nc"),
        ("共\u3000受理  \t 3件", "共 受理 3件"),
        ("1\u200b2\ufeff3件", "123件"),  # zero-width characters break digit runs
        ("a\n\n\n\n\nb", "a\n\nb"),
        ("  line  \n", "line"),
    ],
)
def test_normalise_is_nfkc_with_newlines_and_spaces_squeezed(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_normalise_is_idempotent_on_the_sample_reports() -> None:
    for path in sorted(RAW_DIR.glob("*.txt")):
        once = normalise(path.read_text(encoding="utf-8"))
        assert normalise(once) == once


def test_doc_id_is_the_same_for_the_same_text_saved_differently() -> None:
    text = "威海市文登区政务服务中心\n共受理548786件"
    assert doc_id(normalise(text)) == doc_id(normalise(text.replace("\n", "\r\n") + "  \n"))
    assert doc_id(normalise(text)) != doc_id(normalise(text + "。"))
    assert len(doc_id(normalise(text))) == 16


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("政務服務中心受理辦件", "政务服务中心受理办件"),
        ("發佈機構：區政府", "发布机构:区政府"),
        ("2019年", "2019年"),
    ],
)
def test_to_simplified_converts_character_by_character(traditional: str, simplified: str) -> None:
    assert to_simplified(normalise(traditional)) == simplified


def test_to_simplified_keeps_the_length_of_every_sample_report() -> None:
    for path in sorted(RAW_DIR.glob("*.txt")):
        text = normalise(path.read_text(encoding="utf-8"))
        assert len(to_simplified(text)) == len(text)


def test_looks_traditional_tells_a_mirror_copy_from_the_original() -> None:
    original = normalise(
        (RAW_DIR / sorted(p.name for p in RAW_DIR.glob("*.txt"))[0]).read_text(encoding="utf-8")
    )
    assert not looks_traditional(original)
    assert looks_traditional("國務院辦公廳關於政務公開工作的通知，各區縣政府與機關單位應當進一步做好這項工作")
    assert not looks_traditional("")


@pytest.mark.parametrize(
    ("ch", "cjk"),
    [("中", True), ("，", True), ("。", True), ("Ａ", True), ("a", False), ("1", False), ("", False)],
)
def test_is_cjk(ch: str, cjk: bool) -> None:
    assert is_cjk(ch) is cjk


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("共受理行政许可事项548786", "件，办结率100%", "共受理行政许可事项548786件，办结率100%"),
        ("政务服务", "中心", "政务服务中心"),
        ("the annual", "report", "the annual report"),
        ("共 ", " 3件", "共3件"),
        ("", "x", "x"),
        # a table row's cells wrapped after its label stay cells
        (
            "行政机关不再处理其政府信息公开申请",
            "0 0 0 0 0 0 0",
            "行政机关不再处理其政府信息公开申请 0 0 0 0 0 0 0",
        ),
        ("(七)总计", "3 0 0 12.5 100%", "(七)总计 3 0 0 12.5 100%"),
        # a number that is not a run of cells still joins close
        ("共受理", "548 件", "共受理548 件"),
        ("共受理", "548", "共受理548"),
    ],
)
def test_join_wrapped_joins_chinese_without_a_space_and_latin_with_one(
    left: str, right: str, joined: str
) -> None:
    assert join_wrapped(left, right) == joined


# ---------------------------------------------------------------- boilerplate


@pytest.mark.parametrize(
    "line",
    [
        "扫一扫在手机打开当前页",
        "【打印本页】【关闭窗口】",
        "[打印本页] [关闭窗口]",
        "分享到：微信 微博 QQ空间",
        "【字体：大 中 小】",
        "- 3 -",
        "第 2 页 共 7 页",
        "当前位置：首页 > 政务公开 > 年度报告",
        "首页 > 政务公开 > 政府信息公开年报",
        "浏览次数：1024",
        "上一篇：关于2018年度报告的说明",
        "版权所有：某某市人民政府办公室 鲁ICP备05001918号",
        "主办单位：某某区人民政府办公室",
        "返回顶部",
        "• 政务公开",  # a site's menu, as a browser prints the page
        "首页 政务公开 政务服务 互动交流",
    ],
)
def test_web_noise_lines_are_recognised(line: str) -> None:
    assert line_rule(line) is not None


@pytest.mark.parametrize(
    "line",
    [
        "共受理行政许可和公共服务事项共548786件，办结率100%。",
        "规章 | 0 | 0 | 0",
        "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数",
        "0 |",
        "3",
        "发文日期: | 2019-03-25 | 发布机构: | 高新技术产业开发区政务服务中心 |",
        "发布日期:2017-01-21 10:24:00",
        "（一）加强领导，关闭非法网站12个",  # a noise word inside a real sentence
        "打印本页 全年共收到申请3件",  # a metric on a noise line is kept
        "浏览次数：12次",  # number with a unit: never removed, even when a rule matches
        "关闭窗口后累计办结5件",
        "政府信息公开工作存在的主要问题及改进措施",
        "首页",
        "政府信息公开",  # a heading: the context of the sentences below it
    ],
)
def test_report_lines_and_anything_with_a_metric_are_kept(line: str) -> None:
    assert line_rule(line) is None


def test_bracketed_buttons_are_cut_from_a_line_that_also_has_content() -> None:
    text, fired = strip_boilerplate("发布日期:2019-03-25 【打印本页】【关闭窗口】\n正文")
    assert text == "发布日期:2019-03-25 \n正文"
    assert fired["bp-inline-button"] == 2


def test_no_sample_report_loses_a_line_with_a_digit_to_the_rules() -> None:
    for path in sorted(RAW_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if any(c.isdigit() for c in line) and line_rule(line):
                assert line_rule(line) in {"bp-page-number", "bp-views", "bp-footer"}, line


def test_rule_ids_are_unique_per_pattern_and_named() -> None:
    for rows in (NOISE_PHRASES, LINE_RULES, INLINE_RULES):
        for row in rows:
            assert row[0].startswith("bp-")
    assert len({row[1] for row in LINE_RULES}) == len(LINE_RULES)


def test_corpus_noise_lines_are_removed_and_metric_lines_kept(corpus_dir: Path) -> None:
    for path in sorted(corpus_dir.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        cleaned, _ = strip_boilerplate(text)
        assert not any(line.strip() == "扫一扫在手机打开当前页" for line in cleaned.split("\n"))
        for line in text.split("\n"):
            if re.search(r"\d\s*(件|条|人次|元|%)", line):
                assert line_rule(line) is None, (path.name, line)
