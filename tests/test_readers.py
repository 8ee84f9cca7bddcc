"""Reader stage: real files generated with tests/make_files.py, read back with analyzer.readers."""

from __future__ import annotations

import codecs
import datetime
import os
import re
import shutil
import zipfile

import pytest

from analyzer import readers
from analyzer.errors import ReadError
from analyzer.readers import SUPPORTED_SUFFIXES, detect_encoding, read_document
from make_files import (  # tests/ is on sys.path under pytest's default import mode
    DocxTable,
    cjk_font_file,
    make_doc,
    make_docx,
    make_docx_with_external_entity,
    make_encrypted_pdf,
    make_image_pdf,
    make_pdf,
    make_report_pdf,
    make_txt,
    make_xlsx,
    make_zip_bomb_docx,
    report_pages,
)

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def read_error(path) -> ReadError:
    with pytest.raises(ReadError) as info:
        read_document(path)
    error = info.value
    assert CHINESE.search(error.message), error.message  # user-facing text is Chinese
    return error


def texts(document, kind=None) -> list[str]:
    return [b.text for b in document.blocks if kind is None or b.kind == kind]


def full_text(document) -> str:
    return "\n".join(texts(document))


def test_supported_suffixes():
    assert isinstance(SUPPORTED_SUFFIXES, tuple)
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".docx", ".pdf", ".doc", ".wps", ".xlsx", ".xls"}


# ---------------------------------------------------------------------------
# .txt
# ---------------------------------------------------------------------------

TXT = "关于金亭花苑改造情况的汇报\n\n住宅面积约15.82万平方米，共43幢2350户。\n总投资8,260.00万元，完成率67.5%。"
TXT_LINES = TXT.split("\n")

TXT_CASES = [
    # (codec used to write, encoding the reader must report)
    ("utf-8", "utf-8"),
    ("utf-8-sig", "utf-8-sig"),
    ("gbk", "gb18030"),
    ("gb18030", "gb18030"),
    ("utf-16", "utf-16"),  # with BOM (little-endian on every platform Python runs on here)
    ("utf-16-le", "utf-16-le"),  # no BOM: found by the NUL pattern
    ("utf-16-be", "utf-16-be"),
]


@pytest.mark.parametrize(("codec", "expected"), TXT_CASES, ids=[c for c, _ in TXT_CASES])
def test_txt_encodings(tmp_path, codec, expected):
    path = make_txt(tmp_path / f"r_{codec}.txt", TXT, codec)
    document = read_document(path)
    assert document.format == "txt"
    assert document.encoding == expected
    assert texts(document) == TXT_LINES
    assert all(b.kind == "para" for b in document.blocks)
    assert [b.index for b in document.blocks] == list(range(len(TXT_LINES)))


def test_txt_utf16_big_endian_bom(tmp_path):
    path = tmp_path / "be.txt"
    path.write_bytes(codecs.BOM_UTF16_BE + TXT.encode("utf-16-be"))
    document = read_document(path)
    assert document.encoding == "utf-16"
    assert texts(document) == TXT_LINES


def test_txt_gb18030_four_byte_characters(tmp_path):
    text = "𠮷家庄小区改造，惠及居民1,200户。"  # 𠮷 is outside GBK: a four-byte GB18030 sequence
    path = make_txt(tmp_path / "r.txt", text, "gb18030")
    document = read_document(path)
    assert document.encoding == "gb18030"
    assert texts(document) == [text]


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"], ids=["crlf", "cr", "lf"])
def test_txt_newlines_and_empty_lines(tmp_path, newline):
    path = make_txt(tmp_path / "r.txt", "一、基本情况\n\n\n二、存在问题\n", "utf-8", newline=newline)
    document = read_document(path)
    # empty lines are kept as blocks; the final newline does not add one
    assert texts(document) == ["一、基本情况", "", "", "二、存在问题"]
    assert not any("\r" in t or "\n" in t for t in texts(document))


def test_txt_encoding_is_taken_from_bytes_not_name(tmp_path):
    path = make_txt(tmp_path / "utf8说明.txt", TXT, "gbk")
    assert read_document(path).encoding == "gb18030"


def test_detect_encoding_direct():
    assert detect_encoding("改造".encode("utf-8")) == "utf-8"
    assert detect_encoding(codecs.BOM_UTF8 + "改造".encode()) == "utf-8-sig"
    assert detect_encoding("老旧小区改造工作推进会".encode("gbk")) == "gb18030"
    assert detect_encoding("abc\n123\n".encode("utf-16-le")) == "utf-16-le"


def test_txt_whitespace_only_is_empty(tmp_path):
    path = make_txt(tmp_path / "blank.txt", " \n\t\n\u3000\n", "utf-8")
    assert read_error(path).kind == "empty"


def test_txt_binary_content_is_unreadable(tmp_path):
    path = tmp_path / "data.txt"
    path.write_bytes(bytes(range(256)) * 8)
    assert read_error(path).kind == "unreadable"


# ---------------------------------------------------------------------------
# .docx
# ---------------------------------------------------------------------------


def test_docx_paragraph_table_paragraph_order(tmp_path):
    rows = [["小区名称", "户数", "面积（万平方米）"], ["金亭花苑", "2350", "15.82"]]
    path = make_docx(tmp_path / "r.docx", ["一、基本情况", rows, "二、存在的问题"])
    document = read_document(path)
    assert document.format == "docx"
    assert [(b.kind, b.text) for b in document.blocks] == [
        ("para", "一、基本情况"),
        ("cell", "小区名称"), ("cell", "户数"), ("cell", "面积（万平方米）"),
        ("cell", "金亭花苑"), ("cell", "2350"), ("cell", "15.82"),
        ("para", "二、存在的问题"),
    ]
    cells = [b for b in document.blocks if b.kind == "cell"]
    assert [(b.table, b.row, b.col) for b in cells] == [
        (0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 1, 0), (0, 1, 1), (0, 1, 2)]
    assert [b.index for b in document.blocks] == list(range(8))
    assert len(document.tables) == 1
    assert document.tables[0].rows == rows
    assert document.tables[0].index == 1  # index of its first cell block


def test_docx_with_a_damaged_part_it_does_not_use_is_read(tmp_path):
    """A bad CRC in styles.xml (a part the reader never needs) must not cost the report its text."""
    path = make_docx(tmp_path / "d.docx", ["关于老旧小区改造工作的情况汇报", "共改造小区12个，惠及居民1,860户。"])
    with zipfile.ZipFile(path) as zin:
        items = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    assert "word/styles.xml" in dict(items)
    with zipfile.ZipFile(path, "w") as zout:  # stored, not deflated: a flipped byte is a CRC error
        for name, data in items:
            zout.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    raw = bytearray(path.read_bytes())
    styles = dict(items)["word/styles.xml"]
    at = raw.find(styles[:200])
    raw[at + 100] ^= 0x01
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as z, pytest.raises(zipfile.BadZipFile):
        z.read("word/styles.xml")
    document = read_document(path)
    assert [b.text for b in document.blocks if b.kind == "para"] == [
        "关于老旧小区改造工作的情况汇报", "共改造小区12个，惠及居民1,860户。"]


