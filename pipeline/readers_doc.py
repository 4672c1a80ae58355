"""Word 97-2003 .doc -> text through the Debian tools antiword (preferred) or catdoc, with a timeout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

from pipeline.readers_base import Limits, ReadProblem, table_row

# (tool, arguments before the file name). antiword: UTF-8 output, no line wrapping. catdoc: same.
TOOLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("antiword", ("-m", "UTF-8.txt", "-w", "0")),
    ("catdoc", ("-d", "utf-8", "-w")),
)
INSTALL_HINT = "apt-get install antiword catdoc"
_ANTIWORD_ROW = re.compile(r"^\|(.*)\|\s*$")


def _table_rows(text: str) -> str:
    """antiword draws table rows as '|cell|cell|'; make them ' | '-joined like every other reader."""
    lines = []
    for line in text.split("\n"):
        m = _ANTIWORD_ROW.match(line)
        lines.append(table_row(m.group(1).split("|")) if m else line)
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
