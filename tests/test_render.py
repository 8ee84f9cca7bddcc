"""Outputs of a run (issue 6): each file is opened with the library that reads it (openpyxl, python-docx,
an HTML parser) and checked against the run's results.

The documents come from a real run over corpora/samples (facts, flags); reports without problems get
synthetic problem clauses that follow the schema, so every part of the outputs is exercised while the
classifier is not there yet.
"""

from __future__ import annotations

import copy
import json
import re
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from analyzer.contract import validate_document
from analyzer.render import OUTPUT_NAMES, write_outputs
from analyzer.render import labels
from analyzer.render.common import category_counts, collect_flags, communities, ordered_documents

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "corpora" / "samples"
LEDGER = SAMPLES / "台账.xlsx"
CATEGORY_CYCLE = ("building", "pipelines", "funding_gap", "property_mgmt", "residents", "schedule",
                  "coordination", "roads_parking")
DANGEROUS = ("=HYPERLINK(\"http://example.invalid\",\"点击\")", "+86 1234", "-2350户", "@SUM(A1:A2)")


# ---------------------------------------------------------------------------
# Fixtures: a real run, plus what other stages may not produce yet
# ---------------------------------------------------------------------------


def add_synthetic_problems(docs: list[dict]) -> list[dict]:
    """Problem clauses for reports that have none: sentences of their 问题 sections, categories in turn."""
    docs = copy.deepcopy(docs)
    k = 0
    for doc in docs:
        for report in doc.get("reports") or []:
            if report["problems"]:
                continue
            text = report["text"]
            for section in report["sections"]:
                if section["kind"] != "problems":
                    continue
                pos = section["start"]
                for sentence in text[section["start"]:section["end"]].split("。"):
                    start = text.find(sentence, pos)
                    pos = start + len(sentence)
                    if len(sentence.strip()) < 10 or len(report["problems"]) >= 6:
                        continue
                    k += 1
                    cats = [CATEGORY_CYCLE[k % len(CATEGORY_CYCLE)]] + (
                        [CATEGORY_CYCLE[(k + 3) % len(CATEGORY_CYCLE)]] if k % 3 == 0 else [])
                    report["problems"].append({"text": sentence, "categories": cats,
                                               "score": round(0.5 + (k % 5) / 10, 2), "phase": "implementation",
                                               "page": None, "start": start, "end": pos})
    return docs


def error_document(name: str = "损坏的文件.pdf") -> dict:
    return {"file": name, "sha256": "0" * 64, "status": "error",
            "error": {"kind": "unreadable", "message": "文件已损坏，无法打开。请重新提供。"},
            "format": "pdf", "pages": None, "encoding": None, "ocr_pages": [], "reports": [], "flags": []}


def formula_document() -> dict:
    """A report whose title, text, facts, problems and flags start with formula characters."""
    text = "\n".join(DANGEROUS) + "\n共涉及居民2350户。"
    start = text.index("2350户")
    name = "=公式文件.txt"
    return {
        "file": name, "sha256": "1" * 64, "status": "ok", "error": None, "format": "txt", "pages": None,
        "encoding": "utf-8", "ocr_pages": [],
        "reports": [{"index": 1, "title": DANGEROUS[0], "date": None, "text": text, "truncated": False,
                     "sections": [], "placeholders": [],
                     "facts": [{"type": "households", "value": 2350, "unit": "户", "raw": DANGEROUS[2],
                                "approx": None, "role": None, "status": None, "subject": DANGEROUS[3],
                                "scope": None, "page": None, "start": start, "end": start + 5}],
                     "problems": [{"text": DANGEROUS[1], "categories": ["other"], "score": 0.5,
                                   "phase": "implementation", "page": None, "start": 0, "end": 5}]}],
        "flags": [{"kind": "plausibility", "severity": "error", "field": "households", "message": DANGEROUS[0],
                   "evidence": [{"file": name, "report": 1, "raw": DANGEROUS[3], "page": None,
                                 "start": start, "end": start + 5}], "ledger_row": None}],
    }


