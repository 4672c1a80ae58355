"""Resolving agency shards: the winner of each (agency, year, metric, scope), a shard at a time, in
this process or on a pool of processes a few shards ahead of the writer.

Resolution reads only a shard's slim projection and only ever compares rows of one agency (an
agency is never split between shards), so shards resolve independently of each other. The build
still reads, checks and writes every shard itself, in shard order; what it takes from resolution
is ShardWinners: which of the shard's rows won and the columns resolution adds. No evidence text
crosses between processes, and the files written do not depend on where the shards were resolved.

In one process the shards step used ~1.2 cores (a writer thread beside it) however many the
machine has: 26 s of a 100k build on 2 cores, ~7 min of a 1M one.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.derived import INPUTS as DERIVED_INPUTS
from pipeline.heap import trim
from pipeline.plausibility import plausibility_flags
from pipeline.resolve import choose_winners_in_batches, source_of
from pipeline.shard_rows import ShardRows
from pipeline.spool import SLIM_COLUMNS, Spool, concat_slim, with_pointers
from pipeline.spool import slim as slim_of
from pipeline.validate import resolved_key_problems

# The columns resolution adds to a winning row (its flags replace the row's own).
WINNER_EXTRA = ["source", "n_sources", "conflict", "alternatives", "flags"]
# Shards handed to each worker ahead of the one being written: one being resolved, one waiting,
# so a worker never idles while the writer is busy. A result is a few MB (no evidence text).
AHEAD_PER_WORKER = 2
# At most this many resolving processes. The build's process still reads, checks and writes every
# shard, about as much work as resolving it (100k reports, 2 cores: 14 of the step's ~31 CPU-seconds),
# so past two or three workers the step waits on the writer; each worker holds ~55-95 MiB of its own
# (measured: its shard's working set and the pages it dirties of what it was forked from).
MAX_WORKERS = 3


@dataclass
class ShardWinners:
    """What resolving one shard gives the writer."""

    rows: np.ndarray  # the winners among the shard's spooled rows: places in written order
    extra: pa.Table  # WINNER_EXTRA of those winners, in the same order, one chunk a column
    # The analyst corrections that won: "_row" (place among the shard's corrections) and WINNER_EXTRA.
    corrections: pd.DataFrame
    derived_inputs: pd.DataFrame  # the winners that derived indicators are computed from
    resolved: int
    conflicts: int
    problems: list[str]


def with_corrections(slim: pd.DataFrame, corrections: pd.DataFrame | None) -> pd.DataFrame:
    """A shard's projection (part 0) plus its analyst corrections (part -1), with each row's source."""
    frames = [slim]
    if corrections is not None and len(corrections):
        # A correction has no span in any text: its start/end stay empty.
        corr = corrections.reset_index(drop=True).assign(start=pd.NA, end=pd.NA)
        corr = corr.astype({"start": "Int64", "end": "Int64", "year": "Int64"})
        frames.append(slim_of(corr, part=-1))
    allrows = concat_slim(frames)
    allrows["source"] = _map_categories(allrows["method"], source_of)
    return allrows


def _map_categories(column: pd.Series, func: Callable[[str], str]) -> pd.Series:
    """func applied to a categorical column's categories only (millions of rows, a few methods)."""
    mapped = [func(str(c)) for c in column.cat.categories]
    categories = list(dict.fromkeys(mapped))
    recode = np.array([categories.index(m) for m in mapped] + [-1], dtype=np.int32)  # -1 stays missing
    codes = recode[column.cat.codes.to_numpy()]
    return pd.Series(pd.Categorical.from_codes(codes, categories=categories), index=column.index)


def resolved_for_derived(winners: pd.DataFrame, about: pd.DataFrame) -> pd.DataFrame:
    """The columns compute_derived reads, with agency names and regions from `about` (documents
    indexed by agency_id)."""
    inputs = winners[winners["metric"].isin(DERIVED_INPUTS)]
    out = inputs[["doc_id", "agency_id", "year", "metric", "scope", "value", "approx", "confidence"]].copy()
    for col in ("doc_id", "agency_id", "metric", "scope"):
        out[col] = out[col].astype(str)
    out["agency"] = out["agency_id"].map(about["agency"])
    out["region"] = out["agency_id"].map(about["region"])
    return out


