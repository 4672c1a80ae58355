"""The build end to end: sample reports in, a valid dataset out; bad files, reruns, corrections."""

from __future__ import annotations

import os
import shutil
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import RAW_DIR, seed_pairs

from pipeline.dataset import build_dataset
from pipeline.schema import DOCUMENT_COLUMNS, METRIC_COLUMNS, RESOLVED_COLUMNS
from pipeline.validate import SchemaError, document_ids, link_problems, orphan_problems, validate_dataset

SEEDS = sorted(RAW_DIR.glob("*.txt"))


def build(raw: Path, out: Path, **kw):
    kw.setdefault("workers", 1)
    kw.setdefault("progress", False)
    kw.setdefault("corrections_path", None)
    return build_dataset(raw, out, **kw)


def test_build_writes_every_table_with_its_contract_columns(raw: Path, tmp_path: Path):
    out = tmp_path / "ds"
    result = build(raw, out)
    for name, columns in (
        ("documents", DOCUMENT_COLUMNS),
        ("metrics", METRIC_COLUMNS),
        ("resolved", RESOLVED_COLUMNS),
    ):
        df = pd.read_parquet(out / f"{name}.parquet")
        assert list(df.columns) == list(columns)
        csv = (out / f"{name}.csv").read_bytes()
        assert csv.startswith(b"\xef\xbb\xbf"), "CSV must carry a BOM so Excel reads Chinese"
    assert (out / "meta.json").exists()
    assert len(result.documents) == len(SEEDS)
    assert result.exit_code == 0
    assert set(result.documents["path"]) == {p.name for p in SEEDS}


@pytest.mark.parametrize("raw_path,gold", seed_pairs(), ids=lambda x: getattr(x, "stem", ""))
def test_every_gold_value_of_a_sample_report_reaches_the_resolved_view(
    raw_path: Path, gold: dict, tmp_path: Path
):
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(raw_path, folder / raw_path.name)
    result = build(folder, tmp_path / "ds")
    doc = result.documents.iloc[0]
    assert doc["year"] == gold["year"]
    assert doc["doc_type"] == gold["doc_type"]
    got = {(r.metric, r.scope): (r.value, bool(r.approx)) for r in result.resolved.itertuples()}
    for m in gold["metrics"]:
        assert got.get((m["metric"], m["scope"])) == (pytest.approx(m["value"]), m["approx"]), m
    allowed = {(m["metric"], m["scope"]) for m in gold["metrics"]} | {
        (k, s) for k in gold.get("optional", []) for s in ("annual", "cumulative")
    }
    assert set(got) <= allowed, f"false positives: {set(got) - allowed}"


def test_evidence_offsets_point_at_the_value_as_written(raw: Path, tmp_path: Path):
    from pipeline.extract import extract
    from pipeline.readers import read_path

    result = build(raw, tmp_path / "ds")
    assert len(result.metrics) > 0
    texts = {}
    for p in raw.iterdir():
        ex = extract(read_path(p).text, p.name)
        texts[p.name] = ex.text
    paths = result.documents.set_index("doc_id")["path"]
    for r in result.metrics.itertuples():
        text = texts[paths[r.doc_id]]
        assert r.evidence in text
        written = text[r.start : r.end]
        assert written and written in r.evidence, (r.metric, written, r.evidence)


def test_rebuild_reuses_unchanged_files_and_follows_changes_and_deletions(raw: Path, tmp_path: Path):
    out = tmp_path / "ds"
    first = build(raw, out)
    assert first.summary["extracted"] == len(SEEDS)
    # A result's tables are read from the folder when first asked for: before it is built again.
    first_docs, first_metrics = first.documents, first.metrics

    again = build(raw, out)
    assert again.summary["reused"] == len(SEEDS) and again.summary["extracted"] == 0
    pd.testing.assert_frame_equal(
        first_metrics.sort_values(["doc_id", "start"]).reset_index(drop=True),
        again.metrics.sort_values(["doc_id", "start"]).reset_index(drop=True),
    )

    changed, deleted = SEEDS[0].name, SEEDS[1].name
    text = (raw / changed).read_text(encoding="utf-8-sig")
    (raw / changed).write_text(text.replace("年度报告", "年度报告(修订)", 1), encoding="utf-8")
    os.utime(raw / changed, (time.time() + 5, time.time() + 5))
    (raw / deleted).unlink()
    third = build(raw, out)
    assert third.summary["extracted"] == 1
    assert deleted not in set(third.documents["path"])
    old_id = first_docs.set_index("path").loc[changed, "doc_id"]
    new_id = third.documents.set_index("path").loc[changed, "doc_id"]
    assert old_id != new_id
    assert old_id not in set(third.metrics["doc_id"])
    gone = first_docs.set_index("path").loc[deleted, "doc_id"]
    assert gone not in set(third.metrics["doc_id"])


