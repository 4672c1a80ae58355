"""One file's reading and extraction stops at Limits.file_seconds, in the pool's processes and in Dask's
worker threads: the file gets status error with the reason, and the files after it are read as usual."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from pipeline import dataset
from pipeline.dataset import FileTask, build_dataset, process_file
from pipeline.readers_base import Limits
from pipeline.time_limit import FileTimeout, time_limit

# Text without sentence stops: every number's rules read 500 characters around it (~1-2 s here).
SLOW_TEXT = "全年受理事项1件" * 25_000


def test_a_file_over_the_time_limit_is_an_error_and_the_next_file_is_read(raw: Path, monkeypatch):
    monkeypatch.setattr(dataset, "Limits", lambda: Limits(file_seconds=0.05))
    slow = raw / "slow.txt"
    slow.write_text(SLOW_TEXT, encoding="utf-8")
    started = time.monotonic()
    result = process_file(FileTask(str(slow), "slow.txt"))
    assert time.monotonic() - started < 5  # stopped, not read to the end
    assert result.doc["status"] == "error" and "takes too long to read" in result.doc["message"]
    assert "PIPELINE_FILE_SECONDS" in result.doc["message"] and not result.records
    report = sorted(p for p in raw.iterdir() if p.name != "slow.txt")[0]
    after = process_file(FileTask(str(report), report.name))  # the alarm is off again
    assert after.doc["status"] in ("ok", "no_metrics")
    time.sleep(1.2)  # past the re-firing interval: nothing left armed


def test_a_build_gives_the_slow_file_its_row_and_reads_the_rest(raw: Path, tmp_path: Path, monkeypatch):
    clean = build_dataset(raw, tmp_path / "clean", workers=2, progress=False, corrections_path=None).documents
    (raw / "slow.txt").write_text(SLOW_TEXT * 4, encoding="utf-8")
    monkeypatch.setenv("PIPELINE_FILE_SECONDS", "1")  # the pool's workers inherit it
    docs = build_dataset(raw, tmp_path / "ds", workers=2, progress=False, corrections_path=None).documents
    row = docs.set_index("path").loc["slow.txt"]
    assert row["status"] == "error" and "stopped after 1 s" in row["message"]
    assert docs[docs["path"] != "slow.txt"]["doc_id"].tolist() == clean["doc_id"].tolist()


def _busy(seconds: float) -> None:
    """Python bytecode for `seconds` (a sleep is one C call, which no time limit interrupts)."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        sum(range(100))


def test_the_limit_stops_python_work_in_another_thread_and_nothing_fires_after_the_block():
    outcome: dict[str, object] = {}

    def in_a_worker_thread() -> None:  # as Dask runs a task
        started = time.monotonic()
        try:
            with time_limit(0.1):
                _busy(5)
        except FileTimeout as exc:
            outcome["stopped_after"], outcome["message"] = time.monotonic() - started, str(exc)
        with time_limit(5):
            _busy(0.05)  # a second file, well within its limit
        _busy(1.5)  # past the re-firing interval of the first block
        outcome["clean"] = True

    errors: list[BaseException] = []
    worker = threading.Thread(target=lambda: _capture(in_a_worker_thread, errors))
    worker.start()
    worker.join()
    assert errors == [] and outcome["clean"] is True
    assert outcome["stopped_after"] < 2  # type: ignore[operator]
    assert "stopped after 0.1 s" in outcome["message"]  # type: ignore[operator]


def test_many_threads_finishing_near_their_deadlines_leave_nothing_armed():
    """A timeout fired just as a block ends is dropped, never raised in the code after it."""
    leaks: list[BaseException] = []

    def one_file(i: int) -> None:  # as process_file: the block, its timeout handled, return
        try:
            with time_limit(0.002):
                _busy(0.0015 + (i % 5) * 0.0005)
        except FileTimeout:
            pass

    def files() -> None:
        for i in range(300):
            one_file(i)
        _busy(1.5)

    threads = [threading.Thread(target=lambda: _capture(files, leaks)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert leaks == []


def test_a_timeout_pickles_as_a_plain_file_timeout_with_its_message():
    """A timeout that reached a pool's or Dask's worker boundary would be sent back pickled."""
    import pickle

    with pytest.raises(FileTimeout) as caught, time_limit(0.01):
        _busy(0.5)
    back = pickle.loads(pickle.dumps(caught.value))
    assert type(back) is FileTimeout and str(back) == str(caught.value) and "0.01 s" in str(back)


def test_no_limit_when_zero_and_the_main_thread_is_stopped_by_its_alarm():
    with time_limit(0):
        time.sleep(0.05)
    with pytest.raises(FileTimeout), time_limit(0.01):
        time.sleep(0.5)


def test_a_dask_build_gives_the_slow_file_its_row(raw: Path, tmp_path: Path, monkeypatch):
    pytest.importorskip("dask.distributed")
    (raw / "slow.txt").write_text(SLOW_TEXT * 4, encoding="utf-8")
    monkeypatch.setenv("PIPELINE_FILE_SECONDS", "1")  # the local cluster's worker processes inherit it
    started = time.monotonic()
    docs = build_dataset(
        raw, tmp_path / "ds", workers=1, engine="dask", progress=False, corrections_path=None
    ).documents
    row = docs.set_index("path").loc["slow.txt"]
    assert row["status"] == "error" and "stopped after 1 s" in row["message"]
    assert set(docs[docs["path"] != "slow.txt"]["status"]) <= {"ok", "no_metrics"}
    assert time.monotonic() - started < 60


def _capture(func, errors: list[BaseException]) -> None:
    try:
        func()
    except BaseException as exc:  # noqa: BLE001 - the test reports it
        errors.append(exc)


def _stuck_in_c_at_7(batch: list[int]) -> list[int]:
    """A batch of files, the one numbered 7 stuck in one long call into C: 12 million rounds of
    PBKDF2 in OpenSSL, ~2.7 s of CPU in which no signal handler runs (a power of a big integer
    would not do: CPython checks for signals inside it), so the alarm at 0.2 s cannot get in."""
    import hashlib

    for x in batch:
        with time_limit(0.2):
            if x == 7:
                hashlib.pbkdf2_hmac("sha256", b"report", b"salt", 12_000_000)
    return batch


def test_a_pool_worker_stuck_in_c_past_twice_the_limit_is_ended_and_only_its_file_is_lost():
    from pipeline.engines import Quarantine, map_unordered

    started = time.monotonic()
    got = map_unordered(
        _stuck_in_c_at_7,
        [[i] for i in range(12)],
        workers=2,
        chunksize=1,
        quarantine=Quarantine(split=lambda batch: [[x] for x in batch], lost=lambda piece: [-1] * len(piece)),
    )
    assert sorted(x for batch in got for x in batch) == [-1] + [i for i in range(12) if i != 7]
    assert time.monotonic() - started < 5  # ended at ~0.4 s of CPU, twice (in the pool, then alone)
