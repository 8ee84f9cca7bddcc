"""问题汇总报告.docx: the issue summary in the layout of a Chinese official document (python-docx).

Layout after GB/T 9704-2012: A4, margins 37/35/28/26 mm, title in 方正小标宋简体 二号 centred, body in
仿宋_GB2312 三号 at a fixed 28.95 pt line pitch (22 lines a page) with a two-character first-line indent,
level-1 headings ``一、`` in 黑体, level-2 ``（一）`` in 楷体_GB2312, level-3 ``1.`` in 仿宋 bold, page
numbers ``— 1 —`` in 宋体 四号 at the outer edge (right on odd pages, left on even pages), Latin letters
and digits in Times New Roman. The font table names a common fallback for each 公文 font (仿宋_GB2312 →
仿宋, …) so that machines without the GB2312 fonts still show the intended faces.

Contents: 一、总体情况 (files, reports, communities, figures totalled, with a table), 二、报告反映的主要问题
(a chart of problems by category, then per category its count and representative clauses), 三、数据核查
发现的不一致 (flags by kind, each with its evidence), 四、未能处理的文件, and 附件 (one table per
community: the ledger's figures beside each report's, differences shaded).

Example:
    >>> from analyzer.render.docx import render_summary_docx
    >>> render_summary_docx(documents, None, "outputs/demo/问题汇总报告.docx")  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import io
import weakref
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips
from docx.text.run import Run
from lxml import etree

from . import labels
from .charts import bar_chart_png
from .common import (METRICS, Community, Doc, Prepared, category_counts, evidence_where, fmt_number,
                     move_into_place, overview, prepare, problem_items, representative_problems, temp_path)

FILE_NAME = "问题汇总报告.docx"
TITLE = ("城镇老旧小区改造情况汇报", "核查问题汇总报告")

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_PAGE = "宋体"
FONT_LATIN = "Times New Roman"
# Fallbacks written to the font table (w:altName): what Word uses where the 公文 font is missing.
FONT_FALLBACKS = {FONT_TITLE: "宋体", FONT_BODY: "仿宋", FONT_H2: "楷体", FONT_H1: "SimHei"}

SIZE_TITLE = Pt(22)   # 二号
SIZE_BODY = Pt(16)    # 三号
SIZE_PAGE = Pt(14)    # 四号
SIZE_TABLE = Pt(12)   # 小四
SIZE_NOTE = Pt(10.5)  # 五号
LINE_PITCH = Twips(579)  # 28.95 pt: 22 lines in the 225 mm text block
BLACK = RGBColor(0, 0, 0)
DIFF_SHADE = "FFC7CE"
HEAD_SHADE = "D9D9D9"

MAX_EXAMPLES = 3           # representative clauses per category
MAX_FLAGS_PER_KIND = 30    # the rest are counted and left to the workbook
MAX_SOURCES_PER_TABLE = 4  # report columns per appendix table

CN_NUMERALS = "一二三四五六七八九十"


def cn_index(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (section numbers)."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# ---------------------------------------------------------------------------
# Fonts and styles
# ---------------------------------------------------------------------------


def set_fonts(rpr_owner, east_asia: str, latin: str = FONT_LATIN) -> None:
    """Set the East Asian and Latin faces of a style or run (python-docx sets only the Latin one)."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr, face in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia), ("w:cs", latin)):
        fonts.set(qn(attr), face)


def _style_paragraph(style, *, east_asia: str, size, bold: bool = False, align=None, indent: bool = True,
                     line=LINE_PITCH, keep_next: bool = False) -> None:
    set_fonts(style.element, east_asia)
    font = style.font
    font.size, font.bold, font.italic, font.color.rgb = size, bold, False, BLACK
    pf = style.paragraph_format
    pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, line
    pf.space_before = pf.space_after = Pt(0)
    pf.first_line_indent = Pt(32) if indent else Pt(0)
    pf.keep_with_next = keep_next
    if align is not None:
        pf.alignment = align


