"""Normalization with an offset map.

``normalize(raw)`` returns a :class:`NormText` whose ``offsets`` map every character of the
normalized text back to the raw text the reader produced, so any span found later can be shown
in the original file (and, through the reader's blocks, on its page).

The steps, in order (each one replaces characters one for one, deletes characters or inserts a line break,
so the map stays exact):

1. fold full-width digits, letters and ASCII-like symbols to ASCII; write prose punctuation
   (``,:;()?!``) in its Chinese full-width form unless it sits between digits (``1,234``, ``10:30``);
2. traditional → simplified, character for character, when the text is in traditional characters;
3. delete web noise: whole noise lines and inline noise spans (``data/noise.toml``);
4. break a line before a heading marker glued to the previous sentence (``…户。（二）…``, an
   inserted character that maps to the marker) or that follows a space (``…材料 一、…``), and after a
   short heading that runs on into body text after a space (``（一）基本情况 XXXX小区…``);
5. delete spaces next to CJK characters or CJK punctuation (``目 的`` → ``目的``, ``2023 年`` → ``2023年``);
6. re-join lines broken in mid-sentence, never across a hard break (a .docx paragraph boundary).

>>> n = normalize("２０２１ 年 6 月底进场，目 的是…")
>>> n.text
'2021年6月底进场，目的是…'
>>> n.raw[n.to_raw(0, 5)[0]:n.to_raw(0, 5)[1]]
'２０２１ 年'
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import BadRuleData

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Chinese punctuation and symbols that never want a space next to them.
CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018\u2019\u201c\u201d\u2026\u2014\u00b7\u2460-\u2473\u2160-\u217f"
SPACES = " \u00a0\u3000\u2002\u2003\u2009\u200b\ufeff"

CN_DIGITS = "一二三四五六七八九十"
# Heading markers that may follow a space inside a run-together line (DOMAIN.md §5.2).
HEADING_MARKER = rf"(?:[{CN_DIGITS}]{{1,3}}、|（[{CN_DIGITS}]{{1,3}}）)"
# Any heading marker at the start of a line, all levels.
LINE_HEADING = re.compile(
    rf"""^(?:
        [{CN_DIGITS}]{{1,3}}(?:、|[.．](?!\d))   # 一、 (一.5 is not a heading)
      | （\s*[{CN_DIGITS}]{{1,3}}\s*）          # （一）
      | \d{{1,2}}[、.．](?!\d)                  # 1、 1.
      | （\s*\d{{1,2}}\s*）                     # （1）
      | [\u2460-\u2473]                         # ①
      | [{CN_DIGITS}]是[，：]?                  # 一是
    )""",
    re.VERBOSE,
)

_SENTENCE_END = "。！？；：…"
_CLOSERS = "”’』」）》"


@dataclass(slots=True)
class NormText:
    """Normalized text plus, for every character, its index in ``raw``."""

    text: str
    offsets: list[int]
    raw: str
    traditional: bool = False

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalized text to the span of ``raw`` it came from."""
        if end <= start:
            pos = self.offsets[start] if start < len(self.offsets) else len(self.raw)
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def _data_path(name: str) -> Path:
    return Path(__file__).parent / "data" / name


@lru_cache(maxsize=None)
def load_toml(name: str) -> dict:
    """Load a language-data file of the package; a malformed file raises BadRuleData."""
    path = _data_path(name)
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BadRuleData(f"{name}: {exc}") from exc


def _compile_all(name: str, key: str, template: str) -> list[re.Pattern]:
    out = []
    for i, pattern in enumerate(load_toml(name).get(key, [])):
        try:
            out.append(re.compile(template.format(pattern), re.MULTILINE))
        except re.error as exc:
            raise BadRuleData(f"{name}: {key}[{i}] {pattern!r}: {exc}") from exc
    return out


_NOISE_LINE = r"^[ \t\u3000]*(?:{})[ \t\u3000]*(?:\n|$)"


