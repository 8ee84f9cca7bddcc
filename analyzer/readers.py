"""Reader stage: turn a .txt, .docx, .pdf, .doc/.wps or .xlsx/.xls file into a ``Document`` of text
blocks in reading order.

Public API::

    read_document(path) -> Document       # sniffs the content, then calls one of:
    read_txt(path) / read_docx(path) / read_pdf(path) / read_doc(path) / read_xlsx(path) / read_xls(path)
    detect_encoding(data) -> str           # the codec a .txt file's bytes are in
    SUPPORTED_SUFFIXES, MAX_BYTES, MAX_DOCX_INFLATED, MAX_TEXT_CHARS

Example::

    >>> doc = read_document("r03.pdf")                          # doctest: +SKIP
    >>> "\\n".join(b.text for b in doc.blocks)                   # doctest: +SKIP

Every failure is a ``ReadError(kind, message)`` with a Chinese message that says what is wrong and what
the user can do; no exception of pdfminer, python-docx, zipfile or the codecs escapes.

Dispatch
    The first bytes decide what a file really is (``%PDF-``, a zip holding ``word/document.xml``, an OLE2
    container, an image, HTML …); the suffix only says what the user meant. A PDF or Word document
    with the wrong suffix is read anyway, with a warning; anything else that does not match its suffix
    is ``unreadable``; a format we do not read (.rtf, .pptx, pictures …) is ``unsupported``. An
    OLE2 container named .doc/.wps (or a .doc renamed .docx) is converted with antiword (or
    LibreOffice when antiword is missing or fails); an OLE2 file named .xls is read with xlrd.

Blocks (see ``analyzer.types.Block``)
    .txt   one "para" block per line, empty lines included as blocks with empty text (they separate
           paragraphs); the newline that ends the file does not make an extra empty block.
    .docx  body paragraphs ("para") and table cells ("cell", non-empty cells only) in document order;
           the text boxes anchored in a paragraph ("textbox") follow that paragraph; headers and
           footers ("header"/"footer", one block per distinct header/footer part) come last.
    .pdf   one "line" block per text line and one "cell" block per non-empty table cell, page by
           page, top to bottom; a line in the top/bottom margin that is a page number or repeats on
           most pages gets kind "header"/"footer" but keeps its place (and page number). A page
           without a usable text layer (a scan, glyphs drawn as curves, fonts that map to no or to
           garbage Unicode) is rendered and read by OCR (``analyzer.ocr``): one "line" block per
           recognised line, the page listed in ``Document.ocr_pages`` and its confidence in a warning.
    .doc   one "para" block per paragraph of the converter's text output (tables as "|"-rows).
    .xlsx  per sheet: a "para" block with the sheet's name, then one "cell" block per non-empty cell,
           row by row (``Block.table`` = the sheet's table, row/col 0-based in the sheet's used range).
    A block's text never ends with "\\n"; a .docx paragraph may contain "\\n" (a manual line break),
    a cell "\\n" between its paragraphs/lines. Table cells are also gathered as ``Table`` grids in
    ``Document.tables``: ``Block.table`` is the position in that list, ``Table.index`` is the index of
    the table's first cell block, a merged cell's text stands in its first grid position and the
    positions it covers hold "".

PDF engine: pdfminer (through pdfplumber) for text and tables, chosen on figures measured with
scripts/bench_readers.py (30 generated reports x 10 dense CJK pages in four producer styles; 2-CPU
Linux VM without CJK system fonts; full table in the README):
    * pypdfium2 ``get_text_range``: ~710 pages/s, but where a CJK font is not embedded and no system
      font has the glyph it silently DROPS text runs of a single glyph: "26栋646户" comes out as
      "26 646户", "2025年12月30日" as "2025 12 30日", a line holding only "。" vanishes. 2,043
      characters lost, 6.6% of figure+unit pairs broken; its output also depends on the fonts
      installed on the machine that runs the batch.
    * pdfplumber ``extract_text_lines`` (default x_tolerance=3): every character kept, ~22 pages/s;
      justified lines (3.5 pt letter spacing) come out letter by letter ("1 5 . 8 2").
    * chosen: pdfminer's layout objects (``page.layout``) read directly, lines built here (a space
      only where a gap exceeds half the font size, fake-bold duplicates dropped, turned pages read
      along their text); pdfplumber's per-character dict conversion (half its time) is paid only on
      pages with ruled lines, where ``page.find_tables`` runs and the glyphs inside each table go to
      its cells and not to the lines. ~37 pages/s, 100% of lines, cells, figures and quotes.
    * a hybrid (pypdfium2 text + pdfplumber on pages with ruled lines) was ~140 pages/s but inherits
      PDFium's losses on every page without a table.
    PDFium is kept as a per-page fallback for pages whose glyphs pdfminer cannot map to Unicode
    ("(cid:N)"), e.g. CID fonts in PDFs that carry only an owner password.
Fast path (``_pdfium_scan``): pdfminer's reading stays the reference; PDFium is a faster way to the same
glyphs and ruling lines, taken page by page where nothing known makes it read otherwise (what is taken
for granted is listed at ``_pdfium_scan``). PDFium's "dropped glyphs" are whole text objects its text
page leaves out: one whose box is empty (its glyphs have no outline: a font
that is not embedded, drawn with a machine font lacking the glyph — the lone "栋" between Times runs —
or a lone space) and one repeating the character codes of one of the five before it near the same spot
(fake bold; with empty boxes also a repeated line further down). The fast path checks, through
FPDFText_GetTextObject, that every text object of the page is in the text page (a blank glyph's object
is read as the space pdfminer reads, a fake-bold copy as nothing, as the line builder does) and leaves
fonts the machine has no glyphs for to pdfminer; so fonts that are not embedded are read by PDFium
too. Glyph boxes are pdfminer's (origin, the PDF's advance width, font size and descent), not PDFium's
loose boxes (which cover the outline of whatever font drew the glyph). Ruling lines become the
lines/rects/curves pdfminer reports, pdfplumber's own table finder runs on them with
``page.find_tables()``'s settings, and the page is kept only when every tolerance comparison and every
glyph's cell is clear of the two readers' rounding. pdfminer's own slip is allowed for: it leaves
out the character spacing after each text-showing operator, so letter-spaced pages are kept only where
that shift changes no decision. Tests compare both paths block by block (plain, fake bold,
letter-spaced, TJ kerning, fonts not embedded, ruled tables, merged cells, rules in one path …). ~4-5 ms
a page instead of 25-45; pages with pictures, curves, /Rotate, turned, vertical or right-to-left text,
/ActualText, line-end hyphens PDFium rejoins, overlapping runs or Type 3 fonts go the pdfminer way.
"""

from __future__ import annotations

import codecs
import functools
import logging
import operator
import os
import posixpath
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from analyzer.errors import ReadError
from analyzer.types import Block, Document, Table

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_BYTES",
    "MAX_DOCX_INFLATED",
    "MAX_TEXT_CHARS",
    "SUPPORTED_SUFFIXES",
    "detect_encoding",
    "read_doc",
    "read_document",
    "read_docx",
    "read_pdf",
    "read_txt",
    "read_xls",
    "read_xlsx",
]

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".docx", ".pdf", ".doc", ".wps", ".xlsx", ".xls")
MAX_BYTES = 200 * 1024 * 1024  # larger input files are refused (too_large)
MAX_DOCX_INFLATED = 300 * 1024 * 1024  # zip-bomb guard: total uncompressed size of a .docx / .xlsx
MAX_TEXT_CHARS = 2_000_000  # a file with more text (about 1,000 dense pages) is refused (too_large)
MAX_SHEET_CELLS = 200_000  # cells read from one spreadsheet (the rest is left out, with a warning)
CONVERTER_TIMEOUT = 120.0  # seconds for antiword / LibreOffice on one legacy document

# PDF layout tuning, in units of the font size of the characters concerned.
PDF_SPACE_GAP = 0.5  # a horizontal gap wider than this between two glyphs reads as a space
PDF_DUPLICATE_OFFSET = 0.3  # the same glyph drawn again closer than this is fake bold: dropped
PDF_LINE_OVERLAP = 0.5  # glyphs overlapping vertically by this share of the smaller one share a line
PDF_MIN_PAGE_CHARS = 10  # a page with fewer visible characters has no usable text layer
PDF_TABLE_MIN_EDGES = 4  # ruled lines/rectangles a page needs before we look for tables there
PDF_MARGIN_BAND = 0.08  # top/bottom share of the page where running headers and footers live

# PDFium fast path (``_pdfium_scan``): how far its reading may be from pdfminer's before a decision is
# left to pdfminer. PDFium keeps coordinates in 32-bit floats (~1e-4 pt on a page), pdfminer in 64-bit.
PDF_FAST_EPSILON = 0.01  # points: a ruling-line comparison closer than this to its tolerance is a tie
PDF_FAST_CELL_MARGIN = 0.15  # glyph sizes: a glyph centre this close to a table or cell border is a tie

# PDF bomb guards (decoded bytes of a page's content streams, its form XObjects included). pdfminer
# parses content at ~4 s per MB of drawing operators, PDFium at ~0.1 s per MB.
PDF_MAX_PAGE_CONTENT = 2 * 1024 * 1024  # above this the page's text is read with PDFium, not pdfminer
PDF_HARD_PAGE_CONTENT = 64 * 1024 * 1024  # above this the page is skipped (a decompression bomb)
PDF_MAX_OBJECT_STREAM = 64 * 1024 * 1024  # an object/xref stream inflating past this: file refused

# When a PDF page is read by OCR (see analyzer.ocr).
PDF_OCR_MAX_CHARS = 30  # a page with fewer visible characters than this ...
PDF_OCR_MIN_IMAGE_COVER = 0.5  # ... and pictures covering this share of it is a scan
PDF_OCR_MIN_CURVES = 300  # a page without text but this many curves holds text drawn as outlines
PDF_GARBAGE_SHARE = 0.3  # a text layer with more implausible characters than this is garbage
OCR_TIME_BUDGET = 240.0  # seconds of OCR per document; later scanned pages are left out with a warning
OCR_LOW_CONFIDENCE = 0.6  # pages recognised with less confidence are named in their own warning

_SNIFF_BYTES = 8192

# ---------------------------------------------------------------------------
# Messages (Chinese, for the user)
# ---------------------------------------------------------------------------

_UNSUPPORTED_HINTS: dict[str, str] = {
    ".rtf": "RTF 格式暂不支持，请用 Word 打开后另存为 .docx。",
    ".odt": "OpenDocument 文本 .odt 暂不支持，请另存为 .docx 或 PDF。",
    ".et": "WPS 表格 .et 暂不支持，请另存为 .xlsx 后再提交；台账请通过 --ledger 参数提供。",
    ".csv": "这是表格数据，不是汇报文稿；台账请通过 --ledger 参数提供。",
    ".ppt": "演示文稿暂不支持，请导出为 PDF。",
    ".pptx": "演示文稿暂不支持，请导出为 PDF。",
    ".html": "网页文件暂不支持，请在浏览器中打印为 PDF，或把正文复制到 .txt 文件。",
    ".htm": "网页文件暂不支持，请在浏览器中打印为 PDF，或把正文复制到 .txt 文件。",
    ".mht": "网页文件暂不支持，请在浏览器中打印为 PDF，或把正文复制到 .txt 文件。",
    ".ofd": "OFD 版式文件暂不支持，请用阅读器导出为 PDF。",
}
_IMAGE_HINT = "图片文件暂不支持（需要 OCR 识别文字），请提供带文字层的 PDF、.docx 或 .txt。"
for _suffix in (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic"):
    _UNSUPPORTED_HINTS[_suffix] = _IMAGE_HINT

_CONTENT_NAMES = {
    "pdf": "PDF 文档", "docx": "Word 文档（.docx）", "xlsx": "Excel 表格（.xlsx）",
    "pptx": "演示文稿（.pptx）", "odf": "OpenDocument 文档", "zip": "压缩包", "ole": "旧版 Office 文档",
    "doc": "旧版 Word 文档（.doc）", "xls": "旧版 Excel 表格（.xls）", "ppt": "旧版演示文稿（.ppt）",
    "image": "图片", "html": "网页（HTML）", "rtf": "RTF 文档", "binary": "二进制数据", "text": "纯文本",
}


def _size_text(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def read_document(path: str | os.PathLike) -> Document:
    """Read a report file into blocks; raise ``ReadError`` with a Chinese message if it cannot be read.

    Example: ``read_document("汇报.pdf").blocks[0].text``.
    """
    p = Path(path)
    _check_file(p)
    document = _dispatch(p)
    _check_text_size(document)
    return document


# What each content kind is read with, and the suffixes under which it is expected.
_READERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("read_pdf", (".pdf",)),
    "docx": ("read_docx", (".docx",)),
    "doc": ("read_doc", (".doc", ".wps")),
    "xlsx": ("read_xlsx", (".xlsx",)),
    "xls": ("read_xls", (".xls",)),
}


def _dispatch(p: Path) -> Document:
    suffix = p.suffix.lower()
    head = _read_head(p)
    content = _sniff(head, p)
    if content == "ole":
        content = _ole_kind(p)
        if content == "encrypted":
            raise ReadError("encrypted", "文档设置了打开密码（加密的 Office 文档），无法读取。"
                                         "请取消密码后另存为 .docx 再提交。")
    if content in _READERS:
        name, expected = _READERS[content]
        if content in ("xlsx", "xls") and suffix not in (".xlsx", ".xls"):
            raise ReadError("unreadable", _mismatch_message(suffix, content))
        document = globals()[name](p)
        if suffix not in expected:
            document.warnings.append(
                f"文件扩展名为“{suffix or '无'}”，但内容是{_CONTENT_NAMES[content]}，已按实际内容读取；"
                f"建议把扩展名改为 {expected[0]}。")
        return document
    if suffix == ".txt":
        if content in ("text", "html"):
            return read_txt(p)
        raise ReadError("unreadable", f"文件扩展名为 .txt，但内容是{_CONTENT_NAMES[content]}，不是文本文件。"
                                      "请确认文件是否正确，或用原程序另存为 .txt、.docx 或 PDF。")
    if suffix == ".wps" and content == "ole":
        return read_doc(p)  # a WPS format antiword does not know: LibreOffice may
    if suffix in (".pdf", ".docx", ".doc", ".wps", ".xlsx", ".xls"):
        raise ReadError("unreadable", _mismatch_message(suffix, content))
    if suffix in _UNSUPPORTED_HINTS:
        raise ReadError("unsupported", f"不支持的文件类型 {suffix}：{_UNSUPPORTED_HINTS[suffix]}")
    if content == "image":
        raise ReadError("unsupported", _IMAGE_HINT)
    raise ReadError("unsupported", f"不支持的文件类型“{suffix or '无扩展名'}”：目前能读取 .txt、.docx、.pdf、"
                                   ".doc、.wps、.xlsx 和 .xls；如果这是纯文本，请把扩展名改为 .txt。")


def _check_text_size(document: Document) -> None:
    chars = sum(len(b.text) for b in document.blocks)
    if chars > MAX_TEXT_CHARS:
        raise ReadError("too_large", f"文件中的文字过多（约 {chars / 10000:.0f} 万字，上限 "
                                     f"{MAX_TEXT_CHARS / 10000:.0f} 万字），不像是一份汇报材料。"
                                     "请确认文件是否正确，或拆分为多个文件后再提交。")


def _mismatch_message(suffix: str, content: str) -> str:
    if content == "html":
        return (f"文件扩展名为 {suffix}，但内容是网页（HTML），可能是下载时保存了错误页面。"
                "请重新下载原文件，或在浏览器中打印为 PDF。")
    if content == "rtf":
        return (f"文件扩展名为 {suffix}，但内容是 RTF 文档。RTF 格式暂不支持，"
                "请用 Word 或 WPS 打开后另存为 .docx 或 PDF。")
    if content in ("xlsx", "xls"):
        return (f"文件扩展名为 {suffix}，但内容是{_CONTENT_NAMES[content]}。"
                "如果这是表格，请把扩展名改为 .xlsx 或 .xls；台账请通过 --ledger 参数提供。")
    if content in ("binary", "text", "ole"):
        kind = {".pdf": "PDF", ".docx": "Word（.docx）", ".doc": "Word（.doc）", ".wps": "WPS（.wps）",
                ".xlsx": "Excel（.xlsx）", ".xls": "Excel（.xls）"}[suffix]
        return (f"文件不是有效的 {kind} 文件（内容已损坏或扩展名有误）。"
                "请用原程序重新导出，或向报送单位索取原文件。")
    return (f"文件扩展名为 {suffix}，但内容是{_CONTENT_NAMES.get(content, '其他格式')}，无法按 {suffix} 读取。"
            "请确认文件是否正确，或用原程序另存为 .docx 或 PDF。")


def _check_file(p: Path) -> int:
    """Existence, type, permission and size checks shared by every reader; return the size."""
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ReadError("unreadable", f"文件不存在：{p}。请检查路径是否正确。") from None
    except PermissionError:
        raise ReadError("unreadable", "没有读取该文件的权限。请检查文件权限或换一个账户运行。") from None
    except OSError as e:
        raise ReadError("unreadable", f"无法访问文件（{e.strerror or e}）。请检查路径和磁盘。") from None
    if stat.S_ISDIR(st.st_mode):
        raise ReadError("unreadable", "这是一个文件夹，不是文件。")
    if not stat.S_ISREG(st.st_mode):
        raise ReadError("unreadable", "这不是普通文件（可能是设备或管道），无法读取。")
    if st.st_size == 0:
        raise ReadError("empty", "文件是空的（0 字节），可能在复制或下载时出错。请重新获取原文件。")
    if st.st_size > MAX_BYTES:
        raise ReadError("too_large", f"文件过大（{_size_text(st.st_size)}，上限 {_size_text(MAX_BYTES)}）。"
                                     "请拆分文件或压缩其中的图片后再提交。")
    return st.st_size


def _read_head(p: Path) -> bytes:
    try:
        with p.open("rb") as f:
            return f.read(_SNIFF_BYTES)
    except PermissionError:
        raise ReadError("unreadable", "没有读取该文件的权限。请检查文件权限或换一个账户运行。") from None
    except OSError as e:
        raise ReadError("unreadable", f"读取文件失败（{e.strerror or e}）。请检查文件是否完好。") from None


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGICS = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00",
                 b"MM\x00*", b"RIFF")
_HTML_START = re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                         re.IGNORECASE | re.DOTALL)


