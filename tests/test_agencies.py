"""Agency identity: names, aliases, renamings, regions from the text, the analyst's table first."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline import agencies as A
from pipeline import divisions as D
from pipeline.agency_rules import body_family
from pipeline.meta import read_meta
from pipeline.record import DocumentMeta
from pipeline.text import normalise, to_simplified

NO_TABLE = pd.DataFrame(columns=list(A.TABLE_COLUMNS))


def _resolve(text: str, table: pd.DataFrame = NO_TABLE) -> A.AgencyIdentity:
    text = normalise(text)
    return A.resolve(DocumentMeta(), text, table=table)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("高新区政务服务中心", "淄博高新技术产业开发区政务服务中心"),
        ("海沧区发改局", "厦门市海沧区发展和改革局"),
        ("平房区", "平房区人民政府"),
        ("平度市政府办公室", "平度市人民政府办公室"),
        ("西安市人民政府政务服务中心", "西安市政务服务中心"),
        ("人社分局", "人力资源和社会保障分局"),
        ("国家卫生健康委", "国家卫生健康委员会"),
        ("市行政服務中心", "池州市行政服务中心"),
        ("开发区(白洋街道)", "白洋街道办事处"),
        ("山东省省级机关事务管理局", "山东省机关事务局"),
        ("区市监局", "区市场监督管理局"),
        ("经开区管委会", "经济技术开发区管理委员会"),
    ],
)
def test_name_variants_of_one_body_are_the_same_body(a, b):
    assert A.same_body(a, b)
    assert A.same_body(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("海沧区发改局", "思明区发改局"),  # same bureau, two districts
        ("厦门市海沧区发展和改革局", "厦门市思明区发展和改革局"),
        ("审计局", "信访局"),
        ("威海市文登区信访局", "威海市文登区审计局"),
        ("淄博市政务服务中心", "淄博高新技术产业开发区政务服务中心"),  # city centre vs zone centre
        ("唐村镇", "平房区人民政府"),
        ("平房区人民政府", "平房区人民政府办公室"),
        ("市行政服务中心", "区行政服务中心"),
        ("博山区行政审批局", "高新区政务服务中心"),  # a district's body vs a zone's
        ("淄博市博山区行政审批服务局", "淄博高新技术产业开发区政务服务中心"),
        ("淄川区政务服务中心", "淄川区经济开发区政务服务中心"),  # a district's vs a zone's inside it
    ],
)
def test_different_bodies_are_not_the_same_body(a, b):
    assert not A.same_body(a, b)
    assert not A.same_body(b, a)


def test_a_districts_report_is_not_filed_under_a_zone_of_its_city(tmp_path):
    """The shipped table's 淄博高新区 row took every 淄博 district's 行政审批局 (a renamed 政务服务中心)."""
    table = A.load_agency_table(
        _write_table(
            tmp_path / "agencies.csv",
            [
                "zb-gx-zwfw,淄博高新技术产业开发区政务服务中心,山东省/淄博市/高新技术产业开发区,county,service_centre,"
                "高新区政务服务中心|高新技术产业开发区政务服务中心,"
            ],  # fmt: skip
        )
    )
    district = _resolve("博山区行政审批局2024年工作总结\n全年办件5万件。", table)
    assert district.agency_id != "zb-gx-zwfw" and district.county == "博山区"
    zone = _resolve("淄博高新区政务服务中心2024年工作总结\n全年办件5万件。", table)
    assert zone.agency_id == "zb-gx-zwfw"


def test_same_body_needs_both_names_or_neither():
    assert A.same_body(None, None)
    assert not A.same_body("审计局", None)
    assert not A.same_body(None, "审计局")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("政务服务中心", "政务服务和大数据管理局"),
        ("行政服务中心", "政务服务和大数据管理局"),
        ("卫生和计划生育局", "卫生健康局"),
    ],
)
def test_a_renaming_chain_ends_in_its_last_name(old, new):
    assert body_family(old) == new


def test_a_renamed_body_of_the_same_region_keeps_its_id_and_another_region_does_not():
    a = _resolve("威海市文登区政务服务中心2016年政府信息公开工作年度报告\n正文。")
    b = _resolve("威海市文登区行政审批服务局2019年政府信息公开工作年度报告\n正文。")
    c = _resolve("威海市环翠区行政审批服务局2019年政府信息公开工作年度报告\n正文。")
    assert a.agency_id == b.agency_id
    assert a.agency != b.agency
    assert c.agency_id != b.agency_id


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "高新区政务服务中心2018年政府信息公开工作年度报告\n正文。\n淄博高新技术产业开发区政务服务中心\n2019年1月2日",
            "淄博高新技术产业开发区政务服务中心2019年政府信息公开工作年度报告\n正文。",
        ),
        (
            "海沧区发改局2020年政府信息公开工作年度报告\n正文。",
            "厦门市海沧区发展和改革局2021年政府信息公开工作年度报告\n正文。",
        ),
        (
            "平房区2012年政府信息公开工作年度报告\n正文。",
            "平房区人民政府2013年政府信息公开工作年度报告\n正文。",
        ),
    ],
)
def test_name_variants_get_one_stable_agency_id(first, second):
    a, b = _resolve(first), _resolve(second)
    assert a.agency_id == b.agency_id
    assert _resolve(first).agency_id == a.agency_id  # stable across runs


def test_the_region_of_a_bare_name_comes_from_the_postcode():
    ident = _resolve("区政务服务中心2016年工作总结\n全年办件1万件。\n(地址:世纪大道80号,邮编:264400)")
    assert (ident.province, ident.city) == ("山东省", "威海市")


def test_the_region_of_a_bare_name_comes_from_the_phone_area_code():
    ident = _resolve("市政务服务中心2016年工作总结\n全年办件1万件。\n联系电话:0533-1234567。")
    assert (ident.province, ident.city) == ("山东省", "淄博市")
    assert ident.agency == "淄博市政务服务中心"
    assert ident.level == "city"


def test_a_county_named_in_the_title_finds_its_city_and_province():
    ident = _resolve("相城区行政服务中心2009年度工作总结\n正文。")
    assert (ident.province, ident.city, ident.county) == ("江苏省", "苏州市", "相城区")
    assert ident.region_code == "320507"
    assert (ident.level, ident.kind) == ("county", "service_centre")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "平城区行政审批局2024年工作总结",
            ("山西省", "大同市", "平城区", "140213", "大同市平城区行政审批服务局"),
        ),
        (
            "济南市莱芜区人民政府2020年政府信息公开工作年度报告",
            ("山东省", "济南市", "莱芜区", "370116", None),
        ),
        (
            "龙港市政务服务中心2021年工作总结",
            ("浙江省", "温州市", "龙港市", "330383", "温州市龙港市政务服务中心"),
        ),
    ],
)
def test_a_body_of_a_division_made_since_2017_is_placed_in_it(title, expected):
    """Before, 平城区 was read as 城区 (one of five) and 龙港市 as no place at all."""
    ident = _resolve(f"{title}\n正文。")
    *where, name = expected
    assert (ident.province, ident.city, ident.county, ident.region_code) == tuple(where)
    assert ident.level == "county"
    if name:
        assert ident.agency == name


def _read_and_resolve(text: str, table: pd.DataFrame = NO_TABLE) -> A.AgencyIdentity:
    """As a build resolves: the metadata read from the text (its region included), then the agency."""
    from pipeline.extract import extract

    ex = extract(text)
    return A.resolve(ex.meta, ex.text, table=table)


@pytest.mark.parametrize(
    ("county", "phone", "city"),
    [
        ("鼓楼区", "0591", "福州市"),
        ("鼓楼区", "025", "南京市"),
        ("鼓楼区", "0516", "徐州市"),
        ("新城区", "029", "西安市"),
        ("新城区", "0471", "呼和浩特市"),
        ("朝阳区", "0431", "长春市"),
        ("朝阳区", "010", "北京市"),
    ],
)
def test_a_county_name_several_cities_share_is_placed_by_the_phone_area_code(county, phone, city):
    """Before, the name outvoted the area code: cpca's first reading came in as the region the
    metadata read, and a province with two of the homonyms (江苏: 南京, 徐州) won on the name alone."""
    ident = _read_and_resolve(
        f"{county}政务服务中心2016年工作总结\n全年办件1万件。\n联系电话:{phone}-1234567。"
    )
    assert (ident.city, ident.county) == (city, county)
    assert (
        ident.agency == f"{city}{county}政务服务中心" if city != "北京市" else f"北京市{county}政务服务中心"
    )
    assert ident.confidence >= A.CONFIDENT


def test_a_county_name_several_cities_share_is_placed_by_the_postcode():
    ident = _read_and_resolve("鼓楼区政务服务中心2016年工作总结\n全年办件1万件。\n邮编:475000")
    assert (ident.city, ident.county) == ("开封市", "鼓楼区")


def test_a_shared_county_name_with_nothing_else_to_go_on_is_listed_for_review():
    ident = _read_and_resolve("鼓楼区政务服务中心2016年工作总结\n全年办件1万件。")
    assert ident.county == "鼓楼区"  # one reading is still taken, the same for every such report
    assert ident.confidence < A.CONFIDENT  # and propose() lists it for the analyst
    again = _read_and_resolve("鼓楼区政务服务中心2017年工作总结\n全年办件2万件。")
    assert again.agency_id == ident.agency_id


def test_a_guessed_county_is_proposed_to_the_analyst_with_the_cities_that_share_its_name(tmp_path):
    from pipeline.dataset import build_dataset

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "guess.txt").write_text(
        "鼓楼区政务服务中心2016年工作总结\n全年共受理各类事项1万件。\n", encoding="utf-8"
    )
    (raw / "known.txt").write_text(
        "鼓楼区行政审批局2016年工作总结\n全年共受理各类事项2万件。\n联系电话:0591-87654321\n",
        encoding="utf-8",
    )
    build_dataset(raw, tmp_path / "ds", workers=1, progress=False, corrections_path=None)
    proposed = pd.read_csv(tmp_path / "ds" / "agencies.proposed.csv", encoding="utf-8-sig")
    [row] = proposed.to_dict("records")  # the one placed by its phone number is not asked about
    assert row["canonical_name"].endswith("鼓楼区政务服务中心")
    assert "low confidence" in row["reason"]
    assert "county name shared: 鼓楼区 (南京市、徐州市、福州市、开封市)" in row["reason"]
    # and the row the analyst then adds settles it: the guess does not contradict the row's region
    table = A.load_agency_table(
        _write_table(
            tmp_path / "agencies.csv",
            [
                "fz-gl-zwfw,福州市鼓楼区政务服务中心,福建省/福州市/鼓楼区,county,service_centre,鼓楼区政务服务中心,"
            ],
        )
    )
    settled = _read_and_resolve((raw / "guess.txt").read_text(encoding="utf-8"), table)
    assert (settled.agency_id, settled.city) == ("fz-gl-zwfw", "福州市")
    nanjing = _read_and_resolve("鼓楼区政务服务中心2016年工作总结\n联系电话:025-87654321\n", table)
    assert nanjing.agency_id != "fz-gl-zwfw" and nanjing.city == "南京市"  # its text says otherwise


def test_the_metadata_region_does_not_guess_among_homonyms():
    from pipeline.meta import read_region

    assert read_region("鼓楼区政务服务中心") == "鼓楼区"
    assert read_region("南京市鼓楼区政务服务中心") == "江苏省南京市鼓楼区"
    assert read_region("相城区行政服务中心") == "江苏省苏州市相城区"  # one 相城区: cpca fills it in


def test_a_township_report_is_township_level():
    ident = _resolve("武江区龙归镇人民政府2016年政府信息公开年度报告\n正文。")
    assert (ident.city, ident.county, ident.level, ident.kind) == (
        "韶关市",
        "武江区",
        "township",
        "township_government",
    )


def _write_table(path: Path, rows: list[str]) -> Path:
    path.write_text(",".join(A.TABLE_COLUMNS) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_analyst_table_takes_precedence_over_the_rules(tmp_path):
    table = A.load_agency_table(
        _write_table(
            tmp_path / "agencies.csv",
            ["hc-fgj,海沧发改,福建省/厦门市/海沧区,county,bureau,海沧区发改局|厦门市海沧区发展和改革局,"],
        )
    )
    ident = _resolve("海沧区发改局2020年政府信息公开工作年度报告\n正文。", table)
    assert (ident.agency_id, ident.agency, ident.source) == ("hc-fgj", "海沧发改", "analyst")
    assert ident.city == "厦门市"


def test_a_body_the_report_only_names_does_not_take_it_to_that_bodys_row(tmp_path):
    """An office's report on its government's portal names the government; the report is the office's."""
    table = A.load_agency_table(
        _write_table(
            tmp_path / "agencies.csv",
            [
                "hrb-pf-gov,哈尔滨市平房区人民政府,黑龙江省/哈尔滨市/平房区,county,people_government,平房区|平房区人民政府,"
            ],
        )
    )
    office = _resolve(
        "平房区人民政府办公室2018年政府信息公开工作年度报告\n现将平房区人民政府办公室2018年度工作情况报告如下。"
        "本办在平房区人民政府领导下开展工作。\n平房区人民政府办公室",
        table,
    )
    assert office.agency_id != "hrb-pf-gov" and office.agency == "哈尔滨市平房区人民政府办公室"
    government = _resolve("平房区人民政府2018年政府信息公开工作年度报告\n正文。", table)
    assert (government.agency_id, government.source) == ("hrb-pf-gov", "analyst")


