"""What one report yields: metadata and each metric with its evidence, for `python -m pipeline show`."""

from __future__ import annotations

from pathlib import Path

from pipeline.catalog import BY_KEY
from pipeline.dataset import FileTask, process_file


def show_file(path: Path) -> tuple[dict, int]:
    """A dict report (with a ready-to-print 'text') and the exit code: 1 when the file failed."""
    res = process_file(FileTask(str(path.resolve()), path.name))
    doc, metrics = res.doc, res.metrics
    lines = [
        f"file:      {path}",
        f"status:    {doc.get('status')}" + (f" ({doc['message']})" if doc.get("message") else ""),
    ]
    if doc.get("doc_id"):
        published = doc.get("published")
        lines += [
            f"doc_id:    {doc['doc_id']}   kind: {doc.get('kind')}   chars: {doc.get('n_chars')}",
            f"agency:    {doc.get('agency')}   [{doc.get('agency_id')}]",
            f"region:    {doc.get('region') or '-'}   level: {doc.get('level') or '-'}   kind: {doc.get('agency_kind') or '-'}",
            f"year:      {doc.get('year') or '-'}   type: {doc.get('doc_type')}   format: {doc.get('report_format')}",
            f"published: {published.date() if hasattr(published, 'date') and published == published else '-'}",
            f"metrics:   {len(metrics)}",
        ]
    for m in metrics:
        label = BY_KEY[m["metric"]].zh
        approx = " (约)" if m["approx"] else ""
        scope = " [累计]" if m["scope"] == "cumulative" else ""
        flags = f" {{{m['flags']}}}" if m.get("flags") else ""
        lines.append(f"  {m['metric']:<26} {m['value']:>14,.6g} {m['unit']}{approx}{scope}  {label}{flags}")
        lines.append(
            f"      ← {m['evidence']}   [{m['method']}, offset {m['start']}-{m['end']}, conf {m['confidence']:.2f}]"
        )
    code = 1 if doc.get("status") in ("empty", "unreadable", "unsupported", "error") else 0
    return {"document": doc, "metrics": metrics, "text": "\n".join(lines)}, code
