"""Loading the built dataset for the dashboard: state checks, agency attributes, derived indicators."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.derived import compute_derived
from pipeline.schema import RESOLVED_COLUMNS, SCHEMA_VERSION

ENV_VAR = "GOVREPORT_DATASET_DIR"
DEFAULT_DIR = Path("data/dataset")
FILES = ("documents.parquet", "metrics.parquet", "resolved.parquet", "meta.json")
AGENCY_ATTRS = ("agency", "region", "province", "city", "county", "level", "agency_kind")
# Columns turned into categories once at load: filters compare them on every interaction.
CATEGORY_COLUMNS = ("agency_id", "metric", "scope", "source")


@dataclass(frozen=True)
class Dataset:
    documents: pd.DataFrame
    metrics: pd.DataFrame
    values: pd.DataFrame  # resolved + derived rows, one per agency_id/year/metric/scope, with attributes
    agencies: pd.DataFrame  # one row per agency_id: canonical name and region/level/kind
    meta: dict
    by_metric: dict[str, pd.DataFrame] = field(default_factory=dict)  # values split by metric key


@dataclass(frozen=True)
class LoadResult:
    status: str  # ok | missing | old_schema | unreadable
    dataset: Dataset | None = None
    found_version: int | None = None
    error: str = ""


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
    seen = values[["agency_id", "agency", "region"]].dropna(subset=["agency_id"])
    fallback = seen.groupby("agency_id", sort=True, observed=True)[["agency", "region"]].first()
    table = table.combine_first(fallback) if len(table) else fallback
    for c in AGENCY_ATTRS:
        if c not in table:
            table[c] = pd.NA
    table = table[list(AGENCY_ATTRS)].astype("string")
    table["agency"] = table["agency"].fillna(pd.Series(table.index, index=table.index, dtype="string"))
    table.index.name = "agency_id"
    return table.reset_index()


def derived_rows(resolved: pd.DataFrame) -> pd.DataFrame:
    """Derived indicators (rates) per agency-year, in the resolved long format."""
    rows = compute_derived(resolved)
    return rows if len(rows) else pd.DataFrame(columns=list(RESOLVED_COLUMNS))


def _read_meta(directory: Path) -> dict:
    p = directory / "meta.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def prepare_values(
    resolved: pd.DataFrame, documents: pd.DataFrame, derived: pd.DataFrame | None
) -> pd.DataFrame:
    """The table every chart reads: resolved (+ derived) values joined with agency attributes and doc path."""
    frames = [resolved]
    if len(derived):
        frames.append(derived)
    values = pd.concat(frames, ignore_index=True) if len(frames) > 1 else resolved.copy()
    for col in RESOLVED_COLUMNS:
        if col not in values:
            values[col] = pd.NA
    values = values.dropna(subset=["agency_id", "year", "metric", "value"])
    agencies = agency_table(documents, values).set_index("agency_id")
    ids = values["agency_id"].astype("string")
    for col in ("agency", "region", "province", "city", "county", "level", "agency_kind"):
        values[col] = ids.map(agencies[col]).astype("string")
    paths = documents.dropna(subset=["doc_id"]).drop_duplicates("doc_id").set_index("doc_id")["path"]
    values["path"] = values["doc_id"].astype("string").map(paths).astype("string")
    values["year"] = values["year"].astype("int64")
    values["value"] = values["value"].astype("float64")
    values["approx"] = values["approx"].fillna(False).astype(bool)
    for col in CATEGORY_COLUMNS:
        values[col] = values[col].astype("string").astype("category")
    return values.reset_index(drop=True)


def read_dataset(directory: Path) -> LoadResult:
    """Read and check the dataset in `directory`; every failure is a state, never an exception."""
    directory = Path(directory)
    if not all((directory / name).exists() for name in ("documents.parquet", "resolved.parquet")):
        return LoadResult("missing")
    try:
        meta = _read_meta(directory)
        found = meta.get("schema_version")
        if not isinstance(found, int) or found < SCHEMA_VERSION:
            return LoadResult("old_schema", found_version=found if isinstance(found, int) else None)
        documents = pd.read_parquet(directory / "documents.parquet")
        resolved = pd.read_parquet(directory / "resolved.parquet")
        metrics_path = directory / "metrics.parquet"
        metrics = pd.read_parquet(metrics_path) if metrics_path.exists() else resolved.iloc[0:0]
        derived = derived_rows(resolved)
        values = prepare_values(resolved, documents, derived)
    except Exception as exc:  # a corrupt or foreign file is a state for the user, not a traceback
        return LoadResult("unreadable", error=f"{type(exc).__name__}: {exc}")
    by_metric = {str(k): g for k, g in values.groupby("metric", observed=True, sort=False)}
    dataset = Dataset(
        documents=documents,
        metrics=metrics,
        values=values,
        agencies=agency_table(documents, values),
        meta=meta,
        by_metric=by_metric,
    )
    return LoadResult("ok", dataset=dataset, found_version=found)
