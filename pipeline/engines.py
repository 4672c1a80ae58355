"""Map the pure per-file work over many files: in process, on a process pool, or on Dask.

Items go out in batches of `chunksize` and only a few batches per worker are in flight at once,
so memory stays flat however long the input is, and results come back as soon as a batch is done.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

ENGINES = ("pool", "dask")
IN_FLIGHT_PER_WORKER = 4  # batches queued per worker: enough to hide hand-over latency, little memory

# One single-threaded process per worker: the core is pure Python, threads would share the GIL.
# No dashboard; the scheduler's HTTP endpoint (health, metrics) takes a free loopback port rather
# than 8787, which another cluster or app may hold. Logs only on error.
LOCAL_CLUSTER_OPTIONS: dict[str, Any] = {
    "threads_per_worker": 1,
    "processes": True,
    "dashboard_address": None,
    "scheduler_kwargs": {"dashboard": False, "dashboard_address": "127.0.0.1:0"},
    "silence_logs": logging.ERROR,
}


# How long to wait for a scheduler given by address to answer, and for it to have a worker.
CONNECT_SECONDS = 30
WORKER_WAIT_SECONDS = 60


class EngineError(RuntimeError):
    """The engine cannot start: a scheduler out of reach, or a cluster without workers."""


class WorkersLost(RuntimeError):
    """Dask workers died running one batch, again on every worker it was retried on (killed, out
    of memory, or a crash inside a reader's C code): `items` is that batch, so the caller can name
    the files one of which is to blame."""

    def __init__(self, items: list[Any], cause: BaseException) -> None:
        super().__init__(str(cause))
        self.items = items


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

    `func` must be a top-level function (picklable). engine "pool": one worker runs in this process
    (readable tracebacks, no start-up cost), more use a process pool. engine "dask": a local cluster
    of `workers` processes, or the running cluster at `scheduler` (e.g. "tcp://host:8786").
    Arguments are checked here, before any work starts.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, not {workers}")
    if chunksize < 1:
        raise ValueError(f"chunksize must be >= 1, not {chunksize}")
    if scheduler and engine != "dask":
        raise ValueError("a scheduler address needs engine 'dask'")
    if engine == "dask":
        return _map_dask(func, items, workers, scheduler, chunksize)
    workers = workers or default_workers()
    if workers == 1:
        return map(func, items)
    return _map_pool(func, items, workers, chunksize)


def connect(scheduler: str):
    """A Dask client of the running cluster at `scheduler`, once it has a worker; EngineError
    (saying which address) when it cannot be reached or no worker joins in time."""
    from dask.distributed import Client

    try:
        client = Client(scheduler, set_as_default=False, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as exc:
        raise EngineError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
    except TimeoutError as exc:
        client.close()
        raise EngineError(
            f"the Dask cluster at {scheduler} has no worker (waited {WORKER_WAIT_SECONDS} s)"
        ) from exc
    return client


def workers_see(path: str, scheduler: str) -> bool:
    """Whether every worker of the cluster at `scheduler` can read `path`: true on one machine or
    with a shared file system; false when the workers run elsewhere and the files must be sent."""
    client = connect(scheduler)
    try:
        return all(client.run(os.access, path, os.R_OK).values())
    finally:
        client.close()


def worker_threads(scheduler: str) -> dict[str, int]:
    """Each worker of the cluster at `scheduler` (its address) and the threads it runs tasks on."""
    client = connect(scheduler)
    try:
        return dict(client.nthreads())
    finally:
        client.close()


def threads_warning(threads: dict[str, int]) -> str | None:
    """What to tell the user when workers run tasks on several threads: the extraction core is
    pure Python, so the threads of one worker process take turns on one interpreter (the GIL)
    and the cluster does about one core's work per worker process (`dask worker` starts one
    process with a thread per core by default)."""
    threaded = {a: n for a, n in threads.items() if n > 1}
    if not threaded:
        return None
    return (
        f"{len(threaded)} of the {len(threads)} Dask workers run several threads "
        f"(up to {max(threaded.values())}); the extraction is pure Python, so a worker's threads "
        "share one interpreter and do about one core's work. For full speed start the workers "
        "with one thread each and one process per core: dask worker ADDRESS --nworkers N --nthreads 1"
    )


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _run_batch(func: Callable[[T], R], batch: list[T]) -> list[R]:
    return [func(item) for item in batch]


def worker_init() -> None:
    """Pool workers are throwaway processes that allocate many small objects and keep few: what
    they imported is frozen out of the collector and full collections are rarer (~4% faster).
    Arrow allocates with a pool that gives memory back (pipeline.heap), also where workers
    are spawned rather than forked from a build that chose it."""
    from pipeline.heap import use_returning_pool

    use_returning_pool()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _map_pool(func: Callable[[T], R], items: Iterable[T], workers: int, chunksize: int) -> Iterator[R]:
    batches = _batches(items, chunksize)
    pool = ProcessPoolExecutor(max_workers=workers, initializer=worker_init)
    try:
        pending: set[Future] = {
            pool.submit(_run_batch, func, b) for b in islice(batches, workers * IN_FLIGHT_PER_WORKER)
        }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for _ in done:  # refill first so the workers stay busy while the caller consumes
                nxt = next(batches, None)
                if nxt is not None:
                    pending.add(pool.submit(_run_batch, func, nxt))
            for fut in done:
                yield from fut.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _map_dask(
    func: Callable[[Any], Any],
    items: Iterable[Any],
    workers: int | None,
    scheduler: str | None,
    chunksize: int,
) -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster, as_completed
    from distributed.scheduler import KilledWorker

    cluster = None
    if scheduler:
        client = connect(scheduler)
        n_workers = max(1, sum(client.nthreads().values()))  # a task per thread can run at once
    else:
        n_workers = workers or default_workers()
        cluster = LocalCluster(n_workers=n_workers, **LOCAL_CLUSTER_OPTIONS)
        client = Client(cluster, set_as_default=False)
    try:
        if cluster is not None:  # our own workers, as throwaway as a pool's (not a shared cluster's)
            client.run(worker_init)
        batches = _batches(items, chunksize)
        window = as_completed(loop=client.loop)
        sent: dict[str, list[Any]] = {}  # future key -> its batch, to name the files if it kills workers

        def submit(batch: list[Any]) -> None:
            fut = client.submit(_run_batch, func, batch, pure=False)
            sent[fut.key] = batch
            window.add(fut)

        for b in islice(batches, n_workers * IN_FLIGHT_PER_WORKER):
            submit(b)
        for fut in window:
            nxt = next(batches, None)
            if nxt is not None:
                submit(nxt)
            batch = sent.pop(fut.key)
            try:
                results = fut.result()
            except KilledWorker as exc:
                raise WorkersLost(batch, exc) from exc
            fut.release()
            yield from results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
