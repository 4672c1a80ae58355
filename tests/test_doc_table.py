"""The document rows a build holds while it extracts: same values as the contract's, less memory."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import doc_table
from pipeline.schema import DOCUMENT_COLUMNS
from pipeline.validate import validate_documents


@pytest.fixture(scope="module")
def documents(generated_documents: pd.DataFrame) -> pd.DataFrame:
    return generated_documents.copy()


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


def test_joining_chunks_lets_them_go(documents):
    chunks = [doc_table.compact(documents.iloc[i : i + 500].copy()) for i in range(0, len(documents), 500)]
    joined = doc_table.concat(chunks)
    assert chunks == []
    pd.testing.assert_frame_equal(_plain(joined), documents)


def test_spooled_document_rows_come_back_in_order(documents, tmp_path):
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
    tables = list(spool.tables())
    assert [t.num_rows for t in tables] == [600, 600, 600, 200]  # appended 600 rows at a time
    back = pa.concat_tables(tables).to_pandas()
    pd.testing.assert_frame_equal(back, documents)
    spool.remove()
    assert not (tmp_path / "docs.arrows").exists()


def test_held_compact_rows_come_back_as_the_contracts_arrow_rows(documents):
    import pyarrow as pa

    from pipeline.dataset import DOC_SCHEMA

    tables = list(doc_table.to_arrow(doc_table.compact(documents.copy()), DOC_SCHEMA, 700))
    assert [t.num_rows for t in tables] == [700, 700, len(documents) - 1400]
    assert all(t.schema.equals(DOC_SCHEMA) for t in tables)
    pd.testing.assert_frame_equal(pa.concat_tables(tables).to_pandas(), documents)


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
