"""Check the dataset against its contract before it is written; every failure is reported at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.catalog import BY_KEY
from pipeline.schema import (
    DOC_STATUSES,
    DOC_TYPES,
    DOCUMENT_COLUMNS,
    METRIC_COLUMNS,
    READ,
    REPORT_FORMATS,
    RESOLVED_COLUMNS,
    SCOPES,
)


class SchemaError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"dataset fails its schema ({len(problems)} problem(s)):\n" + "\n".join(problems))


def _columns(name: str, df: pd.DataFrame, columns: dict[str, str]) -> list[str]:
    out = []
    for col, dtype in columns.items():
        if col not in df:
            out.append(f"{name}: missing column {col}")
        elif str(df[col].dtype) != dtype and not (dtype == "string" and _is_text(df[col].dtype)):
            out.append(f"{name}.{col}: dtype {df[col].dtype}, expected {dtype}")
    return out


def _is_text(dtype) -> bool:
    """A string column, or one held as categories of strings (a build's compact document table)."""
    if isinstance(dtype, pd.CategoricalDtype):
        return _is_text(dtype.categories.dtype)
    return str(dtype).startswith("string") or str(dtype) == "str"


def _allowed(
    name: str, df: pd.DataFrame, col: str, allowed: tuple[str, ...], nullable: bool = False
) -> list[str]:
    bad = _outside(df[col], allowed, nullable)
    return _allowed_problem(name, col, allowed, len(bad), set(map(str, bad)))


def _outside(values: pd.Series, allowed: tuple[str, ...], nullable: bool) -> pd.Series:
    return values[~values.isin(allowed) & ~(values.isna() if nullable else False)]


def _allowed_problem(
    name: str, col: str, allowed: tuple[str, ...], count: int, examples: set[str]
) -> list[str]:
    if not count:
        return []
    return [f"{name}.{col}: {count} value(s) not in {allowed}, e.g. {sorted(examples)[:3]}"]


def _unique(name: str, df: pd.DataFrame, key: list[str]) -> list[str]:
    dup = df.duplicated(subset=key, keep=False)
    return [f"{name}: {int(dup.sum())} rows share a key {key}"] if dup.any() else []


def validate_documents(documents: pd.DataFrame) -> list[str]:
    checks = DocumentChecks()
    checks.add(documents)
    if checks.columns:
        return checks.columns
    read = documents["status"].isin(READ)
    return checks.problems(
        shared_paths=int(documents["path"].duplicated(keep=False).sum()),
        shared_read_ids=int(documents.loc[read, "doc_id"].duplicated(keep=False).sum()),
    )


class DocumentChecks:
    """validate_documents over a document table seen in parts (a build sees its documents one
    bucket at a time): the same problems, counted over the whole. Keys shared between parts are
    counted by the caller, who holds the keys of the whole."""

    ALLOWED = (
        ("status", DOC_STATUSES, False),
        ("doc_type", DOC_TYPES, True),
        ("report_format", REPORT_FORMATS, True),
    )

    def __init__(self) -> None:
        self.columns: list[str] = []  # a part without the contract's columns: nothing else is checked
        self._bad: dict[str, tuple[int, set[str]]] = {col: (0, set()) for col, _, _ in self.ALLOWED}
        self._missing_paths = 0

    def add(self, part: pd.DataFrame) -> None:
        self.columns += [p for p in _columns("documents", part, DOCUMENT_COLUMNS) if p not in self.columns]
        if self.columns:
            return
        for col, allowed, nullable in self.ALLOWED:
            bad = _outside(part[col], allowed, nullable)
            count, examples = self._bad[col]
            self._bad[col] = count + len(bad), set(sorted(examples | set(map(str, bad)))[:3])
        self._missing_paths += int(part["path"].isna().sum())

    def problems(self, shared_paths: int, shared_read_ids: int) -> list[str]:
        """`shared_paths`: rows whose path another row has; `shared_read_ids`: read rows (not copies)
        whose doc_id another read row has."""
        if self.columns:
            return list(self.columns)
        problems = []
        for col, allowed, _ in self.ALLOWED:
            problems += _allowed_problem("documents", col, allowed, *self._bad[col])
        if shared_paths:
            problems.append(f"documents: {shared_paths} rows share a key {['path']}")
        if shared_read_ids:
            problems.append(f"documents (read): {shared_read_ids} rows share a key {['doc_id']}")
        if self._missing_paths:
            problems.append("documents.path: missing values")
        return problems


def frame_problems(name: str, df: pd.DataFrame, spans: bool = False) -> list[str]:
    """Content checks of metric rows (a whole table or one streamed chunk of it)."""
    problems = _allowed(name, df, "scope", SCOPES)
    unknown = sorted({str(m) for m in df["metric"].dropna().unique()} - set(BY_KEY))  # distinct keys only
    if unknown:
        problems.append(f"{name}.metric: keys not in the catalogue: {unknown[:5]}")
    value = df["value"].to_numpy(dtype="float64", na_value=np.nan)
    if (~np.isfinite(value)).any():
        problems.append(f"{name}.value: {int((~np.isfinite(value)).sum())} missing or infinite values")
    no_evidence = df["evidence"].isna() | (df["evidence"].str.len() == 0)
    if no_evidence.any():
        problems.append(f"{name}.evidence: {int(no_evidence.sum())} rows without evidence")
    conf = df["confidence"].astype("float64")
    if ((conf < 0) | (conf > 1)).any():
        problems.append(f"{name}.confidence: values outside 0..1")
    if df["agency_id"].isna().any():
        problems.append(f"{name}.agency_id: {int(df['agency_id'].isna().sum())} missing")
    if spans:
        bad = df["start"].isna() | df["end"].isna() | (df["start"] >= df["end"])
        if bad.any():
            problems.append(f"{name}.start/end: {int(bad.sum())} rows without a valid value span")
    return problems


def document_ids(documents: pd.DataFrame) -> pd.Index:
    """The documents' ids as an index, whose hash table is built once however often it is asked."""
    return pd.Index(documents["doc_id"].dropna().unique())


def orphan_problems(metrics: pd.DataFrame, doc_ids: pd.Index) -> list[str]:
    """Every value has its document (doc_ids: document_ids of the documents); a value with no id is
    an orphan too. A build checks its values by document number instead (link_problems)."""
    orphan = ~metrics["doc_id"].isin(doc_ids)
    if orphan.any():
        return [f"metrics.doc_id: {int(orphan.sum())} rows whose document is not in documents"]
    return []


def link_problems(doc_ids: pa.Array | pa.ChunkedArray, own_ids: pa.Array | pa.ChunkedArray) -> list[str]:
    """Every value names the document it was read from. `own_ids` holds, row by row, the doc_id of
    the document each value came from (a build numbers documents and its spooled values carry
    that number), so the check compares pairs: no index of a national corpus's ids, no hash table
    built per agency shard. A value with no id, or another document's, counts as an orphan."""
    same = pc.fill_null(pc.equal(doc_ids.cast(pa.large_string()), own_ids.cast(pa.large_string())), False)
    orphans = len(same) - (pc.sum(same.cast(pa.int64())).as_py() or 0)
    return [f"metrics.doc_id: {orphans} rows whose document is not in documents"] if orphans else []


def resolved_key_problems(resolved: pd.DataFrame) -> list[str]:
    """One resolved value per (agency_id, year, metric, scope); a build checks it shard by shard."""
    return _unique("resolved", resolved, ["agency_id", "year", "metric", "scope"])


def key_problems(metrics: pd.DataFrame, resolved: pd.DataFrame, documents: pd.DataFrame) -> list[str]:
    """Checks across tables: every value has its document; one resolved value per key."""
    return orphan_problems(metrics, document_ids(documents)) + resolved_key_problems(resolved)


def validate_dataset(documents: pd.DataFrame, metrics: pd.DataFrame, resolved: pd.DataFrame) -> None:
    """Raise SchemaError listing every problem; return None when the dataset is sound."""
    problems = (
        _columns("documents", documents, DOCUMENT_COLUMNS)
        + _columns("metrics", metrics, METRIC_COLUMNS)
        + _columns("resolved", resolved, RESOLVED_COLUMNS)
    )
    if problems:
        raise SchemaError(problems)
    problems = (
        validate_documents(documents)
        + frame_problems("metrics", metrics, spans=True)
        + frame_problems("resolved", resolved)
        + key_problems(metrics, resolved, documents)
    )
    if problems:
        raise SchemaError(problems)
