"""Which kind of value a question asks for: Korean cues as whole morphemes in the question's focus, English cues as
whole words only; and which sentences hold such a value."""

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
        # English words that merely contain a cue are not cues.
        ("In North Gyeongsang's secondary battery hub strategy, what is Gimcheon responsible for?", None),
        ("According to Daegu Mayor Kwon Young-jin, what role would Pangyo play?", None),
        ("What is the fundamental aim of the Gwangju AI complex?", None),
        ("Which firms were separated from the Gumi cluster?", None),
        ("Which agency is going to rate the proposals?", None),
        ("How much storage space does the archive need?", "quantity"),
        # Korean: the unit after 몇, what 얼마 measures, else the question's last noun; who/where/what asks for none.
        ("디지털 오픈랩 사업비는 얼마인가요?", "money"),
        ("경북의 고용률은 얼마인가?", "percent"),
        ("정부 부채는 얼마를 넘어섰나?", "quantity"),
        ("협약에 참여한 기업은 몇 곳인가?", "count"),
        ("협약에 참여한 연구원은 몇 명인가?", "people"),
        ("이 사업은 몇 년 동안 이어지나?", "year"),
        ("특구 지정 기간이 끝나는 시기는?", "date"),
        ("사업비 집행을 감사한 기관은 어디인가?", None),
        ("예산 삭감을 처음 제안한 사람은 누구인가?", None),
        ("인구밀도가 가장 낮은 지역은?", None),
        ("규제가 전면적으로 바뀐 때는 언제인가?", "date"),
        ("예비용 장비를 보관하는 곳은?", None),
        ("투자 규모는 어느 정도예요?", "quantity"),
        ("어느 정도 닮은 모델은 무엇인가?", None),
        ("그 프로젝트의 정량 목표는?", "quantity"),
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


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("공사에 들어간 금액은?", "공사에는 모두 2천7백만 유로가 들었다."),
        ("받은 금액은 얼마인가?", "그는 9억4000여만원을 받았다."),
        ("수출 비중은 얼마인가?", "수출이 전체의 4분의 1을 차지한다."),
        ("참여 인원은 몇 명인가?", "모두 3인이 탑승할 수 있다."),
        ("몇 년 만에 완공되나?", "착공 3천년 뒤의 일이다."),
    ],
)
def test_values_written_in_other_currencies_units_and_fractions_count(question: str, sentence: str) -> None:
    assert sentence_answers_type(sentence, expected_answer_type(question))
