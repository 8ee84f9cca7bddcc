#!/usr/bin/env python3
"""Benchmark of the problem classifier: training time, loading time, clauses per second.

Usage:
    python scripts/bench_problems.py [--n 20] [--data corpora/labels/problems.jsonl]
                                     [--samples corpora/samples] [--no-train]

--n is the number of clauses to classify, in thousands (taken round-robin from the labelled
corpus). The figures are printed, not asserted: the machine decides them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzer.classify import DEFAULT_DATA, ProblemClassifier, load_rows, model_dir  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=20, help="clauses to classify, in thousands")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--samples", type=Path, default=ROOT / "corpora" / "samples")
    parser.add_argument("--no-train", action="store_true", help="skip the training benchmark")
    args = parser.parse_args(argv)

    rows = load_rows(args.data)
    print(f"数据：{args.data}（{len(rows)} 句）  CPU 核数：{os.cpu_count()}")

    if not args.no_train:
        started = time.perf_counter()
        ProblemClassifier.train(rows, seed=0)
        print(f"训练（全部数据，含校准）：{time.perf_counter() - started:.1f} 秒")

    started = time.perf_counter()
    clf = ProblemClassifier.load(model_dir())
    print(f"加载模型 {model_dir()}：{(time.perf_counter() - started) * 1000:.0f} 毫秒")

    n = int(args.n * 1000)
    texts = [rows[i % len(rows)]["text"] for i in range(n)]
    clf.predict(texts[:100])  # warm-up
    started = time.perf_counter()
    for i in range(0, n, 1000):
        clf.predict(texts[i:i + 1000])
    seconds = time.perf_counter() - started
    print(f"分类 {n} 个分句：{seconds:.2f} 秒，{n / seconds:,.0f} 句/秒（每批 1000 句）")

    started = time.perf_counter()
    for text in texts[:2000]:
        clf.predict([text])
    seconds = time.perf_counter() - started
    print(f"逐句分类 2000 个分句：{2000 / seconds:,.0f} 句/秒")

    files = sorted(p for p in args.samples.glob("*") if p.suffix.lower() in {".txt", ".docx", ".pdf"}) \
        if args.samples.exists() else []
    if files:
        from analyzer.pipeline import analyze_path
        from analyzer.problems import clause_spans, find_problems

        reports = []
        for path in files:
            result, _ = analyze_path(path)
            reports.extend(result.reports)
        rounds = 20
        started = time.perf_counter()
        found = clauses = 0
        for _ in range(rounds):
            for report in reports:
                clauses += len(clause_spans(report.text))
                found += len(find_problems(report, clf))
        seconds = time.perf_counter() - started
        print(f"问题识别（{len(reports)} 篇样例报告 × {rounds} 轮）：{len(reports) * rounds / seconds:,.0f} 篇/秒，"
              f"{clauses / seconds:,.0f} 分句/秒，每轮识别问题 {found // rounds} 条")
    return 0


if __name__ == "__main__":
    sys.exit(main())
