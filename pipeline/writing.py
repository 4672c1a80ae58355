"""Atomic output: every file is written beside its target and renamed into place.

An interrupted build (even kill -9) leaves the previous files whole: the long work happens on
temporary files, and os.replace swaps each one in a single step.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

# Spreadsheet programs run cells that start with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
WRITE_ROWS = 100_000  # rows of a pandas frame typed, converted and written at a time
_FORMULA_START = "^[" + "".join(re.escape(p) for p in FORMULA_PREFIXES) + "]"


def guard_formulas_arrow(table: pa.Table) -> pa.Table:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe, column by
    column in Arrow's compute kernels (no Python string per cell: a national build writes millions)."""
    for i, field in enumerate(table.schema):
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        col = table.column(i)
        mask = pc.match_substring_regex(col, _FORMULA_START)
        if pc.any(mask).as_py():
            guarded = pc.if_else(
                mask,
                pc.binary_join_element_wise(pa.scalar("'", field.type), col, pa.scalar("", field.type)),
                col,
            )
            table = table.set_column(i, field, guarded)
    return table


_NO_HEADER = pa_csv.WriteOptions(include_header=False)


def _tmp_path(target: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _commit(tmp: Path, target: Path) -> None:
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary shared files
    os.replace(tmp, target)


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Ctrl-C (SIGINT) waits until the block ends, then interrupts as usual. A build swaps its files
    in with a few renames, meta.json last: stopped between two of them, the folder would hold one
    build's documents beside another's values. Signal handlers belong to the main thread; in any
    other (a build started from the app) the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:  # None: a handler not set from Python (an embedding program's), which SIG_DFL stands for
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
    if caught and callable(previous):
        previous(signal.SIGINT, None)  # as if it came now: Python's handler raises KeyboardInterrupt


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM so Excel opens Chinese correctly; formula-like cells neutralised.

    pyarrow's CSV writer, not pandas': millions of rows take seconds instead of minutes.
    """
    table = guard_formulas_arrow(pa.Table.from_pandas(df, preserve_index=False))
    with open(path, "wb") as fh:
        fh.write(codecs.BOM_UTF8)
        pa_csv.write_csv(table, fh)


def write_csv_atomic(df: pd.DataFrame, target: Path) -> None:
    tmp = _tmp_path(target)
    try:
        write_csv(df, tmp)
        _commit(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_json_atomic(obj: dict, target: Path) -> None:
    tmp = _tmp_path(target)
    try:
        tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        _commit(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def folder_problem(path: Path) -> str | None:
    """Make `path` (and its parents) when missing; None when it is a folder now, else why it
    cannot be one (a file in the way, no permission), for a command's error line."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        return str(err)
    return None


def clean_stale_temps(out_dir: Path) -> None:
    """Temp files and spools left by an interrupted build are removed by the next one."""
    for p in out_dir.glob(".*.tmp"):
        p.unlink(missing_ok=True)
    for d in out_dir.glob(".spool-*"):
        shutil.rmtree(d, ignore_errors=True)


class StagedTable:
    """One output table written chunk by chunk to temporary parquet + CSV files beside its targets.

    Nothing is visible until commit(); a build killed before then leaves the old files untouched.
    With `csv=False` only the parquet file is written, and commit() removes the CSV twin a previous
    build left: a CSV that no longer matches its parquet would be read as the current data.
    """

    def __init__(self, out_dir: Path, name: str, columns: dict[str, str], csv: bool = True):
        parquet, twin = out_dir / f"{name}.parquet", out_dir / f"{name}.csv"
        self.targets = (parquet, twin) if csv else (parquet,)
        self.stale = () if csv else (twin,)
        self.tmps = tuple(_tmp_path(t) for t in self.targets)
        self.columns = columns
        self.schema = pa.Schema.from_pandas(_typed(pd.DataFrame(), columns), preserve_index=False)
        self._parquet = pq.ParquetWriter(self.tmps[0], self.schema)
        self._csv_file = None
        if csv:
            self._csv_file = open(self.tmps[1], "wb")  # noqa: SIM115 - closed in close()
            self._csv_file.write(codecs.BOM_UTF8)
            pa_csv.write_csv(self.schema.empty_table(), self._csv_file)  # the header line
        self.rows = 0
        self._open = True

    def write(self, df: pd.DataFrame) -> None:
        """Rows held in pandas, typed and converted WRITE_ROWS at a time: a national document table
        is never copied whole."""
        for start in range(0, len(df), WRITE_ROWS):
            part = _typed(df.iloc[start : start + WRITE_ROWS], self.columns)
            self.write_table(pa.Table.from_pandas(part, schema=self.schema, preserve_index=False))

    def write_table(self, table: pa.Table) -> None:
        """Arrow rows with this table's columns (any order; extra columns are dropped), cast to its types."""
        if not table.num_rows:
            return
        table = table.select(self.schema.names).cast(self.schema)
        self._parquet.write_table(table)
        if self._csv_file is not None:
            # A writer per call, not one CSVWriter for the table: a CSVWriter keeps the last rows it
            # wrote alive until its next write (~90% of their bytes: the string columns), so a build
            # held a shard's metric rows and its resolved rows again while it resolved the next shard.
            pa_csv.write_csv(guard_formulas_arrow(table), self._csv_file, write_options=_NO_HEADER)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._open:
            self._open = False
            self._parquet.close()
            if self._csv_file is not None:
                self._csv_file.close()
            # A closed writer object still holds its buffers (~400 B a row for the documents'
            # parquet): a build keeps its staged tables until it commits them.
            self._parquet = self._csv_file = None

    def close_quietly(self) -> None:
        """On the error path: release the files whatever state they are in."""
        with contextlib.suppress(Exception):  # the original error is the one to report
            self.close()

    def commit(self) -> None:
        for tmp, target in zip(self.tmps, self.targets, strict=True):
            _commit(tmp, target)
        for twin in self.stale:
            twin.unlink(missing_ok=True)

    def discard(self) -> None:
        for tmp in self.tmps:
            tmp.unlink(missing_ok=True)


def _typed(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for col, dtype in columns.items():
        values = df[col] if col in df else pd.Series(pd.NA, index=df.index)
        if dtype == "bool":
            out[col] = values.astype(object).fillna(False).astype(bool)
        elif dtype.startswith("datetime"):
            out[col] = pd.to_datetime(values).astype(dtype)
        elif dtype == "string" and isinstance(values.dtype, pd.CategoricalDtype):
            out[col] = values.astype(str).replace("<NA>", pd.NA).astype(dtype)
        else:
            out[col] = values.astype(dtype)
    return out.reset_index(drop=True)
