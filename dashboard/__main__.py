"""python -m dashboard export: write a chosen set of charts to a folder, without a browser."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from dashboard import exports, urlstate
from dashboard.charts import CHARTS, resolve_lists
from dashboard.data import dataset_dir, read_dataset
from pipeline.catalog import label
from pipeline.writing import folder_problem

FORMATS = ("png", "svg", "html")
WRITERS = {"png": exports.figure_png, "svg": exports.figure_svg, "html": exports.figure_html}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export", help="export charts to a folder")
    e.add_argument("--out", type=Path, default=Path("exports"), help="folder to write (created)")
    e.add_argument(
        "--dataset",
        type=Path,
        default=None,
        help="dataset folder (default $GOVREPORT_DATASET_DIR or data/dataset)",
    )
    e.add_argument("--charts", default="trend,ranking", help=f"comma list of {','.join(CHARTS)}")
    e.add_argument(
        "--metrics",
        default="",
        help="comma list of metric keys (default: the state's metric, else the first)",
    )
    e.add_argument("--formats", default="png,svg,html", help="comma list of png,svg,html")
    e.add_argument(
        "--view",
        default="",
        help="a dashboard link or its query string, e.g. 'metric=items_accepted&agencies=a&agencies=b'",
    )
    return p.parse_args(argv)


def _state(view: str) -> dict:
    query = urlsplit(view).query if "?" in view else view
    return urlstate.read_state(parse_qs(query))


def export(args: argparse.Namespace) -> int:
    result = read_dataset(args.dataset or dataset_dir())
    if result.status != "ok":
        why = f"{result.status}: {result.error}" if result.error else result.status
        print(
            f"no usable dataset in {args.dataset or dataset_dir()} ({why}); run: python -m pipeline build",
            file=sys.stderr,
        )
        return 2
    ds = result.dataset
    charts = [c for c in args.charts.split(",") if c]
    formats = [f for f in args.formats.split(",") if f]
    bad = [c for c in charts if c not in CHARTS] + [f for f in formats if f not in FORMATS]
    if bad:
        print(f"unknown chart or format: {', '.join(bad)}", file=sys.stderr)
        return 2
    if any(f in ("png", "svg") for f in formats) and not exports.static_export_available():
        print(f"PNG/SVG need Chromium: {exports.INSTALL_HINT}; writing HTML only", file=sys.stderr)
        formats = [f for f in formats if f == "html"]
    asked = _state(args.view)
    state = resolve_lists(ds, asked)
    gone = urlstate.not_offered(asked["agencies"], ds.agencies["agency_id"].dropna().astype(str))
    if gone:
        print(f"not in this dataset, left out: agencies {', '.join(gone)}", file=sys.stderr)
    metrics = [m for m in args.metrics.split(",") if m] or [
        state["metric"] or next(iter(sorted(ds.by_metric)), "")
    ]
    unknown = [m for m in metrics if m not in ds.by_metric]
    if unknown:
        print(
            f"no values for metric {', '.join(unknown)} in this dataset; it has: {', '.join(sorted(ds.by_metric))}",
            file=sys.stderr,
        )
        return 2
    problem = folder_problem(args.out)
    if problem:
        print(f"cannot write to --out {args.out}: {problem}", file=sys.stderr)
        return 2
    written = 0
    for metric in metrics:
        for chart in charts:
            fig = CHARTS[chart](ds, {**state, "metric": metric})
            if fig is None:
                print(f"skip {chart} {metric}: no data for this selection", file=sys.stderr)
                continue
            stem = exports.safe_filename(f"{chart}_{metric}_{label(metric, state['lang'], with_unit=False)}")
            for fmt in formats:
                target = args.out / f"{stem}.{fmt}"
                target.write_bytes(WRITERS[fmt](fig))
                print(target)
                written += 1
    return 0 if written else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return export(args)


if __name__ == "__main__":
    sys.exit(main())
