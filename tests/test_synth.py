"""The synthetic report generator: deterministic, marked, exact truth, varied, and kept out of data/raw."""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import cn2an
import pytest
from conftest import REPO

from pipeline import synth
from pipeline.catalog import BY_KEY, CORE_KEYS
from pipeline.schema import DOC_TYPES, REPORT_FORMATS, SCOPES

SAMPLE = [synth.make_document(seed=7, index=i) for i in range(800)]
GOLD_KEYS = {"id", "source", "format", "truncated", "agency", "region", "year", "doc_type", "published",
             "metrics", "optional"}  # fmt: skip
METRIC_KEYS = {"metric", "value", "unit", "scope", "approx", "evidence"}


def test_the_same_seed_gives_the_same_corpus_whatever_the_worker_count(tmp_path: Path):
    one = synth.generate(120, tmp_path / "a", seed=3, workers=1, batch=50)
    two = synth.generate(120, tmp_path / "b", seed=3, workers=2, batch=50)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert len(files) == 240 and one.text_bytes == two.text_bytes > 0
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_another_seed_gives_other_reports():
    assert synth.make_document(1, 0)[0] != synth.make_document(2, 0)[0]
    assert synth.make_document(1, 0) == synth.make_document(1, 0)


def test_every_report_is_marked_synthetic_in_its_name_first_line_and_source(tmp_path: Path):
    synth.generate(30, tmp_path, seed=1)
    texts = sorted(tmp_path.glob("*.txt"))
    assert len(texts) == 30
    for txt in texts:
        assert txt.name.startswith("synth_")
        assert txt.read_text(encoding="utf-8").split("\n", 1)[0] == "【合成样本 SYNTHETIC】"
        gold = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
        assert gold["source"] == "synthetic" and gold["id"] == txt.stem


@pytest.mark.parametrize("target", ["data/raw", "data/raw/synthetic", "elsewhere/data/raw"])
def test_writing_into_data_raw_is_refused_and_writes_nothing(tmp_path: Path, target: str):
    for base in (REPO, tmp_path):
        out = base / target
        existed = out.exists()
        with pytest.raises(synth.SyntheticTargetError, match="data/raw holds real reports only"):
            synth.generate(3, out, seed=0)
        if not existed:
            assert not out.exists()
    assert not list((REPO / "data" / "raw").glob("synth_*"))


def test_the_command_line_refuses_data_raw_with_status_2(capsys):
    assert synth.main(["2", str(REPO / "data" / "raw")]) == 2
    assert "refusing to write synthetic reports" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["-3", "{out}"], "N must be at least 0"),
        (["3", "{out}", "--workers", "0"], "--workers at least 1"),
        (["3", "{file}"], "cannot write the reports"),  # a file where the folder should be
        (["3", "{file}/below"], "cannot write the reports"),
        (["3", "{out}", "--formats", "txt,xls"], "unknown format xls: choose from txt, html"),
    ],
)
def test_the_command_line_refuses_what_it_cannot_do_with_status_2(tmp_path: Path, capsys, args, said):
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    argv = [a.format(out=tmp_path / "out", file=tmp_path / "a-file") for a in args]
    assert synth.main(argv) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_the_command_line_writes_the_truth_apart_when_asked(tmp_path: Path):
    assert synth.main(["3", str(tmp_path / "corpus"), "--truth-dir", str(tmp_path / "truth")]) == 0
    assert sorted(p.suffix for p in (tmp_path / "corpus").iterdir()) == [".txt"] * 3
    assert sorted(p.stem for p in (tmp_path / "truth").iterdir()) == sorted(
        p.stem for p in (tmp_path / "corpus").iterdir()
    )


def test_every_evidence_is_an_exact_substring_of_its_report():
    for text, truth in SAMPLE:
        for m in truth["metrics"]:
            assert m["evidence"] and m["evidence"] in text, (truth["id"], m)


def test_the_truth_has_the_gold_schema_and_catalogue_units(seeds_dir: Path):
    real = json.loads(next(iter(sorted(seeds_dir.glob("*.json")))).read_text(encoding="utf-8"))
    assert set(real) == GOLD_KEYS and set(real["metrics"][0]) == METRIC_KEYS  # the yardstick itself
    for _, truth in SAMPLE:
        assert set(truth) == GOLD_KEYS
        assert truth["format"] in REPORT_FORMATS and truth["doc_type"] in DOC_TYPES
        assert truth["truncated"] is False and truth["optional"] == []
        assert 2008 <= truth["year"] <= 2025 and truth["agency"] and truth["region"]
        if truth["published"] is not None:
            assert date.fromisoformat(truth["published"]).year == truth["year"] + 1
        for m in truth["metrics"]:
            assert set(m) == METRIC_KEYS
            assert m["metric"] in CORE_KEYS and m["unit"] == BY_KEY[m["metric"]].unit
            assert m["scope"] in SCOPES and isinstance(m["approx"], bool)
            assert isinstance(m["value"], int | float) and m["value"] >= 0
        annual = Counter(m["metric"] for m in truth["metrics"] if m["scope"] == "annual")
        assert max(annual.values(), default=1) == 1, "one annual value per metric and report"


def test_table_rows_carry_their_total_column_as_the_value():
    checked = 0
    for _, truth in SAMPLE:
        for m in truth["metrics"]:
            if m["evidence"].startswith(("一、本年新收", "二、上年结转")):
                assert int(re.findall(r"\d+", m["evidence"])[-1]) == m["value"]
                checked += 1
    assert checked > 50


