"""Terminal views (rich): one file's facts, problems and flags (``analyzer show``), and the short
summary ``analyzer run`` ends with.

Example:
    >>> from rich.console import Console
    >>> console = Console(width=100, color_system=None)
    >>> show_document({"file": "a.txt", "sha256": "", "status": "error", "error": {"kind": "empty",
    ...     "message": "文件为空。"}, "reports": [], "flags": []}, console)
    a.txt
    处理失败（空文件）：文件为空。
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import labels
from .common import Doc, fmt_fact, section_at

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
MAX_TEXT = 80


def _clip(text: str, n: int = MAX_TEXT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def facts_table(report: dict) -> Table:
    t = Table(title=f"提取数据（{len(report.get('facts') or [])} 项）", title_justify="left", show_lines=False,
              header_style="bold", expand=False)
    for name, kw in (("#", {"justify": "right"}), ("类型", {}), ("数值", {"justify": "right"}), ("角色", {}),
                     ("状态", {}), ("主体", {}), ("年度", {}), ("页", {"justify": "right"}), ("原文", {})):
        t.add_column(name, **kw)
    for i, f in enumerate(report.get("facts") or [], start=1):
        t.add_row(str(i), labels.fact_type_label(f.get("type", "")), fmt_fact(f), labels.role_label(f.get("role")),
                  labels.status_label(f.get("status")), labels.subject_label(f.get("subject")), f.get("scope") or "",
                  str(f.get("page") or ""), _clip(f.get("raw", ""), 30))
    return t


def problems_table(report: dict) -> Table:
    t = Table(title=f"问题（{len(report.get('problems') or [])} 条）", title_justify="left", header_style="bold")
    for name, kw in (("#", {"justify": "right"}), ("类别", {"overflow": "fold"}), ("阶段", {}),
                     ("置信度", {"justify": "right"}), ("章节", {}), ("问题原文", {"ratio": 1, "overflow": "fold"})):
        t.add_column(name, **kw)
    for i, p in enumerate(report.get("problems") or [], start=1):
        section = section_at(report, p.get("start", 0))
        score = p.get("score")
        t.add_row(str(i), "、".join(labels.category_label(c) for c in p.get("categories") or []),
                  labels.phase_label(p.get("phase")), f"{score:.2f}" if isinstance(score, (int, float)) else "",
                  _clip(section["heading"], 16) if section else "", _clip(p.get("text", ""), 120))
    return t


def flags_table(flags: list[dict]) -> Table:
    t = Table(title=f"线索（{len(flags)} 条）", title_justify="left", header_style="bold")
    for name, kw in (("#", {"justify": "right"}), ("严重程度", {}), ("类型", {}), ("说明", {"ratio": 1})):
        t.add_column(name, **kw)
    ordered = sorted(flags, key=lambda f: labels.severity_rank(f.get("severity", "")))
    for i, f in enumerate(ordered, start=1):
        sev = f.get("severity", "")
        t.add_row(str(i), Text(labels.severity_label(sev), style=SEVERITY_STYLE.get(sev, "")),
                  labels.flag_kind_label(f.get("kind", "")), f.get("message", ""))
    return t


def show_document(doc: Doc, console: Console) -> None:
    """Print one file's reports with their facts, problems and flags as tables."""
    head = f"[bold]{doc.get('file', '')}[/bold]"
    meta = [m for m in (doc.get("format"), f"{doc['pages']} 页" if doc.get("pages") else None) if m]
    console.print(head + (f"（{'，'.join(meta)}）" if meta else ""))
    if doc.get("status") != "ok":
        err = doc.get("error") or {}
        console.print(f"[red]处理失败[/red]（{labels.error_kind_label(err.get('kind'))}）：{err.get('message', '')}")
        return
    reports = doc.get("reports") or []
    for report in reports:
        title = report.get("title") or doc.get("file", "")
        prefix = f"第{report['index']}篇 " if len(reports) > 1 else ""
        console.rule(f"{prefix}{title}" + (f"  {report['date']}" if report.get("date") else ""))
        console.print(facts_table(report))
        if report.get("placeholders"):
            raws = "、".join(f"「{p['raw']}」" for p in report["placeholders"][:20])
            console.print(f"[yellow]模板空位 {len(report['placeholders'])} 处[/yellow]：{raws}")
        console.print(problems_table(report))
    console.print(flags_table(doc.get("flags") or []))


def print_run_summary(summary: dict[str, Any], outputs: dict[str, Path] | None, console: Console, *,
                      flags: list[dict] | None = None) -> None:
    """The few lines ``analyzer run`` ends with: counts, flags by severity, where the outputs are.

    ``summary`` has run.json's keys (files, ok, failed, reports, seconds; optionally skipped and
    flags_by_severity); ``flags`` (the batch's flags) gives the severities when summary lacks them.
    """
    by_sev = summary.get("flags_by_severity")
    if by_sev is None and flags is not None:
        by_sev = {s: sum(1 for f in flags if f.get("severity") == s) for s in labels.SEVERITIES}
    skipped = summary.get("skipped")
    console.print(f"共 {summary.get('files', 0)} 个文件：成功 {summary.get('ok', 0)} 个，失败 {summary.get('failed', 0)} 个"
                  f"{f'（其中 {skipped} 个未变化，沿用上次结果）' if skipped else ''}；"
                  f"识别出 {summary.get('reports', 0)} 篇报告，用时 {summary.get('seconds', 0):.1f} 秒。")
    if by_sev:
        console.print("线索：" + "，".join(f"[{SEVERITY_STYLE[s]}]{labels.severity_label(s)} {by_sev.get(s, 0)}[/]"
                                         for s in labels.SEVERITIES) + " 条")
    elif summary.get("flags") is not None:
        console.print(f"线索：{summary['flags']} 条")
    from . import OUTPUT_LABELS

    from .html import REPORT_DIR

    for key, path in (outputs or {}).items():
        console.print(f"  {OUTPUT_LABELS.get(key, key)}：{path}")
        pages = Path(path).with_name(REPORT_DIR)
        if key == "html" and pages.is_dir():
            console.print(f"    （报告较多，每个文件的原文单独成页：{pages}）")
