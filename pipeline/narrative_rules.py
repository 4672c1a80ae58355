"""Rule tables for metrics stated in free text: one row per rule, read by pipeline.narrative.

A numeric rule fires on a number whose unit is in `units` when `lead` (a regex) matches the END of
its clause (the text since the last , ; 。 : or line break, approximate markers such as 约 removed).
`tail` must match the text right after the unit (for "收到12起政府信息依申请公开"); `forbid` must not
match the clause; `needs` must match the sentence; `chain` names a metric that must already have been
read earlier in the same sentence ("受理X件,办结Y件": a bare 办结 continues its 受理).
Zero rules read an explicit "none" (未收到/没有/全年无/未发生/未出现 ...) as 0 for the metric(s) the
words after the negation name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NumericRule:
    rule_id: str
    metric: str
    lead: str
    units: tuple[str, ...]
    confidence: float = 0.8
    tail: str | None = None
    forbid: str | None = None
    needs: str | None = None
    chain: str | None = None
    allow_no_unit: bool = False  # rates written without % (辦結率達到100)


X = r"[^,;。:!?\n]"  # any character inside one clause
COUNT = ("件", "件次")
ITEMS = ("条", "件", "篇")
REQUEST_UNITS = ("件", "条", "起", "个", "份", "宗", "次", "人次")
REVIEW_UNITS = ("件", "起", "宗", "个", "次")
PCT = ("%",)

# Words that make a clause about something other than the service centre's own caseload.
_SERVICE_FORBID = r"不予|信息公开|依申请|公开申请|(?<!各类)申请(?!事项)|投诉|信访|咨询|诉求|举报|来电|来信|承诺件|即办件|提前|日均|平均|每天|每日|每月|月均|窗口办件量超"
_DISCLOSURE_CONTEXT = r"信息公开|依申请|政府信息|公开申请"

# fmt: off
NUMERIC_RULES: tuple[NumericRule, ...] = (
    # 受理 as the verb (not the name “一窗受理”, not 受理并推送), optionally 受理并办结.
    NumericRule("accepted.verb", "items_accepted",
                rf"(?<![窗门网])受理(?![”\"]|并(?!办结)){X}{{0,30}}?(?:共|共计|合计|总计|达|达到|为)?", COUNT,
                0.85, forbid=_SERVICE_FORBID),
    NumericRule("accepted.banjian", "items_accepted",
                r"(?:全年|年度|本年|今年)(?:共)?办件(?:量|数)?(?:共|达|达到|为)?", COUNT, 0.85),
    NumericRule("completed.accepted_and", "items_completed",
                rf"受理并办结{X}{{0,30}}?(?:共|达|为)?", COUNT, 0.85, forbid=_SERVICE_FORBID),
    NumericRule("completed.total", "items_completed",
                rf"(?:共|共计|累计)办结{X}{{0,20}}?(?:共|达|为)?", COUNT, 0.8,
                forbid=_SERVICE_FORBID + r"|按时|按期"),
    NumericRule("completed.chain", "items_completed",
                r"^(?:全年|已|均已|按期|按时|共)?办结(?:量|数|各类事项|事项)?(?:共|达|为)?", COUNT, 0.8,
                chain="items_accepted"),
    NumericRule("completed.yearly", "items_completed", r"(?:全年|年度|本年)(?:共)?办结(?:量|数|件数)(?:共|达|为)?",
                COUNT, 0.8, forbid=_SERVICE_FORBID),
    NumericRule("completion_rate", "completion_rate", r"(?<!提前)(?<!即)办结率(?:为|达|达到|是|均为|均达)?", PCT,
                0.9, forbid=r"提前|即办", allow_no_unit=True),
    NumericRule("satisfaction_rate", "satisfaction_rate",
                r"(?<!不)满意(?:率|度)(?:为|达|达到|是|均达|均为|保持|保持在)?", PCT, 0.9, allow_no_unit=True),
    NumericRule("visitors.received", "visitors_served",
                r"接待(?:各类)?(?:服务对象|办事群众|来访群众|群众|办事人员|来访人员|企业和群众|群众和企业|"
                r"办事企业和群众|服务群众|办事企业|企业群众)(?:共|达|共计)?", ("人次", "人"), 0.85),
    NumericRule("published.proactive", "items_published",
                r"主动公开(?:了)?(?:各类|各项)?(?:政府)?信息(?:数量|总数|总量)?(?:共|共计|合计|为|达|有)?", ITEMS,
                0.85, forbid=r"申请|解读|其中"),
    NumericRule("published.total_verb", "items_published",
                r"(?:(?:共|共计|已|累计)公开(?:了)?(?:各类|各项)?|公开(?:了)?各类)(?:政府)?信息(?:共|为|达)?", ITEMS,
                0.8, forbid=r"申请|解读|其中"),
    NumericRule("published.issued", "items_published",
                rf"(?:(?:共|共计)(?:发布|公布)(?:各类|各项)?(?:政府)?|发布各类{X}{{0,25}}?)信息(?:共|为|达)?", ITEMS,
                0.75, forbid=r"申请|解读|其中"),
    NumericRule("published.column", "items_published",
                r"信息公开(?:专栏|栏目|平台|网站)(?:共)?(?:发布|公开)(?:了)?(?:各类)?(?:政府)?信息(?:共|为|达)?", ITEMS, 0.7,
                forbid=r"申请|解读|其中"),
    NumericRule("published.done", "items_published", r"(?:完成|共)政府信息公开(?:共|为|达)?", ITEMS, 0.7,
                forbid=r"申请"),
    NumericRule("published.count_of", "items_published", r"(?:政府)?信息公开(?:的)?数量(?:有|为|共|达)?", ITEMS,
                0.7, forbid=r"申请"),
    NumericRule("published.before_noun", "items_published", r"(?:全年|共|共计)(?:主动)?公开", ITEMS, 0.75,
                tail=r"(?:各类)?(?:政府)?信息", forbid=r"申请"),
    NumericRule("published.sum", "items_published", r"^(?:总计|合计|共计)(?:为|达)?", ITEMS, 0.9,
                needs=r"(?:发布|公开)[^。;]*信息"),
    NumericRule("published.columns", "items_published", rf"共(?:刊发|发布|刊登){X}{{0,30}}?等", ("篇", "条"), 0.6,
                forbid=r"申请|解读"),
    NumericRule("interpretations", "policy_interpretations",
                r"(?:发布|制作|推出|刊发|撰写|编发|开展)(?:了)?(?:政策)?解读(?:稿件|材料|文章|信息|类信息)?(?:共|为|达)?",
                ("篇", "条", "件"), 0.85),
    NumericRule("requests.received", "disclosure_requests",
                rf"(?:收到|受理|接到|接收|接收到|新收)(?:了)?{X}{{0,20}}?(?:依申请公开|信息公开|公开){X}{{0,12}}?"
                r"(?:申请|请求)(?:数量|件数)?(?:共|为|有|计)?", REQUEST_UNITS, 0.9,
                forbid=r"复议|诉讼|结转|行政许可"),
    NumericRule("requests.received_short", "disclosure_requests",
                r"(?:收到|受理|接到)(?:和办理)?(?:政府信息)?依申请公开(?:政府信息)?(?:申请)?(?:共|为)?", REQUEST_UNITS,
                0.85, forbid=r"复议|诉讼|结转"),
    NumericRule("requests.received_tail", "disclosure_requests", r"(?:收到|受理|接到)", REQUEST_UNITS, 0.8,
                tail=r"(?:政府)?信息?(?:依申请公开|公开申请)|依申请公开", forbid=r"复议|诉讼"),
    NumericRule("requests.carried_over", "requests_carried_over",
                r"上(?:一)?年(?:度)?结转(?:的)?(?:政府信息公开|依申请公开)?(?:申请)?(?:数量)?(?:共|为)?", REQUEST_UNITS,
                0.9),
    NumericRule("fees.collected", "fees_collected",
                rf"(?:收取|收费){X}{{0,20}}?(?:费用|处理费|费|金额)?(?:共|共计|为|合计)?", ("元",), 0.7,
                needs=_DISCLOSURE_CONTEXT, forbid=r"行政事业性|审批|规费|涉及"),
    NumericRule("reconsiderations", "admin_reconsiderations", r"(?:行政复议|复议)(?:案件|申请)?(?:共|为|有)?",
                REVIEW_UNITS, 0.85, forbid=r"直接起诉|复议后|具体行政行为", needs=_DISCLOSURE_CONTEXT),
    NumericRule("lawsuits", "lawsuits", r"(?:行政诉讼|提起诉讼|诉讼)(?:案件)?(?:共|为|有)?", REVIEW_UNITS, 0.85,
                forbid=r"直接起诉|复议后|具体行政行为", needs=_DISCLOSURE_CONTEXT),
)
# fmt: on

# A clause ending in a change word talks about growth, never a count (同比增加516%).
GROWTH_LEAD = r"(?:增加|增长|上升|下降|减少|提高|提升|降低|压缩|缩短|增幅|降幅)(?:了|到|至|为|达)?$"
# A target or plan is not a result (力争满意率达到99%以上).
TARGET_PREFIX = r"力争|争取|目标|预计|计划|拟|将力争|确保"
GROWTH_CLAUSE = r"同比|环比|比上年|较上年|比去年|较去年|上年同期|去年同期|由.{0,20}(?:增加|增长|提高|上升)到"


@dataclass(frozen=True)
class ZeroTarget:
    rule_id: str
    metrics: tuple[str, ...]
    words: str  # regex on the words after the negation (same clause)
    requires: str | None = None  # also needed in those words


# Tried in order; the first that matches the words after the negation wins.
ZERO_TARGETS: tuple[ZeroTarget, ...] = (
    ZeroTarget(
        "zero.review", ("admin_reconsiderations", "lawsuits"), r"复议[^,;。]{0,20}诉讼|诉讼[^,;。]{0,20}复议"
    ),
    ZeroTarget("zero.reconsideration", ("admin_reconsiderations",), r"复议"),
    ZeroTarget("zero.lawsuit", ("lawsuits",), r"(?<!申)诉讼"),
    ZeroTarget("zero.fees", ("fees_collected",), r"收取|收费|费用"),
    ZeroTarget("zero.requests", ("disclosure_requests",), r"申请|请求", requires=r"公开|^\W*申请\W*$"),
)

# The negation cue and its verb: text[start:end] of a zero record is this phrase as written.
ZERO_CUE = (
    r"(?:尚|均|也|从|并|皆)?"
    r"(?:未(?!经|予|按|能|在|及|曾|列|纳|满|达|涉|作|对|与|向社会)|没有|无(?!法|论|缝|纸|序|差|偿|关|疑|忧|人|需|须|条件|正当|理由|不予))"
    r"(?:一例|任何)?(?:收到|接到|接收到|接收|发生|出现|收取|受理|产生|办理)?"
)
# Words that, before the cue, make the clause hypothetical or about another matter.
ZERO_FORBID_BEFORE = r"如|若|是否|确保|避免|防止|杜绝"
ZERO_OTHER_MATTER = r"行政许可|咨询|投诉|信访|来信|不予公开"
