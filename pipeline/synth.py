"""Synthetic reports with their ground truth, for benchmarks and property tests (never real data).

Every document is template-filled from the tables below with one `random.Random` per document
seeded by (seed, index), so a corpus is the same whatever the worker count. Each report starts with
MARK, is named synth_*.txt (or .pdf, .docx... with --formats), and has a gold-schema .json beside it
whose evidence strings are exact substrings of the text. Writing into data/raw is refused: synthetic
text must never pass for a report.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from pipeline.catalog import BY_KEY

MARK = "【合成样本 SYNTHETIC】"
PREFIX = "synth_"
YEARS = (2008, 2025)

# ---------------------------------------------------------------------------------------------
# Agencies: real place names; kinds per administrative level as (name suffix, self-reference,
# is a service body). Municipalities directly under the central government have no city tier.
# fmt: off
REGIONS: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    ("山东省", (("济南市", ("历下区", "市中区", "槐荫区", "章丘区", "平阴县")),
               ("青岛市", ("市南区", "黄岛区", "即墨区", "胶州市", "平度市")),
               ("淄博市", ("张店区", "淄川区", "博山区", "临淄区", "桓台县")),
               ("威海市", ("环翠区", "文登区", "荣成市", "乳山市")))),
    ("江苏省", (("南京市", ("玄武区", "秦淮区", "江宁区", "浦口区")),
               ("苏州市", ("姑苏区", "吴中区", "昆山市", "常熟市")),
               ("徐州市", ("鼓楼区", "铜山区", "沛县", "丰县")))),
    ("浙江省", (("杭州市", ("上城区", "西湖区", "萧山区", "余杭区", "桐庐县")),
               ("宁波市", ("海曙区", "鄞州区", "慈溪市", "象山县")),
               ("温州市", ("鹿城区", "瑞安市", "乐清市", "永嘉县")))),
    ("广东省", (("广州市", ("越秀区", "天河区", "番禺区", "花都区")),
               ("深圳市", ("福田区", "南山区", "宝安区", "龙岗区")),
               ("湛江市", ("赤坎区", "霞山区", "雷州市", "徐闻县")))),
    ("河南省", (("郑州市", ("金水区", "二七区", "中牟县", "巩义市")),
               ("洛阳市", ("西工区", "洛龙区", "孟津区", "栾川县")),
               ("南阳市", ("宛城区", "卧龙区", "邓州市", "西峡县")))),
    ("湖北省", (("武汉市", ("江岸区", "武昌区", "洪山区", "黄陂区")),
               ("孝感市", ("孝南区", "应城市", "安陆市", "云梦县")),
               ("宜昌市", ("西陵区", "夷陵区", "宜都市", "秭归县")))),
    ("湖南省", (("长沙市", ("芙蓉区", "岳麓区", "望城区", "浏阳市")),
               ("株洲市", ("天元区", "醴陵市", "攸县", "炎陵县")))),
    ("四川省", (("成都市", ("锦江区", "武侯区", "郫都区", "都江堰市")),
               ("甘孜藏族自治州", ("康定市", "泸定县", "得荣县", "稻城县")),
               ("绵阳市", ("涪城区", "游仙区", "江油市", "三台县")))),
    ("福建省", (("厦门市", ("思明区", "湖里区", "海沧区", "集美区")),
               ("福州市", ("鼓楼区", "仓山区", "福清市", "闽侯县")))),
    ("安徽省", (("合肥市", ("蜀山区", "包河区", "肥西县", "巢湖市")),
               ("芜湖市", ("镜湖区", "鸠江区", "无为市", "南陵县")))),
    ("河北省", (("石家庄市", ("长安区", "桥西区", "正定县", "辛集市")),
               ("保定市", ("竞秀区", "莲池区", "涿州市", "定州市")))),
    ("黑龙江省", (("哈尔滨市", ("道里区", "南岗区", "平房区", "阿城区", "五常市")),)),
    ("海南省", (("海口市", ("秀英区", "龙华区", "美兰区")), ("三亚市", ("天涯区", "吉阳区")))),
    ("陕西省", (("西安市", ("新城区", "碑林区", "雁塔区", "长安区")),
               ("宝鸡市", ("渭滨区", "金台区", "凤翔区", "岐山县")))),
    ("云南省", (("昆明市", ("五华区", "盘龙区", "官渡区", "安宁市")),
               ("大理白族自治州", ("大理市", "祥云县", "宾川县")))),
    ("广西壮族自治区", (("南宁市", ("青秀区", "兴宁区", "武鸣区", "横州市")),
                      ("桂林市", ("秀峰区", "七星区", "阳朔县")))),
    ("内蒙古自治区", (("呼和浩特市", ("新城区", "回民区", "赛罕区")),
                    ("包头市", ("昆都仑区", "青山区", "九原区")))),
    ("山西省", (("太原市", ("小店区", "迎泽区", "杏花岭区")), ("大同市", ("平城区", "云冈区", "阳高县")))),
    ("北京市", (("", ("东城区", "西城区", "朝阳区", "海淀区", "丰台区")),)),
    ("上海市", (("", ("黄浦区", "徐汇区", "浦东新区", "闵行区")),)),
    ("天津市", (("", ("和平区", "河西区", "滨海新区")),)),
    ("重庆市", (("", ("渝中区", "江北区", "沙坪坝区", "万州区", "巫山县")),)),
)

Kind = tuple[str, str, bool]  # (name suffix, how the report calls itself, service body)
PROVINCE_KINDS: tuple[Kind, ...] = (
    ("人民政府办公厅", "我厅", False), ("发展和改革委员会", "我委", False), ("教育厅", "我厅", False),
    ("公安厅", "我厅", False), ("民政厅", "我厅", False), ("财政厅", "我厅", False),
    ("人力资源和社会保障厅", "我厅", False), ("自然资源厅", "我厅", False), ("生态环境厅", "我厅", False),
    ("住房和城乡建设厅", "我厅", False), ("交通运输厅", "我厅", False), ("水利厅", "我厅", False),
    ("农业农村厅", "我厅", False), ("商务厅", "我厅", False), ("卫生健康委员会", "我委", False),
    ("市场监督管理局", "我局", False), ("统计局", "我局", False), ("政务服务管理局", "我局", True),
    ("药品监督管理局", "我局", False), ("地方志办公室", "我办", False),
)
CITY_KINDS: tuple[Kind, ...] = (
    ("人民政府", "市政府", False), ("人民政府办公室", "市政府办公室", False), ("政务服务中心", "中心", True),
    ("行政审批服务局", "我局", True), ("政务服务和大数据管理局", "我局", True),
    ("发展和改革委员会", "我委", False), ("教育局", "我局", False), ("公安局", "我局", False),
    ("民政局", "我局", False), ("司法局", "我局", False), ("财政局", "我局", False),
    ("人力资源和社会保障局", "我局", False), ("自然资源和规划局", "我局", False), ("生态环境局", "我局", False),
    ("住房和城乡建设局", "我局", False), ("交通运输局", "我局", False), ("水务局", "我局", False),
    ("农业农村局", "我局", False), ("商务局", "我局", False), ("文化和旅游局", "我局", False),
    ("卫生健康委员会", "我委", False), ("应急管理局", "我局", False), ("审计局", "我局", False),
    ("市场监督管理局", "我局", False), ("统计局", "我局", False), ("医疗保障局", "我局", False),
    ("信访局", "我局", False), ("人民政府地方志办公室", "我办", False), ("退役军人事务局", "我局", False),
    ("城市管理局", "我局", False),
)
COUNTY_KINDS: tuple[Kind, ...] = (
    ("人民政府", "{level}政府", False), ("人民政府办公室", "{level}政府办公室", False),
    ("政务服务中心", "中心", True), ("行政审批局", "我局", True), ("政务服务管理局", "我局", True),
    ("教育局", "我局", False), ("卫生健康局", "我局", False), ("民政局", "我局", False),
    ("财政局", "我局", False), ("自然资源局", "我局", False), ("农业农村局", "我局", False),
    ("市场监督管理局", "我局", False), ("住房和城乡建设局", "我局", False),
    ("人力资源和社会保障局", "我局", False), ("发展和改革局", "我局", False), ("统计局", "我局", False),
    ("信访局", "我局", False), ("司法局", "我局", False),
)
TOWN_KINDS: tuple[Kind, ...] = (
    ("镇人民政府", "我镇", False), ("乡人民政府", "我乡", False), ("街道办事处", "我街道", False),
    ("镇便民服务中心", "中心", True), ("街道便民服务中心", "中心", True),
)
TOWN_NAMES = ("城关", "新华", "东城", "西城", "南湖", "北苑", "红旗", "胜利", "建设", "和平", "长安", "青山",
              "龙泉", "石桥", "柳林", "白沙", "马桥", "高桥", "黄岗", "白洋", "马尚", "双桥", "东风",
              "金山", "凤凰", "桃源", "杨柳", "清河", "大营", "李庄", "王集", "河口", "新庄", "古城")
LEVEL_WEIGHTS = (("province", 1), ("city", 4), ("county", 5), ("town", 2))
SERVICE_SHARE = 0.3  # service centres and licensing bureaus publish most of the service figures
# fmt: on


@dataclass(frozen=True)
class Agency:
    name: str  # as the report's title gives it
    region: str  # province + city + county, as far as the agency is placed
    self_ref: str  # 我局, 中心, 区政府 ...
    service: bool  # a service centre or licensing bureau: reports service figures
    level: str


def _choose_kind(rng: random.Random, kinds: tuple[Kind, ...], service: bool) -> Kind:
    pool = [k for k in kinds if k[2] == service] or list(kinds)
    return rng.choice(pool)


def pick_agency(rng: random.Random) -> Agency:
    province, cities = rng.choice(REGIONS)
    city, counties = rng.choice(cities)
    county = rng.choice(counties)
    level = rng.choices([lv for lv, _ in LEVEL_WEIGHTS], [w for _, w in LEVEL_WEIGHTS])[0]
    wants_service = rng.random() < SERVICE_SHARE
    if level == "province" or (level == "city" and not city):
        kinds = PROVINCE_KINDS if level == "province" and city else CITY_KINDS
        suffix, ref, service = _choose_kind(rng, kinds, wants_service)
        return Agency(province + suffix, province, ref, service, level)
    if level == "city":
        suffix, ref, service = _choose_kind(rng, CITY_KINDS, wants_service)
        return Agency(city + suffix, province + city, ref, service, level)
    region = province + city + county
    if level == "county":
        suffix, ref, service = _choose_kind(rng, COUNTY_KINDS, wants_service)
        prefix = (city + county) if city and rng.random() < 0.6 else county
        ref = ref.format(level="县" if county.endswith("县") else ("市" if county.endswith("市") else "区"))
        return Agency(prefix + suffix, region, ref, service, level)
    suffix, ref, service = _choose_kind(rng, TOWN_KINDS, wants_service)
    return Agency(county + rng.choice(TOWN_NAMES) + suffix, region, ref, service, level)


# ---------------------------------------------------------------------------------------------
# Numerals. A rendered number is (text, value, approx); the value is exactly what the text says.
_FULLWIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")
_CN_DIGITS = "零一二三四五六七八九"
_APPROX_BEFORE = ("约", "近", "超过")


def chinese_numeral(n: int) -> str:
    """0 <= n < 10**8 in Chinese numerals: 一千零五, 十二, 三万零二百."""
    if n == 0:
        return "零"
    if n >= 10000:
        high, low = divmod(n, 10000)
        rest = "" if low == 0 else ("零" if low < 1000 else "") + chinese_numeral(low)
        return chinese_numeral(high) + "万" + rest
    out, zero = [], False
    for unit, size in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        d, n = divmod(n, size)
        if d:
            if zero:
                out.append("零")
            out.append(_CN_DIGITS[d] + unit)
            zero = False
        elif out:
            zero = True
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text


def render_count(
    rng: random.Random, value: int, approx_ok: bool = False, wan_ok: bool = True
) -> tuple[str, int, bool]:
    """Write `value` the way reports do; 万 forms round the value so the text stays exact.

    Chinese numerals are for small counts (三件, 十二篇), as in real reports; 多 follows round figures.
    """
    r = rng.random()
    wan = chinese = False
    if wan_ok and value >= 20000 and r < 0.3:
        tenths = max(1, round(value / 1000))  # 5.6万: one decimal of 万
        amount = Decimal(tenths) / 10
        text, value, wan = f"{amount.normalize():f}万", int(amount * 10000), True
    elif (value < 100 and r < 0.25) or (value < 1000 and r < 0.08):
        text, chinese = chinese_numeral(value), True
    elif r < 0.38:
        text = str(value).translate(_FULLWIDTH)
    elif value >= 1000 and r < 0.42:
        text = f"{value:,}"
    else:
        text = str(value)
    approx = False
    if approx_ok and value >= 10 and rng.random() < 0.3:
        approx = True
        before = rng.random() < 0.5 or (chinese and value % 10 != 0)  # 二十余条, never 十三余条
        after = ("余", "多") if wan or value % 100 == 0 else ("余",)
        text = rng.choice(_APPROX_BEFORE) + text if before else text + rng.choice(after)
    return text, value, approx


def render_percent(rng: random.Random, value: float, approx_ok: bool = False) -> tuple[str, float, bool]:
    text = f"{value:g}%"
    r = rng.random()
    if value == 100 and r < 0.05:
        text = "百分之百"
    elif r < 0.12:
        text = text.translate(_FULLWIDTH)
    if approx_ok and value < 100 and rng.random() < 0.15:
        return text + "以上", value, True
    return text, value, False


def _spaced(rng: random.Random, text: str) -> str:
    """Web pages flattened from HTML cells put spaces or line breaks around a number."""
    r = rng.random()
    if r < 0.04:
        return f" {text} "
    if r < 0.06:
        return f"\n{text}\n"
    return text


# ---------------------------------------------------------------------------------------------
# Metric phrasing: rule id -> (metrics it states, scope, template). {n} is the number as written,
# {y} the year covered, {y0} an earlier year. Zero templates state "none" without a number.
Template = tuple[tuple[str, ...], str, str]
# fmt: off
PHRASES: dict[str, Template] = {
    "acc_1": (("items_accepted",), "annual", "全年共受理审批服务事项{n}件"),
    "acc_2": (("items_accepted",), "annual", "中心共受理各类行政审批和公共服务事项{n}件"),
    "acc_3": (("items_accepted",), "annual", "全年办件量达{n}件"),
    "acc_4": (("items_accepted",), "annual", "各窗口共受理办件{n}件"),
    "acc_5": (("items_accepted",), "annual", "全年受理行政许可和公共服务事项共{n}件"),
    "acc_6": (("items_accepted",), "annual", "大厅全年共受理业务{n}件"),
    "acc_7": (("items_accepted",), "annual", "{y}年共受理各类申请事项{n}件"),
    "acc_8": (("items_accepted",), "annual", "全年办件{n}件"),
    "acc_done": (("items_accepted", "items_completed"), "annual", "全年共受理并办结各类行政审批事项{n}件"),
    "acc_cum_1": (("items_accepted",), "cumulative", "自{y0}年中心运行以来累计受理各类事项{n}件"),
    "acc_cum_2": (("items_accepted",), "cumulative", "截至{y}年底,大厅累计受理业务{n}件"),
    "done_1": (("items_completed",), "annual", "办结{n}件"),
    "done_2": (("items_completed",), "annual", "已办结{n}件"),
    "done_3": (("items_completed",), "annual", "按期办结{n}件"),
    "done_4": (("items_completed",), "annual", "全年共办结各类事项{n}件"),
    "done_5": (("items_completed",), "annual", "全年办结量{n}件"),
    "rate_1": (("completion_rate",), "annual", "办结率{p}"),
    "rate_2": (("completion_rate",), "annual", "办结率达{p}"),
    "rate_3": (("completion_rate",), "annual", "按时办结率为{p}"),
    "rate_4": (("completion_rate",), "annual", "按期办结率达到{p}"),
    "rate_5": (("completion_rate",), "annual", "承诺期内办结率为{p}"),
    "vis_1": (("visitors_served",), "annual", "共接待服务对象{n}人次"),
    "vis_2": (("visitors_served",), "annual", "全年接待办事群众{n}人次"),
    "vis_3": (("visitors_served",), "annual", "大厅全年接待企业和群众{n}人次"),
    "vis_4": (("visitors_served",), "annual", "全年接待服务对象{n}人次"),
    "sat_1": (("satisfaction_rate",), "annual", "群众满意率达{p}"),
    "sat_2": (("satisfaction_rate",), "annual", "群众满意度达到{p}"),
    "sat_3": (("satisfaction_rate",), "annual", "服务对象满意率为{p}"),
    "sat_4": (("satisfaction_rate",), "annual", "窗口服务满意率{p}"),
    "pub_1": (("items_published",), "annual", "{y}年主动公开政府信息{n}条"),
    "pub_2": (("items_published",), "annual", "全年主动公开政府信息{n}条"),
    "pub_3": (("items_published",), "annual", "共主动公开各类政府信息{n}条"),
    "pub_4": (("items_published",), "annual", "通过门户网站公开各类信息{n}条"),
    "pub_5": (("items_published",), "annual", "全年共公开政府信息{n}条"),
    "pub_6": (("items_published",), "annual", "主动公开政府信息数量{n}条"),
    "pub_7": (("items_published",), "annual", "在政府信息公开专栏发布信息{n}条"),
    "pub_cum_1": (("items_published",), "cumulative", "截至目前,累计主动公开政府信息{n}条"),
    "pub_cum_2": (("items_published",), "cumulative", "自{y0}年以来累计公开各类信息{n}条"),
    "interp_1": (("policy_interpretations",), "annual", "发布政策解读{n}篇"),
    "interp_2": (("policy_interpretations",), "annual", "发布政策解读稿件{n}篇"),
    "interp_3": (("policy_interpretations",), "annual", "制作政策解读材料{n}篇"),
    "interp_4": (("policy_interpretations",), "annual", "围绕重点工作开展政策解读{n}篇"),
    "req_1": (("disclosure_requests",), "annual", "收到政府信息公开申请{n}件"),
    "req_2": (("disclosure_requests",), "annual", "共受理依申请公开政府信息申请{n}件"),
    "req_3": (("disclosure_requests",), "annual", "收到依申请公开请求{n}件"),
    "req_4": (("disclosure_requests",), "annual", "全年新收政府信息公开申请数量{n}件"),
    "req_5": (("disclosure_requests",), "annual", "共收到依申请公开申请{n}件"),
    "req_0_1": (("disclosure_requests",), "annual", "未收到依申请公开申请"),
    "req_0_2": (("disclosure_requests",), "annual", "没有收到依申请公开政府信息申请"),
    "req_0_3": (("disclosure_requests",), "annual", "全年无依申请公开信息"),
    "req_0_4": (("disclosure_requests",), "annual", "{self}未收到政府信息公开申请"),
    "req_0_5": (("disclosure_requests",), "annual", "全年未接到政府信息公开申请"),
    "carry_1": (("requests_carried_over",), "annual", "上年结转政府信息公开申请{n}件"),
    "carry_2": (("requests_carried_over",), "annual", "上年结转申请{n}件"),
    "fee_0_1": (("fees_collected",), "annual", "未收取任何费用"),
    "fee_0_2": (("fees_collected",), "annual", "未向申请人收取任何费用"),
    "fee_0_3": (("fees_collected",), "annual", "全年没有收取政府信息公开方面的费用"),
    "fee_0_4": (("fees_collected",), "annual", "{y}年度及历年信息公开均未收取任何费用"),
    "fee_1": (("fees_collected",), "annual", "收取检索、复制、邮寄等费用共计{n}元"),
    "fee_2": (("fees_collected",), "annual", "共收取信息公开处理费{n}元"),
    "rev_0_1": (("admin_reconsiderations", "lawsuits"), "annual", "未发生因政府信息公开申请行政复议、提起行政诉讼的情况"),
    "rev_0_2": (("admin_reconsiderations", "lawsuits"), "annual", "全年无因政府信息公开申请行政复议、提起行政诉讼情况"),
    "rev_0_3": (("admin_reconsiderations", "lawsuits"), "annual", "{self}未发生政府信息公开方面的行政复议和行政诉讼"),
    "rev_0_4": (("admin_reconsiderations", "lawsuits"), "annual", "未出现申请行政复议、提起行政诉讼的情况"),
    "recon_1": (("admin_reconsiderations",), "annual", "因政府信息公开被申请行政复议{n}件"),
    "recon_2": (("admin_reconsiderations",), "annual", "引发行政复议{n}件"),
    "suit_1": (("lawsuits",), "annual", "被提起行政诉讼{n}件"),
    "suit_2": (("lawsuits",), "annual", "因政府信息公开被提起行政诉讼{n}件"),
}
# fmt: on


@cache
def _rules(prefix: str) -> tuple[str, ...]:
    """Annual one-metric phrasings of a prefix; combined, zero and cumulative ones are chosen apart."""
    return tuple(
        k
        for k, (metrics, scope, _) in PHRASES.items()
        if k.startswith(prefix) and len(metrics) == 1 and scope == "annual" and "_0_" not in k
    )


@cache
def _zero_rules(prefix: str) -> tuple[str, ...]:
    return tuple(k for k in PHRASES if k.startswith(prefix + "_0_"))


@cache
def _cum_rules(prefix: str) -> tuple[str, ...]:
    return tuple(k for k in PHRASES if k.startswith(prefix + "_cum"))


class Doc:
    """Accumulates text pieces and truth records; evidence is kept verbatim from the pieces."""

    def __init__(self, rng: random.Random, year: int, agency: Agency) -> None:
        self.rng, self.year, self.agency = rng, year, agency
        self.lines: list[str] = []
        self.metrics: list[dict] = []
        self.stated: set[tuple[str, str]] = set()

    def phrase(self, rule: str, number: tuple[str, float, bool] | None = None) -> str:
        """Fill one template, record its truth, return the clause."""
        metrics, scope, template = PHRASES[rule]
        y0 = self.year - self.rng.randint(3, 9)
        num_text = _spaced(self.rng, number[0]) if number else ""
        clause = template.format(n=num_text, p=num_text, y=self.year, y0=y0, self=self.agency.self_ref)
        value, approx = (number[1], number[2]) if number else (0, False)
        for metric in metrics:
            self.add(metric, value, scope, approx, clause)
        return clause

    def add(self, metric: str, value: float, scope: str, approx: bool, evidence: str) -> None:
        self.stated.add((metric, scope))
        v = int(value) if float(value).is_integer() else round(float(value), 4)
        self.metrics.append(
            {
                "metric": metric,
                "value": v,
                "unit": BY_KEY[metric].unit,
                "scope": scope,
                "approx": approx,
                "evidence": evidence,
            }
        )


# ---------------------------------------------------------------------------------------------
# Filler and distractors: sentences with no metric, or numbers that are not the metric.
# fmt: off
FILLER = (
    "坚持以公开为常态、不公开为例外,遵循公正、公平、合法、便民的原则",
    "进一步健全政府信息公开工作机制,明确分管领导和具体工作人员",
    "严格落实政府信息公开保密审查制度,做到先审查、后公开",
    "紧紧围绕“便民、高效、规范、廉洁”的服务宗旨,深化“放管服”改革",
    "以深化“一次办好”改革为着力点,持续优化营商环境",
    "认真贯彻落实党的十九大和二十大精神,推动政务公开工作提质增效",
    "及时更新政府信息公开指南和目录,方便社会公众检索查询",
    "依托政府门户网站、政务微博、微信公众号等平台拓宽公开渠道",
    "对依申请公开工作实行登记、审核、办理、答复、归档全流程管理",
    "进一步规范窗口服务行为,推行首问负责制、一次性告知制和限时办结制",
    "加强对工作人员的业务培训,提高依法公开的意识和能力",
    "政府信息公开内容的广度和深度需要进一步拓展",
    "公开形式的便民性和处理程序需要进一步加强和改进",
    "个别信息更新不够及时,解读回应的针对性有待提高",
    "下一步将继续加大公开力度,不断提高政府信息公开工作水平",
    "完善网上办事大厅功能,推动更多事项实现“一网通办”",
    "落实“好差评”制度,畅通群众监督评价渠道",
    "严格执行中心管理办法等规章制度,构建网上网下立体化监督体系",
)
BOILER_HEAD = (
    "首页 > 政务公开 > 政府信息公开年报",
    "当前位置:首页 > 信息公开 > 年度报告",
    "【字体:大 中 小】 【打印】 【关闭】",
    "扫一扫在手机打开当前页",
    "分享到: 微信 微博 QQ空间",
)
BOILER_TAIL = (
    "【打印本页】 【关闭窗口】",
    "上一篇:关于调整部分政务服务事项的公告",
    "下一篇:政府信息公开指南",
    "主办单位:{agency} 承办单位:{agency}办公室",
)
# fmt: on


def _distractors(rng: random.Random, year: int) -> str:
    """A clause of numbers that are none of the catalogue's metrics."""
    k, m = rng.randint(2, 60), rng.randint(100, 9000)
    return rng.choice(
        (
            f"召开专题会议{k}次",
            f"组织业务培训{rng.randint(1, 12)}期,培训工作人员{m}人次",
            f"网站全年访问量达{rng.randint(2, 900)}万次",
            f"进驻部门{k}个、设置服务窗口{rng.randint(10, 120)}个",
            f"梳理公布政务服务事项{m}项",
            f"发放宣传资料{m}余份",
            f"受理群众来电咨询{m}个",
            f"开通{rng.choice(('二', '三', '四'))}级联动服务体系,覆盖{k}个村(社区)",
            f"较{year - 1}年增加{rng.randint(1, 400)}件",
            f"编印工作简报{k}期",
        )
    )