def test_docx_merged_cells_not_duplicated(tmp_path):
    table = DocxTable(
        [["项目", "户数", "面积"],
         ["合计（横向合并）", "", ""],
         ["金亭花苑", "2350", "15.82"],
         ["", "2350", "15.82"]],
        merges=[(1, 0, 1, 2), (2, 0, 3, 0)])  # a horizontal and a vertical merge
    path = make_docx(tmp_path / "m.docx", [table])
    document = read_document(path)
    text = full_text(document)
    assert text.count("合计（横向合并）") == 1
    assert text.count("金亭花苑") == 1
    merged = [b for b in document.blocks if b.text == "合计（横向合并）"]
    assert [(b.row, b.col) for b in merged] == [(1, 0)]
    assert document.tables[0].rows[1] == ["合计（横向合并）", "", ""]
    assert document.tables[0].rows[3] == ["", "2350", "15.82"]
    assert [(b.row, b.col) for b in document.blocks if b.text == "2350"] == [(2, 1), (3, 1)]


def test_docx_nested_table_flattened_into_cell(tmp_path):
    table = DocxTable([["外层", "说明"]], nested={(0, 1): [["内层甲", "内层乙"], ["1.5", "2.5"]]})
    document = read_document(make_docx(tmp_path / "n.docx", [table]))
    cell = [b for b in document.blocks if b.kind == "cell" and b.col == 1][0]
    assert cell.text == "说明\n内层甲\t内层乙\n1.5\t2.5"
    assert len(document.tables) == 1  # the nested table is not a table of its own


def test_docx_header_footer_captured_once_at_end(tmp_path):
    path = make_docx(tmp_path / "h.docx", ["正文第一段", "正文第二段"], header="某区住建局文件",
                     footer="内部资料 注意保存", sections=3)
    document = read_document(path)
    kinds = [b.kind for b in document.blocks]
    assert texts(document, "header") == ["某区住建局文件"]
    assert texts(document, "footer") == ["内部资料 注意保存"]
    # body first, furniture last, so it never splits body text
    assert kinds[-2:] == ["header", "footer"]
    assert set(kinds[:-2]) == {"para"}


def test_docx_textbox_captured_once(tmp_path):
    path = make_docx(tmp_path / "t.docx", ["正文"], textbox="文本框：完成投资2,013.19万元",
                     textbox_host="锚定段落")
    document = read_document(path)
    assert full_text(document).count("文本框：完成投资2,013.19万元") == 1
    assert [(b.kind, b.text) for b in document.blocks] == [
        ("para", "正文"), ("para", "锚定段落"), ("textbox", "文本框：完成投资2,013.19万元")]


def test_docx_is_read_from_its_own_parts_as_python_docx_reads_it(tmp_path, monkeypatch):
    """The .docx reader parses only the main part and its headers/footers (not styles, numbering,
    theme …): the Document is the one python-docx's whole-package reading gives."""
    rows = [["小区", "户数"], ["金亭花苑", "1,227"]]
    path = make_docx(tmp_path / "s.docx", ["一、基本情况", rows, "二、存在的问题"], header="某区住建局文件",
                     footer="第 1 页", textbox="文本框：完成投资2,013.19万元", sections=2)
    assert readers._docx_parts(path) is not None
    fast = read_document(path)
    monkeypatch.setattr(readers, "_docx_parts", lambda p: None)
    assert fast == read_document(path)
    assert {b.kind for b in fast.blocks} >= {"para", "cell", "header", "footer", "textbox"}


def test_docx_with_a_missing_part_is_left_to_python_docx(tmp_path):
    path = make_docx(tmp_path / "m.docx", ["正文"], header="页眉")
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as out:
        for info in src.infolist():
            if not info.filename.startswith("word/header"):
                out.writestr(info, src.read(info.filename))
    assert readers._docx_parts(broken) is None  # the header its relationships name is gone


def test_docx_external_entity_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-4711", encoding="utf-8")
    path = make_docx_with_external_entity(tmp_path / "xxe.docx", secret, visible="正文段落")
    with zipfile.ZipFile(path) as z:  # the probe is really there
        assert b"<!ENTITY xxe SYSTEM" in z.read("word/document.xml")
    try:
        document = read_document(path)
    except ReadError as error:  # refusing the file is acceptable, leaking it is not
        assert "TOP-SECRET" not in error.message
        return
    assert "TOP-SECRET" not in full_text(document)
    assert texts(document) == ["正文段落"]


def test_docx_zip_bomb_is_too_large(tmp_path):
    path = make_zip_bomb_docx(tmp_path / "bomb.docx", inflated_mb=310)
    assert path.stat().st_size < 2 * 1024 * 1024
    assert read_error(path).kind == "too_large"


def test_docx_inflated_limit_is_checked_before_parsing(tmp_path, monkeypatch):
    path = make_docx(tmp_path / "r.docx", ["正文"])
    monkeypatch.setattr(readers, "MAX_DOCX_INFLATED", 1000)
    assert read_error(path).kind == "too_large"


def test_docx_without_text_is_empty(tmp_path):
    assert read_error(make_docx(tmp_path / "e.docx", ["", ""])).kind == "empty"


def test_zip_that_is_not_docx_is_unreadable(tmp_path):
    path = tmp_path / "r.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not a word file")
    assert read_error(path).kind == "unreadable"


def test_ole_container_without_word_stream_named_doc_is_unreadable(tmp_path):
    path = tmp_path / "r.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    error = read_error(path)
    assert error.kind == "unreadable"
    assert "Word（.doc）" in error.message


def test_broken_ole_renamed_to_docx_is_unreadable(tmp_path):
    path = tmp_path / "r.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    error = read_error(path)
    assert error.kind == "unreadable"
    assert ".docx" in error.message


def test_password_protected_docx_is_encrypted(tmp_path):
    # A password-protected .docx is an OLE2 container holding an EncryptionInfo stream.
    path = tmp_path / "locked.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024)
                     + "EncryptionInfo".encode("utf-16-le") + bytes(1024))
    assert read_error(path).kind == "encrypted"


def test_docx_content_with_pdf_name_is_read_with_warning(tmp_path):
    path = make_docx(tmp_path / "r.docx", ["正文段落"])
    renamed = path.rename(tmp_path / "r.pdf")
    document = read_document(renamed)
    assert document.format == "docx"
    assert texts(document) == ["正文段落"]
    assert document.warnings and ".docx" in document.warnings[0]


# ---------------------------------------------------------------------------
# .pdf
# ---------------------------------------------------------------------------

PAGE1 = ["一、基本情况",
         "该小区住宅面积约15.82万平方米，共43幢2350户。",
         "提出做好“以绿荫城”“以水润城”四篇文章。"]
