"""Consistency checks on the extracted facts: inside a report, and across the reports of a batch.

Every comparison uses interval arithmetic on the stated precision (DOMAIN.md §3.3): a figure
written with k decimals in unit U stands for value ± ½·10^-k·U; an approximation word (约, 余,
近, 多, 左右, 超过, 以上) widens that to at least ±5%; a percentage with d decimals is consistent
with a computed ratio when the intervals touch (≤ on the edges). So ``5.21万 / 5.1万 = 101.7%`` and
万-rounded totals stay silent, while real contradictions are flagged with both figures and
where they stand.

Checks work on the contract's dicts (``documents/*.json``), so they also run on saved results.
Ledger checks live in ``ledger_checks.py``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

from .normalize import to_simplified
from .spans import line_bounds, sentence_bounds

Doc = dict[str, Any]
FactD = dict[str, Any]

PART_ROLES = ("self_raised", "central_subsidy", "local_fiscal", "resident", "social_capital")
TYPE_LABEL = {"households": "户数", "area": "面积", "investment": "投资", "buildings": "楼栋数",
              "communities": "小区数", "date": "日期", "percent": "百分比"}
ROLE_LABEL = {"total": "总投资", "self_raised": "企业自筹", "central_subsidy": "中央补助", "local_fiscal": "地方财政",
              "resident": "居民出资", "social_capital": "社会资本", "completed": "完成投资", "building": "建筑面积",
              "land": "用地面积", "renovated": "改造面积", "start": "开工", "completion": "竣工", "built": "建成"}
STATUS_LABEL = {"planned": "计划", "started": "开工", "completed": "完工", "implemented": "实施"}
UNIT_TEXT = {"m2": "平方米", "万元": "万元", "户": "户", "栋": "栋", "个": "个", "%": "%"}
APPROX_SHARE = 0.05

# Plausible per-unit bounds (DOMAIN.md L07–L09): outside them a unit error is the likely cause.
AREA_PER_HOUSEHOLD = (15.0, 400.0)  # m² per household
HOUSEHOLDS_PER_BUILDING = (1.0, 300.0)
YUAN_PER_M2 = (30.0, 3000.0)
WAN_PER_HOUSEHOLD = (0.1, 30.0)


# ---------------------------------------------------------------------------
# Intervals
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interval:
    lo: float
    hi: float

    def __add__(self, other: "Interval") -> "Interval":
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def overlaps(self, other: "Interval") -> bool:
        return self.lo <= other.hi and other.lo <= self.hi


_NUMBER = re.compile(r"\d[\d,]*(?:\.(\d+))?")


def interval(fact: FactD) -> Interval | None:
    """The interval a numeric fact stands for, from its raw text's precision.

    >>> interval({"type": "households", "value": 51000, "raw": "5.1万户", "approx": None})
    Interval(lo=50500.0, hi=51500.0)
    >>> interval({"type": "investment", "value": 8260, "raw": "约8260万元", "approx": "约"})
    Interval(lo=7847.0, hi=8673.0)
    """
    value = fact.get("value")
    if isinstance(value, list):
        try:
            return Interval(float(value[0]), float(value[1]))
        except (TypeError, ValueError):
            return None
    if not isinstance(value, (int, float)):
        return None
    return _scalar_interval(fact["type"], value, fact.get("raw") or "", bool(fact.get("approx")))


@lru_cache(maxsize=1 << 16)
def _scalar_interval(ftype: str, value: float, raw: str, approx: bool) -> Interval:
    """``interval`` of a single-valued fact (the batch checks, the ledger checks and the outputs ask for
    the same facts' intervals again and again)."""
    m = _NUMBER.search(raw)
    decimals = len(m.group(1)) if m and m.group(1) else 0
    scale = _written_scale(ftype, raw)
    half = 0.5 * 10 ** (-decimals) * scale if (decimals or scale > 1) else 0.0
    if m is None:  # Chinese numerals: exact
        half = 0.0
    if approx:
        half = max(half, abs(value) * APPROX_SHARE)
    return Interval(value - half, value + half)


def _written_scale(ftype: str, raw: str) -> float:
    """How many canonical units one written unit of the last digit's place is worth."""
    if ftype == "investment":
        if "亿" in raw:
            return 10000.0
        if "万" in raw:
            return 1.0
        if "元" in raw:
            return 0.0001
        return 1.0
    if ftype in ("area", "households", "buildings", "communities"):
        if "亿" in raw:
            return 1e8
        if "万" in raw:
            return 1e4
    return 1.0


def _fmt(fact: FactD) -> str:
    value = fact.get("value")
    unit = UNIT_TEXT.get(fact.get("unit") or "", fact.get("unit") or "")
    if isinstance(value, float):
        value = f"{value:,.2f}".rstrip("0").rstrip(".")
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value}{unit}"


