"""Free-text rules, one table row per reading rule: snippet in, records out (snippets written for the tests)."""

from __future__ import annotations

import re

import pytest

from pipeline import narrative
from pipeline.catalog import BY_KEY, CORE_KEYS
from pipeline.narrative import extract_narrative, scope_of
from pipeline.narrative_rules import NUMERIC_RULES, ZERO_TARGETS
from pipeline.numbers import parse_number
from pipeline.record import DocumentMeta


def _read(text: str, year: int | None = 2018, doc_type: str = "work_summary") -> set[tuple]:
    meta = DocumentMeta(year=year, doc_type=doc_type)
    return {(r.metric, r.value, r.scope, r.approx) for r in extract_narrative(text, meta)}


CASES = [
    # plain counts, 万 expanded
    ("counts", "2018年,中心共受理各类审批服务事项12345件,办结12000件,办结率99.5%。",
     {("items_accepted", 12345, "annual", False), ("items_completed", 12000, "annual", False),
      ("completion_rate", 99.5, "annual", False)}),
    ("wan", "全年办件 5.6万件。", {("items_accepted", 56000, "annual", False)}),
    ("wan_published", "全年主动公开政府信息6.5万条。", {("items_published", 65000, "annual", False)}),
    ("chinese", "全年共受理审批服务事项三千二百件。", {("items_accepted", 3200, "annual", False)}),
    # approximate markers
    ("yue", "共接待服务对象约50万人次。", {("visitors_served", 500000, "annual", True)}),
    ("yu", "全年主动公开信息374余条。", {("items_published", 374, "annual", True)}),
    ("yishang", "群众对窗口服务满意率达98%以上。", {("satisfaction_rate", 98, "annual", True)}),
    # 其中: a breakdown is not the total
    ("qizhong", "全年主动公开政府信息158条,其中主动公开的公文类信息156条。",
     {("items_published", 158, "annual", False)}),
    ("qizhong_next_sentence", "全年主动公开政府信息6.5万条。其中区政府主动公开政府信息3.1万条,乡镇公开2.2万条。",
     {("items_published", 65000, "annual", False)}),
    ("qizhong_colon_list", "共收到政府信息公开申请36件,其中:网络申请1件、信函申请35件,引发行政复议1件。",
     {("disclosure_requests", 36, "annual", False), ("admin_reconsiderations", 1, "annual", False)}),
    ("qizhong_then_completed", "中心共受理事项548件,其中行政许可事项10件、公共服务事项538件,办结548件,办结率100%。",
     {("items_accepted", 548, "annual", False), ("items_completed", 548, "annual", False),
      ("completion_rate", 100, "annual", False)}),
    # cumulative
    ("jiezhi_muqian", "截至目前,已公开各类信息5.4万条。", {("items_published", 54000, "cumulative", False)}),
    ("leiji", "自2015年5月运行以来,大厅累计受理业务9497986件。", {("items_accepted", 9497986, "cumulative", False)}),
    ("jiezhi_year_then_year", "截止到2018年,中心共受理并办结各类行政审批事项13.6万件。其中2018年中心共受理各类行政审批事项2.1万件。",
     {("items_accepted", 136000, "cumulative", False), ("items_completed", 136000, "cumulative", False),
      ("items_accepted", 21000, "annual", False)}),
    ("jiezhi_with_comparison", "截至目前,中心共受理事项共5487件,同期相比增加16%,办结5487件。",
     {("items_accepted", 5487, "annual", False), ("items_completed", 5487, "annual", False)}),
    ("jiezhi_year_end", "截至2018年12月31日共主动公开政府信息778条。", {("items_published", 778, "annual", False)}),
    # growth figures are never counts
    ("growth", "办件量比去年同期上升13%,同比增加516件。", set()),
    ("target", "力争明年按期办结率保持100%,群众满意率达到99%以上。", set()),
    # explicit zeros
    ("zero_requests", "2018年没有收到依申请公开政府信息申请。", {("disclosure_requests", 0, "annual", False)}),
    ("zero_fees", "2018年度及历年信息公开均未收取任何费用。", {("fees_collected", 0, "annual", False)}),
    ("zero_review_both", "2018年度无因政府信息公开申请行政复议、提起行政诉讼的情况。",
     {("admin_reconsiderations", 0, "annual", False), ("lawsuits", 0, "annual", False)}),
    ("zero_quannianwu", "全年无依申请公开信息。", {("disclosure_requests", 0, "annual", False)}),
    ("zero_two_clauses", "2017年度,未接收到政府信息公开申请,因此未发生收费情况。",
     {("disclosure_requests", 0, "annual", False), ("fees_collected", 0, "annual", False)}),
    ("zero_other_matter", "全年未收到行政许可申请;未收到任何形式的有关信息公开方面的咨询。", set()),
    ("zero_not_table_label", "未经复议直接起诉 复议后起诉", set()),
    # disclosure phrasing
    ("requests_count", "2021年全年共收到依申请公开308件,上年结转1件。",
     {("disclosure_requests", 308, "annual", False), ("requests_carried_over", 1, "annual", False)}),
    ("requests_tail", "2014年,我局收到12起政府信息依申请公开。", {("disclosure_requests", 12, "annual", False)}),
    ("interpretations", "2016年,发布政策解读稿件11篇。", {("policy_interpretations", 11, "annual", False)}),
    ("sum", "在网站发布信息1887条,在省政府网站专栏发布信息514条,总计2401条。", {("items_published", 2401, "annual", False)}),
    # a bare 办结 continues the 受理 of its sentence as written, across a PDF's wrapped lines
    ("wrapped_lines_then_completed", "中心共受理各类事项\n2.5万余\n件,已办结24000件,办结率96%。",
     {("items_accepted", 25000, "annual", True), ("items_completed", 24000, "annual", False),
      ("completion_rate", 96, "annual", False)}),
    ("completed_after_a_full_stop", "中心共受理各类事项100件。\n已办结90件。", {("items_accepted", 100, "annual", False)}),
    # things that look like metrics but are not
    ("named_acceptance", "今年开展“一窗受理”联审业务共计17件。", set()),
    ("pushed_not_accepted", "截至目前,共受理并推送事项1773件,办结359件。", set()),
    ("visitors_consulting", "现场接待咨询1000余人次。", set()),
    ("request_completion", "收到依申请公开请求2件,按时办结2件。", {("disclosure_requests", 2, "annual", False)}),
    ("unrelated_lawsuit", "人社分局因具体行政行为被提起行政诉讼2起。", set()),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_reading_rule_yields_exactly_the_stated_records(name, text, expected):
    assert _read(text) == expected


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_every_record_points_at_its_value_as_written_inside_its_evidence(name, text, expected):
    for r in extract_narrative(text, DocumentMeta(year=2018)):
        written = text[r.start : r.end]
        assert written in r.evidence and r.evidence in text
        if r.method.startswith("narrative:zero"):
            assert r.value == 0 and re.search(r"未|没有|无", written)
        else:
            assert parse_number(written) == pytest.approx(r.value)
        assert r.unit == BY_KEY[r.metric].unit and 0 < r.confidence <= 1


def test_a_fee_in_wan_yuan_is_stored_in_yuan():
    text = "全年共收取信息公开处理费1.2万元。"
    assert _read(text) == {("fees_collected", 12000, "annual", False)}


def test_a_rate_written_without_percent_sign_is_read():
    assert _read("全部办件在承诺期限内办结率达到100。") == {("completion_rate", 100, "annual", False)}


def test_since_the_report_year_is_annual_and_since_an_earlier_year_is_cumulative():
    assert scope_of("2018年以来,中心", "", "", 2018) == "annual"
    assert scope_of("自2015年以来,中心", "", "", 2018) == "cumulative"


def test_a_traditional_copy_converted_to_simplified_reads_like_the_original():
    from pipeline.text import to_simplified

    trad = "上半年,中心共受理各類行政服務事項75835件,社會對窗口服務的滿意率達到97。"
    assert _read(to_simplified(trad)) == {("items_accepted", 75835, "annual", False),
                                          ("satisfaction_rate", 97, "annual", False)}  # fmt: skip


def test_every_rule_emits_a_catalogued_core_metric():
    metrics = {r.metric for r in NUMERIC_RULES} | {m for z in ZERO_TARGETS for m in z.metrics}
    assert metrics <= CORE_KEYS
    assert len({r.rule_id for r in NUMERIC_RULES}) == len(NUMERIC_RULES)


def test_one_record_per_metric_and_scope_the_most_confident_first():
    text = "在专栏发布信息514条,总计2401条。全年主动公开政府信息2401条。"
    records = extract_narrative(text, DocumentMeta(year=2018))
    assert len({(r.metric, r.scope) for r in records}) == len(records)


class _Spy:
    """A compiled pattern that records the length of every text it is asked to search."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern, self.lengths = pattern, []

    def search(self, text: str, *args):
        self.lengths.append(len(text))
        return self.pattern.search(text, *args)


def test_numbers_in_text_without_stops_are_read_in_a_bounded_window(monkeypatch):
    """Text without sentence stops (a flattened table, a PDF without punctuation) is one long
    sentence; each number's rules read at most REACH characters around it, not the sentence:
    reading the sentence made the work grow with the square of the text (200 KB: 210 s)."""
    spy = _Spy(narrative._COMPARED)  # searched over each number's sentence
    monkeypatch.setattr(narrative, "_COMPARED", spy)
    text = "中心全年受理事项1件," * 2000  # 22,000 characters, one sentence
    records = extract_narrative(text)
    assert [(r.metric, r.value, r.start) for r in records] == [("items_accepted", 1.0, text.index("1件"))]
    assert len(spy.lengths) == 2000  # every number was read
    assert max(spy.lengths) <= 3 * narrative.REACH


def test_zero_cues_in_text_without_stops_read_a_bounded_window(monkeypatch):
    spy = _Spy(narrative._ZERO_FORBID_BEFORE)  # searched over the clause before each cue
    monkeypatch.setattr(narrative, "_ZERO_FORBID_BEFORE", spy)
    text = "本年度未发生行政诉讼" * 2000
    records = extract_narrative(text)
    assert [(r.metric, r.value) for r in records] == [("lawsuits", 0.0)]
    assert len(spy.lengths) == 2000 and max(spy.lengths) <= narrative.REACH
