"""Flattened tables -> a stream of cell tokens with offsets, whatever the flattening (|, spaces, lines)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A cell is a number, an explicit zero word, blank, not applicable, or text (a label or header).
NUMBER, ZERO_WORD, BLANK, NOT_APPLICABLE, TEXT = "number", "zero_word", "blank", "na", "text"
VALUE_KINDS = (NUMBER, ZERO_WORD)  # cells that hold a value (0 included)
CELL_KINDS = (NUMBER, ZERO_WORD, BLANK, NOT_APPLICABLE)  # anything that fills a column

_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[+-]?\d+(?:\.\d+)?")
_NA = {"/", "-", "—", "——", "--", "–", "\\", "不适用", "无此项", "/ /", "×"}
_ZERO_WORDS = {"无", "零"}
_WORD = re.compile(r"\S+")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str  # label text without inner spaces; for values the cell as written
    start: int
    end: int
    closed: bool  # a delimiter follows the cell (a cell cut off by the end of the text is not closed)

    @property
    def value(self) -> float | None:
        if self.kind == NUMBER:
            return float(self.text.replace(",", ""))
        if self.kind == ZERO_WORD:
            return 0.0
        return None


def cell_kind(word: str) -> str:
    if _NUMBER.fullmatch(word):
        return NUMBER
    if word in _ZERO_WORDS:
        return ZERO_WORD
    if word in _NA:
        return NOT_APPLICABLE
    return TEXT


def _closed(text: str, end: int) -> bool:
    return end < len(text)


def _words(text: str, start: int, end: int) -> list[Token]:
    """One line's words: each value word is a cell, consecutive text words are one label."""
    out: list[Token] = []
    label: list[re.Match[str]] = []

    def flush() -> None:
        if label:
            s, e = label[0].start(), label[-1].end()
            out.append(Token(TEXT, "".join(m.group() for m in label), s, e, _closed(text, e)))
            label.clear()

    for m in _WORD.finditer(text, start, end):
        kind = cell_kind(m.group())
        if kind == TEXT:
            label.append(m)
            continue
        flush()
        out.append(Token(kind, m.group(), m.start(), m.end(), _closed(text, m.end())))
    flush()
    return out


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, pos = [], start
    while pos <= end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        if text[pos:stop].strip():
            spans.append((pos, stop))
        if nl < 0:
            break
        pos = nl + 1
    return spans


def _piece(text: str, start: int, end: int) -> list[Token]:
    """The content between two pipes, line by line (the reader rejoins a label broken over lines)."""
    content = text[start:end]
    word = content.strip()
    if word and not _SPACE.search(word):  # most cells are one word: the same token, found directly
        s = start + len(content) - len(content.lstrip())
        return [Token(cell_kind(word), word, s, s + len(word), _closed(text, s + len(word)))]
    return [t for s, e in _lines(text, start, end) for t in _words(text, s, e)]


def _markdown_style(text: str) -> bool:
    """| a | b | rows (a border pipe on both ends) rather than one terminating pipe per cell."""
    lines = [ln for ln in text.split("\n") if "|" in ln]
    bordered = sum(1 for ln in lines if ln.startswith("|") and ln.strip("| "))
    return bool(lines) and bordered * 2 > len(lines)


def tokenize(text: str) -> list[Token]:
    """Every cell of `text` in reading order; offsets index `text`.

    With pipes, a cell is whatever lies between two pipes (an empty one is a blank cell, kept);
    without, cells are split at line breaks and spaces between values and labels.
    """
    if text.count("|") < 4:
        return _words_by_line(text)
    markdown = _markdown_style(text)
    out: list[Token] = []
    pos = 0
    for m in re.finditer(r"\|", text + "|"):
        s, e = pos, m.start()
        pos = m.end()
        content = text[s:e]
        if content.strip():
            out.extend(_piece(text, s, e))
        elif e < len(text) and not (markdown and "\n" in content) and s > 0:
            out.append(Token(BLANK, "", s, e, True))  # an empty cell: no value, never 0
    return out


def _words_by_line(text: str) -> list[Token]:
    return [t for s, e in _lines(text, 0, len(text)) for t in _words(text, s, e)]
