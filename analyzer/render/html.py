"""报告.html: one self-contained page (inline CSS, JS and SVG; nothing fetched) with the batch dashboard
and every report's text, its facts, placeholders, flagged figures and problem clauses highlighted. A large
batch gets the dashboard in 报告.html and one such page per file in 报告原文/ beside it (``build_pages``).

Highlights never nest: the text is cut at every annotation boundary and each piece is one ``<span>``
carrying the classes and ids of all annotations over it, so overlapping facts, flags and problems stay
well-formed. Hovering a piece shows its annotations (``title``); clicking it fills the side panel (value,
unit, role, status, subject, scope, page; flag severity and message; problem categories and phase).
Reports are collapsed ``<details>`` blocks with a table of contents; lines with tabs become tables, so a
30-page report stays readable, and the layer switches hide any kind of highlight.

Example:
    >>> from analyzer.render.html import render_html
    >>> render_html(documents, "outputs/demo/报告.html", ledger_rows=rows)  # doctest: +SKIP
"""

from __future__ import annotations

import bisect
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from .. import __version__
from . import labels
from .charts import SEVERITY_COLORS, bar_svg, stacked_bar_svg
from .common import (Community, Doc, Prepared, category_counts, evidence_where, fmt_fact, fmt_number,
                     move_into_place, overview, prepare, temp_path, used_metrics)

FILE_NAME = "报告.html"
REPORT_DIR = "报告原文"  # beside 报告.html: one page per file when the report is split
# Above this many characters of report text in all, each file's text gets a page of its own
# (``build_pages``); below, everything stays in one page that can be mailed as it is.
SINGLE_PAGE_MAX_CHARS = 3_000_000


# ---------------------------------------------------------------------------
# Annotations
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Ann:
    """One highlighted span of a report's text."""

    id: str
    start: int
    end: int
    kind: str  # fact | placeholder | flag | problem | heading
    classes: str
    tip: str
    data: dict[str, Any]
    anchor: str | None = None  # element id placed on the span's first piece
    badge: str | None = None   # text shown before the span (problem categories)
    level: int = 0


def _fact_ann(aid: str, fact: dict) -> Ann:
    get = fact.get
    page = get("page")
    # (what the side panel lists, non-empty only; the tip lists all but the text)
    fields = [kv for kv in (("类型", labels.fact_type_label(get("type", ""))), ("数值", fmt_fact(fact)),
                            ("角色", labels.role_label(get("role"))), ("状态", labels.status_label(get("status"))),
                            ("主体", labels.subject_label(get("subject"))), ("年度/批次", get("scope") or ""),
                            ("页码", str(page) if page else "")) if kv[1]]
    tip = "数据｜" + "；".join([f"{k}：{v}" for k, v in fields])
    raw = get("raw", "")
    if raw:
        fields.append(("原文", raw))
    return Ann(aid, fact["start"], fact["end"], "fact", f"f f-{get('type', 'x')}", tip,
               {"t": "数据", "fields": fields})


def _placeholder_ann(aid: str, ph: dict) -> Ann:
    tip = f"模板空位｜「{ph.get('raw', '')}」未填写，不作为数字参与核对"
    fields = [("原文", ph.get("raw", ""))] + ([("页码", str(ph["page"]))] if ph.get("page") else [])
    return Ann(aid, ph["start"], ph["end"], "placeholder", "ph", tip, {"t": "模板空位", "fields": fields,
                                                                      "msg": "未填写的模板数字，不作为数字参与核对。"})


def _problem_ann(aid: str, p: dict) -> Ann:
    cats = [labels.category_label(c) for c in p.get("categories") or []]
    score = p.get("score")
    fields = [("类别", "、".join(cats)), ("阶段", labels.phase_label(p.get("phase"))),
              ("置信度", f"{score:.2f}" if isinstance(score, (int, float)) else ""),
              ("页码", str(p["page"]) if p.get("page") else "")]
    fields = [(k, v) for k, v in fields if v]
    tip = "问题｜" + "；".join(f"{k}：{v}" for k, v in fields)
    return Ann(aid, p["start"], p["end"], "problem", "pb", tip, {"t": "问题", "fields": fields}, anchor=aid,
               badge="·".join(cats))


