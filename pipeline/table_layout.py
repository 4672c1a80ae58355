"""Flattened tables -> a stream of cell tokens with offsets, whatever the flattening (|, spaces, lines)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from .memo import MEMO_SIZE

# A cell is a number, an explicit zero word, blank, not applicable, or text (a label or header).
NUMBER, ZERO_WORD, BLANK, NOT_APPLICABLE, TEXT = "number", "zero_word", "blank", "na", "text"
VALUE_KINDS = (NUMBER, ZERO_WORD)  # cells that hold a value (0 included)
CELL_KINDS = (NUMBER, ZERO_WORD, BLANK, NOT_APPLICABLE)  # anything that fills a column

_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[+-]?\d+(?:\.\d+)?")
_NA = {"/", "-", "—", "——", "--", "–", "\\", "不适用", "无此项", "/ /", "×"}
_ZERO_WORDS = {"无", "零"}
_WORD = re.compile(r"\S+")


class Token(NamedTuple):
    """One cell. A named tuple rather than a frozen dataclass: a report has thousands of cells, and a
    tuple is built several times faster (the fields are the same and it is just as immutable)."""

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


@lru_cache(maxsize=MEMO_SIZE)  # pure, and tables repeat the same few words ("0", "/", labels) in every report
def cell_kind(word: str) -> str:
    if _NUMBER.fullmatch(word):
        return NUMBER
    if word in _ZERO_WORDS:
        return ZERO_WORD
    if word in _NA:
        return NOT_APPLICABLE
    return TEXT


def _words(text: str, start: int, end: int) -> list[Token]:
    """One line's words: each value word is a cell, consecutive text words are one label."""
    out: list[Token] = []
    label: list[re.Match[str]] = []
    n = len(text)  # a cell is closed when anything follows it in the text
    for m in _WORD.finditer(text, start, end):
        word = m.group()
        kind = cell_kind(word)
        if kind == TEXT:
            label.append(m)
            continue
        if label:
            e = label[-1].end()
            out.append(Token(TEXT, "".join(w.group() for w in label), label[0].start(), e, e < n))
            label.clear()
        e = m.end()
        out.append(Token(kind, word, m.start(), e, e < n))
    if label:
        e = label[-1].end()
        out.append(Token(TEXT, "".join(w.group() for w in label), label[0].start(), e, e < n))
    return out


def _by_line(text: str, start: int, chunk: str) -> list[Token]:
    """The cells of `chunk` (text[start:start + len(chunk)]) line by line: a label never runs over a
    line break here (the reader rejoins one broken over lines)."""
    out: list[Token] = []
    n = len(text)  # a cell is closed when anything follows it in the text
    pos = start
    for line in chunk.split("\n"):
        words = line.split()
        if len(words) == 1:  # most lines and cells hold one word: the same token, found directly
            word = words[0]
            s = pos + line.index(word)  # only spaces come before the word
            e = s + len(word)
            out.append(Token(cell_kind(word), word, s, e, e < n))
        elif words:
            out.extend(_words(text, pos, pos + len(line)))
        pos += len(line) + 1
    return out


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
    pieces = text.split("|")
    last = len(pieces) - 1
    s = 0
    n = len(text)
    for i, content in enumerate(pieces):
        e = s + len(content)  # the piece is text[s:e], between two pipes (or an end of the text)
        words = content.split()
        if len(words) == 1:  # the usual cell: one word, whatever spaces and line breaks surround it
            word = words[0]
            start = s + content.index(word)
            end = start + len(word)
            out.append(Token(cell_kind(word), word, start, end, end < n))
        elif words:
            out.extend(_by_line(text, s, content))
        elif i < last and not (markdown and "\n" in content) and s > 0:
            out.append(Token(BLANK, "", s, e, True))  # an empty cell: no value, never 0
        s = e + 1
    return out


def _words_by_line(text: str) -> list[Token]:
    return _by_line(text, 0, text)