def setup_styles(document) -> None:
    styles = document.styles
    _style_paragraph(styles["Normal"], east_asia=FONT_BODY, size=SIZE_BODY, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _style_paragraph(styles["Title"], east_asia=FONT_TITLE, size=SIZE_TITLE, align=WD_ALIGN_PARAGRAPH.CENTER,
                     indent=False, line=Pt(36))
    title_ppr = styles["Title"].element.pPr
    for border in title_ppr.findall(qn("w:pBdr")) if title_ppr is not None else []:
        title_ppr.remove(border)
    _style_paragraph(styles["Heading 1"], east_asia=FONT_H1, size=SIZE_BODY, keep_next=True)
    _style_paragraph(styles["Heading 2"], east_asia=FONT_H2, size=SIZE_BODY, keep_next=True)
    _style_paragraph(styles["Heading 3"], east_asia=FONT_BODY, size=SIZE_BODY, bold=True, keep_next=True)
    _style_paragraph(styles["Caption"], east_asia=FONT_BODY, size=SIZE_TABLE, align=WD_ALIGN_PARAGRAPH.CENTER,
                     indent=False, line=Pt(20))
    for name in ("Footer", "Header"):
        _style_paragraph(styles[name], east_asia=FONT_PAGE, size=SIZE_PAGE, indent=False, line=Pt(18))


def add_font_fallbacks(document) -> None:
    """Name a fallback face for each 公文 font in word/fontTable.xml (w:altName)."""
    part = next((p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml"), None)
    if part is None:
        return
    root = etree.fromstring(part.blob)
    present = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for name, alt in FONT_FALLBACKS.items():
        if name in present:
            continue
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        alt_el = etree.SubElement(font, qn("w:altName"))
        alt_el.set(qn("w:val"), alt)
        charset = etree.SubElement(font, qn("w:charset"))
        charset.set(qn("w:val"), "86")  # GB2312
        family = etree.SubElement(font, qn("w:family"))
        family.set(qn("w:val"), "modern" if name == FONT_H1 else "roman")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---------------------------------------------------------------------------
# Page setup and page numbers
# ---------------------------------------------------------------------------


def setup_page(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28) - Mm(7)  # the page number sits 7 mm below the text block
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _field(paragraph, instruction: str) -> None:
    """A complex field (PAGE) Word and LibreOffice both update."""
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instruction} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _page_number(paragraph, align) -> None:
    """``— 1 —`` at the outer edge, one character in from the margin."""
    paragraph.alignment = align
    pf = paragraph.paragraph_format
    pf.first_line_indent = Pt(0)
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        pf.right_indent = SIZE_PAGE
    else:
        pf.left_indent = SIZE_PAGE
    paragraph.add_run("— ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" —")
    for run in paragraph.runs:
        set_fonts(run._r, FONT_PAGE)
        run.font.size = SIZE_PAGE


# ---------------------------------------------------------------------------
# Paragraph helpers
# ---------------------------------------------------------------------------


# part -> {(style name, style type): style id}. python-docx resolves a style name on every use by going
# through all the document's styles for the default one; the ids do not change once set up.
_STYLE_IDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _style_id(part, name: str, kind: WD_STYLE_TYPE) -> str | None:
    """``part.get_style_id(name, kind)`` (None for the default style), resolved once per part."""
    ids = _STYLE_IDS.setdefault(part, {})
    key = (name, kind)
    if key not in ids:
        ids[key] = part.get_style_id(name, kind)
    return ids[key]


def _add_paragraph(document, text: str = "", style: str | None = None):
    """``document.add_paragraph(text, style)``, the style's id resolved once (``_style_id``)."""
    p = document.add_paragraph(text)
    if style is not None:
        p._p.style = _style_id(p.part, style, WD_STYLE_TYPE.PARAGRAPH)
    return p


def para(document, text: str = "", *, style: str | None = None, align=None, indent: bool = True, bold=False,
         size=None):
    p = _add_paragraph(document, style=style)
    if text:
        run = p.add_run(text)
        run.bold = bold or None
        if size is not None:
            run.font.size = size
    if align is not None:
        p.alignment = align
    if not indent:
        p.paragraph_format.first_line_indent = Pt(0)
    return p


def heading(document, text: str, level: int):
    return _add_paragraph(document, text, f"Heading {level}")


def shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _no_split_row(row, header: bool = False) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:  # repeated at the top of every page the table runs onto
        tr_pr.append(OxmlElement("w:tblHeader"))


def _set_widths(t, widths_mm: list[float]) -> None:
    """Fixed column widths that Word and LibreOffice both honour (grid, cells, fixed layout)."""
    t.autofit = False
    grid = t._tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths_mm):
        gc.set(qn("w:w"), str(int(Mm(w).twips)))
    for row in t.rows:
        for cell, w in zip(row.cells, widths_mm):
            cell.width = Mm(w)


def _style_cell_text(p, text: str, centered: bool, bold: bool, keep: bool) -> None:
    """A table cell's paragraph: 小四, exactly 18 pt, no indent; ``keep``: kept with the next row."""
    pf = p.paragraph_format
    pf.first_line_indent, pf.line_spacing_rule, pf.line_spacing = Pt(0), WD_LINE_SPACING.EXACTLY, Pt(18)
    pf.keep_with_next = keep
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if centered else WD_ALIGN_PARAGRAPH.LEFT
    run = p.add_run(text)
    run.font.size = SIZE_TABLE
    if bold:
        run.bold = True


def table(document, header: list[str], rows: Iterable[list[Any]], *, widths_mm: list[float] | None = None,
          shaded: set[tuple[int, int]] = frozenset(), keep_together: bool = True):
    """A grid table in 小四 with a shaded bold header; ``shaded`` cells (row, col) of the body are red.

    The first cell of each kind (centred, bold, kept with the next row) is formatted through
    python-docx; the others get copies of its paragraph and run properties (formatting every cell
    through the property setters was most of the Word summary's time on large batches)."""
    rows = [list(r) for r in rows]
    t = document.add_table(rows=1 + len(rows), cols=len(header))
    t._tbl.tblStyle_val = _style_id(t.part, "Table Grid", WD_STYLE_TYPE.TABLE)  # as t.style = … does
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    kinds: dict[tuple[bool, bool, bool], tuple[Any, Any]] = {}  # kind -> (pPr, rPr) of its first cell
    for r, (row, values) in enumerate(zip(t.rows, [header, *rows])):
        _no_split_row(row, header=r == 0)
        for c, (cell, value) in enumerate(zip(row.cells, values)):
            p = cell.paragraphs[0]
            text = "" if value is None else str(value)
            kind = (r == 0 or c > 0, r == 0 or (r - 1, c) in shaded, keep_together and r < len(rows))
            proto = kinds.get(kind)
            if proto is None:
                _style_cell_text(p, text, *kind)
                kinds[kind] = (p._p.pPr, p.runs[0]._r.rPr)
            else:
                p._p.insert(0, copy.deepcopy(proto[0]))
                r_el = p._p.add_r()
                r_el.append(copy.deepcopy(proto[1]))
                Run(r_el, p).text = text
            if r == 0:
                shade(cell, HEAD_SHADE)
            elif (r - 1, c) in shaded:
                shade(cell, DIFF_SHADE)
    if widths_mm:
        _set_widths(t, widths_mm)
    return t


def note(document, text: str):
    """A small-print line (五号, single-spaced) under a table."""
    p = para(document, text, indent=False, size=SIZE_NOTE)
    p.paragraph_format.line_spacing = Pt(16)
    return p


def add_picture(document, png: bytes, width_mm: float = 150) -> None:
    p = document.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pf = p.paragraph_format
    pf.first_line_indent, pf.line_spacing_rule = Pt(0), WD_LINE_SPACING.SINGLE
    p.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))


