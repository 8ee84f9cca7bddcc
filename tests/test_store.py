"""The SQLite store: round trips, skipping unchanged files, and a run killed with SIGKILL half-way that
resumes without redoing or losing finished files and ends with the same outputs as an uninterrupted run.

The runner loop is simulated in a subprocess (for each file: reuse it if ``is_done``, else "analyze" it
and save it), so the kill lands on a real process holding a real SQLite connection.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import pytest

from analyzer import __version__
from analyzer.store import Store, content_hash

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

from test_render import error_document, formula_document  # noqa: E402


def _doc(n: int, *, facts: int = 3, problems: int = 1, text_len: int = 400) -> dict:
    text = "".join(f"第{n}号小区共{100 + i}户。" for i in range(text_len // 12)) + "\n存在问题：屋面渗漏。"
    facts_list = []
    for i in range(facts):
        s = text.index(f"{100 + i}户")
        facts_list.append({"type": "households", "value": 100 + i, "unit": "户", "raw": f"{100 + i}户",
                           "approx": None, "role": None, "status": None, "subject": f"小区{n}", "scope": None,
                           "page": 1, "start": s, "end": s + len(f"{100 + i}户")})
    ps = text.index("屋面渗漏")
    return {
        "file": f"报告{n:03d}.txt", "sha256": f"{n + 0xabc000:064x}", "status": "ok", "error": None, "format": "txt",
        "pages": None, "encoding": "utf-8", "ocr_pages": [],
        "reports": [{"index": 1, "title": f"第{n}号报告", "date": "2023-02", "text": text, "truncated": False,
                     "sections": [{"heading": "存在问题", "kind": "problems", "level": 1, "start": ps - 5,
                                   "end": len(text)}],
                     "facts": facts_list, "placeholders": [{"raw": "X户", "page": 1, "start": 0, "end": 2}],
                     "problems": [{"text": "屋面渗漏", "categories": ["building", "quality"], "score": 0.9,
                                   "phase": "pre_condition", "page": 1, "start": ps, "end": ps + 4}][:problems]}],
        "flags": [{"kind": "breakdown_sum", "severity": "warning", "field": "households", "message": f"测试{n}",
                   "evidence": [{"file": f"报告{n:03d}.txt", "report": 1, "raw": "100户", "page": 1,
                                 "start": 0, "end": 4}], "ledger_row": None}],
    }


@pytest.fixture
def docs() -> list[dict]:
    return [_doc(n) for n in range(6)] + [error_document(), formula_document()]


def test_document_round_trip_is_exact(tmp_path, docs):
    store = Store(tmp_path / "a.db")
    run = store.begin_run({"inputs": ["x"]})
    for d in docs:
        store.save_document(run, d)
    for d in docs:
        back = store.is_done(d["sha256"], __version__)
        assert back == d
        assert json.dumps(back, ensure_ascii=False) == json.dumps(d, ensure_ascii=False)  # key order too
    assert store.documents(run) == sorted(docs, key=lambda d: d["file"])
    assert store.is_done(docs[0]["sha256"], "9.9.9") is None
    assert store.is_done("f" * 64, __version__) is None


def test_tables_hold_the_content_for_sql(tmp_path, docs):
    store = Store(tmp_path / "a.db")
    run = store.begin_run({})
    for d in docs:
        store.save_document(run, d)
    c = store.conn
    n_facts = sum(len(r["facts"]) for d in docs for r in d["reports"])
    assert c.execute("SELECT COUNT(*) FROM facts").fetchone()[0] == n_facts
    assert c.execute("SELECT COUNT(*) FROM v_facts WHERE file = '报告001.txt'").fetchone()[0] == 3
    assert c.execute("SELECT value_num FROM facts WHERE raw = '101户' LIMIT 1").fetchone()[0] == 101
    assert c.execute("SELECT COUNT(*) FROM problem_categories WHERE category = 'building'").fetchone()[0] == 6
    assert c.execute("SELECT COUNT(*) FROM flags").fetchone()[0] == sum(len(d["flags"]) for d in docs)
    assert c.execute("SELECT COUNT(*) FROM documents WHERE status = 'error'").fetchone()[0] == 1
    assert c.execute("SELECT file FROM v_flags WHERE message = '测试2'").fetchone()[0] == "报告002.txt"
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_batch_flags_ledger_rows_and_run_summary(tmp_path):
    store = Store(tmp_path / "a.db")
    run = store.begin_run({"inputs": ["报告/"], "ledger": "台账.xlsx"})
    rows = [{"row": 8, "name": "建设路小区", "kind": "detail", "parent": 7, "fields": {"households": 2350},
             "raw": {"households": "2350"}}]
    flags = [{"kind": "cross_doc_conflict", "severity": "warning", "field": "households", "message": "说法不一",
              "evidence": [{"file": "a.pdf", "report": 1, "raw": "2350户", "page": 2, "start": 1, "end": 6}],
              "ledger_row": {"row": 8, "name": "建设路小区"}}]
    store.save_ledger_rows(run, rows)
    store.save_batch_flags(run, flags)
    store.save_batch_flags(run, flags)  # saving again replaces, never duplicates
    store.finish_run(run, {"files": 0, "ok": 0})
    assert store.ledger_rows(run) == rows and store.batch_flags(run) == flags
    info = store.runs()[-1]
    assert info["finished"] and info["summary"] == {"files": 0, "ok": 0} and info["meta"]["ledger"] == "台账.xlsx"
    assert store.last_run() == run


def test_second_run_over_the_same_inputs_skips_everything(tmp_path, docs):
    store = Store(tmp_path / "a.db")

    def runner(inputs: list[dict]) -> tuple[int, list[int]]:
        run = store.begin_run({})
        analyzed = []
        for i, d in enumerate(inputs):
            cached = store.is_done(d["sha256"], __version__)
            if cached is None:
                analyzed.append(i)
                cached = d
            store.save_document(run, cached)
        store.finish_run(run, {})
        return run, analyzed

    first, analyzed = runner(docs)
    assert analyzed == list(range(len(docs)))
    second, analyzed = runner(docs)
    assert analyzed == []
    assert store.documents(second) == store.documents(first)
    assert store.document_count(second) == (len(docs), len(docs))
    assert store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == len(docs)
    changed = [dict(d) for d in docs]
    changed[0] = _doc(100)  # a changed file: new hash
    third, analyzed = runner(changed)
    assert analyzed == [0]


def test_timeouts_are_retried_on_the_next_run(tmp_path):
    store = Store(tmp_path / "a.db")
    run = store.begin_run({})
    timeout = error_document("慢.pdf") | {"sha256": "2" * 64, "error": {"kind": "timeout", "message": "超时"}}
    store.save_document(run, timeout)
    store.save_document(run, error_document())
    assert store.is_done("2" * 64, __version__) is None
    assert store.is_done("0" * 64, __version__)["status"] == "error"


def test_same_content_under_a_new_name_is_found_by_hash(tmp_path):
    store = Store(tmp_path / "a.db")
    run = store.begin_run({})
    d = _doc(1)
    store.save_document(run, d)
    cached = store.is_done(d["sha256"], __version__)
    cached["file"] = "改名后.txt"  # the runner names it after the current file
    store.save_document(store.begin_run({}), cached)
    assert store.find_document("改名后.txt")["file"] == "改名后.txt"
    assert store.find_document(d["sha256"])["sha256"] == d["sha256"]


# ---------------------------------------------------------------------------
# kill -9 half-way, then resume
# ---------------------------------------------------------------------------

RUNNER = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, {root!r})
    from analyzer import __version__
    from analyzer.store import Store

    db, inputs, stall_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    docs = json.load(open(inputs, encoding="utf-8"))
    store = Store(db)
    original = Store._insert_report

    def slow_insert(c, doc_id, report):
        # Announce, then stall inside the open transaction of file `stall_at`: the kill lands mid-write.
        if stall_at >= 0 and report.report[1] == docs[stall_at]["reports"][0]["title"]:  # ReportRows: idx, title …
            print("INSIDE", flush=True)
            time.sleep(60)
        original(c, doc_id, report)

    Store._insert_report = staticmethod(slow_insert)
    run = store.begin_run({{"inputs": [inputs]}})
    for d in docs:
        cached = store.is_done(d["sha256"], __version__)
        if cached is None:
            time.sleep(0.01)  # "analyze" the file
            print("ANALYZED", d["file"], flush=True)
            cached = d
        store.save_document(run, cached)
        print("SAVED", d["file"], flush=True)
    store.finish_run(run, {{"files": len(docs)}})
    print("DONE", run, flush=True)
""")