def _who(fact: FactD) -> str:
    """"金亭花苑：" for a named community's figure, "" for an aggregate one."""
    subject = fact.get("subject") or "aggregate"
    return "" if subject == "aggregate" else f"{subject}："


def _fmt_num(x: float, unit: str = "") -> str:
    s = f"{x:,.2f}".rstrip("0").rstrip(".")
    return f"{s}{UNIT_TEXT.get(unit, unit)}"


# ---------------------------------------------------------------------------
# Flags
# ---------------------------------------------------------------------------


def evidence(doc: Doc, report: dict, fact: FactD) -> dict[str, Any]:
    return {"file": doc["file"], "report": report["index"], "raw": fact["raw"], "page": fact.get("page"),
            "start": fact["start"], "end": fact["end"]}


def where(doc: Doc, report: dict, fact: FactD) -> str:
    """《file》第N页「raw」 — where a figure stands, for messages."""
    page = f"第{fact['page']}页" if fact.get("page") else ""
    part = f"第{report['index']}篇" if len(doc.get("reports", [])) > 1 else ""
    return f"《{doc['file']}》{part}{page}「{fact['raw']}」"


def flag(kind: str, severity: str, field: str | None, message: str, evidence_list: list[dict],
         ledger_row: dict | None = None) -> dict[str, Any]:
    return {"kind": kind, "severity": severity, "field": field, "message": message,
            "evidence": evidence_list, "ledger_row": ledger_row}


# ---------------------------------------------------------------------------
# Inside one report
# ---------------------------------------------------------------------------


def _numeric(facts: Iterable[FactD]) -> list[FactD]:
    return [f for f in facts if f["type"] not in ("date",) and isinstance(f.get("value"), (int, float))]


