"""Builds the three blind ledgers and expected.json.

Written by hand by a helper that never saw the analyzer code, its tests or the
other corpora.  All money is handled in integer cents of 万元 so the figures add
up exactly; verify.py re-reads the workbooks and re-checks everything.
"""
import json
import os
import sys

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

# the workbooks and expected.json go to the folder given as the first argument (default: this one)
HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
MONEY = {"总投资", "中央预算内投资", "中央补助", "地方财政", "居民出资", "合同金额",
         "结算金额", "到位资金", "已拨付资金", "累计完成投资"}


def rnd(x):
    """round a non-negative float to an int, half up"""
    return int(x + 0.5)


def make_row(d, money_cols):
    """Fill derived figures (area, money in cents) for one row definition."""
    hh, m2, price = d["hh"], d["m2"], d["price"]
    area100 = rnd(hh * m2 / 100)          # 0.01 万m²
    total = d.get("total", area100 * price)  # cents of 万元
    if d.get("res_exact"):
        assert total % 10000 == 0
        res = total // 100
    else:
        res = rnd(total * d.get("res", 0.02))
    cbi = rnd(total * d.get("cbi", 0)) if "中央预算内投资" in money_cols else 0
    cz = rnd(total * d.get("cz", 0)) if "中央补助" in money_cols else 0
    local = total - cbi - cz - res
    assert local > 0
    out = dict(d)
    out.update(area100=area100, total=total, cbi=cbi, cz=cz, local=local, res=res)
    # contract / settlement
    if "contract_abs" in d:
        out["contract"] = d["contract_abs"]
    elif d.get("k") is not None:
        out["contract"] = rnd(total * d["k"])
    else:
        out["contract"] = None
    if "settle_abs" in d:
        out["settle"] = d["settle_abs"]
    elif d.get("s") is not None:
        base = out["contract"] if out["contract"] is not None else total
        out["settle"] = rnd(base * d["s"])
    else:
        out["settle"] = None
    if d.get("a") is not None:
        out["arrive"] = rnd(total * d["a"])
        if "paid_abs" in d:
            out["paid"] = d["paid_abs"]
        else:
            out["paid"] = rnd(out["arrive"] * d["p"])
    if "inv_abs" in d:
        out["inv"] = d["inv_abs"]
    elif d.get("f") == "settle":
        out["inv"] = out["settle"]
    else:
        out["inv"] = rnd(total * d.get("f", 0))
    return out


def cell_values(r, cols, idx, year_fmt):
    v = {}
    v["序号"] = idx
    v["区县"] = r.get("county")
    v["街道"] = r.get("street")
    v["小区名称"] = r["name"]
    v["房屋性质"] = r["nature"]
    v["建成年份"] = f"{r['year']}年" if year_fmt == "nian" else r["year"]
    v["楼栋数"] = r["bldg"]
    v["户数"] = r["hh"]
    v["建筑面积"] = r["area100"] / 100
    v["改造内容"] = r["content"]
    v["总投资"] = r["total"] / 100
    v["中央预算内投资"] = r["cbi"] / 100
    v["中央补助"] = r["cz"] / 100
    v["地方财政"] = r["local"] / 100
    v["居民出资"] = r["res"] / 100
    v["合同金额"] = None if r["contract"] is None else r["contract"] / 100
    v["结算金额"] = None if r["settle"] is None else r["settle"] / 100
    v["到位资金"] = r["arrive"] / 100 if "arrive" in r else None
    v["已拨付资金"] = r["paid"] / 100 if "paid" in r else None
    v["累计完成投资"] = r["inv"] / 100
    v["进展情况"] = r["status"]
    v["实际开工时间"] = r.get("start")
    v["实际完工时间"] = r.get("finish")
    v["备注"] = r.get("note")
    return [v[c] for c in cols]


