"""One function per tab: what each page draws for the current selection (layout only, logic elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import figures, highlight, tables
from dashboard import selection as sel_
from dashboard import widgets as w
from dashboard.build import run_build, save_uploads, uploads_available
from dashboard.data import Dataset, dataset_dir
from dashboard.exports import PANDAS_SNIPPET
from dashboard.i18n import t
from pipeline.catalog import BY_KEY, CHANGES, DERIVED, METRICS, label, unit_of

MAX_GROUP = 40  # agencies drawn at once on heatmaps and rankings; more is unreadable
DOC_OPTIONS = 500  # documents offered in the picker at once: a national build has 100,000
DOC_TABLE_ROWS = 2000  # rows of the document status table drawn at once
DATA_COLUMNS = (
    "agency", "agency_id", "region", "level", "agency_kind", "year", "metric", "value", "unit", "scope",
    "approx", "source", "conflict", "alternatives", "confidence", "flags", "note", "evidence", "path",
)  # fmt: skip


@dataclass
class View:
    """What the sidebar chose, handed to every page."""

    ds: Dataset
    lang: str
    metric: str
    scope: str
    rows: pd.DataFrame  # the metric in the scope, for the attribute-filtered agencies
    agencies: list[str]  # chosen agency ids
    years: tuple[int, int]
    group: pd.DataFrame  # attribute-filtered agencies table
    names: dict[str, str]


# Every alert names a Material icon: without one, streamlit looks for a leading emoji in the text, and its
# first look compiles an emoji table (0.2-0.4 s, once per process) in the middle of an interaction.


def _no_data(view: View) -> None:
    st.info(t("no_data", view.lang), icon=":material/info:")


def _caption_sources(rows: pd.DataFrame, lang: str) -> None:
    n, years = sel_.sources(rows)
    st.caption(t("sources", lang, n=n, years=years))


def trends(view: View) -> None:
    lang = view.lang
    c1, c2 = st.columns([3, 1])
    with c1:
        modes = ("absolute", "indexed", "yoy")
        mode = w.choose(
            st.radio,
            "mode",
            t("mode", lang),
            modes,
            horizontal=True,
            format_func=lambda m: t(f"mode_{m}", lang),
        )
    with c2:
        log = w.toggle("log", t("log_scale", lang))
    if not view.agencies:
        st.info(t("choose_agencies", lang), icon=":material/info:")
        return None
    rows = sel_.select(view.rows, view.agencies, view.years)
    if rows.empty:
        return _no_data(view)
    shown = sel_.transform_trend(rows, mode)
    drawable = shown.groupby("agency_id", observed=True)["shown"].transform("count") > 0
    if not drawable.any():  # e.g. year-on-year without two consecutive years: say so, not an empty chart
        st.info(t(f"nothing_{mode}", lang), icon=":material/info:")
        return None
    left_out = sorted({view.names.get(str(a), str(a)) for a in shown.loc[~drawable, "agency_id"]})
    shown = shown[drawable]
    fig = figures.trend_figure(shown, view.metric, mode=mode, log=log, lang=lang)
    w.chart(fig, f"{label(view.metric, lang, with_unit=False)}_trend", lang, "trend")
    _caption_sources(rows, lang)
    if left_out:
        st.caption(t(f"left_out_{mode}", lang, names=highlight.escape_markdown("、".join(left_out))))


def rankings(view: View) -> None:
    lang = view.lang
    rows = sel_.select(view.rows, None, view.years)
    if rows.empty:
        return _no_data(view)
    years = sorted(int(y) for y in rows["year"].unique())
    c1, c2 = st.columns(2)
    with c1:
        year = w.choose(st.selectbox, "rank_year", t("rank_year", lang), years[::-1])
    with c2:
        top = w.number("top", t("top_n", lang), 3, MAX_GROUP, 15)
    ranked = sel_.ranking(rows, year, top)
    if ranked.empty:
        return _no_data(view)
    w.chart(
        figures.ranking_figure(ranked, view.metric, year, lang), f"{view.metric}_ranking_{year}", lang, "rank"
    )
    _caption_sources(rows[rows["year"] == year], lang)
    top_ids = ranked["agency_id"].astype(str).tolist()
    ranks = sel_.ranks_by_year(rows)
    ranks = ranks[ranks["agency_id"].isin(top_ids)]
    w.chart(figures.bump_figure(ranks, view.metric, lang), f"{view.metric}_ranks", lang, "bump")


def compare(view: View) -> None:
    lang = view.lang
    chosen = view.agencies or view.group["agency_id"].astype(str).head(MAX_GROUP).tolist()
    rows = sel_.select(view.rows, chosen, view.years)
    if rows.empty:
        return _no_data(view)
    matrix = sel_.heat_matrix(rows, view.names)
    w.chart(figures.heatmap_figure(matrix, view.metric, lang), f"{view.metric}_heatmap", lang, "heat")
    _caption_sources(rows, lang)

    st.divider()
    metrics = list(view.ds.by_metric)
    years = view.ds.years
    c1, c2, c3 = st.columns(3)
    with c1:
        mx = w.choose(
            st.selectbox, "mx", t("metric_x", lang), _ordered(metrics), format_func=lambda k: label(k, lang)
        )
    with c2:
        others = [m for m in _ordered(metrics) if m != mx] or [mx]
        my = w.choose(st.selectbox, "my", t("metric_y", lang), others, format_func=lambda k: label(k, lang))
    with c3:
        year = w.choose(st.selectbox, "rank_year", t("year", lang), years[::-1])
    group_ids = view.group["agency_id"].astype(str).tolist()
    xr = sel_.select(
        sel_.metric_rows(view.ds.values, mx, view.scope, view.ds.by_metric), group_ids, (year, year)
    )
    yr = sel_.select(
        sel_.metric_rows(view.ds.values, my, view.scope, view.ds.by_metric), group_ids, (year, year)
    )
    pairs = sel_.pair_rows(xr, yr, year)
    if pairs.empty:
        st.info(t("no_pairs", lang, year=year), icon=":material/info:")
    else:
        w.chart(figures.scatter_figure(pairs, mx, my, year, lang), f"{mx}_{my}_{year}", lang, "scatter")

    st.divider()
    c1, c2 = st.columns(2)
    span = sorted(int(y) for y in rows["year"].unique())
    with c1:
        y0 = w.choose(st.selectbox, "cy0", t("year_from", lang), span)
    with c2:
        y1 = w.choose(st.selectbox, "cy1", t("year_to", lang), span[::-1])
    changes = sel_.change_between(rows, y0, y1)
    if y0 == y1:
        st.info(t("same_years", lang), icon=":material/info:")
    elif changes.empty:
        st.info(t("no_change", lang, y0=y0, y1=y1), icon=":material/info:")
    else:
        w.chart(
            figures.dumbbell_figure(changes, view.metric, y0, y1, lang),
            f"{view.metric}_{y0}_{y1}",
            lang,
            "dumbbell",
        )


def peers(view: View) -> None:
    lang = view.lang
    with_data = view.rows["agency_id"].astype(str).unique().tolist()
    options = [a for a in view.agencies if a in with_data] + sorted(set(with_data) - set(view.agencies))
    if not options:
        return _no_data(view)
    c1, c2 = st.columns(2)
    with c1:
        agency = w.choose(
            st.selectbox, "peer", t("peer_agency", lang), options, format_func=lambda a: view.names.get(a, a)
        )
    with c2:
        group = w.choose(
            st.radio,
            "pgroup",
            t("peer_group", lang),
            ("same", "selected", "all"),
            horizontal=True,
            format_func=lambda g: t(f"peer_{g}", lang),
        )
    ids = sel_.peer_ids(view.ds.agencies, agency, group, view.agencies)
    rows = sel_.select(view.rows, ids, view.years)
    band = sel_.peer_band(rows, agency, ids)
    if band.empty or band["value"].isna().all():
        return _no_data(view)
    name = view.names.get(agency, agency)
    w.chart(figures.peers_figure(band, name, view.metric, lang), f"{name}_{view.metric}_peers", lang, "peers")
    _caption_sources(rows, lang)
    if (band["n"] < 2).any():
        st.caption(t("one_peer_note", lang))
    unit = unit_of(view.metric)
    headers = {
        "year": t("year", lang),
        "p25": f"P25({unit})",
        "p50": f"{t('median', lang)}({unit})",
        "p75": f"P75({unit})",
        "n": t("peer_n", lang),
        "value": f"{t('peer_value', lang)}({unit})",
        "percentile": t("percentile", lang),
    }
    st.dataframe(band[list(headers)].rename(columns=headers), hide_index=True, width="stretch")


def definitions(view: View) -> None:
    lang = view.lang
    present = set(view.ds.by_metric)
    st.subheader(t("definitions_intro", lang))
    table = pd.DataFrame(
        [
            {
                t("key", lang): m.key,
                t("label", lang): m.zh if lang == "zh" else m.en,
                t("unit", lang): m.unit,
                t("definition", lang): m.definition,
                t("in_dataset", lang): m.key in present,
            }
            for m in METRICS
        ]
    )
    table = table.sort_values(t("in_dataset", lang), ascending=False, kind="stable")
    st.dataframe(table, hide_index=True, width="stretch")
    st.subheader(t("derived_intro", lang))
    formulas = [(d.key, label(d.key, lang), d.formula_zh if lang == "zh" else d.formula_en) for d in DERIVED]
    formulas += [
        (c.key, c.zh if lang == "zh" else c.en, c.formula_zh if lang == "zh" else c.formula_en)
        for c in CHANGES
    ]
    st.dataframe(
        pd.DataFrame(formulas, columns=[t("key", lang), t("label", lang), t("formula", lang)]),
        hide_index=True,
        width="stretch",
    )
    st.subheader(t("coverage", lang))
    counts = view.ds.coverage_counts  # once per dataset; a filter only picks its rows
    cov = sel_.name_rows(counts[counts.index.isin(view.group["agency_id"].astype(str))], view.names)
    if not cov.empty:
        w.chart(figures.coverage_figure(cov.head(MAX_GROUP * 2), lang), "coverage", lang, "coverage")


def data(view: View) -> None:
    lang = view.lang
    rows = sel_.select(view.rows, view.agencies or None, view.years)
    shown = rows[[c for c in DATA_COLUMNS if c in rows.columns]].reset_index(drop=True)
    st.caption(t("table_rows", lang, n=len(shown)))
    if shown.empty:
        _no_data(view)
    else:
        tables.show(shown, lang, height=420)
    name = f"{view.metric}_{view.years[0]}-{view.years[1]}"
    files = highlight.escape_markdown(str(view.ds.directory))  # shown in a caption (markdown)
    w.table_downloads(lambda: shown, name, lang, "shown", rows=len(shown), files=files)
    w.table_downloads(
        lambda: _data_columns(view.ds.full_table()),
        "dataset_resolved",
        lang,
        "all",
        csv_label="download_all_csv",
        xlsx_label="download_all_xlsx",
        rows=len(view.ds.values),
        files=files,
    )
    with st.expander(t("pandas_snippet", lang)):
        st.code(PANDAS_SNIPPET.format(csv=f"{name}.csv", xlsx=f"{name}.xlsx"), language="python")


def documents(view: View) -> None:
    lang = view.lang
    docs = view.ds.documents
    st.subheader(t("doc_status", lang))
    query = st.text_input(t("doc_search", lang), key="doc_search")
    # Files that need attention first; a national build lists the first DOC_TABLE_ROWS of them.
    every = view.ds.documents_by_attention
    listed = every[_names_match(every["path"], query)]
    if len(listed) > DOC_TABLE_ROWS:
        st.caption(t("doc_more", lang, shown=DOC_TABLE_ROWS, n=len(listed)))
    cols = ["path", "status", "message", "agency", "year", "doc_type", "report_format"]
    tables.show(listed[cols].head(DOC_TABLE_ROWS), lang, 300)
    readable = view.ds.readable_paths
    if readable.empty:
        return _no_data(view)
    paths = pick_options(readable, query)
    if paths.total > len(paths.offered):
        st.caption(t("doc_more", lang, shown=len(paths.offered), n=paths.total))
    chosen = w.selection().get("doc")
    offered = paths.offered
    if chosen not in offered and (readable == chosen).any():
        offered = [chosen, *offered]  # a linked document stays selectable whatever the filter
    if not offered:
        return
    about = view.ds.document_labels
    path = w.choose(
        st.selectbox,
        "doc",
        t("doc_pick", lang),
        offered,
        format_func=lambda p: f"{p} ({about[p]})" if about.get(p) else p,
    )
    doc = docs[docs["path"] == path].iloc[0]
    text = _document_text(view, path)
    if text is None:
        st.warning(t("doc_missing", lang, path=highlight.escape_markdown(path)), icon=":material/warning:")
        return
    recs = view.ds.doc_metrics(str(doc["doc_id"]))
    spans = highlight.spans_from(zip(recs["start"], recs["end"], recs["metric"], strict=True), len(text))
    if _changed_since_build(text, doc["doc_id"]):  # the values' offsets point into another text
        st.warning(t("doc_changed", lang), icon=":material/warning:")
        spans = []
    tables.show(recs[["metric", "value", "unit", "scope", "approx", "method", "evidence"]], lang)
    st.caption(t("doc_text", lang))
    with st.container(height=500):
        st.markdown(highlight.highlighted_markdown(text, spans))  # escaped text, never HTML


def _names_match(paths: pd.Series, query: str) -> pd.Series:
    """Which paths contain `query` (plain text, any case, surrounding spaces ignored); all when empty."""
    query = (query or "").strip()
    if not query:
        return pd.Series(True, index=paths.index)
    return paths.astype(str).str.contains(query, case=False, regex=False)


@dataclass
class PickOptions:
    offered: list[str]
    total: int  # paths matching the filter


def pick_options(paths: pd.Series, query: str, limit: int | None = None) -> PickOptions:
    """The document paths containing `query` (plain text, any case), at most `limit` of them.

    Sending a hundred thousand options to the browser would make the tab take seconds; typing part
    of a name narrows the list instead.
    """
    paths = paths[_names_match(paths, query)]
    return PickOptions(paths.head(limit or DOC_OPTIONS).tolist(), len(paths))


def _data_columns(df: pd.DataFrame) -> pd.DataFrame:
    return df[[c for c in DATA_COLUMNS if c in df.columns]]


def _changed_since_build(text: str, built_id: object) -> bool:
    """Whether the file now reads as another text than the one the build read (its doc_id)."""
    from pipeline.text import doc_id

    return isinstance(built_id, str) and doc_id(text) != built_id


def _document_text(view: View, path: str) -> str | None:
    """The normalised text the offsets refer to, read from the build's input folder."""
    from pipeline.readers import read_path
    from pipeline.text import normalise

    root = Path(view.ds.meta.get("input_dir") or "data/raw")
    target = (root / path).resolve()
    if not target.is_relative_to(root.resolve()) or not target.is_file():
        return None
    res = read_path(target)
    return normalise(res.text) if res.text else None


