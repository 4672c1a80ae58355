"""Word .docx (its main part, with lxml) and Word 2003 XML -> paragraphs and table rows in document order."""

from __future__ import annotations

import io
import zipfile
import zlib

from lxml import etree

from pipeline.readers_base import MB, Limits, ReadProblem, table_row

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Word's "Strict Open XML" save option: the same elements in another namespace.
W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
W2003 = "http://schemas.microsoft.com/office/word/2003/wordml"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
MAX_MEMBERS = 10_000


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse archives that are damaged or would inflate past the limit (zip bombs)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as e:
        raise ReadProblem("unreadable", f"Word document is damaged or truncated (bad zip: {e})") from e
    if len(infos) > MAX_MEMBERS:
        raise ReadProblem("unsupported", f"zip holds {len(infos)} members, too many for a Word document")
    total = sum(i.file_size for i in infos)
    if total > limits.max_inflated:
        raise ReadProblem(
            "unsupported", f"Word document expands to {total // MB} MB when unzipped, over the limit (bomb?)"
        )
    if "word/document.xml" not in {i.filename for i in infos}:
        raise ReadProblem("unreadable", "zip archive has no word/document.xml: not a .docx")


def _paragraph_text(p, ns: str) -> str:
    """Text of one paragraph: runs, tabs and breaks; deleted text (w:delText) is not w:t, so it is
    skipped; text boxes appear twice (mc:Choice and mc:Fallback), so the fallback copy is skipped."""
    parts: list[str] = []
    for el in p.iter(f"{{{ns}}}t", f"{{{ns}}}tab", f"{{{ns}}}br", f"{{{ns}}}cr"):
        if any(a.tag == MC_FALLBACK for a in el.iterancestors()):
            continue
        local = etree.QName(el).localname
        if local == "t":
            parts.append(el.text or "")
        elif local == "tab":
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _cell_text(tc, ns: str) -> str:
    return " ".join(t for p in tc.iter(f"{{{ns}}}p") if (t := _paragraph_text(p, ns).strip()))


def _blocks(container, ns: str, out: list[str]) -> None:
    """Paragraphs and tables that are children of the body (or of content controls in it), in order."""
    for child in container:
        local = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if local == "p":
            out.append(_paragraph_text(child, ns))
        elif local == "tbl":
            for tr in child.iter(f"{{{ns}}}tr"):
                if next(tr.iterancestors(f"{{{ns}}}tbl")) is not child:
                    continue  # rows of a nested table are part of their cell's text
                cells = [tc for tc in tr if isinstance(tc.tag, str) and etree.QName(tc).localname == "tc"]
                out.append(table_row([_cell_text(tc, ns) for tc in cells]))
        elif local in ("sdt", "sdtContent", "customXml", "body", "sect", "sub-section"):
            _blocks(child, ns, out)


def docx_to_text(data: bytes, limits: Limits) -> tuple[str, list[str]]:
    """The main part (word/document.xml) parsed on its own. python-docx loaded every part into an
    object graph with reference cycles (package <-> parts) that only the collector frees; pool
    workers collect rarely (engines.worker_init), so each worker kept ~5 MB a .docx (300 files: 880 MB
    a worker, against 220 MB now). A tree from lxml alone is freed when the function returns."""
    check_zip(data, limits)
    # No entities, no network, libxml2's default depth and size limits (as python-docx parsed).
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:  # the part is inflated and parsed here: damage inside it shows up now
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            root = etree.fromstring(zf.read("word/document.xml"), parser=parser)
    except (KeyError, ValueError, zipfile.BadZipFile, zlib.error, EOFError, etree.XMLSyntaxError) as e:
        raise ReadProblem("unreadable", f"Word document is damaged: {type(e).__name__}: {e}"[:300]) from e
    ns = W_STRICT if etree.QName(root).namespace == W_STRICT else W
    body = root.find(f"{{{ns}}}body")
    if body is None:
        raise ReadProblem("unreadable", "Word document is damaged: its main part has no w:body")
    out: list[str] = []
    _blocks(body, ns, out)
    n_tables = len(body.findall(f".//{{{ns}}}tbl"))
    return "\n".join(out), [f"docx: {n_tables} table(s)"]


def wordml_to_text(data: bytes) -> tuple[str, list[str]]:
    """Word 2003 XML ('Save as XML', often published with a .doc name): same structure, older namespace."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as e:
        raise ReadProblem("unreadable", f"Word XML document is damaged: {e}") from e
    if root is None:
        raise ReadProblem("unreadable", "Word XML document is damaged")
    body = root.find(f".//{{{W2003}}}body")
    out: list[str] = []
    _blocks(body if body is not None else root, W2003, out)
    return "\n".join(out), ["word 2003 xml"]
