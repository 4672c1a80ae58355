"""A small dataset matching the pipeline contract, written by the tests themselves (no shared files)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.derived import compute_derived
from pipeline.resolve import resolve_metrics
from pipeline.schema import DOCUMENT_COLUMNS, METRIC_COLUMNS, SCHEMA_VERSION
from pipeline.text import doc_id as make_doc_id
from pipeline.text import normalise

# agency_id, name, province, city, level, kind, base size of its service centre
AGENCIES: tuple[tuple[str, str, str, str, str, str, int], ...] = (
    ("a-zb-gx", "淄博高新区政务服务中心", "山东省", "淄博市", "county", "service_centre", 90000),
    ("a-zb-zd", "淄博市张店区政务服务中心", "山东省", "淄博市", "county", "service_centre", 150000),
    ("a-xm-hc", "厦门市海沧区发展和改革局", "福建省", "厦门市", "county", "bureau", 3000),
    ("a-heb-pf", "哈尔滨市平房区人民政府", "黑龙江省", "哈尔滨市", "county", "government", 40000),
    ("a-sd-prov", "山东省人民政府办公厅", "山东省", "", "province", "government", 500000),
    ("a-empty", "某某县无数据局", "福建省", "厦门市", "county", "bureau", 0),
)
YEARS: tuple[int, ...] = (2016, 2017, 2018, 2019, 2020, 2021)
# A cell a spreadsheet would run, and text that must never be treated as HTML or markdown.
INJECTED_EVIDENCE = '=HYPERLINK("http://x","点我")受理件数'
HOSTILE_TEXT = "<script>alert('x')</script> **粗体** [链接](http://example.invalid) $x$ :red[红]"


def _sentences(agency: str, year: int, base: int, step: int) -> list[tuple[str, str, float, bool]]:
    """(metric, sentence, value, approx) for one report; the value appears as written in the sentence."""
    accepted = base + step * 1000
    completed = int(accepted * 0.98)
    out = [
        ("items_accepted", f"全年共受理各类事项{accepted}件。", float(accepted), False),
        ("items_completed", f"办结{completed}件。", float(completed), False),
        ("satisfaction_rate", f"群众满意率达{99 - step * 0.1:.1f}%。", round(99 - step * 0.1, 1), False),
        (
            "items_published",
            f"主动公开政府信息约{base // 10 + step * 50}条。",
            float(base // 10 + step * 50),
            True,
        ),
    ]
    out += [  # inputs of the derived 予以公开率 = 予以公开 / 办理结果总计 × 100
        ("requests_granted", f"予以公开{step + 2}件。", float(step + 2), False),
        ("requests_concluded", f"办理结果总计{step + 4}件。", float(step + 4), False),
    ]
    if step % 2 == 0:  # some years have no statement of requests: a missing value, not a zero
        out.append(("disclosure_requests", f"收到依申请公开申请{step + 3}件。", float(step + 3), False))
    return out


def write_dataset(
    root: Path, years: tuple[int, ...] = YEARS, schema_version: int = SCHEMA_VERSION, derived: bool = True
) -> Path:
    """Write raw reports under root/raw and the dataset under root/dataset; return the dataset dir.

    derived=False leaves out derived.parquet, as a dataset built before the build wrote it.
    """
    raw_dir, out_dir = root / "raw", root / "dataset"
    raw_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    docs: list[dict] = []
    metrics: list[dict] = []
    for agency_id, name, province, city, level, kind, base in AGENCIES:
        for step, year in enumerate(years):
            if base == 0 or (agency_id == "a-xm-hc" and year == years[1]):
                continue  # an agency with no reports, and a gap year: the heatmap must show it missing
            parts = _sentences(name, year, base, step)
            head = f"{name}{year}年政府信息公开工作年度报告\n"
            text = head
            spans = []
            for metric, sentence, value, approx in parts:
                if agency_id == "a-zb-gx" and metric == "items_accepted":
                    sentence = INJECTED_EVIDENCE + sentence
                at = len(text) + sentence.index(
                    f"{value:g}" if metric != "satisfaction_rate" else f"{value:.1f}"
                )
                written = f"{value:g}" if metric != "satisfaction_rate" else f"{value:.1f}"
                spans.append((metric, sentence, value, approx, at, at + len(written)))
                text += sentence + "\n"
            text += HOSTILE_TEXT + "\n"
            text = normalise(text)
            did = make_doc_id(text)
            rel = f"{agency_id}_{year}.txt"
            (raw_dir / rel).write_text(text, encoding="utf-8")
            docs.append(
                {
                    "doc_id": did,
                    "path": rel,
                    "sha256": did * 4,
                    "kind": "txt",
                    "status": "ok",
                    "message": "",
                    "agency": name,
                    "agency_id": agency_id,
                    "region": province + city,
                    "province": province,
                    "city": city or None,
                    "county": None,
                    "region_code": None,
                    "level": level,
                    "agency_kind": kind,
                    "year": year,
                    "doc_type": "disclosure_annual_report",
                    "report_format": "narrative",
                    "published": pd.Timestamp(f"{year + 1}-01-31"),
                    "n_chars": len(text),
                    "n_metrics": len(spans),
                    "mtime": 0.0,
                    "size": len(text.encode()),
                }
            )
            for metric, sentence, value, approx, start, end in spans:
                assert text[start:end] in sentence
                metrics.append(
                    {
                        "doc_id": did,
                        "agency_id": agency_id,
                        "agency": name,
                        "region": province + city,
                        "year": year,
                        "metric": metric,
                        "value": value,
                        "unit": "",
                        "scope": "annual",
                        "approx": approx,
                        "evidence": sentence,
                        "start": start,
                        "end": end,
                        "method": f"narrative:{metric}",
                        "confidence": 0.9,
                        "flags": "approx" if approx else "",
                    }
                )
            # a cumulative figure for the same metric: must never share an axis with the annual ones
            metrics.append(
                {
                    **metrics[-len(spans)],
                    "scope": "cumulative",
                    "value": metrics[-len(spans)]["value"] * (step + 3),
                }
            )
    _, name, province, city, level, kind, _ = AGENCIES[-1]
    docs.append(  # an agency whose report states no metric: listed, muted, never charted
        {
            **{c: None for c in DOCUMENT_COLUMNS},
            "doc_id": "e" * 16,
            "path": "a-empty_2020.txt",
            "status": "no_metrics",
            "kind": "txt",
            "agency": name,
            "agency_id": AGENCIES[-1][0],
            "province": province,
            "city": city,
            "level": level,
            "agency_kind": kind,
            "year": 2020,
        }
    )
    docs.append(
        {
            **{c: None for c in DOCUMENT_COLUMNS},
            "doc_id": "f" * 16,
            "path": "broken.pdf",
            "status": "unreadable",
            "message": "no text layer",
            "kind": "pdf",
        }
    )
    documents = pd.DataFrame(docs)
    for col, dtype in DOCUMENT_COLUMNS.items():
        documents[col] = documents[col].astype(dtype)
    metric_frame = pd.DataFrame(metrics)
    for col, dtype in METRIC_COLUMNS.items():
        metric_frame[col] = metric_frame[col].astype(dtype)
    resolved = resolve_metrics(metric_frame)
    documents.to_parquet(out_dir / "documents.parquet", index=False)
    metric_frame.to_parquet(out_dir / "metrics.parquet", index=False)
    resolved.to_parquet(out_dir / "resolved.parquet", index=False)
    if derived:  # as the build does
        compute_derived(resolved).to_parquet(out_dir / "derived.parquet", index=False)
    meta = {
        "schema_version": schema_version,
        "built_at": "2026-01-01T00:00:00+00:00",
        "input_dir": str(raw_dir),
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return out_dir
