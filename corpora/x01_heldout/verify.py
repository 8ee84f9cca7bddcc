#!/usr/bin/env python3
"""Self-check for the X01 held-out set (standard library only).

Recomputes, from ledger.csv, every district / street / city year sum (and every
cumulative, subset and single-community figure) quoted in reports/*.txt and
asserts that:
  * each planted figure DIFFERS from its ledger sum (and matches expected.json);
  * every other quoted year total AGREES with the ledger (exactly, or within the
    rounding implied by 约 / 近);
  * subsets, cumulative figures, single-community figures, funding-source
    breakdowns and the one percentage are also consistent;
  * every number-with-unit in every report (个/户/栋/万平方米/万元/亿元/%) is
    accounted for by some claim below, so nothing unintended slips in.
Run:  python3 verify.py
"""
import csv
import json
import os
import re
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
FIELDS = {
    "communities": None,
    "buildings": "楼栋数(栋)",
    "households": "户数(户)",
    "area": "建筑面积(万平方米)",
    "investment": "总投资(万元)",
}
UNIT_FIELD = {"个": "communities", "栋": "buildings", "户": "households",
              "万平方米": "area", "万元": "investment", "亿元": "investment"}
TOKEN_RE = re.compile(r"(约|近)?(\d[\d,]*(?:\.\d+)?)(万平方米|万元|亿元|个|户|栋|%)")

# ---------------------------------------------------------------- ledger
with open(os.path.join(HERE, "ledger.csv"), encoding="utf-8", newline="") as f:
    reader = csv.DictReader(f)
    assert reader.fieldnames == ["序号", "区县", "街道", "小区名称", "建成年份", "楼栋数(栋)",
                                 "户数(户)", "建筑面积(万平方米)", "总投资(万元)", "改造年度"], reader.fieldnames
    ROWS = list(reader)

assert 24 <= len(ROWS) <= 30, len(ROWS)
names = [r["小区名称"] for r in ROWS]
assert len(set(names)) == len(names), "duplicate community names"
per_dy = defaultdict(int)
streets = defaultdict(set)
for i, r in enumerate(ROWS, 1):
    assert int(r["序号"]) == i
    assert r["改造年度"] in ("2022", "2023")
    assert int(r["建成年份"]) <= 2000, r
    b, h = int(r["楼栋数(栋)"]), int(r["户数(户)"])
    a, inv = float(r["建筑面积(万平方米)"]), float(r["总投资(万元)"])
    assert re.fullmatch(r"\d+\.\d\d", r["建筑面积(万平方米)"]), r
    assert 25 <= h / b <= 45, (r["小区名称"], h / b)
    assert 65 <= a * 10000 / h <= 95, (r["小区名称"], a * 10000 / h)
    assert 300 <= inv / a <= 480, (r["小区名称"], inv / a)   # 万元 / 万m2 == 元/m2
    per_dy[(r["区县"], r["改造年度"])] += 1
    streets[r["区县"]].add(r["街道"])
districts = sorted(streets)
assert len(districts) == 3
assert all(2 <= len(s) <= 3 for s in streets.values())
assert all(3 <= n <= 5 for n in per_dy.values()) and len(per_dy) == 6, per_dy
ROW_BY_NAME = {r["小区名称"]: r for r in ROWS}


def rows_for(place, year):
    out = []
    for r in ROWS:
        if year != "all" and r["改造年度"] != year:
            continue
        if place in ("白河市", r["区县"], r["街道"]):
            out.append(r)
    assert out, (place, year)
    return out


def agg(rows, field):
    if field == "communities":
        return len(rows)
    col = FIELDS[field]
    if field in ("buildings", "households"):
        return sum(int(r[col]) for r in rows)
    return round(sum(float(r[col]) for r in rows), 2)


def parse_token(tok):
    m = TOKEN_RE.fullmatch(tok)
    assert m, tok
    qual, num, unit = m.groups()
    val = float(num.replace(",", ""))
    decimals = len(num.split(".")[1]) if "." in num else 0
    half = 0.5 * 10 ** (-decimals)
    if unit == "亿元":
        val, half = val * 10000, half * 10000
    return qual, val, unit, half


