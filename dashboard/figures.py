"""Pure figure builders: prepared DataFrame in, plotly Figure out (explicit template and CJK font)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from dashboard.i18n import t
from pipeline.catalog import label, unit_of

TEMPLATE_NAME = "plotly_white"  # explicit: `import streamlit` swaps plotly's default for one with no colours
_FULL = pio.templates[TEMPLATE_NAME]
# plotly_white's layout and its defaults for the trace types drawn here: every figure gets a deep copy of
# its template, and the full one (24 trace types) costs ~35 ms per figure, this one ~5 ms.
TEMPLATE = go.layout.Template(
    layout=_FULL.layout, data={k: _FULL.data[k] for k in ("scatter", "bar", "heatmap")}
)
FONT_FAMILY = "Noto Sans CJK SC"
MISSING_COLOUR = "#e5e5e5"  # heatmap background, so missing cells are visibly grey, not a colour
EVIDENCE_CHARS = 80
BUMP_EVERY_RANK = 25  # up to this rank every whole rank gets a tick; beyond, ticks would be a smear
SCATTER_LABELS = 20  # agencies named next to their point in the scatter; more are named on hover only
# Long Chinese agency names in a legend on the right would take half the plot's width: below it instead.
LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "xanchor": "left"}


def _layout(title: str, height: int = 480, **extra: object) -> dict:
    """The shared layout (explicit template, CJK font, escaped title) with a figure's own settings."""
    return {
        "template": TEMPLATE,
        "font": {"family": FONT_FAMILY, "size": 13},
        "title": {"text": html.escape(title), "x": 0.01},
        "height": height,
        "margin": {"l": 60, "r": 30, "t": 60, "b": 50},
        "legend": {"orientation": "v"},
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        **extra,
    }


def _figure(traces: list, title: str, height: int = 480, **layout: object) -> go.Figure:
    """One Figure built in one call: plotly validates a figure per call, ~10 ms each at least."""
    return go.Figure(data=traces, layout=_layout(title, height, **layout))


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


def _name(agency: object) -> str:
    """An agency name for a trace, axis or point label: plotly reads tags there, names come from reports."""
    return html.escape(str(agency))


def empty_figure(message: str) -> go.Figure:
    """A blank chart carrying a message (used when a selection has no data)."""
    hidden = {"visible": False}
    note = {
        "text": html.escape(message),
        "showarrow": False,
        "x": 0.5,
        "y": 0.5,
        "xref": "paper",
        "yref": "paper",
    }
    return _figure([], "", height=300, xaxis=hidden, yaxis=hidden, annotations=[note])


def trend_figure(
    rows: pd.DataFrame, metric: str, mode: str = "absolute", log: bool = False, lang: str = "zh"
) -> go.Figure:
    """One line per agency across years; approximate values as open markers; evidence in the hover.

    `rows` come from selection.transform_trend (column `shown`).
    """
    unit = unit_of(metric)
    traces = []
    hover = (
        "%{fullData.name}<br>%{x}: %{customdata[0]:,.4~g} %{customdata[1]} (%{customdata[4]})"
        "<br>%{customdata[2]}<br>%{customdata[3]}<extra></extra>"
    )
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
        traces.append(
            {
                "type": "scatter",
                "x": g["year"].to_numpy(),
                "y": g["shown"].to_numpy(),
                "mode": "lines+markers",
                "name": _name(g["agency"].iloc[0]),
                "marker": {
                    "size": 9,
                    "symbol": ["circle-open" if a else "circle" for a in g["approx"]],
                    "line": {"width": 2},
                },
                "customdata": custom,
                "hovertemplate": hover,
            }
        )
    y_title = {
        "absolute": label(metric, lang),
        "indexed": t("mode_indexed", lang),
        "yoy": t("mode_yoy", lang),
    }[mode]
    note = {
        "text": "○ = " + t("approx", lang),
        "showarrow": False,
        "x": 1,
        "y": 1.06,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "right",
    }
    return _figure(
        traces,
        t("trend_title", lang, metric=label(metric, lang)),
        xaxis={"title": {"text": t("year", lang)}, "dtick": 1, "tickformat": "d"},
        yaxis={
            "title": {"text": y_title},
            "type": "log" if log and mode == "absolute" else "linear",
            # counts from zero, so a small value is not drawn at the floor; changes may be negative
            "rangemode": "tozero" if mode == "absolute" and not log else "normal",
        },
        annotations=[note],
        legend=LEGEND_BELOW,
    )


