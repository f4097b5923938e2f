"""Which kind of value a question asks for: Korean cues inside words, English cues as whole words only."""

from __future__ import annotations

import pytest

from assistant.question_types import expected_answer_type, sentence_answers_type


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("광주 AI 집적단지에 투자되는 금액은?", "money"),
        ("How much will Gwangju invest?", "money"),
        ("What is the total budget of the Digital Open Lab?", "money"),
        ("Where does the funding come from?", "money"),
        ("기아차 의존률은 몇 퍼센트인가요?", "percent"),
        ("What share of suppliers depend on Kia?", "percent"),
        ("What rates of growth are expected?", "percent"),
        ("디지털 오픈랩은 언제 문을 여나요?", "date"),
        ("In what year did Daegu finish the proving ground?", "date"),
        ("How many companies signed the declaration?", "count"),
        ("How many jobs will the project create?", "people"),
        ("What is the area of the Digital Open Lab in Pangyo?", "area"),
        ("그 사업의 정량 목표는?", "quantity"),
        ("What are the quantitative targets of the plan?", "quantity"),
        # English words that merely contain a cue are not cues.
        ("In North Gyeongsang's secondary battery hub strategy, what is Gimcheon responsible for?", None),
        ("According to Daegu Mayor Kwon Young-jin, what role would Pangyo play?", None),
        ("What is the fundamental aim of the Gwangju AI complex?", None),
        ("Which firms were separated from the Gumi cluster?", None),
        # A duration, a weight or a length is not an amount of money or a date; "to rate" is a verb.
        ("그 교량의 길이는 얼마나 되나요?", None),
        ("How much longer will the subsidy last?", None),
        ("자격은 몇 년 동안 제한되나요?", None),
        ("센터는 몇 년에 문을 열었나요?", "date"),
        ("Which criteria are used to rate the projects?", None),
    ],
)
def test_question_cues(question: str, expected: str | None) -> None:
    answer_type = expected_answer_type(question)
    assert (answer_type.name if answer_type else None) == expected


def test_a_typed_question_needs_a_sentence_with_that_kind_of_value() -> None:
    money = expected_answer_type("예산은 얼마인가요?")
    assert sentence_answers_type("총 497억원(국비 470, 지방비 27) 규모의 재원이 투입된다.", money)
    assert not sentence_answers_type("대구테크노파크가 거점이다.", money)
    assert sentence_answers_type("대구테크노파크가 거점이다.", None)


def test_a_quantity_is_a_number_with_a_unit_not_a_numbered_name() -> None:
    quantity = expected_answer_type("정량 목표는?")
    assert sentence_answers_type("10년 후 3만명 이상의 고용과 6조원의 생산 효과를 목표로 한다.", quantity)
    assert sentence_answers_type("수출액이 12% 늘었다.", quantity)
    assert not sentence_answers_type("4차산업혁명 시대의 5G 융합 생태계를 만든다.", quantity)
