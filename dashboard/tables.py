"""Tables as shown on screen: headers and coded values in the interface language; the data is untouched.

Downloads keep the dataset's own column names and codes (what the pandas snippet expects); only what
st.dataframe displays is translated here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.i18n import has, t
from pipeline.agency_rules import KIND_LABELS, LEVELS
from pipeline.catalog import label

AUTO_HEIGHT_ROWS = 10  # st.dataframe's own height fits this many rows; a fixed height would show blanks


def _coded(prefix: str) -> Callable[[str, str], str]:
    """A value named by the i18n row `prefix_value`, else itself with spaces for underscores."""
    return lambda v, lang: t(f"{prefix}_{v}", lang) if has(f"{prefix}_{v}") else v.replace("_", " ")


def _named(names: dict[str, str]) -> Callable[[str, str], str]:
    """A code with a Chinese name (levels, agency kinds): the name in Chinese, the code in English."""
    return lambda v, lang: names.get(v, v) if lang == "zh" else v.replace("_", " ")


# column -> (code, lang) -> text shown; one row per coded column the dashboard displays
VALUE_NAMES: dict[str, Callable[[str, str], str]] = {
    "metric": lambda v, lang: label(v, lang),
    "level": _named(LEVELS),
    "agency_kind": _named(KIND_LABELS),
    "scope": _coded("scope"),
    "source": _coded("source"),
    "status": _coded("status"),
    "doc_type": _coded("doc_type"),
    "report_format": _coded("report_format"),
}


def _map(s: pd.Series, fn: Callable[[str, str], str], lang: str) -> pd.Series:
    """fn over a column, called once per distinct value (categories for a categorical column)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        names = np.array([fn(str(c), lang) for c in s.cat.categories] + [None], dtype=object)
        return pd.Series(names[s.cat.codes.to_numpy()], index=s.index, dtype="string")
    distinct = {v: fn(str(v), lang) for v in s.dropna().unique()}
    return s.map(distinct).astype("string")


def readable(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy with coded columns (metric keys, levels, kinds, scopes, sources, statuses) as words."""
    out = df.copy()
    for col, fn in VALUE_NAMES.items():
        if col in out.columns:
            out[col] = _map(out[col], fn, lang)
    return out


def column_config(df: pd.DataFrame, lang: str) -> dict:
    """Header labels in the interface language for every column with a known name."""
    return {c: st.column_config.Column(t(f"col_{c}", lang)) for c in df.columns if has(f"col_{c}")}


def show(df: pd.DataFrame, lang: str, height: int = 400) -> None:
    """st.dataframe of `df` with translated headers and values; short tables take only their rows' height."""
    st.dataframe(
        readable(df, lang),
        column_config=column_config(df, lang),
        hide_index=True,
        width="stretch",
        height=height if len(df) > AUTO_HEIGHT_ROWS else "auto",
    )
