"""Re-open the blind ledgers and re-check expected.json from the cells alone.

Usage: python verify.py        (needs only the standard library and openpyxl)

* sanity: plausible figures, funding sources add up, 合计 row adds up,
  unique names, build year <= 2005, start before finish;
* the rules as the helper understood them from the brief are recomputed; the
  set of findings must equal the planted list exactly (so clean rows and near
  misses are silent);
* each near miss is also shown to really be "near" (it carries the surface
  feature a careless rule would trip on), and the exact-boundary figures are
  checked under several float formulations.
"""
import json
import os
import re
import sys
from decimal import Decimal

import openpyxl

# the folder holding the workbooks and expected.json (default: this one; build.py OUT writes them elsewhere)
HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
KNOWN = ["序号", "区县", "街道", "小区名称", "房屋性质", "建成年份", "楼栋数", "户数", "建筑面积",
         "改造内容", "总投资", "中央预算内投资", "中央补助", "地方财政", "居民出资", "合同金额",
         "结算金额", "到位资金", "已拨付资金", "累计完成投资", "进展情况", "实际开工时间",
         "实际完工时间", "备注"]
MONEY = ["总投资", "中央预算内投资", "中央补助", "地方财政", "居民出资", "合同金额", "结算金额",
         "到位资金", "已拨付资金", "累计完成投资"]
FUNDS = ["中央预算内投资", "中央补助", "地方财政", "居民出资"]
CENT = Decimal("0.01")

L06_WORDS = ["城中村", "自建房", "棚户区", "棚改", "拆除重建"]
L06_OK = ["非城中村", "不属于棚改", "棚改安置"]
BUILDING = ["屋面", "外墙", "楼道", "门窗", "单元门", "保温", "防水", "粉刷"]
INFRA = ["管网", "管道", "道路", "绿化", "停车", "养老", "托育", "雨污", "供水", "供热", "燃气",
         "消防", "充电", "路灯", "照明", "安防", "监控", "电梯", "线缆"]

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


def dec(v):
    if v is None or v == "":
        return None
    return Decimal(repr(v)).quantize(CENT)


def ym(v):
    if v in (None, ""):
        return None
    m = re.fullmatch(r"(\d{4})(?:年|-)(\d{1,2})月?", str(v).strip())
    assert m, f"bad date {v!r}"
    return int(m.group(1)), int(m.group(2))


def year_of(v):
    if v in (None, ""):
        return None
    m = re.fullmatch(r"(\d{4})年?", str(v).strip())
    assert m, f"bad year {v!r}"
    return int(m.group(1))


def read(path):
    ws = openpyxl.load_workbook(path).active
    cols, hdr_last = {}, 0
    for r in range(1, 8):
        for c in range(1, ws.max_column + 1):
            v = ws.cell(r, c).value
            if isinstance(v, str) and v.strip() in KNOWN:
                cols[v.strip()] = c
                hdr_last = max(hdr_last, r)
    rows, total = [], None
    for r in range(hdr_last + 1, ws.max_row + 1):
        vals = {k: ws.cell(r, c).value for k, c in cols.items()}
        first = ws.cell(r, 1).value
        if first == "合计":
            total = (r, vals)
            continue
        if not vals.get("小区名称"):
            continue
        vals["_row"] = r
        rows.append(vals)
    return cols, rows, total


def L13(v):
    s = str(v.get("进展情况") or "")
    inv = dec(v.get("累计完成投资"))
    out = []
    if "未开工" in s and ((inv or 0) > 0 or v.get("实际开工时间") or v.get("实际完工时间")):
        out.append("L13")
    if ("已完工" in s or "竣工" in s) and inv is not None and inv == 0:
        out.append("L13")
    return out[:1]


def L06(v):
    text = "".join(str(v.get(k) or "") for k in ("小区名称", "房屋性质", "备注"))
    for ok in L06_OK:
        text = text.replace(ok, "")
    nature = str(v.get("房屋性质") or "")
    hit = any(w in text for w in L06_WORDS) or "商业" in nature or "办公" in nature
    return ["L06"] if hit else []


