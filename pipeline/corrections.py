"""Analyst corrections (data/corrections.csv): validated on load, matched to agency-years, never written."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd

from pipeline.analyst_files import AnalystFileError, read_analyst_text
from pipeline.catalog import BY_KEY
from pipeline.schema import SCOPES

COLUMNS = ("doc_id", "agency_id", "agency", "year", "metric", "value", "scope", "note")
REQUIRED = ("metric", "value", "note")


class CorrectionsError(ValueError):
    """Every problem in the corrections file, reported at once."""


def load_corrections(path: Path) -> pd.DataFrame:
    """Read and validate the analyst file; a missing or empty file means no corrections. UTF-8,
    UTF-16 or GBK as Excel saves it (pipeline.analyst_files)."""
    path = Path(path)
    if not path.exists():
        return _no_corrections()
    try:
        text = read_analyst_text(path)
    except AnalystFileError as exc:
        raise CorrectionsError(str(exc)) from None
    if not text.strip():  # an emptied file: no corrections, as when there is no file
        return _no_corrections()
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, comment=None)
    except pd.errors.ParserError as exc:  # an unclosed quote, a row with too many fields
        raise CorrectionsError(f"{path}: not a readable CSV file: {exc}") from None
    df.columns = [c.strip() for c in df.columns]
    problems = validate_corrections(df)
    if problems:
        raise CorrectionsError(f"{path}: {len(problems)} problem(s):\n" + "\n".join(problems))
    for col in COLUMNS:
        if col not in df:
            df[col] = ""
    df = df[list(COLUMNS)].copy()
    df["scope"] = df["scope"].where(df["scope"] != "", "annual")
    return df


def _no_corrections() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS})


def validate_corrections(df: pd.DataFrame) -> list[str]:
    """All problems of the file as 'line N: ...' strings (line numbers as an editor shows them)."""
    problems = [f"missing column {c!r}" for c in REQUIRED if c not in df.columns]
    unknown = [c for c in df.columns if c not in COLUMNS]
    if unknown:
        problems.append(f"unknown column(s) {unknown}; allowed: {', '.join(COLUMNS)}")
    if problems:
        return problems
    for i, raw in enumerate(df.to_dict("records"), start=2):
        row = {k: str(raw.get(k, "") or "").strip() for k in COLUMNS}
        get = row.__getitem__
        if get("metric") not in BY_KEY:
            problems.append(f"line {i}: unknown metric {get('metric')!r}")
        try:
            value = float(get("value"))
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            problems.append(f"line {i}: value {get('value')!r} is not a number")
        if not get("note"):
            problems.append(f"line {i}: note is empty (say why the value is corrected)")
        if get("scope") and get("scope") not in SCOPES:
            problems.append(f"line {i}: scope {get('scope')!r} is not one of {SCOPES}")
        has_doc = bool(get("doc_id"))
        has_agency_year = bool(get("agency_id") or get("agency")) and bool(get("year"))
        if not (has_doc or has_agency_year):
            problems.append(f"line {i}: give doc_id, or agency_id/agency together with year")
        if get("year") and not get("year").isdigit():
            problems.append(f"line {i}: year {get('year')!r} is not a whole number")
    return problems


class DocumentLookups:
    """doc_id -> its agency/year/region, and agency name -> agency_id, for the ids and names the
    corrections name only: a national build has a million documents and a handful of corrections.
    Gathered from the documents in path order, in parts or whole.

    Copies of one text share its doc_id; the copy that was read answers (the others are duplicates).
    """

    def __init__(self, corrections: pd.DataFrame) -> None:
        self.ids = {d for d in corrections["doc_id"] if d}
        self.names = {a for a in corrections["agency"] if a}
        self.agency_ids = {a for a in corrections["agency_id"] if a}
        self.by_doc: dict = {}
        self.by_name: dict[str, str] = {}
        self.known_ids: set[str] = set()  # of the agency_ids the corrections name, those documents have

    def add(self, documents: pd.DataFrame) -> None:
        named = documents["agency_id"].notna() & (documents["status"] != "duplicate")
        rows = documents.loc[
            named & documents["doc_id"].isin(self.ids), ["doc_id", "agency_id", "agency", "year", "region"]
        ]
        self.by_doc.update({row.pop("doc_id"): row for row in rows.to_dict("records")})
        self.known_ids.update(
            documents.loc[named & documents["agency_id"].isin(self.agency_ids), "agency_id"]
        )
        sel = named & documents["agency"].isin(self.names)
        for aid, name in zip(documents.loc[sel, "agency_id"], documents.loc[sel, "agency"], strict=True):
            self.by_name.setdefault(str(name), str(aid))


def match_corrections(
    corrections: pd.DataFrame, documents: pd.DataFrame | DocumentLookups
) -> tuple[pd.DataFrame, list[str]]:
    """Attach agency_id and year to each correction; unmatched rows come back as warnings.
    `documents`: the document table, or lookups already gathered from it."""
    if isinstance(documents, pd.DataFrame):
        lookups = DocumentLookups(corrections)
        lookups.add(documents)
        documents = lookups
    by_doc, by_name = documents.by_doc, documents.by_name
    rows, warnings = [], []
    for i, c in enumerate(corrections.to_dict("records"), start=2):
        doc = by_doc.get(c["doc_id"]) if c["doc_id"] else None
        if c["doc_id"] and doc is None:
            warnings.append(f"corrections line {i}: doc_id {c['doc_id']} is not in this dataset")
            continue
        if c["agency_id"] and doc is None and c["agency_id"] not in documents.known_ids:
            # Applied, it would make an agency of its own, with no documents and no name.
            warnings.append(
                f"corrections line {i}: agency_id {c['agency_id']} is in no document of this dataset "
                "(an agency's id changes when its name or region is read differently, as after an "
                "upgrade; give the report's doc_id, or the agency's id from documents.csv)"
            )
            continue
        agency_id = c["agency_id"] or (doc["agency_id"] if doc else by_name.get(c["agency"]))
        year = int(c["year"]) if c["year"] else (doc["year"] if doc else None)
        if agency_id is None or year is None or pd.isna(year):
            warnings.append(f"corrections line {i}: agency {c['agency'] or c['agency_id']!r} not found")
            continue
        rows.append(
            {
                "doc_id": c["doc_id"] or pd.NA,
                "agency_id": agency_id,
                "agency": doc["agency"] if doc else (c["agency"] or pd.NA),
                "region": doc["region"] if doc else pd.NA,
                "year": int(year),
                "metric": c["metric"],
                "value": float(c["value"]),
                "unit": BY_KEY[c["metric"]].unit,
                "scope": c["scope"] or "annual",
                "approx": False,
                "evidence": f"人工更正: {c['note']}",
                "method": "correction:data/corrections.csv",
                "confidence": 1.0,
                "flags": "corrected",
                "note": c["note"],
            }
        )
    return pd.DataFrame(rows), warnings
