"""Ledgers (台账): read them as governments make them, check them, match names against them.

- ``read_ledger(path)`` → :class:`Ledger`: ``.xlsx`` / ``.xlsm`` (openpyxl), ``.xls`` / ``.et`` (xlrd),
  ``.csv`` / ``.tsv`` (UTF-8 or GBK). Picks the sheet whose header maps the most key fields, finds the
  header block (1–3 rows, merged cells flattened to ``parent/child``), skips the column-number row
  (``甲 乙 1 2 3``), carries the table-level unit line (``单位：万元、万平方米、户、栋``) into every column
  whose header has no unit, converts figures to canonical units (area m², money 万元, households 户,
  buildings 栋), and sorts rows into detail / total / subtotal / breakdown (``其中：``) rows.
- ``check_ledger(ledger)`` → list of :class:`~analyzer.types.Flag`: the ledger's own checks
  (DOMAIN.md §3.2 A): totals vs their detail rows (L01), ``其中`` rows vs their parent (L02), funding
  sources vs total investment (L03), build-year window (L04), per-unit plausibility (L07–L09),
  duplicate communities (L10), date order (L12), completed vs planned investment (L14). Tolerances are
  intervals on the stated precision (DOMAIN.md §3.3), so rounded totals raise no alarm.
- ``match_name(name, ledger, context=None)`` → :class:`Match`: report subject → ledger row.

Column synonyms, units, total labels, placeholders, suffixes and bounds live in
``data/ledger_columns.toml``.

>>> parse_built_year("1990年代"), parse_built_year("八十年代"), parse_built_year("2000年以前")
((1990, 1999), (1980, 1989), (None, 2000))
>>> parse_date_text("2021.6"), parse_date_text("2021年6月底"), parse_date_text("2021-06-30")
('2021-06', '2021-06', '2021-06-30')
>>> name_keys("紡織廠家屬院")
('纺织厂家属院', '纺织厂', '家属院')
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from .errors import AnalyzerError, BadRuleData
from .normalize import load_toml, to_simplified
from .types import Evidence, Flag

__all__ = [
    "Cell", "LedgerRow", "Ledger", "Match", "LedgerFormatError",
    "read_ledger", "check_ledger", "match_name", "name_keys",
    "parse_built_year", "parse_date_text", "FUZZY_THRESHOLD", "AMBIGUITY_MARGIN",
]

logger = logging.getLogger(__name__)

DATA_FILE = "ledger_columns.toml"
HEADER_SCAN_ROWS = 40      # the header must start within the first 40 rows of a sheet
MAX_HEADER_ROWS = 3
MAX_ROW_WARNINGS = 30      # per kind of cell warning; the rest are counted, not listed


class LedgerFormatError(AnalyzerError):
    """A ledger file that cannot be used: unreadable, unsupported, or without its key columns.

    ``message`` is a Chinese sentence for the user naming what is missing and what was recognised.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------
# Result types
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Cell:
    """One ledger cell: its text as shown, and its value in the field's canonical unit.

    value: ``Decimal`` (numbers, in m² / 万元 / 户 / 栋 / 个), ``(lo, hi)`` year range (built_year; either
    end may be None), ISO partial date ``str`` (dates), ``str`` (text, or a number cell holding words
    such as "全部开工"), ``None`` (empty, ``—``, ``/``, placeholders such as ``X``).
    decimals / scale: digits after the point as written and the factor written unit → canonical unit:
    the rounding half-width is ``0.5 · 10^-decimals · scale`` (DOMAIN.md §3.3).
    """

    raw: str
    value: Decimal | tuple | str | None
    approx: bool = False
    decimals: int = 0
    scale: Decimal = Decimal(1)
    placeholder: bool = False
    exact: bool = False  # a count written in full ("35305" 户): no rounding half-width

    @property
    def number(self) -> Decimal | None:
        return self.value if isinstance(self.value, Decimal) else None

    def halfwidth(self) -> Decimal:
        """Half-width of the value's interval: rounding of the written precision, widened by 约."""
        if not isinstance(self.value, Decimal):
            return Decimal(0)
        if self.exact and not self.approx:
            return Decimal(0)
        hw = Decimal(5).scaleb(-self.decimals - 1) * self.scale
        if self.approx:
            hw = max(hw, abs(self.value) * _spec().approx_share)
        return hw

    def interval(self) -> tuple[Decimal, Decimal] | None:
        if not isinstance(self.value, Decimal):
            return None
        hw = self.halfwidth()
        return self.value - hw, self.value + hw


@dataclass(slots=True)
class LedgerRow:
    """One data row. ``row`` is the 1-based spreadsheet row (the line number for .csv).

    kind: "detail" | "total" | "subtotal" | "breakdown". parent: for a detail row, the row of the
    innermost total/subtotal that sums it; for a breakdown row (``其中：``), the row it breaks down; for
    a subtotal, the total above it.
    """

    row: int
    name: str | None
    fields: dict[str, Cell]
    kind: str = "detail"
    parent: int | None = None

    def cell(self, name: str) -> Cell | None:
        return self.fields.get(name)

    def number(self, name: str) -> Decimal | None:
        c = self.fields.get(name)
        return c.number if c else None

    def text(self, name: str) -> str | None:
        c = self.fields.get(name)
        if c is None or c.value is None:
            return None
        return c.value if isinstance(c.value, str) else c.raw


@dataclass
class Ledger:
    """A ledger as read: where the table is, how its columns map, and its rows.

    mapping: canonical field → header text as written (merged levels joined by ``/``).
    units: numeric field → the written unit its figures were read in (``万平方米``, ``万元``, ``户`` …).
    rows: detail and breakdown rows in sheet order (use :meth:`details` for detail rows only).
    totals: total and subtotal rows. groups: total/subtotal row → the detail rows it sums.
    """

    path: str
    sheet: str
    header_rows: list[int]
    mapping: dict[str, str]
    units: dict[str, str]
    rows: list[LedgerRow]
    totals: list[LedgerRow]
    warnings: list[str]
    name_field: str | None = None
    columns: dict[str, int] = field(default_factory=dict)        # field → 1-based column
    column_number_row: int | None = None
    unmapped: list[str] = field(default_factory=list)
    groups: dict[int, list[int]] = field(default_factory=dict)
    encoding: str | None = None
    _index: Any = field(default=None, repr=False, compare=False)

    def details(self) -> list[LedgerRow]:
        return [r for r in self.rows if r.kind == "detail"]

    def row(self, number: int) -> LedgerRow | None:
        for r in self.rows + self.totals:
            if r.row == number:
                return r
        return None

    def header_label(self, name: str) -> str:
        """The column's own header (its last level), for messages."""
        text = self.mapping.get(name)
        if not text:
            return _field_label(name)
        leaf = text.split("/")[-1]
        base, unit = _split_unit(_nfkc(leaf))
        return base if unit and base else leaf

    def summary(self) -> str:
        """A Chinese description of what was read (for the CLI and logs)."""
        lines = [f"台账：{Path(self.path).name}（工作表“{self.sheet}”，表头在第"
                 f"{'、'.join(map(str, self.header_rows))}行）"]
        lines.append("列对应：" + "；".join(
            f"{self.mapping[f]} → {f}" + (f"（{self.units[f]}）" if f in self.units else "")
            for f in self.mapping))
        if self.unmapped:
            lines.append("未识别的列：" + "、".join(self.unmapped))
        lines.append(f"明细行 {len(self.details())} 行，合计/小计行 {len(self.totals)} 行，"
                     f"“其中”行 {sum(1 for r in self.rows if r.kind == 'breakdown')} 行")
        lines.extend(f"提示：{w}" for w in self.warnings)
        return "\n".join(lines)


@dataclass(slots=True)
class Match:
    """Result of :func:`match_name`.

    status: "exact" (same name after normalisation, or differing only by a generic suffix such as 小区),
    "fuzzy" (similar enough, see FUZZY_THRESHOLD), "ambiguous" (two or more rows fit about equally
    well and the context does not decide: ``row`` is None, see ``candidates``), "none".
    candidates: the best rows with their scores (0–1), best first.
    """

    row: LedgerRow | None
    score: float
    status: str
    candidates: list[tuple[LedgerRow, float]] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Language data
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Field:
    code: str
    type: str
    dim: str | None
    key: int


@dataclass(slots=True)
class _Dim:
    name: str
    canonical: str
    base: str
    default: str
    units: dict[str, Decimal]


@dataclass
class _Spec:
    fields: dict[str, _Field]
    synonyms: dict[str, str]                 # normalised synonym → field
    contains: list[tuple[str, str]]          # (synonym, field), synonyms of 3+ chars, longest first
    context_rules: list[tuple[list[str], dict[str, str]]]
    name_fields: list[str]
    measure_fields: list[str]
    location_fields: list[str]
    dims: dict[str, _Dim]
    unit_forms: dict[str, tuple[str, Decimal]]  # NFKC unit form → (dim, factor)
    multipliers: dict[str, Decimal]
    unit_re: re.Pattern
    unit_line_re: re.Pattern
    number_re: re.Pattern
    total_res: list[re.Pattern]
    subtotal_res: list[re.Pattern]
    breakdown_prefixes: list[str]
    enumerator_re: re.Pattern
    footer_prefixes: list[str]
    colnum_tokens: set[str]
    empty_values: set[str]
    placeholder_values: set[str]
    approx_share: Decimal
    project_suffixes: list[str]
    generic_suffixes: list[str]
    specific_suffixes: list[str]
    single_char_not_after: set[str]
    location_suffixes: list[str]
    bounds: dict[str, dict[str, tuple[Decimal, Decimal]]]
    policy: dict[str, Any]


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def _alt(forms: Iterable[str]) -> str:
    return "|".join(re.escape(f) for f in sorted(set(forms), key=lambda f: (-len(f), f)))


def _norm_text(s: str) -> str:
    """NFKC, simplified, no whitespace: the form header texts and labels are compared in."""
    return re.sub(r"\s+", "", to_simplified(_nfkc(s)))


