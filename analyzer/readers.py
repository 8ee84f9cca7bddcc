"""Reader stage: turn a .txt, .docx or .pdf file into a ``Document`` of text blocks in reading order.

Public API::

    read_document(path) -> Document       # sniffs the content, then calls one of:
    read_txt(path) / read_docx(path) / read_pdf(path)
    detect_encoding(data) -> str           # the codec a .txt file's bytes are in
    SUPPORTED_SUFFIXES, MAX_BYTES, MAX_DOCX_INFLATED

Example::

    >>> doc = read_document("r03.pdf")                          # doctest: +SKIP
    >>> "\\n".join(b.text for b in doc.blocks)                   # doctest: +SKIP

Every failure is a ``ReadError(kind, message)`` with a Chinese message that says what is wrong and what
the user can do; no exception of pdfminer, python-docx, zipfile or the codecs escapes.

Dispatch
    The first bytes decide what a file really is (``%PDF-``, a zip holding ``word/document.xml``, an OLE2
    container, an image, HTML …); the suffix only says what the user meant. A PDF or Word document
    with the wrong suffix is read anyway, with a warning; anything else that does not match its suffix
    is ``unreadable``; a format we do not read (.doc, .wps, .xls, pictures …) is ``unsupported``.

Blocks (see ``analyzer.types.Block``)
    .txt   one "para" block per line, empty lines included as blocks with empty text (they separate
           paragraphs); the newline that ends the file does not make an extra empty block.
    .docx  body paragraphs ("para") and table cells ("cell", non-empty cells only) in document order;
           the text boxes anchored in a paragraph ("textbox") follow that paragraph; headers and
           footers ("header"/"footer", one block per distinct header/footer part) come last.
    .pdf   one "line" block per text line and one "cell" block per non-empty table cell, page by
           page, top to bottom; a line in the top/bottom margin that is a page number or repeats on
           most pages gets kind "header"/"footer" but keeps its place (and page number).
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
"""

from __future__ import annotations

import codecs
import functools
import logging
import os
import re
import stat
import zipfile
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
    "SUPPORTED_SUFFIXES",
    "detect_encoding",
    "read_document",
    "read_docx",
    "read_pdf",
    "read_txt",
]

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".docx", ".pdf")
MAX_BYTES = 200 * 1024 * 1024  # larger input files are refused (too_large)
MAX_DOCX_INFLATED = 300 * 1024 * 1024  # zip-bomb guard: total uncompressed size of a .docx

# PDF layout tuning, in units of the font size of the characters concerned.
PDF_SPACE_GAP = 0.5  # a horizontal gap wider than this between two glyphs reads as a space
PDF_DUPLICATE_OFFSET = 0.3  # the same glyph drawn again closer than this is fake bold: dropped
PDF_LINE_OVERLAP = 0.5  # glyphs overlapping vertically by this share of the smaller one share a line
PDF_MIN_PAGE_CHARS = 10  # a page with fewer visible characters has no usable text layer
PDF_TABLE_MIN_EDGES = 4  # ruled lines/rectangles a page needs before we look for tables there
PDF_MARGIN_BAND = 0.08  # top/bottom share of the page where running headers and footers live

_SNIFF_BYTES = 8192

# ---------------------------------------------------------------------------
# Messages (Chinese, for the user)
# ---------------------------------------------------------------------------

