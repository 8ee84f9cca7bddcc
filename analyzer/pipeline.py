"""One file through the pipeline: read → assemble → normalize → segment → (later stages).

``analyze_file(path)`` never raises for a bad input file: every failure ends as a
``FileResult`` with ``status="error"`` and a Chinese message. Later stages (facts, problems,
checks) plug in through ``REPORT_STAGES``: functions ``stage(report, context)`` that fill in
a report's lists in place.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .checks import check_document
from .errors import AnalyzerError, ReadError
from .extract import fact_stage
from .problems import problem_stage
from .normalize import NormText, normalize
from .readers import read_document
from .segment import segment
from .types import Block, Document, ErrorInfo, FileResult, Flag, Report

logger = logging.getLogger(__name__)

# Block kinds whose boundaries are only line wraps of the source (a PDF line, a .txt line):
# the normalizer may re-join them. Every other boundary (a .docx paragraph, a table row) is hard.
SOFT_BLOCK_KINDS = {"line"}
SOFT_FORMATS = {"txt", "pdf"}
# Running headers and page numbers the PDF reader recognised: left out so a sentence that
# continues on the next page is joined back.
PAGE_FURNITURE = {"header", "footer"}

ReportStage = Callable[[Report, "DocText"], None]
REPORT_STAGES: list[ReportStage] = [fact_stage, problem_stage]


@dataclass(slots=True)
class DocText:
    """A document's text at every step, with the maps between them."""

    document: Document
    raw: str
    norm: NormText
    block_starts: list[int]  # raw offset where each block's text starts
    page_starts: list[tuple[int, int]] = field(default_factory=list)  # (normalized offset, page)

    def norm_to_block(self, pos: int) -> Block | None:
        """The block a normalized offset came from."""
        if not self.document.blocks:
            return None
        raw_pos = self.norm.offsets[min(pos, len(self.norm.offsets) - 1)] if self.norm.offsets else 0
        i = bisect.bisect_right(self.block_starts, raw_pos) - 1
        return self.document.blocks[max(i, 0)]

    def source(self, report: Report, start: int, end: int) -> tuple[str, int | None]:
        """The original characters and page behind a span of a report's text."""
        s, e = self.norm.to_raw(report.doc_start + start, report.doc_start + end)
        block = self.norm_to_block(report.doc_start + start)
        return self.raw[s:e], block.page if block else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def assemble(document: Document) -> tuple[str, set[int], list[int]]:
    """Join a document's blocks into one raw text.

    Cells of one table row are joined by a tab, everything else by a line break. Returns the
    text, the offsets of the hard line breaks (never re-joined), and each block's start offset.
    A PDF's running headers and footers are left out (their start is recorded, their text is not).
    """
    parts: list[str] = []
    hard: set[int] = set()
    starts: list[int] = []
    pos = 0
    prev: Block | None = None
    soft_format = document.format in SOFT_FORMATS
    for block in document.blocks:
        if soft_format and block.kind in PAGE_FURNITURE:
            starts.append(pos)  # a running header/page number of a PDF page: not part of the text
            continue
        text = block.text.replace("\r", "")
        if prev is not None:
            same_row = (block.kind == "cell" and prev.kind == "cell" and block.table == prev.table
                        and block.row == prev.row)
            sep = "\t" if same_row else "\n"
            if sep == "\n":
                soft = soft_format and prev.kind in ("line", "para") and block.kind in ("line", "para")
                if not soft:
                    hard.add(pos)
            if block.kind == "cell":
                text = text.replace("\n", " ").replace("\t", " ")
            parts.append(sep)
            pos += 1
        elif block.kind == "cell":
            text = text.replace("\n", " ").replace("\t", " ")
        starts.append(pos)
        parts.append(text)
        pos += len(text)
        prev = block
    return "".join(parts), hard, starts


def _page_starts(document: Document, norm: NormText, block_starts: list[int]) -> list[tuple[int, int]]:
    """(normalized offset, page) wherever the page changes."""
    out: list[tuple[int, int]] = []
    for block, raw_start in zip(document.blocks, block_starts):
        if block.page is None:
            continue
        pos = bisect.bisect_left(norm.offsets, raw_start)
        if not out or out[-1][1] != block.page:
            if out and out[-1][0] == pos:
                out[-1] = (pos, block.page)
            else:
                out.append((pos, block.page))
    return out


def _report_pages(page_starts: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    current = None
    for pos, page in page_starts:
        if pos <= start:
            current = page
        elif pos < end:
            if not out and current is not None:
                out.append((0, current))
            out.append((pos - start, page))
    if not out and current is not None:
        out.append((0, current))
    return out


def prepare(document: Document, *, fallback_title: str = "") -> tuple[DocText, list[Report]]:
    """Normalize and segment a document that has been read."""
    raw, hard, starts = assemble(document)
    norm = normalize(raw, hard)
    doc_text = DocText(document=document, raw=raw, norm=norm, block_starts=starts)
    doc_text.page_starts = _page_starts(document, norm, starts)
    reports = segment(norm.text, fallback_title=fallback_title)
    for report in reports:
        report.page_starts = _report_pages(doc_text.page_starts, report.doc_start,
                                           report.doc_start + len(report.text))
    return doc_text, reports


def analyze_path(path: str | Path) -> tuple[FileResult, DocText | None]:
    """Like :func:`analyze_file`, also returning the document's text maps (None on error)."""
    path = Path(path)
    started = time.perf_counter()
    result = FileResult(file=path.name, sha256=sha256_of(path), status="ok", path=str(path))
    doc_text = None
    try:
        document = read_document(path)
        result.format, result.pages, result.encoding = document.format, document.pages, document.encoding
        result.ocr_pages = list(document.ocr_pages)
        result.warnings = list(document.warnings)
        doc_text, reports = prepare(document, fallback_title=path.stem)
        if not any(r.text.strip() for r in reports):
            raise ReadError("empty", "文件中没有可分析的文字内容（可能是空白文档）。")
        for report in reports:
            for stage in REPORT_STAGES:
                try:
                    stage(report, doc_text)
                except ReadError:
                    raise
                except AnalyzerError as exc:  # e.g. no trained model: the rest of the result still stands
                    if exc.args[0] not in result.warnings:
                        result.warnings.append(exc.args[0])
            if document.ocr_confidence:  # figures read by OCR carry the page's confidence
                for fact in report.facts:
                    fact.confidence = document.ocr_confidence.get(fact.page)
        result.reports = reports
        result.flags = [Flag.from_dict(f) for f in check_document(result.to_dict())]
    except ReadError as exc:
        result.status, result.error = "error", ErrorInfo(exc.kind, exc.message)
    except MemoryError:
        result.status = "error"
        result.error = ErrorInfo("too_large", "处理该文件时内存不足，文件可能过大或已损坏。")
    except Exception as exc:  # a bug or an input nobody foresaw: record it, never kill the batch
        logger.exception("unexpected error on %s", path)
        result.status = "error"
        result.error = ErrorInfo("unreadable", f"处理该文件时发生内部错误（{type(exc).__name__}: {exc}），请将文件反馈给维护人员。")
    result.seconds = round(time.perf_counter() - started, 4)
    return result, doc_text


def analyze_file(path: str | Path) -> FileResult:
    """Analyze one file into the output contract (DESIGN.md).

    Example:
        >>> result = analyze_file("报告.docx")          # doctest: +SKIP
        >>> result.status, [r.title for r in result.reports]  # doctest: +SKIP
        ('ok', ['关于2022年老旧小区改造工作的情况汇报'])
    """
    return analyze_path(path)[0]
