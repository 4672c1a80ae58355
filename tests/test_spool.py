"""The agency-shard spool: every value lands once, an agency's values in one shard, in arrival order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.dataset import FileTask, process_batch
from pipeline.schema import METRIC_COLUMNS
from pipeline.spool import DOC_COLUMN, Spool, project, project_table, shard_count, shard_of
from pipeline.synth import generate


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Metric rows of 24 generated reports as the workers frame them, documents numbered 0..23."""
    corpus = tmp_path_factory.mktemp("spool") / "corpus"
    generate(24, corpus, seed=5)
    tasks = [FileTask(str(p), p.name) for p in sorted(corpus.iterdir())]
    metrics = process_batch(tasks).metrics.to_pandas()
    assert metrics[DOC_COLUMN].tolist() == sorted(metrics[DOC_COLUMN]), "rows in their documents' order"
    assert metrics[DOC_COLUMN].max() == len(tasks) - 1
    return metrics


def _spooled(rows: pd.DataFrame, folder: Path, shards: int, buffer_rows: int) -> list[pd.DataFrame]:
    spool = Spool(folder, shards, METRIC_COLUMNS, buffer_rows=buffer_rows)
    try:
        for start in range(0, len(rows), 37):  # batches of odd sizes, as workers deliver them
            spool.add(rows.iloc[start : start + 37])
        return [spool.read_shard(shard).to_pandas() for shard in range(spool.shards)]
    finally:
        spool.close()
        assert not folder.exists(), "close() removes the spool"


def test_every_row_lands_once_and_an_agency_stays_in_one_shard(rows: pd.DataFrame, tmp_path: Path):
    shards = _spooled(rows, tmp_path / "s", shards=5, buffer_rows=11)
    assert sum(len(s) for s in shards) == len(rows)
    agencies = [set(s["agency_id"]) for s in shards]
    assert sum(len(a) for a in agencies) == len(set().union(*agencies)) == rows["agency_id"].nunique()
    assert sum(1 for s in shards if len(s)) > 1, "the agencies spread over several shards"
    for s in shards:
        # arrival order kept inside a shard: document numbers never go back
        assert s[DOC_COLUMN].is_monotonic_increasing
    back = pd.concat(shards).sort_values([DOC_COLUMN, "start", "metric"], ignore_index=True)
    sent = rows.sort_values([DOC_COLUMN, "start", "metric"], ignore_index=True)
    pd.testing.assert_frame_equal(back, sent[list(back.columns)], check_dtype=False)


def test_one_shard_keeps_the_input_order(rows: pd.DataFrame, tmp_path: Path):
    (only,) = _spooled(rows, tmp_path / "s", shards=1, buffer_rows=50)
    pd.testing.assert_frame_equal(only, rows.reset_index(drop=True), check_dtype=False)


def test_a_shard_read_with_a_pick_gives_those_rows_in_that_order(rows: pd.DataFrame, tmp_path: Path):
    """read_shard(shard, rows_of) gathers column by column what a take of the whole table gives:
    here, the rows of odd-numbered documents, last document first."""
    import numpy as np
    import pyarrow as pa

    def odd_last_first(docs: np.ndarray) -> np.ndarray:
        keep = np.flatnonzero(docs % 2 == 1)
        return keep[np.argsort(-docs[keep], kind="stable")]

    spool = Spool(tmp_path / "s", 3, METRIC_COLUMNS, buffer_rows=11)
    try:
        for start in range(0, len(rows), 37):
            spool.add(rows.iloc[start : start + 37])
        for shard in range(spool.shards):
            whole = spool.read_shard(shard)
            picked = spool.read_shard(shard, odd_last_first)
            expected = whole.take(pa.array(odd_last_first(whole.column(DOC_COLUMN).to_numpy())))
            assert picked.equals(expected) and picked.schema == whole.schema
            assert all(c.num_chunks == 1 for c in picked.columns)  # one chunk: fast kernels
            assert picked.num_rows and all(d % 2 == 1 for d in picked.column(DOC_COLUMN).to_pylist())
    finally:
        spool.close()


