"""How fast the PDF reader reads a folder of PDFs, through PDFium and through pdfminer, and whether
the two give the same text.

    .venv/bin/python scripts/bench_pdf.py DIR [--limit N] [--show K]

`scripts/check_layouts.py --keep DIR` leaves PDFs Writer made in DIR/*/ (fonts embedded, as Word's,
WPS's and browsers' are); `python -m pipeline.synth N DIR --formats pdf` writes reportlab's (a CJK
font named, not embedded: those go to pdfminer). Prints one line of figures and, with --show, the
first K texts that differ.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline import readers_pdf  # noqa: E402
from pipeline.readers_base import Limits, ReadProblem  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--limit", type=int, default=0, help="read at most N files (default: all)")
    ap.add_argument("--show", type=int, default=0, help="print the first K differing texts")
    args = ap.parse_args()
    files = sorted(args.folder.rglob("*.pdf"))[: args.limit or None]
    if not files:
        print(f"no .pdf files under {args.folder}", file=sys.stderr)
        return 2
    limits = Limits()
    pages = fast = differ = unreadable = 0
    t_pdfium = t_pdfminer = 0.0
    for path in files:
        data = path.read_bytes()
        start = time.process_time()
        try:
            by_pdfium = readers_pdf._pages_by_pdfium(data, limits)
            middle = time.process_time()
            by_pdfminer = readers_pdf._pages_by_pdfminer(data, limits)
        except ReadProblem:
            unreadable += 1
            continue
        t_pdfium += middle - start
        t_pdfminer += time.process_time() - middle
        pages += len(by_pdfminer[0])
        if by_pdfium is None:
            t_pdfium += time.process_time() - middle  # a fallback reads through pdfminer too
            continue
        fast += 1
        a, b = readers_pdf._page_text(*by_pdfminer)[0], readers_pdf._page_text(*by_pdfium)[0]
        if a != b:
            differ += 1
            if differ <= args.show:
                print(f"== {path}")
                for line in list(difflib.unified_diff(a.split("\n"), b.split("\n"), lineterm="", n=0))[2:12]:
                    print("  ", line[:200])
    per_page = 1000 / max(pages, 1)
    print(
        f"{len(files)} PDFs, {pages} pages: {fast} through PDFium, {len(files) - fast - unreadable} to pdfminer, "
        f"{unreadable} unreadable; CPU a page: as read {t_pdfium * per_page:.1f} ms, "
        f"pdfminer alone {t_pdfminer * per_page:.1f} ms; texts differing from pdfminer's: {differ}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
