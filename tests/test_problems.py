"""Problem clauses: splitting on every list style, detection in sections and speeches (issue 4)."""

from pathlib import Path

import pytest

from analyzer.problems import candidates, find_problems, problem_stage, split_clauses
from analyzer.segment import segment

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "000_e8d46ed0191e82b1.txt"


def clauses(text: str) -> list[str]:
    return [text[s:e] for s, e in split_clauses(text)]


# ---------------------------------------------------------------------------
# Splitting: (text, expected clauses), one row per list style
# ---------------------------------------------------------------------------

SPLIT_CASES = [
    # a comma list of short defect phrases: one problem each; the closing 等 is dropped
    ("屋面及外墙局部渗漏，内楼道墙面破损，路面坑洼不平，雨污水管道破损，停车位、路灯不足等。",
     ["屋面及外墙局部渗漏", "内楼道墙面破损", "路面坑洼不平", "雨污水管道破损", "停车位、路灯不足"]),
    # a sentence whose comma parts belong together stays whole
    ("老旧小区物业管理方案从去年开始谋划，至今尚未拿出成型意见。",
     ["老旧小区物业管理方案从去年开始谋划，至今尚未拿出成型意见"]),
    ("大部分小区属于修补式改造，还存在改造不彻底问题，如道路硬化不全面等现象。",
     ["大部分小区属于修补式改造，还存在改造不彻底问题，如道路硬化不全面等现象"]),
    # semicolons
    ("资金到位率偏低；专营单位配合不够；居民意见难以统一。",
     ["资金到位率偏低", "专营单位配合不够", "居民意见难以统一"]),
    # 一是…二是… inline, after a lead-in (the lead-in is not a clause)
    ("主要存在以下问题：一是资金缺口较大，配套资金迟迟不到位；二是管线迁改协调难；三是物业管理跟不上。",
     ["资金缺口较大，配套资金迟迟不到位", "管线迁改协调难", "物业管理跟不上"]),
    # 一是… at line starts
    ("一是部分楼栋屋面渗漏。\n二是小区道路破损严重。", ["部分楼栋屋面渗漏", "小区道路破损严重"]),
    # （一）heading。body → one problem with its heading
    ("（一）重“面子”轻“里子”。部分项目只粉刷临街外立面，地下管网没有同步改造。",
     ["重“面子”轻“里子”。部分项目只粉刷临街外立面，地下管网没有同步改造"]),
    ("（二）长效管理跟不上。不少小区改造后由社区临时托管，设施坏了没人修。",
     ["长效管理跟不上。不少小区改造后由社区临时托管，设施坏了没人修"]),
    # 1. and ① items
    ("1.雨污合流，污水外溢。\n2.停车位不足。", ["雨污合流，污水外溢", "停车位不足"]),
    ("①楼道照明损坏；②消防通道被占用。", ["楼道照明损坏", "消防通道被占用"]),
    # （1） items inside a paragraph, after a summary sentence
    ("部分工程存在质量瑕疵。（1）屋面防水卷材搭接不规范；（2）人行道砖松动。",
     ["部分工程存在质量瑕疵", "屋面防水卷材搭接不规范", "人行道砖松动"]),
    # 第一，第二，
    ("第一，资金到位慢。第二，审批环节多。", ["资金到位慢", "审批环节多"]),
    # "存在A、B、C等问题": the items are the problems
    ("小区多无物业管理，存在房屋老旧、房顶漏水、线路老化等问题。",
     ["小区多无物业管理", "房屋老旧", "房顶漏水", "线路老化"]),
    # a heading with a colon stays with the first item after it
    ("①房屋本体老化：屋面防水普遍失效，顶层住户家中天花板霉变，外墙砖局部空鼓脱落。",
     ["房屋本体老化：屋面防水普遍失效", "顶层住户家中天花板霉变", "外墙砖局部空鼓脱落"]),
    # a proposal glued to a problem becomes a clause of its own
    ("小区仍无专业物业，改造成果如何长期保持需要进一步研究，建议区级层面出台扶持政策。",
     ["小区仍无专业物业，改造成果如何长期保持需要进一步研究", "建议区级层面出台扶持政策"]),
    # decimals and percentages are not list markers
    ("外墙保温改造面积15.82万平方米，仅占17%。", ["外墙保温改造面积15.82万平方米，仅占17%"]),
    # an audit finding without its label
    ("审计指出：湖滨小区增加的雨污管网改造内容未履行设计变更审批程序。",
     ["湖滨小区增加的雨污管网改造内容未履行设计变更审批程序"]),
]


@pytest.mark.parametrize("text,expected", SPLIT_CASES, ids=[c[0][:16] for c in SPLIT_CASES])
def test_split_clauses_list_styles(text, expected):
    assert clauses(text) == expected


