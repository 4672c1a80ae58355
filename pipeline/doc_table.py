"""The document rows a build holds while it extracts: compactly, or on disk.

Files that are not extracted (unsupported, or re-used from the last build) are known when the
build is planned and held as compact frames until extraction ends; the workers' rows wait on disk
(DocumentSpool). Most of their text columns repeat (a status, a region, an agency filing ten years
of reports), so they are held as categories: ~0.25 KB per file instead of ~0.55 KB in Arrow
strings. After extraction both are read back as Arrow tables of the contract's types, in arrival
order, for doc_order to put in path order.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
    Arrow-backed strings that table holds a Python str per value: a build holds the rows of the
    files it does not extract (a folder may hold a million others) as chunks of 10,000 until
    extraction ends, and the tables were 1.3 Python objects per file, leaving the heap in holes
    once freed. pandas builds the table again if it is ever needed, so only memory is at stake; `_cache`
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


class DocumentSpool:
    """The workers' document rows, appended to a file as batches arrive while a build extracts.

    Held in memory instead, they were ~0.2 KB per file (200 MiB at 1M files) on top of the
    extraction's own peak, and were then copied while they were joined and sorted. On disk they
    cost nothing until extraction ends, when tables() reads them back."""

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

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)

    def tables(self) -> Iterator[pa.Table]:
        """The rows in the order they were added, as Arrow tables of about `buffer_rows` rows."""
        self.close()
        with pa.OSFile(str(self.path), "rb") as source:
            for batch in pa.ipc.open_stream(source):
                yield pa.Table.from_batches([batch])


def to_arrow(docs: pd.DataFrame, schema: pa.Schema, rows: int) -> Iterator[pa.Table]:
    """A compact frame's rows as Arrow tables of the contract's types (`schema`), `rows` at a time."""
    for start in range(0, len(docs), rows):
        part = docs.iloc[start : start + rows][schema.names]
        yield pa.Table.from_pandas(part, preserve_index=False).cast(schema)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in DOCUMENT_COLUMNS.items()})
