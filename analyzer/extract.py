"""Fact extraction: every figure of a report with value, unit, role, status, subject, scope and span.

The grammars live elsewhere — ``numbers.py`` (quantities with units) and ``dates.py`` (dates) —
and the cue words in ``data/facts.toml``. This module binds them to a report:

* prose: quantities and dates found on the normalized text, each given a role from the nearest
  cue to its left in its clause (``其中企业自筹约5660万元`` → self_raised), a status for counts, the
  community it belongs to (a name in the same sentence, the topic of the paragraph, or the one
  community a project report is about) or ``aggregate``, and the year it is scoped to
  (``2020年，我县实施改造老旧小区20个`` → scope ``2020``);
* tables (rows of tab-separated cells, as the pipeline writes them): the column header or a
  ``单位：…`` line above the table gives type and unit, the row's name cell gives the subject;
* placeholders (``X个``, ``XX万元``, ``20__年``) are recorded, never turned into numbers.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .dates import DateMention, find_dates
from .normalize import load_toml
from .numbers import Quantity, find_placeholders, find_quantities, parse_number
from .spans import SpanSet, line_bounds, sentence_bounds
from .types import Fact, Placeholder, Report

APPROX_CANON = {"约": "约", "近": "近", "余": "余", "多": "多", "超过": "超过", "超": "超过", "逾": "余",
                "以上": "以上", "左右": "左右", "余万": "余"}
_CLAUSE_STOP = "，。；！？\n\t"


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


class _CuePairs(list):
    """(cue, role) pairs, longest cue first, with what finds them in one pass: ``starts`` matches
    (empty, in a lookahead) wherever a cue starts, its group 1 the longest cue starting there;
    ``role_of`` gives a cue's role (the first pair's, as a scan of the list would)."""

    def __init__(self, pairs) -> None:
        super().__init__(pairs)
        self.role_of: dict[str, str] = {}
        for cue, role in self:
            self.role_of.setdefault(cue, role)
        alternation = "|".join(re.escape(cue) for cue, _ in self)
        # a quick filter first: the characters a cue starts with (the regex engine tries every
        # alternative at a position only where one of them stands)
        firsts = "".join(sorted({re.escape(cue[0]) for cue, _ in self})) if all(cue for cue, _ in self) else ""
        quick = f"(?=[{firsts}])" if firsts else ""
        self.starts = re.compile(f"{quick}(?=({alternation}))" if self else r"(?!x)x")


@dataclass(frozen=True, slots=True)
class _Cues:
    window: int
    investment: _CuePairs
    area: _CuePairs
    date_before: _CuePairs
    date_after: _CuePairs
    status: _CuePairs
    aggregate_re: re.Pattern  # any of the cues that make a figure the whole area's (全区, 累计 …)
    name_re: re.Pattern
    generic: frozenset[str]
    table: dict[str, list[str]]


def _pairs(table: dict[str, list[str]]) -> _CuePairs:
    """(cue, role) pairs, longest cue first."""
    return _CuePairs(sorted(((cue, role) for role, cues in table.items() for cue in cues), key=lambda p: -len(p[0])))


@lru_cache(maxsize=1)
def cues() -> _Cues:
    data = load_toml("facts.toml")
    dates = data["roles"]["date"]
    before = {k.removesuffix("_before"): v for k, v in dates.items() if k.endswith("_before")}
    after = {k.removesuffix("_after"): v for k, v in dates.items() if k.endswith("_after")}
    subjects = data["subjects"]
    suffixes = sorted(subjects["suffixes"], key=len, reverse=True)
    return _Cues(
        window=int(data.get("window", 16)),
        investment=_pairs(data["roles"]["investment"]),
        area=_pairs(data["roles"]["area"]),
        date_before=_pairs(before),
        date_after=_pairs(after),
        status=_pairs(data["status"]),
        aggregate_re=re.compile("|".join(map(re.escape, subjects["aggregate_cues"])) or r"(?!x)x"),
        name_re=re.compile("|".join(map(re.escape, suffixes))),
        generic=frozenset(subjects["generic"]),
        table={k: list(v) for k, v in data["table"].items()},
    )


# ---------------------------------------------------------------------------
# Helpers on text
# ---------------------------------------------------------------------------


def _json_number(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def _value(q: Quantity):
    if isinstance(q.value, tuple):
        return [_json_number(q.value[0]), _json_number(q.value[1])]
    return _json_number(q.value)


# Everything up to the last clause punctuation of a string.
_UP_TO_LAST_STOP = re.compile(f"(?s:.*)[{_CLAUSE_STOP}]")


def _clause_left(text: str, pos: int, window: int) -> str:
    """Up to ``window`` characters left of ``pos``, stopping at clause punctuation."""
    start = max(0, pos - window)
    chunk = text[start:pos]
    cut = _UP_TO_LAST_STOP.match(chunk)
    return chunk[cut.end():] if cut else chunk


_FIRST_STOP = re.compile(f"[{_CLAUSE_STOP}]")


def _clause_right(text: str, pos: int, window: int) -> str:
    chunk = text[pos:pos + window]
    cut = _FIRST_STOP.search(chunk)   # the first clause punctuation
    return chunk[: cut.start()] if cut else chunk


def _nearest(left: str, pairs: _CuePairs) -> tuple[int, int, str] | None:
    """(end, length, role) of the cue that ends nearest to the end of ``left`` (longer cue on a tie).

    One pass over ``left`` instead of a search for every cue: the cue ending last is the longest of
    those starting where it starts, so the longest cue at each start is all that needs comparing.
    """
    best: tuple[int, int] | None = None
    for m in pairs.starts.finditer(left):
        key = (m.end(1), m.end(1) - m.start(1))
        if best is None or key > best:
            best = key
    if best is None:
        return None
    return best[0], best[1], pairs.role_of[left[best[0] - best[1]:best[0]]]


def _nearest_cue(left: str, pairs: _CuePairs) -> str | None:
    """The role whose cue ends nearest to the end of ``left`` (longer cue on a tie)."""
    best = _nearest(left, pairs)
    return best[2] if best else None


def _first_cue(right: str, pairs: _CuePairs) -> str | None:
    """The role whose cue starts nearest to the start of ``right`` (longer cue on a tie)."""
    m = pairs.starts.search(right)
    return pairs.role_of[m.group(1)] if m else None


# ---------------------------------------------------------------------------
# Community names
# ---------------------------------------------------------------------------


# Part-of-speech tags (jieba) a community-name body may be made of: nouns, names, numbers
# and letters (铁一局/nt 二处/m 家属楼, X/eng 屯楼小区). Verbs, prepositions, adverbs, pronouns and
# particles end a body on the left (结合/v 小区, 邀请/v 小区 are not names).
_NAME_POS = {"n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "eng", "m", "j", "ng", "b", "s", "f", "a", "an", "x", "zg"}
# Characters that, right after a suffix, show the suffix is part of another word (楼道, 里面).
_SUFFIX_CONTINUES = {"楼": "道栋房体顶层院宇梯盘间内外", "里": "面边头路街巷弄", "苑": "路街",
                     "小区": "内外里", "新村": "路街"}
_STREET_AFTER = "路街巷道"
_ADMIN_UNITS = ("街道", "社区", "办事处", "镇", "乡")


@lru_cache(maxsize=1)
def _posseg():
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


_NAME_STOP = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]")


def _name_body(text: str, s: int) -> str:
    """The name body left of a suffix at ``s``: the run of noun-like jieba tokens just before it."""
    left = _NAME_STOP.split(text[max(0, s - 10):s])[-1]
    if not left:
        return ""
    return _body_of(left, text[s:s + 2] in ("小区", "楼"))


_ROAD_WORDS = ("路", "街", "巷", "道", "大道", "大街")
_CJK_WORD = re.compile("[\u4e00-\u9fff]+")
_ACTION_WORDS = frozenset(("改造", "实施", "推进", "完成", "开展", "涉及", "包括", "进行", "启动", "计划", "整治", "提升"))
_LEADING = re.compile(r"^(?:以|对|在|将|把|被|向|从|与|和|及|经|如|像|为|由|其中|截至|其|该|本|各)")


def _known_word(word: str) -> bool:
    """Whether ``word`` is in jieba's dictionary (not a word its HMM guessed)."""
    import jieba

    return bool(jieba.dt.FREQ.get(word))


