"""Agency naming rules as data: abbreviations, kinds, levels and renaming chains (rows with a rule id)."""

from __future__ import annotations

from typing import NamedTuple


class Abbreviation(NamedTuple):
    rule_id: str
    short: str  # as written
    full: str  # official form


# Whole-body abbreviations: applied when the body (the name after its region) is exactly `short`,
# or `short` is a leading stem followed by 局/分局/委/委员会/办 (so 发改局 and 发改委 both expand).
BODY_ABBREVIATIONS: tuple[Abbreviation, ...] = (
    Abbreviation("abbr.fagai", "发改", "发展和改革"),
    Abbreviation("abbr.renshe", "人社", "人力资源和社会保障"),
    Abbreviation("abbr.shijian", "市监", "市场监督管理"),
    Abbreviation("abbr.weijian", "卫健", "卫生健康"),
    Abbreviation("abbr.weiji", "卫计", "卫生和计划生育"),
    Abbreviation("abbr.zhujian", "住建", "住房和城乡建设"),
    Abbreviation("abbr.zigui", "自规", "自然资源和规划"),
    Abbreviation("abbr.wenlv", "文旅", "文化和旅游"),
    Abbreviation("abbr.wenguangxinlv", "文广旅", "文化广电和旅游"),
    Abbreviation("abbr.jiaoti", "教体", "教育和体育"),
    Abbreviation("abbr.yingji", "应急", "应急管理"),
    Abbreviation("abbr.yibao", "医保", "医疗保障"),
    Abbreviation("abbr.tuiyi", "退役军人", "退役军人事务"),
    Abbreviation("abbr.jiguan", "机关事务", "机关事务管理"),
    Abbreviation("abbr.shenpi", "行政审批", "行政审批服务"),
    Abbreviation("abbr.dashuju", "大数据", "大数据管理"),
    Abbreviation("abbr.jiaotong", "交通", "交通运输"),
    Abbreviation("abbr.huanbao", "环保", "环境保护"),
    Abbreviation("abbr.guotu", "国土", "国土资源"),
    Abbreviation("abbr.anjian", "安监", "安全生产监督管理"),
)

# Exact whole-body forms that are not stem + suffix.
BODY_EXACT: tuple[Abbreviation, ...] = (
    Abbreviation("abbr.shenguanban", "审管办", "行政审批服务管理办公室"),
    Abbreviation("abbr.gongguanban", "公管办", "公共资源交易管理委员会办公室"),
    Abbreviation("abbr.zhengfuban", "政府办", "人民政府办公室"),
    Abbreviation("abbr.zhengfubangongshi", "政府办公室", "人民政府办公室"),
    Abbreviation("abbr.zhengfubangongting", "政府办公厅", "人民政府办公厅"),
    Abbreviation("abbr.zhengwuzhongxin", "政务中心", "政务服务中心"),
    Abbreviation("abbr.xingzhengzhongxin", "行政中心", "行政服务中心"),
    Abbreviation("abbr.zhengfu", "政府", "人民政府"),
    Abbreviation("abbr.banshichu", "街道办", "办事处"),
)

# Suffixes an abbreviated stem may carry, with their official form.
STEM_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("分局", "分局"),
    ("局", "局"),
    ("委员会", "委员会"),
    ("委", "委员会"),
    ("办", "办公室"),
)

# Development zones and other areas below a prefecture that are not in the adcode table.
ZONE_ABBREVIATIONS: tuple[Abbreviation, ...] = (
    Abbreviation("zone.gaoxin", "高新区", "高新技术产业开发区"),
    Abbreviation("zone.jingkai", "经开区", "经济技术开发区"),
    Abbreviation("zone.jingjikaifa", "经济开发区", "经济技术开发区"),
    Abbreviation("zone.donghu", "东湖高新区", "东湖新技术开发区"),
)

# Official zone suffixes, longest first: a name ending in one of them is a zone, not a body.
ZONE_SUFFIXES: tuple[str, ...] = (
    "高新技术产业开发区",
    "经济技术开发区",
    "新技术开发区",
    "工业园区",
    "开发区",
    "保税区",
    "新区",
    "风景名胜区",
)


