"""One identity per agency across name variants, regions and renamings; the analyst's file comes first.

A name is read as region + zone + township + body (厦门市 / 海沧区 / - / 发展和改革局); abbreviations
and renamings are folded with the rows of pipeline.agency_rules; the region comes from the name and,
where the name is silent, from the text: address, 邮编, phone area code, cited regulations, mentions.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from pipeline import agency_rules as R
from pipeline import divisions as D
from pipeline.analyst_files import AnalystFileError, read_analyst_text
from pipeline.record import DocumentMeta
from pipeline.text import to_simplified

from .memo import MEMO_SIZE

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TABLE = REPO / "data" / "agencies.csv"
TABLE_COLUMNS = ("agency_id", "canonical_name", "region", "level", "kind", "aliases", "successor_of")
CONFIDENT = 0.7  # below this a resolution is listed by propose()


@dataclass
class AgencyIdentity:
    agency_id: str
    agency: str  # canonical name
    region: str | None = None  # region path as text, e.g. 山东省/淄博市/高新技术产业开发区
    province: str | None = None
    city: str | None = None
    county: str | None = None
    region_code: str | None = None  # 6-digit adcode of the deepest known division
    level: str | None = None  # national | province | city | county | township | unknown
    kind: str | None = None  # a key of agency_rules.KIND_LABELS
    confidence: float = 0.0
    source: str = ""  # analyst | text | none
    candidates: list[str] = field(default_factory=list)  # names the text offered, best first


# ---------------------------------------------------------------------------------------------
# Reading a name


class _CharTable:
    """What to_simplified does to each character met so far, and a regex for the characters of a text
    that may still change: the regex engine finds them in microseconds, where a Python set of every
    character of a report costs ~80 ns a character. The regex leaves out the characters known to stay
    as they are and is rebuilt once enough new ones are known (a rebuild costs about a millisecond)."""

    REBUILD_AFTER = 64

    def __init__(self) -> None:
        self.unchanged: set[str] = set()
        self.changed: dict[str, str] = {}
        self._left_out = 0  # how many of `unchanged` the regex leaves out
        self._unsettled = re.compile(r"[^\x00-\u2e7f]")  # to_simplified keeps everything below U+2E80

    def simplified(self, text: str) -> str:
        found = set(self._unsettled.findall(text))
        if not found:
            return text
        for ch in found - self.unchanged - self.changed.keys():
            simple = to_simplified(ch)
            if simple == ch:
                self.unchanged.add(ch)
            else:
                self.changed[ch] = simple
        if len(self.unchanged) - self._left_out >= self.REBUILD_AFTER:
            self._left_out = len(self.unchanged)
            self._unsettled = re.compile("[^\\x00-\\u2e7f" + "".join(sorted(self.unchanged)) + "]")
        table = {ord(ch): self.changed[ch] for ch in found if ch in self.changed}
        return text.translate(table) if table else text


_CHARS = _CharTable()


def _simplified(text: str) -> str:
    """to_simplified(text), looked up once per distinct character: a report repeats a few hundred
    characters thousands of times, mostly simplified already."""
    return _CHARS.simplified(text)


_NOISE = re.compile(r"[\s\"'“”‘’《》〈〉<>「」【】·•:,。;|*]")


@lru_cache(maxsize=MEMO_SIZE)
def clean_name(name: str | None) -> str:
    """NFKC, simplified characters, no spaces or quotes: the form names are compared in."""
    if not name:
        return ""
    text = to_simplified(unicodedata.normalize("NFKC", name))
    return _NOISE.sub("", text).strip("-_")


# Name readings are pure functions of the name and are asked for thousands of times per document
# (every candidate against every other and every analyst row), so they are cached; a ParsedName is
# immutable, and its derived properties are computed once per instance.
@dataclass(frozen=True)
class ParsedName:
    text: str
    places: tuple[tuple[D.Division, ...], ...] = ()  # each named division with its readings
    generic: str | None = None  # level of a stand-in like 市/区 (市政务服务中心)
    zone: str | None = None
    township: str | None = None
    body: str = ""
    national: bool = False

    @property
    def chain(self) -> list[D.Division]:
        """The deepest division the name settles, with its ancestors."""
        settled = [opts[0] for opts in self.places if len(opts) == 1]
        return D.chain(settled[-1]) if settled else []

    @property
    def has_region(self) -> bool:
        return bool(self.places or self.zone or self.township or self.national)

    @cached_property
    def level(self) -> str | None:
        if self.national:
            return "national"
        if self.township:
            return "township"
        if self.zone:
            return "county"
        if self.places:
            levels = {d.level for d in self.places[-1]}
            if len(levels) == 1:
                return levels.pop()
        return self.generic

    @property
    def core(self) -> str:
        """The body without a leading 人民政府 (西安市人民政府政务服务中心 = 西安市政务服务中心)."""
        for pre in ("人民政府", "政府"):
            rest = self.body[len(pre) :]
            if self.body.startswith(pre) and rest and rest not in ("办公室", "办公厅"):
                return rest
        return self.body

    @cached_property
    def family(self) -> str:
        return R.body_family(self.core)

    @cached_property
    def codes_by_level(self) -> dict[str, frozenset[str]]:
        """Division codes the name allows at each level (an ambiguous name only constrains its own)."""
        out: dict[str, set[str]] = defaultdict(set)
        for opts in self.places:
            for d in opts:
                for x in D.chain_of(d):
                    if len(opts) == 1 or x == d:
                        out[x.level].add(x.code)
        return {level: frozenset(codes) for level, codes in out.items()}

    @cached_property
    def kind(self) -> str:
        if self.township and self.body in ("人民政府", "办事处"):
            return "subdistrict" if self.township.endswith("街道") else "township_government"
        if self.zone and self.body in ("管理委员会", "人民政府"):
            return "zone_committee"
        return R.kind_of(self.body)


def _alternates(name: str) -> list[str]:
    """A(B) names one body twice: 开发区(白洋街道), 区审管办(公管办)."""
    inner = re.findall(r"\(([^()]{2,40})\)", name)
    outer = re.sub(r"\([^()]*\)", "", name)
    return [n for n in [outer, *inner] if n]


@lru_cache(maxsize=1)
def _zone_abbreviations() -> list[R.Abbreviation]:
    return sorted(R.ZONE_ABBREVIATIONS, key=lambda a: len(a.short), reverse=True)


_ZONE = re.compile(r"^([\u4e00-\u9fff]{0,8}?)(" + "|".join(R.ZONE_SUFFIXES) + ")")
_TOWNSHIP = re.compile(
    r"^([^我本全该各其\W\d][\u4e00-\u9fff]{0,7}?)(街道|镇|乡)(?=人民政府|政府|办事处|街道办|党委|$)"
)
# A short place name (淄博) glued to one of these is part of a longer place name (朝阳乡), not a region.
_PLACE_CONTINUES = set("乡镇街区县市路村州旗盟")


def _division_at(text: str, i: int) -> str | None:
    for length in D._first_char_lengths().get(text[i], ()) if i < len(text) else ():
        word = text[i : i + length]
        if len(word) == length and D.lookup(word):
            full = any(d.name == word for d in D.lookup(word))
            if not full and text[i + length : i + length + 1] in _PLACE_CONTINUES:
                continue
            return word
    return None


def _settle(places: list[tuple[D.Division, ...]]) -> list[tuple[D.Division, ...]]:
    """Narrow each name's readings to those inside the names before it (北京市朝阳区 -> Beijing's)."""
    out: list[tuple[D.Division, ...]] = []
    for opts in places:
        before = [o[0] for o in out if len(o) == 1]
        if before:
            inside = tuple(o for o in opts if D.contains(before[-1], o) and o != before[-1])
            if not inside and all(o in D.chain_of(before[-1]) for o in opts):
                continue  # a repeat of a larger name already read
            opts = inside or opts
        out.append(opts)
    return out


def _expand_body(body: str) -> str:
    for row in R.BODY_EXACT:
        if body == row.short:
            return row.full
    for row in R.BODY_ABBREVIATIONS:
        if body.startswith(row.short) and not body.startswith(row.full):
            for suffix, full_suffix in R.STEM_SUFFIXES:
                if body == row.short + suffix:
                    return row.full + full_suffix
    if body.endswith("委") and len(body) > 2:
        return body + "员会"
    if body == "管委会":
        return "管理委员会"
    return body


def parse_name(name: str | None) -> list[ParsedName]:
    """Every reading of a name (one per alternate in parentheses)."""
    return list(_readings(name))


@lru_cache(maxsize=MEMO_SIZE)
def _readings(name: str | None) -> tuple[ParsedName, ...]:
    text = clean_name(name)
    return tuple(_parse_one(alt) for alt in _alternates(text)) if text else ()


def _parse_one(s: str) -> ParsedName:
    if s.startswith(R.NATIONAL_PREFIXES):
        return ParsedName(s, body=_expand_body(s), national=True)
    i, words = 0, []
    while i < len(s):
        word = _division_at(s, i)
        if word:
            words.append(word)
            i += len(word)
            continue
        filler = next((f for f in R.LEVEL_FILLERS if s.startswith(f, i)), None)
        if filler:
            i += len(filler)
            continue
        break
    generic = None
    if not words and i < len(s) - 1 and s[i] in R.GENERIC_REGION and s[i + 1] not in "场域委":
        generic = R.GENERIC_REGION[s[i]]
        i += 1
    rest = s[i:]
    zone = None
    for row in _zone_abbreviations():
        if rest.startswith(row.short):
            zone, rest = row.full, rest[len(row.short) :]
            break
    else:
        m = _ZONE.match(rest)
        if m and not re.search("[局办委中心]", m.group(1)):
            zone, rest = m.group(0), rest[m.end() :]
    township = None
    m = _TOWNSHIP.match(rest)
    if m:
        township, rest = m.group(0), rest[m.end() :]
    body = rest
    if township and body in ("", "人民政府", "政府", "街道办", "办事处"):
        body = "办事处" if township.endswith("街道") else "人民政府"
    elif zone and body in ("", "人民政府", "政府", "管委会"):
        body = "管理委员会"
    elif body == "" and (words or generic):
        body = "人民政府"
    body = _expand_body(body)
    if body.startswith("政府"):
        body = "人民" + body
    places = _settle([D.lookup(w) for w in words])
    return ParsedName(s, tuple(places), generic, zone, township, body)


def _level_compatible(a: ParsedName, b: ParsedName) -> bool:
    la, lb = a.level, b.level
    if not la or not lb or la == lb:
        return True
    # a county-level city (平度市) is what its own report calls 市
    for x, y in ((a, b), (b, a)):
        if x.generic == "city" and y.level == "county" and y.places and y.places[-1][0].name.endswith("市"):
            return True
    return False


def _places_compatible(a: ParsedName, b: ParsedName) -> bool:
    pa, pb = a.codes_by_level, b.codes_by_level
    for level in ("province", "city", "county"):
        if pa.get(level) and pb.get(level) and not pa[level] & pb[level]:
            return False
    # A development zone is a place of its own: a county's body (博山区行政审批局) is not a zone's
    # (高新区政务服务中心), nor is the county's own the one of a zone inside it (淄川区经济开发区…).
    if bool(a.zone) != bool(b.zone) and (pa.get("county") or pb.get("county")):
        return False
    for attr in ("zone", "township"):
        va, vb = getattr(a, attr), getattr(b, attr)
        if va and vb and va != vb and not (va.endswith(vb) or vb.endswith(va)):
            return False
    return True


@lru_cache(maxsize=MEMO_SIZE)
def same_body(predicted: str | None, gold: str | None) -> bool:
    """Whether two names denote the same body: same body after abbreviations and renamings, and
    regions that do not contradict each other (a name may leave its region out, not name another)."""
    if not predicted or not gold:
        return not predicted and not gold
    for a in _readings(predicted):
        for b in _readings(gold):
            if not a.body or a.family != b.family or a.national != b.national:
                continue
            if _level_compatible(a, b) and _places_compatible(a, b):
                return True
    return False


# ---------------------------------------------------------------------------------------------
# Evidence in the text


@dataclass(frozen=True)
class Candidate:
    name: str
    source: str  # rule id of where it was found
    weight: float


_YEAR = re.compile(r"(?:19|20)\d{2}\s*年(?:度)?|20[*X]{2}\s*年(?:度)?|[〇○零一二]{4}年")
_DOC_WORDS = re.compile(
    r"(?:政府信息公开|政府信息|信息公开|政务公开|工作总结|工作年度报告|年度报告|工作报告|年报|工作计划|上半年|工作设想|关于|度信息)"
)
_ENUMERATION = re.compile(
    r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十\d]+\)|第[一二三四五六七八九十\d]+篇)"
)
_TITLE_SPLIT = re.compile(r"[:_|]| - ")
_SENTENCE = re.compile(r"[。,;!?]")
_CANDIDATE_CUT = re.compile(
    r"(?:政府信息公开|信息公开|政务公开|领导小组|综合科|信息室|联系|网站|门户|以下简称)"
)
_TEXT_PATTERNS: tuple[tuple[str, re.Pattern[str], float], ...] = (
    ("text.publisher", re.compile(r"发布机构[:|\s]*([^\s|]{2,40})"), 5.0),
    ("text.source", re.compile(r"(?:信息来源|发布来源|来源)[:|\s]*([^\s|]{2,40})"), 3.0),
    ("text.compiled_by", re.compile(r"由([^,。;、]{2,60}?)(?:结合[^,。]{0,12})?编制"), 4.0),
    (
        "text.publishes",
        re.compile(r"(?:编制|公布|发布)了?([^,。;《》]{2,40}?)(?:(?:19|20)\d{2}年|政府信息公开|信息公开)"),
        4.0,
    ),
    ("text.contact", re.compile(r"请与([^,。;]{2,40}?)联系"), 2.0),
    (
        "text.subject",
        # at the start of the text or of a line (read as `(?:^|\n)`, which the engine tries at every character)
        re.compile(
            r"(?m:^)(?:19|20)\d{2}年度?,([^,。;]{2,30}?)(?:以|坚持|认真|深入|紧紧|全面|严格|按照|围绕|始终|持续|进一步)"
        ),
        2.0,
    ),
)


@lru_cache(maxsize=MEMO_SIZE)
def _trim(name: str) -> str:
    """A name without what clings to it in a sentence: 编制大竹县自然资源局 -> 大竹县自然资源局."""
    name = clean_name(name)
    m = _CANDIDATE_CUT.search(name)
    if m:
        name = name[: m.start()]
    if name and not _division_at(name, 0):
        for start, _, _ in D.scan(name)[:1]:
            if start > 0 and name[start - 1] not in R.GENERIC_REGION:
                name = name[start:]
    name = re.sub(r"^(?:[A-Za-z0-9.\-]+)", "", name)
    return re.sub(r"[A-Za-z0-9.\-]+$", "", name)


# Words of a sentence around a name, never of a name (作为, 加强 ...).
_VERBS = re.compile(
    r"市县|县区|各级|作为|加强|完善|明确|编制|开展|推进|落实|根据|按照|负责|关于|请与|认真|进一步|以及|和各|等"
)
_SENTENCE_START = re.compile(r"^(?:为|根据|按照|依据|现将|现|本|我|该|各|全|对|在|经|由|将|请|如|从)")


@lru_cache(maxsize=MEMO_SIZE)
def _plausible(name: str) -> bool:
    if not 2 <= len(name) <= 40 or re.search(r"[a-zA-Z0-9]", name):
        return False
    if _SENTENCE_START.match(name) and not _division_at(name, 0):
        return False
    if _VERBS.search(name):
        return False
    readings = _readings(name)
    bare = ("人民政府", "办事处", "管理委员会")
    return any(
        p.body and (p.kind != "other" or p.has_region) and (p.has_region or p.generic or p.body not in bare)
        for p in readings
    )


_DATE_LIKE = re.compile(r"\d+月|年\d|^\d")


def _edge_lines(text: str, first: int, last: int) -> tuple[list[str], list[str]]:
    """The first and the last non-blank lines, stripped of spaces and table pipes (the middle of the
    text, most of it, is not stripped)."""
    pieces = text.split("\n")
    head: list[str] = []
    for ln in pieces:
        if len(head) == first:
            break
        if ln.strip(" |"):
            head.append(ln.strip(" |"))
    tail: list[str] = []
    for ln in reversed(pieces):
        if len(tail) == last:
            break
        if ln.strip(" |"):
            tail.append(ln.strip(" |"))
    return head, tail[::-1]


def name_candidates(text: str, meta: DocumentMeta | None = None) -> list[Candidate]:
    """Agency names the document offers: metadata, title, 发布机构, 来源, 由X编制, signature, contact."""
    out: list[Candidate] = []

    def add(name: str | None, source: str, weight: float) -> None:
        name = _trim(name or "")
        if _plausible(name):
            out.append(Candidate(name, source, weight))

    if meta is not None:
        add(meta.agency, "meta.agency", 3.0)
        for c in meta.agency_candidates:
            add(c, "meta.candidate", 2.0)
    first_lines, last_lines = _edge_lines(text, 8, 6)
    for n, line in enumerate(first_lines):
        if len(line) > 80 or "《" in line:
            continue  # a sentence, not a title
        for segment in _TITLE_SPLIT.split(_ENUMERATION.sub("", line)):
            segment = _YEAR.sub("", segment.replace("标题", ""))
            m = _DOC_WORDS.search(segment)
            had_doc_word = bool(m)
            head = segment[: m.start()] if m else segment
            if (had_doc_word or n < 3) and len(head) <= 40 and not _SENTENCE.search(head):
                add(head, "title", 5.0 if had_doc_word else 4.0)
    for line in reversed(last_lines):
        if len(line) <= 40 and not _SENTENCE.search(line) and not _DATE_LIKE.search(line):
            add(line, "signature", 5.0)
    head = text[:3000]
    for rule, pattern, weight in _TEXT_PATTERNS:
        for m in pattern.finditer(head if rule != "text.contact" else text):
            add(m.group(1), rule, weight)
    out.extend(_mentioned_bodies(text))
    return out


_SELF_REFERENCE: tuple[tuple[str, str], ...] = (
    ("我局|本局", "bureau"),
    ("我中心|本中心", "service_centre"),
    ("我镇|本镇|我乡|本乡", "township_government"),
    ("我街|本街道", "subdistrict"),
    ("我办|本办", "office"),
    ("我委|本委", "commission"),
)
_BODY_AFTER = re.compile(r"[\u4e00-\u9fff]{0,12}?(?:分局|局|中心|办公室|委员会|人民政府|办事处)")


# All self-references in one pass of the regex engine, not one pass per kind. No word can start inside
# another (each starts with 我 or 本, neither of which occurs later in a word), so the counts are the
# ones each kind's own search would give.
_SELF_WORDS = re.compile("|".join(words for words, _ in _SELF_REFERENCE))
_SELF_KIND_OF = {word: kind for words, kind in _SELF_REFERENCE for word in words.split("|")}


def self_kind(text: str) -> str | None:
    """The kind of body a report speaks as (我局 -> bureau), by the most frequent self-reference."""
    counts = dict.fromkeys((kind for _, kind in _SELF_REFERENCE), 0)
    for word in _SELF_WORDS.findall(text):
        counts[_SELF_KIND_OF[word]] += 1
    kind, n = max(counts.items(), key=lambda kv: kv[1])
    return kind if n else None


def _mentioned_bodies(text: str) -> list[Candidate]:
    """Region-prefixed body names in the running text (厦门市海沧区发改局), weighted up when they are
    of the kind the report speaks as (我局), so a report that never states its own name still finds it."""
    hint = self_kind(text)
    hits = D.scan(text)
    counts: dict[str, float] = defaultdict(float)
    i = 0
    while i < len(hits):
        start, end = hits[i][0], hits[i][1]
        while i + 1 < len(hits) and hits[i + 1][0] == end:
            i += 1
            end = hits[i][1]
        i += 1
        m = _BODY_AFTER.match(text, end)
        if not m:
            continue
        name = _trim(text[start : m.end()])
        if not _plausible(name):
            continue
        parsed = _readings(name)[0]
        step = 1.0 if hint and parsed.kind == hint else 0.25
        counts[name] = min(3.0 if step == 1.0 else 1.0, counts[name] + step)
    return [Candidate(n, "text.mention", w) for n, w in counts.items()]


@dataclass(frozen=True)
class Evidence:
    source: str  # rule id
    found: str  # the words it rests on
    options: tuple[D.Division, ...]
    weight: float


_ADDRESS = re.compile(r"(?:通讯地址|办公地址|地址|地点)[:]?\s*([^,;()\n]{2,40})")
_POSTCODE = re.compile(r"(?:邮编|邮政编码)[:]?\s*(\d{6})(?!\d)")
# `0(?<![\d.]0)` is "a 0 not after a digit or dot" written 0 first, so the engine skips to 0/电/传/热.
_PHONE = re.compile(
    r"(0(?<![\d.]0)\d{2,3})\s*[-—–－]\s*\d{7,8}(?!\d)|(?:电话|传真|热线)[:]?\s*\(?(0\d{2,3})\)?\s*\d{7,8}(?!\d)"
)
_CITATION = re.compile(r"《([^》]{2,60})》")
_PARENT = re.compile(r"是([^,。]{2,20}?)(?:人民政府|政府)的派出机构")
MENTION_CAP = 3.0  # weak mentions of one place count at most this much


def _names_in(text: str) -> list[tuple[str, tuple[D.Division, ...]]]:
    out = []
    for _start, end, word in D.scan(text):
        opts = D.lookup(word)
        full = any(d.name == word for d in opts)
        if not full and text[end : end + 1] in _PLACE_CONTINUES:
            continue
        out.append((word, opts))
    return out


def region_evidence(text: str, candidates: list[Candidate], meta_region: str | None = None) -> list[Evidence]:
    """Places the document points at, each with how much it says about the agency's own region."""
    ev: list[Evidence] = []
    for c in candidates:
        for p in _readings(c.name):
            for opts in p.places:
                ev.append(Evidence(f"name.{c.source}", c.name, opts, 2.0 * c.weight))
    if meta_region:
        for word, opts in _names_in(clean_name(meta_region)):
            ev.append(Evidence("meta.region", word, opts, 8.0))
    for m in _ADDRESS.finditer(text):
        for word, opts in _names_in(m.group(1)):
            ev.append(Evidence("address", word, opts, 6.0))
    for m in _POSTCODE.finditer(text):
        div = D.postcode_region(m.group(1))
        if div:
            ev.append(Evidence("postcode", m.group(1), (div,), 5.0))
    for m in _PHONE.finditer(text):
        div = D.area_code_region(m.group(1) or m.group(2))
        if div:
            ev.append(Evidence("phone_area_code", m.group(1) or m.group(2), (div,), 4.0))
    for m in _PARENT.finditer(text):
        for word, opts in _names_in(m.group(1)):
            ev.append(Evidence("parent", word, opts, 8.0))
    cited = set()
    for m in _CITATION.finditer(text):
        cited.update(range(m.start(), m.end()))
        for word, opts in _names_in(m.group(1)):
            ev.append(Evidence("citation", word, opts, 1.5))
    mentions: dict[str, float] = defaultdict(float)
    for start, end, word in D.scan(text):
        opts = D.lookup(word)
        if start in cited or (
            not any(d.name == word for d in opts) and text[end : end + 1] in _PLACE_CONTINUES
        ):
            continue
        if mentions[word] < MENTION_CAP:
            mentions[word] += 1.0
            ev.append(Evidence("mention", word, opts, 1.0))
    return ev


