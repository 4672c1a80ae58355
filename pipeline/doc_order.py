"""A build's documents in path order, copies of a text marked, without the whole table in memory.

Documents arrive in any order (unsupported and re-used files first, then as workers finish). The
output lists them by path, and a text saved under several paths is read once: the first path keeps
its values, the others are marked as copies. Held whole for that, the document table was the peak
of a national build: ~0.2 KB a file, copied again while joined and sorted (1M files: ~680 MiB).

So only the keys are held for the whole corpus (DocumentKeys: each path and doc_id, whether it has
values, its place in path order, the first path of its text: ~40 B a file plus the path), and the
rows wait on disk in buckets by path order (PathBuckets), read back one bucket at a time, sorted
and marked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.schema import READ
from pipeline.spool import open_stream

# Documents per bucket: a bucket is held as Arrow (~0.5 KB a document), then as the frame and the
# output rows made from it. In a replay of the step on 300k reports' documents (PSS): 100,000 a
# bucket cost ~190 MiB at once, 25,000 ~45 MiB; the documents' parquet gets row groups of this size.
BUCKET_ROWS = 25_000
ARRIVAL = "_arrival"  # a bucket row's document number (its place in arrival order)


@dataclass
class DocumentKeys:
    """What the documents step needs of every document, by arrival number."""

    paths: pa.Array
    ids: pa.Array  # doc_id, missing where the text was not read
    ok: np.ndarray  # status "ok": read, with values
    rank: np.ndarray  # place in path order
    first: np.ndarray  # -1, or the arrival number of the first path with the same text
    shared_paths: int  # documents whose path another document has too (a plan lists each file once)
    shared_read_ids: int  # read documents, copies aside, whose doc_id another of them has

    @classmethod
    def gather(cls, tables: Iterable[pa.Table]) -> DocumentKeys:
        paths, ids, ok, read = [], [], [], []
        for table in tables:
            paths += table.column("path").chunks
            ids += table.column("doc_id").chunks
            status = table.column("status")
            ok.append(pc.fill_null(pc.equal(status, "ok"), False).to_numpy(zero_copy_only=False))
            read.append(pc.fill_null(pc.is_in(status, pa.array(READ)), False).to_numpy(zero_copy_only=False))
        path_array = _joined(paths, pa.large_string())
        id_array = _joined(ids, pa.large_string())
        order = pc.sort_indices(path_array).to_numpy()
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        shared_paths = _shared_in_order(path_array, order)
        del order
        read_mask = np.concatenate(read) if read else np.zeros(0, bool)
        has_id = id_array.is_valid().to_numpy(zero_copy_only=False)
        first = _first_paths(id_array, read_mask & has_id, rank)
        # Copies are marked by doc_id, so the read documents left have one id each; only missing
        # ids can still be shared (pandas counts missing values as equal).
        no_id = int((read_mask & ~has_id).sum())
        ok_mask = np.concatenate(ok) if ok else np.zeros(0, bool)
        return cls(path_array, id_array, ok_mask, rank, first, shared_paths, no_id if no_id > 1 else 0)

    @property
    def live(self) -> np.ndarray:
        """By arrival number: whether a document's values are kept (read, with values, not a copy)."""
        return self.ok & (self.first < 0)

    def mark(self, frame: pd.DataFrame, arrivals: np.ndarray) -> None:
        """Mark the copies among `frame`'s rows (documents `arrivals`), in place."""
        first = self.first[arrivals]
        dup = first >= 0
        if not dup.any():
            return
        rows = np.flatnonzero(dup)
        originals = self.paths.take(pa.array(first[dup])).to_pylist()
        notes = [
            f"duplicate of {d} ({p}): same text after normalisation"
            for d, p in zip(frame["doc_id"].iloc[rows], originals, strict=True)
        ]
        index = frame.index[rows]
        frame.loc[index, "message"] = notes
        frame.loc[index, "status"] = "duplicate"
        frame.loc[index, "n_metrics"] = 0


def _joined(chunks: list[pa.Array], type_: pa.DataType) -> pa.Array:
    return pa.chunked_array([c.cast(type_) for c in chunks], type=type_).combine_chunks()


