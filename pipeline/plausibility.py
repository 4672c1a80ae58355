"""Plausibility flags on the resolved dataset: jumps, impossible percentages, negatives, completed > accepted."""

from __future__ import annotations

import pandas as pd

from pipeline.catalog import BY_KEY, DERIVED_BY_KEY

JUMP_FACTOR = 5.0  # more than 5x, or below 1/5 of, the same agency's previous year
# Keys whose value may legitimately be negative (本年增/减 columns of the 2019 template).
MAY_BE_NEGATIVE = frozenset(k for k in BY_KEY if k.endswith("_change"))

# (flag, what it says) as data, shown by the dashboard beside a flagged value.
FLAGS: dict[str, str] = {
    "jump_5x": "与上年相比变化超过5倍(或不足五分之一)",
    "pct_out_of_range": "百分比不在0-100之间",
    "negative": "计数为负",
    "completed_gt_accepted": "办结件数大于受理件数",
}


def _is_percent(metric: str) -> bool:
    if metric in BY_KEY:
        return BY_KEY[metric].kind == "percent"
    return metric in DERIVED_BY_KEY and DERIVED_BY_KEY[metric].unit == "%"


def _jumps(df: pd.DataFrame) -> pd.Series:
    key = ["agency_id", "metric", "scope"]
    prev = df[key + ["year", "value"]].copy()
    prev["year"] = prev["year"] + 1  # last year's value, aligned to this year
    prev = prev.rename(columns={"value": "_prev"}).drop_duplicates(key + ["year"])
    merged = df[key + ["year", "value"]].merge(prev, on=key + ["year"], how="left")
    v, p = merged["value"].astype(float), merged["_prev"].astype(float)
    both = v.notna() & p.notna() & (p > 0) & (v > 0)
    jump = both & ((v > JUMP_FACTOR * p) | (v < p / JUMP_FACTOR))
    return pd.Series(jump.to_numpy(), index=df.index)


def _completed_gt_accepted(df: pd.DataFrame) -> pd.Series:
    annual = df[df["scope"] == "annual"]
    acc = annual[annual["metric"] == "items_accepted"].drop_duplicates(["agency_id", "year"])
    done = annual[annual["metric"] == "items_completed"].drop_duplicates(["agency_id", "year"])
    pair = done[["agency_id", "year", "value"]].merge(
        acc[["agency_id", "year", "value"]], on=["agency_id", "year"], suffixes=("_done", "_acc")
    )
    bad = pair[pair["value_done"].astype(float) > pair["value_acc"].astype(float)]
    pair_key = df["agency_id"].astype(str) + "\x1f" + df["year"].astype(str)
    bad_key = bad["agency_id"].astype(str) + "\x1f" + bad["year"].astype(str)
    hit = (
        pair_key.isin(set(bad_key))
        & df["metric"].isin(["items_accepted", "items_completed"])
        & (df["scope"] == "annual")
    )
    return hit.fillna(False).astype(bool)


def plausibility_flags(resolved: pd.DataFrame) -> pd.DataFrame:
    """A copy of `resolved` with its 'flags' column extended by the checks in FLAGS (input untouched)."""
    out = resolved.copy()
    if out.empty:
        if "flags" not in out:
            out["flags"] = pd.Series(dtype="string")
        return out
    value = out["value"].astype(float)
    percent = out["metric"].map(_is_percent).astype(bool)
    checks: dict[str, pd.Series] = {
        "jump_5x": _jumps(out),
        "pct_out_of_range": percent & ((value < 0) | (value > 100)),
        "negative": ~percent & (value < 0) & ~out["metric"].isin(MAY_BE_NEGATIVE),
        "completed_gt_accepted": _completed_gt_accepted(out),
    }
    old = out["flags"].fillna("").astype(str) if "flags" in out else pd.Series("", index=out.index)
    hits = pd.DataFrame({name: hit.to_numpy(dtype=bool) for name, hit in checks.items()}, index=out.index)
    flagged = hits.any(axis=1).to_numpy()
    new_flags = old.to_numpy(dtype=object).copy()
    # Only the few flagged rows need string work; the rest keep their flags as they are.
    for i in flagged.nonzero()[0]:
        have = [f for f in new_flags[i].split(";") if f]
        have += [name for name in checks if hits.iat[i, hits.columns.get_loc(name)] and name not in have]
        new_flags[i] = ";".join(have)
    out["flags"] = pd.Series(new_flags, index=out.index, dtype="string")
    return out