@lru_cache(maxsize=None)
def _noise_patterns() -> tuple[list[re.Pattern], list[re.Pattern], re.Pattern | None]:
    """The noise line and inline patterns, and one pattern that finds a line any of the line
    patterns would (None when they hold groups, which cannot be merged safely)."""
    lines = _compile_all("noise.toml", "line", _NOISE_LINE)
    inline = _compile_all("noise.toml", "inline", "{}")
    any_line = None
    if lines and all(p.groups == 0 for p in lines):
        words = load_toml("noise.toml").get("line", [])
        any_line = re.compile(_NOISE_LINE.format("|".join(f"(?:{w})" for w in words)), re.MULTILINE)
    return lines, inline, any_line


@lru_cache(maxsize=None)
def _any_noise_after_newline() -> re.Pattern | None:
    """``_noise_patterns()``'s any-line pattern with a line break for its "^": a search for it
    skips from line break to line break instead of trying every position."""
    _, _, any_line = _noise_patterns()
    if any_line is None:
        return None
    assert any_line.pattern.startswith("^")
    return re.compile("\n" + any_line.pattern[1:], re.MULTILINE)


def _has_noise_line(text: str) -> bool:
    """``_noise_patterns()[2].search(text)``: a noise line at the start or after a line break."""
    _, _, any_line = _noise_patterns()
    return bool(any_line.match(text) or _any_noise_after_newline().search(text))


@lru_cache(maxsize=None)
def _openers() -> re.Pattern:
    words = load_toml("headings.toml").get("openers", [])
    return re.compile("^(?:" + "|".join(words) + ")")


@lru_cache(maxsize=None)
def _compilation_marker() -> re.Pattern:
    markers = load_toml("headings.toml").get("compilation_markers", [])
    return re.compile("^(?:" + "|".join(markers) + ")")


@lru_cache(maxsize=None)
def _section_line() -> re.Pattern:
    words = sorted({w for ws in load_toml("headings.toml")["sections"].values() for w in ws}, key=len, reverse=True)
    return re.compile(r"^[【\[]?.{0,6}(?:" + "|".join(map(re.escape, words)) + r")[】\]]?[：:]?$")


@lru_cache(maxsize=None)
def _t2s_table() -> tuple[dict[int, str], frozenset[str]]:
    """Character table traditional → simplified from OpenCC's data, and the traditional-only set."""
    import opencc  # opencc-python-reimplemented ships the dictionaries as text files

    folder = Path(opencc.__file__).parent / "dictionary"
    table: dict[int, str] = {}
    with open(folder / "TSCharacters.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and len(parts[0]) == 1:
                target = parts[1].split(" ")[0]
                if len(target) == 1 and target != parts[0]:
                    table[ord(parts[0])] = target
    simplified = set()
    with open(folder / "STCharacters.txt", encoding="utf-8") as fh:
        for line in fh:
            key = line.split("\t", 1)[0]
            if len(key) == 1:
                simplified.add(key)
    trad_only = frozenset(chr(k) for k in table if chr(k) not in simplified)
    return table, trad_only


# ---------------------------------------------------------------------------
# Steps. Each returns (new_text, index) with index[i] = position in the input text.
# ---------------------------------------------------------------------------


_WIDTH_TABLE = {code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                                   *range(0xFF41, 0xFF5B)]}
_WIDTH_TABLE.update({ord(ch): ord(ch) - 0xFEE0 for ch in "．％＋－／＝＜＞＃＆＊＿"})
_WIDTH_TABLE.update({ord(ch): " " for ch in SPACES[1:]})


_WIDTH_CHARS = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_WIDTH_TABLE)) + "]")
_WIDTH_MAP = {chr(code): to if isinstance(to, str) else chr(to) for code, to in _WIDTH_TABLE.items()}


def _fold_width(text: str) -> str:
    """Full-width ASCII → ASCII for digits, letters and number symbols, odd spaces → " "; one char
    for one char. Only the characters to fold are visited: ``str.translate`` looked every
    character of a CJK text up in the table, for the few it changes."""
    return _WIDTH_CHARS.sub(lambda m: _WIDTH_MAP[m.group()], text)


