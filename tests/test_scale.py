"""Scale: the Dask build writes the same dataset as the process-pool build, and the bench reports figures."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline.bench import PeakMemory, floor_task, score_build
from pipeline.bench import main as bench_main
from pipeline.dataset import build_dataset
from pipeline.synth import generate

N_DOCS = 20
# Columns that differ between two builds of the same files by construction (file times).
VOLATILE = ["mtime"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("scale")
    generate(N_DOCS, root / "corpus", seed=77, truth_dir=root / "truth")
    return root / "corpus", root / "truth"


def _build(corpus: Path, out: Path, **kw) -> None:
    build_dataset(corpus, out, progress=False, corrections_path=None, incremental=False, **kw)


def _table(out: Path, name: str, keys: list[str]) -> pd.DataFrame:
    df = pd.read_parquet(out / f"{name}.parquet").drop(columns=VOLATILE, errors="ignore")
    return df.sort_values(keys, ignore_index=True)


def test_dask_build_equals_the_process_pool_build_row_for_row(corpus, dask_scheduler, tmp_path: Path):
    reports, _ = corpus
    _build(reports, tmp_path / "pool", workers=2, engine="pool")
    _build(reports, tmp_path / "dask", engine="dask", scheduler=dask_scheduler)
    for name, keys in (("documents", ["path"]), ("metrics", ["doc_id", "metric", "scope", "start", "value"])):
        pool, dask = _table(tmp_path / "pool", name, keys), _table(tmp_path / "dask", name, keys)
        assert len(pool) > 0
        pd.testing.assert_frame_equal(dask, pool, check_like=False)
    docs = _table(tmp_path / "pool", "documents", ["path"])
    assert len(docs) == N_DOCS and set(docs["status"]) <= {"ok", "no_metrics"}
    meta = json.loads((tmp_path / "dask" / "meta.json").read_text(encoding="utf-8"))
    assert meta["summary"]["files_shipped"] is False  # the local workers read the folder themselves


def test_dask_workers_that_cannot_see_the_folder_are_sent_the_files(
    corpus, dask_scheduler, tmp_path: Path, monkeypatch
):
    """A cluster on other machines: the probe finds the input folder missing on its workers, so
    the build sends the bytes, and the dataset is the same as the pool's."""
    import pipeline.engines as engines

    reports, _ = corpus
    _build(reports, tmp_path / "pool", workers=2, engine="pool")
    asked: list[str] = []

    def elsewhere(path: str, scheduler: str) -> bool:
        asked.append(scheduler)
        return False

    monkeypatch.setattr(engines, "workers_see", elsewhere)
    _build(reports, tmp_path / "dask", engine="dask", scheduler=dask_scheduler)
    assert asked == [dask_scheduler]
    meta = json.loads((tmp_path / "dask" / "meta.json").read_text(encoding="utf-8"))
    assert meta["summary"]["files_shipped"] is True
    for name, keys in (("documents", ["path"]), ("metrics", ["doc_id", "metric", "scope", "start", "value"])):
        pool, dask = _table(tmp_path / "pool", name, keys), _table(tmp_path / "dask", name, keys)
        assert len(pool) > 0
        pd.testing.assert_frame_equal(dask, pool, check_like=False)