def _sniff(head: bytes, p: Path) -> str:
    """What the bytes are: pdf, docx, xlsx, pptx, odf, zip, ole, image, html, rtf, text or binary."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(p)
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if head.startswith(_IMAGE_MAGICS):
        return "image"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    stripped = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    if _HTML_START.match(stripped):
        return "html"
    return "text" if _looks_like_text(head) else "binary"


def _sniff_zip(p: Path) -> str:
    try:
        with zipfile.ZipFile(p) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip"
    if "word/document.xml" in names or (
            "[Content_Types].xml" in names and any(n.startswith("word/") for n in names)):
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("ppt/") for n in names):
        return "pptx"
    if "mimetype" in names:
        return "odf"
    return "zip"


def _looks_like_text(head: bytes) -> bool:
    """True for bytes that decode as some text encoding (NULs only in a UTF-16/32 pattern)."""
    if not head:
        return True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return True
    if _utf16_without_bom(head) is not None:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls <= len(head) * 0.01  # a few stray NULs (padding) are tolerated


_OLE_STREAMS = (  # (directory entry name, kind), in order of precedence
    ("EncryptionInfo", "encrypted"),  # a password-protected .docx/.xlsx
    ("WordDocument", "doc"),  # Word 97-2003, and WPS files saved in its format
    ("Workbook", "xls"), ("Book", "xls"),  # Excel 97-2003 / Excel 5
    ("PowerPoint Document", "ppt"),
)


def _ole_kind(p: Path) -> str:
    """What an OLE2 container holds: "encrypted", "doc", "xls", "ppt" or "ole" (unknown), from the
    names of its directory entries (UTF-16 names at the start of 128-byte aligned entries)."""
    needles = [(name.encode("utf-16-le") + b"\0\0", kind) for name, kind in _OLE_STREAMS]
    found: set[str] = set()
    try:
        with p.open("rb") as f:
            offset, tail = 0, b""
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                data = tail + chunk
                base = offset - len(tail)
                for needle, kind in needles:
                    pos = data.find(needle)
                    while pos != -1:
                        if (base + pos) % 128 == 0 or kind == "encrypted":  # that name is distinctive
                            found.add(kind)
                            break
                        pos = data.find(needle, pos + 1)
                offset += len(chunk)
                tail = data[-64:]
    except OSError:
        return "ole"
    for _, kind in _OLE_STREAMS:
        if kind in found:
            return kind
    return "ole"


_R = TypeVar("_R")


def _guard(fmt: str) -> Callable[[Callable[[Path], _R]], Callable[[str | os.PathLike], _R]]:
    """Run a reader with common checks; turn any library exception into ReadError('unreadable')."""
    label = {"pdf": "PDF", "docx": "Word（.docx）", "txt": "文本", "doc": "旧版 Word（.doc/.wps）",
             "xlsx": "Excel（.xlsx）", "xls": "Excel（.xls）"}[fmt]

    def decorate(func: Callable[[Path], _R]) -> Callable[[str | os.PathLike], _R]:
        @functools.wraps(func)
        def wrapper(path: str | os.PathLike) -> _R:
            p = Path(path)
            _check_file(p)
            try:
                return func(p)
            except ReadError:
                raise
            except PermissionError:
                raise ReadError("unreadable", "没有读取该文件的权限。请检查文件权限或换一个账户运行。") from None
            except MemoryError:
                raise ReadError("too_large", f"{label}文件内容过大，读取时内存不足。请拆分文件后再提交。") from None
            except Exception as e:  # noqa: BLE001 - the contract: no library exception escapes
                logger.warning("cannot read %s: %s: %s", p, type(e).__name__, e)
                detail = str(e).lower()
                if ("amplification" in detail or "entity" in detail) and "xml" in type(e).__name__.lower() + \
                        type(e).__module__.lower():
                    raise ReadError("unreadable", f"{label}文件中含有异常的 XML 实体定义（疑似恶意构造的"
                                                  "“实体膨胀”文件），已拒绝读取。请确认文件来源，或向报送单位索取原文件。") from e
                raise ReadError("unreadable", f"{label}文件已损坏或格式异常，无法读取（{type(e).__name__}）。"
                                              "请用原程序重新导出，或向报送单位索取原文件。") from e
        return wrapper
    return decorate


def _finish(document: Document) -> Document:
    for i, block in enumerate(document.blocks):
        block.index = i
    return document


# ---------------------------------------------------------------------------
# .txt
# ---------------------------------------------------------------------------

_NEWLINES = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")


def detect_encoding(data: bytes) -> str:
    """Return the Python codec name the bytes of a text file are in.

    Order: BOM (UTF-32/UTF-16/UTF-8) -> BOM-less UTF-16 by its NUL pattern -> strict UTF-8 ->
    strict GB18030 when the result looks like Chinese -> charset-normalizer -> "gb18030" as the
    last resort (the reader then decodes with replacement characters and warns).

    >>> detect_encoding("老旧小区".encode("gbk"))
    'gb18030'
    >>> detect_encoding(codecs.BOM_UTF8 + "改造".encode())
    'utf-8-sig'
    """
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    bomless = _utf16_without_bom(data[:_SNIFF_BYTES])
    if bomless:
        return bomless
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        if _looks_chinese(data.decode("gb18030")):
            return "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return best.encoding
    return "gb18030"


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' if NULs sit on one parity of the byte positions, as in UTF-16 text."""
    n = len(sample) - len(sample) % 2
    if n < 4:
        return None
    even = sample[0:n:2].count(0)
    odd = sample[1:n:2].count(0)
    if even + odd < n * 0.05:
        return None
    for codec, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros >= 0.9 * (even + odd) and other <= n * 0.01:
            try:  # incremental: a surrogate pair cut at the end of the sample is fine
                codecs.getincrementaldecoder(codec)().decode(sample[:n], final=False)
            except UnicodeDecodeError:
                continue
            return codec
    return None


def _decode_mixed(data: bytes) -> str | None:
    """Text of a file whose lines are partly UTF-8 and partly GBK (pasted together from two
    sources), decoded line by line; None unless both kinds of line are there."""
    lines = data.split(b"\n")
    utf8 = gbk = 0
    for line in lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            gbk += 1
    if not utf8 or not gbk:
        return None
    out = []
    for line in lines:
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode("gb18030", errors="replace"))
    text = "\n".join(out)
    return text if _looks_chinese(text) else None


# Characters that UTF-8 or GBK bytes turn into when they are wrongly decoded as Latin-1/cp1252.
_MOJIBAKE_CHARS = re.compile(r"[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
                             r"\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039"
                             r"\u203a\u20ac\u2122]")


def _repair_mojibake(text: str) -> str | None:
    """Chinese text that was decoded as Latin-1/cp1252 somewhere and saved again ("å…³äºŽ" for
    "关于", "¹ØÓÚ" for GBK "关于"), restored; None when the text does not look like that."""
    sample = text[:20000]
    non_ascii = len(sample) - len(sample.encode("ascii", "ignore"))  # characters above U+007F
    if non_ascii < 8 or len(_MOJIBAKE_CHARS.findall(sample)) < 0.9 * non_ascii:
        return None
    for wrong in ("cp1252", "latin-1"):
        try:
            raw = _encode_8bit(text, wrong)
        except UnicodeEncodeError:
            continue
        for right in ("utf-8", "gb18030"):
            try:
                fixed = raw.decode(right)
            except UnicodeDecodeError:
                continue
            if _looks_chinese(fixed) and any("\u4e00" <= ch <= "\u9fff" for ch in fixed[:2000]):
                return fixed
    return None


def _encode_8bit(text: str, codec: str) -> bytes:
    """``text.encode(codec)`` where a C1 control (U+0080-U+009F) stands for the byte of the same
    number: how Windows decodes the bytes cp1252 leaves undefined."""
    def handler(err: UnicodeEncodeError) -> tuple[bytes, int]:
        chunk = err.object[err.start:err.end]
        if all(0x80 <= ord(ch) <= 0x9F for ch in chunk):
            return bytes(ord(ch) for ch in chunk), err.end
        raise err

    codecs.register_error("analyzer_c1", handler)
    return text.encode(codec, errors="analyzer_c1")


def _looks_chinese(text: str) -> bool:
    """Most non-ASCII characters are CJK ideographs or CJK/full-width punctuation."""
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return True
    cjk = sum(1 for ch in non_ascii
              if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
              or "\u3400" <= ch <= "\u4dbf" or ch in "“”‘’…—·×÷≤≥±℃²³" or ord(ch) > 0xFFFF)
    return cjk >= 0.8 * len(non_ascii)


@_guard("txt")
def read_txt(path: Path) -> Document:
    """Read a plain-text report: one "para" block per line (empty lines kept as empty blocks).

    The encoding comes from the bytes (see ``detect_encoding``) and is recorded in
    ``Document.encoding``; CRLF, CR and other line separators become line breaks.
    """
    size = path.stat().st_size
    if size > 4 * MAX_TEXT_CHARS:  # more characters than the limit in any encoding (UTF-32: 4 bytes)
        raise ReadError("too_large", f"文本文件过大（{_size_text(size)}），超过单份汇报材料的上限（约 "
                                     f"{MAX_TEXT_CHARS / 10000:.0f} 万字）。请确认文件是否正确，或拆分后再提交。")
    data = path.read_bytes()
    if not data:
        raise ReadError("empty", "文件是空的（0 字节），可能在复制或下载时出错。请重新获取原文件。")
    encoding = detect_encoding(data)
    warnings: list[str] = []
    mixed = _decode_mixed(data) if encoding not in ("utf-8", "utf-8-sig") and not encoding.startswith(
        ("utf-16", "utf-32")) else None
    if mixed is not None:
        text, encoding = mixed, "mixed"
        warnings.append("文件中混用了 UTF-8 和 GBK 两种编码，已逐行识别；建议用记事本另存为 UTF-8 编码后重新提交。")
    else:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            text = data.decode("gb18030", errors="replace")
            encoding = "gb18030"
            warnings.append("文本编码无法准确识别，部分字符可能显示为乱码（�）。建议用记事本另存为 UTF-8 编码后重新提交。")
        repaired = _repair_mojibake(text)
        if repaired is not None:
            text = repaired
            warnings.append("文件内容是编码转换出错的乱码（如“å…³äºŽ”“¹ØÓÚ”），已还原为中文；请核对，"
                            "并建议报送单位重新导出。")
    if encoding in ("utf-16", "utf-32", "utf-16-le", "utf-16-be"):
        text = text.lstrip("\ufeff")
    nuls = text.count("\x00")
    if nuls > len(text) * 0.01:
        raise ReadError("unreadable", "文件内容不是文本（含有二进制数据）。请确认文件是否正确，或另存为 .txt、.docx 或 PDF。")
    if nuls:
        text = text.replace("\x00", "")
        warnings.append(f"文本中有 {nuls} 个空字符（\\0），已忽略。")
    if not text.strip():
        raise ReadError("empty", "文本文件中没有任何文字。请确认文件内容是否完整。")
    lines = _NEWLINES.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    blocks = [Block(text=line, kind="para") for line in lines]
    return _finish(Document(path=str(path), format="txt", blocks=blocks, encoding=encoding,
                            warnings=warnings))


# ---------------------------------------------------------------------------
# .docx
# ---------------------------------------------------------------------------

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _w(tag: str) -> str:
    return f"{{{_W_NS}}}{tag}"


_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = _w("p"), _w("tbl"), _w("tr"), _w("tc"), _w("sdt"), _w("sdtContent")
_T, _TAB, _BR, _CR, _PTAB = _w("t"), _w("tab"), _w("br"), _w("cr"), _w("ptab")
_NO_BREAK_HYPHEN, _TXBX = _w("noBreakHyphen"), _w("txbxContent")
_CUSTOM_XML = _w("customXml")
_FALLBACK = f"{{{_MC_NS}}}Fallback"
# Subtrees whose text is not part of the visible paragraph text.
_SKIP_IN_PARAGRAPH = {_FALLBACK, _w("delText"), _w("instrText"), _w("moveFrom"), _w("del"),
                      _w("pPr"), _w("rPr"), _w("footnoteReference"), _w("endnoteReference"),
                      _w("rt"), _w("sdtPr")}


def _zip_guard(path: Path, fmt: str = "docx") -> None:
    """Refuse archives that would inflate past MAX_DOCX_INFLATED before any XML is parsed."""
    label = {"docx": "Word 文件（.docx）", "xlsx": "Excel 文件（.xlsx）"}[fmt]
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except zipfile.BadZipFile:
        raise ReadError("unreadable", f"{label}已损坏，无法作为压缩包打开。"
                                      "请用原程序打开修复后重新保存。") from None
    total = sum(info.file_size for info in infos)
    if total > MAX_DOCX_INFLATED:
        raise ReadError("too_large", f"{label}解压后过大（{_size_text(total)}，上限 "
                                     f"{_size_text(MAX_DOCX_INFLATED)}），可能是异常或恶意文件。"
                                     "请确认文件来源，或另存为 PDF 后再提交。")
    names = {info.filename for info in infos}
    part = "word/" if fmt == "docx" else "xl/"
    if "[Content_Types].xml" not in names or not any(n.startswith(part) for n in names):
        raise ReadError("unreadable", f"文件是压缩包，但不是{label}。"
                                      "请确认文件是否正确，或用原程序另存。")


@_guard("docx")
def read_docx(path: Path) -> Document:
    """Read a .docx: paragraphs, table cells and text boxes in document order, then headers/footers.

    The zip is checked against MAX_DOCX_INFLATED first. XML goes through python-docx's parser, which
    never resolves entities (no XXE); only the main part and its headers/footers are parsed
    (``_docx_parts``), python-docx opens the whole package when anything is unusual. Tables nested in a
    cell are flattened into the cell's text (cells joined by a tab, rows by a line break).
    """
    _zip_guard(path, "docx")
    parts = _docx_parts(path)
    if parts is not None:
        body, furniture = parts
        return _docx_document(path, body, furniture)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        word = docx.Document(str(path))
    except PackageNotFoundError:
        raise ReadError("unreadable", "Word 文件（.docx）已损坏或不是 Word 文档。请用 Word 或 WPS 打开修复后重新保存。") from None
    except ValueError as e:
        if "is not a Word file" not in str(e):
            raise
        # e.g. a macro-enabled document (.docm) or a template (.dotx) renamed to .docx
        raise ReadError("unsupported", "这不是普通的 Word 文档（可能是启用宏的文档或模板）。"
                                       "请用 Word 打开后另存为普通 .docx 文档。") from None

    return _docx_document(path, word.element.body, list(_docx_headers_footers(word)))


def _docx_document(path: Path, body: Any, furniture: list[tuple[str, Any]]) -> Document:
    walker = _DocxWalker()
    walker.walk_story(body)
    for kind, element in furniture:
        walker.add_header_footer(kind, element)
    document = Document(path=str(path), format="docx", blocks=walker.blocks + walker.furniture,
                        tables=walker.tables)
    if not any(b.text.strip() for b in document.blocks):
        raise ReadError("empty", "Word 文档中没有任何文字。请确认文件内容是否完整（图片中的文字需要 OCR）。")
    return _finish(document)


_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RT_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_CT_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."


def _docx_parts(path: Path) -> tuple[Any, list[tuple[str, Any]]] | None:
    """The body and the (kind, root) of each header/footer of a .docx, parsed with python-docx's own parser
    (entities never resolved) from just the parts they are in, or None for python-docx to open the file.

    python-docx parses every part of the package (styles, numbering, theme, settings …): for a short
    report that is three quarters of the reading time, and nothing here uses them. The result is the same
    elements python-docx gives; anything unusual — a relationship to a missing part, a main part that is
    not a Word document (.docm, .dotx), a header reference to a part of another type — is left to
    python-docx, so that such files keep the error or result they had. The parts not used are only looked
    up, not inflated: one that is damaged (a bad CRC) no longer costs the file its text, as it does with
    python-docx.
    """
    from lxml import etree

    try:
        from docx.oxml.parser import parse_xml

        with zipfile.ZipFile(path) as z:
            names = {name.lower(): name for name in z.namelist()}

            def read(partname: str) -> bytes | None:
                name = names.get(partname.lstrip("/").lower())
                return None if name is None else z.read(name)

            def exists(partname: str) -> bool:
                return partname.lstrip("/").lower() in names

            types = etree.fromstring(read("[Content_Types].xml") or b"")
            defaults = {e.get("Extension", "").lower(): e.get("ContentType") for e in types.iter(f"{_CT_NS}Default")}
            overrides = {e.get("PartName", "").lower(): e.get("ContentType") for e in types.iter(f"{_CT_NS}Override")}

            def content_type(partname: str) -> str | None:
                return overrides.get(partname.lower()) or defaults.get(partname.rsplit(".", 1)[-1].lower())

            def relationships(partname: str) -> dict[str, tuple[str, str]] | None:
                """rId → (type, the part it targets) of every internal relationship; None if a target
                is missing."""
                folder, _, base = partname.rpartition("/")
                blob = read(f"{folder}/_rels/{base}.rels")
                out: dict[str, tuple[str, str]] = {}
                if blob is None:
                    return out
                for rel in etree.fromstring(blob).iter(f"{_RELS_NS}Relationship"):
                    if rel.get("TargetMode") == "External":
                        continue
                    target = rel.get("Target", "")
                    target = target if target.startswith("/") else posixpath.normpath(f"{folder}/{target}")
                    if not exists(target):
                        return None  # python-docx fails on it: let it say so
                    out[rel.get("Id", "")] = (rel.get("Type", ""), "/" + target.lstrip("/"))
                return out

            package = relationships("")
            if package is None:
                return None
            mains = [target for kind, target in package.values() if kind == _RT_OFFICE_DOCUMENT]
            if len(mains) != 1 or content_type(mains[0]) != _CT_WML + "document.main+xml":
                return None
            related = relationships(mains[0])
            if related is None:
                return None
            body = parse_xml(read(mains[0])).find(_w("body"))
            if body is None:
                return None
            furniture: list[tuple[str, Any]] = []
            for kind, rid in _header_footer_refs(body):
                if rid not in related:
                    continue
                target = related[rid][1]
                if content_type(target) != f"{_CT_WML}{kind}+xml":
                    return None
                furniture.append((kind, parse_xml(read(target))))
            return body, furniture
    except Exception:  # noqa: BLE001 - python-docx opens it instead, and reports what is wrong
        return None