def write_ledger(fname, spec):
    cols = spec["cols"]
    rows = [make_row(d, cols) for d in spec["rows"]]
    wb = Workbook()
    ws = wb.active
    ws.title = spec.get("sheet", "Sheet1")
    n = len(cols)
    last = get_column_letter(n)
    r0 = 1
    if spec.get("fujian"):
        ws.cell(1, 1, "附件1").font = Font(name="黑体", size=12)
        r0 = 2
    ws.cell(r0, 1, spec["title"]).font = Font(name="方正小标宋简体", size=18, bold=True)
    ws.cell(r0, 1).alignment = CENTER
    ws.merge_cells(f"A{r0}:{last}{r0}")
    ws.row_dimensions[r0].height = 36
    r_unit = r0 + 1
    if spec.get("filler"):
        ws.cell(r_unit, 1, spec["filler"]).alignment = LEFT
        ws.merge_cells(start_row=r_unit, start_column=1, end_row=r_unit, end_column=6)
        ws.cell(r_unit, n - 3, "单位：万元、户、栋、万平方米").alignment = Alignment(horizontal="right")
        ws.merge_cells(start_row=r_unit, start_column=n - 3, end_row=r_unit, end_column=n)
    else:
        ws.cell(r_unit, 1, "单位：万元、户、栋、万平方米").alignment = Alignment(horizontal="right")
        ws.merge_cells(f"A{r_unit}:{last}{r_unit}")
    hdr = r_unit + 1
    groups = spec.get("groups")
    if groups:
        # two-row header: grouped columns get a merged parent cell
        in_group = {}
        for gname, members in groups:
            for m in members:
                in_group[m] = gname
        c = 1
        while c <= n:
            name = cols[c - 1]
            if name in in_group:
                g = in_group[name]
                members = [m for gg, ms in groups if gg == g for m in ms]
                ws.cell(hdr, c, g)
                ws.merge_cells(start_row=hdr, start_column=c, end_row=hdr, end_column=c + len(members) - 1)
                for i, m in enumerate(members):
                    assert cols[c - 1 + i] == m
                    ws.cell(hdr + 1, c + i, m)
                c += len(members)
            else:
                ws.cell(hdr, c, name)
                ws.merge_cells(start_row=hdr, start_column=c, end_row=hdr + 1, end_column=c)
                c += 1
        first_data = hdr + 2
        hdr_rows = [hdr, hdr + 1]
    else:
        for c, name in enumerate(cols, 1):
            ws.cell(hdr, c, name)
        first_data = hdr + 1
        hdr_rows = [hdr]
    for hr in hdr_rows:
        for c in range(1, n + 1):
            cell = ws.cell(hr, c)
            cell.font = Font(bold=True)
            cell.alignment = CENTER
            cell.border = BOX
    for i, r in enumerate(rows):
        rr = first_data + i
        r["sheet_row"] = rr
        for c, val in enumerate(cell_values(r, cols, i + 1, spec.get("year_fmt")), 1):
            cell = ws.cell(rr, c, val)
            cell.border = BOX
            cell.alignment = LEFT if cols[c - 1] in ("改造内容", "备注", "小区名称") else CENTER
            if cols[c - 1] in MONEY or cols[c - 1] == "建筑面积":
                cell.number_format = "0.00"
    last_row = first_data + len(rows) - 1
    if spec.get("total_row"):
        tr = last_row + 1
        name_col = cols.index("小区名称") + 1
        ws.cell(tr, 1, "合计")
        ws.merge_cells(start_row=tr, start_column=1, end_row=tr, end_column=name_col)
        keyed = {
            "楼栋数": lambda r: r["bldg"], "户数": lambda r: r["hh"],
            "建筑面积": lambda r: r["area100"], "总投资": lambda r: r["total"],
            "中央预算内投资": lambda r: r["cbi"], "中央补助": lambda r: r["cz"],
            "地方财政": lambda r: r["local"], "居民出资": lambda r: r["res"],
            "合同金额": lambda r: r["contract"] or 0, "结算金额": lambda r: r["settle"] or 0,
            "到位资金": lambda r: r.get("arrive", 0), "已拨付资金": lambda r: r.get("paid", 0),
            "累计完成投资": lambda r: r["inv"],
        }
        for c, name in enumerate(cols, 1):
            if name in keyed:
                s = sum(keyed[name](r) for r in rows)
                val = s if name in ("楼栋数", "户数") else s / 100
                ws.cell(tr, c, val).number_format = "0" if name in ("楼栋数", "户数") else "0.00"
        for c in range(1, n + 1):
            ws.cell(tr, c).border = BOX
            ws.cell(tr, c).font = Font(bold=True)
            ws.cell(tr, c).alignment = CENTER
    widths = {"小区名称": 20, "改造内容": 34, "备注": 26, "房屋性质": 12, "进展情况": 14,
              "实际开工时间": 11, "实际完工时间": 11, "街道": 11, "区县": 9}
    for c, name in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(name, 10)
    ws.freeze_panes = ws.cell(first_data, 4)
    wb.save(os.path.join(HERE, fname))

    planted, silent = [], []
    for pl in spec.get("ledger_planted", []):
        planted.append({"check": pl["check"], "row": None, "name": None, "note": pl["note"]})
    for nm in spec.get("ledger_silent", []):
        silent.append({"check": nm["check"], "row": None, "name": None, "why": nm["why"]})
    for r in rows:
        for chk, note in r.get("plant", []):
            planted.append({"check": chk, "row": r["sheet_row"], "name": r["name"], "note": note})
        for chk, why in r.get("near", []):
            silent.append({"check": chk, "row": r["sheet_row"], "name": r["name"], "why": why})
    planted.sort(key=lambda x: (x["row"] or 0, x["check"]))
    silent.sort(key=lambda x: (x["row"] or 0, x["check"]))
    return {"planted": planted, "silent_near_misses": silent}