def L15(v):
    total, contract, settle = dec(v.get("总投资")), dec(v.get("合同金额")), dec(v.get("结算金额"))
    if contract is not None and contract * 10 > total * 11:
        return ["L15"]
    if settle is not None:
        base = contract if contract is not None else total
        if settle * 10 > base * 11:
            return ["L15"]
    return []


def only_building(content):
    items = [x for x in re.split(r"[、，,；;]", content or "") if x.strip()]
    return bool(items) and all(any(b in x for b in BUILDING) and not any(i in x for i in INFRA)
                               for x in items)


def L16(v):
    cbi = dec(v.get("中央预算内投资"))
    return ["L16"] if cbi and cbi > 0 and only_building(v.get("改造内容")) else []


def L19(v):
    res, total = dec(v.get("居民出资")), dec(v.get("总投资"))
    if res is None or not total:
        return []
    return ["L19"] if res * 100 < total else []


def L20(v):
    arr, paid = dec(v.get("到位资金")), dec(v.get("已拨付资金"))
    return ["L20"] if arr is not None and paid is not None and paid > arr else []


def L05(rows):
    with_year = [(year_of(v["建成年份"]), v["户数"]) for v in rows if v.get("建成年份")]
    allh = sum(h for _, h in with_year)
    ext = sum(h for y, h in with_year if 2001 <= y <= 2005)
    return ext, allh, Decimal(ext) / Decimal(allh)


def float_boundary_silent(a, b, ratio):
    """a is exactly `ratio` times b; no usual float formulation may call it 'over'."""
    a, b = float(a), float(b)
    r = float(ratio)
    over = [a > b * r, a / b > r, (a - b) / b > r - 1, a - b > (r - 1) * b,
            round(a / b - 1, 6) > round(r - 1, 6)]
    return not any(over), over


def sanity(name, cols, rows, total):
    names = [v["小区名称"] for v in rows]
    check(len(set(names)) == len(names), f"{name}: duplicate names")
    check(15 <= len(rows) <= 30, f"{name}: {len(rows)} detail rows")
    for v in rows:
        tag = f"{name} row {v['_row']} {v['小区名称']}"
        y = year_of(v["建成年份"])
        check(1980 <= y <= 2005, f"{tag}: year {y}")
        hh, bl, area = v["户数"], v["楼栋数"], dec(v["建筑面积"])
        check(25 <= hh / bl <= 45, f"{tag}: {hh / bl:.1f} 户/栋")
        check(65 <= float(area) * 10000 / hh <= 95, f"{tag}: m2/户")
        t = dec(v["总投资"])
        check(300 <= float(t / area) <= 500, f"{tag}: 元/m2 {float(t / area):.0f}")
        funds = sum(dec(v[k]) for k in FUNDS if k in cols)
        check(funds == t, f"{tag}: funding {funds} != {t}")
        for k in MONEY:
            if k in cols and v.get(k) is not None:
                check(dec(v[k]) >= 0, f"{tag}: negative {k}")
        if "到位资金" in cols:
            check(dec(v["到位资金"]) <= t, f"{tag}: 到位 > 总投资")
        if "累计完成投资" in cols:
            cap = max(t, dec(v.get("结算金额")) or t)
            check(dec(v["累计完成投资"]) <= cap, f"{tag}: 累计完成投资 too high")
        s, f = ym(v.get("实际开工时间")), ym(v.get("实际完工时间"))
        if f:
            check(s is not None and s < f, f"{tag}: start/finish {s} {f}")
    if total:
        r, tv = total
        for k in cols:
            if k in MONEY or k in ("楼栋数", "户数", "建筑面积"):
                want = sum((dec(v.get(k)) or 0) for v in rows)
                check(dec(tv.get(k)) == want, f"{name}: 合计 {k} {tv.get(k)} != {want}")
        tv = dict(tv, 小区名称="合计")
        fired = L13(tv) + L15(tv) + L16(tv) + L19(tv) + L20(tv)
        check(not fired, f"{name}: 合计 row would fire {fired}")


