"""The standard post-2019 disclosure tables, however they were flattened: cells -> catalogue records."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.catalog import BY_KEY
from pipeline.record import MetricRecord
from pipeline.table_layout import BLANK, TEXT, VALUE_KINDS, Token, tokenize
from pipeline.table_rows import (
    GENERIC_MARKERS,
    OLD_ROWS,
    OPENS_WITH_ENUM,
    REVIEW_KEYS,
    REVIEW_WIDTH,
    ROW_RULES,
    SECTIONS,
    T2019,
    T2019_OLD,
    T2021,
    TEMPLATE_MARKERS,
    VARIANT_HEADERS,
    RowRule,
    label_text,
)

from .memo import MEMO_SIZE

CONFIDENCE = 0.95  # a complete row of a recognised table
CONFIDENCE_DROPPED = 0.6  # a row whose empty cells were dropped: only its total is placed
CONFIDENCE_INCONSISTENT = 0.7  # the table does not add up
INCONSISTENT = "table_inconsistent"
CELLS_DROPPED = "cells_dropped"
_MAX_SKIPPED_TEXT = 2  # continuation fragments of a label (or a unit cell) before its values


def detect_template(text: str) -> str | None:
    """ "2021" | "2019" | "2019_old" when `text` holds (part of) a standard-format report, else None."""
    old_rows = set(re.findall(TEMPLATE_MARKERS[0][0], text))
    if len(old_rows) >= 2 and "收到申请数" in text:
        return T2019_OLD
    for pattern, variant in TEMPLATE_MARKERS[1:]:
        if re.search(pattern, text):
            return variant
    if not re.search(GENERIC_MARKERS, text):
        return None
    # The 2021 revision applies from the 2021 reports on: the year most talked about decides.
    years = Counter(int(y) for y in re.findall(r"(20\d\d)\s*年", text))
    return T2021 if not years or years.most_common(1)[0][0] >= 2021 else T2019


@dataclass(slots=True)
class _Read:
    """One cell read into a catalogue key, before it becomes a record."""

    key: str
    cell: Token
    rule_id: str
    section: str
    row: tuple[int, int]  # span of the whole row (evidence)
    scale: float = 1.0
    confidence: float = CONFIDENCE
    flags: list[str] = field(default_factory=list)
    fixed: float | None = None  # a value computed from several cells (lawsuits)
    # Computed once here: the checks and the record read it several times (cell, scale, fixed never change).
    value: float = field(init=False)

    def __post_init__(self) -> None:
        if self.fixed is not None:
            self.value = self.fixed
        else:
            v = self.cell.value or 0.0
            self.value = round(v * self.scale, 6) if self.scale != 1.0 else v


# The label lookups below are pure and the standard tables repeat the same few hundred labels in
# every report, so each (label, context) is matched against the rule tables once per process.
@lru_cache(maxsize=MEMO_SIZE)
def _section_of(label: str, template: str) -> str | None:
    for s in SECTIONS:
        if template not in s.not_in and re.search(s.pattern, label):
            return s.section
    return None


@lru_cache(maxsize=MEMO_SIZE)
def _variant_of(label: str) -> str | None:
    for pattern, variant in VARIANT_HEADERS:
        if re.search(pattern, label):
            return variant
    return None


@lru_cache(maxsize=MEMO_SIZE)
def _rule_for(label: str, section: str | None, group: str, template: str) -> RowRule | None:
    for rule in OLD_ROWS if template == T2019_OLD else ROW_RULES:
        if template != T2019_OLD and rule.section != section and not rule.anywhere:
            continue
        if rule.within and group not in rule.within:
            continue
        if re.search(rule.pattern, label):
            return rule
    return None


def _known(label: str, section: str | None, group: str, template: str) -> bool:
    return bool(_section_of(label, template) or _rule_for(label, section, group, template))


def _is_boundary(tok: Token, template: str) -> bool:
    """A cell that starts something else: a section heading or another row's label."""
    return _starts_something(tok.text, template)


@lru_cache(maxsize=MEMO_SIZE)
def _starts_something(cell: str, template: str) -> bool:
    label = label_text(cell)
    if label is None:
        return True  # free text ends a row
    if _section_of(label, template) or OPENS_WITH_ENUM.match(label):
        return True  # a row's numbering starts a row, even one whose label was not recognised
    return any(re.search(r.pattern, label) for r in ROW_RULES + OLD_ROWS)


def _collect(tokens: list[Token], start: int, width: int, template: str) -> tuple[list[Token], int]:
    """Up to `width` cells after a row label; stops at the next label once a value has been seen."""
    cells: list[Token] = []
    skipped = 0
    j = start
    while j < len(tokens) and len(cells) < width:
        tok = tokens[j]
        if tok.kind == TEXT:
            if any(c.kind != BLANK for c in cells) or _is_boundary(tok, template):
                break
            skipped += 1
            if skipped > _MAX_SKIPPED_TEXT:
                break
            j += 1
            continue
        cells.append(tok)
        j += 1
    return cells, j