def test_a_successor_row_gives_its_id_to_the_body_it_succeeded(tmp_path):
    table = A.load_agency_table(
        _write_table(
            tmp_path / "agencies.csv",
            [
                "wd-old,威海市文登区政务服务中心,山东省/威海市/文登区,county,service_centre,,",
                "wd-new,威海市文登区行政审批服务局,山东省/威海市/文登区,county,bureau,,wd-old",
            ],
        )
    )
    ident = _resolve("威海市文登区政务服务中心2016年政府信息公开工作年度报告\n正文。", table)
    assert ident.agency_id == "wd-new"
    assert ident.agency == "威海市文登区政务服务中心"


def test_a_bad_analyst_table_is_refused_with_every_bad_row_listed(tmp_path):
    path = _write_table(
        tmp_path / "agencies.csv",
        [
            "ok-1,平房区人民政府,黑龙江省/哈尔滨市/平房区,county,people_government,,",
            "ok-1,重复,黑龙江省,county,people_government,,",
            "bad id,名称,火星省,galaxy,spaceship,,",
            "c-1,甲,山东省,,,,c-2",
            "c-2,乙,山东省,,,,c-1",
        ],
    )
    with pytest.raises(A.AgencyTableError) as err:
        A.load_agency_table(path)
    message = str(err.value)
    for expected in ("line 3", "repeats line 2", "line 4", "火星省", "galaxy", "spaceship", "cycle"):
        assert expected in message


