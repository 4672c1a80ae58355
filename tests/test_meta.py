"""Document metadata from the text: year covered, type, agency, region, publication date."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.meta import agency_candidates, read_meta, read_published, read_year
from pipeline.text import normalise

HEADER = "标题: | 高新区政务服务中心2018年政府信息公开工作年度报告 | ||\n发文日期: | 2019-03-25 | 发布机构: | 高新技术产业开发区政务服务中心 |\n"
BODY = "本报告由高新区政务服务中心编制的2019年度政府信息公开年度报告。\n一、概述\n2018年,中心主动公开政府信息54条。2018年没有收到依申请公开政府信息申请。\n"
SIGNATURE = "淄博高新技术产业开发区政务服务中心\n2019年1月2日"


def test_the_title_year_wins_over_a_typo_in_the_body_and_the_publication_year():
    meta = read_meta(normalise(HEADER + BODY + SIGNATURE))
    assert meta.year == 2018


def test_the_fullest_name_of_the_same_body_is_chosen_and_the_region_follows_it():
    meta = read_meta(normalise(HEADER + BODY + SIGNATURE))
    assert meta.agency == "淄博高新技术产业开发区政务服务中心"
    assert meta.region and meta.region.startswith("山东省淄博市")
    assert "高新区政务服务中心" in meta.agency_candidates


def test_a_date_field_wins_over_the_signature_date():
    assert read_meta(normalise(HEADER + BODY + SIGNATURE)).published == date(2019, 3, 25)


@pytest.mark.parametrize(
    ("tail", "expected"),
    [("一七年一月八日", date(2017, 1, 8)), ("二〇一九年三月", date(2019, 3, 1)), ("二0一七年", None),
     ("2016年11月16日", date(2016, 11, 16))],
)  # fmt: skip
def test_signature_dates_in_arabic_and_chinese_numerals(tail, expected):
    assert read_published("某某区政务服务中心2016年工作总结\n正文。\n" + tail)[0] == expected


@pytest.mark.parametrize(
    ("text", "year"),
    [
        (
            "根据有关规定编制本报告。本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止。\n一、总体情况\n2022年,我局…",
            2023,
        ),
        ("按照条例要求,现将我局2014年政府信息公开情况报告如下。\n一、主动公开", 2014),
        (
            "【概况】某市行政服务中心自2002年5月开始筹建。截止到2008年共受理13.6万件。其中2008年受理2.1万件。到2008年底…",
            2008,
        ),
        ("行政服务大厅工作总结\n20XX年,大厅…", None),
    ],
)
def test_year_from_period_phrase_or_most_frequent_mention(text, year):
    assert read_year(text)[0] == year


@pytest.mark.parametrize(
    ("text", "doc_type"),
    [
        (HEADER + BODY, "disclosure_annual_report"),
        ("区政务服务中心2016年工作总结\n2016年以来,区政务服务中心努力工作,积极进取,在强化政务服务、深化政务公开上取得进展,全年办件5.6万件。",
         "work_summary"),
        ("二道江区政务服务中心2015年信息公开工作年度报告\n一、2015年工作完成情况\n狠抓日常管理,强化队伍建设,着力打造态度好、服务优、效率高的窗口形象,窗口行政审批事项按时办结率为100%。",
         "work_summary"),
        ("beat365官方网站大全_彩票下载人民政府2021年政府信息公开年度报告\n一、总体情况\n主动公开政府信息66551条,依申请公开308件。",
         "other"),
        ("标题: | 某镇人民政府关于做好2011年政务公开工作的通知 |\n为进一步做好2011年政务公开工作,现就有关事项通知如下。各村要认真落实,确保政务公开工作取得实效,不断提高工作水平。",
         "other"),
    ],
)  # fmt: skip
def test_document_type_from_title_and_content(text, doc_type):
    assert read_meta(normalise(text)).doc_type == doc_type


def test_agency_from_compiled_by_phrase_and_contact_line_trimmed_to_the_body():
    text = ("本年报由江干区行政审批服务管理办公室(公共资源交易管理委员会办公室)编制。\n一、概述\n2017年我办主动公开政府信息778条。\n"
            "如有疑问请与遵义市人力资源和社会保障局办公室联系。")  # fmt: skip
    meta = read_meta(normalise(text))
    assert meta.agency == "江干区行政审批服务管理办公室(公共资源交易管理委员会办公室)"


@pytest.mark.parametrize(
    ("title", "issuer"),
    [
        ("南山区人民政府办公室关于做好2024年政务公开工作的通知", "南山区人民政府办公室"),
        ("南宁市人民政府地方志办公室关于印发2020年政务公开工作要点的通知", "南宁市人民政府地方志办公室"),
        ("某县人民政府关于2019年度政府信息公开工作的报告", "某县人民政府"),
        ("南山区人民政府办公室转发市政府办公室关于做好2024年政务公开工作的通知", "南山区人民政府办公室"),
    ],
)
def test_an_official_documents_issuer_comes_before_guanyu_in_its_title(title: str, issuer: str):
    """Issuer + 关于 + matter + kind (GB/T 9704); the body named most in the text is its superior."""
    text = normalise(f"{title}\n为进一步做好工作,经南山区人民政府同意,现就有关事项通知如下。\n南山区人民政府")
    assert read_meta(text).agency == issuer


@pytest.mark.parametrize(
    ("sentence", "named"),
    [
        ("继续充实专业团队,形成省局、局机关处室、市县区局上下联动的工作格局。", None),  # a verb before 省局
        ("建成覆盖全省局系统的公开平台。", None),
        ("会同黑龙江省林业局开展联合检查。", "黑龙江省林业局"),  # a province: still a body
        ("报送山东省省级机关事务管理局审核。", "山东省省级机关事务管理局"),
        ("配合淄博高新区行政审批服务局完成事项梳理。", "淄博高新区行政审批服务局"),  # a zone before 区
    ],
)
def test_a_body_named_in_passing_needs_a_real_province_before_sheng(sentence: str, named: str | None):
    text = normalise("2019年政府信息公开工作情况\n" + sentence)
    bodies = [name for name, _, source in agency_candidates(text) if source == "body"]
    if named is None:
        assert not any("省局" in name for name in bodies), bodies
    else:
        assert any(name.endswith(named) for name in bodies), bodies


def test_metadata_of_an_empty_text_is_empty_not_an_error():
    meta = read_meta("")
    assert (meta.year, meta.agency, meta.published, meta.doc_type) == (None, None, None, "other")