PAGE2 = ["二、资金情况", "总投资2,013.19万元，完成率67.5%。"]
PAGE3 = ["三、下一步工作打算", "2021年12月30日前全部竣工。", "Phase 2: 15 communities, 3,200 households."]


def test_pdf_pages_lines_and_figures(tmp_path):
    path = make_pdf(tmp_path / "r.pdf", [PAGE1, PAGE2, PAGE3])
    document = read_document(path)
    assert document.format == "pdf"
    assert document.pages == 3
    assert [(b.page, b.text) for b in document.blocks] == (
        [(1, t) for t in PAGE1] + [(2, t) for t in PAGE2] + [(3, t) for t in PAGE3])
    assert all(b.kind == "line" for b in document.blocks)
    text = full_text(document)
    for probe in ("15.82万平方米", "“以绿荫城”", "“以水润城”", "2,013.19万元", "67.5%"):
        assert probe in text


@pytest.mark.parametrize("style", [
    {"mixed_fonts": True},  # Word: digits and quotes in the Western font, single CJK glyphs between
    {"char_space": 3.5},  # justified/distributed lines: wide gaps between every glyph
    {"bold_offset": 0.4},  # fake bold: every glyph drawn twice
], ids=["mixed-fonts", "char-space", "fake-bold"])
def test_pdf_text_survives_producer_styles(tmp_path, style):
    path = make_pdf(tmp_path / "r.pdf", [PAGE1 + PAGE2 + PAGE3], **style)
    lines = texts(read_document(path))
    assert lines == PAGE1 + PAGE2 + PAGE3


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_pdf_rotated_pages_keep_line_order(tmp_path, rotation):
    path = make_pdf(tmp_path / "rot.pdf", [PAGE1, PAGE2], rotation=rotation)
    document = read_document(path)
    assert [(b.page, b.text) for b in document.blocks] == [(1, t) for t in PAGE1] + [(2, t) for t in PAGE2]


def test_pdf_ruled_table_cells_not_duplicated_in_lines(tmp_path):
    rows = [["小区名称", "户数", "面积（万平方米）"],
            ["金亭花苑", "2350", "15.82"],
            ["幸福里", "1,200", "2,013.19"]]
    path = make_pdf(tmp_path / "t.pdf", [["表1 改造项目", rows, "表后正文一行。"], ["第二页正文。"]])
    document = read_document(path)
    assert [(b.kind, b.text) for b in document.blocks] == (
        [("line", "表1 改造项目")]
        + [("cell", t) for row in rows for t in row]
        + [("line", "表后正文一行。"), ("line", "第二页正文。")])
    cells = [b for b in document.blocks if b.kind == "cell"]
    assert all(b.page == 1 and b.table == 0 for b in cells)
    assert [(b.row, b.col) for b in cells] == [(r, c) for r in range(3) for c in range(3)]
    assert len(document.tables) == 1
    assert document.tables[0].rows == rows
    assert document.tables[0].page == 1
    assert document.tables[0].index == 1
    lines = texts(document, "line")
    assert not any("2,013.19" in t or "金亭花苑" in t for t in lines)


def test_first_cells_equals_cell_by_cell_lookup():
    """A glyph goes to the first cell (in row order) that holds its centre, edges included: the grid lookup
    gives what testing every cell in turn gives, with merged, nested and zero-width cells and centres on
    the edges."""
    import random

    rng = random.Random(7)
    edges = [0.0, 10.0, 25.5, 40.0, 40.0, 61.25, 80.0]
    for _ in range(200):
        cells = []
        for _ in range(rng.randint(1, 12)):
            x0, x1 = sorted(rng.sample(edges, 2))
            top, bottom = sorted(rng.sample(edges, 2))
            cells.append((x0, top, x1, bottom))
        chars = []
        for _ in range(60):
            x = rng.choice(edges) if rng.random() < 0.4 else rng.uniform(-5, 85)
            y = rng.choice(edges) if rng.random() < 0.4 else rng.uniform(-5, 85)
            w = rng.choice([0.0, 2.0, 3.5])
            chars.append(readers._Char("字", x - w, x + w, y - w, y + w, 7.0))
        expected = [next((k for k, cell in enumerate(cells) if readers._center_in(c, cell)), None) for c in chars]
        assert readers._first_cells(chars, cells) == expected


def test_pdf_large_table_cells_in_place(tmp_path):
    rows = [["序号", "小区名称", "户数", "栋数"]] + [[str(i), f"幸福{i}号院", str(100 + i), str(3 + i % 5)]
                                                   for i in range(1, 31)]
    path = make_pdf(tmp_path / "big.pdf", [[rows]], font_size=8)
    document = read_document(path)
    assert document.tables[0].rows == rows


def test_pdf_page_number_footer_and_running_header(tmp_path):
    pages = [[f"第{n}页正文内容。"] for n in range(1, 5)]
    path = make_pdf(tmp_path / "f.pdf", pages, header="某区老旧小区改造工作专报", footer="第{page}页 共{pages}页")
    document = read_document(path)
    assert [b.text for b in document.blocks if b.kind == "footer"] == [f"第{n}页 共4页" for n in range(1, 5)]
    assert [b.page for b in document.blocks if b.kind == "header"] == [1, 2, 3, 4]
    assert texts(document, "line") == [f"第{n}页正文内容。" for n in range(1, 5)]
    assert [b.page for b in document.blocks][:3] == [1, 1, 1]  # furniture keeps its page and place


def test_pdf_report_matches_ground_truth(tmp_path):
    truth = report_pages(3, seed=7, table_every=2)
    path = make_report_pdf(tmp_path / "rep.pdf", 3, seed=7, table_every=2, mixed_fonts=True)
    document = read_document(path)
    for number, items in enumerate(truth, start=1):
        expected = [i.strip("\u3000") for i in items if isinstance(i, str)]
        got = [b.text for b in document.blocks if b.page == number and b.kind == "line"]
        assert got == expected
    assert len(document.tables) == 1 and document.tables[0].page == 2


def test_encrypted_pdf(tmp_path):
    error = read_error(make_encrypted_pdf(tmp_path / "locked.pdf"))
    assert error.kind == "encrypted"
    assert "密码" in error.message


def test_pdf_with_owner_password_only_is_read(tmp_path):
    from reportlab.lib.pdfencrypt import StandardEncryption

    protection = StandardEncryption("", ownerPassword="owner", canCopy=0, canModify=0)
    document = read_document(make_pdf(tmp_path / "restricted.pdf", [PAGE1, PAGE2], encrypt=protection))
    # pdfminer cannot map this file's CID font (it leaves the CIDSystemInfo strings encrypted):
    # those pages are read by the PDFium fallback and say so
    assert [(b.page, b.text) for b in document.blocks] == [(1, t) for t in PAGE1] + [(2, t) for t in PAGE2]
    assert any("备用方式" in w for w in document.warnings)