@lru_cache(maxsize=20000)
def _body_of(left: str, plain_suffix: bool) -> str:
    """``_name_body`` for the ≤ 10 characters ``left`` of the suffix (cached: the same names recur in
    every paragraph of a report, and jieba's part-of-speech tagger was 40% of fact extraction)."""
    tokens = [(w.word, w.flag) for w in _posseg().cut(left)]
    body: list[tuple[str, str]] = []
    for word, flag in reversed(tokens):
        if flag not in _NAME_POS or len("".join(w for w, _ in body)) + len(word) > 8:
            break
        body.insert(0, (word, flag))
    if body and body[0][1] == "a" and len(body) == 1 and plain_suffix:
        return ""  # 尊重/a 小区 (but 幸福/a 里小区 is a name)
    if len(body) == 1 and body[0][0] in _ROAD_WORDS and len(tokens) >= 2:
        # a road named by a verb: 胜利/vn 路小区, 解放/v 路小区 (a lone 路 is never the name)
        word, flag = tokens[-2]
        if flag in ("v", "vn") and len(word) == 2 and _CJK_WORD.fullmatch(word) and word not in _ACTION_WORDS:
            body.insert(0, (word, flag))
    name = "".join(w for w, _ in body)
    # a preposition or pronoun before the name is context: 对/幸福里, or glued onto a word jieba only
    # guessed (以翔/云); but 和平街, 向阳, 如意, 经纬路 are dictionary words that start with such a character
    lead = _LEADING.match(name)
    if lead and len(name) - lead.end() >= 2 and (body[0][0] == lead.group() or not _known_word(body[0][0])):
        name = name[lead.end():]
    # an administrative prefix is context, not part of the name: 北港街道八街坊小区, 铁机社区305宿舍
    cut = max((name.rfind(unit) + len(unit) for unit in _ADMIN_UNITS if unit in name[:-1]), default=0)
    # a district or county before the name: 河西区机械厂宿舍 → 机械厂宿舍 (but not 开发区宿舍)
    m = re.match(r"^.{1,4}?[区县市]", name[cut:])
    if m and len(name) - cut - m.end() >= 2:
        cut += m.end()
    return name[cut:]


