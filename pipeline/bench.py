"""`python -m pipeline bench`: build a generated corpus and measure speed, memory and quality.

The floor is measured in the same run with the same engine, workers and files per task: read
every file and make one regex pass over its text. The build is the real build_dataset(); its ratio to the floor says how
much the extraction costs beyond touching the bytes. Quality compares the built metrics table with
the generator's truth, matched as `pipeline.evaluate` matches (metric, scope, value).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Targets of issue 7, for 100,000 reports on 2 cores.
TARGET_DOCS = 100_000
TARGET_SECONDS = 300.0
TARGET_PEAK_BYTES = 2 * 1024**3
TARGET_RATIO = 10.0

_FLOOR_PATTERN = re.compile(r"\d+(?:\.\d+)?")


def floor_task(path: str) -> tuple[int, int]:
    """The least any build must do per file: read, decode, one regex pass. Returns (bytes, matches)."""
    data = Path(path).read_bytes()
    return len(data), sum(1 for _ in _FLOOR_PATTERN.finditer(data.decode("utf-8", errors="replace")))


class PeakMemory:
    """Samples the memory of this process and all its descendants (pool or Dask workers) in a thread.

    `peak` sums PSS where the system reports it (Linux): pages shared by several processes, such
    as what forked workers inherit and never write, count once in all. Summing RSS counts them
    in every process (a million queued files in the parent show up again in each worker);
    `peak_rss` keeps that sum for comparison (the kernel updates RSS lazily, so when little is
    shared it can read a little under PSS). Elsewhere both are the RSS sum.
    """

    def __init__(self, interval: float = 0.25) -> None:
        import psutil

        self._proc = psutil.Process()
        self._psutil = psutil
        self.interval, self.peak, self.peak_rss = interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._pss = sys.platform.startswith("linux")

    def _sample(self) -> tuple[int, int]:
        """(PSS or RSS sum, RSS sum) of the process tree now."""
        proportional = resident = 0
        procs = [self._proc]
        with contextlib.suppress(self._psutil.Error):
            procs += self._proc.children(recursive=True)
        for p in procs:
            with contextlib.suppress(self._psutil.Error):  # a worker may exit between listing and reading
                if self._pss:
                    info = p.memory_full_info()
                    proportional, resident = proportional + info.pss, resident + info.rss
                else:
                    rss = p.memory_info().rss
                    proportional, resident = proportional + rss, resident + rss
        return proportional, resident

    def _record(self) -> None:
        proportional, resident = self._sample()
        self.peak, self.peak_rss = max(self.peak, proportional), max(self.peak_rss, resident)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._record()
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._record()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Stage:
    seconds: float
    peak_bytes: int = 0  # PSS of the process tree where known (see PeakMemory), else RSS
    peak_rss_bytes: int = 0  # RSS summed over the process tree: shared pages counted in each

    def rate(self, n: int) -> float:
        return n / self.seconds if self.seconds > 0 else float("inf")


@dataclass
class BenchResult:
    docs: int
    text_bytes: int
    workers: int
    engine: str
    generate: Stage
    floor: Stage
    build: Stage
    quality: dict = field(default_factory=dict)
    build_summary: dict = field(default_factory=dict)
    max_child_rss_bytes: int = 0  # RUSAGE_CHILDREN: the largest single child, a cross-check
    csv: bool = True  # whether the build wrote the CSV twins (build --no-csv)
    formats: list[str] = field(default_factory=lambda: ["txt"])  # what the reports were written as

    @property
    def text_only(self) -> bool:
        """Whether the reports were plain text, what the targets are set for."""
        return self.formats == ["txt"]

    @property
    def ratio(self) -> float:
        return self.build.seconds / self.floor.seconds if self.floor.seconds > 0 else float("inf")

    def stage_ratios(self) -> dict[str, float]:
        """Each step of the build (plan, extract, documents, shards, finish) as a multiple of the floor: what
        the build/floor ratio is made of."""
        stages = self.build_summary.get("stage_seconds") or {}
        if self.floor.seconds <= 0:
            return {}
        return {k: round(v / self.floor.seconds, 2) for k, v in stages.items()}

    @property
    def projected_seconds(self) -> float:
        """Build time scaled linearly to the 100,000-report target."""
        return self.build.seconds * TARGET_DOCS / max(1, self.docs)

    def to_dict(self) -> dict:
        out = asdict(self)
        out.update(
            ratio=round(self.ratio, 2),
            docs_per_s=round(self.build.rate(self.docs), 1),
            mb_per_s=round(self.text_bytes / 1e6 / self.build.seconds, 3) if self.build.seconds else None,
            projected_seconds_for_100k=round(self.projected_seconds, 1),
            stage_ratios=self.stage_ratios(),
            targets=self.targets(),
        )
        return out

    def targets(self) -> dict[str, bool]:
        return {
            "100k_under_5_min": self.projected_seconds < TARGET_SECONDS,
            "peak_under_2_GB": self.build.peak_bytes < TARGET_PEAK_BYTES,
            "within_10x_of_floor": self.ratio <= TARGET_RATIO,
        }

    def format_text(self) -> str:
        mb = self.text_bytes / 1e6
        q = self.quality

        def line(name: str, st: Stage, note: str = "") -> str:
            return (
                f"  {name:<9}{st.seconds:8.2f} s  {st.rate(self.docs):9.1f} docs/s  {mb / st.seconds:7.2f} MB/s"
                f"  peak {st.peak_bytes / 2**20:7.0f} MiB{note}"
            )

        ok = {True: "ok", False: "MISSED"}
        t = self.targets()
        out = [
            f"bench: {self.docs} synthetic reports"
            + ("" if self.text_only else f" ({', '.join(self.formats)}, in turn)")
            + f", {mb:.1f} MB of {'text' if self.text_only else 'files'}, engine {self.engine}, "
            f"{self.workers} workers, {os.cpu_count()} cores",
            *(
                []
                if self.text_only
                else ["  (the targets below are set for text reports; here the readers' time counts too)"]
            ),
            line("generate", self.generate),
            line("floor", self.floor, "  (read + one regex pass)"),
            line(
                "build",
                self.build,
                "  (build_dataset: extract, resolve, validate, write"
                + (" parquet + CSV)" if self.csv else " parquet only: --no-csv)"),
            ),
            f"  build / floor = {self.ratio:.1f}x  (target <= {TARGET_RATIO:g}x: {ok[t['within_10x_of_floor']]})",
            "  of which: "
            + ", ".join(
                f"{k} {self.build_summary['stage_seconds'][k]:.1f} s ({r:g}x)"
                for k, r in self.stage_ratios().items()
            ),
            f"  projected for {TARGET_DOCS:,} reports: {self.projected_seconds / 60:.1f} min "
            f"(target < {TARGET_SECONDS / 60:g} min: {ok[t['100k_under_5_min']]})",
            f"  peak memory of the process tree during the build: {self.build.peak_bytes / 2**30:.2f} GiB "
            f"(target < 2 GiB: {ok[t['peak_under_2_GB']]}); summed RSS {self.build.peak_rss_bytes / 2**30:.2f} GiB "
            f"(shared pages counted in each process), largest single child {self.max_child_rss_bytes / 2**20:.0f} MiB",
        ]
        if q:
            m = q["metrics"]
            out.append(
                f"  quality vs synthetic truth ({q['documents']} documents, core metrics): "
                f"P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} "
                f"(tp={m['tp']} fp={m['fp']} fn={m['fn']})"
            )
            worst = sorted(q["per_metric"].items(), key=lambda kv: kv[1]["f1"])[:3]
            out.append("  weakest: " + ", ".join(f"{k} F1={v['f1']:.3f}" for k, v in worst))
            shares = [
                f"{label} {q[k]['correct']:,}/{q[k]['total']:,}"
                for k, label in (("agency", "agency as filed"), ("region", "region"))
                if q.get(k, {}).get("total")
            ]
            if shares:
                out.append("  identities vs synthetic truth: " + ", ".join(shares))
        s = self.build_summary
        if s:
            brief = {k: s[k] for k in ("documents", "status", "failed", "metrics", "agencies") if k in s}
            out.append(f"  build summary: {json.dumps(brief, ensure_ascii=False)}")
        return "\n".join(out)


def score_build(dataset_dir: Path, truth_dir: Path) -> dict:
    """Precision/recall of the built metrics table against the generator's truth, per core metric;
    and how often each document's agency (as filed) and region are the truth's, as evaluate scores them."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from pipeline.agencies import same_body
    from pipeline.catalog import CORE_KEYS
    from pipeline.evaluate import Counts, _name, _region_holds, _same_value

    docs = pd.read_parquet(dataset_dir / "documents.parquet", columns=["doc_id", "path", "agency", "region"])
    # Values grouped by document without a Python object per value: a million-report build has
    # tens of millions of them. Strings as categories, rows sorted by document, one slice each.
    table = pq.read_table(
        dataset_dir / "metrics.parquet",
        columns=["doc_id", "metric", "scope", "value"],
        read_dictionary=["doc_id", "metric", "scope"],
    )
    metrics = table.filter(
        pc.is_in(table.column("metric").cast("string"), pa.array(sorted(CORE_KEYS)))
    ).to_pandas()
    codes = metrics["doc_id"].cat.codes.to_numpy()
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    code_of = {d: i for i, d in enumerate(metrics["doc_id"].cat.categories)}
    bounds = np.searchsorted(sorted_codes, np.arange(len(code_of) + 1)).tolist()  # doc i: [i, i+1)
    metric_names = [str(c) for c in metrics["metric"].cat.categories]
    scope_names = [str(c) for c in metrics["scope"].cat.categories]
    metric_of = metrics["metric"].cat.codes.to_numpy()[order]
    scope_of = metrics["scope"].cat.codes.to_numpy()[order]
    value_of = metrics["value"].to_numpy(dtype="float64")[order]

    def predicted_for(doc_id: str) -> list[tuple[str, str, float]]:
        code = code_of.get(doc_id)
        if code is None:
            return []
        lo, hi = bounds[code], bounds[code + 1]
        return [
            (metric_names[m], scope_names[c], v)
            for m, c, v in zip(
                metric_of[lo:hi].tolist(), scope_of[lo:hi].tolist(), value_of[lo:hi].tolist(), strict=True
            )
        ]

    total, per_metric = Counts(), {}
    n = 0
    identity = {"agency": [0, 0], "region": [0, 0]}  # [right, scored]
    for doc_id, path, agency, region in docs.itertuples(index=False):
        truth_path = truth_dir / Path(path).with_suffix(".json").name
        if not truth_path.exists():
            continue
        n += 1
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if truth.get("agency"):
            filed = agency if isinstance(agency, str) else None
            identity["agency"][0] += bool(filed) and same_body(_name(filed), _name(truth["agency"]))
            identity["agency"][1] += 1
        placed = _region_holds(region if isinstance(region, str) else None, truth.get("region"))
        if placed is not None:
            identity["region"][0] += placed
            identity["region"][1] += 1
        predicted = predicted_for(doc_id) if isinstance(doc_id, str) else []
        for g in truth["metrics"]:
            c = per_metric.setdefault(g["metric"], Counts())
            hit = next(
                (
                    p
                    for p in predicted
                    if p[0] == g["metric"] and p[1] == g["scope"] and _same_value(p[2], g["value"])
                ),
                None,
            )
            if hit:
                predicted.remove(hit)
                total.tp, c.tp = total.tp + 1, c.tp + 1
            else:
                total.fn, c.fn = total.fn + 1, c.fn + 1
        for metric, _, _ in predicted:
            total.fp += 1
            per_metric.setdefault(metric, Counts()).fp += 1
    return {
        "documents": n,
        "metrics": total.to_dict(),
        "per_metric": {k: per_metric[k].to_dict() for k in sorted(per_metric)},
        **{k: {"correct": right, "total": scored} for k, (right, scored) in identity.items()},
    }


