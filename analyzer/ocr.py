"""OCR of scanned PDF pages: render with pypdfium2, remove seals, recognise with Tesseract ``chi_sim``.

Public API::

    ocr_status() -> str | None               # None when OCR works here, else a Chinese reason
    render_page(pdf, index, dpi) -> Image    # a pypdfium2 document's page as an RGB picture
    remove_seals(image) -> Image             # greyscale picture without coloured ink (seals, signatures)
    recognize(image, dpi) -> OcrResult       # Tesseract on one picture: lines and confidence
    ocr_page(pdf, index, dpi) -> OcrResult   # the three above for one page

Example::

    >>> import pypdfium2                                      # doctest: +SKIP
    >>> result = ocr_page(pypdfium2.PdfDocument("scan.pdf"), 0) # doctest: +SKIP
    >>> result.lines[:2], result.confidence                   # doctest: +SKIP
    (['关于金亭花苑改造情况的汇报', '一、基本情况'], 0.91)

Tesseract is called as a program (``tesseract stdin stdout … tsv``) with ``OMP_THREAD_LIMIT=1``: its
OpenMP threads fight with the batch's own worker processes (unset, OCR was 4–5× slower on a 2-CPU
machine). The picture goes in through stdin as a PGM, so file names never reach a command line. The
child gets a hard time limit per page and dies with the worker that started it (Linux: PDEATHSIG).

Seals (单位盖章) are red, signatures often blue: ``remove_seals`` keeps, for each pixel, the
brightest of its red, green and blue values. Black and grey toner is dark in all three and stays;
coloured ink is bright in at least one channel and turns into near-paper grey; where a seal covers
black text the text (dark in every channel) survives. A level stretch then pushes paper and the
seal's remains to white. On the seal test page (tests/test_ocr.py) this took the figures recovered
from 2 of 11 to 11 of 11.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "OCR_DPI",
    "OCR_LANG",
    "OCR_PAGE_TIMEOUT",
    "OcrError",
    "OcrResult",
    "ocr_page",
    "ocr_status",
    "recognize",
    "remove_seals",
    "render_page",
]

OCR_LANG = "chi_sim"
OCR_DPI = 200  # rendering resolution when the page's own pictures do not tell a better one
OCR_MIN_DPI, OCR_MAX_DPI = 150, 300
OCR_MAX_PIXELS = 40_000_000  # a rendered page larger than this is rendered at a lower resolution
OCR_PAGE_TIMEOUT = 90.0  # seconds for Tesseract on one page
OCR_MIN_LINE_CONFIDENCE = 30.0  # lines Tesseract is less sure of (0-100) are noise: photos, stains
OCR_PSM = "3"  # fully automatic page segmentation (columns, blocks)

INSTALL_HINT = ("请安装 Tesseract 及其简体中文模型（Debian/Ubuntu：sudo apt-get install tesseract-ocr "
                "tesseract-ocr-chi-sim；或运行 scripts/setup_ocr.sh）")


class OcrError(Exception):
    """OCR of one page failed (Tesseract missing, crashed or too slow); the message is Chinese."""


@dataclass(slots=True)
class OcrResult:
    """What OCR made of one page."""

    lines: list[str]
    confidence: float  # 0..1, mean word confidence weighted by characters (kept lines only)
    seconds: float = 0.0
    dpi: int = OCR_DPI
    dropped: int = 0  # lines left out as noise (confidence below OCR_MIN_LINE_CONFIDENCE)
    line_confidences: list[float] = field(default_factory=list)
    boxes: list[tuple[int, int]] = field(default_factory=list)  # (top, bottom) of each line, in pixels
    height: int = 0  # of the picture, in pixels


# ---------------------------------------------------------------------------
# Availability
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _status(lang: str, path_env: str | None, prefix: str | None) -> str | None:
    exe = shutil.which("tesseract")
    if exe is None:
        return f"未找到 OCR 程序 tesseract，{INSTALL_HINT}。"
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, timeout=30, env=_env(),
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        return f"OCR 程序 tesseract 无法运行（{type(e).__name__}），{INSTALL_HINT}。"
    langs = set((out.stdout + out.stderr).decode("utf-8", "replace").split())
    if lang not in langs:
        return f"OCR 程序缺少简体中文识别模型 {lang}，{INSTALL_HINT}。"
    return None


def ocr_status(lang: str = OCR_LANG) -> str | None:
    """None when Tesseract and its ``lang`` model are installed; otherwise what is missing (Chinese).

    The answer is cached per process (keyed on PATH and TESSDATA_PREFIX).
    """
    return _status(lang, os.environ.get("PATH"), os.environ.get("TESSDATA_PREFIX"))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort: the page time limit still applies
        pass


# ---------------------------------------------------------------------------
# Pictures
# ---------------------------------------------------------------------------


def page_dpi(width_pt: float, height_pt: float, native_dpi: float | None = None) -> int:
    """Resolution to render a page at: its pictures' own resolution within [150, 300] (200 when
    unknown), lowered so that the picture stays under OCR_MAX_PIXELS."""
    dpi = float(native_dpi) if native_dpi else float(OCR_DPI)
    dpi = min(max(dpi, OCR_MIN_DPI), OCR_MAX_DPI)
    area_in2 = max(width_pt, 1.0) * max(height_pt, 1.0) / (72.0 * 72.0)
    limit = (OCR_MAX_PIXELS / area_in2) ** 0.5
    return max(36, int(min(dpi, limit)))


def render_page(pdf: Any, index: int, dpi: int | None = None) -> Any:
    """Render page ``index`` (0-based) of a ``pypdfium2.PdfDocument`` as an RGB ``PIL.Image``."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        dpi = page_dpi(width, height, dpi)
        bitmap = page.render(scale=dpi / 72.0, may_draw_forms=True)
        try:
            image = bitmap.to_pil().convert("RGB")
        finally:
            bitmap.close()
    finally:
        page.close()
    image.info["dpi"] = (dpi, dpi)
    return image