def batch_flags_for(docs: list[dict]) -> list[dict]:
    """A cross-report flag naming two files, and a ledger flag, as the lead's checker makes them."""
    ok = [d for d in docs if d["status"] == "ok" and d["reports"] and d["reports"][0]["facts"]][:2]
    ev = [{"file": d["file"], "report": 1, "raw": d["reports"][0]["facts"][0]["raw"],
           "page": d["reports"][0]["facts"][0]["page"], "start": d["reports"][0]["facts"][0]["start"],
           "end": d["reports"][0]["facts"][0]["end"]} for d in ok]
    return [
        {"kind": "cross_doc_conflict", "severity": "warning", "field": "households",
         "message": f"测试：两份报告说法不一（《{ok[0]['file']}》与《{ok[1]['file']}》）。", "evidence": ev,
         "ledger_row": None},
        {"kind": "ledger_mismatch", "severity": "error", "field": "households",
         "message": "测试：报告户数与台账第8行不一致。", "evidence": ev[:1], "ledger_row": {"row": 8, "name": "建设路小区"}},
    ]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> SimpleNamespace:
    if not LEDGER.exists():
        pytest.skip("corpora/samples 未生成（make samples）")
    from analyzer.ledger import read_ledger
    from analyzer.render.common import ledger_rows_from
    from analyzer.runner import analyze_batch

    out = tmp_path_factory.mktemp("run")
    analyze_batch([SAMPLES], out, ledger=LEDGER, jobs=2)
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "documents").glob("*.json"))]
    docs = add_synthetic_problems(docs) + [error_document(), formula_document()]
    for d in docs:
        validate_document(d)
    rows = ledger_rows_from(read_ledger(LEDGER))
    batch = batch_flags_for(docs)
    paths = write_outputs(out, docs, batch_flags=batch, ledger_rows=rows)
    return SimpleNamespace(out=out, docs=docs, rows=rows, batch=batch, paths=paths,
                           flags=collect_flags(docs, batch), communities=communities(docs, rows))


def test_outputs_are_written_with_chinese_names(run):
    assert {k: p.name for k, p in run.paths.items()} == OUTPUT_NAMES
    for path in run.paths.values():
        assert path.exists() and path.stat().st_size > 0
    assert not list(run.out.glob(".*tmp*")), "temporary files must be renamed into place"


def test_synthetic_inputs_cover_what_the_outputs_show(run):
    assert sum(len(r["problems"]) for d in run.docs for r in d["reports"]) >= 10
    assert any(c.differences for c in run.communities)
    assert {f["severity"] for f in run.flags} >= {"error", "warning"}


# ---------------------------------------------------------------------------
# 核查结果.xlsx
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(run):
    openpyxl = pytest.importorskip("openpyxl")
    return openpyxl.load_workbook(run.paths["xlsx"])


def _rows(ws, header_row: int = 1) -> list[dict]:
    """Data rows as dicts; a header merged down from the row above keeps that row's text."""
    header = [c.value for c in ws[header_row]]
    if header_row > 1:
        header = [h or above.value for h, above in zip(header, ws[header_row - 1])]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=header_row + 1, values_only=True)
            if any(v is not None for v in r)]


def test_workbook_has_the_five_sheets_with_frozen_headers_and_filters(workbook):
    assert workbook.sheetnames == ["问题线索", "提取数据", "问题清单", "小区汇总", "处理失败"]
    for ws in workbook:
        assert ws.freeze_panes in ("A2", "C3"), ws.title
        assert ws.auto_filter.ref, ws.title
        widths = [ws.column_dimensions[c].width for c in "ABCDE"]
        assert all(w and 5 <= w <= 90 for w in widths), (ws.title, widths)


def test_flag_sheet_lists_every_flag_most_severe_first(workbook, run):
    rows = _rows(workbook["问题线索"])
    assert len(rows) == len(run.flags)
    assert [r["说明"] for r in rows] == [f["message"] for f in run.flags]
    ranks = [list(labels.SEVERITY.values()).index(r["严重程度"]) for r in rows]
    assert ranks == sorted(ranks)
    assert {r["问题类型"] for r in rows} <= set(labels.FLAG_KIND.values())
    for row, flag in zip(rows, run.flags):
        ev = flag["evidence"][0]
        assert row["文件"] == ev["file"] and row["原文摘录"] == ev["raw"] and row["页码"] == ev["page"]
        assert row["台账行"] == (flag["ledger_row"] or {}).get("row")
    assert workbook["问题线索"].data_validations.dataValidation, "核实情况 has a drop-down"


def test_fact_sheet_has_one_row_per_fact_with_units_and_numbers(workbook, run):
    rows = _rows(workbook["提取数据"])
    facts = [(d, r, f) for d in ordered_documents(run.docs) if d["status"] == "ok" for r in d["reports"]
             for f in r["facts"]]
    assert len(rows) == len(facts)
    header = [c.value for c in workbook["提取数据"][1]]
    for h in ("户数（户）", "面积（m²）", "投资（万元）", "楼栋数（栋）", "小区数（个）", "比例（%）"):
        assert h in header
    for row, (doc, report, fact) in zip(rows, facts):
        assert row["文件"] == doc["file"] and row["原文"] == fact["raw"]
        column = labels.fact_type_header(fact["type"])
        value = fact["value"]
        if fact["type"] == "date":
            assert row[column] == (value if isinstance(value, str) else f"{value[0]}–{value[1]}")
        elif isinstance(value, list):
            assert (row[column], row["区间上限"]) == tuple(value)
        else:
            assert isinstance(row[column], (int, float)) and row[column] == pytest.approx(value)


