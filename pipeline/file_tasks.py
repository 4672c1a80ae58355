"""What a worker is given for one file, and how a build hands files out in batches.

A worker reads its files from the input folder itself. Workers of a Dask cluster on other machines
may not see that folder (no shared file system): then the build reads each file as its batch is
handed out and sends the bytes with the task ("shipping"), a batch at a time, so memory holds only
the batches in flight.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pipeline.readers_base import MB
from pipeline.text import name_from_bytes

# A shipped batch travels as one task message through the scheduler, and Dask warns about task
# messages above ~10 MB: a batch ends at this many bytes (or at its number of files).
SHIP_BATCH_BYTES = 8 * MB


@dataclass(slots=True)
class Loaded:
    """A file as read from disk: what its document row records about it, and its bytes."""

    size: int
    mtime: float
    sha256: str
    data: bytes | None  # None: over the size cap, so never loaded (its digest is streamed)
    error: str = ""  # why it could not be read, when read ahead of the worker (shipped)


@dataclass(slots=True)  # a national build holds a million of these
class FileTask:
    path: str  # absolute
    rel: str  # relative to the input dir, as stored in documents.path
    loaded: Loaded | None = None  # set when shipped: the worker reads nothing from disk


def stored_path(rel: str) -> str:
    """A relative path as documents.path records it. A file name that is not valid UTF-8 comes
    from the file system with its bad bytes as lone surrogates, which no parquet or CSV file can
    hold: they are written as \\x escapes (the file itself is still read by its real name)."""
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        return os.fsencode(rel).decode("utf-8", "backslashreplace")


NAME_NOT_UTF8 = "file name is not valid UTF-8: its path is recorded with \\x escapes"


def name_note(rel: str) -> str:
    """documents.message's note on a name that stored_path() escaped. Chinese Windows writes names
    in GB18030 (so do zip archives made there and unpacked on Linux): that reading, folder by folder,
    tells the analyst which file \\xb1\\xa8\\xb8\\xe6.txt is (报告.txt)."""
    parts = []
    for raw in os.fsencode(rel).split(b"/"):
        part = name_from_bytes(raw)
        if part is None:
            return NAME_NOT_UTF8
        parts.append(part)
    return f"{NAME_NOT_UTF8}; read as GB18030 it is {'/'.join(parts)}"


class PathList:
    """Relative paths held as one Arrow binary array (their file-system bytes): a national build
    lists a million files, and a Python list of str cost ~60 B a path more. Iterating gives the
    paths back as str, the same as they went in."""

    _SLICE = 10_000

    def __init__(self, paths: Iterable[str]) -> None:
        chunks: list[pa.Array] = []
        pending: list[bytes] = []
        for path in paths:
            pending.append(os.fsencode(path))
            if len(pending) >= self._SLICE:
                chunks.append(pa.array(pending, pa.large_binary()))
                pending = []
        chunks.append(pa.array(pending, pa.large_binary()))
        self._paths = pa.chunked_array(chunks, pa.large_binary())

    def __len__(self) -> int:
        return len(self._paths)

    def __getitem__(self, i: int) -> str:
        return os.fsdecode(self._paths[i].as_py())

    def __iter__(self) -> Iterator[str]:
        for start in range(0, len(self._paths), self._SLICE):
            yield from map(os.fsdecode, self._paths.slice(start, self._SLICE).to_pylist())


def load(path: str, max_bytes: int) -> Loaded:
    """Stat, digest and (up to the cap) read one file. Raises OSError."""
    stat = os.stat(path)
    if stat.st_size > max_bytes:  # never load a huge file; its row says why it was skipped
        with open(path, "rb") as fh:
            return Loaded(stat.st_size, stat.st_mtime, hashlib.file_digest(fh, "sha256").hexdigest(), None)
    data = Path(path).read_bytes()
    return Loaded(stat.st_size, stat.st_mtime, hashlib.sha256(data).hexdigest(), data)


def ship(task: FileTask, max_bytes: int) -> FileTask:
    """The task with its file read here; a file that cannot be read carries the error instead
    (the worker turns it into the document's status, as it would its own read error)."""
    try:
        loaded = load(task.path, max_bytes)
    except OSError as exc:
        loaded = Loaded(0, float("nan"), "", None, f"{type(exc).__name__}: {exc}")
    return FileTask(task.path, task.rel, loaded)


def batches(
    root: str, rels: Iterable[str], files: int, shipped: bool, max_bytes: int
) -> Iterator[list[FileTask]]:
    """The files at `rels` (relative to `root`) as tasks in consecutive runs of at most `files`, in
    order; tasks are made as their batch is taken. Shipped, each file is also read then (the caller
    takes batches only as workers free up) and a batch ends once it holds SHIP_BATCH_BYTES."""
    batch: list[FileTask] = []
    size = 0
    for rel in rels:
        task = FileTask(os.path.join(root, rel), rel)
        if shipped:
            task = ship(task, max_bytes)
            size += len(task.loaded.data or b"")
        batch.append(task)
        if len(batch) >= files or size >= SHIP_BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
