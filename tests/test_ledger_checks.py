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