def find_communities(text: str) -> list[tuple[int, int, str]]:
    """Spans of community names (``金亭花苑``, ``纺织厂家属院``, ``建设路小区``) in ``text``.

    >>> [n for _, _, n in find_communities("观摩了梁园区的方庄小区、烟厂家属院，以及该小区和5个老旧小区。同时结合小区改造推进。")]
    ['方庄小区', '烟厂家属院']
    """
    c = cues()
    out: list[tuple[int, int, str]] = []
    for m in c.name_re.finditer(text):
        s, e = m.span()
        if out and s < out[-1][1]:
            continue
        m2 = c.name_re.match(text, e)  # a second suffix glued on: 271宿舍小区, 幸福里小区 (not 南湖花园小区)
        if m2 and m2.group() in ("小区", "楼") and m.group() in ("宿舍", "里", "楼", "院", "家属院", "家属楼", "苑"):
            e = m2.end()
        if m.group() == "里" and text[s - 1:s] == "公":
            continue  # 680公里 is a length
        after = text[e:e + 1]
        if after and (after in _SUFFIX_CONTINUES.get(text[s:e][-2:], "") or after in _SUFFIX_CONTINUES.get(text[e - 1], "")):
            continue
        if after and after in _STREET_AFTER and text[e - 1] in "里苑村":
            continue  # 双桥里路 is a road
        body = _name_body(text, s)
        if not _good_body(body, m.group()):
            continue
        out.append((s - len(body), e, text[s - len(body):e]))
    return out


@lru_cache(maxsize=None)
def _long_generic() -> tuple[str, ...]:
    """The generic words of more than one character (a name body must not end in one)."""
    return tuple(g for g in cues().generic if len(g) > 1)


def _good_body(body: str, suffix: str) -> bool:
    generic = cues().generic
    if not body or body in generic:
        return False
    if body.endswith(_long_generic()) or body[-1] in generic:
        return False
    if body.startswith(("该", "本", "各", "全", "此", "这", "那", "其", "每", "个", "部分", "一些", "多个")):
        return False
    if re.fullmatch(r"[\d一二三四五六七八九十]+", body):
        return False
    if suffix in ("里", "苑", "楼", "家园") and len(body) < 2:
        return False
    if suffix == "里" and body[-1] in "区院楼家城这那心手眼村市县镇街巷路夜邻道":
        return False
    return True


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

