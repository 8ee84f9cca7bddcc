"""What every output shows, computed once from a run's results (the per-file contract dicts).

The renderers (excel, docx, html, terminal) only lay out what this module derives:

- :func:`ordered_documents`: documents in file-name order, so a resumed run renders exactly like an
  uninterrupted one whatever order the files finished in;
- :func:`collect_flags`: every flag once (a cross-report flag sits in the JSON of each file it names and
  may also come in ``batch_flags``), most severe first;
- :func:`communities`: one :class:`Community` per 小区 named in a report or a ledger row, with the figures
  each report gives and the ledger's, and the differences between them;
- :func:`prepare`: the three above at once, for the renderers to share;
- :func:`overview`, :func:`category_counts`, :func:`representative_problems`: the batch in numbers.

Ledger rows are plain dicts: ``{"row": 8, "name": "建设路小区", "kind": "detail", "parent": 7,
"fields": {"households": 2350, "building_area": 158200.0, "built_year": [1992, 1992], ...},
"raw": {"households": "2350", "building_area": "15.82", ...}}`` (see :func:`ledger_rows_from`); a flat
``{"row": 8, "name": ..., "households": 2350}`` is accepted too.

>>> fmt_number(11934), fmt_number(32216.1), fmt_number(0.5), fmt_number([2, 3])
('11,934', '32,216.1', '0.5', '2–3')
>>> overlaps(date_span("2022-06"), date_span("2022-06-30")), overlaps(date_span("2022"), date_span("2023-01"))
(True, False)
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date as _date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..checks import interval as fact_interval
from ..checks import normalize_name
from . import labels

Doc = dict[str, Any]

# ---------------------------------------------------------------------------
# Documents, reports, flags
# ---------------------------------------------------------------------------


def ordered_documents(documents: Iterable[Doc]) -> list[Doc]:
    """Documents sorted by file name (then hash), independent of the order they finished in."""
    return sorted(documents, key=lambda d: ((d.get("file") or "").casefold(), d.get("file") or "",
                                            d.get("sha256") or ""))


def iter_reports(documents: Iterable[Doc]) -> Iterator[tuple[Doc, dict]]:
    for doc in documents:
        if doc.get("status") == "ok":
            for report in doc.get("reports") or []:
                yield doc, report


def report_label(doc: Doc, report: dict) -> str:
    """``《file》`` or ``《file》第2篇`` for compilations."""
    part = f"第{report['index']}篇" if len(doc.get("reports") or []) > 1 else ""
    return f"《{doc['file']}》{part}"


def _flag_key(flag: dict) -> str:
    return json.dumps(flag, sort_keys=True, ensure_ascii=False, default=str, check_circular=False)  # a tree


def flag_sort_key(flag: dict) -> tuple:
    ev = (flag.get("evidence") or [{}])[0]
    return (labels.severity_rank(flag.get("severity", "")), (ev.get("file") or "").casefold(),
            ev.get("report") or 0, ev.get("start") or 0, flag.get("kind", ""), flag.get("message", ""))


def unique_flags(flags: Iterable[dict]) -> list[dict]:
    """The flags each once (the same content is the same flag), in the order first seen."""
    seen: dict[str, dict] = {}
    keyed: set[int] = set()  # in a run, a cross-report flag is one object in every document it names
    for f in flags:
        if id(f) not in keyed:
            keyed.add(id(f))
            seen.setdefault(_flag_key(f), f)
    return list(seen.values())


def collect_flags(documents: Iterable[Doc], batch_flags: Iterable[dict] | None = None) -> list[dict]:
    """Every flag of the documents and of the batch, each once, errors first."""
    every = [f for doc in documents for f in doc.get("flags") or []] + list(batch_flags or [])
    return sorted(unique_flags(every), key=flag_sort_key)


def evidence_where(ev: dict) -> str:
    """``《file》第2页「raw」`` for one piece of evidence."""
    page = f"第{ev['page']}页" if ev.get("page") else ""
    part = f"第{ev['report']}篇" if ev.get("report", 1) not in (1, None) else ""
    raw = f"「{ev['raw']}」" if ev.get("raw") else ""
    return f"《{ev.get('file', '')}》{part}{page}{raw}"


def section_at(report: dict, offset: int) -> dict | None:
    """The innermost section holding ``offset``."""
    best = None
    for s in report.get("sections") or []:
        if s["start"] <= offset < s["end"] and (best is None or s.get("level", 1) >= best.get("level", 1)):
            best = s
    return best


def problem_items(documents: Iterable[Doc]) -> list[tuple[Doc, dict, dict]]:
    return [(doc, rep, p) for doc, rep in iter_reports(documents) for p in rep.get("problems") or []]


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def fmt_number(value: Any) -> str:
    """A figure for reading: thousands separators, no trailing zeros; ranges as ``lo–hi``."""
    if isinstance(value, list) and len(value) == 2:
        return f"{fmt_number(value[0])}–{fmt_number(value[1])}"
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)


def fmt_fact(fact: dict) -> str:
    """``2,350 户``, ``15.82 万 m²`` stays as stored (m²), dates as written in ISO."""
    value = fmt_number(fact.get("value"))
    unit = labels.unit_label(fact.get("unit"))
    approx = fact.get("approx") or ""
    return f"{approx}{value}{(' ' + unit) if unit and unit != '%' else unit}"


def number_or_none(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
    if isinstance(value, Decimal):
        return number_or_none(float(value))
    return None


# ---------------------------------------------------------------------------
# Intervals for comparing figures
# ---------------------------------------------------------------------------

Span = tuple[Any, Any]
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")


def date_span(value: Any) -> Span | None:
    """A partial ISO date (or a [lo, hi] pair, or a year int) as the day range it stands for."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        lo, hi = date_span(value[0]), date_span(value[1])
        lo_v = lo[0] if lo else (0, 1, 1)
        hi_v = hi[1] if hi else (9999, 12, 31)
        return (lo_v, hi_v) if lo or hi else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, _date):
        value = value.isoformat()
    if not isinstance(value, str):
        return None
    m = _ISO.match(value.strip())
    if not m:
        return None
    y = int(m.group(1))
    mo = int(m.group(2)) if m.group(2) else None
    d = int(m.group(3)) if m.group(3) else None
    if mo is None:
        return (y, 1, 1), (y, 12, 31)
    if d is None:
        return (y, mo, 1), (y, mo, 31)
    return (y, mo, d), (y, mo, d)


