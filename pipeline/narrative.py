"""Metrics stated in free text: numbers found by pipeline.numbers, read by the rule tables.

Reading rules (DESIGN.md): a figure introduced by 其中 is a breakdown of the total before it, not
the total; 截至目前/累计/...以来 since an earlier year make a figure cumulative unless the sentence
compares it with the previous year (同比, 同期相比); 截至 the report year's end stays annual; an
explicit "none" is the value 0 for the metric it names; growth figures are never counts.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from pipeline.catalog import BY_KEY
from pipeline.narrative_rules import (
    GROWTH_CLAUSE,
    GROWTH_LEAD,
    NUMERIC_RULES,
    TARGET_PREFIX,
    ZERO_CUE,
    ZERO_FORBID_BEFORE,
    ZERO_OTHER_MATTER,
    ZERO_TARGETS,
    NumericRule,
)
from pipeline.numbers import NumberSpan, find_numbers
from pipeline.record import DocumentMeta, MetricRecord

SENTENCE_END = "。;;!?!?\n"
CLAUSE_END = SENTENCE_END + ",,::"
_CLAUSE_STOP = re.compile(f"[{re.escape(CLAUSE_END)}]")
# How far the rules read before and after a number, however long its sentence or clause. Text
# without stops (a flattened table, a PDF without punctuation) made every number read the whole
# text: 40,000 numbers in 200 KB without a stop took 210 s. Twice the longest sentence of the
# real reports in ../shared (247 characters; 99% are under 150).
REACH = 500
_SPACES = re.compile(r"\s*")


def _optional(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def _max_width(pattern: re.Pattern[str]) -> int:
    """The most characters a match of `pattern` can span (lookbehinds not counted: they may look
    further back); a huge number when unbounded or when the regex parser cannot tell."""
    try:
        return re._parser.parse(pattern.pattern, pattern.flags).getwidth()[1]  # private but long-stable
    except Exception:  # any change in the private parser only costs the speed-up
        return sys.maxsize


@dataclass(frozen=True)
class _Compiled:
    """A NumericRule with its patterns compiled once (they are tried on every number of every text)."""

    rule: NumericRule
    lead: re.Pattern[str]
    # A lead match ends at the end of the clause text, so it starts at most lead_width characters
    # before it: the search starts there, not at every position of a long clause.
    lead_width: int
    forbid: re.Pattern[str] | None
    needs: re.Pattern[str] | None
    tail: re.Pattern[str] | None


def _compile(rule: NumericRule) -> _Compiled:
    lead = re.compile(f"(?:{rule.lead})$")
    # +1: $ also matches before a final line break (a stripped lead has none; the margin is free).
    width = _max_width(lead) + 1
    return _Compiled(rule, lead, width, _optional(rule.forbid), _optional(rule.needs), _optional(rule.tail))


_COMPILED = tuple(_compile(r) for r in NUMERIC_RULES)


class _UnitRules(NamedTuple):
    """The rules (in table order) that can accept a number with one unit, and their leads as one regex:
    it matches iff some rule's lead does, so most numbers are turned away by one search, not one each."""

    rules: tuple[_Compiled, ...]
    any_lead: re.Pattern[str]
    lead_width: int  # the widest lead: any_lead is searched from there


@lru_cache(maxsize=64)
def _rules_for_unit(unit: str) -> _UnitRules | None:
    """None when no rule reads this unit; a number without one also needs _bare_rate_ok."""
    rules = tuple(c for c in _COMPILED if unit in c.rule.units or (not unit and c.rule.allow_no_unit))
    if not rules:
        return None
    any_lead = re.compile("|".join(c.lead.pattern for c in rules))
    return _UnitRules(rules, any_lead, max(c.lead_width for c in rules))


_GROWTH_LEAD = re.compile(GROWTH_LEAD)
_GROWTH_CLAUSE = re.compile(GROWTH_CLAUSE)
_TARGET_PREFIX = re.compile(TARGET_PREFIX)
_RATE_METRICS = {"completion_rate", "satisfaction_rate"}

