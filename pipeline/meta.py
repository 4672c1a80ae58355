"""Document metadata: agency, region, year covered, document type, publication date."""

from __future__ import annotations

import re

from pipeline.record import DocumentMeta

_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?:度)?[^\n]{0,30}?(?:报告|总结)")


def read_meta(text: str, filename: str | None = None) -> DocumentMeta:
    meta = DocumentMeta()
    m = _TITLE_YEAR.search(text[:500])
    if m:
        meta.year = int(m.group(1))
    if "政府信息公开" in text[:500] and "年度报告" in text[:500]:
        meta.doc_type = "disclosure_annual_report"
    elif "总结" in text[:300]:
        meta.doc_type = "work_summary"
    return meta