def overlaps(a: Span | None, b: Span | None, tol: float = 0.0) -> bool:
    """True if the spans touch, or if either is unknown (nothing to compare)."""
    if a is None or b is None:
        return True
    if isinstance(a[0], (int, float)):
        return a[0] - tol <= b[1] and b[0] - tol <= a[1]
    return a[0] <= b[1] and b[0] <= a[1]


def _raw_decimals(raw: str | None) -> int | None:
    if not raw:
        return None
    m = re.search(r"-?\d[\d,]*(?:\.(\d+))?", raw)
    if not m:
        return None
    return len(m.group(1)) if m.group(1) else 0


def ledger_span(value: Any, raw: str | None) -> Span | None:
    """A ledger number as the interval of its written precision (``15.82`` 万m² → ±50 m²)."""
    v = number_or_none(value)
    if v is None:
        return None
    decimals = _raw_decimals(raw)
    if decimals is None:
        return float(v), float(v)
    try:
        written = float(re.search(r"-?\d[\d,]*(?:\.\d+)?", raw).group(0).replace(",", ""))
    except (AttributeError, ValueError):
        return float(v), float(v)
    scale = abs(v / written) if written else 1.0
    half = 0.5 * 10 ** (-decimals) * scale
    return float(v) - half, float(v) + half


# ---------------------------------------------------------------------------
# Communities: report figures beside ledger figures
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Metric:
    """A figure of a community that reports and ledgers both give."""

    code: str
    label: str
    unit: str  # display unit, "" for dates
    kind: str  # "num" | "date"
    fact_types: tuple[str, ...]
    roles: tuple[str | None, ...] | None  # None: any role
    ledger_fields: tuple[str, ...]

    @property
    def header(self) -> str:
        return f"{self.label}（{self.unit}）" if self.unit else self.label

    def selects(self, fact: dict) -> bool:
        return fact.get("type") in self.fact_types and (self.roles is None or fact.get("role") in self.roles)


