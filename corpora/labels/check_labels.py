#!/usr/bin/env python3
"""Validate corpora/labels/problems.jsonl, the labelled problem-clause corpus.

Usage:
    python corpora/labels/check_labels.py [PATH] [--json] [--quiet]

Checks the JSON shape of every line, the label codes, ids, exact and near
duplicates (character 3-gram Jaccard > 0.8, found through an inverted index),
and the corpus minimums. Prints counts per category (primary and any-label),
per phase, per style and per negative kind. Exits 1 on any violation, 2 if
the file cannot be read.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

CODES = [
    "building", "pipelines", "roads_parking", "environment", "safety",
    "public_services", "elevator_aging", "property_mgmt", "quality", "schedule",
    "disturbance", "residents", "funding_gap", "funding_use", "coordination",
    "standards_policy", "scope_data", "compliance", "other",
]
PHASES = ["pre_condition", "implementation", "post_renovation"]
STYLES = ["report", "research", "self_check", "audit", "speech", "rectification", "community"]
KINDS = ["measure", "achievement", "suggestion", "next_step", "background", "policy", "procedure"]

MIN_PROBLEMS = 1700
MIN_NEGATIVES = 900
MIN_PER_CATEGORY = 60          # primary label count
MIN_OTHER = 45
MAX_PER_CATEGORY = 200         # primary label count
MULTI_SHARE = (0.20, 0.40)     # share of problem clauses with 2-3 labels
LEN_RANGE = (6, 120)           # characters
NEAR_DUP_JACCARD = 0.8
ID_RE = re.compile(r"^p\d{4,}$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def norm(text: str) -> str:
    """NFKC, strip all whitespace: the form used for duplicate detection."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def grams(text: str, n: int = 3) -> set[str]:
    t = norm(text)
    if len(t) < n:
        return {t}
    return {t[i:i + n] for i in range(len(t) - n + 1)}