class Placed(NamedTuple):
    """Where the evidence puts a document: the most supported chain, a 0..1 confidence, and the part
    of the chain the text settles (shorter when a county was one guess among its namesakes)."""

    chain: list[D.Division]
    confidence: float
    settled: list[D.Division]


def infer_region(evidence: list[Evidence]) -> Placed:
    """The most supported chain of divisions and a 0..1 confidence.

    Scores flow up (a county's evidence supports its city and province); the province is chosen first,
    then the city inside it, then the county inside that. A city needs more than one weak mention, a
    county more than a passing one, so a place the report merely visited does not become its home.
    """
    score: dict[str, float] = defaultdict(float)
    direct: set[str] = set()  # cities named as such, not only through a county they contain

    def credit(d: D.Division, share: float) -> None:
        if d.level == "city":
            direct.add(d.code)
        for x in D.chain_of(d):
            score[x.code] += share
        city = D.city_of(d)
        if city and city.level == "province":  # a municipality is its own city
            score["city:" + city.code] += share

    for e in evidence:
        if len(e.options) == 1:
            credit(e.options[0], e.weight)
    # A name several places share (鼓楼区: 南京, 徐州, 福州, 开封) backs the readings the unambiguous
    # evidence supports (a phone area code 0591), in proportion. Split evenly, it outvoted that
    # evidence: a province with two of the homonyms won on the name alone. With no reading supported
    # it is still split evenly, and the ties fall to the table's order: a guess, but the same one for
    # every document of that name, and the name keeps its county.
    support = dict(score)
    unbacked: list[tuple[D.Division, ...]] = []  # readings of shared names nothing else told apart
    for e in evidence:
        if len(e.options) < 2:
            continue
        backing = [sum(support.get(x.code, 0.0) for x in D.chain_of(d)) for d in e.options]
        total_backing = sum(backing)
        if total_backing > 0:
            for d, b in zip(e.options, backing, strict=True):
                if b > 0:
                    credit(d, e.weight * b / total_backing)
        else:
            unbacked.append(e.options)
            for d in e.options:
                credit(d, e.weight / len(e.options))
    # the scored divisions in code order (the order of D.divisions(), which decides ties)
    scored = [D.by_code(code) for code in sorted(c for c, v in score.items() if v and ":" not in c)]
    provinces = [d for d in scored if d.level == "province"]
    if not provinces:
        return Placed([], 0.0, [])
    best = max(provinces, key=lambda d: score[d.code])
    total = sum(score[d.code] for d in provinces)
    out = [best]
    cities = [d for d in scored if d.level == "city" and d.province_code == best.code]
    if best.code[:2] in D.MUNICIPALITIES:
        parent, parent_score = best, score.get("city:" + best.code, 0.0)
    elif cities:
        city = max(cities, key=lambda d: score[d.code])
        parent, parent_score = city, score[city.code]
        named = [c for c in cities if c.code in direct]
        if parent_score >= 2.0 or named == [city]:
            out.append(city)
        else:
            parent = best
    else:
        parent, parent_score = best, score[best.code]
    counties = [
        d
        for d in scored
        if d.level == "county" and (d.city_code == parent.code or d.province_code == parent.code)
    ]
    if counties and parent in out:
        county = max(counties, key=lambda d: score[d.code])
        if score[county.code] >= 3.0 and (
            parent.level != "province" or county.city_code in (None, parent.code)
        ):
            out = D.chain(county)
    confidence = min(1.0, score[best.code] / max(total, 1e-9) * min(1.0, score[best.code] / 6.0))
    # A place taken from a shared name with nothing else to go on is one guess among its readings:
    # as far as the text settles it, the region is what all those readings have in common.
    guessed = [opts for opts in unbacked if out[-1] in opts]
    settled = list(_common_chain([D.chain_of(d) for opts in guessed for d in opts])) if guessed else out
    return Placed(out, confidence / max((len(opts) for opts in guessed), default=1), settled)