def ranking_figure(ranked: pd.DataFrame, metric: str, year: int, lang: str = "zh") -> go.Figure:
    """Sorted horizontal bars for one year, the change against the previous year as bar text."""
    ranked = ranked.sort_values("value")
    change = ["" if pd.isna(c) else format_number(c, signed=True) for c in ranked["change"].astype("float64")]
    bar = {
        "type": "bar",
        "x": ranked["value"].to_numpy(),
        "y": [f"{r}. {_name(a)}" for r, a in zip(ranked["rank"], ranked["agency"], strict=True)],
        "orientation": "h",
        "text": change,
        "textposition": "outside",
        "cliponaxis": False,  # the change beside the longest bar stays readable
        "marker": {"color": ["#9ecae1" if a else "#3182bd" for a in ranked["approx"]]},
        "hovertemplate": "%{y}: %{x:,.4~g}<br>" + t("change_prev", lang) + ": %{text}<br>%{customdata[0]}"
        "<extra></extra>",
    }
    if len(ranked):
        bar["customdata"] = np.column_stack([[_safe(e) for e in ranked["evidence"]]])
    return _figure(
        [bar],
        t("ranking_title", lang, year=year, metric=label(metric, lang)),
        height=max(220, 30 * len(ranked) + 130),
        xaxis={"title": {"text": label(metric, lang)}},
        margin={"l": 60, "r": 90, "t": 60, "b": 50},
        annotations=[
            {
                "text": t("ranking_note", lang),
                "showarrow": False,
                "x": 1,
                "y": 1.02,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "right",
                "yanchor": "bottom",
            }
        ],
    )


def bump_figure(ranks: pd.DataFrame, metric: str, lang: str = "zh") -> go.Figure:
    """Rank of each agency across years; rank 1 at the top."""
    hover = "%{fullData.name}<br>%{x}: " + t("rank", lang) + " %{y}<extra></extra>"
    traces = [
        {
            "type": "scatter",
            "x": g["year"].to_numpy(),
            "y": g["rank"].to_numpy(),
            "mode": "lines+markers",
            "name": _name(g["agency"].iloc[0]),
            "hovertemplate": hover,
        }
        for _, g in ranks.groupby("agency_id", observed=True, sort=False)
    ]
    worst = int(ranks["rank"].max()) if len(ranks) else 1
    years = sorted(int(y) for y in ranks["year"].unique()) if len(ranks) else []
    return _figure(
        traces,
        t("bump_title", lang, metric=label(metric, lang)),
        # rank 1 on top, only whole ranks that exist (no rank 0), a tick for each year with data
        yaxis={
            "range": [worst + 0.5, 0.5],
            "title": {"text": t("rank", lang)},
            **({"dtick": 1, "tick0": 1} if worst <= BUMP_EVERY_RANK else {}),  # else plotly's own spacing
        },
        xaxis={"title": {"text": t("year", lang)}, "tickvals": years, "tickformat": "d"},
        legend=LEGEND_BELOW,
    )


def heatmap_figure(matrix: pd.DataFrame, metric: str, lang: str = "zh") -> go.Figure:
    """Agency x year heatmap; missing cells stay empty on a grey background, never drawn as 0."""
    heat = {
        "type": "heatmap",
        "z": matrix.to_numpy(dtype="float64"),
        "x": [str(c) for c in matrix.columns],
        "y": [_name(a) for a in matrix.index],
        "colorscale": "Blues",
        "hoverongaps": False,
        "colorbar": {"title": {"text": unit_of(metric)}},
        "hovertemplate": "%{y}<br>%{x}: %{z:,.4~g}<extra></extra>",
    }
    return _figure(
        [heat],
        t("heatmap_title", lang, metric=label(metric, lang)),
        height=max(360, 26 * len(matrix) + 140),
        plot_bgcolor=MISSING_COLOUR,
        xaxis={"title": {"text": t("year", lang)}, "type": "category", "showgrid": False},
        yaxis={"showgrid": False},
    )


def scatter_figure(
    pairs: pd.DataFrame, x_metric: str, y_metric: str, year: int, lang: str = "zh"
) -> go.Figure:
    """Two metrics against each other for one year, one point per agency."""
    xs = pairs["x"].to_numpy(dtype="float64")
    labelled = len(pairs) <= SCATTER_LABELS  # more names than that overlap: hover only
    middle = (np.nanmin(xs) + np.nanmax(xs)) / 2 if len(xs) else 0
    points = {
        "type": "scatter",
        "x": xs,
        "y": pairs["y"].to_numpy(),
        "mode": "markers+text" if labelled else "markers",
        "text": [_name(a) for a in pairs["agency"]],
        # names run inwards from their point, so the rightmost one is not cut at the edge
        "textposition": ["top left" if x > middle else "top right" for x in xs],
        "marker": {"size": 11, "color": "#3182bd"},
        "hovertemplate": "%{text}<br>%{x:,.4~g}, %{y:,.4~g}<extra></extra>",
    }
    title = t("scatter_title", lang, year=year, x=label(x_metric, lang), y=label(y_metric, lang))
    # from zero: counts and rates are never negative, and one point alone would get a range so narrow
    # that its ticks read 548.7855k, 548.786k, ...
    return _figure(
        [points],
        title,
        xaxis={"title": {"text": label(x_metric, lang)}, "rangemode": "tozero"},
        yaxis={"title": {"text": label(y_metric, lang)}, "rangemode": "tozero"},
    )


