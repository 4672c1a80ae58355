"""The metric catalogue: every key the pipeline may emit, as data rows, plus derived indicators.

Keys are stable (scripts and the dataset depend on them); labels are what users see. Extraction
rules refer to these keys; a test checks every rule's metric is catalogued and every catalogued
core key has labels, a unit and test examples.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    key: str
    zh: str
    en: str
    unit: str  # unit the value is stored in (万元 amounts are stored in 元)
    kind: str  # count | percent | money
    group: str  # service | disclosure | requests | review | regulation | decisions
    definition: str  # what counts, in Chinese, shown on the 指标说明 page
    core: bool = False  # annotated in the gold set, scored by `evaluate`


# fmt: off
# The twelve core keys of DESIGN.md: stated in free text and (some) in the standard tables.
CORE_METRICS: tuple[Metric, ...] = (
    Metric("items_accepted", "受理件数", "Items accepted", "件", "count", "service",
           "政务服务中心全年受理(办件)的行政许可和公共服务事项数", True),
    Metric("items_completed", "办结件数", "Items completed", "件", "count", "service",
           "全年办结的事项数", True),
    Metric("completion_rate", "办结率", "Completion rate", "%", "percent", "service",
           "办结件数占受理件数的比例(含按期办结率)", True),
    Metric("visitors_served", "接待服务对象", "Visitors served", "人次", "count", "service",
           "大厅接待的办事群众和企业人次", True),
    Metric("satisfaction_rate", "满意率", "Satisfaction rate", "%", "percent", "service",
           "群众或服务对象满意(度)的比例", True),
    Metric("items_published", "主动公开政府信息", "Information items published", "条", "count",
           "disclosure", "全年主动公开的政府信息条数", True),
    Metric("policy_interpretations", "政策解读", "Policy interpretations", "篇", "count",
           "disclosure", "发布的政策解读稿件或材料篇数", True),
    Metric("disclosure_requests", "依申请公开申请", "Disclosure requests received", "件", "count",
           "requests", "本年新收政府信息公开申请数量;明确表示未收到的记为0", True),
    Metric("requests_carried_over", "上年结转申请", "Requests carried over", "件", "count",
           "requests", "上年结转政府信息公开申请数量", True),
    Metric("fees_collected", "信息公开收费", "Disclosure fees collected", "元", "money",
           "requests", "因政府信息公开收取的费用;明确表示未收取的记为0", True),
    Metric("admin_reconsiderations", "行政复议(信息公开)", "Administrative reconsiderations",
           "件", "count", "review", "因政府信息公开被申请行政复议的件数(总计)", True),
    Metric("lawsuits", "行政诉讼(信息公开)", "Administrative lawsuits", "件", "count", "review",
           "因政府信息公开被提起行政诉讼的件数(未经复议直接起诉与复议后起诉之和)", True),
)

# 第二十条 tables of the 2019/2021 template (主动公开政府信息情况).
PROACTIVE_METRICS: tuple[Metric, ...] = (
    Metric("regulations_issued", "规章本年制发件数", "Regulations issued", "件", "count", "regulation",
           "第二十条第(一)项:规章本年制发件数"),
    Metric("regulations_repealed", "规章本年废止件数", "Regulations repealed", "件", "count",
           "regulation", "第二十条第(一)项:规章本年废止件数"),
    Metric("regulations_in_force", "规章现行有效件数", "Regulations in force", "件", "count",
           "regulation", "第二十条第(一)项:规章现行有效件数"),
    Metric("normative_docs_issued", "行政规范性文件本年制发件数", "Normative documents issued", "件",
           "count", "regulation", "第二十条第(一)项:行政规范性文件本年制发件数"),
    Metric("normative_docs_repealed", "行政规范性文件本年废止件数", "Normative documents repealed",
           "件", "count", "regulation", "第二十条第(一)项:行政规范性文件本年废止件数"),
    Metric("normative_docs_in_force", "行政规范性文件现行有效件数", "Normative documents in force",
           "件", "count", "regulation", "第二十条第(一)项:行政规范性文件现行有效件数"),
    Metric("licensing_decisions", "行政许可处理决定", "Licensing decisions", "件", "count",
           "decisions", "第二十条第(五)项:行政许可本年处理决定数量"),
    Metric("penalty_decisions", "行政处罚处理决定", "Penalty decisions", "件", "count", "decisions",
           "第二十条第(六)项:行政处罚本年处理决定数量"),
    Metric("enforcement_decisions", "行政强制处理决定", "Enforcement decisions", "件", "count",
           "decisions", "第二十条第(六)项:行政强制本年处理决定数量"),
    Metric("admin_fees", "行政事业性收费金额", "Administrative fees", "元", "money", "decisions",
           "第二十条第(八)项:行政事业性收费本年收费金额(表中单位万元,存为元)"),
)

# 第二十条 tables of the 2019 template (国办公开办函〔2019〕60号): other column sets.
PROACTIVE_2019_METRICS: tuple[Metric, ...] = (
    Metric("regulations_made", "规章本年新制作数量", "Regulations newly made", "件", "count", "regulation",
           "2019年版第二十条第(一)项:规章本年新制作数量"),
    Metric("regulations_published", "规章本年新公开数量", "Regulations newly published", "件", "count",
           "regulation", "2019年版第二十条第(一)项:规章本年新公开数量"),
    Metric("regulations_public_total", "规章对外公开总数量", "Regulations public in total", "件", "count",
           "regulation", "2019年版第二十条第(一)项:规章对外公开总数量"),
    Metric("normative_docs_made", "规范性文件本年新制作数量", "Normative documents newly made", "件",
           "count", "regulation", "2019年版第二十条第(一)项:规范性文件本年新制作数量"),
    Metric("normative_docs_published", "规范性文件本年新公开数量", "Normative documents newly published",
           "件", "count", "regulation", "2019年版第二十条第(一)项:规范性文件本年新公开数量"),
    Metric("normative_docs_public_total", "规范性文件对外公开总数量", "Normative documents public in total",
           "件", "count", "regulation", "2019年版第二十条第(一)项:规范性文件对外公开总数量"),
    Metric("licensing_items_prev", "行政许可上一年项目数量", "Licensing items (previous year)", "项",
           "count", "decisions", "2019年版第二十条第(五)项:行政许可上一年项目数量"),
    Metric("licensing_items_change", "行政许可本年增/减", "Licensing items: change", "项", "count",
           "decisions", "2019年版第二十条第(五)项:行政许可项目本年增/减(可为负)"),
    Metric("other_services_items_prev", "其他对外管理服务事项上一年项目数量",
           "Other public services: items (previous year)", "项", "count", "decisions",
           "2019年版第二十条第(五)项:其他对外管理服务事项上一年项目数量"),
    Metric("other_services_items_change", "其他对外管理服务事项本年增/减", "Other public services: change",
           "项", "count", "decisions", "2019年版第二十条第(五)项:其他对外管理服务事项本年增/减"),
    Metric("other_services_decisions", "其他对外管理服务事项处理决定", "Other public services: decisions",
           "件", "count", "decisions", "2019年版第二十条第(五)项:其他对外管理服务事项处理决定数量"),
    Metric("penalty_items_prev", "行政处罚上一年项目数量", "Penalty items (previous year)", "项", "count",
           "decisions", "2019年版第二十条第(六)项:行政处罚上一年项目数量"),
    Metric("penalty_items_change", "行政处罚本年增/减", "Penalty items: change", "项", "count", "decisions",
           "2019年版第二十条第(六)项:行政处罚项目本年增/减"),
    Metric("enforcement_items_prev", "行政强制上一年项目数量", "Enforcement items (previous year)", "项",
           "count", "decisions", "2019年版第二十条第(六)项:行政强制上一年项目数量"),
    Metric("enforcement_items_change", "行政强制本年增/减", "Enforcement items: change", "项", "count",
           "decisions", "2019年版第二十条第(六)项:行政强制项目本年增/减"),
    Metric("admin_fee_items_prev", "行政事业性收费上一年项目数量", "Fee items (previous year)", "项",
           "count", "decisions", "2019年版第二十条第(八)项:行政事业性收费上一年项目数量"),
    Metric("admin_fee_items_change", "行政事业性收费本年增/减", "Fee items: change", "项", "count",
           "decisions", "2019年版第二十条第(八)项:行政事业性收费项目本年增/减"),
    Metric("procurement_projects", "政府集中采购项目数量", "Central procurement projects", "项", "count",
           "decisions", "2019年版第二十条第(九)项:政府集中采购项目数量"),
    Metric("procurement_amount", "政府集中采购总金额", "Central procurement amount", "元", "money",
           "decisions", "2019年版第二十条第(九)项:政府集中采购总金额(表中单位万元,存为元)"),
)

# The older statistical table (政府信息公开情况统计表: 收到申请数 with 当面/传真/网络/信函 rows).
OLD_TABLE_METRICS: tuple[Metric, ...] = (
    Metric("requests_in_person", "当面申请数", "Requests in person", "件", "count", "requests",
           "旧版统计表:收到申请数中当面申请数"),
    Metric("requests_by_fax", "传真申请数", "Requests by fax", "件", "count", "requests",
           "旧版统计表:收到申请数中传真申请数"),
    Metric("requests_online", "网络申请数", "Requests online", "件", "count", "requests",
           "旧版统计表:收到申请数中网络申请数"),
    Metric("requests_by_letter", "信函申请数", "Requests by letter", "件", "count", "requests",
           "旧版统计表:收到申请数中信函申请数"),
    Metric("requests_completed", "申请办结数", "Requests completed", "件", "count", "requests",
           "旧版统计表:申请办结数"),
    Metric("requests_completed_on_time", "按时办结数", "Requests completed on time", "件", "count",
           "requests", "旧版统计表:按时办结数"),
    Metric("requests_completed_extended", "延期办结数", "Requests completed after extension", "件",
           "count", "requests", "旧版统计表:延期办结数"),
    Metric("requests_answered", "申请答复数", "Requests answered", "件", "count", "requests",
           "旧版统计表:申请答复数"),
    Metric("answered_already_public", "属于已主动公开范围数", "Answered: already public", "件", "count",
           "requests", "旧版统计表:属于已主动公开范围数"),
    Metric("answered_not_this_body", "不属于本行政机关公开数", "Answered: not this body's information", "件",
           "count", "requests", "旧版统计表:不属于本行政机关公开数"),
    Metric("answered_not_exist", "申请信息不存在数", "Answered: information does not exist", "件", "count",
           "requests", "旧版统计表:申请信息不存在数"),
    Metric("answered_amend", "告知作出更改补充数", "Answered: asked to amend", "件", "count", "requests",
           "旧版统计表:告知作出更改补充数"),
    Metric("answered_other_channel", "告知通过其他途径办理数", "Answered: other channel", "件", "count",
           "requests", "旧版统计表:告知通过其他途径办理数"),
    Metric("lawsuit_upheld", "行政诉讼维持", "Lawsuits: upheld", "件", "count", "review",
           "旧版统计表:行政诉讼维持具体行政行为或者驳回原告诉讼请求数"),
    Metric("lawsuit_corrected", "行政诉讼被依法纠错", "Lawsuits: corrected", "件", "count", "review",
           "旧版统计表:行政诉讼被依法纠错数"),
    Metric("lawsuit_other", "行政诉讼其他情形", "Lawsuits: other outcome", "件", "count", "review",
           "旧版统计表:行政诉讼其他情形数"),
    Metric("complaints", "举报投诉数", "Complaints", "件", "count", "review", "旧版统计表:举报投诉数量"),
)

# 收到和处理政府信息公开申请情况: (key suffix, zh label) for each row of the 2021 template.
REQUEST_ROWS: tuple[tuple[str, str, str], ...] = (
    ("disclosure_requests", "本年新收政府信息公开申请数量", "New requests"),
    ("requests_carried_over", "上年结转政府信息公开申请数量", "Requests carried over"),
    ("requests_granted", "予以公开", "Granted"),
    ("requests_partially_granted", "部分公开(区分处理的,只计这一情形,不计其他情形)", "Partially granted"),
    ("requests_denied", "不予公开(小计)", "Denied (subtotal)"),
    ("denied_state_secret", "不予公开:属于国家秘密", "Denied: state secret"),
    ("denied_prohibited_by_law", "不予公开:其他法律行政法规禁止公开", "Denied: prohibited by law"),
    ("denied_security_stability", "不予公开:危及“三安全一稳定”", "Denied: security and stability"),
    ("denied_third_party", "不予公开:保护第三方合法权益", "Denied: third-party rights"),
    ("denied_internal_affairs", "不予公开:属于三类内部事务信息", "Denied: internal affairs"),
    ("denied_process_info", "不予公开:属于四类过程性信息", "Denied: process information"),
    ("denied_enforcement_case", "不予公开:属于行政执法案卷", "Denied: enforcement case file"),
    ("denied_administrative_query", "不予公开:属于行政查询事项", "Denied: administrative query"),
    ("requests_unavailable", "无法提供(小计)", "Unable to provide (subtotal)"),
    ("unavailable_not_held", "无法提供:本机关不掌握相关政府信息", "Unable: not held"),
    ("unavailable_needs_creation", "无法提供:没有现成信息需要另行制作", "Unable: would need creating"),
    ("unavailable_unclear", "无法提供:补正后申请内容仍不明确", "Unable: still unclear"),
    ("requests_not_processed", "不予处理(小计)", "Not processed (subtotal)"),
    ("not_processed_petition", "不予处理:信访举报投诉类申请", "Not processed: petition"),
    ("not_processed_repeated", "不予处理:重复申请", "Not processed: repeated"),
    ("not_processed_publication", "不予处理:要求提供公开出版物", "Not processed: publication"),
    ("not_processed_excessive", "不予处理:无正当理由大量反复申请", "Not processed: excessive"),
    ("not_processed_confirmation", "不予处理:要求行政机关确认或重新出具已获取信息",
     "Not processed: confirmation"),
    ("requests_other_handling", "其他处理(小计)", "Other handling (subtotal)"),
    ("other_no_correction", "其他处理:申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
     "Other: applicant did not amend"),
    ("other_unpaid_fee", "其他处理:申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
     "Other: fee unpaid"),
    ("other_other", "其他处理:其他", "Other: other"),
    ("requests_concluded", "办理结果总计", "Requests concluded (total)"),
    ("requests_carried_forward", "结转下年度继续办理", "Carried forward to next year"),
)

# Applicant columns of the request table; the 总计 column is the plain row key.
APPLICANT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("natural_person", "自然人", "natural persons"),
    ("commercial_enterprise", "商业企业", "commercial enterprises"),
    ("research_institution", "科研机构", "research institutions"),
    ("social_welfare_org", "社会公益组织", "public-interest organisations"),
    ("legal_service_org", "法律服务机构", "legal service organisations"),
    ("other_org", "其他(法人或其他组织)", "other organisations"),
)

# 政府信息公开行政复议、行政诉讼情况: groups x outcomes.
REVIEW_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("reconsideration", "行政复议", "Reconsideration"),
    ("lawsuit_direct", "未经复议直接起诉", "Lawsuit without reconsideration"),
    ("lawsuit_after_review", "复议后起诉", "Lawsuit after reconsideration"),
)
REVIEW_OUTCOMES: tuple[tuple[str, str, str], ...] = (
    ("upheld", "结果维持", "upheld"),
    ("corrected", "结果纠正", "corrected"),
    ("other", "其他结果", "other outcome"),
    ("pending", "尚未审结", "pending"),
    ("total", "总计", "total"),
)
# fmt: on

CORE_KEYS: frozenset[str] = frozenset(m.key for m in CORE_METRICS)


def _request_metrics() -> tuple[Metric, ...]:
    rows: list[Metric] = []
    for key, zh, en in REQUEST_ROWS:
        if key in CORE_KEYS:
            continue
        rows.append(Metric(key, zh, en, "件", "count", "requests", f"申请情况表:{zh}(总计列)"))
    for key, zh, en in REQUEST_ROWS:
        for col, col_zh, col_en in APPLICANT_COLUMNS:
            rows.append(
                Metric(
                    f"{key}.{col}",
                    f"{zh}({col_zh})",
                    f"{en} ({col_en})",
                    "件",
                    "count",
                    "requests",
                    f"申请情况表:{zh},申请人为{col_zh}",
                )
            )
    return tuple(rows)


def _review_metrics() -> tuple[Metric, ...]:
    rows: list[Metric] = []
    for group, gzh, gen in REVIEW_GROUPS:
        for outcome, ozh, oen in REVIEW_OUTCOMES:
            key = f"{group}_{outcome}"
            if key == "reconsideration_total":  # the core key admin_reconsiderations holds it
                continue
            rows.append(
                Metric(
                    key,
                    f"{gzh}{ozh}",
                    f"{gen}: {oen}",
                    "件",
                    "count",
                    "review",
                    f"复议诉讼情况表:{gzh},{ozh}",
                )
            )
    return tuple(rows)


METRICS: tuple[Metric, ...] = (
    CORE_METRICS
    + PROACTIVE_METRICS
    + PROACTIVE_2019_METRICS
    + _request_metrics()
    + _review_metrics()
    + OLD_TABLE_METRICS
)
BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}


@dataclass(frozen=True)
class Derived:
    """An indicator computed from extracted metrics of one agency-year, never extracted itself."""

    key: str
    zh: str
    en: str
    unit: str
    numerator: tuple[str, ...]  # summed
    denominator: tuple[str, ...]  # summed; minus `subtract`; zero or missing -> no value
    subtract: tuple[str, ...] = ()
    formula_zh: str = ""
    formula_en: str = ""


# fmt: off
DERIVED: tuple[Derived, ...] = (
    Derived("rate_granted", "予以公开率", "Share granted", "%", ("requests_granted",),
            ("requests_concluded",), (), "予以公开 / 办理结果总计 × 100",
            "granted / requests concluded × 100"),
    Derived("rate_disclosed", "公开率(含部分公开)", "Share disclosed incl. partial", "%",
            ("requests_granted", "requests_partially_granted"), ("requests_concluded",), (),
            "(予以公开 + 部分公开) / 办理结果总计 × 100",
            "(granted + partially granted) / requests concluded × 100"),
    Derived("rate_not_held", "不掌握率", "Share not held", "%", ("unavailable_not_held",),
            ("requests_concluded",), (), "本机关不掌握相关政府信息 / 办理结果总计 × 100",
            "not held by this body / requests concluded × 100"),
    Derived("rate_reconsideration_corrected", "复议纠错率", "Reconsideration correction rate", "%",
            ("reconsideration_corrected",), ("admin_reconsiderations",), ("reconsideration_pending",),
            "复议结果纠正 / (复议总计 − 尚未审结) × 100",
            "reconsiderations corrected / (reconsiderations − pending) × 100"),
    Derived("rate_lawsuit_corrected", "诉讼纠错率", "Lawsuit correction rate", "%",
            ("lawsuit_direct_corrected", "lawsuit_after_review_corrected"),
            ("lawsuit_direct_total", "lawsuit_after_review_total"),
            ("lawsuit_direct_pending", "lawsuit_after_review_pending"),
            "(直接起诉纠正 + 复议后起诉纠正) / (两类诉讼总计 − 两类尚未审结) × 100",
            "(lawsuits corrected, both kinds) / (lawsuits, both kinds − pending) × 100"),
    Derived("rate_carried_forward", "结转率", "Carry-forward rate", "%", ("requests_carried_forward",),
            ("disclosure_requests", "requests_carried_over"), (),
            "结转下年度继续办理 / (本年新收 + 上年结转) × 100",
            "carried forward / (new requests + carried over) × 100"),
)


@dataclass(frozen=True)
class Change:
    """A comparison of one metric with itself over time (any catalogued metric)."""

    key: str
    zh: str
    en: str
    unit: str
    formula_zh: str
    formula_en: str


CHANGES: tuple[Change, ...] = (
    Change("yoy", "同比变化", "Year-on-year change", "%", "(本年值 − 上年值) / 上年值 × 100;上年缺失或为0时无值",
           "(this year − previous year) / previous year × 100; no value when the previous year is missing or 0"),
    Change("index", "指数(首年=100)", "Index (first year = 100)", "", "本年值 / 首年值 × 100;首年值为0时无值",
           "this year / first year × 100; no value when the first year is 0"),
)
# fmt: on
DERIVED_BY_KEY: dict[str, Derived] = {d.key: d for d in DERIVED}


def label(key: str, lang: str = "zh", with_unit: bool = True) -> str:
    """User-facing label such as 受理件数(件); unknown keys come back as themselves."""
    if key in BY_KEY:
        m = BY_KEY[key]
        text, unit = (m.zh if lang == "zh" else m.en), m.unit
    elif key in DERIVED_BY_KEY:
        d = DERIVED_BY_KEY[key]
        text, unit = (d.zh if lang == "zh" else d.en), d.unit
    else:
        return key
    return f"{text}({unit})" if with_unit else text


def unit_of(key: str) -> str:
    if key in BY_KEY:
        return BY_KEY[key].unit
    if key in DERIVED_BY_KEY:
        return DERIVED_BY_KEY[key].unit
    return ""
