"""Character spans: overlap tests and sentence/line lookups in O(log n), so that long documents
cost linear time.

A report of 500 pages holds thousands of figures and dates; testing each new mention against every
span already taken (``any(...)`` over a list) grew with the square of the document's length.

>>> taken = SpanSet([(10, 20), (30, 35), (12, 40)])
>>> taken.overlaps(0, 10), taken.overlaps(19, 21), taken.overlaps(40, 50)
(False, True, False)
>>> taken.contains(34), taken.contains(41)
(True, False)
>>> sentence_bounds("共5个小区。其中2个完工！", 8), line_bounds("一、概况\\n共5个小区。", 7)
((6, 12), (5, 11))
>>> free = DisjointSpans()
>>> free.add_if_free(5, 9), free.add_if_free(8, 12), free.add_if_free(9, 12)
(True, False, True)
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from collections.abc import Iterable
from itertools import accumulate

__all__ = ["SpanSet", "DisjointSpans", "sentence_bounds", "line_bounds"]


class SpanSet:
    """A fixed set of half-open spans ``[start, end)``, which may overlap each other."""

    __slots__ = ("_starts", "_reach")

    def __init__(self, spans: Iterable[tuple[int, int]] = ()):
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._reach = list(accumulate((e for _, e in ordered), max))  # furthest end among the first i

    def overlaps(self, start: int, end: int) -> bool:
        """Does ``[start, end)`` share a character with any span?"""
        i = bisect_left(self._starts, end)  # spans starting before ``end``
        return i > 0 and self._reach[i - 1] > start

    def contains(self, pos: int) -> bool:
        """Is position ``pos`` inside a span?"""
        return self.overlaps(pos, pos + 1)


class DisjointSpans:
    """Spans taken one by one, never overlapping each other (first come, first served)."""

    __slots__ = ("_spans",)

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []

    def add_if_free(self, start: int, end: int) -> bool:
        """Take ``[start, end)`` unless it overlaps a span already taken; True when taken."""
        i = bisect_left(self._spans, (end,))  # spans starting before ``end`` (disjoint: ends sorted too)
        if i > 0 and self._spans[i - 1][1] > start:
            return False
        insort(self._spans, (start, end))
        return True


_SENTENCE_END = re.compile(r"[。！？\n]")
# The text being worked on and its sentence ends, as one (text, ends) pair: replaced whole, so a
# reader in another thread never sees one text with the other's ends.
_ENDS_CACHE: list[tuple[str | None, list[int]]] = [(None, [])]


def _sentence_ends(text: str) -> list[int]:
    """Positions of every sentence end of ``text`` (cached for the text being worked on)."""
    cached_text, ends = _ENDS_CACHE[0]
    if cached_text is not text:
        ends = [m.start() for m in _SENTENCE_END.finditer(text)]
        _ENDS_CACHE[0] = (text, ends)
    return ends


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """(start, end) of the sentence holding ``pos`` (ended by 。！？ or a line break): a bisection,
    not a scan."""
    cached_text, ends = _ENDS_CACHE[0]
    if cached_text is not text:
        ends = _sentence_ends(text)
    i = bisect_left(ends, pos)
    start = ends[i - 1] + 1 if i > 0 else 0
    return start, (ends[i] if i < len(ends) else len(text))


def line_bounds(text: str, pos: int) -> tuple[int, int]:
    """(start, end) of the line (paragraph) holding ``pos``."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, (end if end >= 0 else len(text))