def near_duplicates(texts: list[str], threshold: float = NEAR_DUP_JACCARD):
    """Pairs (i, j, jaccard) with 3-gram Jaccard > threshold, via an inverted index."""
    sets = [grams(t) for t in texts]
    index: dict[str, list[int]] = defaultdict(list)
    pairs = []
    for i, g in enumerate(sets):
        shared: Counter = Counter()
        for gram in g:
            for j in index[gram]:
                shared[j] += 1
        n_i = len(g)
        for j, s in shared.items():
            n_j = len(sets[j])
            # Jaccard > t needs s > t * max(n_i, n_j); skip cheap misses first
            if s <= threshold * max(n_i, n_j):
                continue
            jac = s / (n_i + n_j - s)
            if jac > threshold:
                pairs.append((j, i, jac))
        for gram in g:
            index[gram].append(i)
    return pairs


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=str(here / "problems.jsonl"))
    ap.add_argument("--json", action="store_true", help="print the statistics as JSON")
    ap.add_argument("--quiet", action="store_true", help="print violations only")
    args = ap.parse_args(argv)

    try:
        lines = Path(args.path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {args.path}: {exc}", file=sys.stderr)
        return 2

    errors: list[str] = []
    warnings: list[str] = []
    recs: list[dict] = []
    seen_ids: dict[str, int] = {}
    seen_text: dict[str, int] = {}

    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            errors.append(f"line {lineno}: empty line")
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {lineno}: invalid JSON ({exc})")
            continue
        if not isinstance(r, dict):
            errors.append(f"line {lineno}: not a JSON object")
            continue
        where = f"line {lineno} ({r.get('id')})"
        rid, text, labels, prob = r.get("id"), r.get("text"), r.get("labels"), r.get("problem")
        if not isinstance(rid, str) or not ID_RE.match(rid):
            errors.append(f"{where}: bad id {rid!r}")
        elif rid in seen_ids:
            errors.append(f"{where}: id repeats line {seen_ids[rid]}")
        else:
            seen_ids[rid] = lineno
        if not isinstance(text, str) or not text.strip():
            errors.append(f"{where}: missing text")
            continue
        if text != text.strip():
            errors.append(f"{where}: leading/trailing whitespace")
        if not CJK_RE.search(text):
            errors.append(f"{where}: text has no Chinese characters")
        if not (LEN_RANGE[0] <= len(text) <= LEN_RANGE[1]):
            errors.append(f"{where}: length {len(text)} outside {LEN_RANGE}")
        key = norm(text)
        if key in seen_text:
            errors.append(f"{where}: exact duplicate of line {seen_text[key]}")
        else:
            seen_text[key] = lineno
        if not isinstance(prob, bool):
            errors.append(f"{where}: 'problem' must be true or false")
            continue
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            errors.append(f"{where}: 'labels' must be a list of strings")
            continue
        unknown = [x for x in labels if x not in CODES]
        if unknown:
            errors.append(f"{where}: unknown codes {unknown}")
        if len(set(labels)) != len(labels):
            errors.append(f"{where}: repeated label")
        style = r.get("style")
        if style not in STYLES:
            errors.append(f"{where}: bad style {style!r}")
        if prob:
            if not 1 <= len(labels) <= 3:
                errors.append(f"{where}: problem needs 1-3 labels, has {len(labels)}")
            if r.get("phase") not in PHASES:
                errors.append(f"{where}: bad phase {r.get('phase')!r}")
            if "kind" in r:
                errors.append(f"{where}: 'kind' is for negatives only")
        else:
            if labels:
                errors.append(f"{where}: negative must have no labels")
            if r.get("kind") not in KINDS:
                errors.append(f"{where}: bad kind {r.get('kind')!r}")
            if r.get("phase") is not None:
                errors.append(f"{where}: negative must have phase null")
        extra = set(r) - {"id", "text", "labels", "phase", "style", "problem", "kind"}
        if extra:
            errors.append(f"{where}: unexpected keys {sorted(extra)}")
        recs.append(r)

    # near duplicates
    texts = [r["text"] for r in recs]
    for i, j, jac in near_duplicates(texts):
        errors.append(f"near-duplicate ({jac:.2f}): {recs[i]['id']} {texts[i]!r} ~ {recs[j]['id']} {texts[j]!r}")

    probs = [r for r in recs if r.get("problem") is True]
    negs = [r for r in recs if r.get("problem") is False]
    primary = Counter(r["labels"][0] for r in probs if r.get("labels"))
    anyl = Counter(x for r in probs for x in set(r.get("labels") or []))
    multi = sum(1 for r in probs if len(r.get("labels") or []) > 1)
    share = multi / len(probs) if probs else 0.0
    n_labels = Counter(len(r.get("labels") or []) for r in probs)
    stats = {
        "problems": len(probs),
        "negatives": len(negs),
        "multi_label_share": round(share, 3),
        "labels_per_problem": {str(k): v for k, v in sorted(n_labels.items())},
        "categories": {c: {"primary": primary[c], "any": anyl[c]} for c in CODES},
        "phase": dict(Counter(r.get("phase") for r in probs)),
        "style_problems": dict(Counter(r.get("style") for r in probs)),
        "style_negatives": dict(Counter(r.get("style") for r in negs)),
        "negative_kinds": {k: Counter(r.get("kind") for r in negs)[k] for k in KINDS},
        "length": {
            "min": min(map(len, texts)) if texts else 0,
            "max": max(map(len, texts)) if texts else 0,
            "mean": round(sum(map(len, texts)) / len(texts), 1) if texts else 0,
        },
    }

    if len(probs) < MIN_PROBLEMS:
        errors.append(f"only {len(probs)} problem clauses (minimum {MIN_PROBLEMS})")
    if len(negs) < MIN_NEGATIVES:
        errors.append(f"only {len(negs)} negative clauses (minimum {MIN_NEGATIVES})")
    for c in CODES:
        lo = MIN_OTHER if c == "other" else MIN_PER_CATEGORY
        if primary[c] < lo:
            errors.append(f"category {c}: {primary[c]} primary (minimum {lo})")
        if primary[c] > MAX_PER_CATEGORY:
            errors.append(f"category {c}: {primary[c]} primary (maximum {MAX_PER_CATEGORY})")
        if anyl[c] > MAX_PER_CATEGORY:
            warnings.append(f"category {c}: {anyl[c]} any-label (> {MAX_PER_CATEGORY})")
    if probs and not (MULTI_SHARE[0] <= share <= MULTI_SHARE[1]):
        errors.append(f"multi-label share {share:.1%} outside {MULTI_SHARE[0]:.0%}-{MULTI_SHARE[1]:.0%}")
    for k in KINDS:
        if stats["negative_kinds"][k] == 0:
            errors.append(f"no negatives of kind {k}")

    if args.json:
        print(json.dumps({"stats": stats, "errors": errors, "warnings": warnings},
                         ensure_ascii=False, indent=1))
    else:
        if not args.quiet:
            print(f"{args.path}: {len(recs)} records, {len(probs)} problems, {len(negs)} negatives")
            print(f"multi-label share {share:.1%}  labels/problem {stats['labels_per_problem']}")
            print(f"length min {stats['length']['min']} max {stats['length']['max']} mean {stats['length']['mean']}")
            print(f"{'category':18} primary   any")
            for c in CODES:
                print(f"{c:18} {primary[c]:7} {anyl[c]:5}")
            print("phase:", stats["phase"])
            print("style (problems):", stats["style_problems"])
            print("style (negatives):", stats["style_negatives"])
            print("negative kinds:", stats["negative_kinds"])
        for w in warnings:
            print("WARNING:", w)
        for e in errors:
            print("ERROR:", e)
        print("OK" if not errors else f"FAILED: {len(errors)} violation(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