def _growth(rng: random.Random) -> str:
    r = Decimal(rng.randint(1, 999)) / 10
    return rng.choice(
        (f"同比增长{r}%", f"同比下降{r}%", f"较上年增长{r}%", f"同比增加{rng.randint(1, 900)}件")
    )


def _fill(rng: random.Random, k: int) -> list[str]:
    return rng.sample(FILLER, k)


def _log_uniform(rng: random.Random, lo: int, hi: int) -> int:
    import math

    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _sentence(clauses: Sequence[str]) -> str:
    return ",".join(c for c in clauses if c) + "。"


# ---------------------------------------------------------------------------------------------
# Sections


def _service_paragraph(d: Doc) -> str:
    rng, who = d.rng, d.agency.self_ref
    accepted = _log_uniform(rng, 300, 2_000_000)
    clauses = [f"{d.year}年" if rng.random() < 0.5 else "", f"{who}坚持“一窗受理、集成服务”"]
    acc_num = render_count(rng, accepted, approx_ok=True)
    accepted = acc_num[1]
    if rng.random() < 0.12:
        clauses.append(d.phrase("acc_done", acc_num))
        completed = accepted
    else:
        clauses.append(d.phrase(rng.choice(_rules("acc_")), acc_num))
        if rng.random() < 0.4:
            clauses.append(_growth(rng))
        if rng.random() < 0.5:  # 其中 breakdown: parts, never totals
            part = rng.randint(1, max(1, accepted - 1))
            a, b = render_count(rng, part)[0], render_count(rng, max(0, accepted - part))[0]
            clauses.append(f"其中行政许可事项{a}件、公共服务事项{b}件")
        completed = accepted if rng.random() < 0.5 else rng.randint(int(accepted * 0.95), accepted)
        if rng.random() < 0.8:
            done = render_count(rng, completed, wan_ok=False)
            completed = done[1]
            clauses.append(d.phrase(rng.choice(_rules("done_")), done))
    if rng.random() < 0.8 and accepted:
        rate = round(100 * completed / accepted, 2) if completed <= accepted else 100.0
        clauses.append(d.phrase(rng.choice(_rules("rate_")), render_percent(rng, rate)))
    out = [_sentence(clauses)]
    if rng.random() < 0.6:
        vis = render_count(rng, _log_uniform(rng, 1000, 3_000_000), approx_ok=True)
        out.append(_sentence([d.phrase(rng.choice(_rules("vis_")), vis)]))
    if rng.random() < 0.5:
        sat = round(rng.uniform(95, 100), rng.choice((0, 1, 2)))
        out.append(
            _sentence([d.phrase(rng.choice(_rules("sat_")), render_percent(rng, sat, approx_ok=True))])
        )
    if rng.random() < 0.25:
        cum = render_count(rng, accepted * rng.randint(3, 12), approx_ok=True)
        out.append(_sentence([d.phrase(rng.choice(_cum_rules("acc")), cum)]))
    out.append(_sentence([_distractors(rng, d.year), _distractors(rng, d.year)]))
    return "".join(out)


