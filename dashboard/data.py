"""Loading the built dataset for the dashboard: state checks, agency attributes, derived indicators."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.catalog import DERIVED, DERIVED_BY_KEY
from pipeline.derived import compute_derived
from pipeline.schema import RESOLVED_COLUMNS, SCHEMA_VERSION

ENV_VAR = "GOVREPORT_DATASET_DIR"
DEFAULT_DIR = Path("data/dataset")
FILES = ("documents.parquet", "metrics.parquet", "resolved.parquet", "derived.parquet", "meta.json")
AGENCY_ATTRS = ("agency", "region", "province", "city", "county", "level", "agency_kind")
# Columns turned into categories once at load: filters compare them on every interaction.
CATEGORY_COLUMNS = ("agency_id", "metric", "scope", "source")


def dataset_dir() -> Path:
    """Where the app reads the dataset: $GOVREPORT_DATASET_DIR, else data/dataset."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_DIR)


def signature(directory: Path) -> tuple:
    """Cheap change detector for caching: (name, mtime, size) of every dataset file."""
    out = []
    for name in FILES:
        p = Path(directory) / name
        if p.exists():
            st = p.stat()
            out.append((name, st.st_mtime_ns, st.st_size))
    return tuple(out)


def agency_table(documents: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """One row per agency_id: the first non-null attribute from documents, else from the values."""
    cols = [c for c in AGENCY_ATTRS if c in documents.columns]
    docs = documents.dropna(subset=["agency_id"])
    table = docs.groupby("agency_id", sort=True)[cols].first() if len(docs) else pd.DataFrame(columns=cols)
    ids = values["agency_id"].dropna().astype(str)
    unseen = ids[~ids.isin(table.index)]
    if len(unseen):  # agencies known only from metric rows (e.g. a correction): name and region from there
        extra = values.loc[unseen.index, ["agency_id", "agency", "region"]].astype({"agency_id": str})
        table = pd.concat([table, extra.drop_duplicates("agency_id").set_index("agency_id")])
    for c in AGENCY_ATTRS:
        if c not in table:
            table[c] = pd.NA
    table = table[list(AGENCY_ATTRS)].astype("string")
    table["agency"] = table["agency"].fillna(pd.Series(table.index, index=table.index, dtype="string"))
    table.index.name = "agency_id"
    return table.sort_index().reset_index()


def derived_rows(resolved: pd.DataFrame) -> pd.DataFrame:
    """Derived indicators (rates) per agency-year, in the resolved long format."""
    return compute_derived(resolved)


def normalise_values(resolved: pd.DataFrame) -> pd.DataFrame:
    """Resolved (or derived) rows with the dtypes the charts rely on; rows missing a key are dropped."""
    values = resolved.copy()
    for col in RESOLVED_COLUMNS:
        if col not in values:
            values[col] = pd.NA
    values = values.dropna(subset=["agency_id", "year", "metric", "value"])
    values["year"] = values["year"].astype("int64")
    values["value"] = values["value"].astype("float64")
    values["approx"] = values["approx"].fillna(False).astype(bool)
    for col in CATEGORY_COLUMNS:
        values[col] = values[col].astype("string").astype("category")
    return values.reset_index(drop=True)


def attach_attributes(rows: pd.DataFrame, agencies: pd.DataFrame, paths: pd.Series) -> pd.DataFrame:
    """Rows with the agency's canonical name, region, level and kind, and the source document's path."""
    attrs = agencies.set_index("agency_id")
    ids = rows["agency_id"].astype(str)
    out = rows.copy()
    for col in AGENCY_ATTRS:
        out[col] = ids.map(attrs[col]).astype("string")
    out["path"] = rows["doc_id"].astype("string").map(paths).astype("string")
    return out


def _inputs_present(d, extracted: Mapping) -> bool:
    return all(k in extracted for k in d.numerator + d.denominator)


class MetricFrames(Mapping[str, pd.DataFrame]):
    """Rows per metric key with agency attributes, prepared on first use and kept.

    Derived indicators are offered when their inputs exist and computed on first use (once per
    dataset, or read from derived.parquet if the build wrote one), so opening the app never waits.
    """

    def __init__(self, values: pd.DataFrame, agencies: pd.DataFrame, paths: pd.Series,
                 derived: pd.DataFrame | None = None) -> None:  # fmt: skip
        self._values, self._agencies, self._paths = values, agencies, paths
        self._index: dict[str, np.ndarray] = {
            str(k): v for k, v in values.groupby("metric", observed=True).indices.items()
        }
        self._frames: dict[str, pd.DataFrame] = {}
        self._lock = threading.Lock()
        self._derived: pd.DataFrame | None = None if derived is None else normalise_values(derived)
        self._offered = list(self._index) + [
            d.key for d in DERIVED if d.key not in self._index and _inputs_present(d, self._index)
        ]

    def _prepare(self, key: str) -> pd.DataFrame | None:
        if key in self._index:
            return attach_attributes(self._values.take(self._index[key]), self._agencies, self._paths)
        if key in DERIVED_BY_KEY:
            if self._derived is None:
                inputs = {k for d in DERIVED for k in d.numerator + d.denominator + d.subtract}
                needed = self._values[self._values["metric"].isin(inputs)]
                self._derived = normalise_values(derived_rows(needed))
            rows = self._derived[self._derived["metric"] == key]
            return attach_attributes(rows, self._agencies, self._paths)
        return None

    def __getitem__(self, key: str) -> pd.DataFrame:
        if key not in self._frames:
            with self._lock:  # sessions share this object (st.cache_resource)
                if key not in self._frames:
                    frame = self._prepare(key)
                    if frame is None:
                        raise KeyError(key)
                    self._frames[key] = frame
        return self._frames[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._offered)

    def __len__(self) -> int:
        return len(self._offered)

    def __contains__(self, key: object) -> bool:
        return key in self._offered


@dataclass(frozen=True)
class Dataset:
    directory: Path
    documents: pd.DataFrame
    values: pd.DataFrame  # resolved rows (agency_id, year, metric, scope, value, evidence, source, ...)
    agencies: pd.DataFrame  # one row per agency_id: canonical name and region/level/kind
    meta: dict
    by_metric: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # rows per metric, derived included

    def full_table(self) -> pd.DataFrame:
        """Every resolved value with agency attributes (for the full-dataset download)."""
        return attach_attributes(self.values, self.agencies, _paths(self.documents))

    def doc_metrics(self, doc_id: str) -> pd.DataFrame:
        """Every extracted record of one document (read on demand: metrics.parquet can be large)."""
        path = self.directory / "metrics.parquet"
        if not path.exists():
            return pd.DataFrame(columns=["metric", "value", "start", "end"])
        return pd.read_parquet(path, filters=[("doc_id", "==", doc_id)])


@dataclass(frozen=True)
class LoadResult:
    status: str  # ok | missing | old_schema | unreadable
    dataset: Dataset | None = None
    found_version: int | None = None
    error: str = ""


def _paths(documents: pd.DataFrame) -> pd.Series:
    return documents.dropna(subset=["doc_id"]).drop_duplicates("doc_id").set_index("doc_id")["path"]


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
        values = normalise_values(pd.read_parquet(directory / "resolved.parquet"))
        derived_path = directory / "derived.parquet"
        derived = pd.read_parquet(derived_path) if derived_path.exists() else None
        agencies = agency_table(documents, values)
        by_metric = MetricFrames(values, agencies, _paths(documents), derived)
    except Exception as exc:  # a corrupt or foreign file is a state for the user, not a traceback
        return LoadResult("unreadable", error=f"{type(exc).__name__}: {exc}")
    return LoadResult("ok", Dataset(directory, documents, values, agencies, meta, by_metric), found)
