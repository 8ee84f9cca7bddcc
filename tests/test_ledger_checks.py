"""Report ↔ ledger checks on a generated ledger and real-shaped report text."""

import openpyxl

from analyzer.ledger import read_ledger
from analyzer.ledger_checks import check_against_ledger
from test_checks import doc_of

HEADER = ["序号", "区县", "小区名称", "建成年份", "楼栋数(栋)", "户数(户)", "建筑面积(万平方米)", "总投资(万元)",
          "中央补助(万元)", "地方财政(万元)"]
ROWS = [
    [1, "东城区", "金亭花苑", 1992, 43, 2350, 15.82, 8260, 1200, 1400],
    [2, "东城区", "纺织厂家属院", 1986, 9, 312, 2.05, 735.6, 400, 335.6],
    [3, "河西区", "翠湖新苑", 2008, 6, 210, 1.6, 480, 200, 280],
    [4, "河西区", "红星新苑", 1995, 12, 604, 4.1, 1200, 600, 600],
]


def make_ledger(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["附件1"])
    ws.append(["东城区老旧小区改造台账"])
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    wb.save(path)
    return read_ledger(path)


def kinds_messages(flags):
    return [(f["kind"], f["message"]) for f in flags]


def test_matching_figures_stay_silent_and_rounding_is_tolerated(tmp_path):
    ledger = make_ledger(tmp_path / "台账.xlsx")
    doc = doc_of("金亭花苑改造情况汇报\n金亭花苑建于1992年，住宅面积约15.8万平方米，房屋43幢，涉及居民2350户。"
                 "紡織廠家屬院共有住宅楼9栋、居民312户。", "a.txt")
    flags = [f for f in check_against_ledger([doc], ledger) if f["kind"] != "policy_build_year"]
    assert flags == []


def test_mismatch_missing_and_policy(tmp_path):
    ledger = make_ledger(tmp_path / "台账.xlsx")
    doc = doc_of("东城区2023年改造推进情况汇报\n红星新苑共有住宅楼12栋、居民640户。兴华小区共有住户300户。", "b.docx")
    flags = check_against_ledger([doc], ledger)
    got = kinds_messages(flags)
    assert ("ledger_mismatch", "红星新苑 的户数与台账不符：报告为 640户（《b.docx》「640户」），台账第7行“红星新苑”为 604户。") in got
    missing = [m for k, m in got if k == "ledger_missing"]
    assert len(missing) == 1 and "兴华小区" in missing[0]
    policy = [f for f in flags if f["kind"] == "policy_build_year"]
    assert [(f["severity"], f["ledger_row"]["name"]) for f in policy] == [("error", "翠湖新苑")]
    mismatch = [f for f in flags if f["kind"] == "ledger_mismatch"][0]
    assert mismatch["ledger_row"] == {"row": 7, "name": "红星新苑"}


def test_funding_source_is_compared_with_its_column(tmp_path):
    ledger = make_ledger(tmp_path / "台账.xlsx")
    doc = doc_of("金亭花苑改造项目汇报材料\n项目总投资8,260万元，其中中央补助资金1,200万元，区级财政配套资金1,470万元。", "c.pdf")
    got = [m for k, m in kinds_messages(check_against_ledger([doc], ledger)) if k == "ledger_mismatch"]
    assert len(got) == 1 and "1,470万元" in got[0] and "1400万元" in got[0]


# ---------------------------------------------------------------------------
# X01: a report's year totals against the ledger's rows of that plan year
# ---------------------------------------------------------------------------

YEAR_HEADER = ["序号", "区县", "街道", "小区名称", "楼栋数(栋)", "户数(户)", "建筑面积(万平方米)", "总投资(万元)", "改造年度"]
YEAR_ROWS = [
    [1, "临江区", "中山街道", "江滨新村", 14, 512, 3.86, 1467, 2021],
    [2, "临江区", "解放街道", "粮食局宿舍", 6, 168, 1.12, 470, 2021],
    [3, "临江区", "北门街道", "丽景花园", 11, 436, 3.92, 1254, 2022],
    [4, "望山区", "站前街道", "铁路新村", 20, 760, 5.02, 1820, 2021],
    [5, "望山区", "东坡街道", "桃源新村", 16, 612, 4.41, 1650, 2021],
]


