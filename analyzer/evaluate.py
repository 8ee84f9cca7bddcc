"""Evaluation of the extraction stages against the annotated sets in ``corpora/``.

``evaluate_facts(corpus)`` runs the pipeline on every report of ``corpus/reports`` and compares
its facts with ``corpus/annotations/*.json`` (format: corpora/facts/README.md). A predicted fact
matches a gold fact when their spans overlap in the original file and their types agree; it is
correct when the value agrees too. Role, status, subject, scope and approx are scored on the
correct matches. A predicted fact that overlaps no gold fact is *invented*.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .extract import extract_facts
from .normalize import to_simplified
from .pipeline import analyze_path

FACT_TYPES = ("households", "area", "investment", "buildings", "communities", "date", "percent")
ATTRIBUTES = ("role", "status", "subject", "scope", "approx")


@dataclass
class _Span:
    start: int
    end: int
    fact: dict[str, Any]
    matched: bool = False


@dataclass
class FactScores:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    attr_ok: Counter = field(default_factory=Counter)
    attr_total: Counter = field(default_factory=Counter)
    invented: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    placeholders: Counter = field(default_factory=Counter)
    reports: int = 0
    chars: int = 0
    seconds: float = 0.0

    def prf(self, ftype: str | None = None) -> tuple[float, float, float]:
        keys = [ftype] if ftype else list(FACT_TYPES)
        tp = sum(self.tp[k] for k in keys)
        fp = sum(self.fp[k] for k in keys)
        fn = sum(self.fn[k] for k in keys)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    def accuracy(self, attr: str) -> float:
        return self.attr_ok[attr] / self.attr_total[attr] if self.attr_total[attr] else 1.0

    def to_dict(self) -> dict[str, Any]:
        p, r, f = self.prf()
        return {
            "reports": self.reports, "characters": self.chars,
            "overall": {"precision": p, "recall": r, "f1": f, "tp": sum(self.tp.values()),
                        "fp": sum(self.fp.values()), "fn": sum(self.fn.values())},
            "by_type": {t: dict(zip(("precision", "recall", "f1"), self.prf(t)),
                                tp=self.tp[t], fp=self.fp[t], fn=self.fn[t]) for t in FACT_TYPES},
            "attributes": {a: self.accuracy(a) for a in ATTRIBUTES},
            "invented": len(self.invented),
            "placeholders": dict(self.placeholders),
        }


def _occurrence(text: str, raw: str, n: int) -> int:
    pos = -1
    for _ in range(max(n, 1)):
        pos = text.find(raw, pos + 1)
        if pos < 0:
            return -1
    return pos


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))
    return str(a) == str(b)


def _norm_subject(s: Any) -> str:
    return to_simplified(str(s or "aggregate").replace(" ", ""))


def evaluate_facts(corpus: str | Path) -> FactScores:
    """Score fact extraction on an annotated corpus folder (``reports/`` + ``annotations/``)."""
    import time

    corpus = Path(corpus)
    scores = FactScores()
    for ann_path in sorted((corpus / "annotations").glob("*.json")):
        gold_doc = json.loads(ann_path.read_text(encoding="utf-8"))
        report_path = corpus / "reports" / gold_doc["report"]
        started = time.perf_counter()
        result, doc_text = analyze_path(report_path)
        if doc_text is None:
            raise RuntimeError(f"{report_path}: {result.error.message if result.error else '读取失败'}")
        raw = doc_text.raw
        predicted: list[_Span] = []
        placeholders_pred: list[tuple[int, int]] = []
        for report in result.reports:
            if not report.facts and not report.placeholders:
                report.facts, report.placeholders = extract_facts(report)
            for f in report.facts:
                s, e = doc_text.norm.to_raw(report.doc_start + f.start, report.doc_start + f.end)
                predicted.append(_Span(s, e, f.to_dict()))
            for p in report.placeholders:
                placeholders_pred.append(doc_text.norm.to_raw(report.doc_start + p.start, report.doc_start + p.end))
        scores.seconds += time.perf_counter() - started
        scores.reports += 1
        scores.chars += len(raw)

        gold: list[_Span] = []
        for g in gold_doc["facts"]:
            pos = _occurrence(raw, g["raw"], g.get("occurrence", 1))
            if pos < 0:
                raise RuntimeError(f"{ann_path.name}: {g['raw']!r} not found in the report")
            gold.append(_Span(pos, pos + len(g["raw"]), g))
        blocked = []  # non-facts and placeholders: a prediction there is invented by definition
        for nf in gold_doc.get("non_facts", []) + gold_doc.get("placeholders", []):
            pos = _occurrence(raw, nf["raw"], nf.get("occurrence", 1))
            if pos >= 0:
                blocked.append((pos, pos + len(nf["raw"])))

        for p in predicted:
            ptype = p.fact["type"]
            overlapping = [g for g in gold if not g.matched and g.start < p.end and p.start < g.end
                           and g.fact["type"] == ptype]
            if not overlapping:
                scores.fp[ptype] += 1
                if not any(g.start < p.end and p.start < g.end for g in gold):
                    scores.invented.append({"report": gold_doc["report"], **p.fact,
                                            "blocked": any(s < p.end and p.start < e for s, e in blocked)})
                continue
            g = min(overlapping, key=lambda g: abs(g.start - p.start))
            if not _same_value(p.fact["value"], g.fact["value"]):
                scores.fp[ptype] += 1
                scores.errors.append({"report": gold_doc["report"], "kind": "value", "raw": g.fact["raw"],
                                      "gold": g.fact["value"], "predicted": p.fact["value"]})
                continue
            g.matched = p.matched = True
            scores.tp[ptype] += 1
            for attr in ATTRIBUTES:
                gv, pv = g.fact.get(attr), p.fact.get(attr)
                if attr == "subject":
                    gv, pv = _norm_subject(gv), _norm_subject(pv)
                if attr in ("role", "status", "approx", "scope") and gv is None and pv is None:
                    continue
                if attr in ("status", "scope", "approx") and gv is None:
                    continue  # not annotated: not scored
                scores.attr_total[attr] += 1
                if gv == pv:
                    scores.attr_ok[attr] += 1
                else:
                    scores.errors.append({"report": gold_doc["report"], "kind": attr, "raw": g.fact["raw"],
                                          "gold": gv, "predicted": pv})
        for g in gold:
            if not g.matched:
                scores.fn[g.fact["type"]] += 1
                scores.errors.append({"report": gold_doc["report"], "kind": "missed", "raw": g.fact["raw"],
                                      "type": g.fact["type"], "gold": g.fact["value"]})

        gold_ph = []
        for ph in gold_doc.get("placeholders", []):
            pos = _occurrence(raw, ph["raw"], ph.get("occurrence", 1))
            if pos >= 0:
                gold_ph.append((pos, pos + len(ph["raw"])))
        hit = sum(1 for s, e in gold_ph if any(ps < e and s < pe for ps, pe in placeholders_pred))
        scores.placeholders["gold"] += len(gold_ph)
        scores.placeholders["found"] += hit
        scores.placeholders["predicted"] += len(placeholders_pred)
    return scores


def format_fact_scores(scores: FactScores, errors: int = 0) -> str:
    """A plain-text table of the scores (and the first ``errors`` error cases)."""
    lines = [f"事实抽取评测：{scores.reports} 篇报告，{scores.chars} 字，用时 {scores.seconds:.2f} 秒", "",
             f"{'类型':<12}{'精确率':>8}{'召回率':>8}{'F1':>8}{'TP':>6}{'FP':>6}{'FN':>6}"]
    for t in FACT_TYPES:
        p, r, f = scores.prf(t)
        lines.append(f"{t:<14}{p:>8.3f}{r:>8.3f}{f:>8.3f}{scores.tp[t]:>6}{scores.fp[t]:>6}{scores.fn[t]:>6}")
    p, r, f = scores.prf()
    lines.append(f"{'overall':<14}{p:>8.3f}{r:>8.3f}{f:>8.3f}{sum(scores.tp.values()):>6}"
                 f"{sum(scores.fp.values()):>6}{sum(scores.fn.values()):>6}")
    lines.append("")
    for attr in ATTRIBUTES:
        lines.append(f"{attr} 准确率：{scores.accuracy(attr):.3f}（{scores.attr_ok[attr]}/{scores.attr_total[attr]}）")
    lines.append(f"凭空产生的数字（与任何标注都不重叠）：{len(scores.invented)}")
    ph = scores.placeholders
    lines.append(f"占位符：标注 {ph['gold']} 个，找到 {ph['found']} 个，共输出 {ph['predicted']} 个")
    if errors:
        by_kind: dict[str, list] = defaultdict(list)
        for e in scores.errors:
            by_kind[e["kind"]].append(e)
        for kind, items in by_kind.items():
            lines.append(f"\n[{kind}] {len(items)}")
            for e in items[:errors]:
                lines.append("  " + json.dumps(e, ensure_ascii=False))
        if scores.invented:
            lines.append(f"\n[invented] {len(scores.invented)}")
            for e in scores.invented[:errors]:
                lines.append("  " + json.dumps({k: e[k] for k in ("report", "type", "raw", "value", "blocked")},
                                               ensure_ascii=False))
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


@dataclass
class CheckScores:
    expected: Counter = field(default_factory=Counter)
    found: Counter = field(default_factory=Counter)
    missed: list[dict[str, Any]] = field(default_factory=list)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)
    clean_reports: int = 0
    planted_reports: int = 0
    flags: int = 0

    def recall(self, kind: str | None = None) -> float:
        exp = self.expected[kind] if kind else sum(self.expected.values())
        got = self.found[kind] if kind else sum(self.found.values())
        return got / exp if exp else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"recall": self.recall(), "by_kind": {k: {"expected": self.expected[k], "found": self.found[k],
                                                         "recall": self.recall(k)} for k in sorted(self.expected)},
                "false_alarms": len(self.false_alarms), "clean_reports": self.clean_reports,
                "planted_reports": self.planted_reports, "flags": self.flags}


def _flag_matches(flag: dict[str, Any], report: str, want: dict[str, Any]) -> bool:
    if flag["kind"] != want["kind"] or not any(e["file"] == report for e in flag["evidence"]):
        return False
    subject = want.get("subject")
    if subject and subject != "aggregate":
        text = flag["message"] + "".join(e.get("raw", "") for e in flag["evidence"])
        row = (flag.get("ledger_row") or {}).get("name") or ""
        if subject not in text and subject not in row and to_simplified(subject) not in text:
            return False
    return True


def evaluate_checks(corpus: str | Path, jobs: int = 2) -> CheckScores:
    """Run a batch over ``corpus/reports`` with ``corpus/ledger.*`` and score its flags against
    ``corpus/expected.json``: recall per planted kind, and false alarms (error or warning flags) on
    the reports marked clean."""
    import tempfile

    from .runner import analyze_batch

    corpus = Path(corpus)
    expected = json.loads((corpus / "expected.json").read_text(encoding="utf-8"))["reports"]
    ledgers = sorted(p for p in corpus.glob("ledger.*") if p.suffix in (".csv", ".xlsx", ".xls"))
    with tempfile.TemporaryDirectory() as tmp:
        analyze_batch([corpus / "reports"], tmp, ledger=ledgers[0] if ledgers else None, jobs=jobs)
        flags = json.loads((Path(tmp) / "flags.json").read_text(encoding="utf-8"))["flags"]
    scores = CheckScores(flags=len(flags))
    for report, spec in sorted(expected.items()):
        if spec.get("clean"):
            scores.clean_reports += 1
            for f in flags:
                if f["severity"] in ("error", "warning") and any(e["file"] == report for e in f["evidence"]):
                    scores.false_alarms.append({"report": report, "kind": f["kind"], "message": f["message"]})
            continue
        scores.planted_reports += 1
        for want in spec.get("flags", []):
            scores.expected[want["kind"]] += 1
            if any(_flag_matches(f, report, want) for f in flags):
                scores.found[want["kind"]] += 1
            else:
                scores.missed.append({"report": report, **want})
    return scores


def format_check_scores(scores: CheckScores, examples: int = 0) -> str:
    lines = [f"核查评测：植入问题的报告 {scores.planted_reports} 篇，干净报告 {scores.clean_reports} 篇，"
             f"共产生线索 {scores.flags} 条", "", f"{'类型':<24}{'植入':>6}{'检出':>6}{'召回率':>8}"]
    for kind in sorted(scores.expected):
        lines.append(f"{kind:<26}{scores.expected[kind]:>6}{scores.found[kind]:>6}{scores.recall(kind):>8.3f}")
    lines.append(f"{'overall':<26}{sum(scores.expected.values()):>6}{sum(scores.found.values()):>6}"
                 f"{scores.recall():>8.3f}")
    lines.append(f"\n干净报告上的误报（error/warning）：{len(scores.false_alarms)} 条")
    if examples:
        for m in scores.missed[:examples]:
            lines.append("  漏报 " + json.dumps(m, ensure_ascii=False))
        for f in scores.false_alarms[:examples]:
            lines.append("  误报 " + json.dumps(f, ensure_ascii=False))
    return "\n".join(lines)
