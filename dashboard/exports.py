"""Figures and tables to bytes: PNG/SVG through kaleido and Chromium, standalone HTML, CSV and Excel."""

from __future__ import annotations

import atexit
import io
import logging
import os
import re
import shutil
import threading
import warnings
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from pipeline.writing import FORMULA_PREFIXES  # one list for the dataset's CSVs and the app's downloads

DEFAULT_BROWSER = "/usr/bin/chromium"
PNG_SCALE = 2
INSTALL_HINT = "apt-get install chromium fonts-noto-cjk"

PIPE_LOGGER = "choreographer.channels.pipe"

_lock = threading.Lock()
_server_started = False


class ByeMarkerFilter(logging.Filter):
    """Drops one harmless record: choreographer's "JSONError decoding message" for its own "{bye}" marker.

    When Chromium exits, choreographer's wrapper writes "{bye}" into the pipe; if that arrives in the
    same read as Chromium's last output, choreographer 1.4 decodes it as a JSON message, fails and logs
    the traceback ("Ignoring") at exit. Any other decoding error still shows.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        cause = getattr(exc, "__cause__", None)
        return not (type(exc).__name__ == "JSONError" and str(getattr(cause, "doc", "")).strip() == "{bye}")


def quiet_shutdown_noise() -> None:
    """Install ByeMarkerFilter once on choreographer's pipe logger."""
    logger = logging.getLogger(PIPE_LOGGER)
    if not any(isinstance(f, ByeMarkerFilter) for f in logger.filters):
        logger.addFilter(ByeMarkerFilter())


def browser_path() -> str | None:
    """The Chromium kaleido will drive: $BROWSER_PATH, else Debian's, else one on PATH."""
    for candidate in (os.environ.get("BROWSER_PATH"), DEFAULT_BROWSER, shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def static_export_available() -> bool:
    """PNG/SVG need a local Chromium (kaleido never downloads one here)."""
    return browser_path() is not None


def _ensure_server() -> None:
    """Start kaleido's browser once per process: later images take ~0.3 s instead of 2-3 s each."""
    global _server_started
    if _server_started:
        return
    path = browser_path()
    if path is None:
        raise RuntimeError(f"no Chromium for static export; install it: {INSTALL_HINT}")
    os.environ.setdefault("BROWSER_PATH", path)
    import kaleido

    quiet_shutdown_noise()
    kaleido.start_sync_server(silence_warnings=True)
    # Registered after kaleido's own exit hook, so it runs first (atexit is last-in first-out): the browser
    # is closed while the interpreter is whole and, under the lock, not in the middle of an export.
    atexit.register(_stop_server)
    _server_started = True


def _stop_server(wait: float = 10) -> None:
    global _server_started
    locked = _lock.acquire(timeout=wait)  # an export still running finishes first; a stuck one is not awaited
    try:
        if _server_started:
            import kaleido

            try:
                kaleido.stop_sync_server(silence_warnings=True)
            finally:
                _server_started = False
    finally:
        if locked:
            _lock.release()


def _image(fig: go.Figure, fmt: str, scale: float) -> bytes:
    with _lock:
        _ensure_server()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "kopts ignored when using a server": expected
            return fig.to_image(format=fmt, scale=scale)


def figure_png(fig: go.Figure, scale: float = PNG_SCALE) -> bytes:
    return _image(fig, "png", scale)


def figure_svg(fig: go.Figure) -> bytes:
    return _image(fig, "svg", 1)


def figure_html(fig: go.Figure, filename: str = "chart") -> bytes:
    """Standalone interactive HTML with plotly.js inlined (opens offline), toolbar download configured."""
    return fig.to_html(include_plotlyjs=True, full_html=True, config=chart_config(filename)).encode("utf-8")


def chart_config(filename: str, fmt: str = "png", scale: float = PNG_SCALE) -> dict:
    """plotly config for the toolbar's own image download (runs in the browser, needs no server)."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": fmt, "filename": safe_filename(filename), "scale": scale},
    }


def safe_filename(text: str, default: str = "chart") -> str:
    """A download name without path separators or characters browsers reject; Chinese kept."""
    name = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", str(text)).strip(" ._")
    return name[:100] or default


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def guard_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` in which no text cell or header can be read as a formula; numbers untouched."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if (
            isinstance(s.dtype, pd.CategoricalDtype)
            or s.dtype == object
            or pd.api.types.is_string_dtype(s.dtype)
        ):
            out[col] = s.astype("object").map(neutralise, na_action="ignore")
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def table_csv(df: pd.DataFrame) -> bytes:
    """CSV with a UTF-8 BOM so Excel opens Chinese text correctly; formulas neutralised."""
    return guard_formulas(df).to_csv(index=False).encode("utf-8-sig")


# An Excel sheet holds 1,048,576 rows, the header included.
EXCEL_MAX_DATA_ROWS = 1_048_575
# What a download button builds in the server's memory when clicked. A national build's resolved
# table (4.3M rows at 100k reports) made a 1.1 GB CSV in 57 s at 7.7 GB of memory; openpyxl writes
# ~4,000 rows/s (200k rows: 53 s, +1.3 GB). Past these the buttons are off and say where the files are.
BROWSER_CSV_MAX_ROWS = 1_000_000
BROWSER_XLSX_MAX_ROWS = 100_000


def table_xlsx(df: pd.DataFrame, sheet: str = "data") -> bytes:
    """An Excel workbook of `df`; formulas neutralised, timezone-aware dates made naive."""
    if len(df) > EXCEL_MAX_DATA_ROWS:
        raise ValueError(
            f"{len(df):,} rows do not fit an Excel sheet ({EXCEL_MAX_DATA_ROWS:,} at most): use CSV"
        )
    out = guard_formulas(df)
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_localize(None)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        out.to_excel(writer, index=False, sheet_name=safe_filename(sheet)[:31] or "data")
    return buf.getvalue()


PANDAS_SNIPPET = """import pandas as pd

# the CSV has a UTF-8 BOM; utf-8-sig reads it. Text cells that began with = + - @ carry a leading '.
df = pd.read_csv("{csv}", encoding="utf-8-sig")
# or the Excel file
df = pd.read_excel("{xlsx}")
# or the full dataset straight from the build
resolved = pd.read_parquet("data/dataset/resolved.parquet")
"""
