"""Bytes of a text file -> str: BOMs, strict UTF-8, UTF-16 without BOM, GB18030, Big5, with sanity checks."""

from __future__ import annotations

import codecs
import contextlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.readers_base import ReadProblem
from pipeline.text import to_simplified

# (rule id, BOM, codec). UTF-32 LE must be tried before UTF-16 LE: its BOM starts with FF FE.
BOMS: tuple[tuple[str, bytes, str], ...] = (
    ("bom-utf32le", codecs.BOM_UTF32_LE, "utf-32-le"),
    ("bom-utf32be", codecs.BOM_UTF32_BE, "utf-32-be"),
    ("bom-utf8", codecs.BOM_UTF8, "utf-8"),
    ("bom-utf16le", codecs.BOM_UTF16_LE, "utf-16-le"),
    ("bom-utf16be", codecs.BOM_UTF16_BE, "utf-16-be"),
)

# GB18030 (and Big5) decode almost any byte string, so their result must look like Chinese text:
# at least this share of characters must be ordinary (ASCII, common hanzi, CJK punctuation).
MIN_PLAUSIBLE = 0.85
# Damaged UTF-8 (stray bytes, a cut) still decodes this many good multi-byte characters per bad sequence.
UTF8_GOOD_PER_BAD = 10
# A GB18030 or UTF-16 text may have up to this share of undecodable characters and still be read.
MAX_DAMAGE = 0.02
SAMPLE_CHARS = 200_000
# Binary data often decodes (UTF-8 takes any ASCII control byte): above this share of control
# characters (not tab, line breaks, form feed) in the first BINARY_SAMPLE characters it is not text.
# The real reports in ../shared have none.
MAX_CONTROL_SHARE = 0.05
BINARY_SAMPLE = 4096
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # counted by a regex: 20x faster than str.translate
# A text ending in this many NUL characters or more was cut short by a download or copy that had
# already reserved the file's full size: read what is there and say so.
MIN_NUL_PADDING = 64


@dataclass
class Decoded:
    text: str
    encoding: str
    notes: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """The GB2312 repertoire: the 6,763 common hanzi plus full-width symbols."""
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([hi, lo]).decode("gb2312"))
    return frozenset(chars)


def _ordinary(ch: str, common: frozenset[str]) -> bool:
    o = ord(ch)
    if o < 0x80:
        return ch.isprintable() or ch in "\t\n\r\f"
    if o < 0x250:  # Latin-1 supplement and Latin Extended: accented letters
        return ch.isprintable()
    if 0x2000 <= o <= 0x206F or 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E:
        return True  # general and CJK punctuation, full-width ASCII
    # traditional characters are ordinary too: mirror copies are written in them
    return ch in common or to_simplified(ch) in common


def plausibility(text: str) -> float:
    """Share of ordinary characters in (a sample of) the text; 1.0 for an empty text."""
    sample = text[:SAMPLE_CHARS]
    if not sample:
        return 1.0
    common = _common_chars()
    return sum(1 for c in sample if _ordinary(c, common)) / len(sample)


def strict_decode(data: bytes, codec: str) -> str | None:
    """`data` in `codec`, or None when any byte does not decode."""
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _damaged_utf8(data: bytes) -> Decoded | None:
    """Valid UTF-8 but for a few bad bytes (typically a multi-byte character cut at the end)."""
    for cut in (1, 2, 3):
        text = strict_decode(data[:-cut], "utf-8") if len(data) > cut and data[-cut] >= 0x80 else None
        if text is not None and any(ord(c) > 0x7F for c in text[:SAMPLE_CHARS]):
            return Decoded(text, "utf-8", ["encoding utf-8; incomplete character at the end dropped"])
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    valid = sum(1 for c in text[:SAMPLE_CHARS] if ord(c) > 0x7F and c != "\ufffd")
    # Text in another encoding read as UTF-8 fails on nearly every non-ASCII character; damaged
    # UTF-8 still has far more good multi-byte characters than bad sequences.
    if bad > 0 and valid >= UTF8_GOOD_PER_BAD * bad:
        return Decoded(text, "utf-8", [f"encoding utf-8; {bad} invalid byte sequence(s) replaced by \ufffd"])
    return None


_CJK = re.compile("[\u4e00-\u9fff]")
_LATIN1 = re.compile("[\x80-\xff]")


def _repair_mojibake(text: str) -> Decoded | None:
    """Chinese text once read as Latin-1/cp1252 and saved again as UTF-8 ('¹²ÊÜÀí' for '共受理'):
    no CJK at all but many Latin-1 letters. Undo it when the bytes then decode to plausible Chinese."""
    sample = text[:SAMPLE_CHARS]
    if _CJK.search(sample):  # the usual case, decided at the first Chinese character
        return None
    latin = len(_LATIN1.findall(sample))
    if latin < 20 or latin < 0.3 * len(sample):
        return None
    for wrong in ("latin-1", "cp1252"):
        try:
            raw = text.encode(wrong)
        except UnicodeEncodeError:
            continue
        for right in ("utf-8", "gb18030"):
            fixed = strict_decode(raw, right)
            if (
                fixed
                and plausibility(fixed) >= 0.95
                and any("\u4e00" <= c <= "\u9fff" for c in fixed[:SAMPLE_CHARS])
            ):
                return Decoded(
                    fixed, right, [f"repaired mojibake: {right} text that had been read as {wrong}"]
                )
    return None


