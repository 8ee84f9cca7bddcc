"""Date grammar: dates at the granularity written, with the year resolved from context.

``find_dates(text, report_date)`` returns every date mention of a normalized report text as a
:class:`DateMention` whose value is an ISO partial string (``2021``, ``2021-06``, ``2021-12-30``)
or a ``[lo, hi]`` pair for ranges and decades. A month written without its year (``截至10月底``,
``11月初``) takes the year of the nearest full date (year and month) before it in the same
paragraph, else the year of the report's own date, else the nearest explicit year before it;
years that are cut-offs (``2000年以前``, ``2000年至2005年``) never lend their year; ``去年/今年/明年`` are taken relative to the report's own date. The computer's
clock is never used: a date that cannot be resolved is not returned.

>>> [(d.raw, d.value) for d in find_dates("本次改造于2021年6月底进场，2021.12.30竣工。")]
[('2021年6月底', '2021-06'), ('2021.12.30', '2021-12-30')]
>>> [(d.raw, d.value) for d in find_dates("截至10月底，已开工12个。", report_date="2022-11")]
[('10月底', '2022-10')]
>>> [(d.raw, d.value) for d in find_dates("小区建于上世纪八九十年代，2019—2021年共改造26个。")]
[('上世纪八九十年代', ['1980', '1999']), ('2019—2021年', ['2019', '2021'])]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .spans import DisjointSpans

_CN = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2}
# 1940–2099, or four Chinese digits. Written as one character class first (a lookbehind then
# tells which form it is) so that a pattern opening with a year lets the regex engine skip ahead
# to the characters a year can start with, instead of trying the pattern at every position.
YEAR = r"(?:[12〇零一二三四五六七八九](?:(?<=1)9[4-9]\d|(?<=2)0\d\d|(?<=[〇零一二三四五六七八九])[〇零一二三四五六七八九]{3}))"
MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
DAY = r"(?:3[01]|[12]\d|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])"
PART = r"(?:底|末|初|中下旬|中旬|上旬|下旬|份)"

# A pattern that opens with an optional part or a lookbehind gives the regex engine no first
# character to scan for, and it tries the whole pattern at every position of the text; a lookahead
# on the characters a match can start with (a quick filter, as in numbers.py) rejects the others at once.
_STARTS_YEAR_OR_MONTH = r"(?=[去今明\d〇零一二三四五六七八九十\s])"
_STARTS_DECADE = r"(?=[上二五六七八九\d])"
_STARTS_MONTH = r"(?=[\d十一二三四五六七八九])"
_STARTS_19_20 = r"(?=[12])"

_PATTERNS = [
    # 3月至4月, 今年6月至8月, 2024年3月至5月 (a span of months in one year)
    ("month_range", re.compile(rf"{_STARTS_YEAR_OR_MONTH}(?:(?P<rel>去年|今年|明年)|(?P<y>{YEAR})\s*年)?\s*(?P<m1>{MONTH})\s*月\s*(?:至|到|—|－|-|–|~|～)\s*"
                               rf"(?P<m2>{MONTH})\s*月(?P<part>{PART})?")),
    # 2019—2021年, 2019年至2021年, 2019-2021年度
    ("year_range", re.compile(rf"(?P<y1>{YEAR})\s*(?:年)?\s*(?:—|－|-|–|~|～|至|到)\s*(?P<y2>{YEAR})\s*年(?:度)?")),
    # 2021年6月30日, 2021年6月底, 二〇二一年十二月
    ("ymd", re.compile(rf"(?P<y>{YEAR})\s*年\s*(?P<m>{MONTH})\s*月(?:\s*(?P<d>{DAY})\s*[日号])?(?P<part>{PART})?")),
    # 2021.12.30, 2021-12-30, 2021/6
    ("dotted", re.compile(rf"{_STARTS_19_20}(?<![\d.])(?P<y>(?:19|20)\d\d)\s*[./\-]\s*(?P<m>1[0-2]|0?[1-9])"
                          rf"(?:\s*[./\-]\s*(?P<d>3[01]|[12]\d|0?[1-9]))?(?![\d.%万亿元平户栋个])")),
    # 上世纪八九十年代, 八十年代, 1990年代, 20世纪80年代
    ("decade", re.compile(_STARTS_DECADE + r"(?:上世纪|20世纪|二十世纪)?(?P<dec>[五六七八九]{1,2}十|[5-9]0|19[5-9]0)年代(?P<part>初|末|中期|前期|后期)?")),
    # 2021年, 2021年度
    ("year", re.compile(rf"(?P<y>{YEAR})\s*年(?:度)?(?!\s*[—\-–~～至到]\s*{YEAR})")),
    # 10月底, 11月初, 6月30日 (year from context)
    ("md", re.compile(rf"{_STARTS_MONTH}(?<![\d年〇零一二三四五六七八九十])(?P<m>{MONTH})\s*月(?:\s*(?P<d>{DAY})\s*[日号])?(?P<part>{PART})?")),
    # 去年底, 今年6月, 明年
    ("relative", re.compile(rf"(?P<rel>去年|今年|明年|上年|当年|本年|同年)(?:\s*(?P<m>{MONTH})\s*月(?:\s*(?P<d>{DAY})\s*[日号])?)?(?P<part>底|末|初)?")),
]
# A year that is a cut-off or a window bound, not the time of an event: 2000年以前, 2000年至2005年建成.
# What every match of a pattern holds, found by a fast scan (a literal first): a text without it
# has no match, and the pattern (which has no literal to skip ahead to) need not try every position.
_REQUIRED = {
    "month_range": re.compile(r"月\s*(?:至|到|—|－|-|–|~|～)"),   # …月至…
    "decade": re.compile("年代"),
    "dotted": re.compile(r"(?:19|20)\d\d\s*[./\-]"),   # 2021.…, 2021-…, 2021/…
}
_CUTOFF_AFTER = re.compile(r"\s*(?:以前|之前|以后|之后|前|后|至|到|—|－|-|年代|底以前|底前)")
_REL = {"去年": -1, "上年": -1, "今年": 0, "当年": 0, "本年": 0, "明年": 1, "同年": 0}


@dataclass(slots=True)
class DateMention:
    value: str | list[str]
    raw: str
    start: int
    end: int
    kind: str  # which pattern matched: ymd, dotted, year, year_range, decade, md, relative
    resolved: bool = False  # the year came from context


def cn_int(s: str) -> int | None:
    """'12' → 12, '十二' → 12, '二十三' → 23, '二〇二一' → 2021.

    >>> cn_int("二〇二一"), cn_int("十二"), cn_int("三十一"), cn_int("07")
    (2021, 12, 31, 7)
    """
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = _CN.get(tens, None) if tens else 1
        o = _CN.get(ones, None) if ones else 0
        return None if t is None or o is None else t * 10 + o
    try:
        return int("".join(str(_CN[c]) for c in s))
    except KeyError:
        return None


def _iso(y: int, m: int | None = None, d: int | None = None) -> str | None:
    if not 1900 <= y <= 2100:
        return None
    if m is None:
        return f"{y:04d}"
    if not 1 <= m <= 12:
        return None
    if d is None:
        return f"{y:04d}-{m:02d}"
    if not 1 <= d <= 31:
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def _decade(m: re.Match) -> list[str] | None:
    dec = m.group("dec")
    if dec.startswith("19"):
        lo = int(dec)
    elif dec.isdigit():
        lo = 1900 + int(dec)
    else:
        digits = [c for c in dec if c != "十"]  # 八九十 → 八, 九
        if not digits:
            return None
        first, last = _CN[digits[0]], _CN[digits[-1]]
        return [f"{1900 + first * 10}", f"{1900 + last * 10 + 9}"]
    return [f"{lo}", f"{lo + 9}"]


def find_dates(text: str, report_date: str | None = None) -> list[DateMention]:
    """Every date mention of ``text``, left to right, non-overlapping (longest pattern first)."""
    taken = DisjointSpans()
    found: list[tuple[int, int, str, re.Match]] = []
    for kind, pattern in _PATTERNS:
        required = _REQUIRED.get(kind)
        if required is not None and required.search(text) is None:
            continue
        for m in pattern.finditer(text):
            s, e = m.span()
            if taken.add_if_free(s, e):
                found.append((s, e, kind, m))
    found.sort(key=lambda f: f[0])

    report_year = int(report_date[:4]) if report_date else None
    last_year: int | None = None  # the nearest explicit year that dates an event (not 2000年以前, 八十年代)
    last_full_year: int | None = None  # the year of the nearest date written with its month
    last_full_pos = -1
    out: list[DateMention] = []
    for s, e, kind, m in found:
        value: str | list[str] | None = None
        resolved = False
        if kind == "year_range":
            y1, y2 = cn_int(m.group("y1")), cn_int(m.group("y2"))
            if y1 and y2 and y1 <= y2 and _iso(y1) and _iso(y2):
                value = [f"{y1:04d}", f"{y2:04d}"]
                last_year = y2
        elif kind == "month_range":
            if m.group("y"):
                year = cn_int(m.group("y"))
            elif m.group("rel"):
                year = report_year + _REL[m.group("rel")] if report_year else None
            else:
                year = last_year or report_year
            m1, m2 = cn_int(m.group("m1")), cn_int(m.group("m2"))
            if year and m1 and m2 and m1 < m2:
                lo, hi = _iso(year, m1), _iso(year, m2)
                value = [lo, hi] if lo and hi else None
                resolved = not m.group("y")
        elif kind in ("ymd", "dotted", "year"):
            y = cn_int(m.group("y"))
            mo = cn_int(m.group("m")) if kind != "year" and m.group("m") else None
            d = cn_int(m.group("d")) if kind != "year" and m.group("d") else None
            value = _iso(y, mo, d) if y else None
            if value and not _CUTOFF_AFTER.match(text, e):
                last_year = y
                if mo:
                    last_full_year, last_full_pos = y, s
        elif kind == "decade":
            value = _decade(m)
        elif kind == "md":
            # the nearest full date (year and month) earlier in the same paragraph, else the
            # report's own year, else the nearest explicit year before it
            para_start = text.rfind("\n", 0, s) + 1
            year = last_full_year if last_full_pos >= para_start else (report_year or last_year)
            if year:
                value = _iso(year, cn_int(m.group("m")), cn_int(m.group("d")) if m.group("d") else None)
                resolved = True
        elif kind == "relative":
            # 同年 is the year just named; the others count from the report's own date, or, when
            # the report states none, from the nearest explicit year before them (a title's year).
            base = last_year if m.group("rel") == "同年" else (report_year or last_year)
            if base:
                year = base + _REL[m.group("rel")]
                mo = cn_int(m.group("m")) if m.group("m") else None
                d = cn_int(m.group("d")) if m.group("d") else None
                value = _iso(year, mo, d)
                resolved = True
        if value:
            out.append(DateMention(value, text[s:e], s, e, kind, resolved))
    return out
