"""Metric rows spooled to disk by agency shard while a build runs, so memory stays flat.

A national corpus yields millions of metric rows (the standard tables alone give ~200 per report).
Resolution, flags and derived indicators only ever compare rows of one agency, so rows are
appended, as they arrive, to one file per agency shard (agencies hashed into a number of shards
fixed from the number of files). The files are Arrow IPC streams (lz4): an append costs no memory
afterwards, where a parquet writer keeps every row group's metadata until it is closed (shards x
appends grows with the square of the corpus). The build then takes one shard at a time: read it, write
its rows, resolve it, write its winners. Memory holds one shard, never the corpus. In a shard the
strings of the slim projection that resolution works on are categories.
"""

from __future__ import annotations

import contextlib
import shutil
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pandas.api.types import union_categoricals

# What resolution works on; the rest of a metric row (evidence...) is only written out.
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
# Narrower than the contract's Int64 where the range allows it (years, text offsets): a shard holds
# hundreds of thousands of these rows. Lossless; the outputs are written from the full rows.
NARROW = {"year": "Int16", "start": "Int32", "end": "Int32"}
# Files per agency shard: up to ~200 values each, ~60k rows a shard. Resolving a shard, with the
# one before it still being written, is most of a build's peak: on 20k generated reports, 2,500
# files a shard peaked at 548-560 MiB, 1,000 at 416-420 MiB, for 0.6 s more in the shards step
# (~50 ms a shard).
SHARD_DOCS = 1_000
# Open files while spooling (one per shard). Up to 1.02M files a shard holds ~1,000 files' values,
# so resolving one costs the same memory at 100k files as at 1M (256 shards, the cap before,
# made a 1M build's shards 1.6x larger and its peak ~0.8 GiB higher than a 200k build's).
MAX_SHARDS = 1024
RESERVED_FILES = 64  # open files left to the build itself (inputs, outputs, libraries)
BUFFER_ROWS = 100_000  # rows held in memory before they are appended to their shards' files
DOC_COLUMN = "_doc"  # each spooled row's document, numbered in arrival order (duplicates are dropped by it)


def project(df: pd.DataFrame) -> pd.DataFrame:
    """The in-memory projection of metric rows: SLIM_COLUMNS, strings as categories, narrow ints.

    Pure and vectorised: a shard of a few hundred thousand rows takes a fraction of a second.
    """
    out = df[list(SLIM_COLUMNS)].copy()
    for col in CATEGORICAL:
        out[col] = out[col].astype(str).astype("category")  # str: NA becomes "<NA>", not a category hole
    return out.astype(NARROW)


_NULLABLE_INTS = {pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype()}


def project_table(table: pa.Table) -> pd.DataFrame:
    """project() of metric rows held as an Arrow table: the strings are dictionary-encoded in Arrow
    and arrive in pandas as categories, with no Python string per row. Same values as project();
    the categories are in order of first appearance rather than sorted."""
    return projected_frame({col: project_column(col, table.column(col)) for col in SLIM_COLUMNS})


def project_column(col: str, arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """One SLIM_COLUMNS column as the projection holds it: strings dictionary-encoded, narrow ints."""
    if col in CATEGORICAL:
        return pc.dictionary_encode(pc.fill_null(arr.cast(pa.large_string()), "<NA>").combine_chunks())
    if col in NARROW:
        return arr.cast({"Int16": pa.int16(), "Int32": pa.int32()}[NARROW[col]])
    return arr


def projected_frame(columns: dict[str, pa.Array | pa.ChunkedArray]) -> pd.DataFrame:
    """The projection in pandas from its columns (project_column's), in SLIM_COLUMNS order."""
    return pa.table({col: columns[col] for col in SLIM_COLUMNS}).to_pandas(types_mapper=_NULLABLE_INTS.get)


def with_pointers(projected: pd.DataFrame, part: int) -> pd.DataFrame:
    """A projection pointing back at its rows with _part (0: a shard's rows, -1: corrections) and _row."""
    out = projected.reset_index(drop=True)
    out["_part"] = np.int32(part)
    out["_row"] = np.arange(len(out), dtype=np.int32)
    return out


def slim(df: pd.DataFrame, part: int) -> pd.DataFrame:
    """The projection of metric rows held in pandas, with its pointers."""
    return with_pointers(project(df), part)


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


def _allow_open_files(wanted: int) -> int | None:
    """Raise this process's soft limit on open files towards `wanted` (never past the hard limit),
    and return the limit now in force (None when unknown or unlimited).

    Some systems start at 256 (macOS), fewer than a national build's shard files plus its own.
    """
    try:
        import resource
    except ImportError:  # not POSIX: no limit to read or raise
        return None
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ValueError, OSError):  # not allowed: the default stays
        return None
    return None if soft == resource.RLIM_INFINITY else soft


