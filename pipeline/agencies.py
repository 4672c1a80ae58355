"""One identity per agency across name variants (alias table in data/agencies.csv)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pipeline.record import DocumentMeta


@dataclass
class AgencyIdentity:
    agency_id: str
    agency: str  # canonical name
    region: str | None = None  # region path as text, e.g. 山东省/淄博市/高新区
    province: str | None = None
    city: str | None = None
    county: str | None = None
    region_code: str | None = None
    level: str | None = None  # province | city | county | township
    kind: str | None = None  # government | service_centre | bureau | ...


def resolve(meta: DocumentMeta, text: str = "") -> AgencyIdentity:
    name = meta.agency or "未知机构"
    aid = "a_" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]
    return AgencyIdentity(agency_id=aid, agency=name, region=meta.region)


def same_body(predicted: str | None, gold: str | None) -> bool:
    """Whether two names denote the same body (used by evaluate)."""
    if not predicted or not gold:
        return predicted == gold
    return predicted == gold or predicted in gold or gold in predicted