def check_parts(doc: Doc, report: dict) -> list[dict]:
    """其中 parts against their whole: a funding source above the total (part_exceeds_whole), and
    parts that add up to more — or, when the list is complete, to less — than the total (breakdown_sum)."""
    text, out = report["text"], []
    facts = sorted(_numeric(report["facts"]), key=lambda f: f["start"])
    for i, total in enumerate(facts):
        if total["type"] == "investment" and total.get("role") not in ("total", "completed", None):
            continue
        is_money_total = total["type"] == "investment"
        s_start, s_end = sentence_bounds(text, total["start"])
        p_start, p_end = line_bounds(text, total["start"])
        after = text[total["end"]:p_end]
        k = after.find("其中")
        if k < 0 or k > 40:
            continue
        qi = total["end"] + k
        # the parts: same type, after 其中, in the same paragraph, up to the next sentence end past them
        region_end = sentence_bounds(text, qi + 2)[1]
        parts = []
        for f in facts[i + 1:]:  # in text order: stop past the region
            if f["start"] > region_end:
                break
            if f["start"] > qi and f["end"] <= region_end and f["type"] == total["type"] \
                    and f.get("subject") == total.get("subject"):
                parts.append(f)
        if is_money_total:
            parts = [f for f in parts if f.get("role") in PART_ROLES]
        else:
            parts = [f for f in parts if not f.get("role")]
        if not parts:
            continue
        whole = interval(total)
        if whole is None:
            continue
        for part in parts:
            iv = interval(part)
            if iv and iv.lo > whole.hi:
                out.append(flag(
                    "part_exceeds_whole", "error", total["type"],
                    f"{_who(total)}分项大于总数：{ROLE_LABEL.get(part.get('role'), '其中分项')} {_fmt(part)} 大于"
                    f"{ROLE_LABEL.get(total.get('role'), '总数')} {_fmt(total)}（{where(doc, report, part)}，"
                    f"{where(doc, report, total)}），多出 {_fmt_num(part['value'] - total['value'], total.get('unit') or '')}。",
                    [evidence(doc, report, part), evidence(doc, report, total)]))
        if len(parts) < 2:
            continue
        total_iv = Interval(0.0, 0.0)
        for part in parts:
            iv = interval(part)
            if iv is None:
                break
            total_iv = total_iv + iv
        else:
            region = text[qi:region_end]
            complete = is_money_total and len({p.get("role") for p in parts}) >= 3 or "分别为" in region \
                or not is_money_total
            open_list = re.search(r"等(?![级次])|其他|其余|另有|剩余|以及其他|不含", region)
            diff = sum(p["value"] for p in parts) - total["value"]
            if total_iv.lo > whole.hi or (complete and not open_list and total_iv.hi < whole.lo):
                names = "、".join(f"{ROLE_LABEL.get(p.get('role'), '')}{_fmt(p)}" for p in parts)
                out.append(flag(
                    "breakdown_sum", "error" if diff > 0 else "warning", total["type"],
                    f"{_who(total)}分项之和与总数不符：{names} 合计 {_fmt_num(sum(p['value'] for p in parts), total.get('unit') or '')}，"
                    f"而总数为 {_fmt(total)}（{where(doc, report, total)}），相差 {_fmt_num(abs(diff), total.get('unit') or '')}。",
                    [evidence(doc, report, total)] + [evidence(doc, report, p) for p in parts]))
    return out


def _ratio_fits(num: FactD, den: FactD, pct: FactD) -> bool | None:
    """Whether ``num ÷ den`` agrees with the stated ``pct`` within both precisions (None: not computable)."""
    n_iv, d_iv = interval(num), interval(den)
    if not n_iv or not d_iv or d_iv.lo <= 0:
        return None
    m = re.search(r"\.(\d+)", pct["raw"])
    half = 0.5 * 10 ** (-(len(m.group(1)) if m else 0))
    return Interval(100 * n_iv.lo / d_iv.hi, 100 * n_iv.hi / d_iv.lo).overlaps(
        Interval(pct["value"] - half, pct["value"] + half))


_RATE_CUES = {"开工率": ("started", "planned"), "完工率": ("completed", "planned"), "完成率": ("completed", "planned"),
              "竣工率": ("completed", "planned")}


