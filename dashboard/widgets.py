"""Streamlit building blocks shared by the pages: URL-bound widgets, chart blocks with exports, states."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from dashboard import exports, urlstate
from dashboard.data import LoadResult, read_dataset, signature
from dashboard.i18n import t

SEL = "_selection"  # persistent selections: widget keys vanish when a lazy tab is not drawn


@st.cache_resource(max_entries=2, show_spinner=False)
def _load(directory: str, _sig: tuple) -> LoadResult:
    return read_dataset(Path(directory))


def load_dataset(directory: Path) -> LoadResult:
    """The dataset, read once per change of its files (the cache key includes their mtimes)."""
    return _load(str(directory), signature(directory))


def _url_params() -> dict[str, list[str]]:
    """Every query parameter with all its values (a list is one repeated parameter per item)."""
    return {k: st.query_params.get_all(k) for k in st.query_params}


def selection() -> dict[str, Any]:
    """The current selections, seeded once per session from the URL's query parameters."""
    if SEL not in st.session_state:
        st.session_state[SEL] = urlstate.read_state(_url_params())
    return st.session_state[SEL]


def write_url() -> None:
    """Mirror the selections into the URL (only when they changed, to avoid needless messages)."""
    wanted = urlstate.write_state(selection())
    if _url_params() != urlstate.as_lists(wanted):
        st.query_params.from_dict(wanted)


def _lang() -> str:
    return selection().get("lang") or "zh"


def _seed(name: str, valid: Callable[[Any], Any]) -> str:
    key = "w_" + name
    if key not in st.session_state:
        st.session_state[key] = valid(None)  # None: take the selection (from the URL) or the default
    elif valid(st.session_state[key]) != st.session_state[key]:
        st.session_state[key] = valid(st.session_state[key])
    return key


def choose(widget: Callable, name: str, label: str, options: Sequence, **kw: Any) -> Any:
    """A single-choice widget (selectbox, radio, segmented_control) bound to selection `name`."""
    opts = list(options)
    sel = selection()

    def valid(v: Any) -> Any:
        if v in opts:
            return v
        return sel.get(name) if sel.get(name) in opts else (opts[0] if opts else None)

    key = _seed(name, valid)
    if widget is st.selectbox:
        kw.setdefault("placeholder", t("placeholder_one", _lang()))
    value = widget(label, opts, key=key, **kw)
    sel[name] = value
    return value


def choose_many(name: str, label: str, options: Sequence, default: Sequence = (), **kw: Any) -> list:
    """A multiselect bound to selection `name`; values no longer offered are dropped, and when a
    filter drops every chosen value the defaults of the new options stand in (an emptied choice
    the user made stays empty)."""
    opts = list(options)
    sel = selection()
    start = urlstate.resolve_list(sel.get(name) or (), opts) or list(default)

    def valid(v: Any) -> list:
        kept = [x for x in (v if v is not None else start) if x in opts]
        return kept if kept or not v else [x for x in default if x in opts]

    key = _seed(name, valid)
    kw.setdefault("placeholder", t("placeholder_many", _lang()))
    # no "Select all": its text is English-only, and drawing every agency at once is never useful
    kw.setdefault("select_all", False)
    value = st.multiselect(label, opts, key=key, **kw)
    sel[name] = tuple(value)
    return value


def choose_range(name_lo: str, name_hi: str, label: str, lo: int, hi: int) -> tuple[int, int]:
    """A year-range slider bound to two selections."""
    sel = selection()
    want = (sel.get(name_lo) or lo, sel.get(name_hi) or hi)

    def valid(v: Any) -> tuple[int, int]:
        a, b = v if isinstance(v, (tuple, list)) and len(v) == 2 else want
        a, b = min(max(int(a), lo), hi), min(max(int(b), lo), hi)
        return (min(a, b), max(a, b))

    key = _seed(name_lo + "_" + name_hi, valid)
    if lo == hi:
        value = (lo, hi)
        st.caption(f"{label}: {lo}")
    else:
        value = st.slider(label, min_value=lo, max_value=hi, key=key)
    sel[name_lo], sel[name_hi] = (
        (value[0] if value[0] != lo else None),
        (value[1] if value[1] != hi else None),
    )
    return value


