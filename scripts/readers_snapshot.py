"""Snapshot what the reader makes of a set of files, to show that a change to analyzer/readers.py leaves
every Document exactly as it was.

    python scripts/readers_snapshot.py OUT.pkl PATH...        # PATH: files or folders (PDFs found recursively)
    python scripts/readers_snapshot.py --compare A.pkl B.pkl   # exit status 1 when any file differs

A snapshot holds, per file, ``repr(dataclasses.asdict(read_document(path)))`` (every block's text, kind,
page, index, table, row, col; the tables; pages, format, warnings, OCR pages and confidences, encoding)
or the ReadError's kind and message, and per run the CPU seconds and how many pages took the PDFium
fast path and how many pdfminer's. Take the first snapshot before editing, the second after.
"""

from __future__ import annotations

import dataclasses
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from analyzer import readers  # noqa: E402
from analyzer.errors import ReadError  # noqa: E402


def files(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        out.extend(sorted(p for p in path.rglob("*.pdf") if p.is_file()) if path.is_dir() else [path])
    return out


def snapshot(paths: list[Path]) -> dict:
    pages = {"fast": 0, "pdfminer": 0}
    page_blocks = readers._page_blocks

    def counting(height, number, scan, tables, offset, margins, page=None, found=None):
        pages["fast" if page is None and found is not None else "pdfminer"] += 1
        return page_blocks(height, number, scan, tables, offset, margins, page, found)

    readers._page_blocks = counting
    results = {}
    started = time.process_time()
    try:
        for path in paths:
            try:
                results[str(path)] = ("ok", repr(dataclasses.asdict(readers.read_document(path))))
            except ReadError as e:
                results[str(path)] = ("error", e.kind, e.message)
    finally:
        readers._page_blocks = page_blocks
    return {"results": results, "pages": pages, "seconds": time.process_time() - started}


def compare(a: dict, b: dict) -> int:
    ra, rb = a["results"], b["results"]
    differ = sorted(k for k in ra.keys() | rb.keys() if ra.get(k) != rb.get(k))
    for key in differ[:20]:
        print("differs:", key)
    print(f"{len(ra)} / {len(rb)} files, {len(differ)} differ; pages fast/pdfminer {a['pages']} -> {b['pages']};"
          f" CPU {a['seconds']:.2f} s -> {b['seconds']:.2f} s")
    return 1 if differ or a["pages"]["fast"] > b["pages"]["fast"] else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--compare"] and len(argv) == 3:
        with open(argv[1], "rb") as fa, open(argv[2], "rb") as fb:
            return compare(pickle.load(fa), pickle.load(fb))
    if len(argv) < 2:
        print(__doc__)
        return 2
    data = snapshot(files(argv[1:]))
    with open(argv[0], "wb") as f:
        pickle.dump(data, f)
    print(f"{len(data['results'])} files, pages {data['pages']}, {data['seconds']:.2f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
