"""Benchmark of fact extraction: facts per second and characters per second.

Usage: python scripts/bench_facts.py [FOLDER ...]   (default: corpora/samples and corpora/facts/reports)

Reading and normalizing are timed apart from extraction, so the figures show what extraction
adds to reading the files.
"""

import platform
import sys
import time
from pathlib import Path

from analyzer.extract import extract_facts
from analyzer.pipeline import prepare
from analyzer.readers import SUPPORTED_SUFFIXES, read_document


def main(folders: list[str]) -> None:
    files = sorted(f for d in folders for f in Path(d).rglob("*")
                   if f.suffix.lower() in SUPPORTED_SUFFIXES and "台账" not in f.name)  # the ledger is not a report
    extract_facts(prepare(read_document(files[0]))[1][0])  # warm up: data files, jieba dictionary
    read_s = extract_s = 0.0
    chars = n_facts = n_reports = 0
    for f in files:
        t0 = time.perf_counter()
        _, reports = prepare(read_document(f))
        t1 = time.perf_counter()
        for report in reports:
            facts, _ = extract_facts(report)
            n_facts += len(facts)
            chars += len(report.text)
            n_reports += 1
        t2 = time.perf_counter()
        read_s += t1 - t0
        extract_s += t2 - t1
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"files {len(files)}, reports {n_reports}, characters {chars}, facts {n_facts}")
    print(f"read + normalize + segment: {read_s:.3f} s")
    print(f"extract facts:              {extract_s:.3f} s  ->  {n_facts / extract_s:,.0f} facts/s, "
          f"{chars / extract_s:,.0f} chars/s")


if __name__ == "__main__":
    main(sys.argv[1:] or ["corpora/samples", "corpora/facts/reports"])
