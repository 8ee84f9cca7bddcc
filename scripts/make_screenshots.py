"""Regenerate docs/report_html.png and docs/summary_docx.png from a run over corpora/samples.

    .venv/bin/python scripts/make_screenshots.py            # analyze corpora/samples first
    .venv/bin/python scripts/make_screenshots.py --run DIR  # use an existing run folder (DIR/documents/*.json)

Needs chromium (HTML, through Playwright's Python package) and LibreOffice Writer (Word → PDF); both come
from `scripts/setup_outputs.sh --office`. The PDF page is drawn with pypdfium2. LibreOffice has no 公文
fonts on Linux, so a private fontconfig file maps them to the nearest free faces for the picture only
(仿宋/宋体/小标宋 → Noto Serif CJK SC, 黑体 → Noto Sans CJK SC); Word on an office machine uses the real ones.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "corpora" / "samples"
DOCS = ROOT / "docs"
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  {aliases}
</fontconfig>
"""
ALIASES = {"仿宋_GB2312": "Noto Serif CJK SC", "仿宋": "Noto Serif CJK SC", "方正小标宋简体": "Noto Serif CJK SC",
           "宋体": "Noto Serif CJK SC", "楷体_GB2312": "Noto Serif CJK SC", "黑体": "Noto Sans CJK SC",
           "Times New Roman": "Liberation Serif"}


def load_run(run_dir: Path | None, work: Path) -> tuple[Path, list[dict], list[dict] | None]:
    from analyzer.ledger import read_ledger
    from analyzer.render.common import ledger_rows_from
    from analyzer.runner import analyze_batch

    ledger = SAMPLES / "台账.xlsx"
    if run_dir is None:
        run_dir = work / "run"
        analyze_batch([SAMPLES], run_dir, ledger=ledger, jobs=2)
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((run_dir / "documents").glob("*.json"))]
    rows = ledger_rows_from(read_ledger(ledger)) if ledger.exists() else None
    return run_dir, docs, rows


def save_png(image, out: Path) -> None:
    """A 256-colour PNG: screenshots of text stay sharp at a third of the size."""
    from PIL import Image

    image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)


def shoot_html(html: Path, out: Path) -> None:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 760})
        page.goto(html.as_uri())
        page.wait_for_selector("html[data-ready='1']", state="attached")
        top = page.screenshot()
        # The report with the most flags, opened at its first flagged figure, the panel explaining it.
        target = page.evaluate("""() => { let best = null, n = -1;
            document.querySelectorAll('details.report').forEach(d => {
              const k = 3 * d.querySelectorAll('.a.fl-error').length + d.querySelectorAll('.a.fl-warning').length;
              if (k > n) { n = k; best = d; } });
            const el = best.querySelector('.a.fl-error[id]') || best.querySelector('.a.fl[id]');
            return el ? el.id : best.id; }""")
        page.set_viewport_size({"width": 1400, "height": 900})
        page.evaluate("id => { location.hash = id; }", target)
        page.wait_for_timeout(2000)  # let the flash fade
        bottom = page.screenshot()
        browser.close()
    a, b = Image.open(io.BytesIO(top)), Image.open(io.BytesIO(bottom))
    sheet = Image.new("RGB", (a.width, a.height + b.height + 8), "#1f3864")
    sheet.paste(a, (0, 0))
    sheet.paste(b, (0, a.height + 8))
    save_png(sheet, out)


def shoot_docx(docx: Path, out: Path, work: Path) -> None:
    import pypdfium2 as pdfium

    conf = work / "fonts.conf"
    aliases = "\n  ".join(f"<alias binding=\"same\"><family>{k}</family><prefer><family>{v}</family></prefer></alias>"
                          for k, v in ALIASES.items())
    # 小标宋 is a heavy face: draw its stand-in bold.
    aliases += ("\n  <match target=\"pattern\"><test name=\"family\"><string>方正小标宋简体</string></test>"
                "<edit name=\"weight\" mode=\"assign\"><const>bold</const></edit></match>")
    conf.write_text(FONTS_CONF.format(aliases=aliases), encoding="utf-8")
    env = dict(os.environ, FONTCONFIG_FILE=str(conf), HOME=str(work))
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("未找到 LibreOffice：请运行 scripts/setup_outputs.sh --office")
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(work), str(docx)], env=env,
                   check=True, capture_output=True, timeout=300)
    pdf = pdfium.PdfDocument(str(work / (docx.stem + ".pdf")))
    image = pdf[0].render(scale=110 / 72).to_pil()  # 110 dpi: A4 page ≈ 909 × 1286 px
    save_png(image, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="an existing run folder (documents/*.json)")
    args = parser.parse_args()
    from analyzer.render import write_outputs

    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run_dir, docs, rows = load_run(args.run, work)
        outputs = write_outputs(work / "outputs", docs, ledger_rows=rows)
        shoot_html(outputs["html"], DOCS / "report_html.png")
        shoot_docx(outputs["docx"], DOCS / "summary_docx.png", work)
    for name in ("report_html.png", "summary_docx.png"):
        print(DOCS / name, f"{(DOCS / name).stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
