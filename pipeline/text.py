"""Text normalisation: the one canonical form every offset, rule and doc_id refers to."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

# Zero-width and BOM characters carry no meaning and break regexes between digits.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalise(raw: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII), unified newlines, squeezed spaces."""
    text = unicodedata.normalize("NFKC", raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def doc_id(normalised: str) -> str:
    """First 16 hex of sha256 of the normalised text: the same report saved twice gets one id."""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC  # opencc-python-reimplemented: pure Python, no download

    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def _char_t2s(ch: str) -> str:
    out = _t2s().convert(ch)
    return out if len(out) == 1 else ch


def to_simplified(text: str) -> str:
    """Character-by-character traditional -> simplified, same length, so offsets stay valid.

    Extraction runs on this copy; evidence is sliced from the original text at the same offsets.
    """
    if not text:
        return text
    return text.translate(_T2S_TABLE)


class _CharT2S(dict):
    """str.translate table filled on first sight of each character (translate runs in C, where a
    generator over the characters ran in Python); below U+2E80 there is no Han character to convert."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = self[code] = _char_t2s(ch) if code > 0x2E7F else ch
        return out


_T2S_TABLE = _CharT2S()


# Common traditional-only characters; a text dense in them is a traditional copy.
_TRAD_MARKERS = set("們個來時說會經發為與從關過現當進開學實機體樣點務區辦處這還對應員於產電總項設總報國")


_HAN_RUN = re.compile("[\u4e00-\u9fff]+")
_TRAD = re.compile("[" + "".join(sorted(_TRAD_MARKERS)) + "]")


def looks_traditional(text: str, threshold: float = 0.01) -> bool:
    # Han characters counted by the regex engine as the length they take up (runs removed in one pass):
    # no Python loop and no list of one-character strings.
    han = len(text) - len(_HAN_RUN.sub("", text))
    if han == 0:
        return False
    return len(_TRAD.findall(text)) / han >= threshold


# The characters is_cjk() accepts, as a regex class.
CJK_CLASS = "[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]"


def is_cjk(ch: str) -> bool:
    """Han ideographs, CJK punctuation and full-width forms: scripts written without spaces."""
    if not ch:
        return False
    o = ord(ch[0])
    return (
        0x2E80 <= o <= 0x9FFF  # radicals, CJK punctuation, kana, unified ideographs
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0xFE30 <= o <= 0xFE4F  # vertical/compatibility forms
        or 0xFF00 <= o <= 0xFFEF  # full-width forms
        or 0x20000 <= o <= 0x3FFFF  # extension planes
    )


def name_from_bytes(raw: bytes) -> str | None:
    """A file name's bytes as their maker meant them: UTF-8, else GB18030 (what Chinese Windows
    writes, in folders and in zip archives); None when they are neither."""
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return None


# A table cell's number (a count, a decimal, a percentage), and two or more apart by spaces and
# nothing else: the cells of a table row.
CELL_NUMBER = r"\d+(?:\.\d+)?%?"
CELL_RUN = re.compile(rf"{CELL_NUMBER}(?:[ \t]+{CELL_NUMBER})+")


def join_wrapped(left: str, right: str) -> str:
    """Join two pieces of one visual line-wrapped paragraph.

    Chinese is written without spaces, so a wrap between two CJK characters (or a CJK character and
    a digit, as in "548786\n件") joins with nothing; a wrap between two Latin words keeps one space,
    and so does one before a run of numbers, a table row's cells wrapped after its label
    ("…政府信息公开申请\n0 0 0 0 0 0 0": joined close, the label took the first cell).
    """
    left, right = left.rstrip(), right.lstrip()
    if not left or not right:
        return left + right
    if CELL_RUN.fullmatch(right):
        return left + " " + right
    if is_cjk(left[-1]) or is_cjk(right[0]):
        return left + right
    return left + " " + right
