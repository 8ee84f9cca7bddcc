"""Report ↔ ledger checks: every named community's figures against its ledger row.

* ``ledger_mismatch`` — households, buildings, building area, total investment or build year of a
  community in a report differ from its ledger row beyond the stated precision of both;
* ``ledger_missing`` — a community named in a report has no ledger row (or, as a note, several
  rows fit equally well and none is chosen);
* ``policy_build_year`` — a ledger row built after the policy windows (DOMAIN.md §2.1);
* ``ledger_mismatch`` without a ledger row (X01) — a report's year total (communities, households, buildings,
  building area, total investment of the year's programme) differs from the sum of the ledger's rows of that
  plan year, in the district or street the report's title names.
The ledger's own checks (totals, funding split, duplicates, per-unit figures, the extended window's share,
types outside the programme, status, cost stages, central budget money on the building body, residents' share,
disbursement) come from
``ledger.check_ledger``; its L04 is left out here, as ``policy_build_year`` below covers the build year.
"""

from __future__ import annotations

import re
from typing import Any

from .checks import _date_key, _field_key, _fmt, _fmt_num, evidence, flag, interval, where
from .ledger import Ledger, LedgerRow, _loc_key, _rows_text, check_ledger, match_name
from .spans import sentence_bounds

Doc = dict[str, Any]

# report fact → ledger field
FIELDS = {("households",): "households", ("buildings",): "n_buildings", ("area", "building"): "building_area",
          ("built",): "built_year"}
FIELD_LABEL = {"households": "户数", "n_buildings": "楼栋数", "building_area": "建筑面积", "built_year": "建成年份",
               "total": "总投资", "central_subsidy": "中央补助", "local_fiscal": "地方财政资金", "resident": "居民出资",
               "social_capital": "社会资本"}
_UNNAMED = re.compile(r"[Xx×*＊□_]{1,}")


# report money roles → the ledger columns that hold them (added together: 中央补助 may be split by channel)
FUND_FIELDS = {"total": ("investment_total",), "central_subsidy": ("fund_central", "fund_central_mof", "fund_central_ndrc"),
               "local_fiscal": ("fund_local", "fund_provincial", "fund_bond"), "resident": ("fund_residents",),
               "social_capital": ("fund_social",)}


def _fund_interval(row: LedgerRow, role: str) -> tuple[float, float] | None:
    parts = [_ledger_interval(row, f) for f in FUND_FIELDS[role] if row.fields.get(f) is not None]
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return (sum(p[0] for p in parts), sum(p[1] for p in parts))


def _ledger_interval(row: LedgerRow, field: str) -> tuple[float, float] | None:
    cell = row.fields.get(field)
    if cell is None or cell.value is None:
        return None
    if field == "built_year":
        lo, hi = cell.value if isinstance(cell.value, tuple) else (None, None)
        return (float(lo) if lo else float("-inf"), float(hi) if hi else float("inf"))
    iv = cell.interval()
    return (float(iv[0]), float(iv[1])) if iv else None


def _ledger_text(row: LedgerRow, field: str, ledger: Ledger) -> str:
    if field in FUND_FIELDS:
        cells = [(f, row.fields[f]) for f in FUND_FIELDS[field] if row.fields.get(f) is not None]
        return "＋".join(f"{c.raw}{ledger.units.get(f, '')}" for f, c in cells) or "（空）"
    cell = row.fields.get(field)
    unit = ledger.units.get(field, "")
    return f"{cell.raw}{unit}" if cell is not None else "（空）"


def _row_ref(row: LedgerRow) -> dict[str, Any]:
    return {"row": row.row, "name": row.name or ""}


