"""Pure figure builders: prepared DataFrame in, plotly Figure out (explicit template and CJK font)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.i18n import t
from pipeline.catalog import label, unit_of

TEMPLATE = "plotly_white"  # explicit: `import streamlit` swaps plotly's default for one with no colours
FONT_FAMILY = "Noto Sans CJK SC"
MISSING_COLOUR = "#e5e5e5"  # heatmap background, so missing cells are visibly grey, not a colour
EVIDENCE_CHARS = 80


def _finish(fig: go.Figure, title: str, height: int = 480) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE,
        font={"family": FONT_FAMILY, "size": 13},
        title={"text": html.escape(title), "x": 0.01},
        height=height,
        margin={"l": 60, "r": 30, "t": 60, "b": 50},
        legend={"orientation": "v"},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    return fig


def format_number(value: float, signed: bool = False) -> str:
    """1,234 or 98.5: whole numbers without decimals, others to two places."""
    sign = "+" if signed else ""
    return f"{value:{sign},.0f}" if float(value).is_integer() else f"{value:{sign},.2f}"


def _safe(text: object, limit: int = EVIDENCE_CHARS) -> str:
    """Report text for hover labels: shortened and escaped, since plotly reads tags in labels."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return ""
    s = str(text).replace("\n", " ")
    return html.escape(s if len(s) <= limit else s[: limit - 1] + "…")


def empty_figure(message: str) -> go.Figure:
    """A blank chart carrying a message (used when a selection has no data)."""
    fig = go.Figure()
    fig.add_annotation(text=html.escape(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _finish(fig, "", height=300)


def trend_figure(
    rows: pd.DataFrame, metric: str, mode: str = "absolute", log: bool = False, lang: str = "zh"
) -> go.Figure:
    """One line per agency across years; approximate values as open markers; evidence in the hover.

    `rows` come from selection.transform_trend (column `shown`).
    """
    unit = unit_of(metric)
    fig = go.Figure()
    for _, g in rows.groupby("agency_id", observed=True, sort=False):
        g = g.sort_values("year")
        custom = np.column_stack(
            [
                g["value"].to_numpy(),
                np.full(len(g), unit, dtype=object),
                [_safe(e) for e in g["evidence"]],
                [_safe(p, 60) for p in g["path"]],
                [t("approx", lang) if a else t("exact", lang) for a in g["approx"]],
            ]
        )
        fig.add_trace(
            go.Scatter(
                x=g["year"],
                y=g["shown"],
                mode="lines+markers",
                name=str(g["agency"].iloc[0]),
                marker={
                    "size": 9,
                    "symbol": ["circle-open" if a else "circle" for a in g["approx"]],
                    "line": {"width": 2},
                },
                customdata=custom,
                hovertemplate=(
                    "%{fullData.name}<br>%{x}: %{customdata[0]:,.4~g} %{customdata[1]} (%{customdata[4]})"
                    "<br>%{customdata[2]}<br>%{customdata[3]}<extra></extra>"
                ),
            )
        )
    y_title = {
        "absolute": label(metric, lang),
        "indexed": t("mode_indexed", lang),
        "yoy": t("mode_yoy", lang),
    }[mode]
    fig.update_xaxes(title=t("year", lang), dtick=1, tickformat="d")
    fig.update_yaxes(title=y_title, type="log" if log and mode == "absolute" else "linear")
    note = "○ = " + t("approx", lang)
    fig.add_annotation(text=note, showarrow=False, x=1, y=1.06, xref="paper", yref="paper", xanchor="right")
    return _finish(fig, t("trend_title", lang, metric=label(metric, lang)))


def ranking_figure(ranked: pd.DataFrame, metric: str, year: int, lang: str = "zh") -> go.Figure:
    """Sorted horizontal bars for one year, the change against the previous year as bar text."""
    ranked = ranked.sort_values("value")
    change = ["" if pd.isna(c) else format_number(c, signed=True) for c in ranked["change"].astype("float64")]
    fig = go.Figure(
        go.Bar(
            x=ranked["value"],
            y=[f"{r}. {a}" for r, a in zip(ranked["rank"], ranked["agency"], strict=True)],
            orientation="h",
            text=change,
            textposition="outside",
            marker={"color": ["#9ecae1" if a else "#3182bd" for a in ranked["approx"]]},
            customdata=np.column_stack([[_safe(e) for e in ranked["evidence"]]]) if len(ranked) else None,
            hovertemplate="%{y}: %{x:,.4~g}<br>"
            + t("change_prev", lang)
            + ": %{text}<br>%{customdata[0]}<extra></extra>",
        )
    )
    fig.update_xaxes(title=label(metric, lang))
    return _finish(
        fig,
        t("ranking_title", lang, year=year, metric=label(metric, lang)),
        height=max(360, 28 * len(ranked) + 120),
    )


def bump_figure(ranks: pd.DataFrame, metric: str, lang: str = "zh") -> go.Figure:
    """Rank of each agency across years; rank 1 at the top."""
    fig = go.Figure()
    for _, g in ranks.groupby("agency_id", observed=True, sort=False):
        fig.add_trace(
            go.Scatter(
                x=g["year"],
                y=g["rank"],
                mode="lines+markers",
                name=str(g["agency"].iloc[0]),
                hovertemplate="%{fullData.name}<br>%{x}: " + t("rank", lang) + " %{y}<extra></extra>",
            )
        )
    fig.update_yaxes(autorange="reversed", title=t("rank", lang), dtick=1)
    fig.update_xaxes(title=t("year", lang), dtick=1, tickformat="d")
    return _finish(fig, t("bump_title", lang, metric=label(metric, lang)))


def heatmap_figure(matrix: pd.DataFrame, metric: str, lang: str = "zh") -> go.Figure:
    """Agency x year heatmap; missing cells stay empty on a grey background, never drawn as 0."""
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(dtype="float64"),
            x=[str(c) for c in matrix.columns],
            y=list(matrix.index),
            colorscale="Blues",
            hoverongaps=False,
            colorbar={"title": {"text": unit_of(metric)}},
            hovertemplate="%{y}<br>%{x}: %{z:,.4~g}<extra></extra>",
        )
    )
    fig.update_layout(plot_bgcolor=MISSING_COLOUR)
    fig.update_xaxes(title=t("year", lang), type="category", showgrid=False)
    fig.update_yaxes(showgrid=False)
    height = max(360, 26 * len(matrix) + 140)
    return _finish(fig, t("heatmap_title", lang, metric=label(metric, lang)), height=height)