def _flag_ann(aid: str, gid: str, flag: dict, ev: dict) -> Ann:
    sev = flag.get("severity", "info")
    title = f"{labels.severity_label(sev)}·{labels.flag_kind_label(flag.get('kind', ''))}"
    tip = f"线索｜{title}：{flag.get('message', '')}"
    return Ann(aid, ev["start"], ev["end"], "flag", f"fl fl-{sev}", tip,
               {"t": "线索", "sev": sev, "title": title, "msg": flag.get("message", ""), "flag": gid,
                "fields": [("原文", ev.get("raw", ""))]}, anchor=aid)


def _heading_anns(rid: str, report: dict) -> list[Ann]:
    out = []
    text = report.get("text", "")
    for n, s in enumerate(report.get("sections") or []):
        end = s["start"] + len(s.get("heading", ""))
        if text[s["start"]:end] != s.get("heading"):
            continue  # a heading not written at the section start (inline 一是…): no anchor
        out.append(Ann(f"{rid}-s{n}", s["start"], end, "heading", f"hd hd{min(s.get('level', 1), 3)}", "", {},
                       anchor=f"{rid}-s{n}", level=s.get("level", 1)))
    return out


def flag_evidence_by_report(flags: list[dict]) -> dict[tuple[str, int], list[tuple[dict, int, dict]]]:
    """(file, report index) → [(flag, evidence number, evidence)] in flag order: built once, so
    that each report does not go through every flag of the batch."""
    out: dict[tuple[str, int], list[tuple[dict, int, dict]]] = {}
    for flag in flags:
        for k, ev in enumerate(flag.get("evidence") or []):
            out.setdefault((ev.get("file"), ev.get("report")), []).append((flag, k, ev))
    return out


def report_annotations(rid: str, doc: Doc, report: dict, flag_ids: dict[int, str],
                       evidence: list[tuple[dict, int, dict]]) -> list[Ann]:
    """The highlights of one report; ``evidence``: its entry of ``flag_evidence_by_report``."""
    n = len(report.get("text", ""))
    anns: list[Ann] = _heading_anns(rid, report)
    anns += [_problem_ann(f"{rid}-p{i}", p) for i, p in enumerate(report.get("problems") or [])]
    anns += [_fact_ann(f"{rid}-f{i}", f) for i, f in enumerate(report.get("facts") or [])]
    anns += [_placeholder_ann(f"{rid}-h{i}", p) for i, p in enumerate(report.get("placeholders") or [])]
    for flag, k, ev in evidence:
        gid = flag_ids[id(flag)]
        anns.append(_flag_ann(f"{gid}e{k}", gid, flag, ev))
    return [a for a in anns if 0 <= a.start < a.end <= n]


# ---------------------------------------------------------------------------
# Text with highlights
# ---------------------------------------------------------------------------


def _esc_native(text: str) -> str:
    """``str(markupsafe.escape(text))`` for a plain ``str``: the same five replacements, without
    building a Markup (the text of a long batch is escaped piece by piece, a million times)."""
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


try:  # what markupsafe.escape itself calls on a str, five times faster than the replacements
    from markupsafe._speedups import _escape_inner as _esc
except ImportError:  # another markupsafe: the same result in Python
    _esc = _esc_native


_CLASSES: dict[str, str] = {}  # an annotation's classes -> without repeats (a piece under one annotation)