class Kind(NamedTuple):
    kind: str
    zh: str
    suffixes: tuple[str, ...]  # a body ending in one of these is of this kind (first row wins)


# Order matters: the first row whose suffix ends the body decides the kind.
KINDS: tuple[Kind, ...] = (
    Kind("government_office", "政府办公室", ("人民政府办公室", "人民政府办公厅")),
    Kind(
        "service_centre",
        "政务服务中心",
        (
            "政务服务中心",
            "行政服务中心",
            "便民服务中心",
            "市民中心",
            "行政服务大厅",
            "政务服务大厅",
            "服务大厅管理办公室",
        ),
    ),
    Kind("people_government", "人民政府", ("人民政府",)),
    Kind("subdistrict", "街道办事处", ("办事处",)),
    # A town's or township's government: told by its place (镇/乡), not by a suffix (see ParsedName.kind).
    Kind("township_government", "乡镇人民政府", ()),
    Kind("zone_committee", "开发区管委会", ("管理委员会", "管委会")),
    Kind("commission", "委员会", ("委员会",)),
    Kind("bureau", "局", ("分局", "局")),
    Kind("office", "办公室", ("办公室", "研究室", "办公厅", "办")),
    Kind("other", "其他", ()),
)

KIND_LABELS: dict[str, str] = {k.kind: k.zh for k in KINDS}

# Levels as the dataset writes them, with their zh label.
LEVELS: dict[str, str] = {
    "national": "国家",
    "province": "省级",
    "city": "市级",
    "county": "县级",
    "township": "乡镇街道",
    "unknown": "未知",
}

# A name starting with one of these belongs to the national government.
NATIONAL_PREFIXES: tuple[str, ...] = ("国务院", "国家", "中华人民共和国", "中央")

# One-character stand-ins a report uses for its own region (区政务服务中心 = this district's centre),
# with the level they imply; 省级/市级 are fillers inside a name (山东省省级机关事务管理局).
GENERIC_REGION: dict[str, str] = {
    "省": "province",
    "市": "city",
    "区": "county",
    "县": "county",
    "州": "city",
}
LEVEL_FILLERS: tuple[str, ...] = ("省级", "市级", "县级", "区级", "本级")

# Township-level units: name stems end in these; the body after them is their government.
TOWNSHIP_SUFFIXES: tuple[str, ...] = ("街道", "镇", "乡")
TOWNSHIP_BODY_FOLLOWERS: tuple[str, ...] = ("人民政府", "政府", "办事处", "街道办", "")


class Rename(NamedTuple):
    rule_id: str
    old: str  # body name before the reform
    new: str  # body name after it


# Renaming chains of the same body in the same region. A body's family is the end of its chain:
# documents of one region whose bodies share a family share one agency_id.
RENAMES: tuple[Rename, ...] = (
    Rename("rename.xingzheng_to_zhengwu", "行政服务中心", "政务服务中心"),
    Rename("rename.zhengwu_to_shenpiju", "政务服务中心", "行政审批服务局"),
    Rename("rename.shenpiju_to_dashuju", "行政审批服务局", "政务服务和大数据管理局"),
    Rename("rename.weiji_to_weijian", "卫生和计划生育局", "卫生健康局"),
    Rename("rename.weijiwei_to_weijianwei", "卫生和计划生育委员会", "卫生健康委员会"),
    Rename("rename.guotu_to_ziran", "国土资源局", "自然资源局"),
    Rename("rename.huanbao_to_shengtai", "环境保护局", "生态环境局"),
    Rename("rename.anjian_to_yingji", "安全生产监督管理局", "应急管理局"),
)


def body_family(body: str) -> str:
    """The last name in the renaming chain that `body` belongs to (itself when it was never renamed)."""
    seen = {body}
    current = body
    successors = {r.old: r.new for r in RENAMES}
    while current in successors and successors[current] not in seen:
        current = successors[current]
        seen.add(current)
    return current


def kind_of(body: str) -> str:
    for row in KINDS:
        if any(body.endswith(s) for s in row.suffixes):
            return row.kind
    return "other"
