"""A build's documents in path order, copies of a text marked, without the whole table in memory.

Documents arrive in any order (unsupported and re-used files first, then as workers finish). The
output lists them by path, and a text saved under several paths is read once: the first path keeps
its values, the others are marked as copies. Held whole for that, the document table was the peak
of a national build: ~0.2 KB a file, copied again while joined and sorted (1M files: ~680 MiB).

So only the keys are held for the whole corpus (DocumentKeys: each path and doc_id, two flags, its
place in path order: ~50 B a file plus the paths' length), and the rows wait on disk in buckets of
`size` documents by path order (PathBuckets), read back one bucket at a time, sorted and marked.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.spool import open_stream

READ = ("ok", "no_metrics")  # statuses of a document whose text was read
ARRIVAL = "_arrival"  # a bucket row's document number (its place in arrival order)


@dataclass
class DocumentKeys:
    """What the documents step needs of every document, by arrival number."""

    paths: pa.Array
    ids: pa.Array  # doc_id, missing where the text was not read
    ok: np.ndarray  # status "ok": read, with values
    read: np.ndarray  # status "ok" or "no_metrics": the text was read
    rank: np.ndarray  # place in path order
    first: np.ndarray  # -1, or the arrival number of the first path with the same text

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
        read_mask = np.concatenate(read) if read else np.zeros(0, bool)
        first = _first_paths(id_array, read_mask & id_array.is_valid().to_numpy(zero_copy_only=False), rank)
        ok_mask = np.concatenate(ok) if ok else np.zeros(0, bool)
        return cls(path_array, id_array, ok_mask, read_mask, rank, first)

    def __len__(self) -> int:
        return len(self.rank)

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

    def shared_read_ids(self) -> int:
        """Read documents, copies aside, whose doc_id another of them has (none, once copies are
        marked; a missing id counts as shared with another missing one, as pandas counts it)."""
        ids = self.ids.filter(pa.array(self.read & (self.first < 0)))
        if len(ids) < 2:
            return 0
        counts = pc.value_counts(ids).field("counts").to_numpy()
        return int(counts[counts > 1].sum())

    def shared_paths(self) -> int:
        """Documents whose path another document has too (a plan lists each file once)."""
        by_path = self.paths.take(pa.array(np.argsort(self.rank, kind="stable")))
        if len(by_path) < 2:
            return 0
        same = pc.fill_null(pc.equal(by_path[1:], by_path[:-1]), False).to_numpy(zero_copy_only=False)
        shared = np.zeros(len(by_path), dtype=bool)
        shared[1:] |= same
        shared[:-1] |= same
        return int(shared.sum())


def _joined(chunks: list[pa.Array], type_: pa.DataType) -> pa.Array:
    return pa.chunked_array([c.cast(type_) for c in chunks], type=type_).combine_chunks()


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
    """

    def __init__(self, folder: Path, rank: np.ndarray, size: int) -> None:
        self.folder = folder
        self.rank = rank
        self.size = size
        self.count = -(-len(rank) // size)
        self.arrived = 0
        self._pieces = 0
        folder.mkdir(parents=True, exist_ok=True)

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
            arrivals = rows.column(ARRIVAL).to_numpy()
            order = np.argsort(self.rank[arrivals], kind="stable")
            yield rows.drop_columns([ARRIVAL]).take(pa.array(order)), arrivals[order]

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