def _common_chain(chains: list[tuple[D.Division, ...]]) -> tuple[D.Division, ...]:
    """The divisions every chain starts with (province, then city ...)."""
    common = chains[0]
    for c in chains[1:]:
        n = 0
        while n < min(len(common), len(c)) and common[n] == c[n]:
            n += 1
        common = common[:n]
    return common


# ---------------------------------------------------------------------------------------------
# The analyst's table


class AgencyTableError(ValueError):
    """data/agencies.csv has rows the pipeline cannot honour; the message lists every one."""


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")


def _split_aliases(value: str) -> list[str]:
    return [a.strip() for a in re.split(r"[|;]", value or "") if a.strip()]


def load_agency_table(path: Path) -> pd.DataFrame:
    """Read and check the analyst's agency table; raises AgencyTableError naming every bad row.

    Columns: agency_id, canonical_name, region, level, kind, aliases ('|'-separated), successor_of
    (the agency_id this body succeeded: a row's id or an id the pipeline computed). UTF-8, UTF-16 or
    GBK as Excel saves it (pipeline.analyst_files).
    """
    try:
        raw = read_analyst_text(Path(path))
    except AnalystFileError as exc:
        raise AgencyTableError(str(exc)) from None
    if not raw.strip():  # an emptied file: no analyst rows, as when there is no file
        return pd.DataFrame(columns=[*TABLE_COLUMNS, "line"])
    reader = csv.DictReader(io.StringIO(raw))
    header = tuple(h.strip() for h in reader.fieldnames or ())
    if header != TABLE_COLUMNS:
        raise AgencyTableError(
            f"{path}: header must be {','.join(TABLE_COLUMNS)}; found {','.join(header) or 'nothing'}"
        )
    rows, problems = [], []
    seen_ids: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        bad = []
        if not _ID.match(row["agency_id"]):
            bad.append(
                f"agency_id {row['agency_id']!r} is empty or has characters other than A-Z a-z 0-9 _ . : -"
            )
        elif row["agency_id"] in seen_ids:
            bad.append(f"agency_id {row['agency_id']!r} repeats line {seen_ids[row['agency_id']]}")
        if not clean_name(row["canonical_name"]):
            bad.append("canonical_name is empty")
        if row["level"] and row["level"] not in R.LEVELS:
            bad.append(f"level {row['level']!r} is not one of {', '.join(R.LEVELS)}")
        if row["kind"] and row["kind"] not in R.KIND_LABELS:
            bad.append(f"kind {row['kind']!r} is not one of {', '.join(R.KIND_LABELS)}")
        if row["region"] and not D.parse_region(clean_name(row["region"])):
            bad.append(f"region {row['region']!r} names no known province, city or county")
        if row["successor_of"] and not all(_ID.match(s) for s in _split_aliases(row["successor_of"])):
            bad.append(f"successor_of {row['successor_of']!r} is not a list of agency ids")
        if bad:
            problems.append(f"line {line}: " + "; ".join(bad))
        seen_ids.setdefault(row["agency_id"], line)
        rows.append({**row, "line": line})
    for r in rows:
        for pred in _split_aliases(r["successor_of"]):
            if pred == r["agency_id"]:
                problems.append(f"line {r['line']}: successor_of names the row itself")
    succ = _successors(rows)
    for r in rows:  # cycles are reported with the other problems, all at once
        try:
            _head(r["agency_id"], succ)
        except AgencyTableError as err:
            problems.append(f"line {r['line']}: {err}")
    if problems:
        raise AgencyTableError(f"{path}: {len(problems)} bad row(s):\n" + "\n".join(problems))
    return pd.DataFrame(rows, columns=[*TABLE_COLUMNS, "line"])


