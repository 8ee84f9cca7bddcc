"""Generators of real input files (.pdf, .docx, .txt and broken ones) for tests, samples and benchmarks.

Every function writes one file and returns its path as a ``pathlib.Path``. Output is reproducible:
PDFs are written with ``invariant=1`` (no timestamps or random ids) and random content comes from
``random.Random(seed)``. Only libraries of the project's virtualenv are used (reportlab, python-docx,
Pillow via reportlab) and only fonts built into reportlab, so the files look the same on every machine.

PDF text uses reportlab's built-in CJK font ``STSong-Light`` (a non-embedded Adobe CID font with the
``UniGB-UCS2-H`` encoding). ``mixed_fonts=True`` draws ASCII runs and curly quotes in ``Times-Roman`` the
way Word does ("Western" font for Latin text and quotes), ``char_space`` adds extra spacing between
characters the way justified or distributed lines come out of Word and WPS.

Scanned pages (``make_scanned_pdf``) and fonts without a Unicode map (``make_pdf_without_tounicode``) need
a CJK TrueType font of the system (``cjk_font_file``; scripts/setup_ocr.sh installs fonts-wqy-microhei).
Legacy Word files (``make_doc``) are written here byte by byte: an OLE2 compound file holding a Word 97
``WordDocument`` stream (FIB + UTF-16 text) and a ``1Table`` stream with its piece table, which is what
antiword and Word read; no office suite is needed to make one.

Examples::

    make_pdf(p, [["一、基本情况", "住宅面积约15.82万平方米。"], ["第二页"]])
    make_pdf(p, [["表1 改造项目", [["小区", "户数"], ["金亭花苑", "2350"]], "表后正文。"]])
    make_docx(p, ["第一段", [["小区", "户数"], ["金亭花苑", "2350"]], "第二段"], header="页眉")
    make_txt(p, "第一行\\n第二行", encoding="gbk")
"""

from __future__ import annotations

import os
import random
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

__all__ = [
    "CJK_FONT",
    "DocxTable",
    "cjk_font_file",
    "make_billion_laughs_docx",
    "make_doc",
    "make_docx",
    "make_docx_with_external_entity",
    "make_encrypted_pdf",
    "make_image_pdf",
    "make_pdf",
    "make_pdf_bomb",
    "make_pdf_objstm_bomb",
    "make_pdf_without_tounicode",
    "make_scanned_pdf",
    "make_xlsx",
    "make_report_docx",
    "make_report_pdf",
    "make_report_txt",
    "make_txt",
    "make_zip_bomb_docx",
    "report_pages",
    "report_paragraphs",
    "wrap_text",
]

CJK_FONT = "STSong-Light"
LATIN_FONT = "Times-Roman"

PathLike = Union[str, os.PathLike]
Rows = Sequence[Sequence[str]]
# A PDF page is a list of items: a str is one text line, a list of rows is a ruled table.
PdfItem = Union[str, Rows]

_WESTERN_RUN = re.compile(r"[\x20-\x7e“”‘’]+")


# ---------------------------------------------------------------------------
# Content
# ---------------------------------------------------------------------------

_COMMUNITIES = ["金桂花园", "东风里", "纺织厂宿舍", "向阳小区", "建设路社区", "育才苑", "银杏小区",
                "机械厂家属院", "北关新村", "滨河花苑", "新华里", "粮食局宿舍"]
_SENTENCES = [
    "{c}建于{year}年，共有住宅楼{b}栋{h}户，建筑面积约{area}万平方米。",
    "今年计划改造老旧小区{n}个，涉及居民{h2:,}户，总投资{inv:,.2f}万元，其中中央补助资金{sub:,.2f}万元。",
    "截至{month}月底，已开工{n2}个，开工率{pct}%，完成投资{done}万元。",
    "围绕“{slogan}”的目标，坚持“先民生后提升”，把群众最关心的水、电、气、路放在首位。",
    "改造前小区存在屋面渗漏、雨污混流、架空线缆杂乱、停车位不足等问题，居民反映强烈。",
    "部分小区居民意见不统一，出资意愿不强，工程进度滞后于计划。",
    "{c}改造内容包括外墙保温、屋面防水、管网更新和加装电梯{e}部，惠及{h}户。",
    "下一步，我们将加快施工进度，确保{year2}年12月30日前全部完工并通过竣工验收。",
    "专营单位配合不够，燃气、通信管线迁改审批周期长，影响了整体推进。",
    "区财政安排配套资金{inv2:,.2f}万元，居民自筹{self}万元，社会资本投入{soc}万元。",
]
_SLOGANS = ["以绿荫城", "以水润城", "以文化城", "以业兴城", "美好环境与幸福生活共同缔造"]


