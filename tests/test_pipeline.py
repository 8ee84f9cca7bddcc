"""One file through the pipeline: provenance from a span of report text back to the file and page."""

import pytest

from analyzer.contract import validate_document
from analyzer.pipeline import analyze_path
from make_files import make_docx, make_pdf, make_txt

PAGE1 = ["关于金亭花苑改造工作的情况汇报", "一、基本情况", "金亭花苑建于1992年，用地面积约 12 万平方米，住宅面积",
         "约 15.82 万平方米，房屋43 幢，涉及居民 2350 户。"]
PAGE2 = ["二、存在问题", "（一）资金不足。其中企业自筹资金约 5660 万元，缺口较大。",
         [["小区名称", "户数（户）", "总投资（万元）"], ["金亭花苑", "2350", "8260"]],
         "XX区住房和城乡建设局", "2023年3月15日"]


def test_pdf_span_maps_back_to_original_characters_and_page(tmp_path):
    pdf = make_pdf(tmp_path / "r.pdf", [PAGE1, PAGE2], footer="第{page}页 共{pages}页")
    result, doc_text = analyze_path(pdf)
    assert result.status == "ok", result.error
    validate_document(result.to_dict())
    (report,) = result.reports
    assert report.title == "关于金亭花苑改造工作的情况汇报" and report.date == "2023-03-15"
    text = report.text
    # the wrapped sentence is joined, the spaces around figures are gone, the footer is dropped
    assert "住宅面积约15.82万平方米，房屋43幢，涉及居民2350户。" in text
    assert "第1页" not in text and "共2页" not in text

    i = text.index("约15.82万平方米")
    raw, page = doc_text.source(report, i, i + len("约15.82万平方米"))
    assert raw.replace(" ", "") == "约15.82万平方米" and page == 1
    assert report.page_at(i) == 1

    j = text.index("约5660万元")
    raw, page = doc_text.source(report, j, j + len("约5660万元"))
    assert raw == "约 5660 万元" and page == 2 and report.page_at(j) == 2

    # table cells stay cells: one row per line, cells separated by tabs, on their page
    k = text.index("金亭花苑\t2350\t8260")
    assert report.page_at(k) == 2
    assert [s.kind for s in report.sections] == ["basic", "problems", "problems"]


def test_docx_paragraphs_are_never_joined_and_tables_keep_cells(tmp_path):
    docx = make_docx(tmp_path / "r.docx", [
        "东城区老旧小区改造情况汇报", "一、基本情况", "全区改造小区12个",  # no full stop: still its own paragraph
        [["小区名称", "户数"], ["金亭花苑", "2350"]], "二、存在的问题", "资金到位慢。"], header="东城区住建局")
    result, doc_text = analyze_path(docx)
    (report,) = result.reports
    assert "全区改造小区12个\n小区名称\t户数\n金亭花苑\t2350\n二、存在的问题" in report.text
    i = report.text.index("2350")
    assert doc_text.source(report, i, i + 4) == ("2350", None)
    block = doc_text.norm_to_block(report.doc_start + i)
    assert (block.kind, block.row, block.col) == ("cell", 1, 1)


def test_gbk_traditional_txt(tmp_path):
    txt = make_txt(tmp_path / "r.txt", "雲陽縣老舊小區改造情況彙報\n一、基本情況\n全縣改造小區12個，涉及居民2350戶。\n",
                   encoding="gbk")
    result, doc_text = analyze_path(txt)
    (report,) = result.reports
    assert result.encoding in ("gbk", "gb18030")
    assert report.title == "云阳县老旧小区改造情况汇报"
    i = report.text.index("2350户")
    assert doc_text.source(report, i, i + 5) == ("2350戶", None)


@pytest.mark.parametrize("content,kind", [(b"", "empty"), (b"%PDF-1.4 garbage", "unreadable")])
def test_bad_files_end_as_error_records(tmp_path, content, kind):
    f = tmp_path / "bad.pdf"
    f.write_bytes(content)
    result, doc_text = analyze_path(f)
    assert result.status == "error" and result.error.kind == kind and doc_text is None
    assert result.error.message and not result.error.message.isascii()
    validate_document(result.to_dict())


def test_sentence_running_across_a_pdf_page_break_is_joined(tmp_path):
    pages = [["关于老旧小区改造的情况汇报", "一、基本情况", "全区共改造老旧小区12个，涉及居民"],
             ["2350户，总投资8260万元。", "二、存在问题", "资金不足，"], ["配套难。"]]
    # the reader recognises a running header when it repeats on half the pages, three at least
    pdf = make_pdf(tmp_path / "r.pdf", pages, footer="- {page} -", header="东城区住房和城乡建设局")
    result, doc_text = analyze_path(pdf)
    (report,) = result.reports
    assert "涉及居民2350户，总投资8260万元。" in report.text
    assert "东城区住房和城乡建设局" not in report.text and "资金不足，配套难。" in report.text
    i = report.text.index("2350户")
    assert report.page_at(i) == 2 and report.page_at(0) == 1


def test_page_finder_agrees_with_page_at_for_any_page_starts():
    import random

    from analyzer.types import Report

    rng = random.Random(7)
    for _ in range(500):
        starts = [(rng.randint(0, 40), rng.randint(1, 9)) for _ in range(rng.randint(0, 6))]
        if rng.random() < 0.5:
            starts.sort()  # as the pipeline makes them; page_at's scan also defines any other order
        report = Report(1, "t", None, "x" * 50, page_starts=starts)
        find = report.page_finder()
        assert [find(i) for i in range(-1, 45)] == [report.page_at(i) for i in range(-1, 45)]