def test_split_clauses_offsets_inside_range():
    text = "前言不算。\n三、存在的问题\n一是进度滞后；二是资金不足。\n四、下一步"
    start = text.index("一是")
    end = text.index("\n四")
    spans = split_clauses(text, start, end)
    assert [text[s:e] for s, e in spans] == ["进度滞后", "资金不足"]
    assert all(start <= s < e <= end for s, e in spans)


def test_split_clauses_rejoins_a_wrapped_pdf_line():
    text = "①房屋本体老化：屋面防水普遍失效，顶层住户家中天花板霉变，外墙砖局部空鼓\n脱落，存在高空坠物隐患；②管网陈旧。"
    got = clauses(text)
    assert "外墙砖局部空鼓\n脱落" in got and "管网陈旧" in got


# ---------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------

REPORT = """关于2023年城镇老旧小区改造工作的情况汇报
一、基本情况
今年我区实施老旧小区改造项目5个，涉及楼栋42栋、居民1,580户，总投资3,960万元。截至10月底，已完工3个。
二、主要做法
（一）问需于民。针对停车难问题，利用边角空地新增停车位120个，解决了居民反映强烈的难题。
（二）统筹管线。与供水、燃气等单位建立联席会议制度，尽量避免道路反复开挖。
三、存在的问题
（一）资金筹措压力较大。区级配套资金尚有640万元未到位，居民出资比例只有3.1%，社会资本基本没有参与。
（二）专营单位配合不够。燃气管道迁改比计划推迟了两个月，已铺好的路面不得不破除重做。
（三）长效管理跟不上。已完工的3个小区均未引入物业服务，楼道堆物、绿地被占等现象有所反弹。
四、下一步工作打算
（一）加快在建项目进度，确保12月底前全部完工。
（二）要积极争取专项债券支持，拓宽资金渠道。
XX区住房和城乡建设局
2023年11月6日
"""

SPEECH = """在全区老旧小区改造推进会上的讲话
同志们：
今天召开推进会，主要是总结前段工作，部署下步任务。
一、充分肯定成绩
去年全区改造老旧小区12个，惠及居民4,300户，群众普遍满意。
二、清醒看到不足
但是，我们也要清醒地看到，工作中还有不少差距。一是底数还不够清，有的街道台账更新不及时，户数、面积在不同材料中对不上。二是长效管理还不到位，有的小区改造完不到半年，楼道里又堆满了杂物。
当前，部分专营单位配合还不到位，管线改造与小区改造衔接不紧，一条路挖了三次，群众意见很大。
三、扎实做好今年工作
各街道要在3月底前完成底数复核，做到应纳尽纳、不重不漏。要加强质量监管，对偷工减料的要一查到底。
如果出现了遗漏，就会造成工作上的被动。
同志们，老旧小区改造是民生工程，希望大家再接再厉，确保完成全年任务。
"""

PRE_CONDITION = """金湖小区改造项目汇报材料
一、项目概况
（一）基本情况
金湖小区建于1993年，共有住宅楼9栋、居民312户。
（二）改造前存在的问题
屋面防水层老化，顶层住户家中漏雨，外墙砖空鼓脱落，楼道照明损坏，化粪池经常满溢，停车位严重不足。
（三）主要改造内容
屋面防水翻新，外墙安全隐患排除，更换楼道照明，新增停车位48个。
"""

SUGGESTIONS = """关于老旧小区改造的调研报告
一、存在的主要问题
（一）资金来源单一。居民和社会资本出资比例偏低，主要依赖上级补助。
二、几点建议
（一）拓宽投融资渠道。建议总结推广市场化改造经验，引导社会资本参与。
（二）健全长效机制。要在改造方案编制阶段同步明确后续管理模式。
（三）加强统筹协调。下一步将建立专营单位年度计划统筹机制，杜绝重复开挖。
"""

RECTIFICATION = """关于审计发现问题整改情况的报告
一、总体情况
审计调查共指出问题2个，已全部整改到位。
二、审计发现问题的整改情况
（一）关于“资金拨付不及时”的问题
审计指出：区财政局收到的中央补助资金中约620万元未及时拨付，滞留超过3个月。
整改情况：区财政局已于11月10日将滞留资金全部拨付到位，并修订了资金管理办法。
（二）关于“工程档案不规范”的问题
审计指出：项目隐蔽工程验收记录缺失，施工日志记录不完整。
整改情况：已督促施工单位补齐验收记录，并开展档案管理专项检查。
"""


def report_of(text: str):
    (report,) = segment(text)
    return report


def problem_texts(report) -> list[str]:
    return [p.text for p in find_problems(report)]


