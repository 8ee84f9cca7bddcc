"""End-to-end benchmark: `analyzer run` on a generated corpus, against the floor of pulling the text out.

    python scripts/bench.py [--n 1000] [--jobs 2] [--out DIR] [--keep] [--scale10] [--seed 0] [--max-pages 20]
                            [--repeat 1] [--repeat-filler]

1. Generates a reproducible corpus of ``--n`` reports, one third each .txt (UTF-8 and GBK), .docx and
   .pdf, 1–20 pages each, with figures, tables, problem paragraphs and compilations (篇一/篇二 in one
   file, one file in ten), and a matching ledger (台账.xlsx) of the communities they name. Three PDFs
   in four embed their CJK font (as Word/WPS exports do), one in four does not. Filler prose is put
   together from parts with figures of its own, so a report hardly repeats a sentence (``--repeat-filler``:
   the corpus of earlier sessions, whose reports repeat most of their sentences).
2. Measures the floor in this process: the time the fastest readers take just to pull the text from
   the same files — pypdfium2 ``get_text_range`` for PDFs, an lxml walk over word/document.xml for
   .docx, read + decode for .txt (one process, one core).
3. Runs the full ``analyzer run DIR --ledger 台账.xlsx`` (a subprocess, as a user would) with
   ``--jobs 1`` and with ``--jobs N``, sampling every worker's peak memory (VmHWM) from /proc; with
   ``--repeat K`` K times each, taking turns, and reports the run of median time of each (two runs of
   the same code on a shared VM differ by up to a tenth).
4. With ``--scale10``: the same with a corpus of ten times as many different reports.

Prints the machine, files/s, pages/s, characters/s, peak memory per worker, the floor and the ratio
end-to-end / floor (target: ≤ 4 at --jobs 1). "Pages" are PDF pages, and for .docx/.txt page
equivalents of 1,350 characters (36 lines of a generated PDF page).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

CHARS_PER_PAGE = 1350

# ---------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------

DISTRICTS = ["东城区", "西城区", "南湖区", "北关区", "河西区", "云河市", "滨江区", "文昌县", "高新区", "雲陽縣"]
_PREFIX = ["金亭", "东风", "向阳", "建设", "育才", "银杏", "北关", "滨河", "新华", "幸福", "和平", "光明", "朝阳",
           "红旗", "胜利", "团结", "文化", "解放", "人民", "长青", "丰收", "翠园", "枫林", "桂花"]
_SUFFIX = ["花苑", "小区", "新村", "里", "家园", "宿舍", "苑", "公寓"]
_PROBLEMS = [
    "部分小区居民意见不统一，出资意愿不强，加装电梯推进缓慢。",
    "专营单位配合不够，燃气、通信管线迁改审批周期长，影响整体进度。",
    "改造资金缺口较大，地方配套资金未能及时到位，社会资本参与度低。",
    "个别项目施工组织不力，工程质量存在返工现象，监理单位履职不到位。",
    "改造后长效管理机制不健全，部分小区无物业管理，维修资金归集困难。",
    "施工期间噪声、扬尘扰民，居民投诉较多。",
    "小区底数不清，台账数据与实际不符，存在漏报、错报情况。",
    "停车位不足，充电设施缺乏，电动自行车充电存在安全隐患。",
]
_MEASURES = [
    "坚持“先民生后提升”，把群众最关心的水、电、气、路放在首位。",
    "建立“一小区一方案”工作机制，广泛征求居民意见，做到改不改、改什么、怎么改由居民定。",
    "区财政安排专项资金，积极争取中央补助资金和地方政府专项债券。",
    "加强工程质量安全监管，实行挂图作战，每周调度工程进度。",
]


@dataclass
class Community:
    name: str
    district: str
    buildings: int
    households: int
    area: float  # 万平方米
    investment: float  # 万元
    year: int


def communities(seed: int) -> list[Community]:
    """Every district's communities with their ledger figures (reproducible)."""
    rnd = random.Random(seed)
    out = []
    names = [p + s for p in _PREFIX for s in _SUFFIX]
    rnd.shuffle(names)
    for i, name in enumerate(names[:120]):
        households = rnd.randint(80, 2600)
        out.append(Community(name=name, district=DISTRICTS[i % len(DISTRICTS)], buildings=rnd.randint(2, 60),
                             households=households, area=round(households * rnd.uniform(0.006, 0.011), 2),
                             investment=round(households * rnd.uniform(1.5, 4.5), 2),
                             year=rnd.choice([2020, 2021, 2022, 2023])))
    return out


