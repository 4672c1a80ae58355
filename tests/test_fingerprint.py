"""A rebuild re-uses the rows of unchanged files only while the extraction code and the analyst's
agency table are as the last build saw them: an edit to data/agencies.csv reaches every document."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO

from pipeline import agencies, fingerprint
from pipeline.dataset import build_dataset, format_summary


@pytest.fixture()
def agency_table(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the shipped analyst table, used by the builds in place of data/agencies.csv."""
    path = tmp_path / "agencies.csv"
    shutil.copy(REPO / "data" / "agencies.csv", path)
    monkeypatch.setattr(agencies, "DEFAULT_TABLE", path)
    return path


def _build(raw: Path, out: Path, **kw):
    return build_dataset(raw, out, workers=1, progress=False, corrections_path=None, **kw)


def _identities(out: Path) -> pd.DataFrame:
    docs = pd.read_parquet(out / "documents.parquet")
    return docs.set_index("path")[["agency", "agency_id", "region"]]


def test_naming_a_proposed_agency_in_the_table_reaches_documents_already_read(
    raw: Path, tmp_path: Path, agency_table: Path
):
    """The analyst's loop: the build proposes a name it was unsure of, the analyst adds a row
    for it to agencies.csv, and the next (incremental) build files that document under it."""
    out, n_files = tmp_path / "ds", len(list(raw.iterdir()))
    _build(raw, out)
    assert _build(raw, out).summary["reused"] == n_files  # the same table: every row re-used
    proposed = pd.read_csv(out / "agencies.proposed.csv", dtype=str, keep_default_na=False)
    assert len(proposed), "the sample reports hold a name the resolver is unsure of"
    unsure = proposed.iloc[0]
    with agency_table.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(
            [
                "analyst-1",
                f"{unsure['region']}测试政务服务中心",
                unsure["region"],
                unsure["level"],
                unsure["kind"],
            ]
            + [unsure["canonical_name"], ""]
        )
    again = _build(raw, out)
    assert again.summary["reused"] == 0
    assert again.summary["read_again_because"] == ["data/agencies.csv changed since the last build"]
    assert "every file read again: data/agencies.csv changed" in format_summary(again.summary)
    named = _identities(out).loc[unsure["paths"].split("|")[0]]
    assert (named["agency_id"], named["agency"]) == ("analyst-1", f"{unsure['region']}测试政务服务中心")
    full = _build(raw, tmp_path / "full", incremental=False)
    pd.testing.assert_frame_equal(again.documents, full.documents)
    pd.testing.assert_frame_equal(again.resolved, full.resolved)
    assert _build(raw, out).summary["reused"] == n_files  # and re-used again from then on


def test_a_build_that_recorded_no_fingerprints_is_read_again(raw: Path, tmp_path: Path, agency_table: Path):
    out = tmp_path / "ds"
    _build(raw, out)
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert set(meta[fingerprint.KEY]) == {"extraction", "agency_table"}
    del meta[fingerprint.KEY]  # as a build before fingerprints were kept wrote it
    (out / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    again = _build(raw, out)
    assert again.summary["reused"] == 0 and len(again.summary["read_again_because"]) == 2


def test_new_extraction_code_reads_every_file_again(
    raw: Path, tmp_path: Path, agency_table: Path, monkeypatch
):
    out = tmp_path / "ds"
    _build(raw, out)
    monkeypatch.setattr(fingerprint, "_extraction", lambda: "another version of the rules")
    again = _build(raw, out)
    assert again.summary["read_again_because"] == [fingerprint.REASONS["extraction"]]
    assert again.summary["reused"] == 0 and again.summary["extracted"] == len(list(raw.iterdir()))


def test_the_extraction_digest_follows_the_pipeline_sources(tmp_path: Path, monkeypatch):
    for name, text in (("a.py", "A = 1\n"), ("b.py", "B = 2\n")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(fingerprint, "PIPELINE_DIR", tmp_path)
    digests = []
    for text in ("B = 2\n", "B = 3\n", "B = 2\n"):
        (tmp_path / "b.py").write_text(text, encoding="utf-8")
        fingerprint._extraction.cache_clear()
        digests.append(fingerprint._extraction())
    fingerprint._extraction.cache_clear()
    assert digests[0] != digests[1] and digests[0] == digests[2]
