"""Claim checking: supported, contradicted with the conflicting figure quoted, or not found."""

from __future__ import annotations

import re

import pytest

from assistant.service import Assistant
from index.errors import InputError


@pytest.mark.parametrize(
    ("claim", "verdict", "conflict"),
    [
        ("광주 AI 단지에 5000억 투자?", "contradicted", "4000억 원 이상"),  # wrong amount, quoted with its bound
        ("광주 AI 단지에 3000억 원 넘게 투자될 계획이다.", "supported", None),  # 4000억 원 이상 is more than 3000억
        ("Gwangju's AI cluster will receive more than 500 billion won.", "contradicted", "4000억 원 이상"),
        ("광주 인공지능 집적단지에는 4000억 원 이상이 투자될 계획이다.", "supported", None),
        ("대구 주행시험장은 2012년에 완공됐다.", "contradicted", "2014"),  # wrong year
        ("The Daegu vehicle proving ground was completed in 2014.", "supported", None),
        ("Gyeongbuk held its new electronics industry launch ceremony in Pohang.", "contradicted", "구미"),  # city
        ("In Gwangju, 280 auto-parts SMEs depend on Kia for 76.7% of their business.", "supported", None),
        ("In Gwangju, 280 auto-parts SMEs depend on Kia for 86.7% of their business.", "contradicted", "76.7"),
        ("부산시는 해양 신산업에 3조 원을 투자한다.", "not_found", None),  # region the corpus never covers
        ("광주 인공지능 집적단지에는 4000억 달러 이상이 투자될 계획이다.", "contradicted", "4000억 원"),  # currency
        # 총 497억원(국비 470, 지방비 27): a figure in brackets is read with the bracket's words, the total without them
        # (both used to be compared with the 27), an English claim's words through their translations (국비)
        ("대구 디지털 오픈랩에 497억원이 투입된다.", "supported", None),
        ("Daegu's Digital Open Lab costs 49.7 billion won.", "supported", None),  # was: contradicted, 대구 vs 경기도
        ("The Digital Open Lab gets 27 billion won of national funds.", "contradicted", "470"),
        ("Daegu began building its vehicle proving ground in 2007.", "supported", None),  # 2007년부터 … 2014년 완공
        ("The Daegu vehicle proving ground was completed in 2007.", "contradicted", "2014"),
        ("안녕하세요", "not_found", None),  # shares no word with any passage (was: supported by "특히.")
        # "30,000 new jobs in 10 years" against 10년 후 3만명 이상: people and a length of time on both sides
        ("Gyeongbuk aims for 30,000 new jobs in 10 years.", "supported", None),  # was: not_found (30,000, 10)
        ("경북은 5년 후 3만명 고용을 목표로 한다.", "contradicted", "10년"),
        ("대구시는 삼성과 협약을 맺었다.", "not_found", None),  # no document names 삼성 (was: supported)
        ("대구시는 경기도와 협약을 맺었다.", "supported", None),
    ],
)
def test_claim_verdicts(seed_assistant: Assistant, claim: str, verdict: str, conflict: str | None) -> None:
    result = seed_assistant.check(claim)
    assert result.verdict == verdict, result.explanation
    if conflict is not None:
        assert result.conflict is not None and conflict in result.conflict
        assert any(result.conflict in c.quote for c in result.evidence)  # the conflicting figure is quoted
    if verdict != "not_found":
        assert result.evidence
    for citation in result.evidence:
        assert citation.quote == seed_assistant.document(citation.doc_id).text[citation.start : citation.end]


def test_explanation_is_in_the_claim_language(seed_assistant: Assistant) -> None:
    korean = seed_assistant.check("대구 주행시험장은 2012년에 완공됐다.")
    english = seed_assistant.check("The Daegu vehicle proving ground was completed in 2012.")
    assert korean.language == "ko" and any("가" <= ch <= "힣" for ch in korean.explanation)
    outside_quotes = re.sub(r"\([^)]*\)", "", english.explanation)  # the Korean original stays in parentheses
    assert english.language == "en" and not any("가" <= ch <= "힣" for ch in outside_quotes)
    assert "2014" in english.explanation and "2014" in korean.explanation  # both quote the source's year


def test_an_english_explanation_gives_the_source_figure_in_english_first(seed_assistant: Assistant) -> None:
    result = seed_assistant.check("Gwangju's AI cluster will receive more than 500 billion won.")
    assert "at least KRW 400 billion (4000억 원 이상)" in result.explanation


def test_a_figure_itemised_without_its_unit_is_rendered_with_it(seed_assistant: Assistant) -> None:
    """The 470 of 497억원(국비 470, 지방비 27) is KRW 47 billion, not 470."""
    result = seed_assistant.check("The Digital Open Lab gets 27 billion won of national funds.")
    assert "KRW 47 billion (470)" in result.explanation


def test_empty_claim_is_an_input_error(seed_assistant: Assistant) -> None:
    with pytest.raises(InputError):
        seed_assistant.check("  ")