def _published_paragraph(d: Doc) -> str:
    rng = d.rng
    out = [_sentence(_fill(rng, 1))]
    annual = _log_uniform(rng, 8, 60000)
    if rng.random() < 0.85:
        pub = render_count(rng, annual, approx_ok=True)
        clauses = [d.phrase(rng.choice(_rules("pub_")), pub)]
        if rng.random() < 0.4 and pub[1] > 3:
            a = rng.randint(1, int(pub[1]) - 1)
            clauses.append(f"其中政策文件{a}条、工作动态{int(pub[1]) - a}条")
        if rng.random() < 0.3:
            clauses.append(_growth(rng))
        out.append(_sentence(clauses))
    if rng.random() < 0.15:
        cum = render_count(rng, annual * rng.randint(3, 12), approx_ok=True)
        out.append(_sentence([d.phrase(rng.choice(_cum_rules("pub")), cum)]))
    if rng.random() < 0.45:
        n = render_count(rng, _log_uniform(rng, 1, 400), wan_ok=False)
        out.append(_sentence([d.phrase(rng.choice(_rules("interp_")), n)]))
    return "".join(out)


def _requests_paragraph(d: Doc) -> str:
    rng = d.rng
    if rng.random() < 0.55:
        clause = d.phrase(rng.choice(_zero_rules("req")))
        return _sentence([f"{d.year}年" if rng.random() < 0.5 else "", clause])
    n = render_count(rng, _log_uniform(rng, 1, 800), wan_ok=False)
    clauses = [
        f"{d.year}年,{d.agency.self_ref}",
        d.phrase(rng.choice(_rules("req_")), n),
        "均已按法定时限答复",
    ]
    if rng.random() < 0.3:
        clauses.append(
            d.phrase(rng.choice(_rules("carry_")), render_count(rng, rng.randint(0, 9), wan_ok=False))
        )
    return _sentence(clauses)