def choose_shard_winners(
    projected: pd.DataFrame, corrections: pd.DataFrame | None, about: pd.DataFrame, run_rows: int
) -> ShardWinners | None:
    """Resolve one shard from its slim projection (in written order) and its corrections: None when
    it holds no value. Winners are chosen `run_rows` rows of whole agency-years at a time."""
    allrows = with_corrections(with_pointers(projected, part=0), corrections)
    del projected
    if allrows.empty:
        return None
    won = plausibility_flags(choose_winners_in_batches(allrows, run_rows))
    del allrows
    problems = resolved_key_problems(won)
    won["n_sources"] = won["n_sources"].astype("int32")
    part = won["_part"].to_numpy()
    mine, theirs = won[part == 0], won[part == -1]
    # One chunk a column: winners chosen in runs come as Arrow-backed strings in a chunk per run,
    # and the parquet writer's dictionary pages follow the chunks (same values, other bytes).
    extra = pa.Table.from_pandas(mine[WINNER_EXTRA].reset_index(drop=True), preserve_index=False)
    return ShardWinners(
        rows=mine["_row"].to_numpy(),
        extra=extra.combine_chunks(),
        corrections=theirs[["_row", *WINNER_EXTRA]].reset_index(drop=True),
        derived_inputs=resolved_for_derived(won, about),
        resolved=len(won),
        conflicts=int(won["conflict"].sum()),
        problems=problems,
    )


# What a pool worker resolves from, set once when it starts (inherited, not sent, where processes fork).
_worker_state: tuple[Spool, Callable[[np.ndarray], np.ndarray], pd.DataFrame, int] | None = None


def _start_worker(
    spool: Spool, rows_of: Callable[[np.ndarray], np.ndarray], about: pd.DataFrame, run_rows: int
):
    global _worker_state
    from pipeline.engines import worker_init

    worker_init()
    _worker_state = (spool, rows_of, about, run_rows)


def _resolve_in_worker(shard: int, corrections: pd.DataFrame | None) -> ShardWinners | None:
    """A pool worker's task: read the shard's slim columns from the spool and resolve them."""
    assert _worker_state is not None, "the resolving pool's workers start with _start_worker"
    spool, rows_of, about, run_rows = _worker_state
    rows = ShardRows(spool, shard, rows_of, run_rows, columns=list(SLIM_COLUMNS))
    won = choose_shard_winners(rows.projected(), corrections, about, rows.piece_rows)
    del rows
    trim()  # the shard's working memory, before the next one (as the build's process does)
    return won


class ShardResolver:
    """ShardWinners of shards 0, 1, 2... asked for in that order.

    With one worker (or one shard) a shard is resolved here when asked, from the rows the writer
    holds. With more, a pool of `workers` processes (at most MAX_WORKERS) resolves up to
    AHEAD_PER_WORKER shards a worker ahead, each reading the slim columns from the spool itself.
    The spool must be complete: its writers are closed before any worker starts.
    """

    def __init__(
        self,
        spool: Spool,
        rows_of: Callable[[np.ndarray], np.ndarray],
        about: pd.DataFrame,
        corrections_of: Callable[[int], pd.DataFrame | None],
        workers: int,
        run_rows: int,
    ) -> None:
        self._about, self._corrections_of = about, corrections_of
        self._shards = spool.shards
        self._ahead: dict[int, Future] = {}
        self._next = 0
        self._pool: ProcessPoolExecutor | None = None
        workers = min(workers, spool.shards, MAX_WORKERS)
        if workers > 1:
            spool.close_writers()  # a worker must never inherit an open writer (closing it writes)
            self._pool = ProcessPoolExecutor(
                max_workers=workers, initializer=_start_worker, initargs=(spool, rows_of, about, run_rows)
            )
            self._window = workers * AHEAD_PER_WORKER
            try:
                self._fill()  # the workers start now, before the caller starts any thread of its own
            except BaseException:
                self.close()
                raise

    def _fill(self) -> None:
        assert self._pool is not None
        while self._next < self._shards and len(self._ahead) < self._window:
            shard = self._next
            self._ahead[shard] = self._pool.submit(_resolve_in_worker, shard, self._corrections_of(shard))
            self._next += 1

    def winners(self, shard: int, rows: ShardRows, corrections: pd.DataFrame | None) -> ShardWinners | None:
        """The winners of `shard`, whose rows as the writer reads them are `rows` and whose analyst
        corrections are `corrections` (the pool was given them when the shard was handed out)."""
        if self._pool is None:
            return choose_shard_winners(rows.projected(), corrections, self._about, rows.piece_rows)
        future = self._ahead.pop(shard, None)
        if future is None:
            raise ValueError(
                f"shard {shard} asked out of order (next in line: {min(self._ahead, default=None)})"
            )
        self._fill()
        return future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