def check_percents(doc: Doc, report: dict) -> list[dict]:
    """A stated rate against the counts it is computed from (percent_mismatch)."""
    text, out = report["text"], []
    facts = report["facts"]
    numeric = sorted(_numeric(facts), key=lambda f: f["start"])
    starts = [f["start"] for f in numeric]
    for pct in facts:
        if pct["type"] != "percent" or not isinstance(pct.get("value"), (int, float)) or pct.get("approx"):
            continue
        left = text[max(0, pct["start"] - 12):pct["start"]]
        p_start, _ = line_bounds(text, pct["start"])
        before = [f for f in numeric[bisect_left(starts, p_start):bisect_left(starts, pct["start"])]
                  if f["type"] != "percent"]
        num = den = None
        for cue, (num_status, den_status) in _RATE_CUES.items():
            if cue in left:
                nums = [f for f in before if f.get("status") == num_status and f["type"] in ("communities", "households")]
                if not nums:
                    break
                num = nums[-1]
                dens = [f for f in before if f.get("status") == den_status and f["type"] == num["type"]
                        and f["start"] < num["start"] and f.get("subject") == num.get("subject")]
                den = dens[-1] if dens else None
                break
        else:
            m = re.search(r"占(?:到)?(?P<what>总投资|计划(?:数|投资|总投资)?|年度计划投资|全部|总数)?的?$",
                          text[max(0, pct["start"] - 10):pct["start"]])
            if m and before:
                s_start, _ = sentence_bounds(text, pct["start"])
                in_sentence = [f for f in before if f["start"] >= s_start]
                if in_sentence:
                    num = in_sentence[-1]
                    what = m.group("what") or ""
                    if "投资" in what and num["type"] == "investment":
                        cands = [f for f in _numeric(facts) if f["type"] == "investment" and f.get("role") == "total"
                                 and f is not num and f.get("subject") == num.get("subject")]
                        den = cands[0] if cands else None
        if den is None and re.search(r"占(?:比)?(?:为|达)?$", left):
            # "走访20个小区，3个成立业委会，占17%": the last count over the count before it of the same kind
            s_start, _ = sentence_bounds(text, pct["start"])
            counts = [f for f in before if f["start"] >= s_start and f["type"] in ("communities", "households",
                                                                                  "buildings")]
            if len(counts) >= 2 and counts[-1]["type"] == counts[-2]["type"]:
                num, den = counts[-1], counts[-2]
                # benefit of the doubt: silent when any earlier count of the kind is a fitting denominator
                # ("抽查24个，其中21个良好、3个损坏，良好的占87.5%" is 21/24)
                if any(_ratio_fits(n, d, pct) for i, n in enumerate(counts) for d in counts[:i]
                       if n["type"] == d["type"]):
                    continue
        if not (num and den) or num is den:
            continue
        if _ratio_fits(num, den, pct) is False:
            computed = 100 * num["value"] / den["value"]
            out.append(flag(
                "percent_mismatch", "warning", "percent",
                f"{_who(num)}百分比与数字不符：{where(doc, report, pct)} 应为 {_fmt(num)} ÷ {_fmt(den)} ≈ {computed:.1f}%"
                f"（{where(doc, report, num)}，{where(doc, report, den)}），相差 {abs(computed - pct['value']):.1f} 个百分点。",
                [evidence(doc, report, pct), evidence(doc, report, num), evidence(doc, report, den)]))
    return out


def _date_key(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0]
    return value if isinstance(value, str) else None


def _before(a: str, b: str) -> bool:
    """a strictly before b, compared at the coarser of the two granularities."""
    n = min(len(a), len(b))
    return a[:n] < b[:n]


def check_dates(doc: Doc, report: dict) -> list[dict]:
    """Completion before start for the same subject (date_order)."""
    out = []
    by_subject: dict[str, dict[str, list[FactD]]] = defaultdict(lambda: defaultdict(list))
    for f in report["facts"]:
        if f["type"] == "date" and f.get("role") in ("start", "completion"):
            by_subject[f.get("subject") or "aggregate"][f["role"]].append(f)
    text = report["text"]
    plan_years = [f for f in report["facts"] if f["type"] == "date" and isinstance(f["value"], str)
                  and len(f["value"]) == 4 and (re.match(r"^(?:度)?(?:城镇)?(?:老旧小区)?(?:改造)?计划", text[f["end"]:f["end"] + 10])
                                                or re.search(r"(?:纳入|列入)$", text[max(0, f["start"] - 3):f["start"]]))]
    for subject, roles in by_subject.items():
        if subject == "aggregate":
            continue
        for plan in plan_years:
            if (plan.get("subject") or "aggregate") not in (subject, "aggregate"):
                continue
            for start in roles["start"]:
                s = _date_key(start["value"])
                if s and int(s[:4]) < int(plan["value"]) and line_bounds(text, plan["start"])[0] <= start["start"] + 400:
                    out.append(flag(
                        "date_order", "warning", "date",
                        f"{subject} 纳入 {plan['value']} 年度计划（{where(doc, report, plan)}），开工/进场日期却是 {s}"
                        f"（{where(doc, report, start)}），早于计划年度。",
                        [evidence(doc, report, start), evidence(doc, report, plan)]))
        for start in roles["start"]:
            for end in roles["completion"]:
                s, e = _date_key(start["value"]), _date_key(end["value"])
                if s and e and _before(e, s):
                    out.append(flag(
                        "date_order", "error", "date",
                        f"{subject} 的竣工/完工日期 {e}（{where(doc, report, end)}）早于开工/进场日期 {s}"
                        f"（{where(doc, report, start)}），时间顺序矛盾。",
                        [evidence(doc, report, end), evidence(doc, report, start)]))
    return out


