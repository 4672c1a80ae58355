"""Metric rows spooled to temporary parquet parts while a build runs, so memory stays flat.

A national corpus yields millions of metric rows (the standard tables alone give ~200 per report).
Full rows, evidence and all, go to disk part by part; only the columns that resolution, flags and
checks need stay in memory, their strings as categories. The outputs are then written by streaming
the parts once more.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pandas.api.types import union_categoricals

# In memory during a build; everything else of a metric row waits on disk.
SLIM_COLUMNS = (
    "doc_id",
    "agency_id",
    "year",
    "metric",
    "scope",
    "value",
    "method",
    "confidence",
    "start",
    "end",
    "approx",
    "flags",
)
CATEGORICAL = ("doc_id", "agency_id", "metric", "scope", "method", "flags")
# Narrower than the contract's Int64 where the range allows it (years, text offsets): a national
# build holds millions of these rows. Lossless; the outputs are written from the full rows on disk.
NARROW = {"year": "Int16", "start": "Int32", "end": "Int32"}
PART_ROWS = 100_000  # rows gathered before a part is written: few files, a small part to re-read


def project(df: pd.DataFrame) -> pd.DataFrame:
    """The in-memory projection of metric rows: SLIM_COLUMNS, strings as categories, narrow ints.

    Pure and cheap enough to run in the workers, so the main process only gathers.
    """
    out = df[list(SLIM_COLUMNS)].copy()
    for col in CATEGORICAL:
        out[col] = out[col].astype(str).astype("category")  # str: NA becomes "<NA>", not a category hole
    return out.astype(NARROW)


def slim(df: pd.DataFrame, part: int, projected: pd.DataFrame | None = None) -> pd.DataFrame:
    """The projection of one part, pointing back at its rows with _part/_row."""
    out = project(df) if projected is None else projected.reset_index(drop=True)
    out["_part"] = np.int32(part)
    out["_row"] = np.arange(len(out), dtype=np.int32)
    return out


def concat_slim(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate slim frames keeping categories (a plain concat would fall back to Python objects)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return slim(pd.DataFrame({c: pd.Series(dtype="object") for c in SLIM_COLUMNS}), 0)
    if len(frames) == 1:
        return frames[0]  # nothing to combine: no copy (the caller may add columns to it)
    out = {}
    for col in frames[0].columns:
        if col in CATEGORICAL:
            out[col] = union_categoricals([pd.Categorical(f[col]) for f in frames], ignore_order=True)
        else:
            out[col] = pd.concat([f[col] for f in frames], ignore_index=True)
    return pd.DataFrame(out)


class Spool:
    """Parts on disk plus their slim projections in memory; removed by close().

    Rows arrive in small batches (one per worker task) and are written `part_rows` at a time.
    """

    def __init__(self, folder: Path, part_rows: int | None = None):
        self.folder = folder
        self.part_rows = part_rows or PART_ROWS
        folder.mkdir(parents=True, exist_ok=True)
        self.parts: list[Path] = []
        self.slims: list[pd.DataFrame] = []
        self._pending: list[tuple[pd.DataFrame, pd.DataFrame | None]] = []
        self._pending_rows = 0

    def add(self, df: pd.DataFrame, projected: pd.DataFrame | None = None) -> None:
        """Spool metric rows; `projected` is project(df) when a worker already made it."""
        if df.empty:
            return
        self._pending.append((df, projected))
        self._pending_rows += len(df)
        if self._pending_rows >= self.part_rows:
            self.flush()

    def flush(self) -> None:
        """Write the gathered rows as one part."""
        if not self._pending:
            return
        frames = [f for f, _ in self._pending]
        df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        projections = [p if p is not None else project(f) for f, p in self._pending]
        self._pending, self._pending_rows = [], 0
        part = len(self.parts)
        path = self.folder / f"part-{part:06d}.parquet"
        df.to_parquet(path, index=False)
        self.slims.append(slim(df, part, concat_slim(projections)))
        self.parts.append(path)

    def add_from_parquet(self, path: Path, doc_ids: set[str], batch_rows: int = 200_000) -> None:
        """Spool the rows of an earlier build's table whose doc_id is in doc_ids, batch by batch."""
        if not doc_ids:
            return
        wanted = pa.array(sorted(doc_ids), type=pa.string())
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
            table = pa.Table.from_batches([batch])
            mask = pa.compute.is_in(table.column("doc_id").cast(pa.string()), value_set=wanted)
            kept = table.filter(mask)
            if kept.num_rows:
                self.add(kept.to_pandas())

    def slim_frame(self) -> pd.DataFrame:
        self.flush()
        frame = concat_slim(self.slims)
        self.slims = []  # the combined frame replaces the pieces
        return frame

    def read_part(self, part: int) -> pd.DataFrame:
        return pd.read_parquet(self.parts[part])

    def iter_parts(self) -> Iterator[tuple[int, pd.DataFrame]]:
        self.flush()
        for i in range(len(self.parts)):
            yield i, self.read_part(i)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
