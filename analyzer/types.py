"""Plain data types passed between pipeline stages.

Dataclasses only: no pdfplumber, docx or spaCy objects ever leave the stage that made them.
Every type that reaches the output contract has ``to_dict()``; dicts live at the I/O edge only.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from itertools import accumulate
from typing import Any, Callable

# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Block:
    """One unit of text as the reader found it, with its provenance.

    kind: "para" (a paragraph of a .docx or a .txt), "line" (a text line of a PDF page),
    "cell" (a table cell), "header", "footer", "textbox".
    page: 1-based page number (PDF); None where the format has no pages.
    index: 0-based position of the block in reading order within the document.
    table/row/col: set for kind == "cell" (0-based table number within the document).
    """

    text: str
    kind: str = "para"
    page: int | None = None
    index: int = 0
    table: int | None = None
    row: int | None = None
    col: int | None = None


@dataclass(slots=True)
class Table:
    """A table as a grid of cell strings (rows of equal or ragged length)."""

    rows: list[list[str]]
    page: int | None = None
    index: int = 0


@dataclass(slots=True)
class Document:
    """What a reader returns: the blocks of a file in reading order."""

    path: str
    format: str  # "txt" | "docx" | "pdf" | ...
    blocks: list[Block]
    tables: list[Table] = field(default_factory=list)
    pages: int | None = None
    encoding: str | None = None  # .txt only: the detected encoding
    ocr_pages: list[int] = field(default_factory=list)
    ocr_confidence: dict[int, float] = field(default_factory=dict)  # page → mean OCR word confidence
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Segmentation
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Section:
    heading: str
    kind: str  # basic|pre_condition|content|progress|measures|problems|next_steps|suggestions|rectification|other
    level: int  # 1 = 一、 ; 2 = （一） ; 3 = 1. ; 4 = （1） ① ; 5 = 一是 (inline)
    start: int  # offsets into Report.text
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, "kind": self.kind, "level": self.level,
                "start": self.start, "end": self.end}


@dataclass(slots=True)
class Fact:
    type: str
    value: Any
    unit: str | None
    raw: str
    start: int
    end: int
    page: int | None = None
    approx: str | None = None
    role: str | None = None
    status: str | None = None
    subject: str = "aggregate"
    scope: str | None = None
    confidence: float | None = None  # set for figures read by OCR: the page's recognition confidence

    def to_dict(self) -> dict[str, Any]:
        out = {"type": self.type, "value": self.value, "unit": self.unit, "raw": self.raw,
               "approx": self.approx, "role": self.role, "status": self.status,
               "subject": self.subject, "scope": self.scope, "page": self.page,
               "start": self.start, "end": self.end}
        if self.confidence is not None:
            out["confidence"] = self.confidence
        return out


@dataclass(slots=True)
class Placeholder:
    raw: str
    start: int
    end: int
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"raw": self.raw, "page": self.page, "start": self.start, "end": self.end}


@dataclass(slots=True)
class Problem:
    text: str
    categories: list[str]
    score: float
    phase: str
    start: int
    end: int
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "categories": list(self.categories), "score": self.score,
                "phase": self.phase, "page": self.page, "start": self.start, "end": self.end}


@dataclass(slots=True)
class Report:
    """One report inside a file (a compilation holds several)."""

    index: int  # 1-based
    title: str
    date: str | None
    text: str  # normalized text; every offset of this report indexes into it
    sections: list[Section] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False
    # Where this report sits in the document's normalized text (not in the contract).
    doc_start: int = 0
    # Page of every character of ``text`` is resolved through this callable's data.
    page_starts: list[tuple[int, int]] = field(default_factory=list, repr=False)

    def page_at(self, offset: int) -> int | None:
        """Page of the character at ``offset`` in ``text`` (None for unpaged formats)."""
        page = None
        for start, number in self.page_starts:
            if start > offset:
                break
            page = number
        return page

    def page_finder(self) -> Callable[[int], int | None]:
        """:meth:`page_at` for many offsets, each in O(log n) instead of a scan of the pages.

        The first page start beyond ``offset`` is the first place where the running maximum of
        the starts passes ``offset``: a bisection finds it, whatever the order of ``page_starts``.
        """
        if not self.page_starts:
            return lambda offset: None
        reach = list(accumulate((start for start, _ in self.page_starts), max))
        numbers = [number for _, number in self.page_starts]

        def page_at(offset: int) -> int | None:
            k = bisect_right(reach, offset)
            return numbers[k - 1] if k else None

        return page_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "title": self.title, "date": self.date, "text": self.text,
            "truncated": self.truncated,
            "sections": [s.to_dict() for s in self.sections],
            "facts": [f.to_dict() for f in self.facts],
            "placeholders": [p.to_dict() for p in self.placeholders],
            "problems": [p.to_dict() for p in self.problems],
        }


# ---------------------------------------------------------------------------
# Checks and results
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Evidence:
    file: str
    report: int
    raw: str
    start: int
    end: int
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Flag:
    kind: str
    severity: str  # error|warning|info
    field: str | None
    message: str
    evidence: list[Evidence] = field(default_factory=list)
    ledger_row: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Flag":
        return cls(kind=data["kind"], severity=data["severity"], field=data.get("field"), message=data["message"],
                   evidence=[Evidence(**e) for e in data.get("evidence", [])], ledger_row=data.get("ledger_row"))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "severity": self.severity, "field": self.field,
                "message": self.message, "evidence": [e.to_dict() for e in self.evidence],
                "ledger_row": self.ledger_row}


@dataclass(slots=True)
class ErrorInfo:
    kind: str  # unreadable|encrypted|empty|unsupported|no_text|too_large|timeout
    message: str  # Chinese, for the user

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message}


@dataclass(slots=True)
class FileResult:
    """The output contract for one input file (DESIGN.md)."""

    file: str
    sha256: str
    status: str  # ok|error
    error: ErrorInfo | None = None
    reports: list[Report] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    format: str | None = None
    pages: int | None = None
    encoding: str | None = None
    ocr_pages: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    path: str | None = None
    seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "sha256": self.sha256, "status": self.status,
            "error": self.error.to_dict() if self.error else None,
            "format": self.format, "pages": self.pages, "encoding": self.encoding,
            "ocr_pages": list(self.ocr_pages), "warnings": list(self.warnings),
            "reports": [r.to_dict() for r in self.reports],
            "flags": [f.to_dict() for f in self.flags],
        }
