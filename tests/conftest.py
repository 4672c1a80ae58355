"""Shared fixtures: where the sample reports and the gold annotations live."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RAW_DIR = REPO / "data" / "raw"
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus"


def _need(path: Path) -> Path:
    if not path.is_dir():
        pytest.skip(f"{path} is absent (it sits beside the repo on the team's machines, not in a clone)")
    return path


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return _need(SEEDS)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return _need(CORPUS)


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    """A fresh input folder holding a copy of the sample reports (data/raw), for a build to read."""
    import shutil

    folder = tmp_path / "raw"
    folder.mkdir()
    for p in sorted(RAW_DIR.glob("*.txt")):
        shutil.copy(p, folder / p.name)
    return folder


# Traditional forms of common characters; pipeline.text.to_simplified maps each back, so a text
# translated with to_traditional() reads as a mirror site's traditional-character copy.
_TRADITIONAL_FORMS = (
    "們個來時說會經發為與從關過現當進開學實機體樣點務區辦處這還對應員於產電總項設報國條類請復佈"
)


def to_traditional(text: str) -> str:
    """`text` with the common characters above in their traditional form (same length)."""
    from pipeline.text import to_simplified

    table = str.maketrans({to_simplified(t): t for t in _TRADITIONAL_FORMS if to_simplified(t) != t})
    return text.translate(table)


def load_gold(txt: Path) -> dict:
    return json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))


def seed_pairs() -> list[tuple[Path, dict]]:
    """(sample report in data/raw, its gold) for every seed with an annotation beside it."""
    if not SEEDS.is_dir():
        return []
    return [
        (RAW_DIR / p.name, load_gold(p)) for p in sorted(SEEDS.glob("*.txt")) if (RAW_DIR / p.name).exists()
    ]


@pytest.fixture(scope="module")
def dask_scheduler():
    """One two-worker local Dask cluster per test module (start-up costs seconds)."""
    distributed = pytest.importorskip("dask.distributed")
    from pipeline.engines import LOCAL_CLUSTER_OPTIONS

    cluster = distributed.LocalCluster(n_workers=2, **LOCAL_CLUSTER_OPTIONS)
    yield cluster.scheduler_address
    cluster.close()


@pytest.fixture(scope="session")
def generated_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of 2,000 generated reports: the folder holding corpus/ (the reports) and ds/ (the dataset)."""
    from pipeline.dataset import build_dataset
    from pipeline.synth import generate

    root = tmp_path_factory.mktemp("generated_build")
    generate(2000, root / "corpus", seed=11, truth_dir=root / "truth")
    build_dataset(root / "corpus", root / "ds", workers=2, progress=False, corrections_path=None)
    return root


@pytest.fixture(scope="session")
def generated_documents(generated_build: Path):
    """The documents.parquet of `generated_build` (contract types)."""
    import pandas as pd

    return pd.read_parquet(generated_build / "ds" / "documents.parquet")