def _dec(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise BadRuleData(f"{DATA_FILE}: {where}: {value!r} is not a decimal") from exc


def _compile(pattern: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise BadRuleData(f"{DATA_FILE}: {where}: {pattern!r}: {exc}") from exc


@lru_cache(maxsize=1)
def _spec() -> _Spec:
    data = load_toml(DATA_FILE)
    try:
        dims: dict[str, _Dim] = {}
        unit_forms: dict[str, tuple[str, Decimal]] = {}
        for name, d in data["dims"].items():
            units = {_nfkc(k): _dec(v, f"dims.{name}.units.{k}") for k, v in d["units"].items()}
            dims[name] = _Dim(name, d["canonical"], _nfkc(d["base"]), _nfkc(d.get("default", "")), units)
            for form, factor in units.items():
                unit_forms.setdefault(form, (name, factor))
        fields: dict[str, _Field] = {}
        synonyms: dict[str, str] = {}
        for i, f in enumerate(data["field"]):
            code = f["code"]
            if f["type"] not in ("int", "dec", "text", "year", "year_range", "date"):
                raise BadRuleData(f"{DATA_FILE}: field[{i}] {code}: unknown type {f['type']!r}")
            dim = f.get("dim")
            if dim is not None and dim not in dims:
                raise BadRuleData(f"{DATA_FILE}: field[{i}] {code}: unknown dim {dim!r}")
            fields[code] = _Field(code, f["type"], dim, int(f.get("key", 1)))
        unit_re_src = _alt(unit_forms)
        for f in data["field"]:
            for syn in f["synonyms"]:
                base, _ = _split_unit(_norm_text(syn), unit_re_src)
                other = synonyms.setdefault(base, f["code"])
                if other != f["code"]:
                    raise BadRuleData(f"{DATA_FILE}: synonym {syn!r} is given for both {other} and {f['code']}")
        contains = sorted(((s, c) for s, c in synonyms.items() if len(s) >= 3),
                          key=lambda sc: (-len(sc[0]), sc[0]))
        rules = []
        for i, r in enumerate(data.get("context_rule", [])):
            leaves = {_norm_text(k): v for k, v in r["leaves"].items()}
            for v in leaves.values():
                if v not in fields:
                    raise BadRuleData(f"{DATA_FILE}: context_rule[{i}]: unknown field {v!r}")
            rules.append(([_norm_text(p) for p in r["parent"]], leaves))
        for key in ("name_fields", "measure_fields", "location_fields"):
            for code in data[key]:
                if code not in fields:
                    raise BadRuleData(f"{DATA_FILE}: {key}: unknown field {code!r}")
        multipliers = {k: _dec(v, f"multipliers.{k}") for k, v in data["multipliers"].items()}
        lay = data["layout"]
        seps = _alt(_nfkc(s) for s in lay["unit_line_separators"])
        words = _alt(_nfkc(w) for w in lay["unit_line_words"])
        not_after = "".join(f"(?<!{re.escape(_nfkc(w))})" for w in lay["unit_line_not_after"])
        unit_line_re = _compile(
            rf"{not_after}(?:{words})[:：]?\s*((?:{unit_re_src})(?:\s*(?:{seps})\s*(?:{unit_re_src}))*)",
            "layout.unit_line")
        approx_before = _alt(_nfkc(a) for a in lay["approx_before"])
        approx_after = _alt(_nfkc(a) for a in lay["approx_after"])
        mult = _alt(multipliers)
        number_re = _compile(
            rf"""^(?P<pre>{approx_before})?
                 (?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+))
                 (?P<mid>余|多)?
                 (?P<mult>{mult})?
                 (?P<mid2>余|多)?
                 (?P<unit>{unit_re_src})?
                 (?P<post>{approx_after})?$""".replace("\n", "").replace(" ", ""),
            "number pattern")
        names = data["names"]
        bounds = {}
        for k, b in data["bounds"].items():
            bounds[k] = {level: (_dec(v[0], f"bounds.{k}"), _dec(v[1], f"bounds.{k}"))
                         for level, v in b.items()}
        return _Spec(
            fields=fields, synonyms=synonyms, contains=contains, context_rules=rules,
            name_fields=list(data["name_fields"]), measure_fields=list(data["measure_fields"]),
            location_fields=list(data["location_fields"]), dims=dims, unit_forms=unit_forms,
            multipliers=multipliers, unit_re=_compile(unit_re_src, "units"), unit_line_re=unit_line_re,
            number_re=number_re,
            total_res=[_compile(p, "layout.total_patterns") for p in lay["total_patterns"]],
            subtotal_res=[_compile(p, "layout.subtotal_patterns") for p in lay["subtotal_patterns"]],
            breakdown_prefixes=sorted((_nfkc(p) for p in lay["breakdown_prefixes"]), key=len, reverse=True),
            enumerator_re=_compile(lay["enumerator_pattern"], "layout.enumerator_pattern"),
            footer_prefixes=[_nfkc(p) for p in lay["footer_prefixes"]],
            colnum_tokens=set(lay["column_number_tokens"]),
            empty_values={_nfkc(v).replace(" ", "") for v in lay["empty_values"]},
            placeholder_values={_nfkc(v) for v in lay["placeholder_values"]},
            approx_share=_dec(lay["approx_share"], "layout.approx_share"),
            project_suffixes=sorted(names["project_suffixes"], key=len, reverse=True),
            generic_suffixes=list(names["generic_suffixes"]),
            specific_suffixes=list(names["specific_suffixes"]),
            single_char_not_after=set(names["single_char_not_after"]),
            location_suffixes=sorted(names["location_suffixes"], key=len, reverse=True),
            bounds=bounds, policy=dict(data["policy"]),
        )
    except (KeyError, TypeError) as exc:
        raise BadRuleData(f"{DATA_FILE}: missing or malformed entry: {exc}") from exc


def _split_unit(text: str, unit_re_src: str | None = None) -> tuple[str, str | None]:
    """'建筑面积(万平方米)' → ('建筑面积', '万平方米'); '县(市、区)' stays whole. Input is _norm_text'ed."""
    src = unit_re_src if unit_re_src is not None else _spec().unit_re.pattern
    m = re.search(rf"[(\[【]\s*(?:单位[:：]?)?\s*({src})\s*[)\]】]$", text)
    if m:
        return text[:m.start()], m.group(1)
    m = re.search(rf"(?:/|单位[:：]|[:：])({src})$", text)
    if m and m.start() > 0:
        return text[:m.start()], m.group(1)
    return text, None


@lru_cache(maxsize=None)
def _field_label(code: str) -> str:
    """The field's first synonym, for messages when the ledger has no header for it (and for the labels of
    the outputs)."""
    for syn, f in _spec().synonyms.items():
        if f == code:
            return syn
    return code


# ---------------------------------------------------------------------------
# Cell values
# ---------------------------------------------------------------------------

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _float_dec(value: float | int) -> tuple[Decimal, int]:
    """A spreadsheet number → (Decimal, decimals as stored). 99.38000000000001 → (99.38, 2)."""
    if isinstance(value, int):
        return Decimal(value), 0
    d = Decimal(repr(float(value)))
    if d.as_tuple().exponent < -9:  # binary float noise from a computed cell
        d = d.quantize(Decimal("1e-9"))
    d = d.normalize()
    exp = d.as_tuple().exponent
    if exp >= 0:
        with localcontext() as ctx:
            ctx.prec = 40
            return d.quantize(Decimal(1)), 0
    return d, -exp


def _tidy(d: Decimal) -> Decimal:
    """158200.00 → 158200, 0.30 → 0.3 (same value, no exponent notation)."""
    if d == d.to_integral_value():
        with localcontext() as ctx:
            ctx.prec = 40
            return d.quantize(Decimal(1))
    return d.normalize()


def _plain(d: Decimal) -> str:
    """A Decimal without exponent notation or trailing zeros: 158200.00 → '158200', 3.50 → '3.5'."""
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def _raw_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return _plain(_float_dec(value)[0])
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def _is_number_obj(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_empty(text: str) -> bool:
    return _nfkc(text).replace(" ", "").replace("\u3000", "") in _spec().empty_values


def _is_placeholder(text: str) -> bool:
    return _nfkc(text).strip() in _spec().placeholder_values


def _parse_numeric(value: Any, dim: str | None, col_unit: str | None) -> tuple[Cell, str | None]:
    """A number cell → (Cell, warning or None). ``col_unit``: the column's written unit form."""
    spec = _spec()
    raw = _raw_text(value)
    col_factor = Decimal(1)
    d = spec.dims.get(dim) if dim else None
    if d is not None and col_unit:
        col_factor = d.units.get(col_unit, Decimal(1))
    if value is None or raw == "" or _is_empty(raw):
        return Cell(raw, None, scale=col_factor), None
    if _is_placeholder(raw):
        return Cell(raw, None, scale=col_factor, placeholder=True), None
    if _is_number_obj(value):
        num, decimals = _float_dec(value)
        return Cell(raw, _tidy(num * col_factor), decimals=decimals, scale=col_factor), None
    if isinstance(value, (dt.date, dt.datetime)):
        return Cell(raw, raw), "日期不是数字"
    text = _nfkc(raw).replace(" ", "")
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # 1,234
    m = spec.number_re.match(text)
    if not m:
        return Cell(raw, raw, scale=col_factor), "无法识别为数字"
    num = Decimal(m.group("num"))
    decimals = len(m.group("num").split(".", 1)[1]) if "." in m.group("num") else 0
    approx = bool(m.group("pre") or m.group("mid") or m.group("mid2") or m.group("post"))
    mult = spec.multipliers.get(m.group("mult") or "", Decimal(1))
    unit = m.group("unit")
    warning = None
    if unit:
        udim, ufactor = spec.unit_forms[unit]
        if d is not None and udim != d.name:
            return Cell(raw, raw, scale=col_factor), f"单位“{unit}”与本列不符"
        scale = mult * ufactor
    elif m.group("mult"):
        # A bare multiplier refers to the dimension's base unit: "3.2万" 户 = 32000 户, "1.2亿" = 1.2亿元.
        base = d.units.get(d.base, Decimal(1)) if d is not None else Decimal(1)
        scale = mult * base
    else:
        scale = col_factor
    return Cell(raw, _tidy(num * scale), approx=approx, decimals=decimals, scale=scale), warning


_CN_DECADE = {"五": 1950, "六": 1960, "七": 1970, "八": 1980, "九": 1990}
_YEAR_RANGE_PATTERNS = [
    # 1990年代 / 90年代 / 上世纪80年代初
    (re.compile(r"^(?:上世纪|上个世纪|二十世纪|20世纪)?(\d{2}|\d{4})年代(?:初|中|末|初期|中期|末期|前期|后期)?$"), "decade"),
    (re.compile(r"^(?:上世纪|上个世纪|二十世纪|20世纪)?([五六七八九])十年代(?:初|中|末|初期|中期|末期|前期|后期)?$"), "cn_decade"),
    # 1985-1992 / 1985年—1992年 / 1985至1992
    (re.compile(r"^(\d{4})年?(?:[-—–~～〜]+|至|到)(\d{4})年?$"), "range"),
    # 2000年以前 / 2000年前 / 2000年底以前
    (re.compile(r"^(\d{4})年?(?:底|末)?(?:以前|之前|前|及以前)$"), "before"),
    (re.compile(r"^(\d{4})年?(?:底|末)?(?:以后|之后|后|及以后)$"), "after"),
    # 1992 / 1992年 / 1992年底 / 1992.5 / 1992年5月
    (re.compile(r"^(\d{4})(?:年(?:底|初|末|前后|左右)?)?(?:[.\-/年]\d{1,2}月?(?:[.\-/月]\d{1,2}日?)?)?$"), "single"),
]


def parse_built_year(value: Any) -> tuple[int | None, int | None] | None:
    """A build-year cell → (lo, hi) years, either end None when open; None if not a year.

    >>> parse_built_year(1992), parse_built_year("1985-1992"), parse_built_year("上世纪90年代")
    ((1992, 1992), (1985, 1992), (1990, 1999))
    >>> parse_built_year("2000年以后"), parse_built_year("不详")
    ((2000, None), None)
    """
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.year, value.year
    if _is_number_obj(value):
        y = int(value)
        return (y, y) if 1800 <= y <= 2100 else None
    text = to_simplified(_nfkc(str(value))).replace(" ", "").strip()
    if not text:
        return None
    for pattern, kind in _YEAR_RANGE_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        if kind == "decade":
            y = int(m.group(1))
            y = 1900 + y if y < 100 else y
            return y, y + 9
        if kind == "cn_decade":
            y = _CN_DECADE[m.group(1)]
            return y, y + 9
        if kind == "range":
            a, b = sorted((int(m.group(1)), int(m.group(2))))
            return a, b
        if kind == "before":
            return None, int(m.group(1))
        if kind == "after":
            return int(m.group(1)), None
        y = int(m.group(1))
        return y, y
    m = re.match(r"^([〇○零一二三四五六七八九]{4})年", text)
    if m:
        from .numbers import parse_number

        y = parse_number(m.group(1))
        if y is not None:
            return int(y), int(y)
    return None


_DATE_FULL = re.compile(r"^(\d{4})[年.\-/](\d{1,2})[月.\-/](\d{1,2})日?$")
_DATE_MONTH = re.compile(r"^(\d{4})[年.\-/](\d{1,2})月?(?:份|底|末|初|中旬|上旬|下旬|中)?(?:前|以前|之前)?$")
_DATE_YEAR = re.compile(r"^(\d{4})年?(?:底|末|初|内|年底前|上半年|下半年|第[一二三四1-4]季度)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _valid_date(y: int, m: int, d: int | None = None) -> bool:
    if not (1900 <= y <= 2100 and 1 <= m <= 12):
        return False
    if d is None:
        return True
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return True


def parse_date_text(text: str) -> str | None:
    """Text date → ISO partial ('2021', '2021-06', '2021-06-30'); None if not a date.

    >>> parse_date_text("2021年6月30日"), parse_date_text("2021/6/3"), parse_date_text("2021年底")
    ('2021-06-30', '2021-06-03', '2021')
    >>> parse_date_text("20210630"), parse_date_text("2021.13"), parse_date_text("已完工")
    ('2021-06-30', None, None)
    """
    t = to_simplified(_nfkc(str(text))).replace(" ", "").strip()
    for pattern in (_DATE_FULL, _DATE_COMPACT):
        m = pattern.match(t)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            return f"{y:04d}-{mo:02d}-{d:02d}" if _valid_date(y, mo, d) else None
    m = _DATE_MONTH.match(t)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        return f"{y:04d}-{mo:02d}" if _valid_date(y, mo) else None
    m = _DATE_YEAR.match(t)
    if m and 1900 <= int(m.group(1)) <= 2100:
        return m.group(1)
    return None


def _parse_date(value: Any) -> tuple[str | None, str | None]:
    """A date cell → (ISO partial date or None, warning or None)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), None
    if isinstance(value, dt.date):
        return value.isoformat(), None
    if _is_number_obj(value):
        if isinstance(value, float) and 1900 < value < 2101 and value != int(value):
            # Typed "2021.6" and stored by Excel as the number 2021.6. "2021.10" is stored as 2021.1.
            text = repr(value)
            y, frac = text.split(".", 1)
            mo = int(frac)
            if _valid_date(int(y), mo):
                warn = (f"“{text}”按{y}年{mo}月理解（若原意为{y}年10月，请把单元格设为文本）"
                        if frac == "1" else None)
                return f"{int(y):04d}-{mo:02d}", warn
            return None, None
        number = int(value)
        if 1900 <= number <= 2100:
            return str(number), None
        if 20000 <= value <= 80000:  # an Excel serial date without a date format
            return (_EXCEL_EPOCH + dt.timedelta(days=float(value))).date().isoformat(), None
        return None, None
    return parse_date_text(str(value)), None


def _parse_year(value: Any) -> Decimal | None:
    if _is_number_obj(value):
        y = int(value)
        return Decimal(y) if 1900 <= y <= 2100 else None
    m = re.match(r"^(\d{4})(?:年度?|年)?(?:批次?)?$", _nfkc(str(value)).strip())
    return Decimal(m.group(1)) if m else None


def _make_cell(value: Any, spec_field: _Field, col_unit: str | None) -> tuple[Cell, str | None]:
    raw = _raw_text(value)
    t = spec_field.type
    if t in ("int", "dec"):
        cell, warn = _parse_numeric(value, spec_field.dim, col_unit)
        # DOMAIN.md §3.3: integers written in full are exact — counts (户, 栋, 个) without 万 or 约.
        if t == "int" and cell.number is not None and cell.scale == 1 and cell.decimals == 0:
            cell.exact = True
        return cell, warn
    if raw == "" or (_is_empty(raw) and t != "text") or raw in ("—", "/", "——"):
        return Cell(raw, None), None
    if _is_placeholder(raw):
        return Cell(raw, None, placeholder=True), None
    if t == "year_range":
        yr = parse_built_year(value)
        return (Cell(raw, yr), None) if yr else (Cell(raw, raw), "无法识别为年份")
    if t == "date":
        iso, warn = _parse_date(value)
        return (Cell(raw, iso), warn) if iso else (Cell(raw, raw), warn or "无法识别为日期")
    if t == "year":
        y = _parse_year(value)
        return (Cell(raw, y), None) if y is not None else (Cell(raw, raw), None)
    text = re.sub(r"\s+", " ", raw).strip()
    return Cell(raw, text), None


# ---------------------------------------------------------------------------
# Reading the grid
# ---------------------------------------------------------------------------


@dataclass
class _Sheet:
    name: str
    cells: list[list[Any]]
    merges: list[tuple[int, int, int, int]]  # 0-based inclusive r1, c1, r2, c2
    hidden: bool = False
    _owner: dict[tuple[int, int], tuple[int, int]] | None = None

    def value(self, r: int, c: int) -> Any:
        if r < len(self.cells) and c < len(self.cells[r]):
            return self.cells[r][c]
        return None

    def owner(self, r: int, c: int) -> tuple[int, int]:
        """The top-left cell of the merged range (r, c) lies in, or (r, c)."""
        if self._owner is None:
            self._owner = {}
            for r1, c1, r2, c2 in self.merges:
                if (r2 - r1 + 1) * (c2 - c1 + 1) > 200_000:
                    continue
                for rr in range(r1, r2 + 1):
                    for cc in range(c1, c2 + 1):
                        self._owner[(rr, cc)] = (r1, c1)
        return self._owner.get((r, c), (r, c))

    def hspan(self, r: int, c: int) -> int:
        """Width of the merged range whose top-left is (r, c); 1 if none."""
        for r1, c1, r2, c2 in self.merges:
            if r1 == r and c1 == c:
                return c2 - c1 + 1
        return 1

    @property
    def width(self) -> int:
        return max((len(r) for r in self.cells), default=0)


def _read_xlsx(path: Path) -> list[_Sheet]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException …
        raise LedgerFormatError(f"无法读取台账文件“{path.name}”：{type(exc).__name__}（文件可能已损坏，"
                                f"或不是 Excel 2007 及以上格式；请用 Excel/WPS 打开后另存为 .xlsx）") from exc
    sheets = []
    for ws in wb.worksheets:
        cells = [[c.value for c in row] for row in ws.iter_rows()]
        merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        sheets.append(_Sheet(ws.title, cells, merges, hidden=ws.sheet_state != "visible"))
    return sheets


def _read_xls(path: Path) -> list[_Sheet]:
    import xlrd

    try:
        try:
            book = xlrd.open_workbook(str(path), formatting_info=True)
        except NotImplementedError:
            book = xlrd.open_workbook(str(path))
    except Exception as exc:  # xlrd.XLRDError, struct errors, CompDocError …
        hint = "WPS 表格（.et）" if path.suffix.lower() == ".et" else "Excel 97-2003（.xls）"
        raise LedgerFormatError(f"无法读取台账文件“{path.name}”：{exc}（不是可读的{hint}文件；"
                                f"请用 Excel/WPS 打开后另存为 .xlsx）") from exc
    sheets = []
    for sh in book.sheets():
        cells = []
        for r in range(sh.nrows):
            row = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                        row.append(cell.value)
                elif cell.ctype == xlrd.XL_CELL_NUMBER:
                    v = cell.value
                    row.append(int(v) if v == int(v) and abs(v) < 1e15 else v)
                elif cell.ctype == xlrd.XL_CELL_TEXT:
                    row.append(cell.value)
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    row.append(bool(cell.value))
                else:
                    row.append(None)
            cells.append(row)
        merges = [(r1, c1, r2 - 1, c2 - 1) for r1, r2, c1, c2 in getattr(sh, "merged_cells", [])]
        sheets.append(_Sheet(sh.name, cells, merges, hidden=bool(getattr(sh, "visibility", 0))))
    return sheets


def _decode(data: bytes) -> tuple[str, str]:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc), ("utf-8" if enc == "utf-8-sig" else "gbk")
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise LedgerFormatError("无法识别台账 CSV 文件的编码（既不是 UTF-8 也不是 GBK）；请另存为 UTF-8 编码。")
    return str(best), best.encoding


def _read_csv(path: Path) -> tuple[list[_Sheet], str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LedgerFormatError(f"无法读取台账文件“{path.name}”：{exc.strerror or exc}") from exc
    text, encoding = _decode(data)
    sample = text[:8192]
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        pass
    rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    cells = [[(v if v.strip() != "" else None) for v in r] for r in rows]
    return [_Sheet(path.stem, cells, [])], encoding


# ---------------------------------------------------------------------------
# Header detection and column mapping
# ---------------------------------------------------------------------------


def _header_parts_norm(parts: list[str]) -> tuple[list[str], str | None]:
    """Normalised header levels and the column's unit (the lowest level that states one)."""
    spec = _spec()
    bases, unit = [], None
    for p in parts:
        t = _norm_text(p)
        for prefix in spec.breakdown_prefixes:
            if t.startswith(prefix) and len(t) > len(prefix):
                t = t[len(prefix):]
                break
        t = t.rstrip(":：")
        base, u = _split_unit(t)
        bases.append(base)
        if u:
            unit = u
    return bases, unit


_GENERIC_LEAVES = {"合计", "小计", "总计", "总数", "计", "总量", "数量"}


def _match_field(parts: list[str]) -> tuple[str | None, str, str | None]:
    """Header levels → (field or None, how: 'exact' | 'contains' | '', unit written in the header)."""
    spec = _spec()
    bases, unit = _header_parts_norm(parts)
    bases = [b for b in bases if b]
    if not bases:
        return None, "", unit
    leaf, parents = bases[-1], bases[:-1]
    for words, leaves in spec.context_rules:
        if leaf in leaves and any(w in p for p in parents for w in words):
            return leaves[leaf], "exact", unit
    candidates = ["/".join(bases)]
    if len(bases) >= 2:
        candidates.append("".join(bases[-2:]))
    if len(bases) >= 3:
        candidates.append("".join(bases[-3:]))
    candidates.append(leaf)
    for cand in candidates:
        if cand in spec.synonyms:
            return spec.synonyms[cand], "exact", unit
    if leaf in _GENERIC_LEAVES and parents:
        f, how, _ = _match_field(parts[:-1])
        if f:
            return f, how, unit
    for text in (leaf, "".join(bases[-2:])):
        for syn, f in spec.contains:
            if syn in text:
                return f, "contains", unit
    return None, "", unit


def _cell_text(sheet: _Sheet, r: int, c: int, merged: bool = True) -> str:
    if merged:
        r, c = sheet.owner(r, c)
    return _raw_text(sheet.value(r, c))


def _row_texts(sheet: _Sheet, r: int) -> list[str]:
    return [_raw_text(v) for v in (sheet.cells[r] if r < len(sheet.cells) else [])]


def _is_unit_line(text: str) -> bool:
    return bool(_spec().unit_line_re.search(_nfkc(text)))


def _total_kind(label: str) -> str | None:
    """'全市小计' → 'subtotal', '合 计' → 'total', '建设路小区' → None."""
    spec = _spec()
    t = _norm_text(label).rstrip(":：")
    t = re.sub(r"[(（][^()（）]*[)）]$", "", t)
    if not t or len(t) > 16:
        return None
    if any(p.match(t) for p in spec.subtotal_res):
        return "subtotal"
    if any(p.match(t) for p in spec.total_res):
        return "total"
    return None


def _is_footer(text: str) -> bool:
    t = _nfkc(text).replace(" ", "").replace("\u3000", "")
    return any(t.startswith(p) for p in _spec().footer_prefixes)


def _row_has_number(sheet: _Sheet, r: int) -> bool:
    for v in (sheet.cells[r] if r < len(sheet.cells) else []):
        if _is_number_obj(v) or isinstance(v, (dt.date, dt.datetime)):
            return True
        if isinstance(v, str) and re.fullmatch(r"\s*[-+]?\d+(?:\.\d+)?\s*", v):
            return True
    return False


def _header_like(sheet: _Sheet, r: int) -> bool:
    texts = [t for t in _row_texts(sheet, r) if t]
    merged_texts = [_cell_text(sheet, r, c) for c in range(sheet.width)]
    if not any(merged_texts):
        return False
    if _row_has_number(sheet, r):
        return False
    joined = " ".join(texts)
    if _is_unit_line(joined) or any(_is_footer(t) for t in texts[:1]):
        return False
    if any(re.match(r"^(?:填报|填表|制表|报送|附件|附表)", _nfkc(t)) for t in texts):
        return False
    return True  # ("小计"/"合计" may be a column header under 资金来源: a total row has figures)


def _row_hits(sheet: _Sheet, r: int) -> int:
    """How many cells of row r name a known field on their own."""
    seen = set()
    for c in range(sheet.width):
        if sheet.owner(r, c) != (r, c):  # a merged cell counts once, in its own row
            continue
        t = _raw_text(sheet.value(r, c))
        if not t:
            continue
        f, how, _ = _match_field([t])
        if f and how == "exact":
            seen.add((c, f))
    return len(seen)


def _is_colnum_row(sheet: _Sheet, r: int) -> bool:
    """'甲 乙 丙 1 2 3 …' or '栏次 1 2 3' directly under the header."""
    if r >= len(sheet.cells):
        return False
    spec = _spec()
    values = [v for v in sheet.cells[r] if v is not None and _raw_text(v) != ""]
    if len(values) < 3:
        return False
    ints = []
    for v in values:
        t = _nfkc(_raw_text(v)).strip("()（） ")
        if t in spec.colnum_tokens:
            continue
        if re.fullmatch(r"\d{1,3}", t):
            ints.append(int(t))
            continue
        return False
    return len(ints) < 2 or all(b - a == 1 for a, b in zip(ints, ints[1:]))


def _flatten(sheet: _Sheet, block: list[int], width: int) -> list[list[str]]:
    """Per column, the header texts of the block from top to bottom (merged cells filled)."""
    grid = [[_cell_text(sheet, r, c) for c in range(width)] for r in block]
    has_merges = any(r1 in block or r2 in block for r1, _, r2, _ in sheet.merges)
    if not has_merges and len(block) > 1:
        # CSV or an unmerged export: a group name stands in its first column only; fill it to the right
        # over the columns whose lower row has a sub-header (建设规模,, / 楼栋数,户数,建筑面积).
        for i in range(len(block) - 1):
            for c in range(1, width):
                if not grid[i][c] and grid[i][c - 1] and grid[i + 1][c] and grid[i + 1][c - 1]:
                    grid[i][c] = grid[i][c - 1]
    columns = []
    for c in range(width):
        parts: list[str] = []
        for i in range(len(block)):
            t = grid[i][c]
            if t and (not parts or parts[-1] != t):
                parts.append(t)
        columns.append(parts)
    return columns


@dataclass
class _Layout:
    sheet: _Sheet
    block: list[int]
    colnum_row: int | None
    columns: dict[str, int]            # field → 0-based column
    headers: dict[str, str]            # field → header text (levels joined by /)
    header_units: dict[str, str]       # field → unit written in its header
    unmapped: list[str]
    warnings: list[str]
    score: int


def _find_layout(sheet: _Sheet) -> _Layout | None:
    n = min(len(sheet.cells), HEADER_SCAN_ROWS)
    if n == 0:
        return None
    hits = [_row_hits(sheet, r) for r in range(n)]
    best = max(range(n), key=lambda r: (hits[r], -r))
    if hits[best] < 2:
        return None
    block = [best]
    r = best - 1
    while r >= 0 and len(block) < MAX_HEADER_ROWS and _header_like(sheet, r):
        nonempty = sum(1 for c in range(sheet.width) if _cell_text(sheet, r, c, merged=False))
        spans = any(sheet.hspan(r, c) > 1 and sheet.hspan(r, c) < sheet.width for c in range(sheet.width))
        if nonempty < 2 and not spans:
            break
        block.insert(0, r)
        r -= 1
    r = best + 1
    while r < len(sheet.cells) and len(block) < MAX_HEADER_ROWS and _header_like(sheet, r) \
            and not _is_colnum_row(sheet, r):
        # A lower header level: its cells sit under a group header, or name fields themselves.
        upper = block[-1]
        under_group = any(
            _cell_text(sheet, r, c, merged=False)
            and (sheet.hspan(*sheet.owner(upper, c)) > 1 or
                 (not _cell_text(sheet, upper, c) and c > 0 and _cell_text(sheet, upper, c - 1)))
            for c in range(sheet.width))
        row_hits = hits[r] if r < n else 0
        if not under_group and row_hits < 2:
            break
        block.append(r)
        r += 1
    colnum = block[-1] + 1 if _is_colnum_row(sheet, block[-1] + 1) else None

    width = sheet.width
    flat = _flatten(sheet, block, width)
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    units: dict[str, str] = {}
    how_of: dict[str, str] = {}
    unmapped: list[str] = []
    warnings: list[str] = []
    for c, parts in enumerate(flat):
        if not parts:
            continue
        text = "/".join(re.sub(r"\s+", "", p) for p in parts)
        f, how, unit = _match_field(parts)
        if f is None:
            unmapped.append(text)
            continue
        if f in columns:
            if how_of[f] == "contains" and how == "exact":  # an exact header beats a containing one
                unmapped.append(headers[f])
                units.pop(f, None)
            else:
                warnings.append(f"列“{text}”与列“{headers[f]}”都对应字段 {f}，已采用“{headers[f]}”")
                unmapped.append(text)
                continue
        columns[f], headers[f], how_of[f] = c, text, how
        if unit:
            units[f] = unit
    spec = _spec()
    score = sum(spec.fields[f].key for f in columns)
    return _Layout(sheet, block, colnum, columns, headers, units, unmapped, warnings, score)


def _table_units(sheet: _Sheet, layout: _Layout) -> dict[str, str]:
    """dim → unit from a unit line above the data (``单位：万元、万平方米、户、栋``)."""
    spec = _spec()
    found: dict[str, str] = {}
    top = layout.block[0]
    texts = []
    for r in range(0, top):
        texts.extend(t for t in _row_texts(sheet, r) if t)
    for r in layout.block:  # a unit note in an unmapped header cell ("（单位：万元）" at the far right)
        for c, t in enumerate(_row_texts(sheet, r)):
            if t and c not in layout.columns.values():
                texts.append(t)
    for t in texts:
        for m in spec.unit_line_re.finditer(_nfkc(t)):
            for u in spec.unit_re.findall(m.group(1)):
                dim = spec.unit_forms[u][0]
                found.setdefault(dim, u)
    return found


# ---------------------------------------------------------------------------
# read_ledger
# ---------------------------------------------------------------------------


def read_ledger(path: str | Path) -> Ledger:
    """Read a ledger file (.xlsx/.xlsm/.xls/.et/.csv/.tsv) into a :class:`Ledger`.

    Raises :class:`LedgerFormatError` (Chinese message) when the file cannot be read or has no column
    that can name a row (小区名称, 项目名称, or for aggregate tables 县(市、区) / 街道).

    Example::

        ledger = read_ledger("台账.xlsx")
        ledger.mapping["households"]      # '建设规模/户数'
        ledger.units["building_area"]     # '万平方米' (from the 单位： line)
        ledger.details()[0].number("building_area")  # Decimal('158200') m²
    """
    p = Path(path)
    if not p.exists():
        raise LedgerFormatError(f"找不到台账文件“{p}”。")
    suffix = p.suffix.lower()
    encoding = None
    if suffix in (".xlsx", ".xlsm"):
        sheets = _read_xlsx(p)
    elif suffix in (".xls", ".et"):
        sheets = _read_xls(p)
    elif suffix in (".csv", ".tsv", ".txt"):
        sheets, encoding = _read_csv(p)
    else:
        raise LedgerFormatError(f"不支持的台账格式“{p.suffix or p.name}”：请提供 .xlsx、.xls 或 .csv 文件。")

    layouts = [lay for lay in (_find_layout(s) for s in sheets if s.cells) if lay is not None]
    if not layouts:
        raise LedgerFormatError(
            f"台账“{p.name}”中找不到表头：前{HEADER_SCAN_ROWS}行内没有可识别的列名"
            f"（如“小区名称”“户数”“建筑面积”“总投资”）。请确认这是台账表格，或把列名改成常用写法。")
    spec = _spec()
    layouts.sort(key=lambda lay: (lay.sheet.hidden, -lay.score))
    layout = layouts[0]
    name_field = next((f for f in spec.name_fields if f in layout.columns), None)
    if name_field is None:
        recognised = "、".join(f"“{layout.headers[f]}”（{f}）" for f in layout.columns) or "无"
        raise LedgerFormatError(
            f"台账“{p.name}”（工作表“{layout.sheet.name}”）中找不到小区名称列"
            f"（也没有“项目名称”“街道”“县（市、区）”等可作为行名称的列），无法按小区核对。"
            f"已识别的列：{recognised}。"
            + (f"未识别的列：{'、'.join(layout.unmapped)}。" if layout.unmapped else "")
            + "请把小区名称所在列的表头写成“小区名称”或“项目名称”。")
    return _build_ledger(p, layout, name_field, encoding)


def _column_units(layout: _Layout, table_units: dict[str, str], warnings: list[str]) -> dict[str, str]:
    spec = _spec()
    units: dict[str, str] = {}
    # A money column without a unit takes the unit another money column of the same table states.
    stated_money = next((layout.header_units[f] for f in layout.columns
                         if spec.fields[f].dim == "money" and f in layout.header_units
                         and spec.unit_forms.get(layout.header_units[f], ("",))[0] == "money"), None)
    stated_from = next((layout.headers[f] for f in layout.columns
                        if spec.fields[f].dim == "money" and layout.header_units.get(f) == stated_money), None)
    for f in layout.columns:
        fld = spec.fields[f]
        if fld.dim is None:
            continue
        dim = spec.dims[fld.dim]
        u = layout.header_units.get(f)
        if u and spec.unit_forms.get(u, ("",))[0] != fld.dim:
            warnings.append(f"列“{layout.headers[f]}”表头单位“{u}”与字段不符，已忽略")
            u = None
        if not u:
            u = table_units.get(fld.dim)
        if not u and fld.dim == "money" and stated_money:
            u = stated_money
            warnings.append(f"列“{layout.headers[f]}”未注明单位，按同表“{stated_from}”的{u}计")
        if not u and dim.default:
            u = dim.default
            if fld.dim == "money":
                warnings.append(f"列“{layout.headers[f]}”未注明单位，按{u}计")
        if u:
            units[f] = _UNIT_DISPLAY.get(u, u)
    return units


# Unit forms as NFKC leaves them → as a clerk writes them (same factor in data/ledger_columns.toml).
_UNIT_DISPLAY = {"m2": "平方米", "万m2": "万平方米"}


def _infer_area_unit(layout: _Layout, rows: list[tuple[int, dict[str, Any]]], field_name: str) -> str:
    """Neither header nor unit line gives the area unit: decide from m² per household."""
    hh_col = layout.columns.get("households")
    ratios = []
    for _, values in rows:
        a, h = values.get(field_name), values.get("households")
        if _is_number_obj(a) and _is_number_obj(h) and h and hh_col is not None:
            ratios.append(a / h)
    if not ratios:
        return "平方米"
    ratios.sort()
    median = ratios[len(ratios) // 2]
    return "万平方米" if median < 1 else "平方米"


def _label_columns(layout: _Layout) -> list[int]:
    """Columns where a row label (合计, 其中：…) may stand: seq, names, locations, unmapped text columns."""
    spec = _spec()
    cols = set()
    for f in ["seq", *spec.name_fields, "project_id"]:
        if f in layout.columns:
            cols.add(layout.columns[f])
    numeric = [c for f, c in layout.columns.items() if spec.fields[f].dim is not None]
    first_numeric = min(numeric) if numeric else layout.sheet.width
    mapped = set(layout.columns.values())
    cols.update(c for c in range(first_numeric) if c not in mapped)
    return sorted(cols)


def _strip_label(name: str) -> tuple[str, bool]:
    """'其中：1.历下区' → ('历下区', True); '（2）市中区' → ('市中区', False)."""
    spec = _spec()
    t = name.strip()
    had = False
    n = _nfkc(t)
    for prefix in spec.breakdown_prefixes:
        if n.startswith(prefix):
            t = _nfkc(t)[len(prefix):].lstrip(" ：:")
            had = True
            break
    t = spec.enumerator_re.sub("", t, count=1).strip()
    return t, had


def _build_ledger(path: Path, layout: _Layout, name_field: str, encoding: str | None) -> Ledger:
    spec = _spec()
    sheet = layout.sheet
    warnings = list(layout.warnings)
    table_units = _table_units(sheet, layout)
    units = _column_units(layout, table_units, warnings)
    start = (layout.colnum_row if layout.colnum_row is not None else layout.block[-1]) + 1

    # Raw values of the data region, with vertical merges filled for text fields.
    text_cols = {c for f, c in layout.columns.items() if spec.fields[f].type == "text"}
    raw_rows: list[tuple[int, dict[str, Any], list[str]]] = []
    label_cols = _label_columns(layout)
    for r in range(start, len(sheet.cells)):
        values: dict[str, Any] = {}
        for f, c in layout.columns.items():
            orow, ocol = sheet.owner(r, c)
            if (orow, ocol) != (r, c):
                # merged: take the owner's value only for text fields merged down a column inside the data
                if ocol == c and orow >= start and c in text_cols:
                    values[f] = sheet.value(orow, ocol)
                continue
            values[f] = sheet.value(r, c)
        labels = []
        for c in label_cols:
            orow, ocol = sheet.owner(r, c)
            if orow == r:
                t = _raw_text(sheet.value(orow, ocol))
                if t:
                    labels.append(t)
        texts = [t for t in _row_texts(sheet, r) if t]
        if texts and _is_footer(texts[0]):
            break
        if not texts and not any(v is not None for v in values.values()):
            continue
        raw_rows.append((r, values, labels))

    for f in layout.columns:
        if spec.fields[f].dim == "area" and f not in units:
            units[f] = _infer_area_unit(layout, [(r, v) for r, v, _ in raw_rows], f)
            warnings.append(f"列“{layout.headers[f]}”未注明单位，按户均面积推断为{units[f]}")

    cell_warnings: dict[str, list[str]] = defaultdict(list)
    items: list[LedgerRow] = []
    previous: LedgerRow | None = None
    seq_col = layout.columns.get("seq")
    has_measures = any(f in layout.columns for f in spec.measure_fields)
    for r, values, labels in raw_rows:
        cells: dict[str, Cell] = {}
        pending: list[tuple[str, str]] = []
        for f, v in values.items():
            if v is None or _raw_text(v) == "":
                continue
            cell, warn = _make_cell(v, spec.fields[f], units.get(f))
            cells[f] = cell
            if warn:
                failed = isinstance(cell.value, str) and cell.value == cell.raw
                pending.append((f, f"第{r + 1}行“{cell.raw}”{warn}" if failed else f"!第{r + 1}行{warn}"))
        kind = None
        label = None
        for t in labels:
            k = _total_kind(t)
            if k:
                kind, label = k, re.sub(r"\s+", "", t)
                break
        has_number = any(c.number is not None for f, c in cells.items() if spec.fields[f].dim)
        name = None
        if kind is None:
            for f in [name_field] + [x for x in spec.name_fields if x != name_field]:
                c = cells.get(f)
                if c is not None and isinstance(c.value, str) and c.value:
                    name = c.value
                    break
            starts_breakdown = any(_strip_label(t)[1] for t in labels)
            heading = False
            if name is not None:
                heading = bool(_GROUP_HEADING.match(_nfkc(name)))
                name, had = _strip_label(name)
                starts_breakdown = starts_breakdown or had
                name = re.sub(r"\s+", "", name) if re.search(r"[\u4e00-\u9fff]", name) else name
            others = [f for f in cells if f not in ("seq", "remarks", *spec.name_fields)]
            if not has_number and (name is None or heading or (has_measures and not others)):
                continue  # a blank row, or a group heading such as "一、东城区" / "2022年项目"
            if starts_breakdown and previous is not None and previous.kind in ("detail", "breakdown"):
                kind = "breakdown"
            elif (previous is not None and previous.kind == "breakdown" and seq_col is not None
                  and "seq" not in cells and _root(items, previous).cell("seq") is not None):
                # "其中：1号楼" then "2号楼": rows without a 序号 under a numbered row continue the breakdown
                kind = "breakdown"
            else:
                kind = "detail"
        for f, msg in pending:
            if kind in ("total", "subtotal") and spec.fields[f].dim is None:
                continue  # the label 合计 in the 序号 column, 共35个小区 in the name column
            cell_warnings[f].append(msg)
        row = LedgerRow(row=r + 1, name=label if kind in ("total", "subtotal") else name,
                        fields=cells, kind=kind)
        if kind == "breakdown" and previous is not None:
            row.parent = _root(items, previous).row
        items.append(row)
        previous = row

    _fill_down(items, [f for f in ("province", "city", "county") if f in layout.columns and f != name_field])
    groups = _assign_groups(items)
    for f, msgs in cell_warnings.items():
        notes = [m[1:] for m in msgs if m.startswith("!")]
        fails = [m for m in msgs if not m.startswith("!")]
        if fails:
            head = f"列“{layout.headers[f]}”有{len(fails)}个单元格未能识别：" + "；".join(fails[:5])
            warnings.append(head + ("……" if len(fails) > 5 else ""))
        if notes:
            warnings.append(f"列“{layout.headers[f]}”：" + "；".join(notes[:5]) + ("……" if len(notes) > 5 else ""))
    if not any(f in layout.columns for f in spec.measure_fields):
        warnings.append("台账中没有户数、建筑面积、楼栋数、总投资等数量列，只能核对名称、年份和日期")
    if not any(r.kind == "detail" for r in items):
        warnings.append("表头以下没有读到明细行")

    mapping = dict(layout.headers)
    return Ledger(
        path=str(path), sheet=sheet.name, header_rows=[b + 1 for b in layout.block],
        mapping=mapping, units={f: u for f, u in units.items() if f in layout.columns},
        rows=[x for x in items if x.kind in ("detail", "breakdown")],
        totals=[x for x in items if x.kind in ("total", "subtotal")],
        warnings=warnings, name_field=name_field,
        columns={f: c + 1 for f, c in layout.columns.items()},
        column_number_row=layout.colnum_row + 1 if layout.colnum_row is not None else None,
        unmapped=list(layout.unmapped), groups=groups, encoding=encoding,
    )


def _fill_down(items: list[LedgerRow], fields: list[str]) -> None:
    """A district written once over its rows, unmerged, with blanks below: carry it down.

    Only for the grouping columns (province, city, county), never across a total/subtotal row.
    """
    last: dict[str, Cell] = {}
    for it in items:
        if it.kind in ("total", "subtotal"):
            last.clear()
            continue
        for f in fields:
            c = it.fields.get(f)
            if c is not None and c.value is not None:
                last[f] = c
            elif f in last and it.kind == "detail":
                it.fields[f] = Cell(raw="", value=last[f].value)


_GROUP_HEADING = re.compile(r"^[一二三四五六七八九十]{1,3}[、.]")


def _root(items: list[LedgerRow], row: LedgerRow) -> LedgerRow:
    """The detail row a breakdown row (or chain of them) belongs to."""
    while row.kind == "breakdown" and row.parent is not None:
        parent = next((x for x in items if x.row == row.parent), None)
        if parent is None:
            break
        row = parent
    return row


def _assign_groups(items: list[LedgerRow]) -> dict[int, list[int]]:
    """Which detail rows each total/subtotal sums, and every row's parent.

    A total/subtotal that comes before any detail row of its kind's first occurrence heads its group
    (Shandong style: 全市小计 first, then its components); otherwise it closes the group above it.
    """
    groups: dict[int, list[int]] = {}
    for kind in ("total", "subtotal"):
        idxs = [i for i, it in enumerate(items) if it.kind == kind]
        if not idxs:
            continue
        heads = not any(items[j].kind == "detail" for j in range(idxs[0]))
        for k, i in enumerate(idxs):
            if heads:
                span = range(i + 1, idxs[k + 1] if k + 1 < len(idxs) else len(items))
            else:
                span = range(idxs[k - 1] + 1 if k else 0, i)
            groups[items[i].row] = [items[j].row for j in span if items[j].kind == "detail"]
    by_row = {it.row: it for it in items}
    for total_row, members in groups.items():
        if by_row[total_row].kind != "total":
            continue
        for m in members:
            if by_row[m].parent is None:
                by_row[m].parent = total_row
        for sub_row, sub_members in groups.items():
            if by_row[sub_row].kind == "subtotal" and sub_members and set(sub_members) <= set(members):
                by_row[sub_row].parent = total_row
    for sub_row, members in groups.items():
        if by_row[sub_row].kind == "subtotal":
            for m in members:
                by_row[m].parent = sub_row
    return groups


# ---------------------------------------------------------------------------
# check_ledger
# ---------------------------------------------------------------------------

FUND_SOURCES = ["fund_central_mof", "fund_central_ndrc", "fund_central", "fund_provincial", "fund_local",
                "fund_bond", "fund_residents", "fund_utilities", "fund_social", "fund_original_owner",
                "fund_maintenance", "fund_other"]


def _fmt_num(d: Decimal) -> str:
    if d == d.to_integral_value():
        return f"{d.quantize(Decimal(1)):,}"
    q = d.normalize()
    if q.as_tuple().exponent < -6:
        q = q.quantize(Decimal("1e-6")).normalize()
    return f"{q:,f}"


class _Ctx:
    """Formatting helpers bound to one ledger, and the checks asked for (``wanted``)."""

    def __init__(self, ledger: Ledger, wanted: frozenset[str] = frozenset()):
        self.ledger = ledger
        self.wanted = wanted
        self.file = Path(ledger.path).name
        self.spec = _spec()

    def unit(self, f: str) -> str:
        u = self.ledger.units.get(f)
        if u:
            return u
        dim = self.spec.fields[f].dim
        return _UNIT_DISPLAY.get(self.spec.dims[dim].canonical, self.spec.dims[dim].canonical) if dim else ""

    def factor(self, f: str) -> Decimal:
        dim = self.spec.fields[f].dim
        if not dim:
            return Decimal(1)
        return self.spec.dims[dim].units.get(self.unit(f), Decimal(1))

    def show(self, f: str, value: Decimal) -> str:
        """A canonical value in the column's written unit: 994000 m² → '99.4万平方米'."""
        return f"{_fmt_num(value / self.factor(f))}{self.unit(f)}"

    def label(self, f: str) -> str:
        return self.ledger.header_label(f)

    def who(self, row: LedgerRow) -> str:
        return f"第{row.row}行“{row.name}”" if row.name else f"第{row.row}行"

    def evidence(self, row: LedgerRow, fields: Iterable[str]) -> Evidence:
        parts = [f"{self.label(f)} {row.fields[f].raw}" for f in fields if f in row.fields]
        raw = f"第{row.row}行" + (f"“{row.name}”" if row.name else "") + ("：" + "，".join(parts) if parts else "")
        return Evidence(file=self.file, report=0, raw=raw, start=0, end=0, page=None)

    def flag(self, kind: str, severity: str, f: str | None, message: str, row: LedgerRow | None,
             evidence_rows: Iterable[tuple[LedgerRow, Iterable[str]]] = ()) -> Flag:
        return Flag(kind=kind, severity=severity, field=f, message=message,
                    evidence=[self.evidence(r, fs) for r, fs in evidence_rows],
                    ledger_row={"row": row.row, "name": row.name} if row is not None else None)


def _rows_text(rows: list[int]) -> str:
    """[8, 9, 10, 12] → '第8—10、12行'."""
    if not rows:
        return ""
    runs, start, prev = [], rows[0], rows[0]
    for n in rows[1:]:
        if n == prev + 1:
            prev = n
            continue
        runs.append((start, prev))
        start = prev = n
    runs.append((start, prev))
    parts = [f"{a}" if a == b else f"{a}—{b}" for a, b in runs]
    if len(parts) > 6:
        parts = parts[:6] + ["…"]
    return "第" + "、".join(parts) + "行"


def _numeric_fields(ledger: Ledger) -> list[str]:
    spec = _spec()
    return [f for f in ledger.mapping if spec.fields[f].dim is not None]


def check_ledger(ledger: Ledger, checks: Iterable[str] | None = None) -> list[Flag]:
    """The ledger's own checks (DOMAIN.md §3.2 A) → flags with Chinese messages.

    ``checks``: a subset of ALL_CHECKS ("L01" totals, "L02" 其中 rows, "L03" funding split, "L04" build
    year window, "L05" share of the extended window, "L06" types outside the programme, "L07"–"L09"
    per-unit plausibility, "L10" duplicates, "L12" date order, "L13" status against investment and dates,
    "L14" completed vs planned investment, "L15" cost stages, "L16" central budget money on the building
    body, "L19" residents' share, "L20" money paid out vs received); default all, run in the order of
    ``_CHECKS``. Every flag carries ``ledger_row`` = {"row", "name"} of the row it is about (None for a
    flag about the whole ledger: L05, and L19 over many rows), and evidence entries whose ``file`` is the
    ledger, ``report`` 0 and ``raw`` the cells.
    """
    wanted = ALL_CHECKS if checks is None else frozenset(checks)
    ctx = _Ctx(ledger, wanted)
    flags: list[Flag] = []
    for codes, run in _CHECKS:
        if wanted & codes:
            flags += run(ctx)
    return flags


def _sum_cells(cells: list[Cell]) -> tuple[Decimal, Decimal]:
    total = sum((c.number for c in cells), Decimal(0))
    tol = sum((c.halfwidth() for c in cells), Decimal(0))
    return total, tol


def _check_totals(ctx: _Ctx) -> list[Flag]:
    """L01: every total/subtotal row equals the sum of its detail rows, column by column."""
    ledger = ctx.ledger
    by_row = {r.row: r for r in ledger.rows}
    flags = []
    for t in ledger.totals:
        members = [by_row[n] for n in ledger.groups.get(t.row, []) if n in by_row]
        if not members:
            continue
        for f in _numeric_fields(ledger):
            tc = t.cell(f)
            if tc is None or tc.number is None:
                continue
            cells = [m.cell(f) for m in members]
            known = [c for c in cells if c is not None and c.number is not None]
            if not known:
                continue
            s, tol = _sum_cells(known)
            tol += tc.halfwidth()
            diff = tc.number - s
            if abs(diff) <= tol:
                continue
            where = _rows_text([m.row for m in members])
            label = ctx.label(f)
            msg = (f"{ctx.who(t)}的{label}为{ctx.show(f, tc.number)}，{where}明细之和为{ctx.show(f, s)}，"
                   f"{'多' if diff > 0 else '少'}{ctx.show(f, abs(diff))}")
            if tol:
                msg += f"（按填写精度允许误差±{ctx.show(f, tol)}）"
            msg += "。请核对合计行或明细行。"
            flags.append(ctx.flag("breakdown_sum", "error", f, msg, t,
                                  [(t, [f])] + [(m, [f]) for m in members[:3]]))
        flags += _check_total_counts(ctx, t, members)
    return flags


def _check_total_counts(ctx: _Ctx, t: LedgerRow, members: list[LedgerRow]) -> list[Flag]:
    """Counts written as text in a total row: '共35个小区' (= its detail rows), '已完工27个' (= status)."""
    flags = []
    for f, c in t.fields.items():
        if not isinstance(c.value, str):
            continue
        text = _norm_text(c.value)
        m = re.fullmatch(r"共(?:计)?(\d+)(?:个|项)(?:小区|项目)?", text)
        if m and ctx.ledger.name_field in ("community_name", "project_name"):
            n = int(m.group(1))
            if n != len(members):
                flags.append(ctx.flag(
                    "breakdown_sum", "warning", ctx.ledger.name_field,
                    f"{ctx.who(t)}写“{c.raw}”，但{_rows_text([x.row for x in members])}共有{len(members)}行明细，"
                    f"相差{abs(n - len(members))}个。", t, [(t, [f])]))
            continue
        m = re.fullmatch(r"(\D{1,6}?)(\d+)(?:个|项)", text)
        if m and f == "status":
            word, n = m.group(1), int(m.group(2))
            statuses = [_norm_text(x.text("status") or "") for x in members]
            if word in statuses:
                k = statuses.count(word)
                if k != n:
                    flags.append(ctx.flag(
                        "breakdown_sum", "warning", "status",
                        f"{ctx.who(t)}写“{c.raw}”，但明细中进展为“{word}”的有{k}行，相差{abs(n - k)}个。",
                        t, [(t, [f])]))
    return flags


def _check_breakdowns(ctx: _Ctx) -> list[Flag]:
    """L02: the 其中 rows of a row never add up to more than that row."""
    ledger = ctx.ledger
    children: dict[int, list[LedgerRow]] = defaultdict(list)
    for r in ledger.rows:
        if r.kind == "breakdown" and r.parent is not None:
            children[r.parent].append(r)
    by_row = {r.row: r for r in ledger.rows}
    flags = []
    for parent_row, kids in children.items():
        p = by_row.get(parent_row)
        if p is None:
            continue
        for f in _numeric_fields(ledger):
            pc = p.cell(f)
            known = [k.cell(f) for k in kids if k.cell(f) is not None and k.cell(f).number is not None]
            if pc is None or pc.number is None or not known:
                continue
            s, tol = _sum_cells(known)
            tol += pc.halfwidth()
            if s - pc.number > tol:
                flags.append(ctx.flag(
                    "part_exceeds_whole", "error", f,
                    f"{ctx.who(p)}的{ctx.label(f)}为{ctx.show(f, pc.number)}，其下“其中”行"
                    f"（{_rows_text([k.row for k in kids])}）合计{ctx.show(f, s)}，"
                    f"超出{ctx.show(f, s - pc.number)}。分项不应大于总数。", p,
                    [(p, [f])] + [(k, [f]) for k in kids[:3]]))
    return flags


def _check_funding(ctx: _Ctx) -> list[Flag]:
    """L03: funding sources add up to the total investment (and to the sources' own 小计 column)."""
    ledger = ctx.ledger
    sources = [f for f in FUND_SOURCES if f in ledger.mapping]
    if not sources:
        return []
    wholes = [w for w in ("fund_subtotal", "investment_total") if w in ledger.mapping]
    if not wholes:
        return []
    rows = ledger.details() + [t for t in ledger.totals if not ledger.groups.get(t.row)]
    flags = []
    for row in rows:
        parts = [row.cell(f) for f in sources]
        known = [(f, c) for f, c in zip(sources, parts) if c is not None and c.number is not None]
        if not known:
            continue
        s, tol_parts = _sum_cells([c for _, c in known])
        for whole in wholes:
            wc = row.cell(whole)
            if wc is None or wc.number is None:
                continue
            tol = max(tol_parts + wc.halfwidth(), abs(wc.number) * Decimal("0.001"))
            diff = s - wc.number
            if abs(diff) <= tol:
                break  # checked against the nearest whole; 小计 vs 总投资 is checked below
            terms = "+".join(f"{ctx.label(f)}{_fmt_num(c.number / ctx.factor(f))}" for f, c in known)
            what = "资金来源小计" if whole == "fund_subtotal" else "总投资"
            if diff > 0:
                flags.append(ctx.flag(
                    "part_exceeds_whole", "error", whole,
                    f"{ctx.who(row)}资金来源合计{ctx.show(whole, s)}（{terms}），超过{what}"
                    f"{ctx.show(whole, wc.number)}，多出{ctx.show(whole, diff)}。请核对各项资金或{what}。",
                    row, [(row, [f for f, _ in known] + [whole])]))
            else:
                flags.append(ctx.flag(
                    "breakdown_sum", "warning", whole,
                    f"{ctx.who(row)}资金来源合计{ctx.show(whole, s)}（{terms}），比{what}"
                    f"{ctx.show(whole, wc.number)}少{ctx.show(whole, -diff)}。"
                    f"请补全资金来源或核对{what}。", row, [(row, [f for f, _ in known] + [whole])]))
            break
        if len(wholes) == 2:
            sc, tc = row.cell("fund_subtotal"), row.cell("investment_total")
            if sc is not None and tc is not None and sc.number is not None and tc.number is not None:
                tol = max(sc.halfwidth() + tc.halfwidth(), abs(tc.number) * Decimal("0.001"))
                if abs(sc.number - tc.number) > tol:
                    flags.append(ctx.flag(
                        "part_exceeds_whole" if sc.number > tc.number else "breakdown_sum",
                        "error" if sc.number > tc.number else "warning", "investment_total",
                        f"{ctx.who(row)}资金来源小计{ctx.show('fund_subtotal', sc.number)}与总投资"
                        f"{ctx.show('investment_total', tc.number)}不一致，相差"
                        f"{ctx.show('investment_total', abs(sc.number - tc.number))}。",
                        row, [(row, ["fund_subtotal", "investment_total"])]))
    return flags


def _check_build_year(ctx: _Ctx) -> list[Flag]:
    """L04: built by the policy cutoff (2000); 2001–2005 only in the extended window; not after the plan year."""
    ledger = ctx.ledger
    if "built_year" not in ledger.mapping:
        return []
    policy = ctx.spec.policy
    cutoff, extended = int(policy["cutoff_year"]), int(policy["extended_year"])
    words = policy.get("extended_remark_words", [])
    flags = []
    for row in ledger.details():
        c = row.cell("built_year")
        if c is None or not isinstance(c.value, tuple):
            continue
        lo, hi = c.value
        year = hi if hi is not None else lo  # DOMAIN.md L04: a range counts by its later end
        if year is None:
            continue
        plan = row.number("plan_year")
        if plan is not None and year >= int(plan) and (lo is None or lo >= int(plan)):
            flags.append(ctx.flag(
                "policy_build_year", "error", "built_year",
                f"{ctx.who(row)}建成年份“{c.raw}”不早于改造年度{int(plan)}年，不可能已是老旧小区。",
                row, [(row, ["built_year", "plan_year"])]))
            continue
        if lo is not None and lo > extended:
            flags.append(ctx.flag(
                "policy_build_year", "error", "built_year",
                f"{ctx.who(row)}建成年份为“{c.raw}”，晚于{extended}年，超出城镇老旧小区改造范围"
                f"（{cutoff}年底前建成，部分地区放宽至{extended}年底前）。请核实建成年份或是否应纳入。",
                row, [(row, ["built_year"])]))
        elif year > cutoff and (lo is None or lo > cutoff):
            remark = (row.text("remarks") or "")
            noted = any(w in remark for w in words)
            flags.append(ctx.flag(
                "policy_build_year", "info" if noted else "warning", "built_year",
                f"{ctx.who(row)}建成年份为“{c.raw}”，属{cutoff + 1}—{extended}年建成的扩展范围小区"
                + ("（备注已说明）" if noted else "，请确认本省是否允许纳入并在备注中说明") + "。",
                row, [(row, ["built_year", "remarks"])]))
    return flags


def _ratio(num: Cell, den: Cell, factor: Decimal = Decimal(1)) -> tuple[Decimal, Decimal, Decimal] | None:
    """(value, lo, hi) of num/den × factor over the two intervals; None when den can be 0."""
    ni, di = num.interval(), den.interval()
    if ni is None or di is None or di[0] <= 0 or num.number is None or den.number in (None, 0):
        return None
    return (num.number / den.number * factor, max(ni[0], Decimal(0)) / di[1] * factor, ni[1] / di[0] * factor)


def _check_plausibility(ctx: _Ctx) -> list[Flag]:
    """L07 m²/户, L08 户/栋, L09 元/m² and 万元/户 (those of them in ``ctx.wanted``), on every detail row,
    with interval edges."""
    ledger, wanted = ctx.ledger, ctx.wanted
    bounds = ctx.spec.bounds
    tests = []
    if "L07" in wanted:
        tests.append(("building_area", "households", Decimal(1), "area_per_household", "户均建筑面积", "平方米/户"))
    if "L08" in wanted:
        tests.append(("households", "n_buildings", Decimal(1), "households_per_building", "栋均户数", "户/栋"))
    if "L09" in wanted:
        tests.append(("investment_total", "building_area", Decimal(10000), "cost_per_m2", "单位面积投资", "元/平方米"))
        tests.append(("investment_total", "households", Decimal(1), "cost_per_household", "户均投资", "万元/户"))
    flags = []
    for num_f, den_f, factor, bkey, what, unit in tests:
        if num_f not in ledger.mapping or den_f not in ledger.mapping:
            continue
        b = bounds[bkey]
        found: list[tuple[LedgerRow, Decimal, str, str | None]] = []
        for row in ledger.details():
            nc, dc = row.cell(num_f), row.cell(den_f)
            if nc is None or dc is None:
                continue
            r = _ratio(nc, dc, factor)
            if r is None:
                continue
            value, lo, hi = r
            severity = None
            for level, sev in (("hard", "error"), ("soft", "warning")):
                if level in b and (hi < b[level][0] or lo > b[level][1]):
                    severity = sev
                    break
            if severity is None:
                continue
            hint = _unit_hint(num_f, den_f, value, b, ctx)
            found.append((row, value, severity, hint))
        # One column-level flag when most rows are off by the same 10⁴ (a wrong unit for the column).
        eligible = sum(1 for row in ledger.details() if row.cell(num_f) and row.cell(den_f))
        same_hint = [x for x in found if x[3] and x[2] == "error"]
        if eligible >= 3 and len(same_hint) >= 0.8 * eligible:
            col = "building_area" if "building_area" in (num_f, den_f) else num_f
            flags.append(ctx.flag(
                "plausibility", "error", col,
                f"“{ctx.label(col)}”列按{ctx.unit(col)}计时，{len(same_hint)}/{eligible}行的"
                f"{what}都不合理（如{ctx.who(same_hint[0][0])}为{_fmt_num(_round_sig(same_hint[0][1]))}{unit}），"
                f"{same_hint[0][3]}。请核对该列的计量单位。", None,
                [(x[0], [num_f, den_f]) for x in same_hint[:3]]))
            found = [x for x in found if not (x[3] and x[2] == "error")]
        for row, value, severity, hint in found:
            lo_b, hi_b = b["soft"]
            msg = (f"{ctx.who(row)}{what}为{_fmt_num(_round_sig(value))}{unit}"
                   f"（{ctx.label(num_f)}{row.cell(num_f).raw}{'' if _has_unit(row.cell(num_f).raw) else ctx.unit(num_f)}÷"
                   f"{ctx.label(den_f)}{row.cell(den_f).raw}{'' if _has_unit(row.cell(den_f).raw) else ctx.unit(den_f)}），"
                   f"超出常见范围{_fmt_num(lo_b)}—{_fmt_num(hi_b)}{unit}")
            msg += f"，{hint}。" if hint else "，请核实。"
            flags.append(ctx.flag("plausibility", severity, num_f, msg, row, [(row, [num_f, den_f])]))
    return flags


def _has_unit(raw: str) -> bool:
    return bool(re.search(r"[^\d.,\s约近余多左右以上]", raw))


def _round_sig(d: Decimal, digits: int = 4) -> Decimal:
    """Round to a few significant digits for messages: 0.0131885 → 0.01319, 131.885 → 131.9."""
    if d == 0:
        return d
    exp = d.adjusted()
    q = Decimal(1).scaleb(exp - digits + 1)
    return d.quantize(q) if exp - digits + 1 < 0 else d.quantize(Decimal(1))


def _unit_hint(num_f: str, den_f: str, value: Decimal, b: dict, ctx: _Ctx) -> str | None:
    """If ×10⁴ or ÷10⁴ brings the ratio into the usual range, name the likely unit slip."""
    lo, hi = b["soft"]
    for k in (Decimal(10000), Decimal("0.0001")):
        v = value * k
        if not lo <= v <= hi:
            continue
        shown = _fmt_num(_round_sig(v))
        if (num_f, den_f) == ("building_area", "households"):
            if k > 1:
                return f"疑似漏写“万”（若为万平方米，户均为{shown}平方米）"
            return f"疑似把平方米当成了万平方米（若为平方米，户均为{shown}平方米）"
        if den_f == "building_area":
            return f"疑似金额或面积单位有误（元/万元、平方米/万平方米；差一万倍时为{shown}元/平方米）"
        if num_f == "investment_total":
            return f"疑似元与万元混用（差一万倍时为{shown}万元/户）"
        return None
    return None


def _check_duplicates(ctx: _Ctx) -> list[Flag]:
    """L10: the same community twice (same normalised name in the same county)."""
    ledger = ctx.ledger
    if ledger.name_field not in ("community_name", "project_name"):
        return []
    by_key1: dict[tuple[str, str], list[LedgerRow]] = defaultdict(list)
    by_key2: dict[tuple[str, str], list[LedgerRow]] = defaultdict(list)
    for row in ledger.details():
        if not row.name:
            continue
        k1, k2, _ = name_keys(row.name)
        county = _loc_key(row.text("county") or "")
        by_key1[(k1, county)].append(row)
        by_key2[(k2, county)].append(row)
    flags = []
    reported: set[int] = set()
    for (_, _), rows in by_key1.items():
        if len(rows) < 2:
            continue
        first = rows[0]
        ids = [r.text("building_ids") for r in rows]
        same_buildings = len(ids) != len(set(ids)) and all(ids)
        years = [r.text("plan_year") or (r.text("start_plan") or "")[:4] for r in rows]
        desc = "、".join(f"第{r.row}行" + (f"（{y}年）" if y else "") for r, y in zip(rows, years))
        severity = "error" if same_buildings else "warning"
        msg = (f"“{first.name}”在台账中出现{len(rows)}次：{desc}"
               + ("，且改造楼栋号相同" if same_buildings else "")
               + "。疑似重复申报或重复改造，请核实是否为同一小区。")
        flags.append(ctx.flag("intra_doc_conflict", severity, ledger.name_field, msg, first,
                              [(r, ["county", "street", "households"]) for r in rows[:4]]))
        reported.update(r.row for r in rows)
    for (k2, _), rows in by_key2.items():
        rows = [r for r in rows if r.row not in reported]
        names = {r.name for r in rows}
        if len(rows) < 2 or len(names) < 2:
            continue
        msg = (f"{'、'.join(f'第{r.row}行“{r.name}”' for r in rows)}名称仅后缀不同，"
               f"请确认是同一单位的不同院落还是重复登记。")
        flags.append(ctx.flag("intra_doc_conflict", "info", ledger.name_field, msg, rows[0],
                              [(r, ["county", "street", "households"]) for r in rows[:4]]))
    return flags


def _date_key(iso: str) -> tuple[int, ...]:
    return tuple(int(x) for x in iso.split("-"))


def _check_dates(ctx: _Ctx) -> list[Flag]:
    """L12: start ≤ finish (plan and actual), compared at the precision both dates have."""
    pairs = [("start_plan", "finish_plan"), ("start_actual", "finish_actual"), ("start_actual", "acceptance_date"),
             ("finish_actual", "acceptance_date")]
    flags = []
    for row in ctx.ledger.details():
        for a, b in pairs:
            ca, cb = row.cell(a), row.cell(b)
            if ca is None or cb is None or not isinstance(ca.value, str) or not isinstance(cb.value, str):
                continue
            if not re.match(r"^\d{4}(?:-\d{2}){0,2}$", ca.value) or not re.match(r"^\d{4}(?:-\d{2}){0,2}$", cb.value):
                continue
            ka, kb = _date_key(ca.value), _date_key(cb.value)
            n = min(len(ka), len(kb))
            if ka[:n] > kb[:n]:
                flags.append(ctx.flag(
                    "date_order", "error", a,
                    f"{ctx.who(row)}{ctx.label(a)}“{ca.raw}”晚于{ctx.label(b)}“{cb.raw}”，时间顺序矛盾。",
                    row, [(row, [a, b])]))
    return flags


def _numbered_rows(ctx: _Ctx, *fields: str) -> Iterator[tuple[LedgerRow, list[Cell]]]:
    """The detail rows with a figure in each of ``fields`` (none when the ledger lacks one of the columns),
    with those cells."""
    if any(f not in ctx.ledger.mapping for f in fields):
        return
    for row in ctx.ledger.details():
        cells = [row.cell(f) for f in fields]
        if all(c is not None and c.number is not None for c in cells):
            yield row, cells


def _check_progress(ctx: _Ctx) -> list[Flag]:
    """L14: completed investment ≤ planned; 100–110% info, over 110% warning."""
    flags = []
    for row, (dc, tc) in _numbered_rows(ctx, "invest_done_cum", "investment_total"):
        if not tc.number:
            continue
        excess = dc.number - tc.number
        if excess <= dc.halfwidth() + tc.halfwidth():
            continue
        share = dc.number / tc.number * 100
        severity = "warning" if share > 110 else "info"
        flags.append(ctx.flag(
            "progress_exceeds_plan", severity, "invest_done_cum",
            f"{ctx.who(row)}{ctx.label('invest_done_cum')}{ctx.show('invest_done_cum', dc.number)}超过"
            f"{ctx.label('investment_total')}{ctx.show('investment_total', tc.number)}（{_fmt_num(_round_sig(share))}%）"
            + ("，疑似超概算，请核实是否履行调整审批。" if severity == "warning" else "。"),
            row, [(row, ["invest_done_cum", "investment_total"])]))
    return flags


def _check_extended_share(ctx: _Ctx) -> list[Flag]:
    """L05: the households of communities built in the extended window (2001–2005, classified as L04 does)
    stay within the quota (``extended_share_max`` of all households with a build year): one flag for the
    ledger."""
    ledger = ctx.ledger
    if "built_year" not in ledger.mapping or "households" not in ledger.mapping:
        return []
    policy = ctx.spec.policy
    cutoff, extended = int(policy["cutoff_year"]), int(policy["extended_year"])
    quota = Decimal(str(policy["extended_share_max"]))
    total = band = Decimal(0)
    band_rows: list[LedgerRow] = []
    for row in ledger.details():
        c, hh = row.cell("built_year"), row.number("households")
        if c is None or not isinstance(c.value, tuple) or hh is None:
            continue
        lo, hi = c.value
        year = hi if hi is not None else lo
        if year is None:
            continue
        total += hh
        if cutoff < year <= extended and (lo is None or lo > cutoff):
            band += hh
            band_rows.append(row)
    if not band or not total or band / total <= quota:
        return []
    share = band / total * 100
    return [ctx.flag(
        "policy_build_year", "warning", "built_year",
        f"台账中{cutoff + 1}—{extended}年建成的扩展范围小区{len(band_rows)}个（{_rows_text([r.row for r in band_rows])}）"
        f"共{_fmt_num(band)}户，占有建成年份小区总户数{_fmt_num(total)}户的{_fmt_num(_round_sig(share))}%，"
        f"超过{_fmt_num(quota * 100)}%的比例上限（如云南省的规定；比例以本省政策为准），请核实。",
        None, [(r, ["built_year", "households"]) for r in band_rows[:3]])]


def _excluded_word(text: str, words: list[str], policy: dict[str, Any]) -> str | None:
    """The first of ``words`` in ``text`` that is not negated ("非城中村") or a resettlement estate
    ("棚改安置小区")."""
    negations = policy.get("excluded_negations", [])
    exempt = tuple(policy.get("excluded_exempt_after", []))
    for word in words:
        start = text.find(word)
        while start >= 0:
            before = text[max(0, start - 3):start]
            if not any(before.endswith(n) for n in negations) and not text.startswith(exempt, start + len(word)):
                return word
            start = text.find(word, start + 1)
    return None


def _check_scope_types(ctx: _Ctx) -> list[Flag]:
    """L06: a row whose name, property type or remarks say it is a 城中村, self-built housing, shanty-town
    renovation or demolition and rebuilding (or whose property type is commercial or offices) is likely
    outside the programme."""
    ledger = ctx.ledger
    policy = ctx.spec.policy
    words = list(policy.get("excluded_words", []))
    type_words = words + list(policy.get("excluded_type_words", []))
    fields = [f for f in (ledger.name_field, "project_name", "property_type", "remarks")
              if f and f in ledger.mapping]
    fields = list(dict.fromkeys(fields))
    if not fields:
        return []
    flags = []
    for row in ledger.details():
        for f in fields:
            text = row.text(f) if f != ledger.name_field else (row.name or row.text(f))
            if not text:
                continue
            word = _excluded_word(_nfkc(text), type_words if f == "property_type" else words, policy)
            if word:
                what = "名称" if f == ledger.name_field else f"的{ctx.label(f)}“{text}”"
                flags.append(ctx.flag(
                    "policy_build_year", "warning", f,
                    f"{ctx.who(row)}{what}含“{word}”，疑似不属于城镇老旧小区改造对象"
                    f"（城中村、自建房、棚户区改造、拆除重建及非住宅项目不在改造范围内），请核实。",
                    row, [(row, [f])]))
                break
    return flags


def _status_has(status: str, words: list[str]) -> bool:
    return any(w in status for w in words)


def _check_status(ctx: _Ctx) -> list[Flag]:
    """L13: the progress status agrees with the row's own figures: 未开工 with investment completed or an
    actual start/finish date, 已完工 with no investment completed."""
    ledger = ctx.ledger
    if "status" not in ledger.mapping:
        return []
    policy = ctx.spec.policy
    flags = []
    for row in ledger.details():
        status = _nfkc(row.text("status") or "")
        if not status:
            continue
        done = row.cell("invest_done_cum")
        if _status_has(status, policy.get("status_not_started", [])):
            if done is not None and done.number is not None and done.number > done.halfwidth():
                flags.append(ctx.flag(
                    "intra_doc_conflict", "warning", "status",
                    f"{ctx.who(row)}{ctx.label('status')}为“{status}”，但{ctx.label('invest_done_cum')}为"
                    f"{ctx.show('invest_done_cum', done.number)}，进度状态与完成投资矛盾。",
                    row, [(row, ["status", "invest_done_cum"])]))
                continue
            for f in ("start_actual", "finish_actual"):
                c = row.cell(f)
                if c is not None and isinstance(c.value, str) and re.match(r"^\d{4}", c.value):
                    flags.append(ctx.flag(
                        "intra_doc_conflict", "warning", "status",
                        f"{ctx.who(row)}{ctx.label('status')}为“{status}”，但已填{ctx.label(f)}“{c.raw}”，"
                        f"进度状态与日期矛盾。", row, [(row, ["status", f])]))
                    break
        elif _status_has(status, policy.get("status_completed", [])) \
                or status.strip() in policy.get("status_completed_alone", []):
            if done is not None and done.number is not None and done.number == 0:
                flags.append(ctx.flag(
                    "intra_doc_conflict", "warning", "status",
                    f"{ctx.who(row)}{ctx.label('status')}为“{status}”，但{ctx.label('invest_done_cum')}为 0，"
                    f"进度状态与完成投资矛盾。", row, [(row, ["status", "invest_done_cum"])]))
    return flags


# cost stages in the order they come: each is checked against the nearest earlier one the ledger has
COST_STAGES = ("investment_total", "contract_amount", "settlement")


def _check_cost_stages(ctx: _Ctx) -> list[Flag]:
    """L15: a later cost stage (contract, settlement) is not above the one before it by more than
    ``cost_stage_slack`` (结算超合同、超概算)."""
    ledger = ctx.ledger
    stages = [f for f in COST_STAGES if f in ledger.mapping]
    if len(stages) < 2:
        return []
    slack = Decimal(1) + Decimal(str(ctx.spec.policy["cost_stage_slack"]))
    flags = []
    for row in ledger.details():
        known = [(f, row.cell(f)) for f in stages]
        known = [(f, c) for f, c in known if c is not None and c.number is not None and c.number > 0]
        for (early, ec), (late, lc) in zip(known, known[1:]):
            if lc.number - lc.halfwidth() <= (ec.number + ec.halfwidth()) * slack:
                continue
            share = lc.number / ec.number * 100
            flags.append(ctx.flag(
                "progress_exceeds_plan", "warning", late,
                f"{ctx.who(row)}{ctx.label(late)}{ctx.show(late, lc.number)}是{ctx.label(early)}"
                f"{ctx.show(early, ec.number)}的{_fmt_num(_round_sig(share))}%，超出{_fmt_num((slack - 1) * 100)}%以上，"
                f"请核实是否履行了调整审批。", row, [(row, [early, late])]))
    return flags


_WORK_ITEM_SEPARATORS = re.compile(r"[、，,；;/\n]|以及|及|和")


def _check_central_budget(ctx: _Ctx) -> list[Flag]:
    """L16: a row funded by 中央预算内投资 whose 改造内容 lists only building-body works (屋面, 外墙, 楼道 …),
    which that money may not pay for (it funds in-community supporting infrastructure and public services)."""
    ledger = ctx.ledger
    if "fund_central_ndrc" not in ledger.mapping or "content_text" not in ledger.mapping:
        return []
    body = ctx.spec.policy.get("building_body_words", [])
    flags = []
    for row in ledger.details():
        money, content = row.cell("fund_central_ndrc"), row.text("content_text")
        if money is None or not money.number or money.number <= 0 or not content:
            continue
        items = [i.strip() for i in _WORK_ITEM_SEPARATORS.split(_nfkc(content)) if len(i.strip()) >= 2]
        if items and all(any(w in item for w in body) for item in items):
            flags.append(ctx.flag(
                "policy_build_year", "warning", "fund_central_ndrc",
                f"{ctx.who(row)}安排{ctx.label('fund_central_ndrc')}{ctx.show('fund_central_ndrc', money.number)}，"
                f"但{ctx.label('content_text')}“{content}”均为房屋本体改造；中央预算内投资用于小区内配套基础设施和"
                f"公共服务设施，不得用于房屋本体，请核实资金使用范围。",
                row, [(row, ["fund_central_ndrc", "content_text"])]))
    return flags


# L19 names the rows one by one up to this many; more are one flag for the ledger
RESIDENT_SHARE_MAX_ROWS = 5


def _check_resident_share(ctx: _Ctx) -> list[Flag]:
    """L19: residents pay a share of the total investment (共担机制); a share below ``resident_share_min``
    percent, 0 included, is noted (severity info: whether residents must pay is local policy)."""
    least = Decimal(str(ctx.spec.policy["resident_share_min"]))
    low: list[tuple[LedgerRow, Decimal]] = []
    for row, (rc, tc) in _numbered_rows(ctx, "fund_residents", "investment_total"):
        if tc.number <= 0:
            continue
        share = rc.number / tc.number * 100
        if share < least:
            low.append((row, share))
    if len(low) > RESIDENT_SHARE_MAX_ROWS:
        return [ctx.flag(
            "plausibility", "info", "fund_residents",
            f"台账中{len(low)}个小区（{_rows_text([r.row for r, _ in low])}）{ctx.label('fund_residents')}"
            f"不足总投资的{_fmt_num(least)}%，如本地政策要求居民出资，请核实共担机制落实情况。",
            None, [(r, ["fund_residents", "investment_total"]) for r, _ in low[:3]])]
    return [ctx.flag(
        "plausibility", "info", "fund_residents",
        f"{ctx.who(row)}{ctx.label('fund_residents')}{ctx.show('fund_residents', row.number('fund_residents'))}，"
        f"占{ctx.label('investment_total')}{ctx.show('investment_total', row.number('investment_total'))}的"
        f"{_fmt_num(_round_sig(share))}%，如本地政策要求居民出资，请核实共担机制落实情况。",
        row, [(row, ["fund_residents", "investment_total"])]) for row, share in low]


def _check_disbursement(ctx: _Ctx) -> list[Flag]:
    """L20: money paid out is not more than the money received."""
    flags = []
    for row, (pc, rc) in _numbered_rows(ctx, "fund_paid", "fund_received"):
        excess = pc.number - rc.number
        if excess <= pc.halfwidth() + rc.halfwidth():
            continue
        flags.append(ctx.flag(
            "part_exceeds_whole", "error", "fund_paid",
            f"{ctx.who(row)}{ctx.label('fund_paid')}{ctx.show('fund_paid', pc.number)}超过"
            f"{ctx.label('fund_received')}{ctx.show('fund_received', rc.number)}，多出"
            f"{ctx.show('fund_paid', excess)}，疑似超拨，请核实。", row, [(row, ["fund_received", "fund_paid"])]))
    return flags


# check_ledger's checks, in the order they run: (the codes that select one, the function)
_CHECKS: list[tuple[set[str], Any]] = [
    ({"L01"}, _check_totals), ({"L02"}, _check_breakdowns), ({"L03"}, _check_funding), ({"L04"}, _check_build_year),
    ({"L07", "L08", "L09"}, _check_plausibility), ({"L10"}, _check_duplicates), ({"L12"}, _check_dates),
    ({"L14"}, _check_progress), ({"L05"}, _check_extended_share), ({"L06"}, _check_scope_types),
    ({"L13"}, _check_status), ({"L15"}, _check_cost_stages), ({"L16"}, _check_central_budget),
    ({"L19"}, _check_resident_share),
    ({"L20"}, _check_disbursement),
]
ALL_CHECKS = frozenset().union(*(codes for codes, _ in _CHECKS))


# ---------------------------------------------------------------------------
# match_name
# ---------------------------------------------------------------------------

# Scorer: rapidfuzz fuzz.ratio (normalised Indel similarity, 0–100) on the suffix-stripped key.
# Measured on name cores (tests/test_ledger.py::test_fuzzy_scorer_behaviour pins these numbers):
#   金亭花苑/金庭花苑 75.0 (typo)    供销社/供销合作社 75.0    老汽车站/汽车站 85.7    幸福里/幸福 80.0
#   桂花园/桂花苑 66.7               机械厂/机修厂 66.7        电业局/电力局 66.7      南关/南湖 50.0
#   机械厂/化肥厂 33.3               东风新村/工人新村 50.0
# Why ratio: names are 2–8 characters with no word boundaries, so token scorers add nothing, and
# partial_ratio / WRatio score any contained core as 100 (湖滨 ⊂ 湖滨花园, 建设 ⊂ 建设路), which would
# make short cores match everything that contains them. Why the stripped key: the shared suffix
# (宿舍, 小区) inflates the score of different compounds (机械厂宿舍/化肥厂宿舍: 60 on the full name,
# 33 on the core).
# Why 75: it accepts one wrong character in a 4-character core (the commonest typo shape) and one
# missing or extra character in a core of 3+ characters, and rejects every one-character substitution
# in a 2–3 character core (机械厂/机修厂, 电业局/电力局 are different work units; 桂花园/桂花苑 is
# usually a typo but can be two estates — the price of the rule). A fuzzy match is never final: it
# comes back as status "fuzzy" with its score and the runner-up candidates.
FUZZY_THRESHOLD = 75.0
# Two candidates within 5 points (one character in a 10-character key) are a tie: "ambiguous",
# unless the street/county context leaves exactly one of them.
AMBIGUITY_MARGIN = 5.0
EXACT_SCORE = 1.0
SUFFIX_EXACT_SCORE = 0.98      # equal cores, suffixes generic or absent (金亭花苑小区 = 金亭花苑)
SUFFIX_DIFFERENT_SCORE = 0.90  # equal cores, different specific suffixes (粮食局宿舍 ~ 粮食局家属院)


def name_keys(name: str) -> tuple[str, str, str | None]:
    """(full key, core key, stripped suffix) of a community name.

    The full key is simplified, NFKC-folded, without spaces, punctuation, leading 其中/enumerators and
    trailing project words (改造工程, 项目 …). The core key also drops one community suffix (小区, 家属院,
    宿舍, 院 …) when at least two characters remain.

    >>> name_keys("金亭花苑小区"), name_keys("建设路小区改造工程")
    (('金亭花苑小区', '金亭花苑', '小区'), ('建设路小区', '建设路', '小区'))
    >>> name_keys("县医院"), name_keys("（2）粮食局 宿舍")
    (('县医院', '县医院', None), ('粮食局宿舍', '粮食局', '宿舍'))
    """
    spec = _spec()
    s = to_simplified(_nfkc(name or "")).lower()
    s, _ = _strip_label(s)
    s = re.sub(r"[\W_]+", "", s)
    changed = True
    while changed:
        changed = False
        for suf in spec.project_suffixes:
            if s.endswith(suf) and len(s) - len(suf) >= 2:
                s = s[: -len(suf)]
                changed = True
                break
    core, suffix = s, None
    for suf in sorted(spec.generic_suffixes + spec.specific_suffixes, key=len, reverse=True):
        if s.endswith(suf) and len(s) - len(suf) >= 2:
            if len(suf) == 1 and s[-2] in spec.single_char_not_after:
                continue
            core, suffix = s[: -len(suf)], suf
            break
    return s, core, suffix


def _loc_key(text: str) -> str:
    s = re.sub(r"[\W_]+", "", to_simplified(_nfkc(text or "")))
    return s


def _loc_keys(text: str) -> set[str]:
    """'东城区' → {'东城区', '东城'}; short forms under two characters are dropped."""
    s = _loc_key(text)
    keys = {s} if len(s) >= 2 else set()
    for suf in _spec().location_suffixes:
        if s.endswith(suf) and len(s) - len(suf) >= 2:
            keys.add(s[: -len(suf)])
            break
    return keys


@dataclass
class _NameIndex:
    rows: list[LedgerRow]
    key1: list[str]
    key2: list[str]
    suffix: list[str | None]
    by_key1: dict[str, list[int]]
    by_key2: dict[str, list[int]]
    locations: list[set[str]]          # per row: location keys (county/street/… and short forms)
    all_locations: list[str]           # every location key in the ledger, longest first


def _index(ledger: Ledger) -> _NameIndex:
    if ledger._index is not None:
        return ledger._index
    rows = [r for r in ledger.details() if r.name]
    key1, key2, suffix = [], [], []
    by1: dict[str, list[int]] = defaultdict(list)
    by2: dict[str, list[int]] = defaultdict(list)
    locs = []
    spec = _spec()
    for i, r in enumerate(rows):
        k1, k2, suf = name_keys(r.name or "")
        key1.append(k1)
        key2.append(k2)
        suffix.append(suf)
        by1[k1].append(i)
        by2[k2].append(i)
        keys: set[str] = set()
        for f in spec.location_fields:
            if f != ledger.name_field:
                keys |= _loc_keys(r.text(f) or "")
        locs.append(keys)
    all_locs = sorted({k for ks in locs for k in ks}, key=len, reverse=True)
    ledger._index = _NameIndex(rows, key1, key2, suffix, dict(by1), dict(by2), locs, all_locs)
    return ledger._index


def _suffix_compatible(a: str | None, b: str | None) -> bool:
    generic = _spec().generic_suffixes
    return a == b or a is None or b is None or a in generic or b in generic


def _context_hit(idx: _NameIndex, i: int, context: str | Mapping[str, str] | None, ledger: Ledger) -> bool:
    if not context:
        return False
    if isinstance(context, Mapping):
        row = idx.rows[i]
        for f, v in context.items():
            if not v:
                continue
            want = _loc_keys(str(v))
            have = _loc_keys(row.text(f) or "") if f in ledger.mapping else idx.locations[i]
            if want & have:
                return True
        return False
    text = _loc_key(str(context))
    return any(k in text for k in idx.locations[i])


def match_name(name: str, ledger: Ledger, context: str | Mapping[str, str] | None = None) -> Match:
    """Find the ledger row a report's community name refers to.

    ``context``: the street/county the report is about, as text ("东城区建设街道") or as a mapping
    {"county": "东城区", "street": "建设街道"}; it only breaks ties between equally good rows.

    Example::

        m = match_name("紡織廠家屬院", ledger)     # status 'exact', m.row.name == '纺织厂家属院'
        m = match_name("金庭花苑", ledger)         # status 'fuzzy' (typo), score 0.75
    """
    idx = _index(ledger)
    k1, k2, suf = name_keys(name or "")
    if len(k2) < 2 or not idx.rows:
        return Match(None, 0.0, "none", [])

    # A location written in front of the name ("东城区建设路小区"): the name without it is tried only
    # when the full name finds nothing, and only against rows in that location.
    stripped = None
    for loc in idx.all_locations:
        if k1.startswith(loc) and len(k1) - len(loc) >= 2:
            r1, r2, rs = name_keys(k1[len(loc):])
            if len(r2) >= 2 and r2 not in _spec().generic_suffixes + _spec().specific_suffixes:
                stripped = (r1, r2, rs, loc)
            break

    scores: dict[int, float] = {}
    prefix_loc: str | None = None

    def offer(i: int, score: float) -> None:
        if score > scores.get(i, -1.0):
            scores[i] = score

    def exact_stage(q1: str, q2: str, qs: str | None, loc: str | None) -> None:
        for i in idx.by_key1.get(q1, []):
            if loc is None or loc in idx.locations[i]:
                offer(i, EXACT_SCORE)
        for i in idx.by_key2.get(q2, []):
            if loc is None or loc in idx.locations[i]:
                offer(i, SUFFIX_EXACT_SCORE if _suffix_compatible(qs, idx.suffix[i]) else SUFFIX_DIFFERENT_SCORE)

    def fuzzy_stage(q2: str, loc: str | None) -> None:
        from rapidfuzz import fuzz, process

        for _, score, i in process.extract(q2, idx.key2, scorer=fuzz.ratio,
                                           score_cutoff=FUZZY_THRESHOLD - AMBIGUITY_MARGIN, limit=None):
            if i in scores or (loc is not None and loc not in idx.locations[i]):
                continue  # already scored as an equal core / not in the location written before the name
            offer(i, min(score / 100.0, SUFFIX_EXACT_SCORE - 0.01))

    exact_stage(k1, k2, suf, None)
    if not scores and stripped:
        exact_stage(*stripped)
        if scores:
            prefix_loc = stripped[3]
    if not any(s >= SUFFIX_EXACT_SCORE for s in scores.values()):
        fuzzy_stage(k2, None)
        if stripped and not any(s * 100 >= FUZZY_THRESHOLD for s in scores.values()):
            fuzzy_stage(stripped[1], stripped[3])
            if scores:
                prefix_loc = stripped[3]

    ctx = context
    if prefix_loc and not ctx:
        ctx = prefix_loc
    elif prefix_loc and isinstance(ctx, str):
        ctx = ctx + prefix_loc

    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], -_context_hit(idx, kv[0], ctx, ledger), kv[0]))
    candidates = [(idx.rows[i], round(s, 3)) for i, s in ranked[:5]]
    if not ranked:
        return Match(None, 0.0, "none", [])
    best_i, best = ranked[0]

    def decide(pool: list[tuple[int, float]], status: str) -> Match:
        if len(pool) == 1:
            i, s = pool[0]
            return Match(idx.rows[i], round(s, 3), status, candidates)
        hits = [(i, s) for i, s in pool if _context_hit(idx, i, ctx, ledger)]
        if len(hits) == 1:
            i, s = hits[0]
            return Match(idx.rows[i], round(s, 3), status, candidates)
        return Match(None, round(pool[0][1], 3), "ambiguous", candidates)

    if best >= SUFFIX_EXACT_SCORE:
        pool = [(i, s) for i, s in ranked if s >= SUFFIX_EXACT_SCORE]
        top = [(i, s) for i, s in pool if s == best]
        # A full-name match beats a core-only match; equal full names are a real tie.
        return decide(top if best == EXACT_SCORE else pool, "exact")
    if best * 100 < FUZZY_THRESHOLD:
        return Match(None, round(best, 3), "none", candidates)
    pool = [(i, s) for i, s in ranked if s * 100 >= FUZZY_THRESHOLD and (best - s) * 100 <= AMBIGUITY_MARGIN]
    return decide(pool, "fuzzy")
