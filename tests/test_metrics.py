"""Evaluation metrics that decide whether an answer cited the evidence."""

from __future__ import annotations

from eval.metrics import holds_evidence, quotes_evidence, short_answer_match, spans_overlap


def test_a_cited_sentence_holding_the_whole_evidence_counts_wherever_it_stands() -> None:
    evidence = "본 사업은 2025년까지 총 497억원 규모의 재원이 투입될 예정이다."
    assert quotes_evidence("본 사업은 2025년까지 총 497억원 규모의  재원이 투입될 예정이다.", evidence)  # spacing aside
    assert quotes_evidence("그는 " + evidence, evidence)
    assert not quotes_evidence("본 사업은 2025년까지 총 497억원 규모다.", evidence)  # part of it is not enough
    assert not quotes_evidence(evidence, "")


def test_spans_overlap_when_they_share_a_character() -> None:
    assert spans_overlap(0, 10, 9, 20)
    assert not spans_overlap(0, 10, 10, 20)


def test_a_span_holds_the_evidence_by_overlapping_it_or_by_quoting_it_elsewhere() -> None:
    evidence = "대구시는 대구테크노파크가 거점이다."
    gold = ("doc-a", 100, 119)
    assert holds_evidence("doc-a", 90, 101, "…", gold, evidence)  # overlaps the gold span
    assert not holds_evidence("doc-a", 119, 140, "다른 문장.", gold, evidence)  # right after it
    assert not holds_evidence("doc-b", 100, 119, "다른 문장.", gold, evidence)  # same offsets, another document
    assert holds_evidence("doc-b", 0, 19, evidence, gold, evidence)  # the statement repeated in another document


def test_a_short_answer_is_matched_with_either_part_of_a_bilingual_gold() -> None:
    assert short_answer_match("박인환", "Park In-hwan (박인환)") == (1.0, 1.0)  # the quoted source phrase
    assert short_answer_match("Park In-hwan", "Park In-hwan (박인환)")[0] == 1.0
    em, f1 = short_answer_match("2011년", "2011 (2011년도)")
    assert em == 0.0 and 0.8 < f1 < 1.0  # still character F1, against the closest part
    assert short_answer_match("과학산업국", "과학산업국") == (1.0, 1.0)
    assert short_answer_match("기술원", "구미전자정보기술원")[0] == 0.0  # a one-language gold is one answer
    assert short_answer_match("", "Park In-hwan (박인환)") == (0.0, 0.0)