def _fees_paragraph(d: Doc) -> str:
    rng = d.rng
    if rng.random() < 0.9:
        return _sentence([d.phrase(rng.choice(_zero_rules("fee")))])
    yuan = Decimal(rng.randint(5, 3000)) / (10 if rng.random() < 0.3 else 1)  # copying and postage
    return _sentence([d.phrase(rng.choice(_rules("fee_")), (f"{yuan:f}", float(yuan), False))])


def _review_paragraph(d: Doc) -> str:
    rng = d.rng
    if rng.random() < 0.8:
        return _sentence(
            [f"{d.year}年度" if rng.random() < 0.5 else "", d.phrase(rng.choice(_zero_rules("rev")))]
        )
    recon = render_count(rng, rng.randint(0, 12), wan_ok=False)
    suit = render_count(rng, rng.randint(0, 8), wan_ok=False)
    return _sentence(
        [d.phrase(rng.choice(_rules("recon_")), recon), d.phrase(rng.choice(_rules("suit_")), suit)]
    )


# ---------------------------------------------------------------------------------------------
# The 2021 standard tables, flattened one of several ways.
REQUEST_HEAD = (
    ("(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)", "申请人情况"),
    ("自然人", "法人或其他组织", "总计"),
    ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"),
)
# (label cells, outcome bucket): bucket None marks the intake rows, which are given, not drawn.
REQUEST_BODY: tuple[tuple[tuple[str, ...], str | None], ...] = (
    (("一、本年新收政府信息公开申请数量",), "new"),
    (("二、上年结转政府信息公开申请数量",), "carried"),
    (("三、本年度办理结果", "(一)予以公开"), "out"),
    (("(二)部分公开(区分处理的,只计这一情形,不计其他情形)",), "out"),
    (("(三)不予公开", "1.属于国家秘密"), "out"),
    (("2.其他法律行政法规禁止公开",), "out"),
    (("3.危及“三安全一稳定”",), "out"),
    (("4.保护第三方合法权益",), "out"),
    (("5.属于三类内部事务信息",), "out"),
    (("6.属于四类过程性信息",), "out"),
    (("7.属于行政执法案卷",), "out"),
    (("8.属于行政查询事项",), "out"),
    (("(四)无法提供", "1.本机关不掌握相关政府信息"), "out"),
    (("2.没有现成信息需要另行制作",), "out"),
    (("3.补正后申请内容仍不明确",), "out"),
    (("(五)不予处理", "1.信访举报投诉类申请"), "out"),
    (("2.重复申请",), "out"),
    (("3.要求提供公开出版物",), "out"),
    (("4.无正当理由大量反复申请",), "out"),
    (("5.要求行政机关确认或重新出具已获取信息",), "out"),
    (("(六)其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"), "out"),
    (("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",), "out"),
    (("3.其他",), "out"),
    (("(七)总计",), "total"),
    (("四、结转下年度继续办理",), "forward"),
)
N_OUTCOME_ROWS = sum(1 for _, bucket in REQUEST_BODY if bucket == "out")
REVIEW_HEAD = (
    ("行政复议", "行政诉讼"),
    ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"),
    ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计") * 2,
)
FLATTENINGS = ("pipe", "tab", "space", "cell_line", "bare_line")


