"""Docs cannot drift: the README's commands, CI and the metric tables agree with the code."""

from __future__ import annotations

import re

from conftest import REPO

from pipeline.catalog import CORE_METRICS, DERIVED

README = (REPO / "README.md").read_text(encoding="utf-8")


def _table_rows() -> dict[str, list[str]]:
    rows = {}
    for line in README.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3:
            rows[cells[0]] = cells[1:]
    return rows


def test_readme_opens_with_the_run_and_test_commands():
    first_block = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["./run.sh", "./test.sh"]
    assert (REPO / "run.sh").exists() and (REPO / "test.sh").exists()


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^bash test\.sh\b", ci, re.M)


def test_every_core_metric_is_in_the_readme_with_its_label_and_unit():
    rows = _table_rows()
    for m in CORE_METRICS:
        assert rows.get(m.key) == [m.zh, m.unit], m.key


def test_every_derived_indicator_is_in_the_readme_with_its_formula():
    rows = _table_rows()
    for d in DERIVED:
        assert rows.get(d.key) == [d.zh, d.formula_zh], d.key


def test_every_required_package_is_pinned():
    pins = (REPO / "requirements.txt").read_text(encoding="utf-8").lower()
    for name in ("streamlit", "pandas", "plotly", "cn2an"):
        assert re.search(rf"^{name}==\d", pins, re.M), name
    for line in pins.splitlines():
        if line and not line.startswith(("#", "-r")):
            assert "==" in line, f"unpinned requirement: {line}"
