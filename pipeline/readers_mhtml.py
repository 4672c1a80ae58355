"""MHTML web archives (.mht, and .doc files that Word saved as "single file web page") -> text.

Chinese government sites often attach reports as .doc files that are MHTML: a MIME message whose
first HTML part is the page, quoted-printable or base64, in the charset its header names. That
part is decoded and read as any HTML page (pipeline.readers_html), so furniture, tables and
unclosed tags are handled the same way.
"""

from __future__ import annotations

import email
import email.policy
from email.message import Message

from pipeline.readers_base import ReadProblem
from pipeline.readers_decode import decode_text
from pipeline.readers_html import CHARSET_ALIASES, html_to_text


def mhtml_to_text(data: bytes) -> tuple[str, list[str]]:
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    html = _first_part(message, "text/html")
    if html is not None:
        page, notes = _decoded(html)
        # With a BOM the page is read as UTF-8, whatever its <meta> says (the archive's header decided).
        text, more = html_to_text(b"\xef\xbb\xbf" + page.encode("utf-8"))
        more = [n for n in more if not n.startswith("encoding utf-8 (bom")]
        return text, ["MHTML web archive: its HTML page read", *notes, *more]
    plain = _first_part(message, "text/plain")
    if plain is not None:
        text, notes = _decoded(plain)
        return text, ["MHTML web archive: its text part read", *notes]
    raise ReadProblem("unsupported", "MHTML web archive without an HTML or text part")


def _first_part(message: Message, content_type: str) -> Message | None:
    return next((p for p in message.walk() if p.get_content_type() == content_type), None)


def _decoded(part: Message) -> tuple[str, list[str]]:
    """A part's payload as text: its transfer encoding undone, then its declared charset (as
    CHARSET_ALIASES widens it), or the readers' own detection when none is declared or it fails."""
    payload = part.get_payload(decode=True) or b""
    declared = (part.get_content_charset() or "").lower()
    codec = CHARSET_ALIASES.get(declared, declared)
    if codec:
        try:
            return payload.decode(codec), [f"encoding {codec} (declared in the archive)"]
        except (UnicodeDecodeError, LookupError):
            pass
    found = decode_text(payload)
    return found.text, found.notes
