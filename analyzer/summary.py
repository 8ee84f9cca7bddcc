"""Issue summaries of a batch: problems by category, by report and by community (issue 4).

``summarize(documents)`` works on the contract-shaped per-file dicts (what ``analyzer run``
writes to ``DIR/documents/*.json``), so a summary can be rebuilt from saved outputs:

    >>> summary = summarize_dir("out")     # reads out/documents/*.json   # doctest: +SKIP
    >>> summary["categories"][0]["label"], summary["categories"][0]["clauses"]  # doctest: +SKIP
    ('物业与长效管理', 23)

For each category: how many problem clauses, in how many reports and communities, and the most
representative clauses, chosen by centrality with maximal marginal relevance over character
n-gram TF-IDF (the typical wording first, then different ones, not near-duplicates).

A community is a named compound (``XX小区``, ``XX花园``, ``XX家属院``, ``XX新苑``, ``XX宿舍``,
``XX新村`` …) found in the clause (or a non-aggregate subject of the report's facts that the
clause names), else in the headings of the section it stands in, else the one community the
whole report is about (its title names it, or its facts are about it alone). Names ending in a weak
suffix (``百货楼``, ``东风里``) count only when the report also lists them as communities (a table
row, an enumeration beside a strong name, a fact's subject).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from itertools import accumulate
from typing import Any, Iterable

import numpy as np

from .classify import Featurizer, category_ids, category_labels
from .normalize import load_toml

REPRESENTATIVES = 3       # clauses shown per category
MMR_LAMBDA = 0.7          # weight of centrality against novelty in the MMR choice
NAME_MAX = 8              # characters before the suffix a community name may have

_CJK = re.compile(r"[\u4e00-\u9fff]")
_PLACEHOLDER = set("XxＸ某*＊×_")


# ---------------------------------------------------------------------------
# Communities
# ---------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _community_data() -> dict[str, Any]:
    data = load_toml("taxonomy.toml")["community"]
    strong = sorted(data["strong_suffixes"], key=len, reverse=True)
    weak = sorted(data["weak_suffixes"], key=len, reverse=True)
    return {
        "strong": strong,
        "weak": weak,
        "strong_re": re.compile("|".join(map(re.escape, strong))),
        "weak_re": re.compile("|".join(map(re.escape, weak))),
        "boundaries": set(data["boundaries"]),
        "generic": set(data["generic_names"]),
        "generic_tails": tuple(g for g in data["generic_names"] if len(g) >= 2),
        "stop_re": re.compile("|".join(map(re.escape, data["name_stop_words"]))),
        "admin": [re.compile(p) for p in data["admin_prefix_patterns"]],
    }


def _prefix_before(text: str, pos: int) -> str | None:
    """The name part before a suffix at ``pos``: CJK characters back to a boundary."""
    d = _community_data()
    i = pos
    while i > 0 and pos - i < NAME_MAX:
        ch = text[i - 1]
        if not _CJK.match(ch) or ch in d["boundaries"]:
            break
        i -= 1
    if i > 0 and text[i - 1] in _PLACEHOLDER:  # "X屯楼小区": a redacted name
        return None
    prefix = text[i:pos]
    for pattern in d["admin"]:
        m = pattern.match(prefix)
        if m:
            prefix = prefix[m.end():]
            break
    if len(prefix) < 2 or prefix in d["generic"] or prefix.endswith(("区", "县", "市", "镇", "乡", "街道", "社区")):
        return None
    if prefix.endswith(d["generic_tails"]) or d["stop_re"].search(prefix):
        return None
    return prefix


def _names(text: str, suffix_re: re.Pattern) -> list[tuple[int, int, str]]:
    """(start, end, name) of every community-like name with one of the given suffixes."""
    found = []
    for m in suffix_re.finditer(text):
        prefix = _prefix_before(text, m.start())
        if prefix:
            found.append((m.start() - len(prefix), m.end(), prefix + m.group()))
    # "桂花园小区": the name ends at the last suffix, not at the 花园 inside it. A name is dropped when
    # another starts before its end and ends after it: the names by start, with the greatest end so far.
    if len(found) < 2:
        return found
    by_start = sorted(found)
    starts = [g[0] for g in by_start]
    reach = list(accumulate((g[1] for g in by_start), max))
    return [f for f in found if reach[bisect_left(starts, f[1]) - 1] <= f[1]]


def community_names(text: str) -> list[str]:
    """Names with a strong suffix in a text, in order of appearance, without repeats.

    >>> community_names("二是湖滨小区地下管网复杂；南湖区桂花园小区和部分小区、已改造小区")
    ['湖滨小区', '桂花园小区']
    """
    seen: list[str] = []
    for _, _, name in _names(text, _community_data()["strong_re"]):
        if name not in seen:
            seen.append(name)
    return seen


_LIST_INTRO = re.compile(r"(?:分别为|分别是|包括|即|有)([^。；\n]{4,120})")


def gazetteer(report: dict) -> list[str]:
    """Community names a report establishes: strong names, listed weak names, fact subjects."""
    text = report.get("text", "")
    d = _community_data()
    names = set(community_names(text))
    listed: set[str] = set()
    for m in _LIST_INTRO.finditer(text):
        items = re.split(r"[、，和及与]", m.group(1))
        if any(d["strong_re"].search(it) for it in items):
            listed.update(it.strip() for it in items)
    for line in text.split("\n"):
        if "\t" in line:
            listed.update(cell.strip() for cell in line.split("\t"))
    for item in listed:
        if 3 <= len(item) <= NAME_MAX + 3 and d["weak_re"].search(item[-1:]) and all(_CJK.match(ch) for ch in item):
            prefix = _prefix_before(item, len(item) - 1)
            if prefix and prefix + item[-1] == item:
                names.add(item)
    for fact in report.get("facts") or []:
        subject = fact.get("subject")
        if _named_subject(subject):
            names.add(subject)
    return sorted(names, key=lambda n: (-len(n), n))


def _named_subject(subject: str | None) -> bool:
    """A fact subject that names a community ("建设路小区"; not "aggregate", not "XXXX小区")."""
    return bool(subject) and subject != "aggregate" and 2 <= len(subject) <= 20 \
        and not any(ch in _PLACEHOLDER for ch in subject)


REPORT_SUBJECT_SHARE = 0.6  # a one-community report: that community holds this share of its facts


def report_community(report: dict) -> str | None:
    """The one community a whole report is about (a project report), else None.

    Its title names exactly one community ("金亭花苑老旧小区综合改造项目汇报材料"), or its facts
    have a single named subject that holds most of them.
    """
    in_title = community_names(report.get("title") or "")
    if len(in_title) == 1:
        return in_title[0]
    facts = report.get("facts") or []
    subjects = {f.get("subject") for f in facts if f.get("subject") not in (None, "aggregate")}
    if len(subjects) == 1:
        (subject,) = subjects
        count = sum(1 for f in facts if f.get("subject") == subject)
        if _named_subject(subject) and count >= REPORT_SUBJECT_SHARE * len(facts):
            return subject
    return None


def _section_headings(report: dict, offset: int) -> list[str]:
    """Headings of the sections containing ``offset``, innermost first."""
    found = [s for s in report.get("sections") or [] if s["start"] <= offset < s["end"]]
    found.sort(key=lambda s: -s.get("level", 0))
    return [s.get("heading", "") for s in found]


def communities_of(problem: dict, report: dict, names: list[str]) -> list[str]:
    """Communities a problem clause is about (possibly none): named in the clause, else in the
    headings around it, else the community the whole report is about."""
    def in_text(text: str) -> list[str]:
        hits: list[tuple[int, str]] = []
        taken: list[tuple[int, int]] = []
        for name in names:  # longest first
            for m in re.finditer(re.escape(name), text):
                if not any(a < m.end() and m.start() < b for a, b in taken):
                    hits.append((m.start(), name))
                    taken.append((m.start(), m.end()))
        for a, b, name in _names(text, _community_data()["strong_re"]):
            if not any(x < b and a < y for x, y in taken):
                hits.append((a, name))
                taken.append((a, b))
        out: list[str] = []
        for _, name in sorted(hits):
            if name not in out:
                out.append(name)
        return out

    found = in_text(problem.get("text", ""))
    if found:
        return found
    for heading in _section_headings(report, problem.get("start", 0)):
        found = in_text(heading)
        if found:
            return found
    whole = report_community(report)
    return [whole] if whole else []


# ---------------------------------------------------------------------------
# Representative clauses
# ---------------------------------------------------------------------------


def representatives(texts: list[str], k: int = REPRESENTATIVES, lam: float = MMR_LAMBDA) -> list[tuple[int, float]]:
    """Indices (with centrality) of ``k`` representative texts: MMR over TF-IDF cosine similarity.

    Deterministic: ties go to the earlier text. Linear in the number of texts: a text's centrality
    (its mean similarity to the others) is its dot product with the sum of all rows, and MMR only
    needs the similarities to the ``k`` texts chosen (never the n x n matrix, which a batch of
    thousands of clauses in one category could not hold).

    >>> representatives(["路面坑洼不平", "小区路面坑洼", "停车位严重不足", "路面破损坑洼"], k=2)
    [(0, 0.2387), (3, 0.209)]
    """
    if not texts:
        return []
    n = len(texts)
    if n == 1:
        return [(0, 1.0)]
    feat = Featurizer(ngram_min=1, ngram_max=3, min_df=1, max_features=50000).fit(texts)
    X = feat.transform(texts).tocsr()
    total = np.asarray(X.sum(axis=0)).ravel()
    own = np.asarray(X.multiply(X).sum(axis=1)).ravel()
    centrality = (X @ total - own) / (n - 1)
    redundancy = np.zeros(n)
    chosen: list[int] = []
    while len(chosen) < min(k, n):
        score = lam * centrality - (1 - lam) * redundancy
        score[chosen] = -np.inf
        best = int(np.flatnonzero(score >= score.max() - 1e-12)[0])
        chosen.append(best)
        redundancy = np.maximum(redundancy, np.asarray((X @ X[best].T).todense()).ravel())
    return [(i, round(float(centrality[i]), 4)) for i in chosen]


# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------


def _items(documents: Iterable[dict]) -> list[dict]:
    """Every problem of a batch, with where it stands and the communities it names."""
    items = []
    for doc in documents:
        if doc.get("status", "ok") != "ok":
            continue
        for report in doc.get("reports") or []:
            names = gazetteer(report)
            for p in report.get("problems") or []:
                items.append({
                    "file": doc.get("file"), "report": report.get("index"), "title": report.get("title"),
                    "text": p.get("text", ""), "categories": list(p.get("categories") or []),
                    "phase": p.get("phase"), "score": p.get("score"), "page": p.get("page"),
                    "start": p.get("start"), "end": p.get("end"),
                    "communities": communities_of(p, report, names),
                })
    items.sort(key=lambda it: (str(it["file"]), it["report"] or 0, it["start"] or 0))
    return items


def _brief(item: dict, *keys: str) -> dict:
    base = {"text": item["text"], "categories": item["categories"], "phase": item["phase"], "score": item["score"],
            "page": item["page"], "start": item["start"], "end": item["end"]}
    base.update({k: item[k] for k in keys})
    return base


def summarize(documents: list[dict], k: int = REPRESENTATIVES) -> dict[str, Any]:
    """Issue summary of a batch of contract-shaped document dicts (see the module docstring).

    Returns ``{"totals", "categories", "by_report", "by_community"}``; deterministic for the
    same documents in any order.
    """
    items = _items(documents)
    labels = category_labels()
    categories = []
    for code in category_ids():
        members = [it for it in items if code in it["categories"]]
        unique: list[dict] = []
        seen_texts: set[str] = set()
        for it in members:
            if it["text"] not in seen_texts:
                seen_texts.add(it["text"])
                unique.append(it)
        reps = representatives([it["text"] for it in unique], k=k)
        communities = sorted({c for it in members for c in it["communities"]})
        categories.append({
            "code": code, "label": labels[code],
            "clauses": len(members),
            "primary": sum(1 for it in members if it["categories"][0] == code),
            "reports": len({(it["file"], it["report"]) for it in members}),
            "communities": len(communities),
            "community_names": communities,
            "phases": {ph: sum(1 for it in members if it["phase"] == ph)
                       for ph in ("pre_condition", "implementation", "post_renovation")},
            "representative": [dict(_brief(unique[i], "file", "report", "communities"), centrality=c)
                               for i, c in reps],
        })
    categories.sort(key=lambda c: -c["clauses"])  # stable: taxonomy order among equals

    by_report: dict[tuple, dict] = {}
    for it in items:
        key = (str(it["file"]), it["report"] or 0)
        entry = by_report.setdefault(key, {"file": it["file"], "report": it["report"], "title": it["title"],
                                           "problems": [], "categories": {}})
        entry["problems"].append(_brief(it, "communities"))
        for code in it["categories"]:
            entry["categories"][code] = entry["categories"].get(code, 0) + 1

    by_community: dict[str, dict] = {}
    for it in items:
        for name in it["communities"]:
            entry = by_community.setdefault(name, {"community": name, "problems": [], "categories": {},
                                                   "reports": set()})
            entry["problems"].append(_brief(it, "file", "report"))
            entry["reports"].add((str(it["file"]), it["report"] or 0))
            for code in it["categories"]:
                entry["categories"][code] = entry["categories"].get(code, 0) + 1
    communities = []
    for name in sorted(by_community, key=lambda n: (-len(by_community[n]["problems"]), n)):
        entry = by_community[name]
        entry["reports"] = len(entry["reports"])
        communities.append(entry)

    return {
        "totals": {"documents": sum(1 for d in documents if d.get("status", "ok") == "ok"),
                   "reports": sum(len(d.get("reports") or []) for d in documents if d.get("status", "ok") == "ok"),
                   "problems": len(items),
                   "reports_with_problems": len(by_report),
                   "communities": len(communities)},
        "categories": categories,
        "by_report": [by_report[k] for k in sorted(by_report)],
        "by_community": communities,
    }


def summarize_dir(out_dir) -> dict[str, Any]:
    """:func:`summarize` over the ``documents/*.json`` files of an ``analyzer run`` output directory."""
    import json
    from pathlib import Path

    docs = []
    for path in sorted(Path(out_dir, "documents").glob("*.json")):
        with open(path, encoding="utf-8") as fh:
            docs.append(json.load(fh))
    return summarize(docs)


def write_summary(documents: list[dict], path) -> dict[str, Any]:
    """Write ``summarize(documents)`` as JSON (``DIR/summary.json``) and return it."""
    import json
    from pathlib import Path

    summary = summarize(documents)
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
    return summary
