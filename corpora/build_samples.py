"""Build the bundled sample corpus (reports as .txt/.docx/.pdf and the ledger 台账.xlsx).

    python corpora/build_samples.py --out corpora/samples

The sources live in corpora/sources/samples/ (plain UTF-8 text, one paragraph per line, the first
line is the title; a block of consecutive lines starting with "|" is a table whose first row is the
header) and are listed in corpora/sources/samples/manifest.toml. The output directory is cleared and
rewritten on every run. Output bytes are reproducible: PDFs are written with ``invariant=1``, and
the zip containers of .docx/.xlsx get fixed timestamps and fixed document properties.

Only the project's virtualenv packages are used: reportlab, python-docx, openpyxl, opencc.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import shutil
import sys
import time
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources" / "samples"
FIXED_DT = dt.datetime(2024, 1, 15, 9, 0, 0)
ZIP_DT = (2024, 1, 15, 9, 0, 0)

# ---------------------------------------------------------------------------
# Source parsing
# ---------------------------------------------------------------------------

HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)])"
)


@dataclass
class Block:
    kind: str  # "title" | "subtitle" | "heading" | "para" | "sign" | "table"
    text: str = ""
    rows: list[list[str]] | None = None


def split_row(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and body.count("|") > 0 and not body.endswith("||") else body
    return [c.strip() for c in body.split("|")]


def parse_source(text: str) -> list[Block]:
    """Turn source text into blocks; decide title, subtitle, heading and signature lines."""
    lines = [ln.rstrip() for ln in text.splitlines()]
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        if not ln.strip():
            i += 1
            continue
        if ln.lstrip().startswith("|"):
            rows = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                rows.append(split_row(lines[i]))
                i += 1
            width = max(len(r) for r in rows)
            rows = [r + [""] * (width - len(r)) for r in rows]
            blocks.append(Block("table", rows=rows))
            continue
        blocks.append(Block("para", ln.strip()))
        i += 1
    if blocks and blocks[0].kind == "para":
        blocks[0].kind = "title"
    # Short lines right under the title (issuing unit, date in brackets) are subtitles.
    for b in blocks[1:4]:
        if b.kind != "para":
            break
        if (len(b.text) <= 32 and not re.search(r"[。：:；]$", b.text) and "。" not in b.text
                and not HEADING.match(b.text)):
            b.kind = "subtitle"
        else:
            break
    # Trailing short lines without final punctuation form the signature (unit, date).
    for b in reversed(blocks):
        if b.kind != "para":
            break
        if len(b.text) <= 30 and not re.search(r"[。：:；！]$", b.text) and not HEADING.match(b.text):
            b.kind = "sign"
        else:
            break
    for b in blocks:
        if b.kind == "para" and HEADING.match(b.text):
            b.kind = "heading"
    return blocks


def heading_split(text: str) -> tuple[str, str]:
    """A heading that runs on into body text: bold part up to the first 。, the rest plain."""
    m = re.search(r"。", text)
    if m and m.end() < len(text):
        return text[: m.end()], text[m.end():]
    return text, ""


# ---------------------------------------------------------------------------
# txt
# ---------------------------------------------------------------------------


def render_txt(blocks: list[Block]) -> str:
    out = []
    for b in blocks:
        if b.kind == "table":
            out.extend("\t".join(r) for r in b.rows)
        else:
            out.append(b.text)
    return "\n".join(out) + "\n"


def write_txt(path: Path, text: str, encoding: str, newline: str) -> None:
    if newline == "crlf":
        text = text.replace("\n", "\r\n")
    path.write_bytes(text.encode(encoding, errors="strict"))


# ---------------------------------------------------------------------------
# zip normalisation (docx, xlsx)
# ---------------------------------------------------------------------------


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip container with fixed timestamps and a stable member order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DT)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return buf.getvalue()


# ---------------------------------------------------------------------------
# docx
# ---------------------------------------------------------------------------


def write_docx(path: Path, blocks: list[Block], entry: dict) -> None:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()

    def east_asian(run_or_style, font="宋体"):
        rpr = run_or_style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        rfonts.set(qn("w:eastAsia"), font)

    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(14)
    east_asian(normal, "仿宋")

    section = doc.sections[0]
    if entry.get("header"):
        hp = section.header.paragraphs[0]
        hp.text = entry["header"]
        hp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if entry.get("footer"):
        fp = section.footer.paragraphs[0]
        fp.text = entry["footer"]
        fp.alignment = WD_ALIGN_PARAGRAPH.CENTER

    for b in blocks:
        if b.kind == "table":
            rows = b.rows
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for r, row in enumerate(rows):
                for c, val in enumerate(row):
                    cell = table.cell(r, c)
                    cell.text = ""
                    run = cell.paragraphs[0].add_run(val)
                    run.font.size = Pt(10.5)
                    if r == 0 or row[0] in ("合计", "总计"):
                        run.bold = True
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            continue
        p = doc.add_paragraph()
        if b.kind == "title":
            run = p.add_run(b.text)
            run.bold = True
            run.font.size = Pt(20)
            east_asian(run, "黑体")
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif b.kind == "subtitle":
            p.add_run(b.text)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif b.kind == "sign":
            p.add_run(b.text)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif b.kind == "heading":
            head, rest = heading_split(b.text)
            run = p.add_run(head)
            run.bold = True
            east_asian(run, "黑体" if b.text[0] in "一二三四五六七八九十" else "楷体")
            if rest:
                p.add_run(rest)
            p.paragraph_format.first_line_indent = Pt(28)
        else:
            p.add_run(b.text)
            if not b.text.endswith("："):
                p.paragraph_format.first_line_indent = Pt(28)

    cp = doc.core_properties
    cp.title = blocks[0].text if blocks else ""
    cp.author = entry.get("header") or "云河市住房和城乡建设局"
    cp.last_modified_by = cp.author
    cp.created = FIXED_DT
    cp.modified = FIXED_DT
    cp.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    path.write_bytes(normalize_zip(buf.getvalue()))


# ---------------------------------------------------------------------------
# pdf
# ---------------------------------------------------------------------------

_PDF_READY = False


def _pdf_setup():
    global _PDF_READY
    if _PDF_READY:
        return
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping("STSong-Light", bold, italic, "STSong-Light")
    _PDF_READY = True


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_pdf(path: Path, blocks: list[Block], entry: dict) -> None:
    _pdf_setup()
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    body = ParagraphStyle("body", fontName=font, fontSize=11.5, leading=20, firstLineIndent=23,
                          wordWrap="CJK", alignment=TA_JUSTIFY, spaceAfter=2)
    flush = ParagraphStyle("flush", parent=body, firstLineIndent=0)
    title = ParagraphStyle("title", parent=body, fontSize=17, leading=26, alignment=TA_CENTER,
                           firstLineIndent=0, spaceAfter=8)
    subtitle = ParagraphStyle("subtitle", parent=body, alignment=TA_CENTER, firstLineIndent=0)
    heading = ParagraphStyle("heading", parent=body, fontSize=12.5, leading=21, spaceBefore=4)
    sign = ParagraphStyle("sign", parent=body, alignment=TA_RIGHT, firstLineIndent=0)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12, wordWrap="CJK",
                          alignment=TA_CENTER)

    width = A4[0] - 50 * mm

    def flowables():
        out = []
        for b in blocks:
            if b.kind == "table":
                rows = b.rows
                ncol = len(rows[0])
                # Natural column width: widest body cell on one line; a header may wrap to two.
                pad = 14  # Table's default left+right cell padding is 12
                natural = []
                for c in range(ncol):
                    body_w = max([stringWidth(r[c], font, 9) for r in rows[1:]] or [0])
                    head_w = stringWidth(rows[0][c], font, 9)
                    head_min = head_w if len(rows[0][c]) <= 4 else head_w / 2
                    natural.append(max(body_w, head_min, 18) + pad)
                if sum(natural) > width:  # shrink the widest columns first
                    excess = sum(natural) - width
                    while excess > 0.5:
                        widest = max(natural)
                        idx = [i for i, w in enumerate(natural) if w >= widest - 0.01]
                        second = max([w for w in natural if w < widest - 0.01] or [0])
                        step = min(widest - second, excess / len(idx))
                        for i in idx:
                            natural[i] -= step
                        excess -= step * len(idx)
                col_w = natural
                data = [[Paragraph(_esc(v), cell) for v in r] for r in rows]
                t = Table(data, colWidths=col_w, repeatRows=1, hAlign="CENTER")
                t.setStyle(TableStyle([
                    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]))
                out += [Spacer(1, 4), t, Spacer(1, 6)]
                continue
            style = {"title": title, "subtitle": subtitle, "sign": sign, "heading": heading}.get(b.kind, body)
            if b.kind == "para" and (b.text.endswith("：") or b.text.startswith("单位：")):
                style = flush
            out.append(Paragraph(_esc(b.text), style))
        return out

    mode = entry.get("page_footer", "dash")

    def build(total_pages: int | None) -> tuple[bytes, int]:
        buf = io.BytesIO()
        doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm,
                                topMargin=25 * mm, bottomMargin=25 * mm, invariant=1,
                                title=blocks[0].text if blocks else "", author="", subject="",
                                creator="corpora/build_samples.py", producer="ReportLab")
        pages = [0]

        def on_page(canvas, doc_):
            pages[0] = doc_.page
            canvas.saveState()
            canvas.setFont(font, 10)
            n = doc_.page
            if mode == "page_of":
                label = f"第{n}页 共{total_pages or 0}页"
            else:
                label = f"- {n} -"
            canvas.drawCentredString(A4[0] / 2, 14 * mm, label)
            canvas.restoreState()

        doc.build(flowables(), onFirstPage=on_page, onLaterPages=on_page)
        return buf.getvalue(), pages[0]

    data, n = build(None)
    if mode == "page_of":
        data, n2 = build(n)
        assert n2 == n
    path.write_bytes(data)


# ---------------------------------------------------------------------------
# ledger (xlsx)
# ---------------------------------------------------------------------------

NUM = re.compile(r"^-?\d+(?:\.\d+)?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NUMERIC_COLS = ["楼栋数", "户数", "建筑面积", "总投资", "中央补助", "地方财政", "居民出资", "社会资本"]
DATE_COLS = ["计划开工时间", "计划完工时间"]


def _cell_value(col: str, raw: str):
    raw = raw.strip()
    if raw == "":
        return None
    if col in DATE_COLS and ISO_DATE.match(raw):
        return dt.datetime.strptime(raw, "%Y-%m-%d")
    if (col in NUMERIC_COLS or col in ("序号", "建成年份")) and NUM.match(raw):
        return int(raw) if "." not in raw else float(raw)
    return raw


def _num(raw: str) -> float:
    m = re.search(r"-?\d+(?:\.\d+)?", raw or "")
    return float(m.group()) if m else 0.0


def write_ledger(path: Path, spec: dict) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    with open(SOURCES / spec["source"], encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cols = list(rows[0].keys())
    ncol = len(cols)  # 17: A..Q

    wb = Workbook()
    ws = wb.active
    ws.title = "改造项目台账"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    last = get_column_letter(ncol)

    ws["A1"] = spec["attachment"]
    ws["A1"].font = Font(name="黑体", size=12)
    ws["A2"] = spec["title"]
    ws.merge_cells(f"A2:{last}2")
    ws["A2"].font = Font(name="方正小标宋简体", size=18, bold=True)
    ws["A2"].alignment = center
    ws["A3"] = f"{spec['filler']}        {spec['fill_date']}        {spec['units']}"
    ws.merge_cells(f"A3:{last}3")

    # Two-row header: single columns merged vertically, grouped columns under a parent.
    top = ["序号", "区县", "街道", "小区名称", "建成年份", "建设规模", None, None, "总投资",
           "资金来源", None, None, None, "计划开工时间", "计划完工时间", "进展情况", "备注"]
    sub = [None, None, None, None, None, "楼栋数", "户数", "建筑面积", None,
           "中央补助", "地方财政", "居民出资", "社会资本", None, None, None, None]
    for c in range(1, ncol + 1):
        t, s = top[c - 1], sub[c - 1]
        if t is not None:
            ws.cell(4, c, t)
        if s is not None:
            ws.cell(5, c, s)
        elif t is not None:  # a single column: merged over both header rows
            ws.merge_cells(start_row=4, start_column=c, end_row=5, end_column=c)
    ws.merge_cells("F4:H4")  # 建设规模 over 楼栋数 | 户数 | 建筑面积
    ws.merge_cells("J4:M4")  # 资金来源 over 中央补助 | 地方财政 | 居民出资 | 社会资本
    numbers = ["甲", "乙", "丙", "丁"] + [str(i) for i in range(1, ncol - 3)]
    for c, v in enumerate(numbers, 1):
        ws.cell(6, c, v)

    # 合计 row first.
    sums = {c: sum(_num(r[c]) for r in rows) for c in NUMERIC_COLS}
    total_row = 7
    ws.cell(total_row, 1, "合计")
    ws.merge_cells(start_row=total_row, start_column=1, end_row=total_row, end_column=3)
    ws.cell(total_row, 4, f"共{len(rows)}个小区")
    ws.cell(total_row, 5, "—")
    for name in NUMERIC_COLS:
        c = cols.index(name) + 1
        v = round(sums[name], 2)
        ws.cell(total_row, c, int(v) if v == int(v) and name in ("楼栋数", "户数") else v)
    done = sum(1 for r in rows if r["进展情况"] == "已完工")
    ws.cell(total_row, cols.index("进展情况") + 1, f"已完工{done}个")

    for i, r in enumerate(rows):
        for c, name in enumerate(cols, 1):
            v = _cell_value(name, r[name])
            cellv = ws.cell(total_row + 1 + i, c, v)
            if isinstance(v, dt.datetime):
                cellv.number_format = "yyyy-mm-dd"
            elif isinstance(v, float):
                cellv.number_format = "0.00"
    last_data = total_row + len(rows)

    for row in ws.iter_rows(min_row=4, max_row=last_data, max_col=ncol):
        for cl in row:
            cl.border = border
            cl.alignment = center
    for r in (4, 5, 6, total_row):
        for c in range(1, ncol + 1):
            ws.cell(r, c).font = Font(bold=True)

    ws.cell(last_data + 2, 1, spec["footer"])
    ws.merge_cells(start_row=last_data + 2, start_column=1, end_row=last_data + 2, end_column=ncol)
    ws.cell(last_data + 3, 1, spec["note"])
    ws.merge_cells(start_row=last_data + 3, start_column=1, end_row=last_data + 3, end_column=ncol)

    widths = [6, 9, 11, 16, 11, 8, 8, 10, 10, 9, 9, 9, 9, 13, 13, 10, 24]
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = "E7"

    wb.properties.creator = "云河市住房和城乡建设局"
    wb.properties.lastModifiedBy = "云河市住房和城乡建设局"
    wb.properties.title = spec["title"]
    wb.properties.created = FIXED_DT
    wb.properties.modified = FIXED_DT
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    path.write_bytes(normalize_zip(buf.getvalue()))


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------


def build(out: Path) -> list[Path]:
    manifest = tomllib.loads((SOURCES / "manifest.toml").read_text(encoding="utf-8"))
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written = []
    converter = None
    for entry in manifest["sample"]:
        text = (SOURCES / entry["source"]).read_text(encoding="utf-8")
        if entry.get("traditional"):
            if converter is None:
                from opencc import OpenCC

                converter = OpenCC("s2t")
            text = converter.convert(text)
        blocks = parse_source(text)
        target = out / entry["output"]
        fmt = entry["format"]
        if fmt == "txt":
            write_txt(target, render_txt(blocks), entry.get("encoding", "utf-8"), entry.get("newline", "lf"))
        elif fmt == "docx":
            write_docx(target, blocks, entry)
        elif fmt == "pdf":
            write_pdf(target, blocks, entry)
        else:
            raise ValueError(f"{entry['source']}: unknown format {fmt!r}")
        written.append(target)
    ledger = manifest.get("ledger")
    if ledger:
        target = out / ledger["output"]
        write_ledger(target, ledger)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build the sample reports and ledger from corpora/sources/samples.")
    ap.add_argument("--out", default=str(HERE / "samples"), help="output directory (cleared first)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    written = build(Path(args.out))
    for p in written:
        print(f"{p.stat().st_size:>9}  {p.name}")
    print(f"built {len(written)} files in {time.perf_counter() - t0:.1f} s → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
