"""Document metadata: agency, region, year covered, document type, publication date."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from typing import Any

from pipeline.numbers import parse_number
from pipeline.record import DocumentMeta

from .memo import MEMO_SIZE

_YEAR = r"((?:19|20)\d{2})\s*年"
_HEAD_CHARS = 800
# Names end in the kind of body they are.
ORG_SUFFIX = (
    r"(?:人民政府办公室|人民政府办公厅|政府办公室|政府办公厅|办公室|办公厅|人民政府|政务服务中心|行政服务中心|"
    r"服务中心|管理局|局|委员会|委|厅|街道办事处|办事处|街道|镇|乡|中心|研究室|政府|办)"
)
_ORG_END = re.compile(ORG_SUFFIX + r"(?:[((][^()()]{2,30}[))])?$")
_BAD_START = re.compile(r"^(?:我|本|该|全|各|根据|按照|关于|对|在|为|以|由|其|现)")
_LEAD_VERBS = re.compile(r"^(?:明确|编制|公布|现将|通过|配合|完成|开展|推进|组织|经|特)+")
_BARE_SUFFIX = re.compile(ORG_SUFFIX.replace("(?:", "^(?:", 1) + "$")
_NOT_A_NAME = re.compile(r"作为|属于|的|是|和相关|等|加强|完善|请与|设立|率先|首个|开展|推进|实现")
_MAJOR_BODY = re.compile(r"局|中心|人民政府|委员会|办事处")
# Spam words. The Latin ones are matched ignoring case, which keeps the regex engine from skipping
# ahead to a possible first letter; since only b, B, c and C can start them under re.I (checked over
# every code point), they are tried at those letters only, and the Han words without the flag.
_SPAM_HAN = re.compile(r"彩票|博彩|娱乐城|投注|赌场|六合彩|百家乐|棋牌|老虎机")
_SPAM_LATIN = re.compile(r"beat365|bet365|casino", re.I)
_SPAM_LATIN_START = re.compile(r"[bBcC]")
_DISCLOSURE_TITLE = re.compile(
    r"信息公开[^。\n]{0,14}(?:年度报告|年报|工作报告|情况报告|报告)|\d{4}\s*年报|"
    r"政府信息公开条例[^。\n]{0,60}编制本(?:年度)?报告"
)
_DISCLOSURE_BODY = re.compile(r"依申请|主动公开|政府信息公开条例|公开申请|行政复议")
_REPORT_WORDS = re.compile(r"报告|总结|年报|工作要点|工作计划")


def _is_spam(head: str) -> bool:
    """Whether `head` has a spam word (beat365, 彩票 ...)."""
    if _SPAM_HAN.search(head):
        return True
    return any(_SPAM_LATIN.match(head, m.start()) for m in _SPAM_LATIN_START.finditer(head))


@lru_cache(maxsize=8)
def _nth_han(n: int) -> re.Pattern[str]:
    # possessive: a text with fewer Han characters fails without backtracking
    return re.compile("(?:[^\u4e00-\u9fff]*+[\u4e00-\u9fff]){" + str(n) + "}")


def _han_at_least(text: str, n: int) -> bool:
    """Whether `text` has n or more Han characters: the n-th is looked for (in one call of the regex
    engine), the rest is not counted."""
    return n <= 0 or _nth_han(n).match(text) is not None


def _first_lines(text: str, n: int) -> list[str]:
    """The first n non-blank lines, stripped of spaces, tabs and table pipes (the rest is not read)."""
    out = []
    for ln in text.split("\n"):
        ln = ln.strip(" |\t")
        if ln:
            out.append(ln)
            if len(out) == n:
                break
    return out


def _last_lines(text: str, n: int) -> list[str]:
    """The last n non-blank lines, stripped the same way, in text order."""
    out = []
    for ln in reversed(text.split("\n")):
        ln = ln.strip(" |\t")
        if ln:
            out.append(ln)
            if len(out) == n:
                break
    return out[::-1]


_OTHER_TITLES = re.compile(r"《[^》]{0,80}》|〔[^〕]{0,10}〕|<[^>]{0,80}>")
_TITLE_LABEL = re.compile(r"(?:标题|文章标题)[::]\s*\|?\s*(.+)")
_SENTENCE_LEAD = re.compile(r"(?:根据|按照|为|本)")


# Both are read by several readers of one text (year, type, agency): computed once per text.
@lru_cache(maxsize=4)
def _strip_titles(s: str) -> str:
    """Remove quoted titles of other documents (《…》, 〔…〕), whose years and names are not ours."""
    return _OTHER_TITLES.sub("", s)


def _title_lines(text: str) -> list[str]:
    return list(_title_lines_of(text))


@lru_cache(maxsize=4)
def _title_lines_of(text: str) -> tuple[str, ...]:
    out = []
    for ln in _first_lines(text, 8):
        m = _TITLE_LABEL.match(ln)
        if m:
            out.insert(0, m.group(1).strip(" |"))
            continue
        if len(ln) <= 80 and not _SENTENCE_LEAD.match(ln):
            out.append(ln)
    return tuple(out)


def read_year(text: str) -> tuple[int | None, str]:
    """The year the report covers and where it was read (title, period, phrase, frequency)."""
    for ln in _title_lines(text):
        for m in re.finditer(_YEAR + r"(?:度)?", ln):
            if _REPORT_WORDS.search(ln[m.end() : m.end() + 40]) or ln[m.end() - 1 : m.end() + 1] == "年报":
                return int(m.group(1)), "title"
    body = _strip_titles(text)
    m = re.search(r"统计(?:期限|时限|期间|区间|时间)[^。\n]{0,20}?" + _YEAR, body)
    if m:
        return int(m.group(1)), "period"
    m = re.search(
        r"(?:现将|现公布|公布|公开|编制|现对|特向社会公布)[^。\n]{0,40}?"
        + _YEAR
        + r"(?:度)?[^。\n]{0,30}?(?:报告|总结|年报)",
        body[: _HEAD_CHARS * 2],
    )
    if m:
        return int(m.group(1)), "phrase"
    years = [int(y) for y in re.findall(_YEAR, body) if 1990 <= int(y) <= 2035]
    if years:
        counts = Counter(years)
        top = max(counts.values())
        return max(y for y, c in counts.items() if c == top), "frequency"
    return None, ""


def _title_field(text: str) -> str | None:
    m = re.search(r"(?:^|\n)\s*\|?\s*(?:标题|文章标题)[::]\s*\|?\s*([^|\n]+)", text[:_HEAD_CHARS])
    return m.group(1).strip() if m else None


def read_doc_type(text: str) -> str:
    """disclosure_annual_report | work_summary | other (spam copies, notices and other papers)."""
    if _is_spam(text[:3000]):
        return "other"
    field = _title_field(text)
    titles = [field] if field else _title_lines(text)[:3]
    title_text = "\n".join(titles)
    if re.search(r"通知|意见|方案|办法|决定|公告|通报", title_text) and not _REPORT_WORDS.search(
        re.sub(r"工作要点|工作计划", "", title_text)
    ):
        return "other"
    head = _strip_titles(title_text if field else title_text + "\n" + text[:_HEAD_CHARS])
    if (
        _DISCLOSURE_TITLE.search(head) or re.search(r"年度报告|编制本报告", head)
    ) and _DISCLOSURE_BODY.search(text):
        return "disclosure_annual_report"
    if _han_at_least(text, 50):
        return "work_summary"
    return "other"


@lru_cache(maxsize=MEMO_SIZE)  # pure; a report offers the same few names in several places
def _clean_name(s: str | None) -> str | None:
    if not s:
        return None
    s = s.strip(" |:“”\"'·-—")
    s = re.split(r"[::]", s)[-1].strip()  # 涟韵吧…:行政服务中心 -> the part after the colon
    s = re.sub(r"^(?:标题|文章标题|第[一二三四五六七八九十]+篇)", "", s).strip()
    s = _LEAD_VERBS.sub("", re.sub(r"^[年月日号底末初]+", "", s))
    if not (2 <= len(s) <= 45) or re.search(r"[《》“”\d,。,;;!?]", s) or _BAD_START.match(s):
        return None
    if _BARE_SUFFIX.match(s) or _NOT_A_NAME.search(s):
        return None
    return s if _ORG_END.search(s) or re.search(r"[省市县区镇乡]$", s) else None


def _contact_body(s: str) -> str | None:
    """The body in a contact line: 遵义市人社局办公室 -> the bureau, 平度市政府办公室 stays."""
    s = re.split(r"政府信息公开|信息公开|政务公开", s)[0]
    m = _MAJOR_BODY.search(s)
    if m and m.end() < len(s):
        return s[: m.end()]
    best = None
    for m in re.finditer(ORG_SUFFIX, s):
        best = s[: m.end()]
    return best


# 「X局是 ...」: a body named as the subject of a sentence.
_BODY_IS = re.compile(r"([\u4e00-\u9fff()()]{2,20}?(?:办事处|街道|局|中心))是")
_BODY_IS_END = re.compile(r"(?:办事处|街道|局|中心)是")
_BODY_IS_REACH = 20  # a match starts at most this far before its 办事处/街道/局/中心是


def _body_is(body: str) -> Iterator[re.Match[str]]:
    """_BODY_IS.finditer(body), with the regex engine run only near each 局是 (tried at every
    character, the lazy prefix costs ~10x more). The same matches: a match ends at the first ending
    after its start, within reach, that a run of name characters leads to; so the leftmost match is
    the first one found in the window before an ending, in text order, never crossing that ending."""
    pos = 0
    for end in _BODY_IS_END.finditer(body):
        if end.start() < pos + 2:  # the name before an ending has two characters or more
            continue
        m = _BODY_IS.search(body, max(pos, end.start() - _BODY_IS_REACH), end.end())
        if m:
            yield m
            pos = m.end()


# A place and a body at the start of a run of Han characters: 「淄博市行政审批服务局」.
_PLACE_BODY = re.compile(
    r"(?<![\u4e00-\u9fff])((?P<place>[\u4e00-\u9fff]{1,8}[省市县区])[\u4e00-\u9fff]{0,10}?(?:行政服务中心|政务服务中心|人民政府|局))"
)
_PLACE_BODY_END = re.compile(r"行政服务中心|政务服务中心|人民政府|局")
_PLACE_BODY_REACH = 19  # an ending starts at most 8 + 1 + 10 characters after the match does
_HAN_UP_TO_END = re.compile("[\u4e00-\u9fff]*\\Z")


def _names_a_place(place: str) -> bool:
    """Whether the place of a _PLACE_BODY match can be one. Any Han word may stand before 市, 县 or 区
    (towns, zones and new districts are not all in the division table), but there are only so many
    provinces: 「形成省局」 in 「形成省局、市县区局」 is a verb before 省局, not a place. The greedy place
    may run past the province (「山东省省级机关事务管理局」: 山东省省), so a province anywhere in it counts."""
    return not place.endswith("省") or any(p in place for p in _province_names())  # 山东省省级…


@lru_cache(maxsize=1)
def _province_names() -> tuple[str, ...]:
    from pipeline.divisions import divisions

    return tuple(d.name for d in divisions() if d.level == "province" and d.name.endswith("省"))


def _place_bodies(body: str) -> Iterator[re.Match[str]]:
    """_PLACE_BODY.finditer(body), with the regex engine run only at the start of the run of Han
    characters before each ending (its lookbehind, tried at every character, costs more than the rest).
    The same matches: a match is all Han, so it starts at a run's start and stays in that run, one per
    run at most; a run whose start is beyond reach of every ending in it cannot match."""
    tried = -1  # the run start last matched at
    for end in _PLACE_BODY_END.finditer(body):
        j = end.start()
        lo = max(0, j - _PLACE_BODY_REACH)
        start = _HAN_UP_TO_END.search(body, lo, j).start()  # type: ignore[union-attr]
        if start == lo and lo > 0 and "\u4e00" <= body[lo - 1] <= "\u9fff":
            continue  # the run starts out of reach of this ending (and of any later one)
        if start <= tried or j - start < 2:
            continue
        tried = start
        m = _PLACE_BODY.match(body, start)
        if m:
            yield m


# The subject of the year's first sentence: 「2020年,XX局坚持 ...」 at the start of the text or of a line.
# One pattern per start: `(?:^|\n)` at the front keeps the regex engine from skipping to newlines.
_SUBJECT = (
    r"\s*(?:19|20)\d{2}\s*年(?:度)?[,,]\s*([^,。,;\n]{2,30}?)"
    r"(?:以|坚持|认真|深入|紧紧|全面|严格|按照|围绕|始终|持续|进一步|高度)"
)
_SUBJECT_AT_START = re.compile(r"\A" + _SUBJECT)
_SUBJECT_AFTER_NEWLINE = re.compile(r"\n" + _SUBJECT)


# Read in each title line and last line: compiled once, not looked up in re's cache per line.
_YEAR_RE = re.compile(_YEAR)
_TITLE_BEFORE_YEAR = re.compile(r"^(.*?)\s*" + _YEAR)
_TITLE_AFTER_YEAR = re.compile(
    _YEAR + r"(?:度)?(?:上半年|下半年)?([^\d\s]{2,30}?)(?:政府信息公开|信息公开|政务公开|工作总结|工作报告)"
)
_TITLE_SEPARATOR = re.compile(r"[_|]| - ")
# An official document's title is issuer + 关于 + matter + kind (GB/T 9704: 发文机关名称、事由和文种):
# 南山区人民政府办公室关于做好2024年政务公开工作的通知; one that forwards another's names the
# forwarder first (某县人民政府办公室转发市政府办公室关于…的通知).
_ISSUER_TITLE = re.compile(
    r"^([^,。,;;::\s|《》]{2,40}?)(?:转发[^。]{2,40}?)?关于[^。]{2,100}的"
    r"(?:通知|通告|公告|意见|决定|批复|函|报告|请示|通报|办法|规定|方案|计划|总结)$"
)
_NOT_SIGNATURE = re.compile(r"[::]|承办|主办|技术支持|版权|网站|备案")


_FIELD = re.compile(r"(?:发布机构|来源|信息来源)[::]\s*\|?\s*([^|\n\s]{2,40})")
_COMPILED_BY = re.compile(r"由([^,。,\n]{2,40}?)(?:结合[^,。]{0,12})?编制")
_PHRASE = re.compile(r"(?:现将|现公布|特编制|编制|公布|公开)([^,。,\n]{2,40}?)\s*(?:19|20)\d{2}\s*年")
_SHORT_NAME = re.compile(r"([^,。,\n()()“”]{2,40}?)[((]以下简称")
_CONTACT = re.compile(r"请与([^,。,\n((]{2,40}?)联系")
_HEADING = re.compile(_YEAR + r"(?:度)?([\u4e00-\u9fff()()]{2,20}?)(?:政府信息|信息公开|政务公开)")


def agency_candidates(text: str) -> list[tuple[str, int, str]]:
    """(name, priority, source) for every place the text names its own body."""
    out: list[tuple[str, int, str]] = []

    def add(name: str | None, prio: int, source: str) -> None:
        name = _clean_name(name)
        if name:
            out.append((name, prio, source))

    for ln in _title_lines(text)[:6]:
        report = _REPORT_WORDS.search(ln)
        m = _TITLE_BEFORE_YEAR.search(ln)
        if m and report:
            add(m.group(1), 10, "title")
        m = _TITLE_AFTER_YEAR.search(ln)
        if m and report:
            add(m.group(2), 10, "title")
        m = _ISSUER_TITLE.match(ln)
        if m:
            add(m.group(1), 10, "title issuer")
        if len(ln) <= 30 and not report and not _YEAR_RE.search(ln):
            add(ln, 9, "title line")
        for seg in _TITLE_SEPARATOR.split(ln)[1:]:
            add(seg, 9, "title segment")
    for m in _FIELD.finditer(text[:_HEAD_CHARS]):
        add(m.group(1), 8, "field")
    body = _strip_titles(text)
    for m in _COMPILED_BY.finditer(body):
        add(m.group(1), 8, "compiled by")
    for m in _PHRASE.finditer(body[: _HEAD_CHARS * 2]):
        add(m.group(1), 7, "phrase")
    for m in _SHORT_NAME.finditer(body) if "以下简称" in body else ():
        add(m.group(1), 6, "short name")
    for m in _CONTACT.finditer(body):
        add(_contact_body(m.group(1)), 5, "contact")
    for ln in _last_lines(text, 6):
        last = ln.split(" ")[-1].strip(" |")
        if not _NOT_SIGNATURE.search(last):
            add(last, 5, "signature")
    for m in _body_is(body):
        add(m.group(1), 4, "body")
    for m in _HEADING.finditer(body):
        add(m.group(2), 4, "heading")
    first = _SUBJECT_AT_START.match(body)
    if first:
        add(first.group(1), 4, "subject")
    for m in _SUBJECT_AFTER_NEWLINE.finditer(body, first.end() if first else 0):
        add(m.group(1), 4, "subject")
    for m in _place_bodies(body):
        if _names_a_place(m.group("place")):
            add(m.group(1), 2, "body")
    return out


_BRACKETED = re.compile(r"[((][^()()]*[))]")


def _same_kind(a: str, b: str) -> bool:
    """Whether a fuller name `a` can stand for `b`: containment, or same body type and a shared head."""
    core_a = _BRACKETED.sub("", a)
    core_b = _BRACKETED.sub("", b)
    if core_b in core_a:  # a fuller name adds a region or a bracket, not a unit inside the body
        return core_a.endswith(core_b) or core_a.startswith(core_b + "(") or core_a.startswith(core_b + "(")
    return len(core_b) >= 5 and core_a[-4:] == core_b[-4:] and core_b[0] in core_a


def choose_agency(cands: list[tuple[str, int, str]]) -> str | None:
    """The highest-priority name, upgraded to the fullest name elsewhere that denotes the same body."""
    if not cands:
        return None
    primary = max(cands, key=lambda c: (c[1], len(c[0])))[0]
    fuller = [c[0] for c in cands if c[1] >= 5 and _same_kind(c[0], primary)]
    return max(fuller, key=len) if fuller else primary


@lru_cache(maxsize=MEMO_SIZE)
def read_region(name: str | None) -> str | None:
    """Province/city/county text of a name, as far as it tells (cpca fills the province)."""
    if not name:
        return None
    head = re.match(r"^(.*(?:省|自治区|市|自治州|州|盟|县|区|旗))", re.sub(r"[((].*$", "", name))
    if not head:
        return None
    return _place_region(head.group(1))


@lru_cache(maxsize=MEMO_SIZE)
def _place_region(head_text: str) -> str:
    """The region cpca reads in the place part of a name (names of one place share it)."""
    try:
        import cpca  # noqa: PLC0415 - heavy import, only when a name has a place in it

        row = _cpca_row(cpca, head_text)
        county = row["区"]
        if isinstance(county, str) and county and _guessed(county, head_text):
            return head_text
        parts = [str(row[c]) for c in ("省", "市", "区") if isinstance(row[c], str) and row[c]]
        joined = "".join(dict.fromkeys(parts))
        return joined or head_text
    except Exception:  # cpca is optional; the text itself is still a region
        return head_text


def _guessed(county: str, head_text: str) -> bool:
    """Whether cpca placed a county whose name several cities have (鼓楼区: 福州, 南京, 徐州, 开封)
    without the text saying which: it takes the first in its table, and that guess outweighed what
    the rest of the report says (a phone area code, a postcode). Left to pipeline.agencies."""
    from pipeline.divisions import lookup, parse_region  # noqa: PLC0415 - a large table, read once

    places = {d.city_code or d.province_code for d in lookup(county) if d.level == "county"}
    if len(places) < 2:
        return False
    settled = parse_region(head_text)
    return not settled or settled[-1].level != "county"


def _cpca_row(cpca: Any, place: str) -> Any:
    """The row cpca.transform([place]) would hold: taken from cpca's own one-address reader when this
    cpca version has it, since building the one-row DataFrame costs ~5 ms per name."""
    one = getattr(cpca, "_get_one_addr", None)
    if one is not None:
        return one(place, False, {})
    return cpca.transform([place]).iloc[0]


_CN_YEAR_DIGITS = "〇零○0一二三四五六七八九"


def _cn_int(s: str) -> int | None:
    s = s.replace("0", "〇")
    v = parse_number(s)
    return int(v) if v is not None else None


def _mkdate(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


_HEADER_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_SIGNATURE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_SIGNATURE_CN_DATE = re.compile(
    rf"([{_CN_YEAR_DIGITS}]{{2,4}})年([一二三四五六七八九十]{{1,2}})月(?:([一二三四五六七八九十]{{1,3}})日)?"
)


def read_published(text: str) -> tuple[date | None, str]:
    """Publication or signing date: a date field, a dated header line, or the signature at the end."""
    head = text[:_HEAD_CHARS]
    m = re.search(
        r"(?:发布日期|发布时间|发文日期|公开日期|成文日期|印发日期|时间)[::]\s*\|?\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})",
        head,
    )
    if m:
        return _mkdate(*map(int, m.groups())), "field"
    for ln in _first_lines(text, 8):
        m = _HEADER_DATE.match(ln)
        if m:
            return _mkdate(*map(int, m.groups())), "header"
    for ln in reversed(_last_lines(text, 5)):
        m = _SIGNATURE_DATE.search(ln)
        if m:
            return _mkdate(*map(int, m.groups())), "signature"
        m = _SIGNATURE_CN_DATE.search(ln)
        if m:
            ys = m.group(1).replace("0", "〇").replace("○", "〇").replace("零", "〇")
            y = int("".join(str("〇一二三四五六七八九".index(c)) for c in ys))
            y = y + 2000 if y < 100 else y
            mo = _cn_int(m.group(2))
            d = _cn_int(m.group(3)) if m.group(3) else 1
            if mo:
                return _mkdate(y, mo, d or 1), "signature" if m.group(
                    3
                ) else "signature (month only: day set to 1)"
    return None, ""


def read_meta(text: str, filename: str | None = None) -> DocumentMeta:
    """What a normalised (simplified-character) report says about itself."""
    meta = DocumentMeta()
    meta.year, how = read_year(text)
    if how:
        meta.notes.append(f"year from {how}")
    meta.doc_type = read_doc_type(text)
    if "第二十条第(一)项" in text or "本年新收政府信息公开申请数量" in text:
        meta.report_format = "table2019"
    cands = agency_candidates(text)
    meta.agency_candidates = list(dict.fromkeys(c[0] for c in sorted(cands, key=lambda c: -c[1])))
    meta.agency = choose_agency(cands)
    meta.region = read_region(meta.agency)
    meta.published, how = read_published(text)
    if how and meta.published:
        meta.notes.append(f"published from {how}")
    return meta