def flatten_row(cells: Sequence[str], style: str) -> str:
    """One table row as a web page flattens it; the result is the row's evidence verbatim."""
    if style == "pipe":
        return " | ".join(cells) + " |"
    if style == "tab":
        return "\t".join(cells)
    if style == "space":
        return " ".join(cells)
    if style == "cell_line":
        return "\n".join(f"{c} |" for c in cells)
    return "\n".join(cells)


def _split(rng: random.Random, total: int, k: int) -> list[int]:
    """`total` spread over k buckets, most of it in a few (as real outcomes are)."""
    out = [0] * k
    for _ in range(total):
        out[min(int(rng.expovariate(0.6)), k - 1) if rng.random() < 0.8 else rng.randrange(k)] += 1
    return out


def _request_table(d: Doc, style: str) -> str:
    rng = d.rng
    n_cols = 6
    busy = rng.random() < 0.5
    new = [_log_uniform(rng, 1, 300) if busy and (c == 0 or rng.random() < 0.3) else 0 for c in range(n_cols)]
    carried = [rng.randint(0, 3) if busy and rng.random() < 0.3 else 0 for _ in range(n_cols)]
    n_out = N_OUTCOME_ROWS
    outcomes, forward = [], []
    for c in range(n_cols):
        pending = rng.randint(0, min(2, new[c] + carried[c])) if rng.random() < 0.2 else 0
        forward.append(pending)
        outcomes.append(_split(rng, new[c] + carried[c] - pending, n_out))
    rows, k = [], 0
    for labels, bucket in REQUEST_BODY:
        if bucket == "new":
            vals = new
        elif bucket == "carried":
            vals = carried
        elif bucket == "out":
            vals = [outcomes[c][k] for c in range(n_cols)]
            k += 1
        elif bucket == "total":
            vals = [sum(outcomes[c]) for c in range(n_cols)]
        else:
            vals = forward
        cells = [*labels, *(str(v) for v in vals), str(sum(vals))]
        row = flatten_row(cells, style)
        if bucket == "new":
            d.add("disclosure_requests", sum(vals), "annual", False, row)
        elif bucket == "carried":
            d.add("requests_carried_over", sum(vals), "annual", False, row)
        rows.append(row)
    head = [flatten_row(h, style) for h in REQUEST_HEAD]
    return "\n".join(["三、收到和处理政府信息公开申请情况", *head, *rows])


