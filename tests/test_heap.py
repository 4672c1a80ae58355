"""Freed memory goes back to the system: Arrow's pool (unless the user chose one) and the C heap."""

from __future__ import annotations

import gc
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import RAW_DIR

from pipeline import engines
from pipeline.dataset import build_dataset
from pipeline.heap import RETURNING_POOLS, trim, use_returning_pool


@pytest.fixture()
def default_pool(monkeypatch):
    """Restores the process's Arrow pool (the tests share one process)."""
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.mimalloc_memory_pool())  # the Linux wheels' default, which keeps freed pages
    yield
    pa.set_memory_pool(before)


def test_a_build_and_its_workers_allocate_from_a_returning_pool(default_pool, tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(sorted(RAW_DIR.glob("*.txt"))[0], raw / "a.txt")
    build_dataset(raw, tmp_path / "ds", workers=1, progress=False, corrections_path=None)
    assert pa.default_memory_pool().backend_name in RETURNING_POOLS
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    threshold = gc.get_threshold()
    try:
        engines.worker_init()  # what a spawned pool worker runs first
    finally:
        gc.unfreeze()  # the worker's collector settings, undone for the rest of this test session
        gc.set_threshold(*threshold)
    assert pa.default_memory_pool().backend_name in RETURNING_POOLS


def test_a_pool_the_user_chose_is_left_alone(default_pool, monkeypatch):
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    assert use_returning_pool() == "mimalloc"
    assert pa.default_memory_pool().backend_name == "mimalloc"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_trim_gives_the_free_pages_inside_the_heap_back():
    import psutil

    me = psutil.Process()
    blocks = [bytearray(4096) for _ in range(50_000)]  # ~200 MiB from malloc's heap
    keep = blocks[-1]  # the heap's top stays in use, so a plain free cannot shrink it
    before = me.memory_info().rss
    del blocks
    freed = me.memory_info().rss
    assert before - freed < 50 * 2**20  # freed, but still resident
    assert trim()
    assert freed - me.memory_info().rss > 100 * 2**20
    assert len(keep) == 4096