_UNSUPPORTED_HINTS: dict[str, str] = {
    ".doc": "旧版 .doc 暂不支持，请用 Word 或 WPS 打开后另存为 .docx 或 PDF。",
    ".wps": "WPS 旧格式 .wps 暂不支持，请用 WPS 打开后另存为 .docx 或 PDF。",
    ".rtf": "RTF 格式暂不支持，请用 Word 打开后另存为 .docx。",
    ".odt": "OpenDocument 文本 .odt 暂不支持，请另存为 .docx 或 PDF。",
    ".xls": "这是 Excel 表格，不是汇报文稿；台账请通过 --ledger 参数提供。",
    ".xlsx": "这是 Excel 表格，不是汇报文稿；台账请通过 --ledger 参数提供。",
    ".et": "这是 WPS 表格，不是汇报文稿；台账请另存为 .xlsx 后通过 --ledger 参数提供。",
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
    suffix = p.suffix.lower()
    head = _read_head(p)
    content = _sniff(head, p)
    readers: dict[str, Callable[[Path], Document]] = {"pdf": read_pdf, "docx": read_docx, "text": read_txt}

    if content in ("pdf", "docx"):
        expected = {".pdf": "pdf", ".docx": "docx"}.get(suffix)
        document = readers[content](p)
        if expected != content:
            document.warnings.append(
                f"文件扩展名为“{suffix or '无'}”，但内容是{_CONTENT_NAMES[content]}，已按实际内容读取；"
                f"建议把扩展名改为 .{content}。")
        return document
    if suffix == ".txt":
        if content in ("text", "html"):
            return read_txt(p)
        raise ReadError("unreadable", f"文件扩展名为 .txt，但内容是{_CONTENT_NAMES[content]}，不是文本文件。"
                                      "请确认文件是否正确，或用原程序另存为 .txt、.docx 或 PDF。")
    if content == "ole" and suffix in (".docx", ".doc", ".wps", ".xlsx", ".xls", ".pdf") and \
            _ole_is_encrypted_ooxml(p):
        raise ReadError("encrypted", "文档设置了打开密码（加密的 Office 文档），无法读取。"
                                     "请取消密码后另存为 .docx 再提交。")
    if suffix in _UNSUPPORTED_HINTS:
        raise ReadError("unsupported", f"不支持的文件类型 {suffix}：{_UNSUPPORTED_HINTS[suffix]}")
    if suffix in (".pdf", ".docx"):
        raise ReadError("unreadable", _mismatch_message(suffix, content))
    if content == "image":
        raise ReadError("unsupported", _IMAGE_HINT)
    raise ReadError("unsupported", f"不支持的文件类型“{suffix or '无扩展名'}”：目前只能读取 .txt、.docx 和 .pdf；"
                                   "如果这是纯文本，请把扩展名改为 .txt。")


def _mismatch_message(suffix: str, content: str) -> str:
    if content == "ole" and suffix == ".docx":
        return ("文件扩展名为 .docx，但内容是旧版 .doc 文档（只改了扩展名）。旧版 .doc 暂不支持，"
                "请用 Word 或 WPS 打开后另存为 .docx 或 PDF。")
    if content == "html":
        return (f"文件扩展名为 {suffix}，但内容是网页（HTML），可能是下载时保存了错误页面。"
                "请重新下载原文件，或在浏览器中打印为 PDF。")
    if content in ("binary", "text"):
        kind = "PDF" if suffix == ".pdf" else "Word（.docx）"
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


def _ole_is_encrypted_ooxml(p: Path) -> bool:
    """An OLE2 file holding an 'EncryptionInfo' stream is a password-protected .docx/.xlsx."""
    needle = "EncryptionInfo".encode("utf-16-le")
    try:
        with p.open("rb") as f:
            return needle in f.read(1 << 20)
    except OSError:
        return False


_R = TypeVar("_R")


def _guard(fmt: str) -> Callable[[Callable[[Path], _R]], Callable[[str | os.PathLike], _R]]:
    """Run a reader with common checks; turn any library exception into ReadError('unreadable')."""
    label = {"pdf": "PDF", "docx": "Word（.docx）", "txt": "文本"}[fmt]

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
    data = path.read_bytes()
    if not data:
        raise ReadError("empty", "文件是空的（0 字节），可能在复制或下载时出错。请重新获取原文件。")
    encoding = detect_encoding(data)
    warnings: list[str] = []
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        text = data.decode("gb18030", errors="replace")
        encoding = "gb18030"
        warnings.append("文本编码无法准确识别，部分字符可能显示为乱码（�）。建议用记事本另存为 UTF-8 编码后重新提交。")
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


def _docx_zip_guard(path: Path) -> None:
    """Refuse archives that would inflate past MAX_DOCX_INFLATED before any XML is parsed."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except zipfile.BadZipFile:
        raise ReadError("unreadable", "Word 文件（.docx）已损坏，无法作为压缩包打开。"
                                      "请用 Word 或 WPS 打开修复后重新保存。") from None
    total = sum(info.file_size for info in infos)
    if total > MAX_DOCX_INFLATED:
        raise ReadError("too_large", f"Word 文件解压后过大（{_size_text(total)}，上限 "
                                     f"{_size_text(MAX_DOCX_INFLATED)}），可能是异常或恶意文件。"
                                     "请确认文件来源，或另存为 PDF 后再提交。")
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise ReadError("unreadable", "文件是压缩包，但不是 Word 文档（.docx）。"
                                      "请确认文件是否正确，或用 Word 另存为 .docx。")


@_guard("docx")
def read_docx(path: Path) -> Document:
    """Read a .docx: paragraphs, table cells and text boxes in document order, then headers/footers.

    The zip is checked against MAX_DOCX_INFLATED first. XML goes through python-docx's parser, which
    never resolves entities (no XXE). Tables nested in a cell are flattened into the cell's text
    (cells joined by a tab, rows by a line break).
    """
    _docx_zip_guard(path)
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

    walker = _DocxWalker()
    walker.walk_story(word.element.body)
    for kind, element in _docx_headers_footers(word):
        walker.add_header_footer(kind, element)
    document = Document(path=str(path), format="docx", blocks=walker.blocks + walker.furniture,
                        tables=walker.tables)
    if not any(b.text.strip() for b in document.blocks):
        raise ReadError("empty", "Word 文档中没有任何文字。请确认文件内容是否完整（图片中的文字需要 OCR）。")
    return _finish(document)


def _docx_headers_footers(word: Any) -> Iterator[tuple[str, Any]]:
    """(kind, root element) of every header/footer part referenced by a section, in section order."""
    part = word.part
    for sect_pr in word.element.body.iter(_w("sectPr")):
        for ref in sect_pr:
            if ref.tag not in (_w("headerReference"), _w("footerReference")):
                continue
            rid = ref.get(f"{{{_R_NS}}}id")
            try:
                related = part.related_parts[rid]
            except KeyError:
                continue
            element = getattr(related, "element", None)
            if element is not None:
                yield ("header" if ref.tag == _w("headerReference") else "footer"), element


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


@dataclass
class _PageScan:
    """What one page holds, read straight from pdfminer's layout objects."""

    chars: list[_Char] = field(default_factory=list)
    edges: int = 0
    images: int = 0
    unmapped: int = 0  # glyphs without a Unicode mapping ("(cid:123)")
    slanted: int = 0  # glyphs at an odd angle (diagonal watermarks): left out

    @property
    def visible(self) -> int:
        return sum(1 for c in self.chars if not c.text.isspace())


@_guard("pdf")
def read_pdf(path: Path) -> Document:
    """Read a PDF with a text layer: "line" and "cell" blocks page by page (``Block.page`` 1-based).

    Raises ReadError ``encrypted`` for a password-protected file, ``no_text`` when no page has a
    usable text layer (a scan), ``unreadable`` for a damaged file, ``empty`` for a file without pages.
    Pages that fail or carry only a picture are skipped with a warning in ``Document.warnings``.
    """
    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

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
        blocks: list[Block] = []
        tables: list[Table] = []
        failed: list[int] = []
        pictures: list[int] = []
        unmapped: list[int] = []
        rescued: list[int] = []
        margins: list[tuple[str, Block]] = []
        text_pages = 0
        fallback = _PdfiumFallback(path)
        try:
            for number, page in enumerate(pages, start=1):
                try:
                    scan = _scan_page(page)
                    if scan.unmapped >= PDF_MIN_PAGE_CHARS and scan.unmapped > scan.visible:
                        lines = fallback.page_lines(number - 1)
                        if sum(len(line) for line in lines) >= PDF_MIN_PAGE_CHARS:
                            blocks.extend(Block(text=line, kind="line", page=number) for line in lines)
                            rescued.append(number)
                            text_pages += 1
                            continue
                    if scan.visible >= PDF_MIN_PAGE_CHARS:
                        text_pages += 1
                    elif scan.unmapped:
                        unmapped.append(number)
                    elif scan.images:
                        pictures.append(number)
                    blocks.extend(_page_blocks(page, number, scan, tables, len(blocks), margins))
                except Exception as e:  # noqa: BLE001 - one bad page must not lose the others
                    logger.warning("%s: page %d unreadable: %s: %s", path, number, type(e).__name__, e)
                    failed.append(number)
                finally:
                    page.close()
        finally:
            fallback.close()
        page_count = len(pages)

    if len(failed) == page_count:
        raise ReadError("unreadable", "PDF 文件已损坏，没有一页能够读取。请用原程序重新导出 PDF。")
    if text_pages == 0:
        if unmapped:
            raise ReadError("no_text", "PDF 的文字使用了无法识别的字体编码，提取不出文字。"
                                       "请用原程序重新导出 PDF（嵌入字体），或按扫描件做 OCR 识别。")
        raise ReadError("no_text", "PDF 没有文字层（可能是扫描件或图片），扫描件需要 OCR 识别后才能分析。"
                                   "请提供原始电子版（.docx 或可复制文字的 PDF）。")
    _mark_running_lines(margins, page_count)
    warnings = []
    if failed:
        warnings.append(f"第 {_page_list(failed)} 页已损坏，无法读取，这些页的内容未包含在结果中。")
    if pictures:
        warnings.append(f"第 {_page_list(pictures)} 页没有文字层（可能是扫描页或图片），需要 OCR，内容未读取。")
    if unmapped:
        warnings.append(f"第 {_page_list(unmapped)} 页的字体编码无法识别，文字未能提取。")
    if rescued:
        warnings.append(f"第 {_page_list(rescued)} 页的字体缺少标准文字编码，已改用备用方式提取文字"
                        "（表格按普通文字行读取，页眉页脚未单独标出），请核对。")
    return _finish(Document(path=str(path), format="pdf", blocks=blocks, tables=tables, pages=page_count,
                            warnings=warnings))


class _PdfiumFallback:
    """pypdfium2, opened on first use, for pages whose fonts pdfminer cannot map to Unicode.

    pdfminer leaves such glyphs as "(cid:N)": fonts without a ToUnicode map whose character
    collection it cannot resolve — for instance CID fonts in a PDF with an owner password, whose
    CIDSystemInfo strings it does not decrypt. PDFium reads those pages.
    """

    def __init__(self, path: Path):
        self.path = path
        self._pdf: Any = None
        self._failed = False

    def page_lines(self, index: int) -> list[str]:
        if self._failed:
            return []
        try:
            if self._pdf is None:
                import pypdfium2

                self._pdf = pypdfium2.PdfDocument(str(self.path))
            page = self._pdf[index]
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
            self._failed = True
            return []
        return [line.strip() for line in _NEWLINES.split(text) if line.strip()]

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
            self._pdf = None


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
    mb_x0, mb_top = float(page.mediabox[0]), float(page.mediabox[1])

    def visit(objects: Iterable[Any]) -> None:
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
            elif isinstance(obj, (LTFigure, LTContainer)):
                visit(obj)

    visit(page.layout)
    return scan


def _page_blocks(page: Any, number: int, scan: _PageScan, tables: list[Table], offset: int,
                 margins: list[tuple[str, Block]]) -> list[Block]:
    """Blocks of one page in reading order: lines and table cells sorted by their top edge.

    Lines inside the top/bottom PDF_MARGIN_BAND of the page are added to ``margins`` as
    ("header"|"footer", block) candidates for ``_mark_running_lines``.
    """
    height = float(page.height)
    chars = scan.chars
    found = _find_tables(page) if scan.edges >= PDF_TABLE_MIN_EDGES else []
    items: list[tuple[float, int, list[Block], Table | None]] = []
    for order, (bbox, cell_rows) in enumerate(found):
        inside = [c for c in chars if _center_in(c, bbox)]
        if not any(not c.text.isspace() for c in inside):
            continue  # a ruled frame without text (a form, a decoration): not a table
        placed: set[int] = set()
        table_blocks: list[Block] = []
        grid: list[list[str]] = []
        for r, row in enumerate(cell_rows):
            texts = []
            for col, cell in enumerate(row):
                text = ""
                if cell is not None:
                    mine = [c for c in inside if id(c) not in placed and _center_in(c, cell)]
                    placed.update(id(c) for c in mine)
                    text = "\n".join(line.text for line in _group_lines(mine))
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


def _find_tables(page: Any) -> list[tuple[tuple[float, float, float, float], list[list[Any]]]]:
    """Ruled tables of the page as (bbox, rows of cell bboxes or None); at least 2 rows and 2 columns.

    A failure of the table finder costs the page its tables, not its text.
    """
    try:
        tables = page.find_tables()
    except Exception as e:  # noqa: BLE001
        logger.warning("page %s: table detection failed: %s: %s", page.page_number, type(e).__name__, e)
        return []
    result = []
    for table in tables:
        rows = [list(row.cells) for row in table.rows]
        if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
            result.append((tuple(table.bbox), rows))
    return result


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
    lines: list[_Line] = []
    for rank, turn in enumerate((0, 90, 270, 180)):
        group = [c for c in chars if c.turn == turn]
        if not group:
            continue
        clusters = _cluster_lines([_to_frame(c) for c in group])
        for i, cluster in enumerate(clusters):
            text = _join_line(sorted(cluster, key=lambda c: c.x0))
            if not text:
                continue
            top, bottom = min(c.top for c in cluster), max(c.bottom for c in cluster)
            if turn == 0:
                lines.append(_Line(text, top, bottom, top))
            else:
                lines.append(_Line(text, top, bottom, _TURNED_KEY * (rank + 1) + i, upright=False))
    return lines


def _cluster_lines(chars: list[_Char]) -> list[list[_Char]]:
    """Group upright glyphs into lines by vertical overlap, top to bottom."""
    ordered = sorted(chars, key=lambda c: ((c.top + c.bottom) / 2, c.x0))
    clusters: list[list[_Char]] = []
    top = bottom = 0.0
    for c in ordered:
        if clusters:
            overlap = min(bottom, c.bottom) - max(top, c.top)
            if overlap >= PDF_LINE_OVERLAP * min(bottom - top, c.bottom - c.top):
                clusters[-1].append(c)
                top, bottom = min(top, c.top), max(bottom, c.bottom)
                continue
        clusters.append([c])
        top, bottom = c.top, c.bottom
    clusters.sort(key=lambda cluster: min(c.top for c in cluster))
    return clusters


def _join_line(chars: list[_Char]) -> str:
    out: list[str] = []
    prev: _Char | None = None
    for c in chars:
        if c.text.isspace():
            if out and out[-1] != " ":
                out.append(" ")
            continue
        if prev is not None:
            if c.text == prev.text and abs(c.x0 - prev.x0) < PDF_DUPLICATE_OFFSET * prev.size \
                    and abs(c.top - prev.top) < PDF_DUPLICATE_OFFSET * prev.size:
                continue
            gap = c.x0 - prev.x1
            if gap > PDF_SPACE_GAP * min(c.size, prev.size) and out and out[-1] != " ":
                out.append(" ")
        out.append(c.text)
        prev = c
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
