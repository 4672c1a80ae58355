"""Atomic output: every file is written beside its target and renamed into place.

An interrupted build (even kill -9) leaves the previous files whole: the long work happens on
temporary files, and os.replace swaps each one in a single step.
"""

from __future__ import annotations

import codecs
import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

# Spreadsheet programs run cells that start with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def guard_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe (copy)."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col]) or out[col].dtype == object:
            s = out[col]
            mask = s.notna() & s.astype("string").str.startswith(FORMULA_PREFIXES).fillna(False)
            if mask.any():
                out[col] = s.astype("string").mask(mask, "'" + s.astype("string"))
    return out


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


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM so Excel opens Chinese correctly; formula-like cells neutralised.

    pyarrow's CSV writer, not pandas': millions of rows take seconds instead of minutes.
    """
    table = pa.Table.from_pandas(guard_formulas(df), preserve_index=False)
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


def clean_stale_temps(out_dir: Path) -> None:
    """Temp files left by an interrupted build are removed by the next one."""
    for p in out_dir.glob(".*.tmp"):
        p.unlink(missing_ok=True)


def write_outputs(out_dir: Path, tables: dict[str, pd.DataFrame], meta: dict) -> None:
    """All tables as parquet + CSV twins, then meta.json last (it marks a complete build)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(out_dir)
    staged: list[tuple[Path, Path]] = []
    try:
        for name, df in tables.items():
            for suffix, writer in (
                (".parquet", lambda d, p: d.to_parquet(p, index=False)),
                (".csv", write_csv),
            ):
                target = out_dir / f"{name}{suffix}"
                tmp = _tmp_path(target)
                writer(df, tmp)
                staged.append((tmp, target))
        # Everything is on disk; now swap the files in, in one quick pass.
        for tmp, target in staged:
            _commit(tmp, target)
        write_json_atomic(meta, out_dir / "meta.json")
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
