"""A file of any supported kind -> text with a status and a plain message; never raises.

The reader is chosen by content (magic bytes, BOMs, markup) first and by extension second, so a
web page saved as .doc or a PDF without an extension is still read. Input files are only read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from pipeline.boilerplate import describe, strip_boilerplate
from pipeline.readers_base import MB, Limits, ReadProblem
from pipeline.readers_decode import decode_text
from pipeline.readers_sniff import extension_kind, sniff
from pipeline.time_limit import FileTimeout

logging.getLogger("pdfminer").setLevel(logging.ERROR)  # pdfminer warns on every odd font

KINDS = ("txt", "html", "mhtml", "pdf", "docx", "doc", "rtf", "wordml", "unknown")
STATUSES = ("ok", "empty", "unreadable", "unsupported", "error")


@dataclass
class ReadResult:
    text: str | None  # None when nothing could be read
    kind: str  # txt | html | mhtml | pdf | docx | doc | rtf | wordml | unknown
    status: str = "ok"  # ok | empty | unreadable | unsupported | error
    message: str = ""
    notes: list[str] = field(default_factory=list)


def _read_txt(data: bytes, limits: Limits) -> tuple[str, list[str]]:
    decoded = decode_text(data)
    return decoded.text, decoded.notes


def _read_html(data: bytes, limits: Limits) -> tuple[str, list[str]]:
    from pipeline.readers_html import html_to_text

    return html_to_text(data)


def _read_mhtml(data: bytes, limits: Limits) -> tuple[str, list[str]]:
    from pipeline.readers_mhtml import mhtml_to_text

    return mhtml_to_text(data)


def _read_pdf(data: bytes, limits: Limits) -> tuple[str, list[str]]:
    from pipeline.readers_pdf import pdf_to_text

    return pdf_to_text(data, limits)


def _read_docx(data: bytes, limits: Limits) -> tuple[str, list[str]]:
    from pipeline.readers_docx import docx_to_text

    return docx_to_text(data, limits)


def _read_wordml(data: bytes, limits: Limits) -> tuple[str, list[str]]:
    from pipeline.readers_docx import wordml_to_text

    return wordml_to_text(data)


def _read_doc(data: bytes, limits: Limits) -> tuple[str, list[str]]:
    from pipeline.readers_doc import doc_to_text

    return doc_to_text(data, limits)


def _read_rtf(data: bytes, limits: Limits) -> tuple[str, list[str]]:
    from pipeline.readers_rtf import rtf_to_text

    return rtf_to_text(data)


READERS: dict[str, Callable[[bytes, Limits], tuple[str, list[str]]]] = {
    "txt": _read_txt,
    "html": _read_html,
    "mhtml": _read_mhtml,
    "pdf": _read_pdf,
    "docx": _read_docx,
    "wordml": _read_wordml,
    "doc": _read_doc,
    "rtf": _read_rtf,
}

# What an empty result means, per kind: a PDF without text is almost always a scan.
EMPTY_MESSAGES: dict[str, tuple[str, str]] = {
    "pdf": ("unreadable", "PDF has no text layer (scanned?); OCR is not supported"),
    "html": ("empty", "HTML page has no text outside menus, scripts and footers"),
    "mhtml": ("empty", "the web archive's page has no text outside menus, scripts and footers"),
    "docx": ("empty", "Word document has no text"),
    "doc": ("empty", "Word document has no text"),
    "rtf": ("empty", "RTF document has no text"),
}


def choose_kind(data: bytes, name: str) -> tuple[str | None, str, list[str]]:
    """(kind, message-if-unsupported, notes) from content first, extension second."""
    by_ext = extension_kind(name)
    kind, label = sniff(data, name)
    notes: list[str] = []
    if kind is None and label:
        return None, f"binary file ({label}), not a report", notes
    if kind == "zip":
        return None, "damaged or unrecognised zip archive (truncated .docx?)", notes
    if kind is None:
        # No signature: text of some kind. A .pdf/.docx/.doc without its signature is damaged.
        if by_ext in ("pdf", "docx", "html"):
            return (
                by_ext,
                "",
                notes,
            )  # html: a fragment without <html>; pdf/docx: the reader says what is wrong
        kind = "txt"
    if by_ext and by_ext != kind:
        notes.append(f"content is {kind} although the name ends .{PurePath(name).suffix.lower().lstrip('.')}")
    return kind, "", notes


def oversize(size: int, name: str, limits: Limits | None = None) -> ReadResult:
    """The result for a file over the size cap, which is never loaded to find that out."""
    limits = limits or Limits()
    return ReadResult(
        None,
        extension_kind(name) or "unknown",
        "unsupported",
        f"file is {size / MB:.1f} MB, over the {limits.max_bytes / MB:.1f} MB limit",
    )


def read_bytes(data: bytes, name: str = "", limits: Limits | None = None) -> ReadResult:
    """Read one file's bytes. Every outcome, including a bug in a reader, becomes a status."""
    limits = limits or Limits()
    kind = extension_kind(name) or "unknown"
    try:
        if len(data) > limits.max_bytes:
            return oversize(len(data), name, limits)
        if data and not data.strip(b"\x00"):
            return ReadResult(
                None,
                kind,
                "unreadable",
                f"file holds only NUL bytes ({len(data):,}): zero-filled, as an interrupted download or copy leaves it",
            )
        if not data.strip(b" \t\r\n\x00\x0b\x0c"):
            return ReadResult(
                None, kind, "empty", "file is empty" if not data else "file holds only whitespace"
            )
        chosen, message, notes = choose_kind(data, name)
        if chosen is None:
            return ReadResult(None, kind, "unsupported", message, notes)
        kind = chosen
        text, more = READERS[kind](data, limits)
        notes += more
        return _finish(text, kind, notes, limits)
    except ReadProblem as p:
        return ReadResult(None, kind, p.status, p.message)
    except FileTimeout:  # the file's time is up: not a reader's failure (pipeline.time_limit)
        raise
    except MemoryError:
        return ReadResult(None, kind, "error", f"{kind} reader ran out of memory")
    except RecursionError:
        return ReadResult(None, kind, "error", f"{kind} reader failed: structure nested too deeply")
    except Exception as e:  # noqa: BLE001 - one bad file must never stop a build
        return ReadResult(None, kind, "error", f"{kind} reader failed: {type(e).__name__}: {e}"[:500])


def _finish(text: str, kind: str, notes: list[str], limits: Limits) -> ReadResult:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if "\x00" in text:  # NUL bytes in a text file are damage; they would break CSV and regexes
        notes.append(f"{text.count(chr(0))} NUL character(s) removed")
        text = text.replace("\x00", "")
    if len(text) > limits.max_chars:
        return ReadResult(
            None, kind, "unsupported", f"text is {len(text):,} characters, over the limit", notes
        )
    text, fired = strip_boilerplate(text)
    if fired:
        notes.append(describe(fired))
    if not text.strip():
        status, message = EMPTY_MESSAGES.get(kind, ("empty", "file has no text"))
        return ReadResult(None, kind, status, message, notes)
    return ReadResult(text, kind, "ok", "", notes)


def read_path(path: Path, limits: Limits | None = None) -> ReadResult:
    """Read a file from disk (opened read-only; the size cap is checked before reading)."""
    path = Path(path)
    limits = limits or Limits()
    kind = extension_kind(path.name) or "unknown"
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            return oversize(size, path.name, limits)
        with path.open("rb") as f:
            data = f.read(limits.max_bytes + 1)
    except OSError as e:
        return ReadResult(None, kind, "error", f"could not open file: {e.strerror or e}")
    return read_bytes(data, path.name, limits)
