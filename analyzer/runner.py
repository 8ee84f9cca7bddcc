"""The batch runner: many files, worker processes, a hard time limit per file, nothing lost.

Each worker process analyzes one file at a time and sends the result back. A file that takes
longer than ``timeout`` seconds gets its worker killed and replaced, and is recorded as a
``timeout`` error; a worker that dies (a crash in a native library, the memory limit) is
recorded the same way. Every input ends as exactly one ``documents/<name>.json``.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from . import __version__
from .checks import check_batch
from .pipeline import REPORT_STAGES, analyze_file, prepare, sha256_of
from .readers import SUPPORTED_SUFFIXES
from .store import DocumentRows, Store, document_rows
from .types import Block, Document, ErrorInfo, FileResult

logger = logging.getLogger(__name__)

# Suffixes picked up when walking a folder: what we read, plus report formats we can name in an
# error record (legacy Word/WPS) so that the user sees them rather than have them silently skipped.
WALK_SUFFIXES = tuple(sorted(set(SUPPORTED_SUFFIXES) | {".doc", ".wps"}))
DEFAULT_TIMEOUT = 300.0
DEFAULT_MEMORY_MB = 6144

Progress = Callable[["RunSummary", str], None]


@dataclass(slots=True)
class RunSummary:
    out_dir: str
    inputs: list[str]
    ledger: str | None
    jobs: int
    total: int = 0
    ok: int = 0
    failed: int = 0
    reports: int = 0
    flags: int = 0
    skipped: int = 0
    ledger_error: str | None = None
    output_error: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    started: str = ""
    finished: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    worker_peak_mb: float = 0.0  # the largest peak resident memory of an analysis worker
    analysis_seconds: float = 0.0  # until the last file was analysed (the rest: batch checks, outputs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "analyzer_version": __version__, "started": self.started, "finished": self.finished,
            "seconds": round(self.seconds, 3), "inputs": self.inputs, "ledger": self.ledger,
            "ledger_error": self.ledger_error,
            "jobs": self.jobs, "files": self.total, "ok": self.ok, "failed": self.failed, "skipped": self.skipped,
            "outputs": self.outputs, "output_error": self.output_error,
            "reports": self.reports, "flags": self.flags, "errors": self.errors, "documents": self.documents,
            "worker_peak_mb": round(self.worker_peak_mb, 1), "analysis_seconds": round(self.analysis_seconds, 3),
        }


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


def collect_inputs(paths: Iterable[str | Path], exclude: Iterable[str | Path] = ()) -> list[Path]:
    """Files named on the command line, and report files found under named folders, sorted."""
    skip = {Path(p).resolve() for p in exclude}
    seen: dict[Path, Path] = {}
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in WALK_SUFFIXES
                           and not f.name.startswith((".", "~$")))
        else:
            found = [p]  # a named file is always processed, even if we cannot read it
        for f in found:
            key = f.resolve()
            if key not in skip and key not in seen:
                seen[key] = f
    return list(seen.values())


def output_names(files: list[Path]) -> list[str]:
    """``<file name>.json`` for each input; a repeated name gets ``~2``, ``~3`` before ``.json``."""
    used: dict[str, int] = {}
    names = []
    for f in files:
        base = f.name
        n = used.get(base.lower(), 0) + 1
        used[base.lower()] = n
        names.append(f"{base}.json" if n == 1 else f"{base}~{n}.json")
    return names


# ---------------------------------------------------------------------------
# Workers
# ---------------------------------------------------------------------------


def _limit_memory(memory_mb: int | None) -> None:
    if not memory_mb:
        return
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # not on this platform: run without the limit
        pass


def _peak_kb() -> int:
    """This process's peak resident memory in KB (0 where the platform does not say)."""
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KB on Linux
    except (ImportError, OSError, ValueError):
        return 0


@dataclass(slots=True)
class _Done:
    """A file's result as the main process records it: the JSON to write, the store's rows, and what the
    run summary counts. A worker builds it, so the serialising is spread over the workers and the main
    process, which records every result, only writes the file and runs the INSERTs."""

    text: str  # documents/<name>.json
    rows: DocumentRows
    status: str
    reports: int
    error: dict[str, Any] | None
    peak_kb: int = 0  # the worker's peak resident memory so far

    @classmethod
    def of(cls, data: dict[str, Any], peak_kb: int = 0) -> "_Done":
        return cls(_json_text(data), document_rows(data), data["status"], len(data.get("reports") or []),
                   data.get("error"), peak_kb)

    def data(self) -> dict[str, Any]:
        return json.loads(self.text)


