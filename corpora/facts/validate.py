#!/usr/bin/env python3
"""Validate the annotated fact-extraction evaluation set in corpora/facts/.

Usage:  python corpora/facts/validate.py [-q]

Checks, for every reports/NN_slug.txt and annotations/NN_slug.json:
  * pairing: every report has an annotation and every annotation a report;
  * report size (400-2,500 characters) and 8-40 facts per report;
  * every ``raw`` (facts, placeholders, non_facts) occurs in the report at the given ``occurrence``
    (1-based, counting every start position, overlapping matches included);
  * enums (type, unit, approx, role, status, non_fact ``why``) and value types
    (ISO partial dates, two-element ranges, numbers);
  * consistency between ``raw`` and ``value``/``approx`` where the raw is self-describing
    (e.g. ``1.76亿元`` -> 17600, ``约 12 万平方米`` -> 120000 and approx 约, ``2021 年 6 月底`` -> 2021-06);
  * no two annotated spans overlap (a non-fact never overlaps a fact);
  * coverage: every Arabic / full-width digit run, every Chinese numeral followed by a counting unit and
    every ``X``/``__`` number slot in the report lies inside an annotated span (fact, placeholder or
    non-fact), apart from list markers (``1.`` ``（2）``) and ``序号`` table cells.
Prints counts per type, role, status, approx, placeholders and non-fact reasons, and exits 1 on any error.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORTS = HERE / "reports"
ANNOTATIONS = HERE / "annotations"

UNIT_OF_TYPE = {"households": "户", "area": "m2", "investment": "万元", "buildings": "栋",
                "communities": "个", "date": None, "percent": "%"}
COUNT_TYPES = {"households", "buildings", "communities"}
APPROX = ["超过", "以上", "左右", "约", "近", "余", "多"]
ROLES = {
    "investment": {None, "total", "self_raised", "central_subsidy", "local_fiscal", "resident",
                   "social_capital", "completed"},
    "area": {None, "building", "land", "renovated"},
    "date": {"start", "completion", "as_of", "built", "other"},
}
STATUSES = {None, "planned", "started", "completed", "implemented"}
WHY = {"length", "parking", "charger", "elevator", "streetlight", "stairwell", "project_count",
       "per_household", "unit_cost", "duration", "age", "document_number", "digit_in_name", "idiom",
       "people", "other_count", "percentage_points", "temperature", "name_placeholder", "other"}
FACT_KEYS = ["raw", "occurrence", "type", "value", "unit", "approx", "role", "status", "subject", "scope"]

DATE_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
SCOPE_RE = re.compile(r"^\d{4}(-\d{4})?$")

# --------------------------------------------------------------------------- text normalisation

FULLWIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
TRADITIONAL = str.maketrans({"萬": "万", "億": "亿", "戶": "户", "棟": "栋", "個": "个", "處": "处",
                             "點": "点", "兩": "两"})
CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
            "八": 8, "九": 9}
CN_SMALL = {"十": 10, "百": 100, "千": 1000}
CN_CHARS = "〇零一二两三四五六七八九十百千万亿点"


def norm(s: str) -> str:
    return s.translate(FULLWIDTH).translate(TRADITIONAL)


def cn_int(s: str) -> int:
    """Chinese numeral without decimal point -> int ('一亿零五百万' -> 105000000, '二〇一九' -> 2019)."""
    if s and all(ch in CN_DIGIT for ch in s):
        return int("".join(str(CN_DIGIT[ch]) for ch in s))
    result = section = num = 0
    for ch in s:
        if ch in CN_DIGIT:
            num = CN_DIGIT[ch]
        elif ch in CN_SMALL:
            section += (num if num else 1) * CN_SMALL[ch]
            num = 0
        elif ch == "万":
            section += num
            result += section * 10**4
            section = num = 0
        elif ch == "亿":
            section += num
            result = (result + section) * 10**8
            section = num = 0
        else:
            raise ValueError(s)
    return result + section + num


def cn_number(s: str) -> float:
    if "点" in s:
        whole, frac = s.split("点", 1)
        return cn_int(whole) + float("0." + "".join(str(CN_DIGIT[c]) for c in frac))
    return cn_int(s)


# --------------------------------------------------------------------------- raw -> value

QTY_ARABIC = re.compile(r"^(?P<num>\d[\d,\s]*(?:\.\s*\d+)?)\s*(?P<mult>万|亿|千)?\s*(?:余|多)?\s*(?P<unit>.*)$")
QTY_CN = re.compile(r"^(?P<num>[〇零一二两三四五六七八九十百千万亿点]+?)\s*(?:余|多)?\s*(?P<unit>[^〇零一二两三四五六七八九十百千万亿点].*|)$")
UNITS = {
    "households": {"户", "套"},
    "buildings": {"栋", "幢", "座"},
    "communities": {"个", "处"},
    "area": {"平方米", "㎡", "m2", "m²", "平米", "方"},
    "investment": {"元"},
    "percent": {"%"},
}
MULT = {None: 1, "千": 1000, "万": 10**4, "亿": 10**8}


def strip_approx(s: str) -> str:
    s = s.strip()
    for p in ("约", "近", "超过"):
        if s.startswith(p):
            s = s[len(p):]
    for p in ("以上", "左右"):
        if s.endswith(p):
            s = s[: -len(p)]
    return s.strip()


def parse_side(s: str):
    """-> (number, multiplier, unit) or None."""
    s = s.strip()
    m = re.fullmatch(r"百分之([〇零一二两三四五六七八九十百千点]+)", s)
    if m:
        return cn_number(m.group(1)), None, "%"
    m = QTY_ARABIC.match(s)
    if m:
        num = float(re.sub(r"[,\s]", "", m.group("num")))
        return num, m.group("mult"), m.group("unit").strip()
    m = QTY_CN.match(s)
    if m:
        try:
            return cn_number(m.group("num")), None, m.group("unit").strip()
        except (ValueError, KeyError):
            return None
    return None


def to_value(typ: str, num: float, mult, unit: str):
    """Canonical value, or ('bare', number) when the raw carries no unit (table cell)."""
    if unit == "":
        return ("bare", num * MULT[mult])
    if unit not in UNITS[typ]:
        return None
    if typ == "area":
        return num * MULT[mult]
    if typ == "investment":
        return {None: num / 10**4, "万": num, "亿": num * 10**4, "千": num / 10}[mult]
    return num * MULT[mult]


def expected_quantity(raw: str, typ: str):
    s = strip_approx(norm(raw))
    parts = re.split(r"\s*(?:到|至|—|－|~|～)\s*", s)
    if len(parts) == 2:
        right = parse_side(parts[1])
        left = parse_side(parts[0])
        if not left or not right:
            return None
        lnum, lmult, lunit = left
        rnum, rmult, runit = right
        if lunit == "":
            lunit = runit
            lmult = lmult or (rmult if typ not in ("percent",) else None)
        lo, hi = to_value(typ, lnum, lmult, lunit), to_value(typ, rnum, rmult, runit)
        if lo is None or hi is None:
            return None
        return [lo, hi]
    if len(parts) != 1:
        return None
    side = parse_side(s)
    if not side:
        return None
    return to_value(typ, *side)


CN_MONTH = "一二三四五六七八九十"
YEAR_PAT = r"(?P<y>\d{4}|[〇零一二三四五六七八九]{4}|今年|去年|明年|前年|同年|当年)"
MONTH_PAT = r"(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})"
DAY_PAT = r"(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})"
DATE_CN = re.compile(rf"^(?:{YEAR_PAT}年?)?(?:{MONTH_PAT}月)?(?:{DAY_PAT}[日号])?"
                     r"(?:底|初|末|中旬|上旬|下旬|份|度)?$")
DATE_ISO = re.compile(r"^(?P<y>\d{4})[-./](?P<m>\d{1,2})(?:[-./](?P<d>\d{1,2}))?$")
DECADE = re.compile(r"^(?:上世纪|二十世纪)?(?P<a>[一二三四五六七八九])(?P<b>[一二三四五六七八九])?十年代$")


def _num(s):
    if s is None:
        return None
    return int(s) if s.isdigit() else cn_int(s)


def parse_date_side(s: str, ryear):
    """-> (year or None if unknown, month, day) or None if unparseable."""
    m = DATE_ISO.match(s) or DATE_CN.match(s)
    if not m or not any(m.group(k) for k in ("y", "m", "d")):
        return None
    y = m.group("y")
    rel = {"今年": 0, "当年": 0, "去年": -1, "明年": 1, "前年": -2}
    if y in rel:
        year = ryear + rel[y] if ryear else None
    elif y == "同年" or y is None:
        year = None
    else:
        year = _num(y)
    return year, _num(m.group("m")), _num(m.group("d"))


def expected_date(raw: str, ryear):
    s = re.sub(r"\s+", "", norm(raw))
    m = DECADE.match(s)
    if m:
        a = CN_DIGIT[m.group("a")]
        b = CN_DIGIT[m.group("b")] if m.group("b") else a
        return [(1900 + a * 10, None, None), (1900 + b * 10 + 9, None, None)]
    parts = re.split(r"至|—|－|到|~|～", s)
    if len(parts) == 2:
        left, right = parts[0], parts[1]
        if re.fullmatch(r"\d{4}", left):
            left += "年"
        lo, hi = parse_date_side(left, ryear), parse_date_side(right, ryear)
        if not lo or not hi:
            return None
        if hi[0] is None and lo[0] is not None:
            hi = (lo[0], hi[1], hi[2])
        return [lo, hi]
    if len(parts) == 1:
        side = parse_date_side(s, ryear)
        return [side] if side else None
    return None


def date_tuple(v: str):
    parts = v.split("-")
    return int(parts[0]), (int(parts[1]) if len(parts) > 1 else None), (int(parts[2]) if len(parts) > 2 else None)


def close(a, b) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


TABLE_UNIT = re.compile(r"[（(]\s*(万元|亿元|元|万平方米|万㎡|万m2|万m²|平方米|㎡|m2|m²|户|栋|个|%)\s*[)）]")
UNIT_LINE = re.compile(r"^\s*单位\s*[：:]\s*(万元|亿元|元|万平方米|平方米|户|栋|个)")
CELL_FACTOR = {"万元": 1, "亿元": 10**4, "元": 1e-4, "万平方米": 10**4, "万㎡": 10**4, "万m2": 10**4,
               "万m²": 10**4, "平方米": 1, "㎡": 1, "m2": 1, "m²": 1}


def table_cell_unit(text: str, pos: int) -> str | None:
    """Unit of the table cell at ``pos``: from its column header, its row label or a 单位 line above the table."""
    lines = text.split("\n")
    starts, acc = [], 0
    for line in lines:
        starts.append(acc)
        acc += len(line) + 1
    li = max(i for i, st in enumerate(starts) if st <= pos)
    if not lines[li].startswith("|"):
        return None
    first = li
    while first > 0 and lines[first - 1].startswith("|"):
        first -= 1

    def cells(i):
        line = lines[i]
        bars = [j for j, ch in enumerate(line) if ch == "|"]
        return [(starts[i] + a + 1, starts[i] + b, line[a + 1:b]) for a, b in zip(bars, bars[1:])]

    row = cells(li)
    col = next((k for k, (a, b, _) in enumerate(row) if a <= pos < b), None)
    header = cells(first)
    for source in ([header[col][2]] if col is not None and col < len(header) else []) + [row[0][2]]:
        m = TABLE_UNIT.search(source)
        if m:
            return m.group(1)
    if first > 0:
        m = UNIT_LINE.match(lines[first - 1])
        if m:
            return m.group(1)
    return None


def check_value_vs_raw(f: dict, ryear, text: str = "", pos: int = 0) -> str | None:
    """Return an error message if the raw text contradicts the annotated value, else None."""
    typ, raw, value = f["type"], f["raw"], f["value"]
    if typ == "date":
        exp = expected_date(raw, ryear)
        if exp is None:
            return f"cannot parse date raw {raw!r} (extend the checker or fix the raw)"
        got = value if isinstance(value, list) else [value]
        if len(exp) != len(got):
            return f"date {raw!r}: expected {'a range' if len(exp) == 2 else 'a single date'}"
        for (ey, em, ed), g in zip(exp, got):
            gy, gm, gd = date_tuple(g)
            if (em is None) != (gm is None) or (ed is None) != (gd is None):
                return f"date {raw!r} -> {value!r}: granularity differs from the raw"
            if (em is not None and em != gm) or (ed is not None and ed != gd):
                return f"date {raw!r} -> {value!r}: month/day differ from the raw"
            if ey is not None and ey != gy:
                return f"date {raw!r} -> {value!r}: year should be {ey}"
            if ey is None and ryear and abs(gy - ryear) > 1:
                return f"date {raw!r} -> {value!r}: year far from the report date {ryear}"
        return None
    exp = expected_quantity(raw, typ)
    if exp is None:
        return f"cannot parse {typ} raw {raw!r} (extend the checker or fix the raw)"
    got = value if isinstance(value, list) else [value]
    exp_l = exp if isinstance(exp, list) else [exp]
    if len(got) != len(exp_l):
        return f"{raw!r}: range/non-range mismatch with value {value!r}"
    for e, g in zip(exp_l, got):
        if isinstance(e, tuple):  # bare table cell: the unit sits in the header/row label/unit line
            n = e[1]
            if typ in COUNT_TYPES or typ == "percent":
                if not close(n, g):
                    return f"table cell {raw!r}: value {g!r} should equal {n!r}"
            else:
                unit = table_cell_unit(text, pos) if text else None
                if unit not in CELL_FACTOR:
                    return f"bare {typ} figure {raw!r}: no unit in its column header, row label or 单位 line"
                if not close(n * CELL_FACTOR[unit], g):
                    return f"table cell {raw!r} ({unit}): value {g!r} should be {n * CELL_FACTOR[unit]!r}"
        elif not close(e, g):
            return f"{raw!r}: value {g!r} but the raw says {e!r}"
    return None


def approx_in_raw(raw: str) -> str | None:
    s = raw.strip()
    for p in ("超过", "约", "近"):
        if s.startswith(p):
            return p
    for p in ("以上", "左右"):
        if s.endswith(p):
            return p
    for p in ("余", "多"):
        if p in s:
            return p
    return None


# --------------------------------------------------------------------------- locating spans

def starts_of(text: str, raw: str) -> list[int]:
    return [m.start() for m in re.finditer("(?=" + re.escape(raw) + ")", text)] if raw else []


def locate(text: str, raw: str, occurrence) -> int | None:
    if not isinstance(occurrence, int) or isinstance(occurrence, bool) or occurrence < 1:
        return None
    st = starts_of(text, raw)
    return st[occurrence - 1] if occurrence <= len(st) else None


def table_seq_spans(text: str) -> list[tuple[int, int]]:
    """Spans of cells in a column headed 序号 (row numbers are not facts)."""
    spans, pos, header = [], 0, None
    for line in text.split("\n"):
        if line.startswith("|"):
            bars = [i for i, ch in enumerate(line) if ch == "|"]
            cells = [(pos + a + 1, pos + b) for a, b in zip(bars, bars[1:])]
            if header is None:
                header = [text[s:e].strip() for s, e in cells]
            else:
                spans.extend(c for h, c in zip(header, cells) if h == "序号")
        else:
            header = None
        pos += len(line) + 1
    return spans


DIGITS = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")
CN_COUNT = re.compile(r"[〇零一二两三四五六七八九十百千][〇零一二两三四五六七八九十百千万亿]*(?:余|多)?\s*(?:个|個|户|戶|栋|棟|幢|座|处|處|套|年|万|萬|亿|億|平方米|%)"
                      r"|百分之[〇零一二两三四五六七八九十百千点]+")
SLOT = re.compile(r"(?:[XxＸｘ×＊*□]+|_{2,}|＿{2,})\s*(?:个|户|栋|幢|万|亿|元|%|％|年|月|日|平方米)")


def is_list_marker(text: str, m: re.Match) -> bool:
    line_start = text.rfind("\n", 0, m.start()) + 1
    prefix = text[line_start:m.start()].strip()
    nxt = text[m.end():m.end() + 2]
    if prefix not in ("", "（", "("):
        return False
    if not nxt or nxt[0] not in "、.．)）":
        return False
    return not (len(nxt) > 1 and nxt[1].isdigit())


# --------------------------------------------------------------------------- main check

class Checker:
    def __init__(self):
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def err(self, where: str, msg: str):
        self.errors.append(f"{where}: {msg}")

    def check_pair(self, txt_path: Path, ann_path: Path, stats: dict):
        text = txt_path.read_text(encoding="utf-8")
        name = txt_path.name
        try:
            ann = json.loads(ann_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            self.err(ann_path.name, f"invalid JSON: {e}")
            return
        if ann.get("report") != name:
            self.err(ann_path.name, f"'report' is {ann.get('report')!r}, expected {name!r}")
        if not 400 <= len(text) <= 2500:
            self.err(name, f"length {len(text)} characters, expected 400-2,500")
        rdate = ann.get("report_date")
        if rdate is not None and (not isinstance(rdate, str) or not DATE_RE.match(rdate)):
            self.err(name, f"report_date {rdate!r} is not an ISO partial date")
        ryear = int(rdate[:4]) if isinstance(rdate, str) and DATE_RE.match(rdate) else None
        if ryear is None:
            # relative words resolve against the nearest explicit year; take the last 4-digit year in the text
            years = re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", norm(text))
            ryear = int(years[-1]) if years else None

        spans = []  # (start, end, kind, label)
        facts = ann.get("facts", [])
        if not isinstance(facts, list) or not facts:
            self.err(name, "no facts")
            facts = []
        if not 8 <= len(facts) <= 40:
            self.err(name, f"{len(facts)} facts, expected 8-40")
        for i, f in enumerate(facts):
            where = f"{name} fact #{i + 1} {f.get('raw')!r}"
            missing = [k for k in FACT_KEYS if k not in f]
            extra = [k for k in f if k not in FACT_KEYS]
            if missing or extra:
                self.err(where, f"keys missing {missing} / unexpected {extra}")
                continue
            typ = f["type"]
            if typ not in UNIT_OF_TYPE:
                self.err(where, f"bad type {typ!r}")
                continue
            if f["unit"] != UNIT_OF_TYPE[typ]:
                self.err(where, f"unit {f['unit']!r}, expected {UNIT_OF_TYPE[typ]!r} for {typ}")
            pos = locate(text, f["raw"], f["occurrence"])
            if pos is None:
                self.err(where, f"raw not found at occurrence {f['occurrence']!r}")
                continue
            spans.append((pos, pos + len(f["raw"]), "fact", where))
            v = f["value"]
            if typ == "date":
                ok = (isinstance(v, str) and DATE_RE.match(v)) or (
                    isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) and DATE_RE.match(x) for x in v)
                    and v[0] <= v[1])
                if not ok:
                    self.err(where, f"date value {v!r} is not ISO partial or a 2-element range")
            else:
                def num_ok(x):
                    if isinstance(x, bool) or not isinstance(x, (int, float)) or x < 0:
                        return False
                    return isinstance(x, int) if typ in COUNT_TYPES else True
                ok = num_ok(v) or (isinstance(v, list) and len(v) == 2 and all(num_ok(x) for x in v) and v[0] < v[1])
                if not ok:
                    self.err(where, f"value {v!r} is not a valid {typ} number or range")
            if f["approx"] is not None and f["approx"] not in APPROX:
                self.err(where, f"approx {f['approx']!r} not in {APPROX}")
            if f["approx"] != approx_in_raw(f["raw"]):
                self.err(where, f"approx {f['approx']!r} but the raw shows {approx_in_raw(f['raw'])!r}")
            allowed_roles = ROLES.get(typ, {None})
            if f["role"] not in allowed_roles:
                self.err(where, f"role {f['role']!r} not allowed for {typ}")
            if typ in COUNT_TYPES:
                if f["status"] not in STATUSES:
                    self.err(where, f"status {f['status']!r} not in {sorted(s for s in STATUSES if s)}")
            elif f["status"] is not None:
                self.err(where, "status is only for households/buildings/communities")
            subj = f["subject"]
            if not isinstance(subj, str) or not subj or (subj != "aggregate" and subj not in text):
                self.err(where, f"subject {subj!r} is neither 'aggregate' nor a name in the text")
            sc = f["scope"]
            if sc is not None and (not isinstance(sc, str) or not SCOPE_RE.match(sc)):
                self.err(where, f"scope {sc!r} must be null, 'YYYY' or 'YYYY-YYYY'")
            if typ == "date" and sc is not None:
                self.err(where, "dates carry no scope")
            msg = check_value_vs_raw(f, ryear, text, pos)
            if msg:
                self.err(where, msg)
            stats["type"][typ] += 1
            stats["role"][f"{typ}:{f['role']}"] += 1
            if typ in COUNT_TYPES:
                stats["status"][f["status"]] += 1
            stats["approx"][f["approx"]] += 1
            stats["subject"]["aggregate" if subj == "aggregate" else "named"] += 1
            stats["scoped"][sc is not None] += 1
            if isinstance(v, list):
                stats["ranges"][typ] += 1
            if re.search(r"[0-9０-９]\s+\S|\s[年月日]", f["raw"]):
                stats["features"]["pdf_space_fact"] += 1
        stats["per_report"][name] = len(facts)

        for i, p in enumerate(ann.get("placeholders", [])):
            where = f"{name} placeholder #{i + 1} {p.get('raw')!r}"
            if set(p) != {"raw", "occurrence"}:
                self.err(where, "placeholder keys must be raw, occurrence")
                continue
            if not re.search(r"[XxＸｘ×＊*□_＿]", p["raw"]):
                self.err(where, "placeholder raw has no X/_ marker")
            pos = locate(text, p["raw"], p["occurrence"])
            if pos is None:
                self.err(where, f"raw not found at occurrence {p['occurrence']!r}")
                continue
            spans.append((pos, pos + len(p["raw"]), "placeholder", where))
            stats["placeholders"] += 1
        for i, n in enumerate(ann.get("non_facts", [])):
            where = f"{name} non_fact #{i + 1} {n.get('raw')!r}"
            if not set(n) <= {"raw", "occurrence", "why"} or "raw" not in n or "why" not in n:
                self.err(where, "non_fact keys must be raw, why and optional occurrence")
                continue
            if n["why"] not in WHY:
                self.err(where, f"why {n['why']!r} not in {sorted(WHY)}")
            pos = locate(text, n["raw"], n.get("occurrence", 1))
            if pos is None:
                self.err(where, f"raw not found at occurrence {n.get('occurrence', 1)!r}")
                continue
            spans.append((pos, pos + len(n["raw"]), "non_fact", where))
            stats["non_facts"][n["why"]] += 1

        # overlapping spans
        spans.sort()
        for a, b in zip(spans, spans[1:]):
            if b[0] < a[1]:
                self.err(name, f"overlapping spans: {a[3]} and {b[3]}")

        # coverage
        covered = [(s, e) for s, e, _, _ in spans] + table_seq_spans(text)

        def is_covered(s, e):
            return any(cs <= s and e <= ce for cs, ce in covered)

        for m in DIGITS.finditer(text):
            if not is_covered(m.start(), m.end()) and not is_list_marker(text, m):
                ctx = text[max(0, m.start() - 12):m.end() + 8].replace("\n", "⏎")
                self.err(name, f"unannotated number {m.group()!r} at {m.start()} in …{ctx}…")
        for m in CN_COUNT.finditer(text):
            if not is_covered(m.start(), m.end()):
                ctx = text[max(0, m.start() - 12):m.end() + 8].replace("\n", "⏎")
                self.err(name, f"unannotated Chinese numeral {m.group()!r} at {m.start()} in …{ctx}…")
        for m in SLOT.finditer(text):
            if not is_covered(m.start(), m.end()):
                ctx = text[max(0, m.start() - 12):m.end() + 8].replace("\n", "⏎")
                self.err(name, f"unannotated placeholder slot {m.group()!r} at {m.start()} in …{ctx}…")

        # corpus features
        feats = stats["features"]
        if any(line.startswith("|") for line in text.split("\n")):
            feats["reports_with_tables"] += 1
        if re.search(r"[０-９]", text):
            feats["reports_with_fullwidth_digits"] += 1
        if re.search(r"[萬億戶棟區舊樓]", text):
            feats["reports_with_traditional_chars"] += 1
        if ann.get("placeholders"):
            feats["reports_with_placeholders"] += 1
        if any(re.search(r"[0-9０-９]\s+\S|\s[年月日]", f.get("raw", "")) for f in facts):
            feats["reports_with_pdf_spaces"] += 1
        if ann.get("non_facts"):
            feats["reports_with_distractors"] += 1
        if rdate:
            feats["reports_with_own_date"] += 1


def main(argv: list[str]) -> int:
    quiet = "-q" in argv
    chk = Checker()
    stats = {k: Counter() for k in ("type", "role", "status", "approx", "subject", "scoped", "ranges",
                                     "non_facts", "features")}
    stats["placeholders"] = 0
    stats["per_report"] = {}
    txts = {p.stem: p for p in sorted(REPORTS.glob("*.txt"))}
    anns = {p.stem: p for p in sorted(ANNOTATIONS.glob("*.json"))}
    for stem in sorted(set(txts) - set(anns)):
        chk.err(stem, "report without annotation")
    for stem in sorted(set(anns) - set(txts)):
        chk.err(stem, "annotation without report")
    for stem in sorted(set(txts) & set(anns)):
        if not re.match(r"^\d{2}_[a-z0-9_]+$", stem):
            chk.err(stem, "file name must be NN_slug")
        chk.check_pair(txts[stem], anns[stem], stats)

    total = sum(stats["type"].values())
    if not quiet:
        print(f"reports: {len(txts)}   annotations: {len(anns)}   facts: {total}   "
              f"placeholders: {stats['placeholders']}   non_facts: {sum(stats['non_facts'].values())}")
        print("\nfacts per type:")
        for k, v in stats["type"].most_common():
            print(f"  {k:<12} {v:>5}")
        print("\nroles (type:role):")
        for k, v in sorted(stats["role"].items()):
            print(f"  {k:<28} {v:>5}")
        print("\nstatus (counts only):")
        for k, v in stats["status"].most_common():
            print(f"  {str(k):<12} {v:>5}")
        print("\napprox:")
        for k, v in stats["approx"].most_common():
            print(f"  {str(k):<6} {v:>5}")
        print(f"\nsubjects: {dict(stats['subject'])}   with scope: {stats['scoped'][True]}   "
              f"ranges: {dict(stats['ranges'])}")
        print("\nnon_facts by reason:")
        for k, v in stats["non_facts"].most_common():
            print(f"  {k:<18} {v:>5}")
        print("\ncorpus features:")
        for k, v in sorted(stats["features"].items()):
            print(f"  {k:<32} {v:>5}")
        pr = stats["per_report"]
        if pr:
            print(f"\nfacts per report: min {min(pr.values())}, max {max(pr.values())}, "
                  f"mean {sum(pr.values()) / len(pr):.1f}")
    for w in chk.warnings:
        print("WARNING", w)
    if chk.errors:
        print(f"\n{len(chk.errors)} error(s):", file=sys.stderr)
        for e in chk.errors:
            print("  " + e, file=sys.stderr)
        return 1
    print("\nOK: all annotations valid.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