def section_of(report, offset: int) -> str:
    inner = [s for s in report.sections if s.start <= offset < s.end]
    return max(inner, key=lambda s: s.level).kind if inner else "none"


def test_detects_problems_in_problem_section_only():
    report = report_of(REPORT)
    problems = find_problems(report)
    assert len(problems) == 3
    assert {section_of(report, p.start) for p in problems} == {"problems"}
    firsts = [p.categories[0] for p in problems]
    assert firsts == ["funding_gap", "coordination", "property_mgmt"]
    for p in problems:
        assert p.text == report.text[p.start:p.end]
        assert 1 <= len(p.categories) <= 3 and 0.0 <= p.score <= 1.0
        assert p.phase in {"pre_condition", "implementation", "post_renovation"}
    # the measure that mentions 停车难问题 and the plans are not taken
    assert not any("停车位120个" in t or "确保" in t or "专项债券" in t for t in problem_texts(report))


def test_pre_condition_section_items_have_that_phase():
    report = report_of(PRE_CONDITION)
    problems = find_problems(report)
    texts = [p.text for p in problems]
    assert "屋面防水层老化" in texts and "楼道照明损坏" in texts and "停车位严重不足" in texts
    assert {p.phase for p in problems} == {"pre_condition"}
    # the 主要改造内容 section lists works, not problems
    assert not any("翻新" in t or "新增" in t for t in texts)
    by_text = {p.text: p.categories[0] for p in problems}
    assert by_text["楼道照明损坏"] == "safety"
    assert by_text["停车位严重不足"] == "roads_parking"


def test_detects_problems_inside_a_speech_and_skips_exhortations():
    report = report_of(SPEECH)
    texts = problem_texts(report)
    assert any(t.startswith("底数还不够清") for t in texts)
    assert any(t.startswith("长效管理还不到位") for t in texts)
    assert any("专营单位配合还不到位" in t for t in texts)
    for t in texts:
        assert not t.startswith(("各街道要", "要加强", "如果", "同志们", "希望"))
        assert "群众普遍满意" not in t
    assert len(texts) <= 4


def test_suggestions_and_next_steps_are_not_problems():
    report = report_of(SUGGESTIONS)
    texts = problem_texts(report)
    assert texts and all(section_of(report, report.text.index(t)) == "problems" for t in texts)
    assert not any("建议" in t or "下一步" in t or t.startswith("要") for t in texts)


def test_rectification_report_takes_the_audit_finding_not_the_fix():
    report = report_of(RECTIFICATION)
    problems = find_problems(report)
    texts = [p.text for p in problems]
    assert len(texts) == 2
    assert texts[0].startswith("区财政局收到的中央补助资金")
    assert problems[0].categories[0] == "funding_use"
    assert "compliance" in problems[1].categories
    assert not any("整改" in t or "已督促" in t for t in texts)


def test_problem_stage_fills_the_report():
    report = report_of(REPORT)
    problem_stage(report, None)
    assert len(report.problems) == 3
    assert report.to_dict()["problems"][0]["page"] is None  # a text without pages


def test_candidates_never_include_measures_or_plans():
    report = report_of(REPORT)
    kinds = {section_of(report, c.clause.start) for c in candidates(report)}
    assert not kinds & {"measures", "next_steps", "suggestions", "content"}


# ---------------------------------------------------------------------------
# The user's seed compilation (shared/seed beside the repository)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_reports():
    if not SEED.exists():
        pytest.skip("shared/seed is not beside the repository")
    from analyzer.pipeline import analyze_path

    result, doc_text = analyze_path(SEED)
    assert result.status == "ok"
    for report in result.reports:
        problem_stage(report, doc_text)
    return result.reports


def test_seed_part_two_pre_condition_items(seed_reports):
    part2 = seed_reports[1]
    texts = [p.text for p in part2.problems]
    assert texts[:3] == ["屋面及外墙局部渗漏", "内楼道墙面破损", "路面坑洼不平"]
    assert len(texts) == 10
    assert all(p.phase == "pre_condition" for p in part2.problems)


def test_seed_part_three_problem_section(seed_reports):
    part3 = seed_reports[2]
    texts = [p.text for p in part3.problems]
    assert any(t.startswith("改造质量标准还有待提高") for t in texts)
    assert any("物业管理" in t for t in texts)
    assert any("尚未启动" in t for t in texts)
    assert not any(t.startswith("尽管") for t in texts)  # the lead-in is not a problem
    assert not any("建议" in t or "切忌" in t for t in texts)


def test_seed_part_one_speech_yields_only_its_problem_statements(seed_reports):
    part1 = seed_reports[0]
    texts = [p.text for p in part1.problems]
    assert 1 <= len(texts) <= 4
    assert any("基础设施配套还不到位" in t for t in texts)