_ASCII_PUNCT = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"}
# Prose punctuation, but not the comma and colon inside ``1,234`` and ``10:30``. One character, then
# the conditions: a pattern opening with a character class lets the regex engine skip to the
# candidates (a lookahead first was tried at every position). "(?<!\d[,:])" after the character is
# "(?<!\d)" before a comma or colon.
_PROSE_PUNCT = re.compile(r"[;()?!,:](?:(?<=[;()?!])|(?<!\d[,:])|(?!\d))")


def _chinese_punct(text: str) -> str:
    """Write prose punctuation in its Chinese form; keep ``1,234`` and ``10:30`` as they are."""
    return _PROSE_PUNCT.sub(lambda m: _ASCII_PUNCT[m.group()], text)


def is_traditional(text: str) -> bool:
    """True when the text is written in traditional characters.

    >>> is_traditional("老舊小區改造情況匯報，涉及居民2350戶。")
    True
    >>> is_traditional("老旧小区改造情况汇报，涉及居民2350户。")
    False
    """
    sample = text[:200_000]
    hits = len(_traditional_char().findall(sample))
    if hits < 3:
        return False   # a simplified text: its CJK characters need no counting
    cjk = len(_CJK_CHAR.findall(sample))
    return hits / cjk > 0.02


_CJK_CHAR = re.compile("[\u4e00-\u9fff]")


@lru_cache(maxsize=None)
def _traditional_char() -> re.Pattern:
    """A CJK character (U+4E00–U+9FFF) that only traditional text uses."""
    _, trad_only = _t2s_table()
    chars = sorted(ch for ch in trad_only if "\u4e00" <= ch <= "\u9fff")
    return re.compile("[" + "".join(map(re.escape, chars)) + "]") if chars else re.compile(r"(?!x)x")


def to_simplified(text: str) -> str:
    """Traditional → simplified, one character for one character (offsets are unchanged)."""
    table, _ = _t2s_table()
    return text.translate(table)


def _delete(text: str, spans: list[tuple[int, int]], index: list[int]) -> tuple[str, list[int]]:
    """Delete sorted, possibly overlapping spans from text and from its index."""
    if not spans:
        return text, index
    pieces, new_index, pos = [], [], 0
    for start, end in sorted(spans):
        if end <= pos:
            continue
        start = max(start, pos)
        pieces.append(text[pos:start])
        new_index.extend(index[pos:start])
        pos = end
    pieces.append(text[pos:])
    new_index.extend(index[pos:])
    return "".join(pieces), new_index


def _noise_spans(text: str) -> list[tuple[int, int]]:
    lines, inline, any_line = _noise_patterns()
    spans = []
    # one scan for a noise line of any kind; a pattern of its own runs only when there is one
    for pattern in lines if any_line is None or _has_noise_line(text) else ():
        spans.extend(m.span() for m in pattern.finditer(text) if m.end() > m.start())
    for pattern in inline:
        spans.extend(m.span() for m in pattern.finditer(text) if m.end() > m.start())
    return spans


def _insert_breaks(text: str, index: list[int], positions: list[int]) -> tuple[str, list[int]]:
    """Insert a line break before each position; it maps to the raw character that follows it."""
    if not positions:
        return text, index
    pieces, new_index, pos = [], [], 0
    for p in sorted(set(positions)):
        pieces.append(text[pos:p])
        new_index.extend(index[pos:p])
        pieces.append("\n")
        new_index.append(index[p] if p < len(index) else (index[-1] + 1 if index else 0))
        pos = p
    pieces.append(text[pos:])
    new_index.extend(index[pos:])
    return "".join(pieces), new_index


# A heading marker glued to the end of the previous sentence: "…2350户。（二）改造前存在问题".
# (Each pattern opens with a quick filter on its first character: a lookbehind first would be
# tried at every position of the text.)
_GLUED_HEADING = re.compile(rf"(?=[ （{CN_DIGITS}])(?<=[。；！？])[ ]*(?={HEADING_MARKER})")

_SPACE_BEFORE_HEADING = re.compile(rf"(?=[ ])(?<=[^\s])[ ]+(?={HEADING_MARKER})")
_RUN_ON_HEADING = re.compile(
    rf"^((?:[{CN_DIGITS}]{{1,3}}[、.．]|（[{CN_DIGITS}]{{1,3}}）|\d{{1,2}}[、．](?!\d))"
    rf"[^\s。，；：！？\n]{{2,20}})[ ]+(?=[^\s])",
    re.MULTILINE,
)