def test_a_table_with_the_wrong_header_is_refused(tmp_path):
    path = tmp_path / "agencies.csv"
    path.write_text("id,name\nx,y\n", encoding="utf-8")
    with pytest.raises(A.AgencyTableError, match="header"):
        A.load_agency_table(path)


def test_the_shipped_analyst_table_is_valid_and_never_written_by_resolve_or_propose():
    path = A.DEFAULT_TABLE
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    table = A.load_agency_table(path)
    assert len(table) >= 3
    ident = A.resolve(
        DocumentMeta(),
        normalise(
            "高新区政务服务中心2018年政府信息公开工作年度报告\n淄博市。\n淄博高新技术产业开发区政务服务中心"
        ),
    )
    assert ident.agency_id == "zb-gx-zwfw"
    docs = pd.DataFrame(
        [{"path": "a.txt", "agency": ident.agency, "agency_id": ident.agency_id, "level": "county"}]
    )
    A.propose(docs)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_propose_lists_unsure_names_with_candidates_and_skips_analyst_rows():
    docs = pd.DataFrame(
        [
            {
                "path": "a.txt",
                "agency": "区政务服务中心",
                "agency_id": "340000-x",
                "region": "安徽省",
                "level": "county",
                "city": None,
                "agency_kind": "service_centre",
            },
            {
                "path": "b.txt",
                "agency": "六安市金寨县政务服务中心",
                "agency_id": "341524-y",
                "region": "安徽省/六安市/金寨县",
                "level": "county",
                "city": "六安市",
                "agency_kind": "service_centre",
            },
            {
                "path": "c.txt",
                "agency": "淄博高新技术产业开发区政务服务中心",
                "agency_id": "zb-gx-zwfw",
                "level": None,
                "city": None,
                "agency_kind": "service_centre",
            },
        ]
    )
    out = A.propose(docs)
    assert list(out["agency_id"]) == ["340000-x"]
    row = out.iloc[0]
    assert "no city found" in row["reason"]
    assert "六安市金寨县政务服务中心" in row["candidates"]
    assert list(out.columns[: len(A.TABLE_COLUMNS)]) == list(A.TABLE_COLUMNS)


