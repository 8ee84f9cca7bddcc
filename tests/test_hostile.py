"""Hostile and broken inputs: each ends as an error record that says what is wrong, or as a correct
result, quickly; never as a crash or a hang of the batch."""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from pathlib import Path

import pytest

from analyzer import runner
from analyzer.contract import validate_document
from analyzer.errors import ReadError
from analyzer.readers import read_document
from make_files import (
    make_billion_laughs_docx,
    make_doc,
    make_docx,
    make_docx_with_external_entity,
    make_encrypted_pdf,
    make_image_pdf,
    make_pdf,
    make_pdf_bomb,
    make_pdf_objstm_bomb,
    make_report_pdf,
    make_txt,
    make_xlsx,
    make_zip_bomb_docx,
)

REPORT = ("关于2022年老旧小区改造工作的情况汇报\n一、基本情况\n全区改造小区12个，涉及居民2350户，"
          "总投资8,260.00万元。\n二、存在问题\n资金不足。\nXX区住建局\n2023年3月15日\n")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _random_bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _truncated_pdf(path: Path) -> Path:
    whole = make_report_pdf(path.with_name("whole_" + path.name), 3, seed=5).read_bytes()
    path.write_bytes(whole[: len(whole) // 4])  # the page tree and xref are gone
    return path


def _html_pdf(path: Path) -> Path:
    path.write_text("<!DOCTYPE html><html><head><title>404</title></head><body>页面不存在</body></html>",
                    encoding="utf-8")
    return path


def _encrypted_docx(path: Path) -> Path:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024)
                     + "EncryptionInfo".encode("utf-16-le") + bytes(1024))
    return path