def _review_table(d: Doc, style: str) -> str:
    rng = d.rng
    groups = []
    for _ in range(3):
        outcome = [rng.randint(0, 3) if rng.random() < 0.15 else 0 for _ in range(4)]
        groups.append([*outcome, sum(outcome)])
    values = [v for g in groups for v in g]
    row = flatten_row([str(v) for v in values], style)
    d.add("admin_reconsiderations", groups[0][4], "annual", False, row)
    d.add("lawsuits", groups[1][4] + groups[2][4], "annual", False, row)
    head = [flatten_row(h, style) for h in REVIEW_HEAD]
    return "\n".join(["四、政府信息公开行政复议、行政诉讼情况", *head, row])


def _proactive_tables(rng: random.Random, style: str) -> str:
    def n(hi: int) -> str:
        return str(rng.randint(0, hi) if rng.random() < 0.5 else 0)

    fee = Decimal(rng.randint(0, 500000)) / 100 if rng.random() < 0.3 else Decimal(0)
    rows = [
        ("第二十条第(一)项",), ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
        ("规章", n(3), n(2), n(30)), ("行政规范性文件", n(12), n(6), n(80)),
        ("第二十条第(五)项",), ("信息内容", "本年处理决定数量"), ("行政许可", n(5000)),
        ("第二十条第(六)项",), ("信息内容", "本年处理决定数量"), ("行政处罚", n(900)), ("行政强制", n(40)),
        ("第二十条第(八)项",), ("信息内容", "本年收费金额(单位:万元)"), ("行政事业性收费", f"{fee.normalize():f}"),
    ]  # fmt: skip
    return "\n".join(["二、主动公开政府信息情况", *(flatten_row(r, style) for r in rows)])