_ORDER = {"planned": 0, "started": 1, "completed": 2}


def check_progress(doc: Doc, report: dict) -> list[dict]:
    """完工 ≤ 开工 ≤ 计划 for the same kind of count in one paragraph, unless 超额 is stated.

    Counts are grouped by type, subject, scope and paragraph first: only counts of one group are
    compared, so a long report costs linear time. Pairs come out in the order of the report."""
    text, out = report["text"], []
    counts = [f for f in _numeric(report["facts"]) if f["type"] in ("communities", "households", "buildings")
              and f.get("status") in _ORDER]
    groups: dict[tuple, list[int]] = defaultdict(list)
    for k, f in enumerate(counts):
        groups[(f["type"], f.get("subject"), f.get("scope"), line_bounds(text, f["start"]))].append(k)
    pairs = sorted((i, j) for (*_, (p_start, p_end)), group in groups.items()
                   if not re.search(r"超额|计划外|超出计划|超过计划|新增", text[p_start:p_end])  # over plan, said so
                   for n, i in enumerate(group) for j in group[n + 1:])
    for i, j in pairs:
        a, b = counts[i], counts[j]
        lo_f, hi_f = (a, b) if _ORDER[a["status"]] < _ORDER[b["status"]] else (b, a)
        if _ORDER[lo_f["status"]] == _ORDER[hi_f["status"]]:
            continue
        iv_lo, iv_hi = interval(lo_f), interval(hi_f)
        if iv_lo and iv_hi and iv_hi.lo > iv_lo.hi:
            out.append(flag(
                "progress_exceeds_plan", "warning", hi_f["type"],
                f"{_who(hi_f)}{STATUS_LABEL[hi_f['status']]}数 {_fmt(hi_f)}（{where(doc, report, hi_f)}）大于"
                f"{STATUS_LABEL[lo_f['status']]}数 {_fmt(lo_f)}（{where(doc, report, lo_f)}），"
                f"报告未说明超额完成。",
                [evidence(doc, report, hi_f), evidence(doc, report, lo_f)]))
    return out


_DESCRIBES = re.compile(r"(?:住户|居民|户数|涉及|共有|共|总户数|惠及|楼栋|住宅楼|房屋|楼宇|现有|有住宅|建筑面积|住宅面积"
                        r"|\d(?:栋|幢|座)楼?)[^，。；]{0,6}$")


def _field_key(f: FactD, text: str | None = None) -> tuple | None:
    """The field a fact states about its subject, for conflict checks (None: not comparable).

    Only descriptive figures count — ``住户2350户``, a table cell — not a part of the community
    (``约20户居民不同意``) or the quantity of some works (``道路黑化约8,600平方米``)."""
    if f["type"] == "date":
        return ("built",) if f.get("role") == "built" and isinstance(f.get("value"), str) else None
    if f["type"] == "area" and f.get("role") != "building":
        return None
    if f["type"] not in ("households", "buildings", "area"):
        return None
    if text is not None and re.search(r"[\u4e00-\u9fff]", f.get("raw", "")):  # prose, not a table cell
        if not _DESCRIBES.search(text[max(0, f["start"] - 16):f["start"]]):
            return None
    return ("area", "building") if f["type"] == "area" else (f["type"],)


def _communities_in_sentence(report: dict, f: FactD, counts: list[FactD]) -> Any:
    """The community count stated in the same sentence before a figure ("9个小区共涉及居民…");
    ``counts``: the report's community counts in text order."""
    s_start, _ = sentence_bounds(report["text"], f["start"])
    i = bisect_left(counts, f["start"], key=lambda c: c["start"]) - 1
    return counts[i]["value"] if i >= 0 and counts[i]["start"] >= s_start else None