# ---------------------------------------------------------------- ledger A
A_COLS = ["序号", "街道", "小区名称", "房屋性质", "建成年份", "楼栋数", "户数", "建筑面积",
          "改造内容", "总投资", "中央预算内投资", "中央补助", "地方财政", "居民出资",
          "累计完成投资", "进展情况", "实际开工时间", "实际完工时间", "备注"]


def a(street, name, nature, year, bldg, hh, m2, price, content, cbi, cz, res, status,
      f=0, start=None, finish=None, note=None, **kw):
    d = dict(street=street, name=name, nature=nature, year=year, bldg=bldg, hh=hh, m2=m2,
             price=price, content=content, cbi=cbi, cz=cz, res=res, status=status, f=f,
             start=start, finish=finish, note=note)
    d.update(kw)
    return d


A_ROWS = [
    a("城关镇", "县供销社家属院", "住宅", 1988, 8, 256, 72, 420,
      "雨污管网改造、道路硬化、屋面防水、楼道粉刷", .35, .25, .02, "已完工", .98,
      "2023年3月", "2023年9月"),
    a("城关镇", "农机厂宿舍", "房改房", 1985, 6, 204, 68, 450,
      "供水管网改造、强弱电线缆规整、道路修复、绿化提升", .40, .20, .015, "在建", .55, "2023年5月"),
    a("东城街道", "和平路商住楼", "商住", 1998, 5, 180, 80, 380,
      "外墙保温、屋面防水、雨污管网改造、道路修复", .30, .25, .02, "在建", .40, "2023年6月",
      note="一层为临街商铺，二层以上为住宅",
      near=[("L06", "房屋性质为“商住”（底层商铺、上部住宅），不是商业或办公用房，属改造范围")]),
    a("东城街道", "文化局家属楼", "住宅", 1993, 4, 152, 75, 400,
      "屋面防水、外墙保温、楼道粉刷、更换单元门窗", .35, .20, .02, "已完工", .97,
      "2023年4月", "2023年8月",
      plant=[("L16", "中央预算内投资大于0，但改造内容只有屋面防水、外墙保温、楼道粉刷、门窗等楼本体工程，中央预算内投资不得用于此类内容")]),
    a("东城街道", "建设小区", "住宅", 2002, 14, 520, 88, 350,
      "雨污管网改造、道路改造、停车位增设、绿化提升、安防监控", .35, .25, .02, "在建", .45, "2023年5月"),
    a("西城街道", "粮食局宿舍", "住宅", 1990, 5, 170, 70, 410,
      "屋面防水、雨污管网改造", .30, .25, .02, "已完工", .96, "2023年4月", "2023年7月",
      near=[("L16", "改造内容虽含屋面防水，但同时有雨污管网改造这一小区内基础设施，中央预算内投资有合规用途")]),
    a("西城街道", "西关二巷片区", "自建房", 1995, 9, 234, 90, 320,
      "道路硬化、雨污管网改造、路灯安装", .35, .25, .02, "未开工",
      plant=[("L06", "房屋性质为“自建房”，居民自建住房一般不纳入城镇老旧小区改造范围")]),
    a("西城街道", "纺织厂生活区", "住宅", 1984, 16, 608, 66, 460,
      "供热管网改造、燃气管道改造、道路修复、屋面防水、加装电梯2部", .35, .25, .025, "在建", .60,
      "2023年4月"),
    a("南湖街道", "南湖小区", "住宅", 2004, 13, 480, 92, 330,
      "道路改造、停车场建设、充电桩安装、绿化提升", .30, .30, .02, "已完工", .98,
      "2023年3月", "2023年10月"),
    a("南湖街道", "交通局家属院", "住宅", 1996, 3, 108, 85, 390,
      "外墙保温、屋面防水、楼道粉刷", 0, .50, .03, "已完工", .95, "2023年5月", "2023年9月",
      near=[("L16", "改造内容只有楼本体工程，但中央预算内投资为0（由中央补助和地方财政承担），不违反中央预算内投资用途限制")]),
    a("南湖街道", "电力小区", "住宅", 1999, 7, 266, 82, 360,
      "雨污管网改造、道路硬化、建设养老服务站", .35, .25, .01, "在建", .30, "2023年7月",
      total=80000, res_exact=True,
      near=[("L19", "居民出资8.00万元，恰为总投资800.00万元的1%，不低于1%")]),
    a("北关街道", "北关市场综合楼", "商业", 1997, 3, 96, 78, 400,
      "外墙保温、屋面防水、消防设施改造", 0, .45, .02, "在建", .25, "2023年8月",
      plant=[("L06", "房屋性质为“商业”，商业用房不属于城镇老旧小区改造对象")]),
    a("北关街道", "北关新村", "住宅", 2001, 11, 407, 86, 340,
      "雨污分流改造、道路改造、增设停车位、绿化提升", .35, .25, .02, "已完成设计招标",
      near=[("L13", "进展“已完成设计招标”只是前期工作，不是已完工，累计完成投资为0并不矛盾")]),
    a("北关街道", "税务局宿舍", "住宅", 1992, 4, 140, 76, 430,
      "雨污管网改造、屋面防水、楼道粉刷、安装智能门禁", .30, .25, .006, "在建", .50, "2023年6月",
      plant=[("L19", "居民出资约为总投资的0.6%，低于1%（提示性）")]),
    a("城关镇", "人民医院老家属院", "住宅", 1986, 6, 222, 70, 440,
      "供水管网改造、道路修复、绿化提升、楼道粉刷", .35, .25, .02, "未开工", inv_abs=3500,
      plant=[("L13", "进展情况为“未开工”，但累计完成投资为35.00万元")]),
    a("城关镇", "城关镇政府家属院", "住宅", 1994, 4, 148, 78, 410,
      "屋面防水、外墙保温、单元门更换", 0, .45, .03, "已完工", .97, "2023年4月", "2023年8月"),
    a("东城街道", "东风小区", "住宅", 1989, 10, 360, 72, 400,
      "雨污管网改造、道路修复、停车位增设、照明改造", .35, .25, .02, "在建", .50, "2023年5月",
      note="非城中村，原东风村集体土地已于1986年征收为国有",
      near=[("L06", "备注写明“非城中村”，不是城中村")]),
    a("西城街道", "水利局宿舍", "住宅", 1991, 5, 185, 74, 420,
      "供水管网改造、屋面防水、楼道粉刷", .30, .25, .02, "未开工", note="施工单位拟11月进场"),
    a("南湖街道", "教师新村", "住宅", 1997, 8, 296, 80, 380,
      "雨污管网改造、道路改造、建设托育服务点", .35, .25, .02, "已完工", .96,
      "2023年3月", "2023年9月"),
    a("东城街道", "百货公司宿舍", "住宅", 1987, 5, 175, 68, 450,
      "燃气管道改造、道路修复、屋面防水", .35, .25, .02, "在建", .35, "2023年7月"),
]