NEAR_FEATURE = {
    # what makes each near miss "near": the surface feature a careless rule keys on
    "L06": lambda v: any(w in "".join(str(v.get(k) or "") for k in ("小区名称", "房屋性质", "备注"))
                         for w in ["城中村", "棚改", "商", "办公"]),
    "L13": lambda v: any(w in str(v.get("进展情况")) for w in ["完工", "完成", "竣工"]),
    "L15": None,  # handled with the exact figures below
    "L16": lambda v: any(b in str(v.get("改造内容")) for b in BUILDING),
    "L19": lambda v: dec(v["居民出资"]) * 100 == dec(v["总投资"]),
    "L20": lambda v: dec(v["已拨付资金"]) == dec(v["到位资金"]),
}


def main():
    exp = json.load(open(os.path.join(HERE, "expected.json"), encoding="utf-8"))
    kinds = set()
    for fname, e in exp["ledgers"].items():
        cols, rows, total = read(os.path.join(HERE, fname))
        sanity(fname, cols, rows, total)
        byrow = {v["_row"]: v for v in rows}
        fired = set()
        for v in rows:
            for chk in L06(v) + L13(v) + L15(v) + L16(v) + L19(v) + L20(v):
                fired.add((chk, v["_row"]))
        ext, allh, share = L05(rows)
        if share > Decimal("0.15"):
            fired.add(("L05", None))
        planted = {(p["check"], p["row"]) for p in e["planted"]}
        check(4 <= len(planted) <= 7, f"{fname}: {len(planted)} planted")
        check(fired == planted,
              f"{fname}: recomputed {sorted(fired, key=str)} != planted {sorted(planted, key=str)}")
        for p in e["planted"]:
            kinds.add(p["check"])
            if p["row"] is not None:
                check(byrow[p["row"]]["小区名称"] == p["name"], f"{fname}: name mismatch row {p['row']}")
        print(f"{fname}: {len(rows)} rows, 2001-2005 share {ext}/{allh} = {float(share):.1%}, "
              f"findings {sorted(fired, key=str)}")
        for n in e["silent_near_misses"]:
            chk = n["check"]
            check((chk, n["row"]) not in fired, f"{fname}: near miss {n} fired")
            if n["row"] is None:
                check(chk == "L05" and 0 < ext and share <= Decimal("0.15"),
                      f"{fname}: L05 near miss share {share}")
                continue
            v = byrow[n["row"]]
            check(v["小区名称"] == n["name"], f"{fname}: near-miss name mismatch row {n['row']}")
            if chk == "L05":
                check(year_of(v["建成年份"]) == 2000, f"{fname}: boundary year row {n['row']}")
                continue
            if chk == "L15":
                t, c, s = dec(v["总投资"]), dec(v.get("合同金额")), dec(v.get("结算金额"))
                if c is not None and c * 10 == t * 11:
                    ok, over = float_boundary_silent(c, t, "1.1")
                    check(ok, f"{fname}: 合同 exact-10% fires in float {over}")
                elif s is not None and c is not None and s * 10 == c * 11:
                    ok, over = float_boundary_silent(s, c, "1.1")
                    check(ok, f"{fname}: 结算 exact-10% fires in float {over}")
                else:  # settlement > 110% of 总投资 but within 110% of 合同
                    check(s * 10 > t * 11 and s * 10 <= c * 11 and c * 10 <= t * 11,
                          f"{fname}: L15 near miss row {n['row']} not near")
                continue
            check(NEAR_FEATURE[chk](v), f"{fname}: near miss {chk} row {n['row']} lacks its feature")
            if chk == "L19":
                r, t = float(v["居民出资"]), float(v["总投资"])
                check(not (r / t < 0.01 or r < t * 0.01 or r * 100 < t),
                      f"{fname}: 1% boundary fires in float")
    check(kinds >= {"L05", "L06", "L13", "L15", "L16", "L19", "L20"}, f"kinds covered: {kinds}")
    l05 = [f for f, e in exp["ledgers"].items() if any(p["check"] == "L05" for p in e["planted"])]
    check(len(l05) == 1, f"L05 planted in {l05}")
    if failures:
        print("FAILED:")
        for f in failures:
            print("  -", f)
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