def test_touched_file_with_same_bytes_is_not_re_extracted(raw: Path, tmp_path: Path, monkeypatch):
    import pipeline.dataset as dataset

    out = tmp_path / "ds"
    build(raw, out)
    touched = raw / SEEDS[2].name
    os.utime(touched, (time.time() + 9, time.time() + 9))
    again = build(raw, out)
    assert again.summary["extracted"] == 0
    # Its row takes the new time, as a full build records it; so the next rebuild need not hash it.
    row = again.documents.set_index("path").loc[touched.name]
    assert row["mtime"] == touched.stat().st_mtime
    full = build(raw, tmp_path / "full", incremental=False).documents
    pd.testing.assert_frame_equal(again.documents, full)
    hashed: list[
        str
    ] = []  # the touched file's bytes hashed again (other digests, e.g. the agency table's, are not counted)
    real, content = dataset.hashlib.sha256, touched.read_bytes()
    monkeypatch.setattr(
        dataset.hashlib, "sha256", lambda data=b"": (data == content and hashed.append("x")) or real(data)
    )
    assert build(raw, out).summary["extracted"] == 0 and hashed == []


@pytest.mark.parametrize(
    ("name", "advice"),
    [
        ("年报下载.zip", "it is an archive: unpack it into the input folder to read the reports in it"),
        ("scan.JPG", "it is an image (a scan?): reports are read from their text, and OCR is not supported"),
        ("报告.ofd", "OFD is China's fixed-layout format (GB/T 33190): export it as PDF"),
        ("统计表.xlsx", "it is a spreadsheet: save the report as PDF or .docx to read it"),
        ("notes.xyz", None),
    ],
)
def test_a_file_that_is_not_read_says_what_to_do_with_it(raw: Path, tmp_path: Path, name: str, advice):
    """A bulk download arrives zipped, scans as images, new official documents as OFD: the analyst
    is told what would make them readable, not only that they are not."""
    if name.endswith(".zip"):  # a real archive, reports inside
        with zipfile.ZipFile(raw / name, "w") as z:
            z.writestr("2023年报.pdf", (raw / SEEDS[0].name).read_bytes())
    else:
        (raw / name).write_bytes(b"not read at all")
    row = build(raw, tmp_path / "ds").documents.set_index("path").loc[name]
    assert row["status"] == "unsupported"
    said = f"file type {Path(name).suffix} is not a supported report format"
    assert row["message"] == (f"{said}; {advice}" if advice else said)