# ---------------------------------------------------------------------------
# Regressions found on reports written after the rules (issue 4 end-to-end checks)
# ---------------------------------------------------------------------------

INSPECTION_FEEDBACK = """关于巡察反馈问题整改情况的报告
一、整改工作总体情况
巡察反馈问题3项，已完成整改2项。
二、具体问题整改情况
1.问题：部分项目前期论证不充分，开工后设计变更频繁。整改情况：建立方案联审制度，设计变更数量同比下降六成。
2.问题：改造资金拨付不及时，个别项目拖欠工程款时间较长。整改情况：拖欠的工程款已全部支付到位。
3.问题：群众投诉办理不及时。整改情况：开通服务热线，实行投诉“日清周结”。
"""


def test_numbered_problem_labels_in_a_rectification_report():
    texts = problem_texts(report_of(INSPECTION_FEEDBACK))
    assert texts == ["部分项目前期论证不充分，开工后设计变更频繁", "改造资金拨付不及时，个别项目拖欠工程款时间较长",
                     "群众投诉办理不及时"]


def test_first_second_inline_items_each_keep_their_heading():
    text = ("三、存在的困难和问题\n首先，资金压力较大。区级配套资金到位率只有六成。其次，施工组织还不够精细。"
            "同一条道路先后开挖两次，居民出行受到很大影响。")
    texts = problem_texts(report_of("某街道改造工作情况汇报\n" + text))
    assert texts == ["资金压力较大。区级配套资金到位率只有六成", "施工组织还不够精细。同一条道路先后开挖两次，居民出行受到很大影响"]


def test_item_number_before_a_count_is_not_a_decimal():
    text = "1.部分项目未按规定公开招标。\n2.结算审核不严，多计工程款74.3万元。\n3.6个已完工项目未组织竣工验收即交付使用。"
    assert clauses(text) == ["部分项目未按规定公开招标", "结算审核不严，多计工程款74.3万元", "6个已完工项目未组织竣工验收即交付使用"]


def test_group_headings_are_not_problems():
    text = "二、审计发现的主要问题\n（一）资金管理方面\n1.部分补助资金滞留在区财政，未拨付到项目单位。\n（二）项目管理方面\n1.部分项目未按规定公开招标。"
    texts = problem_texts(report_of("审计结果公告\n" + text))
    assert texts == ["部分补助资金滞留在区财政，未拨付到项目单位", "部分项目未按规定公开招标"]


def test_an_unrecognised_difficulties_heading_is_a_problem_context():
    text = ("幸福里小区项目汇报\n一、实施情况\n项目于4月开工，9月完工。\n三、项目实施中遇到的困难\n"
            "一是地下管线资料缺失，施工中两次挖断通信光缆。二是小区无物业管理，改造后的设施维护经费没有着落。")
    texts = problem_texts(report_of(text))
    assert len(texts) == 2 and texts[1].startswith("小区无物业管理")


# ---------------------------------------------------------------------------
# Genre handling on whole reports (report-level evaluation set, issue: detection too weak)
# ---------------------------------------------------------------------------

RECTIFICATION_RESTATED = """关于县审计局审计指出问题整改情况的报告
县人民政府：
现将整改情况报告如下：
一、整改工作总体情况
审计共指出问题3个，已完成整改2个，正在整改1个。
二、问题整改情况
（一）关于“部分项目未按规定实行公开招标”的问题
整改情况：已对相关责任人进行诫勉谈话，并出台项目招标管理办法。整改状态：已完成。
（二）关于“工程结算多计工程款35.6万元”的问题
整改情况：已从施工单位追回多计工程款28.1万元。剩余7.5万元因施工单位已注销，目前仍无法追回。整改状态：正在整改。
（三）关于“3个小区燃气立管未同步更换”的问题
整改情况：已协调燃气公司完成1个小区的立管更换，其余2个小区因居民意见不统一，至今尚未开工。整改状态：正在整改。
三、下一步工作
我们将举一反三，建立健全长效机制，坚决防止类似问题再次发生。
"""


def test_rectification_report_restated_findings_and_residual_items():
    texts = problem_texts(report_of(RECTIFICATION_RESTATED))
    # each item's heading restates the finding
    assert any("未按规定实行公开招标" in t for t in texts)
    assert any("多计工程款35.6万元" in t for t in texts)
    assert any("燃气立管未同步更换" in t for t in texts)
    # what the 整改情况 leaves unresolved
    assert any(t.startswith("剩余7.5万元") for t in texts)
    assert any("至今尚未开工" in t for t in texts)
    # the fixes themselves and the plan are not problems
    assert not any(t.startswith(("已对相关责任人", "已从施工单位", "我们将")) for t in texts)
    assert len(texts) == 5