A_SPEC = dict(
    cols=A_COLS, rows=A_ROWS, fujian=True, sheet="台账",
    title="青林县2023年城镇老旧小区改造项目台账",
    filler="填报单位（盖章）：青林县住房和城乡建设局        截至2023年10月底",
    total_row=True,
    ledger_planted=[{"check": "L05", "note": "建成于2001—2005年的小区（建设小区、南湖小区、北关新村）共1407户，占有建成年份小区总户数5207户的约27%，超过15%"}],
)

# ---------------------------------------------------------------- ledger B
B_COLS = ["序号", "区县", "街道", "小区名称", "房屋性质", "建成年份", "楼栋数", "户数", "建筑面积",
          "改造内容", "总投资", "中央补助", "地方财政", "居民出资", "合同金额", "结算金额",
          "到位资金", "已拨付资金", "进展情况", "备注"]
B_GROUPS = [("资金来源", ["中央补助", "地方财政", "居民出资"]),
            ("合同及结算", ["合同金额", "结算金额"]),
            ("资金到位及拨付", ["到位资金", "已拨付资金"])]


def b(county, street, name, nature, year, bldg, hh, m2, price, content, cz, res, status,
      k=None, s=None, a_=None, p=None, note=None, **kw):
    d = dict(county=county, street=street, name=name, nature=nature, year=year, bldg=bldg, hh=hh,
             m2=m2, price=price, content=content, cz=cz, res=res, status=status, k=k, s=s,
             a=a_, p=p, note=note)
    d.update(kw)
    return d


