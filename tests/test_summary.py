"""Issue summaries by category, report and community (issue 4)."""

import json
import random
from pathlib import Path

import pytest

from analyzer.summary import community_names, communities_of, gazetteer, representatives, summarize, write_summary

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "corpora" / "samples"


def problem(text, categories, start=0, phase="implementation"):
    return {"text": text, "categories": categories, "score": 0.9, "phase": phase, "page": None,
            "start": start, "end": start + len(text)}


def report(index, text, problems, sections=(), facts=()):
    return {"index": index, "title": f"报告{index}", "text": text, "sections": list(sections),
            "facts": list(facts), "problems": problems}


def doc(name, reports):
    return {"file": name, "status": "ok", "reports": reports}


@pytest.fixture()
def batch():
    t1 = "三、存在的问题\n湖滨小区物业费收缴率偏低。桂花园小区改造后无人管理。资金缺口较大。"
    r1 = report(1, t1, [
        problem("湖滨小区物业费收缴率偏低", ["property_mgmt"], t1.index("湖滨")),
        problem("桂花园小区改造后无人管理", ["property_mgmt"], t1.index("桂花园")),
        problem("资金缺口较大", ["funding_gap"], t1.index("资金缺口")),
    ])
    t2 = "（一）湖滨小区\n物业服务尚未跟上，收缴率低。\n（二）其他\n部分小区停车位严重不足。"
    sections = [{"heading": "（一）湖滨小区", "kind": "problems", "level": 2, "start": 0, "end": t2.index("（二）")},
                {"heading": "（二）其他", "kind": "problems", "level": 2, "start": t2.index("（二）"), "end": len(t2)}]
    r2 = report(1, t2, [
        problem("物业服务尚未跟上，收缴率低", ["property_mgmt", "residents"], t2.index("物业")),
        problem("部分小区停车位严重不足", ["roads_parking"], t2.index("部分")),
    ], sections=sections)
    return [doc("a.docx", [r1]), doc("b.pdf", [r2]), {"file": "bad.pdf", "status": "error", "reports": []}]


def test_counts_per_category(batch):
    s = summarize(batch)
    cats = {c["code"]: c for c in s["categories"]}
    pm = cats["property_mgmt"]
    assert (pm["clauses"], pm["reports"], pm["communities"]) == (3, 2, 2)
    assert pm["label"] == "物业与长效管理"
    assert pm["community_names"] == ["桂花园小区", "湖滨小区"]
    assert cats["funding_gap"]["clauses"] == 1 and cats["funding_gap"]["communities"] == 0
    assert cats["building"]["clauses"] == 0 and cats["building"]["representative"] == []
    assert s["categories"][0]["code"] == "property_mgmt"  # most clauses first
    assert s["totals"] == {"documents": 2, "reports": 2, "problems": 5, "reports_with_problems": 2,
                           "communities": 2}


def test_lists_per_report_and_per_community(batch):
    s = summarize(batch)
    assert [(r["file"], len(r["problems"])) for r in s["by_report"]] == [("a.docx", 3), ("b.pdf", 2)]
    by_comm = {c["community"]: c for c in s["by_community"]}
    # the second report names 湖滨小区 only in the heading of the section the clause stands in
    assert len(by_comm["湖滨小区"]["problems"]) == 2 and by_comm["湖滨小区"]["reports"] == 2
    assert "部分小区" not in by_comm


def test_summary_is_deterministic(batch):
    shuffled = list(batch)
    random.Random(3).shuffle(shuffled)
    assert json.dumps(summarize(batch), ensure_ascii=False) == json.dumps(summarize(shuffled), ensure_ascii=False)


def test_representatives_prefer_the_typical_wording_not_the_first():
    texts = ["小区内违建棚舍侵占绿地",               # an outlier comes first
             "物业费收缴率低，物业难以为继",
             "物业费收缴率偏低，物业服务难以维持",
             "居民不愿交物业费，收缴率低",
             "物业费收缴率低"]
    picked = [i for i, _ in representatives(texts, k=2)]
    assert picked[0] != 0 and 0 not in picked
    # MMR: the second pick is not a near-copy of the first
    assert len(set(picked)) == 2