_UNIT_LINE = re.compile(r"单位\s*[：:]\s*(?P<units>[^\n]{1,60})")
_HEADER_UNIT = re.compile(r"[（(]\s*(?P<u>[^（）()]{1,8})\s*[)）]")
_UNIT_SPEC = {  # written unit → (type, scale to canonical)
    "万平方米": ("area", Decimal(10000)), "万㎡": ("area", Decimal(10000)), "万m2": ("area", Decimal(10000)),
    "万m²": ("area", Decimal(10000)), "万方": ("area", Decimal(10000)), "平方米": ("area", Decimal(1)),
    "㎡": ("area", Decimal(1)), "m2": ("area", Decimal(1)), "m²": ("area", Decimal(1)), "平米": ("area", Decimal(1)),
    "亿元": ("investment", Decimal(10000)), "万元": ("investment", Decimal(1)), "元": ("investment", Decimal("0.0001")),
    "户": ("households", Decimal(1)), "万户": ("households", Decimal(10000)), "套": ("households", Decimal(1)),
    "栋": ("buildings", Decimal(1)), "幢": ("buildings", Decimal(1)), "座": ("buildings", Decimal(1)),
    "个": ("communities", Decimal(1)), "%": ("percent", Decimal(1)),
}
_UNIT_OF_TYPE = {"area": "m2", "investment": "万元", "households": "户", "buildings": "栋", "communities": "个",
                 "percent": "%"}


_HEADER_ORDER = ("land", "communities", "households", "buildings", "area", "percent", "investment")


@dataclass(slots=True)
class _Column:
    header: str
    kind: str | None  # a fact type, "name", "built"/"start"/"completion", "land", or None (not a figure)
    scale: Decimal | None


def _classify_header(header: str, unit_line: dict[str, Decimal]) -> _Column:
    t = cues().table
    h = re.sub(r"\s+", "", header)
    m = _HEADER_UNIT.search(h)
    own = _UNIT_SPEC.get(m.group("u")) if m else None
    word = _HEADER_UNIT.sub("", h)
    if any(w in word for w in t["skip"]):
        return _Column(header, "skip", None)
    for kind in ("built", "start", "completion"):
        if any(w in word for w in t[kind]):
            return _Column(header, kind, None)
    # the first kind whose header words match, in this order (用地面积 before 面积, 小区数 before 小区)
    kind = next((k for k in _HEADER_ORDER if any(w in word for w in t["land_area" if k == "land" else k])), None)
    if kind is None:
        if any(w == word or word.endswith(w) for w in t["name"]):
            return _Column(header, "name", None)
        if not own:
            return _Column(header, None, None)
        kind = own[0]
    ftype = "area" if kind == "land" else kind
    if own and own[0] == ftype:
        scale = own[1]
    else:
        scale = unit_line.get(ftype)
    if scale is None:
        scale = Decimal(1)
    return _Column(header, kind, scale)


def _unit_line(text: str, table_start: int) -> dict[str, Decimal]:
    """Scales from a ``单位：栋、户、万平方米、万元`` line just above a table."""
    before = text[max(0, table_start - 120):table_start]
    lines = before.rstrip("\n").split("\n")[-2:]
    out: dict[str, Decimal] = {}
    for line in lines:
        m = _UNIT_LINE.search(line)
        if not m:
            continue
        for part in re.split(r"[、，,；;/\s]+", m.group("units")):
            spec = _UNIT_SPEC.get(part.strip("（）()"))
            if spec and spec[0] not in out:
                out[spec[0]] = spec[1]
    return out


_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|(?:\s*:?-{2,}:?\s*\|)+\s*$")  # | --- | --- |


def _is_row(line: str) -> bool:
    return "\t" in line or bool(_PIPE_ROW.match(line))


def _table_blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of runs of consecutive table rows: tab-separated cells (from .docx/.pdf
    tables) or ``| a | b |`` rows typed into a .txt."""
    blocks, pos, run_start, run_end = [], 0, None, None
    for line in text.split("\n"):
        end = pos + len(line)
        if _is_row(line):
            if run_start is None:
                run_start = pos
            run_end = end
        elif run_start is not None:
            blocks.append((run_start, run_end))
            run_start = None
        pos = end + 1
    if run_start is not None:
        blocks.append((run_start, run_end))
    return blocks


def _cells(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Cells of one row as (start, end, text) spans in ``text``."""
    line = text[start:end]
    if "\t" in line:
        sep, first, last = "\t", 0, len(line)
    else:
        first = line.index("|") + 1
        last = line.rindex("|")
        sep = "|"
    out, pos = [], start + first
    for cell in line[first:last].split(sep):
        out.append((pos, pos + len(cell), cell))
        pos += len(cell) + 1
    return out


def _is_figure(col: _Column) -> bool:
    return col.kind not in (None, "name", "skip")


