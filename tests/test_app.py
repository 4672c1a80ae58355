"""The app through streamlit.testing.v1.AppTest: every tab, filters, states, URL round trip, real exports."""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dashboard import exports, urlstate
from dashboard.data import ENV_VAR
from pipeline import dataset as pipeline_dataset
from tests.dashboard_fixtures import HOSTILE_TEXT, INJECTED_EVIDENCE, write_dataset

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 60


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("app"))


@pytest.fixture
def app(dataset_dir, monkeypatch):
    """A fresh app session on the fixture dataset; pass query parameters as keywords."""
    monkeypatch.setenv(ENV_VAR, str(dataset_dir))

    def make(**params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        for k, v in params.items():
            at.query_params[k] = v
        return at.run()

    return make


def _spec(at: AppTest, i: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[i].proto.spec)


def _array(v) -> list:
    """Plotly 7 stores numeric arrays in figure JSON as base64 ("bdata") with a dtype."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def _params(at: AppTest) -> dict[str, str | list[str]]:
    """The URL's parameters after a run: a single value as text, a repeated one as its list."""
    return dict(at.query_params)


def _no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize(
    "tab, charts",
    [
        ("trends", 1),
        ("rankings", 2),
        ("compare", 3),
        ("peers", 1),
        ("definitions", 1),
        ("data", 0),
        ("documents", 0),
    ],
)
def test_every_tab_renders_its_charts_without_an_error(app, tab, charts):
    at = app(tab=tab)
    _no_trouble(at)
    assert at.title[0].value == "政府年报指标看板"
    assert len(at.get("plotly_chart")) == charts


def test_trends_chart_shows_the_chosen_agencies_with_chinese_labels(app):
    at = app(metric="items_accepted", agencies=["a-zb-gx", "a-zb-zd"])
    spec = _spec(at)
    assert {tr["name"] for tr in spec["data"]} == {"淄博高新区政务服务中心", "淄博市张店区政务服务中心"}
    assert "受理件数(件)" in spec["layout"]["title"]["text"]
    assert spec["layout"]["template"]["layout"]["paper_bgcolor"] == "white"


def test_changing_the_metric_redraws_the_chart_and_updates_the_url(app):
    at = app(metric="items_accepted")
    at.sidebar.selectbox(key="w_metric").select("items_completed").run()
    _no_trouble(at)
    assert "办结件数(件)" in _spec(at)["layout"]["title"]["text"]
    assert _params(at)["metric"] == "items_completed"


def test_derived_indicators_are_offered_and_computed_from_their_inputs(app):
    at = app(metric="rate_granted", agencies="a-zb-gx")
    _no_trouble(at)
    assert "予以公开率(%) · 派生指标" in at.sidebar.selectbox(key="w_metric").options
    ys = _array(_spec(at)["data"][0]["y"])
    assert ys == pytest.approx([100 * (s + 2) / (s + 4) for s in range(6)])


def test_region_filter_limits_the_agency_choices(app):
    at = app()
    at.sidebar.multiselect(key="w_province").select("福建省").run()
    _no_trouble(at)
    assert set(at.sidebar.multiselect(key="w_agencies").options) == {
        "厦门市海沧区发展和改革局",
        "某某县无数据局(无数据)",  # listed, muted: no value for the metric
    }


def test_a_filter_that_leaves_none_of_the_chosen_agencies_shows_the_new_defaults(app):
    at = app(agencies="a-zb-gx")  # 淄博 (山东)
    at.sidebar.multiselect(key="w_province").select("福建省").run()
    _no_trouble(at)
    assert at.sidebar.multiselect(key="w_agencies").value == ["a-xm-hc"]
    assert at.get("plotly_chart")


def test_a_link_naming_agencies_the_dataset_no_longer_has_says_so(app):
    """Agency ids change when a rebuild reads a name or region differently; a copied link then shows
    the agencies still there and says which it left out, instead of a different chart in silence."""
    at = app(metric="items_accepted", agencies=["a-zb-gx", "139001-fb0fecb1aa"])
    _no_trouble(at)
    assert at.sidebar.multiselect(key="w_agencies").value == ["a-zb-gx"]
    notes = [c.value for c in at.sidebar.caption if "139001" in c.value]
    assert notes and "1 个机构不在此数据集中" in notes[0]
    plain = app(metric="items_accepted", agencies=["a-zb-gx"])
    assert not [c.value for c in plain.sidebar.caption if "不在此数据集中" in c.value]


def test_cumulative_figures_are_a_separate_choice(app):
    annual = _spec(app(metric="items_accepted", agencies="a-zb-gx"))
    cumulative = _spec(app(metric="items_accepted", agencies="a-zb-gx", scope="cumulative"))
    assert max(_array(annual["data"][0]["y"])) < min(_array(cumulative["data"][0]["y"])[1:])


def test_year_range_filters_the_chart(app):
    at = app(agencies="a-zb-gx", y0="2018", y1="2019")
    assert sorted(_array(_spec(at)["data"][0]["x"])) == [2018, 2019]


def test_english_switch(app):
    at = app(lang="en", tab="rankings")
    _no_trouble(at)
    assert at.title[0].value == "Government report metrics"
    assert "ranking" in _spec(at)["layout"]["title"]["text"]


def test_an_agency_without_data_shows_the_no_data_state(app):
    at = app(agencies="a-empty")
    _no_trouble(at)
    assert any("没有数据" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_missing_dataset_shows_the_build_command(app, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nothing"))
    at = app()
    assert not at.exception
    assert "尚未生成数据集" in at.warning[0].value
    assert "python -m pipeline build" in at.code[0].value


def test_older_schema_is_refused_with_a_message(app, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(write_dataset(tmp_path, schema_version=0)))
    at = app()
    assert not at.exception
    assert "旧版本" in at.warning[0].value and "python -m pipeline build" in at.code[0].value


def test_unreadable_dataset_is_a_message_not_a_traceback(app, tmp_path, monkeypatch):
    d = write_dataset(tmp_path)
    (d / "resolved.parquet").write_bytes(b"not parquet")
    monkeypatch.setenv(ENV_VAR, str(d))
    at = app()
    assert not at.exception
    assert "无法读取" in at.error[0].value


def test_url_round_trip_reopens_the_same_view(app):
    params = {
        "metric": "items_completed", "tab": "rankings", "agencies": ["a-zb-gx", "a-xm-hc"], "province": ["山东省", "福建省"],
        "rank_year": "2019", "top": "4", "mode": "indexed", "log": "1", "y0": "2017", "lang": "en",
    }  # fmt: skip
    at = app(**params)
    _no_trouble(at)
    written = _params(at)
    assert written == params
    assert urlstate.write_state(urlstate.read_state(written)) == written
    again = app(**written)
    assert _spec(again) == _spec(at)


def test_links_written_before_repeated_parameters_still_open(app):
    at = app(metric="items_accepted", agencies="a-zb-gx,a-zb-zd", province="山东省")
    _no_trouble(at)
    assert {tr["name"] for tr in _spec(at)["data"]} == {"淄博高新区政务服务中心", "淄博市张店区政务服务中心"}
    assert _params(at)["agencies"] == ["a-zb-gx", "a-zb-zd"]  # rewritten in the new form


ODD_ID = "a,xm&hc=1#%海 沧/?"  # every character a URL or a list separator could trip on


@pytest.fixture(scope="module")
def odd_dataset(tmp_path_factory) -> Path:
    """The fixture dataset with one agency_id full of URL and separator characters."""
    d = write_dataset(tmp_path_factory.mktemp("odd"))
    for name in ("documents", "metrics", "resolved", "derived"):
        frame = pd.read_parquet(d / f"{name}.parquet")
        frame["agency_id"] = frame["agency_id"].replace("a-xm-hc", ODD_ID)
        frame.to_parquet(d / f"{name}.parquet", index=False)
    return d


@pytest.mark.parametrize("chosen", [[ODD_ID], [ODD_ID, "a-zb-gx"]])
def test_agency_ids_with_any_character_survive_the_url_round_trip(app, odd_dataset, monkeypatch, chosen):
    monkeypatch.setenv(ENV_VAR, str(odd_dataset))
    at = app(metric="items_accepted", agencies=chosen)
    _no_trouble(at)
    assert at.sidebar.multiselect(key="w_agencies").value == chosen
    written = _params(at)
    assert written["agencies"] == (chosen if len(chosen) > 1 else chosen[0])
    again = app(**written)
    assert again.sidebar.multiselect(key="w_agencies").value == chosen
    assert "厦门市海沧区发展和改革局" in {tr["name"] for tr in _spec(again)["data"]}


@pytest.mark.parametrize("items", [("a,b", "c"), ("x&y=1", "#%", "海 沧"), ("only,one",)])
def test_list_items_round_trip_through_query_parameters_whatever_they_hold(items):
    from urllib.parse import parse_qs, urlencode

    state = {**urlstate.read_state({}), "agencies": items}
    query = urlencode(urlstate.write_state(state), doseq=True)  # what the browser's address bar holds
    assert urlstate.read_state(parse_qs(query))["agencies"] == items


@pytest.mark.parametrize(
    "values, options, expected",
    [
        (["a,b"], ["a,b", "a", "b"], ["a,b"]),  # an option itself is never split
        (["a,b"], ["a", "b"], ["a", "b"]),  # an old comma link
        (["a,z"], ["a", "b"], []),  # not every part offered: nothing guessed
        (["b", "a", "b"], ["a", "b"], ["b", "a"]),
    ],
)
def test_resolving_list_values_against_the_offered_options(values, options, expected):
    assert urlstate.resolve_list(values, options) == expected
    assert urlstate.not_offered(values, options) == [
        v for v in values if not urlstate.resolve_list([v], options)
    ]


def test_the_items_a_link_asks_for_and_the_data_lacks():
    assert urlstate.not_offered(["a", "gone", "a,b", "b,gone"], ["a", "b"]) == ["gone", "b,gone"]


@pytest.mark.parametrize(
    "state",
    [
        {"lang": "en", "metric": "x", "agencies": ("a", "b"), "log": True, "top": 3},
        {"tab": "documents", "doc": "a b.txt", "y0": 2016, "y1": 2021},
        {},
    ],
)
def test_url_state_round_trips(state):
    full = {**urlstate.read_state({}), **state}
    assert urlstate.read_state(urlstate.write_state(full)) == full


def test_invalid_url_values_fall_back_to_defaults(app):
    at = app(metric="no_such_metric", tab="nonsense", top="many", scope="weird")
    _no_trouble(at)
    written = _params(at)
    assert written["metric"] == "items_accepted"  # the first metric in catalogue order
    assert "top" not in written and "scope" not in written and "tab" not in written


def test_documents_tab_highlights_values_and_never_renders_report_text_as_html(app):
    at = app(tab="documents", doc="a-zb-gx_2016.txt")
    _no_trouble(at)
    body = next(m.value for m in at.markdown if "orange-background" in m.value)
    assert ":orange-background[**" in body
    assert "<script>" not in body and "\\<script\\>" in body
    assert "](http" not in body and "\\$x\\$" in body and "\\:red\\[" in body
    assert all(m.proto.allow_html is False for m in at.markdown)
    assert HOSTILE_TEXT  # the fixture text with markup really is in every report


def test_a_source_file_edited_after_the_build_is_shown_without_misplaced_highlights(tmp_path, monkeypatch):
    dataset = write_dataset(tmp_path)
    raw = tmp_path / "raw" / "a-zb-gx_2016.txt"
    raw.write_text("【补充说明】本报告于发布后更正。\n" + raw.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(dataset))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["tab"], at.query_params["doc"] = "documents", "a-zb-gx_2016.txt"
    at.run()
    _no_trouble(at)
    assert any("已被修改" in w.value for w in at.warning)
    assert not any("orange-background" in m.value for m in at.markdown)  # no mark at a shifted offset
    assert any("补充说明" in m.value for m in at.markdown)  # the text as it is now
    unchanged = AppTest.from_file(APP, default_timeout=TIMEOUT)
    unchanged.query_params["tab"], unchanged.query_params["doc"] = "documents", "a-zb-gx_2017.txt"
    unchanged.run()
    assert not any("已被修改" in w.value for w in unchanged.warning)
    assert any("orange-background" in m.value for m in unchanged.markdown)


class _Recorder(MediaFileManager):
    made: list[MediaFileManager] = []

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        _Recorder.made.append(self)


def _download(at: AppTest, key: str) -> bytes:
    """Click-equivalent for a deferred download button: run its callable through the media manager."""
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(key) or key in b.proto.id)
    mgr = _Recorder.made[-1]
    url = (
        mgr.execute_deferred(button.proto.deferred_file_id)
        if button.proto.deferred_file_id
        else button.proto.url
    )
    return mgr._storage.get_file(url.rsplit("/", 1)[1]).content


@pytest.fixture
def recorded(monkeypatch):
    import streamlit.testing.v1.app_test as app_test

    _Recorder.made.clear()
    monkeypatch.setattr(app_test, "MediaFileManager", _Recorder)


def test_chart_download_buttons_produce_real_png_svg_and_html(app, recorded):
    at = app(metric="items_accepted")
    labels = [b.label for b in at.get("download_button")]
    assert labels[:3] == ["下载PNG", "下载SVG", "下载HTML"]
    assert _download(at, "html_trend").startswith(b"<!doctype html>")
    if not exports.static_export_available():
        pytest.skip("no Chromium: PNG/SVG buttons are disabled with an install hint")
    assert _download(at, "png_trend")[:8] == b"\x89PNG\r\n\x1a\n"
    assert "受理件数(件)" in _download(at, "svg_trend").decode("utf-8")


def test_chart_toolbar_download_is_configured(app):
    at = app(metric="items_accepted")
    config = json.loads(at.get("plotly_chart")[0].proto.config)
    assert config["toImageButtonOptions"]["scale"] == 2 and config["toImageButtonOptions"]["format"] == "png"


def test_data_tab_downloads_guarded_csv_and_excel(app, recorded):
    at = app(tab="data", metric="items_accepted", agencies="a-zb-gx")
    _no_trouble(at)
    csv = _download(at, "csv_shown")
    assert csv.startswith(b"\xef\xbb\xbf")
    shown = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert set(shown["agency"]) == {"淄博高新区政务服务中心"} and len(shown) == 6
    assert shown["evidence"].str.startswith("'" + INJECTED_EVIDENCE).all()
    wb = openpyxl.load_workbook(io.BytesIO(_download(at, "xlsx_all")))
    cells = [c for row in wb.active.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert any(isinstance(c.value, str) and c.value.startswith("'=HYPERLINK") for c in cells)
    assert any("read_csv" in c.value for c in at.code)


def test_download_buttons_are_off_past_what_a_click_should_build_and_say_where_the_data_is(
    app, recorded, monkeypatch
):
    """A national dataset's resolved table holds millions of rows: built per click, its CSV took
    7.7 GB and 57 s. Here the limits are lowered so that the test dataset's tables pass them."""
    monkeypatch.setattr(exports, "BROWSER_XLSX_MAX_ROWS", 5)
    monkeypatch.setattr(exports, "BROWSER_CSV_MAX_ROWS", 10)
    at = app(tab="data", metric="items_accepted", agencies="a-zb-gx")
    _no_trouble(at)
    table_keys = ("csv_shown", "xlsx_shown", "csv_all", "xlsx_all")
    disabled = {
        k: b.proto.disabled for b in at.get("download_button") for k in table_keys if b.proto.id.endswith(k)
    }
    assert disabled == {"csv_shown": False, "xlsx_shown": True, "csv_all": True, "xlsx_all": True}
    captions = " ".join(c.value for c in at.caption)
    assert "超过Excel下载上限(5行)" in captions and "超过浏览器下载上限(10行)" in captions
    assert "parquet" in captions  # and where the full data is
    shown = pd.read_csv(io.BytesIO(_download(at, "csv_shown")), encoding="utf-8-sig")
    assert len(shown) == 6  # under both limits for CSV: still offered


def test_table_xlsx_refuses_more_rows_than_an_excel_sheet_holds(monkeypatch):
    monkeypatch.setattr(exports, "EXCEL_MAX_DATA_ROWS", 2)
    with pytest.raises(ValueError, match="do not fit an Excel sheet"):
        exports.table_xlsx(pd.DataFrame({"a": [1, 2, 3]}))


def test_static_buttons_explain_how_to_enable_them_without_chromium(app, monkeypatch):
    monkeypatch.setattr(exports, "browser_path", lambda: None)
    at = app(metric="items_accepted")
    _no_trouble(at)
    buttons = {b.label: b for b in at.get("download_button")}
    assert buttons["下载PNG"].proto.disabled and buttons["下载SVG"].proto.disabled
    assert not buttons["下载HTML"].proto.disabled
    assert any("apt-get install chromium fonts-noto-cjk" in c.value for c in at.caption)


def test_upload_tab_is_a_state_not_a_traceback(app):
    at = app(tab="upload")
    _no_trouble(at)


def test_uploads_are_saved_then_built_with_new_rows_and_failures_reported(tmp_path, monkeypatch):
    from dashboard.build import run_build, save_uploads
    from pipeline import fingerprint

    raw, out = tmp_path / "raw", tmp_path / "dataset"
    raw.mkdir()
    sample = sorted((Path(APP).parent / "data" / "raw").glob("*.txt"))[0]
    saved = save_uploads(
        [
            (sample.name, sample.read_bytes()),
            ("../../escape.txt", b"x"),
            ("evil.exe", b"MZ"),
            ("empty.txt", b""),
        ],
        raw,
    )
    by_name = {s.name: s for s in saved}
    assert by_name[sample.name].path is not None and by_name[sample.name].path.parent == raw
    assert by_name["evil.exe"].path is None and by_name["evil.exe"].reason("zh")
    assert all(p.resolve().is_relative_to(raw.resolve()) for p in raw.rglob("*"))
    steps: list[float] = []
    outcome = run_build(raw, out, progress=lambda frac, msg: steps.append(frac))
    assert outcome.ok, outcome.error
    assert steps[-1] == 1.0 and (out / "meta.json").exists()
    assert outcome.summary["documents"] == len(list(raw.iterdir()))
    again = run_build(raw, out)
    assert again.ok and len(again.new_rows) == 0  # nothing new the second time
    assert "read_again_because" not in again.summary
    monkeypatch.setattr(fingerprint, "_extraction", lambda: "an upgraded pipeline")
    upgraded = run_build(raw, out)  # the upload tab says why this one read every file
    assert upgraded.summary["read_again_because"] == [fingerprint.REASONS["extraction"]]


_TEST_PID = os.getpid()  # a forked worker tells itself apart from the test process (the app's server)
_real_process_file = pipeline_dataset.process_file  # what the crashing stand-in wraps


def _crashes_on_the_upload(task):
    """process_file, except that reading 'crash.txt' ends the process it runs in, as a crash inside
    a reader's C code would; never the test process itself, which stands for the app's server."""
    if task.rel == "crash.txt":
        if os.getpid() == _TEST_PID:
            raise AssertionError("the file was read in the app's own process")
        os._exit(11)
    return _real_process_file(task)


def test_an_upload_that_crashes_its_reader_is_a_failed_file_not_a_dead_app_even_on_one_core(
    tmp_path, monkeypatch
):
    from dashboard.build import run_build

    raw, out = tmp_path / "raw", tmp_path / "dataset"
    raw.mkdir()
    sample = sorted((Path(APP).parent / "data" / "raw").glob("*.txt"))[0]
    (raw / sample.name).write_bytes(sample.read_bytes())
    (raw / "crash.txt").write_bytes(sample.read_bytes() + b"\n")
    monkeypatch.setattr(os, "cpu_count", lambda: 1)  # a one-core machine
    monkeypatch.setattr(pipeline_dataset, "process_file", _crashes_on_the_upload)
    outcome = run_build(raw, out)
    assert outcome.ok, outcome.error
    failed = outcome.failures.set_index("path")
    assert (
        list(failed.index) == ["crash.txt"]
        and "ended its worker process" in failed.loc["crash.txt", "message"]
    )
    assert len(outcome.new_rows) > 0  # the other report was read


@pytest.mark.parametrize(
    "lang, many, one", [("zh", "请选择(可多选)", "请选择"), ("en", "Choose options", "Choose an option")]
)
def test_every_widget_placeholder_is_in_the_interface_language(app, lang, many, one):
    at = app(lang=lang, tab="compare")
    _no_trouble(at)
    multiselects, selectboxes = at.get("multiselect"), at.get("selectbox")
    assert len(multiselects) == 4 and len(selectboxes) >= 5
    assert {m.proto.placeholder for m in multiselects} == {many}
    assert {s.proto.placeholder for s in selectboxes} == {one}
    assert all(m.proto.select_all == 0 for m in multiselects)  # streamlit's "Select all" is English-only


@pytest.mark.parametrize(
    "lang, header, metric, level, scope",
    [
        ("zh", "机构编号", "受理件数(件)", "县级", "年度值"),
        ("en", "Agency id", "Items accepted(件)", "county", "annual"),
    ],
)
def test_tables_show_headers_and_coded_values_in_the_interface_language(
    app, lang, header, metric, level, scope
):
    at = app(lang=lang, tab="data", metric="items_accepted", agencies="a-zb-gx")
    _no_trouble(at)
    table = at.dataframe[0]
    assert json.loads(table.proto.columns)["agency_id"]["label"] == header
    shown = table.value
    assert (
        set(shown["metric"]) == {metric} and set(shown["level"]) == {level} and set(shown["scope"]) == {scope}
    )


def test_empty_states_say_what_is_missing(app):
    at = app(metric="items_accepted")
    at.sidebar.multiselect(key="w_agencies").set_value([]).run()
    _no_trouble(at)
    assert any("选择" in i.value for i in at.info) and not at.get("plotly_chart")
    same = app(tab="compare", metric="items_accepted", cy0="2018", cy1="2018")
    assert any("两个不同的年份" in i.value for i in same.info)


def test_a_trend_mode_with_nothing_to_draw_says_why_instead_of_an_empty_chart(app):
    at = app(metric="items_accepted", agencies="a-xm-hc", mode="yoy", y0="2016", y1="2018")
    _no_trouble(at)  # 海沧 has 2016 and 2018 but no 2017: no two consecutive years
    assert not at.get("plotly_chart") and any("相邻两年" in i.value for i in at.info)
    mixed = app(metric="items_accepted", agencies=["a-xm-hc", "a-zb-gx"], mode="yoy", y0="2016", y1="2018")
    assert {tr["name"] for tr in _spec(mixed)["data"]} == {"淄博高新区政务服务中心"}
    assert any("厦门市海沧区发展和改革局" in c.value for c in mixed.caption)


def test_document_picker_filters_by_name_and_caps_the_options():
    from dashboard.pages import pick_options

    paths = pd.Series([f"省/{i:03d}_报告.txt" for i in range(30)] + ["Other/ABC.TXT"])
    every = pick_options(paths, "", limit=10)
    assert (len(every.offered), every.total) == (10, 31)
    assert pick_options(paths, " abc ", limit=10).offered == ["Other/ABC.TXT"]  # any case, trimmed
    some = pick_options(paths, "_报告", limit=100)
    assert some.total == 30 and all("_报告" in p for p in some.offered)
    assert pick_options(paths, "(", limit=10).total == 0  # plain text, not a pattern


def test_documents_tab_offers_a_capped_list_and_keeps_a_linked_document(app, monkeypatch):
    import dashboard.pages as pages

    monkeypatch.setattr(pages, "DOC_OPTIONS", 1)
    monkeypatch.setattr(pages, "DOC_TABLE_ROWS", 2)
    at = app(tab="documents", doc="a-zb-gx_2016.txt")
    _no_trouble(at)
    status = at.dataframe[0].value
    assert len(status) == 2 and "正常" not in set(status.iloc[:, 1]), "files to fix first"
    picker = next(s for s in at.selectbox if s.label in ("选择文档", "Document"))
    assert picker.value == "a-zb-gx_2016.txt", "the linked document is offered even beyond the cap"
    assert len(picker.options) == 2  # the first match + the linked one
    assert any("仅列出前 1 份" in c.value or "first 1 of" in c.value for c in at.caption)


def test_a_dataset_built_without_csv_twins_opens_in_every_tab(app, tmp_path, monkeypatch):
    """build --no-csv writes parquet only; the app reads nothing else."""
    from conftest import RAW_DIR

    from pipeline.dataset import build_dataset

    out = tmp_path / "ds"
    build_dataset(RAW_DIR, out, workers=1, progress=False, corrections_path=None, csv=False)
    assert {p.name for p in out.glob("*.csv")} <= {"agencies.proposed.csv"}  # the analyst's review list
    monkeypatch.setenv(ENV_VAR, str(out))
    for tab in ("trends", "rankings", "data", "documents"):
        at = app(tab=tab)
        _no_trouble(at)
        assert at.title[0].value == "政府年报指标看板"
    assert len(app(tab="trends").get("plotly_chart")) == 1