def test_problem_sheet_lists_every_clause_with_chinese_categories(workbook, run):
    rows = _rows(workbook["问题清单"])
    problems = [(d, p) for d in ordered_documents(run.docs) if d["status"] == "ok" for r in d["reports"]
                for p in r["problems"]]
    assert len(rows) == len(problems)
    for row, (doc, p) in zip(rows, problems):
        assert row["问题原文"] == p["text"] and row["文件"] == doc["file"]
        assert row["问题类别"] == "、".join(labels.category_label(c) for c in p["categories"])
        assert isinstance(row["置信度"], (int, float)) and row["置信度"] == pytest.approx(p["score"])  # 1.0 reads back as 1


def test_community_sheet_puts_ledger_and_reports_side_by_side(workbook, run):
    ws = workbook["小区汇总"]
    groups = [c.value for c in ws[1] if c.value]
    assert "户数（户）" in groups and "差异说明" in groups
    rows = _rows(ws, header_row=2)
    assert [r["小区名称"] for r in rows] == [c.name for c in run.communities]
    red = {(c.row, c.column) for row in ws.iter_rows(min_row=3) for c in row
           if c.fill is not None and c.fill.fgColor is not None and c.fill.fgColor.rgb in ("FFFFC7CE", "00FFC7CE")}
    for i, community in enumerate(run.communities, start=3):
        has_red = any(r == i for r, _ in red)
        assert has_red == bool(community.differences), community.name
    jt = next(c for c in run.communities if c.name == "纺织厂家属院")  # 321 户 in a report, 312 in the ledger
    assert any("户数" in d.message for d in jt.differences)


def test_failure_sheet_names_unreadable_files_and_why(workbook, run):
    rows = _rows(workbook["处理失败"])
    failed = [d for d in run.docs if d["status"] != "ok"]
    assert [r["文件"] for r in rows] == [d["file"] for d in ordered_documents(failed)]
    assert rows[0]["错误类型"] == "无法读取" and "损坏" in rows[0]["原因"]


def test_no_cell_is_ever_a_formula(workbook):
    seen = set()
    for ws in workbook:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate)
                    seen.add(cell.value)
    assert set(DANGEROUS) <= seen, "the formula-like texts are kept verbatim, as text"


def test_formula_neutralization_survives_a_save_round_trip(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from analyzer.render.excel import render_workbook

    path = render_workbook([formula_document()], tmp_path / "x.xlsx")
    with __import__("zipfile").ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name), name
    ws = openpyxl.load_workbook(path)["问题线索"]
    assert ws["E2"].value == DANGEROUS[0] and ws["E2"].data_type == "s"


