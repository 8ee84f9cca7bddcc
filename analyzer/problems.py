"""Problems a report states: clause splitting, detection and classification (issue 4).

Where problems are looked for, by section kind (``segment.py``):

* ``problems`` and ``pre_condition`` sections: every clause is a candidate; the detector only has
  to reject lead-ins, outlooks and proposals that slip in. Clauses of a ``pre_condition`` section
  (改造前存在问题) get the phase ``pre_condition`` unless they name their own time (``已改造…``,
  ``改造中…``). An unnumbered paragraph that opens a section whose problems follow as numbered
  items introduces them and is not one.
* ``rectification`` sections: the audit finding (``审计指出：…``) of each item, or the item's heading
  when it restates the finding (``（一）关于“…”的问题``); of the 整改情况 only what is left
  unresolved (``尚有6.2万元未追回…``), never the fix itself.
* ``measures``, ``content``, ``next_steps``, ``suggestions``: never; but an item the segmenter read
  as one of these among the items of another section (``（九）改造内容落实不到位`` in a list of
  督查发现的问题) takes its parent's kind.
* everywhere else (basic facts, progress, a speech's own headings, unnumbered 说明报告 paragraphs):
  a clause needs a problem cue word and a detector score above one half (0.9 when it also has a
  measure/plan word), and must not open as an exhortation or plan (``要…``, ``下一步…``). A lead-in
  such as ``工作中也存在一些不足：``, ``发现小区普遍存在以下情况：`` or a sentence ending in a
  colon that names a defect turns the rest of its paragraph (and the numbered items right after
  it) into a problem context.
* the cells of a table column whose header names problems (``| 小区名称 | … | 主要问题 |``).
* never: questions (``问题在哪里？``), residents' wishes (``居民对改造的呼声十分强烈``).

Clauses are split the way a reader lists problems: one per ``；``-part or sentence, one per item
of ``一是…二是…``, ``（1）…（2）…``, ``①…②…``, ``1.…2.…``; a comma list of short defect phrases
(``屋面渗漏，楼道破损，路面坑洼不平``) gives one clause per phrase, and an item of it joined by 、
one per defect (``楼道墙皮剥落、扶手锈蚀``); an item's short heading (``（一）重“面子”轻“里子”。
部分项目…``) stays with the sentence after it. A sentence ending in a colon sums up the list after
it and is no clause. :func:`candidates` then takes an enumerated item as one problem with its
heading and its whole body: every item in a problem context, and in a speech or a progress report
an item with a short heading sentence (``一是资金拨付慢。…``) when its heading or the whole is a
problem.

Rules that are words or patterns live in ``data/taxonomy.toml`` (``[detection]``, ``[phase]``) and
``data/problem_rules.toml``.

Example:
    >>> text = "三、存在的问题\\n一是部分项目进度滞后；二是居民出资意愿不强。\\n四、下一步打算\\n要加快进度。"
    >>> [text[s:e] for s, e in split_clauses(text)]
    ['部分项目进度滞后', '居民出资意愿不强', '下一步打算', '要加快进度']
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import BadRuleData
from .normalize import load_toml
from .segment import section_at, section_kind
from .types import Problem, Report

logger = logging.getLogger(__name__)

CN = "一二三四五六七八九十"

# Detector thresholds (calibrated probabilities) by the context a clause stands in.
THRESHOLD_PROBLEM_CONTEXT = 0.2    # a 存在问题 section, an audit finding, the items after a lead-in
THRESHOLD_FREE = 0.5               # anywhere else, together with a problem cue word
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

# An enumeration marker inside a paragraph (it must follow a clause end). The first lookbehind
# holds every clause end a branch accepts: it turns most positions away in one test, where each
# branch would try its own.
INLINE_MARKER = re.compile(
    rf"""(?<=[。；：！？，])(?:
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
# At least four CJK characters (a match stops at the fourth instead of listing them all).
_CJK_4 = re.compile(r"(?:[^\u4e00-\u9fff]*[\u4e00-\u9fff]){4}")
HEADING_MAX = 30   # a marked item's first sentence up to this length is its heading
LIST_PIECE_MAX = 22  # a comma list of problems has pieces no longer than this
LIST_PIECE_MIN = 5   # … and, when read by deficiency expressions, no shorter than this
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
    # the same two with the character before the label (。；\n) consumed instead of looked behind:
    # a scan for them skips to those characters (see _label_spans)
    problem_labels_scan: re.Pattern
    fix_labels_scan: re.Pattern
    label_only: re.Pattern
    predicates: tuple[str, ...]
    list_tail: re.Pattern
    list_frame: re.Pattern
    continuations: tuple[str, ...]
    # data/problem_rules.toml
    restated_finding: re.Pattern
    residual: tuple[str, ...]
    residual_re: re.Pattern
    fix_followup: re.Pattern
    table_problem_header: re.Pattern
    table_non_problem_header: tuple[str, ...]
    demand: re.Pattern
    verdict: re.Pattern
    solved: re.Pattern
    quoted_finding: re.Pattern
    finding_source: re.Pattern
    list_predicate_share: float
    problem_re: re.Pattern       # any problem cue word
    non_problem_re: re.Pattern   # a measure/plan cue word not followed by a deficiency ("推进缓慢")
    non_problem_mask: re.Pattern  # words holding a measure cue that are no measure ("主要", "原计划")
    measure_announcements: tuple[str, ...]
    predicate_re: re.Pattern       # any defect predicate
    long_predicate_re: re.Pattern  # a defect predicate of two characters or more


# An optional item number before a label ("1.问题：…", "（二）审计指出：…").
_ITEM_MARKER = rf"(?:\d{{1,2}}[、.．]|（\d{{1,2}}）|（[{CN}]{{1,3}}）|[{CN}]{{1,3}}[、.．]|[\u2460-\u2473])?[ \t]*"


def _alternation(words) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


def _any_of(det: dict, key: str, template: str = "(?:{})", source: str = "taxonomy.toml: detection") -> re.Pattern:
    """One regex matching any pattern of a list of ``[detection]``; a bad one raises BadRuleData."""
    parts = []
    for i, pattern in enumerate(det[key]):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise BadRuleData(f"{source}.{key}[{i}] {pattern!r}: {exc}") from exc
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
    rules = load_toml("problem_rules.toml")
    problem_alt = _alternation(det["problem_cues"])
    # the cue words and the families of deficiency expressions (regexes) together
    cue_alt = problem_alt + "|" + _any_of(det, "problem_cue_patterns").pattern
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
        # at the text's start or after 。；\n: "not after anything else" is one test per position
        problem_labels=re.compile(rf"(?<![^。；\n])[ \t]*{_ITEM_MARKER}(?:{labels})[：:]"),
        fix_labels=re.compile(rf"(?<![^。；\n])[ \t]*{_ITEM_MARKER}(?:{fixes})[：:]"),
        problem_labels_scan=re.compile(rf"[。；\n][ \t]*{_ITEM_MARKER}(?:{labels})[：:]"),
        fix_labels_scan=re.compile(rf"[。；\n][ \t]*{_ITEM_MARKER}(?:{fixes})[：:]"),
        label_only=re.compile(rf"^(?:{labels}|{fixes})$"),
        predicates=tuple(det["defect_predicates"]),
        list_tail=_any_of(det, "list_tail_patterns"),
        list_frame=_any_of(det, "list_frame_patterns"),
        continuations=tuple(det["continuations"]),
        restated_finding=_any_of(rules, "restated_finding_patterns", source="problem_rules.toml"),
        residual=tuple(rules["rectification_residual_cues"]),
        residual_re=re.compile(_alternation(rules["rectification_residual_cues"])),
        fix_followup=_any_of(rules, "rectification_followup_patterns", source="problem_rules.toml"),
        table_problem_header=_any_of(rules, "table_problem_headers", source="problem_rules.toml"),
        table_non_problem_header=tuple(rules["table_non_problem_headers"]),
        demand=_any_of(rules, "demand_patterns", source="problem_rules.toml"),
        verdict=_any_of(rules, "verdict_patterns", source="problem_rules.toml"),
        solved=_any_of(rules, "solved_patterns", source="problem_rules.toml"),
        quoted_finding=_any_of(rules, "quoted_finding_patterns", source="problem_rules.toml"),
        finding_source=_any_of(rules, "finding_source_patterns", source="problem_rules.toml"),
        list_predicate_share=float(rules["list_predicate_share"]),
        problem_re=re.compile(cue_alt),
        # "推进缓慢", "落实不到位", "不完善": a measure word inside or right before a deficiency
        # is not a measure ("推进" / "落实" / "完善" are then part of the problem).
        non_problem_re=re.compile(rf"(?<!不)(?:{_alternation(det['non_problem_cues'])})(?!.{{0,2}}?(?:{problem_alt}))"),
        non_problem_mask=re.compile(_alternation(rules["non_problem_masks"])),
        measure_announcements=tuple(rules["measure_announcements"]),
        predicate_re=re.compile(_alternation(det["defect_predicates"])),
        long_predicate_re=re.compile(_alternation([w for w in det["defect_predicates"] if len(w) >= 2])),
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
    intro: bool = False       # a sentence ending in a colon that introduces what follows (with label)
    finding: bool = False     # an item heading restating an audit finding ("关于“…”的问题")
    quoted: bool = False      # … or the quoted finding a 整改 item answers ("针对巡察指出的“…”问题，…")
    unit: int = -1            # index of the enumerated item (or unmarked paragraph) it belongs to
    unit_marked: bool = False  # that item opens with a marker


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


@lru_cache(maxsize=16384)  # the same comma pieces are tested again by every list reading
def _has_predicate(piece: str) -> bool:
    return bool(cues().predicate_re.search(piece))


_OPENERS = {"“": "”", "（": "）", "《": "》", "「": "」", "‘": "’"}
QUOTE_MAX = 60  # a quotation or parenthesis longer than this does not shield its separators


@lru_cache(maxsize=None)
def _separator_re(seps: str) -> re.Pattern:
    return re.compile("[" + re.escape("".join(_OPENERS) + seps) + "]")


@lru_cache(maxsize=None)
def _plain_separator_re(seps: str) -> re.Pattern:
    return re.compile("[" + re.escape(seps) + "]")


_OPENER_RE = re.compile("[" + re.escape("".join(_OPENERS)) + "]")


def _separators(text: str, start: int, end: int, seps: str) -> list[int]:
    """Positions of ``seps`` in text[start:end] outside short quotations and parentheses."""
    if _OPENER_RE.search(text, start, end) is None:
        # no quotation or parenthesis: every separator counts (the common case, one scan)
        return [m.start() for m in _plain_separator_re(seps).finditer(text, start, end)]
    out = []
    skip = -1   # a separator up to here is inside a quotation
    for m in _separator_re(seps).finditer(text, start, end):
        i = m.start()
        if i <= skip:
            continue
        closer = _OPENERS.get(text[i])
        if closer:
            j = text.find(closer, i + 1, min(end, i + 1 + QUOTE_MAX))
            if j > 0:
                skip = j
        else:
            out.append(i)
    return out


def _pieces(text: str, start: int, end: int, seps: str) -> list[tuple[int, int]]:
    """Split text[start:end] at any of ``seps``; spans exclude the separators."""
    out, s = [], start
    trim = _TRIM
    for i in _separators(text, start, end, seps) + [end]:
        # _trim, inlined: this runs for every comma piece of every sentence
        a, b = s, i
        while a < b and text[a] in trim:
            a += 1
        while b > a and text[b - 1] in trim:
            b -= 1
        if b > a:
            out.append((a, b))
        s = i + 1
    return out


@lru_cache(maxsize=16384)  # a piece is tested once per list reading it falls in
def _defect_piece(piece: str) -> bool:
    """A defect predicate or any deficiency expression ("灯早就坏了", "下水道三天两头堵")."""
    return _has_predicate(piece) or _has_cue(piece)


def _merge_bare(text: str, spans: list[tuple[int, int]], defect=_has_predicate,
                backward: bool = False, longest: int | None = None) -> list[tuple[int, int]] | None:
    """Join a piece without a defect predicate to the piece after it ("停车位、路灯不足"); with
    ``backward``, one after a defect joins that defect ("灯早就坏了，晚上只能打手电").

    ``longest``: the caller has no use for an item longer than this; None is returned as soon as
    one would be (an item only grows), sparing the defect tests of the pieces after it.
    """
    limit = len(text) if longest is None else longest
    out: list[tuple[int, int]] = []
    pending: int | None = None
    for a, b in spans:
        if pending is not None:
            a = pending
            pending = None
        if b - a > limit:
            return None
        if not defect(text[a:b]):
            if backward and out:
                if b - out[-1][0] > limit:
                    return None
                out[-1] = (out[-1][0], b)
            else:
                pending = a
            continue
        out.append((a, b))
    if pending is not None:
        if out:
            out[-1] = (out[-1][0], spans[-1][1])
        else:
            out.append((pending, spans[-1][1]))
    if out and out[-1][1] - out[-1][0] > limit:
        return None
    return out


_ONE_CHAR_HEAD = "无缺未没"   # "无路灯", "缺绿地": a one-character predicate that opens a phrase
_ONE_CHAR_TAIL = "差乱少难缺"  # "环境差", "停车难": … or closes it


@lru_cache(maxsize=16384)  # the same comma pieces are tested again by every list reading
def _strong_predicate(piece: str) -> bool:
    """A defect predicate of two characters or more, or a one-character one opening/closing the phrase."""
    if cues().long_predicate_re.search(piece):
        return True
    return bool(piece) and (piece[0] in _ONE_CHAR_HEAD or piece[-1] in _ONE_CHAR_TAIL)


def _split_dun(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """A list item joined by 、 → one span per part when every part is a defect of its own
    ("楼道墙皮剥落、扶手锈蚀" → 2; "停车位、路灯不足" and "菜棚、鸡舍拆除时阻力较大" stay whole)."""
    parts = _pieces(text, a, b, "、")
    if len(parts) >= 2 and all(e - s >= 3 and _strong_predicate(text[s:e]) for s, e in parts):
        return parts
    return [(a, b)]


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
            # "小区多无物业管理，存在A、B等问题": a defect before the frame is one of its problems
            out = [(a, b, listed or _strong_predicate(text[a:b])) for a, b, listed in out]
            items[-1] = _trim_tail(text, *items[-1])
            out.extend((a, b, True) for a, b in items)
            after = _trim(text, start + frame.end(), end)
            if after[1] - after[0] >= 4:
                out.extend(_split_list(text, *after))
            return out

    pieces = _pieces(text, start, end, "，,")
    # A proposal glued to a problem ("…需要进一步研究，建议区级层面…") starts a clause of its own.
    groups: list[list[tuple[int, int]]] = [pieces[:1]]
    breaker = c.breakers.match
    for k in range(1, len(pieces)):
        a, b = pieces[k]
        if breaker(text[a:b]):
            groups.append([])
        groups[-1].append((a, b))
    out: list[tuple[int, int, bool]] = []
    for group in groups:
        out.extend([(a, b, False) for a, b in _split_comma_group(text, group)])
    return out


# A clause that opens with a new subject of its own ("部分项目…", "有的街道…", "3个小区…"): a
# problem distinct from the one before it, not its elaboration ("…，群众打电话找不到人").
_NEW_SUBJECT = re.compile(r"(?:部分|个别|有的|一些|不少|多数|少数|大部分|绝大多数|多个|其中|另有|还有|"
                          r"[\d一二三四五六七八九十两几]+(?:个|处|栋|家|户|项|部|条|名))")


# Words that chain a consequence to a problem inside a sentence.
_CHAIN = re.compile(r"甚至|导致|致使|以致|结果|从而|引发|造成|因此")

_SPEECH_SUBJECT = re.compile(r"(?:还有的|有的|一些|个别|少数)(?:地方|区县|县区|区|县|街道|乡镇|社区|单位|部门|项目|企业|同志|干部)")

# A comma piece that introduces what follows as something seen or said ("调研中发现", "居民反映").
_REPORTING = re.compile(r"(?:发现|反映|看到|了解到?|显示|表明|来看|认为|说|指出|提出|介绍)$")


def _after_long_piece(pieces: list[tuple[int, int]]) -> int:
    """Index after the last piece too long for an item of a comma list (0 when there is none)."""
    for i in range(len(pieces) - 1, -1, -1):
        if pieces[i][1] - pieces[i][0] > LIST_PIECE_MAX:
            return i + 1
    return 0


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
    continuations = c.continuations
    startswith = text.startswith
    for k in range(1, len(pieces)):
        a, b = pieces[k]
        if startswith(continuations, a, b):
            return [whole]
    # A list reading joins pieces into items no shorter than each of their pieces: it can only
    # start after the last piece too long for an item, and it keeps at least the last three pieces.
    if len(pieces) >= 3 and (long_end := _after_long_piece(pieces)) <= len(pieces) - 3:
        # the list may follow a background piece without a defect ("这批小区大多建于80年代，屋面
        # 防水层老化，外墙面砖空鼓脱落，楼道灯多数不亮"): that piece is a clause of its own
        # Two readings: short phrases with a defect predicate ("屋面渗漏，楼道破损，无路灯"), then
        # short clauses each with a deficiency expression, as residents and speeches list them
        # ("楼道里的灯早就坏了，晚上只能打手电，楼梯扶手也松了": a piece without one elaborates
        # the one before; fragments such as "管不了" make no list).
        for defect, backward, shortest in ((_has_predicate, False, 0), (_defect_piece, True, LIST_PIECE_MIN)):
            if backward and (_CHAIN.search(text, pieces[0][0], pieces[-1][1])
                             or _SPEECH_SUBJECT.match(text[pieces[0][0]:pieces[0][1]])):
                # "…不深不细，方案闭门造车，甚至出现了上访": one problem and its consequences;
                # "有的区县前期准备不充分，项目迟迟开不了工，…": a speech's one problem per 有的
                continue
            lo = 0
            while lo < len(pieces) - 3 and not defect(text[slice(*pieces[lo])]):
                lo += 1
            if lo and _REPORTING.search(text, pieces[lo - 1][0], pieces[lo - 1][1]):
                lo = 0   # "调研中发现，…": it introduces what follows and stays with it
            for first in ((0,) if lo == 0 else (0, lo)):
                if first < long_end:
                    continue   # the item holding the long piece is too long: see above
                merged = _merge_bare(text, pieces[first:], defect, backward, longest=LIST_PIECE_MAX)
                if merged and len(merged) >= 3 and all(shortest <= b - a <= LIST_PIECE_MAX for a, b in merged) \
                        and sum(1 for a, b in merged if defect(text[a:b])) >= c.list_predicate_share * len(merged):
                    merged[-1] = _trim_tail(text, *merged[-1])
                    head = [(pieces[0][0], pieces[first - 1][1])] if first else []
                    return head + [span for a, b in merged for span in _split_dun(text, a, b)]
    # one piece is a 、 list of three defects or more ("很多小区房屋年久失修、管网老化、停车困难、
    # 没有电梯，群众改造愿望十分强烈"): its defects are clauses of their own, the rest too
    for k, (a, b) in enumerate(pieces) if text.count("、", whole[0], whole[1]) >= 2 else ():
        if text.count("、", a, b) < 2:
            continue   # three parts need two 、 (most pieces have none)
        dun = _split_dun(text, *_trim_tail(text, a, b))
        lead = text[pieces[0][0]:b]
        if len(dun) >= 3 and not c.directive.search(lead) \
                and not c.non_problem_re.search(c.non_problem_mask.sub("□", lead)):
            out = [(pieces[0][0], pieces[k - 1][1])] if k else []
            out += dun
            if k + 1 < len(pieces):
                out.append((pieces[k + 1][0], pieces[-1][1]))
            return out
    # Full clauses with a problem cue each; a piece without one joins the piece before it.
    # Every run after the first opens with a new subject: without one among the pieces there is
    # no second run, and no piece needs the (costly) cue search.
    if len(pieces) < 3:
        return [whole]
    new_subject = _NEW_SUBJECT.match
    for k in range(1, len(pieces)):
        if new_subject(text, pieces[k][0]):
            break
    else:
        return [whole]
    runs: list[list[int]] = []
    for a, b in pieces:
        if runs and not c.problem_re.search(text, a, b):
            runs[-1][1] = b
        else:
            runs.append([a, b])
    if len(pieces) >= 3 and len(runs) >= 2 and all(c.problem_re.search(text, a, b) and b - a >= CLAUSE_MIN
                                                   for a, b in runs) \
            and all(_NEW_SUBJECT.match(text, a) for a, b in runs[1:]):
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


_UNIT_SEPARATORS = _PIECE_END + "：:"


def _unit_clauses(text: str, start: int, end: int, marked: bool) -> list[Clause]:
    """One enumerated item (or unmarked paragraph) → its clauses."""
    c = cues()
    sentences: list[tuple[int, int, str]] = []  # (start, end, terminator)
    s = start
    trim = _TRIM
    # the unit's own end was trimmed: a closing colon ("…主要有两个方面的问题：") still counts
    ends = _separators(text, start, end, _UNIT_SEPARATORS)
    ends.append(end)
    last_term = text[end] if end < len(text) and text[end] in "：:" else ""
    for i in ends:
        a, b = s, i   # _trim, inlined
        while a < b and text[a] in trim:
            a += 1
        while b > a and text[b - 1] in trim:
            b -= 1
        if b > a:
            sentences.append((a, b, text[i] if i < end else last_term))
        s = i + 1

    clauses: list[Clause] = []
    heading: tuple[int, int] | None = None  # a short heading waiting for the clause it introduces
    for idx, (a, b, term) in enumerate(sentences):
        piece = text[a:b]
        last = idx == len(sentences) - 1
        if term and term in "？?":
            # a question ("问题在哪里？") asks, it does not state a problem
            clauses.append(Clause(a, b, marked=marked and idx == 0, label=True))
            continue
        if idx == 0 and c.restated_finding.match(piece):
            # "（一）关于“3个项目未办理施工许可手续即开工建设”的问题": the heading restates a finding
            clauses.append(Clause(a, b, marked=marked, finding=True))
            continue
        if (term in "：:" or last) and (c.label_only.match(piece) or _is_lead_in(piece)) \
                or (idx == 0 and c.group_heading.match(piece)):
            # "审计指出：", "主要存在以下问题：" (its colon may have been cut off with the next item)
            clauses.append(Clause(a, b, marked=marked and idx == 0, label=True))
            continue
        if term and term in "：:":
            directive = bool(c.directive.search(piece))
            if len(piece) <= HEADING_MAX and "，" not in piece and not last and not directive:
                heading = (heading[0], b) if heading else (a, b)   # "房屋本体老化：屋面…"
                continue
            # "小区建成已近40年，长期缺乏维护，基础设施老化严重：屋面…，外墙…": the sentence before
            # the colon sums up the list after it; the list's items are the problems.
            clauses.append(Clause(a, b, marked=marked and idx == 0, label=True, intro=True))
            continue
        elif idx == 0 and marked and term and term in _SENTENCE_END and len(piece) <= HEADING_MAX \
                and not last and not _is_lead_in(piece) and not c.directive.search(piece):
            heading = (a, b)   # "（一）资金压力较大。两年来，…"  (not "第二，要坚持…。")
            continue
        q = c.quoted_finding.match(text, a, b)
        if q and heading is None:
            # "针对巡察指出的“管线反复开挖”问题，我局牵头…": the quoted finding is a clause of its
            # own, what the item did about it follows
            clauses.append(Clause(q.start("finding"), q.end("finding"), marked=marked and idx == 0,
                                  finding=True, quoted=True))
            a = _trim(text, q.end(), b)[0]
            if b <= a:
                continue
            piece = text[a:b]
        opener = idx == 0 and not marked and bool(term) and term in _SENTENCE_END and len(piece) <= 20 and not last \
            and not q
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


@lru_cache(maxsize=16384)  # a one-sentence item is tested as a sentence, then again as a clause
def _is_lead_in(piece: str) -> bool:
    """A clause that only announces problems ("主要存在以下问题", "工作中也存在一些不足")."""
    c = cues()
    for m in c.lead_in.finditer(piece):
        if len(piece) - m.end() <= c.lead_in_max_tail:
            return True
    return False


WRAP_MIN = 30  # a line this long that stops mid-sentence was wrapped, not ended

# A table row as the readers write it: "| a | b |" (text, .doc) or cells joined by tabs (.docx, .pdf).
_TABLE_ROW = re.compile(r"^[ \t\u3000]*\|.*\|[ \t\u3000]*$|^[ \t\u3000]*\S[^\t\n]*\t[ \t]*\S")
# A line that opens with a field label ("整改情况：…", "联系人：…") starts a paragraph of its own.
_FIELD_LINE = re.compile(r"^[\u4e00-\u9fff]{2,8}[：:]")


def _table_row(line: str) -> bool:
    return bool(_TABLE_ROW.match(line))


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
                    and "\t" not in prev and "\t" not in nxt and not LEAD_MARKER.match(nxt)
                    and not _table_row(prev) and not _table_row(nxt) and not _FIELD_LINE.match(nxt)):
                out[-1] = (pa, b)
                continue
        out.append((a, b))
    return out


def clause_spans(text: str, start: int = 0, end: int | None = None) -> list[Clause]:
    """Like :func:`split_clauses`, with what is known about each clause."""
    return _paragraph_clauses(text, paragraphs(text, start, end))


def _paragraph_clauses(text: str, paras: list[tuple[int, int]]) -> list[Clause]:
    """:func:`clause_spans` of the paragraphs ``paras`` of ``text``."""
    out: list[Clause] = []
    last_number = 0  # the number of the last "N." item seen at a paragraph start
    unit = 0
    for pa, pb in paras:
        a, b = _trim(text, pa, pb)
        if b <= a or _table_row(text[pa:pb]):
            continue   # table rows: see _table_candidates
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
                for cl in _unit_clauses(text, us, ue, marked):
                    cl.unit, cl.unit_marked = unit, marked
                    out.append(cl)
                unit += 1
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
    parts: list[Clause] = field(default_factory=list)  # a whole enumerated item: its clauses


def _label_spans(label: re.Pattern, scan: re.Pattern, text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of ``label.finditer(text, start, end)``, found faster with its ``scan`` form.

    A label stands at ``start`` (its lookbehind reads the character before it) or right after
    a 。；\n, which ``scan`` matches and consumes: the regex engine skips to those characters
    instead of trying the lookbehind at every position. No label holds one of them, and each
    ends in a colon, so the scan finds the same labels one character earlier.
    """
    out = []
    pos = start
    m = label.match(text, start, end)
    if m:
        out.append(m.span())
        pos = m.end()
    for m in scan.finditer(text, pos, end):
        out.append((m.start() + 1, m.end()))
    return out


def _rectification_zones(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the audit findings (``审计指出：…`` up to ``整改情况：`` or the paragraph's end)."""
    c = cues()
    zones = []
    for m_start, z0 in _label_spans(c.problem_labels, c.problem_labels_scan, text, start, end):
        para_end = text.find("\n", z0, end)
        para_end = end if para_end < 0 else para_end
        fix = c.fix_labels.search(text, z0, para_end)
        zones.append((m_start, fix.start() if fix else para_end))
    return zones


def _marker_family(line: str) -> str | None:
    """The style of the enumeration marker opening a line: "一、", "（一）", "（1）", "1.", "①",
    "一是", "第一", "首先"; None without one."""
    m = LEAD_MARKER.match(line)
    if not m or not m.group().strip():
        return None
    mk = m.group().strip()
    if mk[0] in "\u2460\u2461\u2462\u2463\u2464\u2465\u2466\u2467\u2468\u2469\u246a\u246b\u246c\u246d\u246e\u246f\u2470\u2471\u2472\u2473":
        return "circled"
    if mk.startswith("（"):
        return "paren_num" if re.match(r"（\s*\d", mk) else "paren_cn"
    if mk[0].isdigit():
        return "num"
    if mk.startswith("第"):
        return "di"
    if "是" in mk:
        return "shi"
    if mk.startswith(("首先", "其次", "再次", "最后")):
        return "order"
    return "cn"


def _group_heading(text: str, cl: Clause) -> bool:
    """An item heading standing alone on its line whose problems follow as items of another list
    style ("（一）贯彻落实上级决策部署有差距\n一是…\n二是…", "二、正视短板，找准薄弱环节\n一是…"):
    it names the group, the items are the problems."""
    if not cl.marked:
        return False
    pa = _paragraph_start(text, cl.start)
    pb = _paragraph_end(text, cl.start)
    line = text[pa:pb].strip().rstrip("：:")
    if text[cl.end:pb].strip(_TRIM) or len(line) > HEADING_MAX + 6 or any(ch in line for ch in "。；！？"):
        return False   # the item has a body on its own line, or is a sentence
    own = _marker_family(text[pa:pb])
    nxt = pb + 1
    while nxt < len(text) and text[nxt] == "\n":
        nxt += 1
    if nxt >= len(text):
        return False
    below = _marker_family(text[nxt:_paragraph_end(text, nxt)])
    if own == "cn":
        return True   # "二、正视短板，找准薄弱环节" on a line of its own titles a part of the report
    return own is not None and below is not None and _MARKER_RANK[below] > _MARKER_RANK[own]


# The usual nesting of list styles, outermost first: 一、 > （一） > 一是/第一/首先 > 1. > （1） > ①.
_MARKER_RANK = {"cn": 0, "paren_cn": 1, "shi": 2, "di": 2, "order": 2, "num": 3, "paren_num": 4, "circled": 5}


def _zone_at(zones: list[tuple[int, int]], pos: int) -> tuple[int, int] | None:
    """The zone of a sorted list of (start, end) spans that holds ``pos`` (a binary search)."""
    if not zones:
        return None
    i = bisect.bisect_right(zones, (pos, 1 << 62))
    for z in zones[max(0, i - 2):i]:
        if z[0] <= pos < z[1]:
            return z
    return None


def _fix_zones(text: str) -> list[tuple[int, int]]:
    """Spans of the fix part of 整改 items ("整改措施：…", "完成情况：…" up to a problem label or the
    paragraph's end)."""
    c = cues()
    zones = []
    for m_start, m_end in _label_spans(c.fix_labels, c.fix_labels_scan, text, 0, len(text)):
        end = _paragraph_end(text, m_end)
        nxt = c.problem_labels.search(text, m_end, end)
        zones.append((m_start, nxt.start() if nxt else end))
    return zones


def _paragraph_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _residual_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """What a 整改 item leaves unresolved: the comma pieces from the first residual cue ("尚欠…",
    "其余…暂时无法解决", "但仍有…") up to a plan or measure for it ("计划年底前付清"); None if the
    clause reports only what was done."""
    c = cues()
    pieces = _pieces(text, start, end, "，,")
    first = next((i for i, (a, b) in enumerate(pieces) if c.residual_re.search(text, a, b)), None)
    if first is None:
        return None
    last = first
    for a, b in pieces[first + 1:]:
        if c.fix_followup.match(text[a:b]):
            break
        last += 1
    # its subject may stand before it ("但纸厂宿舍因…资金链断裂，仍处于停工状态"), never what was done
    while first > 0 and not text.startswith(_CONTRAST, pieces[first][0]) \
            and not c.fix_followup.match(text[slice(*pieces[first - 1])]) \
            and not _DONE.match(text[slice(*pieces[first - 1])]):
        first -= 1
    return pieces[first][0], pieces[last][1]


_DONE = re.compile(r"^[^，因由]{0,12}?(?:已|均已|全部)")   # "石桥新村已于5月复工" (not "因…已注销")
_CONTRAST = ("但", "然而", "不过", "其余", "另有", "另外", "还有", "剩余")


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


def _signature_start(text: str, paras: list[tuple[int, int]]) -> int:
    """Where the closing block (issuer, date, 签字/盖章, filing notes) begins; len(text) if none.

    The block is the run of short unpunctuated lines at the end of the report that holds at
    least one issuer, date or signature line. ``paras``: the text's :func:`paragraphs`.
    """
    pos = len(text)
    block_start = len(text)
    found = False
    for a, b in reversed(paras):
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


def _lead_in_extent(text: str, pos: int) -> int:
    """A lead-in at ``pos`` opens a problem context up to here: the end of its paragraph, and when
    it closes its paragraph ("主要存在以下问题：") also the enumerated items on the lines after it."""
    end = _paragraph_end(text, pos)
    if text[pos:end].strip(_TRIM) or not text[pos:end].strip().startswith(("：", ":")):
        return end
    while end < len(text):
        nxt = _paragraph_end(text, end + 1)
        line = text[end + 1:nxt]
        if not line.strip() or not LEAD_MARKER.match(line) or _section_heading_line(line):
            break
        end = nxt
    return end


def _section_heading_line(line: str) -> bool:
    """A top-level heading ("三、下一步工作") ends the items of a lead-in."""
    return bool(re.match(rf"[ \t\u3000]*[{CN}]{{1,3}}[、.．]", line))


class _SectionIndex:
    """Which sections hold an offset, for every clause of a report in O(log n): the report is cut
    at every section start and end, and each piece remembers its innermost section and whether a
    section around it has an unrecognised heading naming problems. (Scanning every section for
    every clause grew with the square of a long report.)"""

    def __init__(self, sections: list) -> None:
        points = sorted({p for s in sections for p in (s.start, s.end)})
        self.points = points
        self.inner: list = []
        self.problem_heading: list[bool] = []
        self.around: list[list] = []  # the sections holding each piece
        ordered = sorted(sections, key=lambda s: s.start)
        active: list = []
        k = 0
        for p in points:
            active = [s for s in active if s.end > p]
            while k < len(ordered) and ordered[k].start <= p:
                if ordered[k].end > p:
                    active.append(ordered[k])
                k += 1
            self.around.append(active)
            self.inner.append(max(active, key=lambda s: (s.level, s.start)) if active else None)
            self.problem_heading.append(any(s.kind == "other" and _problem_heading(s.heading) for s in active))
        self.by_level: dict[int, list] = {}  # sections of each level in text order
        for sec in ordered:
            self.by_level.setdefault(sec.level, []).append(sec)
        self._kinds: dict[int, str] = {}

    def holding(self, offset: int) -> list:
        """The sections that hold ``offset``."""
        i = self._piece(offset)
        return self.around[i] if i >= 0 else []

    def _piece(self, offset: int) -> int:
        return bisect.bisect_right(self.points, offset) - 1

    def innermost(self, offset: int):
        i = self._piece(offset)
        return self.inner[i] if i >= 0 else None

    def under_problem_heading(self, offset: int) -> bool:
        i = self._piece(offset)
        return i >= 0 and self.problem_heading[i]

    def kind_at(self, offset: int) -> str | None:
        """The kind of the section at ``offset``; an item of a list whose own heading the segmenter
        read as a measure or content ("（九）改造内容落实不到位" among the items of "二、督查发现的问题",
        "三是改造内容类诉求…" among complaint figures) takes the kind of its parent section."""
        sec = self.innermost(offset)
        return None if sec is None else self.effective_kind(sec)

    def effective_kind(self, sec) -> str:
        """``kind_at`` for a section, worked out once per section."""
        kind = self._kinds.get(id(sec))
        if kind is None:
            kind = sec.kind
            if sec.kind in SKIP_KINDS:
                outer = [s for s in self.holding(sec.start) if sec.end <= s.end and s.level < sec.level]
                parent = max(outer, key=lambda s: (s.level, s.start)) if outer else None
                if parent is not None and parent.kind not in SKIP_KINDS:
                    level = self.by_level[sec.level]
                    first = bisect.bisect_left(level, parent.start, key=lambda s: s.start)
                    siblings = []
                    for s in level[first:]:
                        if s.start > parent.end:
                            break
                        if s is not sec and s.end <= parent.end:
                            siblings.append(s)
                    if siblings and sum(s.kind in SKIP_KINDS for s in siblings) * 2 < len(siblings):
                        kind = parent.kind
            self._kinds[id(sec)] = kind
        return kind


def _problem_context_kind(sections: _SectionIndex, kind: str | None, offset: int) -> bool:
    return kind in PROBLEM_KINDS or (kind == "other" and sections.under_problem_heading(offset))


def _table_candidates(report: Report, paras: list[tuple[int, int]]) -> list[Candidate]:
    """Cells of a table column whose header names problems ("| 小区名称 | … | 主要问题 |"): one
    candidate per problem of the cell (``屋面漏水、下水管堵塞`` → 2). ``paras``: the report's
    :func:`paragraphs`."""
    text = report.text
    c = cues()
    out: list[Candidate] = []
    block: list[list[tuple[int, int]]] = []

    def flush():
        if len(block) >= 2:
            header = block[0]
            cols = []
            for j, (a, b) in enumerate(header):
                name = re.sub(r"[（(][^）)]*[）)]|\s", "", text[a:b])
                if c.table_problem_header.search(name) and not any(w in name for w in c.table_non_problem_header):
                    cols.append(j)
            for row in block[1:]:
                for j in cols:
                    if j >= len(row):
                        continue
                    a, b = _trim(text, *row[j])
                    for pa, pb in _pieces(text, a, b, "；;，,"):
                        for da, db in _split_dun(text, pa, pb):
                            if len(_CJK.findall(text[da:db])) >= 2 and text[da:db] not in ("暂无", "没有"):
                                out.append(Candidate(Clause(da, db, listed=True), "problem", None))
        block.clear()

    for pa, pb in paras:
        line = text[pa:pb]
        if not _table_row(line):
            flush()
            continue
        sep = "|" if line.strip().startswith("|") else "\t"
        cells, s0 = [], pa
        for i in range(pa, pb + 1):
            if i == pb or text[i] == sep:
                cells.append((s0, i))
                s0 = i + 1
        if sep == "|":
            cells = cells[1:-1] if len(cells) >= 2 else cells
        block.append(cells)
    flush()
    return out


def _announces_measures(piece: str) -> bool:
    """"针对上述问题，采取了以下措施：", "针对存在的问题，提出以下建议：" announce no problems."""
    c = cues()
    return any(w in piece for w in c.non_problem_heading) or any(w in piece for w in c.measure_announcements)


@lru_cache(maxsize=16384)  # the same comma pieces are tested again by every list reading
def _has_cue(text: str) -> bool:
    return bool(cues().problem_re.search(text))


def _demand_only(piece: str) -> bool:
    """"居民对改造的呼声十分强烈": a wish, not a deficiency (unless a problem cue stands beside it)."""
    c = cues()
    m = c.demand.search(piece)
    return bool(m) and not _has_cue(piece[:m.start()] + "，" + piece[m.end():])


def candidates(report: Report) -> list[Candidate]:
    """Clauses of a report that may state a problem, with the context they stand in."""
    text = report.text
    c = cues()
    paras = paragraphs(text)  # split once: the clauses, the signature block and the tables read them
    clauses = _paragraph_clauses(text, paras)
    sections = _SectionIndex(report.sections)
    title = _title_span(report)
    tail = _signature_start(text, paras)
    rect_zones: list[tuple[int, int]] = []
    for s in report.sections:
        if s.kind == "rectification":
            rect_zones.extend(_rectification_zones(text, s.start, s.end))
    # "问题：…" / "审计发现：…" opening a line states a finding wherever it stands (a 整改 report's
    # items may be read as headings of sections of their own); "整改措施：…" / "完成情况：…" the fix
    label_zones = sorted(_rectification_zones(text, 0, len(text)))
    fix_zones = sorted(_fix_zones(text))
    rectification_report = any(s.kind == "rectification" for s in report.sections) \
        or "整改" in text[title[0]:title[1]] or "整改" in (report.title or "")
    findings = [cl.start for cl in clauses if cl.finding]
    zones_done: set[tuple[int, int]] = set()

    out: list[Candidate] = []
    lead_in_until = -1  # a lead-in opens a problem context up to here
    lead_phase = None   # … and says when ("改造前，…发现小区普遍存在以下情况：")
    for idx, cl in enumerate(clauses):
        piece = text[cl.start:cl.end]
        if cl.label:
            if (_is_lead_in(piece) or (cl.intro and (_has_cue(piece) or _has_predicate(piece)))) \
                    and not _announces_measures(piece):
                lead_in_until = max(lead_in_until, _lead_in_extent(text, cl.end))
                lead_phase = "pre_condition" if _pre_condition_lead(piece) else None
            continue
        if title[0] <= cl.start < title[1] or cl.start >= tail:
            continue
        kind = sections.kind_at(cl.start)
        if _is_lead_in(piece):
            if not _announces_measures(piece):
                lead_in_until = max(lead_in_until, _lead_in_extent(text, cl.end))
            continue
        if cl.finding and cl.quoted and not (rectification_report or c.finding_source.search(
                text, _paragraph_start(text, cl.start), cl.start)):
            cl.finding = False   # "针对群众反映的“停车难”问题，新建…" outside a 整改 report: a measure
        if cl.finding and not cl.quoted:
            # "一、关于“工程烂尾”问题\n经核查，该问题部分属实。…": an allegation under verification;
            # the verified facts of its item are the problems, not the heading
            nxt = min([f for f in findings if f > cl.start] + [len(text)])
            for x in clauses[idx + 1:]:
                if x.start >= nxt:
                    break
                if c.verdict.search(text[x.start:x.end]):
                    cl.finding = False
                    break
            if not cl.finding:
                continue
        if cl.finding:
            # a restated finding is the problem of its item unless the item states it after a label
            nxt = min([f for f in findings if f > cl.start] + [len(text)])
            if kind not in SKIP_KINDS and not any(cl.end <= z0 < nxt for z0, _ in rect_zones):
                out.append(Candidate(cl, "problem", None))
            if cl.quoted:
                # what the item reports after the quoted finding is its fix: only a residual counts
                bisect.insort(fix_zones, (cl.end, _paragraph_end(text, cl.end)))
            continue
        if kind in SKIP_KINDS and not _zone_at(fix_zones, cl.start) \
                and (kind in ("next_steps", "suggestions") or not _zone_at(label_zones, cl.start)):
            continue   # below, such a clause can only be taken as a finding after a label or a residual
        if not _CJK_4.match(piece) or _section_title(report, cl) or _demand_only(piece) \
                or c.verdict.search(piece) or c.solved.search(piece) or _group_heading(text, cl):
            continue
        zone = _zone_at(label_zones, cl.start)
        if zone and kind not in ("next_steps", "suggestions"):
            # "3.问题：施工现场围挡不连续，渣土未覆盖，扬尘污染明显。": the finding after the label is
            # one problem, as an enumerated item is
            if zone not in zones_done:
                zones_done.add(zone)
                last = cl.end
                for x in clauses[idx:]:
                    if x.start >= zone[1]:
                        break
                    if not x.label:
                        last = max(last, x.end)
                out.append(Candidate(Clause(cl.start, last, unit=cl.unit), "problem", None))
            continue
        if _zone_at(fix_zones, cl.start):
            residual = _residual_span(text, cl.start, cl.end)
            if residual:   # "完成情况：已解决194条，其余24条…暂时无法解决"
                out.append(Candidate(Clause(*residual, unit=cl.unit), "problem", None))
            continue
        if kind == "rectification":
            if any(z0 <= cl.start < z1 for z0, z1 in rect_zones):
                out.append(Candidate(cl, "problem", None))
            elif any(w in piece for w in c.residual):
                out.append(Candidate(cl, "problem", None))   # "尚有6.2万元未追回"
            continue
        elif kind in SKIP_KINDS:
            continue
        elif _problem_context_kind(sections, kind, cl.start):
            if not cl.unit_marked and _intro_before_items(report, sections, clauses, idx):
                continue
            out.append(Candidate(cl, "problem", "pre_condition" if kind == "pre_condition" else None))
        elif cl.start < lead_in_until or cl.listed:
            out.append(Candidate(cl, "problem", lead_phase if cl.start < lead_in_until else None))
        elif not cl.opener:
            out.append(Candidate(cl, "free", None))
    # Exhortations, plans and proposals are never problems.
    out = [cand for cand in out if not c.directive.search(text[cand.clause.start:cand.clause.end])]
    out = _merge_items(text, clauses, out)
    return sorted(out + _table_candidates(report, paras), key=lambda cand: cand.clause.start)


def _intro_before_items(report: Report, sections: _SectionIndex, clauses: list[Clause], idx: int) -> bool:
    """An unnumbered paragraph at the head of a problem section whose problems follow as numbered
    items ("一、现状及问题\n近年来，我市汽车保有量快速增长…\n一是…二是…") introduces them."""
    cl = clauses[idx]
    outer = [s for s in sections.holding(cl.start) if _problem_context_kind(sections, s.kind, cl.start)]
    if not outer:
        return False
    sec = min(outer, key=lambda s: (s.level, s.start))
    head_end = _paragraph_end(report.text, sec.start)   # the section's own heading line
    first = bisect.bisect_left(clauses, head_end, 0, idx, key=lambda x: x.start)
    if any(x.unit_marked and not x.label for x in clauses[first:idx]):
        return False
    units = set()
    for x in clauses[idx + 1:]:
        if x.start >= sec.end:
            break
        if x.unit_marked and not x.label:
            units.add(x.unit)
            if len(units) >= 2:
                return True
    return False


def _merge_items(text: str, clauses: list[Clause], cands: list[Candidate]) -> list[Candidate]:
    """An enumerated item is one problem with its heading and its whole body ("（七）后续管理跟不上。
    部分小区…缺乏专业化物业管理，公共设施无人维护，绿地重新被侵占…").

    Merged: every item in a problem context whose clauses are all candidates; in a free context
    (a speech, a progress report) an item with a short heading sentence ("一是资金拨付慢。…"),
    which :func:`find_problems` takes whole when its heading or the whole item is a problem and
    clause by clause otherwise.
    """
    by_unit: dict[int, list[Clause]] = {}
    for cl in clauses:
        by_unit.setdefault(cl.unit, []).append(cl)
    out: list[Candidate] = []
    i = 0
    while i < len(cands):
        cand = cands[i]
        cl = cand.clause
        members = by_unit.get(cl.unit, [])
        # an unnumbered paragraph of a problem section opened by a short summary sentence
        # ("资金缺口依然存在。按照…测算，…缺口约2600万元") is a headed item like "（一）…。…"
        opened = cl.opener and cand.context == "problem"
        if not (cl.unit_marked or opened) or cand.parts or cl.finding or not members or members[0] is not cl:
            out.append(cand)
            i += 1
            continue
        j = i
        while j + 1 < len(cands) and cands[j + 1].clause.unit == cl.unit:
            j += 1
        group = cands[i:j + 1]
        body = [m for m in members if not m.label]
        same = len(group) >= 2 and len(group) == len(body) and all(g.context == cand.context for g in group) \
            and not any(m.label for m in members[1:])
        headed = cl.heading and 0 < cl.head_end < len(text) and text[cl.head_end] in _SENTENCE_END
        # "①房屋本体：屋面渗漏普遍；单元门锈蚀；…": a topic heading before a colon groups the
        # problems after it, which stay apart
        grouped = cl.heading and 0 < cl.head_end < len(text) and text[cl.head_end] in "：:" \
            and not _has_cue(text[cl.start:cl.head_end]) and not _has_predicate(text[cl.start:cl.head_end])
        if same and not grouped and (cand.context == "problem" or headed):
            heading, head_end = (True, cl.end) if opened else (cl.heading, cl.head_end)
            whole = Clause(cl.start, group[-1].clause.end, marked=True, heading=heading,
                           head_end=head_end, unit=cl.unit, unit_marked=True, opener=opened)
            out.append(Candidate(whole, cand.context, cand.phase, parts=[g.clause for g in group]))
        else:
            out.extend(group)
        i = j + 1
    return out


def _problem_heading(heading: str) -> bool:
    """An unrecognised heading that names problems ("三、项目实施中遇到的困难")."""
    c = cues()
    m = LEAD_MARKER.match(heading)
    body = heading[m.end():] if m else heading
    return (len(body) <= 20 and "，" not in body and any(w in body for w in c.problem_heading)
            and not any(w in body for w in c.non_problem_heading))


def _paragraph_end(text: str, pos: int) -> int:
    nl = text.find("\n", pos)
    return len(text) if nl < 0 else nl


def _accept(context: str, p: float, text: str, heading_alone: bool = False) -> bool:
    c = cues()
    if heading_alone:
        # in a problem section an item heading with a problem cue word names a problem
        threshold = THRESHOLD_PROBLEM_CONTEXT if context == "problem" else THRESHOLD_HEADING_ALONE
        return p >= threshold and _has_cue(text)
    if context == "problem":
        return p >= THRESHOLD_PROBLEM_CONTEXT
    if p < THRESHOLD_FREE or not _has_cue(text):
        return False
    return p >= THRESHOLD_FREE_MIXED or not c.non_problem_re.search(c.non_problem_mask.sub("□", text))


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
    # problem by its heading only, and is then reported as the heading alone. A whole enumerated
    # item also has its clauses scored, for when neither the item nor its heading is a problem.
    spans = [(c.clause.start, c.clause.end) for c in cands]
    parts: dict[int, tuple[int, int]] = {}  # candidate → (index of heading alone, index of body alone)
    pieces: dict[int, list[int]] = {}       # whole item → indices of its clauses
    for i, c in enumerate(cands):
        if c.clause.heading and c.clause.head_end:
            body = _trim(text, c.clause.head_end, c.clause.end)
            if body[1] > body[0]:
                parts[i] = (len(spans), len(spans) + 1)
                spans.extend([(c.clause.start, c.clause.head_end), body])
        if c.parts:
            pieces[i] = list(range(len(spans), len(spans) + len(c.parts)))
            spans.extend((p.start, p.end) for p in c.parts)
    texts = [text[s:e] for s, e in spans]
    X = classifier.features(texts)
    det = classifier.problem_proba(texts, X)
    cat = classifier.category_scores(texts, X)
    phases = classifier.predict_phase(texts, X)
    page_at = report.page_finder()

    def emit(k: int, cand: Candidate) -> None:
        start, end = spans[k]
        labels, _ = classifier.choose_labels(cat[k], texts[k])
        out.append(Problem(text=texts[k], categories=labels, score=round(float(det[k]), 3),
                           phase=_phase(texts[k], cand.phase, phases[k]), start=start, end=end,
                           page=page_at(start)))

    out: list[Problem] = []
    for i, cand in enumerate(cands):
        k = i
        if i in pieces:
            head_ok = i in parts and _accept(cand.context, float(det[parts[i][0]]), texts[parts[i][0]],
                                             heading_alone=True)
            if head_ok or _accept(cand.context, float(det[i]), texts[i]):
                emit(i, cand)
                continue
            for j, part in zip(pieces[i], cand.parts):
                if _accept(cand.context, float(det[j]), texts[j]):
                    emit(j, cand)
            continue
        if i in parts:
            h, body = parts[i]
            head_ok = _accept(cand.context, float(det[h]), texts[h], heading_alone=True)
            if head_ok and not _accept(cand.context, float(det[body]), texts[body]):
                k = h
            elif not _accept(cand.context, float(det[i]), texts[i]):
                continue
        elif not _accept(cand.context, float(det[i]), texts[i]):
            continue
        emit(k, cand)
    return out


def _phase(text: str, forced: str | None, predicted: str) -> str:
    """A clause's phase: the section's (改造前存在问题 → pre_condition) unless the clause itself
    says when ("全市已改造的老旧小区…", "改造中…"); else the model's, which the clause's own
    time cue also overrules when the model reads a pre_condition."""
    cue = _phase_cue(text)
    if forced:
        return cue if cue and cue != forced else forced
    if predicted == "pre_condition" and cue:
        return cue   # a clause about the works or their aftermath is not the state before them
    return predicted


@lru_cache(maxsize=None)
def _phase_cues() -> tuple[re.Pattern, dict[str, str]]:
    table = load_toml("taxonomy.toml").get("phase", {})
    words: dict[str, str] = {}
    for ph in ("implementation", "post_renovation"):
        for w in table.get(f"{ph}_override", []):
            words[w] = ph
    return (re.compile(_alternation(words)) if words else re.compile(r"(?!x)x")), words


def _pre_condition_lead(text: str) -> bool:
    """A lead-in that places what follows before the renovation (``[phase] pre_condition_lead``)."""
    return any(w in text for w in load_toml("taxonomy.toml").get("phase", {}).get("pre_condition_lead", []))


def _phase_cue(text: str) -> str | None:
    """The phase the first explicit time cue of a clause names (``[phase] *_override``)."""
    rx, words = _phase_cues()
    m = rx.search(text)
    return words[m.group(0)] if m else None


def problem_stage(report: Report, doc_text=None) -> None:
    """Pipeline stage (``pipeline.REPORT_STAGES``): fill ``report.problems``."""
    report.problems = find_problems(report)
