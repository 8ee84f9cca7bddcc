"""Normalization: every rule, and the offset map back to the original text."""

import pytest

from analyzer.normalize import is_traditional, normalize, to_simplified


# (raw, expected normalized text), grouped by phenomenon
CASES = [
    # full-width digits and symbols fold to ASCII; prose punctuation becomes Chinese
    ("涉及居民２３５０户，占比１７％", "涉及居民2350户，占比17%"),
    ("面积１５．８２万平方米", "面积15.82万平方米"),
    ("各县(市、区)要做好以下工作:一是", "各县（市、区）要做好以下工作：一是"),
    ("投资2,013.19万元,完成10:30的会议", "投资2,013.19万元，完成10:30的会议"),
    # spaces inside CJK words and between figures and their units
    ("主要目 的是压实责任", "主要目的是压实责任"),
    ("于 2021 年 6 月底进场", "于2021年6月底进场"),
    ("住房和城乡 建设部", "住房和城乡建设部"),
    ("涉及居民 2350 户。", "涉及居民2350户。"),
    ("ABC Company 2023", "ABC Company 2023"),
    # headings glued to the previous sentence or run on into body text
    ("涉及居民2350户。（二）改造前存在问题 屋面渗漏。", "涉及居民2350户。\n（二）改造前存在问题\n屋面渗漏。"),
    ("汇报材料 一、改造情况 (一)基本情况 XX小区建于1992年。",
     "汇报材料\n一、改造情况\n（一）基本情况\nXX小区建于1992年。"),
    ("（三）供热管网改造资金缺口约 300 万元。", "（三）供热管网改造资金缺口约300万元。"),
    # lines broken in mid-sentence are re-joined; real breaks stay
    ("二是根据居民的不同意\n愿，分清改造的类型。\n三是制定计划。", "二是根据居民的不同意愿，分清改造的类型。\n三是制定计划。"),
    ("今天请各县（市、区）\n分管领导参加会议。", "今天请各县（市、区）分管领导参加会议。"),
    ("一、\n用一心为民的真挚情怀，\n推进改造提质工作\n首先，要认识到。",
     "一、用一心为民的真挚情怀，推进改造提质工作\n首先，要认识到。"),
    ("三、要以显著成效体现“不忘初心、\n牢记使命”\n主题教育成果\n首先，要通过硬件建设。",
     "三、要以显著成效体现“不忘初心、牢记使命”主题教育成果\n首先，要通过硬件建设。"),
    ("二、主要做法\n为加快工程推进，成立专班。", "二、主要做法\n为加快工程推进，成立专班。"),
    ("关于老旧小区改造工作的情况汇报\n区住建局：", "关于老旧小区改造工作的情况汇报\n区住建局："),
    ("XX区住房和城乡建设局\n2023年3月15日", "XX区住房和城乡建设局\n2023年3月15日"),
    ("合集标题\n篇一：情况汇报", "合集标题\n篇一：情况汇报"),
    # web noise and page furniture
    ("老旧小区改造情况汇报下面是小编为大家整理的老旧小区改造情况汇报4篇,供大家参考。\n正文。",
     "老旧小区改造情况汇报\n正文。"),
    ("正文一。\n第 2 页 共 5 页\n正文二。", "正文一。\n正文二。"),
    ("正文一。\n- 3 -\n正文二。", "正文一。\n正文二。"),
    ("正文。\n推荐访问:老旧小区改造情况汇报 情况汇报", "正文。\n"),
    ("正文。\n领导签字:\n单位盖章:\n", "正文。\n"),
    ("标准序号:Ⅲ- - 52- -1 1 )- - ②德政社区说明报告", "德政社区说明报告"),
]


@pytest.mark.parametrize("raw,expected", CASES, ids=[c[0][:20] for c in CASES])
def test_normalize_cases(raw, expected):
    assert normalize(raw).text == expected