def _huge_txt(path: Path) -> Path:
    line = ("老旧小区改造" * 20 + "\n").encode("utf-8")
    with open(path, "wb") as fh:
        fh.write(line * (50 * 1024 * 1024 // len(line) + 1))  # 50 MB
    return path


# (file name, maker, expected error kind) — every one an error record
HOSTILE: list[tuple[str, object, str]] = [
    ("空文件.txt", lambda p: _write(p, b""), "empty"),
    ("empty.pdf", lambda p: _write(p, b""), "empty"),
    ("empty.docx", lambda p: _write(p, b""), "empty"),
    ("random bytes.pdf", lambda p: _write(p, b"%PDF-1.7\n" + _random_bytes(20000, 1)), "unreadable"),
    ("random.docx", lambda p: _write(p, _random_bytes(20000, 2)), "unreadable"),
    ("truncated.pdf", _truncated_pdf, "unreadable"),
    ("locked.pdf", lambda p: make_encrypted_pdf(p), "encrypted"),
    ("网页另存.pdf", _html_pdf, "unreadable"),
    ("page bomb.pdf", lambda p: make_pdf_bomb(p, 200), "too_large"),
    ("objstm bomb.pdf", lambda p: make_pdf_objstm_bomb(p, 200), "too_large"),
    ("zip bomb.docx", lambda p: make_zip_bomb_docx(p, 310), "too_large"),
    ("billion laughs.docx", lambda p: make_billion_laughs_docx(p), "unreadable"),
    ("50MB.txt", _huge_txt, "too_large"),
    ("binary.txt", lambda p: _write(p, bytes(range(256)) * 40), "unreadable"),
    ("junk.doc", lambda p: _write(p, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)), "unreadable"),
    ("random.doc", lambda p: _write(p, _random_bytes(8192, 3)), "unreadable"),
    ("locked.docx", _encrypted_docx, "encrypted"),
    ("blank scan.pdf", lambda p: make_image_pdf(p, 1), "no_text"),
    ("empty.xlsx", lambda p: make_xlsx(p, {"Sheet1": []}), "empty"),
    ("whitespace.txt", lambda p: make_txt(p, " \n\u3000\n\t\n"), "empty"),
]


@pytest.mark.parametrize(("name", "make", "kind"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_file_is_a_clear_error(tmp_path, name, make, kind):
    path = make(tmp_path / name)
    started = time.perf_counter()
    with pytest.raises(ReadError) as info:
        read_document(path)
    assert time.perf_counter() - started < 20
    assert info.value.kind == kind, info.value.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)


def test_pdf_bomb_page_is_skipped_and_other_pages_read(tmp_path):
    path = make_pdf_bomb(tmp_path / "b.pdf", 200, text_pages=["Total 2350 households on page one"])
    assert path.stat().st_size < 600 * 1024
    started = time.perf_counter()
    document = read_document(path)
    assert time.perf_counter() - started < 5
    assert [b.text for b in document.blocks] == ["Total 2350 households on page one"]
    assert any("第 2 页" in w and "解压炸弹" in w for w in document.warnings)


def test_heavy_page_is_read_with_pdfium_not_pdfminer(tmp_path, monkeypatch):
    # 3 MB of drawing operators: pdfminer needs ~12 s for this page, PDFium a fraction of a second
    path = make_pdf_bomb(tmp_path / "h.pdf", 3, text_pages=["Page one"],
                         operators=b"BT /F1 14 Tf 72 700 Td (Heavy page 43) Tj ET\n")
    started = time.perf_counter()
    document = read_document(path)
    assert time.perf_counter() - started < 5
    assert document.blocks[0].text == "Page one"
    assert any(b.page == 2 and "Heavy page 43" in b.text for b in document.blocks)
    assert any("第 2 页" in w and "快速方式" in w for w in document.warnings)


def test_docx_external_entity_is_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-4711", encoding="utf-8")
    document = read_document(make_docx_with_external_entity(tmp_path / "x.docx", secret))
    assert "TOP-SECRET" not in "".join(b.text for b in document.blocks)


def test_lxml_is_new_enough():
    from lxml import etree

    assert etree.LXML_VERSION >= (5, 0)  # entity amplification limits of libxml2 2.10+, XXE off


def test_500_page_pdf(tmp_path):
    pages = [[f"第{n}页：本页记载小区{n}个，涉及居民{n * 10}户。"] for n in range(1, 501)]
    path = make_pdf(tmp_path / "500.pdf", pages, footer="- {page} -")
    started = time.perf_counter()
    document = read_document(path)
    seconds = time.perf_counter() - started
    assert document.pages == 500
    lines = [b for b in document.blocks if b.kind == "line"]
    assert len(lines) == 500 and lines[-1].page == 500 and lines[-1].text.endswith("5000户。")
    assert seconds < 60


@pytest.mark.parametrize("name", ["情况 汇报（终稿）.txt", "-leading dash.txt", "带 空格 的.docx",
                                  "中文 名称.pdf", "旧版 文档.doc"])
def test_odd_file_names(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".txt"):
        make_txt(path, REPORT)
    elif name.endswith(".docx"):
        make_docx(path, REPORT.strip().split("\n"))
    elif name.endswith(".pdf"):
        make_pdf(path, [REPORT.strip().split("\n")])
    else:
        if shutil.which("antiword") is None and shutil.which("soffice") is None:
            pytest.skip("no .doc converter")
        make_doc(path, REPORT.strip().split("\n"))
    document = read_document(path)
    assert "全区改造小区12个" in "".join(b.text for b in document.blocks)


def test_unreadable_permissions(tmp_path):
    path = make_txt(tmp_path / "locked.txt", REPORT)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read any file (root)")
        with pytest.raises(ReadError) as info:
            read_document(path)
        assert info.value.kind == "unreadable" and "权限" in info.value.message
    finally:
        path.chmod(0o644)


def test_batch_of_200_with_20_hostile(tmp_path):
    """180 small good reports in every format and 20 hostile files: exactly 180 ok, 20 error
    records that say what was wrong, in well under a minute on 2 workers."""
    src = tmp_path / "in"
    src.mkdir()
    good = 0
    for i in range(180):
        body = REPORT.replace("12个", f"{i + 1}个")
        kind = i % 4
        name = f"报告 {i:03d}"
        if kind == 0:
            make_txt(src / f"{name}.txt", body, "gbk" if i % 8 else "utf-8")
        elif kind == 1:
            make_docx(src / f"{name}.docx", body.strip().split("\n"))
        elif kind == 2:
            make_pdf(src / f"{name}.pdf", [body.strip().split("\n")])
        elif i % 8 == 3 and shutil.which("antiword"):
            make_doc(src / f"{name}.doc", body.strip().split("\n"))
        else:
            make_txt(src / f"{name}.txt", body)
        good += 1
    expected = {}
    for name, make, kind in HOSTILE:
        make(src / f"hostile {name}")
        expected[f"hostile {name}"] = kind
    for leftover in src.glob("whole_*"):  # by-products of the truncated-PDF maker
        leftover.unlink()
    started = time.perf_counter()
    summary = runner.analyze_batch([src], tmp_path / "out", jobs=2, timeout=60)
    seconds = time.perf_counter() - started
    assert summary.total == 200
    assert summary.ok == 180 and summary.failed == 20, summary.errors
    kinds = {Path(e["file"]).name: e["kind"] for e in summary.errors}
    assert kinds == expected
    for doc in (tmp_path / "out" / "documents").iterdir():
        data = json.loads(doc.read_text(encoding="utf-8"))
        validate_document(data)
        if data["status"] == "error":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in data["error"]["message"])
    assert seconds < 60, seconds
