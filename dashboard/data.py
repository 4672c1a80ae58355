"""Loading the built dataset for the dashboard: state checks, agency attributes, derived indicators."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.catalog import DERIVED
from pipeline.derived import INPUTS as DERIVED_INPUTS
from pipeline.schema import RESOLVED_COLUMNS, SCHEMA_VERSION

ENV_VAR = "GOVREPORT_DATASET_DIR"
DEFAULT_DIR = Path("data/dataset")
FILES = ("documents.parquet", "metrics.parquet", "resolved.parquet", "derived.parquet", "meta.json")
AGENCY_ATTRS = ("agency", "region", "province", "city", "county", "level", "agency_kind")
# What filters and charts compare on every interaction: read at load, the text columns as categories
# straight from parquet's dictionaries (no Python strings for a million rows).
KEY_COLUMNS = ("doc_id", "agency_id", "year", "metric", "scope", "value", "approx")
CATEGORY_COLUMNS = ("doc_id", "agency_id", "metric", "scope")
# What only hover labels, the data table and downloads show: read once, on first use, kept as Arrow.
DETAIL_COLUMNS = ("unit", "source", "conflict", "alternatives", "confidence", "flags", "note", "evidence")
DETAIL_DICTIONARY = ("unit", "source", "flags", "alternatives", "note")  # few distinct values each
DOC_METRIC_COLUMNS = ("metric", "value", "unit", "scope", "approx", "method", "evidence", "start", "end")
DOC_CACHE = 8  # documents whose records stay in memory (one per reader flipping through reports)


def dataset_dir() -> Path:
    """Where the app reads the dataset: $GOVREPORT_DATASET_DIR, else data/dataset."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_DIR)


def signature(directory: Path) -> tuple:
    """Cheap change detector for caching: (name, mtime, size) of every dataset file, meta.json included."""
    out = []
    for name in FILES:
        p = Path(directory) / name
        if p.exists():
            st = p.stat()
            out.append((name, st.st_mtime_ns, st.st_size))
    return tuple(out)


