"""The metric catalogue: every key labelled, with a unit, unique; rules and formulas refer to catalogued keys."""

from __future__ import annotations

import pytest

from pipeline.catalog import BY_KEY, CHANGES, CORE_KEYS, DERIVED, METRICS, label, unit_of
from pipeline.table_rows import REVIEW_KEYS, ROW_RULES

CORE_LABELS = {
    "items_accepted": "受理件数",
    "items_completed": "办结件数",
    "completion_rate": "办结率",
    "visitors_served": "接待服务对象",
    "satisfaction_rate": "满意率",
    "items_published": "主动公开政府信息",
    "policy_interpretations": "政策解读",
    "disclosure_requests": "依申请公开申请",
    "requests_carried_over": "上年结转申请",
    "fees_collected": "信息公开收费",
    "admin_reconsiderations": "行政复议(信息公开)",
    "lawsuits": "行政诉讼(信息公开)",
}


def test_keys_are_unique() -> None:
    keys = [m.key for m in METRICS] + [d.key for d in DERIVED]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.key)
def test_every_metric_has_labels_a_unit_and_a_kind(metric) -> None:
    assert metric.zh and metric.en and metric.unit and metric.definition
    assert metric.kind in ("count", "percent", "money")
    assert (metric.unit == "%") == (metric.kind == "percent")
    assert label(metric.key) == f"{metric.zh}({metric.unit})"
    assert unit_of(metric.key) == metric.unit


def test_the_twelve_core_keys_keep_their_labels() -> None:
    assert {k: BY_KEY[k].zh for k in CORE_KEYS} == CORE_LABELS


@pytest.mark.parametrize("derived", DERIVED, ids=lambda d: d.key)
def test_every_derived_formula_refers_to_catalogued_keys_and_states_its_formula(derived) -> None:
    for key in derived.numerator + derived.denominator + derived.subtract:
        assert key in BY_KEY, key
    assert derived.formula_zh and derived.formula_en and derived.zh and derived.en and derived.unit
    assert label(derived.key, "en", with_unit=False) == derived.en


def test_every_change_indicator_states_its_formula() -> None:
    for c in CHANGES:
        assert c.formula_zh and c.formula_en and c.zh and c.en


def test_every_table_rule_and_review_cell_reads_into_a_catalogued_key() -> None:
    ids = [r.rule_id for r in ROW_RULES]
    assert len(ids) == len(set(ids))
    keys = {k for r in ROW_RULES for cols in r.columns.values() for k in cols if k} | set(REVIEW_KEYS)
    assert keys - set(BY_KEY) == set()


def test_unknown_keys_come_back_as_themselves() -> None:
    assert label("no_such_key") == "no_such_key" and unit_of("no_such_key") == ""