def _table_facts(report: Report, start: int, end: int) -> list[Fact]:
    text = report.text
    rows = []
    pos = start
    for line in text[start:end].split("\n"):
        if not _PIPE_RULE.match(line):
            rows.append(_cells(text, pos, pos + len(line)))
        pos += len(line) + 1
    if len(rows) < 2:
        return []
    units = _unit_line(text, start)
    classified: dict[str, _Column] = {}   # a row's label is read as a row head and again as its label

    def classify(cell: str) -> _Column:
        col = classified.get(cell)
        if col is None:
            col = classified[cell] = _classify_header(cell, units)
        return col

    columns = [classify(cell) for _, _, cell in rows[0]]
    row_heads = [classify(row[0][2]) for row in rows[1:]]
    if sum(map(_is_figure, row_heads)) >= 2 and sum(map(_is_figure, columns[1:])) == 0:
        return _transposed_facts(rows, row_heads, report.date)
    name_col = next((i for i, c in enumerate(columns) if c.kind == "name"), None)
    single_type = next(iter(units)) if len(units) == 1 else None
    facts: list[Fact] = []
    for row in rows[1:]:
        first_text = next((c for _, _, c in row if c.strip() and not re.fullmatch(r"\d+", c.strip())), "")
        is_total = any(first_text.strip().startswith(w) for w in cues().table["total_rows"])
        subject, scope = "aggregate", None
        if not is_total and name_col is not None and name_col < len(row):
            subject = row[name_col][2].strip() or "aggregate"
        # a row labelled by a year (| 2019年 | 12 | 86 |) is that year's figures
        label_dates = find_dates(first_text.strip(), report.date) if first_text else []
        if label_dates and label_dates[0].raw == first_text.strip():
            d = label_dates[0]
            s0 = next(s for s, _, c in row if c == first_text) + len(first_text) - len(first_text.lstrip())
            facts.append(Fact(type="date", value=d.value, unit=None, raw=d.raw, start=s0, end=s0 + len(d.raw),
                              role="other"))
            scope = d.value if isinstance(d.value, str) else f"{d.value[0]}-{d.value[1]}"
        label_col = classify(first_text) if first_text else None
        row_columns = _align_short_row(row, columns) if len(row) < len(columns) else columns
        for i, (s, e, cell) in enumerate(row):
            col = row_columns[i] if i < len(row_columns) else None
            if col is None or col.kind in ("name", "skip") or not cell.strip() or cell == first_text:
                continue
            if col.kind is None:
                # | 中央补助资金 | 3,210 | 3,210 | under 单位：万元: the row label or the table unit decides
                if label_col is not None and _is_figure(label_col):
                    col = _Column(first_text, label_col.kind, label_col.scale)
                elif single_type and single_type != "percent":
                    col = _Column(first_text, single_type, units[single_type])
                else:
                    continue
            fact = _table_cell_fact(cell, s, e, col, report.date)
            if fact:
                fact.subject, fact.scope = subject, scope
                facts.append(fact)
    return facts


def _align_short_row(row, columns: list[_Column]) -> list[_Column | None]:
    """Columns for a row with fewer cells than the header (合计 spanning the leading columns):
    its numeric cells go, in order, to the header's count/amount columns (dates are not summed)."""
    summed = [c for c in columns if c.kind in ("households", "area", "land", "investment", "buildings",
                                               "communities", "percent")]
    numeric = [i for i, (_, _, cell) in enumerate(row) if re.fullmatch(r"\s*(?:约)?[\d,.]+%?\s*", cell)]
    out: list[_Column | None] = [None] * len(row)
    if len(numeric) <= len(summed):
        for i, col in zip(numeric, summed[:len(numeric)]):
            out[i] = col
    return out


def _transposed_facts(rows, row_heads: list[_Column], report_date: str | None) -> list[Fact]:
    """A table whose first column holds the headers and whose first row names the communities."""
    names = [c.strip() for _, _, c in rows[0]]
    facts = []
    for row, col in zip(rows[1:], row_heads):
        if not _is_figure(col):
            continue
        for j, (s, e, cell) in enumerate(row[1:], start=1):
            if not cell.strip():
                continue
            fact = _table_cell_fact(cell, s, e, col, report_date)
            if fact:
                name = names[j] if j < len(names) else ""
                total = any(name.startswith(w) for w in cues().table["total_rows"])
                fact.subject = "aggregate" if total or not name else name
                facts.append(fact)
    return facts


