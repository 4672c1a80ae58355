"""Evaluation against gold: scoring rules on small written cases, and the real corpus figures (floors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.evaluate import evaluate_dir

REPORT = (
    "某县政务服务中心2018年政府信息公开工作年度报告\n"
    "一、主动公开政府信息情况\n2018年,中心主动公开政府信息54条。\n"
    "二、依申请公开情况\n2018年没有收到依申请公开政府信息申请。\n"
    "三、其他\n全年办件5.6万件,办结率100%。\n某县政务服务中心"
)


def _write(tmp: Path, name: str, gold: dict) -> None:
    (tmp / f"{name}.txt").write_text(REPORT, encoding="utf-8")
    (tmp / f"{name}.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")


def _gold(**extra) -> dict:
    base = {"agency": "某县政务服务中心", "year": 2018, "doc_type": "disclosure_annual_report",
            "metrics": [{"metric": "items_published", "value": 54, "scope": "annual", "approx": False,
                         "evidence": "主动公开政府信息54条"},
                        {"metric": "disclosure_requests", "value": 0, "scope": "annual", "approx": False,
                         "evidence": "没有收到依申请公开政府信息申请"},
                        {"metric": "policy_interpretations", "value": 3, "scope": "annual", "approx": False,
                         "evidence": "(not in the text: a miss)"}]}  # fmt: skip
    return {**base, **extra}


def test_scores_hits_misses_and_false_positives_and_skips_optional_keys(tmp_path):
    (tmp_path / "narrative").mkdir()
    _write(tmp_path / "narrative", "a", _gold(optional=["completion_rate"]))  # items_accepted stays a FP
    report = evaluate_dir(tmp_path)
    d = report.to_dict()
    m = d["overall"]["metrics"]
    assert (m["tp"], m["fn"], m["fp"]) == (2, 1, 1)
    doc = d["documents"][0]
    assert [x["metric"] for x in doc["misses"]] == ["policy_interpretations"]
    assert [x["metric"] for x in doc["false_positives"]] == ["items_accepted"]
    assert d["groups"]["narrative"]["year"]["accuracy"] == 1.0
    json.dumps(d, ensure_ascii=False)  # JSON-serialisable


def test_gold_without_optional_or_format_keys_is_handled(tmp_path):
    gold = _gold()
    gold.pop("doc_type")
    _write(tmp_path, "b", gold)
    d = evaluate_dir(tmp_path).to_dict()
    assert d["overall"]["metrics"]["fp"] == 2  # items_accepted and completion_rate are not optional here
    assert d["overall"]["doc_type"]["total"] == 0


def test_text_output_says_how_agencies_are_matched_and_lists_every_error(tmp_path):
    _write(tmp_path, "c", _gold())
    text = evaluate_dir(tmp_path).format_text()
    assert "same_body" in text and "MISS policy_interpretations" in text and "FP   items_accepted" in text


def test_a_value_read_outside_the_golds_own_evidence_is_reported(tmp_path):
    """A right number from the wrong sentence is a hit on value, and the report says where it was read."""
    _write(tmp_path, "right", _gold())
    assert evaluate_dir(tmp_path).to_dict()["overall"]["evidence_agreement"] == {"agree": 2, "checked": 2}
    gold = _gold()
    gold["metrics"][0]["evidence"] = "一、主动公开政府信息情况"  # in the text, without the value
    gold["metrics"][1]["evidence"] = "(paraphrased, not in the text)"  # cannot be checked
    (tmp_path / "right.json").unlink()
    _write(tmp_path, "wrong", gold)
    report = evaluate_dir(tmp_path)
    d = report.to_dict()
    assert d["overall"]["metrics"]["tp"] == 2
    assert d["overall"]["evidence_agreement"] == {"agree": 0, "checked": 1}
    assert [x["metric"] for x in d["documents"][0]["read_elsewhere"]] == ["items_published"]
    assert "ELSEWHERE items_published 54: read in '中心主动公开政府信息54条'" in report.format_text()


def test_a_report_is_read_as_the_build_reads_it_whatever_its_encoding(tmp_path):
    _write(tmp_path, "utf8", _gold())
    (tmp_path / "gbk.txt").write_bytes(REPORT.encode("gb18030"))
    (tmp_path / "gbk.json").write_text(json.dumps(_gold(), ensure_ascii=False), encoding="utf-8")
    docs = {Path(d["path"]).stem: d for d in evaluate_dir(tmp_path).to_dict()["documents"]}
    assert docs["gbk"]["metrics"] == docs["utf8"]["metrics"] and docs["gbk"]["metrics"]["tp"] == 2


def test_the_agency_as_filed_and_its_region_are_scored(tmp_path):
    text = "相城区行政服务中心2009年度工作总结\n全年共受理各类事项5万件。\n相城区行政服务中心"
    for name, region in (("right", "苏州市相城区"), ("wrong", "南京市鼓楼区"), ("zone", "某某开发区")):
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
        gold = {"agency": "相城区行政服务中心", "region": region, "year": 2009, "metrics": []}
        (tmp_path / f"{name}.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    report = evaluate_dir(tmp_path)
    d = report.to_dict()
    docs = {Path(x["path"]).stem: x for x in d["documents"]}
    assert docs["right"]["agency_resolved"] == {"predicted": "苏州市相城区行政服务中心", "match": True}
    assert [docs[k]["region"]["match"] for k in ("right", "wrong", "zone")] == [True, False, None]
    assert d["overall"]["region"] == {"correct": 1, "total": 2, "accuracy": 0.5}
    assert "region: resolved '江苏省/苏州市/相城区' gold '南京市鼓楼区'" in report.format_text()


def test_a_txt_without_gold_is_ignored(tmp_path):
    (tmp_path / "lonely.txt").write_text(REPORT, encoding="utf-8")
    assert evaluate_dir(tmp_path).to_dict()["overall"]["documents"] == 0


# Floors just under the figures reached when this was written (narrative: all 1.0; table2019 with
# the table reader: 1.0), never under the bars of issue 2. Evidence: values read inside the gold's own
# sentence, 52/53 narrative and 35/37 table2019 (two zeros read from the table's row, not the sentence).
FLOORS = {
    "narrative": {
        "precision": 0.97,
        "f1": 0.95,
        "year": 0.95,
        "agency": 0.93,
        "doc_type": 0.94,
        "evidence": 0.95,
    },
    "table2019": {
        "precision": 0.97,
        "f1": 0.95,
        "year": 0.93,
        "agency": 0.9,
        "doc_type": 0.93,
        "evidence": 0.9,
    },
}


@pytest.fixture(scope="module")
def corpus_report(corpus_dir):
    return evaluate_dir(corpus_dir)


@pytest.mark.parametrize("group", sorted(FLOORS))
def test_corpus_figures_stay_above_their_floors(corpus_report, group):
    s = corpus_report.to_dict()["groups"][group]
    m = s["metrics"]
    print(f"\n{group}: P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} "
          f"year={s['year']['accuracy']} agency={s['agency']['accuracy']} doc_type={s['doc_type']['accuracy']}")  # fmt: skip
    floor = FLOORS[group]
    assert m["precision"] >= floor["precision"] and m["f1"] >= floor["f1"]
    for key in ("year", "agency", "doc_type"):
        assert s[key]["accuracy"] >= floor[key], key
    assert s["agency_resolved"]["accuracy"] >= floor["agency"] and s["region"]["accuracy"] >= floor["agency"]
    evidence = s["evidence_agreement"]  # values read inside the gold's own sentence or row
    assert (
        evidence["checked"] >= m["tp"] * 0.9 and evidence["agree"] >= evidence["checked"] * floor["evidence"]
    )


def test_synthetic_reports_are_read_as_their_truth_says(tmp_path):
    """A generalisation check on phrasing the rules were not written from (pipeline.synth)."""
    synth = pytest.importorskip("pipeline.synth")
    synth.generate(40, tmp_path / "s", seed=2024)
    s = evaluate_dir(tmp_path).to_dict()["overall"]
    print(f"\nsynthetic: {s['metrics']} year={s['year']} doc_type={s['doc_type']} agency={s['agency']}")
    assert s["metrics"]["precision"] >= 0.97 and s["metrics"]["f1"] >= 0.95
    assert s["year"]["accuracy"] >= 0.95 and s["doc_type"]["accuracy"] >= 0.9


BAD_GOLD = {
    "broken.json": b"{not json",
    "utf16.json": '{"metrics": []}'.encode("utf-16"),
    "a_list.json": b"[]",
    "metrics_text.json": b'{"metrics": "54"}',
    "no_value.json": json.dumps({"metrics": [{"metric": "items_published", "value": "n/a"}]}).encode(),
    "no_name.json": json.dumps({"metrics": [{"value": 54}]}).encode(),
}


def test_gold_files_that_cannot_be_scored_are_listed_and_the_rest_is_scored(tmp_path, capsys):
    from pipeline.__main__ import main

    _write(tmp_path, "good", _gold())
    alone = evaluate_dir(tmp_path).to_dict()["overall"]
    for name, data in BAD_GOLD.items():
        (tmp_path / name).write_bytes(data)
        (tmp_path / name.replace(".json", ".txt")).write_text(REPORT, encoding="utf-8")
    report = evaluate_dir(tmp_path)
    assert report.to_dict()["overall"] == alone
    assert sorted(p for p, _ in report.gold_errors) == sorted(BAD_GOLD)
    assert all(why for _, why in report.gold_errors)
    assert main(["evaluate", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "gold files not scored (6)" in out and "Traceback" not in out + err
    for name in BAD_GOLD:
        assert name in out