def year_ledger(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(YEAR_HEADER)
    for row in YEAR_ROWS:
        ws.append(row)
    wb.save(path)
    return read_ledger(path)


def year_flags(ledger, text, name="r.txt"):
    return [f for f in check_against_ledger([doc_of(text, name)], ledger)
            if f["kind"] == "ledger_mismatch" and f["ledger_row"] is None]


def test_year_totals_that_agree_stay_silent(tmp_path):
    ledger = year_ledger(tmp_path / "台账.xlsx")
    # district totals of 2021 (2 rows), rounded area, and the 其中 parts of the total
    text = ("临江区2021年老旧小区改造工作情况汇报\n2021年全区纳入改造计划的老旧小区2个，其中中山街道1个小区、解放街道1个小区，"
            "共涉及楼栋20栋、居民680户，建筑面积约5.0万平方米，计划总投资1,937万元。")
    assert year_flags(ledger, text) == []
    # the whole ledger's 2021 (4 rows) in a city report that names no district
    city = "全市2021年老旧小区改造情况通报\n2021年全市共改造老旧小区4个，涉及居民2,052户，总投资5,407万元。"
    assert year_flags(ledger, city) == []


def test_year_total_that_differs_is_flagged(tmp_path):
    ledger = year_ledger(tmp_path / "台账.xlsx")
    text = ("临江区2021年老旧小区改造工作情况汇报\n2021年全区纳入改造计划的老旧小区2个，共涉及楼栋20栋、居民860户，"
            "计划总投资1,937万元。")
    flags = year_flags(ledger, text, "a.docx")
    assert [(f["severity"], f["field"]) for f in flags] == [("warning", "households")]
    assert flags[0]["message"] == ("报告所述临江区2021年户数为 860户（《a.docx》「860户」），台账临江区2021年度2行明细"
                                   "（第2—3行）合计为 680户，相差 180户。请核对报告口径或台账是否漏报、多报。")
    assert flags[0]["evidence"][0]["raw"] == "860户"
    # a wrong count of communities: the count is flagged; the figures of its sentence are then about that
    # many communities, and are not compared with the year's
    text = "临江区2021年老旧小区改造工作情况汇报\n2021年全区纳入改造计划的老旧小区3个，共涉及居民860户。"
    assert [f["field"] for f in year_flags(ledger, text)] == ["communities"]
    # 全年 with the year only in the title; the renovated building area
    text = "临江区2021年老旧小区改造工作总结\n全年共改造老旧小区2个，涉及居民680户，改造建筑面积7.98万平方米。"
    flags = year_flags(ledger, text)
    assert [f["field"] for f in flags] == ["area"] and "合计为 4.98万平方米" in flags[0]["message"]


def test_year_totals_left_alone_when_not_a_year_total(tmp_path):
    ledger = year_ledger(tmp_path / "台账.xlsx")
    silent = [
        # a district the ledger does not hold
        "河西区2021年老旧小区改造工作情况汇报\n2021年全区改造老旧小区7个，涉及居民3,100户。",
        # several years summed
        "临江区老旧小区改造工作情况汇报\n2021年以来，全区累计改造老旧小区3个，涉及居民1,116户。",
        # a part of the year's communities
        "临江区2021年老旧小区改造视察报告\n今年全区共改造老旧小区2个，视察的1个小区共涉及居民512户。",
        # a plan year the ledger does not cover
        "临江区2024年老旧小区改造计划\n2024年全区计划改造老旧小区5个，涉及居民2,000户。",
        # counts of what has started or finished are progress, not the plan
        "临江区2021年老旧小区改造进展\n2021年全区计划改造老旧小区2个，已完工1个。",
    ]
    for text in silent:
        assert year_flags(ledger, text) == [], text


def test_x01_set():
    """corpora/x01_heldout (written blind to the rules): every planted year total found, nothing else flagged."""
    import json

    from analyzer.ledger_checks import check_year_totals
    from analyzer.pipeline import analyze_file
    from conftest import ROOT

    folder = ROOT / "corpora" / "x01_heldout"
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))["reports"]
    docs = [analyze_file(path).to_dict() for path in sorted((folder / "reports").glob("*.txt"))]
    assert len(docs) == len(expected) == 14
    found = {(f["evidence"][0]["file"], f["field"]) for f in check_year_totals(docs, read_ledger(folder / "ledger.csv"))}
    planted = {(name, p["field"]) for name, entry in expected.items() for p in entry["planted"]}
    assert len(planted) == 5
    assert found == planted