def check_against_ledger(docs: list[Doc], ledger: Ledger, *, cutoff: int = 2000, extended: int = 2005) -> list[dict]:
    """Flags comparing every named community of every report with its ledger row."""
    out: list[dict] = []
    matches: dict[str, Any] = {}
    missing_reported: set[tuple[str, str]] = set()
    for doc in docs:
        if doc.get("status") != "ok":
            continue
        for report in doc.get("reports", []):
            for f in report.get("facts", []):
                subject = f.get("subject") or "aggregate"
                if subject == "aggregate" or _UNNAMED.search(subject) or f.get("status") in ("started", "completed"):
                    continue
                key = _field_key(f, report["text"])
                ledger_field = FIELDS.get(key) if key else None
                if f["type"] == "investment" and f.get("role") in FUND_FIELDS:
                    ledger_field = f["role"]
                if f["type"] == "date" and f.get("role") in DATE_FIELDS and isinstance(f.get("value"), str):
                    ledger_field = f["role"]
                if ledger_field is None:
                    continue
                if subject not in matches:
                    matches[subject] = match_name(subject, ledger, context=report.get("title"))
                m = matches[subject]
                if m.status in ("none", "ambiguous"):
                    if (doc["file"], subject) in missing_reported:
                        continue
                    missing_reported.add((doc["file"], subject))
                    if m.status == "none":
                        out.append(flag("ledger_missing", "warning", None,
                                        f"报告提及的 {subject} 在台账中找不到对应的行（{where(doc, report, f)}），"
                                        f"请核实是否漏报台账或名称写法不同。", [evidence(doc, report, f)]))
                    else:
                        names = "、".join(f"第{r.row}行 {r.name}" for r, _ in m.candidates[:3])
                        out.append(flag("ledger_missing", "info", None,
                                        f"报告中的 {subject} 在台账中有多个可能对应的行（{names}），未自动比对，"
                                        f"请人工确认（{where(doc, report, f)}）。", [evidence(doc, report, f)]))
                    continue
                row = m.row
                if ledger_field in DATE_FIELDS:
                    out.extend(_date_mismatch(doc, report, f, row, ledger_field, subject))
                    continue
                led = _fund_interval(row, ledger_field) if ledger_field in FUND_FIELDS else \
                    _ledger_interval(row, ledger_field)
                if led is None:
                    continue
                if ledger_field == "built_year":
                    year = _date_key(f["value"])
                    if not year:
                        continue
                    y = float(year[:4])
                    mismatch = not (led[0] <= y <= led[1])
                else:
                    iv = interval(f)
                    mismatch = bool(iv) and (iv.hi < led[0] or led[1] < iv.lo)
                if mismatch:
                    label = FIELD_LABEL[ledger_field]
                    fuzzy = f"（按名称近似匹配，相似度 {m.score:.2f}）" if m.status == "fuzzy" else ""
                    out.append(flag(
                        "ledger_mismatch", "warning",
                        {"n_buildings": "buildings", "building_area": "area"}.get(ledger_field, ledger_field)
                        if ledger_field not in FUND_FIELDS else "investment",
                        f"{subject} 的{label}与台账不符：报告为 {_fmt(f) if ledger_field != 'built_year' else _date_key(f['value'])[:4] + '年'}"
                        f"（{where(doc, report, f)}），台账第{row.row}行“{row.name}”为 {_ledger_text(row, ledger_field, ledger)}"
                        f"{fuzzy}。", [evidence(doc, report, f)], _row_ref(row)))
    out.extend(_policy_rows(ledger, cutoff, extended))
    out.extend(check_year_totals(docs, ledger))
    return out


# X01: report fact type → (ledger column summed, label); communities are counted as rows when the ledger has
# no 小区个数 column
YEAR_TOTALS = {"communities": ("n_communities", "改造小区数"), "households": ("households", "户数"),
               "buildings": ("n_buildings", "楼栋数"), "area": ("building_area", "建筑面积"),
               "investment": ("investment_total", "总投资")}
