"""Self-check of the checks evaluation set (corpora/checks/).

    python corpora/checks/validate.py          # exit 1 on any error

Checks the shape of expected.json, that every report has an entry (and every entry a report), the flag
kinds and fields, that every named subject occurs in its report, that cross-report conflicts are listed
under both reports, that ledger_missing subjects are absent from the ledger and every other named
subject is present, and the ledger itself (header, row count, funding sources = total, dates, plausible
per-unit figures). Prints the counts per kind and the clean/planted totals.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORTS = HERE / "reports"
EXPECTED = HERE / "expected.json"
LEDGER = HERE / "ledger.csv"

KINDS = ["breakdown_sum", "part_exceeds_whole", "percent_mismatch", "date_order", "progress_exceeds_plan",
         "intra_doc_conflict", "cross_doc_conflict", "ledger_mismatch", "ledger_missing", "policy_build_year",
         "plausibility", "placeholder"]
FIELDS = {"households", "area", "investment", "buildings", "communities", "date", "percent", "built_year", None}
LEDGER_COLUMNS = ["序号", "区县", "街道", "小区名称", "建成年份", "楼栋数(栋)", "户数(户)", "建筑面积(万平方米)",
                  "总投资(万元)", "中央补助(万元)", "地方财政(万元)", "居民出资(万元)", "社会资本(万元)",
                  "计划开工时间", "计划完工时间", "改造年度"]
FUNDS = ["中央补助(万元)", "地方财政(万元)", "居民出资(万元)", "社会资本(万元)"]
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})|\.(\d{1,2}))$")

errors: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def month(text: str, where: str) -> tuple[int, int] | None:
    m = DATE_RE.match(text.strip())
    if not m:
        err(f"{where}: date {text!r} is not YYYY-MM or YYYY.M")
        return None
    mo = int(m.group(2) or m.group(3))
    if not 1 <= mo <= 12:
        err(f"{where}: month out of range in {text!r}")
        return None
    return int(m.group(1)), mo


def check_ledger() -> dict[str, dict[str, str]]:
    with LEDGER.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [r for r in reader if any(c.strip() for c in r)]
    if header != LEDGER_COLUMNS:
        err(f"ledger.csv: header {header} != {LEDGER_COLUMNS}")
        return {}
    if len(rows) < 40:
        err(f"ledger.csv: {len(rows)} rows, at least 40 expected")
    ledger: dict[str, dict[str, str]] = {}
    for i, cells in enumerate(rows, 2):
        where = f"ledger.csv line {i}"
        if len(cells) != len(header):
            err(f"{where}: {len(cells)} cells")
            continue
        row = dict(zip(header, cells))
        name = row["小区名称"]
        if name in ledger:
            err(f"{where}: duplicate community {name}")
        ledger[name] = row
        try:
            total = Decimal(row["总投资(万元)"])
            parts = sum(Decimal(row[c]) for c in FUNDS)
            hh, bl = int(row["户数(户)"]), int(row["楼栋数(栋)"])
            area = Decimal(row["建筑面积(万平方米)"]) * 10000
            built, year = int(row["建成年份"]), int(row["改造年度"])
        except Exception as exc:  # noqa: BLE001 - report any malformed cell
            err(f"{where}: bad number ({exc})")
            continue
        if parts != total:
            err(f"{where}: {name} funding sources {parts} != total {total}")
        if any(Decimal(row[c]) < 0 for c in FUNDS):
            err(f"{where}: {name} negative funding source")
        if not 15 <= area / hh <= 400:
            err(f"{where}: {name} {area / hh:.1f} m2 per household")
        if not 1 <= hh / bl <= 300:
            err(f"{where}: {name} {hh / bl:.1f} households per building")
        if not 80 <= total * 10000 / area <= 1500 or not Decimal("0.3") <= total / hh <= 15:
            err(f"{where}: {name} implausible unit cost")
        start, finish = month(row["计划开工时间"], where), month(row["计划完工时间"], where)
        if start and finish:
            if finish < start:
                err(f"{where}: {name} finish before start")
            if start[0] != year:
                err(f"{where}: {name} start year {start[0]} != plan year {year}")
        if built > 2005:
            err(f"{where}: {name} built {built}, after 2005 (keep out-of-scope communities out of the ledger)")
    return ledger


def main() -> int:
    ledger = check_ledger()
    data = json.loads(EXPECTED.read_text(encoding="utf-8"))
    if set(data) != {"reports"} or not isinstance(data["reports"], dict):
        err("expected.json: top level must be {\"reports\": {...}}")
        return finish(data={}, ledger=ledger)
    entries = data["reports"]
    files = sorted(p.name for p in REPORTS.glob("*.txt"))
    for name in sorted(set(files) - set(entries)):
        err(f"{name}: no entry in expected.json")
    for name in sorted(set(entries) - set(files)):
        err(f"expected.json: {name} has no report file")
    texts = {n: (REPORTS / n).read_text(encoding="utf-8") for n in files}
    for name, text in texts.items():
        if not re.match(r"^\d{2}_[a-z0-9_]+\.txt$", name):
            err(f"{name}: file name is not NN_slug.txt")
        n = len(text.replace("\n", ""))
        if not 300 <= n <= 1500:
            err(f"{name}: {n} characters, 300–1,500 expected")
        if "\n\n" in text.strip("\n") or text.startswith(("\n", " ")):
            err(f"{name}: blank line or leading whitespace (one paragraph per line, title first)")
    cross: dict[tuple[str, str | None], set[str]] = {}
    for name, entry in entries.items():
        if set(entry) != {"clean", "flags"} or not isinstance(entry["clean"], bool) or not isinstance(entry["flags"], list):
            err(f"{name}: entry must be {{clean: bool, flags: list}}")
            continue
        if entry["clean"] != (not entry["flags"]):
            err(f"{name}: clean={entry['clean']} but {len(entry['flags'])} flags")
        text = texts.get(name, "")
        for flag in entry["flags"]:
            if set(flag) != {"kind", "field", "subject", "note"}:
                err(f"{name}: flag keys {sorted(flag)}")
                continue
            if flag["kind"] not in KINDS:
                err(f"{name}: unknown kind {flag['kind']}")
            if flag["field"] not in FIELDS:
                err(f"{name}: unknown field {flag['field']}")
            subject = flag["subject"]
            if not subject or not flag["note"]:
                err(f"{name}: empty subject or note")
                continue
            if subject != "aggregate":
                if subject not in text:
                    err(f"{name}: subject {subject} does not occur in the report")
                in_ledger = subject in ledger
                if flag["kind"] == "ledger_missing" and in_ledger:
                    err(f"{name}: {subject} is flagged ledger_missing but is in the ledger")
                if flag["kind"] != "ledger_missing" and not in_ledger and not any(
                        f["kind"] == "ledger_missing" and f["subject"] == subject for f in entry["flags"]):
                    err(f"{name}: {subject} is not in the ledger and has no ledger_missing flag")
            if flag["kind"] == "cross_doc_conflict":
                cross.setdefault((subject, flag["field"]), set()).add(name)
    for (subject, field), names in cross.items():
        if len(names) < 2:
            err(f"cross_doc_conflict on {subject}/{field} listed under {sorted(names)} only (list it under both reports)")
    # A community with a planted wrong figure (or missing from the ledger, or out of scope) must not be
    # named in any clean report: its figures there would conflict with the planted report.
    exclusive = {f["subject"] for e in entries.values() for f in e.get("flags", [])
                 if isinstance(f, dict) and f.get("subject") not in (None, "aggregate")}
    for name, entry in entries.items():
        if entry.get("clean"):
            for subject in exclusive:
                if subject in texts.get(name, ""):
                    err(f"{name}: clean report names {subject}, which carries a planted problem elsewhere")
    check_names(entries, texts, ledger)
    return finish(data=entries, ledger=ledger)


def check_names(entries: dict, texts: dict[str, str], ledger: dict) -> None:
    """Every community the analyzer finds in a clean report is a ledger row (skipped without the package)."""
    try:
        from analyzer.extract import find_communities
    except ImportError:
        print("(analyzer not importable: community names in clean reports not checked)")
        return
    for name, entry in entries.items():
        if not entry.get("clean"):
            continue
        for _, _, community in find_communities(texts.get(name, "")):
            if community not in ledger:
                err(f"{name}: clean report names {community}, which is not a ledger row")


def finish(data: dict, ledger: dict) -> int:
    kinds = Counter(f["kind"] for e in data.values() for f in e.get("flags", []) if isinstance(f, dict))
    reports_per_kind = Counter(k for e in data.values() for k in {f.get("kind") for f in e.get("flags", [])})
    clean = sum(1 for e in data.values() if e.get("clean"))
    print(f"reports: {len(data)}  clean: {clean}  planted: {len(data) - clean}  ledger rows: {len(ledger)}")
    print(f"{'kind':<24}{'flags':>6}{'reports':>9}")
    for kind in KINDS:
        print(f"{kind:<24}{kinds[kind]:>6}{reports_per_kind[kind]:>9}")
    print(f"{'total':<24}{sum(kinds.values()):>6}")
    for kind in KINDS:
        if kinds[kind] < 2:
            err(f"kind {kind} planted {kinds[kind]} time(s), at least 2 expected")
    for e in errors:
        print("ERROR:", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