METRICS: tuple[Metric, ...] = (
    Metric("households", "户数", "户", "num", ("households",), None, ("households",)),
    Metric("buildings", "楼栋数", "栋", "num", ("buildings",), None, ("n_buildings",)),
    Metric("area", "建筑面积", "m²", "num", ("area",), (None, "building", "renovated"), ("building_area",)),
    Metric("investment", "总投资", "万元", "num", ("investment",), (None, "total"), ("investment_total",)),
    Metric("central", "中央补助", "万元", "num", ("investment",), ("central_subsidy",),
           ("fund_central_mof", "fund_central")),
    Metric("local", "地方财政", "万元", "num", ("investment",), ("local_fiscal",), ("fund_local",)),
    Metric("resident", "居民出资", "万元", "num", ("investment",), ("resident",), ("fund_residents",)),
    Metric("social", "社会资本", "万元", "num", ("investment",), ("social_capital",), ("fund_social",)),
    Metric("built", "建成年份", "", "date", ("date",), ("built",), ("built_year",)),
    # Only the ledger's actual dates: a report's completion date is not expected to equal the plan's.
    Metric("start", "开工时间", "", "date", ("date",), ("start",), ("start_actual",)),
    Metric("completion", "完工时间", "", "date", ("date",), ("completion",), ("finish_actual",)),
)
METRIC_BY_CODE = {m.code: m for m in METRICS}


@dataclass(slots=True)
class Figure:
    """One figure for one metric, from a report (file set) or from the ledger (row set)."""

    value: Any
    raw: str
    span: Span | None
    file: str | None = None
    report: int | None = None
    page: int | None = None
    start: int | None = None
    end: int | None = None
    row: int | None = None

    def where(self) -> str:
        if self.file is None:
            return f"台账第{self.row}行" if self.row else "台账"
        page = f"第{self.page}页" if self.page else ""
        return f"《{self.file}》{page}「{self.raw}」"

    def display(self, metric: Metric) -> str:
        if metric.kind == "date":
            v = self.value
            if isinstance(v, (list, tuple)) and len(v) == 2:
                return v[0] if v[0] == v[1] else f"{v[0] or ''}–{v[1] or ''}"
            return str(v)
        return fmt_number(self.value)


@dataclass(slots=True)
class Source:
    """One report that names a community, and the figures it gives for it."""

    file: str
    report: int
    title: str
    figures: dict[str, list[Figure]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"《{self.file}》" + (f"第{self.report}篇" if self.report != 1 else "")


@dataclass(slots=True)
class Difference:
    metric: str
    message: str
    ledger: bool  # the ledger cell is part of it
    sources: tuple[int, ...]  # indexes into Community.sources


@dataclass(slots=True)
class Community:
    name: str
    key: str
    ledger: dict | None = None
    ledger_figures: dict[str, Figure] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)  # at most MAX_LISTED_DIFFERENCES a metric
    differing: set[tuple[str, int | None]] = field(default_factory=set)  # (metric, source or None: ledger)

    @property
    def ledger_row(self) -> int | None:
        return self.ledger.get("row") if self.ledger else None

    def ledger_text(self, name: str) -> str | None:
        if not self.ledger:
            return None
        value, raw = ledger_value(self.ledger, name)
        return raw or (str(value) if value is not None else None)

    def differs(self, metric: str, slot: int | None) -> bool:
        """Is the cell of ``metric`` from source ``slot`` (None: the ledger) part of a difference?"""
        return (metric, slot) in self.differing

    def has_figures(self, metric: str) -> bool:
        return metric in self.ledger_figures or any(s.figures.get(metric) for s in self.sources)

    def first_report_figure(self, metric: str) -> Figure | None:
        for s in self.sources:
            if s.figures.get(metric):
                return s.figures[metric][0]
        return None