def _table_cell_fact(cell: str, s: int, e: int, col: _Column, report_date: str | None) -> Fact | None:
    raw = cell.strip()
    s += len(cell) - len(cell.lstrip())
    e = s + len(raw)
    if col.kind in ("built", "start", "completion"):
        dates = find_dates(raw, report_date)
        if dates:
            d = dates[0]
            return Fact(type="date", value=d.value, unit=None, raw=d.raw, start=s + d.start, end=s + d.end,
                        role=col.kind)
        m = re.fullmatch(r"((?:19|20)\d\d)", raw)
        if m and col.kind == "built":
            return Fact(type="date", value=m.group(1), unit=None, raw=raw, start=s, end=e, role="built")
        return None
    approx = None
    body = raw
    m = re.match(r"^(约|近|超过|超)", body)
    if m:
        approx, body = APPROX_CANON[m.group(1)], body[m.end():]
    body = body.rstrip("%")
    number = parse_number(body) if re.fullmatch(r"[\d,.\s万亿]+", body) else None
    if number is None:
        return None
    ftype = "area" if col.kind == "land" else col.kind
    value = number * (col.scale or Decimal(1))
    role = "land" if col.kind == "land" else None
    if ftype == "investment":
        role = _nearest_cue(col.header, cues().investment) if col.header else None
        role = None if role == "none" else role
    elif ftype == "area" and role is None:
        role = _nearest_cue(col.header, cues().area)
    status = _nearest_cue(col.header, cues().status) if ftype in ("households", "buildings", "communities") else None
    return Fact(type=ftype, value=_json_number(value), unit=_UNIT_OF_TYPE[ftype], raw=raw, start=s, end=e,
                approx=approx, role=role, status=status)


# ---------------------------------------------------------------------------
# Prose
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Context:
    report: Report
    names: list[tuple[int, int, str]]  # community names, in text order
    main: str | None  # the one community a project report is about
    starts: list[int] = None  # names' start offsets, for bisection

    def __post_init__(self):
        self.starts = [n[0] for n in self.names]


def _main_community(report: Report, names: list[tuple[int, int, str]]) -> str | None:
    """The community a single-project report is about: the one its title names."""
    title_names = find_communities(report.title or "")
    return title_names[0][2] if len(title_names) == 1 else None


def _subject(ctx: _Context, pos: int, ftype: str, role: str | None = None) -> str:
    text = ctx.report.text
    if ftype == "communities" or role == "as_of":
        return "aggregate"
    if ftype == "date":
        l_start, l_end = line_bounds(text, pos)
        if l_end - l_start <= 40 and re.fullmatch(r"[\d〇零一二三四五六七八九十年月日号\s）)]*", text[pos:l_end]):
            return "aggregate"  # a signature or heading date: the report's own
    s_start, _ = sentence_bounds(text, pos)
    lo = bisect.bisect_left(ctx.starts, s_start)
    hi = bisect.bisect_right(ctx.starts, pos)
    in_sentence = [n for n in ctx.names[lo:hi] if n[1] <= pos]
    clause = _clause_left(text, pos, 24)
    if in_sentence:
        name = in_sentence[-1]
        # "…建设路小区规模最大，一个小区的改造户数占全区四成" – a name in an aggregate clause does not own the
        # figure; nor does the last of a list of names ("包括A、B、C小区4个小区，共涉及楼栋41栋")
        between = text[name[1]:pos]
        listed = len({n[2] for n in in_sentence}) >= 2 and (re.search(r"共|合计|总|等|个小区|个项目", between)
                                                            or re.search(r"[，；：]", between))
        if not listed and not any(cue in between for cue in ("全区", "全市", "全县", "累计", "合计", "共计", "个小区")):
            return name[2]
    if cues().aggregate_re.search(text, s_start, pos) or cues().aggregate_re.search(clause):
        return "aggregate"
    # the topic of the paragraph: a name at the start of an earlier sentence of the same line
    l_start, _ = line_bounds(text, pos)
    earlier = ctx.names[bisect.bisect_left(ctx.starts, l_start):lo]
    for n in reversed(earlier):
        sent_start, _ = sentence_bounds(text, n[0])
        if n[0] - sent_start <= 12:
            return n[2]
    if ctx.main:
        return ctx.main
    return "aggregate"


_NOT_SCOPE_AFTER = ("以来", "以前", "以后", "之前", "之后", "前", "后", "年代", "至", "到", "建成", "竣工", "开工",
                    "完工", "底", "末")


def _scope_setters(text: str, dates: list[DateMention]) -> list[tuple[int, str]]:
    """(position, scope) of the year-only mentions that set the scope of what follows them in
    their paragraph: ``2020年，我区…``, ``今年…``, ``2021—2023年全区计划…``; not ``2019年以来``,
    ``2000年以前``, nor a year inside a full date."""
    out = []
    for d in dates:
        if d.kind not in ("year", "year_range", "relative") or "月" in d.raw:
            continue
        after = text[d.end:d.end + 3].lstrip()
        if after.startswith(_NOT_SCOPE_AFTER):
            continue
        before = text[max(0, d.start - 4):d.start]
        if any(w in before for w in ("建于", "建成于", "截至", "截止", "始建")):
            continue
        out.append((d.start, d.value if isinstance(d.value, str) else f"{d.value[0]}-{d.value[1]}"))
    return out