def test_bad_files_get_a_status_and_the_run_goes_on(raw: Path, tmp_path: Path):
    (raw / "empty.txt").write_bytes(b"")
    (raw / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    (raw / "notes.xyz").write_bytes(b"whatever")
    (raw / "copy of seed.txt").write_bytes((raw / SEEDS[0].name).read_bytes())
    (raw / "gbk copy.txt").write_bytes(
        (raw / SEEDS[0].name).read_text(encoding="utf-8-sig").encode("gb18030")
    )
    result = build(raw, tmp_path / "ds")
    status = result.documents.set_index("path")["status"]
    assert status["empty.txt"] == "empty"
    assert status["image.txt"] in ("unreadable", "unsupported")
    assert status["notes.xyz"] == "unsupported"
    dup_status = {status["copy of seed.txt"], status["gbk copy.txt"], status[SEEDS[0].name]}
    assert dup_status == {"ok", "duplicate"}
    messages = result.documents.set_index("path")["message"]
    assert all(messages[p] for p in ("empty.txt", "image.txt", "notes.xyz", "copy of seed.txt"))
    assert result.exit_code == 1
    # duplicates contribute no extra rows
    assert result.metrics.duplicated(["doc_id", "metric", "scope", "start"]).sum() == 0
    assert result.documents["status"].isin(["ok", "no_metrics"]).sum() == len(SEEDS)


def test_a_file_name_that_is_not_utf8_is_read_and_recorded_with_escapes(raw: Path, tmp_path: Path):
    """Linux hands such names over with lone surrogates, which no parquet or CSV file can hold: one
    such file stopped the whole build (UnicodeEncodeError)."""
    text = (raw / SEEDS[1].name).read_text(encoding="utf-8-sig")
    os.remove(raw / SEEDS[1].name)
    folder = os.fsencode(raw)
    with open(
        os.path.join(folder, b"\xb1\xa8\xb8\xe6.txt"), "w", encoding="utf-8"
    ) as fh:  # GBK bytes of 报告
        fh.write(text)
    with open(os.path.join(folder, b"\xff.xyz"), "wb") as fh:
        fh.write(b"not a report")
    result = build(raw, tmp_path / "ds")
    docs = result.documents.set_index("path")
    assert docs.loc["\\xb1\\xa8\\xb8\\xe6.txt", "status"] == "ok"
    assert "not valid UTF-8" in docs.loc["\\xb1\\xa8\\xb8\\xe6.txt", "message"]
    assert "read as GB18030 it is 报告.txt" in docs.loc["\\xb1\\xa8\\xb8\\xe6.txt", "message"]
    assert docs.loc["\\xff.xyz", "status"] == "unsupported"
    assert docs["status"].isin(["ok", "no_metrics"]).sum() == len(SEEDS)
    csv = pd.read_csv(tmp_path / "ds" / "documents.csv", encoding="utf-8-sig")
    assert set(csv["path"]) == set(docs.index)
    # An unchanged file is re-used by the next build, found by the path recorded for it.
    again = build(raw, tmp_path / "ds")
    assert again.summary["reused"] == len(SEEDS) and again.summary["extracted"] == 0
    pd.testing.assert_frame_equal(again.metrics, result.metrics)


def test_cli_build_exit_codes(raw: Path, tmp_path: Path):
    from pipeline.__main__ import main

    assert main(["build", str(raw), "--out", str(tmp_path / "a"), "--workers", "1", "--quiet"]) == 0
    (raw / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    assert main(["build", str(raw), "--out", str(tmp_path / "a"), "--workers", "1", "--quiet"]) == 1
    assert main(["build", str(tmp_path / "missing"), "--out", str(tmp_path / "b")]) == 2
    assert main(["build", "--workers", "0"]) == 2
    assert main(["frobnicate"]) == 2


def test_show_prints_each_metric_with_its_evidence(capsys):
    from pipeline.__main__ import main

    assert main(["show", str(SEEDS[0])]) == 0
    out = capsys.readouterr().out
    assert "year:" in out and "←" in out


def test_process_pool_and_serial_builds_agree(raw: Path, tmp_path: Path):
    a = build(raw, tmp_path / "a", workers=1)
    b = build(raw, tmp_path / "b", workers=2)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    cols = [c for c in DOCUMENT_COLUMNS if c != "mtime"]
    pd.testing.assert_frame_equal(a.documents[cols], b.documents[cols])


def test_validation_reports_every_problem_at_once(raw: Path, tmp_path: Path):
    result = build(raw, tmp_path / "ds")
    docs = result.documents.copy()
    docs.loc[0, "status"] = "weird"
    metrics = result.metrics.copy()
    metrics.loc[0, "metric"] = "not_a_metric"
    metrics.loc[0, "evidence"] = ""
    with pytest.raises(SchemaError) as err:
        validate_dataset(docs, metrics, result.resolved)
    text = str(err.value)
    assert "status" in text and "not_a_metric" in text and "evidence" in text
    assert len(err.value.problems) >= 3


def test_values_whose_document_is_missing_are_counted_as_text_or_as_categories(raw: Path, tmp_path: Path):
    """The per-shard check reads categorical ids (a build's projection) and plain ones alike."""
    result = build(raw, tmp_path / "ds")
    metrics = result.metrics.copy()
    gone = metrics["doc_id"].iloc[0]
    docs = result.documents[result.documents["doc_id"] != gone]
    expected = int((metrics["doc_id"] == gone).sum())
    for ids in (metrics["doc_id"], metrics["doc_id"].astype("category")):
        problems = orphan_problems(metrics.assign(doc_id=ids), document_ids(docs))
        assert problems == [f"metrics.doc_id: {expected} rows whose document is not in documents"]
        assert orphan_problems(metrics.assign(doc_id=ids), document_ids(result.documents)) == []
    missing = metrics["doc_id"].astype(object).where(metrics.index != 0, None)  # a value with no id
    for ids in (missing, missing.astype("category")):
        problems = orphan_problems(metrics.assign(doc_id=ids), document_ids(result.documents))
        assert problems == ["metrics.doc_id: 1 rows whose document is not in documents"]


def test_a_value_must_name_the_document_it_was_read_from(raw: Path, tmp_path: Path):
    """The build's per-shard check compares each value's doc_id with its own document's, pair by pair."""
    import pyarrow as pa

    metrics = build(raw, tmp_path / "ds").metrics
    ids = pa.array(metrics["doc_id"].astype(object))
    assert metrics["doc_id"].nunique() >= 2
    assert link_problems(ids, ids) == []
    other = metrics["doc_id"][metrics["doc_id"] != metrics["doc_id"].iloc[0]].iloc[0]
    wrong = [other] + [None] + list(metrics["doc_id"].astype(object).iloc[2:])
    problems = link_problems(pa.array(wrong, pa.string()), ids)
    assert problems == ["metrics.doc_id: 2 rows whose document is not in documents"]
    assert link_problems(ids.slice(0, 0), ids.slice(0, 0)) == []


def test_a_file_over_the_size_cap_is_refused_without_loading_it(raw: Path, tmp_path: Path):
    from pipeline.readers_base import Limits

    with open(raw / "huge.txt", "wb") as fh:  # sparse: costs no disk and no time
        fh.truncate(Limits().max_bytes + 1)
    result = build(raw, tmp_path / "ds")
    row = result.documents.set_index("path").loc["huge.txt"]
    assert row["status"] == "unsupported"
    assert "limit" in row["message"]
    assert isinstance(row["sha256"], str) and len(row["sha256"]) == 64
    assert result.exit_code == 1


def test_progress_callback_counts_every_extracted_file_and_derived_table_is_written(
    raw: Path, tmp_path: Path
):
    calls: list[tuple[int, int]] = []
    build(raw, tmp_path / "ds", on_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, len(SEEDS)) for i in range(1, len(SEEDS) + 1)]
    derived = pd.read_parquet(tmp_path / "ds" / "derived.parquet")
    assert list(derived.columns) == list(RESOLVED_COLUMNS)


def test_spooled_parts_give_the_same_dataset_as_one_chunk(raw: Path, tmp_path: Path, monkeypatch):
    import pipeline.spool as spool

    (raw / "copy.txt").write_bytes((raw / SEEDS[0].name).read_bytes())  # a duplicate across parts
    one = build(raw, tmp_path / "one")
    monkeypatch.setattr(spool, "BUFFER_ROWS", 5)  # rows appended to the shards every few rows
    many = build(raw, tmp_path / "many")
    assert len(one.metrics) > 10, "enough rows for several parts"

    def norm(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        return df.sort_values(by).reset_index(drop=True)

    key = ["agency_id", "year", "metric", "scope"]
    pd.testing.assert_frame_equal(
        norm(one.metrics, ["doc_id", "start", "metric"]), norm(many.metrics, ["doc_id", "start", "metric"])
    )
    pd.testing.assert_frame_equal(norm(one.resolved, key), norm(many.resolved, key))
    assert not list((tmp_path / "many").glob(".spool-*")), "the spool is removed after the build"


def test_documents_written_a_few_rows_at_a_time_are_the_table_built(raw: Path, tmp_path: Path, monkeypatch):
    import pipeline.writing as writing

    (raw / "copy.txt").write_bytes((raw / SEEDS[0].name).read_bytes())  # a duplicate, marked in place
    monkeypatch.setattr(writing, "WRITE_ROWS", 2)
    result = build(raw, tmp_path / "ds")
    assert len(result.documents) > 4, "several parts"
    assert (result.documents["status"] == "duplicate").sum() == 1
    on_disk = pd.read_parquet(tmp_path / "ds" / "documents.parquet")
    pd.testing.assert_frame_equal(on_disk, result.documents)
    as_csv = pd.read_csv(tmp_path / "ds" / "documents.csv", encoding="utf-8-sig")
    assert as_csv["path"].tolist() == result.documents["path"].tolist()


def test_resolving_in_agency_shards_gives_the_same_view(raw: Path, tmp_path: Path, monkeypatch):
    import pipeline.spool as spool

    whole = build(raw, tmp_path / "whole")
    monkeypatch.setattr(spool, "SHARD_DOCS", 1)  # a shard per report
    sharded = build(raw, tmp_path / "sharded")
    key = ["agency_id", "year", "metric", "scope"]
    pd.testing.assert_frame_equal(
        whole.resolved.sort_values(key).reset_index(drop=True),
        sharded.resolved.sort_values(key).reset_index(drop=True),
    )


def test_the_summary_names_only_the_first_failures_and_counts_them_all(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import json

    import pipeline.dataset as dataset
    import pipeline.doc_summary as doc_summary

    for i in range(7):
        (raw / f"other-{i}.xyz").write_bytes(b"\x00\x01 not a report")
    monkeypatch.setattr(doc_summary, "LISTED_FAILURES", 3)
    result = build(raw, tmp_path / "ds")
    summary = json.loads((tmp_path / "ds" / "meta.json").read_text(encoding="utf-8"))["summary"]
    assert summary["failed"] == 7 == int((result.documents["status"] == "unsupported").sum())
    assert len(summary["failures"]) == 3
    for i, line in enumerate(summary["failures"]):  # in path order, with their status and cause
        assert line.startswith(f"other-{i}.xyz: unsupported - file type .xyz")
    text = dataset.format_summary(summary)
    assert "failed (7):" in text and "... and 4 more (see documents.csv)" in text


def test_workers_hand_back_document_rows_typed_as_the_contract(raw: Path, tmp_path: Path):
    """The Arrow rows a worker returns become the same frame as the rows' dicts did: same
    values, same dtypes, bad files included; split over batches or not."""
    from pipeline.dataset import _doc_table, _frame, doc_frame, process_file
    from pipeline.file_tasks import FileTask

    (raw / "empty.txt").write_bytes(b"")
    (raw / "binary.txt").write_bytes(bytes(range(256)) * 8)
    tasks = [FileTask(str(p), p.name) for p in sorted(raw.iterdir())]
    tasks.append(FileTask(str(raw / "deleted.txt"), "deleted.txt"))
    results = [process_file(t) for t in tasks]
    assert {r.doc["status"] for r in results} >= {"ok", "empty", "unreadable", "error"}
    expected = _frame([r.doc for r in results], DOCUMENT_COLUMNS)
    assert expected["published"].notna().any() and expected["published"].isna().any()
    pd.testing.assert_frame_equal(doc_frame([_doc_table([r.doc for r in results])]), expected)
    docs = [r.doc for r in results]
    pd.testing.assert_frame_equal(doc_frame([_doc_table(docs[:2]), _doc_table(docs[2:])]), expected)
    pd.testing.assert_frame_equal(doc_frame([]), _frame([], DOCUMENT_COLUMNS))


def test_far_more_workers_than_cores_is_warned_about_and_the_build_still_runs(
    raw: Path, tmp_path: Path, capsys
):
    from pipeline.__main__ import main

    too_many = 2 * (os.cpu_count() or 1) + 1
    assert main(
        ["build", str(raw), "--out", str(tmp_path / "ds"), "--quiet", "--workers", str(too_many)]
    ) in (0, 1)
    err = capsys.readouterr().err
    assert f"--workers {too_many} on {os.cpu_count()} core(s)" in err and "adds no speed" in err
    assert (tmp_path / "ds" / "documents.parquet").is_file()
    assert main(["build", str(raw), "--out", str(tmp_path / "ds2"), "--quiet", "--workers", "1"]) in (0, 1)
    assert "adds no speed" not in capsys.readouterr().err


def test_a_folder_where_no_file_can_be_read_still_gets_its_dataset(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "zeroed.txt").write_bytes(bytes(5000))
    (raw / "noise.txt").write_bytes(bytes(range(1, 32)) * 100)
    result = build(raw, tmp_path / "ds")
    assert result.documents.set_index("path")["status"].to_dict() == {
        "noise.txt": "unreadable",
        "zeroed.txt": "unreadable",
    }
    assert result.exit_code == 1 and len(result.metrics) == 0
    assert (tmp_path / "ds" / "documents.parquet").exists()


def test_agency_proposals_read_in_parts_where_a_part_names_no_agency(raw: Path, tmp_path: Path, monkeypatch):
    import pipeline.dataset as dataset

    for name in ("zz_a.txt", "zz_b.txt", "zz_c.txt"):  # last in path order: the last part has none
        (raw / name).write_bytes(bytes(200))
    monkeypatch.setattr(dataset, "CHUNK_DOCS", 2)
    chunked = pd.read_csv(build(raw, tmp_path / "parts").out_dir / "agencies.proposed.csv")
    monkeypatch.setattr(dataset, "CHUNK_DOCS", 10_000)
    whole = pd.read_csv(build(raw, tmp_path / "whole").out_dir / "agencies.proposed.csv")
    pd.testing.assert_frame_equal(chunked, whole)