def test_image_only_pdf_is_no_text(tmp_path):
    # grey bars, no letters: OCR (when installed) finds nothing either
    error = read_error(make_image_pdf(tmp_path / "scan.pdf", n_pages=2))
    assert error.kind == "no_text"
    assert "OCR" in error.message


def test_image_only_pdf_without_ocr_says_what_to_install(tmp_path, monkeypatch):
    from analyzer import ocr

    monkeypatch.setattr(ocr, "ocr_status", lambda lang=ocr.OCR_LANG: "未找到 OCR 程序 tesseract，请安装。")
    error = read_error(make_image_pdf(tmp_path / "scan.pdf", n_pages=2))
    assert error.kind == "no_text"
    assert "扫描件需要 OCR" in error.message and "tesseract" in error.message


def test_pdf_with_one_scanned_page_warns(tmp_path):
    text_pdf = make_pdf(tmp_path / "a.pdf", [PAGE1])
    scan_pdf = make_image_pdf(tmp_path / "b.pdf")
    # concatenate page 1 of the text PDF and the scanned page with pdfplumber's own dependency
    from pypdfium2 import PdfDocument

    merged = PdfDocument.new()
    for source in (text_pdf, scan_pdf):
        merged.import_pages(PdfDocument(source))
    merged.save(tmp_path / "mixed.pdf")
    document = read_document(tmp_path / "mixed.pdf")
    assert document.pages == 2
    assert texts(document) == PAGE1
    assert any("第 2 页" in w and "OCR" in w for w in document.warnings)


def test_random_bytes_named_pdf(tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(5000)))
    assert read_error(path).kind == "unreadable"


def test_html_named_pdf(tmp_path):
    path = tmp_path / "r.pdf"
    path.write_text("<!DOCTYPE html><html><head><title>404</title></head><body>页面不存在</body></html>",
                    encoding="utf-8")
    error = read_error(path)
    assert error.kind == "unreadable"
    assert "HTML" in error.message


@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.75, 0.95])
def test_truncated_pdf_never_crashes(tmp_path, fraction):
    whole = make_report_pdf(tmp_path / "whole.pdf", 4, seed=1).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: int(len(whole) * fraction)])
    try:
        document = read_document(path)
    except ReadError as error:
        assert error.kind == "unreadable"
    else:  # a partial result is acceptable
        assert document.format == "pdf"


def test_pdf_header_only_is_unreadable(tmp_path):
    path = tmp_path / "stub.pdf"
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    assert read_error(path).kind == "unreadable"


# ---------------------------------------------------------------------------
# Any format
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".pdf", ".docx", ".txt"])
def test_zero_byte_file_is_empty(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    assert read_error(path).kind == "empty"


def test_jpg_is_unsupported(tmp_path):
    from PIL import Image

    path = tmp_path / "photo.jpg"
    Image.new("RGB", (16, 16), (200, 30, 30)).save(path, "JPEG")
    assert read_error(path).kind == "unsupported"


@pytest.mark.parametrize("suffix", [".md", ".rtf", ".pptx", ""])
def test_other_suffixes_are_unsupported(tmp_path, suffix):
    path = tmp_path / f"report{suffix}"
    path.write_text("一些文字", encoding="utf-8")
    assert read_error(path).kind == "unsupported"


def test_file_over_size_limit(tmp_path, monkeypatch):
    path = make_txt(tmp_path / "big.txt", TXT)
    monkeypatch.setattr(readers, "MAX_BYTES", 10)
    assert read_error(path).kind == "too_large"


def test_missing_file_and_directory(tmp_path):
    assert read_error(tmp_path / "nope.pdf").kind == "unreadable"
    folder = tmp_path / "dir.pdf"
    folder.mkdir()
    assert read_error(folder).kind == "unreadable"


def test_file_without_read_permission(tmp_path):
    path = make_txt(tmp_path / "locked.txt", TXT)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read any file (root)")
        assert read_error(path).kind == "unreadable"
    finally:
        path.chmod(0o644)


def test_readers_called_directly_also_wrap_errors(tmp_path):
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    with pytest.raises(ReadError) as info:
        readers.read_pdf(path)
    assert info.value.kind == "unreadable"


@pytest.mark.parametrize("suffix", [".xls", ".xlsx", ".wps", ".doc"])
def test_text_named_as_office_file_is_unreadable(tmp_path, suffix):
    path = tmp_path / f"report{suffix}"
    path.write_text("一些文字", encoding="utf-8")
    assert read_error(path).kind == "unreadable"


# ---------------------------------------------------------------------------
# .doc / .wps (legacy Word, through antiword or LibreOffice)
# ---------------------------------------------------------------------------

DOC_PARAGRAPHS = ["关于金亭花苑老旧小区改造工作的情况汇报", "一、基本情况",
                  "该小区共有住宅楼43栋2350户，总投资8,260.00万元，完成率67.5%。",
                  "2021年12月30日前全部竣工。"]
needs_antiword = pytest.mark.skipif(shutil.which("antiword") is None,
                                    reason="antiword is not installed (scripts/setup_ocr.sh installs it)")


@needs_antiword
@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_doc_read_with_antiword(tmp_path, suffix, monkeypatch):
    real_which = shutil.which  # antiword alone must do it
    monkeypatch.setattr(readers.shutil, "which",
                        lambda name: None if name in ("soffice", "libreoffice") else real_which(name))
    path = make_doc(tmp_path / f"汇报 材料{suffix}", DOC_PARAGRAPHS)
    document = read_document(path)
    assert document.format == "doc"
    assert texts(document) == DOC_PARAGRAPHS  # -w 0: no line wrapped inside a figure
    assert all(b.kind == "para" for b in document.blocks)
    assert any("antiword" in w for w in document.warnings)


@needs_antiword
def test_doc_renamed_to_docx_is_read_with_warning(tmp_path):
    path = make_doc(tmp_path / "r.docx", DOC_PARAGRAPHS)
    document = read_document(path)
    assert document.format == "doc" and texts(document) == DOC_PARAGRAPHS
    assert any("扩展名" in w and ".doc" in w for w in document.warnings)


@needs_antiword
def test_encrypted_doc(tmp_path):
    error = read_error(make_doc(tmp_path / "locked.doc", DOC_PARAGRAPHS, encrypted=True))
    assert error.kind == "encrypted" and "密码" in error.message


def test_doc_without_converter_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(readers.shutil, "which", lambda name: None)
    error = read_error(make_doc(tmp_path / "r.doc", DOC_PARAGRAPHS))
    assert error.kind == "unsupported"
    assert "antiword" in error.message and "LibreOffice" in error.message and "另存为" in error.message


@pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None,
                    reason="LibreOffice is not installed")
