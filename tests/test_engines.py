"""Engines: serial, process pool and Dask map the same work to the same results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from pipeline.engines import Quarantine, WorkersLost, close_local_cluster, map_unordered
from pipeline.synth import make_document
from pipeline.text import doc_id, normalise

TEXTS = [make_document(seed=11, index=i)[0] for i in range(60)]
EXPECTED = Counter(doc_id(normalise(t)) for t in TEXTS)


def fingerprint(text: str) -> str:
    """The per-file work in miniature: normalise then hash (top level, so it pickles)."""
    return doc_id(normalise(text))


@pytest.mark.parametrize(
    ("workers", "chunksize"),
    [(1, 16), (2, 1), (2, 7), (2, 16), (2, 1000)],
)
def test_pool_and_serial_give_every_result_exactly_once(workers: int, chunksize: int):
    got = Counter(map_unordered(fingerprint, TEXTS, workers=workers, chunksize=chunksize))
    assert got == EXPECTED


def test_input_may_be_a_one_shot_generator():
    got = Counter(map_unordered(fingerprint, (t for t in TEXTS), workers=2, chunksize=5))
    assert got == EXPECTED


def test_empty_input_yields_nothing():
    assert list(map_unordered(fingerprint, [], workers=2)) == []


def test_dask_cluster_with_two_workers_gives_the_same_results_as_the_pool(dask_scheduler: str):
    pool = Counter(map_unordered(fingerprint, TEXTS, workers=2, engine="pool"))
    dask = Counter(map_unordered(fingerprint, TEXTS, engine="dask", scheduler=dask_scheduler, chunksize=7))
    assert dask == pool == EXPECTED


def test_dask_without_a_scheduler_starts_and_stops_its_own_local_cluster():
    pytest.importorskip("dask.distributed")
    got = Counter(map_unordered(fingerprint, TEXTS[:10], workers=1, engine="dask"))
    assert got == Counter(fingerprint(t) for t in TEXTS[:10])


@pytest.mark.parametrize("engine", ["pool", "dask"])
def test_an_error_in_the_work_reaches_the_caller(engine: str, dask_scheduler: str):
    scheduler = dask_scheduler if engine == "dask" else None
    with pytest.raises(ValueError, match="invalid literal"):
        list(map_unordered(int, ["1", "2", "not a number"], workers=2, engine=engine, scheduler=scheduler))


def test_stopping_early_leaves_no_work_running():
    results = map_unordered(fingerprint, TEXTS * 5, workers=2, chunksize=2)
    first = next(results)
    results.close()  # the pool shuts down and cancels what was queued
    assert first in EXPECTED


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engine": "spark"}, "unknown engine 'spark'; choose one of: pool, dask"),
        ({"workers": 0}, "workers must be >= 1"),
        ({"chunksize": 0}, "chunksize must be >= 1"),
        ({"scheduler": "tcp://127.0.0.1:8786"}, "a scheduler address needs engine 'dask'"),
    ],
)
def test_bad_arguments_fail_at_once_with_a_clear_message(kwargs: dict, message: str):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        map_unordered(fingerprint, TEXTS, **kwargs)


def test_the_probe_says_whether_the_cluster_workers_can_read_a_file(dask_scheduler: str, tmp_path):
    from pipeline.engines import workers_see

    here = tmp_path / "report.txt"
    here.write_text("x", encoding="utf-8")
    assert workers_see(str(here), dask_scheduler) is True
    assert workers_see(str(tmp_path / "elsewhere.txt"), dask_scheduler) is False


def test_a_scheduler_out_of_reach_is_a_clear_error_not_a_hang(monkeypatch, tmp_path):
    pytest.importorskip("dask.distributed")
    import pipeline.engines as engines
    from pipeline.__main__ import main

    monkeypatch.setattr(engines, "CONNECT_SECONDS", 1)
    address = "tcp://127.0.0.1:9"  # the discard port: nothing listens there
    with pytest.raises(engines.EngineError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        list(map_unordered(fingerprint, TEXTS, engine="dask", scheduler=address))
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("2023年政府信息公开工作年度报告", encoding="utf-8")
    argv = ["build", str(raw), "--out", str(tmp_path / "ds"), "--engine", "dask", "--scheduler", address]
    assert main([*argv, "--quiet"]) == 2
    assert not (tmp_path / "ds" / "meta.json").exists()


def _die(task) -> None:
    import os

    os._exit(3)


def test_dask_workers_dying_on_file_after_file_stop_the_build_naming_files_and_keep_the_dataset(
    raw, tmp_path, capsys, monkeypatch
):
    distributed = pytest.importorskip("dask.distributed")
    import dask

    from pipeline import engines
    from pipeline.__main__ import main as cli
    from pipeline.engines import LOCAL_CLUSTER_OPTIONS

    monkeypatch.setattr(engines, "MAX_LOST_ITEMS", 1)  # the second file that kills its worker stops it

    class EveryWorkerDiesReading(distributed.WorkerPlugin):
        """Each worker it is set up on (restarted ones too) dies as it reads a file: what a reader
        crashing in C, or the system killing the worker, looks like."""

        def setup(self, worker) -> None:
            import pipeline.dataset

            pipeline.dataset.process_file = _die

    out = tmp_path / "ds"
    argv = ["build", str(raw), "--out", str(out), "--corrections", str(tmp_path / "none.csv"), "--quiet"]
    assert cli(argv) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):  # one death per task, not four
        cluster = distributed.LocalCluster(n_workers=1, **LOCAL_CLUSTER_OPTIONS)
        client = distributed.Client(cluster)
        client.register_plugin(EveryWorkerDiesReading())
        try:
            code = cli([*argv, "--full", "--engine", "dask", "--scheduler", cluster.scheduler_address])
        finally:
            client.close()
            close_local_cluster(cluster)
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "worker processes ended (killed, out of memory, or a crash in a reader) reading 2 file(s)" in err
    assert any(p.name in err for p in raw.iterdir())  # the files to look at, by name
    assert "is as it was" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def _double_all_but_13(batch: list[int]) -> list[int]:
    """Work on a batch of numbers whose worker process dies at 13 (top level, so it pickles)."""
    if 13 in batch:
        import os

        os._exit(5)
    return [x * 2 for x in batch]


def _die_always(batch: list[int]) -> list[int]:
    import os

    os._exit(5)


NUMBER_BATCHES = [[i, i + 1, i + 2] for i in range(0, 60, 3)]
QUARANTINE = Quarantine(split=lambda batch: [[x] for x in batch], lost=lambda piece: [-1] * len(piece))


@contextmanager
def _scheduler_for(engine: str) -> Iterator[str | None]:
    """None for the pool; for Dask, the address of a local cluster of the test's own whose scheduler
    gives up on a task at the first worker that dies running it (allowed-failures 0, not 3)."""
    if engine != "dask":
        yield None
        return
    distributed = pytest.importorskip("dask.distributed")
    import dask

    from pipeline.engines import LOCAL_CLUSTER_OPTIONS

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(n_workers=2, **LOCAL_CLUSTER_OPTIONS)
    try:
        yield cluster.scheduler_address
    finally:
        close_local_cluster(cluster)


def _quarantined(func, engine: str, scheduler: str | None) -> list[int]:
    got = map_unordered(
        func,
        NUMBER_BATCHES,
        workers=2,
        engine=engine,
        scheduler=scheduler,
        chunksize=2,
        quarantine=QUARANTINE,
    )
    return sorted(x for batch in got for x in batch)


@pytest.mark.parametrize("engine", ["pool", "dask"])
def test_a_worker_that_dies_costs_only_the_piece_that_killed_it(engine: str):
    with _scheduler_for(engine) as scheduler:
        got = _quarantined(_double_all_but_13, engine, scheduler)
    assert got == sorted([-1] + [x * 2 for x in range(60) if x != 13])


@pytest.mark.parametrize("engine", ["pool", "dask"])
def test_workers_dying_on_every_piece_stop_the_map_after_a_few(engine: str, monkeypatch):
    from pipeline import engines

    monkeypatch.setattr(engines, "MAX_LOST_ITEMS", 2)
    with _scheduler_for(engine) as scheduler, pytest.raises(WorkersLost) as stopped:
        _quarantined(_die_always, engine, scheduler)
    assert len(stopped.value.items) == 3  # the pieces that each ended a worker: one past the most