def _line_breaks_at(text: str, positions: list[int]) -> str:
    """``text`` with the characters at ascending ``positions`` replaced by line breaks."""
    if not positions:
        return text
    pieces, pos = [], 0
    for p in positions:
        pieces.append(text[pos:p])
        pos = p + 1
    pieces.append(text[pos:])
    return "\n".join(pieces)


def _break_headings(text: str) -> str:
    """Turn the space before/after a run-together heading into a line break (same length)."""
    text = _line_breaks_at(text, [m.start() for m in _SPACE_BEFORE_HEADING.finditer(text)])
    cuts = []
    for m in _RUN_ON_HEADING.finditer(text):
        head, nxt = m.group(1), text[m.end():m.end() + 1]
        # "（三）供热管网资金缺口约 300 万元" is a sentence, not a heading: the figure belongs to it.
        if head[-1] in "约近达共为是有和及与的了超逾" or (nxt.isdigit() and not _section_line().match(head)):
            continue
        cuts.append(m.end(1))
    return _line_breaks_at(text, cuts)


_SPACE_RUN = re.compile(r"[ ]+")
_NEWLINE = re.compile(r"\n")


def _space_spans(text: str) -> list[tuple[int, int]]:
    """Spaces with a CJK character or CJK punctuation on either side, or around a line end."""
    near = re.compile(f"[{CJK}{CJK_PUNCT}]")
    spans = []
    n = len(text)
    for m in _SPACE_RUN.finditer(text):
        s, e = m.span()
        before = text[s - 1] if s > 0 else "\n"
        after = text[e] if e < n else "\n"
        if before in "\n\t" or after in "\n\t" or near.match(before) or near.match(after):
            spans.append((s, e))
    return spans


_TITLE_END = re.compile(r"(?:报告|汇报|讲话|材料|说明|方案|总结|通报|简报|公告|发言|情况)$")
_DATE_LINE = re.compile(r"^[（(【]?(?:\d{4}|[〇零一二三四五六七八九]{4})年[\d一二三四五六七八九十]{1,2}月"
                        r"(?:[\d一二三四五六七八九十]{1,3}日)?[）)】]?$")
_ISSUER_LINE = re.compile(r"^.{2,30}(?:局|委|委员会|办公室|办|政府|街道办事处|街道|公司|社区|居委会|中心|政协|人大)$")


_PIPE_ROW = re.compile(r"^\|.*\|$")  # a text table row: | 1 | 金亭花苑 | 2350 |


# _keep_break reads a ``prev`` longer than this only at its first and last two characters and for
# a tab (every other test of ``prev`` is of a shorter line, or anchored at both ends and short).
_KEEP_BREAK_LONG = 40
_TRACK_FROM = 200  # _join_spans strips a joined line up to this long, and tracks a longer one


def _keep_break(prev: str, nxt: str) -> bool:
    """Whether the line break between ``prev`` and ``nxt`` is a real paragraph break.

    (A test added here that reads more of a ``prev`` longer than ``_KEEP_BREAK_LONG`` has to
    change :func:`_join_spans`, which passes such a line in short.)
    """
    if not prev or not nxt:
        return True
    last = prev[-1]
    if last in _SENTENCE_END:
        return True
    if last in _CLOSERS and len(prev) > 1 and prev[-2] in _SENTENCE_END:
        return True
    if "\t" in prev or "\t" in nxt or _PIPE_ROW.match(prev) or _PIPE_ROW.match(nxt):  # table rows
        return True
    if LINE_HEADING.match(nxt) or _openers().match(nxt):
        return True
    if _DATE_LINE.match(nxt) or _DATE_LINE.match(prev):
        return True
    if _compilation_marker().match(nxt):
        return True
    heading = LINE_HEADING.match(prev)
    if heading and len(prev) <= 40 and not prev[heading.start():heading.end()].endswith("是") \
            and not re.search("[。！？]", prev):
        # A short heading line continues only when it is a bare marker, was cut after a comma,
        # or the next line is a short unpunctuated tail of it ("…“不忘初心、牢记使命”\n主题教育成果").
        bare = heading.end() == len(prev)
        tail = len(nxt) <= 20 and not re.search(r"[，。；：！？,]", nxt)
        return not (bare or last in "，、,（" or tail)
    if len(prev) <= 18 and _section_line().match(prev):  # an unnumbered heading: "存在问题"
        return True
    if len(prev) <= 40 and (_TITLE_END.search(prev) or _ISSUER_LINE.match(prev)):
        return True
    if _ISSUER_LINE.match(nxt) and len(nxt) <= 30 and _DATE_LINE.match(nxt):
        return True
    return False


