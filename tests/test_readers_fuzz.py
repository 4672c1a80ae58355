"""Random and mutated bytes never crash a reader: every input gets a documented status and a message."""

from __future__ import annotations

from functools import lru_cache

from conftest import RAW_DIR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_readers import FORMATS

from pipeline.readers import KINDS, STATUSES, ReadResult, read_bytes
from pipeline.readers_base import Limits

NAMES = ["a.txt", "a.html", "a.htm", "a.pdf", "a.docx", "a.doc", "a.rtf", "a", "a.png"]
# Small caps so a mutation that happens to inflate or grow cannot slow the run down.
LIMITS = Limits(max_bytes=2_000_000, max_inflated=20_000_000, max_pages=20, tool_timeout=10)
FUZZ = settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@lru_cache(maxsize=1)
def fixtures() -> dict[str, bytes]:
    """Every format, written from the first lines of a sample report (one short page: fast to parse)."""
    seed = sorted(RAW_DIR.glob("*.txt"))[0].read_text(encoding="utf-8")
    excerpt = "\n".join(seed.split("\n")[:6])[:1500]
    return {fmt: write(excerpt) for fmt, write in FORMATS.items()}


def check(result: ReadResult) -> None:
    assert isinstance(result, ReadResult)
    assert result.status in STATUSES
    assert result.kind in KINDS or result.kind
    if result.status == "ok":
        assert isinstance(result.text, str) and result.text.strip()
    else:
        assert result.text is None
        assert result.message, "a failed read must say why"


@st.composite
def mutated(draw) -> tuple[bytes, str]:
    fmt = draw(st.sampled_from(sorted(fixtures())))
    data = bytearray(fixtures()[fmt])
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete", "zero"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 512))]
        elif op == "zero":
            data[at : at + 64] = bytes(min(64, len(data) - at))
    name = draw(st.sampled_from([f"x.{fmt.rsplit('.', 1)[1]}", *NAMES]))
    return bytes(data), name


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from(NAMES))
def test_random_bytes_get_a_status(data: bytes, name: str) -> None:
    check(read_bytes(data, name, LIMITS))


@FUZZ
@given(
    st.sampled_from(
        ["%PDF-1.4\n", "PK\x03\x04", "{\\rtf1 ", "<html><body>", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]
    ),
    st.binary(max_size=2048),
    st.sampled_from(NAMES),
)
def test_random_bytes_behind_a_real_signature_get_a_status(magic: str, tail: bytes, name: str) -> None:
    check(read_bytes(magic.encode("latin-1") + tail, name, LIMITS))


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_fixtures_of_every_format_get_a_status(case: tuple[bytes, str]) -> None:
    data, name = case
    check(read_bytes(data, name, LIMITS))


def test_the_unmutated_fixtures_read_ok() -> None:
    """The fuzz starts from files that read: otherwise it would only ever test the error path."""
    for fmt, data in fixtures().items():
        result = read_bytes(data, f"x.{fmt.rsplit('.', 1)[1]}", LIMITS)
        assert result.status == "ok", (fmt, result.message)
