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


def compute_derived(resolved: pd.DataFrame) -> pd.DataFrame:
    """Every catalogued ratio (catalog.DERIVED) per agency-year, in the resolved long format.

    Only annual values take part; a missing input or a zero denominator gives no row.
    """
    if resolved.empty:
        return _empty()
    annual = resolved[(resolved["scope"] == "annual") & resolved["value"].notna()]
    rows: list[dict] = []
    for (agency_id, year), grp in annual.groupby(AGENCY_YEAR, sort=True, dropna=True):
        values = dict(zip(grp["metric"].astype(str), grp["value"].astype(float), strict=True))
        first = grp.iloc[0]
        docs = grp["doc_id"].dropna().unique()
        for d in DERIVED:
            got = _ratio(d, values)
            if got is None:
                continue
            value, evidence = got
            inputs = grp[grp["metric"].isin(d.numerator + d.denominator + d.subtract)]
            rows.append(
                {
                    "doc_id": docs[0] if len(docs) == 1 else pd.NA,
                    "agency_id": agency_id,
                    "agency": first.get("agency", pd.NA),
                    "region": first.get("region", pd.NA),
                    "year": year,
                    "metric": d.key,
                    "value": value,
                    "unit": d.unit,
                    "scope": "annual",
                    "approx": bool(inputs["approx"].fillna(False).astype(bool).any()),
                    "evidence": evidence,
                    "method": f"derived:{d.key}",
                    "confidence": float(inputs["confidence"].astype(float).min()),
                    "flags": "",
                    "source": "derived",
                    "n_sources": len(inputs),
                    "conflict": False,
                    "alternatives": "",
                    "note": "",
                }
            )
    return _typed(rows)


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