def _header_footer_refs(body: Any) -> Iterator[tuple[str, str | None]]:
    """("header" | "footer", relationship id) of every header/footer reference of the sections, in
    section order."""
    for sect_pr in body.iter(_w("sectPr")):
        for ref in sect_pr:
            if ref.tag in (_w("headerReference"), _w("footerReference")):
                yield ("header" if ref.tag == _w("headerReference") else "footer"), ref.get(f"{{{_R_NS}}}id")


def _docx_headers_footers(word: Any) -> Iterator[tuple[str, Any]]:
    """(kind, root element) of every header/footer part referenced by a section, in section order."""
    part = word.part
    for kind, rid in _header_footer_refs(word.element.body):
        try:
            related = part.related_parts[rid]
        except KeyError:
            continue
        element = getattr(related, "element", None)
        if element is not None:
            yield kind, element


@dataclass
class _DocxWalker:
    """Walks WordprocessingML in document order, collecting blocks and tables."""

    blocks: list[Block] = field(default_factory=list)
    furniture: list[Block] = field(default_factory=list)  # headers/footers, appended at the end
    tables: list[Table] = field(default_factory=list)
    _seen_furniture: set[tuple[str, str]] = field(default_factory=set)

    def walk_story(self, container: Any) -> None:
        for child in _block_children(container):
            if child.tag == _P:
                text, boxes = _paragraph_text(child)
                self.blocks.append(Block(text=text, kind="para"))
                self._add_textboxes(boxes)
            elif child.tag == _TBL:
                self._add_table(child)

    def _add_textboxes(self, boxes: list[Any]) -> None:
        for box in boxes:
            text = _story_text(box)
            if text.strip():
                self.blocks.append(Block(text=text, kind="textbox"))

    def _add_table(self, tbl: Any) -> None:
        number = len(self.tables)
        first_block = len(self.blocks)
        grid: list[list[str]] = []
        boxes: list[Any] = []
        for r, tr in enumerate(_rows(tbl)):
            row: list[str] = []
            col = _grid_before(tr)
            row.extend([""] * col)
            for tc in _cells(tr):
                span = _grid_span(tc)
                if _is_vmerge_continuation(tc):
                    text = ""
                else:
                    text = _cell_text(tc, boxes)
                    if text.strip():
                        self.blocks.append(Block(text=text, kind="cell", table=number, row=r, col=col))
                row.append(text)
                row.extend([""] * (span - 1))
                col += span
            grid.append(row)
        width = max((len(r) for r in grid), default=0)
        for row in grid:
            row.extend([""] * (width - len(row)))
        self.tables.append(Table(rows=grid, index=first_block))
        self._add_textboxes(boxes)

    def add_header_footer(self, kind: str, element: Any) -> None:
        text = _story_text(element)
        if text.strip() and (kind, text) not in self._seen_furniture:
            self._seen_furniture.add((kind, text))
            self.furniture.append(Block(text=text, kind=kind))


def _block_children(container: Any) -> Iterator[Any]:
    """Paragraphs and tables of a story, descending into content controls and custom XML."""
    for child in container:
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT:
            for content in child.iter(_SDT_CONTENT):
                yield from _block_children(content)
                break
        elif child.tag == _CUSTOM_XML:
            yield from _block_children(child)


def _rows(tbl: Any) -> Iterator[Any]:
    for child in tbl:
        if child.tag == _TR:
            yield child
        elif child.tag in (_SDT, _CUSTOM_XML):
            for tr in child.iter(_TR):
                yield tr


def _cells(tr: Any) -> Iterator[Any]:
    for child in tr:
        if child.tag == _TC:
            yield child
        elif child.tag in (_SDT, _CUSTOM_XML):
            for tc in child.iter(_TC):
                yield tc


def _int_val(element: Any, path: str, default: int, minimum: int) -> int:
    """The integer w:val of the child at ``path`` (at least ``minimum``), or ``default``."""
    found = element.find(path)
    if found is None:
        return default
    try:
        return max(minimum, int(found.get(_w("val"), default)))
    except (TypeError, ValueError):
        return default


def _grid_span(tc: Any) -> int:
    return _int_val(tc, f"{_w('tcPr')}/{_w('gridSpan')}", 1, 1)


def _grid_before(tr: Any) -> int:
    return _int_val(tr, f"{_w('trPr')}/{_w('gridBefore')}", 0, 0)


def _is_vmerge_continuation(tc: Any) -> bool:
    vmerge = tc.find(f"{_w('tcPr')}/{_w('vMerge')}")
    return vmerge is not None and vmerge.get(_w("val"), "continue") != "restart"


def _cell_text(tc: Any, boxes: list[Any]) -> str:
    """Text of a cell: its paragraphs one per line, nested tables flattened (tab/line break)."""
    parts: list[str] = []
    for child in _block_children(tc):
        if child.tag == _P:
            text, found = _paragraph_text(child)
            boxes.extend(found)
            parts.append(text)
        else:
            parts.append(_flatten_table(child, boxes))
    while parts and not parts[-1].strip():
        parts.pop()
    while parts and not parts[0].strip():
        parts.pop(0)
    return "\n".join(parts)


def _flatten_table(tbl: Any, boxes: list[Any]) -> str:
    return "\n".join("\t".join(_cell_text(tc, boxes) for tc in _cells(tr) if not _is_vmerge_continuation(tc))
                     for tr in _rows(tbl))


def _story_text(container: Any) -> str:
    """Text of a header, footer or text box: non-empty paragraphs (and flattened tables) by line."""
    parts: list[str] = []
    for child in _block_children(container):
        if child.tag == _P:
            text, boxes = _paragraph_text(child)
            parts.append(text)
            parts.extend(_story_text(box) for box in boxes)
        else:
            parts.append(_flatten_table(child, []))
    return "\n".join(p for p in parts if p.strip())


def _paragraph_text(p: Any) -> tuple[str, list[Any]]:
    """Visible text of a paragraph and the text boxes (w:txbxContent) anchored in it.

    Text boxes are returned separately so their text is not also part of the paragraph; the
    mc:Fallback copy of a shape (VML duplicate of the DrawingML text box) is skipped. Deleted
    revisions and field codes are skipped; a text node's entity references are dropped, never
    resolved.
    """
    out: list[str] = []
    boxes: list[Any] = []

    def visit(element: Any) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP_IN_PARAGRAPH:
                continue
            if tag == _T:
                out.append(_own_text(child))
            elif tag == _TXBX:
                boxes.append(child)
            elif tag in (_TAB, _PTAB):
                out.append("\t")
            elif tag in (_BR, _CR):
                out.append("\n")
            elif tag == _NO_BREAK_HYPHEN:
                out.append("-")
            else:
                visit(child)

    visit(p)
    return "".join(out).rstrip("\n"), boxes


def _own_text(t: Any) -> str:
    """Text of a w:t without anything its children (e.g. unresolved entity references) stand for."""
    pieces = [t.text or ""]
    pieces.extend(child.tail or "" for child in t)
    return "".join(pieces)


# ---------------------------------------------------------------------------
# .doc / .wps (legacy binary Word and WPS documents, through a converter program)
# ---------------------------------------------------------------------------

_DOC_INSTALL_HINT = ("读取旧版 .doc / .wps 文档需要转换程序：请安装 antiword（Debian/Ubuntu：sudo apt-get install "
                     "antiword，或运行 scripts/setup_ocr.sh）或 LibreOffice；也可以用 Word 或 WPS 打开后另存为 "
                     ".docx 或 PDF 再提交。")


def _subprocess_kwargs() -> dict[str, Any]:
    kwargs: dict[str, Any] = {"stdin": subprocess.DEVNULL, "capture_output": True}
    if sys.platform.startswith("linux"):
        from analyzer.ocr import _die_with_parent

        kwargs["preexec_fn"] = _die_with_parent
    return kwargs


def _antiword(path: Path) -> str:
    """Text of a Word 97-2003 document by antiword: ``-w 0`` keeps each paragraph on one line
    (without it antiword wraps lines, even inside numbers), ``-m UTF-8.txt`` writes UTF-8."""
    exe = shutil.which("antiword")
    assert exe is not None
    try:
        proc = subprocess.run([exe, "-w", "0", "-m", "UTF-8.txt", str(path.resolve())],
                              timeout=CONVERTER_TIMEOUT, **_subprocess_kwargs())
    except subprocess.TimeoutExpired:
        raise ReadError("timeout", f"转换旧版 Word 文档超过 {CONVERTER_TIMEOUT:g} 秒仍未完成，文件可能已损坏。"
                                   "请用 Word 或 WPS 打开后另存为 .docx 再提交。") from None
    message = proc.stderr.decode("utf-8", "replace")
    if "ncrypted" in message:
        raise ReadError("encrypted", "Word 文档设置了打开密码，无法读取。请取消密码后另存为 .docx 再提交。")
    if proc.returncode != 0:
        raise _ConverterFailed(message.strip().splitlines()[-1] if message.strip() else f"exit {proc.returncode}")
    return proc.stdout.decode("utf-8", "replace")


def _libreoffice(path: Path) -> str:
    """Text of a document converted by LibreOffice headless (a private profile, a temporary folder)."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    assert exe is not None
    with tempfile.TemporaryDirectory(prefix="analyzer_lo_") as tmp:
        src = Path(tmp) / ("input" + (path.suffix.lower() or ".doc"))
        shutil.copyfile(path, src)  # an ASCII name: LibreOffice and odd file names do not mix well
        profile = Path(tmp, "profile").as_uri()
        try:
            proc = subprocess.run([exe, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                                   "--convert-to", "txt:Text (encoded):UTF8", "--outdir", tmp, str(src)],
                                  timeout=CONVERTER_TIMEOUT, **_subprocess_kwargs())
        except subprocess.TimeoutExpired:
            raise ReadError("timeout", f"LibreOffice 转换文档超过 {CONVERTER_TIMEOUT:g} 秒仍未完成，文件可能已损坏。"
                                       "请用 Word 或 WPS 打开后另存为 .docx 再提交。") from None
        out = Path(tmp) / "input.txt"
        if not out.exists():
            detail = proc.stderr.decode("utf-8", "replace").strip()
            raise _ConverterFailed(detail.splitlines()[-1] if detail else f"exit {proc.returncode}")
        return out.read_bytes().decode("utf-8-sig", "replace")


class _ConverterFailed(Exception):
    """A converter program did not understand the file (its message, for the log)."""


@_guard("doc")
def read_doc(path: Path) -> Document:
    """Read a legacy Word (.doc) or WPS (.wps) document through antiword, or LibreOffice when
    antiword is missing or does not understand the file: one "para" block per paragraph.

    Raises ``unsupported`` (with what to install) when no converter is available.
    """
    converters = [(name, func) for name, func, exe in (("antiword", _antiword, "antiword"),
                                                       ("LibreOffice", _libreoffice, "soffice"))
                  if shutil.which(exe) or (exe == "soffice" and shutil.which("libreoffice"))]
    if not converters:
        raise ReadError("unsupported", _DOC_INSTALL_HINT)
    failures = []
    for name, convert in converters:
        try:
            text = convert(path)
        except _ConverterFailed as e:
            logger.warning("%s: %s cannot convert: %s", path, name, e)
            failures.append(name)
            continue
        if _is_garbage(text[:20000]):
            logger.warning("%s: %s produced no readable text", path, name)
            failures.append(name)
            continue
        lines = [line.rstrip() for line in _NEWLINES.split(text.replace("\f", "\n"))]
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if not any(line.strip() for line in lines):
            raise ReadError("empty", "Word 文档中没有任何文字。请确认文件内容是否完整（图片中的文字需要 OCR）。")
        blocks = [Block(text=line, kind="para") for line in lines]
        warnings = [f"旧版文档已用 {name} 转换为文字读取（表格按文字行读取，页眉页脚、文本框可能缺失），请核对。"]
        return _finish(Document(path=str(path), format="doc", blocks=blocks, warnings=warnings))
    if "LibreOffice" not in failures:
        raise ReadError("unreadable", "无法读取该旧版 Word / WPS 文档（antiword 不能识别其格式，可能已损坏或是较新的 WPS 格式）。"
                                      "安装 LibreOffice 后可再试，或用 Word / WPS 打开后另存为 .docx 或 PDF 再提交。")
    raise ReadError("unreadable", "旧版 Word / WPS 文档已损坏或格式无法识别，转换失败。"
                                  "请用 Word 或 WPS 打开后另存为 .docx 或 PDF 再提交。")


# ---------------------------------------------------------------------------
# .xlsx / .xls given as a report (a progress table): read as tables
# ---------------------------------------------------------------------------


def _cell_string(value: Any, number_format: str | None = None) -> str:
    """A spreadsheet value as the text a reader sees: 2350.0 -> "2350", 0.675 in a % format ->
    "67.5%", a date -> "2023-06-30"."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (int, float)) and number_format and "%" in number_format:
        return f"{value * 100:.10g}%"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.10g}"
    return str(value).strip()


def _sheet_blocks(name: str, rows: Iterable[list[str]], number: int, budget: int,
                  blocks: list[Block], tables: list[Table]) -> int:
    """Append a sheet's name block and cell blocks; return the cells used from ``budget``."""
    grid: list[list[str]] = []
    cells: list[Block] = []
    used = 0
    for r, row in enumerate(rows):
        grid.append(row)
        for c, text in enumerate(row):
            if text:
                cells.append(Block(text=text, kind="cell", table=number, row=r, col=c))
                used += 1
        if used >= budget:
            break
    while grid and not any(grid[-1]):
        grid.pop()
    if not cells:
        return 0
    width = max(len(r) for r in grid)
    for row in grid:
        row.extend([""] * (width - len(row)))
    blocks.append(Block(text=name, kind="para"))
    tables.append(Table(rows=grid, index=len(blocks)))
    blocks.extend(cells)
    return used


def _spreadsheet_document(path: Path, fmt: str, sheets: Iterable[tuple[str, Iterable[list[str]]]]) -> Document:
    blocks: list[Block] = []
    tables: list[Table] = []
    budget = MAX_SHEET_CELLS
    warnings = []
    for name, rows in sheets:
        if budget <= 0:
            warnings.append(f"表格单元格过多（上限 {MAX_SHEET_CELLS} 个），工作表“{name}”及其后的内容未读取。")
            break
        budget -= _sheet_blocks(name, rows, len(tables), budget, blocks, tables)
    if not any(b.kind == "cell" for b in blocks):
        raise ReadError("empty", "表格文件中没有任何内容。请确认文件是否完整。")
    warnings.append("这是表格文件，已按表格读取（每个工作表一张表，工作表名称作为标题）。"
                    "台账请通过 --ledger 参数提供，不要作为汇报材料提交。")
    return _finish(Document(path=str(path), format=fmt, blocks=blocks, tables=tables, warnings=warnings))


@_guard("xlsx")
def read_xlsx(path: Path) -> Document:
    """Read an .xlsx given as a report: every sheet as a table (see the module docstring)."""
    _zip_guard(path, "xlsx")
    import openpyxl

    book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    try:
        def rows(sheet: Any) -> Iterator[list[str]]:
            for row in sheet.iter_rows():
                yield [_cell_string(getattr(c, "value", None), getattr(c, "number_format", None)) for c in row]

        return _spreadsheet_document(path, "xlsx", ((ws.title, rows(ws)) for ws in book.worksheets
                                                    if hasattr(ws, "iter_rows")))
    finally:
        book.close()


@_guard("xls")
def read_xls(path: Path) -> Document:
    """Read an Excel 97-2003 .xls given as a report (needs the xlrd package)."""
    try:
        import xlrd
    except ImportError:
        raise ReadError("unsupported", "读取旧版 Excel（.xls）需要 xlrd 组件（pip install xlrd）。"
                                       "也可以用 Excel 或 WPS 另存为 .xlsx 后再提交。") from None
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except xlrd.biffh.XLRDError as e:
        if "ncrypt" in str(e):
            raise ReadError("encrypted", "Excel 文件设置了密码，无法读取。请取消密码后另存为 .xlsx 再提交。") from None
        raise
    try:
        def rows(sheet: Any) -> Iterator[list[str]]:
            for r in range(sheet.nrows):
                out = []
                for c in range(sheet.ncols):
                    cell = sheet.cell(r, c)
                    value = cell.value
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                        except (ValueError, OverflowError):
                            pass
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                        value = None
                    out.append(_cell_string(value))
                yield out

        def sheets() -> Iterator[tuple[str, Iterator[list[str]]]]:
            for i in range(book.nsheets):
                sheet = book.sheet_by_index(i)
                yield sheet.name, rows(sheet)

        return _spreadsheet_document(path, "xls", sheets())
    finally:
        book.release_resources()


# ---------------------------------------------------------------------------
# .pdf
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Char:
    """A glyph in pdfplumber's page coordinates (``top`` measured from the top edge)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    turn: int = 0  # direction the text runs, counter-clockwise from left-to-right: 0, 90, 180, 270


@dataclass(slots=True)
class _Line:
    text: str
    top: float  # page position of the line (upright lines only: turned lines have no margin role)
    bottom: float
    key: float  # sort key among the page's lines and tables
    upright: bool = True


_TEXT_OF = operator.attrgetter("text")
_TURN_OF = operator.attrgetter("turn")


@dataclass
class _PageScan:
    """What one page holds, read straight from pdfminer's layout objects."""

    chars: list[_Char] = field(default_factory=list)
    edges: int = 0
    images: int = 0
    unmapped: int = 0  # glyphs without a Unicode mapping ("(cid:123)")
    slanted: int = 0  # glyphs at an odd angle (diagonal watermarks): left out
    image_cover: float = 0.0  # share of the page covered by pictures (overlaps add up; at most 1)
    image_dpi: float | None = None  # resolution of the picture covering most of the page

    @property
    def visible(self) -> int:
        return len(self.chars) - sum(map(str.isspace, map(_TEXT_OF, self.chars)))