def _lenient(data: bytes, codec: str) -> str | None:
    """Decode with replacement when only a small share of the text is damaged."""
    text = data.decode(codec, errors="replace")
    bad = text.count("\ufffd")
    if bad <= MAX_DAMAGE * max(len(text), 1) and plausibility(text) >= MIN_PLAUSIBLE:
        return text
    return None


def _utf16_guess(data: bytes) -> Decoded | None:
    """UTF-16 without BOM: ASCII characters leave NUL bytes on one side of each pair."""
    body = data if len(data) % 2 == 0 else data[:-1]
    even = body[0::2].count(0)
    odd = body[1::2].count(0)
    order = ("utf-16-le", "utf-16-be") if odd >= even else ("utf-16-be", "utf-16-le")
    for codec in order:
        text = strict_decode(body, codec)
        if text is not None and plausibility(text) >= 0.9:
            return Decoded(text, codec, [f"encoding {codec} (no BOM, guessed)"])
    for codec in order:
        text = _lenient(body, codec)
        if text is not None and plausibility(text) >= 0.9:
            return Decoded(text, codec, [f"encoding {codec} (no BOM, guessed); damaged bytes replaced"])
    return None


def decode_text(data: bytes) -> Decoded:
    """Decode a text file's bytes, or raise ReadProblem('unreadable', ...) saying what was tried
    or that the bytes are binary data (control characters) rather than text."""
    body = data.rstrip(b"\x00")
    padding = len(data) - len(body)
    if padding >= MIN_NUL_PADDING and body:
        # keep whole UTF-16/32 code units: the last character's own zero bytes go with it
        data = data[: -(-len(body) // 4) * 4]
    decoded = _decode(data)
    if padding >= MIN_NUL_PADDING and body:
        decoded.text = decoded.text.rstrip("\x00")
        decoded.notes.append(
            f"ends in {padding:,} NUL bytes (zero-filled, dropped): the file may be an incomplete "
            "download or copy"
        )
    head = decoded.text[:BINARY_SAMPLE]
    controls = len(_CONTROL.findall(head))
    if controls > MAX_CONTROL_SHARE * len(head):
        raise ReadProblem(
            "unreadable",
            f"binary data, not text: {controls} of its first {len(head)} characters are control "
            f"characters (read as {decoded.encoding})",
        )
    return decoded


def _decode(data: bytes) -> Decoded:
    for rule, bom, codec in BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            text = strict_decode(body, codec)
            if text is not None:
                return Decoded(text, codec, [f"encoding {codec} ({rule})"])
            text = body.decode(codec, errors="replace")
            return Decoded(text, codec, [f"encoding {codec} ({rule}); damaged bytes replaced by \ufffd"])

    nul_share = data.count(0) / max(len(data), 1)
    if nul_share >= 0.05:
        found = _utf16_guess(data)
        if found:
            return found

    text = strict_decode(data, "utf-8")
    if text is not None:
        return _repair_mojibake(text) or Decoded(text, "utf-8", ["encoding utf-8"])
    found = _damaged_utf8(data)
    if found:
        return found

    for codec in ("gb18030", "big5"):
        text = strict_decode(data, codec)
        if text is not None and plausibility(text) >= MIN_PLAUSIBLE:
            return Decoded(text, codec, [f"encoding {codec}"])
    # GB18030 cut in the middle of a two- or four-byte character
    for cut in (1, 2, 3):
        text = strict_decode(data[:-cut], "gb18030") if len(data) > cut else None
        if text is not None and plausibility(text) >= MIN_PLAUSIBLE:
            return Decoded(text, "gb18030", ["encoding gb18030; incomplete character at the end dropped"])

    text = _lenient(data, "gb18030")
    if text is not None:
        return Decoded(text, "gb18030", ["encoding gb18030; damaged bytes replaced by \ufffd"])

    if nul_share < 0.05 and len(data) % 2 == 0:
        found = _utf16_guess(data)  # all-Chinese UTF-16 has no NUL bytes at all
        if found:
            return found

    found = _charset_normalizer(data)
    if found:
        return found
    head = data[:4096]
    controls = sum(1 for b in head if (b < 0x20 and b not in b"\t\n\r\f") or 0x7F <= b < 0xA0)
    looks_binary = controls > 0.05 * len(head)
    hint = " (looks like binary data)" if looks_binary else ""
    raise ReadProblem("unreadable", f"could not decode: not UTF-8/GB18030/UTF-16/Big5{hint}")


def _charset_normalizer(data: bytes) -> Decoded | None:
    """Last resort for other single-byte encodings; the result must still look like text."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:SAMPLE_CHARS]).best()
    if best is None or best.encoding is None:
        return None
    text = strict_decode(data, best.encoding)
    if text is None or "\x00" in text or plausibility(text) < 0.95:
        return None
    return Decoded(text, best.encoding, [f"encoding {best.encoding} (detected by charset-normalizer)"])
