"""The bundled samples, end to end: every file is read, split and validated against the contract."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from analyzer.contract import validate_document
from analyzer.runner import analyze_batch
from conftest import ROOT, SAMPLES

MANIFEST = ROOT / "corpora" / "sources" / "samples" / "manifest.toml"


@pytest.fixture(scope="module")
def samples_dir(tmp_path_factory):
    """corpora/samples as `make` builds it; built into a temporary folder when it is missing."""
    if (SAMPLES / "台账.xlsx").exists():
        return SAMPLES
    out = tmp_path_factory.mktemp("samples")
    subprocess.run([sys.executable, str(ROOT / "corpora" / "build_samples.py"), "--out", str(out)], check=True)
    return out


@pytest.fixture(scope="module")
def run(samples_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    summary = analyze_batch([samples_dir], out, ledger=samples_dir / "台账.xlsx", jobs=2)
    docs = {p.name[:-5]: json.loads(p.read_text(encoding="utf-8")) for p in (out / "documents").iterdir()}
    return summary, docs


def test_every_sample_is_read_and_valid(run):
    manifest = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))["sample"]
    summary, docs = run
    assert len(manifest) >= 12
    assert summary.failed == 0 and summary.ok == len(manifest)
    assert set(docs) == {s["output"] for s in manifest}
    for name, data in docs.items():
        validate_document(data)
        for report in data["reports"]:
            assert report["title"], name
            assert report["text"].strip(), name


def test_every_format_and_encoding_is_represented(run):
    manifest = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))["sample"]
    formats = {s["format"] for s in manifest}
    encodings = {s.get("encoding") for s in manifest if s["format"] == "txt"}
    assert formats == {"txt", "docx", "pdf"}
    assert {"gbk", "utf-16", "utf-8-sig"} <= encodings
    assert any(s.get("traditional") for s in manifest)


def test_compilation_is_split_and_noise_removed(run):
    _, docs = run
    (name,) = [n for n in docs if "3篇" in n]
    reports = docs[name]["reports"]
    assert len(reports) == 3
    for r in reports:
        assert "小编" not in r["text"] and "推荐访问" not in r["text"] and "本文来源" not in r["text"]
        assert "篇二" not in r["text"]


def test_traditional_sample_is_simplified(run):
    _, docs = run
    (name,) = [n for n in docs if n.startswith("雲陽縣")]
    report = docs[name]["reports"][0]
    assert report["title"].startswith("云阳县") and "老旧小区" in report["text"]
    assert "舊" not in report["text"]


def test_every_report_with_a_problem_section_is_found(run):
    """Reports whose genre states problems in a section have one detected with kind 'problems'."""
    _, docs = run
    with_problems = [n for n, d in docs.items() if any(s["kind"] == "problems" for r in d["reports"]
                                                         for s in r["sections"])]
    assert len(with_problems) >= 8


def test_dates_of_reports(run):
    _, docs = run
    dated = [r["date"] for d in docs.values() for r in d["reports"] if r["date"]]
    assert len(dated) >= 12
    assert all(len(d) in (4, 7, 10) for d in dated)


def test_planted_inconsistencies_of_the_samples_are_flagged(run, tmp_path_factory, samples_dir):
    """Every kind of inconsistency planted in the samples (manifest `planted`) comes out as a flag."""
    summary, _ = run
    flags = json.loads((Path(summary.out_dir) / "flags.json").read_text(encoding="utf-8"))["flags"]
    kinds = {f["kind"] for f in flags}
    assert {"part_exceeds_whole", "breakdown_sum", "percent_mismatch", "date_order", "cross_doc_conflict",
            "ledger_mismatch", "ledger_missing", "policy_build_year", "plausibility", "placeholder"} <= kinds
    messages = "\n".join(f["message"] for f in flags)
    for needle in ("红星新苑", "兴华小区", "翠湖新苑", "21.26平方米", "气象局宿舍", "2,130万元", "75%"):
        assert needle in messages, needle
    # and nothing is flagged twice
    keys = [json.dumps(f, ensure_ascii=False, sort_keys=True) for f in flags]
    assert len(keys) == len(set(keys))
