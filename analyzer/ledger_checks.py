"""Report ↔ ledger checks: every named community's figures against its ledger row.

* ``ledger_mismatch`` — households, buildings, building area, total investment or build year of a
  community in a report differ from its ledger row beyond the stated precision of both;
* ``ledger_missing`` — a community named in a report has no ledger row (or, as a note, several
  rows fit equally well and none is chosen);
* ``policy_build_year`` — a ledger row built after the policy windows (DOMAIN.md §2.1).
The ledger's own checks (totals, funding split, duplicates, per-unit figures, the extended window's share,
types outside the programme, status, cost stages, residents' share, disbursement) come from
``ledger.check_ledger``; its L04 is left out here, as ``policy_build_year`` below covers the build year.
"""

from __future__ import annotations

import re
from typing import Any

from .checks import _date_key, _field_key, _fmt, evidence, flag, interval, where
from .ledger import Ledger, LedgerRow, check_ledger, match_name

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
                                                             "L10", "L12", "L13", "L14", "L15", "L19", "L20"))]
    return own + check_against_ledger(docs, ledger)