def test_the_agency_name_appears_in_the_report_and_its_region_is_placed():
    for text, truth in SAMPLE:
        assert truth["agency"] in text
        assert truth["region"].startswith(tuple(p for p, _ in synth.REGIONS))


def test_the_corpus_varies_the_way_real_reports_do():
    texts = "\n".join(t for t, _ in SAMPLE)
    truths = [g for _, g in SAMPLE]
    metrics = [m for g in truths for m in g["metrics"]]
    assert len({g["agency"] for g in truths}) > 500
    assert {g["year"] for g in truths} == set(range(2008, 2026))
    assert {g["doc_type"] for g in truths} == set(DOC_TYPES)
    assert {g["format"] for g in truths} == set(REPORT_FORMATS)
    assert {m["metric"] for m in metrics} == CORE_KEYS
    assert {m["scope"] for m in metrics} == set(SCOPES)
    assert any(m["approx"] for m in metrics)
    evidence = "\n".join(m["evidence"] for m in metrics)
    for marker in ("万", "约", "余", "其中", "同比", "０", "\t", " | ", "未收到", "未收取任何费用", "百"):
        assert marker in (evidence if marker in ("万", "约", "余", "０") else texts), marker
    used = {rule for rule, (_, _, template) in synth.PHRASES.items() if template.split("{")[0][-4:] in texts}
    assert len(used) > 0.8 * len(synth.PHRASES)


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "零"), (7, "七"), (10, "十"), (12, "十二"), (20, "二十"), (105, "一百零五"), (110, "一百一十"),
     (1005, "一千零五"), (30200, "三万零二百"), (100000, "十万"), (110000, "十一万"), (1000100, "一百万零一百")],
)  # fmt: skip
def test_chinese_numerals_are_written_as_reports_write_them(n: int, text: str):
    assert synth.chinese_numeral(n) == text


def _read_back(text: str) -> Decimal:
    """An independent reader (cn2an for Chinese digits) for the numbers the generator writes."""
    core = unicodedata.normalize("NFKC", text).strip()
    core = re.sub(r"^(约|近|超过)|(余|多|以上)$", "", core).replace(",", "")
    if core.endswith("万"):
        return Decimal(core[:-1]) * 10000
    if core.endswith("%"):
        return Decimal(core[:-1])
    if core == "百分之百":
        return Decimal(100)
    return Decimal(str(cn2an.cn2an(core, "smart")))


def test_every_rendered_number_reads_back_as_its_value():
    import random

    rng = random.Random(0)
    for _ in range(3000):
        value = int(10 ** rng.uniform(0, 6.5))
        text, stated, approx = synth.render_count(rng, value, approx_ok=True)
        assert _read_back(text) == stated, text
        assert approx == bool(re.search(r"^(约|近|超过)|(余|多)$", text)), text
        pct = round(rng.uniform(90, 100), rng.choice((0, 1, 2)))
        text, stated, approx = synth.render_percent(rng, pct, approx_ok=True)
        assert _read_back(text) == Decimal(str(stated)), text


def test_generation_is_fast_enough_for_a_national_corpus(tmp_path: Path):
    began = time.perf_counter()
    synth.generate(1000, tmp_path, seed=9)
    # ~0.5 ms of CPU per report (100,000 in about a minute on 2 cores); the bound leaves room for a
    # loaded CI machine and still catches an accidental quadratic step.
    assert time.perf_counter() - began < 30


def test_extraction_reaches_its_measured_precision_and_recall_on_generated_reports(tmp_path: Path):
    from pipeline.evaluate import evaluate_dir

    synth.generate(200, tmp_path, seed=2024)
    overall = evaluate_dir(tmp_path).to_dict()["overall"]["metrics"]
    # Floors a little under what was measured on this corpus (P 0.998, R 0.93): a regression fails.
    assert overall["precision"] >= 0.97, overall
    assert overall["recall"] >= 0.88, overall


def test_reports_in_several_formats_cycle_through_them_and_keep_their_truth(tmp_path: Path):
    from pipeline.readers import read_path
    from pipeline.synth_formats import WRITERS

    formats = list(WRITERS)
    g = synth.generate(2 * len(formats), tmp_path, seed=4, formats=formats)
    reports = sorted(p for p in tmp_path.iterdir() if p.suffix != ".json")
    assert [p.suffix.lstrip(".") for p in reports] == [WRITERS[f][0] for f in formats] * 2
    assert g.text_bytes == sum(p.stat().st_size for p in reports)
    for p in reports:
        read = read_path(p)
        truth = json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))
        assert read.status == "ok", (p.name, read.message)
        assert read.kind == {"htm": "html", "mht": "mhtml"}.get(p.suffix[1:], p.suffix[1:])
        assert truth["agency"] in read.text.replace("\n", ""), p.name  # the text went in whole
        assert synth.MARK in read.text


def test_a_format_whose_writer_needs_a_missing_package_is_refused_before_writing(tmp_path: Path, monkeypatch):
    from pipeline import synth_formats

    monkeypatch.setitem(synth_formats.NEEDS, "pdf", "no_such_package_here")
    with pytest.raises(synth.FormatError, match="needs the package 'no_such_package_here'.*requirements-dev"):
        synth.generate(3, tmp_path / "out", formats=["txt", "pdf"])
    assert not (tmp_path / "out").exists()