B_ROWS = [
    b("江北区", "滨江街道", "江北机械厂宿舍", "住宅", 1986, 12, 432, 70, 430,
      "雨污管网改造、道路修复、屋面防水、楼道粉刷", .40, .02, "已完工", .95, 1.02, 1.0, .90),
    b("江北区", "滨江街道", "滨江小区", "住宅", 2003, 14, 448, 90, 340,
      "道路改造、停车位增设、绿化提升、充电桩安装", .40, .02, "在建", .96, None, .80, .50),
    b("江北区", "朝阳街道", "朝阳新村", "住宅", 1992, 9, 315, 75, 420,
      "供水管网改造、燃气管道改造、道路修复", .40, .02, "在建", .97, None, .70, .60),
    b("江北区", "朝阳街道", "邮电局宿舍", "住宅", 1990, 3, 84, 78, 400,
      "雨污管网改造、屋面防水、楼道粉刷", .40, .02, "已完工", a_=1.0, p=.90,
      total=26200, contract_abs=25000, settle_abs=27500,
      near=[("L15", "结算金额275.00万元恰为合同金额250.00万元的110%，未超过10%")]),
    b("江北区", "朝阳街道", "刘家庄城中村片区", "住宅", 1998, 8, 272, 82, 360,
      "道路硬化、雨污管网改造、路灯安装", .40, .02, "未开工", None, None, .30, 0,
      plant=[("L06", "小区名称含“城中村”，城中村不属于城镇老旧小区改造范围")]),
    b("江南区", "望江街道", "望江花园", "住宅（含底商）", 2000, 10, 380, 85, 370,
      "外墙保温、屋面防水、雨污管网改造、停车位增设", .40, .02, "在建", .95, None, .75, .40,
      near=[("L06", "房屋性质“住宅（含底商）”是住宅，不是商业用房"),
            ("L05", "建成于2000年，不在2001—2005年延伸范围内")]),
    b("江南区", "望江街道", "东湖棚改安置小区", "安置房", 2004, 12, 396, 80, 350,
      "道路改造、雨污管网改造、建设社区养老服务站、绿化提升", .40, .02, "在建", .96, None, .80, .55,
      near=[("L06", "棚改安置小区是安置居民的住宅小区，不是棚户区本身，可以纳入改造")]),
    b("江南区", "望江街道", "化肥厂生活区", "住宅", 1983, 15, 540, 66, 470,
      "供热管网改造、屋面防水、外墙保温、道路修复", .40, .025, "已完工", .95, 1.03, 1.0, .85),
    b("江南区", "南门街道", "南门小区", "住宅", 1994, 7, 252, 78, 410,
      "屋面防水、外墙保温、雨污管网改造、道路修复", .40, .02, "已完工", .95, 1.18, 1.0, .80,
      plant=[("L15", "结算金额超过合同金额约18%，超过10%")]),
    b("江南区", "南门街道", "市一中教工宿舍", "住宅", 1996, 6, 222, 84, 380,
      "雨污管网改造、道路修复、绿化提升、楼道粉刷", .40, .02, "在建", 1.16, None, .70, .50,
      plant=[("L15", "合同金额超过总投资约16%，超过10%")]),
    b("江南区", "南门街道", "丝绸厂宿舍", "住宅", 1988, 8, 296, 72, 440,
      "燃气管道改造、道路改造、屋面防水", .40, .02, "已完工", 1.08, 1.09, 1.0, .85,
      near=[("L15", "合同金额为总投资的108%（未超10%），结算金额为合同金额的109%（未超10%）；结算虽比总投资高约17.7%，但其前一阶段是合同金额")]),
    b("柳城县", "城关镇", "柳城县委家属院", "住宅", 1991, 5, 180, 80, 400,
      "供水管网改造、道路硬化、屋面防水", .40, .02, "已完工", .96, 1.01, 1.0, .90),
    b("柳城县", "城关镇", "县医院家属楼", "住宅", 1995, 4, 148, 82, 390,
      "雨污管网改造、道路修复、屋面防水、加装电梯1部", .40, .02, "在建", .97, None, .60, None,
      paid_abs=None,
      plant=[("L20", "已拨付资金大于到位资金")]),
    b("柳城县", "城关镇", "供销社宿舍", "住宅", 1989, 4, 140, 70, 450,
      "屋面防水、外墙保温、楼道粉刷", .40, .02, "已完工", .96, 1.02, 1.0, .90,
      near=[("L16", "只有楼本体工程，但本台账无“中央预算内投资”列，资金为中央补助和地方财政，不涉及中央预算内投资用途限制")]),
    b("柳城县", "柳河街道", "柳河小区", "住宅", 1993, 10, 370, 76, 400,
      "雨污管网改造、道路修复、绿化提升", .40, .02, "在建", .95, None, .70, .45,
      note="原柳河村集体土地，已征收为国有，非城中村",
      near=[("L06", "备注写明“非城中村”")]),
    b("柳城县", "柳河街道", "老粮站片区", "住宅", 1980, 6, 198, 65, 480,
      "道路硬化、雨污管网改造", .40, .02, "未开工", None, None, .20, 0,
      note="房屋安全鉴定为C/D级，拟拆除重建",
      plant=[("L06", "备注写明“拟拆除重建”，拆除重建项目不属于老旧小区改造")]),
    b("新河县", "新河镇", "新河县政府家属院", "住宅", 1990, 6, 216, 76, 420,
      "供水管网改造、道路修复、屋面防水、楼道粉刷", .40, .02, "已完工", .96, 1.00, 1.0, .95),
    b("新河县", "新河镇", "棉纺厂宿舍", "住宅", 1985, 10, 360, 68, 450,
      "供热管网改造、燃气管道改造、道路修复", .40, .005, "在建", .96, None, .70, .50,
      plant=[("L19", "居民出资仅为总投资的0.5%，低于1%（提示性）")]),
    b("新河县", "新河镇", "新华小区", "住宅", 1997, 8, 304, 85, 360,
      "雨污分流改造、道路改造、停车位增设", .40, .02, "在建", .96, None, .80, 1.0,
      near=[("L20", "已拨付资金等于到位资金，没有超过")]),
    b("新河县", "新河镇", "工商局宿舍", "住宅", 1993, 3, 108, 80, 410,
      "外墙保温、屋面防水、雨污管网改造", .40, .02, "施工招标中", None, None, .40, 0),
    b("江北区", "滨江街道", "自来水公司宿舍", "住宅", 1987, 5, 185, 72, 430,
      "供水管网改造、屋面防水、道路修复", .40, .02, "已完工", .97, 1.03, 1.0, .90),
    b("江南区", "望江街道", "望江路42号院", "住宅", 1992, 3, 99, 74, 420,
      "雨污管网改造、楼道粉刷、屋面防水", .40, .02, "在建", .95, None, .60, .50),
    b("柳城县", "城关镇", "百花小区", "住宅", 1999, 9, 333, 88, 350,
      "道路改造、绿化提升、停车位增设、雨污管网改造", .40, .02, "已完工", .96, .99, 1.0, .90),
    b("新河县", "新河镇", "新河一中家属院", "住宅", 1994, 4, 152, 80, 400,
      "供水管网改造、道路修复", .40, .02, "未开工", None, None, .30, 0),
]

