"""Tooling shared by the report-level problem sets (problems_eval, problems_test, problems_final).

Each set keeps its gold in ``marked/NN_slug.txt``: the report with every gold problem wrapped as
``⟦text|code1,code2|phase⟧`` (phase: p = pre_condition, i = implementation, r = post_renovation;
omitted = the file's ``#phase:`` default) and header lines ``#doctype: …``, ``#genre: …``,
``#phase: i``, ``#notes: …`` before a blank line. ``build`` strips the markers into ``reports/`` and
``annotations/`` (so every gold text is an exact substring); ``validate`` checks a set: every
annotation has its report, every gold text occurs (as many times as annotated), categories are 1–3
valid taxonomy codes without repeats, phases are valid, no two gold spans of a report overlap, and
reports are within the set's length limits. Each set's ``build.py`` and ``validate.py`` call these.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

PHASES = ("pre_condition", "implementation", "post_renovation")


def taxonomy_codes() -> list[str]:
    try:
        from analyzer.classify import category_ids
        return list(category_ids())
    except Exception:  # the package is not importable: the 19 stable codes of DESIGN.md
        return ["building", "pipelines", "roads_parking", "environment", "safety", "public_services",
                "elevator_aging", "property_mgmt", "quality", "schedule", "disturbance", "residents",
                "funding_gap", "funding_use", "coordination", "standards_policy", "scope_data",
                "compliance", "other"]


def gold_spans(text: str, problems: list[dict]) -> list[tuple[int, int] | None]:
    """Where each gold text stands: the n-th annotation of a string takes its n-th occurrence."""
    seen: Counter = Counter()
    spans: list[tuple[int, int] | None] = []
    for p in problems:
        t = p.get("text", "")
        seen[t] += 1
        pos = -1
        for _ in range(seen[t]):
            pos = text.find(t, pos + 1) if t else -1
            if pos < 0:
                break
        spans.append((pos, pos + len(t)) if pos >= 0 else None)
    return spans


def validate(corpus: Path, min_chars: int = 800, max_chars: int = 4000) -> tuple[list[str], dict]:
    codes = set(taxonomy_codes())
    errors: list[str] = []
    counts = {"reports": 0, "problems": 0, "categories": Counter(), "first_categories": Counter(),
              "phases": Counter(), "genres": Counter(), "genre_reports": Counter(), "per_report": {}}
    ann_paths = sorted((corpus / "annotations").glob("*.json"))
    report_names = {p.stem for p in (corpus / "reports").glob("*.txt")}
    for name in sorted(report_names - {p.stem for p in ann_paths}):
        errors.append(f"{name}.txt: report has no annotation file")
    for ann_path in ann_paths:
        name = ann_path.stem
        report_path = corpus / "reports" / f"{name}.txt"
        if not report_path.exists():
            errors.append(f"{ann_path.name}: no report {report_path.name}")
            continue
        text = report_path.read_text(encoding="utf-8")
        if not min_chars <= len(text) <= max_chars:
            errors.append(f"{report_path.name}: {len(text)} characters, outside {min_chars}–{max_chars}")
        try:
            ann = json.loads(ann_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            errors.append(f"{ann_path.name}: invalid JSON ({exc})")
            continue
        problems = ann.get("problems")
        if not isinstance(problems, list) or not isinstance(ann.get("notes", ""), str):
            errors.append(f"{ann_path.name}: needs a 'problems' list and a 'notes' string")
            continue
        spans = gold_spans(text, problems)
        placed: list[tuple[int, int, str]] = []
        for p, span in zip(problems, spans):
            t = p.get("text", "")
            if not t.strip():
                errors.append(f"{ann_path.name}: empty problem text")
                continue
            if span is None:
                errors.append(f"{ann_path.name}: text not found in the report (or annotated more often than it occurs): {t!r}")
            else:
                for s, e, other in placed:
                    if s < span[1] and span[0] < e:
                        kind = "duplicate" if (s, e) == span else "overlapping"
                        errors.append(f"{ann_path.name}: {kind} gold spans {other!r} / {t!r}")
                placed.append((*span, t))
            cats = p.get("categories")
            if not isinstance(cats, list) or not 1 <= len(cats) <= 3 or len(set(cats)) != len(cats):
                errors.append(f"{ann_path.name}: categories must be 1–3 distinct codes: {t!r} {cats!r}")
            else:
                for c in cats:
                    if c not in codes:
                        errors.append(f"{ann_path.name}: unknown category {c!r} for {t!r}")
                    counts["categories"][c] += 1
                counts["first_categories"][cats[0]] += 1
            if p.get("phase") not in PHASES:
                errors.append(f"{ann_path.name}: invalid phase {p.get('phase')!r} for {t!r}")
            counts["phases"][p.get("phase")] += 1
        genre = ann.get("genre") or "unknown"
        counts["reports"] += 1
        counts["problems"] += len(problems)
        counts["genres"][genre] += len(problems)
        counts["genre_reports"][genre] += 1
        counts["per_report"][name] = len(problems)
    return errors, counts


def validate_main(argv: list[str], corpus: Path, min_chars: int = 800, max_chars: int = 4000) -> int:
    """``validate.py [CORPUS_DIR]`` of a set: check it (or CORPUS_DIR), print the counts; 1 on a violation."""
    corpus = Path(argv[1]) if len(argv) > 1 else corpus
    errors, counts = validate(corpus, min_chars, max_chars)
    print(f"报告 {counts['reports']} 篇，标注问题 {counts['problems']} 个")
    for name, n in counts["per_report"].items():
        print(f"  {name:<36}{n:>4}")
    print("类别（含次要类别） / 首选类别：")
    for code in taxonomy_codes():
        print(f"  {code:<18}{counts['categories'][code]:>4}{counts['first_categories'][code]:>6}")
    print("阶段：" + "，".join(f"{k} {v}" for k, v in sorted(counts["phases"].items())))
    print("文体：" + "，".join(f"{g} {counts['genre_reports'][g]} 篇/{n} 个"
                             for g, n in counts["genres"].most_common()))
    if errors:
        print(f"\n发现 {len(errors)} 处错误：")
        for e in errors:
            print("  " + e)
        return 1
    print("\n校验通过。")
    return 0


# ---------------------------------------------------------------------------
# Building a set from its marked sources
# ---------------------------------------------------------------------------

MARK_PHASES = {"p": "pre_condition", "i": "implementation", "r": "post_renovation"}
MARK = re.compile(r"⟦([^⟦⟧|]+)\|([a-z_,]+)(?:\|([pir]))?⟧")


def build_one(src: Path) -> tuple[str, dict]:
    head, _, body = src.read_text(encoding="utf-8").partition("\n\n")
    meta = {}
    for line in head.splitlines():
        key, _, value = line.lstrip("#").partition(":")
        meta[key.strip()] = value.strip()
    default = meta.get("phase", "i")
    problems = []
    out = []
    pos = 0
    for m in MARK.finditer(body):
        out.append(body[pos:m.start()])
        out.append(m.group(1))
        pos = m.end()
        problems.append({"text": m.group(1), "categories": m.group(2).split(","),
                         "phase": MARK_PHASES[m.group(3) or default]})
    out.append(body[pos:])
    text = "".join(out)
    if "⟦" in text or "⟧" in text:
        raise SystemExit(f"{src.name}: unbalanced or malformed marker")
    notes = f"{len(problems)} 个问题。" + meta.get("notes", "")
    return text, {"genre": meta.get("genre", ""), "doctype": meta.get("doctype", ""),
                  "problems": problems, "notes": notes}


def build(folder: Path) -> int:
    """``build.py`` of a set: rewrite ``folder``/reports and annotations from ``folder``/marked."""
    for src in sorted((folder / "marked").glob("*.txt")):
        text, ann = build_one(src)
        (folder / "reports" / src.name).write_text(text, encoding="utf-8")
        (folder / "annotations" / (src.stem + ".json")).write_text(
            json.dumps(ann, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0
