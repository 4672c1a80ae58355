"""The divisions table: names and codes from cpca, postcodes and phone area codes to their city."""

from __future__ import annotations

import pytest

from pipeline import divisions as D


def test_the_table_holds_every_province_and_thousands_of_counties():
    levels = [d.level for d in D.divisions()]
    assert levels.count("province") == 34
    assert levels.count("city") > 300
    assert levels.count("county") > 2500


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("海沧区", ["福建省", "厦门市", "海沧区"]),
        ("二道江区", ["吉林省", "通化市", "二道江区"]),
        ("得荣县", ["四川省", "甘孜藏族自治州", "得荣县"]),
        ("平度市", ["山东省", "青岛市", "平度市"]),
        ("九龙坡区", ["重庆市", "九龙坡区"]),
        ("韶关市武江区", ["广东省", "韶关市", "武江区"]),
        ("武汉东湖新技术开发区", ["湖北省", "武汉市"]),
        ("北京市朝阳区", ["北京市", "朝阳区"]),
    ],
)
def test_a_county_name_alone_finds_its_city_and_province(name, expected):
    assert [d.name for d in D.parse_region(name)] == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("平城区", ["山西省", "大同市", "平城区"]),  # 2018, from 城区 and 南郊区
        ("济南市莱芜区", ["山东省", "济南市", "莱芜区"]),  # 2019, 莱芜市 became part of 济南
        ("钢城区", ["山东省", "济南市", "钢城区"]),  # the same district under its new code and city
        ("龙港市", ["浙江省", "温州市", "龙港市"]),  # 2019, from 苍南县
        ("南昌市红谷滩区", ["江西省", "南昌市", "红谷滩区"]),
        ("大同市城区", ["山西省", "大同市", "城区"]),  # abolished in 2018: older reports still name it
        ("莱芜市", ["山东省", "莱芜市"]),
        ("邢台市襄都区", ["河北省", "邢台市", "襄都区"]),  # 2020, renamed in place (130502)
        ("邢台市桥东区", ["河北省", "邢台市", "襄都区"]),  # its former name: the same place
        ("那曲市色尼区", ["西藏自治区", "那曲市", "色尼区"]),  # 2017, 那曲地区 became a city, re-coded
        ("那曲地区", ["西藏自治区", "那曲市"]),  # its former name
        ("那曲", ["西藏自治区", "那曲市"]),  # one place, not two
    ],
)
def test_divisions_made_since_the_adcode_table_are_known_and_the_abolished_ones_kept(name, expected):
    assert [d.name for d in D.parse_region(name)] == expected


def test_a_new_district_is_not_read_as_an_older_name_inside_it():
    # 平城区 holds 城区 (five cities had one): the whole name is the place
    assert D.scan("平城区行政审批局") == [(0, 3, "平城区")]


def test_with_newer_adds_new_codes_replaces_recoded_places_and_keeps_the_rest():
    known = {
        "320000": D.Division("320000", "江苏省", "province", "320000", None),
        "320600": D.Division("320600", "南通市", "city", "320000", "320600"),
        "320602": D.Division("320602", "崇川区", "county", "320000", "320600"),
        "320611": D.Division("320611", "港闸区", "county", "320000", "320600"),
        "320612": D.Division("320612", "通州区", "county", "320000", "320600"),
    }
    newer = {"320000": "江苏省", "320600": "南通市", "320612": "通州区(新)", "320613": "崇川区",
             "320614": "海门区", "990101": "无省可归"}  # fmt: skip
    merged = D.with_newer(known, newer)
    assert sorted(merged) == ["320000", "320600", "320611", "320612", "320613", "320614"]
    assert merged["320613"] == D.Division("320613", "崇川区", "county", "320000", "320600")  # re-coded
    assert merged["320611"].name == "港闸区"  # abolished, not re-coded: older reports name it
    assert merged["320612"] == D.Division("320612", "通州区(新)", "county", "320000", "320600")  # renamed
    assert D.with_newer(known, {}) == known


def test_an_ambiguous_county_name_alone_settles_nothing():
    # 朝阳区 is in Beijing and in Changchun: no guess
    assert D.parse_region("朝阳区") == []
    assert {d.province_code for d in D.lookup("朝阳区")} == {"110000", "220000"}


@pytest.mark.parametrize(
    ("short", "full"), [("淄博", "淄博市"), ("广西", "广西壮族自治区"), ("甘孜", "甘孜藏族自治州")]
)
def test_short_names_of_provinces_and_cities_are_known(short, full):
    assert [d.name for d in D.lookup(short)] == [full]


@pytest.mark.parametrize(
    ("postcode", "city"),
    [
        ("264400", "威海市"),
        ("255000", "淄博市"),
        ("563000", "遵义市"),
        ("266700", "青岛市"),
        ("100000", "北京市"),
    ],
)
def test_a_postcode_finds_its_city(postcode, city):
    assert D.postcode_region(postcode).name == city


@pytest.mark.parametrize("bad", ["999999", "12345", "abcdef", ""])
def test_a_postcode_that_is_not_one_finds_nothing(bad):
    assert D.postcode_region(bad) is None


@pytest.mark.parametrize(
    ("code", "city"),
    [("0533", "淄博市"), ("0631", "威海市"), ("0571", "杭州市"), ("0818", "达州市"), ("010", "北京市")],
)
def test_a_phone_area_code_finds_its_city(code, city):
    assert D.area_code_region(code).name == city


def test_an_area_code_shared_by_several_cities_gives_only_the_province():
    # 0354 serves both 晋中 and 吕梁 (phonenumbers geodata says so)
    assert D.area_code_region("0354").name == "山西省"
