"""English renderings of Korean amounts, dates, counts and percentages for English askers."""

from __future__ import annotations

import pytest

from assistant.english_render import bilingual, bilingual_in, english_money, english_rendering


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("총 497억원", "KRW 49.7 billion (총 497억원)"),
        ("4000억 원 이상", "at least KRW 400 billion (4000억 원 이상)"),
        ("2조 4천억원", "KRW 2.4 trillion (2조 4천억원)"),
        ("2017년 8월", "August 2017 (2017년 8월)"),
        ("2019년 6월 5일", "June 5, 2019 (2019년 6월 5일)"),
        ("약 3만명", "about 30,000 people (약 3만명)"),
        ("3만명 남짓", "more than 30,000 people (3만명 남짓)"),
        ("100명 미만", "less than 100 people (100명 미만)"),
        ("이상기후 피해 5억원", "KRW 500 million (이상기후 피해 5억원)"),  # 이상 here is no bound
        ("76.7%", "76.7%"),
        ("1억 5천만 달러", "USD 150 million (1억 5천만 달러)"),
        ("5억불", "USD 500 million (5억불)"),
        ("대구테크노파크", "대구테크노파크"),
    ],
)
def test_bilingual_puts_english_first_and_keeps_the_korean_phrase(phrase: str, expected: str) -> None:
    assert bilingual(phrase) == expected


def test_money_scales() -> None:
    assert english_money(6e12) == "KRW 6 trillion"
    assert english_money(3_500_000) == "KRW 3.5 million"
    assert english_money(5000) == "KRW 5,000"
    assert english_money(1.5e8, "USD") == "USD 150 million"


def test_a_phrase_without_numbers_has_no_rendering() -> None:
    assert english_rendering("경상북도 4차산업혁명 전략위원회") is None


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("470", "KRW 47 billion (470)"),
        ("국비 470", "KRW 47 billion (국비 470)"),
        ("497억원", "KRW 49.7 billion (497억원)"),
        ("2025년", "2025 (2025년)"),
    ],
)
def test_an_itemised_amount_is_rendered_with_the_unit_of_its_total(phrase: str, expected: str) -> None:
    sentence = "본 사업은 2025년까지 총 497억원(국비 470, 지방비 27) 규모의 재원이 투입될 예정이다."
    start = sentence.index(phrase)
    assert bilingual_in(sentence, start, start + len(phrase)) == expected
