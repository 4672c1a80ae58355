"""The text of an analyst-owned CSV file (data/corrections.csv, data/agencies.csv), or a clear error.

Analysts edit these files in Excel as often as in an editor. Excel on a Chinese Windows saves
"CSV (逗号分隔)" in the ANSI code page (GBK), and "Unicode text" as UTF-16 with a BOM: both are read
here rather than stopping the build with a decoding traceback. Bytes that are not text in any of
these encodings (a spreadsheet saved as .xlsx under a .csv name, a binary file) are refused with a
message that says what to do.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.readers_decode import BOMS, strict_decode

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not tab, newline, carriage return
_SAVE_AS = "save it as CSV UTF-8 (Excel: 另存为 → CSV UTF-8(逗号分隔))"


class AnalystFileError(ValueError):
    """An analyst file that cannot be read as text; the message names the file and the fix."""


def read_analyst_text(path: Path) -> str:
    """The text of `path`; raises AnalystFileError when it cannot be read or is not text."""
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise AnalystFileError(f"{path} is a folder, not a CSV file") from None
    except OSError as exc:
        raise AnalystFileError(f"{path} cannot be read: {exc.strerror or exc}") from None
    text = _decode(data)
    if text is None:
        raise AnalystFileError(f"{path} is not a text file in UTF-8, UTF-16 or GBK: {_SAVE_AS}")
    if _CONTROL.search(text):
        raise AnalystFileError(f"{path} holds binary data, not CSV text: {_SAVE_AS}")
    return text


def _decode(data: bytes) -> str | None:
    """The text in the encoding its BOM names (the readers' table), else strict UTF-8, else strict
    GB18030 (a superset of GBK, which decodes most byte strings: hence the control-character check
    above); None when none decodes all of `data`. Unlike the readers' decode_text, nothing is
    repaired or guessed: an analyst's file is read exactly or refused."""
    for _rule, bom, codec in BOMS:
        if data.startswith(bom):
            return strict_decode(data[len(bom) :], codec)
    return strict_decode(data, "utf-8") or strict_decode(data, "gb18030")
