"""The values that flow between stages: one document's metadata and its extracted metric records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class MetricRecord:
    """One extracted value with its provenance; start/end index the normalised text."""

    metric: str  # catalogue key
    value: float
    unit: str
    scope: str = "annual"  # annual | cumulative
    approx: bool = False
    evidence: str = ""  # the sentence or table row, taken from the normalised text
    start: int = -1  # offsets of the value as written (text[start:end])
    end: int = -1
    method: str = ""  # rule id or table row that produced it
    confidence: float = 1.0
    flags: str = ""  # ';'-joined flags, e.g. table_inconsistent

    def to_dict(self) -> dict:
        return dict(self.__dict__)  # flat fields: a plain copy, 20x cheaper than dataclasses.asdict


@dataclass
class DocumentMeta:
    """What the text says about itself; agency_id etc. are filled by pipeline.agencies."""

    agency: str | None = None  # name as the report gives it (best candidate)
    agency_candidates: list[str] = field(default_factory=list)
    region: str | None = None  # as far as the text tells, e.g. 山东省淄博市
    year: int | None = None  # year covered
    doc_type: str = "other"  # disclosure_annual_report | work_summary | other
    report_format: str = "narrative"  # narrative | table2019
    published: date | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Extraction:
    """Everything extract() finds in one normalised text."""

    text: str
    meta: DocumentMeta
    records: list[MetricRecord]

    def to_frame(self):
        """The records as a DataFrame (one row per value, offsets into .text), for notebooks."""
        import pandas as pd

        columns = list(MetricRecord.__dataclass_fields__)
        return pd.DataFrame([r.to_dict() for r in self.records], columns=columns)
