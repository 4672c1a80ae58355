"""The pure extraction core: one report's text in, its metadata and metric records out (no I/O)."""

from __future__ import annotations

from pipeline.meta import read_meta
from pipeline.narrative import extract_narrative
from pipeline.record import Extraction
from pipeline.tables import detect_template, extract_tables
from pipeline.text import looks_traditional, normalise, to_simplified


def extract(raw: str, filename: str | None = None) -> Extraction:
    """Normalise `raw`, read its metadata and every metric it states.

    Traditional-character copies are converted character by character (same length) for the
    rules, so offsets hold for both; evidence is re-sliced from the text as written.
    """
    text = normalise(raw)
    traditional = looks_traditional(text)
    work = to_simplified(text) if traditional else text
    meta = read_meta(work, filename=filename)
    if traditional:
        meta.notes.append("traditional characters converted for extraction")
    table_records = extract_tables(work)
    if table_records or detect_template(work) is not None:
        meta.report_format = "table2019"
    records = table_records + extract_narrative(work, meta)
    if traditional:
        for r in records:
            # The evidence holds its value: the nearest copy starting at or before the value's start.
            at = work.rfind(r.evidence, 0, max(r.start, 0) + len(r.evidence))
            if at >= 0:
                r.evidence = text[at : at + len(r.evidence)]
    return Extraction(text=text, meta=meta, records=records)