def check_conflicts(doc: Doc, report: dict) -> list[dict]:
    """The same community — or the same aggregate: same year, same number of communities — given two
    different values for the same field (intra_doc_conflict)."""
    out = []
    seen: dict[tuple, FactD] = {}
    counts = sorted((c for c in report["facts"] if c["type"] == "communities"), key=lambda c: c["start"])
    for f in report["facts"]:
        subject = f.get("subject") or "aggregate"
        key = _field_key(f, report["text"])
        if key is None or f.get("status") in ("started", "completed"):
            continue
        if subject == "aggregate":
            n = _communities_in_sentence(report, f, counts)
            prose = re.search(r"[\u4e00-\u9fff]", f.get("raw", ""))  # table rows are different groups
            if n is None or f.get("scope") is None or key[0] != "households" or not prose:
                continue
            key = (*key, f"{n}个小区")
        full = (normalize_name(subject), f.get("scope"), *key)
        prev = seen.get(full)
        if prev is None:
            seen[full] = f
            continue
        if _differs(prev, f):
            who = f"{f['scope']}年{key[-1]}" if subject == "aggregate" else subject
            out.append(flag(
                "intra_doc_conflict", "warning", f["type"] if key[0] != "built" else "built_year",
                f"同一报告中 {who} 的{_field_label(key[:-1] if subject == 'aggregate' else key)}前后不一致：{_fmt(prev)}（{where(doc, report, prev)}）"
                f"与 {_fmt(f)}（{where(doc, report, f)}）。",
                [evidence(doc, report, prev), evidence(doc, report, f)]))
    return out


def _field_label(key: tuple) -> str:
    label = {"households": "户数", "buildings": "楼栋数", "area": "建筑面积", "built": "建成年份"}[key[0]]
    return f"（{key[-1]}）{label}" if key[-1].endswith("个小区") else label


def _differs(a: FactD, b: FactD) -> bool:
    if a["type"] == "date":
        ka, kb = _date_key(a["value"]), _date_key(b["value"])
        return bool(ka and kb and ka[:4] != kb[:4])
    ia, ib = interval(a), interval(b)
    return bool(ia and ib and not ia.overlaps(ib))


def check_plausibility(doc: Doc, report: dict) -> list[dict]:
    """Per-unit figures outside any plausible range: a unit error (万 forgotten, 元 for 万元)."""
    out = []
    groups: dict[tuple, dict[str, FactD]] = defaultdict(dict)
    text = report["text"]
    for f in _numeric(report["facts"]):
        subject = f.get("subject") or "aggregate"
        scope_key = (subject, f.get("scope")) if subject != "aggregate" else (subject, sentence_bounds(text, f["start"]))
        g = groups[scope_key]
        if f["type"] == "households" and "households" not in g:
            g["households"] = f
        elif f["type"] == "buildings" and "buildings" not in g:
            g["buildings"] = f
        elif f["type"] == "area" and f.get("role") in ("building", "renovated") and "area" not in g:
            g["area"] = f
        elif f["type"] == "investment" and f.get("role") == "total" and "investment" not in g:
            g["investment"] = f
    for g in groups.values():
        for spec in _RATIOS:
            num, den = g.get(spec.num), g.get(spec.den)
            if spec.only_without and g.get(spec.only_without):
                continue
            if not num or not den or den["value"] <= 0:
                continue
            ratio = num["value"] * spec.factor / den["value"]
            if spec.bounds[0] <= ratio <= spec.bounds[1]:
                continue
            owner = g.get("households") or g.get("investment") or num
            out.append(flag(
                "plausibility", "warning", spec.field,
                f"{_who(owner)}{spec.label}异常：{_fmt(num)} ÷ {_fmt(den)} ≈ {ratio:,.{spec.digits}f} {spec.unit}"
                f"（合理范围约 {spec.bounds[0]:g}–{spec.bounds[1]:g}），{spec.hint}："
                f"{where(doc, report, num)}，{where(doc, report, den)}。",
                [evidence(doc, report, num), evidence(doc, report, den)]))
    return out