# ---------------------------------------------------------------------------
# Sections of the summary
# ---------------------------------------------------------------------------


def write_title(document, today: date, n_reports: int) -> None:
    for line in TITLE:
        para(document, line, style="Title")
    para(document, "")
    para(document, f"按照工作安排，对本批次报送的城镇老旧小区改造情况汇报等材料（共 {n_reports} 篇报告）进行了"
                   f"数据提取、问题梳理和交叉核对，现将有关情况汇总如下。")


def _area_text(value: float | int) -> str:
    return f"{fmt_number(round(value / 10000, 2))}万平方米"


def _total_text(t) -> str:
    if t.metric.code == "area":
        return _area_text(t.reports)
    return f"{fmt_number(t.reports)}{t.metric.unit}"


def write_overview(document, ov, items: list[Community], number: int) -> None:
    heading(document, f"{cn_index(number)}、总体情况", 1)
    para(document, f"本批次共收到文件 {ov.files} 个，成功读取 {ov.ok} 个、未能读取 {ov.failed} 个，识别出报告 "
                   f"{ov.reports} 篇；共提取数据 {ov.facts} 项、问题表述 {ov.problems} 条，发现需核实的线索 "
                   f"{ov.flags} 条（错误 {ov.flags_by_severity['error']} 条、警告 {ov.flags_by_severity['warning']} 条、"
                   f"提示 {ov.flags_by_severity['info']} 条）。")
    unmatched = [c.name for c in items if c.sources and not c.ledger]
    text = f"报告涉及小区 {ov.communities_in_reports} 个"
    if ov.communities_in_ledger:
        text += f"，其中与台账对应的 {ov.communities_matched} 个"
        if unmatched:
            text += f"，台账中未找到的 {len(unmatched)} 个（{'、'.join(unmatched[:10])}{'等' if len(unmatched) > 10 else ''}）"
        text += f"；台账在册小区 {ov.communities_in_ledger} 个"
        if ov.ledger_only:
            text += (f"，其中 {len(ov.ledger_only)} 个未在任何报告中出现（{'、'.join(ov.ledger_only[:10])}"
                     f"{'等' if len(ov.ledger_only) > 10 else ''}）")
    text += f"。报告与台账或报告之间数字有出入的小区 {ov.communities_with_differences} 个，详见附件。"
    para(document, text)
    if ov.totals:
        parts = "、".join(f"{t.metric.label}{_total_text(t)}" for t in ov.totals)
        para(document, f"按小区汇总（同一小区各报告数字不一致的，取第一份报告的数字），报告所述{parts}。")
        rows = []
        for t in ov.totals:
            fmt = _area_text if t.metric.code == "area" else (lambda v, u=t.metric.unit: f"{fmt_number(v)}{u}")
            rows.append([t.metric.label, fmt(t.reports), t.report_count,
                         fmt(t.ledger) if t.ledger is not None else "—", t.ledger_count or "—"])
        para(document, "表1  报告数据与台账汇总对照", style="Caption").paragraph_format.keep_with_next = True
        table(document, ["指标", "报告合计", "涉及小区（个）", "台账合计", "台账小区（个）"], rows,
              widths_mm=[30, 38, 28, 38, 28])


