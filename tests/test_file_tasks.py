"""Shipping files to workers that cannot see the input folder: a shipped file gives the same rows
as one the worker reads itself, bad files keep their status, batches stay small."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from conftest import RAW_DIR

from pipeline import file_tasks
from pipeline.dataset import build_dataset, process_file
from pipeline.file_tasks import FileTask, batches, ship
from pipeline.readers_base import Limits

SEEDS = sorted(RAW_DIR.glob("*.txt"))


@pytest.fixture()
def raw(raw: Path) -> Path:
    """The seeds plus the bad files a real folder holds: empty, binary, over the size cap."""
    folder = raw
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    with open(folder / "huge.txt", "wb") as fh:  # sparse: costs no disk and no time
        fh.truncate(Limits().max_bytes + 1)
    return folder


def test_a_shipped_file_gives_the_rows_its_worker_would_read_itself(raw: Path):
    assert len(SEEDS) >= 5
    statuses = set()
    for path in sorted(raw.iterdir()):
        task = FileTask(str(path), path.name)
        own = process_file(task)
        # A worker elsewhere: the path does not exist there, only the shipped bytes do.
        shipped = ship(task, Limits().max_bytes)
        remote = process_file(FileTask(f"/nowhere/{path.name}", path.name, shipped.loaded))
        assert remote.doc == own.doc, path.name
        assert remote.metrics == own.metrics, path.name
        statuses.add(own.doc["status"])
    assert {"ok", "empty", "unsupported"} <= statuses


def test_a_file_over_the_cap_is_not_shipped_but_keeps_its_digest(raw: Path):
    loaded = ship(FileTask(str(raw / "huge.txt"), "huge.txt"), Limits().max_bytes).loaded
    assert loaded.data is None and loaded.size == Limits().max_bytes + 1 and len(loaded.sha256) == 64


def test_a_file_gone_before_it_is_shipped_is_an_error_row_like_a_worker_read(tmp_path: Path):
    task = FileTask(str(tmp_path / "gone.txt"), "gone.txt")
    own = process_file(task).doc
    remote = process_file(ship(task, Limits().max_bytes)).doc
    assert own["status"] == remote["status"] == "error"
    assert remote["message"] == own["message"] and remote["message"].startswith("FileNotFoundError")


def test_shipped_batches_keep_the_order_and_end_at_the_byte_budget(monkeypatch):
    rels = [p.name for p in SEEDS] * 3
    size = sum(p.stat().st_size for p in SEEDS)
    monkeypatch.setattr(file_tasks, "SHIP_BATCH_BYTES", size // 2)
    parts = list(batches(str(RAW_DIR), rels, 64, True, Limits().max_bytes))
    assert len(parts) >= 4
    assert [t.rel for b in parts for t in b] == rels
    assert all(t.path == str(RAW_DIR / t.rel) for b in parts for t in b)
    sizes = [[len(t.loaded.data) for t in b] for b in parts]
    # A batch ends with the file that reaches the budget: every one but the last reaches it.
    assert all(sum(s[:-1]) < size // 2 <= sum(s) for s in sizes[:-1])
    plain = list(batches(str(RAW_DIR), rels, 4, False, Limits().max_bytes))
    assert [len(b) for b in plain] == [4, 4, 4, 3] and all(t.loaded is None for b in plain for t in b)


def test_the_listing_gives_the_files_os_walk_gives_with_links_to_files_only(tmp_path: Path):
    import os

    from pipeline.listing import list_input

    root = tmp_path / "in"
    for rel in ("b.txt", "a.txt", "sub/z.txt", "sub/deeper/y.pdf", "sub2/x.txt", ".hidden.txt", ".git/c.txt"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.txt").write_text("x", encoding="utf-8")
    os.symlink(outside / "o.txt", root / "link.txt")  # a link to a file is a file
    os.symlink(outside, root / "linked_folder")  # a link to a folder is not walked into
    expected = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            full = Path(folder) / name
            if not name.startswith(".") and full.is_file():
                expected.append(full.relative_to(root).as_posix())
    assert list_input(root).files == expected
    assert expected == ["a.txt", "b.txt", "link.txt", "sub/z.txt", "sub/deeper/y.pdf", "sub2/x.txt"]


def test_a_build_that_ships_its_files_writes_the_same_dataset(raw: Path, tmp_path: Path):
    def build(out: Path, ship_files: bool):
        return build_dataset(
            raw, out, workers=2, progress=False, corrections_path=None, ship_files=ship_files
        )

    read_by_workers = build(tmp_path / "read", False)
    shipped = build(tmp_path / "shipped", True)
    assert shipped.summary["files_shipped"] and not read_by_workers.summary["files_shipped"]
    meta = json.loads((tmp_path / "shipped" / "meta.json").read_text(encoding="utf-8"))
    assert meta["summary"]["files_shipped"] is True
    for name in ("documents", "metrics", "resolved", "derived"):
        a = pd.read_parquet(tmp_path / "read" / f"{name}.parquet")
        b = pd.read_parquet(tmp_path / "shipped" / f"{name}.parquet")
        assert len(a) > 0 or name == "derived", name  # the seeds give no derived values
        pd.testing.assert_frame_equal(b, a, obj=name)
    assert set(shipped.documents["status"]) >= {"ok", "empty", "unsupported"}


def test_a_path_list_gives_back_the_paths_it_was_given(monkeypatch):
    """Held as file-system bytes: Chinese names and names that are not UTF-8 (lone surrogates, as
    Linux hands them over) come back as the same str, in order, across slices."""
    import os

    from pipeline.file_tasks import PathList

    monkeypatch.setattr(PathList, "_SLICE", 7)
    paths = [f"省/{i:03d}_报告.txt" for i in range(40)] + [os.fsdecode(b"\xb1\xa8.txt"), "a b/c.pdf"]
    held = PathList(iter(paths))
    assert len(held) == 42
    assert list(held) == paths and list(held) == paths  # iterable more than once
    assert held[0] == paths[0] and held[40] == paths[40]
    assert len(PathList([])) == 0 and list(PathList([])) == []
    tasks = [t.rel for b in batches("/in", held, 5, False, Limits().max_bytes) for t in b]
    assert tasks == paths


def test_a_path_list_holds_a_path_in_its_bytes_and_a_few_more():
    """A million files: a list of str cost ~90 B a path besides its characters (~90 MB while a
    national build extracts)."""
    import gc

    import pyarrow as pa

    from pipeline.file_tasks import PathList

    paths = [f"region_{i % 31:02d}/synth_{i:07d}.txt" for i in range(50_000)]
    gc.collect()
    before = pa.total_allocated_bytes()
    held = PathList(paths)
    gc.collect()
    per_path = (pa.total_allocated_bytes() - before) / len(paths)
    assert per_path < len(paths[0]) + 12, per_path  # its bytes plus an 8-byte offset, with slack
    assert list(held) == paths


@pytest.mark.parametrize(
    ("name", "escaped", "shown"),
    [
        ("报告.txt".encode("gbk"), "\\xb1\\xa8\\xb8\\xe6.txt", "报告.txt"),
        # a UTF-8 folder unpacked beside Windows names keeps its own reading
        ("年报/".encode() + "二.txt".encode("gbk"), "年报/\\xb6\\xfe.txt", "年报/二.txt"),
        # part of the bytes is valid UTF-8 (子目录 in GBK holds Ŀ¼): the folder is still read as GB18030
        ("子目录/二.txt".encode("gbk"), "\\xd7\\xd3Ŀ¼/\\xb6\\xfe.txt", "子目录/二.txt"),
        (b"\xff.xyz", "\\xff.xyz", None),  # no reading at all
    ],
)
def test_a_name_that_is_not_utf8_is_escaped_and_its_gb18030_reading_given(name, escaped, shown):
    rel = os.fsdecode(name)
    assert file_tasks.stored_path(rel) == escaped
    note = file_tasks.name_note(rel)
    assert note.startswith(file_tasks.NAME_NOT_UTF8)
    assert note.endswith(f"read as GB18030 it is {shown}") if shown else note == file_tasks.NAME_NOT_UTF8