def test_a_shard_gathered_a_batch_at_a_time_gives_the_rows_asked_in_the_order_asked(
    rows: pd.DataFrame, tmp_path: Path
):
    """gather(shard, picks) reads record batch after record batch (a shard too large to hold) and
    gives what a take of the whole shard gives: repeated, reversed and scattered positions alike.
    A slim read decodes only the columns asked; doc_numbers only the document numbers."""
    import numpy as np
    import pyarrow as pa

    from pipeline.spool import SLIM_COLUMNS

    spool = Spool(tmp_path / "s", 2, METRIC_COLUMNS, buffer_rows=11)  # many small record batches
    try:
        for start in range(0, len(rows), 37):
            spool.add(rows.iloc[start : start + 37])
        rng = np.random.default_rng(3)
        for shard in range(spool.shards):
            whole = spool.read_shard(shard)
            assert whole.num_rows > 50
            picks = np.r_[rng.permutation(whole.num_rows)[:40], [0, 0, whole.num_rows - 1]]
            got = spool.gather(shard, picks)
            assert got.equals(whole.take(pa.array(picks))) and got.schema == whole.schema
            assert all(c.num_chunks == 1 for c in got.columns)
            assert spool.gather(shard, picks[::-1]).equals(whole.take(pa.array(picks[::-1])))
            assert spool.gather(shard, np.empty(0, np.int64)).num_rows == 0
            with pytest.raises(IndexError):
                spool.gather(shard, [whole.num_rows])
            assert spool.doc_numbers(shard).tolist() == whole.column(DOC_COLUMN).to_pylist()
            assert spool.rows_in(shard) == whole.num_rows  # counted as appended, without a read

            def odd(docs):
                return np.flatnonzero(docs % 2 == 1)[::-1]

            slim = spool.read_shard(shard, odd, columns=list(SLIM_COLUMNS))
            expected = whole.take(pa.array(odd(whole.column(DOC_COLUMN).to_numpy())))
            assert slim.column_names == list(SLIM_COLUMNS)
            assert slim.equals(expected.select(list(SLIM_COLUMNS)))
        empty = Spool(tmp_path / "e", 3, METRIC_COLUMNS)  # a shard no row went to: no file
        assert empty.doc_numbers(1).size == 0 and empty.gather(1, []).num_rows == 0
        assert empty.read_shard(1, columns=["metric"]).column_names == ["metric"]
        empty.close()
    finally:
        spool.close()


def test_the_arrow_projection_holds_the_same_values_as_the_pandas_one(rows: pd.DataFrame):
    import pyarrow as pa

    spool = Spool(Path("unused"), 1, METRIC_COLUMNS)
    arrow = project_table(pa.Table.from_pandas(rows, schema=spool.schema, preserve_index=False))
    pandas = project(rows)
    assert list(arrow.columns) == list(pandas.columns)
    for col in pandas:
        assert arrow[col].dtype.name == pandas[col].dtype.name, col
        a, b = arrow[col].astype(object).tolist(), pandas[col].astype(object).tolist()
        assert [None if pd.isna(x) else x for x in a] == [None if pd.isna(x) else x for x in b], col


def test_an_agency_hashes_to_the_same_shard_in_another_process():
    names = ["北京市海淀区人民政府", "浙江省杭州市西湖区政务服务中心", "x"]
    here = [shard_of(n, 97) for n in names]
    code = f"from pipeline.spool import shard_of; print([shard_of(n, 97) for n in {names!r}])"
    there = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "123"},
        cwd=Path(__file__).resolve().parents[1],
    ).stdout
    assert str(here) == there.strip()


def test_shard_count_grows_with_the_files_and_is_capped():
    assert shard_count(0) == shard_count(1) == 1
    assert shard_count(10_000) < shard_count(100_000) <= shard_count(10**7)
    assert shard_count(10**7) == shard_count(10**8)


def test_a_limit_on_open_files_that_cannot_be_raised_gives_fewer_shards(
    rows: pd.DataFrame, tmp_path: Path, monkeypatch
):
    import pipeline.spool as spool_module

    monkeypatch.setattr(spool_module, "_allow_open_files", lambda wanted: spool_module.RESERVED_FILES + 7)
    spool = Spool(tmp_path / "s", 200, METRIC_COLUMNS, buffer_rows=10)
    try:
        assert spool.shards == 7
        spool.add(rows)
        got = pd.concat([spool.read_shard(k).to_pandas() for k in range(spool.shards)])
        assert len(got) == len(rows) and set(got["doc_id"]) == set(rows["doc_id"])
    finally:
        spool.close()


def test_a_spool_of_many_shards_raises_a_low_open_file_limit(rows: pd.DataFrame, tmp_path: Path):
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
    try:
        # 240 agencies over 200 shards: far more files open at once than the limit of 64
        many = pd.concat([rows.assign(agency_id=rows["agency_id"] + f"#{k}") for k in range(10)])
        shards = _spooled(many, tmp_path / "s", shards=200, buffer_rows=10**6)
        assert sum(1 for s in shards if len(s)) > 64
        assert sum(len(s) for s in shards) == len(many)
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= 200
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
