"""One build at a time per dataset folder.

A second build started on the same --out (the dashboard's upload button while a command-line build
runs, or a double click) removed the first one's spool as "stale" and could commit its tables in
between the first one's: documents from one build, metrics from the other. The lock is an
advisory flock on the folder itself (no file is added to it); the system releases it when its
process ends, however it ends, so a killed build never leaves the folder locked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; builds there are not serialised
    fcntl = None  # type: ignore[assignment]


class BuildLocked(RuntimeError):
    """Another build holds the dataset folder."""


@contextmanager
def exclusive_build(out_dir: Path) -> Iterator[None]:
    """Hold `out_dir` for one build; raise BuildLocked at once when another build holds it."""
    if fcntl is None:
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(
                f"another build is writing to {out_dir}; wait for it to finish, or choose another --out"
            ) from None
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock
