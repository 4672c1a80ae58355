"""Plausibility flags on the resolved dataset."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.plausibility import FLAGS, plausibility_flags


def frame(rows: list[tuple[str, int, str, float]], flags: str = "") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agency_id": [r[0] for r in rows],
            "year": pd.array([r[1] for r in rows], dtype="Int64"),
            "metric": [r[2] for r in rows],
            "scope": ["annual"] * len(rows),
            "value": [float(r[3]) for r in rows],
            "flags": pd.array([flags] * len(rows), dtype="string"),
        }
    )


def flags_of(df: pd.DataFrame, agency: str, year: int, metric: str) -> list[str]:
    sel = df[(df["agency_id"] == agency) & (df["year"] == year) & (df["metric"] == metric)]
    return [f for f in str(sel["flags"].iloc[0]).split(";") if f]


@pytest.mark.parametrize(
    ("prev", "this", "flagged"),
    [(100, 501, True), (100, 500, False), (100, 19, True), (100, 20, False), (0, 50, False)],
)
def test_a_value_jumping_more_than_fivefold_from_last_year_is_flagged(
    prev: float, this: float, flagged: bool
) -> None:
    out = plausibility_flags(
        frame([("A", 2020, "items_accepted", prev), ("A", 2021, "items_accepted", this)])
    )
    assert ("jump_5x" in flags_of(out, "A", 2021, "items_accepted")) is flagged
    assert "jump_5x" not in flags_of(out, "A", 2020, "items_accepted")


def test_a_jump_is_measured_against_the_same_agency_and_metric_only() -> None:
    rows = [
        ("A", 2020, "items_accepted", 10),
        ("B", 2021, "items_accepted", 1000),
        ("A", 2021, "items_published", 1000),
        ("C", 2019, "items_accepted", 1000),
        ("C", 2021, "items_accepted", 11),  # two years back is not the previous year
        ("A", 2021, "items_accepted", 11),
    ]
    out = plausibility_flags(frame(rows))
    assert not any("jump_5x" in f for f in out["flags"])


@pytest.mark.parametrize(
    ("metric", "value", "flag"),
    [
        ("satisfaction_rate", 101, "pct_out_of_range"),
        ("completion_rate", -1, "pct_out_of_range"),
        ("rate_granted", 150, "pct_out_of_range"),
        ("disclosure_requests", -3, "negative"),
    ],
)
def test_impossible_values_are_flagged(metric: str, value: float, flag: str) -> None:
    assert flag in flags_of(plausibility_flags(frame([("A", 2021, metric, value)])), "A", 2021, metric)


@pytest.mark.parametrize(
    ("metric", "value"),
    [("satisfaction_rate", 100), ("completion_rate", 0), ("licensing_items_change", -2), ("lawsuits", 0)],
)
def test_plausible_values_are_not_flagged(metric: str, value: float) -> None:
    assert flags_of(plausibility_flags(frame([("A", 2021, metric, value)])), "A", 2021, metric) == []


def test_completed_above_accepted_flags_both_values_of_that_agency_year() -> None:
    rows = [
        ("A", 2021, "items_accepted", 100),
        ("A", 2021, "items_completed", 120),
        ("A", 2022, "items_accepted", 100),
        ("A", 2022, "items_completed", 90),
    ]
    out = plausibility_flags(frame(rows))
    assert "completed_gt_accepted" in flags_of(out, "A", 2021, "items_completed")
    assert "completed_gt_accepted" in flags_of(out, "A", 2021, "items_accepted")
    assert "completed_gt_accepted" not in flags_of(out, "A", 2022, "items_completed")


def test_existing_flags_are_kept_and_extended() -> None:
    out = plausibility_flags(frame([("A", 2021, "satisfaction_rate", 120)], flags="conflict"))
    assert flags_of(out, "A", 2021, "satisfaction_rate") == ["conflict", "pct_out_of_range"]


def test_plausibility_flags_does_not_mutate_its_input() -> None:
    df = frame([("A", 2020, "items_accepted", 1), ("A", 2021, "items_accepted", 100)])
    before = df.copy()
    out = plausibility_flags(df)
    pd.testing.assert_frame_equal(df, before)
    assert out is not df


def test_every_flag_has_a_description() -> None:
    rows = [
        ("A", 2020, "items_accepted", 1),
        ("A", 2021, "items_accepted", 100),
        ("A", 2021, "items_completed", 200),
    ]
    rows += [("A", 2021, "satisfaction_rate", 200), ("A", 2021, "lawsuits", -1)]
    raised = {f for fl in plausibility_flags(frame(rows))["flags"] for f in str(fl).split(";") if f}
    assert raised == set(FLAGS)