def _runner_script(tmp_path: Path) -> Path:
    path = tmp_path / "runner.py"
    path.write_text(RUNNER.format(root=str(ROOT)), encoding="utf-8")
    return path


def _run_to_end(script: Path, db: Path, inputs: Path) -> tuple[int, list[str]]:
    out = subprocess.run([sys.executable, str(script), str(db), str(inputs), "-1"], capture_output=True, text=True,
                         timeout=120, check=True).stdout.splitlines()
    run_id = int(next(line for line in out if line.startswith("DONE")).split()[1])
    return run_id, [line.split(" ", 1)[1] for line in out if line.startswith("ANALYZED")]


def test_run_killed_mid_write_resumes_without_redoing_or_losing_files(tmp_path):
    docs = [_doc(n, facts=20, text_len=3000) for n in range(12)]
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    script = _runner_script(tmp_path)
    db = tmp_path / "killed.db"
    stall_at = 7

    proc = subprocess.Popen([sys.executable, str(script), str(db), str(inputs), str(stall_at)],
                            stdout=subprocess.PIPE, text=True)
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line.strip())
        if line.startswith("INSIDE"):
            break
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of file 7's transaction
    proc.wait(10)
    proc.stdout.close()
    assert "INSIDE" in lines, lines
    saved_before = [line.split(" ", 1)[1] for line in lines if line.startswith("SAVED")]
    assert saved_before == [d["file"] for d in docs[:stall_at]]

    # The database is intact and holds exactly the finished files: nothing half-written.
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = [r[0] for r in c.execute("SELECT file FROM documents ORDER BY file")]
        assert stored == saved_before
        assert c.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == stall_at
        assert c.execute("SELECT COUNT(*) FROM runs WHERE finished IS NULL").fetchone()[0] == 1

    resumed, analyzed = _run_to_end(script, db, inputs)
    assert analyzed == [d["file"] for d in docs[stall_at:]], "finished files are not redone"

    clean_db = tmp_path / "clean.db"
    clean, analyzed_clean = _run_to_end(script, clean_db, inputs)
    assert analyzed_clean == [d["file"] for d in docs]

    with Store(db) as a, Store(clean_db) as b:
        got, want = a.documents(resumed), b.documents(clean)
    assert got == want == sorted(docs, key=lambda d: d["file"])
    assert [content_hash(d) for d in got] == [content_hash(d) for d in want]
    _assert_same_outputs(got, want, tmp_path)