def agrees(tok, ledger_val):
    qual, val, unit, half = parse_token(tok)
    if qual == "约":
        return abs(val - ledger_val) <= half + 1e-9
    if qual == "近":
        return ledger_val <= val and (val - ledger_val) <= 0.02 * val
    return abs(val - ledger_val) < 0.005


# ---------------------------------------------------------------- claims
# Each claim: (snippet, kind, *args). The snippet (brackets removed) must occur
# exactly once in the report; the bracketed part is the single number-with-unit
# the claim is about.
#   T place year          year total, must agree with ledger
#   P place year          planted year total, must differ from ledger
#   C place               cumulative over 2022-2023, must agree
#   S [names]             subset of named communities, must agree
#   R name                one community's row, must agree
#   F group               funding-source part; parts of a group must sum to the group total
#   PCT num place year    percentage num / year investment
#   O reason [bound]      not a ledger figure (progress / next-year plan); bound=(place, year)
#                         means the value must not exceed that year total
CLAIMS = {
    "01_qinghe_2022_annual.txt": [
        ("老旧小区共[5个]", "T", "清河区", "2022"),
        ("楼栋[65栋]", "T", "清河区", "2022"),
        ("居民[2,091户]", "T", "清河区", "2022"),
        ("改造建筑面积[16.23万平方米]", "T", "清河区", "2022"),
        ("总投资[6,593.84万元]", "T", "清河区", "2022"),
        ("东关街道[2个]", "T", "东关街道", "2022"),
        ("涉及[939户]", "T", "东关街道", "2022"),
        ("[7.55万平方米]", "T", "东关街道", "2022"),
        ("西湖街道[2个]", "T", "西湖街道", "2022"),
        ("西湖街道2个，涉及[576户]", "T", "西湖街道", "2022"),
        ("[4.54万平方米]", "T", "西湖街道", "2022"),
        ("南门街道[1个]", "T", "南门街道", "2022"),
        ("南门街道1个，涉及[576户]", "T", "南门街道", "2022"),
        ("[4.14万平方米]", "T", "南门街道", "2022"),
        ("中央补助资金[3,200.00万元]", "F", "g01"),
        ("省级补助资金[860.00万元]", "F", "g01"),
        ("区级财政配套[1,650.00万元]", "F", "g01"),
        ("管线单位出资[583.84万元]", "F", "g01"),
        ("居民自筹[300.00万元]", "F", "g01"),
        ("[5个]小区已全部完工", "O", "progress", ("清河区", "2022")),
    ],
    "02_qinghe_2023_shicha_huibao.txt": [
        ("改造项目[5个]", "T", "清河区", "2023"),
        ("楼栋[74栋]", "T", "清河区", "2023"),
        ("居民[2,549户]", "P", "清河区", "2023"),
        ("[21.18万平方米]", "T", "清河区", "2023"),
        ("总投资[8,683.31万元]", "T", "清河区", "2023"),
        ("已完工[4个]", "O", "progress", ("清河区", "2023")),
        ("电业局宿舍[3个]小区", "S", ["机械厂生活区", "光明里小区", "电业局宿舍"]),
        ("楼栋[51栋]", "S", ["机械厂生活区", "光明里小区", "电业局宿舍"]),
        ("居民[1,781户]", "S", ["机械厂生活区", "光明里小区", "电业局宿舍"]),
        ("累计改造老旧小区[10个]", "C", "清河区"),
        ("惠及居民[4,550户]", "C", "清河区"),
        ("[37.41万平方米]", "C", "清河区"),
        ("初步确定[6个]小区", "O", "2024 plan"),
        ("[约2,300户]", "O", "2024 plan"),
    ],
    "03_liulin_2023_progress.txt": [
        ("全区计划改造老旧小区[5个]", "T", "柳林区", "2023"),
        ("涉及[74栋]", "T", "柳林区", "2023"),
        ("[2,529户]", "T", "柳林区", "2023"),
        ("[18.73万平方米]", "T", "柳林区", "2023"),
        ("[6,962.18万元]", "T", "柳林区", "2023"),
        ("已开工[4个]", "O", "progress", ("柳林区", "2023")),
        ("已完工[2个]", "O", "progress", ("柳林区", "2023")),
        ("[4,318万元]", "O", "progress", ("柳林区", "2023")),
        ("[62.0%]", "PCT", 4318, "柳林区", "2023"),
        ("幸福苑小区共惠及居民[552户]", "S", ["和平里小区", "幸福苑小区"]),
        ("[4.89万平方米]", "S", ["和平里小区", "幸福苑小区"]),
        ("柳林街道计划改造[3个]", "T", "柳林街道", "2023"),
        ("新华街道计划改造[2个]", "T", "新华街道", "2023"),
    ],
    "04_liulin_2022_summary.txt": [
        ("老旧小区[5个]", "P", "柳林区", "2022"),
        ("楼栋[56栋]", "T", "柳林区", "2022"),
        ("居民[2,186户]", "T", "柳林区", "2022"),
        ("[17.92万平方米]", "T", "柳林区", "2022"),
        ("[6,867.73万元]", "T", "柳林区", "2022"),
        ("楼栋[16栋]", "R", "红旗小区"),
        ("居民[672户]", "R", "红旗小区"),
        ("[6.22万平方米]", "R", "红旗小区"),
    ],
    "05_yunxi_2023_huibao.txt": [
        ("老旧小区共[4个]", "T", "云溪县", "2023"),
        ("楼栋[55栋]", "T", "云溪县", "2023"),
        ("居民[1,743户]", "T", "云溪县", "2023"),
        ("[约14.1万平方米]", "T", "云溪县", "2023"),
        ("[约5930万元]", "T", "云溪县", "2023"),
        ("中央补助资金[3,100.00万元]", "F", "g05"),
        ("省级补助资金[760.00万元]", "F", "g05"),
        ("县级配套资金[1,485.94万元]", "F", "g05"),
        ("专营单位出资[384.00万元]", "F", "g05"),
        ("居民出资[200.00万元]", "F", "g05"),
        ("[4个]小区均已开工", "O", "progress", ("云溪县", "2023")),
    ],
    "06_yunxi_2022_progress.txt": [
        ("老旧小区[4个]", "T", "云溪县", "2022"),
        ("楼栋[47栋]", "T", "云溪县", "2022"),
        ("居民[1,581户]", "T", "云溪县", "2022"),
        ("[124.2万平方米]", "P", "云溪县", "2022"),
        ("[4,598.53万元]", "T", "云溪县", "2022"),
        ("[4个]小区已全部完工", "O", "progress", ("云溪县", "2022")),
        ("城关街道[2个]", "T", "城关街道", "2022"),
        ("[825户]", "T", "城关街道", "2022"),
        ("溪口街道[2个]", "T", "溪口街道", "2022"),
        ("[756户]", "T", "溪口街道", "2022"),
    ],
    "07_dongguan_street_2023.txt": [
        ("东关供销社家属院[3个]小区列入", "T", "东关街道", "2023"),
        ("楼栋[40栋]", "T", "东关街道", "2023"),
        ("[1,389户]", "T", "东关街道", "2023"),
        ("[12.24万平方米]", "T", "东关街道", "2023"),
        ("[5,006.68万元]", "T", "东关街道", "2023"),
        ("[3个]小区均已开工", "O", "progress", ("东关街道", "2023")),
        ("东关供销社家属院[2个]小区惠及", "S", ["光明里小区", "东关供销社家属院"]),
        ("[780户]", "S", ["光明里小区", "东关供销社家属院"]),
    ],
    "08_xinhua_street_2022.txt": [
        ("老旧小区[2个]", "T", "新华街道", "2022"),
        ("楼栋[25栋]", "T", "新华街道", "2022"),
        ("居民[978户]", "T", "新华街道", "2022"),
        ("[7.85万平方米]", "T", "新华街道", "2022"),
        ("[3,477.69万元]", "P", "新华街道", "2022"),
        ("楼栋[17栋]", "R", "新华路小区"),
        ("[710户]", "R", "新华路小区"),
        ("[6.07万平方米]", "R", "新华路小区"),
        ("楼栋[8栋]", "R", "化肥厂生活区"),
        ("[268户]", "R", "化肥厂生活区"),
        ("[1.78万平方米]", "R", "化肥厂生活区"),
    ],
    "09_city_renda_survey_2023.txt": [
        ("改造项目[14个]", "T", "白河市", "2023"),
        ("楼栋[203栋]", "T", "白河市", "2023"),
        ("居民[6,731户]", "T", "白河市", "2023"),
        ("[54.05万平方米]", "T", "白河市", "2023"),
        ("总投资[约2.16亿元]", "T", "白河市", "2023"),
        ("清河区[5个]", "T", "清河区", "2023"),
        ("[2,459户]", "T", "清河区", "2023"),
        ("柳林区[5个]", "T", "柳林区", "2023"),
        ("[2,529户]", "T", "柳林区", "2023"),
        ("云溪县[4个]", "T", "云溪县", "2023"),
        ("[1,743户]", "T", "云溪县", "2023"),
        ("累计改造老旧小区[27个]", "C", "白河市"),
        ("[12,589户]", "C", "白河市"),
        ("[100.62万平方米]", "C", "白河市"),
        ("累计总投资[约3.96亿元]", "C", "白河市"),
        ("老旧小区[16个]", "O", "2024 plan"),
        ("[约7,000户]", "O", "2024 plan"),
    ],
    "10_city_2022_bulletin.txt": [
        ("城镇老旧小区[13个]", "T", "白河市", "2022"),
        ("楼栋[171栋]", "P", "白河市", "2022"),
        ("居民[5,858户]", "T", "白河市", "2022"),
        ("[46.57万平方米]", "T", "白河市", "2022"),
        ("[18,060.10万元]", "T", "白河市", "2022"),
        ("[13个]小区已全部完工", "O", "progress", ("白河市", "2022")),
        ("[9个]已完成竣工验收", "O", "progress", ("白河市", "2022")),
        ("清河区完成改造[5个]", "T", "清河区", "2022"),
        ("[2,091户]", "T", "清河区", "2022"),
        ("柳林区完成改造[4个]", "T", "柳林区", "2022"),
        ("[2,186户]", "T", "柳林区", "2022"),
        ("云溪县完成改造[4个]", "T", "云溪县", "2022"),
        ("[1,581户]", "T", "云溪县", "2022"),
    ],
    "11_guangmingli_project.txt": [
        ("住宅楼[14栋]", "R", "光明里小区"),
        ("[521户]", "R", "光明里小区"),
        ("[4.66万平方米]", "R", "光明里小区"),
        ("[1,842.91万元]", "R", "光明里小区"),
        ("[5个]老旧小区之一", "T", "清河区", "2023"),
    ],
    "12_shuinichang_project.txt": [
        ("[4个]小区中建筑面积最大", "T", "云溪县", "2022"),
        ("住宅楼[15栋]", "R", "水泥厂生活区"),
        ("[486户]", "R", "水泥厂生活区"),
        ("[4.17万平方米]", "R", "水泥厂生活区"),
        ("项目总投资[1,401.09万元]", "R", "水泥厂生活区"),
        ("中央补助资金[820.00万元]", "F", "g12"),
        ("省级补助资金[180.00万元]", "F", "g12"),
        ("县级配套资金[301.09万元]", "F", "g12"),
        ("居民出资[100.00万元]", "F", "g12"),
    ],
    "13_liulin_street_2023.txt": [
        ("人民路北小区[3个]小区列入", "T", "柳林街道", "2023"),
        ("楼栋[49栋]", "T", "柳林街道", "2023"),
        ("[近1,600户]", "T", "柳林街道", "2023"),
        ("[约11.8万平方米]", "T", "柳林街道", "2023"),
        ("[近4,000万元]", "T", "柳林街道", "2023"),
        ("楼栋[20栋]", "R", "林业局家属院"),
        ("[741户]", "R", "林业局家属院"),
        ("[3个]小区均已完工", "O", "progress", ("柳林街道", "2023")),
        ("共改造老旧小区[5个]", "C", "柳林街道"),
        ("[2,797户]", "C", "柳林街道"),
        ("[21.83万平方米]", "C", "柳林街道"),
    ],
    "14_qinghe_2023_q3_bulletin.txt": [
        ("全区计划改造老旧小区[5个]", "T", "清河区", "2023"),
        ("涉及[74栋]", "T", "清河区", "2023"),
        ("[2,459户]", "T", "清河区", "2023"),
        ("[21.18万平方米]", "T", "清河区", "2023"),
        ("[8,683.31万元]", "T", "清河区", "2023"),
        ("已开工[4个]", "O", "progress", ("清河区", "2023")),
        ("已完工[2个]", "O", "progress", ("清河区", "2023")),
        ("[5,120万元]", "O", "progress", ("清河区", "2023")),
        ("文化巷小区共惠及居民[940户]", "S", ["光明里小区", "文化巷小区"]),
        ("东关街道[3个]项目", "T", "东关街道", "2023"),
        ("文化巷小区[3个]小区进行了抽查", "S", ["机械厂生活区", "东关供销社家属院", "文化巷小区"]),
        ("[3个]小区共涉及", "S", ["机械厂生活区", "东关供销社家属院", "文化巷小区"]),
        ("楼栋[42栋]", "S", ["机械厂生活区", "东关供销社家属院", "文化巷小区"]),
        ("[1,287户]", "S", ["机械厂生活区", "东关供销社家属院", "文化巷小区"]),
        ("改造老旧小区[6个]", "O", "2024 plan"),
    ],
}
# funding groups: group -> (kind, args) whose investment the parts must add up to
FUNDING = {"g01": ("T", "清河区", "2022"), "g05": ("T", "云溪县", "2023"), "g12": ("R", "水泥厂生活区")}

