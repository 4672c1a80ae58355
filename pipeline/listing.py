"""The files under an input folder, and every entry there that is not read, with the reason.

One entry that cannot be examined (a link loop, a link whose target is gone, a folder without
read permission) is reported on its own; it never hides its neighbours. Until this module, an
error on any one entry dropped every file of its folder from the build without a word, and an
incremental rebuild then wrote the dataset without them.

Only names are kept (a national build lists a million files); os.scandir knows most entries'
types without a stat call each. Entries that are not regular files are never opened: reading a
named pipe waits for a writer forever.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class InputFolderError(RuntimeError):
    """The input folder itself cannot be listed: there is nothing to build from."""


# What an entry that is neither a regular file nor a folder is, by the test of its mode.
SPECIAL_KINDS: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)

# (status, message) of each entry the build lists but does not read. Statuses are the documents
# table's: "unreadable" where the entry may hold a report the user meant to include.
LINK_LOOP = ("unreadable", "a link loop (the link leads back to itself): not read")
BROKEN_LINK = ("unreadable", "a broken link (its target does not exist): not read")
FOLDER_LINK = (
    "unsupported",
    "a link to a folder: not followed (links can loop); move or copy the folder under the input "
    "folder to include its reports",
)
SPECIAL = ("unsupported", "not a regular file ({what}): not read")
NOT_EXAMINED = ("unreadable", "cannot be examined ({why}): not read")
FOLDER_UNREADABLE = ("unreadable", "folder cannot be read ({why}): the reports in it are not in the dataset")


@dataclass(frozen=True)
class Skipped:
    """An entry that is listed but not read: its path relative to the input folder ("/" after a
    folder's name), its documents-table status and the reason."""

    rel: str
    status: str
    message: str

    @property
    def kind(self) -> str:
        if self.rel.endswith("/"):
            return "folder"
        return Path(self.rel).suffix.lstrip(".").lower() or "unknown"


@dataclass
class Listing:
    files: list[str] = field(default_factory=list)  # regular files and links to them, relative
    skipped: list[Skipped] = field(default_factory=list)


def list_input(input_dir: str | Path, exclude: str | Path | None = None) -> Listing:
    """Every regular file under input_dir (hidden files and folders skipped), as paths relative to
    it, sorted: a folder's files, then its subfolders'. Raises InputFolderError when input_dir
    itself cannot be read. `exclude`: a folder not to list (the build's own output, when it is
    kept inside the input folder: its files are not reports)."""
    listing = Listing()
    skip = _relative_folder(exclude, input_dir) if exclude is not None else None
    # Depth first, a folder's files before its subfolders', with a stack of its own: a tree
    # nested deeper than Python's recursion limit is still listed.
    stack = [(str(input_dir), "")]
    while stack:
        folder, prefix = stack.pop()
        files: list[str] = []
        folders: list[str] = []
        try:
            with os.scandir(folder) as it:
                for e in it:
                    if not e.name.startswith("."):
                        _sort_entry(e, prefix, files, folders, listing.skipped)
        except OSError as exc:
            if not prefix:
                raise InputFolderError(f"input folder {folder} cannot be read ({_why(exc)})") from exc
            listing.skipped.append(Skipped(prefix, *_formatted(FOLDER_UNREADABLE, why=_why(exc))))
        listing.files.extend(prefix + name for name in sorted(files))
        stack.extend(
            (os.path.join(folder, name), prefix + name + "/")
            for name in sorted(folders, reverse=True)
            if prefix + name + "/" != skip
        )
    return listing


def _relative_folder(folder: str | Path, root: str | Path) -> str | None:
    """`folder` as a listing prefix ("a/b/") when it lies inside `root`, else None."""
    inner, outer = Path(folder).resolve(), Path(root).resolve()
    if inner == outer or not inner.is_relative_to(outer):
        return None
    return inner.relative_to(outer).as_posix() + "/"


def _sort_entry(
    e: os.DirEntry, prefix: str, files: list[str], folders: list[str], skipped: list[Skipped]
) -> None:
    try:
        if e.is_file():  # links to files count
            files.append(e.name)
            return
        if e.is_dir(follow_symlinks=False):  # links to folders are not followed
            folders.append(e.name)
            return
        status, message = _not_read(e)
    except OSError as exc:
        status, message = LINK_LOOP if exc.errno == errno.ELOOP else _formatted(NOT_EXAMINED, why=_why(exc))
    skipped.append(Skipped(prefix + e.name, status, message))


def _not_read(e: os.DirEntry) -> tuple[str, str]:
    """Why an entry that is neither a regular file nor a real folder is not read."""
    try:
        mode = os.stat(e.path).st_mode  # through a link: what it leads to
    except FileNotFoundError:
        return BROKEN_LINK
    if stat.S_ISDIR(mode):
        return FOLDER_LINK
    what = next((name for test, name in SPECIAL_KINDS if test(mode)), "an unknown kind of file")
    return _formatted(SPECIAL, what=what)


def _formatted(rule: tuple[str, str], **values: str) -> tuple[str, str]:
    return rule[0], rule[1].format(**values)


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