def remove_seals(image: Any) -> Any:
    """Greyscale picture in which strongly coloured ink (red seals, blue signatures) is paper-white.

    Each pixel keeps the largest of its R, G and B values, then levels are stretched so that the
    paper and anything lighter than 80 % of it become white.
    """
    from PIL import ImageChops

    if image.mode not in ("RGB", "RGBA"):
        return image.convert("L")
    r, g, b = image.convert("RGB").split()
    grey = ImageChops.lighter(ImageChops.lighter(r, g), b)
    histogram = grey.histogram()
    total = sum(histogram)
    seen, paper = 0, 255
    for value in range(255, -1, -1):  # the paper: the level 60 % of the pixels are at least as bright as
        seen += histogram[value]
        if seen >= 0.6 * total:
            paper = value
            break
    high = max(int(paper * 0.8), 64)
    low = min(30, high - 1)
    table = [0 if v <= low else 255 if v >= high else (v - low) * 255 // (high - low) for v in range(256)]
    return grey.point(table)


# ---------------------------------------------------------------------------
# Tesseract
# ---------------------------------------------------------------------------


def _pgm(image: Any) -> bytes:
    grey = image if image.mode == "L" else image.convert("L")
    header = f"P5\n{grey.width} {grey.height}\n255\n".encode("ascii")
    return header + grey.tobytes()


def recognize(image: Any, dpi: int = OCR_DPI, *, lang: str = OCR_LANG,
              timeout: float = OCR_PAGE_TIMEOUT) -> OcrResult:
    """Run Tesseract on a greyscale (or RGB) picture; raise ``OcrError`` when it cannot."""
    reason = ocr_status(lang)
    if reason:
        raise OcrError(reason)
    cmd = [shutil.which("tesseract") or "tesseract", "stdin", "stdout", "-l", lang, "--psm", OCR_PSM,
           "--dpi", str(int(dpi)), "tsv"]
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, input=_pgm(image), capture_output=True, timeout=timeout, env=_env(),
                              preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
    except subprocess.TimeoutExpired:
        raise OcrError(f"OCR 识别超过 {timeout:g} 秒未完成，已跳过。") from None
    except OSError as e:
        raise OcrError(f"OCR 程序无法运行（{e.strerror or e}）。") from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"OCR 程序出错（退出码 {proc.returncode}{'：' + detail[-1][:120] if detail else ''}）。")
    result = parse_tsv(proc.stdout.decode("utf-8", "replace"))
    result.seconds = time.perf_counter() - started
    result.dpi = int(dpi)
    result.height = image.height
    return result