# ---------------------------------------------------------------- run
failures = []
planted_found = defaultdict(list)
expected = json.load(open(os.path.join(HERE, "expected.json"), encoding="utf-8"))["reports"]
report_dir = os.path.join(HERE, "reports")
files = sorted(os.listdir(report_dir))
assert len(files) == 14, files
assert set(files) == set(CLAIMS) == set(expected), "file lists disagree"


def check(cond, msg):
    if not cond:
        failures.append(msg)


for fn in files:
    text = open(os.path.join(report_dir, fn), encoding="utf-8").read()
    lines = text.rstrip("\n").split("\n")
    check(all(l.strip() for l in lines), f"{fn}: blank line")
    n = len(text.replace("\n", ""))
    check(400 <= n <= 900, f"{fn}: length {n}")
    check(re.fullmatch(r"20\d\d年\d{1,2}月\d{1,2}日", lines[-1]) is not None, f"{fn}: no date at end")
    check(len(lines[-2]) <= 30 and not lines[-2].endswith("。"), f"{fn}: no issuing unit")
    covered = set()
    funding = defaultdict(float)
    for claim in CLAIMS[fn]:
        snippet, kind, args = claim[0], claim[1], claim[2:]
        m = re.fullmatch(r"(.*)\[(.+)\](.*)", snippet)
        assert m, snippet
        pre, tok, post = m.groups()
        plain = pre + tok + post
        occ = [i for i in range(len(text)) if text.startswith(plain, i)]
        if len(occ) != 1:
            check(False, f"{fn}: snippet {plain!r} occurs {len(occ)} times")
            continue
        start = occ[0] + len(pre)
        tm = TOKEN_RE.match(text, start)
        if not tm or tm.group(0) != tok:
            # allow the regex to pick up a leading 约/近 that is inside tok
            check(False, f"{fn}: token {tok!r} not parsed at its position")
            continue
        covered.add(start)
        qual, val, unit, half = parse_token(tok)
        field = UNIT_FIELD.get(unit)
        if kind in ("T", "P"):
            place, year = args
            led = agg(rows_for(place, year), field)
            if kind == "T":
                check(agrees(tok, led), f"{fn}: {place} {year} {field}: stated {tok}, ledger {led}")
            else:
                check(not agrees(tok, led), f"{fn}: planted {tok} equals ledger {led}")
                planted_found[fn].append({"field": field, "year": year, "place": place,
                                          "stated": tok, "ledger": led})
        elif kind == "C":
            led = agg(rows_for(args[0], "all"), field)
            check(agrees(tok, led), f"{fn}: cumulative {args[0]} {field}: {tok} vs {led}")
            # a cumulative figure must not coincide with a single year's total
            for y in ("2022", "2023"):
                check(not agrees(tok, agg(rows_for(args[0], y), field)),
                      f"{fn}: cumulative {tok} equals the {y} total")
        elif kind == "S":
            rows = [ROW_BY_NAME[nm] for nm in args[0]]
            for nm in args[0]:
                check(nm in text, f"{fn}: subset member {nm} not named")
            years = {r["改造年度"] for r in rows}
            check(len(years) == 1, f"{fn}: subset spans years")
            led = agg(rows, field)
            check(agrees(tok, led), f"{fn}: subset {args[0]} {field}: {tok} vs {led}")
        elif kind == "R":
            led = agg([ROW_BY_NAME[args[0]]], field)
            check(agrees(tok, led), f"{fn}: row {args[0]} {field}: {tok} vs {led}")
        elif kind == "F":
            funding[args[0]] += val
        elif kind == "PCT":
            num, place, year = args
            led = agg(rows_for(place, year), "investment")
            check(abs(round(num / led * 100, 1) - val) < 1e-9, f"{fn}: percentage {tok} vs {num / led * 100:.2f}")
        elif kind == "O":
            if len(args) > 1:
                place, year = args[1]
                led = agg(rows_for(place, year), field)
                check(val <= led, f"{fn}: progress figure {tok} exceeds plan {led}")
        else:
            raise ValueError(kind)
    for g, tot in funding.items():
        spec = FUNDING[g]
        led = agg(rows_for(spec[1], spec[2]) if spec[0] == "T" else [ROW_BY_NAME[spec[1]]], "investment")
        check(abs(round(tot, 2) - led) < 0.005, f"{fn}: funding {g} sums to {tot:.2f}, ledger {led}")
    # every number-with-unit must be accounted for
    for tm in TOKEN_RE.finditer(text):
        pos = tm.start() if not tm.group(1) else tm.start()
        if pos not in covered:
            check(False, f"{fn}: unaccounted figure {tm.group(0)!r} at {pos}")

