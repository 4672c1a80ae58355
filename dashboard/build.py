"""The app's bridge to the pipeline: save uploaded reports, rebuild the dataset, report what changed."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

FAILED_STATUSES = ("empty", "unreadable", "unsupported", "error")
Progress = Callable[[float, str], None]

MIN_WORKERS = 2  # worker processes for a build started from the app (see run_build)


@dataclass
class SavedUpload:
    name: str
    path: Path | None  # None when rejected
    reason_zh: str = ""
    reason_en: str = ""

    def reason(self, lang: str) -> str:
        return self.reason_en if lang == "en" else self.reason_zh


@dataclass
class BuildOutcome:
    ok: bool
    new_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    failures: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary: dict = field(default_factory=dict)
    error: str = ""


def uploads_available() -> tuple[bool, str]:
    try:
        import pipeline.uploads  # noqa: F401
    except ImportError as exc:
        return False, str(exc)
    return True, ""


def save_uploads(files: list[tuple[str, bytes]], raw_dir: Path) -> list[SavedUpload]:
    """Each (file name, bytes) through pipeline.uploads.save_upload, which checks type, size and name."""
    from pipeline.uploads import UploadRejected, save_upload

    out = []
    for name, data in files:
        try:
            out.append(SavedUpload(name, save_upload(name, data, raw_dir)))
        except UploadRejected as exc:
            out.append(SavedUpload(name, None, getattr(exc, "zh", str(exc)), getattr(exc, "en", str(exc))))
    return out


def _doc_ids(out_dir: Path) -> set[str]:
    p = out_dir / "metrics.parquet"
    if not p.exists():
        return set()
    return set(pd.read_parquet(p, columns=["doc_id"])["doc_id"].dropna().astype(str))


def run_build(input_dir: Path, out_dir: Path, progress: Progress | None = None) -> BuildOutcome:
    """Rebuild the dataset (incrementally) and return the metric rows of new documents and failed files."""
    from pipeline.dataset import build_dataset

    report = progress or (lambda frac, msg: None)
    before = _doc_ids(Path(out_dir))
    report(0.1, "build")
    # Never read in the app's own process, even on one core: a file that crashes a reader (or the
    # out-of-memory killer) then ends a worker, which the build survives, not the app's server.
    kwargs: dict = {"progress": False, "workers": max(MIN_WORKERS, os.cpu_count() or 1)}
    params = inspect.signature(build_dataset).parameters
    if "on_progress" in params:  # finer progress once the build offers a callback
        kwargs["on_progress"] = lambda done, total: report(0.1 + 0.8 * done / max(total, 1), "extract")
    try:
        result = build_dataset(input_dir, out_dir, **kwargs)
    except Exception as exc:  # shown to the user as a message, the previous dataset stays in place
        return BuildOutcome(False, error=f"{type(exc).__name__}: {exc}")
    report(1.0, "done")
    metrics, docs = result.metrics, result.documents
    new_rows = metrics[~metrics["doc_id"].astype(str).isin(before)]
    failures = docs[docs["status"].isin(FAILED_STATUSES)][["path", "status", "message"]]
    return BuildOutcome(
        True, new_rows.reset_index(drop=True), failures.reset_index(drop=True), result.summary
    )