_FILLER = [
    "围绕“{slogan}”的目标，坚持“先民生后提升”，把群众最关心的水、电、气、路放在首位，统筹推进基础类、完善类和提升类改造。",
    "改造前，小区普遍存在屋面渗漏、雨污混流、架空线缆杂乱、停车位不足等问题，居民反映强烈，改造需求迫切。",
    "在资金筹措上，按照“居民出一点、企业投一点、财政补一点”的思路，多渠道筹集改造资金，其中中央补助资金{sub:,.2f}万元。",
    "在工程管理上，落实项目法人责任制、招投标制、工程监理制和合同管理制，严把材料进场关和隐蔽工程验收关。",
    "在群众工作上，坚持“一小区一方案”，通过入户走访、楼栋议事会等形式广泛征求意见，居民同意率均达到三分之二以上。",
    "在长效管理上，同步推进物业服务覆盖，指导成立业主委员会，建立维修资金归集和使用机制，巩固改造成果。",
    "截至目前，已开工{started}个，开工率{pct:.1f}%，累计完成投资{done:,.2f}万元，惠及居民{households}户。",
    "下一步，我们将加快施工进度，确保{year2}年12月30日前全部完工并通过竣工验收，同时做好改造后的移交和管理工作。",
]
_SLOGANS = ["以绿荫城", "以水润城", "以文化城", "以业兴城", "美好环境与幸福生活共同缔造"]

# Varied filler: paragraphs put together from parts, with their own figures, so that a long report does not
# repeat its sentences (real reports hardly do: ~98% of the characters of corpora/ are in lines that occur
# once in their report). Only quantities of works, meetings and the like: no households, buildings, areas,
# percentages or dates, which the checks compare.
_ASPECTS = ["工程管理", "资金筹措", "群众工作", "长效管理", "质量安全", "进度调度", "方案设计", "管线迁改", "绿化提升",
            "适老化改造", "消防安全", "历史文化保护", "社区治理", "物业服务", "无障碍设施", "海绵城市建设"]
_OPENINGS = ["在{aspect}上，", "围绕{aspect}，", "针对{aspect}中的难点，", "{aspect}方面，", "按照{plan}的要求，",
             "结合{source}，", "为抓好{aspect}，", "今年以来，", "各街道在{aspect}中", "项目实施过程中，"]
_PLANS = ["省住房城乡建设厅年度工作方案", "市委市政府的统一部署", "“一小区一方案”", "区改造三年行动计划",
          "城市更新专项规划", "工作专班例会", "联席会议纪要", "上级督导反馈意见"]
_SOURCES = ["入户走访收集的意见", "楼栋议事会的讨论结果", "第三方评估报告", "街道社区的摸排情况", "专家论证意见",
            "居民问卷调查结果", "前期试点经验", "审计反馈意见"]
_LEADS = ["累计", "共", "先后", "同步", "新", "已", "组织", "督促施工单位", "协调专营单位", ""]
_ACTIONS = ["改造雨污管网{n}米", "更换供水管道{n}米", "铺设燃气管道{n}米", "整治架空线缆{n}米", "新建围墙{n}米",
            "修缮小区道路{n}米", "加装电梯{k}部", "新增停车位{m}个", "安装路灯{k}盏", "建设充电桩{k}个",
            "增设监控探头{k}个", "补植乔灌木{m}株", "修缮屋面{k}处", "改造公共厕所{k}座", "新建口袋公园{k}处",
            "设置休闲座椅{k}组", "更新消防设施{k}套", "拆除违章搭建{k}处", "召开居民议事会{k}场",
            "发放征求意见表{m}份", "开展技术培训{k}次", "组织联合检查{k}轮", "化解矛盾纠纷{k}起", "收集居民意见{m}条",
            "清运建筑垃圾{m}吨", "更换单元门{k}樘", "修复化粪池{k}座", "增设晾晒设施{k}处", "改造配电箱{k}台"]
_CLOSINGS = ["居民满意度明显提升", "得到群众普遍好评", "为后续改造积累了经验", "有效改善了居住环境",
             "消除了一批安全隐患", "群众获得感不断增强", "工程质量总体受控", "整体进度符合预期",
             "相关做法在全市推广", "还需进一步巩固提升"]


