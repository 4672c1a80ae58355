"""End to end: the real app in a real headless Chromium, driven by Playwright."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.dashboard_fixtures import write_dataset

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
CHART = '[data-testid="stPlotlyChart"] .main-svg'
OUTPUT = REPO / "test-output"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    dataset = write_dataset(tmp_path_factory.mktemp("e2e"))
    port = _free_port()
    env = {**os.environ, "GOVREPORT_DATASET_DIR": str(dataset), "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1"]  # fmt: skip
    log = (tmp_path_factory.getbasetemp() / "streamlit.log").open("w")
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # our own server's process group only
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Streamlit scrolls inside its own container: a tall viewport instead of full-page shots
        pg = browser.new_page(viewport={"width": 1400, "height": 1600})
        yield pg
        browser.close()


def _trace_names_and_title(page) -> tuple[str, str]:
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    return chart.locator(".gtitle").first.text_content() or "", chart.inner_html()


def test_changing_the_metric_redraws_the_chart_without_an_error(app_url, page):
    OUTPUT.mkdir(exist_ok=True)
    page.goto(app_url + "/?metric=items_accepted")
    page.wait_for_selector(CHART, timeout=60_000)
    title_before, svg_before = _trace_names_and_title(page)
    assert "受理件数(件)" in title_before
    page.screenshot(path=str(OUTPUT / "dashboard_trends_items_accepted.png"))

    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
    box.click()
    page.get_by_role("option", name="办结件数(件)").click()
    page.wait_for_function(
        "() => { const t = document.querySelector('[data-testid=\"stPlotlyChart\"] .gtitle');"
        " return t && t.textContent.includes('办结件数'); }",
        timeout=30_000,
    )
    title_after, svg_after = _trace_names_and_title(page)
    assert "办结件数(件)" in title_after and svg_after != svg_before
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert "metric=items_completed" in page.url  # the selection lives in the URL
    page.screenshot(path=str(OUTPUT / "dashboard_trends_items_completed.png"))


def test_a_copied_link_reopens_the_same_view(app_url, page):
    page.goto(app_url + "/?metric=items_published&tab=rankings&rank_year=2019&lang=en")
    page.wait_for_selector(CHART, timeout=60_000)
    title, _ = _trace_names_and_title(page)
    assert "2019" in title and "Information items published" in title
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(OUTPUT / "dashboard_rankings_en.png"))
