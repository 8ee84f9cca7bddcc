"""Segmentation: split a normalized document into reports, and each report into sections.

A file may hold several reports (template-site compilations marked ``篇一：`` … ``篇四：``).
For each report we find its title, its own date (signature line, a date under the title,
``二〇二三年二月``) and its sections with their canonical kind (DOMAIN.md §5.3), across the
numbering styles ``一、`` ``（一）`` ``1.`` ``（1）`` ``①`` ``一是`` and unnumbered headings.

>>> text = "关于老旧小区改造的情况汇报\\n一、基本情况\\n全区改造小区12个。\\n二、存在问题\\n（一）资金不足。配套难。\\n"
>>> [(s.heading, s.kind, s.level) for s in find_sections(text)]
[('一、基本情况', 'basic', 1), ('二、存在问题', 'problems', 1), ('（一）资金不足', 'problems', 2)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .normalize import load_toml
from .types import Report, Section

CN_NUM = "一二三四五六七八九十"

# Numbering styles, most specific first. The level of a style is the order in which the
# styles first appear in the report (a reader's notion of nesting); 一是 items always come last.
STYLES: list[tuple[str, re.Pattern]] = [
    ("cn", re.compile(rf"^[{CN_NUM}]{{1,3}}(?:、|[.．](?!\d))")),  # 四、2024年工作打算 is a heading
    ("paren_cn", re.compile(rf"^（\s*[{CN_NUM}]{{1,3}}\s*）")),
    ("paren_arabic", re.compile(r"^（\s*\d{1,2}\s*）")),
    ("arabic", re.compile(r"^\d{1,2}[、.．](?!\d)")),
    ("circled", re.compile(r"^[\u2460-\u2473]")),
    ("ordinal", re.compile(rf"^[{CN_NUM}]是[，：]?")),
]
LAST_STYLE = "ordinal"
# The first character of any style's marker: most lines open with none, and need no style tried.
_STYLE_START = re.compile(rf"[{CN_NUM}（\d\u2460-\u2473]")

_SENTENCE_END = re.compile(r"[。！？]")
_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_DATE = (r"(?P<y>\d{4}|[〇零一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})\s*月"
         r"(?:\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日)?")
_DATE_ONLY_LINE = re.compile(rf"^[（(【—\-\s]*{_DATE}[）)】\s]*$")
_DATE_AT_END = re.compile(rf"{_DATE}[）)\s]*$")


@dataclass(slots=True)
class Span:
    """A report's place in the document's normalized text."""

    start: int
    end: int
    marker_title: str | None = None


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _markers() -> re.Pattern:
    markers = load_toml("headings.toml")["compilation_markers"]
    return re.compile(r"^[ \t]*(?:" + "|".join(markers) + r")[ \t]*(?P<rest>.*)$", re.MULTILINE)


@lru_cache(maxsize=None)
def _title_words() -> re.Pattern:
    words = sorted(load_toml("headings.toml")["title_words"], key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)))


@lru_cache(maxsize=None)
def _section_synonyms() -> list[tuple[str, str]]:
    """(synonym, kind) pairs, longest synonym first."""
    pairs = [(syn, kind) for kind, syns in load_toml("headings.toml")["sections"].items() for syn in syns]
    return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


@lru_cache(maxsize=None)
def _any_synonym() -> re.Pattern:
    """Matches wherever any section synonym occurs: most lines hold none, and one search settles
    that faster than testing every synonym in turn."""
    return re.compile("|".join(re.escape(syn) for syn, _ in _section_synonyms()))


@lru_cache(maxsize=None)
def _openers() -> re.Pattern:
    return re.compile("^(?:" + "|".join(load_toml("headings.toml")["openers"]) + ")")


# ---------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------


def split_reports(text: str) -> list[Span]:
    """Split a compilation on its ``篇一：`` markers; a file without markers is one report.

    The text before the first marker (the compilation's own title and site blurb) is dropped
    when it is short; a long preamble is kept as a report of its own.

    >>> [(s.marker_title, s.start) for s in split_reports("合集\\n篇一：甲报告\\n正文。\\n篇二：乙报告\\n正文。")]
    [('甲报告', 10), ('乙报告', 21)]
    """
    matches = list(_markers().finditer(text))
    if not matches:
        return [Span(0, len(text))]
    spans = []
    preamble = text[: matches[0].start()].strip()
    if len(preamble) > 300:
        spans.append(Span(0, matches[0].start()))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body_start = m.end() + 1 if m.end() < len(text) else m.end()
        spans.append(Span(body_start, end, m.group("rest").strip() or None))
    # A marker title shared by every part ("篇一：XX情况汇报4篇" style) names the compilation, not the part.
    titles = [s.marker_title for s in spans if s.marker_title]
    if len(titles) > 1 and len(set(titles)) == 1:
        for s in spans:
            s.marker_title = None
    return spans


def _lines(text: str) -> list[tuple[int, str]]:
    """(start offset, line) for every line of text."""
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _title_from_line(line: str) -> str | None:
    """The title a line opens with, or None when the line is not a title."""
    line = line.strip()
    if not line or _openers().match(line) or heading_style(line) or _DATE_ONLY_LINE.match(line):
        return None
    hits = list(_title_words().finditer(line))
    hits = [m for m in hits if m.end() >= 6]
    if hits:
        # Several titles run together ("…的讲话全市…情况报告…"): the first one is the title.
        runs_on = len(hits) > 1 and hits[1].start() - hits[0].end() >= 6
        if len(line) <= 50 and not _SENTENCE_END.search(line) and not runs_on:
            return line.rstrip("：:")
        return line[: hits[0].end()]
    if len(line) <= 40 and not re.search(r"[。，；]", line):
        return line.rstrip("：:")
    return None


def find_title(text: str, marker_title: str | None = None) -> str | None:
    """The report's title: the marker's own title, else the first title-like line near the top."""
    if marker_title and _title_words().search(marker_title):
        first = next((ln for _, ln in _lines(text) if ln.strip()), "")
        # "篇二：老旧小区改造情况汇报" followed by the real title line: prefer the specific one.
        specific = _title_from_line(first)
        return specific if specific and _title_words().search(specific) else marker_title
    candidates = [ln for _, ln in _lines(text) if ln.strip()][:4]
    titled = [t for t in map(_title_from_line, candidates) if t and _title_words().search(t)]
    if titled:
        return titled[0]
    for line in candidates[:2]:
        t = _title_from_line(line)
        if t:
            return t
    return marker_title


def _cn_int(s: str) -> int:
    """'12' → 12, '十二' → 12, '二十三' → 23, '二〇二三' → 2023."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGIT.get(tens, 1) if tens else 1) * 10 + (_CN_DIGIT.get(ones, 0) if ones else 0)
    return int("".join(str(_CN_DIGIT[c]) for c in s))


def _iso(m: re.Match) -> str | None:
    year, month = _cn_int(m.group("y")), _cn_int(m.group("m"))
    if not (1949 <= year <= 2100 and 1 <= month <= 12):
        return None
    if m.group("d"):
        day = _cn_int(m.group("d"))
        if 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return f"{year:04d}-{month:02d}"


def find_date(text: str) -> str | None:
    """The report's own date: a signature date at the end, else a date line under the title.

    >>> find_date("标题\\n正文。\\nXX区住房和城乡建设局\\n二〇二三年二月十五日")
    '2023-02-15'
    >>> find_date("标题\\n（2022年11月）\\n正文截至2022年10月底。")
    '2022-11'
    """
    lines = [ln.strip() for _, ln in _lines(text) if ln.strip()]
    for line in reversed(lines[-6:]):
        m = _DATE_ONLY_LINE.match(line) or (_DATE_AT_END.search(line) if len(line) <= 40 else None)
        if m and (iso := _iso(m)):
            return iso
    for line in lines[:5]:
        m = _DATE_ONLY_LINE.match(line) or (_DATE_AT_END.search(line) if len(line) <= 30 and
                                             not _title_words().search(line) else None)
        if m and (iso := _iso(m)):
            return iso
    return None


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def heading_style(line: str) -> str | None:
    """The numbering style a line opens with, if any ("cn", "paren_cn", …)."""
    if not _STYLE_START.match(line):
        return None
    for name, pattern in STYLES:
        if pattern.match(line):
            return name
    return None


def section_kind(heading: str) -> str:
    """Canonical kind of a heading by its synonyms (longest match wins), else "other".

    >>> section_kind("（二）改造前存在问题"), section_kind("三、存在的困难和问题"), section_kind("二、主要做法")
    ('pre_condition', 'problems', 'measures')
    """
    if not _any_synonym().search(heading):
        return "other"
    for syn, kind in _section_synonyms():
        if syn in heading:
            return kind
    return "other"


def _own_kind(heading: str) -> tuple[str, bool] | None:
    """(kind, names_the_section) from the heading's own words, or None.

    ``names_the_section`` is True when the heading is little more than the section word
    (``（二）改造前存在问题``), False when the word is only mentioned in a longer item heading.
    """
    body = heading
    for _, pattern in STYLES:
        m = pattern.match(heading)
        if m:
            body = heading[m.end():]
            break
    for syn, kind in _section_synonyms():
        if syn in body:
            return kind, len(body) <= len(syn) + 6
    return None


def _heading_text(line: str) -> str:
    """A heading runs to the first sentence end; a long unpunctuated line is cut at 60 characters."""
    m = _SENTENCE_END.search(line)
    text = line[: m.start()] if m else line
    return text[:60].rstrip("，、；：")


def _unnumbered_heading(line: str) -> bool:
    """A short line naming a section on its own ("存在问题", "下一步工作打算：")."""
    bare = line.strip().strip("【】[]：:")
    return 2 <= len(bare) <= 16 and not re.search(r"[，。；！？\t]", bare) and section_kind(bare) != "other" \
        and any(bare.endswith(syn) or bare.startswith(syn) for syn, _ in _section_synonyms())


def find_sections(text: str) -> list[Section]:
    """Headings of a report with level, canonical kind and extent (offsets into ``text``)."""
    found: list[tuple[int, str, str]] = []  # (start, style, heading)
    for start, line in _lines(text):
        stripped = line.strip()
        if not stripped or "\t" in stripped:
            continue
        lead = len(line) - len(line.lstrip())
        style = heading_style(stripped)
        if style is None and _unnumbered_heading(stripped):
            style = "plain"
        if style is None:
            continue
        found.append((start + lead, style, _heading_text(stripped)))

    order: list[str] = []
    for _, style, _ in found:
        if style not in order and style not in (LAST_STYLE, "plain"):
            order.append(style)
    level_of = {style: i + 1 for i, style in enumerate(order)}
    level_of["plain"] = 1
    level_of[LAST_STYLE] = len(order) + 1

    sections: list[Section] = []
    stack: list[Section] = []
    for start, style, heading in found:
        level = level_of[style]
        while stack and stack[-1].level >= level:
            stack.pop()
        kind = _own_kind(heading)
        if stack and stack[-1].kind not in ("other", "basic") and (kind is None or not kind[1]):
            # （一）资金不足 under 三、存在问题 is a problem too; so is a long item heading that merely
            # mentions a section word (（一）改造内容“重地上、轻地下”，标准不统一).
            kind = (stack[-1].kind, True)
        kind = kind[0] if kind else (stack[-1].kind if stack else "other")
        section = Section(heading=heading, kind=kind, level=level, start=start, end=len(text))
        sections.append(section)
        stack.append(section)

    for i, section in enumerate(sections):
        for later in sections[i + 1:]:
            if later.level <= section.level:
                section.end = later.start
                break
    return sections


def section_at(sections: list[Section], offset: int) -> Section | None:
    """The innermost section containing ``offset``."""
    best = None
    for s in sections:
        if s.start <= offset < s.end and (best is None or s.level >= best.level):
            best = s
    return best


# ---------------------------------------------------------------------------
# Whole document
# ---------------------------------------------------------------------------


def _ends_cut(body: str) -> bool:
    """``re.search(r"(?:\\.{3}|…+)$", body)``: the text ends in "..." or "…" (before a final line
    break, as ``$`` allows), without trying the pattern at every position of the report."""
    tail = body[:-1] if body.endswith("\n") else body
    return tail.endswith(("...", "…"))


def segment(text: str, fallback_title: str = "") -> list[Report]:
    """Reports of a normalized document, each with title, date and sections (no facts yet)."""
    reports = []
    for span in split_reports(text):
        body = text[span.start:span.end]
        # Trim blank lines at both ends but keep offsets consistent with ``doc_start``.
        lead = len(body) - len(body.lstrip("\n "))
        body = body.strip("\n ")
        if not body:
            continue
        report = Report(
            index=len(reports) + 1,
            title=find_title(body, span.marker_title) or fallback_title,
            date=find_date(body),
            text=body,
            sections=find_sections(body),
            truncated=_ends_cut(body),
            doc_start=span.start + lead,
        )
        reports.append(report)
    return reports
