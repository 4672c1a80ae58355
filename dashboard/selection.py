"""Pure DataFrame -> DataFrame steps behind the charts: filtering, agency lists, indices, ranks, peers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

TREND_MODES = ("absolute", "indexed", "yoy")


def metric_rows(
    values: pd.DataFrame, metric: str, scope: str, by_metric: Mapping | None = None
) -> pd.DataFrame:
    """All rows of one metric in one scope (annual and cumulative figures never share an axis)."""
    base = by_metric.get(metric) if by_metric is not None else values[values["metric"] == metric]
    if base is None or base.empty:
        return values.iloc[0:0]
    return base[base["scope"] == scope]


def attribute_filter(agencies: pd.DataFrame, filters: dict[str, Sequence[str]]) -> pd.DataFrame:
    """Agencies whose attributes (province, level, agency_kind, ...) are among the chosen values."""
    keep = pd.Series(True, index=agencies.index)
    for col, chosen in filters.items():
        if chosen:
            keep &= agencies[col].isin(list(chosen))
    return agencies[keep]


def agency_options(agencies: pd.DataFrame, rows: pd.DataFrame, sort: str = "value") -> pd.DataFrame:
    """Agencies with their latest value of the metric (NaN = no data), sorted by value or by name."""
    # Only the three columns it reads are sorted: sorting every column of a national metric's rows
    # (paths, evidence...) took 0.2 s on each change of metric.
    latest = (
        rows[["agency_id", "year", "value"]]
        .sort_values("year", kind="stable")
        .groupby("agency_id", observed=True)["value"]
        .last()
    )
    out = agencies.assign(latest=agencies["agency_id"].map(latest).astype("float64"))
    out = out.assign(has_data=out["latest"].notna())
    if sort == "value":
        return out.sort_values(
            ["has_data", "latest", "agency"], ascending=[False, False, True], kind="stable"
        )
    return out.sort_values(["has_data", "agency"], ascending=[False, True], kind="stable")


def default_agencies(options: pd.DataFrame, n: int = 5) -> list[str]:
    """The n agencies with the largest latest value: a useful first view."""
    with_data = options[options["has_data"]].sort_values("latest", ascending=False)
    return with_data["agency_id"].head(n).astype(str).tolist()


def select(rows: pd.DataFrame, agencies: Iterable[str] | None, years: tuple[int, int]) -> pd.DataFrame:
    """Rows of the chosen agencies (None = all) within the year range, ordered for drawing."""
    keep = rows["year"].between(years[0], years[1])
    if agencies is not None:
        keep &= rows["agency_id"].isin(list(agencies))
    return rows[keep].sort_values(["agency_id", "year"])


def transform_trend(rows: pd.DataFrame, mode: str) -> pd.DataFrame:
    """Add `shown`: the value itself, an index (first year with data = 100) or the year-on-year change in %."""
    rows = rows.sort_values(["agency_id", "year"])
    if mode == "indexed":
        first = rows.groupby("agency_id", observed=True)["value"].transform("first")
        shown = rows["value"] / first.where(first != 0) * 100
    elif mode == "yoy":
        prev = rows.groupby("agency_id", observed=True)["value"].shift(1)
        prev_year = rows.groupby("agency_id", observed=True)["year"].shift(1)
        # only consecutive years are a year-on-year change; a gap is not
        shown = ((rows["value"] - prev) / prev.where(prev != 0) * 100).where(prev_year == rows["year"] - 1)
    else:
        shown = rows["value"]
    return rows.assign(shown=shown.astype("float64"))


def ranking(rows: pd.DataFrame, year: int, top_n: int) -> pd.DataFrame:
    """Agencies ranked by value in `year` (1 = largest), top N, with the change against year - 1."""
    now = rows[rows["year"] == year].drop_duplicates("agency_id")
    prev = rows[rows["year"] == year - 1].drop_duplicates("agency_id").set_index("agency_id")["value"]
    now = now.assign(
        prev=now["agency_id"].map(prev).astype("float64"),
        rank=now["value"].rank(ascending=False, method="min").astype(int),
    )
    now = now.assign(change=now["value"] - now["prev"])
    return now.sort_values(["rank", "agency"]).head(top_n)


def ranks_by_year(rows: pd.DataFrame) -> pd.DataFrame:
    """Rank of each agency in each year (1 = largest), for the bump chart."""
    ranks = rows.groupby("year")["value"].rank(ascending=False, method="min")
    return rows.assign(rank=ranks.astype(int)).sort_values(["agency_id", "year"])


def heat_matrix(rows: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Agency x year matrix of values; a missing cell stays NaN (drawn blank), never 0."""
    if rows.empty:
        return pd.DataFrame()
    m = rows.pivot_table(index="agency_id", columns="year", values="value", aggfunc="first", observed=True)
    m.index = [names.get(str(i), str(i)) for i in m.index]
    return m.sort_index()