def report_paragraphs(n: int, seed: int = 0) -> list[str]:
    """Return ``n`` reproducible report-style paragraphs (2–4 sentences each) with figures.

    The figures cover the forms the reader must keep intact: ``15.82``, ``2,013.19``, ``67.5%``,
    dates and curly quotes.
    """
    rnd = random.Random(seed)
    paragraphs = []
    for _ in range(n):
        sentences = []
        for _ in range(rnd.randint(2, 4)):
            template = rnd.choice(_SENTENCES)
            sentences.append(template.format(
                c=rnd.choice(_COMMUNITIES), year=rnd.randint(1980, 2000), b=rnd.randint(3, 60),
                h=rnd.randint(80, 2600), area=f"{rnd.uniform(0.5, 20):.2f}", n=rnd.randint(5, 90),
                h2=rnd.randint(1000, 30000), inv=rnd.uniform(500, 90000), sub=rnd.uniform(100, 9000),
                month=rnd.randint(1, 12), n2=rnd.randint(1, 50), pct=f"{rnd.uniform(10, 100):.1f}",
                done=rnd.randint(100, 9999), slogan=rnd.choice(_SLOGANS), e=rnd.randint(1, 30),
                year2=rnd.randint(2021, 2025), inv2=rnd.uniform(100, 5000), self=rnd.randint(10, 900),
                soc=rnd.randint(10, 900)))
        paragraphs.append("".join(sentences))
    return paragraphs


def wrap_text(text: str, width: float, font_size: float = 12, *, indent: int = 2) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points (first line indented by ``indent`` chars).

    Widths are measured with the reportlab metrics of the fonts ``make_pdf`` uses.
    """
    from reportlab.pdfbase import pdfmetrics

    _register_fonts()
    lines, line, used = [], "", indent * font_size
    for ch in text:
        w = pdfmetrics.stringWidth(ch, _font_for(ch), font_size)
        if line and used + w > width:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += w
    if line:
        lines.append(line)
    if lines and indent:
        lines[0] = "\u3000" * indent + lines[0]
    return lines


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------

_fonts_registered = False


def _register_fonts() -> None:
    global _fonts_registered
    if not _fonts_registered:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        _fonts_registered = True


def _font_for(ch: str) -> str:
    return LATIN_FONT if _WESTERN_RUN.fullmatch(ch) else CJK_FONT


EMBEDDED_CJK_FONT = "CJK-Embedded"


def _embedded_font() -> str:
    """Register the machine's CJK TrueType font (``cjk_font_file``) for embedding, as Word and WPS
    embed a subset of 仿宋/宋体 when they export a PDF; returns its reportlab name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if EMBEDDED_CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        font = cjk_font_file()
        if font is None:
            raise RuntimeError("no CJK TrueType font on this machine (scripts/setup_ocr.sh installs one)")
        pdfmetrics.registerFont(TTFont(EMBEDDED_CJK_FONT, str(font), subfontIndex=0))
    return EMBEDDED_CJK_FONT


def _runs(text: str, mixed_fonts: bool, cjk: str = CJK_FONT) -> Iterator[tuple[str, str]]:
    """Split ``text`` into (run, font) pairs; one CJK run unless ``mixed_fonts``."""
    if not mixed_fonts:
        yield text, cjk
        return
    pos = 0
    for m in _WESTERN_RUN.finditer(text):
        if m.start() > pos:
            yield text[pos:m.start()], cjk
        yield m.group(), LATIN_FONT
        pos = m.end()
    if pos < len(text):
        yield text[pos:], cjk


def _draw_line(c, x: float, y: float, text: str, size: float, mixed_fonts: bool, char_space: float,
               bold_offset: float = 0.0, cjk: str = CJK_FONT) -> None:
    from reportlab.pdfbase import pdfmetrics

    if bold_offset:  # fake bold: the same glyphs drawn a second time, slightly to the right
        _draw_line(c, x + bold_offset, y, text, size, mixed_fonts, char_space, cjk=cjk)
    for run, font in _runs(text, mixed_fonts, cjk):
        t = c.beginText(x, y)
        t.setFont(font, size)
        if char_space:
            t.setCharSpace(char_space)
        t.textOut(run)
        c.drawText(t)
        x += pdfmetrics.stringWidth(run, font, size) + char_space * len(run)


