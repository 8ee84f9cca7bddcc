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


# ---------------------------------------------------------------------------
# Problems, on whole reports
# ---------------------------------------------------------------------------

PHASES = ("pre_condition", "implementation", "post_renovation")
MIN_OVERLAP = 0.5  # a predicted and a gold problem match when they share ≥ 50% of the shorter span


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def _gold_raw_spans(raw: str, norm_text: str, norm, problems: list[dict[str, Any]],
                    name: str) -> list[tuple[int, int]]:
    """Each gold text's span in the file's raw text: the n-th annotation of a string takes its n-th
    occurrence. A text the raw file does not hold verbatim is looked up in the normalized text
    (normalized the same way) and mapped back."""
    from .normalize import normalize

    seen: Counter = Counter()
    spans = []
    for g in problems:
        text = g["text"]
        seen[text] += 1
        pos = _occurrence(raw, text, seen[text])
        if pos >= 0:
            spans.append((pos, pos + len(text)))
            continue
        needle = normalize(text).text.strip()
        pos = _occurrence(norm_text, needle, seen[text]) if needle else -1
        if pos < 0:
            raise RuntimeError(f"{name}: 标注问题未在报告中找到：{text!r}")
        spans.append(norm.to_raw(pos, pos + len(needle)))
    return spans


def _match_spans(gold: list[tuple[int, int]], pred: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """One-to-one matching by character overlap (≥ MIN_OVERLAP of the shorter span), greedy by the
    largest overlap. Returns (gold index, predicted index, overlap) triples."""
    candidates = []
    for gi, (gs, ge) in enumerate(gold):
        for pi, (ps, pe) in enumerate(pred):
            overlap = min(ge, pe) - max(gs, ps)
            shorter = min(ge - gs, pe - ps)
            if overlap > 0 and shorter > 0 and overlap >= MIN_OVERLAP * shorter:
                candidates.append((overlap, gi, pi))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for overlap, gi, pi in candidates:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gi, pi, overlap))
    return sorted(pairs)


