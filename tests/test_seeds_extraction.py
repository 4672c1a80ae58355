"""End to end on the five sample reports: every gold value exactly, right year and type, no extra values."""

from __future__ import annotations

import re

import pytest

from pipeline.catalog import CORE_KEYS
from pipeline.extract import extract
from pipeline.numbers import parse_number
from pipeline.resolve import resolve_records
from tests.conftest import RAW_DIR, seed_pairs, to_traditional

PAIRS = seed_pairs()
IDS = [p.name[:3] for p, _ in PAIRS]


@pytest.fixture(scope="module", autouse=True)
def _need_seeds(seeds_dir):
    return seeds_dir


@pytest.mark.parametrize(("path", "gold"), PAIRS, ids=IDS)
def test_a_sample_report_yields_exactly_its_gold_values(path, gold):
    ex = extract(path.read_text(encoding="utf-8"), path.name)
    optional = set(gold.get("optional") or [])
    got = {(r.metric, r.scope, r.value, r.approx) for r in resolve_records(ex.records)
           if r.metric in CORE_KEYS and r.metric not in optional}  # fmt: skip
    want = {(g["metric"], g["scope"], float(g["value"]), g["approx"]) for g in gold["metrics"]
            if g["metric"] not in optional}  # fmt: skip
    assert got == want


@pytest.mark.parametrize(("path", "gold"), PAIRS, ids=IDS)
def test_a_sample_report_gets_its_year_and_document_type(path, gold):
    meta = extract(path.read_text(encoding="utf-8"), path.name).meta
    assert (meta.year, meta.doc_type) == (gold["year"], gold["doc_type"])


@pytest.mark.parametrize("path", sorted(RAW_DIR.glob("*.txt")), ids=lambda p: p.name[:3])
def test_every_record_offset_points_at_the_value_as_written(path):
    ex = extract(path.read_text(encoding="utf-8"), path.name)
    for r in ex.records:
        written = ex.text[r.start : r.end]
        assert written and written in ex.text[max(0, r.start - len(r.evidence)) : r.end + len(r.evidence)]
        if r.value == 0 and not re.search(r"\d", written):
            assert re.search(r"未|没有|无", written), (r.metric, written)
        else:
            parsed = float(parse_number(written))
            assert r.value in (pytest.approx(parsed), pytest.approx(parsed * 10000)), (r.metric, written)


@pytest.mark.parametrize("path", sorted(RAW_DIR.glob("*.txt")), ids=lambda p: p.name[:3])
def test_a_traditional_copy_yields_the_same_values_with_its_own_text_as_evidence(path):
    from pipeline.text import looks_traditional, normalise

    original = extract(path.read_text(encoding="utf-8"), path.name)
    copy = to_traditional(normalise(path.read_text(encoding="utf-8")))
    assert looks_traditional(copy) and copy != original.text
    mirrored = extract(copy, path.name)
    assert [(r.metric, r.scope, r.value, r.start, r.end) for r in mirrored.records] == [
        (r.metric, r.scope, r.value, r.start, r.end) for r in original.records
    ]
    for mine, theirs in zip(mirrored.records, original.records, strict=True):
        assert mine.evidence == to_traditional(theirs.evidence)  # as the copy writes it
        at = mirrored.text.rfind(mine.evidence, 0, mine.start + len(mine.evidence))
        assert 0 <= at <= mine.start and mine.end <= at + len(mine.evidence)
