"""divisions.scan reads the leftmost, longest division names of a whole text, line by line and run by run."""

from __future__ import annotations

from pathlib import Path

from pipeline import divisions as D
from pipeline.text import normalise


def _reference_scan(text: str) -> list[tuple[int, int, str]]:
    """Leftmost-longest names without overlaps, by trying every length at every position."""
    names = D._names()
    longest = max(map(len, names))
    out, i = [], 0
    while i < len(text):
        for length in range(min(longest, len(text) - i), 1, -1):
            if text[i : i + length] in names:
                out.append((i, i + length, text[i : i + length]))
                i += length
                break
        else:
            i += 1
    return out


def test_scan_finds_the_names_of_every_sample_report_at_their_offsets(seeds_dir: Path) -> None:
    for path in sorted(seeds_dir.glob("*.txt")):
        text = normalise(path.read_text(encoding="utf-8"))
        assert D.scan(text) == _reference_scan(text), path.name


def test_scan_reads_names_across_lines_and_punctuation_separately() -> None:
    text = "山东省淄博市\n淄博市高新区,北京市朝阳区\n\n海沧区发改局123厦门市"
    found = D.scan(text)
    assert found == _reference_scan(text)
    assert [name for _, _, name in found][:3] == ["山东省", "淄博市", "淄博市"]
    assert all(text[start:end] == name for start, end, name in found)


def test_a_chain_is_the_same_whether_asked_as_a_list_or_a_tuple() -> None:
    for div in D.divisions()[::97]:
        assert D.chain(div) == list(D.chain_of(div))
        assert D.chain(div)[-1] == div