def evaluate_problem_reports(corpus: str | Path) -> dict[str, Any]:
    """Score problem detection and classification on whole reports (``corpus/reports/*`` with the
    gold problems of ``corpus/annotations/<same stem>.json``; format: corpora/problems_eval/README.md).

    Every report goes through the real pipeline. Predicted and gold problems are placed in the
    file's original text (predicted offsets index the report's normalized text and are mapped
    back; a gold text stands where it occurs, the n-th annotation of a string at its n-th
    occurrence) and matched one to one by character overlap: at least half of the shorter span,
    largest overlaps first.

    Scores: detection precision/recall/F1 (micro over all reports; also per genre and per report);
    on matched pairs, top-1 category accuracy (first predicted code among the gold codes), strict
    top-1 (first predicted code == first gold code) and phase accuracy; per-category P/R/F1 and
    their macro average, where a matched pair counts each code as TP (in both label sets), FP
    (predicted only) or FN (gold only), an unmatched prediction counts all its codes as FP and a
    missed gold problem all its codes as FN; the macro average runs over the categories that occur
    in the gold or in the predictions.
    """
    import time

    from .classify import category_ids

    corpus = Path(corpus)
    started = time.perf_counter()
    reports_out: list[dict[str, Any]] = []
    misses: list[dict[str, Any]] = []
    false_alarms: list[dict[str, Any]] = []
    category_errors: list[dict[str, Any]] = []
    phase_errors: list[dict[str, Any]] = []
    tp = fp = fn = 0
    top1 = strict = phase_ok = 0
    cat_tp: Counter = Counter()
    cat_fp: Counter = Counter()
    cat_fn: Counter = Counter()
    genre_counts: dict[str, Counter] = defaultdict(Counter)
    failed: list[dict[str, Any]] = []
    chars = 0

    for ann_path in sorted((corpus / "annotations").glob("*.json")):
        gold_doc = json.loads(ann_path.read_text(encoding="utf-8"))
        candidates = sorted(p for p in (corpus / "reports").glob(ann_path.stem + ".*") if p.suffix != ".json")
        if not candidates:
            raise RuntimeError(f"{ann_path.name}: 找不到对应的报告文件")
        report_path = candidates[0]
        gold_problems = gold_doc.get("problems", [])
        genre = gold_doc.get("genre") or "未标注"
        result, doc_text = analyze_path(report_path)
        if doc_text is None:
            failed.append({"file": report_path.name,
                           "message": result.error.message if result.error else "读取失败"})
            for g in gold_problems:
                misses.append({"file": report_path.name, "text": g["text"], "categories": g["categories"],
                               "phase": g.get("phase")})
                for c in g["categories"]:
                    cat_fn[c] += 1
            fn += len(gold_problems)
            genre_counts[genre]["fn"] += len(gold_problems)
            reports_out.append({"file": report_path.name, "genre": genre, "gold": len(gold_problems),
                                "predicted": 0, **_prf(0, 0, len(gold_problems))})
            continue
        chars += len(doc_text.raw)
        predicted: list[dict[str, Any]] = []
        pred_spans: list[tuple[int, int]] = []
        for report in result.reports:
            for p in report.problems:
                predicted.append({"text": p.text, "categories": list(p.categories), "score": p.score,
                                  "phase": p.phase, "report": report.index, "start": p.start, "end": p.end})
                pred_spans.append(doc_text.norm.to_raw(report.doc_start + p.start, report.doc_start + p.end))
        gold_spans = _gold_raw_spans(doc_text.raw, doc_text.norm.text, doc_text.norm, gold_problems,
                                     ann_path.name)
        pairs = _match_spans(gold_spans, pred_spans)
        matched_g = {gi for gi, _, _ in pairs}
        matched_p = {pi for _, pi, _ in pairs}
        for gi, pi, _ in pairs:
            g, p = gold_problems[gi], predicted[pi]
            gcats, pcats = list(g["categories"]), list(p["categories"])
            first = pcats[0] if pcats else None
            top1 += first in gcats
            strict += first == gcats[0]
            if first not in gcats:
                category_errors.append({"file": report_path.name, "text": g["text"], "gold": gcats,
                                        "predicted": pcats, "predicted_text": p["text"]})
            for c in set(gcats) | set(pcats):
                if c in gcats and c in pcats:
                    cat_tp[c] += 1
                elif c in pcats:
                    cat_fp[c] += 1
                else:
                    cat_fn[c] += 1
            if p["phase"] == g.get("phase"):
                phase_ok += 1
            else:
                phase_errors.append({"file": report_path.name, "text": g["text"], "gold": g.get("phase"),
                                     "predicted": p["phase"]})
        for gi, g in enumerate(gold_problems):
            if gi not in matched_g:
                misses.append({"file": report_path.name, "text": g["text"], "categories": g["categories"],
                               "phase": g.get("phase")})
                for c in g["categories"]:
                    cat_fn[c] += 1
        for pi, p in enumerate(predicted):
            if pi not in matched_p:
                false_alarms.append({"file": report_path.name, "text": p["text"], "categories": p["categories"],
                                     "score": p["score"], "phase": p["phase"]})
                for c in p["categories"]:
                    cat_fp[c] += 1
        r_tp, r_fp, r_fn = len(pairs), len(predicted) - len(pairs), len(gold_problems) - len(pairs)
        tp, fp, fn = tp + r_tp, fp + r_fp, fn + r_fn
        genre_counts[genre].update({"tp": r_tp, "fp": r_fp, "fn": r_fn, "reports": 1})
        reports_out.append({"file": report_path.name, "genre": genre, "gold": len(gold_problems),
                            "predicted": len(predicted), **_prf(r_tp, r_fp, r_fn)})

    codes = list(category_ids())
    codes += sorted((set(cat_tp) | set(cat_fp) | set(cat_fn)) - set(codes))
    by_category = {c: {**_prf(cat_tp[c], cat_fp[c], cat_fn[c]), "support": cat_tp[c] + cat_fn[c]}
                   for c in codes}
    scored = [c for c in codes if cat_tp[c] + cat_fp[c] + cat_fn[c]]
    macro = sum(by_category[c]["f1"] for c in scored) / len(scored) if scored else 0.0
    return {
        "corpus": str(corpus),
        "reports": len(reports_out),
        "characters": chars,
        "seconds": round(time.perf_counter() - started, 2),
        "gold": tp + fn,
        "predicted": tp + fp,
        "detection": _prf(tp, fp, fn),
        "top1_accuracy": top1 / tp if tp else 0.0,
        "strict_top1_accuracy": strict / tp if tp else 0.0,
        "phase_accuracy": phase_ok / tp if tp else 0.0,
        "macro_f1": macro,
        "by_category": by_category,
        "by_genre": {g: {**_prf(c["tp"], c["fp"], c["fn"]), "reports": c["reports"]}
                     for g, c in sorted(genre_counts.items())},
        "by_report": reports_out,
        "misses": misses,
        "false_alarms": false_alarms,
        "category_errors": category_errors,
        "phase_errors": phase_errors,
        "failed": failed,
    }


