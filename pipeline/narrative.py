"""Metrics stated in free text."""

from __future__ import annotations

from pipeline.record import DocumentMeta, MetricRecord


def extract_narrative(text: str, meta: DocumentMeta | None = None) -> list[MetricRecord]:
    return []