def write_problems(document, docs: list[Doc], number: int) -> None:
    heading(document, f"{cn_index(number)}、报告反映的主要问题", 1)
    counts = category_counts(docs)
    if not counts:
        para(document, "本批次报告中未识别出问题表述。")
        return
    every = problem_items(docs)
    total = len(every)
    para(document, f"各报告共反映问题 {total} 条，涉及 {len(counts)} 个类别（一条问题可能同时属于多个类别），"
                   f"按类别统计见图1。")
    png = bar_chart_png([(labels.category_label(c), n) for c, n, _ in counts], title="问题按类别分布")
    if png:
        add_picture(document, png)
        para(document, "图1  问题按类别分布", style="Caption")
    for i, (code, n, n_reports) in enumerate(counts, start=1):
        heading(document, f"（{cn_index(i)}）{labels.category_label(code)}（{n} 条，涉及 {n_reports} 篇报告）", 2)
        for doc, report, p in representative_problems(docs, code, MAX_EXAMPLES, every=every):
            page = f"第{p['page']}页" if p.get("page") else ""
            part = f"第{report['index']}篇" if len(doc.get("reports") or []) > 1 else ""
            para(document, f"“{' '.join(p['text'].split())}”（《{doc['file']}》{part}{page}）")


def _flag_text(flag: dict) -> str:
    text = flag.get("message", "")
    missing = [evidence_where(e) for e in flag.get("evidence") or [] if e.get("file") and e["file"] not in text]
    if missing:
        text += f"（出处：{'；'.join(missing[:5])}{'等' if len(missing) > 5 else ''}）"
    row = flag.get("ledger_row") or {}
    if row.get("row") and f"第{row['row']}行" not in text:
        text += f"（台账第{row['row']}行{row.get('name') or ''}）"
    return text


