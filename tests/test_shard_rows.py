"""A shard too large to hold (an agency with thousands of reports) is written and resolved in
pieces, and the build writes what it writes when the shard is held whole."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import dataset, shard_resolve, shard_rows, spool
from pipeline.resolve import choose_winners, choose_winners_in_batches
from pipeline.spool import project_table, with_pointers


@pytest.fixture(scope="module")
def allrows(generated_build: Path) -> pd.DataFrame:
    """What a build resolves: the generated build's values as a shard's slim projection, with their
    sources, and a few missing years (sorted last within their agency)."""
    rows = pq.read_table(generated_build / "ds" / "metrics.parquet")
    projected = with_pointers(project_table(rows), part=0)
    projected.loc[projected.index[::97], "year"] = pd.NA
    return shard_resolve.with_corrections(projected, None)


@pytest.fixture(scope="module")
def one_call(allrows: pd.DataFrame) -> pd.DataFrame:
    whole = choose_winners(allrows)
    assert whole["conflict"].any() and (whole["alternatives"] != "").any()
    return whole


@pytest.mark.parametrize("max_rows", [50_000, 4_000])
def test_winners_chosen_in_runs_of_agency_years_are_those_of_one_call(
    allrows: pd.DataFrame, one_call: pd.DataFrame, max_rows: int
):
    assert len(allrows) > 50_000 and allrows["year"].isna().any()
    pd.testing.assert_frame_equal(choose_winners_in_batches(allrows, max_rows), one_call)


@pytest.mark.parametrize("max_rows", [300, 1])
def test_short_runs_down_to_one_agency_year_each_give_the_winners_of_one_call(
    allrows: pd.DataFrame, max_rows: int
):
    """Runs of one agency-year (or a few): every run boundary is a key boundary. On every 5th
    agency's rows, since one call per agency-year over all 2,000 reports took 30 s."""
    agencies = allrows["agency_id"].dropna().unique()
    rows = allrows[allrows["agency_id"].isin(agencies[::5])]
    whole = choose_winners(rows)
    groups = rows.groupby(["agency_id", "year"], dropna=False, observed=True).ngroups
    assert groups > 300 and rows["year"].isna().any() and whole["conflict"].any()
    pd.testing.assert_frame_equal(choose_winners_in_batches(rows, max_rows), whole)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "meta.json"}


def test_a_shard_in_pieces_writes_the_files_a_held_shard_writes(generated_build: Path, tmp_path, monkeypatch):
    """Every shard of the generated build read, written and resolved in pieces of 7,000 rows: the
    same bytes in every file but metrics.parquet, whose row groups follow the pieces (same rows)."""
    held = generated_build / "ds"
    base_groups = pq.ParquetFile(held / "metrics.parquet").metadata.num_row_groups
    monkeypatch.setattr(shard_rows, "PIECE_ROWS", 7_000)
    gathered: list[int] = []
    gather = spool.Spool.gather

    def counting(self, shard, picks):
        gathered.append(len(picks))
        return gather(self, shard, picks)

    monkeypatch.setattr(spool.Spool, "gather", counting)
    dataset.build_dataset(
        generated_build / "corpus", tmp_path / "ds", workers=2, progress=False, corrections_path=None
    )
    # Written in pieces; the winners are then gathered at once (one per agency-year and metric,
    # however many reports an agency has).
    assert gathered.count(7_000) > 2, gathered
    pieces, whole = _files(tmp_path / "ds"), _files(held)
    assert pieces.keys() == whole.keys()
    for name in whole:
        if name != "metrics.parquet":
            assert pieces[name] == whole[name], name
    assert pq.read_table(tmp_path / "ds" / "metrics.parquet").equals(pq.read_table(held / "metrics.parquet"))
    assert pq.ParquetFile(tmp_path / "ds" / "metrics.parquet").metadata.num_row_groups > base_groups


