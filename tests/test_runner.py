"""The batch runner: every input ends as one JSON record, bad files never stop the batch."""

import json
import os
import time

import pytest

from analyzer import runner
from analyzer.contract import validate_document
from analyzer.pipeline import analyze_file as real_analyze_file

REPORT = "关于2022年老旧小区改造工作的情况汇报\n一、基本情况\n全区改造小区12个，涉及居民2350户。\n二、存在问题\n资金不足。\nXX区住建局\n2023年3月15日\n"


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def _misbehaving(path):
    """Stand-in for analyze_file in the workers: hangs or dies on some files."""
    name = os.path.basename(str(path))
    if "hang" in name:
        time.sleep(60)
    if "crash" in name:
        os._exit(3)
    return real_analyze_file(path)


def test_batch_writes_one_valid_json_per_file(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    _write(src / "a.txt", REPORT)
    _write(src / "sub" / "a.txt", REPORT, "gbk")  # same name in another folder
    _write(src / "空文件.txt", "")
    (src / "notes.md").write_text("ignored when walking a folder")
    (src / "旧版.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    out = tmp_path / "out"
    summary = runner.analyze_batch([src], out, jobs=2)
    assert summary.total == 4 and summary.ok == 2 and summary.failed == 2
    docs = sorted(p.name for p in (out / "documents").iterdir())
    assert docs == ["a.txt.json", "a.txt~2.json", "旧版.doc.json", "空文件.txt.json"]
    for p in (out / "documents").iterdir():
        data = json.loads(p.read_text(encoding="utf-8"))
        validate_document(data)
    ok = json.loads((out / "documents" / "a.txt.json").read_text(encoding="utf-8"))
    assert ok["status"] == "ok" and ok["reports"][0]["date"] == "2023-03-15"
    assert ok["reports"][0]["title"] == "关于2022年老旧小区改造工作的情况汇报"
    empty = json.loads((out / "documents" / "空文件.txt.json").read_text(encoding="utf-8"))
    assert empty["status"] == "error" and empty["error"]["kind"] == "empty"
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["files"] == 4 and run["ok"] == 2 and run["failed"] == 2 and len(run["errors"]) == 2
    assert all(e["message"] for e in run["errors"])
    assert 20 < run["worker_peak_mb"] < 2000  # the workers' own peak memory, reported by them
    assert 0 < run["analysis_seconds"] <= run["seconds"]
    assert all("_worker_peak_kb" not in json.loads(p.read_text(encoding="utf-8")) for p in (out / "documents").iterdir())


@pytest.mark.parametrize("jobs", [1, 2])
def test_hanging_and_crashing_files_are_cut_off_and_recorded(tmp_path, monkeypatch, jobs):
    """A worker holds its next file too (FILES_AHEAD): when it hangs or dies, that file goes to the new one."""
    monkeypatch.setattr(runner, "analyze_file", _misbehaving)
    src = tmp_path / "in"
    src.mkdir()
    for i in range(4):  # different contents: identical files would be analysed only once
        _write(src / f"ok{i}.txt", REPORT + f"附件{i}\n")
    _write(src / "hang.txt", REPORT + "附件5\n")
    _write(src / "crash.txt", REPORT + "附件6\n")
    started = time.monotonic()
    summary = runner.analyze_batch([src], tmp_path / "out", jobs=jobs, timeout=2)
    assert time.monotonic() - started < 30
    assert summary.ok == 4 and summary.failed == 2
    kinds = {os.path.basename(e["file"]): e["kind"] for e in summary.errors}
    assert kinds == {"hang.txt": "timeout", "crash.txt": "unreadable"}
    for name in ("hang.txt", "crash.txt"):
        data = json.loads((tmp_path / "out" / "documents" / f"{name}.json").read_text(encoding="utf-8"))
        validate_document(data)
        assert data["status"] == "error" and "秒" in data["error"]["message"] or "进程" in data["error"]["message"]


def test_ledger_file_is_not_taken_for_a_report(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _write(src / "r.txt", REPORT)
    ledger = _write(src / "台账.txt", "小区名称,户数\n金亭花苑,2350\n")
    summary = runner.analyze_batch([src], tmp_path / "out", ledger=ledger, jobs=1)
    assert summary.total == 1 and summary.ledger == str(ledger)


def test_named_unsupported_file_gets_an_error_record(tmp_path):
    f = tmp_path / "照片.jpg"
    f.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    summary = runner.analyze_batch([f], tmp_path / "out", jobs=1)
    assert summary.failed == 1 and summary.errors[0]["kind"] == "unsupported"


def test_identical_files_are_analysed_once_and_named_as_copies(tmp_path, monkeypatch):
    log = tmp_path / "calls.txt"

    def counting(path):  # runs in the worker processes: count through a file
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(os.path.basename(str(path)) + "\n")
        return real_analyze_file(path)

    monkeypatch.setattr(runner, "analyze_file", counting)
    src = tmp_path / "in"
    src.mkdir()
    planted = REPORT.replace("涉及居民2350户。", "涉及居民2350户，其中已完工15个，完工率125%。")
    for name in ("东城区汇报.txt", "东城区汇报（重复）.txt", "再次报送.txt"):
        _write(src / name, planted)
    _write(src / "另一份.txt", REPORT.replace("2350", "2400"))
    out = tmp_path / "out"
    summary = runner.analyze_batch([src], out, jobs=1)
    assert summary.ok == 4
    calls = log.read_text(encoding="utf-8").split()
    assert sorted(calls) == ["东城区汇报.txt", "另一份.txt"]  # the two copies were not analysed again
    docs = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (out / "documents").iterdir()}
    original, copy = docs["东城区汇报.txt.json"], docs["再次报送.txt.json"]
    validate_document(copy)
    assert copy["file"] == "再次报送.txt" and copy["reports"] == original["reports"]
    assert any("东城区汇报（重复）.txt、再次报送.txt" in w for w in original["warnings"])
    assert any("与 东城区汇报.txt 内容完全相同" in w for w in copy["warnings"])
    own = [f for f in copy["flags"] if f["kind"] != "cross_doc_conflict"]
    assert own and all(e["file"] == "再次报送.txt" for f in own for e in f["evidence"])
    assert all("东城区汇报.txt" not in f["message"] for f in own)


@pytest.mark.parametrize("jobs, parallel", [(1, False), (2, True)])
def test_one_job_writes_the_outputs_in_one_process(tmp_path, monkeypatch, jobs, parallel):
    import analyzer.render as render

    monkeypatch.setattr(render, "PARALLEL_MIN_DOCUMENTS", 3)

    seen = []

    class Spy(render.OutputWriter):
        def __init__(self, out, docs, **kwargs):
            seen.append(kwargs.get("parallel"))
            super().__init__(out, docs, **kwargs)

    monkeypatch.setattr(render, "OutputWriter", Spy)
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        _write(src / f"{i}.txt", REPORT.replace("2350", str(2350 + i)))
    runner.analyze_batch([src], tmp_path / "out", jobs=jobs)
    assert seen == [parallel]  # forked writers with two jobs, from PARALLEL_MIN_DOCUMENTS documents on


@pytest.mark.parametrize("jobs", [1, 2])
def test_two_jobs_hand_out_the_largest_files_first(tmp_path, monkeypatch, jobs):
    given = []
    real_give = runner._Slot.give

    def spy(self, index, path):
        given.append(path.name)
        real_give(self, index, path)

    monkeypatch.setattr(runner._Slot, "give", spy)
    src = tmp_path / "in"
    src.mkdir()
    for i, extra in enumerate([0, 40, 10, 40, 25]):  # 1.txt and 3.txt: the same size, other words
        _write(src / f"{i}.txt", REPORT.replace("资金不足。", ("资金短缺，" if i == 3 else "资金不足，") * extra + "。"))
    summary = runner.analyze_batch([src], tmp_path / "out", jobs=jobs, outputs=False)
    assert summary.ok == 5
    if jobs == 1:  # one worker: input order, the order the progress display follows
        assert given == ["0.txt", "1.txt", "2.txt", "3.txt", "4.txt"]
    else:  # no worker is left alone with a long file at the end
        assert given == ["1.txt", "3.txt", "4.txt", "2.txt", "0.txt"]


def test_a_slow_worker_start_is_not_charged_to_its_first_file(tmp_path, monkeypatch):
    real_warm_up = runner._warm_up

    def slow_warm_up():  # a busy machine loading the segmenter's dictionary
        time.sleep(3)
        real_warm_up()

    monkeypatch.setattr(runner, "_warm_up", slow_warm_up)
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        _write(src / f"{i}.txt", REPORT.replace("2350", str(2350 + i)))
    summary = runner.analyze_batch([src], tmp_path / "out", jobs=2, timeout=2, outputs=False)
    assert (summary.ok, summary.failed) == (3, 0)


def test_two_jobs_give_the_results_of_one(tmp_path, monkeypatch):
    """With two jobs the problem summary and the batch checks are made in forked processes and the
    outputs written side by side: the results are the same as with one job, one step after another."""
    import zipfile
    from pathlib import Path

    import analyzer.render as render

    monkeypatch.setattr(render, "PARALLEL_MIN_DOCUMENTS", 3)
    samples = Path(__file__).resolve().parents[1] / "corpora" / "samples"
    results = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        summary = runner.analyze_batch([samples], out, ledger=samples / "台账.xlsx", jobs=jobs)
        assert summary.ok >= 10 and summary.flags > 0 and not summary.output_error
        book = zipfile.ZipFile(out / "核查结果.xlsx")
        results[jobs] = ({p.name: p.read_bytes() for p in (out / "documents").iterdir()},
                         (out / "flags.json").read_bytes(), (out / "summary.json").read_bytes(),
                         {n: book.read(n) for n in book.namelist() if not n.startswith("docProps")})
        assert (out / "报告.html").stat().st_size > 10_000 and (out / "问题汇总报告.docx").stat().st_size > 10_000
    assert results[1] == results[2]


def test_work_in_a_child_process_is_done_here_if_the_child_fails():
    parent = os.getpid()

    def pid_or_fail():
        if os.getpid() != parent and os.environ.get("ANALYZER_TEST_FAIL_CHILD"):
            os._exit(5)
        return os.getpid()

    assert runner._in_child(pid_or_fail, True)() != parent  # made in the child, sent back
    assert runner._in_child(pid_or_fail, False)() == parent
    os.environ["ANALYZER_TEST_FAIL_CHILD"] = "1"
    try:
        assert runner._in_child(pid_or_fail, True)() == parent  # the child died: done again here
    finally:
        del os.environ["ANALYZER_TEST_FAIL_CHILD"]


@pytest.mark.parametrize("before", [0, 2])
def test_batch_flags_are_put_into_the_written_document_as_if_it_were_written_whole(tmp_path, before):
    doc = {"file": "东城区汇报.txt", "status": "ok", "reports": [{"text": "全区改造小区12个。\n“引号”\\路径"}],
           "flags": [{"kind": "k0", "message": f"提示{i}", "evidence": [{"file": "东城区汇报.txt", "start": i}]}
                     for i in range(before)]}
    path = tmp_path / "doc.json"
    runner._write_json(path, doc)
    doc["flags"] += [{"kind": "ledger_mismatch", "severity": "warning", "message": "户数与台账不符：1,200 户",
                      "evidence": [{"file": "东城区汇报.txt", "raw": "1200户"}, {"file": "台账.xlsx", "row": 7}]}]
    text = runner._with_added_flags(path, doc, 1, {})
    assert isinstance(text, str) and text == runner._json_text(doc)
    assert json.loads(text) == doc


def test_batch_flags_go_into_a_document_written_otherwise_by_encoding_it_whole(tmp_path):
    doc = {"file": "a.txt", "flags": [{"kind": "k"}]}
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")  # not as the runner writes
    doc["flags"].append({"kind": "new"})
    assert runner._with_added_flags(path, doc, 1, {}) is doc
    assert runner._with_added_flags(tmp_path / "missing.json", doc, 1, {}) is doc


def test_a_second_run_reuses_stored_results_and_writes_the_same(tmp_path, monkeypatch):
    """Files analysed before (same content, same version) are not analysed again: a file under the name it was
    stored with is linked to the new run as it is, a renamed one is written under its new name; documents,
    flags and the run's counts equal those of the first run."""
    src = tmp_path / "in"
    src.mkdir()
    _write(src / "东城区汇报.txt", REPORT.replace("涉及居民2350户。", "涉及居民2350户，其中已完工15个，完工率125%。"))
    _write(src / "西城区汇报.txt", REPORT.replace("2350", "2400"))
    _write(src / "空文件.txt", "")
    out = tmp_path / "out"
    first = runner.analyze_batch([src], out, jobs=1)
    before = {p.name: p.read_bytes() for p in (out / "documents").iterdir()}
    flags = (out / "flags.json").read_bytes()

    def must_not_run(path):
        raise AssertionError(f"analysed again: {path}")

    monkeypatch.setattr(runner, "analyze_file", must_not_run)
    second = runner.analyze_batch([src], out, jobs=1)
    assert second.skipped == 3 and (second.ok, second.failed, second.reports) == (first.ok, first.failed, first.reports)
    assert {p.name: p.read_bytes() for p in (out / "documents").iterdir()} == before
    assert (out / "flags.json").read_bytes() == flags
    from analyzer.store import Store
    store = Store(out / "analyzer.db")
    runs = [r["id"] for r in store.runs()]
    assert store.document_count(runs[-1]) == (3, 3)
    assert store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 3
    (src / "西城区汇报.txt").rename(src / "西城区汇报（改名）.txt")
    third = runner.analyze_batch([src], out, jobs=1)
    assert third.skipped == 3
    renamed = json.loads((out / "documents" / "西城区汇报（改名）.txt.json").read_text(encoding="utf-8"))
    assert renamed["file"] == "西城区汇报（改名）.txt"
