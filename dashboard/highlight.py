"""Report text with extracted values marked, as escaped markdown: report text is never HTML or markup."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Every ASCII punctuation mark may start markdown, a link, LaTeX ($), an emoji or colour directive
# (:red[...]) or HTML in st.markdown; a backslash before each makes it plain text (CommonMark).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=^%@;,/?])")
MARK_OPEN, MARK_CLOSE = "【", "】"


def escape_markdown(text: str) -> str:
    """Plain text for st.markdown: punctuation escaped, line breaks kept, no indented code blocks."""
    lines = []
    for line in text.split("\n"):
        lines.append(_SPECIAL.sub(r"\\\1", line.lstrip(" \t")))
    return "  \n".join(lines)


def spans_from(records: Iterable[tuple[int, int, str]], length: int) -> list[tuple[int, int, str]]:
    """Valid, non-overlapping (start, end, label) spans in text order; bad offsets are dropped."""
    out: list[tuple[int, int, str]] = []
    last = 0
    for start, end, name in sorted(
        (int(s), int(e), n) for s, e, n in records if s is not None and e is not None
    ):
        if 0 <= start < end <= length and start >= last:
            out.append((start, end, name))
            last = end
    return out


def segments(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[str, str | None]]:
    """The text cut into (piece, label) pairs; label is None for plain text."""
    out: list[tuple[str, str | None]] = []
    at = 0
    for start, end, name in spans:
        if start > at:
            out.append((text[at:start], None))
        out.append((text[start:end], name))
        at = end
    if at < len(text):
        out.append((text[at:], None))
    return out


def highlighted_markdown(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Markdown of `text` with each span bold in 【】 on an orange background, everything escaped."""
    parts = []
    for piece, name in segments(text, spans):
        if name is None:
            parts.append(escape_markdown(piece))
        else:
            inner = escape_markdown(f"{MARK_OPEN}{piece}{MARK_CLOSE}")
            parts.append(f":orange-background[**{inner}**]")
    return "".join(parts)