def _piece(text: str, active: list[Ann], opening: list[Ann]) -> str:
    """One cut of the text: anchors of the annotations starting here, a problem's category badge, and
    the text in a span carrying every annotation over it. The first anchor (problems before flags) goes
    on the span itself; any other is an empty span just before it."""
    body = _esc(text)
    if not active:  # plain text, the commonest piece
        return body
    anchors: list[Ann] = []
    out: list[str] = []
    # (one annotation opening here without anchor or badge, say a fact, writes nothing before the span)
    if opening and (len(opening) > 1 or opening[0].badge or (opening[0].anchor and opening[0].kind != "heading")):
        anchors = sorted((a for a in opening if a.anchor and a.kind != "heading"), key=lambda a: a.kind != "problem")
        out = [f'<span id="{a.anchor}" class="anchor"></span>' for a in anchors[1:]]
        badged = sorted((a for a in opening if a.badge), key=lambda a: bool(anchors) and a is anchors[0])
        out += [f'<span class="cats" aria-hidden="true">{_esc(a.badge)}</span>' for a in badged]
    if len(active) == 1:
        marks = active
        if active[0].kind == "heading":
            body = f"<strong>{body}</strong>"
            marks = []
    else:
        if any(a.kind == "heading" for a in active):
            body = f"<strong>{body}</strong>"
        marks = [a for a in active if a.kind != "heading"]
    id_attr = f' id="{anchors[0].anchor}"' if anchors else ""
    if not marks:
        out.append(f"<span{id_attr}>{body}</span>" if id_attr else body)
        return "".join(out)
    if len(marks) == 1:
        mark = marks[0]
        classes = _CLASSES.get(mark.classes)
        if classes is None:
            classes = _CLASSES[mark.classes] = " ".join(dict.fromkeys(mark.classes.split()))
        ids, tip = mark.id, mark.tip
        tab = ' tabindex="0"' if mark.kind == "flag" else ""
    else:
        classes = " ".join(dict.fromkeys(c for a in marks for c in a.classes.split()))
        ids = " ".join(a.id for a in marks)
        tip = "\n".join(dict.fromkeys(a.tip for a in marks if a.tip))
        tab = ' tabindex="0"' if any(a.kind == "flag" for a in marks) else ""
    span = f'<span class="a {classes}"{id_attr}{tab} data-a="{ids}" title="{_esc(tip)}">{body}</span>'
    return "".join(out) + span if out else span


class _AnnIndex:
    """A report's annotations by start, to find those over each line without going through all of
    them for every line (a long report has thousands of lines and annotations)."""

    def __init__(self, anns: list[Ann]):
        self.order = {id(a): i for i, a in enumerate(anns)}
        self.by_start = sorted(anns, key=lambda a: a.start)
        self.starts = [a.start for a in self.by_start]
        self._next = 0  # by_start position of the first annotation not yet in the pool
        self._pool: list[Ann] = []  # the annotations started so far and not ended by the last range

    def over_next(self, lo: int, hi: int) -> list[Ann]:
        """The annotations overlapping [lo, hi), in their original order, for ranges taken in text order
        (each ``lo`` at or after the previous one): the annotations started before ``hi`` and not ended
        by ``lo`` are carried from range to range, so the many ranges without any cost no search."""
        pool, start = self._pool, self._next
        if start < len(self.starts) and self.starts[start] < hi:
            end = bisect.bisect_left(self.starts, hi, start)
            pool = pool + self.by_start[start:end]
            self._next = end
        if pool:
            pool = [a for a in pool if a.end > lo]
            if len(pool) > 1:
                order = self.order
                pool.sort(key=lambda a: order[id(a)])
        self._pool = pool
        return pool