def run_bench(
    docs: int,
    workers: int,
    engine: str = "pool",
    scheduler: str | None = None,
    work_dir: Path | None = None,
    seed: int = 0,
    progress: bool = False,
    csv: bool = True,
    formats: tuple[str, ...] = ("txt",),
) -> BenchResult:
    """Generate, measure the floor, build, score; with `progress`, each stage is logged to stderr.
    With several `formats` the reports cycle through them (pipeline.synth_formats): the floor still
    reads the files and makes one regex pass over their bytes, so its ratio then counts the readers."""

    def say(msg: str) -> None:
        if progress:
            print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    from pipeline import engines, synth
    from pipeline.dataset import batch_size, build_dataset

    tmp = None
    if work_dir is None:
        tmp = tempfile.mkdtemp(prefix="pipeline-bench-")
        work_dir = Path(tmp)
    corpus, truth, dataset = work_dir / "corpus", work_dir / "truth", work_dir / "dataset"
    cluster = None
    try:
        if engine == "dask" and not scheduler:
            # One local cluster for floor and build alike: its start-up is in neither figure.
            from dask.distributed import LocalCluster

            began = time.perf_counter()
            cluster = LocalCluster(n_workers=workers, **engines.LOCAL_CLUSTER_OPTIONS)
            scheduler = cluster.scheduler_address
            say(f"local Dask cluster of {workers} workers started in {time.perf_counter() - began:.1f} s")
        for d in (corpus, truth, dataset):
            shutil.rmtree(d, ignore_errors=True)
        with PeakMemory() as mem:
            gen = synth.generate(docs, corpus, seed=seed, workers=workers, truth_dir=truth, formats=formats)
        generate = Stage(gen.seconds, mem.peak, mem.peak_rss)
        say(f"generated {docs} reports ({gen.text_bytes / 1e6:.1f} MB) in {gen.seconds:.1f} s")

        paths = sorted(str(p) for p in corpus.iterdir())
        with PeakMemory() as mem:
            began = time.perf_counter()
            # Batched as the build batches its files: on Dask each task costs milliseconds to
            # dispatch, and a floor of smaller tasks would measure the engine, not the files.
            floor_bytes = sum(
                b
                for b, _ in engines.map_unordered(
                    floor_task,
                    paths,
                    workers,
                    engine=engine,
                    scheduler=scheduler,
                    chunksize=batch_size(len(paths), workers),
                )
            )
            floor = Stage(time.perf_counter() - began, mem.peak, mem.peak_rss)
        say(f"floor {floor.seconds:.2f} s")
        if floor_bytes != gen.text_bytes:
            raise RuntimeError(f"floor read {floor_bytes} bytes, the generator wrote {gen.text_bytes}")

        with PeakMemory() as mem:
            began = time.perf_counter()
            built = build_dataset(
                corpus,
                dataset,
                workers=workers,
                engine=engine,
                scheduler=scheduler,
                progress=progress,
                corrections_path=None,
                incremental=False,
                csv=csv,
            )
            build = Stage(time.perf_counter() - began, mem.peak, mem.peak_rss)
        say(f"build {build.seconds:.1f} s, peak {build.peak_bytes / 2**30:.2f} GiB; scoring")
        quality = score_build(dataset, truth)
        return BenchResult(
            docs=docs,
            text_bytes=gen.text_bytes,
            workers=workers,
            engine=engine,
            generate=generate,
            floor=floor,
            build=build,
            quality=quality,
            build_summary=dict(built.summary),
            max_child_rss_bytes=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
            csv=csv,
            formats=list(formats),
        )
    finally:
        if cluster is not None:
            cluster.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def profile_extract(docs: int, seed: int = 0, top: int = 25) -> str:
    """cProfile of the per-file work of the build (dataset.process_file) in this process.

    Prints the share of time per module first (where to look), then the costliest functions.
    """
    import cProfile
    import io
    import pstats
    from collections import Counter

    from pipeline.dataset import FileTask, process_file
    from pipeline.synth import generate

    with tempfile.TemporaryDirectory(prefix="pipeline-profile-") as tmp:
        warm = 20  # lazy imports, tables and regex caches are not the steady state
        generate(docs + warm, Path(tmp) / "corpus", seed=seed, truth_dir=Path(tmp) / "truth")
        paths = sorted((Path(tmp) / "corpus").glob("*.txt"))
        for p in paths[:warm]:
            process_file(FileTask(str(p), p.name))
        prof = cProfile.Profile()
        began = time.perf_counter()
        prof.enable()
        for p in paths[warm:]:
            process_file(FileTask(str(p), p.name))
        prof.disable()
        seconds = time.perf_counter() - began
    stats = pstats.Stats(prof)
    by_module: Counter[str] = Counter()
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        module = (
            filename.split("site-packages/")[-1].split("/")[0] if "site-packages" in filename else filename
        )
        by_module[Path(module).name] += tottime
    total = sum(by_module.values()) or 1.0
    out = io.StringIO()
    out.write(
        f"profile: {docs} reports, {seconds:.2f} s under cProfile in one process ({docs / seconds:.1f} docs/s)\n"
    )
    out.write("own time by module:\n")
    for module, t in by_module.most_common(15):
        out.write(f"  {module:<32}{t:8.2f} s {100 * t / total:5.1f}%\n")
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(r"pipeline/", top)
    return out.getvalue()