_CUMULATIVE = re.compile(
    r"累计|截[至止](?:到)?\s*(?:目前|今)|至今|迄今|(?:成立|运行|开办|启用|建成|挂牌|开通|试点)以来"
    r"|截[至止](?:到)?\s*\d{4}\s*年(?!\s*\d{1,2}\s*月|\s*(?:底|末|年底))"
)
_SINCE_YEAR = re.compile(r"(?:自|从)?(\d{4})\s*年[^,,。;]{0,12}以来")
_COMPARED = re.compile(r"同比|同期相比|比上年|较上年|比去年|较去年|与上年相比")
_THIS_YEAR = re.compile(r"全年|本年|今年|年内|本年度")
_QIZHONG_YEAR = re.compile(r"其中\s*[,,::]?\s*(?:\d{4}\s*年|全年|本年|今年)")


class _Stops:
    """Sentence and clause boundaries of one text: the stop offsets are found once per text, so the
    nearest stop before or after a position is a binary search, not a character-by-character walk."""

    def __init__(self, text: str) -> None:
        self.n = len(text)
        self.clauses = [m.start() for m in _CLAUSE_STOP.finditer(text)]
        # Every sentence stop is also a clause stop: picking them out is cheaper than a second scan.
        self.sentences = [p for p in self.clauses if text[p] in SENTENCE_END]
        self._text = text
        self._written: list[int] | None = None  # sentence stops that are punctuation, when asked

    # k = bisect_left(stops, pos): stops[k - 1] is the last stop before pos, stops[k] the first at or
    # after it. Written out in each method: they run for nearly every number of every text.
    def sentence_start(self, pos: int) -> int:
        """Just after the last sentence stop before `pos` (0 when none)."""
        k = bisect_left(self.sentences, pos)
        return self.sentences[k - 1] + 1 if k else 0

    def written_sentence_start(self, pos: int) -> int:
        """Just after the last stop written as punctuation (。;!?) before `pos`: line breaks
        also end sentences, but a PDF's wrapped lines break one sentence in several."""
        if self._written is None:
            self._written = [p for p in self.sentences if self._text[p] != "\n"]
        k = bisect_left(self._written, pos)
        return self._written[k - 1] + 1 if k else 0

    def clause_start(self, pos: int) -> int:
        k = bisect_left(self.clauses, pos)
        return self.clauses[k - 1] + 1 if k else 0

    def sentence_end(self, pos: int) -> int:
        """The first sentence stop at or after `pos` (the text's end when none)."""
        k = bisect_left(self.sentences, pos)
        return self.sentences[k] if k < len(self.sentences) else self.n

    def clause_end(self, pos: int) -> int:
        k = bisect_left(self.clauses, pos)
        return self.clauses[k] if k < len(self.clauses) else self.n


def _lead_end(text: str, span: NumberSpan) -> int:
    """Where the text before the number ends: its lead_start, less blanks before it (a number on its
    own line continues the sentence)."""
    pos = span.lead_start
    while pos > 0 and text[pos - 1] in " \t\n":
        pos -= 1
    return pos


def _extended_sentence_start(text: str, stops: _Stops, start: int) -> int:
    """A sentence opening with 其中 belongs to the one before it (全年…6.5万条。其中区政府…)."""
    if text.startswith("其中", _SPACES.match(text, start).end()) and start > 0:
        return stops.sentence_start(start - 1)
    return start


def scope_of(prefix: str, sentence: str, clause: str, year: int | None) -> str:
    """annual | cumulative for a value whose sentence text before it is `prefix`."""
    if _QIZHONG_YEAR.search(prefix):  # 其中2008年…: the year's own figure inside a cumulative sentence
        return "annual"
    if "累计" in clause:
        return "cumulative"
    if _COMPARED.search(sentence):
        return "annual"
    if _CUMULATIVE.search(prefix):
        return "annual" if _THIS_YEAR.search(clause) else "cumulative"
    for m in _SINCE_YEAR.finditer(prefix):
        if year is not None and int(m.group(1)) < year:
            return "cumulative"
    return "annual"


def _bare_rate_ok(span: NumberSpan, text: str) -> bool:
    """A number without a unit is read only by the rate rules (allow_no_unit: 办结率达到100): at most
    100, and not the start of a word (100个). The rules for a unit (_rules_for_unit) hold the rest."""
    if span.value > 100:
        return False
    nxt = text[span.end : span.end + 1]
    return not nxt or not (nxt.isalnum() and nxt not in "。,;")


