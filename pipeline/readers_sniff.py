"""Which reader a file needs, decided by its content (magic bytes) first and its extension second."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from pipeline.text import name_from_bytes

# Formats we read, by extension (the fallback when the content has no signature).
EXTENSION_KINDS: dict[str, str] = {
    "txt": "txt",
    "text": "txt",
    "html": "html",
    "htm": "html",
    "shtml": "html",
    "xhtml": "html",
    "pdf": "pdf",
    "docx": "docx",
    "doc": "doc",
    "wps": "doc",  # WPS Office 2003 files are OLE2 Word-compatible
    "rtf": "rtf",
    "mht": "mhtml",
    "mhtml": "mhtml",
}

# What to do with a file the build does not read, by extension: said after "not a supported report format".
_ARCHIVE = "it is an archive: unpack it into the input folder to read the reports in it"
_IMAGE = "it is an image (a scan?): reports are read from their text, and OCR is not supported"
_SHEET = "it is a spreadsheet: save the report as PDF or .docx to read it"
NOT_READ_ADVICE: dict[str, str] = {
    **dict.fromkeys(("zip", "rar", "7z", "tar", "gz", "tgz", "bz2", "xz"), _ARCHIVE),
    **dict.fromkeys(("jpg", "jpeg", "png", "tif", "tiff", "bmp", "gif", "webp"), _IMAGE),
    **dict.fromkeys(("xls", "xlsx", "et", "ods"), _SHEET),
    "ofd": "OFD is China's fixed-layout format (GB/T 33190): export it as PDF",
    "odt": "save it as .docx",
}

# (rule id, offset, magic bytes, kind or None, label). kind None: a known binary that is not a report.
SIGNATURES: tuple[tuple[str, int, bytes, str | None, str], ...] = (
    ("sig-pdf", 0, b"%PDF-", "pdf", "PDF document"),
    ("sig-ole2", 0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2", "OLE2 compound file"),
    ("sig-zip", 0, b"PK\x03\x04", "zip", "zip archive"),
    ("sig-zip-empty", 0, b"PK\x05\x06", None, "empty zip archive"),
    ("sig-rtf", 0, b"{\\rtf", "rtf", "RTF document"),
    ("sig-png", 0, b"\x89PNG\r\n\x1a\n", None, "PNG image"),
    ("sig-jpeg", 0, b"\xff\xd8\xff", None, "JPEG image"),
    ("sig-gif87", 0, b"GIF87a", None, "GIF image"),
    ("sig-gif89", 0, b"GIF89a", None, "GIF image"),
    ("sig-tiff-le", 0, b"II*\x00", None, "TIFF image"),
    ("sig-tiff-be", 0, b"MM\x00*", None, "TIFF image"),
    ("sig-webp", 8, b"WEBP", None, "WebP image"),
    ("sig-gzip", 0, b"\x1f\x8b", None, "gzip archive"),
    ("sig-7z", 0, b"7z\xbc\xaf\x27\x1c", None, "7-Zip archive"),
    ("sig-rar", 0, b"Rar!\x1a\x07", None, "RAR archive"),
    ("sig-xz", 0, b"\xfd7zXZ\x00", None, "xz archive"),
    ("sig-bz2", 0, b"BZh91AY&SY", None, "bzip2 archive"),
    ("sig-elf", 0, b"\x7fELF", None, "ELF executable"),
    ("sig-sqlite", 0, b"SQLite format 3\x00", None, "SQLite database"),
    ("sig-mp4", 4, b"ftyp", None, "MP4/QuickTime media"),
    ("sig-mp3", 0, b"ID3", None, "MP3 audio"),
    ("sig-ogg", 0, b"OggS", None, "Ogg media"),
    ("sig-wasm", 0, b"\x00asm", None, "WebAssembly module"),
    ("sig-exe", 0, b"MZ\x90\x00", None, "Windows executable"),
)

# Inside a zip: which member makes it which kind (first match wins).
ZIP_MEMBERS: tuple[tuple[str, str | None, str], ...] = (
    ("word/document.xml", "docx", "Word document (.docx)"),
    ("xl/workbook.xml", None, "Excel workbook (.xlsx)"),
    ("ppt/presentation.xml", None, "PowerPoint presentation (.pptx)"),
    ("content.xml", None, "OpenDocument file (.odt/.ods); save it as .docx"),
    ("OFD.xml", None, "OFD document (GB/T 33190, China's fixed-layout format); export it as PDF"),
)
ZIP_NAMES_SHOWN = 3

# Inside an OLE2 file: the stream name (UTF-16LE in the directory) that says which program wrote it.
OLE_STREAMS: tuple[tuple[bytes, str | None, str], ...] = (
    ("WordDocument".encode("utf-16-le"), "doc", "Word 97-2003 document (.doc)"),
    ("Workbook".encode("utf-16-le"), None, "Excel 97-2003 workbook (.xls)"),
    ("Book".encode("utf-16-le"), None, "Excel 5 workbook (.xls)"),
    ("PowerPoint Document".encode("utf-16-le"), None, "PowerPoint 97-2003 presentation (.ppt)"),
)

_HTML_HEAD = re.compile(
    rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S
)
_HTML_ANYWHERE = re.compile(rb"<(html|body)\b[^>]*>", re.I)
_WORDML = re.compile(rb"<\?mso-application\s+progid=\"Word\.Document\"|<w:wordDocument\b")
_MHTML = re.compile(rb"^\s*(From:.*\n)?(MIME-Version:|Content-Type:\s*multipart/related)", re.I)


def extension_kind(name: str) -> str | None:
    return EXTENSION_KINDS.get(PurePath(name).suffix.lower().lstrip("."))


def _ascii_head(data: bytes, size: int = 4096) -> bytes:
    """The start of the file with any BOM removed and UTF-16 folded to bytes, for text signatures."""
    head = data[:size]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be"
        return head[2:].decode(codec, errors="ignore").encode("utf-8", errors="ignore")
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:]
    if head[1:200:2].count(0) > 60:  # UTF-16 LE without BOM
        return head.decode("utf-16-le", errors="ignore").encode("utf-8", errors="ignore")
    return head


def sniff(data: bytes, name: str = "") -> tuple[str | None, str]:
    """(kind, label) from the content. kind None with a label: a known non-report binary.
    kind None with label "": no signature, the caller decides by extension and decoding."""
    for _rule, offset, magic, kind, label in SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            if kind == "zip":
                return _sniff_zip(data)
            if kind == "ole2":
                return _sniff_ole(data)
            return kind, label
    head = _ascii_head(data)
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf", "RTF document"
    if b"%PDF-" in data[:1024]:  # some generators put junk before the header
        return "pdf", "PDF document"
    if _WORDML.search(head):
        return "wordml", "Word 2003 XML document"
    if _MHTML.search(head):
        return "mhtml", "MHTML web archive"
    if _HTML_HEAD.search(head) or (head.lstrip().startswith(b"<") and _HTML_ANYWHERE.search(head)):
        return "html", "HTML page"
    return None, ""


def _sniff_zip(data: bytes) -> tuple[str | None, str]:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        # truncated: the central directory at the end is missing; the local headers still name members
        for member, kind, label in ZIP_MEMBERS:
            if member.encode() in data[:65536]:
                return kind, label
        return "zip", "zip archive"
    for member, kind, label in ZIP_MEMBERS:
        if member in names:
            return kind, label
    files = [_member_name(i) for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if not i.is_dir()]
    if not files:
        return None, "zip archive with no files in it"
    shown = ", ".join(files[:ZIP_NAMES_SHOWN]) + (", …" if len(files) > ZIP_NAMES_SHOWN else "")
    return None, f"zip archive of {len(files)} file(s): {shown}; unpack it into the input folder to read them"


def _member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its maker wrote it. Without the UTF-8 flag, zipfile decodes the name as
    cp437, which turns the GBK names of archives made on Chinese Windows into box-drawing marks."""
    if info.flag_bits & 0x800:
        return info.filename
    return name_from_bytes(info.filename.encode("cp437")) or info.filename


def _sniff_ole(data: bytes) -> tuple[str | None, str]:
    for stream, kind, label in OLE_STREAMS:
        if stream in data:
            return kind, label
    return "doc", "OLE2 compound file"