@dataclass
class _PdfRead:
    """Everything ``read_pdf`` collects while it goes through the pages."""

    path: Path
    pages: int
    blocks: list[Block] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    margins: list[tuple[str, Block]] = field(default_factory=list)
    text_pages: int = 0
    failed: list[int] = field(default_factory=list)
    pictures: list[int] = field(default_factory=list)  # no text layer, not OCR'd
    unmapped: list[int] = field(default_factory=list)
    rescued: list[int] = field(default_factory=list)
    heavy: list[int] = field(default_factory=list)  # content too large for pdfminer: read by PDFium
    bombs: list[int] = field(default_factory=list)  # content inflating past PDF_HARD_PAGE_CONTENT
    ocr_pages: list[int] = field(default_factory=list)
    ocr_confidence: dict[int, float] = field(default_factory=dict)
    ocr_empty: list[int] = field(default_factory=list)  # OCR'd, nothing recognised
    ocr_failed: dict[int, str] = field(default_factory=dict)
    ocr_missing: list[int] = field(default_factory=list)  # needed OCR, but Tesseract is not there
    ocr_over_budget: list[int] = field(default_factory=list)
    ocr_seconds: float = 0.0
    ocr_unavailable: str | None = None  # why OCR cannot run here (Chinese), once known
    _ocr_checked: bool = False

    def add_lines(self, number: int, lines: list[str]) -> None:
        self.blocks.extend(Block(text=line, kind="line", page=number) for line in lines)

    def try_ocr(self, number: int, fallback: "_PdfiumFallback", dpi: float | None, existing: int = 0) -> bool:
        """OCR page ``number``; add its lines and return True when it found more visible characters
        than ``existing`` (the page's own text layer) and at least PDF_MIN_PAGE_CHARS."""
        from analyzer import ocr

        if not self._ocr_checked:
            self.ocr_unavailable = ocr.ocr_status()
            self._ocr_checked = True
        if self.ocr_unavailable:
            self.ocr_missing.append(number)
            return False
        remaining = OCR_TIME_BUDGET - self.ocr_seconds
        if remaining <= 1.0:
            self.ocr_over_budget.append(number)
            return False
        try:
            result = fallback.ocr(number - 1, dpi, timeout=min(ocr.OCR_PAGE_TIMEOUT, remaining))
        except ocr.OcrError as e:
            self.ocr_failed[number] = str(e)
            return False
        finally:
            self.ocr_seconds += fallback.last_ocr_seconds
        visible = sum(1 for line in result.lines for ch in line if not ch.isspace())
        if visible < max(PDF_MIN_PAGE_CHARS, existing + 1):
            if existing < PDF_MIN_PAGE_CHARS:
                self.ocr_empty.append(number)
            return False
        height = result.height or 1
        for text, (top, bottom) in zip(result.lines, result.boxes):
            block = Block(text=text, kind="line", page=number)
            if top < PDF_MARGIN_BAND * height:
                self.margins.append(("header", block))
            elif bottom > (1 - PDF_MARGIN_BAND) * height:
                self.margins.append(("footer", block))
            self.blocks.append(block)
        self.ocr_pages.append(number)
        self.ocr_confidence[number] = round(result.confidence, 2)
        self.text_pages += 1
        return True

    def warnings(self) -> list[str]:
        out = []
        if self.failed:
            out.append(f"第 {_page_list(self.failed)} 页已损坏，无法读取，这些页的内容未包含在结果中。")
        if self.bombs:
            out.append(f"第 {_page_list(self.bombs)} 页的内容解压后超过 {_size_text(PDF_HARD_PAGE_CONTENT)}，"
                       "疑似恶意构造的“解压炸弹”，已跳过。")
        if self.heavy:
            out.append(f"第 {_page_list(self.heavy)} 页的内容异常庞大（解压后超过 {_size_text(PDF_MAX_PAGE_CONTENT)}，"
                       "多为大量矢量图形），已改用快速方式提取文字（表格按普通文字行读取），请核对。")
        if self.ocr_pages:
            scores = "、".join(f"第{n}页 {self.ocr_confidence[n]:.2f}" for n in self.ocr_pages)
            out.append(f"第 {_page_list(self.ocr_pages)} 页没有可用的文字层（扫描件、图片或无法识别的字体），"
                       f"已用 OCR 识别文字（置信度：{scores}）。识别结果可能有误，数字请与原件核对。")
            low = [n for n in self.ocr_pages if self.ocr_confidence[n] < OCR_LOW_CONFIDENCE]
            if low:
                out.append(f"第 {_page_list(low)} 页 OCR 置信度低于 {OCR_LOW_CONFIDENCE:.1f}，"
                           "识别出的文字和数字很可能有误，请以原件为准。")
        if self.ocr_empty:
            out.append(f"第 {_page_list(self.ocr_empty)} 页没有文字层，已做 OCR 但未识别出文字（可能是图片或空白页）。")
        for number, reason in self.ocr_failed.items():
            out.append(f"第 {number} 页没有文字层，OCR 识别失败：{reason}")
        if self.ocr_missing:
            out.append(f"第 {_page_list(self.ocr_missing)} 页没有文字层（可能是扫描页或图片），需要 OCR，内容未读取："
                       f"{self.ocr_unavailable}")
        if self.ocr_over_budget:
            out.append(f"第 {_page_list(self.ocr_over_budget)} 页是扫描页，但本文件的 OCR 用时已达上限"
                       f"（{OCR_TIME_BUDGET:g} 秒），未识别。请拆分文件后再提交。")
        if self.pictures:
            out.append(f"第 {_page_list(self.pictures)} 页没有文字层（可能是扫描页或图片），需要 OCR，内容未读取。")
        if self.unmapped:
            out.append(f"第 {_page_list(self.unmapped)} 页的字体编码无法识别，文字未能提取。")
        if self.rescued:
            out.append(f"第 {_page_list(self.rescued)} 页的字体缺少标准文字编码，已改用备用方式提取文字"
                       "（表格按普通文字行读取，页眉页脚未单独标出），请核对。")
        return out


@_guard("pdf")
def read_pdf(path: Path) -> Document:
    """Read a PDF: "line" and "cell" blocks page by page (``Block.page`` 1-based).

    Pages without a usable text layer are read by OCR (``analyzer.ocr``) when Tesseract is installed,
    within OCR_TIME_BUDGET seconds per file; they are listed in ``Document.ocr_pages`` and their
    confidence is given in ``Document.warnings``. Bomb guards: object streams inflating past
    PDF_MAX_OBJECT_STREAM refuse the file (``too_large``); a page whose content inflates past
    PDF_MAX_PAGE_CONTENT is read with PDFium instead of pdfminer, past PDF_HARD_PAGE_CONTENT skipped.

    Raises ReadError ``encrypted`` for a password-protected file, ``no_text`` when no page has
    usable text (even after OCR), ``unreadable`` for a damaged file, ``empty`` for a file without
    pages, ``too_large`` for a decompression bomb. Pages that fail, are skipped or could not be
    OCR'd are named in ``Document.warnings``.
    """
    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

    _pdf_prescan(path)
    try:
        pdf = pdfplumber.open(str(path))
    except PdfminerException as e:
        raise _pdf_open_error(e) from None
    with pdf:
        try:
            pages = pdf.pages
        except PdfminerException as e:
            raise _pdf_open_error(e) from None
        if not pages:
            raise ReadError("empty", "PDF 文件中没有任何页面。请确认文件是否完整。")
        state = _PdfRead(path=path, pages=len(pages))
        fallback = _PdfiumFallback(path)
        try:
            for number, page in enumerate(pages, start=1):
                try:
                    _read_pdf_page(state, page, number, fallback)
                except Exception as e:  # noqa: BLE001 - one bad page must not lose the others
                    logger.warning("%s: page %d unreadable: %s: %s", path, number, type(e).__name__, e)
                    state.failed.append(number)
                finally:
                    page.close()
        finally:
            fallback.close()

    page_count = state.pages
    if state.bombs and len(state.bombs) + len(state.failed) == page_count:
        raise ReadError("too_large", f"PDF 的页面内容解压后超过 {_size_text(PDF_HARD_PAGE_CONTENT)}（第 "
                                     f"{_page_list(state.bombs)} 页），疑似恶意构造的“解压炸弹”文件，已拒绝处理。"
                                     "请确认文件来源，或向报送单位索取原文件。")
    if len(state.failed) == page_count:
        raise ReadError("unreadable", "PDF 文件已损坏，没有一页能够读取。请用原程序重新导出 PDF。")
    if state.text_pages == 0:
        if state.ocr_missing:
            raise ReadError("no_text", "PDF 没有文字层（可能是扫描件或图片），扫描件需要 OCR 识别后才能分析，"
                                       f"但{state.ocr_unavailable}")
        if state.ocr_failed:
            reason = next(iter(state.ocr_failed.values()))
            raise ReadError("no_text", f"PDF 没有文字层（可能是扫描件或图片），OCR 识别失败：{reason}"
                                       "请提供原始电子版（.docx 或可复制文字的 PDF）。")
        if state.ocr_empty:
            raise ReadError("no_text", "PDF 没有文字层，OCR 也未识别出文字（可能是图片、空白页或扫描质量过差）。"
                                       "请提供原始电子版（.docx 或可复制文字的 PDF）或更清晰的扫描件。")
        if state.unmapped:
            raise ReadError("no_text", "PDF 的文字使用了无法识别的字体编码，提取不出文字。"
                                       "请用原程序重新导出 PDF（嵌入字体），或按扫描件做 OCR 识别。")
        raise ReadError("no_text", "PDF 没有文字层（可能是扫描件或图片），扫描件需要 OCR 识别后才能分析。"
                                   "请提供原始电子版（.docx 或可复制文字的 PDF）。")
    _mark_running_lines(state.margins, page_count)
    for i, table in enumerate(state.tables):  # OCR'd pages are interleaved: recompute first-cell indices
        table.index = next((j for j, b in enumerate(state.blocks) if b.table == i), table.index)
    return _finish(Document(path=str(path), format="pdf", blocks=state.blocks, tables=state.tables,
                            pages=page_count, ocr_pages=state.ocr_pages, warnings=state.warnings(),
                            ocr_confidence=dict(state.ocr_confidence)))


def _read_pdf_page(state: _PdfRead, page: Any, number: int, fallback: "_PdfiumFallback") -> None:
    """Read one page into ``state``: pdfminer layout, or PDFium, or OCR, or nothing (with a reason)."""
    try:
        size = _page_content_size(page, PDF_HARD_PAGE_CONTENT)
    except Exception as e:  # noqa: BLE001 - the guard must not cost a page pdfminer could read
        logger.warning("%s: page %d: content size unknown: %s: %s", state.path, number, type(e).__name__, e)
        size = 0
    if size > PDF_HARD_PAGE_CONTENT:
        state.bombs.append(number)
        return
    if size > PDF_MAX_PAGE_CONTENT:  # pdfminer would take minutes: PDFium reads it in seconds
        state.heavy.append(number)
        lines = fallback.page_lines(number - 1)
        if _visible_chars(lines) >= PDF_MIN_PAGE_CHARS and not _is_garbage("".join(lines)):
            state.add_lines(number, lines)
            state.text_pages += 1
        else:
            state.try_ocr(number, fallback, None)
        return

    fast = fallback.scan(number - 1)
    if fast is not None:
        scan, height, found = fast
        visible = scan.visible
        if visible >= PDF_MIN_PAGE_CHARS and not scan.unmapped and _ocr_reason(scan, visible) is None:
            state.text_pages += 1
            state.blocks.extend(_page_blocks(height, number, scan, state.tables, len(state.blocks), state.margins,
                                             found=found))
            return

    scan = _scan_page(page)
    reason = _ocr_reason(scan)
    if scan.unmapped >= PDF_MIN_PAGE_CHARS and scan.unmapped > scan.visible:
        lines = fallback.page_lines(number - 1)
        if _visible_chars(lines) >= PDF_MIN_PAGE_CHARS and not _is_garbage("".join(lines)):
            state.add_lines(number, lines)
            state.rescued.append(number)
            state.text_pages += 1
            return
        reason = "unmapped"
    if reason is not None:
        existing = 0 if reason in ("garbage", "unmapped") else scan.visible
        if state.try_ocr(number, fallback, scan.image_dpi, existing):
            return
    attempted = number in state.ocr_empty or number in state.ocr_failed or number in state.ocr_missing \
        or number in state.ocr_over_budget
    if scan.visible >= PDF_MIN_PAGE_CHARS:
        state.text_pages += 1
    elif scan.unmapped:
        if not attempted:
            state.unmapped.append(number)
    elif scan.images and not attempted:
        state.pictures.append(number)
    state.blocks.extend(_page_blocks(float(page.height), number, scan, state.tables, len(state.blocks), state.margins,
                                     page))


def _ocr_reason(scan: _PageScan, visible: int | None = None) -> str | None:
    """Why a page needs OCR: "scan" (pictures and next to no text), "outlines" (text drawn as
    curves), "garbage" (a text layer of implausible characters); None when its text layer is fine.
    ``visible``: ``scan.visible``, when the caller has it."""
    if visible is None:
        visible = scan.visible
    if visible < PDF_MIN_PAGE_CHARS and scan.images:
        return "scan"
    if visible < PDF_OCR_MAX_CHARS and scan.image_cover >= PDF_OCR_MIN_IMAGE_COVER:
        return "scan"
    if visible < PDF_MIN_PAGE_CHARS and scan.edges >= PDF_OCR_MIN_CURVES:
        return "outlines"
    if visible >= PDF_MIN_PAGE_CHARS and _is_garbage("".join(map(_TEXT_OF, scan.chars))):
        return "garbage"
    return None


def _visible_chars(lines: list[str]) -> int:
    return sum(1 for line in lines for ch in line if not ch.isspace())


# What a Chinese report's text layer can hold (not mojibake, private use or controls): code point ranges
# and single characters.
_PLAUSIBLE_RANGES = ((0x21, 0x7E), (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x3134F), (0x3000, 0x303F),
                     (0xFF01, 0xFFEF), (0x2000, 0x206F), (0x2100, 0x22FF), (0x2460, 0x24FF), (0x2500, 0x27BF),
                     (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0x3200, 0x33FF), (0x0391, 0x03C9))
_PLAUSIBLE_SINGLES = "°±×÷²³·¹¼½¾µ§¨¯´¸¶"
# one character that is not ``_plausible``; one that ``str.isspace`` holds true for (for str patterns re's
# \s is the same test, see tests/test_readers.py)
_IMPLAUSIBLE = re.compile("[^" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _PLAUSIBLE_RANGES)
                          + "".join(f"\\U{ord(ch):08x}" for ch in _PLAUSIBLE_SINGLES) + "]")
_WHITESPACE = re.compile(r"\s")


def _plausible(ch: str) -> bool:
    """A character a Chinese report's text layer can hold (not mojibake, private use or controls)."""
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in _PLAUSIBLE_RANGES) or ch in _PLAUSIBLE_SINGLES


def _is_garbage(text: str) -> bool:
    """A text layer that maps glyphs to the wrong characters: many implausible characters (private
    use, Latin-1 mojibake, controls), or punctuation soup without letters, digits or Chinese."""
    visible = _WHITESPACE.sub("", text)
    if len(visible) < PDF_MIN_PAGE_CHARS:
        return False
    bad = _IMPLAUSIBLE.subn("", visible)[1]  # the characters that are not ``_plausible``
    if bad > PDF_GARBAGE_SHARE * len(visible):
        return True
    words = sum(map(str.isalnum, visible))
    return words < 0.3 * len(visible)


# ---------------------------------------------------------------------------
# PDF bomb guards
# ---------------------------------------------------------------------------

_FLATE = {"FlateDecode", "Fl"}
_SHRINKING = {"ASCIIHexDecode", "AHx", "ASCII85Decode", "A85"}
_GROWING = {"LZWDecode", "LZW", "RunLengthDecode", "RL"}


def _ascii85_decode(data: bytes) -> bytes:
    """pdfminer's ``ascii85decode`` (``base64.a85decode`` once a leading "<~" and a trailing "~>" are
    stripped), worked on whole arrays instead of one character at a time: the same bytes, and a
    ValueError wherever it raises one (a character outside the alphabet, "z" inside a group, a group
    above 2**32 - 1, the final one padded with "u" included)."""
    import numpy as np
    from pdfminer.ascii85 import end_re, start_re

    data = end_re.sub(b"", start_re.sub(b"", data))
    codes = np.frombuffer(data, dtype=np.uint8)
    digit = (codes >= 33) & (codes <= 117)  # "!" .. "u"
    zero = codes == 122  # "z": four zero bytes
    blank = (codes == 32) | (codes == 9) | (codes == 10) | (codes == 13) | (codes == 11)  # a85decode's ignorechars
    if not (digit | zero | blank).all():
        raise ValueError("Non-Ascii85 digit found")
    kept = codes[digit | zero]
    zeros = kept == 122
    digits = kept[~zeros].astype(np.uint64) - 33
    n = len(digits)
    groups = (n + 4) // 5  # a85decode appends "uuuu" and decodes every complete group of five
    padded = np.concatenate([digits, np.full(4, 84, dtype=np.uint64)])[:groups * 5].reshape(groups, 5)
    values = (((padded[:, 0] * 85 + padded[:, 1]) * 85 + padded[:, 2]) * 85 + padded[:, 3]) * 85 + padded[:, 4]
    if (values > 0xFFFFFFFF).any():
        raise ValueError("Ascii85 overflow")
    if zeros.any():
        before = np.cumsum(~zeros)[zeros]  # digits before each "z": it must start a group
        if (before % 5).any():
            raise ValueError("z inside Ascii85 5-tuple")
        at = before // 5  # the "z" comes before that group
        merged = np.zeros(groups + len(at), dtype=np.uint64)
        merged[np.arange(groups) + np.searchsorted(at, np.arange(groups), side="right")] = values
        values = merged
    result = values.astype(">u4").tobytes()
    padding = 4 - (n + 4) % 5  # a85decode: 4 less the padded group's leftover
    return result[:-padding] if padding else result


def _decoded_size(stream: Any, cap: int) -> int:
    """Decoded length of a pdfminer ``PDFStream``, found without inflating more than ``cap`` + 1
    bytes (a result above ``cap`` means "at least that much")."""
    if stream.data is not None:
        return len(stream.data)
    data = stream.rawdata
    if data is None:
        return 0
    if stream.decipher:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    for f, _params in stream.get_filters():
        name = getattr(f, "name", str(f))
        if name in _FLATE:
            try:
                data = zlib.decompressobj().decompress(data, cap + 1)
            except zlib.error:
                return len(data)  # pdfminer recovers at most a prefix of what this stream holds
            if len(data) > cap:
                return len(data)
        elif name in _SHRINKING:
            from pdfminer.ascii85 import asciihexdecode

            data = _ascii85_decode(data) if name in ("ASCII85Decode", "A85") else asciihexdecode(data)
        elif name in _GROWING:
            if len(data) > 1024 * 1024:
                return len(data) * 4  # an estimate: such content streams are rare and old
            from pdfminer.lzw import lzwdecode
            from pdfminer.runlength import rldecode

            data = lzwdecode(data) if name in ("LZWDecode", "LZW") else rldecode(data)
        else:
            return len(data)  # an image filter: not content
    return len(data)