def test_propose_summarises_each_agency_over_all_its_documents():
    """Facts gathered per agency: every name, the lowest confidence, the document count, each file
    once and sorted; the first document's level and region; compact (categorical) columns alike."""
    rows = [
        ("z/2021.txt", "临泉县政务服务中心", "341221-a", "安徽省/阜阳市/临泉县", "county", "阜阳市", 0.95),
        ("a/2020.txt", "临泉县政务服务管理局", "341221-a", "安徽省/阜阳市/临泉县", "county", "阜阳市", None),
        ("m/2022.txt", "临泉县政务服务中心", "341221-a", "安徽省/阜阳市/临泉县", "county", "阜阳市", 0.5),
        ("a/2020.txt", "临泉县政务服务中心", "341221-a", "安徽省/阜阳市/临泉县", "county", "阜阳市", 0.95),
        ("b/2019.txt", "阜阳市政务服务中心", "341200-b", "安徽省/阜阳市", "city", "阜阳市", 0.95),
        ("c/2019.txt", None, "341200-c", "安徽省/阜阳市", "city", "阜阳市", 0.1),  # no name: not listed
    ]
    docs = pd.DataFrame(
        rows, columns=["path", "agency", "agency_id", "region", "level", "city", "agency_confidence"]
    )
    for frame in (
        docs,
        docs.astype({c: "category" for c in ("agency", "agency_id", "region", "level", "city")}),
    ):
        out = A.propose(frame, table=NO_TABLE).set_index("agency_id")
        assert list(out.index) == ["341221-a"]  # 341200-b is sure of itself, 341200-c has no name
        row = out.loc["341221-a"]
        assert row["canonical_name"] == "临泉县政务服务中心" and row["aliases"] == "临泉县政务服务管理局"
        assert row["reason"] == "low confidence; several names for one id"
        assert row["n_documents"] == 4
        assert row["paths"] == "a/2020.txt|m/2022.txt|z/2021.txt"
        assert row["region"] == "安徽省/阜阳市/临泉县" and row["level"] == "county"


