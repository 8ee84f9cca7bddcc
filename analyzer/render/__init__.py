"""Outputs of a run (issue 6): 核查结果.xlsx, 问题汇总报告.docx, 报告.html, and the terminal views.

Each renderer is a module of its own and takes the run's per-file dicts (the contract of DESIGN.md, with
``reports[].text``); :mod:`analyzer.render.common` derives what they share. :func:`write_outputs` writes
all three files into the run's folder.

Example:
    >>> from analyzer.render import write_outputs
    >>> paths = write_outputs(Path("outputs/demo"), documents, ledger_rows=rows)  # doctest: +SKIP
    >>> sorted(paths)                                                             # doctest: +SKIP
    ['docx', 'html', 'xlsx']
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from ..errors import AnalyzerError
from .common import Community, Prepared, collect_flags, ledger_rows_from, ordered_documents, prepare

__all__ = ["write_outputs", "OutputWriter", "ledger_rows_from", "OUTPUT_NAMES", "OUTPUT_LABELS", "OutputError"]

logger = logging.getLogger(__name__)

OUTPUT_NAMES = {"xlsx": "核查结果.xlsx", "docx": "问题汇总报告.docx", "html": "报告.html"}
OUTPUT_LABELS = {"xlsx": "核查结果（Excel）", "docx": "问题汇总报告（Word）", "html": "网页报告"}


class OutputError(AnalyzerError):
    """Some outputs could not be written; ``written`` holds the ones that were."""

    def __init__(self, message: str, written: dict[str, Path]):
        super().__init__(message)
        self.message = message
        self.written = written


def _busy_name(path: Path) -> Path:
    """``核查结果-20240112-0930.xlsx``: where to write when the usual file is open in Excel/Word."""
    return path.with_name(f"{path.stem}-{datetime.now():%Y%m%d-%H%M%S}{path.suffix}")


def _write_one(render: Callable[[Path], Path], path: Path) -> Path:
    try:
        return render(path)
    except PermissionError:
        # On Windows a workbook or document open in Office cannot be replaced: keep the user's
        # copy open and write beside it.
        alt = _busy_name(path)
        logger.warning("%s 正被其他程序占用（可能已在 Excel/Word 中打开），本次结果写入 %s", path.name, alt.name)
        return render(alt)


# With at least this many documents the workbook and the HTML report are written by forked processes
# while this one writes the Word file (300 long reports: ~3 s, ~6 s and ~4 s one after the other).
PARALLEL_MIN_DOCUMENTS = 50
FORKED_OUTPUTS = ("xlsx", "html")


def _fork_one(render: Callable[[Path], Path], path: Path) -> Callable[[], Path]:
    """Run ``_write_one(render, path)`` in a forked child; return a function that waits for it and
    gives its path or raises its error. Without fork (Windows) it runs here, at once."""
    if not hasattr(os, "fork"):
        result = _write_one(render, path)
        return lambda: result
    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            send.send(("ok", str(_write_one(render, path))))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            send.send(("error", f"{type(exc).__name__}: {exc}"))

    process = ctx.Process(target=child, daemon=True)
    process.start()
    send.close()

    def wait() -> Path:
        try:
            status, value = receive.recv()
        except EOFError:
            status, value = "error", "写入进程意外退出"
        finally:
            process.join()
        if status != "ok":
            raise RuntimeError(value)
        return Path(value)

    return wait


class OutputWriter:
    """Writes 核查结果.xlsx, 问题汇总报告.docx and 报告.html into ``out_dir``, each as soon as what it needs
    is ready: ``start(key)`` forks the workbook or the HTML report (``parallel``: default from
    PARALLEL_MIN_DOCUMENTS documents on) or writes the output at once; ``finish()`` waits for them and
    returns {"xlsx"|"docx"|"html": path}. The workbook needs no problem summary, and neither do the HTML
    report's pages of the files: ``start("html_pages")`` forks them when ``parallel`` (``start("html")``
    then writes the rest), so a run can start them before summarizing. Every output is written even if
    another fails; the failures are raised together by ``finish`` as :class:`OutputError` (with the paths
    that were written).

    What the three share (documents in order, flags, communities: :func:`common.prepare`) is computed
    once, at the first ``start``, before any fork; the documents must not change between the starts.
    ``communities``: :func:`common.communities` of the documents and ledger rows, if the caller has them
    (they need no flags, so a run can gather them while its batch checks run)."""

    def __init__(self, out_dir: Path, documents: list[dict[str, Any]], *, batch_flags: list[dict] | None = None,
                 ledger_rows: list[dict] | None = None, parallel: bool | None = None,
                 communities: list[Community] | None = None):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.documents, self.batch_flags, self.ledger_rows = documents, batch_flags, ledger_rows
        self.communities = communities
        self.parallel = len(documents) >= PARALLEL_MIN_DOCUMENTS if parallel is None else parallel
        self.generated = datetime.now()  # the time the HTML pages show, the same in each process
        self._pending: dict[str, Callable[[], Path]] = {}

    @cached_property
    def _shared(self) -> Prepared | None:
        """``prepare`` of the documents, computed once; None if it failed (each renderer then tries on
        its own, and fails as its own output)."""
        try:
            if self.communities is None:
                return prepare(self.documents, self.batch_flags, self.ledger_rows)
            docs = ordered_documents(self.documents)
            return Prepared(docs, collect_flags(docs, self.batch_flags), self.communities)
        except Exception:  # noqa: BLE001 - reported by the renderers that need it
            return None

    def _render(self, key: str, summary: dict | None) -> Callable[[Path], Path]:
        from .docx import render_summary_docx
        from .excel import render_workbook
        from .html import render_html

        docs, flags, rows, shared = self.documents, self.batch_flags, self.ledger_rows, self._shared
        if key == "xlsx":
            return lambda p: render_workbook(docs, p, ledger_rows=rows, batch_flags=flags, prepared=shared)
        if key == "docx":
            return lambda p: render_summary_docx(docs, summary, p, batch_flags=flags, ledger_rows=rows,
                                                 prepared=shared)
        part = "pages" if key == "html_pages" else "index" if "html_pages" in self._pending else "all"
        return lambda p: render_html(docs, p, summary=summary, batch_flags=flags, ledger_rows=rows,
                                     prepared=shared, generated=self.generated, part=part)

    def start(self, key: str, *, summary: dict | None = None) -> None:
        if key == "html_pages":
            if self.parallel and hasattr(os, "fork"):
                self._pending[key] = _fork_one(self._render(key, None), self.out_dir / OUTPUT_NAMES["html"])
            return
        render, path = self._render(key, summary), self.out_dir / OUTPUT_NAMES[key]
        if self.parallel and key in FORKED_OUTPUTS:
            self._pending[key] = _fork_one(render, path)
            return
        try:
            done = _write_one(render, path)
        except Exception as exc:  # noqa: BLE001 - raised with the others by finish()
            logger.exception("写入 %s 失败", OUTPUT_NAMES[key])
            self._pending[key] = lambda exc=exc: _raise(exc)
        else:
            self._pending[key] = lambda: done

    def finish(self) -> dict[str, Path]:
        written: dict[str, Path] = {}
        failed: list[str] = []
        for key in OUTPUT_NAMES:
            # the HTML report's pages of the files are a part of it: waited for (and failed) with it
            started = key in self._pending
            parts = [self._pending.pop(k) for k in (("html_pages", key) if key == "html" else (key,))
                     if k in self._pending]
            errors = []
            for wait in parts:
                try:
                    path = wait()
                except Exception as exc:  # one broken output must not cost the others
                    errors.append(exc)
            if errors:
                if key in FORKED_OUTPUTS and self.parallel:
                    logger.error("写入 %s 失败：%s", OUTPUT_NAMES[key], errors[0])
                failed.append(f"{OUTPUT_NAMES[key]}：{errors[0]}")
            elif started:
                written[key] = path
        if failed:
            raise OutputError("以下结果文件未能写入：" + "；".join(failed), written)
        return written


def _raise(exc: BaseException) -> Path:
    raise exc


def write_outputs(out_dir: Path, documents: list[dict[str, Any]], *, summary: dict | None = None,
                  batch_flags: list[dict] | None = None, ledger_rows: list[dict] | None = None,
                  parallel: bool | None = None) -> dict[str, Path]:
    """Write 核查结果.xlsx, 问题汇总报告.docx and 报告.html into ``out_dir``; return {"xlsx"|"docx"|"html": path}.

    Every renderer runs even if another fails; failures are raised together afterwards as
    :class:`OutputError` (with the paths that were written). ``parallel`` (default: from
    PARALLEL_MIN_DOCUMENTS documents on) writes the workbook and the HTML report in forked processes
    meanwhile (see :class:`OutputWriter`).
    """
    writer = OutputWriter(out_dir, documents, batch_flags=batch_flags, ledger_rows=ledger_rows, parallel=parallel)
    writer.start("html_pages")
    for key in sorted(OUTPUT_NAMES, key=lambda k: k not in FORKED_OUTPUTS):  # the forked ones first
        writer.start(key, summary=summary)
    return writer.finish()