def _scope(text: str, pos: int, setters: list[tuple[int, str]]) -> str | None:
    """The scope in force at ``pos``: the last scope-setting year earlier in the same paragraph
    (``setters`` are in text order: a binary search)."""
    para_start = text.rfind("\n", 0, pos) + 1
    i = bisect.bisect_left(setters, pos, key=lambda setter: setter[0]) - 1
    return setters[i][1] if i >= 0 and setters[i][0] >= para_start else None


def _date_role(text: str, d: DateMention) -> str:
    c = cues()
    left = _clause_left(text, d.start, 8)
    right = _clause_right(text, d.end, 16)
    if any(left.endswith(w) or w in left[-4:] for w in ("截至", "截止", "截止到", "到目前")):
        return "as_of"
    if re.match(r"^(?:以前|以后|之前|前)?(?:建成|竣工入住|建设|修建|交付使用)", right) or \
            re.match(r"^年代", right):
        return "built"
    role = _nearest_cue(left, c.date_before)
    if role == "as_of" and not left.endswith(("截至", "截止", "截止到", "至")):
        role = None
    if role:
        return role
    # a deadline's verb may come a few words later: "7月底前实现计划项目全部开工"
    right_role = _first_cue(right[:6], c.date_after) or (
        _first_cue(right[:14], c.date_after) if right.startswith(("前", "以前")) else None)
    if right_role:
        return right_role
    if isinstance(d.value, list) and d.kind == "decade":
        return "built"
    return "other"


_NEGATED = re.compile(r"(?:未|尚未|没有|暂未|不能|未能)$")


def _status(text: str, pos: int, end: int | None = None) -> str | None:
    """Plan/progress status of a count: a verb right after it in its clause (9个小区完成主体改造),
    else the nearest cue before it in its sentence (涉及… and 其中… inherit the clause's status)."""
    if end is not None:
        right = _clause_right(text, end, 10)
        m = re.match(r"^(?:小区|老旧小区|院落)?(?:已|均已|全部|已全部|均)?", right)
        role = _first_cue(right[m.end():m.end() + 4], cues().status) if m else None
        if role and right[m.end():].startswith(tuple(c for c, r in cues().status if r == role)) \
                and not re.search(r"\d", right[m.end():m.end() + 6]):  # 135个小区已开工128个: 开工 is 128's
            return role
    s_start, _ = sentence_bounds(text, pos)
    left = text[s_start:pos]
    best = _nearest(left, cues().status)
    if best is None or _NEGATED.search(left[: best[0] - best[1]]):
        return None
    # "计划启动…", "计划新开工…": a plan that names its verb is still a plan
    if best[2] != "planned" and re.search(r"(?:计划|拟)[^，。；]{0,6}$", left[: best[0] - best[1]]):
        return "planned"
    return best[2]


def _prose_fact(ctx: _Context, q: Quantity) -> Fact:
    text = ctx.report.text
    left = _clause_left(text, q.start, cues().window)
    role = status = None
    if q.type == "investment":
        role = _nearest_cue(left, cues().investment)
        if role is None or left.endswith(("其余", "剩余", "另有")):
            # "其余2600万元为中央补助资金": the source is named after the amount
            right = _clause_right(text, q.end, 12)
            m = re.match(r"^(?:为|是|来自|系|由)", right)
            if m:
                role = _first_cue(right[m.end():], cues().investment) or role
        if role == "none":
            role = None
    elif q.type == "area":
        role = _nearest_cue(left, cues().area)
    elif q.type in ("households", "buildings", "communities"):
        status = _status(text, q.start, q.end)
    approx = APPROX_CANON.get(q.approx) if q.approx else None
    return Fact(type=q.type, value=_value(q), unit=q.unit, raw=q.raw, start=q.start, end=q.end,
                approx=approx, role=role, status=status, subject=_subject(ctx, q.start, q.type))


