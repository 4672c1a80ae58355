"""The dashboard's row store: details fetched chunk by chunk equal Arrow's own take."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard.data import DETAIL_COLUMNS, Rows, take_rows
from pipeline.dataset import build_dataset
from pipeline.synth import generate


@pytest.fixture(scope="module")
def resolved_in_chunks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus's resolved table, rewritten in row groups of 7 rows: it reads as many
    chunks, as a national build's does."""
    root = tmp_path_factory.mktemp("rows")
    generate(12, root / "corpus", seed=5)
    build_dataset(root / "corpus", root / "ds", workers=1, progress=False, corrections_path=None)
    table = pq.read_table(root / "ds" / "resolved.parquet")
    path = root / "chunked.parquet"
    pq.write_table(table, path, row_group_size=7)
    return path


def _values(df: pd.DataFrame) -> pd.DataFrame:
    """Dictionary columns as their values: the order of categories follows the chunks taken from."""
    return df.astype({c: object for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)})


def test_taking_rows_chunk_by_chunk_gives_what_arrow_take_gives(resolved_in_chunks: Path):
    table = pq.read_table(resolved_in_chunks, read_dictionary=["unit", "source", "flags"])
    n = table.num_rows
    assert table.column(0).num_chunks > 5 and n > 40
    rng = np.random.default_rng(3)
    cases = {
        "sorted": np.sort(rng.choice(n, n // 3, replace=False)),
        "shuffled": rng.choice(n, n // 3, replace=False),
        "repeated": np.array([5, 5, 0, n - 1, 5]),
        "one": np.array([n - 1]),
        "none": np.array([], dtype=np.int64),
    }
    for name, positions in cases.items():
        got = take_rows(table, positions).to_pandas()
        want = table.take(pa.array(positions, type=pa.int64())).to_pandas()
        assert _values(got).equals(_values(want)), name
    with pytest.raises(IndexError):
        take_rows(table, np.array([0, n]))


def test_rows_details_are_the_rows_asked_for_with_their_positions(resolved_in_chunks: Path):
    rows = Rows.from_parquet(resolved_in_chunks)
    full = pq.read_table(resolved_in_chunks).to_pandas()
    positions = np.array([3, 11, 12, 40])
    details = rows.details(positions)
    assert list(details.index) == list(positions)
    assert list(details.columns) == list(DETAIL_COLUMNS)
    assert list(details["evidence"]) == list(full["evidence"].iloc[positions])
    assert list(details["unit"]) == list(full["unit"].iloc[positions])
    # Read as dictionaries to stay small, handed out as the contract's strings.
    assert rows._source().schema.field("unit").type == pa.dictionary(pa.int32(), pa.string())
    assert all(not isinstance(details[c].dtype, pd.CategoricalDtype) for c in DETAIL_COLUMNS)
