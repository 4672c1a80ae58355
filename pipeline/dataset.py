"""Build the dataset: files -> documents + metrics + resolved view, validated, written atomically.

Rebuilds are incremental: a file whose path, size and mtime (or, failing that, bytes) are unchanged
keeps its previous rows; changed files are re-extracted and deleted files drop out.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import doc_table, engines, fingerprint, shard_rows
from pipeline.build_lock import exclusive_build
from pipeline.catalog import BY_KEY, CORE_KEYS
from pipeline.corrections import DocumentLookups, load_corrections, match_corrections
from pipeline.derived import compute_derived
from pipeline.doc_order import BUCKET_ROWS, DocumentKeys, PathBuckets
from pipeline.doc_summary import AgencyNames, DocumentCounts
from pipeline.file_tasks import FileTask, PathList, batches, load, name_note, stored_path
from pipeline.heap import trim, use_returning_pool
from pipeline.listing import InputFolderError, Skipped, list_input
from pipeline.readers_base import Limits
from pipeline.readers_sniff import NOT_READ_ADVICE, extension_kind, sniff
from pipeline.record import MetricRecord
from pipeline.schema import DOCUMENT_COLUMNS, METRIC_COLUMNS, READ, RESOLVED_COLUMNS, SCHEMA_VERSION
from pipeline.shard_resolve import WINNER_EXTRA, ShardResolver, ShardWinners
from pipeline.shard_rows import ShardRows
from pipeline.spool import (
    DOC_COLUMN,
    Spool,
    shard_count,
    spooled_schema,
)
from pipeline.time_limit import FileTimeout, time_limit
from pipeline.validate import (
    DocumentChecks,
    SchemaError,
    frame_problems,
    link_problems,
)
from pipeline.writing import StagedTable, clean_stale_temps, interrupts_held, write_json_atomic

# Document rows are gathered into frames this many at a time. Each frame lives until the end of
# extraction with a few hundred small Python objects of its own, which pin the interpreter's memory
# pools between the batches' short-lived ones: few, larger frames (100 at 1M files) leave fewer holes.
CHUNK_DOCS = 10_000
BATCH_DOCS = 64  # files per worker task: big enough to frame rows cheaply, small enough to balance


@dataclass
class FileResult:
    """One file's document row, and its metric records with what every one of its rows shares
    (doc_id, agency, year...): rows are made column by column for a batch, not dict by dict."""

    doc: dict
    records: list[MetricRecord] = field(default_factory=list)
    shared: dict = field(default_factory=dict)

    @property
    def metrics(self) -> list[dict]:
        """The metric rows as dicts (for `show` and notebooks)."""
        return [{**r.to_dict(), **self.shared} for r in self.records]


@dataclass
class BatchResult:
    """A worker's answer for a batch of files: its document rows, and its metric rows (with each
    row's document as its position in the batch, in DOC_COLUMN), both as Arrow tables, so the
    main process only gathers: pickled Arrow tables travel as column buffers, and no Python
    object per row is made in the main process (a dict per document left its heap in holes)."""

    docs: pa.Table
    metrics: pa.Table


@dataclass
class BuildResult:
    """What a build wrote: its summary, and its tables read from the dataset folder when first
    asked for (then kept), so a build never holds them all at once. A national build's documents
    alone are ~0.35 GiB in pandas: read back eagerly, they were the peak of a 1M build (1,068
    MiB), for a CLI that never looks at them. Take what you need from a result before building
    into the same folder again."""

    out_dir: Path
    summary: dict = field(default_factory=dict)
    _loaded: dict = field(default_factory=dict, repr=False)

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._loaded:
            self._loaded[name] = pd.read_parquet(self.out_dir / f"{name}.parquet")
        return self._loaded[name]

    @property
    def documents(self) -> pd.DataFrame:
        return self._table("documents")

    @property
    def metrics(self) -> pd.DataFrame:
        return self._table("metrics")

    @property
    def resolved(self) -> pd.DataFrame:
        return self._table("resolved")

    @property
    def derived(self) -> pd.DataFrame:
        return self._table("derived")

    @property
    def exit_code(self) -> int:
        return 1 if self.summary.get("failed", 0) else 0


def process_file(task: FileTask) -> FileResult:
    """Read, extract and resolve one file; never raises (a failure is a status with its cause),
    and never takes much longer than Limits.file_seconds (pipeline.time_limit: not within one long C call)."""
    doc: dict = {"path": stored_path(task.rel), "status": "error", "message": "", "kind": "unknown"}
    limits = Limits()
    try:
        with time_limit(limits.file_seconds):
            return _read_and_extract(task, doc, limits)
    except FileTimeout as exc:  # the file's other columns stay as far as they were found
        doc.update(status="error", message=str(exc))
        return FileResult(doc)
    except Exception as exc:  # a bad file must never stop the run
        doc.update(status="error", message=f"{type(exc).__name__}: {exc}")
        return FileResult(doc)


def _read_and_extract(task: FileTask, doc: dict, limits: Limits) -> FileResult:
    from pipeline.agencies import resolve as resolve_agency
    from pipeline.extract import extract
    from pipeline.readers import oversize, read_bytes
    from pipeline.resolve import resolve_records
    from pipeline.text import doc_id

    name = stored_path(Path(task.path).name)  # what readers and meta see; the file is opened by task.path
    got = task.loaded or load(task.path, limits.max_bytes)  # shipped, or read here
    if got.error:
        doc["message"] = got.error
        return FileResult(doc)
    doc.update(mtime=got.mtime, size=got.size, sha256=got.sha256)
    read = read_bytes(got.data, name) if got.data is not None else oversize(got.size, name)
    doc.update(kind=read.kind, status=read.status, message=read.message)
    if read.status != "ok" or read.text is None:
        return FileResult(doc)
    result = extract(read.text, filename=name)
    meta = result.meta
    ident = resolve_agency(meta, result.text)
    doc.update(
        doc_id=doc_id(result.text),
        agency=ident.agency,
        agency_id=ident.agency_id,
        region=ident.region,
        province=ident.province,
        city=ident.city,
        county=ident.county,
        region_code=ident.region_code,
        level=ident.level,
        agency_kind=ident.kind,
        agency_confidence=getattr(ident, "confidence", None),
        year=meta.year,
        doc_type=meta.doc_type,
        report_format=meta.report_format,
        published=pd.Timestamp(meta.published) if meta.published else pd.NaT,
        n_chars=len(result.text),
    )
    notes = [n for n in read.notes + meta.notes if n]
    if doc["path"] != task.rel:
        notes.append(name_note(task.rel))
    records = [r for r in result.records if r.metric in BY_KEY]
    # One value per (metric, scope) per document; the rest of the disagreement is in flags.
    kept = resolve_records(records)
    doc["n_metrics"] = len(kept)
    if not kept:
        doc["status"] = "no_metrics"
        doc["message"] = "no catalogue metric found in the text" + (f" ({'; '.join(notes)})" if notes else "")
    else:
        doc["message"] = "; ".join(notes)
    if meta.year is None:
        doc["message"] = "; ".join(x for x in (doc["message"], "year covered not found") if x)
    shared = {
        "doc_id": doc["doc_id"],
        "agency_id": ident.agency_id,
        "agency": ident.agency,
        "region": ident.region,
        "year": meta.year,
    }
    return FileResult(doc, kept, shared)


def process_batch(tasks: list[FileTask]) -> BatchResult:
    """process_file over a batch, with the typing of its rows done here, in the worker."""
    results = [process_file(t) for t in tasks]
    return BatchResult(_doc_table([r.doc for r in results]), _metric_table(results))


KILLED_WORKER = (
    "reading this file ended its worker process (a crash inside a reader, out of memory, or stuck in "
    "a reader's C code past twice PIPELINE_FILE_SECONDS of CPU time); the rest of the build went on"
)


def _one_file_each(tasks: list[FileTask]) -> list[list[FileTask]]:
    """A batch whose worker died, as batches of one file, to be run again one at a time."""
    return [[task] for task in tasks]


def _worker_killed(tasks: list[FileTask]) -> BatchResult:
    """The rows of files that ended their worker again when read alone: an error each, no values."""
    results = [
        FileResult(
            {
                "path": stored_path(t.rel),
                "status": "error",
                "message": KILLED_WORKER,
                "kind": extension_kind(t.rel) or "unknown",
            }
        )
        for t in tasks
    ]
    return BatchResult(_doc_table([r.doc for r in results]), _metric_table(results))


QUARANTINE = engines.Quarantine(split=_one_file_each, lost=_worker_killed)


def _doc_table(rows: list[dict]) -> pa.Table:
    """Document rows (dicts) as Arrow columns typed as the contract says (doc_frame() turns
    them into the pandas frame _frame() makes of the same rows)."""
    columns = []
    for field_ in DOC_SCHEMA:
        values = [row.get(field_.name) for row in rows]
        if pa.types.is_timestamp(field_.type):  # pd.NaT is a missing date, not a value
            values = [None if v is None or pd.isna(v) else v for v in values]
        columns.append(pa.array(values, type=field_.type))
    return pa.Table.from_arrays(columns, schema=DOC_SCHEMA)


def doc_frame(tables: list[pa.Table]) -> pd.DataFrame:
    """Batches' document rows (Arrow) as one frame with the contract's dtypes (they are in the
    schema's pandas metadata)."""
    return pa.concat_tables(tables).to_pandas() if tables else empty_frame(DOCUMENT_COLUMNS)


# The contract's document columns in Arrow, with the pandas metadata that types them back.
DOC_SCHEMA = pa.Schema.from_pandas(
    pd.DataFrame({c: pd.Series(dtype=t) for c, t in DOCUMENT_COLUMNS.items()}), preserve_index=False
)


def _metric_table(results: list[FileResult]) -> pa.Table:
    """A batch's metric rows as Arrow columns in the spool's schema, each row's document as its
    position in the batch (DOC_COLUMN). Straight from the records to Arrow: row dicts, then a
    typed pandas frame, cost ~0.15 ms per report, ~8% of extraction."""
    schema = SPOOLED_METRICS
    records = [rec for r in results for rec in r.records]
    counts = [len(r.records) for r in results]
    columns = []
    for col in METRIC_COLUMNS:
        if col in _RECORD_FIELDS:
            values = [getattr(rec, col) for rec in records]
        else:  # one value per document, repeated over its rows
            values = [v for r in results if r.records for v in [r.shared.get(col)] * len(r.records)]
        columns.append(pa.array(values, type=schema.field(col).type))
    columns.append(pa.array(np.repeat(np.arange(len(results), dtype=np.int32), counts)))
    return pa.Table.from_arrays(columns, schema=schema)


_RECORD_FIELDS = frozenset(MetricRecord.__dataclass_fields__)
SPOOLED_METRICS = spooled_schema(METRIC_COLUMNS)


def batch_size(n_files: int, workers: int | None) -> int:
    """Files per worker task: BATCH_DOCS, less for a small corpus, so that every worker gets
    several batches and the last ones finish together."""
    return max(1, min(BATCH_DOCS, n_files // ((workers or engines.default_workers()) * 4)))


def _unsupported_row(path: str, rel: str) -> dict:
    """The document row of a file that is not a report (only its row: a folder may hold a
    million such files, and the plan keeps them as compact frames)."""
    suffix = Path(path).suffix
    try:
        stat = os.stat(path)
    except OSError as exc:  # gone, or changed into something else, since the folder was listed
        return _skipped_row(Skipped(rel, "unreadable", f"cannot be read ({exc.strerror or exc})"))
    return {
        "path": stored_path(rel),
        "kind": suffix.lstrip(".").lower() or "unknown",
        "status": "unsupported",
        "message": f"file type {suffix or '(none)'} is not a supported report format"
        + (f"; {advice}" if (advice := NOT_READ_ADVICE.get(suffix.lower().lstrip("."))) else ""),
        "mtime": stat.st_mtime,
        "size": stat.st_size,
    }


def _skipped_row(entry: Skipped) -> dict:
    """The document row of an entry that is listed but not read (pipeline.listing)."""
    return {
        "path": stored_path(entry.rel),
        "kind": entry.kind,
        "status": entry.status,
        "message": entry.message,
    }


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """Rows (dicts) -> a frame typed as the contract says; built column by column, which is
    several times faster than pandas' list-of-dicts path on hundreds of thousands of rows."""
    df = pd.DataFrame({col: [r.get(col) for r in rows] for col in columns})
    for col, dtype in columns.items():
        if dtype == "bool":
            df[col] = df[col].fillna(False).astype(bool)
        elif dtype.startswith("datetime"):
            df[col] = pd.to_datetime(df[col]).astype(dtype)
        else:
            df[col] = df[col].astype(dtype)
    return df[list(columns)]


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    return _frame([], columns)


def load_previous(out_dir: Path, current: dict[str, str]) -> tuple[pd.DataFrame | None, list[str]]:
    """The last build's documents when its files exist and match this schema version and the
    `current` fingerprints; else None, with the reasons when only the fingerprints differ."""
    try:
        meta = json.loads((out_dir / "meta.json").read_text(encoding="utf-8"))
        if meta.get("schema_version") != SCHEMA_VERSION or not (out_dir / "metrics.parquet").is_file():
            return None, []
        stale = fingerprint.changed(meta.get(fingerprint.KEY), current)
        if stale:
            return None, stale
        return pd.read_parquet(out_dir / "documents.parquet"), []
    except (OSError, ValueError, KeyError):
        return None, []


def build_dataset(
    input_dir: str | Path = "data/raw",
    out_dir: str | Path = "data/dataset",
    workers: int | None = None,
    engine: str = "pool",
    scheduler: str | None = None,
    progress: bool = True,
    corrections_path: str | Path | None = "data/corrections.csv",
    incremental: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    ship_files: bool | None = None,
    csv: bool = True,
) -> BuildResult:
    """Build (or incrementally rebuild) the dataset for every file under input_dir and write it.

    Metric rows stream to a spool on disk by agency shard and are resolved and written one shard
    at a time, so memory holds a shard's values, not the corpus's. `on_progress(done, total)` is called as each
    file to extract finishes (the app's progress bar). `ship_files`: send the files' bytes to the
    workers with their tasks; by default only when the workers of the Dask cluster at `scheduler`
    cannot read the input folder. `csv=False` writes the tables as parquet only (a national build's
    CSV twins are ~20x its parquet files) and removes the twins a previous build left.
    """
    started = time.perf_counter()
    input_dir, out_dir = Path(input_dir), Path(out_dir)
    if not input_dir.is_dir():
        raise FileNotFoundError(f"input folder {input_dir} does not exist")
    if out_dir.resolve() == input_dir.resolve():
        raise InputFolderError(
            f"the dataset folder {out_dir} is the input folder: the next build would read its files "
            "as reports. Choose another folder with --out"
        )
    _check_agency_table()
    use_returning_pool()  # Arrow buffers come and go shard after shard: their pages go back to the system
    warnings: list[str] = []
    raw_corrections = load_corrections(Path(corrections_path)) if corrections_path is not None else None
    from pipeline import agencies  # lazily, as process_file does; DEFAULT_TABLE is read when called

    resolvers = workers or engines.default_workers()  # resolving is on this machine, whatever the engine

    out_dir.mkdir(parents=True, exist_ok=True)
    with exclusive_build(out_dir):  # held until the files are committed (pipeline.build_lock)
        clean_stale_temps(out_dir)
        root = os.path.abspath(input_dir)  # workers (on a cluster too) are given absolute paths
        listing = list_input(input_dir, exclude=out_dir)  # an output kept inside the input is not read
        rels = listing.files
        n_files = len(rels)
        prints = fingerprint.fingerprints(agencies.DEFAULT_TABLE)
        previous, stale = load_previous(out_dir, prints) if incremental else (None, [])
        if stale:  # rows read under other rules or another agency table: none is re-used
            _stage(progress, "every file is read again: " + "; ".join(stale))
        reused, todo, unsupported = _plan(root, rels, previous, listing.skipped)
        del previous, rels, listing  # the kept rows are in `reused`; the files to read, in `todo`
        stages = _Stages(started)
        stages.mark("plan")
        spool = Spool(out_dir / f".spool-{os.getpid()}", shard_count(n_files), METRIC_COLUMNS)
        parked: _Parked | None = None
        extracted: doc_table.DocumentSpool | None = None
        try:
            # Documents are numbered in arrival order (unsupported, re-used, extracted): the spooled
            # rows carry that number, which is their document's place in `_arrived` below.
            held = [unsupported]
            if len(reused):
                held.append(reused)
                first = len(unsupported)
                numbers = {d: first + i for i, d in enumerate(reused["doc_id"]) if isinstance(d, str)}
                spool.add_from_parquet(out_dir / "metrics.parquet", numbers)
            first = len(unsupported) + len(reused)
            if ship_files is None:
                ship_files = _workers_cannot_see(root, todo, engine, scheduler, progress)
            if engine == "dask" and scheduler and todo:
                advice = engines.threads_warning(engines.worker_threads(scheduler))
                if advice:
                    _stage(progress, f"warning: {advice}")
                    warnings.append(advice)
            extracted = doc_table.DocumentSpool(spool.folder / "documents.arrows", DOC_SCHEMA)
            _extract_into(
                spool,
                extracted,
                root,
                todo,
                first,
                workers,
                engine,
                scheduler,
                progress,
                on_progress,
                ship_files,
            )
            stages.mark("extract")
            counts = {
                "reused": len(reused),
                "extracted": len(todo),
                "files_shipped": bool(ship_files and todo),
            }
            if stale:
                counts["read_again_because"] = stale
            del todo, reused, unsupported
            trim()

            # Only the documents' keys are held whole; their rows go to buckets on disk by path order and
            # come back a bucket at a time (doc_order).
            keys = DocumentKeys.gather(_arrived(held, extracted))
            buckets = PathBuckets(spool.folder / "documents-by-path", keys.rank, BUCKET_ROWS)
            buckets.add_all(_arrived(held, extracted))
            del held
            extracted.remove()  # its rows are in the buckets now
            lookups = (
                DocumentLookups(raw_corrections)
                if raw_corrections is not None and len(raw_corrections)
                else None
            )
            parked = _Parked.writing(_in_path_order(buckets, keys), keys, out_dir, lookups, csv)
            corrections = None
            if lookups is not None:
                corrections, found = match_corrections(raw_corrections, lookups)
                warnings += found
            arrivals = _Arrivals(keys.live, keys.ids, keys.rank)
            del keys, buckets
            trim()  # what the step freed, before the first shard is resolved
            stages.mark("documents")
            _stage(
                progress,
                f"resolving and writing the values of {parked.summary['agencies']:,} agencies "
                f"in {spool.shards} shard(s)",
            )
            summary = _write_all(
                out_dir,
                spool,
                parked,
                arrivals,
                corrections=corrections,
                summary_parts=(warnings, counts, input_dir, stages),
                progress=progress,
                csv=csv,
                workers=resolvers,
                fingerprints=prints,
            )
        finally:
            if extracted is not None:
                extracted.close()
            spool.close()
            if parked is not None:
                parked.table.discard()  # nothing to do once committed; on an error, the temporary files
        _write_proposals(out_dir)
        trim()  # the proposals' working memory
        _stage(progress, f"done in {time.perf_counter() - started:.1f} s")
        return BuildResult(out_dir, summary)


@dataclass
class _Parked:
    """The document table once written to its temporary files (committed with the other tables),
    with what the rest of the build needs of it: checks, the summary's counts, agency names."""

    table: StagedTable
    problems: list[str]
    summary: dict
    about: pd.DataFrame  # agency_id -> agency, region: what derived indicators are labelled with

    @classmethod
    def writing(
        cls,
        parts: Iterable[pd.DataFrame],
        keys: DocumentKeys,
        out_dir: Path,
        lookups: DocumentLookups | None = None,
        csv: bool = True,
    ) -> _Parked:
        """Write the documents, given in path order one part at a time, and gather what the build
        needs of them (and the corrections' `lookups`) as each part goes by."""
        checks, counts, names = DocumentChecks(), DocumentCounts(), AgencyNames()
        table = StagedTable(out_dir, "documents", DOCUMENT_COLUMNS, csv)
        try:
            for part in parts:
                checks.add(part)
                counts.add(part)
                names.add(part)
                if lookups is not None:
                    lookups.add(part)
                table.write(part)
            table.close()
        except BaseException:
            table.close_quietly()
            table.discard()
            raise
        problems = checks.problems(keys.shared_paths, keys.shared_read_ids)
        return cls(table, problems, counts.summary(), names.table())


def _arrived(held: list[pd.DataFrame], spooled: doc_table.DocumentSpool) -> Iterator[pa.Table]:
    """Every document row in arrival order (the frames held since the plan, then the spooled rows),
    as Arrow tables of the contract's types."""
    for frame in held:
        yield from doc_table.to_arrow(frame, DOC_SCHEMA, CHUNK_DOCS)
    yield from spooled.tables()


def _in_path_order(buckets: PathBuckets, keys: DocumentKeys) -> Iterator[pd.DataFrame]:
    """The documents in path order, a bucket at a time, with copies of a text marked."""
    for table, arrivals in buckets.tables():
        part = table.to_pandas()
        keys.mark(part, arrivals)
        yield part


def _plan(root: str, rels: list[str], previous: pd.DataFrame | None, skipped: Iterable[Skipped]):
    """Split the files into re-used (unchanged since the last build: their previous document rows),
    to extract (relative paths, as a PathList), and unsupported (with the entries the listing
    skipped). The previous rows are read as plain columns once: a national rebuild checks a
    hundred thousand files, and per-row pandas lookups would cost minutes."""
    todo: list[str] = []
    unsupported: list[pd.DataFrame] = []  # compact frames: a folder may hold a million other files
    other_rows: list[dict] = [_skipped_row(entry) for entry in skipped]  # rows not yet in a frame
    kept: list[int] = []
    touched: dict[int, float] = {}  # position in `kept` -> the file's new mtime
    usable = previous is not None and not previous.empty and previous["path"].is_unique
    if usable:
        position = {p: i for i, p in enumerate(previous["path"].astype(str))}
        reusable = previous["status"].isin(READ).to_numpy()
        sizes = previous["size"].astype("float64").to_numpy()  # NaN where unknown
        mtimes = previous["mtime"].astype("float64").to_numpy()
        digests = previous["sha256"].astype(object).to_numpy()
    for rel in rels:
        path = os.path.join(root, rel)
        if not _is_candidate(path):
            other_rows.append(_unsupported_row(path, rel))
            if len(other_rows) >= CHUNK_DOCS:
                unsupported.append(doc_table.compact(doc_frame([_doc_table(other_rows)])))
                other_rows = []
            continue
        i = position.get(stored_path(rel)) if usable else None
        if i is not None and reusable[i]:
            now = _unchanged(path, sizes[i], mtimes[i], digests[i])
            if now is not None:
                kept.append(i)
                if now != mtimes[i]:  # touched, same bytes: the row takes the new time
                    touched[len(kept) - 1] = now
                continue
        todo.append(rel)
    reused = previous.iloc[kept][list(DOCUMENT_COLUMNS)] if usable else empty_frame(DOCUMENT_COLUMNS)
    reused = reused.reset_index(drop=True)
    if touched:  # as a full build would record it, and the next rebuild need not hash it again
        rows = list(touched)
        reused.loc[rows, "mtime"] = pd.Series(list(touched.values()), index=rows, dtype=reused["mtime"].dtype)
    unsupported.append(doc_table.compact(doc_frame([_doc_table(other_rows)])))
    return doc_table.compact(reused), PathList(todo), doc_table.concat(unsupported)


def _workers_cannot_see(
    root: str, todo: PathList, engine: str, scheduler: str | None, progress: bool
) -> bool:
    """Whether the files must be shipped: only the workers of a cluster given by its address may
    run where the input folder is not (pool and local-cluster workers run on this machine)."""
    if engine != "dask" or not scheduler or not todo:
        return False
    if engines.workers_see(os.path.join(root, todo[0]), scheduler):
        return False
    _stage(progress, f"the Dask workers cannot read {root}: sending them each file's bytes")
    return True


def _extract_into(
    spool, documents, root, todo, first, workers, engine, scheduler, progress, on_progress, ship_files=False
) -> None:
    """Run the per-file work; metric rows go to the spool (their documents numbered from `first`
    in the order they arrive), document rows to `documents` (a DocumentSpool), in the same order."""
    from pipeline.readers_base import Limits

    bar = _progress(len(todo), progress)
    size = batch_size(len(todo), workers)
    # Batches are taken as they finish, in any order: documents are numbered as they arrive, and
    # everything written is put in path order later (_Arrivals), so the dataset is the same
    # whatever the engine and the number of workers.
    results = engines.map_unordered(
        process_batch,
        batches(root, todo, size, ship_files, Limits().max_bytes),
        workers=workers,
        engine=engine,
        scheduler=scheduler,
        chunksize=1,
        quarantine=QUARANTINE,
    )
    done = 0
    for batch in results:
        done += batch.docs.num_rows
        bar.update(batch.docs.num_rows)
        if on_progress is not None:
            on_progress(done, len(todo))
        numbered = pc.add(batch.metrics.column(DOC_COLUMN), pa.scalar(first, pa.int32()))
        spool.add(
            batch.metrics.set_column(batch.metrics.schema.get_field_index(DOC_COLUMN), DOC_COLUMN, numbered)
        )
        first += batch.docs.num_rows
        documents.add(batch.docs)
    bar.close()


@dataclass(frozen=True)
class _Arrivals:
    """What a spooled row's DOC_COLUMN points at: its document's number in arrival order."""

    live: np.ndarray  # False for a copy of a document read earlier: its rows are not written
    ids: pa.Array  # each document's doc_id: a value is checked against its own document's
    path_rank: np.ndarray  # each document's place in path order

    def written(self, docs: np.ndarray) -> np.ndarray:
        """Which of a shard's rows are written, and in what order, from each row's document number
        (`docs`): duplicates' out, in their documents' path order, each document's own rows as
        extracted. Arrival order differs between a full and an incremental build (re-used
        documents arrive first); the written files do not."""
        keep = np.flatnonzero(self.live[docs])
        return keep[np.argsort(self.path_rank[docs[keep]], kind="stable")]


@dataclass
class _Tally:
    """What the summary needs of the values, counted shard by shard."""

    metrics: Counter = field(default_factory=Counter)
    resolved: int = 0
    conflicts: int = 0
    problems: list[str] = field(default_factory=list)


_CHECKED = ("scope", "metric", "value", "evidence", "confidence", "agency_id", "start", "end")


def _check_frame(table: pa.Table) -> pd.DataFrame:
    """The columns frame_problems reads, from Arrow rows without a Python string per row: short
    strings as categories (missing stays missing), evidence as an Arrow-backed string column."""
    out = {}
    for col in _CHECKED:
        arr = table.column(col)
        if col == "evidence":
            out[col] = pd.Series(pd.arrays.ArrowStringArray(arr.cast(pa.large_string())))
        elif pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            out[col] = pc.dictionary_encode(arr.combine_chunks()).to_pandas()
        else:
            out[col] = arr.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    return pd.DataFrame(out)


def _winner_chunks(
    rows: ShardRows, won: ShardWinners, corrections: pd.DataFrame | None, tally: _Tally
) -> list[pa.Table | pd.DataFrame]:
    """A resolved shard's rows to write: its winning spooled rows (full rows taken from `rows`, the
    columns resolution adds from `won`), then the corrections that won; its counts and problems
    are added to `tally`.

    The spooled winners are not checked again: they are rows of the metrics just checked, and
    the columns frame_problems reads are theirs unchanged (checking them twice was ~15% of the
    writer's time). The corrections that won are checked: nothing else has checked them as rows."""
    tally.problems += won.problems
    tally.resolved += won.resolved
    tally.conflicts += won.conflicts
    chunks: list[pa.Table | pd.DataFrame] = []
    if len(won.rows):
        chunk = rows.take(won.rows).drop_columns(["flags", DOC_COLUMN])
        for name in WINNER_EXTRA:
            chunk = chunk.append_column(name, won.extra.column(name))
        chunk = chunk.append_column("note", pa.array([""] * len(won.rows), pa.large_string()))
        chunks.append(chunk)
    if len(won.corrections):
        assert corrections is not None
        chunk = (
            corrections.reset_index(drop=True).iloc[won.corrections["_row"].to_numpy()].reset_index(drop=True)
        )
        chunk = pd.concat([chunk.drop(columns=["flags"]), won.corrections[WINNER_EXTRA]], axis=1)
        tally.problems += frame_problems("resolved", chunk)
        chunks.append(chunk)
    return chunks


def _write_all(
    out_dir: Path,
    spool: Spool,
    parked: _Parked,
    arrivals: _Arrivals,
    *,
    corrections: pd.DataFrame | None,
    summary_parts: tuple[list[str], dict, Path, _Stages],
    progress: bool,
    csv: bool = True,
    workers: int = 1,
    fingerprints: dict[str, str] | None = None,
) -> dict:
    """Resolve and write shard by shard to temporary files, check everything, then swap the files in
    (meta.json last). Returns the summary. Memory holds two shards' rows at most.

    `arrivals` says what the spooled rows' document numbers point at; `parked`, the documents
    (already written, committed here with the rest); `summary_parts`, the build's warnings, counts,
    input folder and step timer, which the summary and meta.json are made of.

    A thread writes a shard's metric rows while the main thread checks them, and its resolved
    and derived rows while the main thread reads the next shard (Arrow's parquet and CSV writers
    release the GIL). With `workers` > 1 the shards are resolved on that many processes, a few
    shards ahead (shard_resolve); the files are the same.
    """
    warnings, counts, input_dir, stages = summary_parts
    total = _Tally(problems=list(parked.problems))
    if corrections is not None and corrections.empty:
        corrections = None
    corr_shard = spool.shards_of(corrections["agency_id"]) if corrections is not None else None

    def corrections_of(shard: int) -> pd.DataFrame | None:
        return corrections[corr_shard == shard] if corrections is not None else None

    piece_rows = shard_rows.PIECE_ROWS
    staged: list[StagedTable] = []
    bar = _progress(spool.shards, progress and spool.shards > 1, desc="resolving", unit="shard")
    resolver = None
    try:
        metrics_out = StagedTable(out_dir, "metrics", METRIC_COLUMNS, csv)
        resolved_out = StagedTable(out_dir, "resolved", RESOLVED_COLUMNS, csv)
        # Derived rows are written batch by batch too: held until the end, they grew with the
        # corpus (25 MiB per 100k reports, then concatenated and sorted in one more copy).
        derived_out = StagedTable(out_dir, "derived", RESOLVED_COLUMNS, csv)
        derived_batches = _DerivedBatches()
        staged += [metrics_out, resolved_out, derived_out]
        # Its processes start before the writer thread does: a process forked while another
        # thread holds a lock would inherit the lock held.
        resolver = ShardResolver(spool, arrivals.written, parked.about, corrections_of, workers, piece_rows)
        with ThreadPoolExecutor(max_workers=1) as writer:  # one thread: rows keep their order
            pending: list[Future] = []  # the previous shard's writes
            for shard in range(spool.shards):
                rows = ShardRows(spool, shard, arrivals.written, piece_rows)  # the rows as written
                for piece in rows.pieces():  # one: the whole shard, unless it is too large to hold
                    _wait(pending)  # memory holds two shards (pieces) at most; a write's error surfaces here
                    pending = [writer.submit(metrics_out.write_table, piece)]
                    checked = _check_frame(piece)
                    total.problems += frame_problems("metrics", checked, spans=True)
                    total.problems += link_problems(
                        piece.column("doc_id"), arrivals.ids.take(piece.column(DOC_COLUMN))
                    )
                    total.metrics.update(checked["metric"].value_counts().to_dict())
                    del piece, checked
                corr = corrections_of(shard)
                won = resolver.winners(shard, rows, corr)
                chunks = _winner_chunks(rows, won, corr, total) if won is not None else []
                derived = derived_batches.add(won.derived_inputs if won is not None else None)
                # Written while the next shard is read and resolved. A comprehension, not a for
                # loop: a loop variable kept the last chunk (a shard's resolved rows) alive
                # through the next shard.
                pending += [
                    writer.submit(
                        resolved_out.write_table if isinstance(c, pa.Table) else resolved_out.write, c
                    )
                    for c in chunks
                ]
                if derived is not None and len(derived):
                    pending.append(writer.submit(derived_out.write, derived))
                del rows, corr, won, chunks, derived
                trim()  # a shard's working memory, before the next one
                bar.update(1)
            derived = derived_batches.take()
            if derived is not None and len(derived):
                pending.append(writer.submit(derived_out.write, derived))
            _wait(pending)
        resolver.close()
        stages.mark("shards")
        for table in staged:
            table.close()
        if total.problems:
            raise SchemaError(list(dict.fromkeys(total.problems)))
        summary = _summary(parked.summary, total.metrics, total.resolved, total.conflicts, warnings)
        summary.update(counts)
        staged.append(parked.table)
        stages.mark("finish")  # summary["stage_seconds"] is this dict: it is in meta.json
        summary["stage_seconds"] = stages.seconds
        summary["seconds"] = stages.total()
        meta = {
            "schema_version": SCHEMA_VERSION,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "input_dir": str(input_dir),
            "formats": ["parquet", "csv"] if csv else ["parquet"],
            fingerprint.KEY: fingerprints or {},  # what the rows depend on besides the files (re-use)
            "summary": summary,
        }
        # Everything is on disk; now swap the files in, in one quick pass, meta.json last.
        with interrupts_held():
            for table in staged:
                table.commit()
            write_json_atomic(meta, out_dir / "meta.json")
        return summary
    finally:
        bar.close()
        if resolver is not None:
            resolver.close()
        for table in staged:
            table.close_quietly()
            table.discard()


DERIVED_BATCH_ROWS = 100_000  # input values gathered over shards before indicators are computed


class _DerivedBatches:
    """Derived indicators computed over several shards' inputs at once. compute_derived costs
    ~50 ms a call whatever its size (a loop over the catalogue's indicators): once per shard of
    1,000 files that was ~5 s of a 100k build. An agency's values are all in one shard, so
    any run of shards can be computed together; rows come out by agency and year within a batch."""

    def __init__(self, rows: int | None = None) -> None:
        self.rows = rows or DERIVED_BATCH_ROWS
        self._inputs: list[pd.DataFrame] = []
        self._held = 0

    def add(self, inputs: pd.DataFrame | None) -> pd.DataFrame | None:
        """Hold a shard's inputs; the derived rows of every input held once there are enough."""
        if inputs is not None and len(inputs):
            self._inputs.append(inputs)
            self._held += len(inputs)
        return self.take() if self._held >= self.rows else None

    def take(self) -> pd.DataFrame | None:
        """The derived rows of every input held (None when none is), by agency and year."""
        if not self._inputs:
            return None
        inputs = pd.concat(self._inputs, ignore_index=True)
        self._inputs, self._held = [], 0
        return compute_derived(inputs)


def _wait(futures: list[Future]) -> None:
    for future in futures:
        future.result()


def _check_agency_table() -> None:
    """A bad analyst agency file stops the build once, up front, with every problem listed."""
    from pipeline.agencies import DEFAULT_TABLE, load_agency_table

    if DEFAULT_TABLE.is_file():
        load_agency_table(DEFAULT_TABLE)


def _write_proposals(out_dir: Path) -> None:
    """Names the agency resolver was unsure of, next to the dataset (the analyst file is untouched).
    Reads the columns it needs from the documents just written, a batch at a time: what it keeps
    is per agency and per name; then the paths of the agencies it lists."""
    try:
        from pipeline.agencies import propose_in_parts
    except ImportError:
        return
    out = propose_in_parts(lambda columns: _document_parts(out_dir / "documents.parquet", columns))
    if len(out):
        from pipeline.writing import write_csv_atomic

        write_csv_atomic(out, out_dir / "agencies.proposed.csv")


def _document_parts(path: Path, columns: list[str]) -> Iterator[pd.DataFrame]:
    """Columns of a written documents table, CHUNK_DOCS rows at a time, repeating ones as categories."""
    compact = [c for c in columns if c in doc_table.COMPACT_COLUMNS]
    for batch in pq.ParquetFile(path, read_dictionary=compact).iter_batches(
        batch_size=CHUNK_DOCS, columns=columns
    ):
        yield batch.to_pandas()


def _is_candidate(path: str) -> bool:
    """A known report extension, or first bytes that the readers' own sniffer takes for a document."""
    if extension_kind(path) is not None:
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return False
    return sniff(head, path)[0] is not None


def _unchanged(path: str, size: float, mtime: float, sha256: str | None) -> float | None:
    """The file's mtime when its last build's row still holds (same size, and same mtime or same
    bytes); None when it must be read again (also when it cannot be examined: reading it says why)."""
    try:
        stat = os.stat(path)
        if size != stat.st_size:  # also when the size is unknown (NaN)
            return None
        if mtime == stat.st_mtime:
            return stat.st_mtime
        # Touched but maybe not changed: the bytes decide.
        same = hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha256
    except OSError:
        return None
    return stat.st_mtime if same else None


class _Stages:
    """Wall seconds of each step of a build (plan, extract, documents, shards, finish), in the order taken:
    the summary shows where a long build spends its time."""

    def __init__(self, started: float) -> None:
        self.started = self._last = started
        self.seconds: dict[str, float] = {}

    def mark(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._last, 2)
        self._last = now

    def total(self) -> float:
        return round(time.perf_counter() - self.started, 2)


class _NoBar:
    def update(self, n: int) -> None: ...

    def close(self) -> None: ...


def _stage(enabled: bool, message: str) -> None:
    """One line on stderr for each step after the progress bar, so a long build never looks stuck."""
    if enabled:
        print(f"[build {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _progress(total: int, enabled: bool, desc: str = "extracting", unit: str = "doc"):
    if not enabled or total == 0:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, smoothing=0.1, dynamic_ncols=True)


def _summary(
    documents: dict, metric_counts: Counter, resolved: int, conflicts: int, warnings: list[str]
) -> dict:
    found = {k: int(v) for k, v in metric_counts.items() if v}
    values = {
        "metrics": sum(found.values()),
        "metrics_per_key": dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))),
        "core_keys_found": sorted(set(found) & CORE_KEYS),
    }
    first = ("documents", "status", "failed", "failures")  # meta.json's keys in their usual order
    return {
        **{k: documents[k] for k in first},
        **values,
        **{k: v for k, v in documents.items() if k not in first},
        "resolved_values": int(resolved),
        "conflicts": int(conflicts),
        "warnings": warnings,
    }