# A short report that goes through every stage once: a new worker loads the segmenter's dictionary, the
# classifier and its compiled patterns (about a second) while the main process is still hashing the inputs.
_WARM_UP = ("关于2023年某区老旧小区改造工作的情况汇报", "一、工作进展",
            "全年改造老旧小区12个，涉及居民1,200户，建筑面积10.5万平方米，完成投资3,600万元。",
            "二、存在的问题", "部分小区居民意见不统一，加装电梯推进缓慢。")


def _warm_up() -> None:
    try:
        document = Document("warm-up.txt", "txt", [Block(text, index=i) for i, text in enumerate(_WARM_UP)])
        doc_text, reports = prepare(document)
        for report in reports:
            for stage in REPORT_STAGES:
                stage(report, doc_text)
    except Exception:  # noqa: BLE001 - only a head start: the first file loads whatever is missing
        logger.debug("worker warm-up failed", exc_info=True)


def _worker(conn: Connection, memory_mb: int | None, timeout: float) -> None:
    _limit_memory(memory_mb)
    _warm_up()
    from . import readers

    # OCR stops in time to leave the file a result before the runner's hard limit
    readers.OCR_TIME_BUDGET = min(readers.OCR_TIME_BUDGET, max(10.0, 0.8 * timeout))
    conn.send(_READY)
    while True:
        try:
            path = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if path is None:
            return
        conn.send(_Done.of(analyze_file(path).to_dict(), _peak_kb()))


# What a worker sends once it has warmed up: a file's time limit counts from then, so that a busy machine's
# slow start (loading the segmenter's dictionary can take seconds) is not charged to the first file.
_READY = "ready"
# How much longer than the time limit a file may take when its worker has not warmed up yet.
WARM_UP_ALLOWANCE = 60.0
# Files a worker holds: the one it works on and the next, so that it never waits for this process.
FILES_AHEAD = 2


class _Slot:
    """One worker process and the files given to it (see FILES_AHEAD)."""

    def __init__(self, ctx, memory_mb: int | None, timeout: float):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, memory_mb, timeout), daemon=True)
        self.process.start()
        child.close()
        # the files given, in order: the first is being worked on (since ``started``), the next waits in
        # the pipe so the worker goes on at once, without waiting for this process to send it one
        self.tasks: deque[tuple[int, Path]] = deque()
        self.started = 0.0
        self.used = False  # given a file at least once (else it is only warming up: killed, not waited for)
        self.ready = False  # warmed up: its file's time counts from ``started``

    def give(self, index: int, path: Path) -> None:
        if not self.tasks:
            self.started = time.monotonic()
        self.tasks.append((index, path))
        self.used = True
        self.conn.send(str(path))

    def overdue(self, now: float, timeout: float) -> bool:
        return now - self.started > (timeout if self.ready else timeout + WARM_UP_ALLOWANCE)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()


def _size_of(task: tuple[int, Path]) -> int:
    try:
        return task[1].stat().st_size
    except OSError:
        return 0


def _error_result(path: Path, kind: str, message: str) -> dict[str, Any]:
    return FileResult(file=path.name, sha256=sha256_of(path), status="error",
                      error=ErrorInfo(kind, message)).to_dict()


_COPIES_NOTE = "以下文件与本文件内容完全相同"  # opens the warning naming a file's identical copies


def _as_copy(data: dict[str, Any], original: str, name: str) -> dict[str, Any]:
    """The result of file ``original`` given to ``name``, a file with the same content: its flags
    name ``name`` in their evidence and messages, and a warning says whose result it is."""
    copy = json.loads(json.dumps(data, ensure_ascii=False))
    copy["file"] = name
    copy["warnings"] = [w for w in copy.get("warnings") or [] if not w.startswith(_COPIES_NOTE)]
    copy["warnings"].append(f"本文件与 {original} 内容完全相同，结果沿用对该文件的分析（可能是重复报送）。")
    for f in copy.get("flags") or []:
        f["message"] = f.get("message", "").replace(f"《{original}》", f"《{name}》")
        for e in f.get("evidence") or []:
            if e.get("file") == original:
                e["file"] = name
    return copy


def _json_text(data: dict[str, Any], *, pretty: bool = False) -> str:
    """Per-file documents and flags.json are written compact: the json module's C encoder only runs
    without ``indent`` (6x faster on a 150 KB document)."""
    return json.dumps(data, ensure_ascii=False, indent=1) if pretty else \
        json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _write_json(path: Path, data: dict[str, Any] | str, *, pretty: bool = False) -> None:
    """Write ``data`` (or JSON text already made) atomically."""
    tmp = path.with_name(path.name + ".tmp")
    text = data if isinstance(data, str) else _json_text(data, pretty=pretty)
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _read_ledger(summary: RunSummary) -> Any:
    """The run's ledger, or None (none given, or unreadable: ``summary.ledger_error`` says why)."""
    if not summary.ledger:
        return None
    from .ledger import LedgerFormatError, read_ledger

    try:
        return read_ledger(summary.ledger)
    except LedgerFormatError as exc:
        summary.ledger_error = exc.message
        return None