def scatter_figure(
    pairs: pd.DataFrame, x_metric: str, y_metric: str, year: int, lang: str = "zh"
) -> go.Figure:
    """Two metrics against each other for one year, one point per agency."""
    fig = go.Figure(
        go.Scatter(
            x=pairs["x"],
            y=pairs["y"],
            mode="markers+text",
            text=pairs["agency"],
            textposition="top center",
            marker={"size": 11, "color": "#3182bd"},
            hovertemplate="%{text}<br>%{x:,.4~g}, %{y:,.4~g}<extra></extra>",
        )
    )
    fig.update_xaxes(title=label(x_metric, lang))
    fig.update_yaxes(title=label(y_metric, lang))
    title = t("scatter_title", lang, year=year, x=label(x_metric, lang), y=label(y_metric, lang))
    return _finish(fig, title)


def dumbbell_figure(changes: pd.DataFrame, metric: str, y0: int, y1: int, lang: str = "zh") -> go.Figure:
    """Per agency a segment from its y0 value to its y1 value."""
    fig = go.Figure()
    xs: list = []
    ys: list = []
    for _, r in changes.iterrows():
        xs += [r["v0"], r["v1"], None]
        ys += [r["agency"], r["agency"], None]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": "#bbbbbb", "width": 3},
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=changes["v0"],
            y=changes["agency"],
            mode="markers",
            name=str(y0),
            marker={"size": 11, "color": "#9ecae1"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=changes["v1"],
            y=changes["agency"],
            mode="markers",
            name=str(y1),
            marker={"size": 11, "color": "#08519c"},
        )
    )
    fig.update_xaxes(title=label(metric, lang))
    height = max(360, 28 * len(changes) + 140)
    return _finish(fig, t("dumbbell_title", lang, metric=label(metric, lang), y0=y0, y1=y1), height=height)


def peers_figure(band: pd.DataFrame, agency: str, metric: str, lang: str = "zh") -> go.Figure:
    """The agency's line over its peers' P25-P75 band and median; percentile rank in the hover."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=band["year"], y=band["p75"], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"
        )
    )
    fig.add_trace(
        go.Scatter(
            x=band["year"],
            y=band["p25"],
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(49,130,189,0.18)",
            name=t("band", lang),
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=band["year"],
            y=band["p50"],
            mode="lines",
            line={"dash": "dash", "color": "#6baed6"},
            name=t("median", lang),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=band["year"],
            y=band["value"],
            mode="lines+markers",
            name=agency,
            line={"color": "#d62728", "width": 3},
            customdata=np.column_stack(
                [band["percentile"].to_numpy(dtype="float64"), band["n"].to_numpy(dtype="float64")]
            ),
            hovertemplate="%{x}: %{y:,.4~g}<br>"
            + t("percentile", lang)
            + " %{customdata[0]:.0f} (n=%{customdata[1]:.0f})<extra></extra>",
        )
    )
    fig.update_xaxes(title=t("year", lang), dtick=1, tickformat="d")
    fig.update_yaxes(title=label(metric, lang))
    return _finish(fig, t("peers_title", lang, agency=agency, metric=label(metric, lang)))


def coverage_figure(matrix: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Agency x year count of metrics with a value."""
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(dtype="float64"),
            x=[str(c) for c in matrix.columns],
            y=list(matrix.index),
            colorscale="Greens",
            hovertemplate="%{y}<br>%{x}: %{z}<extra></extra>",
        )
    )
    fig.update_xaxes(title=t("year", lang), type="category")
    return _finish(fig, t("coverage_title", lang), height=max(320, 24 * len(matrix) + 140))