# ---------------------------------------------------------------------------------------------
# Whole documents


def _published_date(rng: random.Random, year: int) -> tuple[str, str]:
    """(ISO date, Chinese date) in the first quarter after the year covered."""
    month, day = rng.randint(1, 3), rng.randint(1, 28)
    return f"{year + 1}-{month:02d}-{day:02d}", f"{year + 1}年{month}月{day}日"


def _disclosure_report(d: Doc, table: bool) -> list[str]:
    rng, a, y = d.rng, d.agency, d.year
    intro = (
        f"根据《中华人民共和国政府信息公开条例》有关规定,现将{a.name}{y}年度政府信息公开工作情况报告如下。"
        f"本报告中所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。"
    )
    parts = [intro, "一、总体情况" if table else "一、概述", _sentence(_fill(rng, 2))]
    if a.service:
        parts.append(_service_paragraph(d))
    if table:
        style = rng.choice(FLATTENINGS)
        parts += ["(一)主动公开", _published_paragraph(d), "(二)依申请公开",
                  _sentence(["严格按照法定时限答复申请人", *_fill(rng, 1)])]  # fmt: skip
        parts += [_proactive_tables(rng, style), _request_table(d, style), _review_table(d, style)]
        parts += ["五、存在的主要问题及改进情况", _sentence(_fill(rng, 2)), "六、其他需要报告的事项"]
        if rng.random() < 0.6:
            parts.append(_fees_paragraph(d))
    else:
        parts += ["二、主动公开政府信息情况", _published_paragraph(d)]
        parts += ["三、依申请公开政府信息办理情况", _requests_paragraph(d)]
        parts += ["四、政府信息公开的收费及减免情况", _fees_paragraph(d)]
        parts += ["五、因政府信息公开申请行政复议、提起行政诉讼的情况", _review_paragraph(d)]
        parts += ["六、存在的主要问题及改进措施", _sentence(_fill(rng, 2))]
    return parts


def _work_summary(d: Doc) -> list[str]:
    rng, y = d.rng, d.year
    parts = [f"{y}年,在上级的正确领导下,{d.agency.self_ref}各项工作取得了新进展,现将有关情况总结如下。",
             f"一、{y}年工作开展情况", _service_paragraph(d), _sentence(_fill(rng, 2))]  # fmt: skip
    if rng.random() < 0.4:
        parts.append(_published_paragraph(d))
    parts += ["二、存在的问题", _sentence(_fill(rng, 1)), f"三、{y + 1}年工作计划", _sentence(_fill(rng, 2))]
    if rng.random() < 0.3:  # a target for next year is not this year's figure
        parts.append(f"力争{y + 1}年按期办结率保持100%,群众满意率达到99%以上。")
    return parts


def _other_notice(d: Doc) -> list[str]:
    rng, y = d.rng, d.year
    return [f"为进一步做好{y}年政务公开工作,现就有关事项通知如下。", _sentence(_fill(rng, 2)),
            _sentence([_distractors(rng, y), _distractors(rng, y)]), _sentence(_fill(rng, 1))]  # fmt: skip


def make_document(seed: int, index: int) -> tuple[str, dict]:
    """The text of synthetic report `index` of corpus `seed`, and its gold-schema truth."""
    rng = random.Random(f"{seed}:{index}")
    agency = pick_agency(rng)
    year = rng.randint(*YEARS)
    d = Doc(rng, year, agency)
    r = rng.random()
    if r < 0.05:
        title = f"{agency.name}关于做好{year}年政务公开工作的通知"
        doc_type, body, fmt = "other", _other_notice(d), "narrative"
    elif agency.service and r < 0.35:
        doc_type, fmt = "work_summary", "narrative"
        title = rng.choice((f"{agency.name}{year}年工作总结", f"{agency.name}关于{year}年工作情况的报告",
                            f"{agency.name}{year}年工作总结和{year + 1}年工作计划"))  # fmt: skip
        body = _work_summary(d)
    else:
        doc_type = "disclosure_annual_report"
        table = year >= 2019 and rng.random() < 0.85
        fmt = "table2019" if table else "narrative"
        title = f"{agency.name}{year}年政府信息公开工作年度报告"
        body = _disclosure_report(d, table)
    iso, cn = _published_date(rng, year)
    lines = [MARK]
    header = rng.random() < 0.5
    if header:
        lines += rng.sample(BOILER_HEAD, rng.randint(1, 3))
        lines += [f"标题: | {title} |", f"发布机构: | {agency.name} | 发文日期: | {iso} |",
                  f"浏览次数:{rng.randint(10, 9999)}"]  # fmt: skip
    else:
        lines.append(title)
    lines += body
    signed = rng.random() < 0.6
    if signed:
        lines += [agency.name, cn]
    if rng.random() < 0.5:
        tail = rng.sample(BOILER_TAIL, rng.randint(1, 3))
        lines += [t.format(agency=agency.name) for t in tail]
        lines.append(
            f"网站标识码:{rng.randint(1000000000, 9999999999)} ICP备案号:{rng.randint(10000000, 99999999)}号"
        )
    text = "\n".join(lines) + "\n"
    truth = {
        "id": f"{PREFIX}{index:06d}",
        "source": "synthetic",
        "format": fmt,
        "truncated": False,
        "agency": agency.name,
        "region": agency.region,
        "year": year,
        "doc_type": doc_type,
        "published": iso if (header or signed) else None,
        "metrics": d.metrics,
        "optional": [],
    }
    return text, truth


