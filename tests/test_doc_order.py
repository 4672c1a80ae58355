"""A build's documents put in path order and marked for copies, one bucket at a time: the same
table, checks and counts as the whole table gives, with only the keys held for the corpus."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipeline.dataset import DOC_SCHEMA
from pipeline.doc_order import DocumentKeys, PathBuckets
from pipeline.doc_summary import AgencyNames, DocumentCounts
from pipeline.schema import DOC_STATUSES, REPORT_FORMATS
from pipeline.validate import DocumentChecks, validate_documents


@pytest.fixture(scope="module")
def documents(generated_documents: pd.DataFrame) -> pd.DataFrame:
    return generated_documents.copy()


def _tables(frame: pd.DataFrame, rows: int) -> list[pa.Table]:
    return [
        pa.Table.from_pandas(frame.iloc[i : i + rows], schema=DOC_SCHEMA, preserve_index=False)
        for i in range(0, len(frame), rows)
    ]


def _in_order(frame: pd.DataFrame, rows: int, size: int, folder) -> tuple[DocumentKeys, list[pd.DataFrame]]:
    """What a build does with documents arriving as `frame`: keys, buckets of `size`, parts marked."""
    keys = DocumentKeys.gather(_tables(frame, rows))
    buckets = PathBuckets(folder, keys.rank, size)
    for table in _tables(frame, rows):
        buckets.add(table)
    parts = []
    for table, arrivals in buckets.tables():
        part = table.to_pandas()
        keys.mark(part, arrivals)
        parts.append(part)
    return keys, parts


def test_buckets_give_the_documents_in_path_order_whatever_order_they_arrive(documents, tmp_path):
    shuffled = documents.sample(frac=1.0, random_state=3).reset_index(drop=True)
    keys, parts = _in_order(shuffled, rows=170, size=300, folder=tmp_path / "b")
    assert [len(p) for p in parts] == [300] * 6 + [len(documents) - 1800]
    expected = shuffled.sort_values("path").reset_index(drop=True)
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), expected)
    assert (expected["path"].to_numpy()[keys.rank] == shuffled["path"].to_numpy()).all()
    assert not list((tmp_path / "b").iterdir())  # each bucket's files go once read


def test_buckets_refuse_to_be_read_before_every_document_is_added(documents, tmp_path):
    keys = DocumentKeys.gather(_tables(documents, 500))
    buckets = PathBuckets(tmp_path / "b", keys.rank, 400)
    buckets.add(_tables(documents, 500)[0])
    with pytest.raises(ValueError, match="500 documents added, 2,000 expected"):
        next(buckets.tables())


def test_the_first_path_of_a_text_keeps_its_values_and_the_others_are_marked(documents, tmp_path):
    ok = documents[documents["status"] == "ok"]
    original, other = ok.iloc[0], ok.iloc[1]
    copies = pd.concat(
        [
            ok.iloc[[0]].assign(path="zzz/copy-of-it.txt"),  # arrives last, sorts last: a copy
            ok.iloc[[1]].assign(path="000/first.txt"),  # arrives last, sorts first: the original
        ],
        ignore_index=True,
    )
    arrived = pd.concat([documents, copies], ignore_index=True)
    keys, parts = _in_order(arrived, rows=450, size=700, folder=tmp_path / "b")
    table = pd.concat(parts, ignore_index=True).set_index("path")
    note = "duplicate of {} ({}): same text after normalisation"
    assert table.loc["zzz/copy-of-it.txt", "message"] == note.format(original["doc_id"], original["path"])
    assert table.loc[other["path"], "message"] == note.format(other["doc_id"], "000/first.txt")
    for path in ("zzz/copy-of-it.txt", other["path"]):
        assert table.loc[path, "status"] == "duplicate" and table.loc[path, "n_metrics"] == 0
    assert (table["status"] == "duplicate").sum() == 2
    assert table.loc["000/first.txt", "status"] == "ok"
    # By arrival number: whose values are kept.
    live = keys.live
    expected = (arrived["status"] == "ok").to_numpy()
    expected[[len(documents), documents.index[documents["path"] == other["path"]][0]]] = False
    assert (live == expected).all()
    assert keys.shared_read_ids == 0 and keys.shared_paths == 0


def test_checks_over_parts_find_what_the_whole_table_check_finds(documents, tmp_path):
    bad = pd.concat([documents, documents.iloc[[5, 6]]], ignore_index=True)  # two paths twice
    bad.loc[3, "status"] = "odd"
    bad.loc[[7, 8], "report_format"] = "scroll"
    read = bad.index[bad["status"].isin(["ok", "no_metrics"])]
    bad.loc[read[10:12], "doc_id"] = pd.NA  # read, yet without an id: not copies of one another
    keys, parts = _in_order(bad, rows=300, size=500, folder=tmp_path / "b")
    whole = validate_documents(pd.concat(parts, ignore_index=True))
    assert whole == [
        f"documents.status: 1 value(s) not in {DOC_STATUSES}, e.g. ['odd']",
        f"documents.report_format: 2 value(s) not in {REPORT_FORMATS}, e.g. ['scroll']",
        "documents: 4 rows share a key ['path']",
        "documents (read): 2 rows share a key ['doc_id']",
    ]
    checks = DocumentChecks()
    for part in parts:
        checks.add(part)
    assert keys.shared_paths == 4
    assert keys.shared_read_ids == 2  # the repeated paths' texts are marked as copies; no id is shared
    assert checks.problems(keys.shared_paths, keys.shared_read_ids) == whole


def test_counts_and_names_over_parts_are_those_of_the_whole(documents, tmp_path):
    counts, names = DocumentCounts(listed=2), AgencyNames()
    failed = documents.assign(
        status=np.where(np.arange(len(documents)) % 400 == 7, "error", documents["status"])
    )
    for i in range(0, len(failed), 333):
        counts.add(failed.iloc[i : i + 333])
        names.add(failed.iloc[i : i + 333])
    summary = counts.summary()
    assert summary["documents"] == len(failed)
    assert summary["status"] == dict(sorted(Counter(failed["status"]).items()))
    assert summary["failed"] == 5 and len(summary["failures"]) == 2
    assert summary["failures"][0].startswith(f"{failed['path'].iloc[7]}: error - ")
    assert summary["agencies"] == failed["agency_id"].nunique()
    assert summary["years"] == sorted(int(y) for y in failed["year"].dropna().unique())
    about = names.table()
    first = failed.dropna(subset=["agency_id"]).drop_duplicates("agency_id").set_index("agency_id")
    assert about.index.tolist() == first.index.tolist()
    assert about["agency"].tolist() == first["agency"].tolist()


def test_the_keys_hold_a_few_dozen_bytes_a_document_besides_its_path(documents):
    """The keys are all a build holds of every document in this step (the whole table was ~0.2 KB
    a file, and was copied while joined and sorted)."""
    keys = DocumentKeys.gather(_tables(documents, 500))
    held = sum(a.nbytes for a in (keys.paths, keys.ids)) + sum(
        a.nbytes for a in (keys.ok, keys.rank, keys.first)
    )
    path_bytes = int(documents["path"].str.len().sum())
    assert (held - path_bytes) / len(documents) < 48, held


@pytest.mark.parametrize("step", [1, 2, 3, 1000])
def test_neighbours_in_sort_order_are_compared_across_slices(step):
    from pipeline.doc_order import _shared_in_order

    values = pa.array(["b", "a", "c", "a", "d", "d", "e", "a", None, "f", "c"], pa.large_string())
    order = np.argsort(np.array(values.to_pylist(), dtype=object).astype(str), kind="stable")
    expected = int(pd.Series(values.to_pylist()).dropna().duplicated(keep=False).sum())
    assert _shared_in_order(values, order, step=step) == expected == 7
