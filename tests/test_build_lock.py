"""One build at a time per dataset folder: a second one stops at once and touches nothing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO

from pipeline.__main__ import main
from pipeline.build_lock import BuildLocked, exclusive_build
from pipeline.dataset import build_dataset


def _build(raw: Path, out: Path):
    return build_dataset(raw, out, workers=1, progress=False, corrections_path=None)


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def test_a_second_build_on_the_same_folder_stops_and_leaves_the_first_ones_work(
    raw: Path, tmp_path: Path, capsys
):
    out = tmp_path / "ds"
    _build(raw, out)
    before = _files(out)
    spool = out / ".spool-999999"  # the running build's working files, which a second build took as stale
    spool.mkdir()
    (spool / "shard-0.arrows").write_bytes(b"rows in progress")
    with exclusive_build(out):
        with pytest.raises(BuildLocked, match="another build is writing to"):
            _build(raw, out)
        assert main(["build", str(raw), "--out", str(out), "--quiet", "--workers", "1"]) == 2
        assert "another build is writing to" in capsys.readouterr().err
        assert (spool / "shard-0.arrows").read_bytes() == b"rows in progress"
        assert _files(out) == before
    assert _build(raw, out).summary["reused"] == len(list(raw.iterdir()))  # free again once released


def test_a_build_killed_while_holding_the_folder_leaves_it_free(raw: Path, tmp_path: Path):
    out = tmp_path / "ds"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from pipeline.build_lock import "
         "exclusive_build\nwith exclusive_build(Path(sys.argv[1])):\n    print('held', flush=True)\n    time.sleep(600)",
         str(out)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BuildLocked, match="another build is writing to"):
            _build(raw, out)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    deadline = time.monotonic() + 10
    while True:  # the system drops the lock with the process
        try:
            result = _build(raw, out)
            break
        except BuildLocked:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert result.summary["documents"] == len(list(raw.iterdir()))