def dumbbell_figure(changes: pd.DataFrame, metric: str, y0: int, y1: int, lang: str = "zh") -> go.Figure:
    """Per agency a segment from its y0 value to its y1 value."""
    xs: list = []
    ys: list = []
    for a, v0, v1 in zip(changes["agency"], changes["v0"], changes["v1"], strict=True):
        xs += [v0, v1, None]
        ys += [_name(a), _name(a), None]
    segments = {
        "type": "scatter",
        "x": xs,
        "y": ys,
        "mode": "lines",
        "line": {"color": "#bbbbbb", "width": 3},
        "showlegend": False,
        "hoverinfo": "skip",
    }
    ends = [
        {
            "type": "scatter",
            "x": changes[col].to_numpy(),
            "y": [_name(a) for a in changes["agency"]],
            "mode": "markers",
            "name": str(year),
            "marker": {"size": 11, "color": colour},
        }
        for col, year, colour in (("v0", y0, "#9ecae1"), ("v1", y1, "#08519c"))
    ]
    return _figure(
        [segments, *ends],
        t("dumbbell_title", lang, metric=label(metric, lang), y0=y0, y1=y1),
        height=max(360, 28 * len(changes) + 140),
        xaxis={"title": {"text": label(metric, lang)}},
    )


def peers_figure(band: pd.DataFrame, agency: str, metric: str, lang: str = "zh") -> go.Figure:
    """The agency's line over its peers' P25-P75 band and median; percentile rank in the hover."""
    years = band["year"].to_numpy()
    traces = [
        {
            "type": "scatter",
            "x": years,
            "y": band["p75"].to_numpy(),
            "mode": "lines",
            "line": {"width": 0},
            "showlegend": False,
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": years,
            "y": band["p25"].to_numpy(),
            "mode": "lines",
            "line": {"width": 0},
            "fill": "tonexty",
            "fillcolor": "rgba(49,130,189,0.18)",
            "name": t("band", lang),
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": years,
            "y": band["p50"].to_numpy(),
            "mode": "lines",
            "line": {"dash": "dash", "color": "#6baed6"},
            "name": t("median", lang),
        },
        {
            "type": "scatter",
            "x": years,
            "y": band["value"].to_numpy(dtype="float64"),
            "mode": "lines+markers",
            "name": _name(agency),
            "line": {"color": "#d62728", "width": 3},
            "customdata": np.column_stack(
                [band["percentile"].to_numpy(dtype="float64"), band["n"].to_numpy(dtype="float64")]
            ),
            "hovertemplate": "%{x}: %{y:,.4~g}<br>"
            + t("percentile", lang)
            + " %{customdata[0]:.0f} (n=%{customdata[1]:.0f})<extra></extra>",
        },
    ]
    return _figure(
        traces,
        t("peers_title", lang, agency=agency, metric=label(metric, lang)),
        xaxis={"title": {"text": t("year", lang)}, "dtick": 1, "tickformat": "d"},
        yaxis={"title": {"text": label(metric, lang)}},
        legend=LEGEND_BELOW,
    )


def coverage_figure(matrix: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Agency x year count of metrics with a value; a year without any is grey, like a missing cell."""
    z = matrix.to_numpy(dtype="float64", copy=True)
    z[z == 0] = np.nan  # "no report data" must not read as the palest green
    heat = {
        "type": "heatmap",
        "z": z,
        "x": [str(c) for c in matrix.columns],
        "y": [_name(a) for a in matrix.index],
        "colorscale": "Greens",
        "hoverongaps": False,
        "colorbar": {"title": {"text": t("count_unit", lang)}},
        "hovertemplate": "%{y}<br>%{x}: %{z} " + t("count_unit", lang) + "<extra></extra>",
    }
    return _figure(
        [heat],
        t("coverage_title", lang),
        height=max(320, 24 * len(matrix) + 140),
        plot_bgcolor=MISSING_COLOUR,
        xaxis={"title": {"text": t("year", lang)}, "type": "category", "showgrid": False},
        yaxis={"showgrid": False},
    )