def open_stream(path: Path, schema: pa.Schema) -> tuple[pa.ipc.RecordBatchStreamWriter, pa.NativeFile]:
    """An Arrow IPC stream file (lz4) to append record batches to, and the file under it."""
    sink = pa.OSFile(str(path), "wb")
    return pa.ipc.new_stream(sink, schema, options=pa.ipc.IpcWriteOptions(compression="lz4")), sink


def shard_count(n_files: int) -> int:
    """How many agency shards a build of n_files spools into."""
    return min(MAX_SHARDS, max(1, -(-n_files // SHARD_DOCS)))


def shard_of(agency_id: str, shards: int) -> int:
    """The shard of an agency: a stable hash (the same in every process and every run)."""
    return zlib.crc32(agency_id.encode("utf-8")) % shards if shards > 1 else 0


def spooled_schema(columns: dict[str, str]) -> pa.Schema:
    """The Arrow schema of spooled rows: the contract's columns as pandas converts them, plus
    DOC_COLUMN."""
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    empty[DOC_COLUMN] = pd.Series(dtype="int32")
    return pa.Schema.from_pandas(empty, preserve_index=False)


def _take_columns(holder: list[pa.Table], picked: pa.Array | None) -> pa.Table:
    """The rows at `picked` (all of them when None) of the table in `holder`, as one-chunk columns
    (fast kernels), taken a column at a time, each source column let go of once taken: memory
    holds the rows once plus a column, where taking the whole table held them twice (the shards of
    the largest agencies were a build's peak). The table comes in a one-item list that is emptied
    here, so that no caller's name keeps its columns alive."""
    table = holder.pop()
    schema, columns = table.schema, []
    while table.num_columns:
        column = table.column(0)
        if picked is not None:
            column = column.take(picked)
        columns.append(column.chunk(0) if column.num_chunks == 1 else column.combine_chunks())
        table = table.remove_column(0)  # the only reference to its chunks: freed here
        del column
    return pa.Table.from_arrays(columns, schema=schema)


class Spool:
    """Metric rows on disk, one Arrow IPC stream per agency shard, removed by close().

    Rows arrive in small batches (one per worker task) with their document number in DOC_COLUMN;
    they are appended to their shard's file `buffer_rows` at a time, in arrival order.
    """

    def __init__(self, folder: Path, shards: int, columns: dict[str, str], buffer_rows: int | None = None):
        self.folder = folder
        limit = _allow_open_files(shards + RESERVED_FILES)  # one open file per shard, plus the build's
        # Where the limit cannot be raised that far, fewer (larger) shards: slower, never a failure.
        self.shards = max(1, min(shards, limit - RESERVED_FILES)) if limit is not None else shards
        self.buffer_rows = buffer_rows or BUFFER_ROWS
        folder.mkdir(parents=True, exist_ok=True)
        self.schema = spooled_schema(columns)
        self._writers: dict[int, tuple[pa.ipc.RecordBatchStreamWriter, pa.NativeFile]] = {}
        self._buffers: dict[int, list[pa.Table]] = {}
        self._buffered = 0
        self._spooled = np.zeros(self.shards, dtype=np.int64)  # rows appended to each shard's file

    def path(self, shard: int) -> Path:
        return self.folder / f"shard-{shard:04d}.arrows"

    def shards_of(self, agency_ids: pd.Series | pa.ChunkedArray | pa.Array) -> np.ndarray:
        """The shard of each row's agency (each distinct agency of the rows hashed once).

        Nothing is kept between calls: a cache of every agency seen would be small Python strings
        allocated all through extraction, which pin the interpreter's memory pools in between the
        batches' short-lived objects (hashing a batch's agencies again costs microseconds)."""
        if isinstance(agency_ids, pd.Series):
            agency_ids = pa.array(agency_ids.astype(object).where(agency_ids.notna(), None), pa.string())
        if isinstance(agency_ids, pa.ChunkedArray):
            agency_ids = agency_ids.combine_chunks()
        encoded = pc.dictionary_encode(pc.fill_null(agency_ids.cast(pa.string()), ""))
        lookup = np.fromiter(
            (shard_of(a, self.shards) for a in encoded.dictionary.to_pylist()),
            dtype=np.int32,
            count=len(encoded.dictionary),
        )
        return lookup[encoded.indices.to_numpy()]

    def add(self, rows: pd.DataFrame | pa.Table) -> None:
        """Spool metric rows (with DOC_COLUMN): each goes to its agency's shard."""
        if isinstance(rows, pd.DataFrame):
            rows = pa.Table.from_pandas(rows, schema=self.schema, preserve_index=False)
        if not rows.num_rows:
            return
        if self.shards == 1:
            self._buffers.setdefault(0, []).append(rows)
        else:
            shard = self.shards_of(rows.column("agency_id"))
            order = np.argsort(shard, kind="stable")
            rows = rows.take(pa.array(order))  # grouped by shard: each shard's rows are one slice
            shard = shard[order]
            starts = np.r_[0, np.flatnonzero(np.diff(shard)) + 1]
            ends = np.r_[starts[1:], len(shard)]
            for lo, hi in zip(starts, ends, strict=True):
                self._buffers.setdefault(int(shard[lo]), []).append(rows.slice(lo, hi - lo))
        self._buffered += rows.num_rows
        if self._buffered >= self.buffer_rows:
            self.flush()

    def flush(self) -> None:
        """Append every buffered row to its shard's file."""
        for shard, tables in sorted(self._buffers.items()):
            table = pa.concat_tables(tables).combine_chunks()  # one record batch per append
            if shard not in self._writers:
                self._writers[shard] = open_stream(self.path(shard), self.schema)
            self._writers[shard][0].write_table(table)
            self._spooled[shard] += table.num_rows
        self._buffers, self._buffered = {}, 0

    def add_from_parquet(self, path: Path, doc_numbers: dict[str, int], batch_rows: int = 200_000) -> None:
        """Spool the rows of an earlier build's table whose doc_id is in doc_numbers, numbered by it."""
        if not doc_numbers:
            return
        wanted = pa.array(sorted(doc_numbers), type=pa.string())
        columns = [c for c in self.schema.names if c != DOC_COLUMN]
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows, columns=columns):
            table = pa.Table.from_batches([batch])
            mask = pa.compute.is_in(table.column("doc_id").cast(pa.string()), value_set=wanted)
            kept = table.filter(mask)
            if kept.num_rows:
                ids = kept.column("doc_id").to_pylist()
                numbers = pa.array([doc_numbers[d] for d in ids], pa.int32())
                self.add(kept.append_column(DOC_COLUMN, numbers).cast(self.schema))

    def close_writers(self) -> None:
        self.flush()
        for writer, sink in self._writers.values():
            writer.close()
            sink.close()
        self._writers = {}

    def rows_in(self, shard: int) -> int:
        """How many rows were spooled to `shard` (copies' rows included), known without reading it."""
        self.flush()
        return int(self._spooled[shard])

    @contextlib.contextmanager
    def _reader(self, shard: int, columns: list[str] | None = None) -> Iterator[pa.RecordBatchReader]:
        """The shard's record batches (arrival order), decoding only `columns` when given."""
        self.close_writers()
        if not self.path(shard).exists():
            yield pa.RecordBatchReader.from_batches(self._schema_of(columns), [])
            return
        included = None if columns is None else sorted(self.schema.get_field_index(c) for c in columns)
        with pa.OSFile(str(self.path(shard)), "rb") as source:
            yield pa.ipc.open_stream(source, options=pa.ipc.IpcReadOptions(included_fields=included))

    def _schema_of(self, columns: list[str] | None) -> pa.Schema:
        if columns is None:
            return self.schema
        return pa.schema([f for f in self.schema if f.name in columns])

    def doc_numbers(self, shard: int) -> np.ndarray:
        """Each of the shard's rows' document number (DOC_COLUMN), in arrival order; only that
        column is decoded."""
        with self._reader(shard, [DOC_COLUMN]) as reader:
            table = reader.read_all()
        return table.column(DOC_COLUMN).to_numpy() if table.num_rows else np.empty(0, np.int32)

    def read_shard(
        self,
        shard: int,
        rows_of: Callable[[np.ndarray], np.ndarray] | np.ndarray | None = None,
        columns: list[str] | None = None,
    ) -> pa.Table:
        """The rows spooled to `shard` as one-chunk columns (fast kernels): all of them in arrival
        order, or those `rows_of(DOC_COLUMN's values)` picks, in the order it gives them (or those
        at the arrival positions `rows_of` holds, when it is an array). With `columns`, only those
        are decoded, and returned in that order. Gathered a column at a time (_take_columns)."""
        wanted = None if columns is None else list(columns)
        unknown = [] if wanted is None else [c for c in wanted if c not in self.schema.names]
        if unknown:
            raise KeyError(f"not spooled columns: {unknown}")
        needs_docs = callable(rows_of)
        decoded = wanted if wanted is None or not needs_docs else list({*wanted, DOC_COLUMN})
        with self._reader(shard, decoded) as reader:
            spooled = reader.read_all()
        if rows_of is None:
            picked = None
        else:
            picked = pa.array(rows_of(spooled.column(DOC_COLUMN).to_numpy()) if needs_docs else rows_of)
        holder = [spooled if wanted is None else spooled.select(wanted)]
        del spooled
        return _take_columns(holder, picked)

    def gather(self, shard: int, picks: np.ndarray) -> pa.Table:
        """The shard's rows at arrival positions `picks`, in that order, as one-chunk columns.

        Read one record batch at a time: memory holds the rows picked plus one batch, never the
        shard, so the shard of an agency with thousands of reports can be taken in pieces."""
        picks = np.asarray(picks, dtype=np.int64)
        by_position = np.argsort(picks, kind="stable")
        ascending = picks[by_position]
        parts, offset = [], 0
        with self._reader(shard) as reader:
            for batch in reader:
                lo, hi = np.searchsorted(ascending, [offset, offset + batch.num_rows])
                if hi > lo:
                    parts.append(batch.take(pa.array(ascending[lo:hi] - offset)))
                offset += batch.num_rows
        if len(ascending) and (ascending[0] < 0 or ascending[-1] >= offset):
            raise IndexError(
                f"shard {shard} has {offset} rows; asked for rows {ascending[0]}..{ascending[-1]}"
            )
        holder = [pa.Table.from_batches(parts, schema=self.schema)]
        del parts
        back = np.empty_like(by_position)
        back[by_position] = np.arange(len(by_position))  # from ascending positions back to the order asked
        return _take_columns(holder, pa.array(back))

    def close(self) -> None:
        for writer, sink in self._writers.values():
            with contextlib.suppress(Exception):  # removing the folder is what matters on the error path
                writer.close()
            sink.close()
        self._writers = {}
        shutil.rmtree(self.folder, ignore_errors=True)
