"""Sentences and questions that point back to something named before them."""

from __future__ import annotations

import pytest

from assistant.anaphora import opens_with_pointer


@pytest.mark.parametrize(
    "sentence",
    [
        "본 사업은 내년까지 이어진다.",
        "이를 통해 일자리를 늘린다.",
        "그는 그해 시장이 되었다.",
        "양 기관은 협약을 맺었다.",
        "해당 시설은 올해 문을 연다.",
    ],
)
def test_sentences_whose_subject_is_named_before_them(sentence: str) -> None:
    assert opens_with_pointer(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["대구시는 테크노파크가 거점이다.", "경기도는 7월 캠퍼스를 연다.", "시설을 짓는 데 3년이 걸린다고 그는 말했다."],
)
def test_sentences_that_name_their_own_subject(sentence: str) -> None:
    assert not opens_with_pointer(sentence)