def test_restated_finding_is_not_doubled_when_the_item_has_an_audit_label():
    # RECTIFICATION states each finding after 审计指出：, so its headings are not counted again
    texts = problem_texts(report_of(RECTIFICATION))
    assert len(texts) == 2 and not any(t.startswith("关于") for t in texts)


TABLE_REPORT = """石桥镇老旧小区改造情况汇报
一、基本情况
全镇纳入今年改造计划的小区4个，情况见下表：

| 小区名称 | 户数 | 改造内容 | 主要问题 |
| 粮站宿舍 | 84 | 屋面防水、管网更换 | 屋面渗漏、雨污管道堵塞 |
| 农机厂家属院 | 120 | 外墙整治 | 外墙空鼓脱落，无停车位 |
| 供电所宿舍 | 36 | 道路硬化 | 无 |

二、下一步打算
（一）加快推进4个小区改造。
"""


def test_problems_in_a_table_column_named_for_problems():
    report = report_of(TABLE_REPORT)
    texts = problem_texts(report)
    assert {"屋面渗漏", "雨污管道堵塞", "外墙空鼓脱落", "无停车位"} <= set(texts)
    # the 改造内容 column lists works, "无" is no problem, the header is no problem
    assert not any("管网更换" in t or "防水" == t or "主要问题" in t for t in texts)
    assert len(texts) == 4


def test_problems_in_a_tab_separated_table_from_a_word_file():
    text = ("石桥镇老旧小区改造情况汇报\n一、基本情况\n情况见下表：\n小区名称\t户数\t存在的问题（现状）\n"
            "粮站宿舍\t84\t屋面渗漏；雨污管道堵塞\n二、下一步打算\n（一）加快推进。\n")
    assert problem_texts(report_of(text)) == ["屋面渗漏", "雨污管道堵塞"]


def test_a_table_without_a_problem_column_gives_nothing():
    text = ("进度通报\n一、总体进展\n各街道进度如下：\n| 街道 | 计划（个） | 开工（个） | 问题数量 |\n"
            "| 东城街道 | 8 | 6 | 3 |\n| 西城街道 | 5 | 5 | 0 |\n")
    assert problem_texts(report_of(text)) == []


def test_dun_joined_defects_in_a_list_are_separate():
    text = ("金桥小区改造项目汇报\n一、项目概况\n（一）改造前存在问题\n"
            "屋顶防水层老化渗漏，楼道墙面污损、扶手松动，雨污管道堵塞，停车位、路灯不足。\n")
    texts = problem_texts(report_of(text))
    assert "楼道墙面污损" in texts and "扶手松动" in texts
    assert "停车位、路灯不足" in texts          # a bare noun shares the predicate after it
    assert "屋顶防水层老化渗漏" in texts and "雨污管道堵塞" in texts


def test_comma_list_after_a_colon_lead_in_of_a_narrative():
    # no headings (a community's 说明材料); the sentence before the colon only sums the list up
    text = ("关于金桥小区改造有关情况的说明\n金桥小区建成于1991年，共有住宅楼12栋、居民436户。\n"
            "“走”进楼栋，摸清需求。改造前，社区入户走访发现小区普遍存在以下情况：屋顶防水层老化渗漏，"
            "楼道里堆满杂物，下水道经常堵塞，晚上没有路灯。居民最盼望的是“有灯、有路、有车位”。\n")
    report = report_of(text)
    problems = find_problems(report)
    texts = [p.text for p in problems]
    assert texts == ["屋顶防水层老化渗漏", "楼道里堆满杂物", "下水道经常堵塞", "晚上没有路灯"]
    assert {p.phase for p in problems} == {"pre_condition"}   # the lead-in says 改造前


def test_colon_summary_before_a_list_is_not_a_problem():
    text = ("东风小区项目汇报\n一、项目概况\n（一）改造前存在问题\n"
            "小区建成已30余年，长期缺乏维护，基础设施老化严重：屋面渗漏，外墙脱落，路面坑洼不平。"
            "居民对改造的愿望十分迫切。\n")
    texts = problem_texts(report_of(text))
    assert texts == ["屋面渗漏", "外墙脱落", "路面坑洼不平"]


def test_rhetorical_question_in_a_speech_is_not_a_problem():
    text = ("在全县老旧小区改造推进会上的讲话\n同志们：\n"
            "今年以来，有的乡镇项目推进缓慢，至今还有4个项目没有开工。症结在哪里？根子还是在于少数同志思想上不够重视。"
            "这些问题为什么长期得不到解决？\n")
    texts = problem_texts(report_of(text))
    assert not any("在哪里" in t or "为什么" in t for t in texts)
    assert any("没有开工" in t for t in texts)