def _batch_flags(docs: list[dict[str, Any]], ledger: Any, ledger_name: str | None
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Checks that need the whole batch: the same community in two files, and the ledger. Returns the
    flags that name documents and the flags about the ledger alone."""
    flags = check_batch(docs)
    ledger_only: list[dict[str, Any]] = []
    if ledger is not None:
        from .ledger_checks import ledger_flags

        for f in ledger_flags(docs, ledger):
            (flags if any(e["file"] != ledger_name for e in f["evidence"]) else ledger_only).append(f)
    return flags, ledger_only


def _add_batch_flags(docs: list[dict[str, Any]], flags: list[dict[str, Any]]) -> dict[int, int]:
    """Add each batch flag to every document it names (``_write_batch_flags`` writes them out);
    return the positions of the documents that got flags, with how many each got."""
    by_file: dict[str, list[dict[str, Any]]] = {}
    for f in flags:
        for name in {e["file"] for e in f["evidence"]}:
            by_file.setdefault(name, []).append(f)
    changed = {}
    for i, doc in enumerate(docs):
        extra = by_file.get(doc["file"])
        if extra:
            doc["flags"].extend(extra)
            changed[i] = len(extra)
    return changed


_T = TypeVar("_T")


def _in_child(func: Callable[[], _T], fork: bool) -> Callable[[], _T]:
    """Start ``func()`` in a forked child process and return a function that waits for its result. With
    ``fork`` false (or no fork here) it runs at once, in this process. A child that fails or dies has it
    done again here, so the result (or the error) is the same either way."""
    if not fork or not hasattr(os, "fork"):
        result = func()
        return lambda: result
    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            send.send(func())
        except BaseException:  # noqa: BLE001 - the parent does it again and gets the error itself
            pass

    process = ctx.Process(target=child, daemon=True)
    process.start()
    send.close()

    def wait() -> _T:
        try:
            return receive.recv()
        except (EOFError, OSError):
            return func()
        finally:
            receive.close()
            process.join()

    return wait


def _communities(docs: list[dict[str, Any]], rows: list[dict[str, Any]] | None) -> list[Any] | None:
    """The communities the outputs compare (see ``OutputWriter``); None if that failed, for each output
    to fail on its own."""
    from .render.common import communities

    try:
        return communities(docs, rows)
    except Exception:  # noqa: BLE001 - reported by the outputs that need them
        logger.debug("gathering the communities failed", exc_info=True)
        return None


def _with_added_flags(path: Path, doc: dict[str, Any], added: int, encoded: dict[int, str]) -> dict[str, Any] | str:
    """The JSON of ``doc`` from its file, written (``_json_text``) before its last ``added`` flags were
    added: the flags close the document, so only the new ones are encoded and put before the end
    (``encoded``: a flag's JSON by its id, for a flag added to many documents). The document itself (to
    encode whole) if the file does not end as expected."""
    before = len(doc["flags"]) - added
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return doc
    if list(doc)[-1] != "flags" or not text.endswith("[]}" if before == 0 else "}]}"):
        return doc
    parts = []
    for f in doc["flags"][before:]:
        part = encoded.get(id(f))
        if part is None:
            part = encoded[id(f)] = _json_text(f)
        parts.append(part)
    return f"{text[:-2]}{',' if before else ''}{','.join(parts)}]}}"


def _write_batch_flags(docs: list[dict[str, Any]], changed: dict[int, int], ledger_only: list[dict[str, Any]],
                       summary: RunSummary, out: Path) -> None:
    """Rewrite the JSON of the documents that got batch flags; write every flag once to ``flags.json``."""
    encoded: dict[int, str] = {}
    for i, added in changed.items():
        path = out / summary.documents[i]
        _write_json(path, _with_added_flags(path, docs[i], added, encoded))
    from .render.common import unique_flags

    unique = unique_flags([f for doc in docs for f in doc["flags"]] + ledger_only)
    _write_json(out / "flags.json", {"flags": unique})
    summary.flags = len(unique)


def _finish_reports(writer: Any, summary: RunSummary) -> None:
    """Wait for the files people open (a failure is recorded, not raised)."""
    from .render import OutputError

    try:
        written = writer.finish()
    except OutputError as exc:
        written = exc.written
        summary.output_error = exc.message
    summary.outputs = {k: str(p) for k, p in written.items()}


# ---------------------------------------------------------------------------
# Batch
# ---------------------------------------------------------------------------


def analyze_batch(paths: Iterable[str | Path], out_dir: str | Path, *, ledger: str | Path | None = None,
                  jobs: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                  memory_mb: int | None = DEFAULT_MEMORY_MB, progress: Progress | None = None,
                  db: str | Path | None = None, force: bool = False, outputs: bool = True) -> RunSummary:
    """Analyze every file under ``paths`` and write ``out_dir/documents/*.json``, ``flags.json``,
    ``run.json`` and (``outputs``) the workbook, Word summary and HTML report.

    Every finished file is recorded at once in the SQLite store ``db`` (default
    ``out_dir/analyzer.db``); a later run skips files whose content and analyzer version are
    unchanged (``force`` redoes them), so a run that was killed half-way picks up where it stopped.

    Example:
        >>> summary = analyze_batch(["corpora/samples"], "outputs/demo", jobs=2)  # doctest: +SKIP
        >>> summary.ok, summary.failed                                             # doctest: +SKIP
        (16, 0)
    """
    paths = list(paths)
    out = Path(out_dir)
    docs_dir = out / "documents"
    docs_dir.mkdir(parents=True, exist_ok=True)
    files = collect_inputs(paths, exclude=[ledger] if ledger else [])
    names = output_names(files)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(files) or 1))
    summary = RunSummary(out_dir=str(out), inputs=[str(p) for p in paths],
                         ledger=str(ledger) if ledger else None, jobs=jobs, total=len(files),
                         started=datetime.now().isoformat(timespec="seconds"))
    clock = time.monotonic()
    store = Store(db or out / "analyzer.db")
    run_id = store.begin_run({"inputs": summary.inputs, "ledger": summary.ledger, "jobs": jobs,
                              "analyzer_version": __version__})

    recorded: dict[str, dict[str, Any]] = {}  # documents/<name>.json -> its content

    def record(index: int, done: _Done | dict[str, Any] | tuple[int, dict[str, Any]], *, reused: bool = False) -> None:
        if isinstance(done, tuple):  # (id, dict) of a stored result, under the name it was stored with: linked as is
            doc_id, data = done
            _write_json(docs_dir / names[index], _json_text(data))
            store.link(run_id, doc_id)
            count(index, data, data["status"], len(data.get("reports") or []), data.get("error"))
            return
        if isinstance(done, dict) or done.rows.document[1] != files[index].name:
            data = done if isinstance(done, dict) else done.data()
            data["file"] = files[index].name
            done = _Done.of(data)
        _write_json(docs_dir / names[index], done.text)
        store.save_rows(run_id, done.rows, reused=reused)  # before any batch flag is added to it
        # what the batch checks and the outputs read: the file just written, parsed now (with one job
        # this process has a core of its own meanwhile)
        count(index, json.loads(done.text), done.status, done.reports, done.error)

    def count(index: int, data: dict[str, Any], status: str, reports: int, error: dict[str, Any] | None) -> None:
        """Add a written document (``data``, as the batch checks and outputs read it) to the summary."""
        summary.documents.append(f"documents/{names[index]}")
        recorded[summary.documents[-1]] = data
        if status == "ok":
            summary.ok += 1
            summary.reports += reports
        else:
            summary.failed += 1
            summary.errors.append({"file": str(files[index]), **(error or {})})
        if progress:
            progress(summary, files[index].name)

    def record_with_copies(index: int, done: _Done | dict[str, Any]) -> None:
        """Record a worker's result, and the same result for every file with identical content."""
        same = copies.pop(index, [])
        if not same:
            record(index, done)
            return
        data = done if isinstance(done, dict) else done.data()
        data.setdefault("warnings", []).append(
            f"{_COPIES_NOTE}（重复报送），只分析了一次：{'、'.join(files[j].name for j in same)}。")
        record(index, data)
        for j in same:
            record(j, _as_copy(data, files[index].name, files[j].name))

    ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
    # started first: they warm up while this process hashes the inputs and reads the ledger (stopped at
    # once if all are stored)
    slots = [_Slot(ctx, memory_mb, timeout) for _ in range(jobs)] if files else []
    try:
        ledger_obj = _read_ledger(summary)
        ledger_name = Path(summary.ledger).name if summary.ledger else None
        queue = []
        first_of: dict[str, int] = {}  # content hash -> the file of the batch analysed for it
        copies: dict[int, list[int]] = {}  # that file -> later files with the same content
        for index, path in enumerate(files):
            digest = sha256_of(path)
            found = None if force else store.stored(digest, __version__)
            if found is not None:
                summary.skipped += 1
                cached = found[1]
                if cached.get("file") not in (None, path.name):  # stored under another name (a copy, a rename)
                    record(index, _as_copy(cached, cached["file"], path.name), reused=True)
                else:
                    record(index, found, reused=True)
            elif digest in first_of:
                copies.setdefault(first_of[digest], []).append(index)
            else:
                first_of[digest] = index
                queue.append((index, path))
        if jobs > 1:
            # the largest files first, so that no worker is left with a long file when the others are done
            queue.sort(key=_size_of, reverse=True)
        queue.reverse()
        for _ in range(FILES_AHEAD):
            for slot in slots:
                if queue:
                    slot.give(*queue.pop())
        while any(s.tasks for s in slots):
            busy = [s for s in slots if s.tasks]
            ready = wait([s.conn for s in busy], timeout=0.5)
            now = time.monotonic()
            for i, slot in enumerate(slots):
                if not slot.tasks:
                    continue
                index, path = slot.tasks[0]
                replace = False
                if slot.conn in ready:
                    try:
                        data = slot.conn.recv()
                    except (EOFError, OSError):
                        data = _error_result(
                            path, "unreadable", "处理该文件的进程意外退出（可能是文件损坏或内存不足），已跳过该文件。")
                        replace = True
                    else:
                        if isinstance(data, str):  # _READY: the worker starts on its file now
                            slot.ready, slot.started = True, now
                            continue
                        summary.worker_peak_mb = max(summary.worker_peak_mb, data.peak_kb / 1024)
                elif slot.overdue(now, timeout):
                    data = _error_result(
                        path, "timeout", f"处理时间超过 {timeout:g} 秒的上限，已中止。文件可能过大或结构异常。")
                    replace = True
                else:
                    continue
                slot.tasks.popleft()
                slot.started = now  # the worker's next file, if it has one, starts now
                if replace:
                    queue.extend(reversed(slot.tasks))  # given but not begun: they go to the new worker first
                    slot.kill()
                    slot = slots[i] = _Slot(ctx, memory_mb, timeout)
                while queue and len(slot.tasks) < FILES_AHEAD:  # before recording: the worker keeps going
                    slot.give(*queue.pop())
                record_with_copies(index, data)
    finally:
        for slot in slots:
            slot.stop() if slot.used else slot.kill()

    summary.analysis_seconds = time.monotonic() - clock
    summary.documents.sort()
    docs = [recorded.pop(name) for name in summary.documents]
    # With two jobs or more, the problem summary and the batch checks are made in processes of their
    # own while this one gathers the communities for the outputs; the processes of the workbook and of
    # the HTML report's pages of the files start once the flags are in, that of the report's own page
    # once the summary is. With --jobs 1 they are made one after the other, and so are the outputs: one
    # job means one process busy.
    from .render import PARALLEL_MIN_DOCUMENTS, OutputWriter, ledger_rows_from
    from .summary import summarize

    parallel = summary.jobs > 1 and len(docs) >= PARALLEL_MIN_DOCUMENTS
    summarized = _in_child(lambda: summarize(docs), parallel)
    checked = _in_child(lambda: _batch_flags(docs, ledger_obj, ledger_name), parallel)
    rows = ledger_rows_from(ledger_obj) if ledger_obj is not None else None
    items = _communities(docs, rows) if outputs else None
    batch_flags, ledger_only = checked()
    changed = _add_batch_flags(docs, batch_flags)
    writer = None
    if outputs:
        writer = OutputWriter(out, docs, batch_flags=batch_flags + ledger_only, ledger_rows=rows,
                              parallel=parallel, communities=items)
        writer.start("xlsx")
        writer.start("html_pages")
    problem_summary = summarized()
    if writer is not None:  # the HTML report's process (the longest) starts before the flags are written
        writer.start("html", summary=problem_summary)
    _write_batch_flags(docs, changed, ledger_only, summary, out)
    store.save_batch_flags(run_id, batch_flags + ledger_only)
    if rows is not None:
        store.save_ledger_rows(run_id, rows)
    _write_json(out / "summary.json", problem_summary, pretty=True)
    if writer is not None:
        writer.start("docx", summary=problem_summary)
        _finish_reports(writer, summary)
    summary.seconds = time.monotonic() - clock
    summary.finished = datetime.now().isoformat(timespec="seconds")
    _write_json(out / "run.json", summary.to_dict(), pretty=True)
    store.finish_run(run_id, summary.to_dict())
    store.close()
    return summary
