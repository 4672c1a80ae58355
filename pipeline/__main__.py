"""Command line: python -m pipeline build | show | evaluate | bench.

Exit status: 0 when every file was read, 1 when some failed (the dataset is still written),
2 on bad arguments or unusable input.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="read every report under INPUT_DIR and write the dataset")
    b.add_argument("input_dir", nargs="?", default="data/raw", help="folder of reports (default data/raw)")
    b.add_argument("--out", default="data/dataset", help="dataset folder (default data/dataset)")
    b.add_argument(
        "--workers", type=int, default=None, help="processes that extract and resolve (default: all cores)"
    )
    b.add_argument("--engine", choices=("pool", "dask"), default="pool", help="process pool or Dask")
    b.add_argument("--scheduler", default=None, help="Dask scheduler address (default: a local cluster)")
    b.add_argument(
        "--ship-files",
        action="store_true",
        help="send each file's bytes to the Dask workers (default: only when they cannot read INPUT_DIR)",
    )
    b.add_argument("--corrections", default="data/corrections.csv", help="analyst corrections file")
    b.add_argument("--full", action="store_true", help="re-extract every file (ignore the previous build)")
    b.add_argument(
        "--no-csv",
        action="store_true",
        help="write the tables as .parquet only, and remove the .csv twins of an earlier build "
        "(a 1M-report build's CSV twins are ~22 GB)",
    )
    b.add_argument("--quiet", action="store_true", help="no progress bar")

    s = sub.add_parser("show", help="print what one report yields, with evidence")
    s.add_argument("file")
    s.add_argument("--json", action="store_true")

    e = sub.add_parser("evaluate", help="compare with gold annotations (.json beside each .txt)")
    e.add_argument("gold_dir")
    e.add_argument("--json", action="store_true")

    sub.add_parser("bench", help="benchmark the build on a generated corpus", add_help=False)
    return p


def cmd_build(args: argparse.Namespace) -> int:
    from pipeline.agencies import AgencyTableError
    from pipeline.build_lock import BuildLocked
    from pipeline.corrections import CorrectionsError
    from pipeline.dataset import build_dataset, format_summary
    from pipeline.engines import EngineError, WorkersLost
    from pipeline.listing import InputFolderError

    if args.workers is not None and args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    cores = os.cpu_count() or 1
    if args.workers is not None and args.engine == "pool" and args.workers > 2 * cores:
        print(
            f"warning: --workers {args.workers} on {cores} core(s): each process beyond the cores holds its own "
            "memory (~100-250 MB) and adds no speed",
            file=sys.stderr,
        )
    if args.ship_files and args.engine != "dask":
        print("error: --ship-files needs --engine dask", file=sys.stderr)
        return 2
    if args.scheduler and args.engine != "dask":
        print("error: --scheduler needs --engine dask", file=sys.stderr)
        return 2
    if not Path(args.input_dir).is_dir():
        problem = "is not a folder" if os.path.lexists(args.input_dir) else "does not exist"
        print(f"error: input folder {args.input_dir} {problem}", file=sys.stderr)
        return 2
    if Path(args.out).exists() and not Path(args.out).is_dir():
        print(f"error: --out {args.out} is a file, not a folder", file=sys.stderr)
        return 2
    try:
        result = build_dataset(
            args.input_dir,
            args.out,
            workers=args.workers,
            engine=args.engine,
            scheduler=args.scheduler,
            progress=not args.quiet,
            corrections_path=args.corrections,
            incremental=not args.full,
            ship_files=True if args.ship_files else None,
            csv=not args.no_csv,
        )
    except (CorrectionsError, AgencyTableError, EngineError, InputFolderError, BuildLocked) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the outputs could not be written: a full disk, a read-only folder
        print(f"error: the build stopped: {exc}\n{_unwritable_advice(exc, args.out)}", file=sys.stderr)
        return 2
    except WorkersLost as exc:  # file after file ended its worker: the cause is not the files
        print(
            f"error: the build stopped: {_lost_files(exc.items)}\n{_KEPT.format(out=args.out)}",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print(f"\ninterrupted: {_last_whole(Path(args.out))}", file=sys.stderr)
        return 130  # as a shell reports a command stopped by Ctrl-C (128 + SIGINT)
    except BrokenProcessPool:  # a worker was killed: by the system when memory ran out, or by hand
        print(
            "error: the build stopped: a worker process ended abruptly (killed, or out of memory).\n"
            f"{_KEPT.format(out=args.out)} Try again with fewer processes (--workers).",
            file=sys.stderr,
        )
        return 2
    print(format_summary(result.summary))
    formats = ".parquet" if args.no_csv else ".parquet and .csv"
    print(f"written to {args.out}/ (documents, metrics, resolved, derived: {formats})")
    return result.exit_code


_KEPT = "The dataset in {out} is as it was: its files are replaced only once every new one is written."


def _last_whole(out: Path) -> str:
    """Which dataset `out` holds after a stopped build: files are swapped in together, meta.json
    last (pipeline.writing.interrupts_held), so its time says which build they all come from."""
    try:
        built_at = json.loads((out / "meta.json").read_text(encoding="utf-8"))["built_at"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"no dataset was written to {out}."
    return f"the dataset in {out} is the last one written in whole, built at {built_at}."


LOST_NAMES_SHOWN = 5


def _lost_files(items: list) -> str:
    """What to say when worker processes died on file after file: which files, and what to try."""
    names = list(_file_names(items))
    shown = ", ".join(names[:LOST_NAMES_SHOWN])
    if len(names) > LOST_NAMES_SHOWN:
        shown += f" and {len(names) - LOST_NAMES_SHOWN} more"
    return (
        f"worker processes ended (killed, out of memory, or a crash in a reader) reading {len(names)} "
        f"file(s): {shown}. So many point at the machine rather than the files: try fewer processes "
        "(--workers) or give the workers more memory; to find a file to blame, move these aside and build again."
    )


def _file_names(items: list) -> Iterator[str]:
    """The files of a batch of the engine: items are the build's own batches of FileTasks."""
    for item in items:
        if isinstance(item, list):
            yield from _file_names(item)
        else:
            yield getattr(item, "rel", str(item))


def _unwritable_advice(exc: OSError, out: str) -> str:
    """What to do when the outputs could not be written, by cause; the old dataset is always whole
    (its files are replaced only once every new one is written)."""
    kept = _KEPT.format(out=out)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{kept} Free some space, or choose another folder with --out."
    return f"{kept} Choose a folder you can write to with --out."


def cmd_show(args: argparse.Namespace) -> int:
    from pipeline.show import show_file

    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path} is not a file", file=sys.stderr)
        return 2
    report, code = show_file(path)
    print(json.dumps(report, ensure_ascii=False, indent=2, default=str) if args.json else report["text"])
    return code


def cmd_evaluate(args: argparse.Namespace) -> int:
    from pipeline.evaluate import evaluate_dir

    gold = Path(args.gold_dir)
    if not gold.is_dir():
        print(f"error: {gold} is not a folder", file=sys.stderr)
        return 2
    report = evaluate_dir(gold)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(report.format_text())
    return 1 if report.gold_errors else 0  # as build: some inputs could not be used


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "bench":
        from pipeline.bench import main as bench_main

        return bench_main(argv[1:])
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exc.code or 0)
    return {"build": cmd_build, "show": cmd_show, "evaluate": cmd_evaluate}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
