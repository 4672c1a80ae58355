"""RTF -> text (striprtf), with \\'xx escapes decoded by the document's code page (GBK for Chinese)."""

from __future__ import annotations

import re

from pipeline.readers_base import ReadProblem, table_row

_ANSICPG = re.compile(r"\\ansicpg(\d+)")
# Word marks Chinese fonts with \fcharset134 (GB2312) and escapes their bytes as \'xx even when the
# document's code page says 1252; those bytes are GBK.
_FCHARSET = re.compile(r"\\fcharset(\d+)")
CHINESE_CHARSETS = {134: "cp936", 136: "cp950"}
CJK_CODEPAGES = {"cp936", "cp950", "cp54936", "cp20936"}


def _codepage(rtf: str) -> str:
    m = _ANSICPG.search(rtf[:4096])
    declared = f"cp{m.group(1)}" if m else "cp1252"
    if declared == "cp54936":  # GB18030's Windows code page; Python calls it gb18030
        return "gb18030"
    return declared


def rtf_to_text(data: bytes) -> tuple[str, list[str]]:
    from striprtf.striprtf import rtf_to_text as strip

    # RTF is 7-bit by the spec, but some writers put raw GBK bytes in; latin-1 keeps every byte.
    try:
        rtf = data.decode("ascii")
        raw_bytes = False
    except UnicodeDecodeError:
        rtf = data.decode("latin-1")
        raw_bytes = True
    rtf = rtf.lstrip("\ufeff\x00 \r\n\t")
    if not rtf.startswith("{\\rtf"):
        raise ReadProblem("unreadable", "not an RTF document ({\\rtf header missing)")
    codepage = _codepage(rtf)
    charsets = {int(c) for c in _FCHARSET.findall(rtf[:65536])}
    notes = [f"rtf code page {codepage}"]
    if codepage == "cp1252":
        chinese = [CHINESE_CHARSETS[c] for c in charsets if c in CHINESE_CHARSETS]
        if chinese:
            notes.append(f"Chinese font charset: \\'xx bytes read as {chinese[0]}")
    text = strip(rtf, encoding=codepage, errors="replace")
    if raw_bytes:
        # raw 8-bit bytes survived as latin-1 characters: turn them back into bytes, decode properly
        try:
            text = text.encode("latin-1").decode(codepage if codepage in CJK_CODEPAGES else "gb18030")
            notes.append("raw 8-bit bytes decoded")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return _cells_to_rows(text), notes


def _cells_to_rows(text: str) -> str:
    """striprtf ends each cell with '|' and each row with a newline; make rows ' | '-joined."""
    lines = []
    for line in text.split("\n"):
        if line.endswith("|"):
            lines.append(table_row(line[:-1].split("|")))
        else:
            lines.append(line)
    return "\n".join(lines)
