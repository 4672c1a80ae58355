"""A file of any supported kind -> normalisable text, with its status; encodings detected."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes


@dataclass
class ReadResult:
    text: str | None  # None when nothing could be read
    kind: str  # txt | html | pdf | docx | doc | rtf | unknown
    status: str = "ok"  # ok | empty | unreadable | unsupported | error
    message: str = ""
    notes: list[str] = field(default_factory=list)


def read_bytes(data: bytes, name: str = "") -> ReadResult:
    if not data.strip():
        return ReadResult(None, "txt", "empty", "file is empty")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return ReadResult(data.decode(enc), "txt", notes=[f"encoding {enc}"])
        except UnicodeDecodeError:
            pass
    best = from_bytes(data).best()
    if best is None:
        return ReadResult(None, "txt", "unreadable", "no text encoding fits these bytes")
    return ReadResult(str(best), "txt", notes=[f"encoding {best.encoding}"])


def read_path(path: Path) -> ReadResult:
    return read_bytes(Path(path).read_bytes(), Path(path).name)
