"""SQLite record of every run: runs, documents (with their hash), reports, facts, placeholders, problems
and their categories, flags, ledger rows.

One transaction per document, WAL journal: a run killed at any point (``kill -9``) leaves every
document either completely stored or absent, and the next run finds the finished ones with
:meth:`Store.is_done` and skips them. A document is reused when its file hash and the analyzer version
are unchanged; error records of transient kinds (``timeout``) are retried instead.

The full per-file dict of the contract is kept (``documents.data``, the reports' text in
``reports.text``), so a reused document is returned exactly as it was analyzed; the other tables hold the
same content in rows for querying with SQL (views ``v_facts``, ``v_problems``, ``v_flags`` add the file
names).

Example:
    >>> store = Store(":memory:")
    >>> run = store.begin_run({"inputs": ["报告/"], "analyzer_version": "0.1.0"})
    >>> doc = {"file": "a.txt", "sha256": "ab" * 32, "status": "ok", "error": None, "reports": [
    ...     {"index": 1, "title": "t", "date": None, "text": "共 12 户", "sections": [], "placeholders": [],
    ...      "problems": [], "facts": [{"type": "households", "value": 12, "unit": "户", "raw": "12 户",
    ...      "approx": None, "role": None, "status": None, "subject": "aggregate", "scope": None,
    ...      "page": None, "start": 2, "end": 6}]}], "flags": []}
    >>> _ = store.save_document(run, doc)
    >>> store.is_done("ab" * 32, "0.1.0") == doc, store.is_done("ab" * 32, "0.2.0")
    (True, None)
    >>> store.finish_run(run, {"ok": 1})
    >>> [d["file"] for d in store.documents(run)]
    ['a.txt']
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import __version__

DEFAULT_NAME = "analyzer.db"
RETRY_ERROR_KINDS = frozenset({"timeout"})  # errors worth another try on the next run

# Each migration is a list of statements; PRAGMA user_version records how many have run.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            finished TEXT,
            analyzer_version TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            summary TEXT)""",
        """CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL,
            analyzer_version TEXT NOT NULL,
            file TEXT NOT NULL,
            status TEXT NOT NULL,
            error_kind TEXT,
            error_message TEXT,
            format TEXT,
            pages INTEGER,
            content_hash TEXT NOT NULL,
            data TEXT NOT NULL,
            run_id INTEGER REFERENCES runs(id),
            saved TEXT NOT NULL)""",
        "CREATE INDEX documents_hash ON documents(sha256, analyzer_version)",
        "CREATE INDEX documents_content ON documents(content_hash)",
        """CREATE TABLE run_documents (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            document_id INTEGER NOT NULL REFERENCES documents(id),
            reused INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (run_id, document_id))""",
        """CREATE TABLE reports (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            title TEXT,
            date TEXT,
            truncated INTEGER NOT NULL DEFAULT 0,
            text TEXT NOT NULL)""",
        "CREATE INDEX reports_document ON reports(document_id)",
        """CREATE TABLE sections (
            id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            heading TEXT, kind TEXT, level INTEGER, char_start INTEGER, char_end INTEGER)""",
        """CREATE TABLE facts (
            id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            type TEXT NOT NULL,
            value_num REAL, value_hi REAL, value_text TEXT, value TEXT,
            unit TEXT, raw TEXT, approx TEXT, role TEXT, status TEXT, subject TEXT, scope TEXT,
            page INTEGER, char_start INTEGER, char_end INTEGER)""",
        "CREATE INDEX facts_report ON facts(report_id)",
        "CREATE INDEX facts_subject ON facts(subject, type)",
        """CREATE TABLE placeholders (
            id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            raw TEXT, page INTEGER, char_start INTEGER, char_end INTEGER)""",
        """CREATE TABLE problems (
            id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            text TEXT NOT NULL, categories TEXT NOT NULL, phase TEXT, score REAL,
            page INTEGER, char_start INTEGER, char_end INTEGER)""",
        """CREATE TABLE problem_categories (
            problem_id INTEGER NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
            category TEXT NOT NULL,
            rank INTEGER NOT NULL,
            PRIMARY KEY (problem_id, category))""",
        "CREATE INDEX problem_categories_category ON problem_categories(category)",
        """CREATE TABLE flags (
            id INTEGER PRIMARY KEY,
            document_id INTEGER REFERENCES documents(id) ON DELETE CASCADE,
            run_id INTEGER REFERENCES runs(id),
            kind TEXT NOT NULL, severity TEXT NOT NULL, field TEXT, message TEXT NOT NULL,
            evidence TEXT NOT NULL, ledger_row INTEGER, ledger_name TEXT, data TEXT NOT NULL)""",
        "CREATE INDEX flags_document ON flags(document_id)",
        "CREATE INDEX flags_run ON flags(run_id)",
        """CREATE TABLE ledger_rows (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            row INTEGER, name TEXT, kind TEXT, parent INTEGER, data TEXT NOT NULL)""",
        "CREATE INDEX ledger_rows_run ON ledger_rows(run_id)",
        """CREATE VIEW v_facts AS
            SELECT d.file, r.idx AS report, r.title, f.* FROM facts f
            JOIN reports r ON r.id = f.report_id JOIN documents d ON d.id = r.document_id""",
        """CREATE VIEW v_problems AS
            SELECT d.file, r.idx AS report, r.title, p.* FROM problems p
            JOIN reports r ON r.id = p.report_id JOIN documents d ON d.id = r.document_id""",
        """CREATE VIEW v_flags AS
            SELECT COALESCE(d.file, json_extract(f.evidence, '$[0].file')) AS file, f.* FROM flags f
            LEFT JOIN documents d ON d.id = f.document_id""",
    ],
]


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def content_hash(doc: dict) -> str:
    """Hash of a document dict's content (key order does not matter)."""
    canonical = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _split_value(value: Any) -> tuple[float | None, float | None, str | None]:
    """(number or lower end, upper end, text) of a fact value, for SQL queries."""
    def num(v):
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    if isinstance(value, list) and len(value) == 2:
        lo, hi = num(value[0]), num(value[1])
        text = None if lo is not None or hi is not None else f"{value[0]}/{value[1]}"
        return lo, hi, text
    n = num(value)
    return n, None, (None if n is not None or value is None else str(value))


