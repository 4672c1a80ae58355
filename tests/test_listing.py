"""Entries of the input folder that are not files to read (link loops, broken links, named pipes,
devices, links to folders, folders that cannot be read) each get a row with a reason, and never
hide the reports beside them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO

from pipeline import dataset, listing
from pipeline.__main__ import main
from pipeline.dataset import build_dataset

# The odd entries planted beside the sample reports: name -> (status, words of the message).
ODD = {
    "loop_a.txt": ("unreadable", "link loop"),
    "loop_b": ("unreadable", "link loop"),
    "gone.txt": ("unreadable", "broken link"),
    "pipe.txt": ("unsupported", "named pipe"),
    "null.txt": ("unsupported", "character device"),
    "elsewhere": ("unsupported", "link to a folder"),
}


def _plant(folder: Path, outside: Path) -> None:
    os.symlink("loop_b", folder / "loop_a.txt")
    os.symlink("loop_a.txt", folder / "loop_b")
    os.symlink(outside / "deleted.txt", folder / "gone.txt")
    os.mkfifo(folder / "pipe.txt")  # opening it to read would wait for a writer forever
    os.symlink(os.devnull, folder / "null.txt")
    outside.mkdir(exist_ok=True)
    os.symlink(outside, folder / "elsewhere")


def _documents(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "documents.parquet").set_index("path")


def _build(raw: Path, out: Path) -> pd.DataFrame:
    build_dataset(raw, out, workers=1, progress=False, corrections_path=None)
    return _documents(out)


def _check_odd_rows(docs: pd.DataFrame) -> None:
    for name, (status, words) in ODD.items():
        assert docs.loc[name, "status"] == status, name
        assert words in docs.loc[name, "message"], (name, docs.loc[name, "message"])


def test_odd_entries_each_get_a_row_and_the_reports_beside_them_are_read(raw: Path, tmp_path: Path):
    clean = _build(raw, tmp_path / "clean")
    _plant(raw, tmp_path / "outside")
    out = tmp_path / "ds"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [
        sys.executable,
        "-m",
        "pipeline",
        "build",
        str(raw),
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
    ]
    done = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr  # some entries could not be read: exit 1, as for a bad file
    assert "Traceback" not in done.stderr
    for name in ODD:
        assert name in done.stdout  # the summary names every one
    docs = _documents(out)
    _check_odd_rows(docs)
    reports = docs.loc[clean.index]
    pd.testing.assert_frame_equal(
        reports[["status", "doc_id", "n_metrics"]], clean[["status", "doc_id", "n_metrics"]]
    )
    assert (reports["status"] == "ok").sum() >= 4


def test_a_link_loop_appearing_does_not_drop_the_folder_from_a_rebuild(raw: Path, tmp_path: Path):
    """Before, one entry that could not be examined emptied its folder's listing, and the
    incremental rebuild wrote a dataset without any of the reports."""
    out = tmp_path / "ds"
    first = _build(raw, out)
    metrics = pd.read_parquet(out / "metrics.parquet")
    os.symlink("loop_b", raw / "loop_a.txt")
    os.symlink("loop_a.txt", raw / "loop_b")
    result = build_dataset(raw, out, workers=1, progress=False, corrections_path=None)
    assert result.summary["reused"] == len(first)
    docs = _documents(out)
    assert docs.loc[["loop_a.txt", "loop_b"], "status"].tolist() == ["unreadable", "unreadable"]
    pd.testing.assert_frame_equal(docs.loc[first.index, ["status", "doc_id"]], first[["status", "doc_id"]])
    pd.testing.assert_frame_equal(pd.read_parquet(out / "metrics.parquet"), metrics)


def _scandir_refusing(folder: Path, monkeypatch) -> None:
    """os.scandir as for a user without read permission on `folder` (the tests may run as root,
    whom chmod does not stop)."""
    real = os.scandir

    def scandir(path="."):
        if isinstance(path, str | os.PathLike) and Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(listing.os, "scandir", scandir)


def test_a_folder_that_cannot_be_read_is_a_row_and_its_neighbours_are_read(
    raw: Path, tmp_path: Path, monkeypatch
):
    clean = _build(raw, tmp_path / "clean")
    locked = raw / "2019" / "locked"
    locked.mkdir(parents=True)
    (locked / "report.txt").write_text("某某县人民政府2019年政府信息公开工作年度报告", encoding="utf-8")
    _scandir_refusing(locked, monkeypatch)
    docs = _build(raw, tmp_path / "ds")
    row = docs.loc["2019/locked/"]
    assert (row["status"], row["kind"]) == ("unreadable", "folder")
    assert "Permission denied" in row["message"] and "not in the dataset" in row["message"]
    assert set(docs.index) == set(clean.index) | {"2019/locked/"}
    assert docs.loc[clean.index, "doc_id"].tolist() == clean["doc_id"].tolist()


def test_an_input_folder_that_cannot_be_read_stops_the_build_and_keeps_the_dataset(
    raw: Path, tmp_path: Path, monkeypatch, capsys
):
    out = tmp_path / "ds"
    _build(raw, out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    _scandir_refusing(raw, monkeypatch)
    with pytest.raises(listing.InputFolderError, match="cannot be read"):
        build_dataset(raw, out, workers=1, progress=False, corrections_path=None)
    assert main(["build", str(raw), "--out", str(out), "--quiet", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "cannot be read (Permission denied)" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_files_gone_between_listing_and_reading_are_rows_not_a_crash(raw: Path, tmp_path: Path, monkeypatch):
    """A folder that changes during a long build: a file listed, then deleted, whether the last
    build read it (its row is checked against the disk) or not, and whatever its extension."""
    out = tmp_path / "ds"
    first = _build(raw, out)
    listed = listing.list_input(raw)
    vanished = listed.files[0]
    (raw / vanished).unlink()
    listed.files += ["deleted.json", "deleted.txt"]
    monkeypatch.setattr(dataset, "list_input", lambda _folder, **_: listed)
    docs = _build(raw, out)
    assert docs.loc["deleted.json", "status"] == "unreadable"
    assert "No such file" in docs.loc["deleted.json", "message"]
    for name in (vanished, "deleted.txt"):
        assert docs.loc[name, "status"] == "error" and docs.loc[name, "message"], name
    rest = first.index.drop(vanished)
    assert docs.loc[rest, "doc_id"].tolist() == first.loc[rest, "doc_id"].tolist()


def test_a_tree_nested_deeper_than_the_recursion_limit_is_listed(tmp_path: Path):
    depth = sys.getrecursionlimit() + 100
    levels = [tmp_path / "in"]  # ~2,200 characters deep: within PATH_MAX
    for _ in range(depth):  # one level at a time: mkdir(parents=True) recurses too
        levels.append(levels[-1] / "d")
    try:
        for level in levels:
            level.mkdir()
        (levels[-1] / "deep.txt").write_text("x", encoding="utf-8")
        (levels[-2] / "shallower.txt").write_text("x", encoding="utf-8")
        found = listing.list_input(levels[0])
        assert found.files == ["d/" * (depth - 1) + "shallower.txt", "d/" * depth + "deep.txt"]
        assert found.skipped == []
    finally:  # bottom up, by hand: shutil.rmtree (pytest's clean-up) recurses as deep as the tree
        for level in reversed(levels):
            for name in ("deep.txt", "shallower.txt"):
                (level / name).unlink(missing_ok=True)
            if level.is_dir():
                level.rmdir()


def test_a_dataset_kept_inside_the_input_folder_is_not_read_as_reports(raw: Path):
    out = raw / "dataset"
    first = _build(raw, out)
    again = build_dataset(raw, out, workers=1, progress=False, corrections_path=None)
    assert again.summary["status"] == first["status"].value_counts().to_dict()  # no unsupported rows
    assert again.summary["reused"] == len(first)
    assert _documents(out).index.tolist() == first.index.tolist()
    nested = raw / "2019" / "out"  # deeper down too
    _build(raw, nested)
    assert not any(p.startswith("2019/out/") for p in _documents(nested).index)
    assert any(p.startswith("dataset/") for p in _documents(nested).index)  # another build's files are files


def test_the_input_folder_as_the_dataset_folder_is_refused(raw: Path, capsys):
    before = sorted(p.name for p in raw.iterdir())
    assert main(["build", str(raw), "--out", str(raw / "." / ""), "--quiet"]) == 2
    assert "is the input folder" in capsys.readouterr().err
    assert sorted(p.name for p in raw.iterdir()) == before


@pytest.mark.parametrize("make", ["missing", "file", "pipe"])
def test_an_input_that_is_not_a_folder_is_named_for_what_it_is(tmp_path: Path, capsys, make: str):
    target = tmp_path / "input"
    if make == "file":
        target.write_text("x", encoding="utf-8")
    elif make == "pipe":
        os.mkfifo(target)
    assert main(["build", str(target), "--out", str(tmp_path / "ds"), "--quiet"]) == 2
    said = "does not exist" if make == "missing" else "is not a folder"
    assert f"input folder {target} {said}" in capsys.readouterr().err
    assert not (tmp_path / "ds").exists()
