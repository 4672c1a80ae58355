"""Time pipeline.resolve.resolve_metrics at dataset scale, beside a vectorised n_values/alternatives.

    .venv/bin/python scripts/bench_resolve.py [--rows 20000]

A 100,000-report corpus yields millions of metric rows (the standard tables alone give ~200 per
report). resolve_metrics calls a Python lambda per (agency_id, year, metric, scope) group for the
distinct-value count and the alternatives string; this script measures that against a vectorised
equivalent (proposed, not used by the pipeline) and checks both give the same answer.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.resolve import KEY, resolve_metrics  # noqa: E402
from pipeline.schema import METRIC_COLUMNS  # noqa: E402


def synthetic_metrics(rows: int, seed: int = 0) -> pd.DataFrame:
    """Metric rows shaped like the dataset's: few values per key, table and narrative sources."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "doc_id": rng.integers(0, rows // 50 + 1, rows).astype(str),
            "agency_id": rng.integers(0, rows // 5 + 1, rows).astype(str),
            "agency": "机关",
            "region": "",
            "year": rng.integers(2008, 2026, rows),
            "metric": rng.choice(["items_published", "disclosure_requests", "lawsuits"], rows),
            "value": rng.integers(0, 3, rows).astype(float),
            "unit": "件",
            "scope": "annual",
            "approx": False,
            "evidence": "证据",
            "start": rng.integers(0, 5000, rows),
            "end": 0,
            "method": rng.choice(["table:x", "narrative:y"], rows),
            "confidence": 1.0,
            "flags": "",
        }
    )
    return df.astype(METRIC_COLUMNS)


def vectorised_counts(allrows: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Distinct values per key (aligned with allrows) and '; '-joined alternatives per key.

    `allrows` must already be sorted as resolve_metrics sorts it (winner first in each group).
    """
    keys = [allrows[k] for k in KEY]
    rounded = allrows["value"].round(6)
    first_of_value = ~allrows.assign(_r=rounded).duplicated(KEY + ["_r"])
    n_values = first_of_value.groupby(keys, sort=False, dropna=False).transform("sum")
    rest = allrows[allrows.groupby(KEY, sort=False, dropna=False).cumcount() > 0]
    labels = rest["source"].astype(str) + "=" + rest["value"].map(lambda v: f"{v:g}")
    alternatives = labels.groupby([rest[k] for k in KEY], sort=False, dropna=False).agg("; ".join)
    return n_values, alternatives


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=20000)
    args = p.parse_args(argv)
    metrics = synthetic_metrics(args.rows)

    began = time.perf_counter()
    resolved = resolve_metrics(metrics)
    current = time.perf_counter() - began

    from pipeline.resolve import SOURCE_RANK, source_of

    allrows = metrics.assign(source=metrics["method"].map(source_of))
    allrows = allrows.assign(_rank=allrows["source"].map(SOURCE_RANK).fillna(9)).sort_values(
        KEY + ["_rank", "start"], kind="stable"
    )
    began = time.perf_counter()
    n_values, alternatives = vectorised_counts(allrows)
    proposed = time.perf_counter() - began

    conflicts_now = int(resolved["conflict"].sum())
    winners = allrows.groupby(KEY, sort=False, dropna=False).head(1)
    conflicts_proposed = int((n_values.loc[winners.index] > 1).sum())
    print(f"{args.rows} metric rows, {len(resolved)} resolved keys")
    print(f"  resolve_metrics (current):             {current:8.2f} s")
    print(f"  n_values + alternatives (vectorised):  {proposed:8.2f} s")
    print(
        f"  conflicts: current {conflicts_now}, vectorised {conflicts_proposed}; alternatives {len(alternatives)} keys"
    )
    return 0 if conflicts_now == conflicts_proposed else 1


if __name__ == "__main__":
    raise SystemExit(main())