def write_flags(document, flags: list[dict], number: int) -> None:
    heading(document, f"{cn_index(number)}、数据核查发现的不一致", 1)
    if not flags:
        para(document, "未发现数据不一致。")
        return
    sev = {s: sum(1 for f in flags if f.get("severity") == s) for s in labels.SEVERITIES}
    para(document, f"共发现需核实的线索 {len(flags)} 条，其中错误 {sev['error']} 条、警告 {sev['warning']} 条、"
                   f"提示 {sev['info']} 条，按类型分列如下；完整清单及原文出处见《核查结果.xlsx》“问题线索”表。")
    kinds: dict[str, list[dict]] = {}
    for f in flags:  # flags come most severe first: kinds keep that order
        kinds.setdefault(f.get("kind", ""), []).append(f)
    for i, (kind, items) in enumerate(kinds.items(), start=1):
        heading(document, f"（{cn_index(i)}）{labels.flag_kind_label(kind)}（{len(items)} 条）", 2)
        for n, f in enumerate(items[:MAX_FLAGS_PER_KIND], start=1):
            para(document, f"{n}.〔{labels.severity_label(f.get('severity', ''))}〕{_flag_text(f)}")
        if len(items) > MAX_FLAGS_PER_KIND:
            para(document, f"其余 {len(items) - MAX_FLAGS_PER_KIND} 条见《核查结果.xlsx》。")


def write_failures(document, docs: list[Doc], number: int) -> None:
    failed = [d for d in docs if d.get("status") != "ok"]
    heading(document, f"{cn_index(number)}、未能处理的文件", 1)
    if not failed:
        para(document, "本批次文件均已成功读取。")
        return
    para(document, f"以下 {len(failed)} 个文件未能读取，请报送单位重新提供可编辑或带文字层的文件：")
    for n, d in enumerate(failed, start=1):
        err = d.get("error") or {}
        para(document, f"{n}.《{d.get('file')}》：{labels.error_kind_label(err.get('kind'))}。{err.get('message', '')}")


def write_closing(document, today: date) -> None:
    para(document, "以上结果由程序根据报送材料和台账自动生成，数字以原始材料和台账为准，请逐条核实后使用。")
    para(document, "")
    para(document, "analyzer 自动生成", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False).paragraph_format.right_indent = Pt(64)
    para(document, cn_date(today), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False).paragraph_format.right_indent = Pt(64)


