"""One build at a time per dataset folder.

A second build started on the same --out (the dashboard's upload button while a command-line build
runs, or a double click) removed the first one's spool as "stale" and could commit its tables in
between the first one's: documents from one build, metrics from the other. The lock is an
advisory flock on a hidden file in the folder; the system releases it when its process ends,
however it ends, so a killed build never leaves the folder locked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; builds there are not serialised
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".build.lock"


class BuildLocked(RuntimeError):
    """Another build holds the dataset folder."""


@contextmanager
def exclusive_build(out_dir: Path) -> Iterator[None]:
    """Hold `out_dir` for one build; raise BuildLocked at once when another build holds it."""
    if fcntl is None:
        yield
        return
    with open(out_dir / LOCK_NAME, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise BuildLocked(
                f"another build is writing to {out_dir} ({holder}); wait for it to finish, or choose another --out"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {datetime.now(UTC).isoformat(timespec='seconds')}\n")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