def _shared_in_order(values: pa.Array, order: np.ndarray, step: int = 1 << 17) -> int:
    """How many values equal their neighbour in `order` (a sort of them): a slice of the sorted
    values at a time, not a sorted copy of them all."""
    shared = np.zeros(len(order), dtype=bool)
    for lo in range(1, len(order), step):
        hi = min(len(order), lo + step)
        part = values.take(pa.array(order[lo - 1 : hi]))
        same = pc.fill_null(pc.equal(part[1:], part[:-1]), False).to_numpy(zero_copy_only=False)
        shared[lo:hi] |= same
        shared[lo - 1 : hi - 1] |= same
    return int(shared.sum())


def _first_paths(ids: pa.Array, read: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """By arrival number: -1, or for a copy of a text, the arrival number of the read document with
    the same doc_id that comes first in path order. Sorted by (doc_id, rank) in Arrow: no Python
    string per document."""
    first = np.full(len(ids), -1, dtype=np.int32)
    candidates = np.flatnonzero(read)
    if len(candidates) < 2:
        return first
    keys = pa.table({"id": ids.take(pa.array(candidates)), "rank": rank[candidates]})
    order = pc.sort_indices(keys, sort_keys=[("id", "ascending"), ("rank", "ascending")]).to_numpy()
    sorted_ids = keys.column("id").take(pa.array(order))
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = ~pc.equal(sorted_ids[1:], sorted_ids[:-1]).to_numpy(zero_copy_only=False)
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
    copies = ~starts
    first[candidates[order[copies]]] = candidates[order[group_start[copies]]]
    return first


class PathBuckets:
    """Document rows on disk by path order: added in arrival order (each table numbered on from
    the last), read back `size` documents at a time, in path order.

    Each added table's rows go to their buckets as small files of their own (bucket, then piece
    number): a bucket is not a file held open, so a national build does not run out of file handles.
    They sit in the spool's folder, which the build removes when it ends.
    """

    def __init__(self, folder: Path, rank: np.ndarray, size: int) -> None:
        self.folder = folder
        self.rank = rank
        self.size = size
        self.count = -(-len(rank) // size)
        self.arrived = 0
        self._pieces = 0
        folder.mkdir(parents=True, exist_ok=True)

    def add_all(self, tables: Iterable[pa.Table]) -> None:
        """add() each table (a loop in here: its variable lets the last table go when it returns)."""
        for table in tables:
            self.add(table)

    def add(self, table: pa.Table) -> None:
        arrivals = np.arange(self.arrived, self.arrived + table.num_rows, dtype=np.int32)
        self.arrived += table.num_rows
        bucket = self.rank[arrivals] // self.size
        table = table.append_column(ARRIVAL, pa.array(arrivals))
        for b in np.unique(bucket):
            rows = np.flatnonzero(bucket == b)
            self._write(int(b), table if len(rows) == table.num_rows else table.take(pa.array(rows)))

    def _write(self, bucket: int, rows: pa.Table) -> None:
        writer, sink = open_stream(self.folder / f"{bucket:06d}-{self._pieces:08d}.arrows", rows.schema)
        try:
            writer.write_table(rows)
            writer.close()
        finally:
            sink.close()
        self._pieces += 1

    def tables(self) -> Iterator[tuple[pa.Table, np.ndarray]]:
        """Each bucket's rows in path order, with their arrival numbers; its files are removed once read."""
        if self.arrived != len(self.rank):
            raise ValueError(f"{self.arrived:,} documents added, {len(self.rank):,} expected")
        for bucket in range(self.count):
            pieces = sorted(self.folder.glob(f"{bucket:06d}-*.arrows"))
            parts = []
            for piece in pieces:
                with pa.OSFile(str(piece), "rb") as source:
                    parts.append(pa.ipc.open_stream(source).read_all())
                piece.unlink()
            rows = pa.concat_tables(parts)
            del parts
            arrivals = rows.column(ARRIVAL).to_numpy()
            order = np.argsort(self.rank[arrivals], kind="stable")
            in_order = rows.drop_columns([ARRIVAL]).take(pa.array(order))
            del rows  # not held beside its sorted copy while the caller works on that
            yield in_order, arrivals[order]