# ---------------------------------------------------------------------------
# 附件: one table per community
# ---------------------------------------------------------------------------

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def _community_table(document, c: Community) -> None:
    sources = c.sources[:MAX_SOURCES_PER_TABLE]
    header = ["指标", "台账"] + [CIRCLED[i] for i in range(len(sources))]
    rows, shaded = [], set()
    for metric in METRICS:
        if not c.has_figures(metric.code):
            continue
        led = c.ledger_figures.get(metric.code)
        row = [metric.header, led.display(metric) if led else "—"]
        if c.differs(metric.code, None):
            shaded.add((len(rows), 1))
        for i, s in enumerate(sources):
            figs = s.figures.get(metric.code) or []
            row.append("；".join(f.display(metric) for f in figs) or "—")
            if c.differs(metric.code, i):
                shaded.add((len(rows), 2 + i))
        rows.append(row)
    free = 156 - 42
    col = free / (1 + len(sources))
    table(document, header, rows, widths_mm=[42] + [col] * (1 + len(sources)), shaded=shaded)
    notes = "；".join(f"{CIRCLED[i]}{s.label}" for i, s in enumerate(sources))
    if len(c.sources) > len(sources):
        notes += f"；另有 {len(c.sources) - len(sources)} 篇报告见《核查结果.xlsx》“小区汇总”表"
    note(document, f"来源：{notes}。")
    for d in c.differences:
        note(document, f"差异：{d.message}。")


def write_appendix(document, items: list[Community]) -> None:
    reported = [c for c in items if c.sources]
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    para(document, "附件", style="Heading 1", indent=False)
    para(document, "各小区报告数据与台账对照表", style="Title")
    note(document, "说明：“台账”列为台账数字，①②③……列为各报告所述数字（来源见表下），红色底纹为不一致的数字。")
    if not reported:
        para(document, "本批次报告未涉及具体小区。")
    for n, c in enumerate(reported, start=1):
        where = []
        if c.ledger_row:
            where.append(f"台账第{c.ledger_row}行")
            place = "".join(filter(None, (c.ledger_text("county"), c.ledger_text("street"))))
            if place:
                where.append(place)
        else:
            where.append("台账中未找到")
        heading(document, f"{n}. {c.name}（{'，'.join(where)}）", 3)
        _community_table(document, c)
    missing = [c.name for c in items if c.ledger and not c.sources]
    if missing:
        para(document, f"台账中另有 {len(missing)} 个小区未在任何报告中出现：{'、'.join(missing)}。")


# ---------------------------------------------------------------------------
# Document
# ---------------------------------------------------------------------------


def build_summary(documents: list[Doc], summary: dict | None = None, *, batch_flags: list[dict] | None = None,
                  ledger_rows: list[dict] | None = None, today: date | None = None,
                  prepared: Prepared | None = None):
    """The summary as a python-docx Document (see the module docstring for its contents).
    ``prepared``: ``prepare(documents, batch_flags, ledger_rows)`` if the caller has it already."""
    today = today or date.today()
    if prepared is None:
        prepared = prepare(documents, batch_flags, ledger_rows)
    docs, flags, items = prepared.documents, prepared.flags, prepared.communities
    ov = overview(docs, flags, items)
    document = Document()
    setup_page(document)
    setup_styles(document)
    add_font_fallbacks(document)
    props = document.core_properties
    props.title, props.author, props.comments = "".join(TITLE), "analyzer", "由 analyzer 自动生成"
    write_title(document, today, ov.reports)
    write_overview(document, ov, items, 1)
    write_problems(document, docs, 2)
    write_flags(document, flags, 3)
    number = 4
    if ov.failed:
        write_failures(document, docs, number)
        number += 1
    write_closing(document, today)
    write_appendix(document, items)
    return document


def render_summary_docx(documents: list[Doc], summary: dict | None, path: str | Path, *,
                        batch_flags: list[dict] | None = None, ledger_rows: list[dict] | None = None,
                        prepared: Prepared | None = None) -> Path:
    """Write 问题汇总报告.docx to ``path`` (a temporary file first, then renamed) and return the path."""
    path = Path(path)
    document = build_summary(documents, summary, batch_flags=batch_flags, ledger_rows=ledger_rows, prepared=prepared)
    tmp = temp_path(path)
    document.save(tmp)
    return move_into_place(tmp, path)
