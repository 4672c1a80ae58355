"""Streamlit entry point: page layout and widgets only; everything drawn comes from dashboard/."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import pages, urlstate
from dashboard import selection as sel_
from dashboard import widgets as w
from dashboard.data import Dataset, dataset_dir
from dashboard.highlight import escape_markdown
from dashboard.i18n import t
from pipeline.agency_rules import KIND_LABELS, LEVELS
from pipeline.catalog import label
from pipeline.schema import SCHEMA_VERSION

ATTRIBUTE_FILTERS = (
    ("province", "province"),
    ("level", "level"),
    ("kind", "agency_kind"),
)  # (url name, column)
VALUE_LABELS = {"level": LEVELS, "agency_kind": KIND_LABELS}  # Chinese names of the stored codes
PAGES = {
    "trends": pages.trends,
    "rankings": pages.rankings,
    "compare": pages.compare,
    "peers": pages.peers,
    "definitions": pages.definitions,
    "data": pages.data,
    "documents": pages.documents,
}


def language_ui() -> str:
    # A radio, not segmented_control: that one's first use compiles streamlit's emoji table (~0.4 s).
    return w.choose(
        st.radio,
        "lang",
        t("language"),
        ("zh", "en"),
        horizontal=True,
        format_func=lambda x: {"zh": "中文", "en": "English"}[x],
    )


def dataset_ui(lang: str) -> Dataset | None:
    """The dataset, or a clear message (with the command to build it) when there is none to show."""
    result = w.load_dataset(dataset_dir())
    if result.status == "ok":
        return result.dataset
    if result.status == "missing":
        st.warning(t("no_dataset", lang), icon=":material/warning:")
    elif result.status == "old_schema":
        st.warning(
            t("old_schema", lang, found=result.found_version, need=SCHEMA_VERSION), icon=":material/warning:"
        )
    else:
        err = escape_markdown(result.error)  # an exception's text may quote file content
        st.error(t("bad_dataset", lang, err=err), icon=":material/error:")
    w.build_command_hint()
    return None


def metric_ui(ds: Dataset, lang: str) -> tuple[str, str]:
    keys = pages.metric_order(list(ds.by_metric))
    metric = w.choose(
        st.selectbox, "metric", t("metric", lang), keys, format_func=lambda k: _metric_name(k, lang)
    )
    scope = w.choose(
        st.radio,
        "scope",
        t("scope", lang),
        ("annual", "cumulative"),
        horizontal=True,
        format_func=lambda s: t(f"scope_{s}", lang),
    )
    return metric, scope


def _metric_name(key: str, lang: str) -> str:
    return label(key, lang) + ("" if pages.is_extracted(key) else f" · {t('metric_derived', lang)}")


def group_ui(ds: Dataset, lang: str) -> pd.DataFrame:
    """Region / level / kind filters: rank like with like."""
    chosen = {}
    for name, col in ATTRIBUTE_FILTERS:
        options = sorted(ds.agencies[col].dropna().unique().tolist())
        if options:
            names = VALUE_LABELS.get(col, {}) if lang == "zh" else {}
            chosen[col] = w.choose_many(
                name, t(col, lang), options, format_func=lambda v, n=names: n.get(v, v.replace("_", " "))
            )
    return sel_.attribute_filter(ds.agencies, chosen)


def agencies_ui(group: pd.DataFrame, rows: pd.DataFrame, lang: str) -> list[str]:
    sort = w.choose(
        st.radio,
        "sort",
        t("agency_sort", lang),
        ("value", "name"),
        horizontal=True,
        format_func=lambda s: t(f"sort_{s}", lang),
    )
    options = sel_.agency_options(group, rows, sort=sort)
    names = dict(zip(options["agency_id"].astype(str), options["agency"].astype(str), strict=True))
    muted = set(options.loc[~options["has_data"], "agency_id"].astype(str))
    suffix = t("no_data_suffix", lang)
    return w.choose_many(
        "agencies",
        t("agencies", lang),
        options["agency_id"].astype(str).tolist(),
        default=sel_.default_agencies(options),
        format_func=lambda a: names.get(a, a) + (suffix if a in muted else ""),
    )


def years_ui(rows: pd.DataFrame, ds: Dataset, lang: str) -> tuple[int, int]:
    if len(rows):
        lo, hi = int(rows["year"].min()), int(rows["year"].max())
    elif ds.years:
        lo, hi = ds.years[0], ds.years[-1]
    else:
        return (0, 0)
    return w.choose_range("y0", "y1", t("years", lang), lo, hi)


def _when(stamp: str) -> str:
    """An ISO time stamp as 2026-01-31 08:00 UTC; anything else as it is."""
    try:
        when = pd.Timestamp(stamp)
    except ValueError:
        return str(stamp)
    if when.tzinfo is not None:
        return when.tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")
    return when.strftime("%Y-%m-%d %H:%M")


def tabs_ui(lang: str) -> tuple[str, object]:
    """The tab bar; only the open tab's page runs (lazy tabs), its id is kept in the URL."""
    ids = list(urlstate.TABS)
    labels = [t(f"tab_{i}", lang) for i in ids]
    current = w.selection().get("tab") or ids[0]
    key = f"w_tab_{lang}"
    if key in st.session_state and st.session_state[key] not in labels:
        del st.session_state[key]
    containers = st.tabs(labels, default=labels[ids.index(current)], key=key, on_change="rerun")
    active = st.session_state.get(key) or labels[ids.index(current)]
    tab = ids[labels.index(active)]
    w.selection()["tab"] = tab
    return tab, containers[ids.index(tab)]


def main() -> None:
    st.set_page_config(page_title="政府年报指标看板", layout="wide")
    with st.sidebar:
        lang = language_ui()
    st.title(t("title", lang))
    ds = dataset_ui(lang)
    if ds is None:
        with st.expander(t("tab_upload", lang)):  # the first reports can come in through the browser
            pages.upload(None, lang)
        w.write_url()
        return
    with st.sidebar:
        st.header(t("filters", lang))
        metric, scope = metric_ui(ds, lang)
        group = group_ui(ds, lang)
        all_rows = sel_.metric_rows(ds.values, metric, scope, ds.by_metric)
        rows = all_rows[all_rows["agency_id"].isin(group["agency_id"])]
        asked = tuple(w.selection().get("agencies") or ())  # before the widget keeps only valid ones
        agencies = agencies_ui(group, rows, lang)
        gone = urlstate.not_offered(asked, ds.agencies["agency_id"].dropna().astype(str))
        if gone:  # a link from an earlier build: its agency ids may have changed
            ids = escape_markdown("、".join(gone[:10]) + ("…" if len(gone) > 10 else ""))
            st.caption(t("link_agencies_gone", lang, n=len(gone), ids=ids))
        years = years_ui(rows, ds, lang)
        if ds.meta.get("built_at"):
            st.caption(t("built_at", lang, t=_when(ds.meta["built_at"])))
    tab, container = tabs_ui(lang)
    view = pages.View(ds, lang, metric, scope, rows, agencies, years, group, ds.names)
    with container:
        if tab == "upload":
            pages.upload(view, lang)
        else:
            PAGES[tab](view)
    w.write_url()


main()
