"""Numbers and units: the figure grammar the fact extractor calls (pure functions, no spaCy).

Input is normalized text (``analyzer.normalize``): ASCII digits, Chinese prose punctuation, no spaces next
to CJK characters, ``1,234`` and ``2,013.19`` with their ASCII comma. Units, multipliers, approximation
markers, range separators and the context words that veto a figure live in ``data/units.toml``; this module
holds only the numeral structure (digit map) and the grammar that ties them together.

- ``parse_number(text)`` → ``Decimal | None``: one written number, arabic or Chinese, with its multiplier.
- ``find_quantities(text)`` → every figure with a known unit, left to right, non-overlapping, each a
  :class:`Quantity` in its canonical unit (households 户, area m2, investment 万元, buildings 栋,
  communities 个, percent %), with what the tolerance model needs (approx marker, decimals, scale).
- ``find_placeholders(text)`` → spans of unfilled template figures (``X个``, ``XX万元``, ``20__年``).
- ``NUM_PATTERN``: the regex source of one number, for rules that embed it (valid with or without re.VERBOSE).

>>> [(q.type, q.value, q.unit, q.raw) for q in find_quantities("房屋43幢，涉及居民2350户，总投资约1.76亿元")]
[('buildings', Decimal('43'), '栋', '43幢'), ('households', Decimal('2350'), '户', '2350户'), ('investment', Decimal('17600'), '万元', '约1.76亿元')]
>>> q = find_quantities("住宅面积约15.82万平方米")[0]
>>> q.value, q.unit, q.approx, q.decimals, q.scale
(Decimal('158200'), 'm2', '约', 2, Decimal('10000'))
>>> [(q.type, q.value) for q in find_quantities("改造小区11个51栋楼，一户一册，〔2020〕23号")]
[('communities', Decimal('11')), ('buildings', Decimal('51'))]

Decisions on ambiguous forms (see also the comments in ``data/units.toml``):

- bare ``3万`` / ``1.2亿`` without 元 is investment only right after a money cue (``总投资1.2亿``: [money_bare]);
- bare ``楼`` is not a building count (``3楼`` is a floor or a building name); ``栋楼`` ``栋住宅楼`` are;
  ``3栋2单元`` is an address; ``3-1栋`` is not a range;
- ``座`` counts buildings only when no other noun follows and no 公厕/桥/停车楼… precedes (``3座桥``);
  ``套`` counts households only next to a housing word (``住房120套``, ``120套住房``, not ``门禁126套``);
- communities: ``N个小区`` ``N处老旧小区`` ``N个院落`` ``N个改造小区``, and noun-first ``小区…N个`` when only
  listed gap words stand between (``改造小区11个``, ``小区等3个``, ``48个小区已开工46个``), never
  ``项目16个``; an elliptical ``已完工21个`` with no 小区 before it is left to the extractor;
- money rates are not amounts: ``户均3.5万元``, ``每户5000元``, ``322元/平方米`` give nothing;
- ``一`` before a unit is a figure (``一栋多层住宅``) except in idioms ``一户一册`` ``一栋一策`` (unit + numeral),
  after 每/第/统/同/逐… (``每一户``, ``统一``), and ``一座城`` (座 followed by another noun);
- ``逾`` is reported as ``超过`` (it stands before the number, like 超过); ``达`` is not an approximation;
- a range keeps one multiplier for both ends when only the second has one (``20—30万元`` = 20–30 万元).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from functools import lru_cache

from .errors import BadRuleData
from .normalize import CJK, load_toml

__all__ = ["Quantity", "parse_number", "find_quantities", "find_placeholders", "NUM_PATTERN"]

DATA_FILE = "units.toml"

# ---------------------------------------------------------------------------
# Structural constants (the numeral system, not language data)
# ---------------------------------------------------------------------------

# Chinese digits. ○ (U+25CB) is how typists often write the zero of 二○二一.
CN_DIGITS: dict[str, int] = {
    "〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
CN_POINT = "点"  # 三点五 = 3.5
MAX_DIGITS = 20  # longer digit strings are identifiers
_CN_DIGIT_CLASS = "".join(CN_DIGITS)
_CJK_CHAR = re.compile(f"[{CJK}]")
_SMALL_UNIT_LIMIT = Decimal(10000)  # place values below this are 十百千, from it on 万亿


def _data() -> dict:
    return load_toml(DATA_FILE)


def _dec(value: object, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise BadRuleData(f"{DATA_FILE}: {where}: {value!r} is not a decimal number") from exc


@lru_cache(maxsize=None)
def _place_values() -> dict[str, Decimal]:
    """十 百 千 万 亿 → their value, from [multipliers]."""
    table = _data().get("multipliers")
    if not isinstance(table, dict) or not table:
        raise BadRuleData(f"{DATA_FILE}: [multipliers] is missing or empty")
    return {k: _dec(v, f"multipliers.{k}") for k, v in table.items()}


def _alt(forms) -> str:
    """A regex alternation of literal forms, longest first (so 万平方米 beats 万, 平方公里 beats 平方)."""
    return "|".join(re.escape(f) for f in sorted(set(forms), key=lambda f: (-len(f), f)))


# ---------------------------------------------------------------------------
# The number pattern
# ---------------------------------------------------------------------------

_ARABIC = (
    r"(?<![\d.,A-Za-z_/#])"          # not inside a longer number, a code or a name (No.5, A3, 1/3, #3)
    r"(?<!\d[ ])"                    # nor the tail of a badly spaced one (12 34)
    r"(?:\d{1,3}(?:,\d{3})+(?!\d)"   # 1,234  13,862,400 (comma groups of exactly three digits)
    r"|\d{1,3}(?:[ ]\d{3})+(?!\d)"   # 30 511 (a space between three-digit groups)
    r"|\d+)"                         # 2350
    r"(?:\.\d+)?(?![\d])"            # .19
)


# The same number, anchored by fullmatch in parse_number.
_ARABIC_FULL = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ ]\d{3})+|\d+)(?:\.\d+)?")


def _cn_pattern() -> str:
    places = "".join(_place_values())
    return (
        f"(?<![{_CN_DIGIT_CLASS}{places}])"    # a whole numeral, not its tail
        f"(?:[{_CN_DIGIT_CLASS}]|十)"           # starts with a digit or 十 (十二), never with 百/万
        f"[{_CN_DIGIT_CLASS}{places}]*"        # 一千二百三十, 二〇二一, 两万
        f"(?:{CN_POINT}[{_CN_DIGIT_CLASS}]+)?"  # 三点五
    )


NUM_PATTERN: str = f"(?:{_ARABIC}|{_cn_pattern()})"


# ---------------------------------------------------------------------------
# Result type
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Quantity:
    """A figure with a known unit, in its canonical unit, with its span in the input.

    ``decimals`` (digits after the point as written) and ``scale`` (written unit → canonical unit)
    give the tolerance of DOMAIN.md §3.3: half-width = 0.5 · 10^-decimals · scale.
    """

    value: Decimal | tuple[Decimal, Decimal]
    unit: str
    type: str
    approx: str | None
    decimals: int
    scale: Decimal
    start: int
    end: int
    raw: str


# ---------------------------------------------------------------------------
# parse_number
# ---------------------------------------------------------------------------


# Figures are scaled in 60-digit arithmetic. One context passed to the operations that need it
# (the same settings as the thread's default context, but 60 digits) instead of a
# ``localcontext()`` entered for each figure, which cost more than the arithmetic.
_WIDE = Context(prec=60)
_ONE = Decimal(1)


def _clean(d: Decimal, context: Context | None = None) -> Decimal:
    """Drop trailing zeros without switching to exponent notation: 158200.00 → 158200, 1386.2400 → 1386.24.

    ``context``: the one trailing zeros are dropped in (rounding to its precision); None for the
    thread's current context.
    """
    try:
        n = d.normalize(context)
        if n == n.to_integral_value(context=context):
            return n.quantize(_ONE, context=_WIDE)
        return n
    except InvalidOperation:
        return d


def _parse_arabic(s: str) -> tuple[Decimal, int] | None:
    """'2,013.19' → (2013.19, 2); '30 511' → (30511, 0); junk → None."""
    if not _ARABIC_FULL.fullmatch(s):
        return None
    digits = s.replace(",", "").replace(" ", "")
    if len(digits) > MAX_DIGITS:
        return None                       # an identifier, not a figure
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    return Decimal(digits), decimals


def _parse_cn(s: str) -> tuple[Decimal, int] | None:
    """'一千二百三十' → (1230, 0); '二〇二一' → (2021, 0); '三点五' → (3.5, 1); junk → None."""
    if not s:
        return None
    frac = ""
    if CN_POINT in s:
        s, frac = s.split(CN_POINT, 1)
        if not frac or any(ch not in CN_DIGITS for ch in frac):
            return None
        frac = "".join(str(CN_DIGITS[ch]) for ch in frac)
    value = _cn_integer(s)
    if value is None:
        return None
    if frac:
        return Decimal(f"{value}.{frac}"), len(frac)
    return Decimal(value), 0


def _cn_integer(s: str) -> int | None:
    places = _place_values()
    if not s or any(ch not in CN_DIGITS and ch not in places for ch in s):
        return None
    if all(ch in CN_DIGITS for ch in s):
        # Digit by digit: 二〇二一 → 2021. A bare pair such as 三四 is "three or four", not 34.
        if len(s) == 1:
            return CN_DIGITS[s]
        if len(s) >= 3 or any(CN_DIGITS[ch] == 0 for ch in s):
            return int("".join(str(CN_DIGITS[ch]) for ch in s))
        return None
    total = 0          # value of the finished 万/亿 sections
    section = 0        # value of the current section (below 万)
    digit: int | None = None
    last_small: int | None = None   # the small unit just written (十 百 千), for 一千二 = 1200
    last_big: int | None = None     # the section unit last written (万 亿)
    zero = False                    # a 零 since the last unit: 一千零二 = 1002, not 1200
    for ch in s:
        if ch in CN_DIGITS:
            d = CN_DIGITS[ch]
            if d == 0:
                if digit is not None:
                    return None
                zero = True
                continue
            if digit is not None:
                return None          # two digits in a row: 三四十
            digit = d
            continue
        place = int(places[ch])
        if place < _SMALL_UNIT_LIMIT:
            if digit is None:
                if place == 10 and section == 0 and last_small is None:
                    digit = 1        # 十二, 十万
                else:
                    return None
            if last_small is not None and place >= last_small:
                return None          # 十十, 百千
            section += digit * place
            last_small, digit, zero = place, None, False
        else:
            if digit is not None:
                section += digit
                digit = None
            if section == 0 and not (total and last_big and place > last_big):
                return None          # 万 with nothing before it
            if last_big is None or place > last_big:
                total = (total + section) * place
            else:
                total += section * place
            section, last_small, last_big, zero = 0, None, place, False
    if digit is not None:
        # A trailing digit right after a unit is the next lower place: 一千二 = 1200, 三万五 = 35000.
        previous = s[-2] if len(s) >= 2 else ""
        if previous in places and not zero:
            place = int(places[previous])
            section += digit * (place // 10) if place >= 10 else digit
        else:
            section += digit
    return total + section


def _mult_value(s: str | None) -> Decimal | None:
    """'万' → 10000, '千万' → 10000000, None/'' → 1, anything else → None."""
    if not s:
        return Decimal(1)
    table = _place_values()
    value = Decimal(1)
    for ch in s:
        if ch not in table:
            return None
        value *= table[ch]
    return value


def parse_number(text: str) -> Decimal | None:
    """One written number → its value; None if it is not a number (never raises).

    >>> parse_number("1,234"), parse_number("2,013.19"), parse_number("30 511")
    (Decimal('1234'), Decimal('2013.19'), Decimal('30511'))
    >>> parse_number("一千二百三十"), parse_number("两"), parse_number("十二"), parse_number("一百零五")
    (Decimal('1230'), Decimal('2'), Decimal('12'), Decimal('105'))
    >>> parse_number("3万"), parse_number("1.76亿"), parse_number("5千万"), parse_number("二〇二一")
    (Decimal('30000'), Decimal('176000000'), Decimal('50000000'), Decimal('2021'))
    >>> parse_number("三百余"), parse_number("X个"), parse_number(""), parse_number(None)
    (None, None, None, None)
    """
    if not isinstance(text, str):
        return None
    s = text.strip()
    if not s or len(s) > 64:
        return None
    try:
        parsed = _parse_arabic_with_mult(s)
        if parsed is None:
            cn = _parse_cn(s)
            parsed = cn[0] if cn else None
        return _clean(parsed) if parsed is not None else None
    except (InvalidOperation, ValueError, ArithmeticError):
        return None


@lru_cache(maxsize=None)
def _arabic_mult() -> re.Pattern:
    return re.compile(rf"({_ARABIC_FULL.pattern})((?:{_mult_alt()})?)")


def _parse_arabic_with_mult(s: str) -> Decimal | None:
    m = _arabic_mult().fullmatch(s)
    if not m:
        return None
    parsed = _parse_arabic(m.group(1))
    mult = _mult_value(m.group(2))
    if parsed is None or mult is None:
        return None
    return _WIDE.multiply(parsed[0], mult)


# ---------------------------------------------------------------------------
# The grammar, built once from data/units.toml
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Unit:
    type: str
    unit: str
    factor: Decimal
    multipliers: bool
    strict: bool
    then: tuple[str, ...]
    needs: tuple[str, ...]
    not_after: tuple[str, ...]
    window: int
    reject_next: re.Pattern | None


@dataclass(frozen=True, slots=True)
class _Grammar:
    main: re.Pattern
    placeholder: re.Pattern
    placeholder_mark: re.Pattern  # any mark: every placeholder holds one, and most texts none
    units: dict[str, _Unit]
    percent: _Unit
    communities: _Unit
    investment: _Unit
    approx_before: dict[str, tuple[str, tuple[str, ...]]]
    approx_mid: dict[str, str]
    approx_after: dict[str, str]
    not_after: tuple[str, ...]
    cn_not_after: tuple[str, ...]
    cn_rejected: frozenset[str]
    idiom_numerals: frozenset[str]
    idiom_next: tuple[str, ...]
    noun_first_before: re.Pattern
    noun_first_classifiers: frozenset[str]
    noun_first_then: tuple[str, ...]
    money_before: re.Pattern
    money_mults: frozenset[str]
    money_then: tuple[str, ...]


def _strs(table: dict, key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRuleData(f"{DATA_FILE}: {where}.{key} must be a list of strings")
    return value


def _markers(entries: object, where: str) -> dict[str, dict]:
    if not isinstance(entries, list):
        raise BadRuleData(f"{DATA_FILE}: {where} must be a list of {{form, norm}} tables")
    out = {}
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("form"), str) or not isinstance(e.get("norm"), str):
            raise BadRuleData(f"{DATA_FILE}: {where}[{i}] needs string `form` and `norm`")
        out[e["form"]] = e
    return out


def _mult_alt() -> str:
    """Written multipliers after digits, with the compounds (千万 百万 万亿) they form."""
    data = _data()
    single = _strs(data, "multipliers_after_digits", "")
    values = _place_values()
    for m in single:
        if m not in values:
            raise BadRuleData(f"{DATA_FILE}: multipliers_after_digits: {m!r} has no value in [multipliers]")
    compound = [a + b for a in single for b in single if values[a] < values[b] and values[b] >= _SMALL_UNIT_LIMIT]
    return _alt(single + compound)


def _load_units() -> dict[str, _Unit]:
    units: dict[str, _Unit] = {}
    entries = _data().get("unit")
    if not isinstance(entries, list) or not entries:
        raise BadRuleData(f"{DATA_FILE}: no [[unit]] entries")
    for i, e in enumerate(entries):
        where = f"unit[{i}]"
        if not isinstance(e, dict):
            raise BadRuleData(f"{DATA_FILE}: {where} is not a table")
        for key in ("type", "unit", "factor"):
            if not isinstance(e.get(key), str):
                raise BadRuleData(f"{DATA_FILE}: {where}.{key} must be a string")
        reject_next = None
        if e.get("reject_next"):
            try:
                reject_next = re.compile("|".join(f"(?:{p})" for p in _strs(e, "reject_next", where)))
            except re.error as exc:
                raise BadRuleData(f"{DATA_FILE}: {where}.reject_next: {exc}") from exc
        spec = _Unit(
            type=e["type"], unit=e["unit"], factor=_dec(e["factor"], f"{where}.factor"),
            multipliers=bool(e.get("multipliers", True)), strict=bool(e.get("strict", False)),
            then=tuple(_strs(e, "then", where)), needs=tuple(_strs(e, "needs", where)),
            not_after=tuple(_strs(e, "not_after", where)), window=int(e.get("window", 6)),
            reject_next=reject_next,
        )
        forms = _strs(e, "forms", where)
        if not forms:
            raise BadRuleData(f"{DATA_FILE}: {where} has no forms")
        for form in forms:
            if form in units:
                raise BadRuleData(f"{DATA_FILE}: {where}: form {form!r} is listed twice")
            units[form] = spec
    return units


@lru_cache(maxsize=None)
def _grammar() -> _Grammar:
    data = _data()
    units = _load_units()
    by_type = {}
    for u in units.values():
        by_type.setdefault(u.type, u)
    for needed in ("percent", "communities", "investment"):
        if needed not in by_type:
            raise BadRuleData(f"{DATA_FILE}: no unit of type {needed!r}")
    approx = data.get("approx", {})
    before = _markers(approx.get("before"), "approx.before")
    middle = _markers(approx.get("middle"), "approx.middle")
    after = _markers(approx.get("after"), "approx.after")
    seps = _strs(data.get("range", {}), "separators", "range")
    # A multiplier is not taken when it starts a unit that has it built in (12万方 is 12 + 万方, not 12万 + 方).
    built_in = [f for f in units if f[0] in _place_values()]
    mult = f"(?!{_alt(built_in)})(?:{_mult_alt()})" if built_in else _mult_alt()
    returned = [f for f, u in units.items() if u.type != "ignore"]
    ascii_units = [f for f in units if not _CJK_CHAR.match(f)]
    space = f"(?:[ ](?={_alt(ascii_units)}))?" if ascii_units else ""
    after_marker = "(?:" + "|".join(f"(?<={re.escape(f)})" for f in before) + ")"

    # Characters a figure can start with: lets the search skip ordinary text quickly.
    starts = "".join(sorted({f[0] for f in before} | set(_CN_DIGIT_CLASS) | set(_place_values()) | {"百"}))
    main = re.compile(
        rf"""
        (?=[\d{starts}])                  # quick filter: a digit, a numeral or an approximation marker
        (?P<pre>{_alt(before)})?          # approximation before the number: 约 近 超过 超 逾
        (?:
            百分之(?P<pct>{NUM_PATTERN}|百)  # 百分之九十, 百分之百
          |
            (?P<n1>{NUM_PATTERN}          # the number: 2,013.19 · 30 511 · 一千二百三十
              |{after_marker}[百千万])     #   or a bare place after an approximation: 近千户 约万人
            (?P<m1>{mult})?               # a multiplier after it: 万 亿 千万
            (?P<a1>{_alt(middle)})?       # 余/多 after the multiplier: 8000余户 2万余户
            (?P<m1b>{mult})?              #   … or before it: 1000余万元
            (?:                           # a range
                (?P<u1>{_alt(returned)})? #   the first half may repeat the unit: 10%-20%, 300元至800元
                (?P<sep>{_alt(seps)})     #   5到6 5-6 5～6 5至6 20—30
                (?P<n2>{NUM_PATTERN})
                (?P<m2>{mult})?
                (?P<a2>{_alt(middle)})?
                (?P<m2b>{mult})?
            )?
            {space}                       # 75.6 %, 500 ㎡: the normalizer keeps a space before a non-CJK unit
            (?(u1)(?P<unit2>(?P=u1))      # the same unit again when the first half of a range had one,
              |(?P<unit>{_alt(units)})?)  #   else the unit, longest form first (ignored forms included)
        )
        (?P<post>{_alt(after)})?          # approximation after the unit: 以上 左右
        """,
        re.VERBOSE,
    )

    ph = data.get("placeholder", {})
    marks = "".join(re.escape(m) for m in _strs(ph, "marks", "placeholder"))
    ph_units = _alt(returned + _strs(ph, "units", "placeholder"))
    bare = _alt(_strs(data, "money_bare_multipliers", ""))
    placeholder = re.compile(
        rf"""
        (?<![A-Za-z0-9{marks}])           # a whole run of marks, not the tail of a word or a number
        (?:
            (?:(?<=\|)|(?<=\|[ ])|(?<=\t)|(?<=^))      # a table cell holding only marks: | 690 | X | 在建 |
            [{marks}]+(?:[.,][{marks}]+)?
            (?=[ ]?(?:\||\t|$))
          |
            \d{{1,3}}[{marks}]+年(?:初|底|末|度)?      # 20XX年 20__年 202X年
          |
            [{marks}]+(?:[.,][{marks}]+)?              # X  XX  X.XX  X,XXX
            [ ]?                                       # a space the normalizer kept (X 栋 in raw text)
            (?:(?:{mult})?(?:{ph_units})|(?:{bare}))   # X个 XX万元 X万平米 X亿 X月份 XX年初
        )
        """,
        re.VERBOSE | re.MULTILINE,
    )

    nf = data.get("noun_first", {})
    gaps = [gap for gap in _strs(nf, "gaps", "noun_first") if gap]
    noun_first_before = re.compile(
        f"(?:{_alt(_strs(nf, 'nouns', 'noun_first'))})(?:{_alt(gaps)}){{0,3}}$"
    )
    mb = data.get("money_bare", {})
    money_gaps = [gap for gap in _strs(mb, "gaps", "money_bare") if gap]
    money_before = re.compile(
        f"(?:{_alt(_strs(mb, 'cues', 'money_bare'))})(?:{_alt(money_gaps)}){{0,2}}$"
    )
    ctx = data.get("context", {})
    return _Grammar(
        main=main,
        placeholder=placeholder,
        placeholder_mark=re.compile(f"[{marks}]"),
        units=units,
        percent=by_type["percent"],
        communities=by_type["communities"],
        investment=by_type["investment"],
        approx_before={f: (e["norm"], tuple(e.get("not_after", []))) for f, e in before.items()},
        approx_mid={f: e["norm"] for f, e in middle.items()},
        approx_after={f: e["norm"] for f, e in after.items()},
        not_after=tuple(_strs(ctx, "not_after", "context")),
        cn_not_after=tuple(_strs(ctx, "cn_not_after", "context")),
        cn_rejected=frozenset(_strs(ctx, "cn_rejected", "context")),
        idiom_numerals=frozenset(_strs(ctx, "idiom_numerals", "context")),
        idiom_next=tuple(_strs(ctx, "idiom_next", "context")),
        noun_first_before=noun_first_before,
        noun_first_classifiers=frozenset(_strs(nf, "classifiers", "noun_first")),
        noun_first_then=tuple(_strs(nf, "then", "noun_first")),
        money_before=money_before,
        money_mults=frozenset(_strs(data, "money_bare_multipliers", "")),
        money_then=tuple(_strs(mb, "then", "money_bare")),
    )


# ---------------------------------------------------------------------------
# find_quantities
# ---------------------------------------------------------------------------


class _Reject(Exception):
    """A candidate match that is not a figure (internal control flow)."""


_CLAUSE_END = re.compile(r"[，。；！？：\n]")


def _clause_before(text: str, pos: int, width: int) -> str:
    """Up to ``width`` characters before ``pos``, not reaching back over a clause boundary."""
    window = text[max(0, pos - width):pos]
    cut = None
    for cut in _CLAUSE_END.finditer(window):
        pass
    return window[cut.end():] if cut else window


def _cjk_follows(text: str, pos: int, allowed: tuple[str, ...]) -> bool:
    """True when a CJK character that is not the start of one of ``allowed`` follows ``pos``."""
    return pos < len(text) and bool(_CJK_CHAR.match(text[pos])) and not text.startswith(allowed, pos)


def _number(m: re.Match, group: str, g: _Grammar, text: str,
            context: bool = True) -> tuple[Decimal, int, Decimal, bool]:
    """The number of a group → (value, decimals, implied multiplier, is_chinese)."""
    s = m.group(group)
    if s[0].isdigit():
        parsed = _parse_arabic(s)
        if parsed is None:
            raise _Reject
        return parsed[0], parsed[1], Decimal(1), False
    if context:
        if s in g.cn_rejected:
            raise _Reject                 # 〇户
        if text.endswith(g.cn_not_after, 0, m.start(group)):
            raise _Reject                 # 这一户, 统一
    places = _place_values()
    if s in places:
        return Decimal(1), 0, places[s], True     # 近千户, 百分之百: a bare place is one of it
    # 两万 → 2 × 万, 三千万 → 3000 × 万: a trailing section unit is the written multiplier (its scale),
    # unless a larger section comes before it (一亿二千万 is one numeral).
    big = {ch for ch, v in places.items() if v >= _SMALL_UNIT_LIMIT}
    if len(s) > 1 and s[-1] in big and CN_POINT not in s and not any(ch in big for ch in s[:-1]):
        head = _parse_cn(s[:-1])
        if head is not None and head[0] > 0:
            return head[0], head[1], places[s[-1]], True
    parsed = _parse_cn(s)
    if parsed is None:
        raise _Reject
    return parsed[0], parsed[1], Decimal(1), True


def _written_mult(m: re.Match, a: str, b: str) -> tuple[Decimal, str]:
    ma, mb = m.group(a), m.group(b)
    if ma and mb:
        raise _Reject                     # 2万余万
    written = ma or mb or ""
    value = _mult_value(written)
    if value is None:
        raise _Reject
    return value, written


def _quantity(m: re.Match, text: str, g: _Grammar) -> Quantity:
    """Turn a match of the main pattern that is not a bare number (``find_quantities`` drops those) into
    a Quantity, or raise _Reject."""
    unit2, pct, n1 = m.group("unit2", "pct", "n1")
    num_start = m.start("pct") - len("百分之") if pct is not None else m.start("n1")
    if text.endswith(g.not_after, 0, num_start):
        raise _Reject                     # 第3栋, 每100户

    # Approximation before the number, unless it belongs to another word (附近, 最近).
    start, approx = num_start, None
    pre = m.group("pre")
    if pre:
        norm, not_after = g.approx_before[pre]
        if not (not_after and text.endswith(not_after, 0, m.start("pre"))):
            start, approx = m.start("pre"), norm
    end = m.end()
    post = m.group("post")

    if pct is not None:                  # 百分之九十
        value, decimals, mult, _ = _number(m, "pct", g, text, context=False)
        return _make(value * mult, g.percent, approx or (g.approx_after[post] if post else None),
                     decimals, Decimal(1), start, end, text)

    pair = None
    if len(n1) == 2 and all(ch in CN_DIGITS for ch in n1) and not m.group("sep"):
        a, b = (CN_DIGITS[ch] for ch in n1)
        if b != a + 1 or a == 0:
            raise _Reject                 # 二〇 is not a count
        pair = (Decimal(a), Decimal(b))   # 三四个小区: three or four
        value, decimals, implied = pair[0], 0, Decimal(1)
    else:
        value, decimals, implied, _ = _number(m, "n1", g, text)
    mult, written = _written_mult(m, "m1", "m1b")
    mult *= implied
    mid = m.group("a1")

    unit_group = "unit2" if unit2 else "unit"
    form = m.group(unit_group)
    spec = g.units.get(form) if form else None
    unit_end = m.end(unit_group) if form else None

    # Second number of a range.
    rng = None
    if m.group("sep"):
        value2, dec2, implied2, _ = _number(m, "n2", g, text, context=False)
        mult2, _ = _written_mult(m, "m2", "m2b")
        mult2 *= implied2
        if mult == 1 and mult2 != 1:
            mult = mult2                  # 20—30万元: one multiplier for both ends
        rng = (value, value2, mult2)
        decimals = max(decimals, dec2)
        mid = mid or m.group("a2")
    elif pair is not None:
        rng = (pair[0], pair[1], mult)

    if spec is None or spec.type == "ignore":
        # Noun-first communities: 改造小区11个, 小区共11个 (span = number + 个).
        if form in g.noun_first_classifiers:
            if not g.noun_first_before.search(text, max(0, start - 12), start):
                raise _Reject
            if not post and _cjk_follows(text, unit_end, g.noun_first_then):
                raise _Reject             # 小区3个出入口
            spec = g.communities          # 全国改造小区5.3万个 keeps its multiplier
        elif form is None and g.money_mults and (written or (implied != 1)):
            # Bare money after a cue: 总投资1.2亿, 资金8260万.
            last = (written or m.group("n1"))[-1]
            if last not in g.money_mults:
                raise _Reject
            if not g.money_before.search(text, max(0, start - 12), start):
                raise _Reject
            if _cjk_follows(text, m.end(), g.money_then):
                raise _Reject             # 投资惠及2万人
            spec = g.investment
            unit_end = m.end()
        else:
            raise _Reject
    else:
        if not spec.multipliers and mult != 1:
            raise _Reject                 # 3万%, 12万万方
        if spec.strict and not post and _cjk_follows(text, unit_end, spec.then):
            raise _Reject                 # 3座桥, 3套设备
        if spec.needs or spec.not_after:
            before = _clause_before(text, num_start, spec.window)
            if spec.not_after and any(w in before for w in spec.not_after):
                raise _Reject             # 公厕3座, 户均3.5万元
            if spec.needs and not (text.startswith(spec.then, unit_end) or any(w in form for w in spec.needs)
                                   or any(w in before for w in spec.needs)):
                raise _Reject             # 门禁126套: 套 counts homes only next to a housing word
        if spec.reject_next is not None and spec.reject_next.match(text, unit_end):
            raise _Reject                 # 3栋2单元 (an address)

    if n1 in g.idiom_numerals and text.startswith(g.idiom_next, unit_end or m.end()):
        raise _Reject                     # 一户一册, 一栋一策

    if approx is None:
        approx = g.approx_mid.get(mid) if mid else None
    if approx is None and post:
        approx = g.approx_after[post]

    scale = mult * spec.factor
    if rng is not None:
        lo_v, hi_v, mult2 = rng
        wide = _WIDE.multiply
        lo = _clean(wide(wide(lo_v, mult), spec.factor), _WIDE)
        hi = _clean(wide(wide(hi_v, mult2), spec.factor), _WIDE)
        scale = wide(mult2, spec.factor)
        if not lo < hi:
            raise _Reject                 # 3-1栋: an address, not a range
        return Quantity((lo, hi), spec.unit, spec.type, approx, decimals, _clean(scale), start, end, text[start:end])
    return _make(value, spec, approx, decimals, mult, start, end, text)


def _make(value: Decimal, spec: _Unit, approx: str | None, decimals: int, mult: Decimal,
          start: int, end: int, text: str) -> Quantity:
    scale = _WIDE.multiply(mult, spec.factor)
    canonical = _clean(_WIDE.multiply(value, scale), _WIDE)
    return Quantity(canonical, spec.unit, spec.type, approx, decimals, _clean(scale), start, end, text[start:end])


def find_quantities(text: str) -> list[Quantity]:
    """Every figure with a known unit in ``text``, left to right, non-overlapping (never raises).

    >>> [(q.value, q.type, q.approx) for q in find_quantities("已完成9万余户，占比90%以上")]
    [(Decimal('90000'), 'households', '余'), (Decimal('90'), 'percent', '以上')]
    >>> [(q.value, q.unit, q.raw) for q in find_quantities("5到6个小区，投资20—30万元")]
    [((Decimal('5'), Decimal('6')), '个', '5到6个小区'), ((Decimal('20'), Decimal('30')), '万元', '20—30万元')]
    >>> find_quantities("长3.2公里，1号楼，2021年，一是")
    []
    """
    if not isinstance(text, str) or not text:
        return []
    g = _grammar()
    out: list[Quantity] = []
    # Every match is non-empty (a number is required) and the search goes on after it whether it
    # is a figure or not: the whole candidate is skipped (3-1栋 is an address, not "1栋").
    money_mults = g.money_mults
    for m in g.main.finditer(text):
        # most candidates are bare numbers (2021年, table cells, 一是): no unit, multiplier or percent
        unit, unit2, pct, m1, m1b, m2, m2b, n1 = m.group("unit", "unit2", "pct", "m1", "m1b", "m2", "m2b", "n1")
        if unit is None and unit2 is None and pct is None and not (m1 or m1b or m2 or m2b) \
                and n1[-1] not in money_mults:
            continue
        try:
            out.append(_quantity(m, text, g))
        except _Reject:
            pass
        except (InvalidOperation, ArithmeticError, ValueError, IndexError, KeyError, StopIteration):
            pass
    return out


# ---------------------------------------------------------------------------
# find_placeholders
# ---------------------------------------------------------------------------


def find_placeholders(text: str) -> list[tuple[int, int, str]]:
    """Spans of unfilled template figures: marks (X, xx, *, ×, □, _) where digits should be, before a unit.

    >>> find_placeholders("共有老旧小区X个，累计投资XX万元，20__年完工")
    [(6, 8, 'X个'), (13, 17, 'XX万元'), (18, 23, '20__年')]
    >>> find_placeholders("XXXX小区，X街道")
    []
    """
    if not isinstance(text, str) or not text:
        return []
    g = _grammar()
    if not g.placeholder_mark.search(text):
        return []   # the full pattern tries every position; a text without a mark has no placeholder
    return [(m.start(), m.end(), m.group()) for m in g.placeholder.finditer(text)]