def _record(
    metric: str,
    value: float,
    span_start: int,
    span_end: int,
    evidence: str,
    rule_id: str,
    scope: str,
    approx: bool,
    confidence: float,
) -> MetricRecord:
    return MetricRecord(
        metric=metric,
        value=value,
        unit=BY_KEY[metric].unit,
        scope=scope,
        approx=approx,
        evidence=evidence,
        start=span_start,
        end=span_end,
        method=f"narrative:{rule_id}",
        confidence=confidence,
    )


def _numeric_records(
    text: str, stops: _Stops, year: int | None, disclosure_report: bool = False
) -> list[MetricRecord]:
    found: list[tuple[MetricRecord, int, int]] = []  # record, sentence start, position of 其中 if breakdown
    # metric -> where its records start, ascending (numbers come in text order)
    starts: dict[str, list[int]] = {}
    headings = _Headings(text)
    for span in find_numbers(text):
        if not span.unit and not _bare_rate_ok(span, text):
            continue
        # Every check below is a pure filter, so the cheap ones come first: the rules the unit allows,
        # then those whose lead ends the clause; most numbers stop here without their sentence read.
        for_unit = _rules_for_unit(span.unit)
        if for_unit is None:
            continue
        lead_end = _lead_end(text, span)
        clause_start = max(stops.clause_start(lead_end), lead_end - REACH)
        lead = text[clause_start:lead_end].strip()  # the clause text before the number
        n = len(lead)
        if not for_unit.any_lead.search(lead, max(0, n - for_unit.lead_width)):
            continue
        rules = [
            c
            for c in for_unit.rules
            if c.lead.search(lead, max(0, n - c.lead_width)) and not (c.forbid and c.forbid.search(lead))
        ]
        if not rules:
            continue
        first_start = max(stops.sentence_start(lead_end), lead_end - REACH)
        if "|" in text[first_start : span.unit_end]:
            continue  # table rows belong to pipeline.tables
        sent_start = max(_extended_sentence_start(text, stops, first_start), first_start - REACH)
        sentence = text[sent_start : min(stops.sentence_end(span.unit_end), span.unit_end + REACH)]
        prefix = text[sent_start : span.lead_start]
        clause_full = text[clause_start : min(stops.clause_end(span.unit_end), span.unit_end + REACH)]
        if _GROWTH_LEAD.search(lead) or _GROWTH_CLAUSE.search(clause_full):
            continue
        if _TARGET_PREFIX.search(prefix):
            continue
        context = None  # the section heading + sentence, read only for a rule that needs it
        for compiled in rules:
            rule = compiled.rule
            # In a disclosure annual report the whole text is about information disclosure.
            if compiled.needs and not disclosure_report:
                if context is None:
                    context = headings.above(sent_start) + sentence
                if not compiled.needs.search(context):
                    continue
            if compiled.tail and not compiled.tail.match(text[span.unit_end : span.unit_end + 20]):
                continue
            if rule.chain and not _continues(starts.get(rule.chain, []), stops, sent_start, span.start):
                continue
            # 其中: a breakdown of the total before it (unless it names the year: 其中2008年…).
            qz = prefix.rfind("其中")
            breakdown = qz >= 0 and not _QIZHONG_YEAR.match(prefix[qz:])
            if breakdown and "其中" in lead:
                continue
            value = float(span.value)
            evidence = text[clause_start : span.unit_end].strip()
            scope = scope_of(prefix, sentence, lead, year)
            rec = _record(
                rule.metric,
                value,
                span.start,
                span.end,
                evidence,
                rule.rule_id,
                scope,
                span.approx,
                rule.confidence,
            )
            found.append((rec, sent_start, sent_start + qz if breakdown else -1))
            starts.setdefault(rec.metric, []).append(rec.start)
    # The first start of each metric and scope in each sentence: a breakdown after 其中 is dropped
    # when its metric was stated before 其中 in the same sentence (one lookup, not a scan of all).
    first: dict[tuple[str, str, int], int] = {}
    for rec, sent_start, _ in found:
        key = (rec.metric, rec.scope, sent_start)
        first[key] = min(first.get(key, rec.start), rec.start)
    return [
        rec for rec, sent_start, qz in found if qz < 0 or first[(rec.metric, rec.scope, sent_start)] >= qz
    ]