def _join_spans(text: str, hard: set[int]) -> list[tuple[int, int]]:
    """Line breaks to delete: soft breaks inside a sentence (PDF and extracted-text artefacts).

    A joined line longer than ``_TRACK_FROM`` is not stripped again at every line added to it:
    where its stripped form starts and ends, and its first tab, are kept up to date, and it is
    passed to :func:`_keep_break` in short (its ends and a tab), so that a long run of wrapped
    lines without punctuation costs linear time, not quadratic.
    """
    spans = []
    lines = text.split("\n")
    stripped = [line.strip() for line in lines]
    pos = 0
    logical = ""  # the current line as joined so far
    tracked = False  # a long joined line: the three below describe it
    first = last = tab = -1  # its stripped form's start and end in it (-1: blank), first tab from there
    for i, line in enumerate(lines):
        end = pos + len(line)  # position of the "\n" after this line
        single = not logical   # a logical line of one line is that line: its stripped form is at hand
        if single:
            logical = line
        else:
            offset = len(logical)
            logical += line   # in place where CPython can: a long joined line is not copied again
            if tracked:
                if stripped[i]:
                    if first < 0:
                        first = offset + len(line) - len(line.lstrip())
                    last = offset + len(line.rstrip())
                if first >= 0 and tab < 0:
                    t = line.find("\t", max(first - offset, 0))
                    if t >= 0:
                        tab = offset + t
            elif len(logical) > _TRACK_FROM:
                tracked = True
                core = logical.lstrip()
                first = len(logical) - len(core) if core else -1
                last = len(logical.rstrip()) if core else -1
                tab = logical.find("\t", first) if core else -1
        if i + 1 < len(lines):
            if single:
                prev = stripped[i]
            elif not tracked:
                prev = logical.strip()
            elif first < 0:
                prev = ""
            elif last - first <= _KEEP_BREAK_LONG:
                prev = logical[first:last]   # == logical.strip()
            else:   # what _keep_break reads of a long line, and long enough
                prev = (logical[first] + ("\t" if 0 <= tab < last else "") + "·" * _KEEP_BREAK_LONG
                        + logical[last - 2:last])
            if end in hard or _keep_break(prev, stripped[i + 1]):
                logical, tracked = "", False
            else:
                spans.append((end, end + 1))
        pos = end + 1
    return spans


# ---------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------


def normalize(raw: str, hard_breaks: set[int] | frozenset[int] = frozenset(),
              simplify: bool | None = None) -> NormText:
    """Normalize ``raw`` and keep the map back to it.

    ``hard_breaks``: positions in ``raw`` of line breaks that are real paragraph boundaries
    (never joined). ``simplify``: force traditional → simplified on/off; None detects it.
    """
    text = _chinese_punct(_fold_width(raw))  # one for one: the index is the identity
    index = list(range(len(raw)))
    traditional = is_traditional(text) if simplify is None else simplify
    if traditional:
        text = to_simplified(text)

    text, index = _delete(text, _noise_spans(text), index)
    text, index = _insert_breaks(text, index, [m.end() for m in _GLUED_HEADING.finditer(text)])
    text = _break_headings(text)
    text, index = _delete(text, _space_spans(text), index)

    # Hard breaks are known in raw positions; find them in the current text through the index.
    hard = {m.start() for m in _NEWLINE.finditer(text) if index[m.start()] in hard_breaks} if hard_breaks else set()
    text, index = _delete(text, _join_spans(text, hard), index)
    return NormText(text=text, offsets=index, raw=raw, traditional=traditional)