def test_workers_with_several_threads_build_the_same_dataset_and_the_user_is_told_how_to_start_them(
    corpus, dask_scheduler, tmp_path: Path
):
    """`dask worker` runs one process with a thread per core by default; the pure-Python core then
    does one core's work per worker. The build still works, and says so in its warnings."""
    distributed = pytest.importorskip("dask.distributed")
    from pipeline.engines import LOCAL_CLUSTER_OPTIONS

    reports, _ = corpus
    _build(reports, tmp_path / "pool", workers=2, engine="pool")
    single = json.loads((tmp_path / "pool" / "meta.json").read_text(encoding="utf-8"))["summary"]
    assert not any("--nthreads 1" in w for w in single["warnings"])
    _build(reports, tmp_path / "single", engine="dask", scheduler=dask_scheduler)
    single = json.loads((tmp_path / "single" / "meta.json").read_text(encoding="utf-8"))["summary"]
    assert not any("--nthreads 1" in w for w in single["warnings"]), "one thread per worker: nothing to say"
    options = {**LOCAL_CLUSTER_OPTIONS, "threads_per_worker": 3}
    with distributed.LocalCluster(n_workers=1, **options) as cluster:
        _build(reports, tmp_path / "threaded", engine="dask", scheduler=cluster.scheduler_address)
    summary = json.loads((tmp_path / "threaded" / "meta.json").read_text(encoding="utf-8"))["summary"]
    (advice,) = [w for w in summary["warnings"] if "--nthreads 1" in w]
    assert "1 of the 1 Dask workers" in advice and "up to 3" in advice
    for name, keys in (("documents", ["path"]), ("metrics", ["doc_id", "metric", "scope", "start", "value"])):
        pool, dask = _table(tmp_path / "pool", name, keys), _table(tmp_path / "threaded", name, keys)
        assert len(pool) > 0
        pd.testing.assert_frame_equal(dask, pool, check_like=False)


def test_many_agency_shards_write_the_same_rows_as_one_and_in_a_stable_order(corpus, tmp_path, monkeypatch):
    import pipeline.dataset as dataset
    import pipeline.spool as spool

    reports, _ = corpus
    _build(reports, tmp_path / "one", workers=1)
    monkeypatch.setattr(spool, "BUFFER_ROWS", 50)  # many appends to each shard's file
    monkeypatch.setattr(spool, "SHARD_DOCS", 3)  # many agency shards
    monkeypatch.setattr(dataset, "DERIVED_BATCH_ROWS", 15)  # derived computed over a few shards at a time
    assert spool.shard_count(N_DOCS) > 5
    _build(reports, tmp_path / "sharded", workers=2)
    _build(reports, tmp_path / "again", workers=1)
    keys = {
        "documents": ["path"],
        "metrics": ["doc_id", "metric", "scope", "start"],
        "resolved": ["agency_id", "year", "metric", "scope"],
        "derived": ["agency_id", "year", "metric", "scope"],
    }
    for name, key in keys.items():
        a, b, c = (
            pd.read_parquet(tmp_path / d / f"{name}.parquet").drop(columns=VOLATILE, errors="ignore")
            for d in ("one", "sharded", "again")
        )
        assert len(a) > 0, name
        pd.testing.assert_frame_equal(c, b, obj=f"{name}: same shards, same order")
        if name in ("metrics", "resolved", "derived"):  # rows come out shard by shard
            a, b = a.sort_values(key, ignore_index=True), b.sort_values(key, ignore_index=True)
        pd.testing.assert_frame_equal(b, a, obj=name)


def test_the_floor_reads_every_byte_the_generator_wrote(corpus):
    reports, _ = corpus
    sizes = [floor_task(str(p)) for p in sorted(reports.glob("*.txt"))]
    assert sum(b for b, _ in sizes) == sum(p.stat().st_size for p in reports.glob("*.txt"))
    assert all(n > 0 for _, n in sizes)  # every report has digits (years at least)