def test_community_names_reject_generic_phrases():
    text = "二是湖滨小区管网复杂；南湖区桂花园小区和部分小区、已改造小区、老旧小区、X屯楼小区，2000年以后建成小区"
    assert community_names(text) == ["湖滨小区", "桂花园小区"]


def test_weak_names_need_to_be_listed_by_the_report():
    text = "今年改造3个小区，分别为百货楼、东风新村和文化路小区。\n百货楼楼道照明损坏。办公楼门口积水。"
    r = report(1, text, [])
    names = gazetteer(r)
    assert "百货楼" in names and "东风新村" in names and "办公楼" not in names
    p = problem("百货楼楼道照明损坏", ["safety"], text.index("百货楼楼道"))
    assert communities_of(p, r, names) == ["百货楼"]


def test_fact_subjects_count_as_communities():
    r = report(1, "幸福里屋面渗漏。", [], facts=[{"type": "households", "subject": "幸福里"}])
    assert communities_of(problem("幸福里屋面渗漏", ["building"]), r, gazetteer(r)) == ["幸福里"]


def test_write_summary(tmp_path, batch):
    out = write_summary(batch, tmp_path / "summary.json")
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8")) == json.loads(
        json.dumps(out, ensure_ascii=False))


@pytest.fixture(scope="module")
def sample_documents():
    files = sorted(p for p in SAMPLES.glob("*") if p.suffix.lower() in {".txt", ".docx", ".pdf"}) if SAMPLES.exists() else []
    if not files:
        pytest.skip("corpora/samples is empty (run `make samples`)")
    from analyzer.pipeline import analyze_path
    from analyzer.problems import problem_stage

    docs = []
    for path in files:
        result, doc_text = analyze_path(path)
        for r in result.reports:
            problem_stage(r, doc_text)
        docs.append(result.to_dict())
    return docs


def test_summary_of_the_sample_corpus(sample_documents):
    s = summarize(sample_documents)
    assert s["totals"]["problems"] >= 50
    cats = {c["code"]: c for c in s["categories"]}
    assert cats["property_mgmt"]["clauses"] >= 5 and cats["property_mgmt"]["reports"] >= 4
    assert len(cats["property_mgmt"]["representative"]) == 3
    assert sum(1 for c in s["categories"] if c["clauses"]) >= 15
    communities = {c["community"] for c in s["by_community"]}
    assert {"建设路小区", "湖滨小区"} <= communities
    assert not {n for n in communities if n.startswith(("部分", "老旧", "已改造", "不少"))}
    for entry in s["by_report"]:
        for p in entry["problems"]:
            assert p["text"] and p["categories"]


def test_a_one_community_report_gives_its_community_to_every_problem():
    text = "二、存在的问题\n屋面渗漏严重。"
    facts = [{"type": "households", "subject": "金亭花苑"}, {"type": "area", "subject": "金亭花苑"},
             {"type": "investment", "subject": "aggregate"}]
    r = report(1, text, [problem("屋面渗漏严重", ["building"], text.index("屋面"))], facts=facts)
    assert communities_of(r["problems"][0], r, gazetteer(r)) == ["金亭花苑"]
    r["title"] = "金亭花苑老旧小区综合改造项目汇报材料"
    r["facts"] = []
    assert communities_of(r["problems"][0], r, gazetteer(r)) == ["金亭花苑"]
    # a district report with many subjects, or a placeholder subject: no community
    r["title"] = "XX区老旧小区改造情况汇报"
    r["facts"] = [{"subject": "XXXX小区"}, {"subject": "XXXX小区"}]
    assert communities_of(r["problems"][0], r, gazetteer(r)) == []
