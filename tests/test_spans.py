"""SpanSet / DisjointSpans give the same answers as testing every span (they only do it faster)."""

import random

from analyzer.spans import DisjointSpans, SpanSet


def test_span_set_agrees_with_brute_force():
    rnd = random.Random(7)
    for _ in range(200):
        spans = [(s, s + rnd.randint(1, 15)) for s in (rnd.randint(0, 200) for _ in range(rnd.randint(0, 30)))]
        taken = SpanSet(spans)
        for _ in range(50):
            s = rnd.randint(-5, 220)
            e = s + rnd.randint(1, 20)
            assert taken.overlaps(s, e) == any(s < te and ts < e for ts, te in spans)
            assert taken.contains(s) == any(ts <= s < te for ts, te in spans)


def test_disjoint_spans_take_first_come_first_served():
    rnd = random.Random(3)
    for _ in range(200):
        free, kept = DisjointSpans(), []
        for _ in range(40):
            s = rnd.randint(0, 300)
            e = s + rnd.randint(1, 12)
            expected = not any(s < te and ts < e for ts, te in kept)
            assert free.add_if_free(s, e) == expected
            if expected:
                kept.append((s, e))
