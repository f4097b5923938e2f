"""Evaluation metrics that decide whether an answer cited the evidence."""

from __future__ import annotations

from eval.metrics import quotes_evidence, spans_overlap


def test_a_cited_sentence_holding_the_whole_evidence_counts_wherever_it_stands() -> None:
    evidence = "본 사업은 2025년까지 총 497억원 규모의 재원이 투입될 예정이다."
    assert quotes_evidence("본 사업은 2025년까지 총 497억원 규모의  재원이 투입될 예정이다.", evidence)  # spacing aside
    assert quotes_evidence("그는 " + evidence, evidence)
    assert not quotes_evidence("본 사업은 2025년까지 총 497억원 규모다.", evidence)  # part of it is not enough
    assert not quotes_evidence(evidence, "")


def test_spans_overlap_when_they_share_a_character() -> None:
    assert spans_overlap(0, 10, 9, 20)
    assert not spans_overlap(0, 10, 10, 20)