def test_the_floor_hands_out_files_in_the_batches_the_build_uses(tmp_path: Path, monkeypatch, capsys):
    """On Dask a task costs milliseconds to dispatch: a floor of 16-file tasks took 28 s for 100k
    reports where the pool's took 2.5 s, and flattered the build/floor ratio (6x)."""
    import pipeline.engines as engines
    from pipeline.dataset import batch_size

    real = engines.map_unordered
    handed: dict[str, list[int]] = {}

    def recording(func, items, workers=None, engine="pool", scheduler=None, chunksize=16, **more):
        items = list(items)
        # The floor's items are files, batched by chunksize; the build's are batches of files.
        per_task = chunksize if func.__name__ == "floor_task" else max(len(b) for b in items)
        handed[func.__name__] = [len(items), per_task]
        return real(func, items, workers, engine=engine, scheduler=scheduler, chunksize=chunksize, **more)

    monkeypatch.setattr(engines, "map_unordered", recording)
    assert bench_main(["--docs", "40", "--workers", "2", "--keep", str(tmp_path / "b"), "--json"]) == 0
    capsys.readouterr()
    assert handed["floor_task"] == [40, 5]
    assert handed["process_batch"] == [8, 5]  # 40 files in 8 tasks of 5
    assert batch_size(40, 2) == 5 and batch_size(100_000, 2) == 64


def test_scoring_a_build_against_its_own_truth_counts_every_truth_value(corpus, tmp_path: Path):
    reports, truth = corpus
    _build(reports, tmp_path / "ds", workers=1)
    q = score_build(tmp_path / "ds", truth)
    n_truth = sum(len(json.loads(p.read_text(encoding="utf-8"))["metrics"]) for p in truth.glob("*.json"))
    m = q["metrics"]
    assert q["documents"] == N_DOCS and m["tp"] + m["fn"] == n_truth
    assert m["precision"] >= 0.95 and m["recall"] >= 0.85, m
    # the identities too: every truth with an agency scored, nearly all of them right
    n_agency = sum(
        bool(json.loads(p.read_text(encoding="utf-8")).get("agency")) for p in truth.glob("*.json")
    )
    assert q["agency"]["total"] == n_agency and q["agency"]["correct"] >= 0.95 * n_agency, q["agency"]
    assert q["region"]["total"] >= 0.9 * N_DOCS and q["region"]["correct"] >= 0.9 * q["region"]["total"]