def pair_rows(x_rows: pd.DataFrame, y_rows: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per agency with both metrics in `year`: columns agency_id, agency, x, y."""
    x = x_rows[x_rows["year"] == year][["agency_id", "agency", "value"]].rename(columns={"value": "x"})
    y = y_rows[y_rows["year"] == year][["agency_id", "value"]].rename(columns={"value": "y"})
    x = x.assign(agency_id=x["agency_id"].astype(str))
    y = y.assign(agency_id=y["agency_id"].astype(str))
    return x.merge(y, on="agency_id").drop_duplicates("agency_id")


def change_between(rows: pd.DataFrame, y0: int, y1: int) -> pd.DataFrame:
    """Per agency: value in y0 and y1 and the change, only agencies with both years."""
    a = rows[rows["year"] == y0].drop_duplicates("agency_id").set_index("agency_id")
    b = rows[rows["year"] == y1].drop_duplicates("agency_id").set_index("agency_id")
    both = a.index.intersection(b.index)
    out = pd.DataFrame(
        {"agency": a.loc[both, "agency"], "v0": a.loc[both, "value"], "v1": b.loc[both, "value"]}, index=both
    )
    out = out.assign(change=out["v1"] - out["v0"])
    return out.sort_values("v1").reset_index(names="agency_id")


def peer_ids(agencies: pd.DataFrame, agency_id: str, group: str, selected: Sequence[str]) -> list[str]:
    """Peers of an agency: same level and kind, the selected agencies, or all agencies."""
    if group == "selected":
        return sorted(set(selected) | {agency_id})
    if group == "same":
        me = agencies[agencies["agency_id"] == agency_id]
        if me.empty:
            return [agency_id]
        level, kind = me["level"].iloc[0], me["agency_kind"].iloc[0]
        same = agencies
        same = same[same["level"] == level] if pd.notna(level) else same[same["level"].isna()]
        same = same[same["agency_kind"] == kind] if pd.notna(kind) else same[same["agency_kind"].isna()]
        return same["agency_id"].astype(str).tolist()
    return agencies["agency_id"].astype(str).tolist()


def peer_band(rows: pd.DataFrame, agency_id: str, peers: Sequence[str]) -> pd.DataFrame:
    """Per year: P25/P50/P75 of the peers, the agency's value and its percentile rank among them (0-100)."""
    group = rows[rows["agency_id"].isin(list(peers))]
    if group.empty:
        return pd.DataFrame(columns=["year", "p25", "p50", "p75", "n", "value", "percentile"])
    q = group.groupby("year")["value"].quantile([0.25, 0.5, 0.75]).unstack()
    q.columns = ["p25", "p50", "p75"]
    q["n"] = group.groupby("year")["value"].size()
    mine = group[group["agency_id"] == agency_id].drop_duplicates("year").set_index("year")["value"]
    q["value"] = mine.reindex(q.index).astype("float64")
    pct = []
    for year, v in q["value"].items():
        vals = group.loc[group["year"] == year, "value"].to_numpy()
        # mean of strict and weak ranks: ties share the middle percentile
        pct.append(np.nan if pd.isna(v) else 100 * ((vals < v).mean() + (vals <= v).mean()) / 2)
    q["percentile"] = pct
    return q.reset_index()


def coverage(values: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Agency x year: how many metrics have a value (0 = the agency has no report data that year)."""
    if values.empty:
        return pd.DataFrame()
    c = values.groupby(["agency_id", "year"], observed=True)["metric"].nunique().unstack(fill_value=0)
    c.index = c.index.astype(str)
    return name_rows(c, names)


def name_rows(matrix: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """An agency_id-indexed matrix with agency names as its index, sorted by name."""
    if matrix.empty:
        return matrix
    out = matrix.copy()
    out.index = [names.get(str(i), str(i)) for i in matrix.index]
    return out.sort_index()


def sources(rows: pd.DataFrame) -> tuple[int, str]:
    """How many documents a chart draws on, and which years: every chart names its sources."""
    if rows.empty:
        return 0, ""
    years = sorted(int(y) for y in rows["year"].unique())
    span = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
    return int(rows["doc_id"].dropna().nunique()), span
