"""The dataset contract between pipeline and dashboard: columns, types, allowed values."""

from __future__ import annotations

SCHEMA_VERSION = 1  # bump when columns change; the dashboard refuses older datasets with a message

DOC_STATUSES = ("ok", "empty", "unreadable", "unsupported", "duplicate", "no_metrics", "error")
READ = ("ok", "no_metrics")  # statuses of a document whose text was read
DOC_TYPES = ("disclosure_annual_report", "work_summary", "other")
REPORT_FORMATS = ("narrative", "table2019")
SCOPES = ("annual", "cumulative")

# column -> pandas dtype. Extra agency columns (province ... kind) come from pipeline.agencies.
DOCUMENT_COLUMNS: dict[str, str] = {
    "doc_id": "string",
    "path": "string",
    "sha256": "string",
    "kind": "string",
    "status": "string",
    "message": "string",
    "agency": "string",
    "agency_id": "string",
    "region": "string",
    "province": "string",
    "city": "string",
    "county": "string",
    "region_code": "string",
    "level": "string",
    "agency_kind": "string",
    "agency_confidence": "Float64",
    "year": "Int64",
    "doc_type": "string",
    "report_format": "string",
    "published": "datetime64[ms]",
    "n_chars": "Int64",
    "n_metrics": "Int64",
    "mtime": "float64",
    "size": "Int64",
}

METRIC_COLUMNS: dict[str, str] = {
    "doc_id": "string",
    "agency_id": "string",
    "agency": "string",
    "region": "string",
    "year": "Int64",
    "metric": "string",
    "value": "float64",
    "unit": "string",
    "scope": "string",
    "approx": "bool",
    "evidence": "string",
    "start": "Int64",
    "end": "Int64",
    "method": "string",
    "confidence": "float64",
    "flags": "string",
}

# The resolved view: one value per (agency_id, year, metric, scope).
RESOLVED_COLUMNS: dict[str, str] = {
    **METRIC_COLUMNS,
    "source": "string",  # correction | table | narrative
    "n_sources": "Int64",
    "conflict": "bool",  # sources disagree on the value
    "alternatives": "string",  # the other values and their sources
    "note": "string",  # the analyst's note for a correction
}