def upload(view: View | None, lang: str) -> None:
    st.caption(t("upload_help", lang))
    ok, why = uploads_available()
    if not ok:
        st.info(t("upload_unavailable", lang, why=why), icon=":material/info:")
        return
    # The uploader's own button text ("Upload", "per file") comes from streamlit's frontend, English only:
    # the label says in the interface language what to choose and the size limit.
    files = st.file_uploader(t("upload_label", lang), accept_multiple_files=True, key="uploads")
    if not files or not st.button(t("upload_button", lang), key="upload_go"):
        return
    out_dir = dataset_dir()
    raw_dir = Path((view.ds.meta.get("input_dir") if view else None) or "data/raw")
    for s in save_uploads([(f.name, f.getvalue()) for f in files], raw_dir):
        if s.path is None:
            why = highlight.escape_markdown(s.reason(lang))
            name = highlight.escape_markdown(s.name)  # a file name is the uploader's text, not markup
            st.warning(t("upload_rejected", lang, name=name, why=why), icon=":material/warning:")
        else:
            name = highlight.escape_markdown(s.name)
            st.success(t("upload_saved", lang, name=name), icon=":material/check_circle:")
    bar = st.progress(0.0)
    outcome = run_build(raw_dir, out_dir, progress=lambda frac, msg: bar.progress(min(frac, 1.0), text=msg))
    if not outcome.ok:
        err = highlight.escape_markdown(outcome.error)
        st.error(t("build_failed", lang, err=err), icon=":material/error:")
        return
    st.success(
        t("build_done", lang, rows=len(outcome.new_rows), failed=len(outcome.failures)),
        icon=":material/check_circle:",
    )
    reasons = outcome.summary.get("read_again_because") or []
    if reasons:  # why an upload of one file took as long as a full build
        st.info(t("read_again", lang, why="; ".join(reasons)), icon=":material/info:")
    if len(outcome.new_rows):
        st.subheader(t("new_rows", lang))
        st.dataframe(outcome.new_rows, hide_index=True, width="stretch")
    if len(outcome.failures):
        st.subheader(t("failures", lang))
        st.dataframe(outcome.failures, hide_index=True, width="stretch")


def _ordered(keys: list[str]) -> list[str]:
    """Metric keys in catalogue order (core first), then derived keys."""
    order = {m.key: i for i, m in enumerate(METRICS)}
    order.update({d.key: len(order) + i for i, d in enumerate(DERIVED)})
    return sorted(keys, key=lambda k: (order.get(k, 10**6), k))


def metric_order(keys: list[str]) -> list[str]:
    return _ordered(keys)


def is_extracted(key: str) -> bool:
    return key in BY_KEY