def toggle(name: str, label: str) -> bool:
    sel = selection()
    key = _seed(name, lambda v: bool(v) if v is not None else bool(sel.get(name)))
    value = st.checkbox(label, key=key)
    sel[name] = value
    return value


def number(name: str, label: str, lo: int, hi: int, default: int) -> int:
    sel = selection()

    def valid(v: Any) -> int:
        v = sel.get(name) if v is None else v
        return min(max(int(v if v is not None else default), lo), hi)

    key = _seed(name, valid)
    value = st.number_input(label, min_value=lo, max_value=hi, step=1, key=key)
    sel[name] = int(value)
    return int(value)


def chart(fig: go.Figure, name: str, lang: str, key: str) -> None:
    """A chart with the toolbar's image download configured and PNG/SVG/HTML download buttons."""
    filename = exports.safe_filename(name)
    st.plotly_chart(fig, key=f"chart_{key}", config=exports.chart_config(filename), theme=None)
    static = exports.static_export_available()
    # (label, bytes maker, suffix, mime, needs Chromium); bytes are made on click, so drawing the
    # page never waits for Chromium.
    formats = (
        ("download_png", lambda: exports.figure_png(fig), "png", "image/png", True),
        ("download_svg", lambda: exports.figure_svg(fig), "svg", "image/svg+xml", True),
        ("download_html", lambda: exports.figure_html(fig, filename), "html", "text/html", False),
    )
    for col, (label, make, suffix, mime, needs_static) in zip(st.columns(4), formats, strict=False):
        off = needs_static and not static
        col.download_button(
            t(label, lang),
            data=make,
            file_name=f"{filename}.{suffix}",
            mime=mime,
            key=f"{suffix}_{key}",
            disabled=off,
            on_click="ignore",
            help=t("static_disabled", lang) if off else None,
        )
    if not static:
        st.caption(t("static_disabled", lang))


def table_downloads(
    df_fn: Callable,
    name: str,
    lang: str,
    key: str,
    csv_label: str = "download_csv",
    xlsx_label: str = "download_xlsx",
    rows: int | None = None,
    files: str = "",
) -> None:
    """CSV (UTF-8 BOM) and Excel buttons for a table, both guarded against formula injection.
    `rows`: the table's length when known without building it; past what a click should build in
    memory (exports.BROWSER_*_MAX_ROWS) a button is off and says why, and where the full data
    is (`files`, the dataset folder)."""
    filename = exports.safe_filename(name)
    csv_off = rows is not None and rows > exports.BROWSER_CSV_MAX_ROWS
    xlsx_off = rows is not None and rows > exports.BROWSER_XLSX_MAX_ROWS
    csv_why = (
        t("csv_too_large", lang, n=rows, most=exports.BROWSER_CSV_MAX_ROWS, files=files) if csv_off else None
    )
    xlsx_why = t("xlsx_too_large", lang, n=rows, most=exports.BROWSER_XLSX_MAX_ROWS) if xlsx_off else None
    cols = st.columns(2)
    cols[0].download_button(
        t(csv_label, lang),
        data=lambda: exports.table_csv(df_fn()),
        file_name=f"{filename}.csv",
        mime="text/csv",
        key=f"csv_{key}",
        on_click="ignore",
        disabled=csv_off,
        help=csv_why,
    )
    cols[1].download_button(
        t(xlsx_label, lang),
        data=lambda: exports.table_xlsx(df_fn(), sheet=name),
        file_name=f"{filename}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx_{key}",
        on_click="ignore",
        disabled=xlsx_off,
        help=xlsx_why,
    )
    for col, why in zip(cols, (csv_why, xlsx_why), strict=True):
        if why:
            col.caption(why)


def build_command_hint() -> None:
    st.code("python -m pipeline build", language="bash")
