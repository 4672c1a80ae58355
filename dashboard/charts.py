"""Named charts built from a dataset and a URL-style state, without Streamlit: for the export command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from dashboard import figures
from dashboard import selection as sel
from dashboard.data import Dataset
from dashboard.urlstate import resolve_list

ChartFn = Callable[[Dataset, dict[str, Any]], go.Figure | None]
LIST_COLUMNS = {"agencies": "agency_id", "province": "province", "level": "level", "kind": "agency_kind"}


def resolve_lists(ds: Dataset, state: dict[str, Any]) -> dict[str, Any]:
    """The state with each list holding only values the dataset offers (older comma links split)."""
    out = dict(state)
    for name, col in LIST_COLUMNS.items():
        out[name] = tuple(resolve_list(state[name], ds.agencies[col].dropna().astype(str)))
    return out


def _rows(ds: Dataset, state: dict[str, Any], metric: str | None = None):
    metric = metric or state["metric"]
    rows = sel.metric_rows(ds.values, metric, state["scope"], ds.by_metric)
    filters = {"province": state["province"], "level": state["level"], "agency_kind": state["kind"]}
    group = sel.attribute_filter(ds.agencies, filters)
    rows = rows[rows["agency_id"].isin(group["agency_id"])]
    years = rows["year"]
    lo, hi = (int(years.min()), int(years.max())) if len(years) else (0, 0)
    return sel.select(rows, None, (state["y0"] or lo, state["y1"] or hi))


def _agencies(ds: Dataset, state: dict[str, Any], rows) -> list[str]:
    if state["agencies"]:
        return list(state["agencies"])
    return sel.default_agencies(sel.agency_options(ds.agencies, rows))


def _year(state: dict[str, Any], rows) -> int:
    return state["rank_year"] or int(rows["year"].max())


def trend(ds: Dataset, state: dict[str, Any]) -> go.Figure | None:
    rows = _rows(ds, state)
    rows = rows[rows["agency_id"].isin(_agencies(ds, state, rows))]
    if rows.empty:
        return None
    shown = sel.transform_trend(rows, state["mode"])
    return figures.trend_figure(shown, state["metric"], state["mode"], state["log"], state["lang"])


def ranking(ds: Dataset, state: dict[str, Any]) -> go.Figure | None:
    rows = _rows(ds, state)
    if rows.empty:
        return None
    year = _year(state, rows)
    ranked = sel.ranking(rows, year, state["top"])
    return None if ranked.empty else figures.ranking_figure(ranked, state["metric"], year, state["lang"])


def bump(ds: Dataset, state: dict[str, Any]) -> go.Figure | None:
    rows = _rows(ds, state)
    if rows.empty:
        return None
    top = sel.ranking(rows, _year(state, rows), state["top"])["agency_id"].astype(str).tolist()
    ranks = sel.ranks_by_year(rows)
    return figures.bump_figure(ranks[ranks["agency_id"].isin(top)], state["metric"], state["lang"])


def heatmap(ds: Dataset, state: dict[str, Any]) -> go.Figure | None:
    rows = _rows(ds, state)
    if state["agencies"]:
        rows = rows[rows["agency_id"].isin(list(state["agencies"]))]
    if rows.empty:
        return None
    names = dict(zip(ds.agencies["agency_id"].astype(str), ds.agencies["agency"].astype(str), strict=True))
    return figures.heatmap_figure(sel.heat_matrix(rows, names), state["metric"], state["lang"])


def peers(ds: Dataset, state: dict[str, Any]) -> go.Figure | None:
    rows = _rows(ds, state)
    agency = state["peer"] or next(iter(_agencies(ds, state, rows)), None)
    if agency is None:
        return None
    ids = sel.peer_ids(ds.agencies, agency, state["pgroup"], list(state["agencies"]))
    band = sel.peer_band(rows, agency, ids)
    if band.empty or band["value"].isna().all():
        return None
    name = ds.agencies.set_index("agency_id")["agency"].get(agency, agency)
    return figures.peers_figure(band, str(name), state["metric"], state["lang"])


CHARTS: dict[str, ChartFn] = {
    "trend": trend,
    "ranking": ranking,
    "bump": bump,
    "heatmap": heatmap,
    "peers": peers,
}
