"""Run the bench at growing corpus sizes: does throughput hold and memory stay flat as N grows?

    .venv/bin/python scripts/bench_sizes.py [--sizes 500 1000 2000 4000] [--workers 2] [--engine pool]
                                            [--json OUT.json]

Prints one row per size (docs/s, MB/s, build/floor ratio, peak memory of the process tree, P/R)
and the projection to 100,000 reports from the largest size.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.bench import run_bench  # noqa: E402
from pipeline.engines import ENGINES, default_workers  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 4000])
    p.add_argument("--workers", type=int, default=default_workers())
    p.add_argument("--engine", choices=ENGINES, default="pool")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, default=None, help="also write every result to this file")
    args = p.parse_args(argv)
    rows = []
    print(f"{'docs':>8} {'docs/s':>8} {'MB/s':>7} {'ratio':>7} {'peak MiB':>9} {'P':>6} {'R':>6}")
    for n in sorted(args.sizes):
        r = run_bench(n, args.workers, args.engine, seed=args.seed)
        d = r.to_dict()
        m = d["quality"]["metrics"]
        print(
            f"{n:>8} {d['docs_per_s']:>8.1f} {d['mb_per_s']:>7.3f} {d['ratio']:>7.1f} "
            f"{r.build.peak_bytes / 2**20:>9.0f} {m['precision']:>6.3f} {m['recall']:>6.3f}",
            flush=True,
        )
        rows.append(d)
    if rows:
        print(f"projected for 100,000 reports: {rows[-1]['projected_seconds_for_100k'] / 60:.1f} min")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