# "已完工21个", "仅开工9个", "其中2000年以前建成的19个": a count of communities whose noun stands
# earlier in the sentence. Accepted only after a progress verb or 的/有, in a sentence about 小区.
_BARE_COUNT = re.compile(
    r"(?=[开完竣启建进实改的有其老小院\d])"  # quick filter: the first character of a branch below
    r"(?:(?:开工|完工|竣工|启动|完成|建成的|进场|实施|改造|的有|的|有|其余)\s*"
    r"(?P<n>\d{1,5}|[一二三四五六七八九十两]{1,3})\s*个(?=[，。；、）\s]|未|已|均|全部|尚|正在|$)"
    r"|(?:老旧小区|小区|院落)\s*(?P<n2>\d{1,5})\s*处"
    # "走访20个小区，3个成立了业委会": a part of the communities just counted
    r"|(?<=个小区[，、])(?P<n3>\d{1,5})\s*个(?=[\u4e00-\u9fff])(?!月|项目|百分点|部门|街道|社区|单位|批次|方面|问题))")
# Nouns whose counts are not communities: a bare "N个" after them is theirs (停车位仅有310个).
_OTHER_COUNTED = ("停车位", "车位", "充电桩", "路灯", "电梯", "楼道", "单元", "项目", "出入口", "门禁", "摄像头",
                  "垃圾", "设施", "场所", "活动室", "街道", "社区", "部门", "问题", "方案")


def _bare_counts(text: str, taken: SpanSet) -> list[Fact]:
    out = []
    for m in _BARE_COUNT.finditer(text):
        group = "n" if m.group("n") else ("n2" if m.group("n2") else "n3")
        s, e = m.start(group), m.end()
        if taken.overlaps(s, e):
            continue
        sent_start, _ = sentence_bounds(text, s)
        prev_start, _ = sentence_bounds(text, max(0, sent_start - 2))  # the sentence before, too
        if "小区" not in text[prev_start:s] and "院落" not in text[prev_start:s]:
            continue
        clause = _clause_left(text, s, 12)
        if any(noun in clause for noun in _OTHER_COUNTED):
            continue
        value = parse_number(m.group(group))
        if value is None:
            continue
        out.append(Fact(type="communities", value=_json_number(value), unit="个", raw=text[s:e], start=s, end=e))
    return out


def extract_facts(report: Report) -> tuple[list[Fact], list[Placeholder]]:
    """Facts and placeholders of one report (offsets into ``report.text``)."""
    text = report.text
    tables = _table_blocks(text)
    in_table = SpanSet(tables).contains

    names = find_communities(text)
    ctx = _Context(report, names, _main_community(report, names))
    placeholders = [Placeholder(raw=raw, start=s, end=e) for s, e, raw in find_placeholders(text)]
    held = [(p.start, p.end) for p in placeholders]

    facts: list[Fact] = []
    for s, e in tables:
        facts.extend(_table_facts(report, s, e))

    quantities = [q for q in find_quantities(text) if not in_table(q.start)]
    taken = [(q.start, q.end) for q in quantities] + held
    taken_set = SpanSet(taken)
    dates = [d for d in find_dates(text, report.date)
             if not in_table(d.start) and not taken_set.overlaps(d.start, d.end)]

    setters = _scope_setters(text, dates)
    for s, e in tables:  # a table takes the scope of the paragraph just above it
        above = text.rfind("\n", 0, max(0, s - 1))
        scope = _scope(text, s - 1, setters) if s > 0 else None
        if scope is None and above > 0 and _UNIT_LINE.search(text[above + 1:s]):
            scope = _scope(text, above, setters)  # skip a 单位：万元 line between them
        for fact in facts:
            if s <= fact.start < e and fact.type != "date" and fact.scope is None:
                fact.scope = scope
    for fact in _bare_counts(text, SpanSet(taken + [(d.start, d.end) for d in dates] + tables)):
        fact.status = _status(text, fact.start, fact.end)
        fact.subject = "aggregate"
        fact.scope = _scope(text, fact.start, setters)
        facts.append(fact)
    for q in quantities:
        fact = _prose_fact(ctx, q)
        fact.scope = _scope(text, q.start, setters)
        facts.append(fact)
    for d in dates:
        role = _date_role(text, d)
        facts.append(Fact(type="date", value=d.value, unit=None, raw=d.raw, start=d.start, end=d.end,
                          role=role, subject=_subject(ctx, d.start, "date", role)))
    facts.sort(key=lambda f: (f.start, f.end))
    return facts, placeholders


def fact_stage(report: Report, doc_text=None) -> None:
    """Pipeline stage: fill ``report.facts`` and ``report.placeholders`` with pages."""
    facts, placeholders = extract_facts(report)
    page_at = report.page_finder()
    for item in (*facts, *placeholders):
        item.page = page_at(item.start)
    report.facts, report.placeholders = facts, placeholders