def _draw_table(c, x: float, y_top: float, rows: Rows, size: float, cjk: str = CJK_FONT) -> float:
    """Draw ``rows`` as a ruled grid whose top edge is at ``y_top``; return its height."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table([list(r) for r in rows])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), cjk, size),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    _, height = table.wrapOn(c, 450, 700)
    table.drawOn(c, x, y_top - height)
    return height


def make_pdf(path: PathLike, pages: Sequence[Sequence[PdfItem]], *, font_size: float = 12,
             mixed_fonts: bool = False, char_space: float = 0.0, bold_offset: float = 0.0,
             footer: str | None = None, header: str | None = None, encrypt=None,
             rotation: int = 0, embed_font: bool = False) -> Path:
    """Write an A4 PDF with one text line per ``str`` item and a ruled table per list-of-rows item.

    pages: one list of items per page; items are drawn top-down from the top margin.
    mixed_fonts: draw ASCII and curly quotes in Times-Roman (as Word does) instead of STSong-Light.
    char_space: extra points between characters (justified/distributed lines).
    bold_offset: draw every line twice, the copy shifted right by this many points (fake bold).
    header/footer: a line drawn in the top/bottom margin of every page; ``{page}`` and ``{pages}``
    are replaced by the page number and count (e.g. ``"第{page}页 共{pages}页"``).
    encrypt: a user password (the file then cannot be opened without it), or a reportlab
    ``pdfencrypt.StandardEncryption`` (e.g. an owner password only, with copying forbidden).
    rotation: the pages' /Rotate (90, 180, 270): content drawn upright, displayed turned.
    embed_font: draw CJK text in the machine's TrueType CJK font, embedded as a subset (as Word/WPS
    exports do) instead of the non-embedded STSong-Light.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    _register_fonts()
    cjk = _embedded_font() if embed_font else CJK_FONT
    path = Path(path)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, encrypt=encrypt)
    width, height = A4
    leading = font_size * 1.6
    total = len(pages)
    for number, items in enumerate(pages, start=1):
        if rotation:
            c.setPageRotation(rotation)
        if header:
            c.setFont(cjk, 9)
            c.drawCentredString(width / 2, height - 40, header.format(page=number, pages=total))
        y = height - 80
        for item in items:
            if isinstance(item, str):
                _draw_line(c, 72, y, item, font_size, mixed_fonts, char_space, bold_offset, cjk)
                y -= leading
            else:
                y -= _draw_table(c, 72, y + font_size, item, font_size, cjk) + leading * 0.5
        if footer:
            c.setFont(cjk, 9)
            c.drawCentredString(width / 2, 40, footer.format(page=number, pages=total))
        c.showPage()
    c.save()
    return path


def make_encrypted_pdf(path: PathLike, lines: Sequence[str] = ("受密码保护的汇报材料",),
                       password: str = "secret") -> Path:
    """Write a one-page PDF that needs the user password ``password`` to open."""
    return make_pdf(path, [list(lines)], encrypt=password)


def make_image_pdf(path: PathLike, n_pages: int = 1, *, seed: int = 0) -> Path:
    """Write a PDF whose pages are only a picture (like a scan): no text layer at all."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    rnd = random.Random(seed)
    path = Path(path)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for _ in range(n_pages):
        img = Image.new("L", (120, 170), 255)
        draw = ImageDraw.Draw(img)
        for row in range(10, 160, 8):  # grey bars that look like lines of text
            draw.rectangle([10, row, 10 + rnd.randint(40, 100), row + 3], fill=60)
        c.drawImage(ImageReader(img), 0, 0, width=A4[0], height=A4[1])
        c.showPage()
    c.save()
    return path


def report_pages(n_pages: int = 10, *, seed: int = 0, table_every: int = 0,
                 font_size: float = 12) -> list[list[PdfItem]]:
    """The pages ``make_report_pdf`` draws (its ground truth): wrapped report paragraphs, 36 lines a
    page, and every ``table_every`` pages (0 = never) a ruled table of communities at the top."""
    rnd = random.Random(seed)
    lines_per_page = 36
    paragraphs = iter(report_paragraphs(n_pages * 20, seed))
    pending: list[str] = []
    pages: list[list[PdfItem]] = []
    for number in range(1, n_pages + 1):
        items: list[PdfItem] = []
        budget = lines_per_page
        if table_every and number % table_every == 0:
            rows = [["小区名称", "户数", "面积（万平方米）", "投资（万元）"]]
            for _ in range(6):
                rows.append([rnd.choice(_COMMUNITIES), str(rnd.randint(80, 2600)),
                             f"{rnd.uniform(0.5, 20):.2f}", f"{rnd.uniform(50, 9000):,.2f}"])
            items.append(rows)
            budget -= 12
        while budget > 0:
            if not pending:
                pending = wrap_text(next(paragraphs), 450, font_size)
            items.append(pending.pop(0))
            budget -= 1
        pages.append(items)
    return pages


def make_report_pdf(path: PathLike, n_pages: int = 10, *, seed: int = 0, table_every: int = 0,
                    **style) -> Path:
    """Write a realistic ``n_pages`` report (see ``report_pages``) with a ``- N -`` page-number
    footer. ``style`` goes to ``make_pdf`` (font_size, mixed_fonts, char_space …)."""
    pages = report_pages(n_pages, seed=seed, table_every=table_every,
                         font_size=style.get("font_size", 12))
    return make_pdf(path, pages, footer="- {page} -", **style)


# ---------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------

@dataclass
class DocxTable:
    """A table for ``make_docx``.

    rows: cell texts; a cell absorbed by a merge should be "".
    merges: (row0, col0, row1, col1) rectangles to merge (python-docx ``Cell.merge``).
    nested: {(row, col): rows} a table nested inside that cell (below its text).
    """

    rows: Rows
    merges: Sequence[tuple[int, int, int, int]] = ()
    nested: dict[tuple[int, int], Rows] = field(default_factory=dict)


DocxItem = Union[str, Rows, DocxTable]

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _fill_table(table, spec: DocxTable) -> None:
    for r, row in enumerate(spec.rows):
        for col, text in enumerate(row):
            table.cell(r, col).text = text
    for r0, c0, r1, c1 in spec.merges:
        table.cell(r0, c0).merge(table.cell(r1, c1))
    for (r, col), rows in spec.nested.items():
        cell = table.cell(r, col)
        inner = cell.add_table(rows=len(rows), cols=max(len(x) for x in rows))
        _fill_table(inner, DocxTable(rows))


def _textbox_run_xml(text: str) -> str:
    """A run holding a floating text box the way Word 2010+ saves it: a DrawingML shape (mc:Choice)
    plus a VML fallback (mc:Fallback), each with its own copy of the text."""
    from xml.sax.saxutils import escape

    t = escape(text)
    return f"""