def _varied_filler(rnd: random.Random) -> str:
    """One filler paragraph of ~60–140 characters that almost never recurs."""
    opening = rnd.choice(_OPENINGS).format(aspect=rnd.choice(_ASPECTS), plan=rnd.choice(_PLANS),
                                           source=rnd.choice(_SOURCES))
    actions = [rnd.choice(_LEADS) + action.format(n=f"{rnd.randint(120, 9800):,}", k=rnd.randint(1, 60),
                                                  m=rnd.randint(10, 900))
               for action in rnd.sample(_ACTIONS, rnd.randint(2, 4))]
    return opening + "，".join(actions) + "，" + rnd.choice(_CLOSINGS) + "。"


def _report_items(rnd: random.Random, district: str, pool: list[Community], pages: int,
                  repeat_filler: bool = False) -> list[object]:
    """One report: title, sections with consistent figures (a few deliberate ledger mismatches), a
    table of communities, measures and problems, filler prose to reach ``pages``, a signature.

    Filler: each of the eight _FILLER paragraphs at most once, then paragraphs of ``_varied_filler``;
    ``repeat_filler``: _FILLER paragraphs drawn again and again, as the corpus of sessions 2–5 was (its
    reports repeat most of their sentences, which flatters anything that caches by text)."""
    year = rnd.choice([2021, 2022, 2023])
    mine = rnd.sample(pool, min(len(pool), rnd.randint(3, 8)))
    households = sum(c.households for c in mine)
    investment = sum(c.investment for c in mine)
    started = rnd.randint(1, len(mine))
    values = {"sub": investment * rnd.uniform(0.2, 0.5), "started": started, "pct": 100 * started / len(mine),
              "done": investment * rnd.uniform(0.1, 0.9), "households": households, "year2": year + 1}
    items: list[object] = [f"关于{district}{year}年老旧小区改造工作情况的汇报", "一、基本情况",
                           f"{year}年，全区计划改造老旧小区{len(mine)}个，涉及居民{households}户，"
                           f"总投资{investment:,.2f}万元。"]
    for c in mine:
        figure = c.households if rnd.random() > 0.1 else c.households + rnd.randint(1, 50)  # a few mismatches
        items.append(f"{c.name}共有住宅楼{c.buildings}栋{figure}户，建筑面积约{c.area}万平方米，"
                     f"计划投资{c.investment:,.2f}万元。")
    items.append([["小区名称", "楼栋数", "户数", "建筑面积（万平方米）", "总投资（万元）"]]
                 + [[c.name, str(c.buildings), str(c.households), f"{c.area}", f"{c.investment:,.2f}"] for c in mine])
    items.append("二、主要做法")
    items.extend(rnd.sample(_MEASURES, 2))
    tail = ["三、存在的问题", *rnd.sample(_PROBLEMS, rnd.randint(2, 4)), "四、下一步工作打算"]
    budget = pages * CHARS_PER_PAGE - sum(len(x) if isinstance(x, str) else 40 * len(x) for x in items + tail)
    fresh = [] if repeat_filler else rnd.sample(_FILLER, len(_FILLER))
    while budget > 0:
        if repeat_filler:
            text = rnd.choice(_FILLER).format(slogan=rnd.choice(_SLOGANS), **values)
        elif fresh:
            text = fresh.pop().format(slogan=rnd.choice(_SLOGANS), **values)
        else:
            text = _varied_filler(rnd)
        items.append(text)
        budget -= len(text)
    items.extend(tail)
    items.append(_FILLER[-1].format(**values))
    items.append(f"{district}住房和城乡建设局")
    items.append(f"{year + 1}年{rnd.randint(1, 12)}月{rnd.randint(1, 28)}日")
    return items


def _pdf_pages(items: list[object], font_size: float = 12) -> list[list[object]]:
    from make_files import wrap_text

    pages: list[list[object]] = [[]]
    budget = 36
    for item in items:
        if isinstance(item, str):
            lines = wrap_text(item, 450, font_size)
            for line in lines:
                if budget <= 0:
                    pages.append([])
                    budget = 36
                pages[-1].append(line)
                budget -= 1
        else:
            need = int(len(item) * 1.6) + 2
            if budget < need:
                pages.append([])
                budget = 36
            pages[-1].append(item)
            budget -= need
    return pages