def ocr_page(pdf: Any, index: int, dpi: int | None = None, *, timeout: float = OCR_PAGE_TIMEOUT) -> OcrResult:
    """Render, clean and recognise page ``index`` (0-based) of a ``pypdfium2.PdfDocument``."""
    started = time.perf_counter()
    image = render_page(pdf, index, dpi)
    used_dpi = image.info["dpi"][0]
    result = recognize(remove_seals(image), used_dpi, timeout=timeout)
    result.seconds = time.perf_counter() - started
    result.height = image.height
    return result


# ---------------------------------------------------------------------------
# Tesseract's TSV -> lines
# ---------------------------------------------------------------------------

_CJK = (r"\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
        r"\ufe30-\ufe4f\uff00-\uffef“”‘’…—·")
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}]) +| +(?=[{_CJK}])")
_COMMA_DOT = re.compile(r"(?<=\d),\s*\.(?=\d{3})|(?<=\d)\.\s*,(?=\d{3}(?:\D|$))")


@dataclass(slots=True)
class _Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float


def parse_tsv(tsv: str) -> OcrResult:
    """Lines (in Tesseract's reading order) and confidences from ``tesseract … tsv`` output.

    Words of a line are joined without a space, except between two Latin/digit words separated by a
    visible gap; spaces next to Chinese characters are removed; noise lines are dropped.

    >>> tsv = "\\n".join(["level\\tpage_num\\tblock_num\\tpar_num\\tline_num\\tword_num\\tleft\\ttop\\twidth\\theight\\tconf\\ttext",
    ...     "5\\t1\\t1\\t1\\t1\\t1\\t10\\t10\\t100\\t30\\t96.0\\t共有住宅",
    ...     "5\\t1\\t1\\t1\\t1\\t2\\t112\\t10\\t60\\t30\\t91.0\\t43栋",
    ...     "5\\t1\\t1\\t1\\t1\\t3\\t175\\t10\\t60\\t30\\t12.0\\t，"])
    >>> r = parse_tsv(tsv); r.lines, round(r.confidence, 2)
    (['共有住宅43栋，'], 0.84)
    """
    lines: dict[tuple[int, int, int, int], list[_Word]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = "\t".join(cols[11:]).strip()
        if not text:
            continue
        try:
            key = (int(cols[1]), int(cols[2]), int(cols[3]), int(cols[4]))
            word = _Word(text, int(cols[6]), int(cols[7]), int(cols[8]), int(cols[9]), max(float(cols[10]), 0.0))
        except ValueError:
            continue
        lines.setdefault(key, []).append(word)
    kept: list[str] = []
    confidences: list[float] = []
    boxes: list[tuple[int, int]] = []
    weight = weighted = 0.0
    dropped = 0
    for key in sorted(lines):
        words = sorted(lines[key], key=lambda w: w.left)
        text = _join_words(words)
        chars = sum(len(w.text) for w in words)
        conf = sum(w.conf * len(w.text) for w in words) / max(chars, 1)
        if not text or conf < OCR_MIN_LINE_CONFIDENCE:
            dropped += 1
            continue
        kept.append(text)
        confidences.append(round(conf / 100.0, 3))
        boxes.append((min(w.top for w in words), max(w.top + w.height for w in words)))
        weight += chars
        weighted += conf * chars
    confidence = (weighted / weight / 100.0) if weight else 0.0
    return OcrResult(lines=kept, confidence=confidence, dropped=dropped, line_confidences=confidences,
                     boxes=boxes)


def _join_words(words: list[_Word]) -> str:
    out: list[str] = []
    prev: _Word | None = None
    for w in words:
        if prev is not None:
            gap = w.left - (prev.left + prev.width)
            if (prev.text[-1].isascii() and w.text[0].isascii() and not prev.text[-1].isspace()
                    and gap > 0.3 * max(prev.height, w.height, 1)):
                out.append(" ")
        out.append(w.text)
        prev = w
    return clean_line("".join(out))


def clean_line(text: str) -> str:
    """Undo Tesseract's habits on Chinese text: spaces around Chinese characters, ",." in figures.

    >>> clean_line("共有 43 栋 2350户 ，其中 2,.013.19万元")
    '共有43栋2350户，其中2,013.19万元'
    """
    text = _SPACE_NEAR_CJK.sub("", text)
    text = _COMMA_DOT.sub(",", text)
    return re.sub(r" {2,}", " ", text).strip()
