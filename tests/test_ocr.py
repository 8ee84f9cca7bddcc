"""OCR of scanned pages: Tesseract chi_sim on pages rendered with pypdfium2, seals removed first.

Needs the Debian packages tesseract-ocr, tesseract-ocr-chi-sim and a CJK font (fonts-wqy-microhei):
``scripts/setup_ocr.sh`` installs them (``make test`` runs it). Without them these tests are skipped.
"""

from __future__ import annotations

import os
import re
import time

import pytest

from analyzer import ocr, readers
from analyzer.errors import ReadError
from analyzer.pipeline import analyze_file
from analyzer.readers import read_document
from make_files import (
    cjk_font_file,
    make_image_pdf,
    make_pdf,
    make_pdf_without_tounicode,
    make_scanned_pdf,
)

needs_ocr = pytest.mark.skipif(ocr.ocr_status() is not None or cjk_font_file() is None,
                               reason="Tesseract chi_sim or a CJK font is missing: run scripts/setup_ocr.sh")

# A signed and sealed page: the seal (red, 单位盖章) is printed over the lines with the figures.
SEALED_PAGE = [
    "关于金亭花苑老旧小区改造工作的情况汇报",
    "一、基本情况",
    "金亭花苑建于1995年，共有住宅楼43栋2350户，",
    "建筑面积约15.82万平方米。总投资8,260.00万元，",
    "其中中央补助资金2,013.19万元，居民自筹156万元。",
    "截至2023年6月底，已完成投资67.5%，加装电梯12部。",
    "二、存在的问题",
    "部分居民出资意愿不强，燃气管线迁改审批周期长。",
    "某区住房和城乡建设局",
    "2023年7月15日",
]
FIGURES = ["1995年", "43栋", "2350户", "15.82万平方米", "8,260.00万元", "2,013.19万元", "156万元",
           "2023年6月", "67.5%", "12部", "2023年7月15日"]


def recovered(text: str) -> list[str]:
    return [f for f in FIGURES if f in text]


@pytest.fixture(scope="module")
def sealed_pdf(tmp_path_factory):
    if cjk_font_file() is None:
        pytest.skip("no CJK font: run scripts/setup_ocr.sh")
    return make_scanned_pdf(tmp_path_factory.mktemp("scan") / "盖章 扫描件.pdf", [SEALED_PAGE], seal_line=4)


@needs_ocr
def test_sealed_scan_figures_come_back(sealed_pdf):
    started = time.perf_counter()
    document = read_document(sealed_pdf)
    seconds = time.perf_counter() - started
    text = "\n".join(b.text for b in document.blocks)
    assert document.ocr_pages == [1]
    assert all(b.page == 1 and b.kind in ("line", "header", "footer") for b in document.blocks)
    assert recovered(text) == FIGURES, text
    assert "关于金亭花苑老旧小区改造工作的情况汇报" in text
    warning = next(w for w in document.warnings if "OCR" in w)
    confidence = float(re.search(r"第1页 (\d\.\d\d)", warning).group(1))
    assert 0.7 <= confidence <= 1.0
    assert seconds < 30  # one page, one worker: a few seconds on the 2-CPU machine