def test_doc_read_with_libreoffice_when_antiword_is_missing(tmp_path, monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(readers.shutil, "which", lambda name: None if name == "antiword" else real_which(name))
    document = read_document(make_doc(tmp_path / "r.doc", DOC_PARAGRAPHS))
    assert texts(document) == DOC_PARAGRAPHS
    assert any("LibreOffice" in w for w in document.warnings)


# ---------------------------------------------------------------------------
# .xlsx given as a report
# ---------------------------------------------------------------------------


def test_xlsx_report_read_as_tables(tmp_path):
    path = make_xlsx(tmp_path / "进度表.xlsx", {
        "东城区": [["小区名称", "户数", "完成率", "开工日期"],
                  ["金亭花苑", "2350", "0.675", datetime.date(2023, 6, 30)],
                  ["", "", "", ""],
                  ["幸福里", "1200", "1", None]],
        "空表": [],
        "汇总": [["合计", "3550"]],
    }, percent_cells=[("东城区", 1, 2), ("东城区", 3, 2)])
    document = read_document(path)
    assert document.format == "xlsx"
    assert [(b.kind, b.text) for b in document.blocks] == [
        ("para", "东城区"),
        ("cell", "小区名称"), ("cell", "户数"), ("cell", "完成率"), ("cell", "开工日期"),
        ("cell", "金亭花苑"), ("cell", "2350"), ("cell", "67.5%"), ("cell", "2023-06-30"),
        ("cell", "幸福里"), ("cell", "1200"), ("cell", "100%"),
        ("para", "汇总"), ("cell", "合计"), ("cell", "3550")]
    assert [(b.table, b.row, b.col) for b in document.blocks if b.text in ("幸福里", "合计")] == [(0, 3, 0), (1, 0, 0)]
    assert len(document.tables) == 2
    assert document.tables[0].rows[2] == ["", "", "", ""]
    assert document.tables[1].index == 13
    assert any("--ledger" in w for w in document.warnings)


def test_xlsx_zip_bomb_is_too_large(tmp_path, monkeypatch):
    path = make_xlsx(tmp_path / "r.xlsx", {"表": [["a", "1"]]})
    monkeypatch.setattr(readers, "MAX_DOCX_INFLATED", 1000)
    assert read_error(path).kind == "too_large"


def test_xlsx_cell_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_SHEET_CELLS", 4)
    path = make_xlsx(tmp_path / "r.xlsx", {"一": [["a", "b"], ["c", "d"], ["e", "f"]], "二": [["g"]]})
    document = read_document(path)
    assert texts(document, "cell") == ["a", "b", "c", "d"]
    assert any("单元格过多" in w for w in document.warnings)


def test_empty_xlsx_is_empty(tmp_path):
    assert read_error(make_xlsx(tmp_path / "e.xlsx", {"Sheet1": []})).kind == "empty"


# ---------------------------------------------------------------------------
# Encodings: mixed, mis-decoded, oversize
# ---------------------------------------------------------------------------


def test_txt_mixed_utf8_and_gbk_lines(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes("一、基本情况\n".encode("utf-8") + "共有住宅楼43栋2350户。\n".encode("gbk")
                     + "二、存在问题\n".encode("utf-8"))
    document = read_document(path)
    assert texts(document) == ["一、基本情况", "共有住宅楼43栋2350户。", "二、存在问题"]
    assert document.encoding == "mixed" and document.warnings


@pytest.mark.parametrize("via", ["cp1252", "latin-1"])
@pytest.mark.parametrize("source", ["utf-8", "gbk"])
def test_txt_mojibake_is_repaired(tmp_path, source, via):
    # as Windows does it: bytes cp1252 leaves undefined become the C1 control of the same number
    mangled = "".join(bytes([b]).decode(via, errors="replace").replace("\ufffd", chr(b))
                      for b in TXT.encode(source))
    path = make_txt(tmp_path / "m.txt", mangled, "utf-8")
    document = read_document(path)
    assert texts(document) == TXT_LINES
    assert any("乱码" in w for w in document.warnings)


def test_txt_in_big5_is_read(tmp_path):
    text = "雲陽縣老舊小區改造工作情況彙報\n共改造小區12個，惠及居民2350戶。\n"
    document = read_document(make_txt(tmp_path / "big5.txt", text, "big5"))
    assert texts(document) == text.strip().split("\n")


def test_txt_over_text_limit_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_TEXT_CHARS", 10)
    path = make_txt(tmp_path / "big.txt", "老旧小区" * 20)
    error = read_error(path)
    assert error.kind == "too_large" and "万字" in error.message


def test_any_format_over_text_limit_is_too_large(tmp_path, monkeypatch):
    path = make_docx(tmp_path / "r.docx", ["老旧小区改造" * 10])
    monkeypatch.setattr(readers, "MAX_TEXT_CHARS", 50)
    assert read_error(path).kind == "too_large"


def test_xls_report_read_as_tables(tmp_path):
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the .xls test file (dev dependency)")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("进度表")
    for r, row in enumerate([["小区名称", "户数", "面积"], ["金亭花苑", 2350, 15.82]]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    path = tmp_path / "进度表.xls"
    book.save(str(path))
    document = read_document(path)
    assert document.format == "xls"
    assert texts(document) == ["进度表", "小区名称", "户数", "面积", "金亭花苑", "2350", "15.82"]
    assert document.tables[0].rows == [["小区名称", "户数", "面积"], ["金亭花苑", "2350", "15.82"]]


# ---------------------------------------------------------------------------
# PDFium fast path: pages read through PDFium must give exactly what pdfminer's layout gives (the same
# line builder turns the glyphs into lines, pdfplumber's table finder runs on the same ruling lines).
# ---------------------------------------------------------------------------


def _pdfium_pages(monkeypatch) -> list[bool]:
    """Record, page by page, whether the PDFium scan took the page (True) or left it to pdfminer."""
    taken: list[bool] = []
    scan = readers._PdfiumFallback.scan

    def spy(self, index):
        result = scan(self, index)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(readers._PdfiumFallback, "scan", spy)
    return taken


def _blocks_both_ways(path, monkeypatch):
    fast = read_document(path)
    with monkeypatch.context() as m:
        m.setattr(readers._PdfiumFallback, "scan", lambda self, index: None)
        slow = read_document(path)

    def key(document):
        return ([(b.text, b.kind, b.page, b.index, b.table, b.row, b.col) for b in document.blocks],
                [(t.rows, t.page, t.index) for t in document.tables], document.warnings)

    return key(fast), key(slow), fast, slow


def _draws_cjk(path) -> bool:
    """Whether PDFium has glyphs for the file's first text (a CJK font that is not embedded is drawn
    with a font of the machine, if it has one): the fast path reads such pages only then."""
    import ctypes

    import pypdfium2
    import pypdfium2.raw as pdfium_c

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        page = pdf[0]
        for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,)):
            box = [ctypes.c_float() for _ in range(4)]
            pdfium_c.FPDFPageObj_GetBounds(obj.raw, *[ctypes.byref(v) for v in box])
            return box[3].value - box[1].value > 0.01
        return False
    finally:
        pdf.close()


_FAST_STYLES = {
    "plain": {}, "mixed-fonts": {"mixed_fonts": True}, "char-space": {"char_space": 3.5},
    "fake-bold": {"bold_offset": 0.4}, "small": {"font_size": 9},
    "header-footer": {"header": "东城区住房和城乡建设局", "footer": "第{page}页 共{pages}页"},
}


@pytest.mark.parametrize("embed", [True, False], ids=["embedded", "not-embedded"])
@pytest.mark.parametrize("style", list(_FAST_STYLES.values()), ids=list(_FAST_STYLES))
def test_pdfium_fast_path_matches_pdfminer(tmp_path, monkeypatch, style, embed):
    # not embedded: STSong-Light (CJK) and Times-Roman, named, not embedded (PDFium draws them with the
    # machine's fonts); the footer's space is a run of its own (a blank glyph PDFium's text page drops)
    pages = report_pages(4, seed=5)
    pages[1] = pages[1][:5] + ["Phase 2: 15 communities, 3,200 households."] + pages[1][5:]
    path = make_pdf(tmp_path / "e.pdf", pages, embed_font=embed, **style)
    taken = _pdfium_pages(monkeypatch)
    fast, slow, document, _ = _blocks_both_ways(path, monkeypatch)
    if embed or _draws_cjk(path):
        assert taken[:4] == [True] * 4  # every page went through PDFium
    assert fast == slow
    expected = [line.strip("\u3000") for page in pages for line in page]
    assert [b.text for b in document.blocks if b.kind == "line"] == expected


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_pdfium_fast_path_leaves_turned_pages_to_pdfminer(tmp_path, monkeypatch, rotation):
    # pdfminer turns a /Rotate page: its lines are read along the text and lose their margin role
    path = make_report_pdf(tmp_path / "r.pdf", 3, seed=1, embed_font=True, rotation=rotation)
    taken = _pdfium_pages(monkeypatch)
    fast, slow, _, _ = _blocks_both_ways(path, monkeypatch)
    assert taken[:3] == [False] * 3
    assert fast == slow


_TABLE = [["小区名称", "户数", "面积（万平方米）"], ["金亭花苑", "2350", "15.82"], ["幸福里", "1,200", "2,013.19"]]


@pytest.mark.parametrize("style", [
    {"embed_font": True}, {"embed_font": True, "char_space": 1.0}, {"embed_font": True, "mixed_fonts": True},
    {"embed_font": True, "header": "某区住建局", "footer": "- {page} -"}, {"mixed_fonts": True},
], ids=["embedded", "char-space", "mixed-fonts", "header-footer", "not-embedded"])
def test_pdfium_fast_path_reads_ruled_tables(tmp_path, monkeypatch, style):
    small = [["项目", "数量"], ["加装电梯", "12"]]
    pages = [["表1 改造项目", _TABLE, "表后正文一行。", small], PAGE2, [_TABLE, "表后说明。"]]
    path = make_pdf(tmp_path / "t.pdf", pages, **style)
    taken = _pdfium_pages(monkeypatch)
    fast, slow, document, _ = _blocks_both_ways(path, monkeypatch)
    if style.get("embed_font") or _draws_cjk(path):
        assert taken[:3] == [True] * 3
    assert fast == slow
    assert [t.rows for t in document.tables] == [_TABLE, small, _TABLE]
    assert texts(document, "line")[:2] == ["表1 改造项目", "表后正文一行。"]


def _canvas_pdf(path, draw):
    """A one-page A4 PDF drawn by ``draw(canvas, font)`` in the machine's CJK font, embedded."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font_file = cjk_font_file()
    if font_file is None:
        pytest.skip("no CJK TrueType font on this machine")
    if "CJK-Test" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("CJK-Test", str(font_file), subfontIndex=0))
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setFont("CJK-Test", 12)
    for i, line in enumerate(PAGE1 + PAGE2):
        c.drawString(72, 780 - 18 * i, line)
    draw(c, "CJK-Test")
    c.showPage()
    c.save()
    return path


def _grid(c, xs, ys, rows, *, one_path=False, skip=()):
    """Ruling lines at ``xs`` × ``ys`` (one path of subpaths, or a path per line) and ``rows`` of text in
    the cells; ``skip``: (row, col) of vertical lines left out right of that cell (merged cells)."""
    path = c.beginPath() if one_path else None
    segments = [((x, ys[0]), (x, ys[-1])) for x in xs if not any(xs.index(x) == col + 1 for _, col in skip)]
    for r, col in skip:  # the vertical line right of the merged cell stops at that row
        x = xs[col + 1]
        segments += [((x, ys[0]), (x, ys[r])), ((x, ys[r + 1]), (x, ys[-1]))]
    segments += [((xs[0], y), (xs[-1], y)) for y in ys]
    for (x0, y0), (x1, y1) in segments:
        if path is not None:
            path.moveTo(x0, y0)
            path.lineTo(x1, y1)
        else:
            c.line(x0, y0, x1, y1)
    if path is not None:
        c.drawPath(path, stroke=1, fill=0)
    for r, row in enumerate(rows):
        for k, text in enumerate(row):
            if text:
                c.drawString(xs[k] + 6, ys[r] - 20, text)


def _rounded_frame(c, font):
    c.roundRect(60, 380, 300, 120, 10)
    _grid(c, [72, 200, 330], [480, 450, 420], [["小区名称", "户数"], ["金亭花苑", "2350"]])


def _form_table(c, font):
    c.beginForm("table")
    _grid(c, [72, 200, 330], [480, 450, 420], [["小区名称", "户数"], ["金亭花苑", "2350"]])
    c.endForm()
    c.doForm("table")


_TABLE_SHAPES = [  # (what is drawn, whether the fast path reads the page)
    (lambda c, f: _grid(c, [72, 200, 330], [600, 570, 540], [["小区名称", "户数"], ["金亭花苑", "2350"]]), True),
    (lambda c, f: _grid(c, [72, 200, 330], [600, 570, 540], [["小区名称", "户数"], ["金亭花苑", "2350"]],
                        one_path=True), True),
    (lambda c, f: _grid(c, [72, 200, 330, 450], [600, 570, 540, 510],
                        [["合并的表头", "", "备注"], ["金亭花苑", "2350", "15.82"], ["幸福里", "1,200", "—"]],
                        skip=[(0, 0)]), True),
    (lambda c, f: (_grid(c, [72, 200, 330], [600, 570, 540], [["小区名称", "户数"], ["金亭花苑", "2350"]]),
                   _grid(c, [72, 160, 300, 420], [400, 370, 340], [["甲", "乙", "丙"], ["1", "2", "3"]])), True),
    (lambda c, f: (c.rect(72, 420, 300, 100), c.rect(80, 430, 280, 80)), True),  # frames without text
    # a double border 3 pt apart: exactly pdfplumber's snapping tolerance, too close to call
    (lambda c, f: (_grid(c, [72, 200, 330], [600, 570, 540], [["小区名称", "户数"], ["金亭花苑", "2350"]]),
                   c.line(72, 603, 330, 603)), False),
    (_rounded_frame, False),  # Bézier corners
    (_form_table, False),  # ruling lines inside a form XObject
]
_TABLE_SHAPE_IDS = ["lines", "one-path", "merged-cells", "two-tables", "empty-frames", "tie", "rounded", "form"]


def _shadow(c, font):  # the same text again 5 pt lower: PDFium's text page drops the copy
    c.drawString(72, 500, "重复的一行文字内容")
    c.drawString(72, 495, "重复的一行文字内容")


def _hyphen(c, font):  # PDFium rejoins "COVID-" / "19" and puts U+0002 in place of the hyphen
    c.setFont("Helvetica", 12)
    c.drawString(72, 500, "The COVID-")
    c.drawString(72, 485, "19 pandemic")


def _actual_text(c, font):  # PDFium reads /ActualText instead of the glyphs
    c._code.append("/Span <</ActualText (XYZ)>> BDC")
    c.setFont("Helvetica", 12)
    c.drawString(72, 500, "abc")
    c._code.append("EMC")


def _lone_space(c, font):  # a blank glyph in a run of its own: PDFium drops it, pdfminer reads a space
    for x, text in ((72, "中文"), (96, " "), (99, "文字"), (150, "Phase"), (182, " "), (185, "2")):
        t = c.beginText(x, 500)
        t.setFont(font, 12)
        t.textOut(text)
        c.drawText(t)


def _kerning(c, font):  # TJ kerning: PDFium generates spaces inside the object, one in place of a real space
    c.setFont("Helvetica", 12)
    c.drawString(72, 520, "k")  # Helvetica is /F1 from here on
    c._code.append("BT /F1 12 Tf 72 500 Td [(Phase) -300 (2 kerned) -700 (wide) -300 ( space after kern)] TJ ET")
    c._code.append("BT /F1 12 Tf 72 480 Td [(A) -200 (B) -450 ( C) -600 (D)] TJ ET")


def _overflow(c, font):  # a cell's text running over the next one's: glyphs of two objects interleave
    _grid(c, [72, 140, 330], [600, 570, 540], [["改造内容包括外墙保温", "户数"], ["金亭花苑", "2350"]])


def _spread_title(c, font):
    # a title spread by character spacing, one glyph per text-showing operator: pdfminer leaves out the
    # spacing after each operator's glyph (the next one continues the text), PDFium does not
    t = c.beginText(200, 520)
    t.setCharSpace(18)
    for ch in "目录":
        t.setFont(font, 14)
        t.textOut(ch)
    c.drawText(t)


_TEXT_CASES = [  # text PDFium reads otherwise than pdfminer: declined, or read the same
    (_shadow, False), (_hyphen, False), (_actual_text, False), (_lone_space, True), (_kerning, True),
    (_overflow, False), (_spread_title, False),
]
_TEXT_CASE_IDS = ["shadow", "hyphen", "actual-text", "lone-space", "kerning", "overflow", "spread-title"]


@pytest.mark.parametrize("draw, fast_path", _TABLE_SHAPES + _TEXT_CASES, ids=_TABLE_SHAPE_IDS + _TEXT_CASE_IDS)
def test_pdfium_fast_path_takes_a_page_only_where_it_reads_as_pdfminer(tmp_path, monkeypatch, draw, fast_path):
    path = _canvas_pdf(tmp_path / "page.pdf", draw)
    taken = _pdfium_pages(monkeypatch)
    fast, slow, _, _ = _blocks_both_ways(path, monkeypatch)
    assert taken == [fast_path]
    assert fast == slow


def test_pdfium_fast_path_leaves_vertical_writing_to_pdfminer(tmp_path, monkeypatch):
    path = make_pdf(tmp_path / "v.pdf", [PAGE1 + ["竖排文字一列"]])
    data = path.read_bytes()
    assert b"/UniGB-UCS2-H" in data
    path.write_bytes(data.replace(b"/UniGB-UCS2-H", b"/UniGB-UCS2-V"))  # the same font, written top down
    taken = _pdfium_pages(monkeypatch)
    fast, slow, _, _ = _blocks_both_ways(path, monkeypatch)
    assert taken == [False]
    assert fast == slow


def test_pdfium_fast_path_leaves_type3_fonts_to_pdfminer(tmp_path, monkeypatch):
    # PDFium counts a Type 3 font as embedded, but places its glyphs a quarter em off pdfminer's boxes
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib writes Type 3 fonts")
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"pdf.fonttype": 3}):
        figure = Figure(figsize=(8.27, 11.69))
        FigureCanvasPdf(figure)
        for i in range(20):
            figure.text(0.1, 0.95 - i * 0.04, f"Line {i}: 15 communities, 2,013.19 yuan.", fontsize=11)
        figure.savefig(tmp_path / "type3.pdf")
    taken = _pdfium_pages(monkeypatch)
    fast, slow, _, _ = _blocks_both_ways(tmp_path / "type3.pdf", monkeypatch)
    assert taken == [False]
    assert fast == slow


@pytest.mark.parametrize("embed", [True, False], ids=["embedded", "not-embedded"])
def test_pdfium_fast_path_mediabox_not_at_origin(tmp_path, monkeypatch, embed):
    # pdfplumber's coordinates (which the margin band and the table cells are compared in) depend on the
    # MediaBox's corner: x from the page's left edge, top = height - y
    pages = [["表1 改造项目", _TABLE, "表后正文一行。"] + report_pages(1, seed=3)[0][:20], ["第二页正文。"] * 12]
    path = make_pdf(tmp_path / "m.pdf", pages, embed_font=embed, header="某区住建局", footer="- {page} -")
    data = path.read_bytes()
    assert b"/MediaBox [ 0 0 " in data
    path.write_bytes(data.replace(b"/MediaBox [ 0 0 ", b"/MediaBox [ 9 7 "))  # same length: xref stays valid
    taken = _pdfium_pages(monkeypatch)
    fast, slow, document, _ = _blocks_both_ways(path, monkeypatch)
    if embed or _draws_cjk(path):
        assert taken == [True, True]
    assert fast == slow
    assert document.tables[0].rows == _TABLE


def test_pdfium_rulings_tie_is_not_decisive():
    from pdfplumber.table import TableSettings

    def edge(orientation, x0, top, x1, bottom):
        return {"object_type": "line", "orientation": orientation, "x0": x0, "x1": x1, "top": top, "bottom": bottom,
                "width": x1 - x0, "height": bottom - top, "doctop": top, "y0": 842 - bottom, "y1": 842 - top}

    grid = [edge("h", 72, y, 330, y) for y in (100, 130, 160)] + [edge("v", x, 100, x, 160) for x in (72, 200, 330)]
    settings = TableSettings.resolve(None)
    assert readers._rulings_decisive(grid, settings)
    assert not readers._rulings_decisive(grid + [edge("h", 72, 97, 330, 97)], settings)  # 3 pt: snap tolerance
    assert not readers._rulings_decisive(grid + [edge("v", 333.0, 100, 333.0, 160)], settings)
    assert readers._rulings_decisive(grid + [edge("h", 72, 96.5, 330, 96.5)], settings)


def test_pdfium_fast_path_report_figures(tmp_path, monkeypatch):
    path = make_report_pdf(tmp_path / "r.pdf", 6, seed=2, table_every=3, embed_font=True, mixed_fonts=True)
    fast, slow, document, _ = _blocks_both_ways(path, monkeypatch)
    assert fast == slow
    assert document.pages == 6 and len(document.tables) == 2


def test_garbage_character_classes_are_exact():
    """``_is_garbage`` counts with two regexes: re's \\s must be ``str.isspace`` and ``_IMPLAUSIBLE`` the
    complement of ``_plausible``, for every code point."""
    import sys

    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert readers._WHITESPACE.findall(every) == [ch for ch in every if ch.isspace()]
    assert readers._IMPLAUSIBLE.findall(every) == [ch for ch in every if not readers._plausible(ch)]


def test_garbage_decision():
    assert not readers._is_garbage("老旧小区改造 共26栋646户，总投资1,234.5万元。")
    assert readers._is_garbage("\ue000\ue001\ue002\ue003 \ue004\ue005\ue006\ue007\ue008\ue009\ue00a")  # private use
    assert readers._is_garbage("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ")  # Latin-1 mojibake
    assert readers._is_garbage("，。、；：！？（）【】《》")  # punctuation without words
    assert not readers._is_garbage("，。、；：！？")  # too short to tell


def test_ascii85_decode_matches_pdfminer():
    """The vectorised decoder the bomb guard measures ASCII85 content with: pdfminer's bytes, and an
    error wherever pdfminer's decoder raises one."""
    import base64
    import random

    from pdfminer.ascii85 import ascii85decode

    def outcome(decode, data):
        try:
            return decode(data)
        except ValueError:
            return "error"

    rnd = random.Random(5)
    alphabet = bytes(range(33, 118)) + b"zzzz \t\n\r\x0b\x0c~<>vy\x00"
    cases = [b"", b"z", b"u", b"uu", b"uuuu", b"uuuuu", b"s8W-!", b's8W-"', b"<~~>", b"<~z~>", b"!z", b"z!!!!!",
             b"zzz!!", b" \n", b"~", b"<~87cURD]i,\"Ebo80~>"]
    for _ in range(3000):
        if rnd.random() < 0.5:
            raw = bytes(rnd.choice((0, 0, rnd.randrange(256))) for _ in range(rnd.randint(0, 40)))
            data = base64.a85encode(raw, wrapcol=rnd.choice((0, 7)), adobe=rnd.random() < 0.5)
            if data and rnd.random() < 0.3:
                k = rnd.randrange(len(data))
                data = data[:k] + bytes([rnd.choice(alphabet)]) + data[k:]
        else:
            data = bytes(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        cases.append(data)
    errors = 0
    for data in cases:
        expected = outcome(ascii85decode, data)
        errors += expected == "error"
        assert outcome(readers._ascii85_decode, data) == expected, data
    assert 100 < errors < len(cases) - 100  # both outcomes are exercised


def _helvetica_pdf(path, font_entries: bytes, text: bytes, extra: tuple[bytes, ...] = ()):
    """A one-page PDF showing ``text`` in Helvetica (not embedded) with the font dictionary's
    ``font_entries`` (an /Encoding, a /ToUnicode reference to object 6 …); ``extra``: objects 6, 7 …"""
    from make_files import _raw_pdf

    content = b"BT /F1 24 Tf 72 700 Td (" + text + b") Tj ET"
    objects = (b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >>"
               b" /Contents 5 0 R >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica " + font_entries + b" >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream") + extra
    path.write_bytes(_raw_pdf(objects))
    return path


def _to_unicode(pairs: dict[int, str]) -> bytes:
    """A ToUnicode CMap stream object mapping one-byte codes to UTF-16BE hex strings."""
    body = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /T def\n"
            "1 begincodespacerange <00> <FF> endcodespacerange\n"
            f"{len(pairs)} beginbfchar\n" + "".join(f"<{code:02X}> <{hex_}>\n" for code, hex_ in pairs.items())
            + "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end").encode()
    return b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"


def test_pdfium_unicode_matches_per_character_values(tmp_path):
    """_pdfium_unicode takes a text page's characters from one FPDFText_GetText call: the values
    FPDFText_GetUnicode gives one by one, also where PDFium's text buffer holds them otherwise (a surrogate
    pair mapped by ToUnicode, lone surrogates, U+0000 and U+FFFE, code points above U+FFFF); None for a
    page with right-to-left script."""
    import ctypes

    import pypdfium2

    mapped = _to_unicode({0x41: "D840DC00", 0x42: "0042", 0x43: "4E00", 0x44: "D800", 0x45: "0000",
                          0x46: "FFFE", 0x47: "DC00", 0x48: "05D0"})
    cases = {
        "pair": _helvetica_pdf(tmp_path / "pair.pdf", b"/ToUnicode 6 0 R", b"ABCAB", (mapped,)),
        "lone": _helvetica_pdf(tmp_path / "lone.pdf", b"/ToUnicode 6 0 R", b"BDGBDB", (mapped,)),
        "zero": _helvetica_pdf(tmp_path / "zero.pdf", b"/ToUnicode 6 0 R", b"BEBC", (mapped,)),
        "fffe": _helvetica_pdf(tmp_path / "fffe.pdf", b"/ToUnicode 6 0 R", b"BFBC", (mapped,)),
        "hebrew": _helvetica_pdf(tmp_path / "hebrew.pdf", b"/ToUnicode 6 0 R", b"BHB", (mapped,)),
        "astral": _helvetica_pdf(tmp_path / "astral.pdf", b"/Encoding << /Type /Encoding /Differences "
                                 b"[65 /u20000 66 /uni4E00 67 /u1F600] >>", b"ABCA"),
        "report": make_report_pdf(tmp_path / "report.pdf", 2, seed=4, mixed_fonts=True, embed_font=True),
    }
    api = readers._pdfium_api()
    for name, path in cases.items():
        pdf = pypdfium2.PdfDocument(str(path))
        try:
            for page in pdf:
                textpage = page.get_textpage()
                handle = ctypes.c_void_p(readers._address(textpage.raw))
                count = api.char_count(handle.value)
                expected = [api.direct_unicode(handle, i) for i in range(count)]
                assert count, name
                got = readers._pdfium_unicode(api, handle, count)
                if name == "hebrew":
                    assert got is None
                else:
                    assert got == expected, name
                textpage.close()
        finally:
            pdf.close()