@pytest.mark.parametrize("delay", [0.15, 0.3, 0.6])
def test_run_killed_at_any_moment_keeps_only_complete_documents(tmp_path, delay):
    docs = [_doc(n, facts=40, text_len=6000) for n in range(60)]
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    script = _runner_script(tmp_path)
    db = tmp_path / "killed.db"
    proc = subprocess.Popen([sys.executable, str(script), str(db), str(inputs), "-1"], stdout=subprocess.DEVNULL)
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    by_sha = {d["sha256"]: d for d in docs}
    if db.exists():
        with Store(db) as store:
            assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            shas = [r[0] for r in store.conn.execute("SELECT sha256 FROM documents")]
            for sha in shas:  # whatever was stored is complete
                assert store.is_done(sha, __version__) == by_sha[sha]
    else:
        shas = []
    resumed, analyzed = _run_to_end(script, db, inputs)
    assert len(analyzed) == len(docs) - len(shas)
    with Store(db) as store:
        assert store.documents(resumed) == sorted(docs, key=lambda d: d["file"])


def _assert_same_outputs(got: list[dict], want: list[dict], tmp_path: Path) -> None:
    import openpyxl

    from analyzer.render.docx import build_summary
    from analyzer.render.excel import render_workbook
    from analyzer.render.html import build_html

    when = datetime(2024, 1, 1, 9, 0)
    assert build_html(got, generated=when) == build_html(want, generated=when)
    wa = openpyxl.load_workbook(render_workbook(got, tmp_path / "got.xlsx"))
    wb = openpyxl.load_workbook(render_workbook(want, tmp_path / "want.xlsx"))
    for sa, sb in zip(wa, wb):
        assert list(sa.values) == list(sb.values), sa.title
    da, db_ = build_summary(got, today=when.date()), build_summary(want, today=when.date())
    assert [p.text for p in da.paragraphs] == [p.text for p in db_.paragraphs]


def test_a_store_opened_twice_migrates_once(tmp_path):
    a = Store(tmp_path / "a.db")
    b = Store(tmp_path / "a.db")
    assert a.schema_version == b.schema_version == 1
    run = a.begin_run({})
    b.save_document(run, _doc(1))
    assert a.is_done(_doc(1)["sha256"], __version__) == _doc(1)