# ---------------------------------------------------------------------------------------------
# Writing a corpus


class SyntheticTargetError(ValueError):
    """Raised when asked to write synthetic reports where real reports live."""


@dataclass(frozen=True)
class Generated:
    out_dir: Path
    n_docs: int
    text_bytes: int
    seconds: float


def check_target(out_dir: Path) -> Path:
    resolved = Path(out_dir).resolve()
    parts = resolved.parts
    if any(parts[i : i + 2] == ("data", "raw") for i in range(len(parts) - 1)):
        raise SyntheticTargetError(
            f"refusing to write synthetic reports into {resolved}: data/raw holds real reports only; "
            "choose a directory outside data/raw"
        )
    return resolved


class FormatError(ValueError):
    """A format the generator cannot write here: unknown, or its writer's package is missing."""


def check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    from pipeline.synth_formats import NEEDS, WRITERS, missing_package

    unknown = [f for f in formats if f not in WRITERS]
    if unknown or not formats:
        raise FormatError(
            f"unknown format {', '.join(unknown) or '(none)'}: choose from {', '.join(WRITERS)}"
        )
    missing = missing_package(formats)
    if missing:
        raise FormatError(
            f"writing {'/'.join(f for f in formats if NEEDS.get(f) == missing)} needs the package {missing!r}: "
            "install the test packages (pip install -r requirements-dev.txt)"
        )
    return tuple(formats)


def _write_range(job: tuple[int, int, int, str, str, tuple[str, ...]]) -> int:
    from pipeline.synth_formats import WRITERS

    seed, start, stop, out, truth_out, formats = job
    out_dir, truth_dir, written = Path(out), Path(truth_out), 0
    for i in range(start, stop):
        text, truth = make_document(seed, i)
        fmt = formats[i % len(formats)]  # by number: the same mix whatever the batches
        ext, write = WRITERS[fmt]
        data = write(text)
        (out_dir / f"{PREFIX}{i:06d}.{ext}").write_bytes(data)
        (truth_dir / f"{PREFIX}{i:06d}.json").write_text(json.dumps(truth, ensure_ascii=False), "utf-8")
        written += len(data)
        if fmt != "txt" and i % 20 == 19:
            # python-docx and reportlab leave each document in reference cycles (megabytes of it),
            # and pool workers collect rarely (engines.worker_init): 2,100 reports peaked at 1.9 GB.
            gc.collect()
    return written


def generate(
    n_docs: int,
    out_dir: str | Path,
    seed: int = 0,
    workers: int = 1,
    batch: int = 500,
    truth_dir: str | Path | None = None,
    formats: Sequence[str] = ("txt",),
) -> Generated:
    """Write synth_000000.txt ... into out_dir (created), deterministic per seed.

    The .json truth goes beside each report, or into truth_dir when given (a build then sees only
    the reports). Files are numbered from 0, so a larger corpus of the same seed extends a smaller one.
    With several `formats` (pipeline.synth_formats.WRITERS), report i is written in formats[i % n]:
    the same text, as a site would serve it (html, pdf, docx...); text_bytes counts the files' bytes.
    """
    if n_docs < 0:
        raise ValueError("n_docs must be >= 0")
    formats = check_formats(formats)
    target = check_target(Path(out_dir))
    truth_target = check_target(Path(truth_dir)) if truth_dir is not None else target
    target.mkdir(parents=True, exist_ok=True)
    truth_target.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    jobs = [
        (seed, s, min(s + batch, n_docs), str(target), str(truth_target), formats)
        for s in range(0, n_docs, batch)
    ]
    if workers > 1 and len(jobs) > 1:
        from pipeline.engines import map_unordered

        total = sum(map_unordered(_write_range, jobs, workers=workers, chunksize=1))
    else:
        total = sum(_write_range(j) for j in jobs)
    return Generated(target, n_docs, total, time.perf_counter() - began)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.synth", description=__doc__.splitlines()[0])
    parser.add_argument("n_docs", type=int)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--truth-dir", type=Path, default=None, help="write the .json truth here, not beside the reports"
    )
    parser.add_argument(
        "--formats",
        default="txt",
        help="comma-separated: txt, html, gbk-html, mht, rtf, docx, pdf (report i in the i-th, cycling); "
        "docx and pdf need the test packages",
    )
    args = parser.parse_args(argv)
    if args.n_docs < 0 or args.workers < 1:
        print("error: N must be at least 0 and --workers at least 1", file=sys.stderr)
        return 2
    try:
        g = generate(
            args.n_docs,
            args.out_dir,
            args.seed,
            args.workers,
            truth_dir=args.truth_dir,
            formats=args.formats.split(","),
        )
    except (SyntheticTargetError, FormatError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a folder that cannot be made or written: a file in the way, no permission
        print(f"error: cannot write the reports: {err}", file=sys.stderr)
        return 2
    print(f"{g.n_docs} synthetic reports, {g.text_bytes / 1e6:.1f} MB, {g.seconds:.1f} s -> {g.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