B_SPEC = dict(
    cols=B_COLS, rows=B_ROWS, groups=B_GROUPS, fujian=True, sheet="2023年台账", year_fmt="nian",
    title="柳溪市2023年城镇老旧小区改造项目台账", total_row=True,
    ledger_silent=[{"check": "L05", "why": "2001—2005年建成的小区（滨江小区、东湖棚改安置小区）共844户，占6430户的约13.1%，低于15%；望江花园为2000年建成，不计入"}],
)

# ---------------------------------------------------------------- ledger C
C_COLS = ["序号", "街道", "小区名称", "房屋性质", "建成年份", "户数", "楼栋数", "建筑面积",
          "改造内容", "总投资", "中央预算内投资", "地方财政", "居民出资", "合同金额", "结算金额",
          "到位资金", "已拨付资金", "累计完成投资", "进展情况", "实际开工时间", "实际完工时间", "备注"]


def c_(street, name, nature, year, hh, bldg, m2, price, content, cbi, res, status,
       k=None, s=None, a_=None, p=None, f=0, start=None, finish=None, note=None, **kw):
    d = dict(street=street, name=name, nature=nature, year=year, hh=hh, bldg=bldg, m2=m2,
             price=price, content=content, cbi=cbi, res=res, status=status, k=k, s=s, a=a_, p=p,
             f=f, start=start, finish=finish, note=note)
    d.update(kw)
    return d


