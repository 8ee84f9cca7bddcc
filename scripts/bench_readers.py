"""Benchmark the reader stage and the PDF engines it was chosen from.

    python scripts/bench_readers.py [DIR] [--pdfs 30 --pages 10 --docx 30 --txt 30]

With DIR: read every supported file under DIR (recursively). Without: generate a reproducible set in a
temporary folder (PDFs in six producer styles — plain, Word-like mixed fonts, justified spacing, ruled
tables — plus .docx and .txt reports) and also score each PDF engine against the generator's ground
truth. Prints, per format and engine: files, pages, chars, seconds, pages/s, chars/s.

PDF engines compared:
    chosen       analyzer.readers.read_document (pdfminer layout objects + own line builder,
                 pdfplumber.find_tables on pages with ruled lines)
    pdfium       pypdfium2 get_text_range per page, text only
    plumber      pdfplumber extract_text_lines per page (x_tolerance 3), text only, page.close()
    hybrid       pypdfium2 text; pages with >= 4 path objects read with pdfplumber (tables + the text
                 outside them)
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from analyzer.errors import ReadError  # noqa: E402
from analyzer.readers import SUPPORTED_SUFFIXES, read_document  # noqa: E402

# A page's output: the texts of its lines and cells, in order.
PageTexts = list[str]


# ---------------------------------------------------------------------------
# PDF engines (alternatives the reader was compared with)
# ---------------------------------------------------------------------------


def engine_chosen(path: Path) -> list[PageTexts]:
    document = read_document(path)
    pages: list[PageTexts] = [[] for _ in range(document.pages or 0)]
    for block in document.blocks:
        pages[block.page - 1].append(block.text)
    return pages


def engine_pdfium(path: Path) -> list[PageTexts]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            pages.append([line for line in textpage.get_text_range().splitlines() if line.strip()])
            textpage.close()
            page.close()
        return pages
    finally:
        pdf.close()


def _plumber_page(page, tables: bool) -> PageTexts:
    found = page.find_tables() if tables else []
    outside = page
    for table in found:
        outside = outside.outside_bbox(table.bbox)
    texts = [line["text"] for line in outside.extract_text_lines(return_chars=False)]
    for table in found:
        texts.extend(cell for row in table.extract() for cell in row if cell)
    return texts


def engine_plumber(path: Path) -> list[PageTexts]:
    import pdfplumber

    pages = []
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            pages.append(_plumber_page(page, tables=False))
            page.close()
    return pages


def engine_hybrid(path: Path) -> list[PageTexts]:
    import pdfplumber
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(str(path))
    plumber = None
    try:
        pages = []
        for i in range(len(pdf)):
            page = pdf[i]
            paths = sum(1 for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=2))
            if paths >= 4:
                plumber = plumber or pdfplumber.open(str(path))
                pl_page = plumber.pages[i]
                pages.append(_plumber_page(pl_page, tables=True))
                pl_page.close()
            else:
                textpage = page.get_textpage()
                pages.append([line for line in textpage.get_text_range().splitlines() if line.strip()])
                textpage.close()
            page.close()
        return pages
    finally:
        pdf.close()
        if plumber is not None:
            plumber.close()


ENGINES: dict[str, Callable[[Path], list[PageTexts]]] = {
    "chosen": engine_chosen, "pdfium": engine_pdfium, "plumber": engine_plumber, "hybrid": engine_hybrid,
}


# ---------------------------------------------------------------------------
# Generated corpus with ground truth
# ---------------------------------------------------------------------------

PDF_STYLES = [
    ("plain", {}),
    ("word-fonts", {"mixed_fonts": True}),
    ("justified", {"char_space": 3.5}),
    ("tables", {"table_every": 2, "mixed_fonts": True}),
    ("embedded", {"embed_font": True, "mixed_fonts": True}),  # a Word/WPS export: PDFium fast path
    ("embedded-tables", {"embed_font": True, "table_every": 2, "char_space": 1.0}),
]


@dataclass
class Truth:
    lines: list[list[str]] = field(default_factory=list)  # per page
    cells: list[list[str]] = field(default_factory=list)  # per page


def generate(folder: Path, n_pdf: int, n_pages: int, n_docx: int, n_txt: int) -> dict[Path, Truth]:
    from make_files import make_report_docx, make_report_pdf, make_report_txt, report_pages

    truths: dict[Path, Truth] = {}
    for i in range(n_pdf):
        name, style = PDF_STYLES[i % len(PDF_STYLES)]
        style = dict(style)
        table_every = style.pop("table_every", 0)
        path = make_report_pdf(folder / f"r{i:03d}_{name}.pdf", n_pages, seed=i, table_every=table_every,
                               **style)
        truth = Truth()
        for number, items in enumerate(report_pages(n_pages, seed=i, table_every=table_every), start=1):
            truth.lines.append([x.strip("\u3000") for x in items if isinstance(x, str)] + [f"- {number} -"])
            truth.cells.append([cell for x in items if not isinstance(x, str) for row in x for cell in row])
        truths[path] = truth
    for i in range(n_docx):
        make_report_docx(folder / f"d{i:03d}.docx", 60, seed=i)
    for i in range(n_txt):
        make_report_txt(folder / f"t{i:03d}.txt", 60, seed=i, encoding="gbk" if i % 2 else "utf-8")
    return truths


NUMBER = re.compile(r"\d[\d,.]*\d%?|\d%?")
# A figure with the unit or date word that follows it: 43栋, 15.82万平方米, 2021年, 67.5%.
FIGURE = re.compile(r"\d[\d,.]*(?:万平方米|万元|%|[户栋幢个部年月日])")
QUOTED = re.compile(r"“[^”]+”")


@dataclass
class Score:
    lines: int = 0
    lines_ok: int = 0
    lines_nospace_ok: int = 0
    cells: int = 0
    cells_ok: int = 0
    numbers: int = 0
    numbers_ok: int = 0
    figures: int = 0
    figures_ok: int = 0
    quotes: int = 0
    quotes_ok: int = 0
    missing: int = 0  # ground-truth characters absent from the output
    extra: int = 0  # output characters not in the ground truth (duplicates)

    def add(self, truth: Truth, pages: list[PageTexts]) -> None:
        for number, expected in enumerate(truth.lines):
            got = pages[number] if number < len(pages) else []
            got_lines = {" ".join(t.split()) for t in got}
            got_nospace = {re.sub(r"\s", "", t) for t in got}
            page_text = "\n".join(got)
            for line in expected:
                self.lines += 1
                self.lines_ok += line in got_lines
                self.lines_nospace_ok += re.sub(r"\s", "", line) in got_nospace
                for n in NUMBER.findall(line):
                    self.numbers += 1
                    self.numbers_ok += n in page_text
                for f in FIGURE.findall(line):
                    self.figures += 1
                    self.figures_ok += f in page_text
                for q in QUOTED.findall(line):
                    self.quotes += 1
                    self.quotes_ok += q in page_text
            for cell in truth.cells[number]:
                self.cells += 1
                self.cells_ok += cell in page_text
            want = Counter(re.sub(r"\s", "", "".join(expected + truth.cells[number])))
            have = Counter(re.sub(r"\s", "", page_text))
            self.missing += sum((want - have).values())
            self.extra += sum((have - want).values())

    def row(self) -> str:
        def pct(ok: int, n: int) -> str:
            return f"{100 * ok / n:5.1f}%" if n else "    -"
        return (f"lines {pct(self.lines_ok, self.lines)}  lines-ignoring-spaces "
                f"{pct(self.lines_nospace_ok, self.lines)}  cells {pct(self.cells_ok, self.cells)}  numbers "
                f"{pct(self.numbers_ok, self.numbers)}  figures+unit {pct(self.figures_ok, self.figures)}  quotes {pct(self.quotes_ok, self.quotes)}  "
                f"chars missing {self.missing}  extra {self.extra}")


# ---------------------------------------------------------------------------
# Running and printing
# ---------------------------------------------------------------------------


@dataclass
class Tally:
    files: int = 0
    pages: int = 0
    chars: int = 0
    seconds: float = 0.0
    errors: Counter = field(default_factory=Counter)

    def row(self, label: str) -> str:
        pages = f"{self.pages:7d}" if self.pages else "      -"
        rate_p = f"{self.pages / self.seconds:9.1f}" if self.pages and self.seconds else "        -"
        rate_c = f"{self.chars / self.seconds:11,.0f}" if self.seconds else "          -"
        errors = f"  errors: {dict(self.errors)}" if self.errors else ""
        return (f"  {label:<18}{self.files:6d}{pages}{self.chars:11,d}{self.seconds:9.2f}"
                f"{rate_p}{rate_c}{errors}")


HEADER = f"  {'format / engine':<18}{'files':>6}{'pages':>7}{'chars':>11}{'seconds':>9}{'pages/s':>9}{'chars/s':>11}"


def bench_pdf_engine(name: str, files: list[Path]) -> tuple[Tally, dict[Path, list[PageTexts]]]:
    engine = ENGINES[name]
    tally = Tally()
    outputs: dict[Path, list[PageTexts]] = {}
    if files:  # warm-up: CMaps, fonts and imports load once per process
        try:
            engine(files[0])
        except Exception:  # noqa: BLE001
            pass
    for path in files:
        start = time.perf_counter()
        try:
            pages = engine(path)
        except ReadError as e:
            tally.errors[e.kind] += 1
            continue
        except Exception as e:  # noqa: BLE001 - alternatives raise their own exceptions
            tally.errors[type(e).__name__] += 1
            continue
        finally:
            tally.seconds += time.perf_counter() - start
        tally.files += 1
        tally.pages += len(pages)
        tally.chars += sum(len(t) for page in pages for t in page)
        outputs[path] = pages
    return tally, outputs


def bench_reader(files: list[Path]) -> Tally:
    tally = Tally()
    if files:
        try:
            read_document(files[0])
        except ReadError:
            pass
    for path in files:
        start = time.perf_counter()
        try:
            document = read_document(path)
        except ReadError as e:
            tally.errors[e.kind] += 1
            continue
        finally:
            tally.seconds += time.perf_counter() - start
        tally.files += 1
        tally.pages += document.pages or 0
        tally.chars += sum(len(b.text) for b in document.blocks)
    return tally


def machine() -> str:
    versions = []
    for dist in ("pdfplumber", "pdfminer.six", "pypdfium2", "python-docx", "charset-normalizer"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    return (f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
            f"Python {platform.python_version()}\nlibraries: {', '.join(versions)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", nargs="?", type=Path, help="folder of real files (default: generate a set)")
    parser.add_argument("--pdfs", type=int, default=30)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--docx", type=int, default=30)
    parser.add_argument("--txt", type=int, default=30)
    parser.add_argument("--engines", default="chosen,pdfium,plumber,hybrid")
    args = parser.parse_args(argv)

    import logging

    logging.disable(logging.WARNING)  # damaged real files would otherwise flood the output
    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench_readers_") as tmp:
        if args.dir:
            folder, truths = args.dir, {}
            print(f"files under {folder}")
        else:
            folder = Path(tmp)
            start = time.perf_counter()
            truths = generate(folder, args.pdfs, args.pages, args.docx, args.txt)
            print(f"generated {args.pdfs} PDFs x {args.pages} pages ({', '.join(n for n, _ in PDF_STYLES)} in turn), "
                  f"{args.docx} .docx, {args.txt} .txt in {time.perf_counter() - start:.1f} s")
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        by_suffix = {s: [p for p in files if p.suffix.lower() == s] for s in SUPPORTED_SUFFIXES}

        print(HEADER)
        outputs: dict[str, dict[Path, list[PageTexts]]] = {}
        for name in args.engines.split(","):
            tally, outputs[name] = bench_pdf_engine(name, by_suffix[".pdf"])
            print(tally.row(f"pdf  {name}"))
        for suffix in (".docx", ".txt"):
            print(bench_reader(by_suffix[suffix]).row(f"{suffix[1:]:<4} chosen"))
        if truths:
            print("\ncorrectness of the PDF text against the generator's ground truth:")
            for style in [None] + [s for s, _ in PDF_STYLES]:
                print("  all styles:" if style is None else f"  style {style}:")
                for name, produced in outputs.items():
                    score = Score()
                    for path, truth in truths.items():
                        if (style is None or path.stem.endswith(style)) and path in produced:
                            score.add(truth, produced[path])
                    print(f"    {name:<8} {score.row()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
