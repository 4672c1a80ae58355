"""The text of an analyst-owned CSV file (data/corrections.csv, data/agencies.csv), or a clear error.

Analysts edit these files in Excel as often as in an editor. Excel on a Chinese Windows saves
"CSV (逗号分隔)" in the ANSI code page (GBK), and "Unicode text" as UTF-16 with a BOM: both are read
here rather than stopping the build with a decoding traceback. Bytes that are not text in any of
these encodings (a spreadsheet saved as .xlsx under a .csv name, a binary file) are refused with a
message that says what to do.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

# Tried in this order. A UTF-8 file must decode strictly; GB18030 (a superset of GBK) decodes most
# byte strings, so it is tried last and its result is checked for control characters below.
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
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
    """The text in the first encoding that decodes all of `data`: the one its BOM names, else UTF-8,
    else GB18030; None when none does."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return None