def agency_table(documents: pd.DataFrame, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per agency_id: the first non-null attribute from documents; agencies known only from
    metric rows (e.g. a correction) come from `extra` (columns agency_id, agency, region)."""
    cols = [c for c in AGENCY_ATTRS if c in documents.columns]
    docs = documents.dropna(subset=["agency_id"])
    table = docs.groupby("agency_id", sort=True)[cols].first() if len(docs) else pd.DataFrame(columns=cols)
    if extra is not None and len(extra):
        extra = extra.astype({"agency_id": str})
        extra = extra[~extra["agency_id"].isin(table.index)].drop_duplicates("agency_id")
        table = pd.concat([table, extra.set_index("agency_id")[["agency", "region"]]])
    for c in AGENCY_ATTRS:
        if c not in table:
            table[c] = pd.NA
    table = table[list(AGENCY_ATTRS)].astype("string")
    table["agency"] = table["agency"].fillna(pd.Series(table.index, index=table.index, dtype="string"))
    table.index = table.index.astype("string")
    table.index.name = "agency_id"
    return table.sort_index().reset_index()


def normalise_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Key columns with the dtypes the charts rely on; rows missing a key are dropped.

    The index is kept: it is each row's position in its source, where its detail columns are found.
    """
    values = frame[[c for c in KEY_COLUMNS if c in frame.columns]]
    for col in KEY_COLUMNS:
        if col not in values:
            values = values.assign(**{col: pd.NA})
    complete = values.dropna(subset=["agency_id", "year", "metric", "value"])
    dropped, values = len(complete) < len(values), complete
    out = {
        "year": values["year"].astype("int64"),
        "value": values["value"].astype("float64"),
        "approx": values["approx"].fillna(False).astype(bool),
    }
    for col in CATEGORY_COLUMNS:
        s = values[col]
        if not isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype("string").astype("category")
        out[col] = _drop_unused(s) if dropped else s
    return pd.DataFrame(out, index=values.index)[list(KEY_COLUMNS)]


def _drop_unused(s: pd.Series) -> pd.Series:
    """Categories no row uses any more, removed in one counting pass (remove_unused_categories sorts)."""
    codes = s.cat.codes.to_numpy()
    used = np.bincount(codes[codes >= 0], minlength=len(s.cat.categories)) > 0
    return s if used.all() else s.cat.remove_categories(s.cat.categories[~used])


class Rows:
    """Resolved-format rows: key columns in memory, detail columns fetched by row position on demand."""

    def __init__(self, keys: pd.DataFrame, details: Callable[[], pa.Table | pd.DataFrame]) -> None:
        self.keys = keys  # normalise_values output; index = position in the source
        self._load = details
        self._details: pa.Table | pd.DataFrame | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_parquet(cls, path: Path) -> Rows:
        names = set(pq.read_schema(path).names)
        keys = pq.read_table(
            path,
            columns=[c for c in KEY_COLUMNS if c in names],
            read_dictionary=[c for c in CATEGORY_COLUMNS if c in names],
        ).to_pandas()
        cols = [c for c in DETAIL_COLUMNS if c in names]
        dictionary = [c for c in DETAIL_DICTIONARY if c in names]
        return cls(
            normalise_values(keys), lambda: pq.read_table(path, columns=cols, read_dictionary=dictionary)
        )

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Rows:
        frame = frame.reset_index(drop=True)
        return cls(normalise_values(frame), lambda: frame[[c for c in DETAIL_COLUMNS if c in frame.columns]])

    def _source(self) -> pa.Table | pd.DataFrame:
        if self._details is None:
            with self._lock:  # sessions share this object (st.cache_resource)
                if self._details is None:
                    self._details = self._load()
        return self._details

    def details(self, positions: np.ndarray) -> pd.DataFrame:
        """DETAIL_COLUMNS of the rows at `positions` (index = positions); absent columns are NA."""
        src = self._source()
        if isinstance(src, pa.Table):
            part = _decoded(take_rows(src, positions)).to_pandas()
        else:
            part = src.iloc[positions].reset_index(drop=True)
        part.index = positions
        for col in DETAIL_COLUMNS:
            if col not in part:
                part[col] = pd.Series(pd.NA, index=part.index, dtype=RESOLVED_COLUMNS[col])
        return part[list(DETAIL_COLUMNS)]


def take_rows(table: pa.Table, positions: np.ndarray) -> pa.Table:
    """table.take(positions), chunk by chunk. A parquet file reads as dozens of chunks, and Arrow's
    take over a chunked table costs time in the whole table's size (0.1-0.25 s at 7M rows, on every
    first view of a metric); taking each chunk's own rows costs time in the rows taken (~10 ms)."""
    positions = np.asarray(positions, dtype=np.int64)
    order = None
    if len(positions) > 1 and (np.diff(positions) < 0).any():
        order = np.argsort(positions, kind="stable")
        positions = positions[order]
    batches = table.to_batches()
    starts = np.cumsum([0] + [b.num_rows for b in batches])
    cuts = np.searchsorted(positions, starts)
    if len(positions) and (positions[0] < 0 or positions[-1] >= starts[-1]):
        raise IndexError(f"row positions outside 0..{starts[-1] - 1}")
    parts = [
        batch.take(pa.array(positions[cuts[i] : cuts[i + 1]] - starts[i]))
        for i, batch in enumerate(batches)
        if cuts[i + 1] > cuts[i]
    ]
    out = pa.Table.from_batches(parts, schema=table.schema)
    if order is not None:  # back to the order asked for
        out = out.take(pa.array(np.argsort(order, kind="stable")))
    return out


def _decoded(table: pa.Table) -> pa.Table:
    """Dictionary columns as plain strings. The table in memory keeps them as dictionaries (small),
    but rows taken from many chunks carry one dictionary per chunk, and pandas would unify them all:
    75 ms for the 144k distinct `alternatives` of a 200k-report build, against 2 ms to decode."""
    columns = [
        pc.cast(col, col.type.value_type) if pa.types.is_dictionary(col.type) else col
        for col in table.columns
    ]
    return pa.table(columns, names=table.column_names)


class CategoryLookups:
    """Per-category lookups kept across metrics. Every metric's rows share the categories of the
    table they come from (190k doc_ids at 200k reports), and looking them all up again costs
    ~0.1 s on each first view of a metric; kept here, each first view only indexes by code."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, int], tuple[pd.Index, pd.DataFrame | pd.Series]] = {}

    def get(
        self, name: str, categories: pd.Index, table: Callable[[], pd.DataFrame | pd.Series]
    ) -> pd.DataFrame | pd.Series:
        hit = self._kept.get((name, id(categories)))
        if hit is None or hit[0] is not categories:  # the index is held, so its id is not reused
            hit = (categories, table().reindex(categories.astype(str)))
            self._kept[(name, id(categories))] = hit
        return hit[1]


def _lookup(
    keys: pd.Series,
    table: Callable[[], pd.DataFrame | pd.Series],
    kept: CategoryLookups | None = None,
    name: str = "",
) -> pd.DataFrame | pd.Series:
    """table().loc[keys] with NA for unknown keys; a categorical key is looked up once per category
    (and once per category set, with `kept`)."""
    if isinstance(keys.dtype, pd.CategoricalDtype):
        categories = keys.cat.categories
        if kept is not None:
            per_category = kept.get(name, categories, table)
        else:
            per_category = table().reindex(categories.astype(str))
        codes = keys.cat.codes.to_numpy()
        out = per_category.iloc[np.where(codes >= 0, codes, 0)]
        out = out.where(pd.Series(codes >= 0, index=out.index), axis=0) if (codes < 0).any() else out
        return out.set_axis(keys.index, axis=0)
    return table().reindex(keys.astype(str)).set_axis(keys.index, axis=0)


def attach_attributes(
    rows: pd.DataFrame, agencies: pd.DataFrame, paths: pd.Series, kept: CategoryLookups | None = None
) -> pd.DataFrame:
    """Rows with the agency's canonical name, region, level and kind, and the source document's path."""
    attrs = _lookup(
        rows["agency_id"], lambda: agencies.set_index("agency_id")[list(AGENCY_ATTRS)], kept, "agency"
    )
    path = _lookup(rows["doc_id"], lambda: paths.astype("string"), kept, "path")
    out = rows.assign(**{col: attrs[col].astype("string") for col in AGENCY_ATTRS})
    return out.assign(path=path.astype("string"))


def _positions(keys: pd.DataFrame) -> dict[str, np.ndarray]:
    """Row positions of each metric, from the category codes (one sort for a million rows)."""
    metric = keys["metric"]
    codes = metric.cat.codes.to_numpy()
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(metric.cat.categories) + 1))
    return {
        str(k): order[bounds[i] : bounds[i + 1]]
        for i, k in enumerate(metric.cat.categories)
        if bounds[i + 1] > bounds[i]
    }


def _inputs_present(d, extracted: Mapping) -> bool:
    return all(k in extracted for k in d.numerator + d.denominator + d.subtract)


class MetricFrames(Mapping[str, pd.DataFrame]):
    """Rows per metric key with agency attributes and details, prepared on first use and kept.

    Derived indicators come from derived.parquet (written by the build); a dataset without it offers
    those whose inputs exist and computes them all on the first use of one, so opening never waits.
    """

    def __init__(self, resolved: Rows, agencies: pd.DataFrame, paths: pd.Series,
                 derived: Rows | Callable[[], Rows] | None = None) -> None:  # fmt: skip
        self._agencies, self._paths = agencies, paths
        self._sources: dict[str, Rows | None] = {}  # None: a derived key not computed yet
        self._index: dict[str, np.ndarray] = {}
        self._add(resolved)
        self._pending = derived if callable(derived) and not isinstance(derived, Rows) else None
        if isinstance(derived, Rows):
            self._add(derived)
        elif self._pending is not None:
            for d in DERIVED:
                if d.key not in self._sources and _inputs_present(d, self._index):
                    self._sources[d.key] = None
        self._offered = list(self._sources)
        self._frames: dict[str, pd.DataFrame] = {}
        self._lookups = CategoryLookups()  # used under self._lock
        self._lock = threading.Lock()

    def _add(self, rows: Rows) -> None:
        for key, pos in _positions(rows.keys).items():
            if self._sources.get(key) is None:
                self._sources[key], self._index[key] = rows, pos

    def _prepare(self, key: str) -> pd.DataFrame:
        if self._sources[key] is None and self._pending is not None:
            self._add(self._pending())
            self._pending = None
        source = self._sources[key]
        if source is None:  # offered, but the computation gave no row (e.g. every denominator is 0)
            return pd.DataFrame(columns=[*KEY_COLUMNS, *AGENCY_ATTRS, "path", *DETAIL_COLUMNS])
        keys = source.keys.iloc[self._index[key]]
        details = source.details(keys.index.to_numpy())
        with_attributes = attach_attributes(keys, self._agencies, self._paths, self._lookups)
        return pd.concat([with_attributes, details], axis=1)

    def __getitem__(self, key: str) -> pd.DataFrame:
        if key not in self._sources:
            raise KeyError(key)
        if key not in self._frames:
            with self._lock:  # sessions share this object (st.cache_resource)
                if key not in self._frames:
                    self._frames[key] = self._prepare(key)
        return self._frames[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._offered)

    def __len__(self) -> int:
        return len(self._offered)

    def __contains__(self, key: object) -> bool:
        return key in self._sources


@dataclass(frozen=True)
class Dataset:
    directory: Path
    documents: pd.DataFrame
    values: pd.DataFrame  # resolved key columns (agency_id, year, metric, scope, value, approx, doc_id)
    agencies: pd.DataFrame  # one row per agency_id: canonical name and region/level/kind
    meta: dict
    by_metric: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # rows per metric, derived included
    resolved: Rows | None = None  # where the detail columns (evidence, source, flags, ...) come from
    _doc_cache: dict = field(default_factory=dict, compare=False, repr=False)  # doc_id -> its records

    @cached_property
    def names(self) -> dict[str, str]:
        """agency_id -> canonical name."""
        return dict(
            zip(self.agencies["agency_id"].astype(str), self.agencies["agency"].astype(str), strict=True)
        )

    @cached_property
    def years(self) -> list[int]:
        """Every year with a value, ascending."""
        return sorted(int(y) for y in self.values["year"].unique())

    @cached_property
    def coverage_counts(self) -> pd.DataFrame:
        """agency_id x year: how many metrics have a value (computed once per dataset)."""
        from dashboard.selection import coverage

        return coverage(self.values, {})

    @cached_property
    def document_labels(self) -> dict[str, str]:
        """path -> "agency · year" for the document picker (once per dataset, on whole columns)."""
        docs = self.documents
        agency = docs["agency"].astype("string")
        year = docs["year"].astype("string")
        text = (agency.fillna("") + " · " + year.fillna("")).str.strip(" ·")
        return dict(zip(docs["path"].astype(str), text.fillna("").astype(str), strict=True))

    @cached_property
    def readable_paths(self) -> pd.Series:
        """Paths of the documents read without trouble, sorted (the 文档 picker's list, once per dataset)."""
        docs = self.documents
        return docs.loc[docs["status"] == "ok", "path"].astype(str).sort_values(ignore_index=True)

    @cached_property
    def documents_by_attention(self) -> pd.DataFrame:
        """Documents with the files that need attention (not ok) first, each group in path order."""
        docs = self.documents
        order = np.lexsort((docs["path"].astype(str).to_numpy(), (docs["status"] == "ok").to_numpy()))
        return docs.iloc[order].reset_index(drop=True)

    def full_table(self) -> pd.DataFrame:
        """Every resolved value with agency attributes and details (for the full-dataset download)."""
        out = attach_attributes(self.values, self.agencies, _paths(self.documents))
        if self.resolved is not None:
            out = pd.concat([out, self.resolved.details(self.values.index.to_numpy())], axis=1)
        return out

    def doc_metrics(self, doc_id: str) -> pd.DataFrame:
        """Every extracted record of one document (read on demand, only the columns shown, kept for the
        last few documents: metrics.parquet can hold millions of rows)."""
        frame = self._doc_cache.get(doc_id)
        if frame is not None:
            return frame
        path = self.directory / "metrics.parquet"
        if not path.exists():
            return pd.DataFrame(columns=list(DOC_METRIC_COLUMNS))
        names = set(pq.read_schema(path).names)
        columns = [c for c in DOC_METRIC_COLUMNS if c in names]
        frame = pd.read_parquet(path, columns=columns, filters=[("doc_id", "==", doc_id)])
        for old in list(self._doc_cache)[: max(0, len(self._doc_cache) - DOC_CACHE + 1)]:
            self._doc_cache.pop(old, None)  # sessions share this object: never fail on a key gone meanwhile
        self._doc_cache[doc_id] = frame
        return frame


@dataclass(frozen=True)
class LoadResult:
    status: str  # ok | missing | old_schema | unreadable
    dataset: Dataset | None = None
    found_version: int | None = None
    error: str = ""


def _paths(documents: pd.DataFrame) -> pd.Series:
    return documents.dropna(subset=["doc_id"]).drop_duplicates("doc_id").set_index("doc_id")["path"]


def _unseen_agencies(path: Path, keys: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame | None:
    """Name and region of agencies that appear in metric rows but in no document (read only for those)."""
    known = set(documents["agency_id"].dropna().astype(str))
    unseen = [str(a) for a in keys["agency_id"].cat.categories if str(a) not in known]
    if not unseen:
        return None
    return pd.read_parquet(
        path, columns=["agency_id", "agency", "region"], filters=[("agency_id", "in", unseen)]
    )


def _computed_derived(path: Path) -> Callable[[], Rows]:
    """Derived indicators for a dataset built before derived.parquet existed: computed on first use."""

    def compute() -> Rows:
        from pipeline.derived import compute_derived

        inputs = pd.read_parquet(path, filters=[("metric", "in", list(DERIVED_INPUTS))])
        return Rows.from_frame(compute_derived(inputs))

    return compute


def read_dataset(directory: Path) -> LoadResult:
    """Read and check the dataset in `directory`; every failure is a state, never an exception."""
    directory = Path(directory)
    if not all((directory / name).exists() for name in ("documents.parquet", "resolved.parquet")):
        return LoadResult("missing")
    try:
        meta_path = directory / "meta.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        found = meta.get("schema_version")
        if not isinstance(found, int) or found < SCHEMA_VERSION:
            return LoadResult("old_schema", found_version=found if isinstance(found, int) else None)
        documents = pd.read_parquet(directory / "documents.parquet")
        resolved = Rows.from_parquet(directory / "resolved.parquet")
        derived_path = directory / "derived.parquet"
        derived = (
            Rows.from_parquet(derived_path)
            if derived_path.exists()
            else _computed_derived(directory / "resolved.parquet")
        )
        agencies = agency_table(
            documents, _unseen_agencies(directory / "resolved.parquet", resolved.keys, documents)
        )
        by_metric = MetricFrames(resolved, agencies, _paths(documents), derived)
    except Exception as exc:  # a corrupt or foreign file is a state for the user, not a traceback
        return LoadResult("unreadable", error=f"{type(exc).__name__}: {exc}")
    dataset = Dataset(directory, documents, resolved.keys, agencies, meta, by_metric, resolved)
    return LoadResult("ok", dataset, found)
