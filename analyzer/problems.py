"""Problems a report states: clause splitting, detection and classification (issue 4).

Where problems are looked for, by section kind (``segment.py``):

* ``problems`` and ``pre_condition`` sections: every clause is a candidate; the detector only has
  to reject lead-ins, outlooks and proposals that slip in. Clauses of a ``pre_condition`` section
  (改造前存在问题) get the phase ``pre_condition``.
* ``rectification`` sections: only the audit finding (``审计指出：…``) of each item, not the fix.
* ``measures``, ``content``, ``next_steps``, ``suggestions``: never.
* everywhere else (basic facts, progress, a speech's own headings, unnumbered 说明报告 paragraphs):
  a clause needs a problem cue word and a high detector score, and must not open as an
  exhortation or plan (``要…``, ``下一步…``). A lead-in such as ``工作中也存在一些不足：`` or
  ``有的问题还相当突出。`` turns the rest of its paragraph into a problem context.

Clauses are split the way a reader lists problems: one per ``；``-part or sentence, one per item
of ``一是…二是…``, ``（1）…（2）…``, ``①…②…``, ``1.…2.…``; a comma list of short defect phrases
(``屋面渗漏，楼道破损，路面坑洼不平``) gives one clause per phrase; an item's short heading
(``（一）重“面子”轻“里子”。部分项目…``) stays with the sentence after it.

Example:
    >>> text = "三、存在的问题\\n一是部分项目进度滞后；二是居民出资意愿不强。\\n四、下一步打算\\n要加快进度。"
    >>> [text[s:e] for s, e in split_clauses(text)]
    ['部分项目进度滞后', '居民出资意愿不强', '下一步打算', '要加快进度']
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import BadRuleData
from .normalize import load_toml
from .segment import section_at, section_kind
from .types import Problem, Report

logger = logging.getLogger(__name__)

CN = "一二三四五六七八九十"

# Detector thresholds (calibrated probabilities) by the context a clause stands in.
THRESHOLD_PROBLEM_CONTEXT = 0.2    # a 存在问题 section, an audit finding, the items after a lead-in
THRESHOLD_FREE = 0.75              # anywhere else, together with a problem cue word
THRESHOLD_FREE_MIXED = 0.9         # … when the clause also has a measure/plan cue word
THRESHOLD_HEADING_ALONE = 0.5      # an item heading taken without its body (the body is no problem)

# Section kinds and the context their clauses stand in.
PROBLEM_KINDS = {"problems", "pre_condition"}
SKIP_KINDS = {"measures", "content", "next_steps", "suggestions"}

# An enumeration marker opening a paragraph.
LEAD_MARKER = re.compile(
    rf"""[ \t\u3000]*(?:
        [{CN}]{{1,3}}[、.．](?!\d)              # 一、
      | （\s*[{CN}]{{1,3}}\s*）[、.．]?          # （一）
      | （\s*\d{{1,2}}\s*）[、.．]?              # （1）
      | \d{{1,2}}[、.．](?![\d%])                # 1、 1.  (not 15.82)
      | [\u2460-\u2473]                          # ①
      | [{CN}]是[，、：]?                        # 一是
      | 第[{CN}]{{1,3}}[，、：]                  # 第一，
      | (?:首先|其次|再次|最后)[，、：]          # 首先，
    )[ \t\u3000]*""",
    re.VERBOSE,
)

# An enumeration marker inside a paragraph (it must follow a clause end).
INLINE_MARKER = re.compile(
    rf"""(?:
        (?<=[。；：！？，])[{CN}]是(?=[^，。；：]{{2}})     # …；二是…   (not 但是/就是: a numeral must precede 是)
      | (?<=[。；：！？，])（\s*\d{{1,2}}\s*）              # …；（2）…
      | (?<=[。；：！？])（\s*[{CN}]{{1,3}}\s*）            # …。（二）…
      | (?<=[。；：！？，])[\u2460-\u2473]                  # …；②…
      | (?<=[。；：！？])第[{CN}]{{1,3}}[，、]              # …。第二，…
      | (?<=[。；：！？])\d{{1,2}}[、.．](?![\d%])          # …。2.…
      | (?<=[。；！？])(?:首先|其次|再次|最后|此外|另外)[，、]  # …。其次，…
    )""",
    re.VERBOSE,
)

_SENTENCE_END = "。！？…"
_PIECE_END = _SENTENCE_END + "；"
_TRIM = " \t\u3000，、；：。！？…,;:"
_CJK = re.compile(r"[\u4e00-\u9fff]")
HEADING_MAX = 30   # a marked item's first sentence up to this length is its heading
LIST_PIECE_MAX = 22  # a comma list of problems has pieces no longer than this
CLAUSE_MIN = 12      # a problem clause split off a longer sentence has at least this many characters


# ---------------------------------------------------------------------------
# Language data (data/taxonomy.toml)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cues:
    problem: tuple[str, ...]
    non_problem: tuple[str, ...]
    directive: re.Pattern
    lead_in: re.Pattern
    lead_in_max_tail: int
    breakers: re.Pattern
    group_heading: re.Pattern
    problem_heading: tuple[str, ...]
    non_problem_heading: tuple[str, ...]
    problem_labels: re.Pattern
    fix_labels: re.Pattern
    label_only: re.Pattern
    predicates: tuple[str, ...]
    list_tail: re.Pattern
    list_frame: re.Pattern
    continuations: tuple[str, ...]


# An optional item number before a label ("1.问题：…", "（二）审计指出：…").
_ITEM_MARKER = rf"(?:\d{{1,2}}[、.．]|（\d{{1,2}}）|（[{CN}]{{1,3}}）|[{CN}]{{1,3}}[、.．]|[\u2460-\u2473])?[ \t]*"


def _alternation(words) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


def _any_of(det: dict, key: str, template: str = "(?:{})") -> re.Pattern:
    """One regex matching any pattern of a list of ``[detection]``; a bad one raises BadRuleData."""
    parts = []
    for i, pattern in enumerate(det[key]):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise BadRuleData(f"taxonomy.toml: detection.{key}[{i}] {pattern!r}: {exc}") from exc
        parts.append(template.format(pattern))
    return re.compile("|".join(parts))


@lru_cache(maxsize=None)
def cues() -> _Cues:
    """The detection cue lists of ``data/taxonomy.toml``, compiled."""
    try:
        det = load_toml("taxonomy.toml")["detection"]
    except KeyError as exc:
        raise BadRuleData("taxonomy.toml: no [detection] table") from exc
    labels = _alternation(det["rectification_problem_labels"])
    fixes = _alternation(det["rectification_fix_labels"])
    return _Cues(
        problem=tuple(det["problem_cues"]),
        non_problem=tuple(det["non_problem_cues"]),
        directive=_any_of(det, "directive_patterns"),
        lead_in=_any_of(det, "lead_in_patterns"),
        lead_in_max_tail=int(det["lead_in_max_tail"]),
        breakers=re.compile(f"^(?:{_alternation(det['clause_breakers'])})|{_any_of(det, 'clause_breaker_patterns').pattern}"),
        group_heading=_any_of(det, "group_heading_patterns"),
        problem_heading=tuple(det["problem_heading_words"]),
        non_problem_heading=tuple(det["non_problem_heading_words"]),
        problem_labels=re.compile(rf"(?:^|(?<=[。；\n]))[ \t]*{_ITEM_MARKER}(?:{labels})[：:]"),
        fix_labels=re.compile(rf"(?:^|(?<=[。；\n]))[ \t]*{_ITEM_MARKER}(?:{fixes})[：:]"),
        label_only=re.compile(rf"^(?:{labels}|{fixes})$"),
        predicates=tuple(det["defect_predicates"]),
        list_tail=_any_of(det, "list_tail_patterns"),
        list_frame=_any_of(det, "list_frame_patterns"),
        continuations=tuple(det["continuations"]),
    )


# ---------------------------------------------------------------------------
# Clause splitting
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Clause:
    """A span of the text that may state one problem."""

    start: int
    end: int
    marked: bool = False      # opens an enumerated item (一是, （一）, 1., ①)
    heading: bool = False     # is (or begins with) a short item heading
    label: bool = False       # a bare label ("审计指出", "问题是") - never a problem on its own
    listed: bool = False      # an item of "存在A、B、C等问题": the frame says it is a problem
    opener: bool = False      # a short first sentence of an unnumbered paragraph (a slogan heading)
    head_end: int = 0         # where the heading of a heading clause ends


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def _has_predicate(piece: str) -> bool:
    return any(p in piece for p in cues().predicates)


_OPENERS = {"“": "”", "（": "）", "《": "》", "「": "」", "‘": "’"}
QUOTE_MAX = 60  # a quotation or parenthesis longer than this does not shield its separators


def _separators(text: str, start: int, end: int, seps: str) -> list[int]:
    """Positions of ``seps`` in text[start:end] outside short quotations and parentheses."""
    out = []
    i = start
    while i < end:
        ch = text[i]
        closer = _OPENERS.get(ch)
        if closer:
            j = text.find(closer, i + 1, min(end, i + 1 + QUOTE_MAX))
            if j > 0:
                i = j + 1
                continue
        elif ch in seps:
            out.append(i)
        i += 1
    return out


def _pieces(text: str, start: int, end: int, seps: str) -> list[tuple[int, int]]:
    """Split text[start:end] at any of ``seps``; spans exclude the separators."""
    out, s = [], start
    for i in _separators(text, start, end, seps):
        out.append((s, i))
        s = i + 1
    out.append((s, end))
    return [(a, b) for a, b in (_trim(text, a, b) for a, b in out) if b > a]


def _merge_bare(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a piece without a defect predicate to the piece after it ("停车位、路灯不足")."""
    out: list[tuple[int, int]] = []
    pending: int | None = None
    for a, b in spans:
        if pending is not None:
            a = pending
            pending = None
        if not _has_predicate(text[a:b]):
            pending = a
            continue
        out.append((a, b))
    if pending is not None:
        if out:
            out[-1] = (out[-1][0], spans[-1][1])
        else:
            out.append((pending, spans[-1][1]))
    return out