C_ROWS = [
    c_("河东街道", "河东小区", "住宅", 1991, 300, 8, 76, 420,
       "雨污管网改造、道路修复、绿化提升、屋面防水", .40, .02, "已完工", .96, 1.01, 1.0, .85,
       f="settle", start="2023-03", finish="2023-08"),
    c_("河东街道", "机床厂宿舍", "住宅", 1986, 396, 11, 68, 450,
       "供热管网改造、燃气管道改造、道路改造", .40, .02, "在建", .95, None, .70, .50,
       f=.45, start="2023-05"),
    c_("河东街道", "工会大楼", "办公", 1995, 64, 2, 80, 400,
       "外墙保温、屋面防水、消防设施改造", 0, .02, "未开工", a_=.30, p=0,
       plant=[("L06", "房屋性质为“办公”，办公用房不属于城镇老旧小区改造对象")]),
    c_("河西街道", "河西新村", "住宅", 2003, 420, 12, 88, 340,
       "道路改造、停车位增设、雨污分流改造、充电桩安装", .40, .02, "在建", .96, None, .80, .60,
       f=.50, start="2023-06"),
    c_("河西街道", "棉麻公司宿舍", "住宅", 1988, 222, 6, 70, 440,
       "外墙保温、屋面防水改造、楼道墙面粉刷", .35, .02, "已完工", .95, 1.00, 1.0, .80,
       f="settle", start="2023-04", finish="2023-08",
       plant=[("L16", "中央预算内投资大于0，但改造内容只有外墙保温、屋面防水、楼道粉刷等楼本体工程")]),
    c_("河西街道", "铁路东街片区", "住宅", 1982, 270, 9, 65, 480,
       "道路硬化、雨污管网改造", .40, .02, "未开工", a_=.20, p=0,
       note="属棚户区，建议纳入棚改计划",
       plant=[("L06", "备注写明“属棚户区”，棚户区应走棚改渠道，不属于老旧小区改造")]),
    c_("河西街道", "金桂苑", "商品房", 1999, 336, 8, 92, 330,
       "雨污管网改造、道路改造、停车位增设", .35, .025, "在建", .96, None, .70, .50,
       f=.40, start="2023-07",
       near=[("L06", "房屋性质“商品房”是住宅商品房，不是商业用房")]),
    c_("滨河街道", "滨河小区", "住宅", 1994, 288, 8, 78, 410,
       "供水管网改造、道路修复、楼道粉刷", .40, .02, "已完工", .97, 1.02, 1.0, .90,
       f="settle", start="2023-03", finish="2023-07", note="经核查不属于棚改范围",
       near=[("L06", "备注写明“不属于棚改”")]),
    c_("滨河街道", "农科所家属院", "住宅", 1990, 148, 4, 80, 400,
       "雨污管网改造、屋面防水、绿化提升", .40, .02, "已完工", .96, .98, .90, .70,
       f=0, start="2023-04", finish="2023-07",
       plant=[("L13", "进展情况为“已完工”，但累计完成投资为0")]),
    c_("滨河街道", "水泥厂生活区", "住宅", 1984, 444, 12, 66, 470,
       "供热管网改造、道路改造、屋面防水、外墙保温", .40, .02, "计划10月完工", .95, None, .50, .60,
       f=0, start="2023-08",
       near=[("L13", "“计划10月完工”是计划，不是已完工，累计完成投资为0不构成矛盾")]),
    c_("滨河街道", "滨河家园", "棚改安置房", 1998, 360, 10, 82, 360,
       "雨污管网改造、道路改造、建设社区托育点、绿化提升", .40, .02, "在建", .95, None, .70, .50,
       f=.35, start="2023-06",
       near=[("L06", "房屋性质为“棚改安置房”，是安置住宅，不是棚户区")]),
    c_("新城街道", "新城花园", "住宅", 2000, 372, 10, 86, 350,
       "道路改造、绿化提升、停车位增设、雨污管网改造", .35, .02, "已竣工验收", None, None, 1.0, .90,
       f=1.0, start="2023-03", finish="2023-09", contract_abs=123200, settle_abs=122500,
       near=[("L15", "合同金额1232.00万元恰为总投资1120.00万元的110%，未超过10%；结算低于合同"),
             ("L13", "“已竣工验收”且累计完成投资大于0，一致")]),
    c_("新城街道", "粮油公司宿舍", "住宅", 1992, 185, 5, 74, 420,
       "供水管网改造、屋面防水、道路修复", .40, .02, "未开工", .97, None, .50, 0,
       f=0, start="2023-09",
       plant=[("L13", "进展情况为“未开工”，但已填写实际开工时间2023-09")]),
    c_("新城街道", "电机厂宿舍", "住宅", 1987, 259, 7, 70, 440,
       "燃气管道改造、道路改造、屋面防水", .40, .02, "在建", .96, None, .50, None,
       f=.40, start="2023-05", paid_abs=None,
       plant=[("L20", "已拨付资金大于到位资金")]),
    c_("新城街道", "检察院家属院", "住宅", 1996, 144, 4, 84, 330,
       "屋面防水、外墙保温、楼道粉刷", 0, .01, "已完工", .95, 1.03, 1.0, .85,
       f="settle", start="2023-04", finish="2023-08", total=40000, res_exact=True,
       near=[("L19", "居民出资4.00万元，恰为总投资400.00万元的1%"),
             ("L16", "只有楼本体工程，但中央预算内投资为0")]),
    c_("河东街道", "印刷厂宿舍", "住宅", 1989, 210, 6, 72, 430,
       "雨污管网改造、道路修复、屋面防水", .40, .02, "已完工", None, 1.15, 1.0, .90,
       f="settle", start="2023-04", finish="2023-09", note="EPC总承包打包招标，合同未按小区单列",
       plant=[("L15", "未填合同金额，结算金额超过总投资约15%，超过10%")]),
    c_("河西街道", "第二中学宿舍", "住宅", 1997, 180, 5, 82, 380,
       "雨污管网改造、道路改造、建设养老服务站", .40, .02, "在建", .96, None, .80, 1.0,
       f=.45, start="2023-07",
       near=[("L20", "已拨付资金等于到位资金")]),
    c_("滨河街道", "商业局家属院", "住宅", 1993, 216, 6, 76, 410,
       "供水管网改造、燃气管道改造、屋面防水", .40, .02, "已完工", .96, 1.01, 1.0, .90,
       f="settle", start="2023-05", finish="2023-09",
       near=[("L06", "小区名称含“商业局”，只是原单位名称，房屋性质为住宅")]),
]

C_SPEC = dict(
    cols=C_COLS, rows=C_ROWS, sheet="Sheet1",
    title="河阳区2023年老旧小区改造项目推进台账（截至2023年9月30日）",
    ledger_silent=[{"check": "L05", "why": "2001—2005年建成的只有河西新村420户，占4814户的约8.7%，低于15%；新城花园为2000年建成，不计入"}],
)


def fix_paid():
    # planted L20 rows: paid above arrival
    for rows, name, extra in ((B_ROWS, "县医院家属楼", 1.2), (C_ROWS, "电机厂宿舍", 1.3)):
        for d in rows:
            if d["name"] == name:
                d["p"] = extra
                d.pop("paid_abs")


if __name__ == "__main__":
    fix_paid()
    exp = {"ledgers": {}}
    for fname, spec in (("qinglin_2023_taizhang.xlsx", A_SPEC),
                        ("liuxi_2023_taizhang.xlsx", B_SPEC),
                        ("heyang_2023_tuijin_taizhang.xlsx", C_SPEC)):
        exp["ledgers"][fname] = write_ledger(fname, spec)
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as fh:
        json.dump(exp, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    print("ok")