def test_bench_prints_speed_memory_ratio_and_quality_as_json(tmp_path: Path, capsys):
    assert bench_main(["--docs", "12", "--workers", "1", "--keep", str(tmp_path / "b"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["docs"] == 12 and out["docs_per_s"] > 0 and out["mb_per_s"] > 0
    assert out["build"]["peak_bytes"] > 0 and out["ratio"] > 0
    assert out["quality"]["documents"] == 12
    assert set(out["targets"]) == {"100k_under_5_min", "peak_under_2_GB", "within_10x_of_floor"}
    assert (tmp_path / "b" / "dataset" / "metrics.parquet").exists()
    assert out["csv"] is True and (tmp_path / "b" / "dataset" / "metrics.csv").exists()
    # The ratio is broken down by step of the build; the steps add up to the build's own time.
    steps = out["build_summary"]["stage_seconds"]
    assert list(steps) == ["plan", "extract", "documents", "shards", "finish"] == list(out["stage_ratios"])
    assert sum(steps.values()) == pytest.approx(out["build_summary"]["seconds"], abs=0.05)
    floor = out["floor"]["seconds"]
    assert all(out["stage_ratios"][k] == pytest.approx(v / floor, abs=0.01) for k, v in steps.items())


def test_bench_text_report_names_each_step_as_a_multiple_of_the_floor(tmp_path: Path, capsys):
    assert bench_main(["--docs", "6", "--workers", "1", "--keep", str(tmp_path / "b"), "--no-csv"]) == 0
    text = capsys.readouterr().out
    assert "build / floor" in text and "parquet only: --no-csv" in text
    assert "identities vs synthetic truth: agency as filed " in text
    assert not (tmp_path / "b" / "dataset" / "metrics.csv").exists()
    assert re.search(
        r"of which: plan [\d.]+ s \([\d.]+x\), extract [\d.]+ s \([\d.]+x\), documents [\d.]+ s \([\d.]+x\), shards",
        text,
    )


def test_bench_in_every_format_scores_its_reports_against_the_same_truth(tmp_path: Path, capsys):
    """Reports as sites serve them: the readers are part of what the bench measures and scores."""
    from pipeline.synth_formats import WRITERS

    argv = ["--docs", str(len(WRITERS)), "--workers", "1", "--no-csv", "--formats", ",".join(WRITERS)]
    assert bench_main([*argv, "--keep", str(tmp_path / "b"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["formats"] == list(WRITERS)
    files = [p for p in (tmp_path / "b" / "corpus").iterdir()]
    assert sorted(p.suffix.lstrip(".") for p in files) == sorted(ext for ext, _ in WRITERS.values())
    assert out["text_bytes"] == sum(p.stat().st_size for p in files)
    assert out["quality"]["documents"] == len(WRITERS)
    assert out["quality"]["metrics"]["fp"] == 0 and out["quality"]["metrics"]["fn"] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--docs", "0"],
        ["--formats", "txt,xls"],
        ["--workers", "0"],
        ["--engine", "spark"],
        ["--scheduler", "tcp://x:1"],
        ["--profile", "-1"],
    ],
)
def test_bench_rejects_bad_arguments_with_status_2(argv: list[str]):
    assert bench_main(argv) == 2


def test_bench_cannot_keep_its_work_where_a_file_is_in_the_way(tmp_path: Path, capsys):
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    assert bench_main(["--docs", "1", "--keep", str(tmp_path / "a-file" / "b")]) == 2
    err = capsys.readouterr().err
    assert "cannot use --keep" in err and "Traceback" not in err


def test_bench_refuses_to_keep_its_corpus_in_data_raw(tmp_path: Path):
    assert bench_main(["--docs", "1", "--keep", str(tmp_path / "data" / "raw")]) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PSS is read from Linux's /proc")
def test_peak_memory_counts_pages_a_forked_child_shares_once():
    """A child forked from a parent holding 256 MiB shares those pages: summed RSS counts them
    twice, the PSS sum once (what the 2 GB bar is about)."""
    held = bytearray(os.urandom(1 << 20)) * 256  # resident, written, in the parent
    ctx = multiprocessing.get_context("fork")
    with PeakMemory(interval=0.05) as mem:
        child = ctx.Process(target=time.sleep, args=(1.5,))
        child.start()
        child.join()
    assert len(held) == 256 << 20
    assert mem.peak_rss - mem.peak > 200 << 20, (mem.peak, mem.peak_rss)
    assert mem.peak > 256 << 20


def test_an_incremental_rebuild_writes_the_files_a_full_build_writes(corpus, tmp_path: Path, monkeypatch):
    """Re-used documents arrive before re-extracted ones; the files must not show it."""
    import shutil

    import pipeline.spool as spool

    monkeypatch.setattr(spool, "SHARD_DOCS", 3)  # several documents in each of many shards
    reports, _ = corpus
    folder = tmp_path / "in"
    shutil.copytree(reports, folder)

    def build(out: Path, incremental: bool) -> None:
        build_dataset(folder, out, progress=False, corrections_path=None, incremental=incremental, workers=2)

    build(tmp_path / "inc", True)
    files = sorted(folder.iterdir())
    later = time.time() + 10
    files[0].unlink()
    changed = files[len(files) // 2]
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\n本年度共受理政府信息公开申请99件。\n", encoding="utf-8"
    )
    os.utime(changed, (later, later))
    os.utime(files[-1], (later, later))  # touched, same bytes
    build(tmp_path / "inc", True)
    build(tmp_path / "full", False)
    meta = json.loads((tmp_path / "inc" / "meta.json").read_text(encoding="utf-8"))
    assert meta["summary"]["extracted"] == 1 and meta["summary"]["reused"] == N_DOCS - 2
    for name in ("documents", "metrics", "resolved", "derived"):
        inc, full = (tmp_path / d / f"{name}.csv" for d in ("inc", "full"))
        assert inc.read_bytes() == full.read_bytes(), name