# ---------------------------------------------------------------- named facts
def built(nm):
    return ROW_BY_NAME[nm]["建成年份"]

check(built("光明里小区") == "1995", "光明里 built year")
check(built("水泥厂生活区") == "1984", "水泥厂 built year")
check(built("新华路小区") == "1986" and built("化肥厂生活区") == "1990", "新华 built years")
for nm, place, year in [("光明里小区", "东关街道", "2023"), ("水泥厂生活区", "溪口街道", "2022"),
                        ("红旗小区", "柳林区", "2022"), ("林业局家属院", "柳林街道", "2023")]:
    check(ROW_BY_NAME[nm] in rows_for(place, year), f"{nm} not in {place} {year}")
# superlatives
y22 = rows_for("柳林区", "2022")
check(max(y22, key=lambda r: float(r["建筑面积(万平方米)"]))["小区名称"] == "红旗小区", "红旗 not largest area")
yx = rows_for("云溪县", "2022")
check(max(yx, key=lambda r: float(r["建筑面积(万平方米)"]))["小区名称"] == "水泥厂生活区", "水泥厂 not largest")
ll = rows_for("柳林街道", "2023")
for key in ("楼栋数(栋)", "户数(户)", "建筑面积(万平方米)"):
    check(max(ll, key=lambda r: float(r[key]))["小区名称"] == "林业局家属院", "林业局 not largest")

# ---------------------------------------------------------------- expected.json
n_planted = 0
for fn in files:
    exp = expected[fn]["planted"]
    got = planted_found.get(fn, [])
    n_planted += len(exp)
    check(len(exp) == len(got), f"{fn}: expected.json lists {len(exp)} planted, claims have {len(got)}")
    for e, g in zip(sorted(exp, key=lambda d: d["field"]), sorted(got, key=lambda d: d["field"])):
        for k in ("field", "year", "place", "stated"):
            check(e[k] == g[k], f"{fn}: expected.json {k} {e[k]!r} != {g[k]!r}")
        led_num = float(re.sub(r"[^\d.]", "", e["ledger"]))
        check(abs(led_num - g["ledger"]) < 0.005, f"{fn}: expected.json ledger {e['ledger']} != {g['ledger']}")
check(n_planted == 5, f"{n_planted} planted, want 5")
check(4 <= len(planted_found) <= 5, "planted spread over wrong number of reports")

if failures:
    print("FAIL")
    for m in failures:
        print("  -", m)
    sys.exit(1)
print(f"OK: {len(ROWS)} ledger rows, {len(files)} reports, "
      f"{sum(len(v) for v in CLAIMS.values())} figures checked, {n_planted} planted")