def test_headed_problem_item_is_one_problem_with_its_whole_body():
    text = ("关于老旧小区长效管理的调研报告\n二、存在的主要问题\n"
            "（一）后续管护跟不上。部分小区改造后无人管理，新装的路灯损坏后无人修复，绿地又被侵占，楼道杂物堆积。\n"
            "（二）物业费收缴难。已引入物业的小区收缴率不足五成；部分居民以“改造是政府的事”为由拒绝缴费。\n"
            "三、几点建议\n（一）建立长效管护机制。\n")
    texts = problem_texts(report_of(text))
    assert len(texts) == 2
    assert texts[0].startswith("后续管护跟不上。") and texts[0].endswith("楼道杂物堆积")
    assert texts[1].startswith("物业费收缴难。") and texts[1].endswith("为由拒绝缴费")


def test_numbered_item_without_heading_in_a_problem_section_is_one_problem():
    text = ("街道自查报告\n二、自查发现的问题\n"
            "1.工程资料归档不及时，部分隐蔽工程影像资料缺失，监理日志记录不全。\n"
            "2.个别小区新装单元门禁已损坏，无人维修。\n")
    texts = problem_texts(report_of(text))
    assert texts == ["工程资料归档不及时，部分隐蔽工程影像资料缺失，监理日志记录不全", "个别小区新装单元门禁已损坏，无人维修"]


def test_headed_item_of_a_speech_is_taken_whole():
    text = ("在全区老旧小区改造调度会上的讲话\n同志们：\n今天主要调度进度。我看主要有两个方面的问题：\n"
            "一是资金拨付慢。区里下达的资金，有的街道半年了还没有拨到项目上，施工单位工人工资都发不出来。\n"
            "二是文明施工差。有的工地渣土不覆盖，有的深夜还在施工，群众投诉不断。\n"
            "下面我提几点要求。第一，财政局要在月底前把资金拨付到位。\n")
    texts = problem_texts(report_of(text))
    assert len(texts) == 2
    assert texts[0].startswith("资金拨付慢。") and texts[0].endswith("发不出来")
    assert texts[1].startswith("文明施工差。")


def test_a_directive_heading_does_not_swallow_the_problem_after_it():
    text = ("在全市老旧小区改造推进会上的讲话\n同志们：\n二、聚焦重点任务\n"
            "第二，要坚持建管并重。改造只是第一步，管好才是长久之计。一些已改造小区无人管理，没过一年楼道又堆满了杂物。\n"
            "同志们，距离年底只有不到两个月的时间，任务艰巨、时间紧迫。\n")
    texts = problem_texts(report_of(text))
    assert texts == ["一些已改造小区无人管理，没过一年楼道又堆满了杂物"]


def test_progress_narrative_shortfalls_are_problems_and_progress_is_not():
    text = ("青石街道老旧小区改造工作进展情况\n一、工作进展\n"
            "今年列入计划的老旧小区6个，截至10月底已全部开工，完工3个，完成投资2860万元。"
            "原计划9月底全部完工，受燃气管道迁改影响，完工时间推迟近2个月。\n"
            "二、主要做法\n（一）坚持问需于民。收集意见建议860余条，全部纳入改造方案。\n"
            "三、下一步工作计划\n（一）加快施工进度，确保12月底前全部完工。\n")
    texts = problem_texts(report_of(text))
    assert texts == ["原计划9月底全部完工，受燃气管道迁改影响，完工时间推迟近2个月"]


def test_intro_paragraph_before_numbered_problems_is_not_one():
    text = ("关于补齐老旧小区充电设施短板的提案\n一、现状及问题\n"
            "近年来，我市电动自行车保有量快速增长，截至去年底已达210万辆。充电问题已成为居民反映最集中的问题之一。\n"
            "一是集中充电设施不足。全市已改造老旧小区中建有集中充电棚的不足两成。\n"
            "二是“飞线充电”屡禁不止。不少居民从楼上拉线给电动自行车充电，火灾隐患突出。\n"
            "二、建议\n（一）将集中充电设施纳入改造必改内容。\n")
    report = report_of(text)
    problems = find_problems(report)
    texts = [p.text for p in problems]
    assert len(texts) == 2 and texts[0].startswith("集中充电设施不足") and texts[1].startswith("“飞线充电”屡禁不止")
    # an item about renovated communities inside a 现状及问题 section is not pre_condition
    assert problems[0].phase == "post_renovation"


def test_problem_item_the_segmenter_reads_as_content_stays_a_problem():
    text = ("关于老旧小区改造专项督查情况的通报\n二、督查发现的问题\n"
            "（一）部分项目进度滞后。3个项目合同工期已过，完成工程量不足一半。\n"
            "（二）文明施工不到位。多个工地未设置围挡，扬尘污染严重。\n"
            "（三）改造内容落实不到位。个别小区实际施工内容与批复方案不符，雨污分流未实施。\n"
            "三、工作要求\n（一）各区要对督查发现的问题逐项整改。\n")
    texts = problem_texts(report_of(text))
    assert len(texts) == 3 and texts[2].startswith("改造内容落实不到位")


