"""Precision/recall/F1 of the extraction against gold annotations (.json beside each .txt)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import divisions as D
from pipeline.agencies import resolve, same_body
from pipeline.catalog import CORE_KEYS
from pipeline.extract import extract
from pipeline.readers import read_path
from pipeline.record import MetricRecord
from pipeline.resolve import resolve_records
from pipeline.text import normalise, to_simplified

AGENCY_MATCHING = (
    "agency: names are NFKC-normalised and converted to simplified characters, then compared with "
    "pipeline.agencies.same_body(predicted, gold); documents whose gold agency is null are not counted"
)
MATCHING = (
    "metric: a prediction matches a gold entry on (metric, scope, value within 1e-6 relative); only "
    "catalogue core keys are scored, keys in the gold's `optional` are skipped; approx is compared on "
    "matched pairs only and reported separately"
)


def _same_value(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}  # fmt: skip


@dataclass
class DocResult:
    path: str
    group: str
    counts: Counts
    per_metric: dict[str, Counts]
    misses: list[dict]
    false_positives: list[dict]
    approx_agree: int
    approx_total: int
    evidence_agree: int  # matched values read inside the gold's own evidence
    evidence_total: int  # matched values whose gold evidence is found in the text
    year: tuple[int | None, int | None]
    doc_type: tuple[str, str | None]
    agency: tuple[str | None, str | None]
    agency_ok: bool | None
    error: str | None = None
    resolved: str | None = None  # the agency the dataset files the document under (pipeline.agencies)
    resolved_ok: bool | None = None
    region: tuple[str | None, str | None] = (None, None)  # (resolved region path, gold region)
    region_ok: bool | None = None
    # matched values read outside the gold's evidence
    read_elsewhere: list[dict] = field(default_factory=list)


@dataclass
class Report:
    gold_dir: str
    docs: list[DocResult] = field(default_factory=list)
    gold_errors: list[tuple[str, str]] = field(default_factory=list)  # (gold file, why it was not scored)

    def _summary(self, docs: list[DocResult]) -> dict:
        total, per_metric = Counts(), {}
        for d in docs:
            total.add(d.counts)
            for k, c in d.per_metric.items():
                per_metric.setdefault(k, Counts()).add(c)
        approx_total = sum(d.approx_total for d in docs)

        def acc(pairs: list[bool]) -> dict:
            return {"correct": sum(pairs), "total": len(pairs), "accuracy": round(sum(pairs) / len(pairs), 4)
                    if pairs else None}  # fmt: skip

        return {
            "documents": len(docs),
            "metrics": total.to_dict(),
            "per_metric": {k: per_metric[k].to_dict() for k in sorted(per_metric)},
            "approx_agreement": {"agree": sum(d.approx_agree for d in docs), "matched": approx_total},
            "evidence_agreement": {
                "agree": sum(d.evidence_agree for d in docs),
                "checked": sum(d.evidence_total for d in docs),
            },
            "year": acc([d.year[0] == d.year[1] for d in docs]),
            "doc_type": acc([d.doc_type[0] == d.doc_type[1] for d in docs if d.doc_type[1] is not None]),
            "agency": acc([bool(d.agency_ok) for d in docs if d.agency_ok is not None]),
            "agency_resolved": acc([bool(d.resolved_ok) for d in docs if d.resolved_ok is not None]),
            "region": acc([bool(d.region_ok) for d in docs if d.region_ok is not None]),
        }

    def groups(self) -> list[str]:
        return sorted({d.group for d in self.docs})

    def to_dict(self) -> dict:
        return {
            "gold_dir": self.gold_dir,
            "matching": {"metrics": MATCHING, "agency": AGENCY_MATCHING},
            "overall": self._summary(self.docs),
            "groups": {g: self._summary([d for d in self.docs if d.group == g]) for g in self.groups()},
            "documents": [
                {
                    "path": d.path,
                    "group": d.group,
                    "metrics": d.counts.to_dict(),
                    "year": {"predicted": d.year[0], "gold": d.year[1]},
                    "doc_type": {"predicted": d.doc_type[0], "gold": d.doc_type[1]},
                    "agency": {"predicted": d.agency[0], "gold": d.agency[1], "match": d.agency_ok},
                    "agency_resolved": {"predicted": d.resolved, "match": d.resolved_ok},
                    "region": {"predicted": d.region[0], "gold": d.region[1], "match": d.region_ok},
                    "misses": d.misses,
                    "read_elsewhere": d.read_elsewhere,
                    "false_positives": d.false_positives,
                    "error": d.error,
                }
                for d in self.docs
            ],
            "gold_errors": [{"path": p, "error": e} for p, e in self.gold_errors],
        }

    def format_text(self) -> str:
        lines = [f"Evaluation against {self.gold_dir}", f"  {MATCHING}", f"  {AGENCY_MATCHING}", ""]
        sections = [("overall", self.docs)] + [
            (g, [d for d in self.docs if d.group == g]) for g in self.groups()
        ]
        for name, docs in sections:
            s = self._summary(docs)
            m = s["metrics"]
            lines.append(f"== {name}: {s['documents']} documents")
            lines.append(f"  metrics  P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} "
                         f"(tp={m['tp']} fp={m['fp']} fn={m['fn']})")  # fmt: skip
            a = s["approx_agreement"]
            lines.append(f"  approx flag agrees on {a['agree']}/{a['matched']} matched values")
            e = s["evidence_agreement"]
            lines.append(f"  read inside the gold's own evidence: {e['agree']}/{e['checked']} matched values")
            for key, label in (("year", "year"), ("doc_type", "doc_type"), ("agency", "agency"),
                               ("agency_resolved", "agency as filed"), ("region", "region")):  # fmt: skip
                v = s[key]
                if v["total"]:
                    lines.append(f"  {label:<8} accuracy {v['accuracy']:.3f} ({v['correct']}/{v['total']})")
            for k, c in s["per_metric"].items():
                lines.append(f"    {k:<24} P={c['precision']:.3f} R={c['recall']:.3f} F1={c['f1']:.3f} "
                             f"tp={c['tp']} fp={c['fp']} fn={c['fn']}")  # fmt: skip
            lines.append("")
        lines.append("== errors by document")
        for d in self.docs:
            issues = []
            if d.error:
                issues.append(f"  ERROR {d.error}")
            if d.year[0] != d.year[1]:
                issues.append(f"  year: predicted {d.year[0]} gold {d.year[1]}")
            if d.doc_type[1] is not None and d.doc_type[0] != d.doc_type[1]:
                issues.append(f"  doc_type: predicted {d.doc_type[0]} gold {d.doc_type[1]}")
            if d.agency_ok is False:
                issues.append(f"  agency: predicted {d.agency[0]!r} gold {d.agency[1]!r}")
            if d.resolved_ok is False:
                issues.append(f"  agency as filed: {d.resolved!r} gold {d.agency[1]!r}")
            if d.region_ok is False:
                issues.append(f"  region: resolved {d.region[0]!r} gold {d.region[1]!r}")
            for x in d.misses:
                issues.append(f"  MISS {x['metric']} {x['scope']} {x['value']:g}: {x['evidence']}")
            for x in d.read_elsewhere:
                issues.append(
                    f"  ELSEWHERE {x['metric']} {x['value']:g}: read in {x['evidence']!r}, gold {x['gold']!r}"
                )
            for x in d.false_positives:
                issues.append(
                    f"  FP   {x['metric']} {x['scope']} {x['value']:g} [{x['method']}]: {x['evidence']}"
                )
            if issues:
                lines.append(d.path)
                lines.extend(issues)
        if self.gold_errors:
            lines += ["", f"== gold files not scored ({len(self.gold_errors)})"]
            lines += [f"{p}: {e}" for p, e in self.gold_errors]
        return "\n".join(lines)


def _read_inside(text: str, gold_evidence: str, hit: MetricRecord) -> bool | None:
    """Whether the value as written (text[hit.start:hit.end]) lies inside an occurrence of the gold's
    evidence in the normalised text: the right number from the right sentence, not the same number
    read elsewhere. None when the gold gives no evidence the text holds."""
    evidence = normalise(gold_evidence).strip()
    at = text.find(evidence) if evidence else -1
    if at < 0:
        return None
    while at >= 0:
        if at <= hit.start and hit.end <= at + len(evidence):
            return True
        at = text.find(evidence, at + 1)
    return False


def _region_holds(resolved: str | None, gold: str | None) -> bool | None:
    """Whether every division the gold's region names (深圳, 相城区, 山东省威海市文登区) is in the
    resolved region path; None when the gold names no division (a zone alone, or no region)."""
    named = [word for _, _, word in D.scan(gold or "")]
    if not named:
        return None
    path = set((resolved or "").split("/"))
    return all(any(d.name in path for d in D.lookup(word)) for word in named)


def _name(s: str | None) -> str | None:
    return to_simplified(normalise(s)) if s else s


def evaluate_doc(txt: Path, gold: dict, root: Path) -> DocResult:
    rel = txt.relative_to(root)
    group = rel.parts[0] if len(rel.parts) > 1 else "."
    optional = set(gold.get("optional") or [])
    gold_metrics = [
        g for g in gold.get("metrics") or [] if g["metric"] in CORE_KEYS and g["metric"] not in optional
    ]
    error = None
    try:
        # Read as the build reads it (encoding, page furniture), so the figures describe the dataset.
        read = read_path(txt)
        if read.text is None:
            raise ValueError(f"{read.status}: {read.message}")
        ex = extract(read.text, txt.name)
        predicted = [
            r for r in resolve_records(ex.records) if r.metric in CORE_KEYS and r.metric not in optional
        ]
        meta = ex.meta
    except Exception as exc:  # an evaluation reports a crash as a result, it does not stop
        error, predicted, meta = f"{type(exc).__name__}: {exc}", [], None
    unmatched = list(predicted)
    counts, per_metric = Counts(), {}
    misses, agree, matched = [], 0, 0
    elsewhere, ev_agree, ev_total = [], 0, 0
    for g in gold_metrics:
        scope = g.get("scope") or "annual"
        hit = next((p for p in unmatched if p.metric == g["metric"] and p.scope == scope
                    and _same_value(p.value, float(g["value"]))), None)  # fmt: skip
        c = per_metric.setdefault(g["metric"], Counts())
        if hit:
            unmatched.remove(hit)
            counts.tp += 1
            c.tp += 1
            matched += 1
            agree += bool(hit.approx) == bool(g.get("approx", False))
            inside = _read_inside(ex.text, g.get("evidence") or "", hit)
            if inside is not None:
                ev_total += 1
                ev_agree += inside
                if not inside:
                    elsewhere.append({"metric": hit.metric, "value": hit.value, "evidence": hit.evidence,
                                      "gold": g.get("evidence")})  # fmt: skip
        else:
            counts.fn += 1
            c.fn += 1
            misses.append({"metric": g["metric"], "scope": scope, "value": float(g["value"]),
                           "evidence": g.get("evidence", "")})  # fmt: skip
    fps = []
    for p in unmatched:
        counts.fp += 1
        per_metric.setdefault(p.metric, Counts()).fp += 1
        fps.append(
            {
                "metric": p.metric,
                "scope": p.scope,
                "value": p.value,
                "method": p.method,
                "evidence": p.evidence,
            }
        )
    pred_agency = meta.agency if meta else None
    gold_agency = gold.get("agency")
    agency_ok = None if not gold_agency else same_body(_name(pred_agency), _name(gold_agency))
    ident = resolve(meta, ex.text) if meta is not None and error is None else None
    resolved = ident.agency if ident else None
    gold_region = gold.get("region")
    region_ok = _region_holds(ident.region if ident else None, gold_region)
    resolved_ok = (
        None if not gold_agency else bool(resolved) and same_body(_name(resolved), _name(gold_agency))
    )
    return DocResult(
        path=str(rel),
        group=group,
        counts=counts,
        per_metric=per_metric,
        misses=misses,
        false_positives=fps,
        approx_agree=agree,
        approx_total=matched,
        evidence_agree=ev_agree,
        evidence_total=ev_total,
        year=(meta.year if meta else None, gold.get("year")),
        doc_type=(meta.doc_type if meta else "other", gold.get("doc_type")),
        agency=(pred_agency, gold_agency),
        agency_ok=agency_ok,
        error=error,
        read_elsewhere=elsewhere,
        resolved=resolved,
        resolved_ok=resolved_ok,
        region=(ident.region if ident else None, gold_region),
        region_ok=region_ok,
    )


def evaluate_dir(gold_dir: Path) -> Report:
    """Run extract() on every .txt with a .json beside it (recursively) and score it. A gold file
    that cannot be read or does not hold annotations is listed in the report, not scored."""
    gold_dir = Path(gold_dir)
    report = Report(gold_dir=str(gold_dir))
    for txt in sorted(gold_dir.rglob("*.txt")):
        js = txt.with_suffix(".json")
        if not js.is_file():
            continue
        gold, problem = load_gold(js)
        if problem:
            report.gold_errors.append((str(js.relative_to(gold_dir)), problem))
            continue
        report.docs.append(evaluate_doc(txt, gold, gold_dir))
    return report


def load_gold(path: Path) -> tuple[dict, str | None]:
    """A gold annotation file, or why it cannot be scored against."""
    try:
        gold = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return {}, f"not a readable JSON file ({type(exc).__name__}: {exc})"
    if not isinstance(gold, dict):
        return {}, f"holds a JSON {type(gold).__name__}, not an object with metrics"
    metrics = gold.get("metrics") or []
    if not isinstance(metrics, list):
        return {}, '"metrics" is not a list'
    for i, g in enumerate(metrics):
        if not isinstance(g, dict) or not isinstance(g.get("metric"), str):
            return {}, f'metrics[{i}] has no "metric" name'
        try:
            float(g.get("value"))
        except (TypeError, ValueError):
            return {}, f'metrics[{i}] ({g["metric"]}) has no numeric "value"'
    return gold, None


def main(argv: list[str] | None = None) -> int:
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    args = [a for a in args if a != "--json"]
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: python -m pipeline.evaluate GOLD_DIR [--json]", file=sys.stderr)
        return 2
    report = evaluate_dir(Path(args[0]))
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else report.format_text())
    return 1 if report.gold_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