def _evidence_end(text: str, end: int) -> int:
    """Include the row's closing pipe, as the row appears in the text."""
    m = re.match(r"[ ]*\|", text[end:])
    return end + m.end() if m else end


def _row_reads(
    rule: RowRule, keys: tuple[str, ...], label: Token, cells: list[Token], cut: bool, text: str
) -> list[_Read]:
    """The reads of one row; a row cut by the end of the text gives nothing (nothing invented)."""
    if not cells or cut and (len(cells) < len(keys) or not cells[-1].closed):
        return []
    span = (label.start, _evidence_end(text, cells[-1].end))
    if len(cells) == len(keys) and all(c.closed for c in cells):
        return [
            _Read(k, c, rule.rule_id, rule.section, span, rule.scale)
            for k, c in zip(keys, cells, strict=True)
            if k and c.kind in VALUE_KINDS
        ]
    # Empty cells dropped: positions are lost, only the row total (last column) can be placed.
    values = [c for c in cells if c.kind in VALUE_KINDS]
    if not rule.total_last or not values:
        return []
    head = sum(c.value or 0.0 for c in values[:-1])
    if len(values) > 1 and head != values[-1].value:
        return []
    return [
        _Read(
            keys[-1],
            values[-1],
            rule.rule_id,
            rule.section,
            span,
            rule.scale,
            CONFIDENCE_DROPPED,
            [CELLS_DROPPED],
        )
    ]


def _review_reads(tokens: list[Token], i: int, text: str) -> tuple[list[_Read], int]:
    """The review table's data row: 3 groups x 5 outcomes in a run of cells, read by position."""
    j = i
    while j < len(tokens) and tokens[j].kind != TEXT:
        j += 1
    run = tokens[i:j]
    width = len(REVIEW_KEYS)
    while len(run) > width and run[0].kind == BLANK:  # blank header cells just before the data row
        run = run[1:]
    if all(c.kind == BLANK for c in run):
        return [], j
    if len(run) < width:
        if j < len(tokens):
            return [], j  # cells dropped inside the row: positions unknown
        usable = run if run[-1].closed else run[:-1]  # a table cut off: complete groups only
        run = usable[: len(usable) // REVIEW_WIDTH * REVIEW_WIDTH]
    run = run[:width]
    if not run:
        return [], j
    span = (run[0].start, _evidence_end(text, run[-1].end))
    reads = [
        _Read(k, c, "review.row", "review", span)
        for k, c in zip(REVIEW_KEYS, run, strict=False)
        if c.kind in VALUE_KINDS
    ]
    return reads, j


def _read_cells(text: str, template: str) -> list[_Read]:
    tokens = tokenize(text)
    reads: list[_Read] = []
    section: str | None = T2019_OLD if template == T2019_OLD else None
    variant, group, review_done = template, "", False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind != TEXT:
            if section == "review" and not review_done and tok.kind != BLANK:
                got, i = _review_reads(tokens, i, text)
                review_done = bool(got)
                reads.extend(got)
                continue
            i += 1
            continue
        label = label_text(tok.text)
        i += 1
        if label is None:
            continue
        if i < len(tokens) and not _known(label, section, group, template):
            # a heading or label broken over two cells (a line break inside it)
            joined = label_text(label + tokens[i].text) if tokens[i].kind == TEXT else None
            if joined and _known(joined, section, group, template):
                label, i = joined, i + 1
        new_section = _section_of(label, template)
        if new_section and new_section != section:
            section, group, variant = new_section, "", template
        variant = _variant_of(label) or variant
        rule = _rule_for(label, section, group, template)
        if rule is None:
            continue
        if rule.anywhere and section != rule.section:
            section = rule.section
        group = rule.sets or group
        keys = rule.columns.get(variant if variant in rule.columns else T2021, ())
        cells, i = _collect(tokens, i, len(keys), template)
        reads.extend(_row_reads(rule, keys, tok, cells, i >= len(tokens), text))
    return reads


def _flag(reads: list[_Read]) -> None:
    for r in reads:
        r.confidence = min(r.confidence, CONFIDENCE_INCONSISTENT)
        if INCONSISTENT not in r.flags:
            r.flags.append(INCONSISTENT)


def _close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6


def _check_columns(reads: list[_Read]) -> None:
    """Per request row: the 总计 column equals the sum of the applicant columns."""
    rows: dict[tuple[str, tuple[int, int]], list[_Read]] = {}
    for r in reads:
        if r.section == "requests" and CELLS_DROPPED not in r.flags:
            rows.setdefault((r.rule_id, r.row), []).append(r)
    for row in rows.values():
        totals = [r for r in row if "." not in r.key]
        parts = [r for r in row if "." in r.key]
        if totals and parts and not _close(sum(p.value for p in parts), totals[0].value):
            _flag(row)


_OUTCOME_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("requests_granted", ()),
    ("requests_partially_granted", ()),
    ("requests_denied", ("denied_",)),
    ("requests_unavailable", ("unavailable_",)),
    ("requests_not_processed", ("not_processed_",)),
    ("requests_other_handling", ("other_no_correction", "other_unpaid_fee", "other_other")),
)