<w:r xmlns:w="{_W}"
     xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
     xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
     xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
     xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
     xmlns:v="urn:schemas-microsoft-com:vml">
  <mc:AlternateContent>
    <mc:Choice Requires="wps">
      <w:drawing>
        <wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="1"
                   behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">
          <wp:simplePos x="0" y="0"/>
          <wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>
          <wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>
          <wp:extent cx="2000000" cy="500000"/>
          <wp:effectExtent l="0" t="0" r="0" b="0"/>
          <wp:wrapSquare wrapText="bothSides"/>
          <wp:docPr id="100" name="TextBox 1"/>
          <wp:cNvGraphicFramePr/>
          <a:graphic>
            <a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
              <wps:wsp>
                <wps:cNvSpPr txBox="1"/>
                <wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2000000" cy="500000"/></a:xfrm>
                  <a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr>
                <wps:txbx><w:txbxContent><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:txbxContent></wps:txbx>
                <wps:bodyPr/>
              </wps:wsp>
            </a:graphicData>
          </a:graphic>
        </wp:anchor>
      </w:drawing>
    </mc:Choice>
    <mc:Fallback>
      <w:pict>
        <v:shape style="width:160pt;height:40pt">
          <v:textbox><w:txbxContent><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:txbxContent></v:textbox>
        </v:shape>
      </w:pict>
    </mc:Fallback>
  </mc:AlternateContent>