@needs_ocr
def test_seal_removal_helps(sealed_pdf, monkeypatch):
    """The same page without dropping coloured ink: Tesseract loses figures under the seal."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(sealed_pdf))
    try:
        image = ocr.render_page(pdf, 0)
    finally:
        pdf.close()
    dpi = image.info["dpi"][0]
    cleaned = ocr.recognize(ocr.remove_seals(image), dpi)
    plain = ocr.recognize(image.convert("L"), dpi)
    with_removal = recovered("\n".join(cleaned.lines))
    without = recovered("\n".join(plain.lines))
    print(f"figures recovered: {len(with_removal)}/{len(FIGURES)} with seal removal, "
          f"{len(without)}/{len(FIGURES)} without; confidence {cleaned.confidence:.2f} vs {plain.confidence:.2f}")
    assert len(with_removal) == len(FIGURES)
    assert len(with_removal) >= len(without)


def test_remove_seals_keeps_black_and_drops_colour():
    from PIL import Image

    image = Image.new("RGB", (4, 1))
    image.putdata([(250, 250, 245), (215, 35, 45), (20, 20, 20), (30, 50, 170)])  # paper, seal, text, signature
    paper, seal, text, signature = ocr.remove_seals(image).getdata()
    assert paper == 255 and seal == 255 and signature >= 150
    assert text < 20
    # text printed under seal ink (ink multiplies: black stays black)
    under = Image.new("RGB", (2, 1))
    under.putdata([(20 * 215 // 255, 20 * 35 // 255, 20 * 45 // 255), (250, 250, 245)])
    assert ocr.remove_seals(under).getpixel((0, 0)) < 20


def test_tesseract_runs_single_threaded(monkeypatch):
    seen = {}

    class Done:
        returncode = 0
        stdout = b"level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
        stderr = b""

    def fake_run(cmd, **kwargs):
        seen.update(kwargs, cmd=cmd)
        return Done()

    from PIL import Image

    monkeypatch.setattr(ocr, "ocr_status", lambda lang=ocr.OCR_LANG: None)
    monkeypatch.setattr(ocr.subprocess, "run", fake_run)
    result = ocr.recognize(Image.new("L", (10, 10), 255), 200, timeout=5)
    assert result.lines == []
    assert seen["env"]["OMP_THREAD_LIMIT"] == "1"
    assert seen["timeout"] == 5
    assert seen["input"].startswith(b"P5\n10 10\n255\n")  # the picture goes through stdin
    assert "stdin" in seen["cmd"] and "chi_sim" in seen["cmd"]


@needs_ocr
def test_font_without_unicode_map_is_ocrd(tmp_path):
    lines = ["关于老旧小区改造工作的情况汇报", "全区共改造小区12个，涉及居民2350户。"]
    path = make_pdf_without_tounicode(tmp_path / "nounicode.pdf", lines)
    document = read_document(path)
    text = "\n".join(b.text for b in document.blocks)
    assert document.ocr_pages == [1]
    assert "老旧小区改造工作" in text and "2350户" in text and "12个" in text


@needs_ocr
def test_mixed_text_and_scanned_pages(tmp_path):
    from pypdfium2 import PdfDocument

    rows = [["小区名称", "户数"], ["金亭花苑", "2350"]]
    text_pdf = make_pdf(tmp_path / "a.pdf", [["一、基本情况", rows, "表后正文。"], ["第二页正文，共43栋。"]])
    scan_pdf = make_scanned_pdf(tmp_path / "b.pdf", [SEALED_PAGE[:6]], seal=False, signature=False)
    merged = PdfDocument.new()
    for source in (text_pdf, scan_pdf, text_pdf):  # text, text, scan, text, text
        merged.import_pages(PdfDocument(source))
    merged.save(tmp_path / "mixed.pdf")
    document = read_document(tmp_path / "mixed.pdf")
    assert document.pages == 5
    assert document.ocr_pages == [3]
    assert [b.page for b in document.blocks] == sorted(b.page for b in document.blocks)
    assert "2350户" in "".join(b.text for b in document.blocks if b.page == 3)
    for table in document.tables:  # indices still point at each table's first cell
        first = document.blocks[table.index]
        assert first.kind == "cell" and first.text == "小区名称"
    assert [t.page for t in document.tables] == [1, 4]


@needs_ocr
def test_pipeline_keeps_ocr_pages_and_finds_figures(sealed_pdf):
    result = analyze_file(sealed_pdf)
    assert result.status == "ok"
    assert result.ocr_pages == [1]
    assert result.to_dict()["ocr_pages"] == [1]
    facts = [f for r in result.reports for f in r.facts]
    assert any(f.type == "households" and f.value == 2350 and f.page == 1 for f in facts)


@needs_ocr
def test_ocr_time_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "OCR_TIME_BUDGET", 0.0)
    path = make_scanned_pdf(tmp_path / "s.pdf", [SEALED_PAGE[:3]], seal=False)
    with pytest.raises(ReadError) as info:
        read_document(path)
    assert info.value.kind == "no_text"


@needs_ocr
def test_ocr_page_timeout_costs_the_page_not_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "OCR_PAGE_TIMEOUT", 0.001)
    text_pdf = make_pdf(tmp_path / "a.pdf", [["第一页正文，共有住宅楼43栋。"]])
    scan_pdf = make_scanned_pdf(tmp_path / "b.pdf", [SEALED_PAGE[:3]], seal=False)
    from pypdfium2 import PdfDocument

    merged = PdfDocument.new()
    for source in (text_pdf, scan_pdf):
        merged.import_pages(PdfDocument(source))
    merged.save(tmp_path / "m.pdf")
    document = read_document(tmp_path / "m.pdf")
    assert document.ocr_pages == []
    assert [b.text for b in document.blocks] == ["第一页正文，共有住宅楼43栋。"]
    assert any("第 2 页" in w and "OCR 识别失败" in w and "秒" in w for w in document.warnings)


def test_scan_without_tesseract_names_the_packages(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "ocr_status", lambda lang=ocr.OCR_LANG: f"未找到 OCR 程序 tesseract，{ocr.INSTALL_HINT}。")
    with pytest.raises(ReadError) as info:
        read_document(make_image_pdf(tmp_path / "scan.pdf"))
    assert info.value.kind == "no_text"
    assert "tesseract-ocr-chi-sim" in info.value.message


def test_ocr_status_reports_missing_program(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    ocr._status.cache_clear()
    try:
        reason = ocr.ocr_status()
    finally:
        ocr._status.cache_clear()
    assert reason is not None and "tesseract" in reason


@needs_ocr
@pytest.mark.skipif(os.environ.get("ANALYZER_OCR_TIMING") is None, reason="timing report: set ANALYZER_OCR_TIMING=1")
def test_report_ocr_seconds_per_page(tmp_path):  # pragma: no cover - prints a measurement
    from make_files import report_paragraphs, wrap_text

    lines = [line.strip("\u3000") for p in report_paragraphs(8, seed=3) for line in wrap_text(p, 450, 16)][:30]
    path = make_scanned_pdf(tmp_path / "dense.pdf", [lines] * 3)
    started = time.perf_counter()
    document = read_document(path)
    per_page = (time.perf_counter() - started) / 3
    print(f"OCR: {per_page:.2f} s per dense page ({len(lines)} lines), ocr_pages={document.ocr_pages}")