def test_the_proposals_of_a_build_are_rows_the_analyst_table_accepts(generated_build, tmp_path):
    """The analyst's loop: agencies.proposed.csv, its first columns pasted into agencies.csv, must
    load. A town's government (kind township_government) was refused as an unknown kind."""
    proposed = pd.read_csv(generated_build / "ds" / "agencies.proposed.csv", encoding="utf-8-sig", dtype=str)
    assert "township_government" in set(proposed["kind"])  # the case that was refused
    pasted = tmp_path / "agencies.csv"
    proposed[list(A.TABLE_COLUMNS)].fillna("").to_csv(pasted, index=False, encoding="utf-8")
    table = A.load_agency_table(pasted)
    assert len(table) == len(proposed)
    from pipeline.agency_rules import KIND_LABELS

    assert set(proposed["kind"].dropna()) <= set(KIND_LABELS)  # each with its Chinese label for the app


@pytest.mark.parametrize(
    ("years", "said"),
    [
        ((2020, 2020), "several names for one id, in the same year (2020: 淄博市博山区政务服务中心、"
                       "淄博市博山区行政审批服务局): two bodies? give each its own row"),
        ((2017, 2020), "several names for one id (by year: 淄博市博山区政务服务中心 2017-2017; "
                       "淄博市博山区行政审批服务局 2020-2020)"),
    ],
)  # fmt: skip
def test_a_proposal_of_several_names_says_when_each_was_used(tmp_path, years, said):
    """The renaming rules join a 政务服务中心 and the 行政审批局 that took it over; two reports of one
    year under the two names may rather be two bodies, which the analyst parts with a row each."""
    from pipeline.dataset import build_dataset

    raw = tmp_path / "raw"
    raw.mkdir()
    for name, year, done in (("政务服务中心", years[0], 12000), ("行政审批局", years[1], 3500)):
        (raw / f"{name}.txt").write_text(
            f"博山区{name}{year}年工作总结\n{year}年,共受理各类事项{done}件。\n博山区{name}\n",
            encoding="utf-8",
        )
    build_dataset(raw, tmp_path / "ds", workers=1, progress=False, corrections_path=None)
    proposed = pd.read_csv(tmp_path / "ds" / "agencies.proposed.csv", encoding="utf-8-sig")
    assert proposed["reason"].tolist() == [said]