</w:r>"""


def make_docx(path: PathLike, body: Sequence[DocxItem], *, header: str | None = None,
              footer: str | None = None, textbox: str | None = None,
              textbox_host: str = "本段落锚定了一个文本框。", sections: int = 1) -> Path:
    """Write a .docx whose body holds ``body`` in order.

    body items: a ``str`` is a paragraph; a list of rows or a ``DocxTable`` is a table.
    header/footer: text of the (first section's) default header/footer.
    textbox: text of a floating text box anchored in an extra paragraph ``textbox_host`` appended
    after the body (saved with both DrawingML and VML copies, as Word does).
    sections: n > 1 adds n - 1 section breaks (each followed by a paragraph); every section gets its
    own header/footer part with the same text, as Word writes after "link to previous" is switched off.
    """
    from docx import Document as make_document
    from docx.enum.section import WD_SECTION
    from docx.oxml import parse_xml

    doc = make_document()
    for item in body:
        if isinstance(item, str):
            doc.add_paragraph(item)
            continue
        spec = item if isinstance(item, DocxTable) else DocxTable(item)
        table = doc.add_table(rows=len(spec.rows), cols=max(len(r) for r in spec.rows))
        table.style = "Table Grid"
        _fill_table(table, spec)
    if textbox is not None:
        paragraph = doc.add_paragraph(textbox_host)
        paragraph._p.append(parse_xml(_textbox_run_xml(textbox)))
    for _ in range(sections - 1):
        doc.add_section(WD_SECTION.NEW_PAGE)
        doc.add_paragraph("新节正文。")
    for section in doc.sections:
        if header is not None:
            section.header.is_linked_to_previous = False
            section.header.paragraphs[0].text = header
        if footer is not None:
            section.footer.is_linked_to_previous = False
            section.footer.paragraphs[0].text = footer
    path = Path(path)
    doc.save(str(path))
    return path


def make_report_docx(path: PathLike, n_paragraphs: int = 40, *, seed: int = 0) -> Path:
    """Write a realistic report .docx: headings, paragraphs, one table, a header and a footer."""
    rnd = random.Random(seed)
    paragraphs = report_paragraphs(n_paragraphs, seed)
    rows = [["小区名称", "户数", "面积（万平方米）"]] + [
        [rnd.choice(_COMMUNITIES), str(rnd.randint(80, 2600)), f"{rnd.uniform(0.5, 20):.2f}"]
        for _ in range(5)]
    half = n_paragraphs // 2
    body: list[DocxItem] = ["关于老旧小区改造工作进展情况的汇报", "一、基本情况", *paragraphs[:half],
                            rows, "二、存在的问题", *paragraphs[half:]]
    return make_docx(path, body, header="某区住房和城乡建设局", footer="内部资料")


def _rewrite_zip_member(path: Path, member: str, transform) -> None:
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            zout.writestr(info.filename, transform(data) if info.filename == member else data)


def make_docx_with_external_entity(path: PathLike, target: PathLike, visible: str = "正文段落") -> Path:
    """Write a .docx whose document.xml declares an external entity pointing at the local file
    ``target`` and uses it inside the paragraph ``visible``, after its first character (an XXE
    probe: a safe reader returns ``visible`` unchanged and none of ``target``'s content)."""
    path = make_docx(path, [visible])
    uri = Path(target).resolve().as_uri()

    def inject(xml: bytes) -> bytes:
        text = xml.decode("utf-8")
        decl_end = text.index("?>") + 2 if text.startswith("<?xml") else 0
        doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{uri}">]>'
        text = text[:decl_end] + doctype + text[decl_end:]
        probe = f"<w:t>{visible[:1]}&xxe;{visible[1:]}</w:t>"  # the entity inside the visible text
        text = text.replace(f"<w:t>{visible}</w:t>", probe, 1)
        return text.encode("utf-8")

    _rewrite_zip_member(path, "word/document.xml", inject)
    return path


def make_zip_bomb_docx(path: PathLike, inflated_mb: int = 400) -> Path:
    """Write a small .docx-looking zip with a member that inflates to ``inflated_mb`` MB of zeros.

    The member is streamed in 1 MB chunks at compression level 1, so writing 400 MB takes about a
    second and the file on disk is well under 1 MB.
    """
    path = make_docx(path, ["正常的正文"])
    with zipfile.ZipFile(path) as zin:
        members = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for name, data in members:
            zout.writestr(name, data)
        info = zipfile.ZipInfo("word/media/image1.bin")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zout.open(info, "w", force_zip64=True) as member:
            for _ in range(inflated_mb):
                member.write(chunk)
    return path


# ---------------------------------------------------------------------------
# TXT
# ---------------------------------------------------------------------------

def make_txt(path: PathLike, text: str, encoding: str = "utf-8", *, newline: str = "\n") -> Path:
    """Write ``text`` in ``encoding`` ("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16" (with BOM),
    "utf-16-le"/"utf-16-be" (no BOM) …) with ``newline`` as the line separator."""
    path = Path(path)
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def make_report_txt(path: PathLike, n_paragraphs: int = 40, *, seed: int = 0,
                    encoding: str = "utf-8") -> Path:
    """Write a realistic report as plain text, one paragraph per line."""
    text = "\n".join(["关于老旧小区改造工作进展情况的汇报", "", *report_paragraphs(n_paragraphs, seed)])
    return make_txt(path, text + "\n", encoding)


# ---------------------------------------------------------------------------
# Scans, fonts without a Unicode map, bombs
# ---------------------------------------------------------------------------

_CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


def cjk_font_file() -> Path | None:
    """A TrueType/OpenType font file of this machine that has Chinese glyphs, or None."""
    for name in _CJK_FONT_FILES:
        if Path(name).exists():
            return Path(name)
    try:
        import subprocess

        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        name = line.split(":")[0].strip()
        if name.lower().endswith((".ttf", ".ttc", ".otf")) and Path(name).exists():
            return Path(name)
    return None


def _seal(size: int, text: str, colour: tuple[int, int, int]):
    """A round official seal (单位盖章) as an RGB picture on white: ring, star and text along the ring."""
    import math

    from PIL import Image, ImageDraw, ImageFont

    seal = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(seal)
    r = size // 2 - 2
    c = size // 2
    draw.ellipse([c - r, c - r, c + r, c + r], outline=colour, width=max(3, size // 40))
    star = [(c + 0.3 * r * math.sin(math.radians(k * 144)), c - 0.3 * r * math.cos(math.radians(k * 144)))
            for k in range(5)]
    draw.polygon(star, fill=colour)
    font = ImageFont.truetype(str(cjk_font_file()), max(8, size // 7))
    for i, ch in enumerate(text):
        angle = math.radians(-140 + i * 280 / max(len(text) - 1, 1))
        glyph = Image.new("L", (size // 5, size // 5), 0)
        ImageDraw.Draw(glyph).text((0, 0), ch, font=font, fill=255)
        glyph = glyph.rotate(-math.degrees(angle), expand=True)
        x = c + 0.72 * r * math.sin(angle) - glyph.width / 2
        y = c - 0.72 * r * math.cos(angle) - glyph.height / 2
        seal.paste(Image.new("RGB", glyph.size, colour), (int(x), int(y)), glyph)
    return seal


def make_scanned_pdf(path: PathLike, pages: Sequence[Sequence[str]], *, seal: bool = True,
                     seal_line: int | None = None, signature: bool = True, dpi: int = 200,
                     font_size: float = 16, seed: int = 0, jpeg_quality: int = 75,
                     seal_text: str = "某区住房和城乡建设局") -> Path:
    """Write a PDF of scanned pages: each page one JPEG picture, no text layer.

    Lines are drawn black in a system CJK font (``cjk_font_file``) at ``font_size`` pt on slightly
    grey paper, then, like a real scan: a red round seal printed over the text (ink multiplies, so
    text under it stays black) centred on line ``seal_line`` (default: the middle line), a blue
    signature stroke near the bottom, speckle noise, a slight blur and JPEG compression.
    """
    from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font_file = cjk_font_file()
    if font_file is None:
        raise RuntimeError("no CJK font on this machine (install fonts-wqy-microhei)")
    rnd = random.Random(seed)
    width, height = int(A4[0] / 72 * dpi), int(A4[1] / 72 * dpi)
    px = dpi / 72
    font = ImageFont.truetype(str(font_file), int(font_size * px))
    path = Path(path)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for lines in pages:
        page = Image.new("RGB", (width, height), (246, 245, 240))
        draw = ImageDraw.Draw(page)
        leading = font_size * 1.8 * px
        y0 = 72 * px
        for i, line in enumerate(lines):
            draw.text((72 * px, y0 + i * leading), line, font=font, fill=(25, 25, 25))
        if seal and lines:
            middle = len(lines) // 2 if seal_line is None else seal_line
            size = int(1.7 * 72 * px)
            stamp = _seal(size, seal_text, (215, 35, 45))
            canvas_seal = Image.new("RGB", (width, height), (255, 255, 255))
            canvas_seal.paste(stamp, (int(width * 0.42), int(y0 + middle * leading + font_size * px / 2 - size / 2)))
            page = ImageChops.multiply(page, canvas_seal)
        if signature:
            draw = ImageDraw.Draw(page)
            base_y = y0 + (len(lines) + 1.5) * leading
            points = [(width * 0.6 + k * 6 * px, base_y + 8 * px * ((k * 7919) % 5 - 2) / 2) for k in range(14)]
            draw.line(points, fill=(30, 50, 170), width=max(2, int(1.2 * px)))
        pixels = page.load()
        for _ in range(width * height // 400):
            x, y = rnd.randrange(width), rnd.randrange(height)
            v = rnd.randint(90, 220)
            pixels[x, y] = (v, v, v)
        page = page.filter(ImageFilter.GaussianBlur(0.5))
        from io import BytesIO

        buffer = BytesIO()
        page.save(buffer, "JPEG", quality=jpeg_quality)
        buffer.seek(0)
        c.drawImage(ImageReader(buffer), 0, 0, width=A4[0], height=A4[1])
        c.showPage()
    c.save()
    return path


def make_pdf_without_tounicode(path: PathLike, lines: Sequence[str], *, font_size: float = 16) -> Path:
    """Write a one-page PDF whose text is in an embedded subset of a system CJK font with its
    /ToUnicode map removed: the glyphs draw correctly, but text extraction yields garbage (the
    subset's private codes), as with many files from old typesetting systems."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font_file = cjk_font_file()
    if font_file is None:
        raise RuntimeError("no CJK font on this machine (install fonts-wqy-microhei)")
    name = "CJKEmbedded"
    if name not in pdfmetrics.getRegisteredFontNames():
        kwargs = {"subfontIndex": 0} if str(font_file).endswith(".ttc") else {}
        pdfmetrics.registerFont(TTFont(name, str(font_file), **kwargs))
    path = Path(path)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, pageCompression=0)
    y = A4[1] - 80
    for line in lines:
        c.setFont(name, font_size)
        c.drawString(72, y, line)
        y -= font_size * 1.8
    c.showPage()
    c.save()
    data = path.read_bytes()
    # blank out every "/ToUnicode N 0 R" reference (same length: the xref offsets stay valid)
    data = re.sub(rb"/ToUnicode\s+\d+\s+\d+\s+R", lambda m: b" " * len(m.group()), data)
    path.write_bytes(data)
    return path


def _raw_pdf(objects: Sequence[bytes]) -> bytes:
    """A PDF file of numbered objects (1 = catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_pdf_bomb(path: PathLike, inflated_mb: int = 200, *, text_pages: Sequence[str] = (),
                  operators: bytes = b"0 0 m 1 1 l S\n") -> Path:
    """Write a PDF decompression bomb: ``text_pages`` ordinary pages (one line of ASCII text each,
    in Helvetica) followed by one page whose FlateDecode content stream inflates to ``inflated_mb``
    MB of drawing ``operators`` (200 MB -> a file of about 400 KB)."""
    chunk = operators * (1024 * 1024 // len(operators))
    packer = zlib.compressobj(9)
    parts = [packer.compress(chunk) for _ in range(inflated_mb)]
    parts.append(packer.flush())
    bomb = b"".join(parts)
    n_pages = len(text_pages) + 1
    first_page = 4  # 1 catalog, 2 pages, 3 font, then (page, content) pairs
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(n_pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n_pages,
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    contents = [b"BT /F1 14 Tf 72 760 Td (" + t.encode("latin-1") + b") Tj ET" for t in text_pages]
    for i in range(n_pages):
        page_obj = first_page + 2 * i
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>"
                       b" /Contents %d 0 R >>" % (page_obj + 1))
        if i < len(contents):
            objects.append(b"<< /Length %d >>\nstream\n" % len(contents[i]) + contents[i] + b"\nendstream")
        else:
            objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream")
    path = Path(path)
    path.write_bytes(_raw_pdf(objects))
    return path


def make_pdf_objstm_bomb(path: PathLike, inflated_mb: int = 200) -> Path:
    """Write a PDF 1.5 file (cross-reference stream) whose catalog sits in a FlateDecode object
    stream that inflates to ``inflated_mb`` MB: the object is followed by that much padding."""
    import struct

    catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
    header = b"1 0 "
    first = len(header)
    packer = zlib.compressobj(9)
    parts = [packer.compress(header + catalog)]
    pad = b" " * (1024 * 1024)
    parts.extend(packer.compress(pad) for _ in range(inflated_mb))
    parts.append(packer.flush())
    objstm = b"".join(parts)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    bodies = {
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        4: b"<< /Type /ObjStm /N 1 /First %d /Length %d /Filter /FlateDecode >>\nstream\n" % (first, len(objstm))
           + objstm + b"\nendstream",
    }
    for number, body in bodies.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    offsets[5] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 0xFFFF), struct.pack(">BIH", 2, 4, 0)]
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (2, 3, 4, 5)]
    xref = b"".join(rows)
    out += (b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(xref)
            + xref + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[5])
    path = Path(path)
    path.write_bytes(bytes(out))
    return path


def make_billion_laughs_docx(path: PathLike, visible: str = "正文段落", levels: int = 10) -> Path:
    """Write a .docx whose document.xml declares ``levels`` nested internal entities, each ten
    copies of the one before ("billion laughs": 10**levels copies of "lol" once expanded), and uses
    the last one in the paragraph ``visible``."""
    path = make_docx(path, [visible])

    def inject(xml: bytes) -> bytes:
        text = xml.decode("utf-8")
        decl_end = text.index("?>") + 2 if text.startswith("<?xml") else 0
        entities = ['<!ENTITY lol0 "lol">'] + [
            f'<!ENTITY lol{i} "{"".join(f"&lol{i - 1};" for _ in range(10))}">' for i in range(1, levels)]
        doctype = f"<!DOCTYPE w:document [{''.join(entities)}]>"
        text = text[:decl_end] + doctype + text[decl_end:]
        text = text.replace(f"<w:t>{visible}</w:t>", f"<w:t>{visible}&lol{levels - 1};</w:t>", 1)
        return text.encode("utf-8")

    _rewrite_zip_member(path, "word/document.xml", inject)
    return path


# ---------------------------------------------------------------------------
# Legacy Word (.doc) and spreadsheets
# ---------------------------------------------------------------------------

_ENDOFCHAIN, _FREESECT, _FATSECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def _compound_file(streams: Sequence[tuple[str, bytes]]) -> bytes:
    """An OLE2 compound file (version 3, 512-byte sectors) holding ``streams`` in its root storage.

    Every stream is padded to at least 4096 bytes so that none goes to the mini stream.
    """
    import struct

    sector = 512
    body = bytearray()
    entries = []  # (name, first sector, size)
    chains = []
    start = 0
    for name, data in streams:
        padded = data + bytes(max(4096, -(-len(data) // sector) * sector) - len(data))
        count = len(padded) // sector
        entries.append((name, start, max(len(data), 4096)))
        chains.append((start, count))
        body += padded
        start += count
    dir_sectors = -(-(len(entries) + 1) // 4)
    fat_sectors = 1
    while start + dir_sectors + fat_sectors > fat_sectors * 128:
        fat_sectors += 1
    fat = [_FREESECT] * (fat_sectors * 128)
    for first, count in chains:
        for i in range(count):
            fat[first + i] = first + i + 1 if i < count - 1 else _ENDOFCHAIN
    for i in range(dir_sectors):
        fat[start + i] = start + i + 1 if i < dir_sectors - 1 else _ENDOFCHAIN
    for i in range(fat_sectors):
        fat[start + dir_sectors + i] = _FATSECT

    def entry(name: str, kind: int, *, child=_NOSTREAM, left=_NOSTREAM, first=_ENDOFCHAIN, size=0) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", left, _NOSTREAM, child) + bytes(20) + bytes(16)
                + struct.pack("<IQ", first, size))

    # the children form a chain of left siblings, ordered as the format compares names
    order = sorted(range(len(entries)), key=lambda i: (len(entries[i][0]), entries[i][0].upper()))
    directory = bytearray(entry("Root Entry", 5, child=order[-1] + 1))
    for i, (name, first, size) in enumerate(entries):
        rank = order.index(i)
        directory += entry(name, 2, left=order[rank - 1] + 1 if rank else _NOSTREAM, first=first, size=size)
    while len(directory) < dir_sectors * sector:
        directory += entry("", 0)[:64] + bytes(2) + bytes(2) + struct.pack("<III", _NOSTREAM, _NOSTREAM,
                                                                             _NOSTREAM) + bytes(48)
    difat = list(range(start + dir_sectors, start + dir_sectors + fat_sectors)) + [_FREESECT] * (109 - fat_sectors)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<9I", 0, fat_sectors, start, 0, 4096, _ENDOFCHAIN, 0, _ENDOFCHAIN, 0)
              + struct.pack("<109I", *difat))
    return header + bytes(body) + bytes(directory) + struct.pack(f"<{len(fat)}I", *fat)


def make_doc(path: PathLike, paragraphs: Sequence[str], *, encrypted: bool = False) -> Path:
    """Write a Word 97-2003 binary document (.doc) holding ``paragraphs`` (a "\\n" inside one is a
    manual line break). ``encrypted`` sets the FIB's fEncrypted flag (as a password does)."""
    import struct

    text = "".join(p.replace("\n", "\x0b") + "\r" for p in paragraphs)
    encoded = text.encode("utf-16-le")
    fc_text = 0x800  # the text follows the FIB, uncompressed UTF-16
    fib = bytearray(fc_text)
    struct.pack_into("<HHHHH", fib, 0, 0xA5EC, 0x00C1, 0, 0x0804, 0)  # wIdent, nFib, unused, lid zh-CN, pnNext
    flags = 0x1200 | (0x0100 if encrypted else 0)  # fExtChar | fWhichTblStm (1Table) [| fEncrypted]
    struct.pack_into("<HH", fib, 10, flags, 0x00BF)
    struct.pack_into("<II", fib, 24, fc_text, fc_text + len(encoded))  # fcMin, fcMac
    struct.pack_into("<H", fib, 32, 14)  # csw
    struct.pack_into("<H", fib, 62, 22)  # cslw
    struct.pack_into("<I", fib, 64, fc_text + len(encoded))  # cbMac
    struct.pack_into("<i", fib, 76, len(text))  # ccpText
    struct.pack_into("<H", fib, 152, 0x5D)  # cbRgFcLcb
    # the table stream: the piece table (Clx: one piece, the whole text, not compressed), then an
    # empty style sheet (antiword reads its header whatever its length says)
    plc_pcd = struct.pack("<II", 0, len(text)) + struct.pack("<HIH", 0, fc_text, 0)
    clx = b"\x02" + struct.pack("<I", len(plc_pcd)) + plc_pcd
    stsh = struct.pack("<H", 18) + struct.pack("<HHHHHH", 0, 10, 1, 0, 0, 0) + struct.pack("<3H", 0, 0, 0)
    struct.pack_into("<II", fib, 154 + 8 * 33, 0, len(clx))  # fcClx, lcbClx
    struct.pack_into("<IIII", fib, 154, len(clx), len(stsh), len(clx), len(stsh))  # fcStshfOrig/fcStshf
    path = Path(path)
    path.write_bytes(_compound_file([("WordDocument", bytes(fib) + encoded), ("1Table", clx + stsh)]))
    return path


def make_xlsx(path: PathLike, sheets: dict[str, Rows], *, percent_cells: Sequence[tuple[str, int, int]] = ()) -> Path:
    """Write an .xlsx with one worksheet per ``sheets`` item (name -> rows). Strings that look like
    numbers are stored as numbers; ``percent_cells`` (sheet, row, col) get a 0.0% number format."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row, start=1):
                cell = sheet.cell(r, col)
                if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
                    cell.value = float(value) if "." in value else int(value)
                else:
                    cell.value = value if value != "" else None
    for name, r, col in percent_cells:
        book[name].cell(r + 1, col + 1).number_format = "0.0%"
    path = Path(path)
    book.save(str(path))
    return path
