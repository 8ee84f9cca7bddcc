"""报告.html in a real headless browser (Debian's chromium): the highlights exist, clicking them shows
their details, links reach the flagged figures, nothing is fetched, and no script error occurs.

Driven by Playwright's Python package when it is installed (never ``playwright install``: it uses the
system chromium), and by chromium's own ``--dump-dom`` otherwise. Skips only when chromium is absent and
``scripts/setup_outputs.sh`` cannot install it.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

from test_render import run  # noqa: E402,F401  (the module's sample run fixture)

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        setup = ROOT / "scripts" / "setup_outputs.sh"
        subprocess.run(["sh", str(setup)], capture_output=True, timeout=1200)
        path = find_chromium()
    if path is None:
        pytest.skip("未找到 Chromium 浏览器，且 scripts/setup_outputs.sh 无法安装（需要 apt-get 和管理员权限）")
    return path


@pytest.fixture(scope="module")
def browser(chromium):
    sync_api = pytest.importorskip("playwright.sync_api", reason="未安装 playwright 包（pip install playwright）")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()


class Page:
    """A page with its script errors, console errors and any request that left the file system."""

    def __init__(self, browser, url: str, width: int = 1400, height: int = 1000):
        self.errors: list[str] = []
        self.remote: list[str] = []
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.route("**/*", self._route)
        self.page.goto(url)
        self.page.wait_for_selector("html[data-ready='1']", state="attached", timeout=10000)

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.remote.append(url)
            route.abort()


def _all_facts(docs) -> int:
    return sum(len(r["facts"]) for d in docs if d["status"] == "ok" for r in d["reports"])


def test_highlights_panel_and_links_work_without_errors(browser, run):
    view = Page(browser, run.paths["html"].as_uri())
    page = view.page
    ids = page.eval_on_selector_all(".a[data-a]", "els => els.flatMap(e => e.dataset.a.split(' '))")
    assert len({i for i in ids if "-f" in i}) == _all_facts(run.docs)
    assert page.locator(".a.pb").count() > 0 and page.locator(".a.fl").count() > 0
    assert page.locator(".cats").count() >= sum(len(r["problems"]) for d in run.docs for r in d["reports"])

    # A flag in the table leads to its figure: the report opens, the figure is in view, the panel explains it.
    flag = run.flags[0]
    link = page.locator("#flag-table a.jump").first
    link.evaluate("e => e.scrollIntoView({block: 'center'})")  # clear of the sticky header
    link.click()
    target = page.locator("#g0e0")
    assert page.locator("details.report[open]").count() == 1
    box = target.bounding_box()
    assert box and 0 <= box["y"] <= 1000
    panel = page.locator("#panel-body").inner_text()
    assert flag["message"] in panel

    # Clicking a highlighted figure shows value, role and subject.
    fact_span = page.locator("details.report[open] .a.f").first
    fact_span.click()
    panel = page.locator("#panel-body").inner_text()
    for word in ("数值", "主体", "类型"):
        assert word in panel
    assert fact_span.get_attribute("title").startswith("数据｜")

    # The layer switches and the severity filter.
    page.locator("input[data-layer='f']").uncheck()
    assert page.evaluate("document.body.classList.contains('hide-f')")
    bg = fact_span.evaluate("e => getComputedStyle(e).backgroundColor")
    assert bg in ("rgba(0, 0, 0, 0)", "transparent")
    page.locator(".filters button[data-sev='error']").click()
    shown = page.eval_on_selector_all("#flag-table tbody tr",
                                      "rs => rs.filter(r => r.offsetParent).map(r => r.dataset.sev)")
    assert shown and set(shown) == {"error"}

    page.locator("#open-all").click()
    assert page.locator("details.report[open]").count() == page.locator("details.report").count()
    assert view.errors == [] and view.remote == []
    page.close()


def test_split_report_pages_link_both_ways(browser, run, tmp_path):
    """A split report (large batches): a flag on the dashboard opens the file's own page at the figure,
    with its details in the panel, and the page leads back to the flag's row."""
    from analyzer.render.html import render_html

    index = render_html(run.docs, tmp_path / "报告.html", batch_flags=run.batch, ledger_rows=run.rows, split=True)
    view = Page(browser, index.as_uri())
    page = view.page
    link = page.locator("#flag-table a.jump").first
    link.evaluate("e => e.scrollIntoView({block: 'center'})")
    link.click()
    page.wait_for_selector("html[data-ready='1']", state="attached", timeout=10000)
    assert "/%E6%8A%A5%E5%91%8A%E5%8E%9F%E6%96%87/" in page.url  # 报告原文/
    target = page.locator("#g0e0")
    box = target.bounding_box()
    assert box and 0 <= box["y"] <= 1000
    assert run.flags[0]["message"] in page.locator("#panel-body").inner_text()
    page.locator("#panel-body a.jump").first.click()  # 在问题线索表中查看
    page.wait_for_selector("html[data-ready='1']", state="attached", timeout=10000)
    assert page.url.endswith("#row-g0") and page.locator("#row-g0").is_visible()
    assert view.errors == [] and view.remote == []
    page.close()


def test_a_thirty_page_report_stays_readable(browser, run, tmp_path):
    """A long report (~30 pages of text, hundreds of highlights) opens fast and reads at a sane measure."""
    from analyzer.render.html import render_html

    base = max((d for d in run.docs if d["status"] == "ok"), key=lambda d: len(d["reports"][0]["text"]))
    report = copy.deepcopy(base["reports"][0])
    n = max(2, 30_000 // len(report["text"]) + 1)
    size = len(report["text"]) + 1
    report["text"] = "\n".join([report["text"]] * n)
    for key in ("facts", "problems", "placeholders", "sections"):
        report[key] = [dict(x, start=x["start"] + i * size, end=x["end"] + i * size)
                       for i in range(n) for x in base["reports"][0][key]]
    doc = dict(base, reports=[report], flags=[])
    path = render_html([doc], tmp_path / "long.html")
    view = Page(browser, path.as_uri())
    page = view.page
    elapsed = page.evaluate("""() => { const t = performance.now(); const d = document.querySelector('details.report');
        d.open = true; document.body.offsetHeight; return performance.now() - t; }""")
    assert elapsed < 2000, f"opening a 30-page report took {elapsed:.0f} ms"
    measure = page.evaluate("""() => { const a = document.querySelector('article.text'); const s = getComputedStyle(a);
        return [a.getBoundingClientRect().width, parseFloat(s.fontSize), parseFloat(s.lineHeight)]; }""")
    width, font, line = measure
    assert font >= 15 and line / font >= 1.6 and width / font <= 50  # at most ~46 characters a line
    assert page.locator("nav.toc a").count() >= len(base["reports"][0]["sections"])
    assert page.locator(".a.f").count() >= len(report["facts"])
    assert view.errors == []
    page.close()


def test_chromium_runs_the_page_script_without_playwright(chromium, run, tmp_path):
    """The same page through chromium's own --dump-dom: the script reached its end (data-ready)."""
    result = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
                             f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", run.paths["html"].as_uri()],
                            capture_output=True, text=True, timeout=120)
    dom = result.stdout
    assert 'data-ready="1"' in dom, result.stderr[-2000:]
    assert 'class="a f f-' in dom and 'class="a ' in dom
