"""Freed memory goes back to the system: Arrow's allocator, and the C heap after a build's phases.

pyarrow's Linux wheels allocate with mimalloc by default, which keeps the pages it frees for later
reuse. A build allocates and frees Arrow buffers batch after batch and shard after shard, so those
pages pile up in every process. Measured with `ARROW_DEFAULT_MEMORY_POOL` on generated reports
(PSS, 2 workers): at 30k, main 623 MiB (mimalloc) / 523 (jemalloc) / 503 (system) and workers
205 / 169 / 169 MiB; at 100k, main 680-709 / 604 / 686 MiB while resolving. Per-report time in
a worker did not change (1.47-1.65 ms/report, within run-to-run noise).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from functools import lru_cache

import pyarrow as pa

# In order of preference; a wheel built without jemalloc (Windows) falls back to the system allocator.
RETURNING_POOLS = ("jemalloc", "system")
# jemalloc hands freed pages back to the system only after a decay time (Arrow configures its own).
# At 0 they go back at once: a 1M-report build peaked at 865 MiB, not 967 (the document table's
# copies, then each shard, left pages held); the shards step took 326 s, not 304 (madvise calls).
# At 100k: peak 433 MiB, not 460; shards 28.0 s, not 25.1 (one run each).
JEMALLOC_DECAY_MS = 0


def use_returning_pool() -> str:
    """Make an allocator that returns freed memory the default for this process; its name.

    A pool chosen by the user with ARROW_DEFAULT_MEMORY_POOL is left alone.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return pa.default_memory_pool().backend_name
    for name in RETURNING_POOLS:
        try:
            pool = pa.jemalloc_memory_pool() if name == "jemalloc" else pa.system_memory_pool()
        except NotImplementedError:  # not in this build of pyarrow
            continue
        pa.set_memory_pool(pool)
        if name == "jemalloc":
            pa.jemalloc_set_decay_ms(JEMALLOC_DECAY_MS)
        return pool.backend_name
    return pa.default_memory_pool().backend_name


def trim() -> bool:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim); False where there is
    no glibc. Extraction leaves the main process's heap full of holes (batches come and go around
    the document table), and so does each agency shard: at 200k reports 55-105 MiB of the heap was
    free but still resident. A trim costs a millisecond or so."""
    malloc_trim = _malloc_trim()
    return bool(malloc_trim(0)) if malloc_trim is not None else False


@lru_cache(maxsize=1)  # one entry: it takes no argument
def _malloc_trim():
    """libc's malloc_trim, looked up once per process (finding libc reads the loader's cache)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl and others: no malloc_trim
        return None
