"""Derived indicators (rates, year-on-year change, index) computed from the resolved dataset."""

from __future__ import annotations

import math

import pandas as pd

from pipeline.catalog import CHANGES, DERIVED, Derived, label
from pipeline.schema import RESOLVED_COLUMNS

AGENCY_YEAR = ["agency_id", "year"]
_CHANGE = {c.key: c for c in CHANGES}


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in RESOLVED_COLUMNS.items()})


def _typed(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return _empty()
    out = pd.DataFrame(rows)
    for col, dtype in RESOLVED_COLUMNS.items():
        if col not in out:
            out[col] = pd.NA
        out[col] = out[col].astype(dtype)
    return out[list(RESOLVED_COLUMNS)].reset_index(drop=True)


def _fmt(v: float) -> str:
    return f"{v:g}"


def _ratio(d: Derived, values: dict[str, float]) -> tuple[float, str] | None:
    """The indicator's value and its evidence, or None when an input is missing or the base is 0."""
    needed = d.numerator + d.denominator + d.subtract
    if any(k not in values for k in needed):
        return None
    num = sum(values[k] for k in d.numerator)
    den = sum(values[k] for k in d.denominator) - sum(values[k] for k in d.subtract)
    if den <= 0:  # a ratio over nothing is no value, never 0
        return None
    inputs = ", ".join(f"{label(k, with_unit=False)}={_fmt(values[k])}" for k in needed)
    return 100.0 * num / den, f"{d.formula_zh}: {inputs}"


INPUTS = tuple(dict.fromkeys(k for d in DERIVED for k in d.numerator + d.denominator + d.subtract))


def compute_derived(resolved: pd.DataFrame) -> pd.DataFrame:
    """Every catalogued ratio (catalog.DERIVED) per agency-year, in the resolved long format.

    Only annual values take part; a missing input or a zero denominator gives no row. Works on
    whole columns (one wide agency-year table), so a million-row dataset takes about a second.
    """
    annual = resolved[
        (resolved["scope"] == "annual") & resolved["value"].notna() & resolved["metric"].isin(INPUTS)
    ]
    if annual.empty:
        return _empty()
    annual = annual.assign(
        approx=annual["approx"].fillna(False).astype(bool), confidence=annual["confidence"].astype(float)
    )
    wide = annual.pivot_table(
        index=AGENCY_YEAR, columns="metric", values=["value", "approx", "confidence"], aggfunc="first"
    )
    groups = annual.groupby(AGENCY_YEAR, sort=True)
    about = groups[["agency", "region"]].first()
    # A derived value names its document only when all its inputs come from one document.
    single_doc = groups["doc_id"].first().where(groups["doc_id"].nunique() == 1)
    frames = []
    for d in DERIVED:
        needed = list(dict.fromkeys(d.numerator + d.denominator + d.subtract))
        if any(k not in wide["value"].columns for k in needed):
            continue
        values = wide["value"][needed].astype(float).dropna()
        num = values[list(d.numerator)].sum(axis=1)
        den = values[list(d.denominator)].sum(axis=1) - values[list(d.subtract)].sum(axis=1)
        values = values[den > 0]  # a ratio over nothing is no value, never 0
        if values.empty:
            continue
        idx = values.index
        evidence = pd.Series(f"{d.formula_zh}: ", index=idx)
        for n, k in enumerate(needed):
            sep = ", " if n else ""
            evidence = evidence + f"{sep}{label(k, with_unit=False)}=" + values[k].map(_fmt)
        frames.append(
            pd.DataFrame(
                {
                    "doc_id": single_doc.loc[idx],
                    "agency": about.loc[idx, "agency"],
                    "region": about.loc[idx, "region"],
                    "metric": d.key,
                    "value": 100.0 * num.loc[idx] / den.loc[idx],
                    "unit": d.unit,
                    "scope": "annual",
                    "approx": wide["approx"].loc[idx, needed].astype(bool).any(axis=1),
                    "evidence": evidence,
                    "method": f"derived:{d.key}",
                    "confidence": wide["confidence"].loc[idx, needed].min(axis=1),
                    "flags": "",
                    "source": "derived",
                    "n_sources": len(needed),
                    "conflict": False,
                    "alternatives": "",
                    "note": "",
                },
                index=idx,
            ).reset_index()
        )
    if not frames:
        return _empty()
    out = pd.concat(frames, ignore_index=True).sort_values(AGENCY_YEAR, kind="stable")
    for col, dtype in RESOLVED_COLUMNS.items():
        out[col] = out[col].astype(dtype) if col in out else pd.Series(pd.NA, index=out.index, dtype=dtype)
    return out[list(RESOLVED_COLUMNS)].reset_index(drop=True)


def _series(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    sel = df[(df["metric"] == metric) & (df["scope"] == "annual") & df["value"].notna()]
    return sel.sort_values(AGENCY_YEAR, kind="stable")


def _change_rows(df: pd.DataFrame, metric: str, change: str) -> list[dict]:
    c = _CHANGE[change]
    rows: list[dict] = []
    for agency_id, grp in _series(df, metric).groupby("agency_id", sort=True):
        by_year = dict(zip(grp["year"].astype(int), grp["value"].astype(float), strict=True))
        agency = grp["agency"].iloc[0] if "agency" in grp else pd.NA
        first_year = min(by_year)
        for year, value in sorted(by_year.items()):
            base_year = year - 1 if change == "yoy" else first_year
            base = by_year.get(base_year)
            if base is None or base == 0 or math.isnan(base):
                continue  # no previous year (or a zero base): no value, never 0
            out = (value - base) / base * 100.0 if change == "yoy" else value / base * 100.0
            rows.append(
                {
                    "agency_id": agency_id,
                    "agency": agency,
                    "year": year,
                    "metric": metric,
                    "change": change,
                    "value": out,
                    "unit": c.unit,
                    "base_year": base_year,
                    "base_value": base,
                    "source": "derived",
                    "evidence": f"{c.formula_zh}: {year}年={_fmt(value)}, {base_year}年={_fmt(base)}",
                }
            )
    return rows


_CHANGE_COLUMNS = {
    "agency_id": "string",
    "agency": "string",
    "year": "Int64",
    "metric": "string",
    "change": "string",
    "value": "float64",
    "unit": "string",
    "base_year": "Int64",
    "base_value": "float64",
    "source": "string",
    "evidence": "string",
}


def _change_frame(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=list(_CHANGE_COLUMNS))
    return out.astype(_CHANGE_COLUMNS).reset_index(drop=True)


def yoy_change(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per agency and year, % change of `metric` against the calendar year before.

    No row when the previous year is missing or 0. Columns: see _CHANGE_COLUMNS.
    """
    return _change_frame(_change_rows(df, metric, "yoy"))


def index_series(df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per agency and year, `metric` as an index of its first available year (= 100)."""
    return _change_frame(_change_rows(df, metric, "index"))
