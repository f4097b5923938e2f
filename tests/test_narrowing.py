"""Short answers narrowed to what the question asks: a date's year, a person's name without the title."""

from __future__ import annotations

import pytest

from assistant.narrowing import narrowed, shown_extent
from assistant.question_types import expected_answer_type
from assistant.service import Assistant
from assistant.short_answer import question_cues


@pytest.mark.parametrize(
    ("question", "phrase", "part"),
    [
        ("협의회가 출범한 해는?", "2019년 3월 5일", "2019년"),
        ("협의회가 출범한 해는 언제야?", "2019년 3월", "2019년"),
        ("어느 해에 협의회가 출범했나?", "2019년 3월 5일", "2019년"),
        ("협의회가 출범한 연도는?", "2019년 3월 5일", "2019년"),
        ("In what year was the council launched?", "2019년 3월 5일", "2019년"),
        ("In what years did the council meet?", "2019년 3월", "2019년"),
        ("2020년도 사업이 착수된 날짜는?", "2020년 3월 5일", None),  # a year named, the whole date asked
        ("협의회가 출범한 날짜는?", "2019년 3월 5일", None),  # the whole date is asked
        ("그 해에 누가 의장이 되었나?", "2019년 3월 5일", None),  # 그 해 names the year; a person is asked
        ("협의회 의장은 누구인가?", "김도현 의장", "김도현"),
        ("협의를 제안한 인물은?", "박서준 울산시 경제부시장", None),  # 울산시 is a name too, not a title
        ("협의를 제안한 사람은?", "최민호 경제 부시장", "최민호"),
        ("Who chairs the council?", "이수진 위원장", "이수진"),
        ("협의회 의장은 누구인가?", "찰리 크리스천 의장", None),  # not a Korean name: the title may be part of it
        ("협의회 의장은 누구인가?", "구미시 관계자", None),  # a city, written like a three-syllable name
        ("협의회 의장은 누구인가?", "김도현", None),  # nothing to leave out
        ("직책의 이름은?", "김도현 의장", None),  # the title is asked, not the person
    ],
)
def test_the_asked_part_of_a_phrase(question: str, phrase: str, part: str | None) -> None:
    found = narrowed(question, phrase)
    assert (phrase[found[0] : found[1]] if found else None) == part


@pytest.mark.parametrize(
    "question",
    [
        "협의회가 출범한 해는?",
        "어느 해에 출범했나?",
        "출범한 해는 언제인가?",
        "협의회가 출범한 해는요?",
        "어느 해요?",
        "어느 해부터 시행되었나?",
        "그건 어느 해였나?",
        "어느 해까지인가요?",
    ],
)
def test_a_question_about_the_year_asks_for_a_date(question: str) -> None:
    """해 (year) as what is asked is a date question for the sentence filter and the short-answer cues alike."""
    answer_type = expected_answer_type(question)
    assert answer_type is not None and answer_type.name == "date"
    assert question_cues(question).kind == "date"


@pytest.mark.parametrize(
    "question",
    [
        "그 해에 누가 우승했나?",  # 그 해 names the year of something else
        "피해는 얼마인가?",
        "한 해 예산은?",
        "누가 발표 해?",  # the verb 해 (do), not the noun
        "회의는 어디서 해?",
        "공부 안 해?",
        "몇 해 동안 운영되었나?",  # a duration
        "어느 해외 기업이 투자했나?",  # 해외, not 해
        "주말에는 해요?",  # the polite verb 해요 after a topic particle
        "그 사업은 지금은 해요?",
    ],
)
def test_other_uses_of_hae_do_not_ask_for_a_date(question: str) -> None:
    assert question_cues(question).kind != "date"
    answer_type = expected_answer_type(question)
    assert answer_type is None or answer_type.name != "date"
    assert narrowed(question, "2019년 3월 5일") is None


@pytest.mark.parametrize(
    ("question", "short_answer"),
    [("경북이 4차산업혁명 전략위원회를 출범한 해는?", "2017년"), ("경상북도 경제부지사는 누구야?", "하대성")],
)
def test_the_short_answer_is_the_asked_part_and_its_span_exact(
    local_seed_assistant: Assistant, question: str, short_answer: str
) -> None:
    answer = local_seed_assistant.ask(question)
    assert answer.grounded and answer.short_answer == short_answer
    span = answer.short_answer_span
    assert span is not None and span.doc_id == answer.citations[0].doc_id
    assert local_seed_assistant.document(span.doc_id).text[span.start : span.end] == short_answer


_LIST = "양 시는 스마트 교통, 자가망, 시민 서비스 등을 함께 추진한다."
_DATE = "협의회는 2008년 2월 25일 출범했다."


@pytest.mark.parametrize(
    ("question", "sentence", "phrase", "shown"),
    [
        ("공동 사업에는 어떤 것들이 있나요?", _LIST, "자가망", "스마트 교통, 자가망, 시민 서비스"),  # the whole list
        ("자가망을 추진하는 곳은?", _LIST, "자가망", "자가망"),  # one thing asked: the phrase
        ("협의회가 출범한 해는?", _DATE, "2008년 2월 25일", "2008년"),  # a year asked: the date's year
        ("협의회는 언제 출범했나?", _DATE, "2008년 2월 25일", "2008년 2월 25일"),
    ],
)
def test_what_a_short_answer_shows(question: str, sentence: str, phrase: str, shown: str) -> None:
    start = sentence.index(phrase)
    extent = shown_extent(question, sentence, start, start + len(phrase))
    assert sentence[extent[0] : extent[1]] == shown
