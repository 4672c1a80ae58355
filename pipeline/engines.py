"""Map the pure per-file work over many files: in process, on a process pool, or on Dask."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

ENGINES = ("pool", "dask")


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def map_unordered(
    func: Callable[[T], R],
    items: Iterable[T],
    workers: int | None = None,
    engine: str = "pool",
    scheduler: str | None = None,
    chunksize: int = 16,
) -> Iterator[R]:
    """Yield func(item) for every item as results arrive; order is not guaranteed.

    `func` must be a top-level function (picklable). One worker runs in this process, which
    keeps tracebacks readable and avoids pool start-up for small folders.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "dask":
        yield from _map_dask(func, items, workers, scheduler)
        return
    workers = workers or default_workers()
    if workers <= 1:
        yield from map(func, items)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(func, items, chunksize=chunksize)


def _map_dask(func: Callable[[Any], Any], items: Iterable[Any], workers: int | None, scheduler: str | None):
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        futures = client.map(func, list(items), pure=False)
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