def _successors(rows: list[dict]) -> dict[str, str]:
    out = {}
    for r in rows:
        for pred in _split_aliases(r["successor_of"]):
            out[pred] = r["agency_id"]
    return out


def _head(agency_id: str, successors: dict[str, str]) -> str:
    """Follow successor links to the body's current id."""
    seen = [agency_id]
    while agency_id in successors:
        agency_id = successors[agency_id]
        if agency_id in seen:
            raise AgencyTableError("successor_of forms a cycle: " + " -> ".join([*seen, agency_id]))
        seen.append(agency_id)
    return agency_id


@lru_cache(maxsize=8)
def _cached_table(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    return load_agency_table(Path(path))


def _default_table() -> pd.DataFrame | None:
    if not DEFAULT_TABLE.is_file():
        return None
    st = DEFAULT_TABLE.stat()
    return _cached_table(str(DEFAULT_TABLE), st.st_mtime_ns, st.st_size)


@dataclass(frozen=True)
class _Analyst:
    """The analyst table as plain rows: pandas costs milliseconds per conversion, a document needs
    microseconds, so the shipped table is converted once per file version (see _default_analyst)."""

    rows: tuple[dict, ...]

    @classmethod
    def of(cls, table: pd.DataFrame) -> _Analyst:
        names = list(table.columns)
        columns = [table[c].tolist() for c in names]
        return cls(tuple(dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)))

    @cached_property
    def successors(self) -> dict[str, str]:
        return _successors(list(self.rows))


