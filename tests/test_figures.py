"""Figure builders and the selections behind them, on a small dataset written by the test."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from dashboard import figures
from dashboard import selection as sel
from dashboard.data import read_dataset
from tests.dashboard_fixtures import AGENCIES, write_dataset


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    result = read_dataset(write_dataset(tmp_path_factory.mktemp("fig")))
    assert result.status == "ok", result.error
    return result.dataset


def _rows(ds, metric="items_accepted", scope="annual"):
    return sel.metric_rows(ds.values, metric, scope, ds.by_metric)


BUILDERS = {
    "trend": lambda ds: figures.trend_figure(sel.transform_trend(_rows(ds), "absolute"), "items_accepted"),
    "ranking": lambda ds: figures.ranking_figure(sel.ranking(_rows(ds), 2020, 10), "items_accepted", 2020),
    "bump": lambda ds: figures.bump_figure(sel.ranks_by_year(_rows(ds)), "items_accepted"),
    "heatmap": lambda ds: figures.heatmap_figure(sel.heat_matrix(_rows(ds), {}), "items_accepted"),
    "scatter": lambda ds: figures.scatter_figure(
        sel.pair_rows(_rows(ds), _rows(ds, "items_completed"), 2020),
        "items_accepted",
        "items_completed",
        2020,
    ),
    "dumbbell": lambda ds: figures.dumbbell_figure(
        sel.change_between(_rows(ds), 2016, 2021), "items_accepted", 2016, 2021
    ),
    "peers": lambda ds: figures.peers_figure(
        sel.peer_band(_rows(ds), "a-zb-gx", [a[0] for a in AGENCIES]), "淄博高新区", "items_accepted"
    ),
    "coverage": lambda ds: figures.coverage_figure(sel.coverage(ds.values, {})),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_figure_has_an_explicit_template_and_the_cjk_font(ds, name):
    fig = BUILDERS[name](ds)
    assert (
        fig.layout.template.layout.paper_bgcolor is not None
    )  # a real template, not streamlit's placeholder
    assert fig.layout.font.family == figures.FONT_FAMILY
    assert len(fig.data) >= 1


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("trend", "受理件数(件)"),
        ("ranking", "2020年受理件数(件)排名"),
        ("heatmap", "灰色为缺失"),
        ("peers", "同类机构"),
    ],
)
def test_titles_are_chinese_labels_with_units(ds, name, fragment):
    assert fragment in BUILDERS[name](ds).layout.title.text


def test_english_labels_when_asked(ds):
    fig = figures.trend_figure(sel.transform_trend(_rows(ds), "absolute"), "items_accepted", lang="en")
    assert "Items accepted(件)" in fig.layout.title.text and fig.layout.xaxis.title.text == "Year"


def test_trend_draws_one_line_per_agency_and_approximate_values_as_open_markers(ds):
    rows = sel.transform_trend(_rows(ds, "items_published"), "absolute")
    fig = figures.trend_figure(rows, "items_published")
    assert len(fig.data) == rows["agency_id"].nunique()
    symbols = {s for tr in fig.data for s in tr.marker.symbol}
    assert symbols == {"circle-open"}  # every items_published value in the fixture is an approximation
    exact = figures.trend_figure(sel.transform_trend(_rows(ds), "absolute"), "items_accepted")
    assert {s for tr in exact.data for s in tr.marker.symbol} == {"circle"}


def test_hover_evidence_is_escaped_so_report_text_is_never_markup():
    rows = pd.DataFrame(
        {
            "agency_id": ["a"], "agency": ["甲"], "year": [2020], "value": [1.0], "shown": [1.0], "approx": [False],
            "evidence": ["<b>受理</b><script>x</script>"], "path": ["a.txt"],
        }
    )  # fmt: skip
    fig = figures.trend_figure(rows, "items_accepted")
    evidence = fig.data[0].customdata[0][2]
    assert "<" not in evidence and "&lt;script&gt;" in evidence


def test_heatmap_keeps_missing_cells_missing_not_zero(ds):
    matrix = sel.heat_matrix(_rows(ds), {})
    fig = figures.heatmap_figure(matrix, "items_accepted")
    z = fig.data[0].z
    gap_row = list(matrix.index).index("a-xm-hc")
    gap_col = list(matrix.columns).index(2017)
    assert math.isnan(z[gap_row][gap_col])  # the fixture's 海沧 has no 2017 report
    assert fig.layout.plot_bgcolor == figures.MISSING_COLOUR and fig.data[0].hoverongaps is False


def test_annual_and_cumulative_figures_never_share_rows(ds):
    annual, cumulative = _rows(ds, scope="annual"), _rows(ds, scope="cumulative")
    assert set(annual["scope"]) == {"annual"} and set(cumulative["scope"]) == {"cumulative"}
    assert len(annual) and len(cumulative)


@pytest.mark.parametrize(
    "mode, values, expected",
    [
        ("absolute", [100, 150, 120], [100, 150, 120]),
        ("indexed", [200, 300, 100], [100, 150, 50]),
        ("yoy", [100, 150, 120], [math.nan, 50, -20]),
    ],
)
def test_trend_modes(mode, values, expected):
    rows = pd.DataFrame({"agency_id": ["a"] * 3, "year": [2019, 2020, 2021], "value": values})
    shown = sel.transform_trend(rows, mode)["shown"].tolist()
    assert shown == pytest.approx(expected, nan_ok=True)


def test_year_on_year_is_not_computed_across_a_missing_year():
    rows = pd.DataFrame({"agency_id": ["a"] * 2, "year": [2018, 2020], "value": [100.0, 200.0]})
    assert sel.transform_trend(rows, "yoy")["shown"].isna().all()


def test_ranking_orders_by_value_and_reports_the_change_against_the_previous_year(ds):
    ranked = sel.ranking(_rows(ds), 2020, 3)
    assert ranked["rank"].tolist() == [1, 2, 3]
    assert ranked["value"].is_monotonic_decreasing
    prev = _rows(ds).query("year == 2019").set_index("agency_id")["value"]
    for _, r in ranked.iterrows():
        assert r["change"] == pytest.approx(r["value"] - prev[r["agency_id"]])


def test_peer_band_puts_the_largest_agency_at_the_top_percentile(ds):
    ids = [a[0] for a in AGENCIES]
    band = sel.peer_band(_rows(ds), "a-sd-prov", ids)
    assert (band["percentile"] > 80).all()
    assert (band["p25"] <= band["p50"]).all() and (band["p50"] <= band["p75"]).all()


def test_peers_of_the_same_level_and_kind(ds):
    assert sel.peer_ids(ds.agencies, "a-zb-gx", "same", []) == ["a-zb-gx", "a-zb-zd"]
    assert sel.peer_ids(ds.agencies, "a-zb-gx", "selected", ["a-xm-hc"]) == ["a-xm-hc", "a-zb-gx"]


def test_agencies_without_data_are_listed_last_and_flagged(ds):
    options = sel.agency_options(ds.agencies, _rows(ds))
    assert not options["has_data"].iloc[-1]
    assert options.iloc[-1]["agency_id"] == "a-empty"
    assert sel.default_agencies(options, 2) == ["a-sd-prov", "a-zb-zd"]


def test_attribute_filters_keep_like_with_like(ds):
    kept = sel.attribute_filter(ds.agencies, {"province": ["山东省"], "level": ["county"]})
    assert sorted(kept["agency_id"]) == ["a-zb-gx", "a-zb-zd"]


def test_selections_do_not_mutate_their_input(ds):
    rows = _rows(ds).copy()
    before = rows.copy()
    sel.transform_trend(rows, "yoy")
    sel.ranking(rows, 2020, 5)
    sel.heat_matrix(rows, {})
    pd.testing.assert_frame_equal(rows, before)


def test_every_chart_names_its_sources(ds):
    n, years = sel.sources(_rows(ds))
    assert n == _rows(ds)["doc_id"].nunique() and years == "2016–2021"


def test_detail_columns_line_up_with_their_rows(ds):
    """Evidence is read apart from the key columns (on first use): each row must get its own sentence."""
    rows = _rows(ds, "items_accepted")
    assert len(rows) and rows["evidence"].notna().all()
    for value, evidence in zip(rows["value"], rows["evidence"], strict=True):
        assert f"{value:g}" in evidence
    full = ds.full_table()
    assert len(full) == len(ds.values) and (full["evidence"].notna()).all()


def test_derived_indicators_are_read_from_derived_parquet_when_the_build_wrote_it(tmp_path):
    d = write_dataset(tmp_path)
    derived = pd.read_parquet(d / "derived.parquet")
    derived["value"] = derived["value"] * 2  # the app must show the file's numbers, not recompute them
    derived.to_parquet(d / "derived.parquet", index=False)
    rows = read_dataset(d).dataset.by_metric["rate_granted"]
    gx = rows[rows["agency_id"] == "a-zb-gx"].sort_values("year")
    assert gx["value"].tolist() == pytest.approx([200 * (s + 2) / (s + 4) for s in range(6)])
    assert gx["evidence"].str.contains("予以公开").all()


def test_without_derived_parquet_derived_indicators_are_computed_from_their_inputs(tmp_path):
    ds = read_dataset(write_dataset(tmp_path, derived=False)).dataset
    assert "rate_granted" in ds.by_metric
    rows = ds.by_metric["rate_granted"]
    gx = rows[rows["agency_id"] == "a-zb-gx"].sort_values("year")
    assert gx["value"].tolist() == pytest.approx([100 * (s + 2) / (s + 4) for s in range(6)])


HOSTILE_NAME = '<b>甲</b><a href="http://x.invalid">局</a>'


@pytest.mark.parametrize("name", ["trend", "ranking", "bump", "heatmap", "scatter", "dumbbell", "peers"])
def test_agency_names_from_reports_are_never_markup_in_charts(ds, monkeypatch, name):
    """plotly reads tags in trace names, tick labels and point text; agency names come from reports."""
    agencies = ds.agencies.assign(agency=HOSTILE_NAME)
    names = {a: HOSTILE_NAME for a in agencies["agency_id"]}
    rows = _rows(ds).assign(agency=HOSTILE_NAME)
    other = _rows(ds, "items_completed").assign(agency=HOSTILE_NAME)
    build = {
        "trend": lambda: figures.trend_figure(sel.transform_trend(rows, "absolute"), "items_accepted"),
        "ranking": lambda: figures.ranking_figure(sel.ranking(rows, 2020, 5), "items_accepted", 2020),
        "bump": lambda: figures.bump_figure(sel.ranks_by_year(rows), "items_accepted"),
        "heatmap": lambda: figures.heatmap_figure(sel.heat_matrix(rows, names), "items_accepted"),
        "scatter": lambda: figures.scatter_figure(
            sel.pair_rows(rows, other, 2020), "items_accepted", "items_completed", 2020
        ),
        "dumbbell": lambda: figures.dumbbell_figure(
            sel.change_between(rows, 2016, 2021), "items_accepted", 2016, 2021
        ),
        "peers": lambda: figures.peers_figure(
            sel.peer_band(rows, "a-zb-gx", agencies["agency_id"].tolist()), HOSTILE_NAME, "items_accepted"
        ),
    }[name]
    spec = json.dumps(json.loads(build().to_json()), ensure_ascii=False)
    assert "<b>甲" not in spec and "<a href" not in spec
    assert "&lt;b&gt;甲" in spec


def test_coverage_shows_a_year_without_data_as_missing_not_as_a_pale_colour(ds):
    matrix = sel.coverage(ds.values, {})
    fig = figures.coverage_figure(matrix)
    row, col = list(matrix.index).index("a-xm-hc"), list(matrix.columns).index(2017)
    assert matrix.iloc[row, col] == 0 and math.isnan(fig.data[0].z[row][col])
    assert fig.layout.plot_bgcolor == figures.MISSING_COLOUR