def format_problem_report_scores(result: dict[str, Any], verbose: bool = False) -> str:
    """A plain-text summary of :func:`evaluate_problem_reports` (with every miss, false alarm and
    category error when ``verbose``)."""
    d = result["detection"]
    tp = d["tp"]
    lines = [f"问题识别评测（整篇报告）：{result['reports']} 篇报告，{result['characters']} 字，"
             f"标注问题 {result['gold']} 个，输出问题 {result['predicted']} 个，用时 {result['seconds']:.2f} 秒", "",
             f"识别：精确率 {d['precision']:.3f}  召回率 {d['recall']:.3f}  F1 {d['f1']:.3f}"
             f"（命中 {d['tp']}，误报 {d['fp']}，漏报 {d['fn']}）",
             f"首选类别准确率（首选类别属于标注类别）：{result['top1_accuracy']:.3f}（共 {tp} 对）",
             f"首选类别严格准确率（与标注首选类别相同）：{result['strict_top1_accuracy']:.3f}",
             f"阶段准确率：{result['phase_accuracy']:.3f}",
             f"类别宏平均 F1：{result['macro_f1']:.3f}", "",
             f"{'类别':<18}{'精确率':>8}{'召回率':>8}{'F1':>8}{'TP':>6}{'FP':>6}{'FN':>6}"]
    for code, s in result["by_category"].items():
        if s["tp"] + s["fp"] + s["fn"]:
            lines.append(f"{code:<20}{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}"
                         f"{s['tp']:>6}{s['fp']:>6}{s['fn']:>6}")
    lines += ["", f"文体{' ' * 10}{'篇数':>6}{'精确率':>8}{'召回率':>8}{'F1':>8}{'TP':>6}{'FP':>6}{'FN':>6}"]
    for genre, s in result["by_genre"].items():
        pad = 16 - 2 * len(genre)  # CJK characters are two columns wide
        lines.append(f"{genre}{' ' * max(pad, 1)}{s['reports']:>6}{s['precision']:>8.3f}{s['recall']:>8.3f}"
                     f"{s['f1']:>8.3f}{s['tp']:>6}{s['fp']:>6}{s['fn']:>6}")
    lines += ["", f"{'报告':<36}{'标注':>6}{'输出':>6}{'F1':>8}"]
    for r in result["by_report"]:
        lines.append(f"{r['file']:<36}{r['gold']:>6}{r['predicted']:>6}{r['f1']:>8.3f}")
    for f in result["failed"]:
        lines.append(f"读取失败：{f['file']}（{f['message']}）")
    if verbose:
        lines.append(f"\n[漏报] {len(result['misses'])}")
        for m in result["misses"]:
            lines.append(f"  {m['file']}  [{','.join(m['categories'])}|{m['phase']}]  {m['text']}")
        lines.append(f"\n[误报] {len(result['false_alarms'])}")
        for m in result["false_alarms"]:
            lines.append(f"  {m['file']}  [{','.join(m['categories'])}|{m['phase']}|{m['score']:.2f}]  {m['text']}")
        lines.append(f"\n[类别错误] {len(result['category_errors'])}")
        for m in result["category_errors"]:
            lines.append(f"  {m['file']}  标注 {','.join(m['gold'])} / 输出 {','.join(m['predicted'])}  {m['text']}")
        lines.append(f"\n[阶段错误] {len(result['phase_errors'])}")
        for m in result["phase_errors"]:
            lines.append(f"  {m['file']}  标注 {m['gold']} / 输出 {m['predicted']}  {m['text']}")
    return "\n".join(lines)