def test_control_characters_do_not_break_the_workbook(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from analyzer.render.excel import render_workbook

    doc = formula_document()
    doc["flags"][0]["message"] = "户数\x00不符\x0b"
    path = render_workbook([doc], tmp_path / "x.xlsx")
    assert openpyxl.load_workbook(path)["问题线索"]["E2"].value == "户数不符"


def test_streamed_rows_keep_markup_characters_line_breaks_and_severity_colours(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from analyzer.render.excel import render_workbook

    doc = formula_document()
    odd = "<b>户数</b> & 面积\r\n“312”户\n  前后留空  "
    doc["flags"][0]["message"] = odd
    doc["flags"].append({**doc["flags"][0], "severity": "info", "message": "1.5e3 不是数字，是文字"})
    doc["reports"][0]["facts"][0]["value"] = 2350.25
    path = render_workbook([doc], tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(path)
    flags = wb["问题线索"]
    assert flags["E2"].value == odd and flags["E3"].value == "1.5e3 不是数字，是文字"
    assert flags["E3"].data_type == "s"
    assert [flags[f"B{r}"].fill.fgColor.rgb[-6:] for r in (2, 3)] == ["FFC7CE", "DDEBF7"]
    assert flags["B2"].font.b and flags["B2"].alignment.vertical == "top"
    assert (flags.row_dimensions[2].height or 0) >= 45  # four lines of text
    facts = wb["提取数据"]
    assert facts.dimensions == f"A1:{facts.cell(row=1, column=facts.max_column).column_letter}2"
    header = [c.value for c in facts[1]]
    value = facts.cell(row=2, column=header.index("户数（户）") + 1)
    assert value.value == 2350.25 and value.data_type == "n" and value.number_format == "#,##0.0###"
    with __import__("zipfile").ZipFile(path) as z:
        assert z.testzip() is None


def test_cells_keep_their_column_format_and_rows_grow_for_wrapped_text(workbook):
    ws = workbook["提取数据"]
    header = [c.value for c in ws[1]]
    raw, number = header.index("原文") + 1, header.index("页码") + 1
    wrapped = [ws.cell(row=r, column=raw) for r in range(2, min(ws.max_row, 200) + 1)]
    assert all(c.alignment.wrap_text and c.alignment.vertical == "top" for c in wrapped if c.value)
    pages = [ws.cell(row=r, column=number) for r in range(2, min(ws.max_row, 200) + 1)]
    assert all(c.number_format == "0" and not c.alignment.wrap_text for c in pages if c.value is not None)
    flags = workbook["问题线索"]
    long_rows = [r for r in range(2, flags.max_row + 1) if len(str(flags.cell(row=r, column=5).value or "")) > 120]
    assert long_rows and all((flags.row_dimensions[r].height or 0) >= 30 for r in long_rows)


def test_outputs_written_in_other_processes_are_the_same(run, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    paths = write_outputs(tmp_path, run.docs, batch_flags=run.batch, ledger_rows=run.rows, parallel=True)
    assert {k: p.name for k, p in paths.items()} == OUTPUT_NAMES
    ours, theirs = openpyxl.load_workbook(paths["xlsx"]), openpyxl.load_workbook(run.paths["xlsx"])
    assert ours.sheetnames == theirs.sheetnames
    for name in ours.sheetnames:
        assert list(ours[name].values) == list(theirs[name].values), name
    stamp = re.compile(r"生成于 [0-9: -]+")
    html = [stamp.sub("", p.read_text(encoding="utf-8")) for p in (paths["html"], run.paths["html"])]
    assert html[0] == html[1] and len(html[0]) > 10_000


def test_a_failing_workbook_process_costs_only_the_workbook(run, tmp_path, monkeypatch):
    from analyzer.render import OutputError

    def broken(*args, **kwargs):
        raise ValueError("测试用的写入错误")

    monkeypatch.setattr("analyzer.render.excel.render_workbook", broken)
    with pytest.raises(OutputError) as info:
        write_outputs(tmp_path, run.docs, batch_flags=run.batch, ledger_rows=run.rows, parallel=True)
    assert "核查结果.xlsx" in info.value.message and "测试用的写入错误" in info.value.message
    assert sorted(info.value.written) == ["docx", "html"]
    assert not (tmp_path / OUTPUT_NAMES["xlsx"]).exists()


def test_failing_pages_of_the_files_fail_the_html_report_only(run, tmp_path, monkeypatch):
    from analyzer.render import OutputError, html

    def broken(*args, **kwargs):
        raise ValueError("测试用的分页错误")
        yield

    monkeypatch.setattr(html, "file_pages", broken)
    monkeypatch.setattr(html, "SINGLE_PAGE_MAX_CHARS", 10)  # split, as a large batch is
    with pytest.raises(OutputError) as info:
        write_outputs(tmp_path, run.docs, batch_flags=run.batch, ledger_rows=run.rows, parallel=True)
    assert "报告.html" in info.value.message and "测试用的分页错误" in info.value.message
    assert sorted(info.value.written) == ["docx", "xlsx"]
    assert not (tmp_path / html.REPORT_DIR).exists()


# ---------------------------------------------------------------------------
# 问题汇总报告.docx
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def summary_docx(run):
    docx = pytest.importorskip("docx")
    return docx.Document(str(run.paths["docx"]))


def _east_asia(style) -> str | None:
    from docx.oxml.ns import qn

    fonts = style.element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def test_summary_follows_official_document_layout(summary_docx):
    from docx.shared import Mm, Pt

    section = summary_docx.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    styles = summary_docx.styles
    assert _east_asia(styles["Normal"]) == "仿宋_GB2312" and styles["Normal"].font.size == Pt(16)
    assert _east_asia(styles["Title"]) == "方正小标宋简体" and styles["Title"].font.size == Pt(22)
    assert _east_asia(styles["Heading 1"]) == "黑体" and _east_asia(styles["Heading 2"]) == "楷体_GB2312"
    assert summary_docx.settings.odd_and_even_pages_header_footer
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and "—" in xml
    assert section.footer.paragraphs[0].alignment != section.even_page_footer.paragraphs[0].alignment
    assert Mm(0) < section.footer_distance


def test_summary_content_matches_the_run(summary_docx, run):
    paras = [p.text for p in summary_docx.paragraphs]
    text = "\n".join(paras)
    assert paras[0] == "城镇老旧小区改造情况汇报" and paras[1] == "核查问题汇总报告"
    headings = [p.text for p in summary_docx.paragraphs if p.style.name == "Heading 1"]
    assert headings[:4] == ["一、总体情况", "二、报告反映的主要问题", "三、数据核查发现的不一致", "四、未能处理的文件"]
    n_reports = sum(len(d["reports"]) for d in run.docs if d["status"] == "ok")
    assert f"本批次共收到文件 {len(run.docs)} 个" in text and f"识别出报告 {n_reports} 篇" in text
    for code, n, n_rep in category_counts(run.docs):
        assert f"{labels.category_label(code)}（{n} 条，涉及 {n_rep} 篇报告）" in text
    for flag in run.flags:
        assert flag["message"] in text
    assert "《损坏的文件.pdf》" in text


def test_summary_has_the_category_chart_with_chinese_labels(summary_docx, run):
    from analyzer.render.charts import bar_chart_png, cjk_font

    if cjk_font() is None:
        pytest.skip("没有中文字体：请运行 scripts/setup_outputs.sh")
    assert len(summary_docx.inline_shapes) >= 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for tofu
        png = bar_chart_png([(labels.category_label(c), n) for c, n, _ in category_counts(run.docs)], title="问题按类别分布")
    assert png and png.startswith(b"\x89PNG")


def test_summary_appendix_has_a_table_per_community(summary_docx, run):
    reported = [c for c in run.communities if c.sources]
    tables = summary_docx.tables
    assert len(tables) == 1 + len(reported)  # 表1 totals, then one per community
    for table, community in zip(tables[1:], reported):
        header = [c.text for c in table.rows[0].cells]
        assert header[:2] == ["指标", "台账"]
        assert len(header) == 2 + min(len(community.sources), 4)
    shaded = [c for t in tables[1:] for r in t.rows for c in r.cells if 'w:fill="FFC7CE"' in c._tc.xml]
    assert shaded, "differences are shaded"


# ---------------------------------------------------------------------------
# 报告.html (parsed; the browser test is in test_browser.py)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page(run):
    lxml_html = pytest.importorskip("lxml.html")
    raw = run.paths["html"].read_text(encoding="utf-8")
    return SimpleNamespace(raw=raw, tree=lxml_html.fromstring(raw))


def test_html_is_self_contained(page):
    tree = page.tree
    assert not tree.xpath("//script[@src] | //link[@href] | //img[not(starts-with(@src, 'data:'))] | //iframe")
    for attr in tree.xpath("//@href | //@src"):
        assert not attr.startswith(("http:", "https:", "//")), attr
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp and "default-src 'none'" in csp[0]


def _report_article(tree, doc_index: int, report_index: int):
    return tree.xpath(f"//details[@id='d{doc_index}r{report_index}']//article")[0]


def test_html_keeps_every_report_text_with_its_highlights(page, run):
    data = json.loads(page.tree.xpath("//script[@id='ann-data']")[0].text)
    docs = ordered_documents(run.docs)
    for i, doc in enumerate(docs):
        if doc["status"] != "ok":
            continue
        for report in doc["reports"]:
            rid = f"d{i}r{report['index']}"
            article = copy.deepcopy(_report_article(page.tree, i, report["index"]))
            for badge in article.xpath(".//span[@class='cats']"):
                badge.drop_tree()
            shown = "".join(article.text_content().split())
            assert shown == "".join(report["text"].split()), rid
            marked = {a for el in article.xpath(".//*[@data-a]") for a in el.get("data-a").split()}
            for n, fact in enumerate(report["facts"]):
                assert f"{rid}-f{n}" in marked
                fields = dict(data[f"{rid}-f{n}"]["fields"])
                assert fields["类型"] == labels.fact_type_label(fact["type"])
                assert fields["主体"] == labels.subject_label(fact["subject"])
                if fact["role"]:
                    assert fields["角色"] == labels.role_label(fact["role"])
            for n, _ in enumerate(report["placeholders"]):
                assert f"{rid}-h{n}" in marked
            for n, p in enumerate(report["problems"]):
                el = page.tree.get_element_by_id(f"{rid}-p{n}")
                badges = []
                while "pb" not in el.get("class", ""):  # clauses starting at one place: anchors, badges, text
                    badges.append(el.text)
                    el = el.getnext()
                prev = el.getprevious()
                while prev is not None and prev.get("class") in ("cats", "anchor"):
                    badges.append(prev.text)
                    prev = prev.getprevious()
                assert "·".join(labels.category_label(c) for c in p["categories"]) in badges


def test_html_flags_table_links_to_the_flagged_figures(page, run):
    rows = page.tree.xpath("//table[@id='flag-table']/tbody/tr")
    assert len(rows) == len(run.flags)
    for g, (row, flag) in enumerate(zip(rows, run.flags)):
        assert flag["message"] in row.text_content()
        for k, _ in enumerate(flag["evidence"][:8]):
            target = page.tree.get_element_by_id(f"g{g}e{k}", None)
            if target is not None:
                while "anchor" in target.get("class", "") or "cats" in target.get("class", ""):
                    target = target.getnext()  # several flags on one figure: empty anchors before it
                assert f"fl-{flag['severity']}" in target.get("class")
                assert row.xpath(f".//a[@href='#g{g}e{k}']")
    assert page.tree.xpath("//*[contains(@class, 'fl-error')]")


@pytest.fixture(scope="module")
def split(run, tmp_path_factory):
    """报告.html split into the dashboard and one page per file (what a large batch gets)."""
    lxml_html = pytest.importorskip("lxml.html")
    from analyzer.render.html import REPORT_DIR, render_html

    out = tmp_path_factory.mktemp("split")
    index = render_html(run.docs, out / "报告.html", batch_flags=run.batch, ledger_rows=run.rows, split=True)
    pages = {p.name: lxml_html.fromstring(p.read_text(encoding="utf-8")) for p in (out / REPORT_DIR).glob("*.html")}
    return SimpleNamespace(out=out, index=lxml_html.fromstring(index.read_text(encoding="utf-8")), pages=pages,
                           folder=out / REPORT_DIR)


def _link_target(split, base: Path, href: str):
    """The element a relative link of a split page leads to (None: no such page or id)."""
    from urllib.parse import unquote

    where, _, fragment = href.partition("#")
    path = (base / unquote(where)).resolve() if where else None
    if path is None:
        return None
    tree = split.index if path == (split.out / "报告.html").resolve() else split.pages.get(path.name)
    return None if tree is None else tree.get_element_by_id(unquote(fragment), None)


def test_split_html_gives_each_file_a_page_with_its_whole_text(split, run):
    docs = ordered_documents(run.docs)
    ok = [d for d in docs if d["status"] == "ok" and d["reports"]]
    assert len(split.pages) == len(ok)
    assert not split.index.xpath("//article") and json.loads(split.index.xpath("//script[@id='ann-data']")[0].text) == {}
    for i, doc in enumerate(docs):
        if doc not in ok:
            continue
        name = [n for n in split.pages if n.startswith(f"{i + 1:04d}-")]
        assert len(name) == 1, doc["file"]
        tree = split.pages[name[0]]
        data = json.loads(tree.xpath("//script[@id='ann-data']")[0].text)
        assert not tree.xpath("//script[@src] | //link[@href] | //img[not(starts-with(@src, 'data:'))]")
        assert not tree.xpath("//table[@id='flag-table']")  # the flag table stays on the dashboard
        for report in doc["reports"]:
            rid = f"d{i}r{report['index']}"
            article = copy.deepcopy(tree.xpath(f"//details[@id='{rid}']//article")[0])
            assert tree.xpath(f"//details[@id='{rid}']/@open")
            for badge in article.xpath(".//span[@class='cats']"):
                badge.drop_tree()
            assert "".join(article.text_content().split()) == "".join(report["text"].split()), rid
            marked = {a for el in article.xpath(".//*[@data-a]") for a in el.get("data-a").split()}
            assert {f"{rid}-f{n}" for n in range(len(report["facts"]))} <= marked
            assert marked <= set(data), "every highlight has its details on its own page"


def test_split_html_links_reach_their_targets(split, run):
    jumps = split.index.xpath("//a[contains(@class, 'jump')]/@href")
    assert any(h.startswith("%E6%8A%A5%E5%91%8A%E5%8E%9F%E6%96%87/") for h in jumps)  # 报告原文/…
    for href in jumps:
        assert _link_target(split, split.out, href) is not None, href
    for name, tree in split.pages.items():
        for href in tree.xpath("//a/@href"):
            if href.startswith("#"):
                assert tree.get_element_by_id(href[1:], None) is not None, (name, href)
            else:
                assert href.startswith("../") and (_link_target(split, split.folder, href) is not None
                                                   or href.endswith(("#overview", "#flags", "#reports"))), href
    flagged = [h for t in split.pages.values() for h in t.xpath("//ul[@class='rflags']//a/@href")]
    assert flagged and all("#row-g" in h for h in flagged)
    listed = split.index.xpath("//ol[@class='rlist']/li/a/@href")
    assert len(listed) == sum(len(d["reports"]) for d in run.docs if d["status"] == "ok")


def test_split_html_written_in_two_parts_is_the_same(run, tmp_path):
    """With two jobs one process writes the pages of the files and another the report page."""
    from datetime import datetime

    from analyzer.render.html import REPORT_DIR, render_html

    when = datetime(2026, 11, 24, 9, 30)
    kw = dict(batch_flags=run.batch, ledger_rows=run.rows, split=True, generated=when)
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    whole.mkdir(), parts.mkdir()
    render_html(run.docs, whole / "报告.html", **kw)
    assert render_html(run.docs, parts / "报告.html", part="pages", **kw) == parts / REPORT_DIR
    assert not (parts / "报告.html").exists()
    render_html(run.docs, parts / "报告.html", part="index", **kw)
    files = sorted(p.relative_to(whole) for p in whole.rglob("*.html"))
    assert len(files) > 3 and files == sorted(p.relative_to(parts) for p in parts.rglob("*.html"))
    assert all((whole / f).read_bytes() == (parts / f).read_bytes() for f in files)


def test_one_page_html_removes_the_pages_of_an_earlier_split(split, run):
    from analyzer.render.html import render_html

    render_html(run.docs, split.out / "again.html", batch_flags=run.batch, split=True)
    assert split.folder.is_dir()
    render_html(run.docs, split.out / "again.html", batch_flags=run.batch)  # small batch: one page
    assert not split.folder.exists() and not list(split.out.glob(".*tmp*"))


def _households_doc(name: str, households: int) -> dict:
    fact = {"type": "households", "value": households, "unit": "户", "raw": f"{households}户", "approx": None,
            "role": None, "status": None, "subject": "金亭花苑", "scope": None, "page": 1, "start": 0, "end": 5}
    return {"file": name, "status": "ok", "reports": [{"index": 1, "title": name, "text": "x" * 10,
                                                      "facts": [fact]}], "flags": []}


def test_community_differences_mark_every_cell_and_list_the_first_pairs():
    """A community named in many reports: sources with the same figure are compared once, every cell
    in a difference is marked, and the first MAX_LISTED_DIFFERENCES pairs (in source order) are listed."""
    from analyzer.render.common import MAX_LISTED_DIFFERENCES

    docs = [_households_doc(f"r{i:03d}.txt", 1227 if i % 3 else 1235) for i in range(60)]
    [c] = communities(docs)
    assert len(c.sources) == 60
    assert all(c.differs("households", i) for i in range(60)) and not c.differs("households", None)
    pairs = [(i, j) for i in range(60) for j in range(i + 1, 60) if (i % 3 == 0) != (j % 3 == 0)]
    assert [d.sources for d in c.differences] == pairs[:MAX_LISTED_DIFFERENCES]
    assert "1,227" in c.differences[0].message and "1,235" in c.differences[0].message

    same = [_households_doc(f"s{i:03d}.txt", 1227) for i in range(60)]
    [c] = communities(same)
    assert not c.differences and not any(c.differs("households", i) for i in range(60))


def test_html_page_names_are_safe_file_names():
    from analyzer.render.html import page_name

    assert page_name(6, {"file": "东城区 情况汇报#1?.pdf"}) == "0007-东城区_情况汇报_1.html"
    assert page_name(0, {"file": "..pdf"}) == "0001-file.html"


def test_html_escapes_report_text(tmp_path):
    from analyzer.render.html import render_html

    doc = formula_document()
    doc["reports"][0]["text"] = doc["reports"][0]["text"].replace(DANGEROUS[1], "<script>x()</script>")
    doc["flags"][0]["message"] = "</script><script>alert(1)</script>"
    html = render_html([doc], tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.count("<script") == 2  # the data block and the page's own script
    assert "alert(1)" in html


def test_html_community_table_marks_differences(page, run):
    rows = page.tree.xpath("//table[@id='community-table']/tbody/tr")
    assert len(rows) == len(run.communities)
    for row, c in zip(rows, run.communities):
        assert c.name in row.text_content()
        assert bool(row.xpath(".//div[contains(@class, 'diff')]")) == bool(c.differences), c.name


def test_html_charts_are_inline_svg_with_chinese_labels(page, run):
    svgs = page.tree.xpath("//svg")
    assert len(svgs) >= 2
    names = " ".join(s.text_content() for s in svgs)
    for code, _, _ in category_counts(run.docs):
        assert labels.category_label(code) in names


# ---------------------------------------------------------------------------
# Determinism, terminal
# ---------------------------------------------------------------------------


def test_outputs_do_not_depend_on_the_order_files_finished_in(run, tmp_path):
    from analyzer.render.excel import render_workbook
    from analyzer.render.html import build_html

    fixed = __import__("datetime").datetime(2024, 1, 1, 9, 0)
    a = build_html(run.docs, batch_flags=run.batch, ledger_rows=run.rows, generated=fixed)
    b = build_html(list(reversed(run.docs)), batch_flags=run.batch, ledger_rows=run.rows, generated=fixed)
    assert a == b
    openpyxl = pytest.importorskip("openpyxl")
    wa = openpyxl.load_workbook(render_workbook(run.docs, tmp_path / "a.xlsx", ledger_rows=run.rows,
                                                batch_flags=run.batch))
    wb = openpyxl.load_workbook(render_workbook(list(reversed(run.docs)), tmp_path / "b.xlsx", ledger_rows=run.rows,
                                                batch_flags=run.batch))
    for sa, sb in zip(wa, wb):
        assert list(sa.values) == list(sb.values), sa.title


def test_show_document_prints_facts_problems_and_flags(run):
    from rich.console import Console

    from analyzer.render.terminal import show_document

    doc = next(d for d in run.docs if d["status"] == "ok" and d["flags"] and d["reports"][0]["problems"])
    console = Console(width=160, record=True, color_system=None)
    show_document(doc, console)
    out = console.export_text()
    assert doc["file"] in out and "提取数据" in out and "问题" in out and "线索" in out
    assert labels.severity_label(doc["flags"][0]["severity"]) in out
    assert labels.category_label(doc["reports"][0]["problems"][0]["categories"][0]) in out


def test_run_summary_is_short_and_names_the_outputs(run):
    from rich.console import Console

    from analyzer.render.terminal import print_run_summary

    console = Console(width=120, record=True, color_system=None)
    print_run_summary({"files": 17, "ok": 16, "failed": 1, "reports": 19, "seconds": 5.2, "skipped": 3,
                       "flags_by_severity": {"error": 2, "warning": 5, "info": 1}}, run.paths, console)
    out = console.export_text()
    assert "共 17 个文件" in out and "3 个未变化" in out and "错误 2" in out
    assert all(str(p) in out for p in run.paths.values())
    assert len(out.splitlines()) <= 6


def test_labels_cover_every_code_of_the_contract():
    schema = json.loads((ROOT / "analyzer" / "schema" / "document.schema.json").read_text(encoding="utf-8"))
    defs = schema["$defs"]
    for kind in defs["flag"]["properties"]["kind"]["enum"]:
        assert labels.flag_kind_label(kind) != kind
    for code in defs["problem"]["properties"]["categories"]["items"]["enum"]:
        assert labels.category_label(code) != code
    for t in defs["fact"]["properties"]["type"]["enum"]:
        assert labels.fact_type_label(t) != t
    for role in defs["fact"]["properties"]["role"]["enum"]:
        assert role is None or labels.role_label(role) != role
    for kind in defs["report"]["properties"]["sections"]["items"]["properties"]["kind"]["enum"]:
        assert labels.section_kind_label(kind) != kind
    for kind in schema["properties"]["error"]["oneOf"][1]["properties"]["kind"]["enum"]:
        assert labels.error_kind_label(kind) != kind


def test_empty_and_failed_batches_still_get_every_output(tmp_path):
    for docs in ([], [error_document()]):
        paths = write_outputs(tmp_path / str(len(docs)), docs)
        assert sorted(paths) == ["docx", "html", "xlsx"] and all(p.exists() for p in paths.values())


def test_a_workbook_open_in_excel_is_not_lost(tmp_path, monkeypatch):
    """Windows refuses to replace a file Excel holds open: the new one is written beside it."""
    real_replace = Path.replace

    def locked(self, target):
        if Path(target).name == OUTPUT_NAMES["xlsx"]:
            raise PermissionError(13, "另一个程序正在使用此文件")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", locked)
    paths = write_outputs(tmp_path, [error_document()])
    assert paths["xlsx"].name.startswith("核查结果-") and paths["xlsx"].suffix == ".xlsx"
    assert paths["xlsx"].exists() and paths["docx"].name == OUTPUT_NAMES["docx"]
    assert not list(tmp_path.glob(".*")), "no temporary file is left behind"


def test_flag_fields_of_the_ledger_checks_have_chinese_labels():
    """Fields only the ledger's own checks name are shown by their header, never as codes."""
    assert labels.field_label("households") == "户数"
    assert [labels.field_label(f) for f in ("fund_paid", "settlement", "status", "property_type", "invest_done_cum")] \
        == ["拨付资金", "结算金额", "进展情况", "产权性质", "累计完成投资"]
    assert labels.field_label(None) == ""