def _txt_lines(items: list[object]) -> list[str]:
    lines = []
    for item in items:
        if isinstance(item, str):
            lines.append(item)
        else:
            lines.extend("| " + " | ".join(row) + " |" for row in item)
    return lines


def make_corpus(folder: Path, n: int, seed: int = 0, max_pages: int = 20, repeat_filler: bool = False) -> Path:
    """Write ``n`` reports of 1 to ``max_pages`` pages into ``folder`` and the ledger beside them; return
    the ledger's path. ``repeat_filler``: see ``_report_items``."""
    from make_files import make_docx, make_pdf, make_txt, make_xlsx

    folder.mkdir(parents=True, exist_ok=True)
    pool = communities(seed)
    by_district = {d: [c for c in pool if c.district == d] for d in DISTRICTS}
    for i in range(n):
        rnd = random.Random(seed * 1_000_003 + i)
        kind = ("txt", "docx", "pdf")[i % 3]
        pages = rnd.randint(1, max_pages)
        district = rnd.choice(DISTRICTS)
        if rnd.random() < 0.1 and pages >= 2:  # a compilation of two or three reports
            parts = rnd.randint(2, 3)
            items: list[object] = [f"{district}老旧小区改造工作汇报材料汇编（{parts}篇）"]
            for k in range(parts):
                items.append(f"篇{'一二三'[k]}：")
                items.extend(_report_items(rnd, district, by_district[district], max(1, pages // parts),
                                           repeat_filler))
        else:
            items = _report_items(rnd, district, by_district[district], pages, repeat_filler)
        stem = f"r{i:05d}_{district}"
        if kind == "txt":
            make_txt(folder / f"{stem}.txt", "\n".join(_txt_lines(items)) + "\n", "gbk" if i % 2 else "utf-8")
        elif kind == "docx":
            make_docx(folder / f"{stem}.docx", items, header=f"{district}住房和城乡建设局", footer="内部资料")
        else:
            # Three PDFs in four embed their CJK font subset, as Word and WPS exports do; the fourth
            # uses a non-embedded font (older tools), which the reader leaves to pdfminer.
            make_pdf(folder / f"{stem}.pdf", _pdf_pages(items), footer="- {page} -", mixed_fonts=i % 2 == 0,
                     embed_font=(i // 3) % 4 != 3)
    rows = [["序号", "区县", "小区名称", "楼栋数", "户数", "建筑面积（万平方米）", "总投资（万元）", "改造年度"]]
    for k, c in enumerate(pool, start=1):
        rows.append([str(k), c.district, c.name, str(c.buildings), str(c.households), str(c.area),
                     str(c.investment), str(c.year)])
    ledger = folder / "台账.xlsx"
    make_xlsx(ledger, {"改造项目台账": rows})
    return ledger


# ---------------------------------------------------------------------------
# Floor: the fastest way to pull the text out
# ---------------------------------------------------------------------------


@dataclass
class Tally:
    files: int = 0
    pages: float = 0.0
    chars: int = 0
    seconds: float = 0.0
    by_format: dict[str, list[float]] = field(default_factory=dict)  # fmt -> [files, pages, chars, seconds]

    def add(self, suffix: str, pages: float, chars: int, seconds: float) -> None:
        """Count one file read."""
        self.files += 1
        self.pages += pages
        self.chars += chars
        self.seconds += seconds
        row = self.by_format.setdefault(suffix, [0, 0.0, 0, 0.0])
        row[0] += 1
        row[1] += pages
        row[2] += chars
        row[3] += seconds


def _floor_pdf(path: Path) -> tuple[int, int]:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        chars = 0
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            chars += len(textpage.get_text_range())
            textpage.close()
            page.close()
        return len(pdf), chars
    finally:
        pdf.close()


_W_T = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"


def _floor_docx(path: Path) -> tuple[float, int]:
    from lxml import etree

    with zipfile.ZipFile(path) as z, z.open("word/document.xml") as fh:
        chars = 0
        for _, element in etree.iterparse(fh, events=("end",), tag=_W_T, resolve_entities=False):
            chars += len(element.text or "")
            element.clear()
    return chars / CHARS_PER_PAGE, chars


def _floor_txt(path: Path) -> tuple[float, int]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    chars = len(text)
    return chars / CHARS_PER_PAGE, chars


FLOOR = {".pdf": _floor_pdf, ".docx": _floor_docx, ".txt": _floor_txt}


def _warm_up_floor(files: list[Path]) -> None:
    """Imports and library initialisation: each floor reader reads one file of its format."""
    for suffix, reader in FLOOR.items():
        sample = next((f for f in files if f.suffix == suffix), None)
        if sample:
            reader(sample)


def measure_floor(files: list[Path]) -> Tally:
    tally = Tally()
    _warm_up_floor(files)
    for path in files:
        started = time.perf_counter()
        pages, chars = FLOOR[path.suffix](path)
        tally.add(path.suffix, pages, chars, time.perf_counter() - started)
    return tally


def _floor_chunk(paths: list[str]) -> float:
    """Worker of ``measure_floor_parallel``: the floor readers over ``paths``, wall seconds."""
    files = [Path(p) for p in paths]
    _warm_up_floor(files)
    started = time.perf_counter()
    for path in files:
        FLOOR[path.suffix](path)
    return time.perf_counter() - started


def measure_floor_parallel(files: list[Path], jobs: int) -> float:
    """Wall time of the floor readers with ``jobs`` processes, files dealt out in turn."""
    import multiprocessing as mp

    chunks = [[str(f) for f in files[k::jobs]] for k in range(jobs)]
    with mp.get_context("fork").Pool(jobs) as pool:
        return max(pool.map(_floor_chunk, chunks))


def measure_readers(files: list[Path]) -> Tally:
    """The reader stage alone (``read_document``, one process): what the analyzer pays to read."""
    from analyzer.errors import ReadError
    from analyzer.readers import read_document

    tally = Tally()
    for path in files:
        started = time.perf_counter()
        try:
            document = read_document(path)
        except ReadError:
            tally.seconds += time.perf_counter() - started  # time spent on a file that failed still counts
            continue
        seconds = time.perf_counter() - started
        chars = sum(len(b.text) for b in document.blocks)
        tally.add(path.suffix, document.pages or chars / CHARS_PER_PAGE, chars, seconds)
    return tally


# ---------------------------------------------------------------------------
# End to end
# ---------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """The child processes of ``pid``: from /proc/PID/task/*/children where the kernel has it (one
    small read a thread), else by reading the parent of every process in /proc."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        out = []
        for tid in tasks:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as fh:
                out += [int(c) for c in fh.read().split()]
        return out
    except OSError:
        pass
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().rsplit(b")", 1)[1].split()
            if int(stat[1]) == pid:
                children.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return children


def _descendants(pid: int) -> list[int]:
    out, stack = [], [pid]
    while stack:
        for child in _children(stack.pop()):
            out.append(child)
            stack.append(child)
    return out


def _hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Run:
    jobs: int
    seconds: float
    ok: int
    failed: int
    reports: int
    main_mb: float
    worker_mb: float  # the largest peak of an analysis worker (run.json's worker_peak_mb)
    workers: int  # analysis worker processes (--jobs)
    workers_seconds: float = 0.0  # until the last file was analysed (run.json's analysis_seconds)
    errors: list[dict] = field(default_factory=list)
    writer_mb: float = 0.0  # the largest forked process writing an output (workbook or HTML)


SAMPLE_SECONDS = 0.25


def run_analyzer(inputs: Path, ledger: Path, out: Path, jobs: int) -> Run:
    """``python -m analyzer run`` as a subprocess; worker peak memory sampled from /proc."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "analyzer", "run", str(inputs), "--ledger", str(ledger), "--out", str(out),
           "--jobs", str(jobs)]
    log = open(out.parent / f"{out.name}.log", "w", encoding="utf-8")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=log, stderr=log, cwd=ROOT)
    peaks: dict[int, int] = {}
    main_peak = 0
    last_worker = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal main_peak, last_worker
        while not done.is_set():
            main_peak = max(main_peak, _hwm_kb(proc.pid))
            for pid in _descendants(proc.pid):
                peaks[pid] = max(peaks.get(pid, 0), _hwm_kb(pid))
                if peaks[pid] > 20_000:
                    last_worker = time.perf_counter() - started
            # VmHWM is a high-water mark: one reading before a process ends is enough, and reading /proc
            # costs CPU that --jobs 2 would lose to its workers (the shortest forked writer lives ~1 s)
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    log.close()
    if code != 0:
        raise SystemExit(f"analyzer run exited with {code}; see {out.parent / (out.name + '.log')}")
    summary = json.loads((out / "run.json").read_text(encoding="utf-8"))
    # The runner records its analysis workers' peak memory itself; other descendants sampled here
    # are the forked processes that write the workbook and the HTML report (from the main process's memory).
    workers = {pid: kb for pid, kb in peaks.items() if kb > 20_000}  # leave out short helper processes
    worker_mb = summary.get("worker_peak_mb") or max(workers.values(), default=0) / 1024
    writer_mb = max((kb / 1024 for kb in workers.values() if kb / 1024 > worker_mb + 1), default=0.0)
    return Run(jobs=jobs, seconds=seconds, ok=summary["ok"], failed=summary["failed"],
               reports=summary.get("reports", 0), main_mb=main_peak / 1024, worker_mb=worker_mb,
               workers=jobs, workers_seconds=summary.get("analysis_seconds") or last_worker,
               errors=summary.get("errors", [])[:5], writer_mb=writer_mb)


# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
            memory = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    versions = []
    for dist in ("pdfplumber", "pdfminer.six", "pypdfium2", "python-docx", "lxml", "openpyxl"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    tools = []
    for tool, args in (("tesseract", ["--version"]), ("antiword", [])):
        exe = shutil.which(tool)
        if exe:
            out = subprocess.run([exe, *args], capture_output=True, text=True).stdout + ""
            first = next((line for line in out.splitlines() if re.search(r"\d", line)), tool)
            tools.append(first.strip())
    return (f"machine: {platform.platform()}, {os.cpu_count()} CPUs ({cpu}){memory}, Python {platform.python_version()}\n"
            f"libraries: {', '.join(versions)}\ntools: {', '.join(tools) or 'none'}")


def rates(label: str, files: int, pages: float, chars: int, seconds: float) -> str:
    return (f"  {label:<24}{files:7d}{pages:9.0f}{chars:13,d}{seconds:9.1f}{files / seconds:9.1f}"
            f"{pages / seconds:9.1f}{chars / seconds:12,.0f}")


HEADER = f"  {'':<24}{'files':>7}{'pages':>9}{'chars':>13}{'seconds':>9}{'files/s':>9}{'pages/s':>9}{'chars/s':>12}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="reports in the corpus (default 1000)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the second run (default 2)")
    parser.add_argument("--out", type=Path, help="working folder (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the corpus and outputs")
    parser.add_argument("--scale10", action="store_true", help="also run on the corpus ten times over (slow)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-readers", action="store_true", help="skip timing the reader stage on its own")
    parser.add_argument("--max-pages", type=int, default=20,
                        help="reports have 1 to this many pages (default 20; 1 gives a corpus of short reports)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run --jobs 1 and --jobs N this many times, taking turns; report the median of each")
    parser.add_argument("--repeat-filler", action="store_true",
                        help="the corpus of earlier sessions: filler paragraphs drawn again and again from eight")
    args = parser.parse_args(argv)

    print(machine())
    work = args.out or Path(tempfile.mkdtemp(prefix="analyzer_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        corpus = work / "corpus"
        shutil.rmtree(corpus, ignore_errors=True)
        started = time.perf_counter()
        ledger = make_corpus(corpus, args.n, args.seed, args.max_pages, args.repeat_filler)
        files = sorted(p for p in corpus.iterdir() if p.suffix in FLOOR)
        size = sum(p.stat().st_size for p in files)
        print(f"corpus: {len(files)} reports ({', '.join(f'{sum(p.suffix == s for p in files)} {s}' for s in FLOOR)}), "
              f"{size / 1e6:.1f} MB, generated in {time.perf_counter() - started:.1f} s; ledger {ledger.name}")

        floor = measure_floor(files)
        print("\n" + HEADER)
        for suffix, (n, pages, chars, seconds) in sorted(floor.by_format.items()):
            print(rates(f"floor {suffix[1:]}", int(n), pages, int(chars), seconds))
        print(rates("floor (all, 1 process)", floor.files, floor.pages, floor.chars, floor.seconds))
        floor_jobs = measure_floor_parallel(files, args.jobs) if args.jobs > 1 else floor.seconds
        if args.jobs > 1:
            print(rates(f"floor (all, {args.jobs} processes)", floor.files, floor.pages, floor.chars, floor_jobs))
        reading = None
        if not args.no_readers:
            reading = measure_readers(files)
            for suffix, (n, pages, chars, seconds) in sorted(reading.by_format.items()):
                print(rates(f"readers {suffix[1:]}", int(n), pages, int(chars), seconds))
            print(rates("readers (all, 1 process)", reading.files, reading.pages, reading.chars, reading.seconds))

        jobs_list = [1] if args.jobs == 1 else [1, args.jobs]
        # With --repeat, the runs take turns (--jobs 1, --jobs N, --jobs 1 …), so that a slow spell of
        # the machine falls on both; each is then represented by its run of median time.
        tries: dict[int, list[Run]] = {jobs: [] for jobs in jobs_list}
        for _ in range(args.repeat):
            for jobs in jobs_list:
                tries[jobs].append(run_analyzer(corpus, ledger, work / f"out_j{jobs}", jobs))
        runs = []
        for jobs in jobs_list:
            median = statistics.median_low(run.seconds for run in tries[jobs])
            run = next(run for run in tries[jobs] if run.seconds == median)
            runs.append(run)
            print(rates(f"analyzer run --jobs {jobs}", len(files), floor.pages, floor.chars, run.seconds)
                  + (f"  (median of {', '.join(f'{r.seconds:.1f}' for r in tries[jobs])})" if args.repeat > 1 else ""))
        if args.scale10:
            # Ten times as many different reports (the same generator, more of it): copies of the
            # same files would measure the runner's de-duplication of identical content instead.
            big = work / "corpus10"
            shutil.rmtree(big, ignore_errors=True)
            started = time.perf_counter()
            ledger10 = make_corpus(big, 10 * args.n, args.seed, args.max_pages, args.repeat_filler)
            print(f"10x corpus: {10 * args.n} reports generated in {time.perf_counter() - started:.1f} s")
            run10 = run_analyzer(big, ledger10, work / "out10", args.jobs)
            print(rates(f"10x corpus --jobs {args.jobs}", 10 * len(files), 10 * floor.pages, 10 * floor.chars,
                        run10.seconds))
            runs.append(run10)

        print("\nruns:")
        for run in runs:
            print(f"  --jobs {run.jobs}: {run.seconds:.1f} s, ok {run.ok}, failed {run.failed}, reports {run.reports}; "
                  f"peak memory: main process {run.main_mb:.0f} MB, largest analysis worker {run.worker_mb:.0f} MB "
                  f"(target <= 500), largest output writer {run.writer_mb:.0f} MB; analysis done after "
                  f"{run.workers_seconds:.1f} s, then {run.seconds - run.workers_seconds:.1f} s for batch checks "
                  f"and outputs")
            for error in run.errors:
                print(f"    error: {Path(error['file']).name}: {error['kind']}: {error['message']}")
        one = runs[0]
        if reading is not None:
            print(f"\nreader stage / floor: {reading.seconds / floor.seconds:.1f}x "
                  + ", ".join(f"{s[1:]} {reading.by_format[s][3] / floor.by_format[s][3]:.1f}x"
                              for s in sorted(floor.by_format) if s in reading.by_format))
        print(f"end-to-end / floor: {one.seconds / floor.seconds:.1f}x at --jobs 1 against the 1-process floor "
              f"(target <= 4x)"
              + (f"; {runs[1].seconds / floor_jobs:.1f}x at --jobs {runs[1].jobs} against the {runs[1].jobs}-process "
                 f"floor (speed-up --jobs 1 -> {runs[1].jobs}: {one.seconds / runs[1].seconds:.2f}x, target >= 1.8x; "
                 f"for comparison, the floor's own with {runs[1].jobs} processes: {floor.seconds / floor_jobs:.2f}x)"
                 if len(jobs_list) > 1 else ""))
        if args.scale10:
            print(f"10x corpus: {run10.seconds:.1f} s = {run10.seconds / runs[-2].seconds:.1f}x the 1x run "
                  f"at --jobs {args.jobs} (target <= 10.5x)")
    finally:
        if not args.keep and args.out is None:
            shutil.rmtree(work, ignore_errors=True)
        elif args.keep:
            print(f"\nkept: {work}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