def _check_totals(by_key: dict[str, _Read]) -> None:
    """Outcome rows add up to 总计; new + carried over = concluded + carried forward; review totals."""
    concluded = by_key.get("requests_concluded")
    if concluded and "requests_granted" in by_key and "requests_partially_granted" in by_key:
        used: list[_Read] = []
        plain = [(k, r) for k, r in by_key.items() if "." not in k]  # not per applicant: filtered once
        for subtotal, prefixes in _OUTCOME_GROUPS:
            parts = [r for k, r in plain if k.startswith(prefixes)] if prefixes else []
            used.extend([by_key[subtotal]] if subtotal in by_key else parts)
        if not _close(sum(r.value for r in used), concluded.value):
            _flag(used + [concluded])
    balance = (
        "disclosure_requests",
        "requests_carried_over",
        "requests_concluded",
        "requests_carried_forward",
    )
    if all(k in by_key for k in balance):
        new, carried, done, forward = (by_key[k] for k in balance)
        if not _close(new.value + carried.value, done.value + forward.value):
            _flag([new, carried, done, forward])
    for group in ("reconsideration", "lawsuit_direct", "lawsuit_after_review"):
        total_key = "admin_reconsiderations" if group == "reconsideration" else f"{group}_total"
        parts = [by_key.get(f"{group}_{o}") for o in ("upheld", "corrected", "other", "pending")]
        total = by_key.get(total_key)
        present = [p for p in parts if p is not None]
        inside_row = total is not None and total.rule_id == "review.row"
        if inside_row and present and not _close(sum(p.value for p in present), total.value):
            _flag(present + [total])


def _lawsuits(by_key: dict[str, _Read]) -> _Read | None:
    """The core key lawsuits = lawsuits without + after reconsideration (both must be read)."""
    direct, after = by_key.get("lawsuit_direct_total"), by_key.get("lawsuit_after_review_total")
    if direct is None or after is None or "lawsuits" in by_key:
        return None
    total = direct.value + after.value
    cell = direct.cell if _close(direct.value, total) else after.cell if _close(after.value, total) else None
    if cell is None:  # no single cell holds the sum: point at the span of both totals
        cell = Token(direct.cell.kind, "", direct.cell.start, after.cell.end, True)
    flags = list(dict.fromkeys(direct.flags + after.flags))
    confidence = min(direct.confidence, after.confidence)
    return _Read("lawsuits", cell, "review.lawsuits", "review", direct.row, 1.0, confidence, flags, total)


# MetricRecord's fields in order: records are built with positional arguments, several times faster
# than keywords for a dataclass __init__ (a table report gives ~200 records). Checked at import.
_RECORD_FIELDS = (
    "metric", "value", "unit", "scope", "approx", "evidence", "start", "end", "method", "confidence", "flags",
)  # fmt: skip
assert tuple(MetricRecord.__dataclass_fields__) == _RECORD_FIELDS


def _record(r: _Read, text: str) -> MetricRecord:
    cell = r.cell
    return MetricRecord(
        r.key,  # metric
        float(r.value),
        BY_KEY[r.key].unit,
        "annual",  # scope
        False,  # approx
        text[r.row[0] : r.row[1]],  # evidence
        cell.start,
        cell.end,
        f"table:{r.section}:{r.rule_id}",  # method
        r.confidence,
        ";".join(r.flags),
    )


def extract_tables(text: str) -> list[MetricRecord]:
    """Every cell of the standard tables in `text` (normalised) as catalogue records.

    Blank and not-applicable cells give no record; a table that does not add up keeps its values
    with lower confidence and the flag table_inconsistent.
    """
    template = detect_template(text)
    if template is None:
        return []
    by_key: dict[str, _Read] = {}
    for r in _read_cells(text, template):
        by_key.setdefault(r.key, r)  # the first table wins over a later repetition
    _check_columns(list(by_key.values()))
    _check_totals(by_key)
    summed = _lawsuits(by_key)
    if summed is not None:
        by_key["lawsuits"] = summed
    # Records in order of start (their cell's start): sorting the reads first gives the same order.
    return [_record(r, text) for r in sorted(by_key.values(), key=_cell_start)]


def _cell_start(r: _Read) -> int:
    return r.cell.start
