"""A time limit on one file's work, so one pathological file cannot hold a worker for an hour.

The limit is a SIGALRM timer, so it holds only in a process's main thread: the pool's workers and a
single-process build; Dask's worker threads run without it. It interrupts Python code between
bytecodes (readers, rules), not one long call into C. After it first fires it fires again every
second, so a reader that catches every exception cannot swallow it for good.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class FileTimeout(Exception):
    """One file took longer than the limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise FileTimeout inside the block once `seconds` have passed (no limit when <= 0)."""
    usable = (
        seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def stop(signum, frame):
        raise FileTimeout(
            f"stopped after {seconds:g} s: the file takes too long to read (limit PIPELINE_FILE_SECONDS)"
        )

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