def test_seed_part_four_property_management_before_the_list(seed_reports):
    part4 = seed_reports[3]
    texts = [p.text for p in part4.problems]
    assert any("多无物业管理" in t for t in texts)
    assert "房顶漏水" in texts


# ---------------------------------------------------------------------------
# Generalisation to other authors' phrasing (problems_test used as a second development set)
# ---------------------------------------------------------------------------


def test_comma_list_after_a_background_piece_is_split():
    # the opening piece dates the buildings; the defects after it are the list
    t = "这批楼房多数建于上世纪九十年代初，屋顶防水普遍失效，楼道墙皮成片剥落，化粪池经常满溢，路灯大多不亮。"
    got = clauses(t)
    assert got[0] == "这批楼房多数建于上世纪九十年代初"
    assert got[1:] == ["屋顶防水普遍失效", "楼道墙皮成片剥落", "化粪池经常满溢", "路灯大多不亮"]


def test_a_dun_list_of_defects_inside_a_longer_sentence_is_split():
    t = "全镇有老旧小区40个，不少小区屋面渗漏、管线老化、停车困难、缺少活动场所，群众改造呼声很高。"
    got = clauses(t)
    for item in ("管线老化", "停车困难", "缺少活动场所"):
        assert item in got
    assert not any("呼声" in g and "管线" in g for g in got)


def test_spoken_defects_with_an_elaboration_are_separate_problems():
    t = "楼道的声控灯早就坏了，晚上只能摸黑上楼，单元门的锁也坏了，院里的窨井盖松了。"
    got = clauses(t)
    assert got == ["楼道的声控灯早就坏了，晚上只能摸黑上楼", "单元门的锁也坏了", "院里的窨井盖松了"]


def test_a_speech_problem_with_its_consequences_stays_whole():
    t = "有的街道对群众诉求回应不及时，方案公示走过场，甚至引发了集体来访。"
    assert clauses(t) == ["有的街道对群众诉求回应不及时，方案公示走过场，甚至引发了集体来访"]


def test_topic_heading_before_a_colon_groups_the_items_after_it():
    text = ("关于河湾片区改造情况的汇报\n一、改造前存在的问题\n"
            "①排水设施：雨水管管径偏小，汛期积水严重；污水井多处塌陷；化粪池长期未清掏。\n"
            "②道路停车：主干道路面破碎；停车位严重不足。\n")
    texts = problem_texts(report_of(text))
    assert any(t.startswith(("排水设施：雨水管管径偏小", "雨水管管径偏小")) for t in texts)
    assert any(t == "污水井多处塌陷" for t in texts)
    assert any(t == "化粪池长期未清掏" for t in texts)
    assert any(t == "停车位严重不足" for t in texts)


def test_unnumbered_paragraph_opened_by_a_summary_sentence_is_one_problem():
    text = ("关于城东街道老旧小区改造工作的汇报\n二、存在的困难\n"
            "配套资金落实较难。街道今年需配套资金860万元，目前仅到位310万元，两个小区只能压缩改造内容。\n"
            "专营单位配合不够。供电公司的线路迁改计划迟迟未定，三个小区的道路无法按期封层。\n")
    texts = problem_texts(report_of(text))
    assert len(texts) == 2
    assert texts[0].startswith("配套资金落实较难。") and texts[0].endswith("只能压缩改造内容")
    assert texts[1].startswith("专营单位配合不够。")


def test_problem_and_fix_labels_outside_a_rectification_section():
    text = ("关于市督查组反馈问题整改情况的报告\n"
            "1.问题：桂园小区外墙脚手架拆除后未清理，建筑垃圾堆积，影响居民通行。\n"
            "整改措施：责令施工单位限期清运。\n"
            "完成情况：已清运建筑垃圾120吨，其余30吨因运输车辆不足，尚未清运完毕，计划本月底前完成。\n"
            "2.问题：项目资料归档不完整。\n"
            "整改措施：组织参建单位补齐资料。\n"
            "完成情况：已全部补齐归档。\n")
    texts = problem_texts(report_of(text))
    assert "桂园小区外墙脚手架拆除后未清理，建筑垃圾堆积，影响居民通行" in texts   # one item, whole
    assert "项目资料归档不完整" in texts
    residual = [t for t in texts if "尚未清运" in t]
    assert residual and residual[0].startswith("其余30吨") and "计划" not in residual[0]
    assert not any(t.startswith(("责令", "已清运", "组织参建", "已全部")) for t in texts)