@dataclass(frozen=True, slots=True)
class _Ratio:
    """A per-unit figure and its plausible range (DOMAIN.md L07–L09)."""

    num: str
    den: str
    factor: float
    bounds: tuple[float, float]
    label: str
    unit: str
    field: str
    digits: int
    hint: str = "疑为单位错误（如漏写“万”）"
    only_without: str | None = None  # skip when this figure is present (a better ratio exists)


_RATIOS = (
    _Ratio("area", "households", 1.0, AREA_PER_HOUSEHOLD, "户均面积", "平方米/户", "area", 2),
    _Ratio("households", "buildings", 1.0, HOUSEHOLDS_PER_BUILDING, "栋均户数", "户/栋", "buildings", 1,
           hint="请核实户数或楼栋数"),
    _Ratio("investment", "area", 10000.0, YUAN_PER_M2, "单位面积造价", "元/平方米", "investment", 0,
           hint="疑为单位错误（元与万元、平方米与万平方米）"),
    _Ratio("investment", "households", 1.0, WAN_PER_HOUSEHOLD, "户均投资", "万元/户", "investment", 2,
           hint="疑为单位错误（元与万元）", only_without="area"),
)


def check_placeholders(doc: Doc, report: dict) -> list[dict]:
    """Unfilled template figures: one note per report (placeholder, info)."""
    items = report.get("placeholders") or []
    if not items:
        return []
    shown = "、".join(f"「{p['raw']}」" for p in items[:8]) + ("等" if len(items) > 8 else "")
    return [flag("placeholder", "info", None,
                 f"《{doc['file']}》{report.get('title') or ''} 含 {len(items)} 处未填写的模板数字：{shown}，"
                 f"这些位置不作为数字参与核对，请向报送单位核实。",
                 [{"file": doc["file"], "report": report["index"], "raw": p["raw"], "page": p.get("page"),
                   "start": p["start"], "end": p["end"]} for p in items])]


def check_build_year(doc: Doc, report: dict, cutoff: int = 2000, extended: int = 2005) -> list[dict]:
    """A named community built after the policy windows (policy_build_year, DOMAIN.md §2.1)."""
    out = []
    for f in report["facts"]:
        if f["type"] != "date" or f.get("role") != "built" or (f.get("subject") or "aggregate") == "aggregate":
            continue
        key = _date_key(f["value"] if not isinstance(f["value"], list) else f["value"][1])
        if not key:
            continue
        year = int(key[:4])
        if year > extended:
            out.append(flag("policy_build_year", "error", "built_year",
                            f"{f['subject']} 建成于 {year} 年（{where(doc, report, f)}），晚于政策允许的 {extended} 年底，"
                            f"不属于城镇老旧小区改造范围（重点为 {cutoff} 年底前建成的小区）。",
                            [evidence(doc, report, f)]))
        elif year > cutoff:
            out.append(flag("policy_build_year", "warning", "built_year",
                            f"{f['subject']} 建成于 {year} 年（{where(doc, report, f)}），属于 {cutoff + 1}—{extended} 年的"
                            f"扩展范围，请核实是否符合本地政策及比例要求。", [evidence(doc, report, f)]))
    return out


REPORT_CHECKS = (check_parts, check_percents, check_dates, check_progress, check_conflicts, check_plausibility,
                 check_placeholders, check_build_year)


def dedupe(flags: list[dict]) -> list[dict]:
    """One flag per kind and set of figures: a table row and the sentence repeating it say the same."""
    seen, out = set(), []
    for f in flags:
        key = (f["kind"], f.get("field"), frozenset((e["file"], e["raw"]) for e in f["evidence"]))
        values = re.findall(r"[\d,.]+", f["message"])
        key2 = (f["kind"], f.get("field"), tuple(values[:2]))
        if key in seen or key2 in seen:
            continue
        seen.update((key, key2))
        out.append(f)
    return out