def _page_content_size(page: Any, cap: int) -> int:
    """Decoded bytes of a pdfplumber page's content streams plus those of the form XObjects its
    resources reach (each counted once), stopping as soon as the sum exceeds ``cap``."""
    from pdfminer.pdftypes import PDFObjRef, PDFStream, resolve1

    obj = page.page_obj
    total = 0
    for content in obj.contents:
        stream = resolve1(content)
        if isinstance(stream, PDFStream):
            total += _decoded_size(stream, cap - total)
            if total > cap:
                return total
    seen: set[Any] = set()
    stack = [obj.resources]
    while stack:
        resources = resolve1(stack.pop())
        if not isinstance(resources, dict):
            continue
        xobjects = resolve1(resources.get("XObject"))
        if not isinstance(xobjects, dict):
            continue
        for ref in xobjects.values():
            key = ref.objid if isinstance(ref, PDFObjRef) else id(ref)
            if key in seen:
                continue
            seen.add(key)
            xobj = resolve1(ref)
            if not isinstance(xobj, PDFStream) or getattr(xobj.get("Subtype"), "name", None) != "Form":
                continue
            total += _decoded_size(xobj, cap - total)
            if total > cap:
                return total
            if "Resources" in xobj:
                stack.append(xobj["Resources"])
    return total


_OBJECT_STREAM = re.compile(rb"/Type\s*/(?:ObjStm|XRef)\b")


def _pdf_prescan(path: Path) -> None:
    """Refuse a PDF whose object or cross-reference streams inflate past PDF_MAX_OBJECT_STREAM:
    pdfminer parses those whole (in Python) as soon as the file is opened."""
    data = path.read_bytes()
    cap = PDF_MAX_OBJECT_STREAM
    for m in _OBJECT_STREAM.finditer(data):
        start = data.find(b"stream", m.end(), m.end() + 4096)
        if start < 0 or b"/Fl" not in data[max(0, m.start() - 2048):start]:
            continue
        start += 6
        if data[start:start + 2] == b"\r\n":
            start += 2
        elif data[start:start + 1] in (b"\n", b"\r"):
            start += 1
        try:
            out = zlib.decompressobj().decompress(memoryview(data)[start:], cap + 1)
        except zlib.error:
            continue  # encrypted or damaged: pdfminer decides
        if len(out) > cap:
            raise ReadError("too_large", f"PDF 中的压缩数据解压后超过 {_size_text(cap)}，疑似恶意构造的“解压炸弹”"
                                         "文件，已拒绝处理。请确认文件来源，或向报送单位索取原文件。")


class _PdfiumFallback:
    """pypdfium2, opened on first use: the glyphs and ruled tables of most pages (``scan``, 5-10x faster
    than pdfminer's layout analysis), text of pages pdfminer cannot read (fonts it cannot map to Unicode,
    content too large for it) and pictures of pages to OCR.

    pdfminer leaves unmapped glyphs as "(cid:N)": fonts without a ToUnicode map whose character
    collection it cannot resolve — for instance CID fonts in a PDF with an owner password, whose
    CIDSystemInfo strings it does not decrypt. PDFium reads those pages.
    """

    def __init__(self, path: Path):
        self.path = path
        self._pdf: Any = None
        self._failed = False
        self._encrypted = False
        self.last_ocr_seconds = 0.0

    def _document(self) -> Any:
        if self._pdf is None and not self._failed:
            try:
                import pypdfium2
                import pypdfium2.raw as pdfium_c

                self._pdf = pypdfium2.PdfDocument(str(self.path))
                self._encrypted = pdfium_c.FPDF_GetSecurityHandlerRevision(self._pdf.raw) != -1
            except Exception as e:  # noqa: BLE001 - the fallback is best effort
                logger.warning("%s: PDFium cannot open: %s: %s", self.path, type(e).__name__, e)
                self._failed = True
        return self._pdf

    def scan(self, index: int) -> tuple[_PageScan, float, _FoundTables] | None:
        """The glyphs of page ``index`` read by PDFium, the page's height and its ruled tables; None
        when the page must be read by pdfminer instead (see ``_pdfium_scan``) or PDFium cannot read it."""
        pdf = self._document()
        if pdf is None:
            return None
        try:
            page = _pdfium_page(pdf, index)
            try:
                # in an encrypted file pdfminer cannot resolve the character collection of a CID font
                # without a ToUnicode map (it does not decrypt the CIDSystemInfo strings): such fonts are
                # typically not embedded, and pdfminer's way reads their pages with PDFium's plain text
                return _pdfium_scan(page, substitutes=not self._encrypted)
            finally:
                page.close()
        except Exception as e:  # noqa: BLE001 - pdfminer reads the page instead
            logger.info("%s: page %d: PDFium scan failed: %s: %s", self.path, index + 1, type(e).__name__, e)
            return None

    def page_lines(self, index: int) -> list[str]:
        pdf = self._document()
        if pdf is None:
            return []
        try:
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_range()
                finally:
                    textpage.close()
            finally:
                page.close()
        except Exception as e:  # noqa: BLE001 - the fallback is best effort
            logger.warning("%s: PDFium fallback failed: %s: %s", self.path, type(e).__name__, e)
            return []
        return [line.strip() for line in _NEWLINES.split(text) if line.strip()]

    def ocr(self, index: int, dpi: float | None, timeout: float) -> Any:
        """``analyzer.ocr.ocr_page`` on page ``index``; raises ``OcrError``."""
        from analyzer import ocr

        self.last_ocr_seconds = 0.0
        started = time.perf_counter()
        pdf = self._document()
        if pdf is None:
            raise ocr.OcrError("PDF 页面无法渲染为图片。")
        try:
            return ocr.ocr_page(pdf, index, int(dpi) if dpi else None, timeout=timeout)
        except ocr.OcrError:
            raise
        except MemoryError:
            raise ocr.OcrError("页面渲染为图片时内存不足。") from None
        except Exception as e:  # noqa: BLE001 - rendering trouble costs the page, not the file
            logger.warning("%s: page %d cannot be rendered: %s: %s", self.path, index + 1, type(e).__name__, e)
            raise ocr.OcrError(f"页面无法渲染为图片（{type(e).__name__}）。") from None
        finally:
            self.last_ocr_seconds = time.perf_counter() - started

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
            self._pdf = None


def _pdfium_page(pdf: Any, index: int) -> Any:
    """Page ``index`` of a pypdfium2 document for ``_pdfium_scan``: a ``_PdfiumPage`` (pypdfium2's own
    page object when the document has a form environment, whose hooks only pypdfium2 calls)."""
    return pdf[index] if getattr(pdf, "formenv", None) else _PdfiumPage(pdf, index)


class _PdfiumPage:
    """A page loaded with FPDF_LoadPage, without pypdfium2's ``PdfPage``: its finalizer and child
    bookkeeping (for the page and for its text page) cost ~0.2 ms a page, a few percent of the fast path. It
    has the ``PdfPage`` methods ``_pdfium_scan`` calls, pypdfium2's own functions (``_as_parameter_``
    passes the handle to them), and ``get_textpage`` (FPDFText_LoadPage, closed by the caller). The
    caller closes the page; ``PdfiumError`` where pypdfium2 raises one."""

    def __init__(self, pdf: Any, index: int):
        import pypdfium2
        import pypdfium2.raw as pdfium_c

        self._c = pdfium_c
        self.raw = pdfium_c.FPDF_LoadPage(pdf.raw, index)
        if not self.raw:
            raise pypdfium2.PdfiumError("Failed to load page.")

    @property
    def _as_parameter_(self) -> Any:
        return self.raw

    def get_rotation(self) -> int:
        import pypdfium2

        return pypdfium2.PdfPage.get_rotation(self)

    def get_mediabox(self) -> tuple[float, float, float, float]:
        import pypdfium2

        return pypdfium2.PdfPage.get_mediabox(self)

    def _get_box(self, *args: Any) -> Any:  # called by PdfPage.get_mediabox
        import pypdfium2

        return pypdfium2.PdfPage._get_box(self, *args)

    def get_textpage(self) -> "_PdfiumTextPage":
        import pypdfium2

        raw = self._c.FPDFText_LoadPage(self.raw)
        if not raw:
            raise pypdfium2.PdfiumError("Failed to load text page.")
        return _PdfiumTextPage(raw, self._c)

    def close(self) -> None:
        if self.raw:
            self._c.FPDF_ClosePage(self.raw)
            self.raw = None


class _PdfiumTextPage:
    """A text page from ``_PdfiumPage.get_textpage``: its handle, and ``close``."""

    def __init__(self, raw: Any, pdfium_c: Any):
        self.raw = raw
        self._c = pdfium_c

    def close(self) -> None:
        if self.raw:
            self._c.FPDFText_ClosePage(self.raw)
            self.raw = None


# Fonts pdfminer measures with its own table (``pdfminer.fontmetrics``, looked up by the /BaseFont name):
# the standard 14 and the names Word writes for them when it does not embed them ("Arial,Bold",
# "TimesNewRoman"). PDFium measures those with its built-in substitutes, whose descent differs
# (Times-Roman: -249 against pdfminer's -217 per 1000), so the fast path takes their descent from
# pdfminer's table.
@functools.cache
def _pdfminer_descents() -> dict[str, float]:
    from pdfminer.fontmetrics import FONT_METRICS

    return {name: float(descriptor.get("Descent") or 0) for name, (descriptor, _) in FONT_METRICS.items()}


_UPRIGHT_SKEW = 0.01  # a page with a text or form object turned more than this is left to pdfminer
_FORM_DEPTH = 8  # form XObjects nested deeper than this: pdfminer reads the page
_PDFIUM_HYPHEN = 2  # what PDFium puts in place of a "-" it takes for a word broken across lines
_GBK_FONT_NAMES = {"宋体".encode("gbk"), "楷体".encode("gbk"), "黑体".encode("gbk"), "仿宋".encode("gbk"),
                   "新宋".encode("gbk")}  # the name prefixes PDFium checks (``CPDF_Font::Create``)


@functools.cache
def _pdfium_api() -> Any:
    """The PDFium functions the fast path calls per object or per glyph, with handles passed and returned
    as plain ints: pypdfium2's bindings wrap every handle in a ctypes pointer object, which costs more
    than the call itself on pages of a few hundred text objects and a thousand glyphs. The hottest are
    bound without argument types (``direct_*``), which ctypes then does not convert."""
    import ctypes
    import types

    import pypdfium2.raw as pdfium_c

    handle, c_int, c_float = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
    floats, doubles = ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_double)

    def bind(name: str, restype: Any, *argtypes: Any) -> Any:
        address = ctypes.cast(getattr(pdfium_c, name), ctypes.c_void_p).value
        return ctypes.CFUNCTYPE(restype, *argtypes)(address)

    class Handle(ctypes.c_void_p):
        """A handle returned as a ctypes object (a subclass is not turned into an int), to pass on as is."""

    return types.SimpleNamespace(
        # the hottest calls, bound without argument types: ctypes then converts nothing but passes a
        # Python int as a C int (an index), a ctypes object as itself (a handle as c_void_p, a byref()),
        # about a third of the cost of the checked conversion. Only for parameters of exactly those types.
        direct_object=bind("FPDFPage_GetObject", Handle),  # (page, index)
        direct_type=bind("FPDFPageObj_GetType", c_int),  # (object)
        direct_matrix=bind("FPDFPageObj_GetMatrix", c_int),  # (object, byref(FS_MATRIX))
        direct_count_marks=bind("FPDFPageObj_CountMarks", c_int),  # (object)
        direct_text_font=bind("FPDFTextObj_GetFont", handle),  # (object)
        direct_text_font_size=bind("FPDFTextObj_GetFontSize", c_int),  # (object, byref(c_float))
        direct_unicode=bind("FPDFText_GetUnicode", ctypes.c_uint),  # (text page, index)
        direct_generated=bind("FPDFText_IsGenerated", c_int),  # (text page, index)
        direct_map_error=bind("FPDFText_HasUnicodeMapError", c_int),  # (text page, index)
        direct_char_object=bind("FPDFText_GetTextObject", handle),  # (text page, index)
        direct_origin=bind("FPDFText_GetCharOrigin", c_int),  # (text page, index, byref(c_double) x 2)
        direct_loose_box=bind("FPDFText_GetLooseCharBox", c_int),  # (text page, index, byref(FS_RECTF))
        # (font, character (ctypes passes an int as its low 32 bits), c_float font size, byref(c_float))
        direct_glyph_width=bind("FPDFFont_GetGlyphWidth", c_int),
        page_count=bind("FPDFPage_CountObjects", c_int, handle),
        form_count=bind("FPDFFormObj_CountObjects", c_int, handle),
        form_object=bind("FPDFFormObj_GetObject", handle, handle, ctypes.c_ulong),
        matrix=bind("FPDFPageObj_GetMatrix", c_int, handle, ctypes.POINTER(pdfium_c.FS_MATRIX)),
        bounds=bind("FPDFPageObj_GetBounds", c_int, handle, floats, floats, floats, floats),
        count_marks=bind("FPDFPageObj_CountMarks", c_int, handle),
        mark=bind("FPDFPageObj_GetMark", handle, handle, ctypes.c_ulong),
        mark_param_type=bind("FPDFPageObjMark_GetParamValueType", c_int, handle, ctypes.c_char_p),
        text_font_size=bind("FPDFTextObj_GetFontSize", c_int, handle, floats),
        font_embedded=bind("FPDFFont_GetIsEmbedded", c_int, handle),
        font_data=bind("FPDFFont_GetFontData", c_int, handle, ctypes.c_void_p, ctypes.c_size_t,
                       ctypes.POINTER(ctypes.c_size_t)),
        font_name=bind("FPDFFont_GetBaseFontName", ctypes.c_size_t, handle, ctypes.c_char_p, ctypes.c_size_t),
        font_descent=bind("FPDFFont_GetDescent", c_int, handle, c_float, floats),
        glyph_width=bind("FPDFFont_GetGlyphWidth", c_int, handle, ctypes.c_uint32, c_float, floats),
        path_segments=bind("FPDFPath_CountSegments", c_int, handle),
        path_segment=bind("FPDFPath_GetPathSegment", handle, handle, c_int),
        segment_point=bind("FPDFPathSegment_GetPoint", c_int, handle, floats, floats),
        segment_type=bind("FPDFPathSegment_GetType", c_int, handle),
        segment_close=bind("FPDFPathSegment_GetClose", c_int, handle),
        char_count=bind("FPDFText_CountChars", c_int, handle),
        get_text=bind("FPDFText_GetText", c_int, handle, c_int, c_int, ctypes.POINTER(ctypes.c_uint16)),
        char_matrix=bind("FPDFText_GetMatrix", c_int, handle, c_int, ctypes.POINTER(pdfium_c.FS_MATRIX)),
        char_font_size=bind("FPDFText_GetFontSize", ctypes.c_double, handle, c_int),
        char_box=bind("FPDFText_GetCharBox", c_int, handle, c_int, doubles, doubles, doubles, doubles),
        TEXT=pdfium_c.FPDF_PAGEOBJ_TEXT, PATH=pdfium_c.FPDF_PAGEOBJ_PATH, FORM=pdfium_c.FPDF_PAGEOBJ_FORM,
        MOVETO=pdfium_c.FPDF_SEGMENT_MOVETO, LINETO=pdfium_c.FPDF_SEGMENT_LINETO,
        FS_MATRIX=pdfium_c.FS_MATRIX, FS_RECTF=pdfium_c.FS_RECTF,
    )


def _address(pointer: Any) -> int:
    """The address a pypdfium2 handle (a ctypes pointer object) points to."""
    import ctypes

    return ctypes.cast(pointer, ctypes.c_void_p).value or 0


@dataclass(slots=True)
class _FastFont:
    """A font as the fast path measures it."""

    handle: int  # FPDF_FONT
    descent: float  # per 1000 of the font size: where pdfminer puts the bottom of the glyph boxes
    substituted: bool  # neither embedded nor in pdfminer's table: PDFium draws it with a font of the machine
    # advance per point of font size by character, as ``_pdfium_glyphs`` uses them: ``widths`` those it
    # has checked against a loose glyph box (or need no check), ``unchecked`` those a skewed object used
    widths: dict[int, float] = field(default_factory=dict)
    unchecked: dict[int, float] = field(default_factory=dict)


@dataclass(slots=True)
class _FastText:
    """A text object of the page: its font, how its glyphs are boxed, and what tells whether PDFium's text
    page left it out."""

    font: _FastFont
    handle: int
    level: int  # nesting in form XObjects
    scale: float  # the object's vertical scale (its matrix's d)
    # (x scale × font size, glyph top and bottom less the baseline in top-down page coordinates, glyph
    # size), or (matrix a, b, c, d, font size, descent in points) for a slightly skewed object; None: to be
    # taken from the text page (an object in a form XObject, whose matrix is the form's times its own)
    box: tuple[float, ...] | None = None


def _pdfium_font(api: Any, font: int, cache: dict[int, _FastFont | None], substitutes: bool) -> _FastFont | None:
    """How the fast path measures ``font``, or None when the page must be read by pdfminer.

    A font neither embedded nor in pdfminer's table is drawn by PDFium with a font of the machine
    ("substituted"): the outlines, hence PDFium's loose glyph boxes and text object boxes, depend on the
    fonts installed. The fast path takes none of its measures from outlines (see ``_pdfium_scan``); it
    leaves substituted fonts to pdfminer unless ``substitutes``, and always those with a GBK-encoded
    Chinese name (宋体, 黑体 …): PDFium reads a TrueType font of that name that is not embedded as a
    GBK-encoded CID font, pdfminer as a one-byte font. Type 3 fonts (which PDFium counts as embedded,
    without a font program) are pdfminer's too: it places their glyphs by the font's FontBBox and
    FontMatrix, PDFium by the glyph procedures' boxes (a quarter of an em apart).
    """
    import ctypes

    if not font:
        return None
    result = cache.get(font, False)
    if result is False:
        embedded = api.font_embedded(font) == 1
        n = api.font_name(font, None, 0)
        buf = ctypes.create_string_buffer(max(n, 1))
        api.font_name(font, buf, n)
        name = buf.value.split(b"+")[-1]
        table = _pdfminer_descents().get(name.decode("latin-1"))
        program = ctypes.c_size_t()
        if embedded and (not api.font_data(font, None, 0, ctypes.byref(program)) or not program.value):
            result = None  # a Type 3 font
        elif not embedded and table is None and (not substitutes or name[:4] in _GBK_FONT_NAMES):
            result = None
        elif table is not None:
            # pdfminer looks the name up with its subset tag ("ABCDEF+Arial" is not in its table), PDFium
            # gives it without: for an embedded font of such a name we cannot tell which measure applies
            result = None if embedded else _FastFont(font, table, False)
        else:
            descent = ctypes.c_float()
            api.font_descent(font, 1000.0, ctypes.byref(descent))
            # a positive /Descent: pdfminer turns it negative, PDFium only when it is above 10
            result = None if descent.value > 0 else _FastFont(font, descent.value, not embedded)
        cache[font] = result
    return result