def test_quoted_finding_of_a_rectification_item_is_the_problem():
    text = ("县城管局关于审计反馈问题整改落实情况的报告\n二、整改落实情况\n"
            "针对审计指出的“部分小区新增停车位被长期占用”问题，已组织清理地锁46把，设立巡查制度。\n"
            "针对“维修资金归集率低”问题，已督促4个小区补缴维修资金，仍有2个小区因业委会未成立无法归集。\n")
    texts = problem_texts(report_of(text))
    assert "部分小区新增停车位被长期占用" in texts
    assert "维修资金归集率低" in texts
    assert any("仍有2个小区" in t for t in texts)
    assert not any("清理地锁" in t or "已督促" in t for t in texts)


def test_quoted_problem_in_a_measure_outside_a_rectification_report_is_not_a_finding():
    text = ("关于南湖社区老旧小区改造进展的汇报\n一、工作进展\n"
            "针对居民关心的“晾晒难”问题，新建集中晾晒区3处。\n")
    assert not any("晾晒难" == t for t in problem_texts(report_of(text)))


def test_group_heading_line_over_lower_level_items_is_not_a_problem():
    text = ("区委巡察组反馈意见（摘要）\n二、巡察发现的主要问题\n"
            "（一）落实工作责任有差距\n"
            "一是项目推进迟缓，年度任务完成率仅为62%。\n"
            "二是对施工单位监管不严，两个项目存在违法分包。\n")
    texts = problem_texts(report_of(text))
    assert not any(t.startswith("落实工作责任有差距") for t in texts)
    assert any("项目推进迟缓" in t for t in texts)
    assert any("违法分包" in t for t in texts)


def test_verdicts_solved_problems_and_accountability_objects_are_not_problems():
    text = ("关于居民反映问题的核查说明\n一、关于“施工单位拖欠工资”问题\n"
            "经核查，该问题不属实。施工单位已按月足额发放工资。\n"
            "二、关于“路面开挖后长期未恢复”问题\n"
            "经核查，该问题属实。小区东侧道路开挖后因管材未到货，已停工二十余天，雨天泥泞难行。\n")
    texts = problem_texts(report_of(text))
    assert not any("属实" in t for t in texts)
    assert not any(t.startswith("关于") or "拖欠工资" in t for t in texts)
    assert any("管材未到货" in t for t in texts) and any("泥泞" in t for t in texts)


def test_solved_problem_and_accountability_line_are_not_problems():
    text = ("在全区改造工作推进会上的讲话\n"
            "三年来，我们改造了120个小区，群众反映多年的“出门难、停车难”问题得到有效缓解。"
            "对推进不力、弄虚作假的，要严肃追责。有的街道施工组织混乱，材料堆得到处都是。\n")
    texts = problem_texts(report_of(text))
    assert not any("缓解" in t for t in texts)
    assert not any(t.startswith("对推进不力") for t in texts)
    assert any("施工组织混乱" in t for t in texts)


def test_merge_with_a_length_limit_gives_up_exactly_when_an_item_would_be_too_long():
    from analyzer.problems import LIST_PIECE_MAX, _defect_piece, _has_predicate, _merge_bare, _pieces

    for text in ["屋面渗漏，楼道破损，路面坑洼不平，停车位不足", "这批小区大多建于80年代，屋面防水层老化，外墙面砖空鼓脱落",
                 "楼道里的灯早就坏了，晚上只能打手电，楼梯扶手也松了", "停车位，路灯，绿地，健身器材，均严重不足且长期无人维护管理"]:
        spans = _pieces(text, 0, len(text), "，")
        for defect in (_has_predicate, _defect_piece):
            for backward in (False, True):
                whole = _merge_bare(text, spans, defect, backward)
                limited = _merge_bare(text, spans, defect, backward, longest=LIST_PIECE_MAX)
                too_long = any(b - a > LIST_PIECE_MAX for a, b in whole)
                assert limited == (None if too_long else whole)


def test_label_spans_find_what_the_lookbehind_pattern_finds():
    import random

    from analyzer import problems as P

    c = P.cues()
    pieces = ["审计指出：", "问题：", "整改措施：", "完成情况:", "。", "；", "\n", " ", "\t", "1.", "（一）", "一、",
              "①", "文字", "问题", "：", "整改情况：", "x"]
    rng = random.Random(3)
    for _ in range(3000):
        t = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        start = rng.randint(0, len(t))
        end = rng.randint(start, len(t))
        for label, scan in ((c.problem_labels, c.problem_labels_scan), (c.fix_labels, c.fix_labels_scan)):
            assert P._label_spans(label, scan, t, start, end) == [m.span() for m in label.finditer(t, start, end)]