def _trim_tail(text: str, a: int, b: int) -> tuple[int, int]:
    """Drop a list's closing "等" / "等问题" from its last item."""
    m = cues().list_tail.search(text, a, b)
    if m and m.end() == b and m.start() - a >= 2:
        return _trim(text, a, m.start())
    return a, b


def _split_list(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """One ``；``-part → its problems: (start, end, an item of a "存在…等问题" frame).

    A comma list of short defect phrases is split, anything else is kept whole.
    """
    c = cues()
    # "存在A、B、C等问题": the frame's items are the problems.
    frame = c.list_frame.search(text[start:end])
    if frame:
        i0, i1 = start + frame.start("items"), start + frame.end("items")
        items = _pieces(text, i0, i1, "、，")
        items = _merge_bare(text, items)
        if len(items) >= 2 and all(b - a <= LIST_PIECE_MAX for a, b in items):
            before = _trim(text, start, start + frame.start())
            # "个别项目存在…" - a bare subject before the frame is not a problem of its own.
            out = _split_list(text, *before) if before[1] - before[0] >= 4 and _has_predicate(text[slice(*before)]) else []
            items[-1] = _trim_tail(text, *items[-1])
            out.extend((a, b, True) for a, b in items)
            after = _trim(text, start + frame.end(), end)
            if after[1] - after[0] >= 4:
                out.extend(_split_list(text, *after))
            return out

    pieces = _pieces(text, start, end, "，,")
    # A proposal glued to a problem ("…需要进一步研究，建议区级层面…") starts a clause of its own.
    groups: list[list[tuple[int, int]]] = [[]]
    for a, b in pieces:
        if groups[-1] and c.breakers.match(text[a:b]):
            groups.append([])
        groups[-1].append((a, b))
    out: list[tuple[int, int, bool]] = []
    for group in groups:
        out.extend((a, b, False) for a, b in _split_comma_group(text, group))
    return out


def _split_comma_group(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A sentence's comma pieces → one clause, or one per problem when it lists several.

    Two readings split a sentence: a list of short defect phrases (``屋面渗漏，楼道破损，路面
    坑洼不平``), and a run of full clauses each with a problem cue word (``配套资金缺口约2,300
    万元，部分项目进度款支付滞后，施工单位垫资现象较为普遍`` → two problems; a piece without a cue
    stays with the one before it; only sentences of three pieces or more). Nothing is split when
    a piece continues the one before it (``造成…``, ``导致…``, ``如…``).
    """
    c = cues()
    whole = (pieces[0][0], pieces[-1][1])
    if len(pieces) < 2:
        return [whole]
    if any(text[a:b].startswith(c.continuations) for a, b in pieces[1:]):
        return [whole]
    if len(pieces) >= 3:
        merged = _merge_bare(text, pieces)
        if len(merged) >= 3 and all(b - a <= LIST_PIECE_MAX for a, b in merged) \
                and sum(1 for a, b in merged if _has_predicate(text[a:b])) >= 0.8 * len(merged):
            merged[-1] = _trim_tail(text, *merged[-1])
            return merged
    # Full clauses with a problem cue each; a piece without one joins the piece before it.
    runs: list[list[int]] = []
    for a, b in pieces:
        if runs and not any(w in text[a:b] for w in c.problem):
            runs[-1][1] = b
        else:
            runs.append([a, b])
    if len(pieces) >= 3 and len(runs) >= 2 and all(any(w in text[a:b] for w in c.problem) and b - a >= CLAUSE_MIN
                                                   for a, b in runs):
        return [(a, b) for a, b in runs]
    return [whole]


def _units(text: str, start: int, end: int, lead_end: int | None = None) -> list[tuple[int, int, bool]]:
    """A paragraph → its enumerated items: (body start, end, opens with a marker).

    ``lead_end``: where a leading marker the regex cannot see ends (``3.6个项目…`` after ``2.…``).
    """
    m = LEAD_MARKER.match(text, start, end)
    if lead_end is not None:
        marked, body = True, lead_end
    else:
        marked = bool(m and m.end() < end)
        body = m.end() if marked else start
    cuts = [(start, body, marked)]  # (marker start, body start, marked)
    for im in INLINE_MARKER.finditer(text, body, end):
        if im.start() > cuts[-1][1]:
            cuts.append((im.start(), im.end(), True))
    return [(b, cuts[i + 1][0] if i + 1 < len(cuts) else end, mk) for i, (_, b, mk) in enumerate(cuts)]


_ARABIC_LEAD = re.compile(r"[ \t\u3000]*(\d{1,2})[、.．]")


def _unit_clauses(text: str, start: int, end: int, marked: bool) -> list[Clause]:
    """One enumerated item (or unmarked paragraph) → its clauses."""
    c = cues()
    sentences: list[tuple[int, int, str]] = []  # (start, end, terminator)
    s = start
    for i in _separators(text, start, end, _PIECE_END + "：:"):
        sentences.append((s, i, text[i]))
        s = i + 1
    sentences.append((s, end, ""))
    sentences = [(a, b, t) for a, b, t in ((*_trim(text, a, b), t) for a, b, t in sentences) if b > a]

    clauses: list[Clause] = []
    heading: tuple[int, int] | None = None  # a short heading waiting for the clause it introduces
    for idx, (a, b, term) in enumerate(sentences):
        piece = text[a:b]
        last = idx == len(sentences) - 1
        if (term in "：:" or last) and (c.label_only.match(piece) or _is_lead_in(piece)) \
                or (idx == 0 and c.group_heading.match(piece)):
            # "审计指出：", "主要存在以下问题：" (its colon may have been cut off with the next item)
            clauses.append(Clause(a, b, marked=marked and idx == 0, label=True))
            continue
        if term and term in "：:":
            if len(piece) <= HEADING_MAX and "，" not in piece and not last:
                heading = (heading[0], b) if heading else (a, b)   # "房屋本体老化：屋面…"
                continue
        elif idx == 0 and marked and term and term in _SENTENCE_END and len(piece) <= HEADING_MAX \
                and not last and not _is_lead_in(piece):
            heading = (a, b)   # "（一）资金压力较大。两年来，…"
            continue
        opener = idx == 0 and not marked and bool(term) and term in _SENTENCE_END and len(piece) <= 20 and not last
        for j, (pa, pb, listed) in enumerate(_split_list(text, a, b)):
            if opener:
                clauses.append(Clause(pa, pb, listed=listed, opener=True))
                continue
            if heading is not None:
                clauses.append(Clause(heading[0], pb, marked=marked, heading=True, listed=listed, head_end=heading[1]))
                heading = None
            else:
                clauses.append(Clause(pa, pb, marked=marked and idx == 0 and j == 0, listed=listed))
    if heading is not None:
        clauses.append(Clause(*heading, marked=marked, heading=True, head_end=heading[1]))
    return clauses


def _is_lead_in(piece: str) -> bool:
    """A clause that only announces problems ("主要存在以下问题", "工作中也存在一些不足")."""
    c = cues()
    for m in c.lead_in.finditer(piece):
        if len(piece) - m.end() <= c.lead_in_max_tail:
            return True
    return False


WRAP_MIN = 30  # a line this long that stops mid-sentence was wrapped, not ended


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Paragraph spans of text[start:end]: lines, re-joined where a long line stops mid-sentence.

    The normalizer re-joins most wrapped lines; this catches the rest (a PDF line broken inside
    a list: ``…外墙砖局部空鼓\\n脱落，存在高空坠物隐患``).
    """
    end = len(text) if end is None else end
    lines = []
    pos = start
    while pos <= end:
        nl = text.find("\n", pos, end)
        line_end = end if nl < 0 else nl
        lines.append((pos, line_end))
        if nl < 0:
            break
        pos = nl + 1
    out: list[tuple[int, int]] = []
    for a, b in lines:
        if out:
            pa, pb = out[-1]
            prev = text[pa:pb].rstrip()
            nxt = text[a:b].lstrip()
            if (len(prev) >= WRAP_MIN and prev and prev[-1] not in _PIECE_END + "：:”’）)" and nxt
                    and "\t" not in prev and "\t" not in nxt and not LEAD_MARKER.match(nxt)):
                out[-1] = (pa, b)
                continue
        out.append((a, b))
    return out


def clause_spans(text: str, start: int = 0, end: int | None = None) -> list[Clause]:
    """Like :func:`split_clauses`, with what is known about each clause."""
    out: list[Clause] = []
    last_number = 0  # the number of the last "N." item seen at a paragraph start
    for pa, pb in paragraphs(text, start, end):
        a, b = _trim(text, pa, pb)
        if b <= a:
            continue
        lead_end = None
        m = _ARABIC_LEAD.match(text, a, b)
        if m:
            number = int(m.group(1))
            # "3.6个已完工项目…" right after "2.…": item 3, not the decimal 3.6
            if not LEAD_MARKER.match(text, a, b) and number == last_number + 1:
                lead_end = m.end()
            last_number = number if (lead_end or LEAD_MARKER.match(text, a, b)) else last_number
        for us, ue, marked in _units(text, a, b, lead_end):
            us, ue = _trim(text, us, ue)
            if ue > us:
                out.extend(_unit_clauses(text, us, ue, marked))
    return [c for c in out if c.end > c.start]


def split_clauses(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans (start, end) of text[start:end] that each state at most one problem, in order.

    Leading enumeration markers, trailing punctuation and bare labels (``审计指出：``,
    ``主要存在以下问题：``) are left out.

    >>> t = "屋面及外墙局部渗漏，内楼道墙面破损，路面坑洼不平，停车位、路灯不足等。"
    >>> [t[s:e] for s, e in split_clauses(t)]
    ['屋面及外墙局部渗漏', '内楼道墙面破损', '路面坑洼不平', '停车位、路灯不足']
    >>> t = "（一）重“面子”轻“里子”。部分项目只刷外墙，地下管网未动。"
    >>> [t[s:e] for s, e in split_clauses(t)]
    ['重“面子”轻“里子”。部分项目只刷外墙，地下管网未动']
    """
    return [(c.start, c.end) for c in clause_spans(text, start, end) if not c.label]


# ---------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Candidate:
    clause: Clause
    context: str        # "problem" | "free"
    phase: str | None   # forced phase (pre_condition section) or None


def _rectification_zones(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the audit findings (``审计指出：…`` up to ``整改情况：`` or the paragraph's end)."""
    c = cues()
    zones = []
    for m in c.problem_labels.finditer(text, start, end):
        z0 = m.end()
        para_end = text.find("\n", z0, end)
        para_end = end if para_end < 0 else para_end
        fix = c.fix_labels.search(text, z0, para_end)
        zones.append((m.start(), fix.start() if fix else para_end))
    return zones


def _section_title(report: Report, clause: Clause) -> bool:
    """The clause is a section heading that names its section ("二、存在的主要问题")."""
    text = report.text[clause.start:clause.end]
    if len(text) > 24 or "，" in text:
        return False
    kind = section_kind(text)
    if kind == "other":
        return False
    syn_len = max((len(s) for s in _synonyms_of(kind) if s in text), default=0)
    return len(text) - syn_len <= 6


@lru_cache(maxsize=None)
def _synonyms_of(kind: str) -> tuple[str, ...]:
    return tuple(load_toml("headings.toml")["sections"].get(kind, []))


_SIGNATURE_LINE = re.compile(
    r"""^(?:.{2,30}(?:局|委|委员会|办公室|办|政府|街道办事处|街道|公司|社区|居委会|居民委员会|中心|政协|人大|集团|单位)
         |.{0,6}(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年.{1,8}(?:日|月)
         |.{0,12}(?:签字|盖章|签名).{0,12})$""",
    re.VERBOSE,
)


def _signature_start(text: str) -> int:
    """Where the closing block (issuer, date, 签字/盖章, filing notes) begins; len(text) if none.

    The block is the run of short unpunctuated lines at the end of the report that holds at
    least one issuer, date or signature line.
    """
    pos = len(text)
    block_start = len(text)
    found = False
    for a, b in reversed(paragraphs(text)):
        line = text[a:b].strip()
        if not line:
            continue
        if len(line) > 40 or re.search(r"[。；，！？]", line) or LEAD_MARKER.match(line):
            break
        block_start = a
        if _SIGNATURE_LINE.match(line):
            found = True
            pos = block_start
    return pos if found else len(text)


def _title_span(report: Report) -> tuple[int, int]:
    """The report's title line, if its first line is the title."""
    first_end = report.text.find("\n")
    first_end = len(report.text) if first_end < 0 else first_end
    if report.title and report.title in report.text[:first_end]:
        return 0, first_end
    return 0, 0


def candidates(report: Report) -> list[Candidate]:
    """Clauses of a report that may state a problem, with the context they stand in."""
    text = report.text
    c = cues()
    clauses = clause_spans(text)
    title = _title_span(report)
    tail = _signature_start(text)
    rect_zones: list[tuple[int, int]] = []
    for s in report.sections:
        if s.kind == "rectification":
            rect_zones.extend(_rectification_zones(text, s.start, s.end))

    out: list[Candidate] = []
    lead_in_until = -1  # a lead-in opens a problem context up to here
    for cl in clauses:
        if cl.label:
            if _is_lead_in(text[cl.start:cl.end]):
                lead_in_until = _paragraph_end(text, cl.end)
            continue
        if title[0] <= cl.start < title[1] or cl.start >= tail:
            continue
        section = section_at(report.sections, cl.start)
        kind = section.kind if section else None
        piece = text[cl.start:cl.end]
        if _is_lead_in(piece):
            lead_in_until = max(lead_in_until, _paragraph_end(text, cl.end))
            continue
        if len(_CJK.findall(piece)) < 4 or _section_title(report, cl):
            continue
        if kind == "rectification":
            if not any(z0 <= cl.start < z1 for z0, z1 in rect_zones):
                continue
            out.append(Candidate(cl, "problem", None))
        elif kind in SKIP_KINDS:
            continue
        elif kind in PROBLEM_KINDS or (kind == "other" and _under_problem_heading(report, cl.start)):
            out.append(Candidate(cl, "problem", "pre_condition" if kind == "pre_condition" else None))
        elif cl.start < lead_in_until or cl.listed:
            out.append(Candidate(cl, "problem", None))
        elif not cl.opener:
            out.append(Candidate(cl, "free", None))
    # Exhortations, plans and proposals are never problems.
    return [cand for cand in out if not c.directive.search(text[cand.clause.start:cand.clause.end])]


def _problem_heading(heading: str) -> bool:
    """An unrecognised heading that names problems ("三、项目实施中遇到的困难")."""
    c = cues()
    m = LEAD_MARKER.match(heading)
    body = heading[m.end():] if m else heading
    return (len(body) <= 20 and "，" not in body and any(w in body for w in c.problem_heading)
            and not any(w in body for w in c.non_problem_heading))


def _under_problem_heading(report: Report, offset: int) -> bool:
    """Some section around ``offset`` has an unrecognised heading that names problems."""
    return any(s.start <= offset < s.end and s.kind == "other" and _problem_heading(s.heading)
               for s in report.sections)


def _paragraph_end(text: str, pos: int) -> int:
    nl = text.find("\n", pos)
    return len(text) if nl < 0 else nl


def _accept(context: str, p: float, text: str, heading_alone: bool = False) -> bool:
    if heading_alone:
        return p >= THRESHOLD_HEADING_ALONE and any(w in text for w in cues().problem)
    if context == "problem":
        return p >= THRESHOLD_PROBLEM_CONTEXT
    c = cues()
    if p < THRESHOLD_FREE or not any(w in text for w in c.problem):
        return False
    return p >= THRESHOLD_FREE_MIXED or not any(w in text for w in c.non_problem)


def find_problems(report: Report, classifier=None) -> list[Problem]:
    """Problems stated in a report, each with 1–3 categories, a score, its phase and its place.

    ``classifier`` defaults to the trained model in ``models/`` (:func:`analyzer.classify.default_model`).
    """
    if classifier is None:
        from .classify import default_model

        classifier = default_model()
    cands = candidates(report)
    if not cands:
        return []
    text = report.text
    # Every candidate, and for an item heading merged with its first sentence also the heading
    # alone and the sentence alone: "（三）群众满意度有待提高。“政府花钱办事…”是改造的初衷" is a
    # problem by its heading only, and is then reported as the heading alone.
    spans = [(c.clause.start, c.clause.end) for c in cands]
    parts: dict[int, tuple[int, int]] = {}  # candidate → (index of heading alone, index of body alone)
    for i, c in enumerate(cands):
        if c.clause.heading and c.clause.head_end:
            body = _trim(text, c.clause.head_end, c.clause.end)
            if body[1] > body[0]:
                parts[i] = (len(spans), len(spans) + 1)
                spans.extend([(c.clause.start, c.clause.head_end), body])
    texts = [text[s:e] for s, e in spans]
    X = classifier.features(texts)
    det = classifier.problem_proba(texts, X)
    cat = classifier.category_scores(texts, X)
    phases = classifier.predict_phase(texts, X)
    out: list[Problem] = []
    for i, cand in enumerate(cands):
        k = i
        if i in parts:
            h, body = parts[i]
            head_ok = _accept(cand.context, float(det[h]), texts[h], heading_alone=True)
            if head_ok and not _accept(cand.context, float(det[body]), texts[body]):
                k = h
            elif not _accept(cand.context, float(det[i]), texts[i]):
                continue
        elif not _accept(cand.context, float(det[i]), texts[i]):
            continue
        start, end = spans[k]
        labels, _ = classifier.choose_labels(cat[k], texts[k])
        out.append(Problem(text=texts[k], categories=labels, score=round(float(det[k]), 3),
                           phase=cand.phase or phases[k], start=start, end=end, page=report.page_at(start)))
    return out


def problem_stage(report: Report, doc_text=None) -> None:
    """Pipeline stage (``pipeline.REPORT_STAGES``): fill ``report.problems``."""
    report.problems = find_problems(report)
