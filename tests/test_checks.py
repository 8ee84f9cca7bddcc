"""Consistency checks: each check fires on a real inconsistency and stays silent within tolerance."""

import pytest

from analyzer.checks import Interval, check_batch, check_document, interval
from analyzer.extract import extract_facts
from analyzer.normalize import normalize
from analyzer.segment import segment


def doc_of(text, name="r.txt"):
    reports = segment(normalize(text).text)
    out = []
    for r in reports:
        r.facts, r.placeholders = extract_facts(r)
        out.append(r.to_dict())
    return {"file": name, "status": "ok", "reports": out, "flags": []}


def kinds(text):
    return [f["kind"] for f in check_document(doc_of("关于老旧小区改造的情况汇报\n" + text))]


# (text, expected flag kinds) — the inconsistent ones
FIRES = [
    ("项目总投资1,152万元，其中中央补助资金620万元，区级财政配套资金410万元，居民出资62万元。", ["breakdown_sum"]),
    ("累计拨付工程款1,960万元，其中拨付中央补助资金2,130万元。", ["part_exceeds_whole"]),
    ("2023年计划改造13个小区，截至10月底已全部开工，已完工8个，完工率达到75%。", ["percent_mismatch"]),
    ("气象局宿舍于2023年5月10日开工，2023年3月28日完工。", ["date_order"]),
    ("桂花园小区共有住户1,600户，改造面积约21.26平方米。", ["plausibility"]),
    ("翠湖新苑建于2008年，共有住宅楼6栋。", ["policy_build_year"]),
    ("全区共有需要改造的老旧小区X个，计划投资XX万元。", ["placeholder"]),
    ("金亭花苑共有住户486户，楼栋12栋。改造前，金亭花苑住户共468户。", ["intra_doc_conflict"]),
    ("今年计划改造老旧小区20个，已开工18个，已完工22个。", ["progress_exceeds_plan"]),
]

# consistent within the stated precision: must stay silent
SILENT = [
    "项目总投资15,905.10万元，其中中央补助资金5,180万元，区级财政配套4,555.60万元，居民出资469.50万元，社会资本5,700万元。",
    "项目总投资约8260万元，其中企业自筹资金约5660万元。",
    "1—10月全国新开工改造5.21万个小区，计划5.1万个，开工率101.7%。",
    "2023年计划改造13个小区，已全部开工，已完工8个，完工率61.5%。",
    "计划改造48个小区，已开工46个，开工率95.8%。",
    "改造于2021年6月底进场施工，2021年12月30日竣工。",
    "金亭花苑建于1992年，住宅面积15.82万平方米，房屋43幢，涉及居民2350户，总投资8260万元。",
    "今年计划改造老旧小区20个，已开工20个，已完工22个，超额完成年度任务。",
    "累计完成投资13,760万元，占总投资15,905.10万元的86.5%。",
    "金亭花苑共有住户486户。金亭花苑改造后，约20户居民申请加装电梯。",
    "锦绣花园建于1998年，涉及居民320户。",
]


@pytest.mark.parametrize("text,expected", FIRES, ids=[e[0] + str(i) for i, e in enumerate(FIRES)])
def test_check_fires(text, expected):
    assert kinds(text) == expected


@pytest.mark.parametrize("text", SILENT, ids=range(len(SILENT)))
def test_check_stays_silent_within_tolerance(text):
    assert kinds(text) == []


def test_interval_follows_the_stated_precision():
    assert interval({"type": "households", "value": 52100, "raw": "5.21万户", "approx": None}) == Interval(52050.0, 52150.0)
    assert interval({"type": "households", "value": 2350, "raw": "2350户", "approx": None}) == Interval(2350.0, 2350.0)
    iv = interval({"type": "investment", "value": 8260, "raw": "约8260万元", "approx": "约"})
    assert iv.lo == pytest.approx(7847) and iv.hi == pytest.approx(8673)


def test_messages_name_both_figures_and_places():
    (flag,) = check_document(doc_of("关于改造的汇报\n累计拨付工程款1,960万元，其中拨付中央补助资金2,130万元。", "河西区自查报告.docx"))
    assert "2,130万元" in flag["message"] and "1,960万元" in flag["message"] and "《河西区自查报告.docx》" in flag["message"]
    assert "170万元" in flag["message"]
    assert {e["raw"] for e in flag["evidence"]} == {"2,130万元", "1,960万元"}


def test_cross_document_conflict_names_both_files():
    a = doc_of("东城区情况汇报\n纺织厂家属院共有住宅楼9栋、居民312户。", "a.pdf")
    b = doc_of("文昌社区说明报告\n其中纺织厂家属院9栋楼321户，是辖区最大的小区。", "b.txt")
    c = doc_of("另一份汇报\n纺织厂家属院共有居民312户。", "c.docx")
    flags = check_batch([a, b, c])
    assert [f["kind"] for f in flags] == ["cross_doc_conflict"]  # one flag per pair of differing values
    assert [e["file"] for e in flags[0]["evidence"]] == ["a.pdf", "b.txt", "c.docx"]
    assert "312户" in flags[0]["message"] and "321户" in flags[0]["message"]
    assert "另有 1 个文件与前者相同、0 个文件与后者相同" in flags[0]["message"]


def test_many_copies_of_a_report_give_one_conflict_flag():
    copies = [doc_of("东城区情况汇报\n纺织厂家属院共有住宅楼9栋、居民312户。", f"copy{i:03d}.pdf") for i in range(300)]
    odd = doc_of("文昌社区说明报告\n其中纺织厂家属院9栋楼321户，是辖区最大的小区。", "b.txt")
    flags = check_batch(copies + [odd] + copies[:5])
    assert len(flags) == 1
    files = [e["file"] for e in flags[0]["evidence"]]
    assert files[:2] == ["copy000.pdf", "b.txt"] and len(files) == 12 and len(set(files)) == 12
    assert "另有 299 个文件与前者相同" in flags[0]["message"]
    assert check_batch(copies) == []  # identical copies agree


def test_eval_set_meets_the_targets():
    """corpora/checks: recall ≥ 0.95 and at most one false alarm on the clean reports (issue 5's targets)."""
    from analyzer.evaluate import evaluate_checks
    from conftest import ROOT

    scores = evaluate_checks(ROOT / "corpora" / "checks")
    assert scores.planted_reports >= 10 and scores.clean_reports >= 20
    assert scores.recall() >= 0.95
    assert len(scores.false_alarms) <= 1


def test_percent_of_a_part_stays_silent_when_some_count_fits():
    assert kinds("抽查已改造小区24个，其中21个小区设施运行良好、3个小区存在问题，运行良好的小区占87.5%。") == []
    assert kinds("走访的20个已改造小区中，仅有3个小区成立了业主委员会，占17%。") == ["percent_mismatch"]
