"""Standard tables: one table definition rendered in every flattening must read back the same."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.catalog import BY_KEY, CORE_KEYS
from pipeline.record import MetricRecord
from pipeline.table_layout import BLANK, NOT_APPLICABLE, NUMBER, TEXT, ZERO_WORD, cell_kind, tokenize
from pipeline.tables import CELLS_DROPPED, INCONSISTENT, detect_template, extract_tables
from pipeline.text import normalise

FIXTURES = Path(__file__).parent / "fixtures" / "tables"
TABLE = json.loads((FIXTURES / "standard_2021.json").read_text(encoding="utf-8"))
APPLICANTS = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org")
APPLICANTS += ("legal_service_org", "other_org")
INTRO = "某某局2021年政府信息公开工作年度报告\n一、总体情况\n全年工作有序开展。\n二、主动公开政府信息情况"

Row = list[str]


def cell(v: object) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def table_rows(table: dict) -> list[Row]:
    """The whole report as rows of cells (merged group labels sit on their first sub-row)."""
    rows: list[Row] = []
    for sub in table["proactive"]:
        rows += [[sub["heading"]], sub["header"]]
        rows += [[label, *map(cell, values)] for label, values in sub["rows"]]
    rows.append([table["request_heading"]])
    rows += table["request_header"]
    for group, label, _key, values in table["requests"]:
        rows.append([c for c in (group, label) if c] + [cell(v) for v in values])
    rows += [[table["review_heading"]], *table["review_header"], [cell(v) for v in table["review"]]]
    return rows


def split_label(c: str) -> str:
    """A long label or header cell broken over two lines, as PDF and Word copies do."""
    return c[: len(c) // 2] + "\n" + c[len(c) // 2 :] if len(c) >= 6 and not c[0].isdigit() else c


RENDER: dict[str, Callable[[Row], str]] = {
    "pipe_row": lambda r: " | ".join(r) + " |",
    "markdown": lambda r: "| " + " | ".join(r) + " |",
    "cell_per_line_pipe": lambda r: "\n".join(f"{c} |" if c else "|" for c in r),
    "cell_per_line": lambda r: "\n".join(r),
    "spaces": lambda r: " ".join(c for c in r if c),
    "tabs": lambda r: "\t".join(r),
    "header_split_pipe": lambda r: " | ".join(split_label(c) for c in r) + " |",
    "pdf_label_lines": lambda r: (
        "\n".join(split_label(c) for c in r if not c[:1].isdigit())
        + ("\n" + " ".join(c for c in r if c[:1].isdigit()) if any(c[:1].isdigit() for c in r) else "")
    ),
}
KEEPS_BLANKS = {"pipe_row", "markdown", "cell_per_line_pipe", "header_split_pipe"}


def render(style: str, table: dict = TABLE, full_width: bool = False) -> str:
    body = "\n".join(RENDER[style](r) for r in table_rows(table))
    raw = f"{INTRO}\n{body}\n{table['after']}"
    if full_width:  # what a Chinese word processor writes; NFKC brings it back
        raw = raw.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789|"})
    return normalise(raw)


def expected(table: dict, keeps_blanks: bool) -> dict[str, float]:
    """key -> value as the definition says; a row with a blank cell lost keeps only its total."""
    out: dict[str, float] = {}
    for sub in table["proactive"]:
        for label, values in sub["rows"]:
            for key, v in zip(table["proactive_keys"][label], values, strict=True):
                out[key] = v * 10_000 if BY_KEY[key].kind == "money" else v
    for _group, _label, key, values in table["requests"]:
        lost = not keeps_blanks and "" in values
        for col, v in zip((*APPLICANTS, ""), values, strict=True):
            if isinstance(v, int | float) and not (lost and col):
                out[f"{key}.{col}" if col else key] = v
    review = [
        f"{g}_{o}"
        for g in ("reconsideration", "lawsuit_direct", "lawsuit_after_review")
        for o in ("upheld", "corrected", "other", "pending", "total")
    ]
    out.update(zip(review, table["review"], strict=True))
    out["admin_reconsiderations"] = out.pop("reconsideration_total")
    out["lawsuits"] = out["lawsuit_direct_total"] + out["lawsuit_after_review_total"]
    return out


def by_metric(records: list[MetricRecord]) -> dict[str, MetricRecord]:
    out: dict[str, MetricRecord] = {}
    for r in records:
        assert r.metric not in out, f"{r.metric} read twice"
        out[r.metric] = r
    return out


@pytest.mark.parametrize("style", sorted(RENDER))
def test_every_flattening_reads_back_the_table_definition(style: str) -> None:
    text = render(style)
    got = {k: r.value for k, r in by_metric(extract_tables(text)).items()}
    assert got == expected(TABLE, style in KEEPS_BLANKS)


@pytest.mark.parametrize("style", sorted(RENDER))
def test_every_record_points_at_its_cell_and_its_row(style: str) -> None:
    text = render(style)
    for r in extract_tables(text):
        assert r.method.startswith("table:")
        assert r.evidence in text and text[r.start : r.end] in r.evidence
        assert r.unit == BY_KEY[r.metric].unit
        assert 0 < r.confidence <= 1
        if r.metric != "lawsuits" and BY_KEY[r.metric].kind != "money":
            assert float(text[r.start : r.end]) == r.value


def test_full_width_digits_and_pipes_read_like_ascii_after_normalisation() -> None:
    got = {k: r.value for k, r in by_metric(extract_tables(render("pipe_row", full_width=True))).items()}
    assert got == expected(TABLE, keeps_blanks=True)


def test_ten_thousand_yuan_fees_are_stored_in_yuan() -> None:
    rec = by_metric(extract_tables(render("pipe_row")))["admin_fees"]
    assert (rec.value, rec.unit) == (15_000.0, "元")


@pytest.mark.parametrize(
    ("word", "kind"),
    [("12", NUMBER), ("0", NUMBER), ("1,234", NUMBER), ("-3", NUMBER), ("无", ZERO_WORD), ("/", NOT_APPLICABLE),
     ("-", NOT_APPLICABLE), ("不适用", NOT_APPLICABLE), ("规章", TEXT)],
)  # fmt: skip
def test_a_cell_is_a_number_a_zero_word_not_applicable_or_text(word: str, kind: str) -> None:
    assert cell_kind(word) == kind


def test_blank_and_not_applicable_cells_give_no_value_never_zero() -> None:
    got = by_metric(extract_tables(render("pipe_row")))
    assert "not_processed_repeated.commercial_enterprise" not in got  # "/"
    assert "not_processed_repeated.social_welfare_org" not in got  # blank
    assert got["not_processed_repeated.research_institution"].value == 0  # explicit 0
    assert got["not_processed_repeated"].value == 1


def test_an_empty_cell_between_pipes_is_a_blank_token() -> None:
    kinds = [t.kind for t in tokenize("规章 | 1 | | 3 |\n行政规范性文件 | 4 | 5 | 6 |")]
    assert kinds == [TEXT, NUMBER, BLANK, NUMBER, TEXT, NUMBER, NUMBER, NUMBER]


def test_a_zero_word_cell_is_an_explicit_zero() -> None:
    text = render("pipe_row").replace("行政强制 | 3 |", "行政强制 | 无 |")
    assert by_metric(extract_tables(text))["enforcement_decisions"].value == 0


def test_a_row_whose_blank_cells_were_dropped_keeps_only_its_total_with_a_flag() -> None:
    rec = by_metric(extract_tables(render("spaces")))["not_processed_repeated"]
    assert rec.value == 1 and CELLS_DROPPED in rec.flags and rec.confidence < 0.95


def cut_points() -> list[int]:
    text = render("pipe_row")
    marks = [
        "(一)予以公开 | 4 | 1",
        "2.重复申请 | 1",
        "(七)总计 | 11 | 1 | 0 | 0 | 1 | 0 | 1",
        "0 | 1 | 0 | 0",
    ]
    return [text.index(m) + len(m) for m in marks] + [len(text) // 2, text.index("四、政府信息公开行政复议")]


@pytest.mark.parametrize("cut", cut_points())
def test_a_truncated_table_yields_only_complete_rows_and_invents_nothing(cut: int) -> None:
    full = render("pipe_row")
    text = full[:cut]
    truth = expected(TABLE, keeps_blanks=True)
    got = by_metric(extract_tables(text))
    for key, rec in got.items():
        assert rec.value == truth[key], key
        assert rec.end <= len(text) and rec.evidence in text
    complete = by_metric(extract_tables(full))
    for key in got:  # whatever is read from the cut text sits where the full text has it
        assert (got[key].start, got[key].end) == (complete[key].start, complete[key].end)


def test_a_number_cut_in_half_by_the_end_of_the_text_is_not_read() -> None:
    full = render("pipe_row")
    cut = full.index("(七)总计 | 11 | 1 | 0 | 0 | 1 | 0 | 13") + len("(七)总计 | 11 | 1 | 0 | 0 | 1 | 0 | 1")
    got = by_metric(extract_tables(full[:cut]))
    assert "requests_concluded" not in got and "requests_concluded.natural_person" not in got


def with_cell(table: dict, key: str, column: int, value: int) -> dict:
    out = json.loads(json.dumps(table))
    for row in out["requests"]:
        if row[2] == key:
            row[3][column] = value
    return out


@pytest.mark.parametrize(
    ("key", "column", "value", "flagged", "clean"),
    [
        # 总计 column no longer the sum of the applicant columns
        ("disclosure_requests", 0, 11, "disclosure_requests.natural_person", "requests_granted"),
        # outcome rows no longer add up to (七)总计 (and the balance breaks with it)
        ("requests_granted", 6, 6, "requests_concluded", "disclosure_requests.natural_person"),
        # new + carried over != concluded + carried forward
        ("requests_carried_forward", 6, 3, "disclosure_requests", "requests_granted"),
    ],
)
def test_a_table_that_does_not_add_up_keeps_its_values_with_a_flag(
    key: str, column: int, value: int, flagged: str, clean: str
) -> None:
    got = by_metric(extract_tables(render("pipe_row", with_cell(TABLE, key, column, value))))
    assert INCONSISTENT in got[flagged].flags and got[flagged].confidence < 0.95
    assert INCONSISTENT not in got[clean].flags
    assert got[key if column == 6 else f"{key}.natural_person"].value == value


def test_a_consistent_table_carries_no_inconsistency_flag() -> None:
    assert not [r for r in extract_tables(render("pipe_row")) if INCONSISTENT in r.flags]


def test_a_review_group_whose_total_is_not_its_sum_is_flagged() -> None:
    table = json.loads(json.dumps(TABLE))
    table["review"][4] = 4  # reconsideration total 4, outcomes add up to 3
    got = by_metric(extract_tables(render("spaces", table)))
    assert INCONSISTENT in got["admin_reconsiderations"].flags
    assert INCONSISTENT not in got["lawsuit_direct_total"].flags


def test_the_2019_template_reads_its_own_column_sets() -> None:
    text = normalise(
        "2019年政府信息公开工作年度报告\n二、主动公开政府信息情况\n"
        "第二十条第(一)项 |\n信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |\n"
        "规章 | 2 | 2 | 30 |\n规范性文件 | 7 | 6 | 88 |\n"
        "第二十条第(五)项 |\n信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |\n"
        "行政许可 | 40 | -2 | 1200 |\n"
        "三、收到和处理政府信息公开申请情况\n(六)其他处理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n"
    )
    got = {k: r.value for k, r in by_metric(extract_tables(text)).items()}
    assert detect_template(text) == "2019"
    assert got["regulations_made"] == 2 and got["normative_docs_public_total"] == 88
    assert (got["licensing_items_prev"], got["licensing_items_change"], got["licensing_decisions"]) == (
        40,
        -2,
        1200,
    )
    assert got["requests_other_handling"] == 0


def test_the_old_statistical_table_is_read_row_by_row() -> None:
    text = normalise((FIXTURES / "old_layout.txt").read_text(encoding="utf-8"))
    want = json.loads((FIXTURES / "old_layout.json").read_text(encoding="utf-8"))
    assert detect_template(text) == "2019_old"
    got = {k: r.value for k, r in by_metric(extract_tables(text)).items()}
    assert got == pytest.approx(want)
    assert "answered_amend" not in got and "answered_other_channel" not in got  # "/" and blank


@pytest.mark.parametrize(
    ("text", "template"),
    [
        (render("pipe_row"), "2021"),
        ("本报告依据国办公开办函〔2019〕60号编制。", "2019"),
        ("2020年度报告\n行政复议 行政诉讼\n未经复议直接起诉 复议后起诉\n0 0 0", "2019"),
        ("2022年度报告\n行政复议 行政诉讼\n未经复议直接起诉 复议后起诉\n0 0 0", "2021"),
        ("2021年,我局全年主动公开信息120条,收到政府信息公开申请3件。", None),
    ],
)
def test_the_template_variant_is_recognised(text: str, template: str | None) -> None:
    assert detect_template(text) == template


def test_free_text_with_row_words_is_not_read_as_a_table_row() -> None:
    text = normalise(
        "2021年报告\n第二十条第(一)项\n全年新收政府信息公开申请数量5件,上年结转政府信息公开申请数量2件。\n"
    )
    assert extract_tables(text) == []


def test_a_narrative_report_has_no_table_records() -> None:
    assert extract_tables("2018年,本局主动公开政府信息200条,受理依申请公开3件。") == []


def test_table_reads_on_the_shared_corpus_never_contradict_the_gold(corpus_dir: Path) -> None:
    """Precision of the table reader alone on the core keys: every core value it reads is annotated."""
    wrong, right = [], 0
    for path in sorted((corpus_dir / "table2019").glob("*.txt")):
        text = normalise(path.read_text(encoding="utf-8"))
        gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        truth = {(m["metric"], float(m["value"])) for m in gold["metrics"]}
        for r in extract_tables(text):
            assert text[r.start : r.end] and r.evidence in text
            if r.metric in CORE_KEYS:
                if (r.metric, r.value) in truth:
                    right += 1
                else:
                    wrong.append((path.name, r.metric, r.value))
    assert not wrong
    assert right >= 5  # the tables that survive truncation do give core values


def _column_lines(cell: str, width: float = 3.0) -> list[str]:
    """`cell` wrapped in a column `width` Chinese characters wide (a Latin character is half one)."""
    lines, line, used = [], "", 0.0
    for ch in cell:
        w = 0.5 if ord(ch) < 128 else 1.0
        if used + w > width:
            lines, line, used = [*lines, line], "", 0.0
        line, used = line + ch, used + w
    return [*lines, line]


def _label_rest_below(row: Row) -> str:
    """A row as narrow columns set it: each label's first line beside the numbers, the rest of the
    label below them (LibreOffice's layout of a table without set widths)."""
    numbers = [c for c in row if c and c.replace(".", "").isdigit()]
    if not numbers:
        return " ".join(row)  # headings and headers: set across the page
    labels = [_column_lines(c) for c in row if c and c not in numbers]
    head = " ".join([lines[0] for lines in labels] + numbers)
    return "\n".join([head, *(line for lines in labels for line in lines[1:])])


def test_a_label_rest_below_its_row_gives_no_value_to_the_next_row() -> None:
    """The rest of one label ("行政查" / "询事项") came just before the next row, whose own label was
    cut to unknown pieces ("(四)无 1.本机 0 0 0 0 1 0 1"): the rest took that row's numbers as its
    own. A row's numbering (一、 / (四) / 1.) starts another row, known or not. Values may be lost
    in such a layout; none may be read into the wrong row."""
    body = "\n".join(_label_rest_below(r) for r in table_rows(TABLE))
    records = extract_tables(normalise(f"{INTRO}\n{body}\n{TABLE['after']}"))
    want = expected(TABLE, keeps_blanks=False)
    wrong = [(r.metric, r.value, want.get(r.metric)) for r in records if want.get(r.metric) != r.value]
    assert wrong == []
    assert "admin_reconsiderations" in {r.metric for r in records}  # the rows it can place, it reads
