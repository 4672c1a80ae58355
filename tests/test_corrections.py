"""Analyst corrections override extracted values, carry their note, and are never written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import RAW_DIR

from pipeline.corrections import COLUMNS, CorrectionsError, load_corrections
from pipeline.dataset import build_dataset

SEED = sorted(RAW_DIR.glob("*.txt"))[0]
HEADER = ",".join(COLUMNS) + "\n"


def _write_corrections(folder: Path, *rows: str) -> Path:
    """data/corrections.csv as an analyst writes it: the header, then one line per row."""
    path = folder / "corrections.csv"
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture()
def built(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    first = build_dataset(raw, tmp_path / "ds", workers=1, progress=False, corrections_path=None)
    return raw, tmp_path, first


def test_correction_by_doc_id_wins_and_survives_rebuilds(built):
    raw, tmp, first = built
    target = first.resolved.iloc[0]
    doc_id = first.metrics.loc[first.metrics["metric"] == target["metric"], "doc_id"].iloc[0]
    corr = _write_corrections(
        tmp, f"{doc_id},,,,{target['metric']},{target['value'] + 7},{target['scope']},核对原文表格后更正"
    )
    before = corr.read_bytes()
    for _ in range(2):  # the second build re-uses every file and must still apply the correction
        result = build_dataset(raw, tmp / "ds", workers=1, progress=False, corrections_path=corr)
        row = result.resolved[
            (result.resolved["metric"] == target["metric"]) & (result.resolved["scope"] == target["scope"])
        ].iloc[0]
        assert row["value"] == target["value"] + 7
        assert row["source"] == "correction"
        assert row["note"] == "核对原文表格后更正"
        assert bool(row["conflict"]) is True
        assert f"{target['value']:g}" in row["alternatives"]
    assert corr.read_bytes() == before


def test_correction_by_agency_and_year_adds_a_value_the_text_lacks(built):
    raw, tmp, first = built
    doc = first.documents.iloc[0]
    corr = tmp / "corrections.csv"
    corr.write_text(
        f"agency,year,metric,value,note\n{doc['agency']},{doc['year']},requests_granted,3,来自附表\n",
        encoding="utf-8",
    )
    result = build_dataset(raw, tmp / "ds", workers=1, progress=False, corrections_path=corr)
    row = result.resolved[result.resolved["metric"] == "requests_granted"].iloc[0]
    assert (row["value"], row["agency_id"], row["source"]) == (3, doc["agency_id"], "correction")


def test_unmatched_correction_is_a_warning_not_a_crash(built):
    raw, tmp, _ = built
    corr = tmp / "corrections.csv"
    corr.write_text("doc_id,metric,value,note\nffffffffffffffff,lawsuits,1,test\n", encoding="utf-8")
    result = build_dataset(raw, tmp / "ds", workers=1, progress=False, corrections_path=corr)
    assert any("ffffffffffffffff" in w for w in result.summary["warnings"])


def test_every_problem_of_a_bad_corrections_file_is_reported_at_once(tmp_path: Path):
    corr = tmp_path / "corrections.csv"
    corr.write_text(
        "doc_id,agency,year,metric,value,scope,note\n"
        "abc,,,no_such_metric,1,annual,x\n"
        ",某局,20x9,lawsuits,many,annual,\n"
        ",,,lawsuits,1,weekly,y\n",
        encoding="utf-8",
    )
    with pytest.raises(CorrectionsError) as err:
        load_corrections(corr)
    text = str(err.value)
    for needle in ("line 2", "no_such_metric", "line 3", "many", "note is empty", "20x9", "line 4", "weekly"):
        assert needle in text


def test_missing_corrections_file_means_no_corrections(tmp_path: Path):
    assert load_corrections(tmp_path / "absent.csv").empty


def test_cli_refuses_a_bad_corrections_file_with_exit_2(built, capsys):
    from pipeline.__main__ import main

    raw, tmp, _ = built
    corr = tmp / "bad.csv"
    corr.write_text("metric,value,note\nnope,1,x\n", encoding="utf-8")
    code = main(["build", str(raw), "--out", str(tmp / "ds"), "--corrections", str(corr), "--quiet"])
    assert code == 2
    assert "nope" in capsys.readouterr().err


def test_a_correction_for_an_agency_id_no_document_has_is_a_warning_not_a_new_agency(built):
    """An id that changed (the pipeline now reads the agency's region or name differently) would
    have made an agency of its own in the resolved table: no documents, no name, the value alone."""
    raw, tmp, first = built
    doc = first.documents[first.documents["status"] == "ok"].iloc[0]
    corr = _write_corrections(
        tmp,
        f",139001-fb0fecb1aa,,{doc['year']},requests_granted,5,annual,旧编号",
        f",{doc['agency_id']},,{doc['year']},requests_denied,2,annual,现编号",
    )
    result = build_dataset(raw, tmp / "ds", workers=1, progress=False, corrections_path=corr)
    assert set(result.resolved["agency_id"]) == {doc["agency_id"]}
    fixed = result.resolved[result.resolved["source"] == "correction"]
    assert fixed["metric"].tolist() == ["requests_denied"]
    [warning] = result.summary["warnings"]
    assert "line 2" in warning and "139001-fb0fecb1aa is in no document" in warning and "doc_id" in warning


def test_corrections_reach_their_agency_whatever_shard_it_is_in(tmp_path: Path, monkeypatch):
    import pandas as pd

    import pipeline.spool as spool

    raw = tmp_path / "raw"
    raw.mkdir()
    for p in sorted(RAW_DIR.glob("*.txt")):
        shutil.copy(p, raw / p.name)
    first = build_dataset(raw, tmp_path / "plain", workers=1, progress=False, corrections_path=None)
    docs = first.documents.dropna(subset=["agency_id"]).drop_duplicates("agency_id")
    assert len(docs) >= 3
    corr = tmp_path / "corrections.csv"
    corr.write_text(
        "agency,year,metric,value,note\n"
        + "".join(
            f"{d.agency},{d.year},requests_granted,{i + 11},来自附表\n"
            for i, d in enumerate(docs.itertuples())
        ),
        encoding="utf-8",
    )
    one = build_dataset(raw, tmp_path / "one", workers=1, progress=False, corrections_path=corr)
    monkeypatch.setattr(spool, "SHARD_DOCS", 1)  # a shard per report
    many = build_dataset(raw, tmp_path / "many", workers=2, progress=False, corrections_path=corr)
    key = ["agency_id", "year", "metric", "scope"]
    for result in (one, many):
        got = result.resolved[result.resolved["source"] == "correction"].set_index("agency_id")["value"]
        assert got.to_dict() == {d.agency_id: i + 11 for i, d in enumerate(docs.itertuples())}
    pd.testing.assert_frame_equal(
        many.resolved.sort_values(key, ignore_index=True), one.resolved.sort_values(key, ignore_index=True)
    )


def test_corrections_apply_when_a_report_is_filed_twice(tmp_path: Path):
    """Copies of one text share a doc_id: a correction naming it (or its agency) still matches once."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    shutil.copy(SEED, raw / f"copy-{SEED.name}")
    first = build_dataset(raw, tmp_path / "ds", workers=1, progress=False, corrections_path=None)
    assert sorted(first.documents["status"]) == ["duplicate", "ok"]
    doc = first.documents[first.documents["status"] == "ok"].iloc[0]
    corr = _write_corrections(
        tmp_path,
        f"{doc['doc_id']},,,,requests_granted,5,annual,按文号",
        f",,{doc['agency']},{doc['year']},requests_denied,2,annual,按机关",
    )
    result = build_dataset(raw, tmp_path / "ds", workers=1, progress=False, corrections_path=corr)
    fixed = result.resolved[result.resolved["source"] == "correction"].set_index("metric")
    assert fixed["value"].to_dict() == {"requests_granted": 5, "requests_denied": 2}
    assert set(fixed["agency_id"]) == {doc["agency_id"]}
    assert result.summary["warnings"] == []


def _a_correction(built) -> str:
    _, tmp, _ = built
    doc_id = pd.read_parquet(tmp / "ds" / "documents.parquet")["doc_id"].iloc[0]
    return f"{HEADER}{doc_id},,,,lawsuits,7,annual,经核对原件更正\n"


@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8-sig"])
def test_a_corrections_file_saved_by_excel_applies_as_the_utf8_one(built, encoding):
    """Excel on a Chinese Windows saves CSV as GBK (and "Unicode text" as UTF-16): the same
    correction is read and applied, its Chinese note intact."""
    raw, tmp, _ = built
    text = _a_correction(built)
    utf8, resaved = tmp / "utf8.csv", tmp / "resaved.csv"
    utf8.write_text(text, encoding="utf-8")
    resaved.write_bytes(text.encode(encoding))
    pd.testing.assert_frame_equal(load_corrections(resaved), load_corrections(utf8))
    build_dataset(raw, tmp / "ds", workers=1, progress=False, corrections_path=resaved)
    resolved = pd.read_parquet(tmp / "ds" / "resolved.parquet")
    row = resolved[(resolved["metric"] == "lawsuits") & (resolved["source"] == "correction")]
    assert row["value"].tolist() == [7.0]
    assert row["note"].tolist() == ["经核对原件更正"]


def test_an_empty_corrections_file_means_no_corrections(tmp_path: Path):
    empty = tmp_path / "corrections.csv"
    empty.write_bytes(b"")
    assert load_corrections(empty).empty
    empty.write_bytes(b"\xef\xbb\xbf\r\n")  # what an editor leaves after deleting every line
    assert load_corrections(empty).empty


def test_unreadable_corrections_files_stop_the_cli_with_exit_2_and_a_message(built, capsys):
    """A workbook saved under the CSV's name, an unclosed quote, a folder: exit 2, the reason on
    stderr, no traceback, and the dataset of the previous build left as it was."""
    import zipfile

    from pipeline.__main__ import main

    raw, tmp, _ = built
    before = (tmp / "ds" / "metrics.parquet").read_bytes()
    xlsx = tmp / "workbook.csv"
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>" * 50)
    quote = tmp / "quote.csv"
    quote.write_text('metric,value,note\nlawsuits,1,"unclosed\n', encoding="utf-8")
    for path, reason in ((xlsx, "CSV UTF-8"), (quote, "not a readable CSV"), (tmp, "is a folder")):
        code = main(["build", str(raw), "--out", str(tmp / "ds"), "--corrections", str(path), "--quiet"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert reason in err and "Traceback" not in err
    assert (tmp / "ds" / "metrics.parquet").read_bytes() == before