def format_summary(summary: dict) -> str:
    lines = [
        f"documents: {summary['documents']}  "
        + "  ".join(f"{k}={v}" for k, v in summary["status"].items())
        + f"  (re-used {summary.get('reused', 0)}, extracted {summary.get('extracted', 0)})",
    ]
    if summary["failed"]:
        lines.append(f"failed ({summary['failed']}):")
        shown = summary["failures"][:50]
        lines += [f"  {f}" for f in shown]
        if summary["failed"] > len(shown):
            lines.append(f"  ... and {summary['failed'] - len(shown)} more (see documents.csv)")
    lines.append(
        f"metrics: {summary['metrics']} values, {summary['resolved_values']} resolved, "
        f"{summary['conflicts']} with disagreeing sources"
    )
    for key, n in sorted(summary["metrics_per_key"].items(), key=lambda kv: (-kv[1], kv[0]))[:30]:
        label = BY_KEY[key].zh if key in BY_KEY else key
        lines.append(f"  {key:<28} {n:>7}  {label}")
    years = summary["years"]
    lines.append(
        f"agencies: {summary['agencies']}  years: {years[0]}-{years[-1]} ({len(years)} distinct)"
        if years
        else f"agencies: {summary['agencies']}  years: none found"
    )
    lines += [f"every file read again: {why}" for why in summary.get("read_again_because", [])]
    lines += [f"warning: {w}" for w in summary["warnings"]]
    stages = summary.get("stage_seconds") or {}
    lines.append(
        f"took {summary.get('seconds', 0)} s"
        + (f" ({', '.join(f'{k} {v} s' for k, v in stages.items())})" if stages else "")
    )
    return "\n".join(lines)


__all__ = ["build_dataset", "process_file", "BuildResult", "FileTask"]
