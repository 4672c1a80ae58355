"""Exports on real figures and tables: PNG/SVG through Chromium, HTML, CSV with BOM, Excel, formula guard."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from dashboard import exports, figures
from dashboard import selection as sel
from dashboard.data import read_dataset
from tests.dashboard_fixtures import INJECTED_EVIDENCE, write_dataset

needs_chromium = pytest.mark.skipif(
    not exports.static_export_available(), reason="no Chromium: apt-get install chromium fonts-noto-cjk"
)


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return read_dataset(write_dataset(tmp_path_factory.mktemp("exp"))).dataset


@pytest.fixture(scope="module")
def fig(ds):
    rows = sel.metric_rows(ds.values, "items_accepted", "annual", ds.by_metric)
    return figures.trend_figure(sel.transform_trend(rows, "absolute"), "items_accepted")


@needs_chromium
def test_png_is_a_real_png_at_twice_the_size(fig):
    png = exports.figure_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width == 2 * 700  # plotly's default width 700, scale 2


@needs_chromium
def test_svg_keeps_chinese_text_as_text_in_the_cjk_font(fig):
    svg = exports.figure_svg(fig).decode("utf-8")
    assert svg.lstrip().startswith("<svg") and "受理件数(件)" in svg and "Noto Sans CJK SC" in svg


def test_html_is_standalone_and_interactive(fig):
    html = exports.figure_html(fig).decode("utf-8")
    assert "<html>" in html[:100] and "newPlot" in html
    assert json.dumps("受理件数(件)")[1:-1] in html  # figure JSON escapes non-ASCII text
    assert '<script src="http' not in html and len(html) > 1_000_000  # plotly.js inlined: opens offline
    assert '"toImageButtonOptions"' in html


def test_toolbar_download_is_configured_with_name_format_and_scale():
    config = exports.chart_config("受理件数/趋势")
    assert config["toImageButtonOptions"] == {"format": "png", "filename": "受理件数_趋势", "scale": 2}


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("=1+1", "'=1+1"),
        ("+86 123", "'+86 123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("受理=3", "受理=3"),
        ("", ""),
        (12.5, 12.5),
        (-3, -3),
    ],
)
def test_formula_prefixes_are_neutralised_and_everything_else_left_alone(cell, expected):
    assert exports.neutralise(cell) == expected


def test_guard_does_not_mutate_its_input():
    df = pd.DataFrame({"a": ["=x"], "b": [1]})
    exports.guard_formulas(df)
    assert df.loc[0, "a"] == "=x"


def test_csv_has_a_bom_and_neutralised_cells(ds):
    csv = exports.table_csv(ds.full_table())
    assert csv.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert ("'" + INJECTED_EVIDENCE + "全年共受理各类事项90000件。") in set(back["evidence"])
    assert not back["evidence"].astype(str).str.startswith("=").any()
    assert "淄博高新区政务服务中心" in set(back["agency"])


def test_xlsx_opens_with_openpyxl_and_has_no_formula_cells(ds):
    data = exports.table_xlsx(ds.full_table(), sheet="数据")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    cells = [c for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert any(v.startswith("'=HYPERLINK") for v in texts)
    assert ws.max_row == len(ds.values) + 1


def test_xlsx_accepts_timezone_aware_dates():
    df = pd.DataFrame({"t": pd.to_datetime(["2024-01-01"]).tz_localize("Asia/Shanghai"), "v": [1]})
    wb = openpyxl.load_workbook(io.BytesIO(exports.table_xlsx(df)))
    assert wb.active.max_row == 2


@pytest.mark.parametrize(
    "name, expected",
    [
        ("a/b\\c", "a_b_c"),
        ("../../etc/passwd", "etc_passwd"),
        ("受理件数 2020", "受理件数 2020"),
        ("", "chart"),
    ],
)
def test_download_names_are_safe(name, expected):
    assert exports.safe_filename(name) == expected


def test_export_command_writes_the_chosen_charts_of_a_copied_view(tmp_path):
    from dashboard.__main__ import main

    dataset = write_dataset(tmp_path / "d")
    out = tmp_path / "out"
    formats = "html,svg" if exports.static_export_available() else "html"
    view = "http://localhost:8501/?agencies=a-zb-gx&agencies=a-zb-zd&lang=zh"
    args = ["export", "--dataset", str(dataset), "--out", str(out), "--charts", "trend,heatmap,peers",
            "--metrics", "items_accepted,rate_granted", "--formats", formats, "--view", view]  # fmt: skip
    assert main(args) == 0
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 3 * 2 * len(formats.split(","))
    assert "trend_items_accepted_受理件数.html" in names
    if "svg" in formats:
        svg = (out / "trend_items_accepted_受理件数.svg").read_text(encoding="utf-8")
        assert (
            "淄博高新区政务服务中心" in svg and "山东省人民政府办公厅" not in svg
        )  # the view's agencies only


def test_export_command_names_the_agencies_of_a_view_the_dataset_lacks(tmp_path, capsys):
    from dashboard.__main__ import main

    dataset = write_dataset(tmp_path / "d")
    view = "agencies=a-zb-gx&agencies=139001-fb0fecb1aa"
    args = ["export", "--dataset", str(dataset), "--out", str(tmp_path / "o"), "--charts", "trend",
            "--metrics", "items_accepted", "--formats", "html", "--view", view]  # fmt: skip
    assert main(args) == 0
    assert "left out: agencies 139001-fb0fecb1aa" in capsys.readouterr().err
    assert (tmp_path / "o" / "trend_items_accepted_受理件数.html").exists()


@pytest.mark.parametrize("args", [["export", "--charts", "pie"], ["export", "--formats", "gif"]])
def test_export_command_rejects_unknown_charts_and_formats(tmp_path, args):
    from dashboard.__main__ import main

    dataset = write_dataset(tmp_path / "d")
    assert main([*args, "--dataset", str(dataset), "--out", str(tmp_path / "o")]) == 2


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--metrics", "no_such_metric"], "no values for metric no_such_metric"),
        (["--out", "{file}"], "cannot write to --out"),  # a file where the folder should be
    ],
)
def test_export_command_explains_an_unknown_metric_or_an_unusable_folder(tmp_path, capsys, extra, said):
    from dashboard.__main__ import main

    dataset = write_dataset(tmp_path / "d")
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    args = ["export", "--dataset", str(dataset), "--out", str(tmp_path / "o"), "--formats", "html"]
    args += [a.format(file=tmp_path / "a-file") for a in extra]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def _log_decode_error(text: str) -> None:
    """Log a decoding failure exactly as choreographer's pipe reader does, on its own logger."""
    from choreographer.channels import _wire

    logger = logging.getLogger(exports.PIPE_LOGGER)
    try:
        _wire.deserialize(text)
    except Exception:
        logger.exception("JSONError decoding message. Ignoring")


@pytest.mark.parametrize("text, shown", [("{bye}\n", False), ('{"id": 1, "res', True)])
def test_only_the_closing_bye_marker_is_kept_out_of_the_log(caplog, text, shown):
    exports.quiet_shutdown_noise()
    exports.quiet_shutdown_noise()  # idempotent: one filter
    assert (
        sum(isinstance(f, exports.ByeMarkerFilter) for f in logging.getLogger(exports.PIPE_LOGGER).filters)
        == 1
    )
    with caplog.at_level(logging.ERROR, logger=exports.PIPE_LOGGER):
        _log_decode_error(text)
    assert any("JSONError" in r.getMessage() for r in caplog.records) is shown


@needs_chromium
def test_a_process_that_exported_images_exits_quietly(tmp_path):
    """The export server is stopped at exit (atexit) without tracebacks on stderr."""
    import subprocess
    import sys

    code = (
        "import plotly.graph_objects as go\n"
        "from dashboard import exports\n"
        "fig = go.Figure(go.Scatter(x=[1, 2], y=[1, 2]))\n"
        "assert exports.figure_png(fig)[:4] == b'\\x89PNG'\n"
    )
    repo = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr
