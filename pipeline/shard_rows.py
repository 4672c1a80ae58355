"""One agency shard's spooled metric rows, in the order they are written, as the build uses them.

Most shards hold ~1,000 files' rows (~60k) and are read once and held while they are written and
resolved. An agency is never split between shards, so one that publishes thousands of reports
makes its shard several times larger, and holding it whole made memory grow with the corpus
(100k generated reports peaked at ~360 MiB, 1M at ~500, on the shards of its largest agencies).
A shard that was spooled more than `piece_rows` rows is not held: its rows are written a piece at
a time, resolution reads only the slim columns (each string column on its own) and chooses winners a run of
agency-years at a time, and only the winners' full rows are gathered back from the spool file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.spool import CATEGORICAL, SLIM_COLUMNS, Spool, project_column, project_table, projected_frame

# Rows held at once from one shard: above the ~60k of a shard of 1,000 ordinary files, so only the
# shards of agencies with thousands of reports are read in pieces.
PIECE_ROWS = 100_000


class ShardRows:
    """The rows of `shard` that are written, in written order: `rows_of(document numbers)` gives
    their arrival positions in that order (see dataset._Arrivals.written)."""

    def __init__(
        self,
        spool: Spool,
        shard: int,
        rows_of: Callable[[np.ndarray], np.ndarray],
        piece_rows: int | None = None,
        columns: list[str] | None = None,
    ) -> None:
        """`columns`: only those are read when the shard is held (a reader that only resolves needs
        the slim ones); pieces() and take() then give only those."""
        self._spool, self.shard = spool, shard
        self.piece_rows = piece_rows or PIECE_ROWS
        self._held: pa.Table | None = None
        self._order = np.empty(0, np.int64)  # not held: the arrival position of each written row
        if spool.rows_in(shard) <= self.piece_rows:  # most shards: read once, in one pass
            self._held = spool.read_shard(shard, rows_of, columns)
        else:
            self._order = rows_of(spool.doc_numbers(shard))

    def pieces(self) -> Iterator[pa.Table]:
        """Every row, in written order, at most piece_rows at a time (the held table when held)."""
        if self._held is not None:
            yield self._held
            return
        for lo in range(0, len(self._order), self.piece_rows):
            yield self._spool.gather(self.shard, self._order[lo : lo + self.piece_rows])

    def projected(self) -> pd.DataFrame:
        """What resolution reads: every row's slim projection (spool.project_table), in written order.

        Not held: each string column read on its own and dictionary-encoded before the next is
        decoded (the slim columns' strings are ~40% of a row's bytes); the numbers in one read."""
        if self._held is not None:
            return project_table(self._held)
        numbers = [c for c in SLIM_COLUMNS if c not in CATEGORICAL]
        columns = {}
        for group in [[c] for c in CATEGORICAL] + [numbers]:
            read = self._spool.read_shard(self.shard, self._order, columns=group)
            for col in group:
                columns[col] = project_column(col, read.column(col))
            del read
        return projected_frame(columns)

    def take(self, positions: np.ndarray) -> pa.Table:
        """The full rows at `positions` (places in written order), in that order."""
        if self._held is not None:
            return self._held.take(pa.array(positions))
        return self._spool.gather(self.shard, self._order[positions])