def check_document(doc: Doc) -> list[dict]:
    """Every inside-a-report check on one document dict; returns its flags."""
    flags: list[dict] = []
    if doc.get("status") != "ok":
        return flags
    for report in doc.get("reports", []):
        for check in REPORT_CHECKS:
            flags.extend(check(doc, report))
    return dedupe(flags)


# ---------------------------------------------------------------------------
# Across the reports of a batch
# ---------------------------------------------------------------------------

_SUFFIX = re.compile(r"(?:小区|社区)$")


def normalize_name(name: str) -> str:
    """A community name for comparison: simplified characters, no spaces or trailing 小区."""
    name = to_simplified(re.sub(r"\s+", "", name or ""))
    return _SUFFIX.sub("", name) or name


MAX_CONFLICT_EVIDENCE = 12  # files quoted in one cross_doc_conflict flag (the rest are counted)


def _value_class(f: FactD) -> tuple | None:
    """Facts of one class never differ from each other (``_differs``): the same interval, or for a
    date the same year. None: not comparable."""
    if f["type"] == "date":
        key = _date_key(f["value"])
        return ("year", key[:4]) if key else None
    iv = interval(f)
    return (iv.lo, iv.hi) if iv else None


def check_batch(docs: list[Doc]) -> list[dict]:
    """The same community given different figures by two files of the batch (cross_doc_conflict).

    Facts about one community and field are grouped by value first, and only the distinct values
    are compared: a batch holding many copies of the same report costs linear time and gives one
    flag per pair of differing values, naming every file on each side (up to MAX_CONFLICT_EVIDENCE).
    """
    seen: dict[tuple, dict[tuple, list[tuple[Doc, dict, FactD]]]] = defaultdict(dict)
    for doc in docs:
        if doc.get("status") != "ok":
            continue
        for report in doc.get("reports", []):
            for f in report["facts"]:
                subject = f.get("subject") or "aggregate"
                key = _field_key(f, report["text"])
                if subject == "aggregate" or key is None or f.get("status") in ("started", "completed"):
                    continue
                value = _value_class(f)
                if value is not None:
                    seen[(normalize_name(subject), *key)].setdefault(value, []).append((doc, report, f))
    out = []
    for (name, *key), by_value in seen.items():
        groups = list(by_value.values())
        reported: set[tuple] = set()
        for i, side_a in enumerate(groups):
            for side_b in groups[i + 1:]:
                if not _differs(side_a[0][2], side_b[0][2]):
                    continue
                pair = next(((a, b) for a in side_a for b in side_b if a[0]["file"] != b[0]["file"]), None)
                if pair is None:
                    continue  # one file on both sides: an intra-report matter
                (doc_a, rep_a, fa), (doc_b, rep_b, fb) = pair
                if (doc_a["file"], doc_b["file"]) in reported:
                    continue
                reported.add((doc_a["file"], doc_b["file"]))
                message = (f"不同报告对 {fa['subject']} 的{_field_label(tuple(key))}说法不一：{_fmt(fa)}（{where(doc_a, rep_a, fa)}）"
                           f"与 {_fmt(fb)}（{where(doc_b, rep_b, fb)}）。")
                others_a = _other_files(side_a, {doc_a["file"], doc_b["file"]})
                others_b = _other_files(side_b, {doc_a["file"], doc_b["file"]})
                if others_a or others_b:
                    message += f"另有 {len(others_a)} 个文件与前者相同、{len(others_b)} 个文件与后者相同。"
                extra = [evidence(d, r, f) for d, r, f in (others_a + others_b)[:MAX_CONFLICT_EVIDENCE - 2]]
                out.append(flag("cross_doc_conflict", "warning", fa["type"] if key[0] != "built" else "built_year",
                                message, [evidence(doc_a, rep_a, fa), evidence(doc_b, rep_b, fb), *extra]))
    return out


def _other_files(side: list[tuple[Doc, dict, FactD]], exclude: set[str]) -> list[tuple[Doc, dict, FactD]]:
    """The first fact of each further file on one side of a conflict."""
    seen = set(exclude)
    out = []
    for item in side:
        if item[0]["file"] not in seen:
            seen.add(item[0]["file"])
            out.append(item)
    return out
