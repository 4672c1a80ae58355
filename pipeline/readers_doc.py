"""Word 97-2003 .doc -> text through the Debian tools antiword (preferred) or catdoc, with a timeout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unicodedata

from pipeline.readers_base import NUMBER_CELL, Limits, ReadProblem, table_row
from pipeline.text import join_wrapped

# (tool, arguments before the file name). antiword: UTF-8 output, no line wrapping. catdoc: same.
TOOLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("antiword", ("-m", "UTF-8.txt", "-w", "0")),
    ("catdoc", ("-d", "utf-8", "-w")),
)
INSTALL_HINT = "apt-get install antiword catdoc"
_ANTIWORD_ROW = re.compile(r"^\|(.*)\|\s*$")
# antiword sets each cell in a fixed width and wraps its text onto the lines below, which look like
# rows of their own: "|标题: |美兰区…2022年政府 |" / "|      |信息公开工作年度报告 |". A cell whose text
# fills its width within this many columns (a pad, and no room for one more Chinese character) went
# on below; a number never does.
WRAP_SLACK_COLUMNS = 3


def _columns(s: str) -> int:
    """Display width in a fixed-width layout: Chinese and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _goes_on(fields: list[str], below: list[str]) -> bool:
    """Is the antiword row line `below` the wrapped rest of `fields`' cells? The same cells, text only
    under cells that filled their width, and some."""
    if len(fields) != len(below) or not any(c.strip() for c in below):
        return False
    return all(not rest.strip() or _filled(cell) for cell, rest in zip(fields, below, strict=True))


def _filled(cell: str) -> bool:
    text = cell.strip()
    return (
        bool(text)
        and not NUMBER_CELL.fullmatch(text)
        and _columns(cell.rstrip()) >= _columns(cell) - WRAP_SLACK_COLUMNS
    )


def _join_cell(text: str, rest: str) -> str:
    """A wrapped cell's text and its rest. antiword breaks Chinese text at its width, inside a
    number too ("…做好2" / "021年…"): digits on both sides join close."""
    if text[-1:].isdigit() and rest[:1].isdigit():
        return text + rest
    return join_wrapped(text, rest)


def _table_rows(text: str) -> str:
    """antiword draws table rows as '|cell|cell|'; make them ' | '-joined like every other reader,
    with the cells it wrapped over several lines joined back."""
    lines: list[str] = []
    fields: list[str] | None = None  # the raw cells of the row line just before, padded as drawn
    cells: list[str] = []  # its cells' text so far
    for line in text.split("\n"):
        m = _ANTIWORD_ROW.match(line)
        if m is None:
            fields = None
            lines.append(line)
            continue
        below = m.group(1).split("|")
        if fields is not None and _goes_on(fields, below):
            cells = [_join_cell(c, r.strip()) for c, r in zip(cells, below, strict=True)]
            lines[-1] = table_row(cells)
        else:
            cells = [c.strip() for c in below]
            lines.append(table_row(cells))
        fields = below
    return "\n".join(lines)


# A password-protected .docx/.xlsx is stored as an OLE2 file holding these streams (MS-OFFCRYPTO),
# not as a zip: it sniffs as OLE2, and antiword's "not a Word Document" said nothing useful.
ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))


def doc_to_text(data: bytes, limits: Limits) -> tuple[str, list[str]]:
    if any(stream in data for stream in ENCRYPTED_STREAMS):
        raise ReadProblem(
            "unreadable", "password-protected (encrypted) Office document: save a copy without the password"
        )
    available = [(tool, args) for tool, args in TOOLS if shutil.which(tool)]
    if not available:
        raise ReadProblem("unsupported", f"reading .doc needs antiword or catdoc: run `{INSTALL_HINT}`")
    failures: list[str] = []
    # The tools take a file name; the input's bytes go to a private temporary copy.
    with tempfile.TemporaryDirectory(prefix="doc-read-") as tmp:
        path = os.path.join(tmp, "input.doc")
        with open(path, "wb") as f:
            f.write(data)
        for tool, args in available:
            try:
                proc = subprocess.run(
                    [tool, *args, path],
                    capture_output=True,
                    timeout=limits.tool_timeout,
                    env={**os.environ, "LC_ALL": "C.UTF-8"},
                    check=False,
                )
            except subprocess.TimeoutExpired:
                failures.append(f"{tool} timed out after {limits.tool_timeout:.0f} s")
                continue
            text = proc.stdout.decode("utf-8", errors="replace")
            if proc.returncode == 0 and text.strip():
                return _table_rows(text), [f"doc read with {tool}", *failures]
            err = proc.stderr.decode("utf-8", errors="replace").replace(path, "the file").strip().splitlines()
            failures.append(f"{tool}: {err[-1] if err else f'exit status {proc.returncode}, no text'}")
    raise ReadProblem("unreadable", "Word .doc could not be read (" + "; ".join(failures) + ")")
