"""The build's compact document table: same values as the contract's, less memory, copies marked."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import doc_table
from pipeline.dataset import build_dataset
from pipeline.schema import DOCUMENT_COLUMNS
from pipeline.synth import generate
from pipeline.validate import validate_documents


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The documents.parquet of a build of 2,000 generated reports (contract types)."""
    root = tmp_path_factory.mktemp("doc_table")
    generate(2000, root / "corpus", seed=11, truth_dir=root / "truth")
    build_dataset(root / "corpus", root / "ds", workers=2, progress=False, corrections_path=None)
    return pd.read_parquet(root / "ds" / "documents.parquet")


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype({c: "string" for c in doc_table.COMPACT_COLUMNS})


def test_chunks_join_into_one_compact_table_with_the_same_values(documents):
    chunks = [documents.iloc[i : i + 120].copy() for i in range(0, len(documents), 120)]
    joined = doc_table.concat(chunks)
    for col in doc_table.COMPACT_COLUMNS:
        assert isinstance(joined[col].dtype, pd.CategoricalDtype), col  # not Python objects
    pd.testing.assert_frame_equal(_plain(joined), documents)
    assert validate_documents(joined) == []  # categories of strings are string columns
    assert doc_table.concat([]).columns.tolist() == list(DOCUMENT_COLUMNS)


def test_the_compact_table_takes_well_under_the_memory_of_the_plain_one(documents):
    compact = doc_table.compact(documents.copy())
    plain, small = documents.memory_usage(deep=True).sum(), compact.memory_usage(deep=True).sum()
    assert small < 0.6 * plain, (small, plain)


def test_a_copy_of_a_text_is_marked_in_a_compact_table(documents):
    ok = documents[documents["status"] == "ok"]
    original = ok.iloc[0]
    copy = ok.iloc[[0]].assign(path="zzz/copy-of-it.txt")
    docs = doc_table.compact(pd.concat([documents, copy], ignore_index=True))
    live = doc_table.mark_duplicates(docs)
    marked = docs.iloc[-1]
    assert marked["status"] == "duplicate" and marked["n_metrics"] == 0
    assert (
        marked["message"]
        == f"duplicate of {original['doc_id']} ({original['path']}): same text after normalisation"
    )
    assert not live[-1]
    assert live[: len(documents)].tolist() == (documents["status"] == "ok").tolist()
    assert (docs["status"] == "duplicate").sum() == 1


def test_compact_chunks_hold_almost_no_python_objects(documents):
    """A build holds its document rows as compact chunks until extraction ends: pandas' lookup
    tables on their categories held a Python str per distinct value (here 3.1 objects per file
    held, 0.35 without them; at 10,000 files a chunk, 1.3 and 0.09)."""
    import gc
    import sys

    plain = [documents.iloc[i : i + 1000].copy() for i in range(0, len(documents), 1000)]
    gc.collect()
    before = sys.getallocatedblocks()
    chunks = [doc_table.compact(c) for c in plain]
    gc.collect()
    per_file = (sys.getallocatedblocks() - before) / len(documents)
    assert per_file < 1.0, per_file
    joined = doc_table.concat(chunks)
    pd.testing.assert_frame_equal(_plain(joined), documents)


def test_sorting_by_path_gives_sort_values_order_and_each_rows_place(documents):
    shuffled = documents.sample(frac=1.0, random_state=3).reset_index(drop=True)
    docs = doc_table.compact(shuffled.copy())
    expected = docs.sort_values("path").reset_index(drop=True)
    by_path, rank = doc_table.sort_by_path(docs)
    pd.testing.assert_frame_equal(by_path, expected)
    assert (by_path["path"].to_numpy()[rank] == shuffled["path"].to_numpy()).all()
    assert docs.columns.empty  # taken column by column: the unsorted table is not held as well


def test_joining_chunks_lets_them_go(documents):
    chunks = [doc_table.compact(documents.iloc[i : i + 500].copy()) for i in range(0, len(documents), 500)]
    joined = doc_table.concat(chunks)
    assert chunks == []
    pd.testing.assert_frame_equal(_plain(joined), documents)


def test_spooled_document_rows_come_back_compact_in_order(documents, tmp_path):
    import pyarrow as pa

    from pipeline.dataset import DOC_SCHEMA

    batches = [
        pa.Table.from_pandas(documents.iloc[i : i + 300], schema=DOC_SCHEMA, preserve_index=False)
        for i in range(0, len(documents), 300)
    ]
    spool = doc_table.DocumentSpool(tmp_path / "docs.arrows", DOC_SCHEMA, buffer_rows=600)
    for batch in batches:
        spool.add(batch)
    assert spool.rows == len(documents)
    chunks = list(spool.chunks(1000))
    assert [len(c) for c in chunks] == [1200, 800]  # appends of 600 rows, at least 1,000 a chunk
    assert all(isinstance(c["status"].dtype, pd.CategoricalDtype) for c in chunks)
    back = pd.concat([_plain(c) for c in chunks], ignore_index=True)
    pd.testing.assert_frame_equal(back, documents)


def test_a_closed_staged_table_holds_no_arrow_memory(documents, tmp_path):
    """A build keeps the documents' staged table until it commits, after every value is written.
    A closed pyarrow writer object still held its buffers: ~400 B a document (measured: 11 MiB for
    30k documents, held all through the shards step)."""
    import gc

    import pyarrow as pa

    from pipeline.writing import StagedTable

    docs = doc_table.compact(documents.copy())
    gc.collect()
    before = pa.total_allocated_bytes()
    table = StagedTable(tmp_path, "documents", DOCUMENT_COLUMNS)
    table.write(docs)
    table.close()
    gc.collect()
    held = pa.total_allocated_bytes() - before
    assert held < 50 * len(docs), held  # bytes per document
    table.commit()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "documents.parquet"), documents)