@lru_cache(maxsize=8)
def _cached_analyst(path: str, mtime_ns: int, size: int) -> _Analyst:
    return _Analyst.of(_cached_table(path, mtime_ns, size))


def _default_analyst() -> _Analyst | None:
    if not DEFAULT_TABLE.is_file():
        return None
    st = DEFAULT_TABLE.stat()
    table = _cached_table(str(DEFAULT_TABLE), st.st_mtime_ns, st.st_size)
    return _cached_analyst(str(DEFAULT_TABLE), st.st_mtime_ns, st.st_size) if len(table) else None


@lru_cache(maxsize=MEMO_SIZE)
def _row_names(canonical: str, aliases: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """A row's canonical name and aliases as written, and the same in clean_name form."""
    names = (canonical, *_split_aliases(aliases))
    return names, frozenset(clean_name(n) for n in names)


@lru_cache(maxsize=MEMO_SIZE)
def _region_chain(region: str) -> tuple[D.Division, ...]:
    return tuple(D.parse_region(clean_name(region)))


def _match_table(analyst: _Analyst, names: list[str], region: list[D.Division]) -> tuple[dict, str] | None:
    """The analyst row naming this body: an exact name or alias first, then the same body by rule;
    the row's region must not contradict what the document says."""
    cleaned = [clean_name(n) for n in names if n]

    def region_ok(row: dict) -> bool:
        row_chain = _region_chain(row["region"]) if row["region"] else ()
        if not row_chain or not region:
            return True
        deepest_common = min(len(row_chain), len(region))
        return row_chain[:deepest_common] == tuple(region[:deepest_common])

    for exact in (True, False):
        for name in cleaned:
            # same_body needs a body family in common: rows of other families are not asked
            families = frozenset() if exact else _families(name)
            for row in analyst.rows:
                row_names, row_cleaned = _row_names(row["canonical_name"], row["aliases"])
                if exact:
                    hit = name in row_cleaned
                else:
                    hit = not families.isdisjoint(_row_families(row_names)) and any(
                        same_body(name, n) for n in row_names
                    )
                if hit and region_ok(row):
                    return row, name
    return None


@lru_cache(maxsize=MEMO_SIZE)
def _row_families(row_names: tuple[str, ...]) -> frozenset[str]:
    return frozenset().union(*(_families(n) for n in row_names))


# ---------------------------------------------------------------------------------------------
# Resolution


def _compose(p: ParsedName, region: list[D.Division]) -> tuple[list[D.Division], str, str]:
    """The division chain the body belongs to, its canonical name and its level."""
    if p.national:
        return [], p.body, "national"
    own = p.chain
    if own:
        chain = own
        if region and own[-1] in region:  # the text may settle what the name leaves out
            chain = own
    elif p.generic:
        depth = {"province": 1, "city": 2, "county": 3}[p.generic]
        chain = [d for d in region if {"province": 1, "city": 2, "county": 3}[d.level] <= depth]
        if p.generic == "city" and region and region[-1].level == "county" and region[-1].name.endswith("市"):
            chain = region  # 市 in a county-level city's own report
    else:
        chain = list(region)
    if p.zone or p.township:
        keep = 2 if p.zone else 3
        chain = [d for d in chain if {"province": 1, "city": 2, "county": 3}[d.level] <= keep]
    names = [d.name for d in chain]
    if len(chain) >= 2 and chain[0].level == "province" and chain[0].code[:2] not in D.MUNICIPALITIES:
        names = names[1:]
    covered = {d.level for d in chain}
    marker = ""
    if p.generic and p.generic not in covered and not (p.generic == "city" and "county" in covered):
        marker = {"province": "省", "city": "市", "county": "区"}[p.generic]
        names = []
        if p.text[:1] in R.GENERIC_REGION:
            marker = p.text[0]
    name = "".join(names) + marker + (p.zone or "") + (p.township or "") + p.body
    if p.township:
        level = "township"
    elif p.zone:
        level = "county"
    elif p.generic and p.generic not in covered:
        level = p.generic
    elif chain:
        level = chain[-1].level
        if p.generic == "city" and level == "county" and chain[-1].name.endswith("市"):
            level = "county"
    else:
        level = "unknown"
    return chain, name, level


def _identity_id(chain: list[D.Division], p: ParsedName, marker: str) -> str:
    code = chain[-1].code if chain else "000000"
    key = "|".join([code, p.zone or "", p.township or "", marker, p.family])
    return f"{code}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"


def _completeness(p: ParsedName) -> float:
    return (
        2.0 * len(p.places)
        + (1.0 if p.generic else 0)
        + (1.0 if p.zone else 0)
        + (1.0 if p.township else 0)
        + (2.0 if p.kind != "other" else 0)
    )


def _pick(candidates: list[Candidate]) -> tuple[ParsedName | None, float, list[str]]:
    """The reading most candidates agree on, preferring the most complete name of that body."""
    readings = [(c, p) for c in candidates for p in _readings(c.name)[:1] if p.body]
    if not readings:
        return None, 0.0, []
    # A report offers the same name several times (title, signature, mentions) and a reading is a
    # function of its candidate's name: each name's support is summed once, each pair compared once.
    agree: dict[tuple[str, str], bool] = {}
    support_of: dict[str, float] = {}
    for c, p in readings:
        if c.name in support_of:
            continue
        total = []
        for oc, op in readings:
            key = (c.name, oc.name)
            if key not in agree:
                agree[key] = op.family == p.family and _level_compatible(p, op) and _places_compatible(p, op)
            if agree[key]:
                total.append(oc.weight)
        support_of[c.name] = sum(total)
    support = {i: support_of[c.name] for i, (c, _p) in enumerate(readings)}
    top = max(support.values())
    group = [i for i, s in support.items() if s >= top - 1e-9]
    best = max(group, key=lambda i: (_completeness(readings[i][1]), readings[i][0].weight))
    total = sum(c.weight for c, _ in readings)
    ordered = sorted(range(len(readings)), key=lambda i: -support[i])
    seen: list[str] = []
    for i in ordered:
        if readings[i][0].name not in seen:
            seen.append(readings[i][0].name)
    return readings[best][1], top / max(total, 1e-9), seen


def _from_row(row: dict, analyst: _Analyst, region: list[D.Division], names: list[str]) -> AgencyIdentity:
    chain = list(_region_chain(row["region"])) if row["region"] else region
    succ = analyst.successors
    extra = [w for w in re.split(r"[/]", row["region"] or "") if w and not D.lookup(clean_name(w))]
    path = "/".join([d.name for d in chain] + extra) or None
    parsed = parse_name(row["canonical_name"])
    kind = row["kind"] or (parsed[0].kind if parsed else "other")
    level = row["level"] or (parsed[0].level if parsed and parsed[0].level else "unknown")
    return _identity(
        _head(row["agency_id"], succ), row["canonical_name"], chain, path, level, kind, 1.0, "analyst", names
    )


def _identity(
    agency_id: str,
    name: str,
    chain: list[D.Division],
    path: str | None,
    level: str,
    kind: str,
    confidence: float,
    source: str,
    names: list[str],
) -> AgencyIdentity:
    by_level = {d.level: d.name for d in chain}
    city = D.city_of(chain[-1]) if chain else None
    return AgencyIdentity(
        agency_id=agency_id,
        agency=name,
        region=path,
        province=by_level.get("province"),
        city=city.name if city else None,
        county=by_level.get("county"),
        region_code=chain[-1].code if chain else None,
        level=level,
        kind=kind,
        confidence=round(confidence, 3),
        source=source,
        candidates=names,
    )


def _same_body_as_first(names: list[str]) -> list[str]:
    """The document's best name and the other names of the same body. A body it merely names (the
    government whose portal hosts an office's report: 平房区人民政府 on 平房区人民政府办公室's page)
    must not take the document to that body's row of the analyst table."""
    return names[:1] + [n for n in names[1:] if same_body(n, names[0])]


def resolve(meta: DocumentMeta, text: str = "", table: pd.DataFrame | None = None) -> AgencyIdentity:
    """The agency a document speaks for: the analyst's row when one names it, else the text's best name
    placed in the region the text points at. Reads data/agencies.csv (never writes it) unless `table`."""
    work = _simplified(text or "")
    candidates = name_candidates(work, meta)
    evidence = region_evidence(work, candidates, meta.region)
    region, region_conf, settled = infer_region(evidence)
    parsed, name_conf, names = _pick(candidates)
    analyst = _default_analyst() if table is None else _Analyst.of(table) if len(table) else None
    if analyst is not None:
        composed = [_compose(parsed, region)[1]] if parsed else []
        # a county guessed among its namesakes must not overrule the analyst's row for one of them
        found = _match_table(analyst, composed + _same_body_as_first(names), settled)
        if found:
            return _from_row(found[0], analyst, region, names)
    if parsed is None:
        chain = region
        path = "/".join(d.name for d in chain) or None
        code = chain[-1].code if chain else "000000"
        return _identity(f"{code}-unknown", "未知机构", chain, path, "unknown", "other", 0.0, "none", names)
    chain, name, level = _compose(parsed, region)
    marker = name[len("".join(d.name for d in chain)) :][:1] if parsed.generic else ""
    path_parts = [d.name for d in chain] + [x for x in (parsed.zone, parsed.township) if x]
    confidence = name_conf * (0.5 + 0.5 * region_conf)
    if level == "unknown" or (parsed.generic and parsed.generic not in {d.level for d in chain}):
        confidence *= 0.5
    return _identity(
        _identity_id(chain, parsed, marker),
        name,
        chain,
        "/".join(path_parts) or None,
        level,
        parsed.kind,
        confidence,
        "text",
        names,
    )


# ---------------------------------------------------------------------------------------------
# Proposals for the analyst


def _province_of_path(region: object) -> str | None:
    if not isinstance(region, str) or not region:
        return None
    return _province_of_region(region)


@lru_cache(maxsize=MEMO_SIZE)  # a dataset repeats a few thousand region strings over all its documents
def _province_of_region(region: str) -> str | None:
    found = D.parse_region(clean_name(region))
    return found[0].code if found else None


@lru_cache(maxsize=MEMO_SIZE)
def _families(name: str) -> frozenset[str]:
    """The body families a name's readings may denote: same_body(a, b) needs one in common."""
    return frozenset(p.family for p in _readings(name) if p.body)


PROPOSAL_COLUMNS = (*TABLE_COLUMNS, "n_documents", "reason", "candidates", "paths")
# The document columns propose() reads (a build reads only these back from documents.parquet).
PROPOSAL_INPUTS = (
    "agency_id",
    "agency",
    "region",
    "city",
    "level",
    "agency_kind",
    "agency_confidence",
    "path",
)


class ProposalInputs:
    """What propose() reads of the documents, gathered a part at a time in their order: per agency
    its names, its first document's facts, its number of documents and whether any was resolved
    with low confidence; per name the region of the last document carrying it. A build feeds it
    documents.parquet batch by batch: read back whole, its columns were ~190 B per file at the very
    end of a build (1M files: 525 MiB in that step, the whole build's peak being 603).

    Only agencies and names are looped over in Python: a Python object per document and column (8
    million of them) cost ~400 MB, and pandas work per row or per group costs seconds."""

    def __init__(self) -> None:
        self.kind_col: str | None = None
        self.names_by_id: dict[str, set[str]] = defaultdict(set)
        self.first: dict[str, dict[str, object]] = {}  # column -> agency_id -> its first document's value
        self.n_documents: Counter[str] = Counter()
        self.unsure: set[str] = set()
        self.region_of: dict[str, object] = {}

    def add(self, documents: pd.DataFrame | None) -> None:
        if documents is None or not len(documents) or "agency" not in documents:
            return
        if self.kind_col is None:
            self.kind_col = "agency_kind" if "agency_kind" in documents else "kind"
        inputs = [self.kind_col if c == "agency_kind" else c for c in PROPOSAL_INPUTS]
        columns = [c for c in inputs if c in documents]
        docs = documents.loc[documents["agency"].notna() & documents["agency_id"].notna(), columns]
        ids = docs["agency_id"].astype(str)
        names_of = docs[["agency"]].astype(str).assign(agency_id=ids).drop_duplicates()
        for agency_id, name in zip(names_of["agency_id"], names_of["agency"], strict=True):
            self.names_by_id[agency_id].add(name)
        first_rows = docs.assign(agency_id=ids).drop_duplicates("agency_id")  # each agency's first here
        # a boolean mask, not a list: an empty list would select no columns rather than no rows
        first_rows = first_rows.loc[
            first_rows["agency_id"].map(lambda a: a not in self.n_documents).astype(bool)
        ]
        for c in columns:
            if c not in ("agency_id", "agency", "agency_confidence", "path"):
                # missing values as None, as DataFrame.to_dict("records") gives them
                self.first.setdefault(c, {}).update(
                    zip(first_rows["agency_id"], _plain(first_rows[c]), strict=True)
                )
        self.n_documents.update(ids.value_counts().to_dict())
        if "agency_confidence" in docs:
            confidence = pd.to_numeric(docs["agency_confidence"], errors="coerce").astype("float64")
            self.unsure.update(ids[(confidence < CONFIDENT).to_numpy()])
        if "region" in docs:  # a name's region: that of the last document carrying the name
            last_region = docs[["agency", "region"]].drop_duplicates("agency", keep="last")
            self.region_of.update(
                zip(last_region["agency"].astype(str), _plain(last_region["region"]), strict=True)
            )


def propose(documents: pd.DataFrame, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Agencies the resolver was not sure of, as rows an analyst can copy into data/agencies.csv.

    A name is listed when its confidence (column agency_confidence, if the build kept it) is low, its
    region lacks a city, its level is unknown, or one id carries several names; `candidates` lists the
    analyst rows and other names in the dataset that may be the same body.
    """
    return propose_in_parts(lambda columns: [documents] if documents is not None else [], table)


def propose_in_parts(
    parts_of: Callable[[list[str]], Iterable[pd.DataFrame]], table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """propose() over documents given a part at a time: `parts_of(columns)` gives them (a build
    reads documents.parquet in batches), once for what propose() keeps per agency and per name,
    then once more for the paths of the agencies it lists."""
    inputs = ProposalInputs()
    for part in parts_of(list(PROPOSAL_INPUTS)):
        inputs.add(part)
    out = proposals(inputs, table)
    del inputs
    if len(out):  # the files behind each listed agency only, and the years of its names
        years = NameYears(set(out.loc[out["reason"].str.contains(SEVERAL_NAMES, regex=False), "agency_id"]))
        paths = listed_paths(
            set(out["agency_id"]), years.fed(parts_of(["agency_id", "agency", "path", "year"]))
        )
        out["paths"] = out["agency_id"].map(paths).fillna("")
        out["reason"] = [years.reason(a, r) for a, r in zip(out["agency_id"], out["reason"], strict=True)]
    return out


SEVERAL_NAMES = "several names for one id"


class NameYears:
    """The years each name of an agency was used in, for the agencies listed with several names: a
    renaming uses one name after the other; two names in one year may be two bodies that the
    renaming rules joined (a district's 政务服务中心 and its 行政审批局), which the analyst can part
    with a row each."""

    def __init__(self, ids: set[str]) -> None:
        self.ids = ids
        self.years: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))

    def fed(self, parts: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        """`parts` passed on unchanged, each gathered from on its way."""
        for docs in parts:
            if self.ids and "year" in docs:
                mine = docs["agency_id"].isin(self.ids) & docs["agency"].notna() & docs["year"].notna()
                for agency_id, name, year in (
                    docs.loc[mine, ["agency_id", "agency", "year"]].drop_duplicates().itertuples(index=False)
                ):
                    self.years[str(agency_id)][str(name)].add(int(year))
            yield docs

    def reason(self, agency_id: str, reason: str) -> str:
        by_name = self.years.get(agency_id)
        if not by_name or SEVERAL_NAMES not in reason:
            return reason
        shared = sorted(
            y for y in set().union(*by_name.values()) if sum(y in ys for ys in by_name.values()) > 1
        )
        if shared:
            both = "、".join(sorted(n for n, ys in by_name.items() if shared[0] in ys))
            said = (
                f"{SEVERAL_NAMES}, in the same year ({shared[0]}: {both}): two bodies? give each its own row"
            )
        else:
            spans = sorted((min(ys), max(ys), n) for n, ys in by_name.items())
            said = f"{SEVERAL_NAMES} (by year: " + "; ".join(f"{n} {a}-{b}" for a, b, n in spans) + ")"
        return reason.replace(SEVERAL_NAMES, said)


def listed_paths(listed: set[str], parts: Iterable[pd.DataFrame]) -> pd.Series:
    """agency_id -> the paths of its documents (named ones), each once, sorted, joined by "|"; for
    the `listed` agencies only, from documents given a part at a time."""
    found: dict[str, set[str]] = defaultdict(set)
    for docs in parts:
        if "path" not in docs:
            continue
        named = (docs["agency"].notna() & docs["agency_id"].notna()).to_numpy()
        ids = docs["agency_id"][named].astype(str)
        mine = ids.isin(listed).to_numpy()
        for agency_id, path in zip(ids[mine], docs["path"][named][mine].astype(str), strict=True):
            found[agency_id].add(path)
    return pd.Series({a: "|".join(sorted(paths)) for a, paths in found.items()}, dtype=object)


def proposals(inputs: ProposalInputs, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """propose()'s rows, from inputs gathered over the documents ("paths" left empty)."""
    table = _default_table() if table is None else table
    analyst_ids = set(table["agency_id"]) if table is not None and len(table) else set()
    if inputs.kind_col is None:
        return pd.DataFrame(columns=PROPOSAL_COLUMNS)
    kind_col, names_by_id, first = inputs.kind_col, inputs.names_by_id, inputs.first
    n_documents, unsure, region_of = inputs.n_documents, inputs.unsure, inputs.region_of
    all_names = sorted({n for names in names_by_id.values() for n in names})

    # Only names of the same province (or none) ending in the same character can be the same body:
    # bucketing keeps this linear on a national corpus instead of names x names.
    by_bucket: dict[tuple[str | None, str], list[str]] = defaultdict(list)
    for n in all_names:
        by_bucket[(_province_of_path(region_of.get(n)), n[-1:])].append(n)
    analyst_rows = []
    if table is not None and len(table):
        analyst_rows = [(row, _province_of_path(row["region"])) for row in table.to_dict("records")]

    def value(column: str, agency_id: str) -> object:
        return first[column][agency_id] if column in first else None

    rows = []
    for agency_id in sorted(names_by_id):
        if agency_id in analyst_ids:
            continue
        names = sorted(set(names_by_id[agency_id]))
        reasons = []
        if agency_id in unsure:
            reasons.append("low confidence")
            shared = _shared_county(value("region", agency_id))
            if shared:
                reasons.append(shared)
        level = value("level", agency_id)
        city = value("city", agency_id)
        if not level or pd.isna(level) or level == "unknown":
            reasons.append("level unknown")
        elif level not in ("national", "province") and (pd.isna(city) or not city):
            reasons.append("no city found")
        if len(names) > 1:
            reasons.append(SEVERAL_NAMES)
        if str(agency_id).endswith("-unknown"):
            reasons.append("no agency name found")
        if not reasons:
            continue
        region = value("region", agency_id)
        here = _province_of_path(region)
        pool = {
            n for x in names for n in by_bucket.get((here, x[-1:]), []) + by_bucket.get((None, x[-1:]), [])
        }
        # same_body needs a body family in common: a set test spares most of its calls
        families = set().union(*(_families(x) for x in names))
        maybe = sorted(
            n
            for n in pool
            if n not in names
            and not families.isdisjoint(_families(n))
            and any(same_body(n, x) for x in names)
        )
        for row, province in analyst_rows:
            if province not in (here, None):
                continue
            if any(same_body(x, row["canonical_name"]) for x in names):
                maybe.append(f"{row['agency_id']}:{row['canonical_name']}")
        kind = value(kind_col, agency_id)
        rows.append(
            {
                "agency_id": agency_id,
                "canonical_name": names[0],
                "region": region if isinstance(region, str) else "",
                "level": level if isinstance(level, str) else "unknown",
                "kind": kind if isinstance(kind, str) else "",
                "aliases": "|".join(names[1:]),
                "successor_of": "",
                "n_documents": n_documents[agency_id],
                "reason": "; ".join(reasons),
                "candidates": "|".join(maybe),
                "paths": "",
            }
        )
    return pd.DataFrame(rows, columns=PROPOSAL_COLUMNS)


@lru_cache(maxsize=MEMO_SIZE)
def _shared_county(region: object) -> str | None:
    """What an analyst needs to settle a guessed county: its name and every city that has one."""
    if not isinstance(region, str):
        return None
    for name in region.split("/"):
        homonyms = [d for d in D.lookup(name) if d.level == "county"]
        if len(homonyms) > 1:
            places = "、".join(D.city_of(d).name if D.city_of(d) else D.province_of(d).name for d in homonyms)
            return f"county name shared: {name} ({places})"
    return None


def _plain(column: pd.Series) -> list:
    """A column's values as Python objects, missing ones as None."""
    return [None if v is pd.NA or (isinstance(v, float) and v != v) else v for v in column.tolist()]