def _has_actual_text(api: Any, obj: int) -> bool:
    """Marked content with /ActualText around the object: PDFium reads that text instead of the glyphs."""
    for i in range(api.count_marks(obj)):
        mark = api.mark(obj, i)
        if mark and api.mark_param_type(mark, b"ActualText") != 0:  # FPDF_OBJECT_UNKNOWN
            return True
    return False


def _pdfium_objects(api: Any, container: Any, level: int = 0) -> Iterator[tuple[int, int, int, Any]]:
    """(handle, type, nesting level, handle as a ctypes object for the ``direct_`` calls) of the objects of
    a page (``level`` 0; ``container`` the page's handle as a c_void_p) or of a form XObject, each form's
    objects right after the form; forms nested deeper than _FORM_DEPTH are not entered."""
    import ctypes

    object_type = api.direct_type
    if level:
        for i in range(api.form_count(container)):
            obj = api.form_object(container, i) or 0
            ref = ctypes.c_void_p(obj)
            kind = object_type(ref) if obj else 0
            yield obj, kind, level, ref
            if kind == api.FORM and level < _FORM_DEPTH:
                yield from _pdfium_objects(api, ref, level + 1)
        return
    get = api.direct_object
    for i in range(api.page_count(container)):
        ref = get(container, i)
        obj = ref.value or 0
        kind = object_type(ref) if obj else 0
        yield obj, kind, level, ref
        if kind == api.FORM and level < _FORM_DEPTH:
            yield from _pdfium_objects(api, ref, level + 1)


# FS_MATRIX starts with its fields a, b, c, d: four C floats
_FS_MATRIX_ABCD = struct.Struct("=4f")

# What the fast path hands ``_page_blocks``: tables as ``_find_tables`` returns them.
_FoundTables = list[tuple[tuple[float, float, float, float], list[list[Any]]]]


def _pdfium_scan(page: Any, substitutes: bool = True) -> tuple[_PageScan, float, _FoundTables] | None:
    """Glyphs, ruled tables and height of a page read through PDFium, in the coordinates and measures
    ``_scan_page`` and ``_find_tables`` give, so that ``_page_blocks`` turns them into the same blocks.

    Glyph boxes are pdfminer's: from the glyph's origin, the font's advance width (the PDF's /W or
    /Widths, ``FPDFFont_GetGlyphWidth``), the font size and the font's descent; not PDFium's loose
    boxes, which also cover the glyph's outline (up to 0.15 em more, and for a font that is not embedded
    an outline from whatever font the machine has). Tables are found by pdfplumber's own table finder
    on the ruling lines pdfminer would report (``_pdfium_rulings``), and kept only when no comparison
    in it, and no glyph's placement in a cell, is within reach of the two readers' rounding
    (``_rulings_decisive``, ``_cells_decisive``).

    Returns None — pdfminer reads the page — when PDFium's reading could differ from pdfminer's:
    a /Rotate page (pdfminer turns it, its lines lose their margin role); pictures or shadings (the OCR
    decision); curves, or ruling lines inside form XObjects; text that is not upright, runs right to
    left or down the page, is replaced by /ActualText, or that PDFium rejoins at a line-end hyphen; a glyph
    without a Unicode mapping (such a page takes pdfminer's way, see ``_read_pdf_page``); a
    font pdfminer may measure otherwise (``_pdfium_font``); a substituted font the machine has no glyphs
    for (PDFium's text object boxes are then empty and its grouping of text objects goes blind); a text
    object PDFium's text page leaves out — it drops an object whose box is empty (a single glyph the
    machine cannot draw) or that repeats the text of one near it (a shadow 5 pt below) — unless it is a
    blank glyph or a fake-bold copy (``_pdfium_left_out``); runs of glyphs that interleave on a line
    (``_runs_interleave``); and a line decision or a cell that pdfminer's character-spacing shift could
    change (``_joins``).

    Not checked, taken as true: text does not continue from one table cell into another without a new
    position; a font that is not embedded has a /FontBBox (else PDFium takes its descent from the
    machine's font); coordinates equal in PDFium's 32-bit floats are equal in the file (a rule off
    horizontal by less than 1e-4 pt would be horizontal for PDFium only); and no line decision lies
    within PDFium's rounding of /Widths to whole units (1/1000 em a glyph) of its threshold.
    """
    import ctypes

    if page.get_rotation():
        return None
    api = _pdfium_api()
    left, bottom, right, top = page.get_mediabox()
    x_origin, y_origin = min(left, right), min(bottom, top)
    height = abs(top - bottom)

    matrix = api.FS_MATRIX()
    p_matrix = ctypes.byref(matrix)
    box = (ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float())
    p_box = [ctypes.byref(v) for v in box]
    size = ctypes.c_float()
    p_size = ctypes.byref(size)
    fonts: dict[int, _FastFont | None] = {}  # per page: handles may be reused once a page is closed
    texts: dict[int, _FastText] = {}
    paths: list[int] = []
    PATH, TEXT, FORM = api.PATH, api.TEXT, api.FORM
    matrix_of, font_of, count_marks, font_size_of = (api.direct_matrix, api.direct_text_font,
                                                     api.direct_count_marks, api.direct_text_font_size)
    skew = _UPRIGHT_SKEW
    unpack_matrix = _FS_MATRIX_ABCD.unpack_from  # the four floats a, b, c, d, as the fields read
    for obj, kind, level, ref in _pdfium_objects(api, ctypes.c_void_p(_address(page.raw))):
        if kind == PATH:
            if level:
                return None  # pdfminer reports them in page coordinates: that needs the forms' matrices
            paths.append(obj)
            continue
        if (kind != TEXT and kind != FORM) or not matrix_of(ref, p_matrix):
            return None  # images, shadings, unknown objects
        a, b, c, d = unpack_matrix(matrix)
        if a <= 0 or d <= 0 or abs(b) > skew * a or abs(c) > skew * d:
            return None
        if kind == FORM:
            continue
        font_handle = font_of(ref) or 0
        font = fonts.get(font_handle, False)
        if font is False:
            font = _pdfium_font(api, font_handle, fonts, substitutes)
        if font is None or (count_marks(ref) > 0 and _has_actual_text(api, obj)):
            return None
        if font.substituted:
            if not api.bounds(obj, *p_box) or box[2].value - box[0].value < PDF_FAST_EPSILON \
                    or box[3].value - box[1].value < PDF_FAST_EPSILON:
                return None
        glyph_box = None
        if not level and font_size_of(ref, p_size):
            font_size = size.value
            if b == 0 and c == 0:  # ``_glyph_box``, written out for the usual upright object
                descent = font.descent * font_size / 1000
                glyph_box = (a * font_size, height - d * (descent + font_size), height - d * descent,
                             (d * font_size) or 1.0)
            else:
                glyph_box = _glyph_box(a, b, c, d, font_size, font.descent, height)
        texts[obj] = _FastText(font, obj, level, d, glyph_box)

    textpage = page.get_textpage()
    try:
        glyphs = _pdfium_glyphs(api, _address(textpage.raw), texts, height)
    finally:
        textpage.close()
    if glyphs is None:
        return None
    scan, runs = glyphs
    shapes = _pdfium_rulings(api, paths, x_origin, y_origin)
    if shapes is None:
        return None
    scan.edges = len(shapes)
    found: _FoundTables | None = []
    if scan.edges >= PDF_TABLE_MIN_EDGES:
        found = _pdfium_tables(shapes, height, x_origin, y_origin)
        if found is None:
            return None
    # where pdfminer may put glyphs further left than PDFium (character spacing, see ``_joins``)
    joins = list(_joins(scan.chars, runs, found))
    if joins and not _joins_decisive(scan.chars, joins):
        return None
    if found and not _cells_decisive(found, scan.chars, _drift(scan.chars, runs, joins)):
        return None
    return scan, height, found


def _pdfium_glyphs(api: Any, textpage: int, texts: dict[int, _FastText],
                   height: float) -> tuple[_PageScan, list[int]] | None:
    """The glyphs of a PDFium text page with pdfminer's boxes (see ``_pdfium_scan``), and where each text
    object's glyphs start in them (each object's run left to right, the blanks of left-out objects after
    the last run); None when the text page differs from the page's glyphs in a way pdfminer's reading
    would not, or holds a glyph without a Unicode mapping (pdfminer reads such a page: see
    ``_read_pdf_page``)."""
    import ctypes

    rect = api.FS_RECTF()
    p_rect = ctypes.byref(rect)
    matrix = api.FS_MATRIX()
    p_matrix = ctypes.byref(matrix)
    ox, oy = ctypes.c_double(), ctypes.c_double()
    p_ox, p_oy = ctypes.byref(ox), ctypes.byref(oy)
    tight = (ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double())
    p_tight = [ctypes.byref(v) for v in tight]
    width = ctypes.c_float()
    p_width = ctypes.byref(width)
    generated, map_error = api.direct_generated, api.direct_map_error
    object_of, origin_of, loose_box = api.direct_char_object, api.direct_origin, api.direct_loose_box
    page = ctypes.c_void_p(textpage)  # for the ``direct_`` calls
    glyph_width, per_point = api.direct_glyph_width, ctypes.c_float(1.0)
    font_refs: dict[int, Any] = {}  # font handle → as a c_void_p, for ``direct_glyph_width``
    units = _pdfium_unicode(api, page, api.char_count(textpage))
    if units is None:
        return None  # a hyphen PDFium rejoined, or right-to-left script it reordered
    runs: list[int] = []  # where in ``chars`` each text object's glyphs start
    seen: set[int] = set()  # the text objects with a run
    scan = _PageScan()
    chars = scan.chars
    append = chars.append
    # A space PDFium generated inside a text object (text object, origin): it stands for a space glyph
    # PDFium deleted (it keeps one space of two) unless the next glyph starts where it stands; one
    # generated between objects is never next to a space glyph (PDFium checks) and is dropped: the line
    # builder decides from the gap, as for pdfminer's glyphs.
    pending: tuple[int, float, float] | None = None
    last, last_x, last_y = -1, 0.0, 0.0  # text object and origin of the previous glyph
    # the current text object's glyph box (see ``_FastText.box``) and font
    glyph_box: tuple[float, ...] = ()
    plain = True  # the object is not skewed: its glyph box is (x scale, top, bottom, size)
    x_scale = top = bottom = size = 0.0
    font: _FastFont | None = None
    widths: dict[int, float] = {}
    eps, new_char = PDF_FAST_EPSILON, _Char
    for i, u in enumerate(units):
        if (u <= 32 or u == 0xFFFE) and (u == 32 or u == 10 or u == 13 or u == 0xFFFE) \
                and generated(page, i) == 1:
            handle = (object_of(page, i) or 0) if u == 32 else 0
            if handle:  # line breaks are the line builder's business
                if pending is not None and not _deleted_space(api, pending, texts, append):
                    return None
                origin_of(page, i, p_ox, p_oy)
                pending = (handle, ox.value, oy.value)
            continue
        handle = object_of(page, i)
        if map_error(page, i) == 1:
            return None  # a glyph without a Unicode mapping ("(cid:N)" for pdfminer)
        origin_of(page, i, p_ox, p_oy)
        x = ox.value
        y = oy.value
        if pending is not None:
            if not (pending[0] == handle and abs(pending[1] - x) <= eps and abs(pending[2] - y) <= eps) \
                    and not _deleted_space(api, pending, texts, append):
                return None
            pending = None
        if handle == last:
            if y != last_y and abs(y - last_y) > eps:
                return None  # the text object does not run along one baseline (vertical writing)
            if x - last_x <= eps:
                return None  # one glyph read as several characters ("ﬁ" as "f", "i"), or a run going back
        else:
            text = texts.get(handle)
            if text is None:
                return None  # a character of no text object we know (in a form nested too deep)
            runs.append(len(chars))
            seen.add(handle)
            if text.box is None:
                api.char_matrix(textpage, i, p_matrix)
                text.box = _glyph_box(matrix.a, matrix.b, matrix.c, matrix.d, api.char_font_size(textpage, i),
                                      text.font.descent, height)
            glyph_box = text.box
            plain = len(glyph_box) == 4
            if plain:
                x_scale, top, bottom, size = glyph_box
            font = text.font
            widths = font.widths
            last = handle
        last_x = x
        last_y = y
        advance = widths.get(u)
        if advance is None:
            advance = font.unchecked.get(u)
            if advance is None:
                font_ref = font_refs.get(font.handle)
                if font_ref is None:
                    font_ref = font_refs[font.handle] = ctypes.c_void_p(font.handle)
                if not glyph_width(font_ref, u, per_point, p_width) or width.value < 0:
                    return None  # no width, or a vertical font's (negative) advance down the page
                advance = width.value
            if plain:
                # PDFium looks the width up by character (the first code that maps to it): check it once
                # against the glyph's loose box, which is the advance unless the outline reaches past it
                widths[u] = advance
                x1 = x + advance * x_scale
                loose_box(page, i, p_rect)
                if abs(rect.right - x1) > eps:
                    api.char_box(textpage, i, *p_tight)
                    if rect.right < x1 or tight[1].value < rect.right - 1e-3:
                        return None
            else:
                font.unchecked[u] = advance
        if plain:
            append(new_char(chr(u), x, x + advance * x_scale, top - y, bottom - y, size))
        else:  # the corners of pdfminer's box (advance by font size, from the descent) through the matrix
            a, b, c, d, font_size, descent = glyph_box
            w = advance * font_size
            xs = (x + c * descent, x + c * (descent + font_size), x + a * w + c * descent,
                  x + a * w + c * (descent + font_size))
            ys = (y + d * descent, y + d * (descent + font_size), y + b * w + d * descent,
                  y + b * w + d * (descent + font_size))
            y0, y1 = min(ys), max(ys)
            append(_Char(chr(u), min(xs), max(xs), height - y1, height - y0, (y1 - y0) or 1.0))

    if pending is not None and not _deleted_space(api, pending, texts, append):
        return None
    if _runs_interleave(chars, runs):
        return None
    runs.append(len(chars))  # the end of the last run
    if len(seen) < len(texts):
        blanks = _pdfium_left_out(api, texts, seen, height)
        if blanks is None:
            return None
        chars.extend(blanks)
    return scan, runs