def _parser() -> argparse.ArgumentParser:
    from pipeline.engines import ENGINES, default_workers

    p = argparse.ArgumentParser(prog="python -m pipeline bench", description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=2000, help="reports to generate (default 2000)")
    p.add_argument("--workers", type=int, default=default_workers(), help="processes (default: all cores)")
    p.add_argument("--engine", choices=ENGINES, default="pool")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address (default: a local cluster)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keep", type=Path, default=None, help="work in DIR and keep corpus, truth and dataset")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--no-csv", action="store_true", help="build without the CSV twins (build --no-csv)")
    p.add_argument(
        "--formats",
        default="txt",
        help="write the reports in these formats in turn (python -m pipeline.synth --formats), e.g. "
        "txt,html,docx,pdf; docx and pdf need the test packages",
    )
    p.add_argument(
        "--progress", action="store_true", help="log stages and the build's progress bar to stderr"
    )
    p.add_argument(
        "--profile", type=int, metavar="N", default=0, help="also cProfile the per-file work on N reports"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.docs < 1 or args.workers < 1 or args.profile < 0:
        print("error: --docs and --workers must be at least 1, --profile at least 0", file=sys.stderr)
        return 2
    if args.scheduler and args.engine != "dask":
        print("error: --scheduler needs --engine dask", file=sys.stderr)
        return 2
    from pipeline.synth import FormatError, check_formats

    try:
        formats = check_formats(args.formats.split(","))
    except FormatError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.keep is not None:
        from pipeline.synth import SyntheticTargetError, check_target

        try:
            check_target(args.keep)
        except SyntheticTargetError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        from pipeline.writing import folder_problem

        problem = folder_problem(args.keep)
        if problem:
            print(f"error: cannot use --keep {args.keep}: {problem}", file=sys.stderr)
            return 2
    result = run_bench(
        args.docs,
        args.workers,
        args.engine,
        args.scheduler,
        args.keep,
        args.seed,
        args.progress,
        csv=not args.no_csv,
        formats=formats,
    )
    print(json.dumps(result.to_dict(), indent=2, default=str) if args.json else result.format_text())
    if args.profile:
        print(profile_extract(args.profile, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