def _arrow_held_while_resolving(corpus: Path, out: Path, monkeypatch, corrections: Path | None = None) -> int:
    """The most Arrow memory a build holds, above what it held when resolving began, sampled
    after each piece is read and once the writes before it are done. One worker: the shards are
    resolved in this process, where the samples are taken (with more, on a pool of processes)."""
    seen: list[int] = []
    base: list[int] = []
    write_all, wait, gather = dataset._write_all, dataset._wait, spool.Spool.gather
    read_shard = spool.Spool.read_shard

    def writing_all(*args, **kwargs):
        gc.collect()
        base.append(pa.total_allocated_bytes())
        return write_all(*args, **kwargs)

    def waiting(futures):
        wait(futures)
        seen.append(pa.total_allocated_bytes())

    def gathering(self, shard, picks):
        table = gather(self, shard, picks)
        seen.append(pa.total_allocated_bytes())
        return table

    def reading(self, shard, rows_of=None, columns=None):
        table = read_shard(self, shard, rows_of, columns)
        seen.append(pa.total_allocated_bytes())
        return table

    monkeypatch.setattr(dataset, "_write_all", writing_all)
    monkeypatch.setattr(dataset, "_wait", waiting)
    monkeypatch.setattr(spool.Spool, "gather", gathering)
    monkeypatch.setattr(spool.Spool, "read_shard", reading)
    dataset.build_dataset(corpus, out, workers=1, progress=False, corrections_path=corrections)
    return max(seen) - base[0]


@pytest.fixture(scope="module")
def one_agency(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,500 generated reports of one province body over 2008-2025, as a national corpus gives
    its largest agencies thousands of reports: ~85 per year, so most values lose to another."""
    import random

    from pipeline import synth

    rng = random.Random(7)
    agency = synth.pick_agency(rng)
    while agency.level != "province":
        agency = synth.pick_agency(rng)
    corpus = tmp_path_factory.mktemp("one_agency") / "corpus"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(synth, "pick_agency", lambda _rng: agency)
        synth.generate(1_500, corpus, seed=3, truth_dir=corpus.parent / "truth")
    # An analyst's corrections of that agency: a value the reports give, and one they do not.
    (corpus.parent / "corrections.csv").write_text(
        "agency,year,metric,value,note\n"
        f"{agency.name},2015,disclosure_requests,12345,checked by hand\n"
        f"{agency.name},2016,regulations_repealed,3,from the gazette\n",
        encoding="utf-8",
    )
    return corpus


def test_an_agency_with_thousands_of_reports_is_resolved_in_pieces(one_agency: Path, tmp_path, monkeypatch):
    """Held whole, its shard costs its rows' bytes and more; in pieces of 10,000 rows, under a third
    of them, for the same files (metrics.parquet: the same rows, in more row groups), analyst
    corrections included."""
    corrections = one_agency.parent / "corrections.csv"
    monkeypatch.setattr(shard_rows, "PIECE_ROWS", 10**9)
    whole = _arrow_held_while_resolving(one_agency, tmp_path / "held", monkeypatch, corrections)
    rows = pq.read_table(tmp_path / "held" / "metrics.parquet")
    shard_bytes = rows.take(pa.array(np.arange(rows.num_rows))).nbytes
    resolved = pq.read_metadata(tmp_path / "held" / "resolved.parquet").num_rows
    assert rows.num_rows > 50_000 and resolved < rows.num_rows / 10
    corrected = pd.read_parquet(tmp_path / "held" / "resolved.parquet").query("source == 'correction'")
    assert sorted(corrected["value"]) == [3.0, 12345.0]
    del rows
    monkeypatch.setattr(shard_rows, "PIECE_ROWS", 10_000)
    pieces = _arrow_held_while_resolving(one_agency, tmp_path / "pieces", monkeypatch, corrections)
    assert whole > 0.9 * shard_bytes, (whole, shard_bytes)
    assert pieces < shard_bytes / 3, (pieces, shard_bytes)
    held, piecewise = _files(tmp_path / "held"), _files(tmp_path / "pieces")
    assert held.keys() == piecewise.keys()
    assert all(held[n] == piecewise[n] for n in held if n != "metrics.parquet")
    assert pq.read_table(tmp_path / "pieces" / "metrics.parquet").equals(
        pq.read_table(tmp_path / "held" / "metrics.parquet")
    )
