"""Derived indicators: catalogued ratios, year-on-year change and index from a resolved frame."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.catalog import DERIVED_BY_KEY
from pipeline.derived import compute_derived, index_series, yoy_change
from pipeline.schema import RESOLVED_COLUMNS


def resolved(rows: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    """A resolved frame from (agency_id, year, metric, value) tuples."""
    recs = [
        {
            "doc_id": f"d{a}{y}",
            "agency_id": a,
            "agency": f"机关{a}",
            "year": y,
            "metric": m,
            "value": v,
            "unit": "件",
            "scope": "annual",
            "approx": False,
            "method": "table:x",
            "confidence": 0.9,
            "source": "table",
            "conflict": False,
        }
        for a, y, m, v in rows
    ]
    df = pd.DataFrame(recs)
    for col, dtype in RESOLVED_COLUMNS.items():
        if col not in df:
            df[col] = pd.NA
        df[col] = df[col].astype(dtype)
    return df[list(RESOLVED_COLUMNS)]


def value_of(out: pd.DataFrame, key: str, agency: str = "A", year: int = 2021) -> float | None:
    sel = out[(out["metric"] == key) & (out["agency_id"] == agency) & (out["year"] == year)]
    return None if sel.empty else float(sel["value"].iloc[0])


REQUESTS = [
    ("A", 2021, "requests_granted", 6),
    ("A", 2021, "requests_partially_granted", 2),
    ("A", 2021, "unavailable_not_held", 1),
    ("A", 2021, "requests_concluded", 10),
    ("A", 2021, "disclosure_requests", 9),
    ("A", 2021, "requests_carried_over", 3),
    ("A", 2021, "requests_carried_forward", 2),
    ("A", 2021, "admin_reconsiderations", 5),
    ("A", 2021, "reconsideration_corrected", 1),
    ("A", 2021, "reconsideration_pending", 1),
]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("rate_granted", 60.0),
        ("rate_disclosed", 80.0),
        ("rate_not_held", 10.0),
        ("rate_reconsideration_corrected", 25.0),
        ("rate_carried_forward", 2 / 12 * 100),
    ],
)
def test_each_rate_follows_its_catalogued_formula(key: str, expected: float) -> None:
    out = compute_derived(resolved(REQUESTS))
    assert value_of(out, key) == pytest.approx(expected)
    row = out[out["metric"] == key].iloc[0]
    assert row["source"] == "derived"
    assert DERIVED_BY_KEY[key].formula_zh in row["evidence"]
    assert list(out.columns) == list(RESOLVED_COLUMNS)


def test_a_zero_denominator_gives_no_value_rather_than_zero() -> None:
    rows = [("A", 2021, "requests_granted", 0), ("A", 2021, "requests_concluded", 0)]
    out = compute_derived(resolved(rows))
    assert value_of(out, "rate_granted") is None


def test_a_missing_input_gives_no_value() -> None:
    out = compute_derived(resolved([("A", 2021, "requests_concluded", 10)]))
    assert out.empty


def test_correction_rate_is_over_concluded_cases_only() -> None:
    rows = [
        ("A", 2021, "admin_reconsiderations", 3),
        ("A", 2021, "reconsideration_corrected", 0),
        ("A", 2021, "reconsideration_pending", 3),
    ]
    assert value_of(compute_derived(resolved(rows)), "rate_reconsideration_corrected") is None


def test_lawsuit_correction_rate_sums_both_lawsuit_groups() -> None:
    rows = [
        ("A", 2021, "lawsuit_direct_corrected", 1),
        ("A", 2021, "lawsuit_after_review_corrected", 1),
        ("A", 2021, "lawsuit_direct_total", 4),
        ("A", 2021, "lawsuit_after_review_total", 2),
        ("A", 2021, "lawsuit_direct_pending", 1),
        ("A", 2021, "lawsuit_after_review_pending", 1),
    ]
    assert value_of(compute_derived(resolved(rows)), "rate_lawsuit_corrected") == pytest.approx(50.0)


def test_rates_are_computed_per_agency_and_year() -> None:
    rows = [
        ("A", 2021, "requests_granted", 1),
        ("A", 2021, "requests_concluded", 4),
        ("B", 2021, "requests_granted", 3),
        ("B", 2021, "requests_concluded", 4),
        ("A", 2022, "requests_granted", 2),
    ]
    out = compute_derived(resolved(rows))
    assert value_of(out, "rate_granted", "A") == pytest.approx(25.0)
    assert value_of(out, "rate_granted", "B") == pytest.approx(75.0)
    assert value_of(out, "rate_granted", "A", 2022) is None


def test_compute_derived_of_an_empty_frame_is_empty_with_the_resolved_columns() -> None:
    out = compute_derived(resolved([]))
    assert out.empty and list(out.columns) == list(RESOLVED_COLUMNS)


SERIES = [
    ("A", 2019, "disclosure_requests", 10),
    ("A", 2020, "disclosure_requests", 15),
    ("A", 2021, "disclosure_requests", 0),
    ("A", 2022, "disclosure_requests", 5),
    ("A", 2024, "disclosure_requests", 8),
    ("B", 2020, "disclosure_requests", 4),
    ("B", 2021, "disclosure_requests", 2),
]


@pytest.mark.parametrize(
    ("agency", "year", "expected"),
    [
        ("A", 2019, None),  # no previous year
        ("A", 2020, 50.0),
        ("A", 2021, -100.0),
        ("A", 2022, None),  # previous year is 0
        ("A", 2024, None),  # 2023 missing: no comparison with an older year
        ("B", 2021, -50.0),
    ],
)
def test_year_on_year_change_compares_with_the_calendar_year_before(
    agency: str, year: int, expected: float | None
) -> None:
    out = yoy_change(resolved(SERIES), "disclosure_requests")
    assert value_of(out, "disclosure_requests", agency, year) == (
        None if expected is None else pytest.approx(expected)
    )


def test_index_sets_each_agencys_first_year_to_100() -> None:
    out = index_series(resolved(SERIES), "disclosure_requests")
    assert value_of(out, "disclosure_requests", "A", 2019) == pytest.approx(100.0)
    assert value_of(out, "disclosure_requests", "A", 2020) == pytest.approx(150.0)
    assert value_of(out, "disclosure_requests", "B", 2021) == pytest.approx(50.0)


def test_derived_functions_do_not_mutate_their_input() -> None:
    df = resolved(REQUESTS + SERIES)
    before = df.copy()
    compute_derived(df)
    yoy_change(df, "disclosure_requests")
    pd.testing.assert_frame_equal(df, before)
