"""How extraction time grows on degenerate texts: each pattern repeated to N and to 4N characters.

Real reports reach us as text without sentence stops (a flattened table, a PDF without
punctuation), the same phrase thousands of times, a line of pipes. Work that grows with the square
of such a text stalls one worker for minutes on one file (before session 15: "受理1件," over
200 KB, 210 s). Linear work takes ~4x as long at 4N; the script marks a pattern whose time grows
more than 6x. A benchmark, not a test: numbers vary with the machine.

    .venv/bin/python scripts/bench_stress.py [--chars 50000] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.agencies import resolve  # noqa: E402
from pipeline.extract import extract  # noqa: E402
from pipeline.readers import read_bytes  # noqa: E402

# name -> the unit repeated. Each exercises a different part: numbers in one endless sentence
# or clause, chained and 其中 rules, zero cues, table rows and headers, names, dates, markup.
PATTERNS: dict[str, str] = {
    "counts, one sentence": "受理1件,",
    "counts, one clause": "受理1件",
    "chained counts": "受理1件,办结1件,",
    "其中 breakdowns": "全年受理1件,其中办结1件,",
    "cumulative": "累计受理1件,",
    "since a year": "2010年以来受理1件,",
    "rates": "办结率100%,",
    "zero cues, one clause": "未发生行政诉讼",
    "无 alone": "无",
    "digits": "1",
    "Chinese numerals": "一",
    "pipes": "|",
    "table cells": "| 1 ",
    "table header rows": "本年新收政府信息公开申请数量 | 自然人 | 商业企业 |\n",
    "outcome rows": "(一)予以公开 | 1 | 2 | 3\n",
    "headings": "一、受理1件\n",
    "agency names": "济南市历下区人民政府办公室",
    "titles": "济南市人民政府2019年政府信息公开工作年度报告\n",
    "dates": "2019年1月1日",
    "ordinals": "第1条",
    "traditional": "政府資訊公開受理1件,",
    "markup": "<p>受理1件</p>",
}
SUPERLINEAR = 6.0  # growth in time for 4x the text above which a pattern is marked


def seconds(text: str) -> float:
    started = time.perf_counter()
    read = read_bytes(text.encode("utf-8"), "stress.txt")
    if read.text is not None:
        result = extract(read.text, "stress.txt")
        resolve(result.meta, result.text)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=50_000, help="N: the smaller size, in characters")
    parser.add_argument("--only", nargs="*", default=None, help="patterns to run (default: all)")
    args = parser.parse_args(argv)
    seconds("预热 warm-up 受理1件。")  # first-call loading of the data tables is not the pattern's
    marked = 0
    print(f"{'pattern':<24} {'N s':>8} {'4N s':>8} {'growth':>7}   (N = {args.chars:,} characters)")
    for name, unit in PATTERNS.items():
        if args.only and name not in args.only:
            continue
        small = seconds(unit * max(1, args.chars // len(unit)))
        large = seconds(unit * max(1, 4 * args.chars // len(unit)))
        growth = large / small if small > 0 else float("inf")
        flag = "  SUPERLINEAR" if growth > SUPERLINEAR and large > 0.5 else ""
        marked += bool(flag)
        print(f"{name:<24} {small:8.2f} {large:8.2f} {growth:6.1f}x{flag}", flush=True)
    print(f"{marked} pattern(s) grow faster than linearly" if marked else "every pattern grows linearly")
    return 1 if marked else 0


if __name__ == "__main__":
    sys.exit(main())