def _render_inside(text: str, inside: list[Ann], lo: int, hi: int, opened: set[str]) -> str:
    """``text[lo:hi]`` as markup, cut at every annotation boundary inside it; ``inside``: the annotations
    over the range (``_AnnIndex.over_next``). An annotation opens (its anchor and badge are written) on
    the first piece it covers; ``opened`` carries that across ranges."""
    if not inside:
        return _esc(text[lo:hi])
    if lo == hi:
        return ""
    if len(inside) == 1:  # one annotation: at most three pieces, before, under and after it
        x = inside[0]
        a, b = max(lo, x.start), min(hi, x.end)
        opening = [x] if x.id not in opened else []
        if opening:
            opened.add(x.id)
        return _esc(text[lo:a]) + _piece(text[a:b], inside, opening) + _esc(text[b:hi])
    cuts = sorted({lo, hi, *(max(lo, a.start) for a in inside), *(min(hi, a.end) for a in inside)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        active = [x for x in inside if x.start < b and x.end > a]
        opening = [x for x in active if x.id not in opened]
        if opening:
            opened.update(x.id for x in opening)
        out.append(_piece(text[a:b], active, opening))
    return "".join(out)


def _table_html(text: str, anns: _AnnIndex, rows: list[tuple[int, int]], opened: set[str]) -> str:
    out = ['<div class="tt"><table>']
    for lo, hi in rows:
        cells, pos = [], lo
        for part in text[lo:hi].split("\t"):
            end = pos + len(part)
            cells.append(f"<td>{_render_inside(text, anns.over_next(pos, end), pos, end, opened)}</td>")
            pos = end + 1
        out.append(f"<tr>{''.join(cells)}</tr>")
    out.append("</table></div>")
    return "".join(out)


def render_text(text: str, anns: list[Ann]) -> Markup:
    """The report's text as paragraphs, headings and tables, with its annotations."""
    heads = {a.start: a for a in anns if a.kind == "heading"}
    index = _AnnIndex(anns)  # its ranges are taken in text order: over_next
    opened: set[str] = set()
    out: list[str] = []
    table: list[tuple[int, int]] = []
    lo = 0
    for line in text.split("\n"):
        hi = lo + len(line)
        if "\t" in line:
            table.append((lo, hi))
        else:
            if table:
                out.append(_table_html(text, index, table, opened))
                table = []
            if lo != hi:
                head = heads.get(lo)
                tag = f'p id="{head.anchor}" class="hl hl{min(head.level, 3)}"' if head else "p"
                inside = index.over_next(lo, hi)
                out.append(f"<{tag}>{_render_inside(text, inside, lo, hi, opened) if inside else _esc(line)}</p>")
        lo = hi + 1
    if table:
        out.append(_table_html(text, index, table, opened))
    return Markup("\n".join(out))


# ---------------------------------------------------------------------------
# Page model
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class ReportView:
    id: str
    doc_index: int  # in ordered_documents order
    doc: Doc
    report: dict
    html: Markup
    toc: list[tuple[str, str, int]]
    flags: list[tuple[str, dict]]
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class FlagView:
    id: str
    flag: dict
    links: list[tuple[str | None, str]]  # (anchor or None, label)


def _doc_ids(docs: list[Doc]) -> dict[tuple[str, int], str]:
    return {(d["file"], r["index"]): f"d{i}r{r['index']}" for i, d in enumerate(docs)
            for r in (d.get("reports") or []) if d.get("status") == "ok"}


class _FlagIndex:
    """The flags' ids (``g0``, ``g1`` …) and their evidence by report, built once per batch."""

    def __init__(self, docs: list[Doc], flags: list[dict]):
        self.rids = _doc_ids(docs)
        self.ids = {id(f): f"g{i}" for i, f in enumerate(flags)}
        self.by_report = flag_evidence_by_report(flags)


def doc_views(i: int, doc: Doc, index: _FlagIndex, *, text: bool = True) -> tuple[list[ReportView], dict[str, Any]]:
    """The views of the ``i``-th file's reports and their side-panel data by annotation id. Without
    ``text``, only what the dashboard needs (no highlighted text; the flags' anchors, without data)."""
    views: list[ReportView] = []
    data: dict[str, Any] = {}
    if doc.get("status") != "ok":
        return views, data
    for report in doc.get("reports") or []:
        rid = index.rids[(doc["file"], report["index"])]
        evidence = index.by_report.get((doc["file"], report["index"]), [])
        if text:
            anns = report_annotations(rid, doc, report, index.ids, evidence)
            data.update({a.id: a.data for a in anns if a.kind != "heading"})
        else:  # the flags' anchors, as report_annotations keeps them: the dashboard only links to them
            n = len(report.get("text", ""))
            anns = []
            data.update((f"{index.ids[id(f)]}e{k}", None) for f, k, ev in evidence if 0 <= ev["start"] < ev["end"] <= n)
        toc = [(a.anchor, report["text"][a.start:a.end], a.level) for a in anns
               if a.kind == "heading" and a.level <= 2]
        rflags = list({id(f): (index.ids[id(f)], f) for f, _, _ in evidence}.values())
        html = render_text(report.get("text", ""), anns) if text else Markup("")
        views.append(ReportView(rid, i, doc, report, html, toc, rflags, {
            "facts": len(report.get("facts") or []), "problems": len(report.get("problems") or []),
            "placeholders": len(report.get("placeholders") or []), "flags": len(rflags)}))
    return views, data


def build_views(docs: list[Doc], flags: list[dict], index: _FlagIndex, *, text: bool = True
                ) -> tuple[list[ReportView], list[FlagView], dict[str, Any], dict[str, int]]:
    """Each report's highlighted text (see ``doc_views``), the flag table's rows, the side panel's data
    by annotation id, and the index of the file each annotation is in."""
    flag_ids = index.ids
    data: dict[str, Any] = {}
    owner: dict[str, int] = {}
    views: list[ReportView] = []
    for i, doc in enumerate(docs):
        more, more_data = doc_views(i, doc, index, text=text)
        views += more
        data.update(more_data)
        owner.update(dict.fromkeys(more_data, i))
    flag_views = []
    for f in flags:
        gid = flag_ids[id(f)]
        links = []
        for k, ev in enumerate(f.get("evidence") or []):
            anchor = f"{gid}e{k}"
            links.append((anchor if anchor in data else None, evidence_where(ev)))
        flag_views.append(FlagView(gid, f, links))
    return views, flag_views, data, owner


def _charts(cats: list[tuple[str, int, int]], ov) -> list[Markup]:
    """The dashboard's charts; ``cats``: ``category_counts`` of the documents."""
    out = []
    if cats:
        out.append(Markup(bar_svg([(labels.category_label(c), n) for c, n, _ in cats], title="问题按类别", width=430)))
    if ov.flags_by_kind:
        items = [(labels.flag_kind_label(k), parts) for k, parts in ov.flags_by_kind]
        out.append(Markup(stacked_bar_svg(items, title="线索按类型", colors=SEVERITY_COLORS,
                                          legend={s: labels.severity_label(s) for s in labels.SEVERITIES}, width=430)))
    if ov.facts_by_type:
        out.append(Markup(bar_svg([(labels.fact_type_label(t), n) for t, n in ov.facts_by_type],
                                  title="提取数据按类型", color="#548235", width=430)))
    return out


def _community_rows(items: list[Community]) -> tuple[list, list[dict]]:
    metrics = used_metrics(items)
    rows = []
    for c in items:
        cells = []
        for m in metrics:
            parts = []
            led = c.ledger_figures.get(m.code)
            if led is not None:
                parts.append(("台账", led.display(m), c.differs(m.code, None), led.where()))
            for i, s in enumerate(c.sources):
                figs = s.figures.get(m.code) or []
                if figs:
                    parts.append((f"{'①②③④⑤⑥⑦⑧⑨⑩'[i] if i < 10 else i + 1}", "；".join(f.display(m) for f in figs),
                                  c.differs(m.code, i), "\n".join(f.where() for f in figs)))
            cells.append(parts)
        rows.append({"c": c, "cells": cells})
    return metrics, rows


def _json_script(data: Any) -> Markup:
    # (no circular-reference bookkeeping: the data is a tree, built here; a quarter of the encoding time)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), check_circular=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


_ENV: Environment | None = None


def environment() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = Environment(loader=PackageLoader("analyzer.render", "templates"),
                           autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
        _ENV.globals.update(labels=labels, fmt_number=fmt_number, fmt_fact=fmt_fact)
    return _ENV


def page_name(index: int, doc: Doc) -> str:
    """``0007-东城区情况汇报.html``: the page of the ``index``-th file (0-based) when the report is split.
    Numbered, so that two files of one name stay apart; characters that are not allowed in file names
    on Windows or that break a link are replaced."""
    stem = _UNSAFE.sub("_", Path(doc.get("file") or "").stem)[:40].strip("._") or "file"
    return f"{index + 1:04d}-{stem}.html"


_UNSAFE = re.compile(r'[\\/:*?"<>|#%&\s\x00-\x1f]+')


def build_html(documents: list[Doc], *, summary: dict | None = None, batch_flags: list[dict] | None = None,
               ledger_rows: list[dict] | None = None, generated: datetime | None = None) -> str:
    """The whole report as one page."""
    return build_pages(documents, summary=summary, batch_flags=batch_flags, ledger_rows=ledger_rows,
                       generated=generated, split=False)[0]


def build_pages(documents: list[Doc], *, summary: dict | None = None, batch_flags: list[dict] | None = None,
                ledger_rows: list[dict] | None = None, generated: datetime | None = None,
                split: bool = False, prepared: Prepared | None = None) -> tuple[str, Iterator[tuple[str, str]]]:
    """The report page, and with ``split`` one page per input file: ``(报告.html, (page name, page) …)``.
    The file pages are made one at a time as they are taken, so a large batch never holds them all.

    Split, the report page keeps the dashboard, the flag table, the communities and the problem list,
    and lists the reports; each file's text with its highlights and side panel is a page of its own in
    REPORT_DIR beside it (a batch of 1,000 long reports is over 100 MB in one page, more than a browser
    opens comfortably). Links between the pages are relative, so the folder can be moved or zipped whole.
    ``prepared``: ``prepare(documents, batch_flags, ledger_rows)`` if the caller has it already.
    """
    if prepared is None:
        prepared = prepare(documents, batch_flags, ledger_rows)
    stamp = _stamp(generated)
    return (index_page(prepared, summary=summary, split=split, stamp=stamp),
            file_pages(prepared, stamp=stamp) if split else iter(()))


def _stamp(generated: datetime | None) -> str:
    return (generated or datetime.now()).strftime("%Y-%m-%d %H:%M")


def _page_names(docs: list[Doc]) -> dict[int, str]:
    """A file's index -> its page, for every file with a report (the files ``doc_views`` has views of)."""
    return {i: page_name(i, d) for i, d in enumerate(docs) if d.get("status") == "ok" and d.get("reports")}


def index_page(prepared: Prepared, *, summary: dict | None, split: bool, stamp: str) -> str:
    """报告.html: the dashboard, flags, communities and problems; the reports' text too unless ``split``."""
    docs, flags, items = prepared.documents, prepared.flags, prepared.communities
    ov = overview(docs, flags, items)
    flag_index = _FlagIndex(docs, flags)
    views, flag_views, data, owner = build_views(docs, flags, flag_index, text=not split)
    pages = _page_names(docs) if split else {}
    report_owner = {v.id: v.doc_index for v in views}
    metrics, community_rows = _community_rows([c for c in items if c.sources or c.ledger])
    refs = list(_problem_refs(docs, flag_index.rids))
    problems_by_cat = []
    cats = category_counts(docs)
    for code, n, _ in cats:
        clauses = [(f"{rid}-p{i}", d, r, p) for d, r, p, rid, i in refs if code in (p.get("categories") or [])]
        problems_by_cat.append((labels.category_label(code), n, clauses))

    quoted: dict[int, str] = {}  # a file's index -> its page's link (thousands of links point to a page)

    def page_href(doc_index: int) -> str:
        link = quoted.get(doc_index)
        if link is None:
            link = quoted[doc_index] = quote(f"{REPORT_DIR}/{pages[doc_index]}")
        return link

    def href(anchor: str) -> str:
        # a highlight's file, or that of the report whose id opens the anchor (d3r1, d3r1-p0, d3r1-s2)
        doc_index = owner.get(anchor, report_owner.get(anchor.split("-", 1)[0])) if split else None
        return (page_href(doc_index) if doc_index in pages else "") + "#" + anchor

    return environment().get_template("report.html.j2").render(
        mode="index" if split else "single", href=href, page_href=lambda v: page_href(v.doc_index),
        flags_page="", report_dir=REPORT_DIR,
        ov=ov, charts=_charts(cats, ov), flags=flag_views, views=views,
        failed=[d for d in docs if d.get("status") != "ok"],
        metrics=metrics, community_rows=community_rows, problems_by_cat=problems_by_cat,
        ann_json=_json_script({} if split else data), rids=flag_index.rids, version=__version__,
        summary=summary or {}, generated=stamp)


def file_pages(prepared: Prepared, *, stamp: str) -> Iterator[tuple[str, str]]:
    """(page name, page) of each file with a report, for REPORT_DIR: its text with highlights and side
    panel. They need no problem summary, so a run can write them while it summarizes."""
    docs = prepared.documents
    flag_index = _FlagIndex(docs, prepared.flags)
    template = environment().get_template("report.html.j2")
    for doc_index, name in _page_names(docs).items():
        own_views, own = doc_views(doc_index, docs[doc_index], flag_index)
        yield name, template.render(
            mode="file", href=lambda a: "#" + a, page_href=None, flags_page=quote(f"../{FILE_NAME}"),
            report_dir=REPORT_DIR, file_title=docs[doc_index].get("file", ""), views=own_views, flags=[],
            ann_json=_json_script(own), version=__version__, generated=stamp)


def _problem_refs(docs: list[Doc], rids: dict[tuple[str, int], str]) -> Iterable[tuple[Doc, dict, dict, str, int]]:
    for doc in docs:
        if doc.get("status") != "ok":
            continue
        for report in doc.get("reports") or []:
            rid = rids[(doc["file"], report["index"])]
            for i, p in enumerate(report.get("problems") or []):
                yield doc, report, p, rid, i


def render_html(documents: list[Doc], path: str | Path, *, summary: dict | None = None,
                batch_flags: list[dict] | None = None, ledger_rows: list[dict] | None = None,
                split: bool | None = None, prepared: Prepared | None = None, generated: datetime | None = None,
                part: str = "all") -> Path:
    """Write 报告.html to ``path`` (a temporary file first, then renamed) and return the path.

    ``split`` (default: when the reports hold more than SINGLE_PAGE_MAX_CHARS characters) also writes one
    page per file into the folder REPORT_DIR beside it (see ``build_pages``); that folder is replaced
    as a whole, and removed when the report is one page, so no page of an earlier run is left behind.
    ``part`` lets two processes share the work (give both the same ``generated``): "pages" writes only
    that folder and returns its path (nothing when the report is one page), "index" only 报告.html.
    """
    path = Path(path)
    if split is None:
        split = sum(len(r.get("text") or "") for d in documents for r in d.get("reports") or []) \
            > SINGLE_PAGE_MAX_CHARS
    if prepared is None:
        prepared = prepare(documents, batch_flags, ledger_rows)
    stamp = _stamp(generated)
    folder = path.with_name(REPORT_DIR)
    if split and part != "index":
        staging = path.with_name(f".{REPORT_DIR}.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            for name, page in file_pages(prepared, stamp=stamp):
                (staging / name).write_text(page, encoding="utf-8")
            shutil.rmtree(folder, ignore_errors=True)
            staging.rename(folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    if part == "pages":
        return folder
    tmp = temp_path(path)
    tmp.write_text(index_page(prepared, summary=summary, split=split, stamp=stamp), encoding="utf-8")
    moved = move_into_place(tmp, path)
    if not split and folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)
    return moved
