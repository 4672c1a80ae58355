"""Generated reports through a real layout engine: what the readers make of the files it writes.

Our own test writers (reportlab, python-docx) lay a report out the way we expect; real reports come
from Word, WPS and browsers, which justify text, space Chinese from digits, wrap table cells and
break rows across pages. LibreOffice Writer does the same things. This script writes N generated
reports as HTML and DOCX (pipeline.synth_formats; DOCX also with the official template's merged
group cells, and set as an official document: 16 pt body, a centred two-line title), has Writer
export them as PDF, .doc and .rtf, reads each file back and compares its values (metric, scope,
value) and identities (doc type, year, agency) with those of its text. Needs `soffice` (Debian:
libreoffice-writer-nogui).

    .venv/bin/python scripts/check_layouts.py [--docs 300] [--seed 2026] [--keep DIR] [--strict]

Prints one row per layout; with --strict, exits 1 when a file reads other values or identities.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline import synth  # noqa: E402
from pipeline.extract import extract  # noqa: E402
from pipeline.readers import read_path  # noqa: E402
from pipeline.synth_formats import make_docx, make_html  # noqa: E402

# source -> (writer, suffix): the files Writer is given, written once for every layout made from them
SOURCES: dict[str, tuple[Callable[[str], bytes], str]] = {
    "html": (make_html, "html"),
    "docx": (make_docx, "docx"),
    "docx-merged": (lambda t: make_docx(t, merge_groups=True), "docx"),
    "docx-gongwen": (lambda t: make_docx(t, gongwen=True), "docx"),
}
_TO_PDF = ("--convert-to", "pdf")
# layout -> (source, soffice arguments before --outdir, target suffix)
LAYOUTS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "html printed as pdf": (
        "html",
        ("--infilter=HTML (StarWriter)", "--convert-to", "pdf:writer_pdf_Export"),
        "pdf",
    ),
    "docx as pdf": ("docx", _TO_PDF, "pdf"),
    "docx, merged, as pdf": ("docx-merged", _TO_PDF, "pdf"),
    "docx, gongwen, as pdf": ("docx-gongwen", _TO_PDF, "pdf"),
    "docx as doc": ("docx", ("--convert-to", "doc"), "doc"),
    "docx as rtf": ("docx", ("--convert-to", "rtf"), "rtf"),
}
IDENTITY = ("doc_type", "year", "agency")
# Writer sometimes skips files of a batch without a word (seen: 52 of 300); they are asked again.
RETRIES = 3


@dataclass
class Outcome:
    files: int = 0
    not_ok: list[str] = field(default_factory=list)
    values: int = 0
    lost: int = 0
    wrong: int = 0
    identities: int = 0  # files whose doc type, year or agency differ from their text's
    examples: list[str] = field(default_factory=list)


def _convert(sources: list[Path], args: tuple[str, ...], out: Path, profile: Path, suffix: str) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install libreoffice-writer-nogui")
    for _ in range(RETRIES):
        todo = [s for s in sources if not (out / f"{s.stem}.{suffix}").exists()]
        if not todo:
            return
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation={profile.as_uri()}",
                *args,
                "--outdir",
                str(out),
                *map(str, todo),
            ],
            capture_output=True,
            timeout=60 + 5 * len(todo),
            check=False,
        )
    missing = [s.name for s in sources if not (out / f"{s.stem}.{suffix}").exists()]
    if missing:
        raise SystemExit(f"soffice did not convert {len(missing)} file(s), e.g. {missing[:3]}")


Reading = tuple[frozenset, dict, str]  # values (metric, scope, value), identities, read status


def _reading(path: str) -> Reading:
    """What one file yields: its values, its identities and its read status."""
    result = read_path(Path(path))
    got = extract(result.text or "", Path(path).name)
    values = frozenset((r.metric, r.scope, r.value) for r in got.records)
    return values, {k: getattr(got.meta, k) for k in IDENTITY}, result.status


def check(n_docs: int, seed: int, work: Path, workers: int = 2) -> dict[str, Outcome]:
    texts = work / "txt"
    texts.mkdir(parents=True, exist_ok=True)
    for i in range(n_docs):
        text = synth.make_document(seed=seed, index=i)[0]
        (texts / f"r{i:05d}.txt").write_text(text, encoding="utf-8")
    stems = sorted(t.stem for t in texts.glob("*.txt"))
    for name, (write, suffix) in SOURCES.items():
        (work / name).mkdir(exist_ok=True)
        for stem in stems:
            source = work / name / f"{stem}.{suffix}"
            if not source.exists():
                source.write_bytes(write((texts / f"{stem}.txt").read_text(encoding="utf-8")))
    outcomes: dict[str, Outcome] = {}
    with ProcessPoolExecutor(workers) as pool:
        wanted = dict(
            zip(stems, pool.map(_reading, [str(texts / f"{s}.txt") for s in stems], chunksize=8), strict=True)
        )
        for layout, (source, args, suffix) in LAYOUTS.items():
            out = work / layout.replace(" ", "-").replace(",", "")
            out.mkdir(exist_ok=True)
            src_suffix = SOURCES[source][1]
            _convert(
                [work / source / f"{s}.{src_suffix}" for s in stems], args, out, work / "lo-profile", suffix
            )
            o = outcomes[layout] = Outcome()
            files = [str(out / f"{s}.{suffix}") for s in stems]
            for stem, (values, ids, status) in zip(
                stems, pool.map(_reading, files, chunksize=8), strict=True
            ):
                want_values, want_ids, _ = wanted[stem]
                lost, wrong = sorted(want_values - values), sorted(values - want_values)
                differ = [(k, want_ids[k], ids[k]) for k in IDENTITY if ids[k] != want_ids[k]]
                o.files += 1
                o.values += len(want_values)
                o.lost += len(lost)
                o.wrong += len(wrong)
                o.identities += bool(differ)
                if status != "ok":
                    o.not_ok.append(f"{stem}.{suffix}")
                if (lost or wrong or differ) and len(o.examples) < 3:
                    o.examples.append(
                        f"{stem}.{suffix}: lost {lost[:2]} wrong {wrong[:2]} identities {differ}"
                    )
    return outcomes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--keep", type=Path, help="work in DIR and keep the files")
    ap.add_argument(
        "--strict", action="store_true", help="exit 1 when any file reads otherwise than its text"
    )
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="layouts-") as tmp:
        work = args.keep or Path(tmp)
        outcomes = check(args.docs, args.seed, work)
    print(f"{args.docs} generated reports (seed {args.seed}) through LibreOffice Writer, against their text")
    print(
        f"  {'layout':22} {'files':>5} {'not ok':>6} {'values':>7} {'lost':>6} {'wrong':>6} {'identity':>8}"
    )
    for layout, o in outcomes.items():
        print(
            f"  {layout:22} {o.files:5} {len(o.not_ok):6} {o.values:7} {o.lost:6} {o.wrong:6} {o.identities:8}"
        )
        for e in o.examples:
            print(f"      {e}")
    bad = any(o.not_ok or o.lost or o.wrong or o.identities for o in outcomes.values())
    return 1 if args.strict and bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