def _continues(starts: list[int], stops: _Stops, sent_start: int, pos: int) -> bool:
    """Whether the chained metric (its records' `starts`, ascending) was read earlier in the sentence
    of `pos` (受理X件,办结Y件), the sentence taken as written: "受理\n2.5万\n件,已办结2.4万件" wraps one
    sentence over three lines."""
    start = stops.written_sentence_start(sent_start)  # never after sent_start
    k = bisect_left(starts, start)
    return k < len(starts) and starts[k] < pos


_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|[((][一二三四五六七八九十]+[))]).{0,40}$", re.M)


class _Headings:
    """The heading lines of one text, found once; above(pos) is the nearest heading line above `pos`
    (五、因政府信息公开申请行政复议…) + "\\n", or '' (as scanning text[:pos] for the last one)."""

    def __init__(self, text: str) -> None:
        self.text = text
        found = list(_HEADING.finditer(text))
        self.starts = [m.start() for m in found]
        self.lines = [m.group(0) for m in found]

    def above(self, pos: int) -> str:
        # Lines before pos's own line match as in the whole text; pos's line is cut at pos, where $
        # also matches, so it is matched on its own.
        line_start = self.text.rfind("\n", 0, pos) + 1
        cut = _HEADING.match(self.text, line_start, pos)
        if cut:
            last = cut.group(0)
        else:
            k = bisect_left(self.starts, line_start)
            last = self.lines[k - 1] if k else ""
        return last + "\n" if last else ""


_ZERO_RE = re.compile(ZERO_CUE)
_ZERO_FORBID_BEFORE = re.compile(ZERO_FORBID_BEFORE)
_ZERO_OTHER_MATTER = re.compile(ZERO_OTHER_MATTER)
# Each ZeroTarget with its word patterns compiled once, in table order.
_ZERO_TARGETS = tuple((t, re.compile(t.words), _optional(t.requires)) for t in ZERO_TARGETS)


def _zero_records(text: str, stops: _Stops) -> list[MetricRecord]:
    out = []
    for m in _ZERO_RE.finditer(text):
        if not m.group(0):
            continue
        clause_start = max(stops.clause_start(m.start()), m.start() - REACH)
        clause_end = min(stops.clause_end(m.end()), m.end() + REACH)
        reach_back = max(0, m.start() - REACH)
        line_start = text.rfind("\n", reach_back, m.start()) + 1 or reach_back
        if "|" in text[line_start:clause_end]:
            continue
        before = text[clause_start : m.start()]
        words = text[m.end() : clause_end]
        if _ZERO_FORBID_BEFORE.search(before):
            continue
        for target, target_words, requires in _ZERO_TARGETS:
            hit = target_words.search(words[:40])
            if not hit:
                continue
            if _ZERO_OTHER_MATTER.search(words[: hit.start()] + words[hit.start() : hit.end()]):
                break
            if requires and not requires.search(words.strip()):
                break
            evidence = text[clause_start:clause_end].strip()
            for metric in target.metrics:
                out.append(
                    _record(metric, 0.0, m.start(), m.end(), evidence, target.rule_id, "annual", False, 0.8)
                )
            break
    return out


def _best(records: list[MetricRecord]) -> list[MetricRecord]:
    """One record per (metric, scope): the most confident, then the earliest."""
    best: dict[tuple[str, str], MetricRecord] = {}
    for r in sorted(records, key=lambda r: (-r.confidence, r.start)):
        best.setdefault((r.metric, r.scope), r)
    return sorted(best.values(), key=lambda r: r.start)


def extract_narrative(text: str, meta: DocumentMeta | None = None) -> list[MetricRecord]:
    """Every core catalogue metric stated in `text` (normalised), one record per metric and scope."""
    year = meta.year if meta else None
    disclosure = bool(meta and meta.doc_type == "disclosure_annual_report")
    stops = _Stops(text)  # found once, read by both
    records = _numeric_records(text, stops, year, disclosure) + _zero_records(text, stops)
    return _best(records)
