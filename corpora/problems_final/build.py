"""Build reports/ and annotations/ from the marked-up sources in marked/.

A marked source is the report text with every gold problem wrapped as
``⟦text|code1,code2|phase⟧`` (phase: p = pre_condition, i = implementation,
r = post_renovation; omitted = the file's ``#phase:`` default). Header lines at the top:
``#doctype: …`` (the document type), ``#genre: …`` (its family, used for
per-genre scores), ``#phase: i``, ``#notes: …``, then a blank line, then the report.

    python corpora/problems_final/build.py       # rewrites reports/*.txt and annotations/*.json
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
PHASES = {"p": "pre_condition", "i": "implementation", "r": "post_renovation"}
MARK = re.compile(r"⟦([^⟦⟧|]+)\|([a-z_,]+)(?:\|([pir]))?⟧")


def build_one(src: Path) -> tuple[str, dict]:
    head, _, body = src.read_text(encoding="utf-8").partition("\n\n")
    meta = {}
    for line in head.splitlines():
        key, _, value = line.lstrip("#").partition(":")
        meta[key.strip()] = value.strip()
    default = meta.get("phase", "i")
    problems = []
    out = []
    pos = 0
    for m in MARK.finditer(body):
        out.append(body[pos:m.start()])
        out.append(m.group(1))
        pos = m.end()
        problems.append({"text": m.group(1), "categories": m.group(2).split(","),
                         "phase": PHASES[m.group(3) or default]})
    out.append(body[pos:])
    text = "".join(out)
    if "⟦" in text or "⟧" in text:
        raise SystemExit(f"{src.name}: unbalanced or malformed marker")
    notes = f"{len(problems)} 个问题。" + meta.get("notes", "")
    return text, {"genre": meta.get("genre", ""), "doctype": meta.get("doctype", ""),
                  "problems": problems, "notes": notes}


def main() -> int:
    for src in sorted((HERE / "marked").glob("*.txt")):
        text, ann = build_one(src)
        (HERE / "reports" / src.name).write_text(text, encoding="utf-8")
        (HERE / "annotations" / (src.stem + ".json")).write_text(
            json.dumps(ann, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
