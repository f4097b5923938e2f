"""Quantities in Korean and English normalise to comparable numbers."""

from __future__ import annotations

import pytest

from assistant.english_render import english_rendering
from assistant.numbers import values


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5000억 투자", ("money", 5e11)),
        ("2조 4천억 원", ("money", 2.4e12)),
        ("6조원이상", ("money", 6e12)),
        ("2천만원", ("money", 2e7)),
        ("4,000억원", ("money", 4e11)),
        ("23개 사업", ("count", 23.0)),
        ("2,000명의 일자리", ("people", 2000.0)),
    ],
)
def test_korean_units_are_normalised(text: str, expected: tuple[str, float]) -> None:
    assert expected in values(text)


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
    assert ("money", 5e6) in values("$5million")
