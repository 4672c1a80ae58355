"""What every format reader shares: the limits, the 'cannot read this' signal, table rows as text."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import reduce

from pipeline.text import join_wrapped

MB = 1024 * 1024


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    """Guards against files that would take the machine down rather than fail cleanly."""

    max_bytes: int = _env_int("PIPELINE_MAX_BYTES", 50 * MB)  # file size cap
    max_inflated: int = _env_int("PIPELINE_MAX_INFLATED", 500 * MB)  # zip/PDF streams once decompressed
    max_pages: int = _env_int("PIPELINE_MAX_PAGES", 2000)  # PDF pages
    max_chars: int = _env_int("PIPELINE_MAX_CHARS", 20_000_000)  # text handed to extraction
    tool_timeout: float = float(_env_int("PIPELINE_TOOL_TIMEOUT", 60))  # antiword/catdoc, seconds
    # One file's reading and extraction, seconds (pipeline.time_limit; 0: none). A real report takes
    # milliseconds; a 50 MB text without sentence stops ~20 minutes. Read when a Limits is made.
    file_seconds: float = field(default_factory=lambda: float(_env_int("PIPELINE_FILE_SECONDS", 300)))


class ReadProblem(Exception):
    """A file that cannot be read for a reason the user should be told (not a bug)."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status  # empty | unreadable | unsupported | error
        self.message = message


CELL_SEPARATOR = " | "
# A cell holding a figure only (digits, separators, a sign or a percent sign): never wrapped text.
NUMBER_CELL = re.compile(r"[\d.,%\s-]+")


def cell_text(raw: str | None) -> str:
    """One table cell on one line: inner line breaks and runs of spaces become one space."""
    if not raw:
        return ""
    # A cell wrapped over lines ("受理\n件数") is one phrase: rejoin without a space between CJK.
    lines = [" ".join(line.split()) for line in raw.splitlines()]
    return reduce(join_wrapped, [line for line in lines if line], "")


def table_row(cells: list[str | None]) -> str:
    """A table row as one line, cells joined by ' | '.

    Empty cells are kept, trailing ones too, so columns stay aligned: the 2019 tables are read by
    position and a dropped blank shifts every value after it. A row with no text at all is "".
    """
    texts = [cell_text(c) for c in cells]
    if not any(texts):
        return ""
    return CELL_SEPARATOR.join(texts).strip()
