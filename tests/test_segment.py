"""Segmentation: compilations, titles, dates, sections on every numbering style."""

import pytest

from analyzer.normalize import normalize
from analyzer.segment import find_date, find_sections, find_title, section_kind, segment, split_reports



@pytest.fixture(scope="module")
def seed_reports(seed_text):
    return segment(normalize(seed_text).text, "seed")


def test_seed_splits_into_four_reports_with_titles(seed_reports):
    assert [r.title for r in seed_reports] == [
        "全市城镇老旧小区改造提质工作推进会上的讲话",
        "小区改造工程完成情况和工程特色汇报材料",
        "小区改造提升存在的问题及对策建议调研报告",
        "德政社区推进老旧小区改造的说明报告",
    ]
    assert seed_reports[0].truncated and not seed_reports[1].truncated
    assert seed_reports[0].text.startswith("全市城镇") and "篇二" not in seed_reports[0].text


def test_seed_project_report_sections(seed_reports):
    kinds = [(s.heading, s.kind, s.level) for s in seed_reports[1].sections]
    assert kinds[:5] == [
        ("一、改造老旧小区情况", "basic", 1), ("（一）基本情况", "basic", 2),
        ("（二）改造前存在问题", "pre_condition", 2), ("（三）主要改造内容", "content", 2),
        ("（四）改造完成情况", "progress", 2),
    ]
    assert ("二、主要做法", "measures", 1) in kinds
    assert ("（一）成立工作专班、加强领导", "measures", 2) in kinds


def test_seed_research_report_problem_section_spans_its_items(seed_reports):
    r = seed_reports[2]
    problems = [s for s in r.sections if s.kind == "problems"]
    assert [s.heading for s in problems] == ["二、存在问题", "（一）改造质量标准还有待提高",
                                             "（二）旧小区推行物业管理面临新挑战", "（三）群众满意度有待提高"]
    top = problems[0]
    assert "仅占17%" in r.text[top.start:top.end] and "三、几点建议" not in r.text[top.start:top.end]
    assert [s.kind for s in r.sections if s.heading.startswith("三、")] == ["suggestions"]


def test_every_section_heading_is_at_its_offset(seed_reports):
    for r in seed_reports:
        for s in r.sections:
            assert r.text[s.start:].startswith(s.heading)
            assert s.start < s.end <= len(r.text)


NUMBERING = [
    ("一、基本情况\n正文。\n二、存在问题\n正文。", [("一、基本情况", 1), ("二、存在问题", 1)]),
    ("（一）基本情况\n正文。\n（二）存在问题\n正文。", [("（一）基本情况", 1), ("（二）存在问题", 1)]),
    ("1.基本情况\n正文。\n2.存在问题\n正文。", [("1.基本情况", 1), ("2.存在问题", 1)]),
    ("1、基本情况\n正文。\n2、存在问题\n正文。", [("1、基本情况", 1), ("2、存在问题", 1)]),
    ("（1）基本情况\n正文。\n（2）存在问题\n正文。", [("（1）基本情况", 1), ("（2）存在问题", 1)]),
    ("①基本情况\n正文。\n②存在问题\n正文。", [("①基本情况", 1), ("②存在问题", 1)]),
    ("一是资金不足，缺口较大。\n二是进度滞后。", [("一是资金不足，缺口较大", 1), ("二是进度滞后", 1)]),
    ("一、存在问题\n（一）资金不足。正文。\n1.配套资金未到位。\n（1）区级配套。\n①其中一项。",
     [("一、存在问题", 1), ("（一）资金不足", 2), ("1.配套资金未到位", 3), ("（1）区级配套", 4), ("①其中一项", 5)]),
    ("存在问题\n正文一。\n下一步工作打算\n正文二。", [("存在问题", 1), ("下一步工作打算", 1)]),
]


@pytest.mark.parametrize("text,expected", NUMBERING, ids=[t[0][:8] for t in NUMBERING])
def test_numbering_styles(text, expected):
    assert [(s.heading, s.level) for s in find_sections(normalize(text).text)] == expected


def test_heading_running_on_into_body_text():
    text = normalize("二、主要做法\n（一）成立专班，强化统筹。为推进改造，区里成立专班。\n（二）加强调研。走访居民。").text
    secs = find_sections(text)
    assert [(s.heading, s.kind) for s in secs] == [
        ("二、主要做法", "measures"), ("（一）成立专班，强化统筹", "measures"), ("（二）加强调研", "measures")]


def test_decimals_and_years_are_not_headings():
    text = "15.82万平方米的住宅。\n2021年完成改造。\n3.5万元每户。"
    assert find_sections(text) == []


@pytest.mark.parametrize("heading,kind", [
    ("一、基本情况", "basic"), ("（二）改造前存在问题", "pre_condition"), ("三、主要改造内容", "content"),
    ("（四）改造完成情况", "progress"), ("二、主要做法与成效", "measures"), ("三、存在的困难和问题", "problems"),
    ("二、审计发现的主要问题", "problems"), ("四、下一步工作打算", "next_steps"), ("三、几点建议", "suggestions"),
    ("三、整改措施", "rectification"), ("一、用一心为民的真挚情怀", "other"),
])
def test_section_kinds(heading, kind):
    assert section_kind(heading) == kind


def test_split_reports_markers():
    text = "合集\n篇一：甲\n正文。\n【篇二】乙\n正文。\n范文3：丙\n正文。"
    spans = split_reports(text)
    assert [s.marker_title for s in spans] == ["甲", "乙", "丙"]
    assert len(split_reports("没有分篇的报告。")) == 1


@pytest.mark.parametrize("text,date", [
    ("标题\n正文。\nXX区住建局\n2023年3月15日", "2023-03-15"),
    ("标题\n正文。\nXX区住建局\n二〇二三年二月", "2023-02"),
    ("标题\n正文。\nXX区住建局 2022年12月8日", "2022-12-08"),
    ("标题\n（2022年11月）\n截至2022年10月底完成。", "2022-11"),
    ("标题\n截至2022年10月底完成。", None),
])
def test_report_date(text, date):
    assert find_date(text) == date


def test_title_runs_into_body():
    assert find_title("小区改造提升存在的问题及对策建议调研报告实施老旧小区改造是民生大事。") == \
        "小区改造提升存在的问题及对策建议调研报告"
    assert find_title("同志们：\n今天开会。") is None