# Characters of a text page that make the fast path give up at once: what PDFium puts in place of a "-"
# it takes for a word broken across lines (_PDFIUM_HYPHEN), right-to-left scripts (Hebrew, Arabic,
# Syriac …, and their presentation forms), whose glyphs PDFium reorders.
_PDFIUM_REJECTED = re.compile(f"[{chr(_PDFIUM_HYPHEN)}\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def _pdfium_unicode(api: Any, page: Any, count: int) -> list[int] | None:
    """The Unicode value (``FPDFText_GetUnicode``) of each of the ``count`` characters of a text page
    (``page``: its handle as a c_void_p); None when one is in _PDFIUM_REJECTED.

    They are read in one call, as the page's text (``FPDFText_GetText``): PDFium's text buffer, one UTF-16
    unit per character of the page's character list, in order, each character's value — but for a
    character left out of the buffer (a control character: then the text comes out short and each value
    is asked for), for one the buffer holds as U+FFFE (a value of 0, a rejoined hyphen: asked for), and
    for one above U+FFFF (written as two units, or dropped: the text does not come out ``count`` units
    long, and each value is asked for)."""
    import ctypes

    buffer = (ctypes.c_uint16 * (2 * count + 2))()
    written = api.get_text(page, 0, count, buffer) if count else 1
    if written == count + 1:
        units = buffer[:count]
        text = ctypes.string_at(buffer, 2 * count).decode("utf-16-le", "surrogatepass")
        if "\ufffe" in text:
            unicode_of = api.direct_unicode
            units = [unicode_of(page, i) if u == 0xFFFE else u for i, u in enumerate(units)]
            text = "".join(map(chr, units))
    else:
        unicode_of = api.direct_unicode
        units = [unicode_of(page, i) for i in range(count)]
        text = "".join(map(chr, units))
    return None if _PDFIUM_REJECTED.search(text) else units


def _glyph_box(a: float, b: float, c: float, d: float, size: float, descent: float, height: float) -> tuple[float, ...]:
    """How ``_pdfium_glyphs`` boxes the glyphs of a text object with glyph matrix (a, b, c, d), font size
    ``size`` and font descent ``descent`` (per 1000) on a page ``height`` high: see ``_FastText.box``.
    pdfminer's box runs from the descent up by the font size, along the glyph's advance."""
    descent = descent * size / 1000
    if b == 0 and c == 0:
        return a * size, height - d * (descent + size), height - d * descent, (d * size) or 1.0
    return a, b, c, d, size, descent


def _runs_interleave(chars: list[_Char], runs: list[int]) -> bool:
    """Whether the glyphs of two text objects on a line (``runs``: where each starts in ``chars``; each
    runs left to right) interleave: their left edges, which the line builder orders them by, come within
    PDF_FAST_CELL_MARGIN of their size of each other — text running into the next table cell, two lines
    drawn over each other. PDFium and pdfminer place glyphs a little apart (PDFium keeps /Widths as whole
    numbers, pdfminer as written; character spacing, see ``_joins``): their order, hence the text, could
    differ. A fake-bold copy (the same glyphs shifted by less than a tenth of their size) is no such
    case: the line builder keeps one of each pair."""
    # min() and max() are written out as comparisons, in the order the builtins compare (same results)
    spans = []
    append = spans.append
    for start, end in zip(runs, runs[1:] + [len(chars)]):
        if end > start:
            first, last = chars[start], chars[end - 1]
            top, bottom, size = first.top, first.bottom, first.size
            if last.top < top:
                top = last.top
            if last.bottom > bottom:
                bottom = last.bottom
            if last.size < size:
                size = last.size
            append(((top + bottom) / 2, top, bottom, first.x0, last.x0, size, start, end))
    spans.sort()
    lines: list[list[tuple[Any, ...]]] = []  # runs sharing PDF_LINE_OVERLAP of their height, as lines are built
    line_top = line_bottom = 0.0
    overlap_share = PDF_LINE_OVERLAP
    for span in spans:
        top, bottom = span[1], span[2]
        if lines:
            height, line_height = bottom - top, line_bottom - line_top
            overlap = (line_bottom if line_bottom < bottom else bottom) - (line_top if line_top > top else top)
            if overlap >= overlap_share * (line_height if line_height < height else height):
                lines[-1].append(span)
                if top < line_top:
                    line_top = top
                if bottom > line_bottom:
                    line_bottom = bottom
                continue
        lines.append([span])
        line_top, line_bottom = top, bottom
    margin_share, by_left = PDF_FAST_CELL_MARGIN, _BY_LEFT
    for line in lines:
        if len(line) < 2:
            continue
        line.sort(key=by_left)
        reach: tuple[Any, ...] | None = None  # the run reaching furthest right so far
        for span in line:
            if reach is not None:
                size, reach_size = span[5], reach[5]
                if span[3] - reach[4] < margin_share * (reach_size if reach_size < size else size) \
                        and not _copies(chars[reach[6]:reach[7]], chars[span[6]:span[7]]):
                    return True
            if reach is None or span[4] > reach[4]:
                reach = span
    return False


_BY_LEFT = operator.itemgetter(3)  # a span's left edge (``_runs_interleave``)


def _copies(run: list[_Char], other: list[_Char]) -> bool:
    """Whether one of two runs is (part of) the other drawn again a little to the side (less than a tenth
    of the glyph size): fake bold, of which PDFium's text page keeps all, part (it drops a glyph drawn
    again within 7% of the font size of one of the seven before it) or none of the copy's glyphs."""
    if len(other) > len(run):
        run, other = other, run
    if not other:
        return False
    first = other[0]
    reach = 0.1 * first.size
    for a in run:
        dx, dy = first.x0 - a.x0, first.top - a.top
        if a.text != first.text or abs(dx) >= reach or abs(dy) >= reach:
            continue
        if all(any(b.text == c.text and b.size == c.size and abs(b.x0 - c.x0 - dx) <= PDF_FAST_EPSILON
                   and abs(b.top - c.top - dy) <= PDF_FAST_EPSILON for c in run) for b in other):
            return True
    return False


def _char_spacing(chars: list[_Char], start: int, end: int) -> float | None:
    """The character spacing (Tc, in points, signed) the text object with glyphs ``chars[start:end]``
    shows: the gap between consecutive glyphs closest to zero (a gap is Tc, or Tc plus a TJ kerning;
    gaps after a space, which add the word spacing, left out); None for an object of one glyph."""
    best: float | None = None
    for previous, c in zip(chars[start:end - 1], chars[start + 1:end]):
        if not previous.text.isspace():
            gap = c.x0 - previous.x1
            if best is None or abs(gap) < abs(best):
                best = gap
    return best


def _joins(chars: list[_Char], runs: list[int], found: _FoundTables) -> Iterator[tuple[int, float]]:
    """(where the second run starts, shift) for each join of two text objects (``runs``: where each
    starts in ``chars``, and where the last ends) where pdfminer may put the second one ``shift`` further
    left than PDFium. pdfminer leaves out the character spacing (Tc) after a text-showing operator's last
    glyph, so where the next operator continues the text without a new position, its glyphs stand Tc
    left of where PDFium (rightly) puts them; a new position (Td, Tm, a new BT) resets pdfminer's
    reading. PDFium does not tell the spacing, nor whether a position is new: a continuation shows as
    the second object starting exactly at the first one's end plus its spacing (``_char_spacing``);
    after an object whose spacing cannot be seen (one glyph) or mixes with word spacing (it ends with a
    space), the whole gap may be Tc. Text is taken never to continue from one table cell (``found``)
    into another or out of a table: each cell's text has a position of its own."""
    cells = [cell for _, rows in found for row in rows for cell in row if cell is not None]

    def cell_of(c: _Char) -> int:
        x, y = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
        return next((k for k, (x0, top, x1, bottom) in enumerate(cells) if x0 <= x <= x1 and top <= y <= bottom), -1)

    for begin, end in zip(runs, runs[1:-1]):
        a, b = chars[end - 1], chars[end]
        gap = b.x0 - a.x1
        if abs(gap) <= PDF_FAST_EPSILON:
            continue  # no shift: a continuation with no spacing, or a new position right there
        spacing = _char_spacing(chars, begin, end)
        if spacing is None or a.text.isspace():
            shift = gap if spacing is None else spacing
        elif abs(gap - spacing) <= PDF_FAST_EPSILON:
            shift = spacing
        else:
            continue
        if abs(shift) > PDF_FAST_EPSILON and (not cells or cell_of(a) == cell_of(b)):
            yield end, shift


def _joins_decisive(chars: list[_Char], joins: list[tuple[int, float]]) -> bool:
    """Whether the line builder decides the same at each join where pdfminer may put the second object
    further left (``_joins``): a space (PDF_SPACE_GAP), the order of the two glyphs, a fake-bold
    duplicate (PDF_DUPLICATE_OFFSET)."""
    for end, shift in joins:
        a, b = chars[end - 1], chars[end]
        if a.text.isspace() or b.text.isspace():
            continue  # a blank glyph between them makes the space whatever the gap
        if min(a.bottom, b.bottom) - max(a.top, b.top) < PDF_LINE_OVERLAP * min(a.bottom - a.top, b.bottom - b.top):
            continue  # not on one line
        size = min(a.size, b.size)
        gap, step = b.x0 - a.x1, b.x0 - a.x0
        threshold, duplicate = PDF_SPACE_GAP * size, PDF_DUPLICATE_OFFSET * a.size
        if (gap > threshold) != (gap - shift > threshold) or (step > 0) != (step - shift > 0) \
                or min(abs(gap - threshold), abs(gap - shift - threshold)) <= PDF_FAST_EPSILON \
                or (a.text == b.text and (abs(step) < duplicate) != (abs(step - shift) < duplicate)):
            return False
    return True


def _drift(chars: list[_Char], runs: list[int], joins: list[tuple[int, float]]) -> list[tuple[float, float]]:
    """Per glyph, the least and most pdfminer may put it left of ours (negative: right): the shifts of
    the chain of possible continuations before it (``_joins``), any of which may as well be a new
    position; glyphs after the last run (blanks) get the page's widest range."""
    shifts = dict(joins)
    drift = [(0.0, 0.0)] * len(chars)
    lo = hi = least = most = 0.0
    for start, end in zip(runs, runs[1:]):
        shift = shifts.get(start)
        lo, hi = (min(0.0, lo + shift), max(0.0, hi + shift)) if shift is not None else (0.0, 0.0)
        drift[start:end] = [(lo, hi)] * (end - start)
        least, most = min(least, lo), max(most, hi)
    drift[runs[-1]:] = [(least, most)] * (len(chars) - runs[-1])
    return drift


def _deleted_space(api: Any, pending: tuple[int, float, float], texts: dict[int, _FastText],
                   append: Callable[[_Char], None]) -> bool:
    """Add the space glyph PDFium deleted after a space it generated inside a text object (``pending``:
    the object and the generated space's origin, where the space glyph stood); False when that object's
    glyph box is not known (a skewed object, or one in a form XObject whose glyphs came later)."""
    import ctypes

    handle, x, y = pending
    text = texts[handle]
    if text.box is None or len(text.box) != 4:
        return False
    font = text.font
    advance = font.widths.get(32)
    if advance is None:
        advance = font.unchecked.get(32)
    if advance is None:
        width = ctypes.c_float()
        if not api.glyph_width(font.handle, 32, 1.0, ctypes.byref(width)) or width.value < 0:
            return False
        advance = font.widths[32] = width.value
    x_scale, top, bottom, size = text.box
    append(_Char(" ", x, x + advance * x_scale, top - y, bottom - y, size))
    return True


def _pdfium_left_out(api: Any, texts: dict[int, _FastText], seen: set[int], height: float) -> list[_Char] | None:
    """What pdfminer reads of the text objects PDFium's text page left out (``seen`` holds the others):
    a space for an object whose box is empty, nothing for a fake-bold copy; None when an object is
    neither (see ``_pdfium_scan``).

    PDFium drops an object whose box has no width: its glyphs have no outline. With an embedded or
    built-in font (a substituted one with an empty box does not get here) those are blank glyphs —
    a space, a U+3000 — such as Word and reportlab write as a run of their own between runs in other
    fonts ("第1页", " ", "共4页"); pdfminer reads them, and the line builder makes one space of them.
    PDFium also drops a copy of another object drawn a little to the side — it compares character codes —
    whichever of the two it meets second on the line; the line builder drops the copy's glyphs too
    (PDF_DUPLICATE_OFFSET), provided it is closer than a tenth of the font size: same font and size,
    a box of the same extent.
    """
    import ctypes

    box = (ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float())
    p_box = [ctypes.byref(v) for v in box]
    size, advance = ctypes.c_float(), ctypes.c_float()
    matrix = api.FS_MATRIX()
    measured: dict[int, tuple[float, float, float, float, float] | None] = {}

    def measure(text: _FastText) -> tuple[float, float, float, float, float] | None:
        if text.handle not in measured:
            ok = not text.level and api.bounds(text.handle, *p_box) \
                and api.text_font_size(text.handle, ctypes.byref(size))
            measured[text.handle] = (box[0].value, box[1].value, box[2].value, box[3].value,
                                     size.value * text.scale) if ok else None
        return measured[text.handle]

    blanks: list[_Char] = []
    for handle, text in texts.items():
        if handle in seen:
            continue
        mine = measure(text)
        if mine is None:
            return None
        left, bottom, right, top, font_size = mine
        if right - left < PDF_FAST_EPSILON and top - bottom < PDF_FAST_EPSILON:
            if not api.matrix(handle, ctypes.byref(matrix)) or matrix.b or matrix.c \
                    or not api.glyph_width(text.font.handle, 32, 1.0, ctypes.byref(advance)):
                return None
            x, y, points = matrix.e, matrix.f, font_size / text.scale
            y0 = y + matrix.d * text.font.descent * points / 1000
            y1 = y0 + font_size
            blanks.append(_Char(" ", x, x + matrix.a * advance.value * points, height - y1, height - y0,
                                font_size or 1.0))
            continue
        reach = 0.1 * font_size
        for other in texts.values():
            if other.font is not text.font or other.handle not in seen:
                continue
            theirs = measure(other)
            if theirs is None or theirs[4] != font_size:
                continue
            ol, ob, orr, ot, _ = theirs
            if abs(left - ol) < reach and abs(bottom - ob) < reach \
                    and abs((right - left) - (orr - ol)) <= PDF_FAST_EPSILON \
                    and abs((top - bottom) - (ot - ob)) <= PDF_FAST_EPSILON:
                break
        else:
            return None
    return blanks


def _pdfium_rulings(api: Any, paths: list[int], x_origin: float,
                    y_origin: float) -> list[tuple[str, list[tuple[float, float]]]] | None:
    """The lines, rectangles and polylines pdfminer makes of the page's path objects, as (kind, points in
    pdfminer's page coordinates); None when a path has curves, a turned matrix, or a point where PDFium's
    and pdfminer's rounding could give a different shape (``_pdfminer_shape``).

    pdfminer paints each subpath (from a moveto) apart: "ml"/"mlh" is a line, "mlllh"/"mllll" closed on
    an axis-aligned rectangle a rect, anything else a curve through its points. PDFium keeps a path
    object's subpaths together, and ``re`` and ``h`` as a line back to the start flagged "close".
    """
    import ctypes

    matrix = api.FS_MATRIX()
    p_matrix = ctypes.byref(matrix)
    px, py = ctypes.c_float(), ctypes.c_float()
    p_px, p_py = ctypes.byref(px), ctypes.byref(py)
    shapes: list[tuple[str, list[tuple[float, float]]]] = []
    for path in paths:
        if not api.matrix(path, p_matrix) or matrix.b or matrix.c:
            return None
        a, d, e, f = matrix.a, matrix.d, matrix.e - x_origin, matrix.f - y_origin
        subpaths: list[tuple[str, list[tuple[float, float]]]] = []
        for i in range(api.path_segments(path)):
            segment = api.path_segment(path, i)
            if not segment or not api.segment_point(segment, p_px, p_py):
                return None
            kind = api.segment_type(segment)
            point = (a * px.value + e, d * py.value + f)
            if kind == api.MOVETO:
                if api.segment_close(segment):
                    return None  # "m h": pdfminer paints a curve of one point, where PDFium has a lone moveto
                subpaths.append(("m", [point]))
                continue
            if kind != api.LINETO or not subpaths:
                return None  # Bézier curves: pdfminer keeps only their end points
            shape, points = subpaths[-1]
            if api.segment_close(segment):
                if point != points[0]:
                    return None
                subpaths[-1] = (shape + "h", points + [point])
            else:
                subpaths[-1] = (shape + "l", points + [point])
        if len(subpaths) > 1:
            subpaths = [s for s in subpaths if s[0] != "m"]  # a lone moveto among others paints nothing
        for shape, points in subpaths:
            found = _pdfminer_shape(shape, points)
            if found is None:
                return None
            shapes.append(found)
    return shapes


def _pdfminer_shape(shape: str, pts: list[tuple[float, float]]) -> tuple[str, list[tuple[float, float]]] | None:
    """pdfminer's reading of one subpath (``PDFLayoutAnalyzer.paint_path``): ("line"|"rect"|"curve",
    points); None when one of its exact comparisons of coordinates is a near tie."""

    def tie(p: float, q: float) -> bool:
        return 0 < abs(p - q) <= PDF_FAST_EPSILON

    if any(tie(p[0], q[0]) or tie(p[1], q[1]) for p, q in zip(pts, pts[1:] + pts[:1])):
        return None
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape, pts = shape[:-2] + "h", pts[:-1]
    if shape in ("mlh", "ml"):
        return "line", pts[:2]
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        if pts[0] == pts[4] and square:
            return "rect", [pts[0], pts[2]]
    return "curve", pts


class _RulingPage:
    """What pdfplumber's ``TableFinder`` reads from a page with the "lines" strategies: its edges."""

    def __init__(self, edges: list[dict[str, Any]], bbox: tuple[float, float, float, float]):
        self.edges = edges
        self.bbox = bbox


def _pdfium_tables(shapes: list[tuple[str, list[tuple[float, float]]]], height: float, x_origin: float,
                   y_origin: float) -> _FoundTables | None:
    """``_find_tables`` on the rulings ``shapes``: pdfplumber's table finder with the settings of
    ``page.find_tables()``, on the edges pdfplumber makes of pdfminer's objects (``Page.process_object``,
    ``utils.line_to_edge`` …). None when a comparison of the finder is too close to call (see
    ``_pdfium_scan``; the glyphs' placement is checked by ``_cells_decisive``)."""
    from pdfplumber import utils
    from pdfplumber.table import TableFinder, TableSettings

    # pdfplumber's page coordinates: x shifted by the mediabox's left edge, top = height - y (y from the
    # mediabox's bottom edge) minus that edge again
    mb_x0, mb_top = x_origin, -y_origin
    objects: dict[str, list[dict[str, Any]]] = {"line": [], "rect": [], "curve": []}
    for kind, pts in shapes:
        corners = pts
        if kind == "rect":
            (ax, ay), (bx, by) = pts
            corners = [(ax, ay), (bx, ay), (bx, by), (ax, by)]
        x0, x1 = min(p[0] for p in corners), max(p[0] for p in corners)
        y0, y1 = min(p[1] for p in corners), max(p[1] for p in corners)
        top = (height - y1) + mb_top
        obj = {"object_type": kind, "x0": x0 + mb_x0 if mb_x0 != 0 else x0, "x1": x1 + mb_x0 if mb_x0 != 0 else x1,
               "y0": y0, "y1": y1, "width": x1 - x0, "height": y1 - y0, "top": top,
               "bottom": (height - y0) + mb_top, "doctop": top}
        if kind == "curve":
            obj["pts"] = [(mb_x0 + x, mb_top + height - y) for x, y in pts]
        objects[kind].append(obj)
    edges = ([utils.line_to_edge(o) for o in objects["line"]]
             + [e for o in objects["rect"] for e in utils.rect_to_edges(o)]
             + [e for o in objects["curve"] for e in utils.curve_to_edges(o)])
    settings = TableSettings.resolve(None)
    if not _rulings_decisive(edges, settings):
        return None
    try:
        tables = TableFinder(_RulingPage(edges, (mb_x0, mb_top, mb_x0, mb_top + height)), settings).tables
    except Exception as e:  # noqa: BLE001 - pdfminer's way will tell
        logger.info("fast table detection failed: %s: %s", type(e).__name__, e)
        return None
    return _table_grids(tables)


def _rulings_decisive(edges: list[dict[str, Any]], settings: Any) -> bool:
    """Whether every comparison of pdfplumber's "lines" table finder (``TableFinder.get_edges``,
    ``merge_edges``, ``edges_to_intersections``) on ``edges`` is decided by more than PDF_FAST_EPSILON,
    so that pdfminer's slightly different coordinates give the same cells. The later steps compare
    coordinates for equality, which snapping made exact."""
    from pdfplumber import table, utils

    def tie(value: float, limit: float) -> bool:
        return abs(value - limit) <= PDF_FAST_EPSILON

    def length(e: dict[str, Any]) -> float:
        return e["height"] if e["orientation"] == "v" else e["width"]

    pre = settings.edge_min_length_prefilter
    ruled = [e for e in edges if e["orientation"] in ("v", "h")]
    if any(tie(length(e), pre) for e in ruled):
        return False
    ruled = [e for e in ruled if length(e) >= pre]
    for orientation, attr, tolerance in (("v", "x0", settings.snap_x_tolerance),
                                         ("h", "top", settings.snap_y_tolerance)):
        values = sorted({e[attr] for e in ruled if e["orientation"] == orientation})
        if tolerance > 0 and any(tie(q - p, tolerance) for p, q in zip(values, values[1:])):
            return False
    snapped = table.snap_edges(ruled, settings.snap_x_tolerance, settings.snap_y_tolerance)
    groups: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for e in snapped:
        groups.setdefault((e["orientation"], e["top"] if e["orientation"] == "h" else e["x0"]), []).append(e)
    for (orientation, _), group in groups.items():
        lo, hi = ("x0", "x1") if orientation == "h" else ("top", "bottom")
        tolerance = settings.join_x_tolerance if orientation == "h" else settings.join_y_tolerance
        group.sort(key=lambda e: e[lo])
        reach = group[0][hi]
        for e in group[1:]:
            if tie(e[lo], reach + tolerance):
                return False
            reach = max(reach, e[hi]) if e[lo] <= reach + tolerance else e[hi]
    merged = table.merge_edges(ruled, settings.snap_x_tolerance, settings.snap_y_tolerance,
                               settings.join_x_tolerance, settings.join_y_tolerance)
    if any(tie(length(e), settings.edge_min_length) for e in merged):
        return False
    merged = utils.filter_edges(merged, min_length=settings.edge_min_length)
    tx, ty = settings.intersection_x_tolerance, settings.intersection_y_tolerance
    verticals = [e for e in merged if e["orientation"] == "v"]
    for h in (e for e in merged if e["orientation"] == "h"):
        for v in verticals:
            if tie(v["top"], h["top"] + ty) or tie(v["bottom"], h["top"] - ty) or tie(v["x0"], h["x0"] - tx) \
                    or tie(v["x0"], h["x1"] + tx):
                return False
    return True


def _cells_decisive(found: _FoundTables, chars: list[_Char], drift: list[tuple[float, float]]) -> bool:
    """Whether every glyph's centre is clearly inside or outside each table and each of its cells, and
    every glyph's top away from each table's top (which orders lines and tables), by PDF_FAST_CELL_MARGIN
    of its size: so that pdfminer's glyph boxes, a little apart from ours, fall in the same cells and
    lines. Horizontally the centre is the range pdfminer may put it in (``drift``). A glyph clear of a
    table is clear of each of its cells (the table's box holds them all); one inside it and away from
    every ruling of the table is clear of all its cells at once; one near a ruling (in a merged cell, a
    ruling of other rows can run through its middle) is checked cell by cell."""
    import bisect

    def near(values: list[float], lo: float, hi: float, margin: float) -> bool:
        k = bisect.bisect_left(values, lo - margin)
        return k < len(values) and values[k] <= hi + margin

    def clear(lo: float, hi: float, y: float, bbox: Any, margin: float) -> bool:
        x0, top, x1, bottom = bbox
        return (x0 + margin <= lo and hi <= x1 - margin and top + margin <= y <= bottom - margin) \
            or hi < x0 - margin or lo > x1 + margin or y < top - margin or y > bottom + margin

    for bbox, rows in found:
        cells = _cells_of(rows)
        xs, ys = _cell_edges(cells)
        x0, top, x1, bottom = bbox
        for c, (least, most) in zip(chars, drift):
            margin = PDF_FAST_CELL_MARGIN * c.size + PDF_FAST_EPSILON
            x, y = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
            lo, hi = x - most, x - least
            if abs(c.top - top) < margin:
                return False
            if hi < x0 - margin or lo > x1 + margin or y < top - margin or y > bottom + margin:
                continue  # clear of the table, hence of each of its cells (the table's box holds them all)
            if not (x0 + margin <= lo and hi <= x1 - margin and top + margin <= y <= bottom - margin):
                return False
            if (near(xs, lo, hi, margin) or near(ys, y, y, margin)) \
                    and not all(clear(lo, hi, y, cell, margin) for cell in cells):
                return False
    return True


def _page_list(pages: list[int]) -> str:
    return "、".join(str(n) for n in pages)


def _pdf_open_error(e: Exception) -> ReadError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    cause = e.args[0] if e.args and isinstance(e.args[0], BaseException) else e
    if isinstance(cause, PDFPasswordIncorrect):
        return ReadError("encrypted", "PDF 设置了打开密码，无法读取。请向报送单位索取未加密的文件，或取消密码后重新导出。")
    if isinstance(cause, PDFEncryptionError):
        return ReadError("encrypted", "PDF 使用了不支持的加密方式，无法读取。请取消加密后重新导出 PDF。")
    logger.warning("cannot open PDF: %s: %s", type(cause).__name__, cause)
    return ReadError("unreadable", f"PDF 文件已损坏或不完整，无法打开（{type(cause).__name__}）。"
                                   "请用原程序重新导出 PDF，或重新下载原文件。")


def _scan_page(page: Any) -> _PageScan:
    """Collect glyphs, ruled lines and images from pdfminer's layout of ``page`` (no dict conversion).

    Coordinates are converted to pdfplumber's (``top`` from the page's top edge, mediabox offset
    applied) so they can be compared with the bounding boxes of ``page.find_tables()``.
    """
    from pdfminer.layout import LTChar, LTContainer, LTCurve, LTFigure, LTImage

    scan = _PageScan()
    height = float(page.height)
    width = float(page.width)
    page_area = max(width * height, 1.0)
    mb_x0, mb_top = float(page.mediabox[0]), float(page.mediabox[1])
    largest = 0.0

    def visit(objects: Iterable[Any]) -> None:
        nonlocal largest
        for obj in objects:
            if isinstance(obj, LTChar):
                text = obj.get_text()
                if text.startswith("(cid:"):
                    scan.unmapped += 1
                    continue
                turn = _turn(obj.matrix)
                if turn is None:
                    scan.slanted += 1
                    continue
                scan.chars.append(_Char(text, obj.x0 + mb_x0, obj.x1 + mb_x0, height - obj.y1 + mb_top,
                                        height - obj.y0 + mb_top, float(obj.size) or 1.0, turn))
            elif isinstance(obj, LTCurve):
                scan.edges += 1
            elif isinstance(obj, LTImage):
                scan.images += 1
                area = max(obj.width, 0.0) * max(obj.height, 0.0)
                scan.image_cover = min(1.0, scan.image_cover + area / page_area)
                src = getattr(obj, "srcsize", None)
                if area > largest and src and src[0] and obj.width > 1:
                    try:
                        scan.image_dpi = float(src[0]) / (obj.width / 72.0)
                        largest = area
                    except (TypeError, ValueError):
                        pass
            elif isinstance(obj, (LTFigure, LTContainer)):
                visit(obj)

    visit(page.layout)
    return scan


def _page_blocks(height: float, number: int, scan: _PageScan, tables: list[Table], offset: int,
                 margins: list[tuple[str, Block]], page: Any = None, found: _FoundTables | None = None) -> list[Block]:
    """Blocks of one page in reading order: lines and table cells sorted by their top edge.

    Lines inside the top/bottom PDF_MARGIN_BAND of the page are added to ``margins`` as
    ("header"|"footer", block) candidates for ``_mark_running_lines``. The page's tables are ``found``
    (the fast path's), or else looked for on the pdfplumber ``page`` when it is given and has ruled lines.
    """
    chars = scan.chars
    if found is None:
        found = _find_tables(page) if page is not None and scan.edges >= PDF_TABLE_MIN_EDGES else []
    items: list[tuple[float, int, list[Block], Table | None]] = []
    for order, (bbox, cell_rows) in enumerate(found):
        inside = [c for c in chars if _center_in(c, bbox)]
        if not any(not c.text.isspace() for c in inside):
            continue  # a ruled frame without text (a form, a decoration): not a table
        cells = _cells_of(cell_rows)
        mine_of: list[list[_Char]] = [[] for _ in cells]  # each glyph goes to the first cell holding its centre
        placed: set[int] = set()
        for c, k in zip(inside, _first_cells(inside, cells)):
            if k is not None:
                mine_of[k].append(c)
                placed.add(id(c))
        table_blocks: list[Block] = []
        grid: list[list[str]] = []
        k = 0
        for r, row in enumerate(cell_rows):
            texts = []
            for col, cell in enumerate(row):
                text = ""
                if cell is not None:
                    text = "\n".join(line.text for line in _group_lines(mine_of[k]))
                    k += 1
                texts.append(text)
                if text.strip():
                    table_blocks.append(Block(text=text, kind="cell", page=number, row=r, col=col))
            grid.append(texts)
        # glyphs of the table area that fell in no cell stay ordinary lines
        chars = [c for c in chars if id(c) not in placed]
        items.append((bbox[1], order, table_blocks, Table(rows=grid, page=number)))
    for line in _group_lines(chars):
        block = Block(text=line.text, kind="line", page=number)
        if line.upright and line.top < PDF_MARGIN_BAND * height:
            margins.append(("header", block))
        elif line.upright and line.bottom > (1 - PDF_MARGIN_BAND) * height:
            margins.append(("footer", block))
        items.append((line.key, len(found), [block], None))
    items.sort(key=lambda item: (item[0], item[1]))

    blocks: list[Block] = []
    for _, _, item_blocks, table in items:
        if table is not None:
            table.index = offset + len(blocks)
            for block in item_blocks:
                block.table = len(tables)
            tables.append(table)
        blocks.extend(item_blocks)
    return blocks


def _find_tables(page: Any) -> _FoundTables:
    """Ruled tables of the page as (bbox, rows of cell bboxes or None); at least 2 rows and 2 columns.

    A failure of the table finder costs the page its tables, not its text.
    """
    try:
        tables = page.find_tables()
    except Exception as e:  # noqa: BLE001
        logger.warning("page %s: table detection failed: %s: %s", page.page_number, type(e).__name__, e)
        return []
    return _table_grids(tables)


def _table_grids(tables: Iterable[Any]) -> _FoundTables:
    """(bbox, rows of cell bboxes or None) of pdfplumber tables with at least 2 rows and 2 columns."""
    result = []
    for table in tables:
        rows = [list(row.cells) for row in table.rows]
        if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
            result.append((tuple(table.bbox), rows))
    return result


def _cells_of(rows: list[list[Any]]) -> list[Any]:
    """A table's cell bboxes row by row (``None``, a place a merged cell covers, left out)."""
    return [cell for row in rows for cell in row if cell is not None]


def _cell_edges(cells: list[Any]) -> tuple[list[float], list[float]]:
    """The distinct x and y edges of the cells (bboxes x0, top, x1, bottom), each sorted."""
    return sorted({c[0] for c in cells} | {c[2] for c in cells}), sorted({c[1] for c in cells} | {c[3] for c in cells})


def _first_cells(chars: list[_Char], cells: list[Any]) -> list[int | None]:
    """For each glyph, the index of the first of ``cells`` (bboxes) that holds its centre (``_center_in``),
    or None. The cells are looked up in a grid of the distinct cell edges, then tested exactly: tested cell
    by cell, a table of a few hundred cells took tens of milliseconds a page (41 rows, 8 columns: 64 ms)."""
    import bisect

    xs, ys = _cell_edges(cells)
    slots: dict[tuple[int, int], list[int]] = {}  # (x slab, y slab) → the cells covering it, in order

    def covered(edges: list[float], lo: float, hi: float) -> range:  # the slabs from edge lo to edge hi
        first = bisect.bisect_left(edges, lo)
        return range(first, max(bisect.bisect_left(edges, hi), first + 1))

    for k, (x0, top, x1, bottom) in enumerate(cells):
        for i in covered(xs, x0, x1):
            for j in covered(ys, top, bottom):
                slots.setdefault((i, j), []).append(k)

    def slabs(edges: list[float], v: float) -> tuple[int, ...]:
        i = bisect.bisect_right(edges, v) - 1  # edges[i] <= v < edges[i + 1]
        return (i, i - 1) if i >= 0 and edges[i] == v else (i,)  # on an edge: the slab before it too

    out: list[int | None] = []
    for c in chars:
        x = (c.x0 + c.x1) / 2
        y = (c.top + c.bottom) / 2
        best = None
        for i in slabs(xs, x):
            for j in slabs(ys, y):
                for k in slots.get((i, j), ()):
                    if best is not None and k >= best:
                        break
                    x0, top, x1, bottom = cells[k]
                    if x0 <= x <= x1 and top <= y <= bottom:
                        best = k
                        break
        out.append(best)
    return out


def _center_in(c: _Char, bbox: Any) -> bool:
    x = (c.x0 + c.x1) / 2
    y = (c.top + c.bottom) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _turn(matrix: tuple[float, ...]) -> int | None:
    """Direction of a glyph's baseline from its text matrix: 0, 90, 180 or 270 degrees, or None when
    it is slanted (e.g. a 45° watermark). Italic shear does not count."""
    a, b = matrix[0], matrix[1]
    if abs(b) <= 0.1 * abs(a):
        return 0 if a > 0 else 180
    if abs(a) <= 0.1 * abs(b):
        return 90 if b > 0 else 270
    return None


def _to_frame(c: _Char) -> _Char:
    """The glyph's box in its own text frame, where its text runs left to right, lines top down.

    90°: text runs up the page and the next line stands to its right; 270°: text runs down and
    the next line stands to its left; 180°: upside down.
    """
    if c.turn == 90:
        return _Char(c.text, -c.bottom, -c.top, c.x0, c.x1, c.size)
    if c.turn == 270:
        return _Char(c.text, c.top, c.bottom, -c.x1, -c.x0, c.size)
    if c.turn == 180:
        return _Char(c.text, -c.x1, -c.x0, -c.bottom, -c.top, c.size)
    return c


_TURNED_KEY = 1e7  # turned lines come after the page's upright lines and tables, in their own order


def _group_lines(chars: list[_Char]) -> list[_Line]:
    """Cluster glyphs into text lines: upright lines top to bottom, then lines turned 90°, 270° and
    180° in their own reading order; each line read along its run.

    Glyphs share a line when they overlap across the run by PDF_LINE_OVERLAP of the smaller glyph
    (superscripts such as m² stay on their line). Within a line a gap wider than PDF_SPACE_GAP font
    sizes, or any run of blank glyphs, becomes one space; a glyph repeated at almost the same spot
    (fake bold) is dropped.
    """
    groups: dict[int, list[_Char]] = {}
    if not any(map(_TURN_OF, chars)):
        groups[0] = chars  # all upright (read, not changed)
    else:
        for c in chars:
            group = groups.get(c.turn)
            if group is None:
                groups[c.turn] = [c]
            else:
                group.append(c)
    lines: list[_Line] = []
    by_x0 = _BY_X0
    for rank, turn in enumerate((0, 90, 270, 180)):
        group = groups.get(turn)
        if not group:
            continue
        clusters = _cluster_lines(group if turn == 0 else [_to_frame(c) for c in group])
        for i, (top, bottom, cluster) in enumerate(clusters):
            if len(cluster) > 1:
                cluster.sort(key=by_x0)
            text = _join_line(cluster)
            if not text:
                continue
            if turn == 0:
                lines.append(_Line(text, top, bottom, top))
            else:
                lines.append(_Line(text, top, bottom, _TURNED_KEY * (rank + 1) + i, upright=False))
    return lines


_BY_X0 = operator.attrgetter("x0")


def _cluster_lines(chars: list[_Char]) -> list[tuple[float, float, list[_Char]]]:
    """Group upright glyphs into lines by vertical overlap, top to bottom: (top, bottom, glyphs) per
    line, ``top`` and ``bottom`` the least top and the greatest bottom of its glyphs."""
    ordered = [item[3] for item in sorted([((c.top + c.bottom) / 2, c.x0, i, c) for i, c in enumerate(chars)])]
    clusters: list[tuple[float, float, list[_Char]]] = []
    overlap_share = PDF_LINE_OVERLAP
    current: list[_Char] | None = None
    top = bottom = 0.0
    # min() and max() written out as comparisons, in the order the builtins compare (same results)
    for c in ordered:
        c_top, c_bottom = c.top, c.bottom
        if current is not None:
            if c_top == top and c_bottom == bottom and bottom >= top:
                current.append(c)  # the glyph spans the line exactly: the test below holds, nothing grows
                continue
            height, c_height = bottom - top, c_bottom - c_top
            overlap = (c_bottom if c_bottom < bottom else bottom) - (c_top if c_top > top else top)
            if overlap >= overlap_share * (c_height if c_height < height else height):
                current.append(c)
                if c_top < top:
                    top = c_top
                if c_bottom > bottom:
                    bottom = c_bottom
                continue
            clusters.append((top, bottom, current))
        current = [c]
        top, bottom = c_top, c_bottom
    if current is not None:
        clusters.append((top, bottom, current))
    clusters.sort(key=_FIRST)
    return clusters


_FIRST = operator.itemgetter(0)


def _join_line(chars: list[_Char]) -> str:
    out: list[str] = []
    append = out.append
    blank = False  # ``out`` ends with the space of a gap or of blank glyphs
    prev: _Char | None = None
    duplicate_share, gap_share = PDF_DUPLICATE_OFFSET, PDF_SPACE_GAP
    prev_text, prev_x1, prev_size = "", 0.0, 0.0  # the text, right edge and size of ``prev``
    for c in chars:
        text = c.text
        if text.isspace():
            if out and not blank:
                append(" ")
                blank = True
            continue
        size = c.size
        if prev is not None:
            x0 = c.x0
            if text == prev_text and abs(x0 - prev.x0) < duplicate_share * prev_size \
                    and abs(c.top - prev.top) < duplicate_share * prev_size:
                continue
            if x0 - prev_x1 > gap_share * (prev_size if prev_size < size else size) and out and not blank:
                append(" ")
        append(text)
        blank = False
        prev, prev_text, prev_x1, prev_size = c, text, c.x1, size
    return "".join(out).strip()


_PAGE_NUMBER = re.compile(r"""^[\s\-—–_·•.]*(?:
        第?\s*\d{1,4}\s*页?(?:\s*[/／,，]?\s*共\s*\d{1,4}\s*页)?   # 3 · 第3页 · 第3页 共9页
      | \d{1,4}\s*[/／]\s*\d{1,4}                                  # 3/9
      | Page\s*\d{1,4}(?:\s*of\s*\d{1,4})?                          # Page 3 of 9
    )[\s\-—–_·•.]*$""", re.VERBOSE | re.IGNORECASE)


def _mark_running_lines(margins: list[tuple[str, Block]], pages: int) -> None:
    """Give page furniture its kind: a margin line becomes "header"/"footer" when it looks like a page
    number or its text (digits ignored) recurs in the same margin on half the pages, 3 at least."""

    def key(kind: str, text: str) -> tuple[str, str]:
        return kind, re.sub(r"\d+", "#", re.sub(r"\s+", "", text))

    counts = Counter(key(kind, block.text) for kind, block in margins)
    for kind, block in margins:
        n = counts[key(kind, block.text)]
        if _PAGE_NUMBER.match(block.text) or (n >= 3 and n * 2 >= pages):
            block.kind = kind
