"""Pages nested deeper than a parser likes: unclosed <font>/<b> tags (each paragraph one level
deeper) are read whole, and what cannot be read says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_readers import SEEDS, _key, content_lines, make_html

from pipeline.extract import extract
from pipeline.readers import read_bytes
from pipeline.readers_html import STILL_TOO_DEEP_NOTE, TOO_DEEP_NOTE


def unclosed_page(seed: Path, depth: int) -> bytes:
    """The seed as a government page whose paragraphs are never closed and each leave inline
    tags open, as pages exported from old editors do: each paragraph sits inside the one before,
    the last ~`depth` levels deep."""
    page = make_html(seed.read_text(encoding="utf-8")).decode("utf-8").replace("</p>", "")
    pairs = max(1, depth // page.count("<p>") // 3)  # a paragraph: <p> and the pairs of tags it leaves open
    return page.replace("<p>", "<p>" + '<font face="宋体"><b>' * pairs).encode("utf-8")


def _lines_in_order(text: str, seed: Path) -> None:
    got, pos = _key(text), 0
    for line in content_lines(seed.read_text(encoding="utf-8")):
        at = got.find(line, pos)
        assert at >= 0, f"missing or out of order: {line[:60]}"
        pos = at + len(line)


def _values(text: str, name: str) -> set[tuple[str, float, str]]:
    return {(r.metric, r.value, r.scope) for r in extract(text, name).records}


# 3,000 asked (1,700-1,900 parsed): past libxml2's default limit (256) and Python's recursion
# limit (1,000), within huge_tree's 2,048.
# 8,000: past 2,048 too; the page is read again without its inline tags.
@pytest.mark.parametrize(("depth", "read_again"), [(3_000, False), (8_000, True)])
@pytest.mark.parametrize("seed", SEEDS, ids=[s.stem[:3] for s in SEEDS])
def test_a_page_of_unclosed_inline_tags_is_read_whole(seed: Path, depth: int, read_again: bool) -> None:
    result = read_bytes(unclosed_page(seed, depth), f"{seed.stem}.html")
    assert result.status == "ok", result.message
    _lines_in_order(result.text, seed)
    assert _values(result.text, seed.name) == _values(seed.read_text(encoding="utf-8"), seed.name)
    assert (TOO_DEEP_NOTE in result.notes) == read_again
    assert STILL_TOO_DEEP_NOTE not in result.notes


def test_blocks_nested_past_the_limit_say_their_text_is_not_read() -> None:
    deep = "<div>" * 3_000 + "本年度共受理申请12件。" + "</div>" * 3_000
    only_deep = read_bytes(f"<html><body>{deep}</body></html>".encode(), "a.html")
    assert (only_deep.status, only_deep.message) == ("unreadable", STILL_TOO_DEEP_NOTE)
    titled = read_bytes(
        f"<html><head><title>年度报告</title></head><body>{deep}</body></html>".encode(), "a.html"
    )
    assert (titled.status, titled.message) == ("unreadable", STILL_TOO_DEEP_NOTE)
    partly = read_bytes(
        f"<html><body><p>全年主动公开政府信息158条。</p>{deep}</body></html>".encode(), "a.html"
    )
    assert partly.status == "ok" and "全年主动公开政府信息158条" in partly.text
    assert STILL_TOO_DEEP_NOTE in partly.notes and "受理申请12件" not in partly.text


def test_a_table_cell_nested_deeper_than_the_recursion_limit_keeps_its_value() -> None:
    cell = "<span>" * 1_500 + "548" + "</span>" * 1_500
    rows = f"<tr><td>受理事项</td><td>{cell}</td></tr><tr><td>办结事项</td><td>540</td></tr>"
    result = read_bytes(f"<html><body><table>{rows}</table></body></html>".encode(), "a.html")
    assert result.status == "ok", result.message
    assert result.text.splitlines() == ["受理事项 | 548", "办结事项 | 540"]
