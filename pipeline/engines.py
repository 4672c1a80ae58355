"""Map the pure per-file work over many files: in process, on a process pool, or on Dask.

Items go out in batches of `chunksize` and only a few batches per worker are in flight at once,
so memory stays flat however long the input is, and results come back as soon as a batch is done.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice
from typing import Any, Generic, TypeVar

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
    """Workers died, and the map gave up: past MAX_LOST_ITEMS pieces that each ended a worker, or
    (without a Quarantine) on a Dask batch that ended every worker it was retried on. `items` are
    those pieces, or that batch, so the caller can name the files."""

    def __init__(self, items: list[Any], cause: BaseException) -> None:
        super().__init__(str(cause))
        self.items = items


# Items that each ended a worker when run alone, before the map gives up: past this many the cause
# is not the files (memory short for every file, workers killed by hand), and going on would only
# start a process per file.
MAX_LOST_ITEMS = 20


@dataclass(frozen=True)
class Quarantine(Generic[T, R]):
    """How to go on when a worker dies (a crash inside a reader's C code, the system killing it
    for memory): the items of the batches that were in flight are `split` into pieces, each piece
    is run again alone, and a piece that ends its worker again gets `lost(piece)` as its result."""

    split: Callable[[T], list[T]]
    lost: Callable[[T], R]


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def map_unordered(
    func: Callable[[T], R],
    items: Iterable[T],
    workers: int | None = None,
    engine: str = "pool",
    scheduler: str | None = None,
    chunksize: int = 16,
    quarantine: Quarantine | None = None,
) -> Iterator[R]:
    """Yield func(item) for every item as results arrive; order is not guaranteed.

    `func` must be a top-level function (picklable). engine "pool": one worker runs in this process
    (readable tracebacks, no start-up cost), more use a process pool. engine "dask": a local cluster
    of `workers` processes, or the running cluster at `scheduler` (e.g. "tcp://host:8786").
    Arguments are checked here, before any work starts. Without `quarantine` a worker that dies
    ends the map (BrokenProcessPool, WorkersLost); with it the map goes on (see Quarantine) until
    MAX_LOST_ITEMS pieces have ended a worker each.
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
        return _map_dask(func, items, workers, scheduler, chunksize, quarantine)
    workers = workers or default_workers()
    if workers == 1:
        return map(func, items)  # in this process: nothing to quarantine, a crash ends the build
    return _map_pool(func, items, workers, chunksize, quarantine)


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
    from pipeline.time_limit import allow_hard_stop

    use_returning_pool()
    allow_hard_stop()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _map_pool(
    func: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    chunksize: int,
    quarantine: Quarantine | None = None,
) -> Iterator[R]:
    batches = _batches(items, chunksize)
    killers: list[T] = []  # pieces that ended a worker when run alone
    while True:  # one pass per pool: a pool whose worker died is replaced after its batches are rerun
        lost: list[list[T]] = []
        pool = ProcessPoolExecutor(max_workers=workers, initializer=worker_init)
        try:
            pending: dict[Future, list[T]] = {
                pool.submit(_run_batch, func, b): b for b in islice(batches, workers * IN_FLIGHT_PER_WORKER)
            }
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED if not lost else ALL_COMPLETED)
                finished = []
                for fut in done:
                    batch = pending.pop(fut)
                    if isinstance(fut.exception(), BrokenProcessPool) and quarantine is not None:
                        lost.append(batch)
                    else:
                        finished.append(fut)
                # refill first, so the workers stay busy while the caller consumes; not once a worker died
                for _ in finished if not lost else ():
                    nxt = next(batches, None)
                    if nxt is not None:
                        pending[pool.submit(_run_batch, func, nxt)] = nxt
                for fut in finished:
                    yield from fut.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if not lost:
            return
        assert quarantine is not None
        pieces = [piece for batch in lost for item in batch for piece in quarantine.split(item)]
        for piece, result, died in _run_alone(func, pieces, quarantine):
            if died:
                killers.append(piece)
                if len(killers) > MAX_LOST_ITEMS:
                    raise WorkersLost(
                        killers, BrokenProcessPool(f"{len(killers)} pieces each ended a worker")
                    )
            yield result


def _run_alone(
    func: Callable[[T], R], pieces: list[T], quarantine: Quarantine
) -> Iterator[tuple[T, R, bool]]:
    """(piece, result, whether its worker died) for each piece, run one at a time in a process of
    its own (a new one after each death), so a death names its piece and no other."""
    solo: ProcessPoolExecutor | None = None
    try:
        for piece in pieces:
            if solo is None:
                solo = ProcessPoolExecutor(max_workers=1, initializer=worker_init)
            try:
                yield piece, solo.submit(func, piece).result(), False
            except BrokenProcessPool:
                solo.shutdown(wait=True)
                solo = None
                yield piece, quarantine.lost(piece), True
    finally:
        if solo is not None:
            solo.shutdown(wait=True)


def _map_dask(
    func: Callable[[Any], Any],
    items: Iterable[Any],
    workers: int | None,
    scheduler: str | None,
    chunksize: int,
    quarantine: Quarantine | None = None,
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
        # future key -> its batch, and whether it is a piece run alone after its batch killed workers
        sent: dict[str, tuple[list[Any], bool]] = {}
        alone: deque[Any] = deque()  # pieces of such batches, waiting to run one at a time
        cap = n_workers * IN_FLIGHT_PER_WORKER
        killers: list[Any] = []  # pieces that ended workers when run alone

        def submit(batch: list[Any], by_itself: bool = False) -> None:
            fut = client.submit(_run_batch, func, batch, pure=False)
            sent[fut.key] = (batch, by_itself)
            window.add(fut)

        def refill() -> None:
            if alone:  # one piece at a time with nothing else running: a worker's death blames it alone
                if not sent:
                    submit([alone.popleft()], by_itself=True)
                return
            while len(sent) < cap and (nxt := next(batches, None)) is not None:
                submit(nxt)

        refill()
        for fut in window:
            batch, by_itself = sent.pop(fut.key)
            try:
                results = fut.result()
            except KilledWorker as exc:
                # Dask already retried the task on other workers (allowed-failures) and each died
                if quarantine is None:
                    raise WorkersLost(batch, exc) from exc
                if by_itself:
                    killers.extend(batch)
                    if len(killers) > MAX_LOST_ITEMS:
                        raise WorkersLost(killers, exc) from exc
                    results = [quarantine.lost(piece) for piece in batch]
                else:  # find the piece to blame: each one again, alone
                    alone.extend(piece for item in batch for piece in quarantine.split(item))
                    results = []
            finally:
                fut.release()
            refill()
            yield from results
    finally:
        client.close()
        if cluster is not None:
            close_local_cluster(cluster)


def close_local_cluster(cluster: Any, settle_seconds: float = 10, tries: int = 3) -> None:
    """Close a local cluster of our own. A nanny caught restarting a worker that died (a file that
    ends its worker) fails its close with "can only join a started process": wait for the workers
    to be back first, and try again if it still fails. The worker processes are children of this
    one either way, and end with it."""
    from dask.distributed import Client

    try:
        with Client(cluster, set_as_default=False) as client:
            client.wait_for_workers(len(cluster.worker_spec), timeout=settle_seconds)
    except (TimeoutError, OSError):
        pass  # close them as they are
    for attempt in range(tries):
        try:
            cluster.close()
            return
        except AssertionError:
            if attempt == tries - 1:
                raise
            time.sleep(1.0)
