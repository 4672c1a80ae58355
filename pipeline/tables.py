"""The standard post-2019 disclosure tables, however they were flattened."""

from __future__ import annotations

from pipeline.record import MetricRecord


def extract_tables(text: str) -> list[MetricRecord]:
    return []