def ledger_value(row: dict, name: str) -> tuple[Any, str | None]:
    """(value, raw text) of a ledger field, from the nested or the flat row shape."""
    if isinstance(row.get("fields"), dict):
        return row["fields"].get(name), (row.get("raw") or {}).get(name)
    return row.get(name), None


def _ledger_figure(row: dict, metric: Metric) -> Figure | None:
    for name in metric.ledger_fields:
        value, raw = ledger_value(row, name)
        if value is None or value == "":
            continue
        if metric.kind == "num":
            if number_or_none(value) is None:
                continue
            span = ledger_span(value, raw)
            value = number_or_none(value)
        else:
            span = date_span(value)
            if span is None:
                continue
        return Figure(value=value, raw=raw or str(value), span=span, row=row.get("row"))
    return None


def _fact_figure(doc: Doc, report: dict, fact: dict, metric: Metric) -> Figure | None:
    value = fact.get("value")
    if metric.kind == "num":
        iv = fact_interval(fact)
        if iv is None:
            return None
        span: Span | None = (iv.lo, iv.hi)
    else:
        span = date_span(value)
        if span is None:
            return None
    return Figure(value=value, raw=fact.get("raw", ""), span=span, file=doc["file"], report=report["index"],
                  page=fact.get("page"), start=fact.get("start"), end=fact.get("end"))


def _is_detail(row: dict) -> bool:
    return row.get("kind", "detail") == "detail" and bool(row.get("name"))


def _diff_message(metric: Metric, a: Figure, b: Figure) -> str:
    unit = f" {metric.unit}" if metric.unit else ""
    return (f"{metric.label}：{a.display(metric)}{unit}（{a.where()}）与 "
            f"{b.display(metric)}{unit}（{b.where()}）不一致")


def _any_overlap(xs: list[Figure], ys: list[Figure]) -> bool:
    return any(overlaps(x.span, y.span) for x in xs for y in ys)


# A community named in hundreds of reports can have tens of thousands of differing pairs: every differing
# cell is still marked, and the first pairs (in source order) are listed.
MAX_LISTED_DIFFERENCES = 20


def _find_differences(c: Community) -> None:
    for metric in METRICS:
        code = metric.code
        led = c.ledger_figures.get(code)
        listed = 0
        if led is not None:
            for i, s in enumerate(c.sources):
                figs = s.figures.get(code) or []
                if figs and not _any_overlap(figs, [led]):
                    c.differing.update(((code, None), (code, i)))
                    if listed < MAX_LISTED_DIFFERENCES:
                        c.differences.append(Difference(code, _diff_message(metric, figs[0], led), True, (i,)))
                        listed += 1
            continue
        # Sources with the same figures are compared once: whether two sources differ depends only on
        # their figures' spans.
        groups: dict[tuple, list[int]] = {}
        for i, s in enumerate(c.sources):
            figs = s.figures.get(code)
            if figs:
                groups.setdefault(tuple(f.span for f in figs), []).append(i)
        members = list(groups.values())
        group_of = {i: g for g, group in enumerate(members) for i in group}
        apart: set[tuple[int, int]] = set()
        for g in range(len(members)):
            fa = c.sources[members[g][0]].figures[code]
            for h in range(g + 1, len(members)):
                if not _any_overlap(fa, c.sources[members[h][0]].figures[code]):
                    apart.update(((g, h), (h, g)))
                    c.differing.update((code, i) for i in members[g] + members[h])
        if not apart:
            continue
        order = sorted(group_of)
        for a, i in enumerate(order):  # the pairs in source order, as far as they are listed
            for j in order[a + 1:]:
                if (group_of[i], group_of[j]) in apart:
                    fa, fb = c.sources[i].figures[code], c.sources[j].figures[code]
                    c.differences.append(Difference(code, _diff_message(metric, fa[0], fb[0]), False, (i, j)))
                    listed += 1
                    if listed >= MAX_LISTED_DIFFERENCES:
                        break
            if listed >= MAX_LISTED_DIFFERENCES:
                break


