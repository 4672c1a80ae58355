"""A time limit on one file's work, so one pathological file cannot hold a worker for an hour.

In a process's main thread (the pool's workers, a single-process build) the limit is a SIGALRM
timer. In any other thread (Dask's worker threads) a watchdog thread raises the timeout inside the
late thread with PyThreadState_SetAsyncExc. Either way it interrupts Python code between bytecodes
(readers, rules), not one long call into C (in the pool's workers, see HARD_FACTOR for those).
After it first fires it fires again every second, so a reader that catches every exception cannot
swallow it for good. A timeout fires only while the frame that entered the block is still on the
thread's stack: one that lands just as the block ends (in its __exit__, before the timer is off)
cannot be raised again in the code after it.
"""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from types import FrameType
from typing import Any

REFIRE_SECONDS = 1.0  # after the first timeout, again this often until the block is left
# In a throwaway worker process (allow_hard_stop), a block still running after this many times its
# limit in CPU time is stuck in one call into C, which the alarm cannot reach: the kernel ends the
# process (SIGPROF's default action), and the build reads that file again alone (engines.Quarantine).
HARD_FACTOR = 2
_hard_stop = False


def allow_hard_stop() -> None:
    """Let time limits in this process's main thread end the process itself past HARD_FACTOR times
    their limit in CPU time. Only for pool workers: a build's own process must never be ended."""
    global _hard_stop
    if hasattr(signal, "SIGPROF") and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGPROF, signal.SIG_DFL)
        _hard_stop = True


class FileTimeout(Exception):
    """One file took longer than the limit."""


def _message(seconds: float) -> str:
    return f"stopped after {seconds:g} s: the file takes too long to read (limit PIPELINE_FILE_SECONDS)"


class TimeLimit:
    """The context manager of time_limit. A class, not a generator: its __exit__ is one frame, so
    the window in which a timeout can land after the block and before the timer is off is short,
    and _on_stack closes what remains of it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._previous_handler: Any = None
        self._token: int | None = None

    def __enter__(self) -> TimeLimit:
        seconds = self.seconds
        if seconds <= 0:
            return self
        caller = sys._getframe(1)  # the frame of the `with` statement
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
            exc = _timeout_type(seconds)

            def stop(signum: int, frame: FrameType | None) -> None:
                if _on_stack(caller, frame):
                    raise exc
                signal.setitimer(signal.ITIMER_REAL, 0)  # the block is over: the timer outlived it

            self._previous_handler = signal.signal(signal.SIGALRM, stop)
            signal.setitimer(signal.ITIMER_REAL, seconds, REFIRE_SECONDS)
            if _hard_stop:
                signal.setitimer(signal.ITIMER_PROF, seconds * HARD_FACTOR)
        elif _RAISE_IN is not None:
            self._token = _WATCHDOG.arm(seconds, caller)
        # else not CPython: no way to interrupt another thread, no limit
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._previous_handler is not None:
            if _hard_stop:
                signal.setitimer(signal.ITIMER_PROF, 0)
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous_handler)
            self._previous_handler = None
        while self._token is not None:  # a timeout raised while disarming is dropped: the block is over
            try:
                _WATCHDOG.disarm(self._token)
                self._token = None
            except FileTimeout:
                continue


def time_limit(seconds: float) -> TimeLimit:
    """Raise FileTimeout inside the `with` block once `seconds` have passed (no limit when <= 0)."""
    return TimeLimit(seconds)


def _on_stack(frame: FrameType, top: FrameType | None) -> bool:
    """Whether `frame` is `top` or one of its callers."""
    while top is not None:
        if top is frame:
            return True
        top = top.f_back
    return False


def _async_exc_functions():
    """PyThreadState_SetAsyncExc twice: to raise an exception type in a thread, and (NULL) to drop
    one not yet raised; (None, None) where the C API is not there (not CPython)."""
    try:
        address = ("PyThreadState_SetAsyncExc", ctypes.pythonapi)
        raise_in = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.py_object)(address)
        clear_in = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(address)
    except (AttributeError, OSError):
        return None, None
    return raise_in, clear_in


_RAISE_IN, _CLEAR_IN = _async_exc_functions()


@lru_cache(maxsize=64)
def _timeout_type(seconds: float) -> type[FileTimeout]:
    """An exception raised asynchronously is created without arguments: a subclass carries the message."""

    def __init__(self) -> None:
        FileTimeout.__init__(self, _message(seconds))

    def __reduce__(self):  # pickled (to another process) as the plain FileTimeout it stands for
        return FileTimeout, self.args

    return type("FileTimeout", (FileTimeout,), {"__init__": __init__, "__reduce__": __reduce__})


@dataclass
class _Due:
    thread: int  # threading.get_ident() of the thread to stop
    frame: FrameType  # the frame of its `with` statement: the block is over once it left the stack
    deadline: float  # time.monotonic() when it is (next) stopped
    exc: type[FileTimeout]
    fired: bool = False


class _Watchdog:
    """One daemon thread that stops every watched thread past its deadline. It fires only while it
    holds the lock, and a thread leaving its block clears a pending timeout under the same lock, so
    no timeout is raised after the block. A watched thread touches only C-level synchronisation (the
    lock, a SimpleQueue to wake the watchdog): a timeout raised at a bytecode of a Python-level one
    (Condition, Event) could leave its lock held, and every thread after it waiting forever."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake: queue.SimpleQueue[None] = queue.SimpleQueue()
        self._due: dict[int, _Due] = {}
        self._next_token = 0
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, frame: FrameType) -> int:
        exc = _timeout_type(seconds)
        thread = threading.get_ident()
        with self._lock:
            # Limits do not nest: one left on this thread is from a block whose __exit__ a timeout
            # cut short before it could disarm (rare: it must land in that one bytecode).
            for token in [t for t, due in self._due.items() if due.thread == thread]:
                self._drop(token)
            self._next_token += 1
            token = self._next_token
            self._due[token] = _Due(thread, frame, time.monotonic() + seconds, exc)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="file-time-limit", daemon=True)
                self._thread.start()
            self._wake.put(None)  # under the lock: no timeout of this block can be raised before it
        return token

    def disarm(self, token: int) -> None:
        with self._lock:
            self._drop(token)

    def _drop(self, token: int) -> None:  # under the lock
        due = self._due.pop(token, None)
        if due is not None and due.fired:
            _CLEAR_IN(due.thread, None)  # type: ignore[misc]  # one not yet raised

    def _run(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                stacks = sys._current_frames() if any(d.deadline <= now for d in self._due.values()) else {}
                for token, due in list(self._due.items()):
                    if due.deadline > now:
                        continue
                    if not _on_stack(due.frame, stacks.get(due.thread)):
                        del self._due[token]  # left its block without disarming: nothing to stop
                        continue
                    _RAISE_IN(due.thread, due.exc)  # type: ignore[misc]
                    due.fired, due.deadline = True, now + REFIRE_SECONDS
                del stacks
                wait = min((d.deadline for d in self._due.values()), default=now + 60) - now
            try:  # an arm() since the deadlines were read left an item: no wait then
                self._wake.get(timeout=max(wait, 0.001))
                while True:
                    self._wake.get_nowait()
            except queue.Empty:
                pass


_WATCHDOG = _Watchdog()


def _fresh_watchdog() -> None:
    # a forked child has no watchdog thread, and the lock may have been held at the fork
    global _WATCHDOG
    _WATCHDOG = _Watchdog()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_watchdog)
