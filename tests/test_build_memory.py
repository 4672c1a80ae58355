"""What a build holds while it resolves shard after shard: rows already written must not stay alive.

Measured with Arrow's own allocation counter on a build of generated reports, not with timings.
"""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from pipeline import dataset, spool
from pipeline.schema import METRIC_COLUMNS
from pipeline.writing import StagedTable, guard_formulas_arrow


def test_a_staged_table_lets_go_of_rows_it_has_written(generated_build: Path, tmp_path: Path):
    """pyarrow's CSVWriter kept the last rows written alive until its next write (~90% of their
    bytes): a build held a shard's metric rows, and its resolved rows, while it resolved the next."""
    rows = pq.read_table(generated_build / "ds" / "metrics.parquet")
    halves = [rows.slice(0, len(rows) // 2), rows.slice(len(rows) // 2)]
    table = StagedTable(tmp_path, "metrics", METRIC_COLUMNS)
    for half in halves:
        gc.collect()
        base = pa.total_allocated_bytes()
        part = half.take(pa.array(np.arange(half.num_rows)))  # buffers of its own, freed with it
        size = pa.total_allocated_bytes() - base
        table.write_table(part)
        del part
        gc.collect()
        assert pa.total_allocated_bytes() - base < 0.05 * size, (pa.total_allocated_bytes() - base, size)
    table.close()
    table.commit()

    # Written in pieces, the CSV is the one a single write of every row gives: one header, same bytes.
    expected = rows.select(table.schema.names).cast(table.schema)
    whole = tmp_path / "whole.csv"
    with open(whole, "wb") as fh:
        fh.write(b"\xef\xbb\xbf")
        pa_csv.write_csv(guard_formulas_arrow(expected), fh)
    assert (tmp_path / "metrics.csv").read_bytes() == whole.read_bytes()
    assert pq.read_table(tmp_path / "metrics.parquet").equals(expected)


def test_resolving_a_shard_holds_only_that_shards_rows(generated_build: Path, tmp_path: Path, monkeypatch):
    """Once the previous shard's writes are done, the Arrow memory a build holds is the shard it is
    resolving. A loop variable kept the previous shard's resolved rows alive through the next one."""
    monkeypatch.setattr(spool, "SHARD_DOCS", 400)  # 2,000 reports: 5 shards
    read_shard = spool.Spool.read_shard
    wait = dataset._wait
    seen: list[dict] = []

    def reading(self, shard, rows_of=None, columns=None):
        before = pa.total_allocated_bytes()
        rows = read_shard(self, shard, rows_of, columns)
        seen.append({"before": before, "rows": rows.nbytes})
        return rows

    def waiting(futures):
        wait(futures)
        gc.collect()
        if seen and "held" not in seen[-1]:
            seen[-1]["held"] = pa.total_allocated_bytes()

    monkeypatch.setattr(spool.Spool, "read_shard", reading)
    monkeypatch.setattr(dataset, "_wait", waiting)
    dataset.build_dataset(
        generated_build / "corpus", tmp_path / "ds", workers=2, progress=False, corrections_path=None
    )
    assert len(seen) == 5
    # The first shard has none before it: what it holds beyond its rows is the build's own.
    own = seen[0]["held"] - seen[0]["rows"]
    for shard in seen[1:]:
        # The shard's rows (a copy in path order) and nothing of the shard before. The slack is
        # for derived-indicator inputs gathered over shards; the bug held ~1.8x a shard's rows.
        assert shard["held"] - shard["rows"] - own < 0.5 * shard["rows"], (shard, own)