def test_proposals_gathered_part_by_part_are_those_of_the_whole_table(generated_documents):
    """A build reads its documents back a batch at a time for the proposals: per agency and per
    name, what it gathers must not depend on where the batches split."""
    whole = A.propose(generated_documents, table=NO_TABLE)
    assert len(whole) > 10  # generated reports leave some agencies unsure
    for size in (3, 250):
        parts = [generated_documents.iloc[i : i + size] for i in range(0, len(generated_documents), size)]
        out = A.propose_in_parts(lambda columns, parts=parts: [p[columns] for p in parts], table=NO_TABLE)
        pd.testing.assert_frame_equal(out, whole)


def _documents(*dirs: Path) -> list[tuple[Path, dict]]:
    out = []
    for d in dirs:
        for txt in sorted(d.rglob("*.txt")):
            if txt.with_suffix(".json").exists():
                out.append((txt, json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))))
    return out


def test_agency_and_region_accuracy_on_seeds_and_corpus(seeds_dir, corpus_dir):
    docs = _documents(seeds_dir, corpus_dir)
    assert len(docs) >= 30
    named = agreed = region_named = region_right = 0
    misses = []
    for txt, gold in docs:
        text = normalise(txt.read_text(encoding="utf-8", errors="replace"))
        ident = A.resolve(read_meta(text, txt.name), text, table=NO_TABLE)
        if gold.get("agency"):
            named += 1
            if A.same_body(ident.agency, gold["agency"]):
                agreed += 1
            else:
                misses.append(f"{txt.name}: agency {ident.agency!r} vs gold {gold['agency']!r}")
        chain = D.parse_region(A.clean_name(gold.get("region")))
        simple = to_simplified(text)
        if chain and any(d.name in simple or d.short in simple for d in chain):
            region_named += 1
            # compare at the levels the gold gives (province and city; a county when given)
            mine = {"province": ident.province, "city": ident.city, "county": ident.county}
            wanted = {d.level: d.name for d in chain}
            if D.city_of(chain[-1]) is not None:
                wanted["city"] = D.city_of(chain[-1]).name
            if all(mine[k] == v for k, v in wanted.items() if k in ("province", "city")):
                region_right += 1
            else:
                misses.append(f"{txt.name}: region {ident.region!r} vs gold {gold.get('region')!r}")
    print(f"\nagency same-body accuracy: {agreed}/{named} = {agreed / named:.3f}")
    print(f"region (province+city) right where the text names it: {region_right}/{region_named}")
    print("\n".join(misses))
    assert agreed / named >= 0.95
    assert region_named >= 25
    assert region_right == region_named


@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8-sig"])
def test_the_analyst_table_saved_by_excel_reads_as_the_utf8_one(tmp_path, encoding):
    """Excel on a Chinese Windows saves CSV as GBK (and "Unicode text" as UTF-16): same rows."""
    shipped = A.REPO / "data" / "agencies.csv"
    resaved = tmp_path / "agencies.csv"
    resaved.write_bytes(shipped.read_text(encoding="utf-8").encode(encoding))
    expected = A.load_agency_table(shipped)
    assert len(expected) >= 2
    pd.testing.assert_frame_equal(A.load_agency_table(resaved), expected)


def test_a_binary_or_unreadable_analyst_table_is_refused_with_a_message(tmp_path):
    import zipfile

    xlsx = tmp_path / "agencies.csv"  # a workbook saved under the CSV's name
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>" * 50)
    with pytest.raises(A.AgencyTableError, match="CSV UTF-8"):
        A.load_agency_table(xlsx)
    with pytest.raises(A.AgencyTableError, match="folder"):
        A.load_agency_table(tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert A.load_agency_table(empty).empty