# a place named in a title that the ledger may not hold (a district, county, street, town): words ending like
# one that are no place of that kind
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,5}?(?:自治县|县|区|街道|镇|乡)")
_NOT_A_PLACE = ("小区", "社区", "园区", "片区", "辖区", "城区", "市区", "景区", "校区", "厂区", "矿区", "院区", "街区",
                "城镇", "乡镇", "村镇", "集镇")
# a report about the whole city (compared with the whole of a ledger of several districts)
_WHOLE_CITY = re.compile(r"全市|本市|我市|市级|市人大|市政协|市政府|市住建")


class _Places:
    """A ledger's detail rows by street and by district (each value with its key for ``_loc_key`` matching),
    and a place's rows of a plan year with their sums, worked out once for a batch."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.rows = ledger.details()
        self._years: dict[tuple[str, str], tuple[list[LedgerRow], dict[str, tuple[float, float] | None]]] = {}
        self.by_field: dict[str, dict[str, list[LedgerRow]]] = {}
        for field_name in ("street", "county"):
            if field_name in ledger.mapping:
                groups: dict[str, list[LedgerRow]] = {}
                for r in self.rows:
                    v = r.text(field_name)
                    if v and len(_loc_key(v)) >= 2:
                        groups.setdefault(v, []).append(r)
                self.by_field[field_name] = groups
        self.keys = {v: _loc_key(v) for groups in self.by_field.values() for v in groups}
        self.several_counties = len(self.by_field.get("county", {})) > 1

    def in_scope(self, title: str, head: str) -> tuple[list[LedgerRow], str] | None:
        """The detail rows a report is about, and the place's name ("" for the whole ledger): those of the
        one street or district its title names (a ledger value written out in full); the whole ledger when
        the title names no district, street or town at all, and — if the ledger holds several districts —
        the title or the report's opening (``head``) speaks of the whole city; None otherwise (it names
        several, or one the ledger does not hold, or it may be about one district without naming it)."""
        key = _loc_key(title)
        for groups in self.by_field.values():  # streets first
            hits = [v for v in sorted(groups) if self.keys[v] in key]
            if len(hits) == 1:
                return groups[hits[0]], hits[0]
            if len(hits) > 1:
                return None
        if any(not m.group().endswith(_NOT_A_PLACE) for m in _PLACE.finditer(title)):
            return None
        if self.several_counties and not _WHOLE_CITY.search(title + head):
            return None
        return self.rows, ""

    def year(self, place: str, rows: list[LedgerRow], year: str
             ) -> tuple[list[LedgerRow], dict[str, tuple[float, float] | None]]:
        """Of ``place``'s ``rows`` (as ``in_scope`` gives them), those planned for ``year``, and their sums by
        fact type (``_ledger_sum``)."""
        found = self._years.get((place, year))
        if found is None:
            chosen = [r for r in rows if (r.text("plan_year") or "").startswith(year)]
            sums = {ftype: _ledger_sum(chosen, ftype, self.ledger) for ftype in YEAR_TOTALS} if chosen else {}
            found = self._years[(place, year)] = (chosen, sums)
        return found


def _ledger_sum(rows: list[LedgerRow], ftype: str, ledger: Ledger) -> tuple[float, float] | None:
    """(lo, hi) of the sum of a column over ``rows`` (a count of the rows for communities without a 小区个数
    column); None when a row has no figure."""
    column = YEAR_TOTALS[ftype][0]
    if ftype == "communities" and column not in ledger.mapping:
        return float(len(rows)), float(len(rows))
    if column not in ledger.mapping:
        return None
    lo = hi = 0.0
    for row in rows:
        cell = row.fields.get(column)
        iv = cell.interval() if cell is not None and cell.value is not None else None
        if iv is None:
            return None
        lo, hi = lo + float(iv[0]), hi + float(iv[1])
    return lo, hi


# a sentence that sums several years ("2021年以来累计改造…") states no year's total
_CUMULATIVE = re.compile(r"累计|以来|历年|近年|近几年|先后|至今|合计.{0,4}年")
_THIS_YEAR = re.compile(r"今年|本年|全年|年度")


def _year_total_candidates(report: dict) -> dict[tuple[str, str], list[tuple[dict, float | None]]]:
    """(type, year) → a report's figures that may state the year's total: aggregate, of one plan year,
    planned or done (not 已开工/已完工 counts), written in prose (a table row is a part), not after a 其中 in
    their clause (a part: "其中望岳街道2个小区、东坡街道1个小区"), money only as the total investment.
    Their sentence names the year ("2022年", or 今年/全年/年度), so a year carried over from an earlier
    sentence does not count, and sums no years ("累计", "以来"). Each comes with the number of communities
    its sentence states last before it, parts left out ("视察的3个小区共涉及居民1,384户" is about 3
    communities, not the year's), or None. A figure without a year of its own in a sentence of 全年/今年
    takes the year of the title, when the title names one ("柳林区2022年…工作总结": "全年共改造老旧小区5个")."""
    text = report["text"]
    title_years = set(re.findall(r"(?<!\d)(20\d\d)(?!\d)", report.get("title") or ""))
    title_year = title_years.pop() if len(title_years) == 1 else None

    def part(f: dict, s_start: int) -> bool:
        clause_start = max(s_start, max(text.rfind(c, s_start, f["start"]) for c in "，；,;") + 1)
        return "其中" in text[clause_start:f["start"]]

    counts = sorted((c for c in report.get("facts", []) if c["type"] == "communities"
                     and isinstance(c.get("value"), (int, float))
                     and not part(c, sentence_bounds(text, c["start"])[0])), key=lambda c: c["start"])
    out: dict[tuple[str, str], list[tuple[dict, float | None]]] = {}
    for f in report.get("facts", []):
        ftype, scope = f["type"], f.get("scope") or title_year
        if ftype not in YEAR_TOTALS or (f.get("subject") or "aggregate") != "aggregate" or not scope \
                or not re.fullmatch(r"\d{4}", scope) or f.get("status") in ("started", "completed") \
                or not isinstance(f.get("value"), (int, float)) or not re.search(r"[\u4e00-\u9fff]", f.get("raw", "")):
            continue
        if (ftype == "investment" and f.get("role") != "total") \
                or (ftype == "area" and f.get("role") not in ("building", "renovated")):
            continue
        s_start, s_end = sentence_bounds(text, f["start"])
        sentence = text[s_start:s_end]
        if part(f, s_start) or _CUMULATIVE.search(sentence) \
                or (f"{scope}年" not in sentence and not _THIS_YEAR.search(sentence)) \
                or (not f.get("scope") and not _THIS_YEAR.search(sentence)):
            continue
        before = [c["value"] for c in counts if s_start <= c["start"] < f["start"]]
        n = before[-1] if before else None
        out.setdefault((ftype, scope), []).append((f, n))
    return out


def check_year_totals(docs: list[Doc], ledger: Ledger) -> list[dict]:
    """X01: a report's total for one plan year against the ledger's rows of that year (in the place its title
    names). A figure group is silent when any of its figures agrees with the ledger (the others may be the
    parts of a breakdown the sentence does not mark); otherwise the first one is flagged."""
    if "plan_year" not in ledger.mapping:
        return []
    places = _Places(ledger)
    out: list[dict] = []
    for doc in docs:
        if doc.get("status") != "ok":
            continue
        for report in doc.get("reports", []):
            groups = _year_total_candidates(report)
            if not groups:
                continue
            text = report.get("text") or ""
            title = report.get("title") or text.split("\n", 1)[0][:80]
            scope = places.in_scope(title, text[:200])
            if scope is None:
                continue
            rows, place = scope
            for (ftype, year), facts in groups.items():
                year_rows, sums = places.year(place, rows, year)
                if not year_rows:
                    continue
                led, communities = sums[ftype], sums["communities"]
                if led is None or communities is None:
                    continue
                # a figure of fewer (or more) communities than the year's is about a part of them
                facts = [f for f, n in facts if ftype == "communities" or n is None or n == communities[0]]
                if not facts or any((iv := interval(f)) is not None and iv.lo <= led[1] and led[0] <= iv.hi
                                    for f in facts):
                    continue
                f = facts[0]
                in_wan = ftype == "area" and "万" in f.get("raw", "")  # m² shown as the report writes them

                def show(x: float, f: dict = f, in_wan: bool = in_wan) -> str:
                    return _fmt_num(x / 10000, "万平方米") if in_wan else _fmt_num(x, f.get("unit") or "")

                value = (led[0] + led[1]) / 2
                out.append(flag(
                    "ledger_mismatch", "warning", ftype,
                    f"报告所述{place}{year}年{YEAR_TOTALS[ftype][1]}为 {f['raw']}（{where(doc, report, f)}），"
                    f"台账{place}{year}年度{len(year_rows)}行明细（{_rows_text([r.row for r in year_rows])}）合计为 "
                    f"{show(value)}，相差 {show(abs(f['value'] - value))}。请核对报告口径或台账是否漏报、多报。",
                    [evidence(doc, report, f)]))
    return out


# report date roles → ledger date columns (actual first); months of slack before a difference is flagged:
# ledger dates are plans, reports tell what happened, so only a gap of more than half a year is a lead.
DATE_FIELDS = {"start": ("start_actual", "start_plan"), "completion": ("finish_actual", "finish_plan")}
DATE_SLACK_MONTHS = 6


def _months(iso: str) -> int:
    return int(iso[:4]) * 12 + (int(iso[5:7]) if len(iso) >= 7 else 6)


def _date_mismatch(doc: Doc, report: dict, f: dict, row: LedgerRow, role: str, subject: str) -> list[dict]:
    for field_name in DATE_FIELDS[role]:
        cell = row.fields.get(field_name)
        if cell is None or not isinstance(cell.value, str) or not re.match(r"^\d{4}", cell.value):
            continue
        gap = abs(_months(f["value"]) - _months(cell.value))
        if gap <= DATE_SLACK_MONTHS:
            return []
        label = "开工" if role == "start" else "完工"
        return [flag("ledger_mismatch", "warning", "date",
                     f"{subject} 的{label}时间与台账相差约 {gap} 个月：报告为 {f['value']}（{where(doc, report, f)}），"
                     f"台账第{row.row}行“{row.name}”为 {cell.raw}。", [evidence(doc, report, f)], _row_ref(row))]
    return []


def _policy_rows(ledger: Ledger, cutoff: int, extended: int) -> list[dict]:
    out = []
    for row in ledger.details():
        iv = _ledger_interval(row, "built_year")
        if iv is None or iv[0] == float("-inf"):
            continue
        year = int(iv[0])  # a range 1985-1992 is eligible when its start is
        if year > extended:
            out.append(flag("policy_build_year", "error", "built_year",
                            f"台账第{row.row}行“{row.name}”建成于 {year} 年，晚于政策允许的 {extended} 年底，"
                            f"不属于城镇老旧小区改造范围。", [], _row_ref(row)))
        elif year > cutoff:
            out.append(flag("policy_build_year", "warning", "built_year",
                            f"台账第{row.row}行“{row.name}”建成于 {year} 年，属于 {cutoff + 1}—{extended} 年的扩展范围，"
                            f"请核实是否符合本地政策及比例要求。", [], _row_ref(row)))
    return out


def ledger_flags(docs: list[Doc], ledger: Ledger) -> list[dict]:
    """The ledger's own checks plus every report ↔ ledger check, as contract dicts."""
    own = [f.to_dict() for f in check_ledger(ledger, checks=("L01", "L02", "L03", "L05", "L06", "L07", "L08", "L09",
                                                             "L10", "L12", "L13", "L14", "L15", "L16", "L19", "L20"))]
    return own + check_against_ledger(docs, ledger)
