"""An interrupted build (kill -9 while it writes) leaves the previous dataset whole and readable."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from conftest import RAW_DIR, REPO

from dashboard.exports import guard_formulas
from pipeline.writing import guard_formulas_arrow


def _many_reports(folder: Path, copies: int) -> None:
    """Distinct reports (different text, so no duplicates) made from the samples."""
    folder.mkdir()
    seeds = sorted(RAW_DIR.glob("*.txt"))
    for i in range(copies):
        src = seeds[i % len(seeds)]
        text = src.read_text(encoding="utf-8-sig")
        (folder / f"{i:04d}_{src.name}").write_text(f"{text}\n附注编号 {i}\n", encoding="utf-8")


def _snapshot(out: Path) -> dict:
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    return {
        "built_at": meta["built_at"],
        "rows": {n: len(pd.read_parquet(out / f"{n}.parquet")) for n in ("documents", "metrics", "resolved")},
        "csv_rows": {n: len(pd.read_csv(out / f"{n}.csv")) for n in ("documents", "metrics", "resolved")},
    }


@pytest.mark.slow
def test_kill_during_build_leaves_previous_dataset_loadable(tmp_path: Path):
    raw, out = tmp_path / "raw", tmp_path / "ds"
    _many_reports(raw, 200)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "pipeline", "build", str(raw), "--out", str(out), "--quiet"]
    subprocess.run(cmd + ["--workers", "2"], check=False, env=env, cwd=REPO, timeout=300)
    before = _snapshot(out)

    kills = 0
    # Each round adds a report, so the next build re-uses the rest and goes almost straight to
    # writing; we kill it at a different moment each time, including while temp files exist.
    for delay in (0.4, 0.9, 1.5, 2.5):
        extra = raw / f"extra_{delay}.txt"
        extra.write_text(
            f"{(RAW_DIR / sorted(os.listdir(RAW_DIR))[0]).read_text(encoding='utf-8-sig')}\n{delay}\n",
            encoding="utf-8",
        )
        proc = subprocess.Popen(
            cmd + ["--workers", "1"], env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and proc.poll() is None:
            if any(out.glob(".*.tmp")):
                break
            time.sleep(0.002)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        now = _snapshot(out)  # must load, whatever the moment of the kill
        assert now["rows"] == now["csv_rows"] or now["built_at"] == before["built_at"]
        extra.unlink()
    assert kills > 0, "no build was interrupted; the test proved nothing"
    final = subprocess.run(cmd + ["--workers", "1"], env=env, cwd=REPO, timeout=300)
    assert final.returncode == 0
    assert _snapshot(out)["rows"]["documents"] == before["rows"]["documents"]
    assert not list(out.glob(".*.tmp")), "stale temp files are cleaned by the next build"


@pytest.mark.parametrize(
    "cell,expected",
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("受理548786件", "受理548786件"),
        ("增长=5%", "增长=5%"),
        ("", ""),
    ],
)
def test_csv_cells_that_look_like_formulas_are_neutralised(cell: str, expected: str):
    df = pd.DataFrame({"evidence": pd.array([cell, None], dtype="string"), "value": [1.0, 2.0]})
    assert guard_formulas(df)["evidence"].iloc[0] == expected
    assert df["evidence"].iloc[0] == cell, "the input frame is not mutated"
    # The streaming writers guard Arrow tables in Arrow's kernels: same cells, nulls stay null.
    table = guard_formulas_arrow(pa.Table.from_pandas(df, preserve_index=False))
    assert table.column("evidence").to_pylist() == [expected, None]


def test_analyst_files_are_never_written(tmp_path: Path):
    from pipeline.dataset import build_dataset

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(sorted(RAW_DIR.glob("*.txt"))[0], raw)
    corr = REPO / "data" / "corrections.csv"
    agencies = REPO / "data" / "agencies.csv"
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (corr, agencies) if p.exists()}
    build_dataset(raw, tmp_path / "ds", workers=1, progress=False, corrections_path=corr)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in before} == before


# documents: written before the values are resolved; resolved: once documents' temp files exist.
@pytest.mark.parametrize("failing", ["documents", "resolved"])
def test_a_full_disk_stops_the_build_with_a_message_and_the_old_dataset_whole(
    failing: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    import errno

    from pipeline.__main__ import main
    from pipeline.writing import StagedTable

    raw, out = tmp_path / "raw", tmp_path / "ds"
    _many_reports(raw, 12)
    cmd = ["build", str(raw), "--out", str(out), "--workers", "1", "--quiet", "--full"]
    assert main(cmd) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    write_table = StagedTable.write_table

    def full_disk(self, table):
        if self.targets[0].stem == failing:
            raise OSError(errno.ENOSPC, "No space left on device")
        write_table(self, table)

    monkeypatch.setattr(StagedTable, "write_table", full_disk)
    capsys.readouterr()
    assert main(cmd) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "is as it was" in err and "Free some space" in err
    assert "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no temp file, no spool left


TABLES = ("documents", "metrics", "resolved", "derived")


def test_no_csv_writes_the_same_parquet_and_removes_the_stale_twins(tmp_path: Path, capsys):
    """--no-csv: the same .parquet bytes as a build with CSV twins; the twins an earlier build left
    are removed (they would no longer match); a later build with twins writes them as before."""
    from pipeline.__main__ import main

    raw, out = tmp_path / "raw", tmp_path / "ds"
    _many_reports(raw, 6)
    cmd = ["build", str(raw), "--out", str(out), "--workers", "1", "--quiet"]
    assert main([*cmd, "--full"]) == 0
    with_csv = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {f"{t}.csv" for t in TABLES} <= set(with_csv)

    assert main([*cmd, "--full", "--no-csv"]) == 0
    assert "derived: .parquet)" in capsys.readouterr().out
    names = {p.name for p in out.iterdir()}
    assert not any(n.endswith(".csv") and n != "agencies.proposed.csv" for n in names), names
    for t in TABLES:
        assert (out / f"{t}.parquet").read_bytes() == with_csv[f"{t}.parquet"], t
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["formats"] == ["parquet"]

    seed = sorted(RAW_DIR.glob("*.txt"))[-1]
    (raw / "extra.txt").write_text(seed.read_text(encoding="utf-8-sig") + "\n附注 另一份\n", encoding="utf-8")
    assert main(cmd) == 0  # incremental, twins again: one file more, the others re-used
    assert json.loads((out / "meta.json").read_text(encoding="utf-8"))["formats"] == ["parquet", "csv"]
    for t in TABLES:
        from_csv = pd.read_csv(out / f"{t}.csv", encoding="utf-8-sig")
        assert len(from_csv) == len(pd.read_parquet(out / f"{t}.parquet")), t


def _built_then_writes_fail(
    raw: Path, out: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> tuple[list, dict]:
    """A full build of `raw` into `out`, then every table write failing with OSError `code`: the
    command to build again and the files the first build left."""
    import os

    from pipeline.__main__ import main
    from pipeline.writing import StagedTable

    cmd = ["build", str(raw), "--out", str(out), "--workers", "1", "--quiet", "--full"]
    assert main(cmd) == 0

    def failing(self, table):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(StagedTable, "write_table", failing)
    return cmd, {p.name: p.read_bytes() for p in out.iterdir()}


def test_a_failed_no_csv_build_keeps_the_old_twins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The twins are removed only when the new parquet files are committed."""
    import errno

    from pipeline.__main__ import main

    raw, out = tmp_path / "raw", tmp_path / "ds"
    _many_reports(raw, 4)
    cmd, before = _built_then_writes_fail(raw, out, monkeypatch, errno.ENOSPC)
    assert main([*cmd, "--no-csv"]) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_an_unwritable_out_folder_is_told_apart_from_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    """--out naming a file is refused before any work; a permission error does not advise freeing
    space (only a full disk does); either way exit 2, no traceback, the old dataset whole."""
    import errno

    from pipeline.__main__ import main

    raw, out = tmp_path / "raw", tmp_path / "ds"
    _many_reports(raw, 3)
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("analyst notes", encoding="utf-8")
    assert main(["build", str(raw), "--out", str(a_file), "--quiet"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert a_file.read_text(encoding="utf-8") == "analyst notes"

    cmd, before = _built_then_writes_fail(raw, out, monkeypatch, errno.EACCES)
    capsys.readouterr()
    assert main(cmd) == 2
    err = capsys.readouterr().err
    assert "Permission denied" in err and "Choose a folder you can write to" in err
    assert "Free some space" not in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_ctrl_c_while_files_are_swapped_in_waits_until_the_last_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    """Stopped between two renames, the folder held one build's documents beside another's values
    and the older meta.json. Ctrl-C now lands once every file and meta.json are in place."""
    from pipeline.__main__ import main
    from pipeline.writing import StagedTable

    raw, out = tmp_path / "raw", tmp_path / "ds"
    _many_reports(raw, 6)
    cmd = ["build", str(raw), "--out", str(out), "--workers", "1", "--quiet", "--full"]
    assert main(cmd) == 0
    before = _snapshot(out)
    (raw / "0000_extra.txt").write_text(
        (RAW_DIR / sorted(os.listdir(RAW_DIR))[1]).read_text(encoding="utf-8-sig") + "\n新增\n",
        encoding="utf-8",
    )

    commit, commits = StagedTable.commit, []

    def commit_then_ctrl_c(self):
        commit(self)
        commits.append(self.targets[0].stem)
        if len(commits) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C, just after the first file is swapped in

    monkeypatch.setattr(StagedTable, "commit", commit_then_ctrl_c)
    time.sleep(1.1)  # built_at has whole seconds
    capsys.readouterr()
    # Ctrl-C at a terminal: Python's own handler. A suite started in the background of a shell
    # (`cmd &`) inherits SIGINT ignored, and then the build rightly goes on (see the test below).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert main(cmd) == 130
    finally:
        signal.signal(signal.SIGINT, previous)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    after = _snapshot(out)
    assert len(commits) == 4 and after["built_at"] != before["built_at"]  # every table, then meta.json
    assert f"the last one written in whole, built at {after['built_at']}" in err
    assert after["rows"]["documents"] == before["rows"]["documents"] + 1
    assert after["rows"] == after["csv_rows"]


def test_ctrl_c_outside_the_swap_stops_the_build_at_once_and_names_the_dataset_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    from pipeline import dataset
    from pipeline.__main__ import main

    raw, out = tmp_path / "raw", tmp_path / "ds"
    _many_reports(raw, 3)
    cmd = ["build", str(raw), "--out", str(out), "--workers", "1", "--quiet", "--full"]

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(dataset, "build_dataset", stopped)
        assert main(cmd) == 130
    assert "interrupted: no dataset was written to" in capsys.readouterr().err
    assert main(cmd) == 0
    before = _snapshot(out)
    monkeypatch.setattr(dataset, "build_dataset", stopped)
    assert main(cmd) == 130
    err = capsys.readouterr().err
    assert (
        f"interrupted: the dataset in {out} is the last one written in whole, built at {before['built_at']}"
        in err
    )
    assert "Traceback" not in err


def test_holding_interrupts_works_off_the_main_thread_and_keeps_an_ignored_ctrl_c_ignored():
    """The app builds from its script thread, where no signal handler can be set; a build started
    in the background of a shell ignores SIGINT, and must go on doing so."""
    import threading

    from pipeline.writing import interrupts_held

    errors: list[BaseException] = []

    def off_main() -> None:
        try:
            with interrupts_held():
                pass
        except BaseException as e:  # noqa: BLE001 - reported to the test
            errors.append(e)

    t = threading.Thread(target=off_main)
    t.start()
    t.join()
    assert errors == []
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupts_held():
            os.kill(os.getpid(), signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