def communities(documents: Iterable[Doc], ledger_rows: Iterable[dict] | None = None) -> list[Community]:
    """Every community of the reports and the ledger: ledger order first, then reports' order."""
    by_key: dict[str, Community] = {}
    for row in ledger_rows or []:
        if not _is_detail(row):
            continue
        key = normalize_name(row["name"])
        if key in by_key:  # a duplicate ledger name: the first row stands for it
            continue
        c = Community(name=row["name"], key=key, ledger=row)
        for metric in METRICS:
            fig = _ledger_figure(row, metric)
            if fig is not None:
                c.ledger_figures[metric.code] = fig
        by_key[key] = c
    sources: dict[tuple[str, str, int], Source] = {}  # (community key, file, report) → its source
    for doc, report in iter_reports(ordered_documents(documents)):
        for fact in report.get("facts") or []:
            subject = fact.get("subject")
            if not subject or subject == "aggregate":
                continue
            key = normalize_name(subject)
            c = by_key.setdefault(key, Community(name=subject, key=key))
            source = sources.get((key, doc["file"], report["index"]))
            if source is None:
                source = sources[(key, doc["file"], report["index"])] = Source(doc["file"], report["index"],
                                                                             report.get("title") or "")
                c.sources.append(source)
            for metric in METRICS:
                if metric.selects(fact):
                    fig = _fact_figure(doc, report, fact, metric)
                    if fig is not None and all(f.value != fig.value for f in source.figures.get(metric.code, [])):
                        source.figures.setdefault(metric.code, []).append(fig)
    out = list(by_key.values())
    for c in out:
        _find_differences(c)
    return out


@dataclass(frozen=True, slots=True)
class Prepared:
    """What every output derives first from a run's results: the documents in file-name order
    (:func:`ordered_documents`), the flags once each (:func:`collect_flags`) and the communities
    (:func:`communities`). :class:`analyzer.render.OutputWriter` computes it once for the three files."""

    documents: list[Doc]
    flags: list[dict]
    communities: list[Community]


def prepare(documents: Iterable[Doc], batch_flags: Iterable[dict] | None = None,
            ledger_rows: Iterable[dict] | None = None) -> Prepared:
    docs = ordered_documents(documents)
    return Prepared(docs, collect_flags(docs, batch_flags), communities(docs, ledger_rows))


def used_metrics(items: Iterable[Community]) -> list[Metric]:
    """The metrics any community has a figure for, in METRICS order."""
    items = list(items)
    return [m for m in METRICS if any(c.has_figures(m.code) for c in items)]


# ---------------------------------------------------------------------------
# The batch in numbers
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Total:
    metric: Metric
    reports: float | int
    report_count: int  # communities the report total covers
    ledger: float | int | None
    ledger_count: int


@dataclass(slots=True)
class Overview:
    files: int
    ok: int
    failed: int
    reports: int
    facts: int
    placeholders: int
    problems: int
    flags: int
    flags_by_severity: dict[str, int]
    flags_by_kind: list[tuple[str, dict[str, int]]]
    facts_by_type: list[tuple[str, int]]
    communities_in_reports: int
    communities_in_ledger: int
    communities_matched: int
    communities_with_differences: int
    ledger_only: list[str]
    totals: list[Total]


def _totals(items: list[Community]) -> list[Total]:
    out = []
    for code in ("households", "buildings", "area", "investment"):
        metric = METRIC_BY_CODE[code]
        firsts = [c.first_report_figure(code) for c in items]
        rep_values = [f.value for f in firsts if f is not None and number_or_none(f.value) is not None]
        led_values = [c.ledger_figures[code].value for c in items if code in c.ledger_figures]
        if not rep_values and not led_values:
            continue
        out.append(Total(metric, _sum(rep_values), len(rep_values), _sum(led_values) if led_values else None,
                         len(led_values)))
    return out


def _sum(values: list) -> float | int:
    total = sum(values)
    return number_or_none(round(total, 4) if isinstance(total, float) else total) or 0


