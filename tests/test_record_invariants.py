"""What every record promises, on the sample reports damaged the ways real copies are: its value as
written lies inside its evidence, its evidence is text of the report as given, and its value parses.

The damage: cut short, a span lost, a line repeated, lines run together, stray tokens, and the
whole copy in traditional characters. Any failure names the seed and the edits that broke it.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.extract import extract
from pipeline.numbers import parse_number
from pipeline.resolve import resolve_records
from pipeline.text import to_simplified
from tests.conftest import RAW_DIR, to_traditional

SEEDS = sorted(RAW_DIR.glob("*.txt"))
TEXTS = [p.read_text(encoding="utf-8") for p in SEEDS]
TOKENS = ["\n", "|", "。", " ", "\t", "其中", "约", "万", "0", "一", "(", ")", "第", "%", "件", "余", "累计"]

FUZZ = settings(max_examples=80, deadline=None, database=None, suppress_health_check=list(HealthCheck))

edit = st.one_of(
    st.tuples(st.just("cut"), st.floats(0, 1)),
    st.tuples(st.just("drop"), st.floats(0, 1), st.integers(1, 60)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from(TOKENS)),
    st.tuples(st.just("repeat"), st.floats(0, 1), st.floats(0, 1), st.integers(1, 200)),
    st.tuples(st.just("join"), st.floats(0, 1), st.integers(1, 20)),
    st.tuples(
        st.just("traditional"),
    ),
)


def damaged(text: str, edits: list[tuple]) -> str:
    for kind, *args in edits:
        at = int(args[0] * len(text)) if args else 0
        if kind == "cut":
            text = text[:at]
        elif kind == "drop":
            text = text[:at] + text[at + args[1] :]
        elif kind == "insert":
            text = text[:at] + args[1] + text[at:]
        elif kind == "repeat":
            src = int(args[1] * len(text))
            text = text[:at] + text[src : src + args[2]] + text[at:]
        elif kind == "join":
            text = text[:at] + text[at:].replace("\n", " ", args[1])
        else:
            text = to_traditional(text)
    return text


def assert_records_keep_their_promises(raw: str) -> None:
    ex = extract(raw, "fuzzed.txt")
    resolve_records(ex.records)  # never raises either
    for r in ex.records:
        written = ex.text[r.start : r.end]
        assert 0 <= r.start < r.end <= len(ex.text), (r.metric, r.start, r.end)
        # the nearest copy of the evidence at or before the value holds the value
        at = ex.text.rfind(r.evidence, 0, r.start + len(r.evidence))
        assert 0 <= at <= r.start and r.end <= at + len(r.evidence), (r.metric, r.evidence, written)
        assert r.value >= 0 and r.value == r.value, (r.metric, r.value)
        if r.value == 0 and not re.search(r"\d", written):
            assert re.search(r"未|没有|无", written), (r.metric, written)
        else:
            parsed = parse_number(to_simplified(written))
            assert parsed is not None, (r.metric, written)
            assert any(
                abs(r.value - float(parsed) * f) <= 1e-6 * max(1.0, r.value) for f in (1, 10_000, 1e8)
            ), (
                r.metric,
                written,
                r.value,
            )


@pytest.mark.parametrize("text", TEXTS, ids=[p.name[:3] for p in SEEDS])
def test_the_sample_reports_as_given_keep_every_promise(text: str) -> None:
    assert_records_keep_their_promises(text)


@FUZZ
@given(st.sampled_from(range(len(TEXTS))), st.lists(edit, min_size=1, max_size=5))
def test_damaged_copies_of_the_sample_reports_keep_every_promise(seed: int, edits: list[tuple]) -> None:
    assert_records_keep_their_promises(damaged(TEXTS[seed], edits))
