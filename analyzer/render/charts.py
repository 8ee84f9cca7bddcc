"""Charts: a PNG bar chart for the Word summary (matplotlib, Chinese labels) and inline SVG bar charts
for the HTML report (no library, no network).

matplotlib draws Chinese only with a font that has the glyphs; :func:`cjk_font` looks for one among the
fonts installed (Noto Sans CJK from ``scripts/setup_outputs.sh`` on Debian, 黑体 / 微软雅黑 on Windows,
苹方 on macOS). Without one, :func:`bar_chart_png` returns None and the summary keeps its table only.

>>> svg = bar_svg([("房屋本体", 12), ("管网管线", 3)], title="问题按类别")
>>> svg.startswith("<svg") and "房屋本体" in svg and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
True
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from html import escape
from typing import Sequence

logger = logging.getLogger(__name__)

# Sans-serif CJK families, best first: Linux (Noto, Source Han, WenQuanYi), Windows, macOS.
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "DengXian", "PingFang SC", "Heiti SC",
                "Hiragino Sans GB", "Noto Sans SC", "Noto Serif CJK SC", "SimSun", "Arial Unicode MS")
BAR_COLOR = "#2f5597"
SEVERITY_COLORS = {"error": "#c00000", "warning": "#e69500", "info": "#5b9bd5"}


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Family name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    return None


def bar_chart_png(items: Sequence[tuple[str, int]], *, title: str, xlabel: str = "条数",
                  width_in: float = 6.3, dpi: int = 200) -> bytes | None:
    """Horizontal bar chart (largest on top) as PNG bytes; None without a CJK font or data."""
    if not items:
        return None
    family = cjk_font()
    if family is None:
        logger.warning("未找到中文字体，汇总报告中的图表已省略；请运行 scripts/setup_outputs.sh 安装字体。")
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = [n for n, _ in items][::-1]
    values = [v for _, v in items][::-1]
    height = 0.8 + 0.32 * len(items)
    fig = Figure(figsize=(width_in, height), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    bars = ax.barh(names, values, color=BAR_COLOR, height=0.62)
    font = {"family": family}
    for label in ax.get_yticklabels():
        label.set_fontfamily(family)
    ax.bar_label(bars, labels=[str(v) for v in values], padding=3, fontsize=9, fontfamily=family)
    ax.set_title(title, fontdict={**font, "fontsize": 12})
    ax.set_xlabel(xlabel, fontdict=font)
    ax.set_xlim(0, max(values) * 1.15 or 1)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", labelsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# ---------------------------------------------------------------------------
# SVG for the HTML report
# ---------------------------------------------------------------------------


def _text_width(text: str, size: float) -> float:
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def bar_svg(items: Sequence[tuple[str, int]], *, title: str, color: str = BAR_COLOR, bar_h: int = 18,
            width: int = 520) -> str:
    """Horizontal bars with labels and counts, as one self-contained ``<svg>`` element."""
    return stacked_bar_svg([(name, {"": n}) for name, n in items], title=title, colors={"": color},
                           bar_h=bar_h, width=width)


def stacked_bar_svg(items: Sequence[tuple[str, dict[str, int]]], *, title: str, colors: dict[str, str],
                    legend: dict[str, str] | None = None, bar_h: int = 18, width: int = 520) -> str:
    """Horizontal stacked bars: ``items`` are (label, {part: count}); parts drawn in ``colors`` order."""
    size = 12
    label_w = max([_text_width(name, size) for name, _ in items] + [40]) + 10
    total_max = max([sum(parts.values()) for _, parts in items] + [1])
    plot_w = max(120.0, width - label_w - 40)
    top = 28 + (18 if legend else 0)
    height = top + len(items) * (bar_h + 8) + 6
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" aria-label="{escape(title)}">',
           f'<title>{escape(title)}</title>',
           f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    if legend:
        x = 0.0
        for part, name in legend.items():
            out.append(f'<rect x="{x:.0f}" y="26" width="10" height="10" fill="{colors.get(part, BAR_COLOR)}"/>'
                       f'<text x="{x + 14:.0f}" y="35" font-size="11">{escape(name)}</text>')
            x += 24 + _text_width(name, 11)
    for i, (name, parts) in enumerate(items):
        y = top + i * (bar_h + 8)
        total = sum(parts.values())
        out.append(f'<g><title>{escape(name)}：{total}</title>'
                   f'<text x="{label_w - 6:.0f}" y="{y + bar_h - 5}" font-size="{size}" text-anchor="end">'
                   f'{escape(name)}</text>')
        x = label_w
        for part, color in colors.items():
            n = parts.get(part, 0)
            if n:
                w = plot_w * n / total_max
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{color}"/>')
                x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + bar_h - 5}" font-size="11">{total}</text></g>')
    out.append("</svg>")
    return "".join(out)
