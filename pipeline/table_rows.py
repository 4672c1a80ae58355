"""The standard tables as data: section markers, row labels and the catalogue keys of their columns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.catalog import APPLICANT_COLUMNS, REVIEW_GROUPS, REVIEW_OUTCOMES

from .memo import MEMO_SIZE

# Template variants: the 2021 revision (国办公开办函〔2021〕30号), the 2019 one (〔2019〕60号) and the
# older statistical table (收到申请数 / 当面 / 传真 / 网络 / 信函, before the 2019 template).
T2021, T2019, T2019_OLD = "2021", "2019", "2019_old"


@dataclass(frozen=True)
class Section:
    """A TEXT cell matching `pattern` opens `section`; `variant` is set when the header tells it."""

    rule_id: str
    section: str
    pattern: str
    not_in: tuple[str, ...] = ()  # template variants where the pattern means something else


# fmt: off
SECTIONS: tuple[Section, ...] = (
    Section("sec.p1", "p1", r"第二十条第\(一\)项"),
    Section("sec.p5", "p5", r"第二十条第\(五\)项"),
    Section("sec.p6", "p6", r"第二十条第\(六\)项"),
    Section("sec.p8", "p8", r"第二十条第\(八\)项"),
    Section("sec.p9", "p9", r"第二十条第\(九\)项"),
    Section("sec.requests", "requests", r"收到和处理政府信息公开申请|本列数据的勾稽关系|^申请人情况$"),
    # the older table has 行政复议数量 / 五、行政诉讼数量 rows of its own
    Section("sec.review", "review", r"行政复议|未经复议直接起诉|复议后起诉", not_in=(T2019_OLD,)),
    Section("sec.old", "old", r"政府信息公开情况统计表|^统计指标$|收到申请数"),
    # headings after the tables close them, so later free text cannot be read as table rows
    Section("sec.end", "end", r"^[五六七八]、", not_in=(T2019_OLD,)),
    Section("sec.end.problems", "end", r"存在的主要问题|其他需要报告的事项"),
)

# Header cells that tell which column set a 第二十条 sub-table uses (when the page does not say).
VARIANT_HEADERS: tuple[tuple[str, str], ...] = (
    (r"本年制发件数|本年废止件数|现行有效件数|本年处理决定数量|本年收费金额", T2021),
    (r"本年新制作|本年新公开|对外公开总数量|上一年项目数量|本年增/减|采购项目数量|采购总金额", T2019),
)
# fmt: on


@dataclass(frozen=True)
class RowRule:
    """One table row: its label pattern, the section it lives in and its columns' catalogue keys.

    `columns` maps a template variant to the keys of the row's cells in order ("" = not read);
    `sets` names the row group the row opens and `within` the groups it may only follow (so a bare
    其他 or 总计 is read only where the template puts it). `anywhere` rows are distinctive enough
    to be read without their section heading (a page break may have cut it off).
    """

    rule_id: str
    section: str
    pattern: str
    columns: dict[str, tuple[str, ...]]
    sets: str = ""
    within: tuple[str, ...] = ()
    anywhere: bool = False
    scale: float = 1.0  # 万元 cells are stored in 元
    total_last: bool = False  # the last column is the row total (a row with dropped cells keeps it)


def _both(*keys: str) -> dict[str, tuple[str, ...]]:
    return {T2021: keys, T2019: keys, T2019_OLD: keys}


def _request_row(
    rule_id: str, pattern: str, key: str, sets: str = "req.outcome", within: tuple[str, ...] = (), **kw
) -> RowRule:
    cols = tuple(f"{key}.{c}" for c, _, _ in APPLICANT_COLUMNS) + (key,)
    return RowRule(
        rule_id, "requests", pattern, _both(*cols), sets=sets, within=within, total_last=True, **kw
    )


_OUTCOME = ("req.outcome", "req.other")

# fmt: off
PROACTIVE_ROWS: tuple[RowRule, ...] = (
    RowRule("p1.regulations", "p1", r"^(\d[.、])?规章$",
            {T2021: ("regulations_issued", "regulations_repealed", "regulations_in_force"),
             T2019: ("regulations_made", "regulations_published", "regulations_public_total")}),
    RowRule("p1.normative_docs", "p1", r"^(\d[.、])?(行政)?规范性文件$",
            {T2021: ("normative_docs_issued", "normative_docs_repealed", "normative_docs_in_force"),
             T2019: ("normative_docs_made", "normative_docs_published", "normative_docs_public_total")}),
    RowRule("p5.licensing", "p5", r"^行政许可$",
            {T2021: ("licensing_decisions",),
             T2019: ("licensing_items_prev", "licensing_items_change", "licensing_decisions")}),
    RowRule("p5.other_services", "p5", r"^其他对外管理服务事项$",
            {T2021: ("other_services_decisions",),
             T2019: ("other_services_items_prev", "other_services_items_change", "other_services_decisions")}),
    RowRule("p6.penalty", "p6", r"^行政处罚$",
            {T2021: ("penalty_decisions",),
             T2019: ("penalty_items_prev", "penalty_items_change", "penalty_decisions")}),
    RowRule("p6.enforcement", "p6", r"^行政强制$",
            {T2021: ("enforcement_decisions",),
             T2019: ("enforcement_items_prev", "enforcement_items_change", "enforcement_decisions")}),
    RowRule("p8.admin_fees", "p8", r"^行政事业性收费$",
            {T2021: ("admin_fees",), T2019: ("admin_fee_items_prev", "admin_fee_items_change")},
            scale=10_000.0),
    RowRule("p9.procurement", "p9", r"^政府集中采购$",
            {T2019: ("procurement_projects", "procurement_amount"),
             T2021: ("procurement_projects", "procurement_amount")}, scale=10_000.0),
)

# Order matters: the first matching rule wins, so reasons come before their group label.
REQUEST_ROWS: tuple[RowRule, ...] = (
    _request_row("req.new", r"本年新收", "disclosure_requests", sets="req", anywhere=True),
    _request_row("req.carried_over", r"上年结转", "requests_carried_over", sets="req", anywhere=True),
    _request_row("req.carried_forward", r"结转下年度", "requests_carried_forward", sets="req.end",
                 anywhere=True),
    _request_row("req.granted", r"^(三、本年度办理结果)?(\(一\))?予以公开$", "requests_granted"),
    _request_row("req.partial", r"部分公开", "requests_partially_granted"),
    _request_row("req.denied.state_secret", r"国家秘密", "denied_state_secret"),
    _request_row("req.denied.by_law", r"法律行政法规禁止公开", "denied_prohibited_by_law"),
    _request_row("req.denied.security", r"三安全一稳定", "denied_security_stability"),
    _request_row("req.denied.third_party", r"第三方合法权益", "denied_third_party"),
    _request_row("req.denied.internal", r"三类内部事务", "denied_internal_affairs"),
    _request_row("req.denied.process", r"四类过程性", "denied_process_info"),
    _request_row("req.denied.case_file", r"行政执法案卷", "denied_enforcement_case"),
    _request_row("req.denied.query", r"行政查询事项", "denied_administrative_query"),
    _request_row("req.denied", r"^(\(三\))?不予公开(\(?小计\)?)?$", "requests_denied"),
    _request_row("req.unavailable.not_held", r"不掌握", "unavailable_not_held"),
    _request_row("req.unavailable.creation", r"另行制作", "unavailable_needs_creation"),
    _request_row("req.unavailable.unclear", r"补正后申请内容仍不明确", "unavailable_unclear"),
    _request_row("req.unavailable", r"^(\(四\))?无法提供(\(?小计\)?)?$", "requests_unavailable"),
    _request_row("req.not_processed.petition", r"信访举报投诉", "not_processed_petition"),
    _request_row("req.not_processed.repeated", r"^(\d[.、])?重复申请$", "not_processed_repeated"),
    _request_row("req.not_processed.publication", r"公开出版物", "not_processed_publication"),
    _request_row("req.not_processed.excessive", r"大量反复申请", "not_processed_excessive"),
    _request_row("req.not_processed.confirmation", r"确认或重新出具", "not_processed_confirmation"),
    _request_row("req.not_processed", r"^(\(五\))?不予处理(\(?小计\)?)?$", "requests_not_processed"),
    _request_row("req.other.no_correction", r"逾期不补正", "other_no_correction", sets="req.other"),
    _request_row("req.other.unpaid_fee", r"缴纳费用", "other_unpaid_fee", sets="req.other"),
    _request_row("req.other.other", r"^(\d[.、])?其他$", "other_other", sets="req.other",
                 within=("req.other",)),
    _request_row("req.other_handling", r"^(\(六\))?其他处理(\(?小计\)?)?$", "requests_other_handling",
                 sets="req.other"),
    _request_row("req.concluded", r"^(\(七\))?总计$", "requests_concluded", sets="req.total",
                 within=_OUTCOME),
)

# The older statistical table: label | unit | value, one value per row.
OLD_ROWS: tuple[RowRule, ...] = (
    RowRule("old.items_published", "old", r"主动公开政府信息数", _both("items_published"), sets="old"),
    RowRule("old.normative_published", "old", r"主动公开规范性文件数", _both("normative_docs_published")),
    RowRule("old.normative_issued", "old", r"制发规范性文件总数", _both("normative_docs_issued")),
    RowRule("old.interpretations", "old", r"政策解读稿件发布数", _both("policy_interpretations")),
    RowRule("old.requests", "old", r"收到申请数", _both("disclosure_requests"), sets="old"),
    RowRule("old.in_person", "old", r"当面申请数", _both("requests_in_person")),
    RowRule("old.fax", "old", r"传真申请数", _both("requests_by_fax")),
    RowRule("old.online", "old", r"网络申请数", _both("requests_online")),
    RowRule("old.letter", "old", r"信函申请数", _both("requests_by_letter")),
    RowRule("old.completed", "old", r"申请办结数", _both("requests_completed")),
    RowRule("old.on_time", "old", r"按时办结数", _both("requests_completed_on_time")),
    RowRule("old.extended", "old", r"延期办结数", _both("requests_completed_extended")),
    RowRule("old.answered", "old", r"申请答复数", _both("requests_answered")),
    RowRule("old.already_public", "old", r"已主动公开范围数", _both("answered_already_public")),
    RowRule("old.partial", "old", r"同意部分公开", _both("requests_partially_granted")),
    RowRule("old.granted", "old", r"^(\d[.、])?同意公开答复数", _both("requests_granted")),
    RowRule("old.denied", "old", r"不同意公开答复数", _both("requests_denied")),
    RowRule("old.not_this_body", "old", r"不属于本行政机关公开数", _both("answered_not_this_body")),
    RowRule("old.not_exist", "old", r"申请信息不存在数", _both("answered_not_exist")),
    RowRule("old.amend", "old", r"告知作出更改补充数", _both("answered_amend")),
    RowRule("old.other_channel", "old", r"告知通过其他途径办理数", _both("answered_other_channel")),
    RowRule("old.reconsiderations", "old", r"行政复议数", _both("admin_reconsiderations"), sets="old.recon"),
    RowRule("old.recon.upheld", "old", r"维持具体行政行为", _both("reconsideration_upheld"),
            within=("old.recon",)),
    RowRule("old.recon.corrected", "old", r"被依法纠错数", _both("reconsideration_corrected"),
            within=("old.recon",)),
    RowRule("old.recon.other", "old", r"其他情形数", _both("reconsideration_other"), within=("old.recon",)),
    RowRule("old.lawsuits", "old", r"行政诉讼数", _both("lawsuits"), sets="old.suit"),
    RowRule("old.suit.upheld", "old", r"维持具体行政行为|驳回原告", _both("lawsuit_upheld"),
            within=("old.suit",)),
    RowRule("old.suit.corrected", "old", r"被依法纠错数", _both("lawsuit_corrected"), within=("old.suit",)),
    RowRule("old.suit.other", "old", r"其他情形数", _both("lawsuit_other"), within=("old.suit",)),
    RowRule("old.complaints", "old", r"举报投诉数", _both("complaints"), sets="old"),
    RowRule("old.fees", "old", r"依申请公开信息收取的费用|收取的费用", _both("fees_collected"), sets="old",
            scale=10_000.0),
)
# fmt: on

ROW_RULES: tuple[RowRule, ...] = PROACTIVE_ROWS + REQUEST_ROWS + OLD_ROWS

# The review table is one data row of 3 groups x 5 outcomes, read by position.
REVIEW_KEYS: tuple[str, ...] = tuple(
    f"{g}_{o}" if f"{g}_{o}" != "reconsideration_total" else "admin_reconsiderations"
    for g, _, _ in REVIEW_GROUPS
    for o, _, _ in REVIEW_OUTCOMES
)
REVIEW_WIDTH = len(REVIEW_OUTCOMES)

# A label cell holds no figure: digits only in enumerators (1. / 第二十条), none in free-text sentences.
_ENUM = re.compile(r"[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|(?<![\d.])\d{1,2}[.、](?=\D)")
# A cell opening with an enumerator is a row's label (its numbering), known or not.
OPENS_WITH_ENUM = re.compile(r"\s*(?:" + _ENUM.pattern + ")")
_ASIDE = re.compile(r"\([^()]*\)")  # (不同渠道和方式公开相同信息计1条): a note, not a figure
MAX_LABEL_CHARS = 60
_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=MEMO_SIZE)  # pure, and the standard tables repeat their labels in every report
def label_text(cell: str) -> str | None:
    """The cell as a label to match, or None when it reads like free text (a sentence, a figure)."""
    if len(cell) > MAX_LABEL_CHARS or cell.endswith("。"):
        return None
    rest = _ASIDE.sub("", _ENUM.sub("", cell))
    if _DIGIT.search(rest.replace("第二十条", "")):
        return None
    return cell


TEMPLATE_MARKERS: tuple[tuple[str, str], ...] = (
    (r"当面申请数|传真申请数|网络申请数|信函申请数", T2019_OLD),
    (r"本年制发件数|现行有效件数|本年处理决定数量|本年收费金额|逾期未按收费通知|〔2021〕30号", T2021),
    (r"本年新制作数量|对外公开总数量|上一年项目数量|政府集中采购|〔2019〕60号", T2019),
)
GENERIC_MARKERS = (
    r"第二十条第\(一\)项|收到和处理政府信息公开申请情况|本年新收政府信息公开申请|未经复议直接起诉"
)
