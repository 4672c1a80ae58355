"""PDFs whose fonts carry no Unicode mapping: pdfminer writes their glyphs as "(cid:N)". A text
layer made of them is refused as unreadable, a few of them become U+FFFD."""

from __future__ import annotations

from pipeline.readers import read_bytes
from pipeline.readers_pdf import _unmapped_checked


def pdf_of_objects(objects: list[str]) -> bytes:
    """A PDF of `objects` (numbered from 1, the first the catalog) with its cross-reference table."""
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    return out + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


def unmapped_pdf(lines: int) -> bytes:
    """One page of CJK glyph ids in a Type0/Identity-H font without a ToUnicode table, as Chinese
    word processors print them, written object by object with its cross-reference table."""
    body = "".join(
        f"BT /F1 12 Tf 72 {800 - 20 * i} Td <"
        + "".join(f"{0x4E00 + (i * 7 + k) % 500:04X}" for k in range(20))
        + "> Tj ET\n"
        for i in range(lines)
    )
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        " /Contents 4 0 R >>",
        f"<< /Length {len(body)} >>\nstream\n{body}endstream",
        "<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe)"
        " /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>",
        "<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0"
        " /Ascent 1000 /Descent 0 /CapHeight 1000 /StemV 80 >>",
    ]
    return pdf_of_objects(objects)


def test_a_text_layer_without_unicode_mapping_is_unreadable_and_says_why() -> None:
    result = read_bytes(unmapped_pdf(20), "report.pdf")
    assert (result.kind, result.status, result.text) == ("pdf", "unreadable", None)
    assert "no Unicode mapping for 400 of its characters" in result.message and "OCR" in result.message


def test_a_few_unmapped_glyphs_become_placeholders_that_join_nothing() -> None:
    text, notes = _unmapped_checked("本年共受理(cid:12)548件,办结(cid:7)(cid:9)540件。", [])
    assert text == "本年共受理\ufffd548件,办结\ufffd\ufffd540件。"
    assert notes == ["pdf: 3 character(s) without a Unicode mapping shown as \ufffd"]
    assert _unmapped_checked("全年受理548件。", ["x"]) == ("全年受理548件。", ["x"])
