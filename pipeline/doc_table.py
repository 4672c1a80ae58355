"""The document table while a build runs: one row per file, held compactly, copies of a text marked.

A build holds its document table only between extraction and resolution: the rows wait on disk
while files are extracted (DocumentSpool), are joined, marked for copies and sorted by path for
corrections, checks and the summary, then written to their output and let go before the values
are resolved (the agency proposals read their columns back at the end). Most of its text columns
repeat (a status, a region, an agency filing ten years of reports), so they are held as
categories: ~0.25 KB per file instead of ~0.55 KB in Arrow strings. The table written to
documents.parquet/.csv has the contract's types (StagedTable casts them back chunk by chunk).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import union_categoricals

from pipeline.schema import DOCUMENT_COLUMNS
from pipeline.spool import open_stream

# Few distinct values per column on a national corpus (measured on 100k synthetic reports: from 1
# to 17,586 distinct per 100,000 rows). doc_id, path and sha256 are unique per file: kept as strings.
COMPACT_COLUMNS = (
    "kind",
    "status",
    "message",
    "agency",
    "agency_id",
    "region",
    "province",
    "city",
    "county",
    "region_code",
    "level",
    "agency_kind",
    "doc_type",
    "report_format",
)


def compact(docs: pd.DataFrame) -> pd.DataFrame:
    """`docs` (contract types) with COMPACT_COLUMNS as categories; the same frame, changed in place."""
    for col in COMPACT_COLUMNS:
        if not isinstance(docs[col].dtype, pd.CategoricalDtype):
            docs[col] = docs[col].astype("string").astype("category")
            forget_lookup(docs[col].cat.categories)
    return docs


def forget_lookup(index: pd.Index) -> None:
    """Drop the hash table pandas built on `index` (it checks that categories are unique). For
    Arrow-backed strings that table holds a Python str per value: a build keeps a chunk of 10,000
    document rows per 10,000 files until extraction ends, and their tables were 1.3 Python objects
    per file (~80 MiB at 1M files), live until the chunks are joined and then leaving the heap in
    holes. pandas builds the table again if it is ever needed, so only memory is at stake; `_cache`
    is private, and were it to go, only this saving would."""
    cache = getattr(index, "_cache", None)
    if isinstance(cache, dict):
        cache.pop("_engine", None)


def concat(chunks: list[pd.DataFrame]) -> pd.DataFrame:
    """Compact chunks -> one compact table (a plain concat of categoricals whose categories differ
    would fall back to a Python object per cell).

    Consumes `chunks`: each column is dropped from them once joined, so a national table is held
    about once while it is joined, not twice (the chunks, then the whole)."""
    chunks[:] = [compact(c) for c in chunks if len(c)]
    if not chunks:
        return compact(_empty())
    if len(chunks) == 1:
        return chunks.pop().reset_index(drop=True)
    out = {}
    for col in DOCUMENT_COLUMNS:
        if col in COMPACT_COLUMNS:
            out[col] = union_categoricals([c[col].array for c in chunks])
            forget_lookup(out[col].categories)  # union_categoricals looked its values up
        else:
            out[col] = pd.concat([c[col] for c in chunks], ignore_index=True)
        for c in chunks:
            del c[col]
    chunks.clear()
    return pd.DataFrame(out)


def sort_by_path(docs: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """`docs` in path order, and each row's place in that order (by its position in `docs`).

    Column by column, each dropped from `docs` once taken (so `docs` is emptied): sort_values
    copied the whole national table while the original was still held."""
    order = np.asarray(docs["path"].array.argsort(), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    out = {}
    for col in list(docs.columns):
        out[col] = docs.pop(col).array.take(order)
        if isinstance(out[col], pd.Categorical):
            forget_lookup(out[col].categories)
    return pd.DataFrame(out), rank


class DocumentSpool:
    """The workers' document rows, appended to a file as batches arrive while a build extracts.

    Held in memory instead, they were ~0.2 KB per file (200 MiB at 1M files) on top of the
    extraction's own peak, and were then copied while they were joined and sorted. On disk they
    cost nothing until extraction ends, when chunks() reads them back compact."""

    def __init__(self, path: Path, schema: pa.Schema, buffer_rows: int = 10_000) -> None:
        self.path = path
        self.rows = 0
        self.buffer_rows = buffer_rows
        self._held: list[pa.Table] = []
        self._held_rows = 0
        self._writer, self._sink = open_stream(path, schema)

    def add(self, table: pa.Table) -> None:
        """Rows arrive a worker batch (~64) at a time; they are appended `buffer_rows` at a time
        (each append compresses every column's buffers: per batch, that cost the main process
        ~5 s of a 100k build, taken from the workers' cores)."""
        self._held.append(table)
        self._held_rows += table.num_rows
        self.rows += table.num_rows
        if self._held_rows >= self.buffer_rows:
            self._flush()

    def _flush(self) -> None:
        if self._held:
            self._writer.write_table(pa.concat_tables(self._held).combine_chunks())
            self._held, self._held_rows = [], 0

    def close(self) -> None:
        if self._writer is not None:
            self._flush()
            self._writer.close()
            self._sink.close()
            self._writer = None

    def chunks(self, rows: int) -> Iterator[pd.DataFrame]:
        """The rows in the order they were added, as compact frames of about `rows` rows each."""
        self.close()
        held: list[pa.RecordBatch] = []
        n = 0
        with pa.OSFile(str(self.path), "rb") as source:
            for batch in pa.ipc.open_stream(source):
                held.append(batch)
                n += batch.num_rows
                if n >= rows:
                    yield compact(pa.Table.from_batches(held).to_pandas())
                    held, n = [], 0
            if held:
                yield compact(pa.Table.from_batches(held).to_pandas())


def assign(docs: pd.DataFrame, mask: pd.Series, col: str, values) -> None:
    """docs.loc[mask, col] = values, for a category column too (new values become categories)."""
    column = docs[col]
    if isinstance(column.dtype, pd.CategoricalDtype):
        new = pd.Index(pd.Series(np.atleast_1d(values), dtype="string").dropna().unique())
        missing = new.difference(column.cat.categories)
        if len(missing):
            docs[col] = column.cat.add_categories(missing)
    docs.loc[mask, col] = values


def mark_duplicates(docs: pd.DataFrame) -> np.ndarray:
    """Same normalised text = same doc_id: the first path keeps the rows, the others point to it.

    Marks `docs` in place (a national build's document table is not copied) and returns, by
    position, whether a document's metric rows are kept: read, with values, and not a copy.
    Spooled rows carry that position (DOC_COLUMN), so copies of one text drop out wherever their
    rows went, whatever agency shard.
    """
    read = docs["doc_id"].notna() & docs["status"].isin(["ok", "no_metrics"])
    # Only the two columns: a national table is not copied (twice) to find each text's first path.
    first_path = (
        docs.loc[read, ["doc_id", "path"]]
        .sort_values("path")
        .drop_duplicates("doc_id")
        .set_index("doc_id")["path"]
    )
    dup = read & docs["doc_id"].map(first_path).ne(docs["path"]) & docs["doc_id"].notna()
    if dup.any():
        notes = [
            f"duplicate of {d} ({first_path[d]}): same text after normalisation"
            for d in docs.loc[dup, "doc_id"]
        ]
        assign(docs, dup, "message", notes)
        assign(docs, dup, "status", "duplicate")
        docs.loc[dup, "n_metrics"] = 0
    return (docs["status"] == "ok").to_numpy()


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in DOCUMENT_COLUMNS.items()})
