"""Quantities in Korean and English normalise to comparable numbers."""

from __future__ import annotations

import pytest

from assistant.english_render import english_rendering
from assistant.numbers import Measure, Quantity, confirms, quantities, values


@pytest.mark.parametrize(
    ("korean", "english"),
    [
        ("4000억 원 이상", "more than 400 billion won"),
        ("24조 1000억 원", "24.1 trillion won"),
        ("27억원", "KRW 2.7 billion"),
        ("76.7%", "76.7 percent"),
        ("1만 명", "10,000 jobs"),
        ("2017년", "in 2017"),
    ],
)
def test_korean_and_english_amounts_are_equal(korean: str, english: str) -> None:
    assert values(korean) == values(english)
    assert values(korean)


def test_different_amounts_differ() -> None:
    assert values("5000억 원") != values("4000억 원")
    assert values("2018년") != values("2017년")


def test_text_without_numbers_has_no_quantities() -> None:
    assert values("광주 인공지능 집적단지 조성 사업") == set()


@pytest.mark.parametrize("text", ["5G 시험망 구축", "3D 프린팅 센터", "G20 정상회의", "B2B 플랫폼"])
def test_numbers_inside_names_are_not_quantities(text: str) -> None:
    assert values(text) == set()
    assert english_rendering(text) is None  # an English short answer does not render "5G" as 5


def test_a_scale_word_glued_to_its_number_still_counts() -> None:
    assert (Measure("money", "USD"), 5e6) in values("$5million")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5000억 투자", (Measure("money", "KRW"), 5e11)),  # Korean units, no currency written: won
        ("2조 4천억 원", (Measure("money", "KRW"), 2.4e12)),
        ("6조원이상", (Measure("money", "KRW"), 6e12)),
        ("2천만원", (Measure("money", "KRW"), 2e7)),
        ("4,000억원", (Measure("money", "KRW"), 4e11)),
        ("23개 사업", (Measure("count"), 23.0)),
        ("2,000명의 일자리", (Measure("people"), 2000.0)),
        ("1억 5천만 달러", (Measure("money", "USD"), 1.5e8)),
        ("수출 5억불 달성", (Measure("money", "USD"), 5e8)),
        ("5억불을 넘어", (Measure("money", "USD"), 5e8)),
        ("USD 150 million", (Measure("money", "USD"), 1.5e8)),
        ("150 million dollars", (Measure("money", "USD"), 1.5e8)),
        ("€20 million", (Measure("money", "EUR"), 2e7)),
        ("20억 유로", (Measure("money", "EUR"), 2e9)),
        ("1000억엔", (Measure("money", "JPY"), 1e11)),
        ("3억 위안", (Measure("money", "CNY"), 3e8)),
        ("3억 달러(국비 1, 민간 2)", (Measure("money", "USD"), 1e8)),  # an itemised part keeps the total's currency
        ("5억 달러 (정부 4억, 민간 1억)", (Measure("money", "USD"), 4e8)),  # a part with a unit of its own too
        ("10억불씩 지원한다", (Measure("money", "USD"), 1e9)),
        ("5억불이었다", (Measure("money", "USD"), 5e8)),
        ("1억 엔으로 늘었다", (Measure("money", "JPY"), 1e8)),
        ("100억 엔화 표시", (Measure("money", "JPY"), 1e10)),
        ("JPY 100 million", (Measure("money", "JPY"), 1e8)),
        ("¥100 million", (Measure("money", "JPY"), 1e8)),
        ("RMB 5 billion", (Measure("money", "CNY"), 5e9)),
        ("USD150 million", (Measure("money", "USD"), 1.5e8)),
        ("2017년 출범", (Measure("year"), 2017.0)),  # a calendar year
        ("10년 후", (Measure("years"), 10.0)),  # a length of time, like "10 years"
        ("in 10 years", (Measure("years"), 10.0)),
        ("a 10-year plan", (Measure("years"), 10.0)),
        ("30,000 new jobs", (Measure("people"), 3e4)),  # like 3만명: an adjective may stand before the noun
    ],
)
def test_quantities_are_normalised_and_money_keeps_its_currency(text: str, expected: tuple[Measure, float]) -> None:
    assert expected in values(text)
    assert {measure for measure, _ in values(text)} == {expected[0]}


@pytest.mark.parametrize("text", ["3억 불이익", "5억 불로소득", "10억 불만족", "3억 불법 보조금", "2억 엔진 개발"])
def test_words_that_begin_with_a_currency_syllable_are_no_currency(text: str) -> None:
    (quantity,) = quantities(text)
    assert quantity.currency == "KRW"  # an amount in Korean units with no currency written: won


def test_an_itemised_amount_counts_each_part_once() -> None:
    assert values("497억 원 (국비 470억, 지방비 27억)") == {
        (Measure("money", "KRW"), 4.97e10), (Measure("money", "KRW"), 4.7e10), (Measure("money", "KRW"), 2.7e9)
    }
    assert values("497억원(국비 470, 지방비 27)") == values("497억 원 (국비 470억, 지방비 27억)")


def test_a_weight_in_pounds_is_no_money() -> None:
    assert values("5 pounds of flour") == {(Measure("count"), 5.0)}


def test_the_same_number_in_another_currency_is_another_amount() -> None:
    assert values("1억 5천만 달러") != values("1억 5천만원")
    assert values("3억 불법 보조금") == {(Measure("money", "KRW"), 3e8)}  # 불법 (illegal) is no dollar


def one(text: str) -> Quantity:
    (quantity,) = quantities(text)
    return quantity


@pytest.mark.parametrize(
    ("text", "bound", "phrase"),
    [
        ("4000억 원 이상의 투자", "at_least", "4000억 원 이상"),
        ("6조원이상", "at_least", "6조원이상"),
        ("3만명 남짓", "more_than", "3만명 남짓"),
        ("5억불을 넘어", "more_than", "5억불을 넘어"),
        ("100명 미만", "less_than", "100명 미만"),
        ("최대 5%", "at_most", "최대 5%"),
        ("약 3만명", "about", "약 3만명"),
        ("more than 400 billion won", "more_than", "more than 400 billion won"),
        ("up to 5%", "at_most", "up to 5%"),
        ("계약 500억 원", "exact", "500억 원"),  # 계약 ends in 약 but is no estimate
        ("76.7%에 달하는", "exact", "76.7%"),
    ],
)
def test_bounds_and_estimates_keep_the_words_that_make_them(text: str, bound: str, phrase: str) -> None:
    quantity = one(text)
    assert (quantity.bound, quantity.phrase) == (bound, phrase)


def test_an_estimate_allows_what_rounds_to_it() -> None:
    assert one("약 500억 원").interval == (4.5e10, 5.5e10)
    assert one("약 497억 원").interval == (4.965e10, 4.975e10)
    assert one("4000억 원 이상").interval[1] == float("inf")


def test_a_source_figure_confirms_a_claim_when_it_lies_inside_the_claimed_range() -> None:
    source = one("4000억 원 이상")
    assert confirms(source, one("3000억 원 넘게"))
    assert confirms(source, one("4000억 원"))  # the same figure
    assert not confirms(source, one("5000억 원"))
    assert not confirms(source, one("more than 500 billion won"))
    assert confirms(one("497억원"), one("약 500억 원"))
    assert not confirms(one("430억원"), one("약 500억 원"))
    assert not confirms(one("4000억 달러"), one("3000억 원 이상"))  # another currency
    assert not confirms(source, one("최대 4000억 원"))  # the same figure, bounded the other way