def _value_json(value: Any) -> str:
    """``_dumps(value)`` of a fact value, without the encoder for the usual plain number."""
    if type(value) in (int, float) and math.isfinite(value):
        return repr(value)  # what json writes for an int or a finite float
    return _dumps(value)


# a document counted in a run (reused or not)
_LINK = "INSERT OR IGNORE INTO run_documents (run_id, document_id, reused) VALUES (?, ?, ?)"
_INSERT_FLAG = ("INSERT INTO flags (document_id, run_id, kind, severity, field, message, evidence, ledger_row, "
                "ledger_name, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _flag_row(flag: dict) -> tuple:
    """A flag's columns after document_id and run_id (see _INSERT_FLAG)."""
    ledger = flag.get("ledger_row") or {}
    return (flag.get("kind"), flag.get("severity"), flag.get("field"), flag.get("message"),
            _dumps(flag.get("evidence") or []), ledger.get("row"), ledger.get("name"), _dumps(flag))


@dataclass(slots=True)
class ReportRows:
    """One report's rows, without the ids the database gives (see :class:`DocumentRows`)."""

    report: tuple  # idx, title, date, truncated, text
    sections: list[tuple]
    facts: list[tuple]
    placeholders: list[tuple]
    problems: list[tuple[tuple, list[str]]]  # (problem columns, its categories in rank order)


@dataclass(slots=True)
class DocumentRows:
    """A per-file result as the store's rows. :func:`document_rows` builds them wherever the result was
    made (an analysis worker), so the process that owns the database only runs the INSERTs."""

    document: tuple  # sha256, file, status, error kind, error message, format, pages
    content_hash: str
    data: str  # the per-file dict as JSON, its reports' text left out (kept once, in reports.text)
    reports: list[ReportRows]
    flags: list[tuple]  # _flag_row of each flag


def document_rows(doc: dict[str, Any]) -> DocumentRows:
    """The rows :meth:`Store.save_rows` writes for a per-file dict of the output contract."""
    stored = dict(doc)
    if doc.get("reports"):  # the key keeps its place
        stored["reports"] = [{**report, "text": None} for report in doc["reports"]]
    err = doc.get("error") or {}
    reports = []
    for r in doc.get("reports") or []:
        facts = []
        for f in r.get("facts") or []:
            value = f.get("value")
            lo, hi, text = _split_value(value)
            facts.append((f.get("type"), lo, hi, text, _value_json(value), f.get("unit"), f.get("raw"),
                          f.get("approx"), f.get("role"), f.get("status"), f.get("subject"), f.get("scope"),
                          f.get("page"), f.get("start"), f.get("end")))
        reports.append(ReportRows(
            report=(r.get("index"), r.get("title"), r.get("date"), int(bool(r.get("truncated"))), r.get("text") or ""),
            sections=[(s.get("heading"), s.get("kind"), s.get("level"), s.get("start"), s.get("end"))
                      for s in r.get("sections") or []],
            facts=facts,
            placeholders=[(p.get("raw"), p.get("page"), p.get("start"), p.get("end"))
                          for p in r.get("placeholders") or []],
            problems=[((p.get("text"), _dumps(p.get("categories") or []), p.get("phase"), p.get("score"),
                        p.get("page"), p.get("start"), p.get("end")), list(p.get("categories") or []))
                      for p in r.get("problems") or []]))
    return DocumentRows(
        document=(doc.get("sha256") or "", doc.get("file") or "", doc.get("status") or "error", err.get("kind"),
                  err.get("message"), doc.get("format"), doc.get("pages")),
        content_hash=content_hash(doc), data=_dumps(stored), reports=reports,
        flags=[_flag_row(f) for f in doc.get("flags") or []])


class Store:
    """A run store in one SQLite file (``":memory:"`` for tests)."""

    def __init__(self, path: str | Path = DEFAULT_NAME):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._versions: dict[int, str] = {}  # run id -> its analyzer version (_run_version)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")  # durable against a killed process in WAL mode
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA busy_timeout=30000")
        self._migrate()

    # -- plumbing -----------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _migrate(self) -> None:
        with self.transaction() as c:
            version = c.execute("PRAGMA user_version").fetchone()[0]
            for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
                for sql in statements:
                    c.execute(sql)
                c.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    # -- runs ---------------------------------------------------------------

    def begin_run(self, meta: dict[str, Any] | None = None) -> int:
        """Record the start of a run; ``meta`` (inputs, ledger, options …) is kept as JSON."""
        meta = dict(meta or {})
        version = str(meta.get("analyzer_version") or __version__)
        with self.transaction() as c:
            cur = c.execute("INSERT INTO runs (started, analyzer_version, meta) VALUES (?, ?, ?)",
                            (meta.get("started") or _now(), version, _dumps(meta)))
            return int(cur.lastrowid)

    def finish_run(self, run_id: int, summary: dict[str, Any] | None = None) -> None:
        with self.transaction() as c:
            c.execute("UPDATE runs SET finished = ?, summary = ? WHERE id = ?",
                      (_now(), _dumps(summary or {}), run_id))

    def runs(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT r.*, (SELECT COUNT(*) FROM run_documents rd WHERE rd.run_id = r.id) AS documents, "
            "(SELECT COUNT(*) FROM run_documents rd WHERE rd.run_id = r.id AND rd.reused) AS reused "
            "FROM runs r ORDER BY r.id").fetchall()
        out = []
        for r in rows:
            item = dict(r)
            item["meta"] = json.loads(item["meta"] or "{}")
            item["summary"] = json.loads(item["summary"]) if item["summary"] else None
            out.append(item)
        return out

    def last_run(self, finished: bool = True) -> int | None:
        sql = "SELECT id FROM runs" + (" WHERE finished IS NOT NULL" if finished else "") + " ORDER BY id DESC"
        row = self.conn.execute(sql).fetchone()
        return int(row[0]) if row else None

    def _run_version(self, run_id: int) -> str:
        """The analyzer version a run was begun with (asked once per run: it never changes)."""
        version = self._versions.get(run_id)
        if version is None:
            row = self.conn.execute("SELECT analyzer_version FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise KeyError(f"run {run_id} does not exist")
            version = self._versions[run_id] = row[0]
        return version

    # -- documents ----------------------------------------------------------

    def is_done(self, sha256: str, analyzer_version: str) -> dict[str, Any] | None:
        """The stored result of a file with this hash analyzed by this version, or None.

        Returns the per-file dict exactly as it was saved; the caller sets ``file`` to the current
        name if the same content now comes under another name.
        """
        found = self.stored(sha256, analyzer_version)
        return found[1] if found else None

    def stored(self, sha256: str, analyzer_version: str) -> tuple[int, dict[str, Any]] | None:
        """:meth:`is_done` with the stored document's id, which :meth:`link` takes."""
        row = self.conn.execute(
            "SELECT id, data, status, error_kind FROM documents WHERE sha256 = ? AND analyzer_version = ? "
            "ORDER BY id DESC LIMIT 1", (sha256, analyzer_version)).fetchone()
        if row is None or (row["status"] == "error" and row["error_kind"] in RETRY_ERROR_KINDS):
            return None
        return int(row["id"]), self._load(row["id"], row["data"])

    def link(self, run_id: int, doc_id: int) -> None:
        """Count a stored document, unchanged, as reused by a run (what :meth:`save_document` does for a
        document identical to a stored one, without turning it into rows again)."""
        with self.transaction() as c:
            c.execute(_LINK, (run_id, doc_id, 1))

    def save_document(self, run_id: int, doc: dict[str, Any], *, reused: bool = False) -> int:
        """Store one file's result (document, reports, facts, problems, flags) in one transaction and
        link it to the run. Saving a document identical to a stored one only links it. Returns its id."""
        return self.save_rows(run_id, document_rows(doc), reused=reused)

    def save_rows(self, run_id: int, rows: DocumentRows, *, reused: bool = False) -> int:
        """:meth:`save_document` for a document already turned into rows (:func:`document_rows`)."""
        version = self._run_version(run_id)
        with self.transaction() as c:
            row = c.execute("SELECT id FROM documents WHERE content_hash = ? AND analyzer_version = ? "
                            "ORDER BY id DESC LIMIT 1", (rows.content_hash, version)).fetchone()
            if row is not None:
                doc_id, reused = int(row[0]), True
            else:
                doc_id = self._insert_document(c, run_id, version, rows)
            c.execute(_LINK, (run_id, doc_id, int(reused)))
        return doc_id

    def _insert_document(self, c: sqlite3.Connection, run_id: int, version: str, rows: DocumentRows) -> int:
        cur = c.execute(
            "INSERT INTO documents (sha256, analyzer_version, file, status, error_kind, error_message, format, "
            "pages, content_hash, data, run_id, saved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (rows.document[0], version, *rows.document[1:], rows.content_hash, rows.data, run_id, _now()))
        doc_id = int(cur.lastrowid)
        for report in rows.reports:
            self._insert_report(c, doc_id, report)
        c.executemany(_INSERT_FLAG, [(doc_id, None, *flag) for flag in rows.flags])
        return doc_id

    @staticmethod
    def _insert_report(c: sqlite3.Connection, doc_id: int, report: ReportRows) -> None:
        rid = c.execute("INSERT INTO reports (document_id, idx, title, date, truncated, text) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (doc_id, *report.report)).lastrowid
        c.executemany("INSERT INTO sections (report_id, heading, kind, level, char_start, char_end) "
                      "VALUES (?, ?, ?, ?, ?, ?)", [(rid, *row) for row in report.sections])
        c.executemany("INSERT INTO facts (report_id, type, value_num, value_hi, value_text, value, unit, raw, approx, "
                      "role, status, subject, scope, page, char_start, char_end) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [(rid, *row) for row in report.facts])
        c.executemany("INSERT INTO placeholders (report_id, raw, page, char_start, char_end) VALUES (?, ?, ?, ?, ?)",
                      [(rid, *row) for row in report.placeholders])
        for problem, categories in report.problems:
            pid = c.execute("INSERT INTO problems (report_id, text, categories, phase, score, page, char_start, "
                            "char_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (rid, *problem)).lastrowid
            c.executemany("INSERT OR IGNORE INTO problem_categories (problem_id, category, rank) VALUES (?, ?, ?)",
                          [(pid, cat, i) for i, cat in enumerate(categories)])

    def _load(self, doc_id: int, data: str) -> dict[str, Any]:
        doc = json.loads(data)
        texts = {r["idx"]: r["text"] for r in
                 self.conn.execute("SELECT idx, text FROM reports WHERE document_id = ?", (doc_id,))}
        for report in doc.get("reports") or []:
            report["text"] = texts.get(report.get("index"), "")
        return doc

    def documents(self, run_id: int) -> list[dict[str, Any]]:
        """Every document of a run (analyzed or reused), in file-name order."""
        rows = self.conn.execute(
            "SELECT d.id, d.data FROM run_documents rd JOIN documents d ON d.id = rd.document_id "
            "WHERE rd.run_id = ? ORDER BY d.file, d.id", (run_id,)).fetchall()
        return [self._load(r["id"], r["data"]) for r in rows]

    def document_count(self, run_id: int) -> tuple[int, int]:
        """(documents, of which reused) of a run."""
        row = self.conn.execute("SELECT COUNT(*), COALESCE(SUM(reused), 0) FROM run_documents WHERE run_id = ?",
                                (run_id,)).fetchone()
        return int(row[0]), int(row[1])

    def find_document(self, name_or_sha: str) -> dict[str, Any] | None:
        """The latest stored result for a file name or a sha256 (for ``analyzer show``)."""
        row = self.conn.execute("SELECT id, data FROM documents WHERE file = ? OR sha256 = ? ORDER BY id DESC LIMIT 1",
                                (name_or_sha, name_or_sha)).fetchone()
        return self._load(row["id"], row["data"]) if row else None

    # -- batch flags and ledger ---------------------------------------------

    def save_batch_flags(self, run_id: int, flags: Iterable[dict[str, Any]]) -> None:
        """Flags that need the whole batch (cross-report, ledger), recorded against the run."""
        with self.transaction() as c:
            c.execute("DELETE FROM flags WHERE run_id = ? AND document_id IS NULL", (run_id,))
            c.executemany(_INSERT_FLAG, [(None, run_id, *_flag_row(flag)) for flag in flags])

    def batch_flags(self, run_id: int) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in self.conn.execute(
            "SELECT data FROM flags WHERE run_id = ? AND document_id IS NULL ORDER BY id", (run_id,))]

    def save_ledger_rows(self, run_id: int, rows: Iterable[dict[str, Any]]) -> None:
        """The ledger's rows as plain dicts (see ``analyzer.render.common.ledger_rows_from``)."""
        with self.transaction() as c:
            c.execute("DELETE FROM ledger_rows WHERE run_id = ?", (run_id,))
            c.executemany("INSERT INTO ledger_rows (run_id, row, name, kind, parent, data) VALUES (?, ?, ?, ?, ?, ?)",
                          [(run_id, r.get("row"), r.get("name"), r.get("kind"), r.get("parent"), _dumps(r))
                           for r in rows])

    def ledger_rows(self, run_id: int) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in self.conn.execute(
            "SELECT data FROM ledger_rows WHERE run_id = ? ORDER BY id", (run_id,))]