def overview(documents: list[Doc], flags: list[dict], items: list[Community]) -> Overview:
    reports = [r for _, r in iter_reports(documents)]
    sev = Counter(f.get("severity") for f in flags)
    kinds: dict[str, Counter] = defaultdict(Counter)
    for f in flags:
        kinds[f.get("kind", "")][f.get("severity", "")] += 1
    types = Counter(fact.get("type") for r in reports for fact in r.get("facts") or [])
    in_reports = [c for c in items if c.sources]
    return Overview(
        files=len(documents), ok=sum(d.get("status") == "ok" for d in documents),
        failed=sum(d.get("status") != "ok" for d in documents), reports=len(reports),
        facts=sum(len(r.get("facts") or []) for r in reports),
        placeholders=sum(len(r.get("placeholders") or []) for r in reports),
        problems=sum(len(r.get("problems") or []) for r in reports), flags=len(flags),
        flags_by_severity={s: sev.get(s, 0) for s in labels.SEVERITIES},
        flags_by_kind=sorted(((k, dict(v)) for k, v in kinds.items()), key=lambda kv: -sum(kv[1].values())),
        facts_by_type=[(t, types[t]) for t in labels.FACT_TYPE if types.get(t)],
        communities_in_reports=len(in_reports),
        communities_in_ledger=sum(1 for c in items if c.ledger),
        communities_matched=sum(1 for c in in_reports if c.ledger),
        communities_with_differences=sum(1 for c in items if c.differences),
        ledger_only=[c.name for c in items if c.ledger and not c.sources],
        totals=_totals(items),
    )


def category_counts(documents: Iterable[Doc]) -> list[tuple[str, int, int]]:
    """(category, problem clauses, reports) for every category with a problem, most frequent first."""
    clauses: Counter = Counter()
    reports: dict[str, set] = defaultdict(set)
    for doc, rep, p in problem_items(documents):
        for code in dict.fromkeys(p.get("categories") or []):
            clauses[code] += 1
            reports[code].add((doc["file"], rep["index"]))
    return sorted(((c, n, len(reports[c])) for c, n in clauses.items()),
                  key=lambda t: (-t[1], labels.category_order(t[0])))


def representative_problems(documents: Iterable[Doc], code: str, k: int = 3, *,
                            every: list[tuple[Doc, dict, dict]] | None = None) -> list[tuple[Doc, dict, dict]]:
    """Up to ``k`` clauses of a category: the highest scores, one per file before a second from any.
    ``every``: ``problem_items(documents)``, if the caller has it already (one list for every category)."""
    items = [t for t in (problem_items(documents) if every is None else every)
             if code in (t[2].get("categories") or [])]
    items.sort(key=lambda t: (-(t[2].get("score") or 0), t[0]["file"], t[2].get("start", 0)))
    chosen, files = [], set()
    for t in items:
        if t[0]["file"] not in files:
            chosen.append(t)
            files.add(t[0]["file"])
        if len(chosen) == k:
            return chosen
    for t in items:
        if t not in chosen:
            chosen.append(t)
        if len(chosen) == k:
            break
    return chosen


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def temp_path(path: Path) -> Path:
    """Where a renderer writes before renaming into ``path`` (hidden, same folder)."""
    return path.with_name(f".{path.stem}.tmp{path.suffix}")


def move_into_place(tmp: Path, path: Path) -> Path:
    """Rename a finished file over ``path``; the temporary file never outlives a failure."""
    try:
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------------------
# Ledger rows as plain dicts
# ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return number_or_none(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, (_date,)):
        return value.isoformat()
    return value


def ledger_rows_from(ledger: Any) -> list[dict]:
    """Plain-dict rows of an :class:`analyzer.ledger.Ledger` (details, breakdowns, totals), sheet order.

    Every field keeps its value in the canonical unit (m², 万元, 户, 栋) and the text as written.
    """
    rows = list(getattr(ledger, "rows", [])) + list(getattr(ledger, "totals", []))
    rows.sort(key=lambda r: r.row)
    return [{"row": r.row, "name": r.name, "kind": r.kind, "parent": r.parent,
             "fields": {k: _plain(c.value) for k, c in r.fields.items()},
             "raw": {k: c.raw for k, c in r.fields.items()}} for r in rows]