@pytest.mark.parametrize("raw,_", CASES, ids=[c[0][:20] for c in CASES])
def test_offsets_are_monotonic_and_point_at_the_source(raw, _):
    n = normalize(raw)
    assert len(n.offsets) == len(n.text)
    assert all(a <= b for a, b in zip(n.offsets, n.offsets[1:]))
    for i, ch in enumerate(n.text):
        src = raw[n.offsets[i]]
        # a kept character is the same character, folded, or a space/newline turned into a break
        assert ch == src or ch == "\n" or normalize(src).text in (ch, "") or ord(src) - 0xFEE0 == ord(ch) \
            or src in ",:;()?!" or src in " \u3000"


def test_span_maps_back_to_exact_original_characters():
    raw = "项目投资约 8260 万元，其中企业自筹资金约 ５６６０ 万元。"
    n = normalize(raw)
    i = n.text.index("约5660万元")
    s, e = n.to_raw(i, i + len("约5660万元"))
    assert raw[s:e] == "约 ５６６０ 万元"


def test_hard_breaks_are_never_joined():
    raw = "第一段没有句号\n第二段"
    assert normalize(raw).text == "第一段没有句号第二段"
    assert normalize(raw, hard_breaks={raw.index("\n")}).text == raw


def test_traditional_is_detected_and_converted_char_for_char():
    trad = "本區共改造老舊小區12個，涉及居民2350戶，總投資8260萬元。"
    assert is_traditional(trad)
    n = normalize(trad)
    assert n.traditional
    assert n.text == "本区共改造老旧小区12个，涉及居民2350户，总投资8260万元。"
    assert len(n.text) == len(trad) and n.offsets == list(range(len(trad)))
    assert not is_traditional(n.text)
    assert to_simplified("後續維護") == "后续维护"


def test_seed_compilation_normalizes_cleanly(seed_text):
    raw = seed_text
    text = normalize(raw).text
    assert "小编" not in text and "推荐访问" not in text and "标准序号" not in text
    assert "目的" in text and "目 的" not in text
    assert "涉及居民2350户。\n（二）改造前存在问题\n屋面" in text
    assert "不同意愿，分清改造的类型" in text
    for marker in ("\n篇一：", "\n篇二：", "\n篇三：", "\n篇四："):
        assert marker in text


def test_heading_with_body_on_the_same_line_rejoins_its_wrapped_tail():
    raw = "（一）高位推动，压实责任。区政府成立了由区长任组长、分管副区长任副\n组长的领导小组。"
    assert normalize(raw).text == "（一）高位推动，压实责任。区政府成立了由区长任组长、分管副区长任副组长的领导小组。"


def test_width_folding_changes_exactly_what_the_table_says():
    from analyzer.normalize import _WIDTH_TABLE, _fold_width

    text = "".join(chr(code) for code in _WIDTH_TABLE) + "老旧小区，２０２１年　改造（一）ＡＢＣ"
    assert _fold_width(text) == text.translate(_WIDTH_TABLE)


def test_join_spans_on_long_joined_lines_reads_their_ends_and_tabs():
    from analyzer.normalize import _join_spans

    wrapped = "老旧小区改造工作推进有力居民满意度持续提升"  # 21 characters, no punctuation
    # a long run of wrapped lines is joined whole (and in linear time)
    text = "\n".join([wrapped] * 3000)
    assert len(_join_spans(text, set())) == 2999
    # once the joined line ends a sentence, the break after it stays
    text = "\n".join([wrapped, wrapped, wrapped + "。", wrapped])
    assert _join_spans(text, set()) == [(21, 22), (43, 44)]
    # a tab anywhere in a long joined line (a table row) keeps the break after it …
    text = "\n".join([wrapped + "\t" + wrapped, wrapped])
    assert _join_spans(text, set()) == []
    # … but not one in a blank line before it (a blank line keeps its own break)
    text = "\n".join(["\t", wrapped, wrapped + wrapped, wrapped])
    assert _join_spans(text, set()) == [(23, 24), (66, 67)]
    # a long text-table row
    text = "\n".join(["|" + wrapped + "|" + wrapped + "|", wrapped])
    assert _join_spans(text, set()) == []
