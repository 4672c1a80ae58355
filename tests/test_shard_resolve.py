"""Shards resolved on a pool of processes: the same files as resolved in the build's own process,
and a worker that fails or dies stops the build with the previous dataset kept; a file whose
reading kills its worker costs only that file's values."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from pipeline import dataset, shard_resolve, spool
from pipeline.__main__ import main as cli
from pipeline.dataset import build_dataset
from pipeline.synth import generate

N_DOCS = 120
SHARD_DOCS = 10  # 120 reports: 12 agency shards

# Set in the test process: a forked worker inherits it, and tells itself apart by its pid.
_PARENT_PID = os.getpid()
_RECORD: list[Path] = []  # where the recording worker appends its pid and shard
_real_resolve = shard_resolve._resolve_in_worker  # the task the recording one wraps


def _recording_resolve(shard: int, corrections: pd.DataFrame | None):
    """_resolve_in_worker, noting which process resolved which shard (a module-level function:
    the pool sends tasks by reference)."""
    with _RECORD[0].open("a", encoding="utf-8") as f:
        f.write(f"{os.getpid()} {shard}\n")
    return _real_resolve(shard, corrections)


_real_process_file = dataset.process_file
_KILLER: list[str] = []  # the path of the one file whose reading ends its worker


def _dies_on_one_file(task):
    """process_file, except that the worker reading the file named in _KILLER dies (a crash in a
    reader's C code, or the out-of-memory killer, looks the same from the build)."""
    if task.rel in _KILLER and os.getpid() != _PARENT_PID:
        os._exit(9)
    return _real_process_file(task)


def _failing_choice(projected, corrections, about, run_rows):
    raise RuntimeError("resolving failed in a worker")


def _dying(*args, **kwargs):
    if os.getpid() == _PARENT_PID:  # never end the test process itself
        raise AssertionError("expected to run in a pool worker")
    os._exit(9)  # as the system's out-of-memory killer would end it: no exception, no clean-up


@pytest.fixture(scope="module")
def corpus_and_corrections(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Generated reports, and analyst corrections of three of their agencies (a value the reports
    give, to win over it, and one they do not)."""
    root = tmp_path_factory.mktemp("shard_resolve")
    generate(N_DOCS, root / "corpus", seed=5, truth_dir=root / "truth")
    plain = build_dataset(root / "corpus", root / "plain", workers=1, progress=False, corrections_path=None)
    docs = plain.documents.dropna(subset=["agency_id", "year"]).drop_duplicates("agency_id").head(3)
    assert len(docs) == 3
    lines = ["agency,year,metric,value,note"]
    for i, d in enumerate(docs.itertuples()):
        lines.append(f"{d.agency},{int(d.year)},disclosure_requests,{1000 + i},核对原件")
        lines.append(f"{d.agency},{int(d.year)},regulations_repealed,{i + 1},来自公报")
    (root / "corrections.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root / "corpus", root / "corrections.csv"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "meta.json"}


def test_shards_resolved_on_a_pool_write_the_files_resolved_in_process(
    corpus_and_corrections, tmp_path: Path, monkeypatch
):
    corpus, corrections = corpus_and_corrections
    monkeypatch.setattr(spool, "SHARD_DOCS", SHARD_DOCS)
    assert spool.shard_count(N_DOCS) == 12
    here = build_dataset(corpus, tmp_path / "here", workers=1, progress=False, corrections_path=corrections)

    _RECORD[:] = [tmp_path / "resolved-by.txt"]
    monkeypatch.setattr(shard_resolve, "_resolve_in_worker", _recording_resolve)
    pooled = build_dataset(corpus, tmp_path / "pool", workers=2, progress=False, corrections_path=corrections)

    by = [line.split() for line in _RECORD[0].read_text(encoding="utf-8").splitlines()]
    assert sorted(int(shard) for _, shard in by) == list(range(12))  # every shard, once, on the pool
    assert {int(pid) for pid, _ in by}.isdisjoint({os.getpid()})
    corrected = pooled.resolved[pooled.resolved["source"] == "correction"]
    assert len(corrected) == 6 and set(corrected["value"]) == {1000, 1001, 1002, 1, 2, 3}
    assert pooled.summary["conflicts"] == here.summary["conflicts"] > 0
    here_files, pool_files = _files(tmp_path / "here"), _files(tmp_path / "pool")
    assert {"metrics.parquet", "resolved.csv", "derived.parquet"} <= here_files.keys()
    assert pool_files.keys() == here_files.keys()
    for name, data in here_files.items():
        assert pool_files[name] == data, name


def test_a_failure_while_resolving_on_the_pool_stops_the_build_and_keeps_the_dataset(
    corpus_and_corrections, tmp_path: Path, monkeypatch
):
    corpus, _ = corpus_and_corrections
    monkeypatch.setattr(spool, "SHARD_DOCS", SHARD_DOCS)
    out = tmp_path / "ds"
    build_dataset(corpus, out, workers=2, progress=False, corrections_path=None)
    before = _files(out)
    monkeypatch.setattr(shard_resolve, "choose_shard_winners", _failing_choice)
    with pytest.raises(RuntimeError, match="resolving failed in a worker"):
        build_dataset(corpus, out, workers=2, progress=False, corrections_path=None, incremental=False)
    assert _files(out) == before
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no spool, no temporary file


@pytest.mark.parametrize(
    ("module", "name", "said"),
    [
        # every file ends its worker, also read alone: past MAX_LOST_ITEMS the build gives up
        (
            dataset,
            "process_file",
            "worker processes ended (killed, out of memory, or a crash in a reader) reading 21",
        ),
        (shard_resolve, "choose_shard_winners", "a worker process ended abruptly"),
    ],
    ids=["extracting", "resolving"],
)
def test_a_worker_killed_mid_build_is_a_clear_error_and_the_dataset_is_kept(
    corpus_and_corrections, tmp_path: Path, monkeypatch, capsys, module, name, said
):
    corpus, _ = corpus_and_corrections
    monkeypatch.setattr(spool, "SHARD_DOCS", SHARD_DOCS)
    out = tmp_path / "ds"
    argv = ["build", str(corpus), "--out", str(out), "--corrections", str(tmp_path / "none.csv")]
    argv += ["--workers", "2", "--quiet"]
    assert cli(argv) == 0
    before = _files(out)
    capsys.readouterr()
    monkeypatch.setattr(module, name, _dying)
    assert cli([*argv, "--full"]) == 2
    err = capsys.readouterr().err
    assert said in err and "--workers" in err and "is as it was" in err
    assert "Traceback" not in err
    assert _files(out) == before
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_a_file_that_kills_its_worker_gets_an_error_row_and_the_rest_of_the_build_goes_on(
    corpus_and_corrections, tmp_path: Path, monkeypatch, capsys
):
    corpus, _ = corpus_and_corrections
    clean = build_dataset(corpus, tmp_path / "clean", workers=2, progress=False, corrections_path=None)
    victim = sorted(clean.documents.loc[clean.documents["status"] == "ok", "path"])[7]
    _KILLER[:] = [victim]
    monkeypatch.setattr(dataset, "process_file", _dies_on_one_file)
    out = tmp_path / "ds"
    argv = ["build", str(corpus), "--out", str(out), "--corrections", str(tmp_path / "none.csv")]
    assert cli([*argv, "--workers", "2", "--quiet"]) == 1  # a failed file, not a stopped build
    assert victim in capsys.readouterr().out
    docs = pd.read_parquet(out / "documents.parquet").set_index("path")
    assert docs.loc[victim, "status"] == "error"
    assert "ended its worker process" in docs.loc[victim, "message"]
    before = clean.documents.set_index("path").drop(victim)
    assert docs.drop(victim)[["doc_id", "status", "agency_id"]].equals(
        before[["doc_id", "status", "agency_id"]]
    )
    lost_id = clean.documents.set_index("path").loc[victim, "doc_id"]
    keys = ["doc_id", "metric", "scope", "value", "start"]
    expected = clean.metrics[clean.metrics["doc_id"] != lost_id][keys].sort_values(keys, ignore_index=True)
    got = pd.read_parquet(out / "metrics.parquet")[keys].sort_values(keys, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected)
