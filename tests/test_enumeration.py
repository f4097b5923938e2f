"""Questions asking for several things get the whole list as their short answer."""

from __future__ import annotations

import pytest

from assistant.enumeration import asks_for_several, enumeration_around
from assistant.service import Assistant


@pytest.mark.parametrize(
    ("question", "several"),
    [
        ("울산시가 추진하는 수소 사업 두 가지는 무엇인가요?", True),
        ("3가지 지원 정책은?", True),
        ("협의회가 벌이는 공동 사업들은?", True),
        ("공동 사업에는 어떤 것들이 있나요?", True),
        ("What are the three goals of the hydrogen plan?", True),
        ("세 개의 정책은 무엇인가요?", True),
        ("세 도시는 어디인가요?", True),  # a number before the asked noun itself
        ("어떤 분야들에 투자하나요?", True),  # 투자하다 is a verb, not another thing asked about
        ("What are the 3 goals of the plan?", True),
        ("두 번째 방문국은 어디인가?", False),  # an ordinal
        ("수소 특구 3곳은 어디인가요?", True),  # digits before a counter
        ("2005년 1월 당시 협의회의 의장은?", False),  # digits before a date
        ("누리호 2호의 발사 장소는?", False),  # digits in a name
        ("기업들은 무엇을 얻나요?", False),  # the plural is the topic; 무엇 is asked
        ("몇 가지 사업이 있나요?", False),  # how many: a count
        ("협의회 회원들은 몇 명인가요?", False),  # a count asked of a plural
        ("결승에 오른 선수들이 다툰 경기장은?", False),  # a plural subject, not what is asked
        ("한 곳만 고르면 어디인가요?", False),  # one
        ("짐승들을 배에 태운 사람은 누구인가?", False),  # the plural is not what is asked
        ("두 지자체가 협약한 날은?", False),  # 두 before a noun, not a counter
        ("울산 수소 단지 투자 규모는?", False),
    ],
)
def test_questions_asking_for_several_things_are_recognised(question: str, several: bool) -> None:
    assert asks_for_several(question) is several


@pytest.mark.parametrize(
    ("sentence", "item", "whole"),
    [
        (
            "울산시는 수소버스 보급, 충전소 구축, 연료전지 발전 등 세 가지 사업을 벌인다.",
            "충전소 구축",
            "수소버스 보급, 충전소 구축, 연료전지 발전",  # 등 and what follows are left out
        ),
        (
            "센터는 시험 장비(MEC) 플랫폼, 5G 시험망 및 교육 공간을 갖춘다.",
            "5G 시험망",
            "시험 장비(MEC) 플랫폼, 5G 시험망 및 교육 공간",
        ),
        ("울산시와 부산시가 협약의 주인공이다.", "부산시", "울산시와 부산시"),
        (
            "정책(수소 교통, 에너지 전환, 산업 육성 정책)에 맞춘다.",  # the list inside the parenthesis
            "에너지 전환",
            "수소 교통, 에너지 전환, 산업 육성 정책",
        ),
        ("‘수소 도시 사업’, ‘탄소 중립 사업’ 등을 벌인다.", "탄소 중립 사업", "‘수소 도시 사업’, ‘탄소 중립 사업’"),
        ("「수소법」 및 「탄소중립법」을 개정한다.", "수소법", "「수소법」 및 「탄소중립법」"),  # with the marks
        ("‘수소 도시’와 ‘탄소 중립’이다.", "탄소 중립", "‘수소 도시’와 ‘탄소 중립’"),
        ("바이오, 헬스, 등 산업을 키운다.", "헬스", "바이오, 헬스"),  # no trailing comma
        ("행사는 서울, 부산, 대구 등지에서 열린다.", "대구 등지", "서울, 부산, 대구"),  # 등지 inside the phrase too
        ("울산 등 3개 도시와 부산, 대구가 참여한다.", "부산", "울산 등 3개 도시와 부산, 대구"),  # 등 before: kept
        ("울산은 수소, 부산은 해양, 대구는 로봇을 맡는다.", "해양", None),  # clauses, not a list
        ("예산은 100억 원, 인력은 20명이다.", "100억 원", None),
        ("1단계(2024~2025년), 2단계(2026년) 사업을 한다.", "2단계", None),  # would cut a parenthesis in half
        ("울산시는 수소테크노파크가 거점이다.", "수소테크노파크", None),  # no list
        ("울산시와 협약을 맺었다.", "울산시", None),  # 와 of "with", not "and"
    ],
)
def test_the_list_an_item_stands_in_is_found_whole(sentence: str, item: str, whole: str | None) -> None:
    start = sentence.index(item)
    found = enumeration_around(sentence, start, start + len(item))
    assert (sentence[found[0] : found[1]] if found else None) == whole


def test_a_question_asking_for_several_things_gets_the_whole_list(local_seed_assistant: Assistant) -> None:
    answer = local_seed_assistant.ask("광주가 헬스케어 분야 혁신의 기반으로 갖추고 있는 것들은 무엇인가요?")
    assert answer.grounded and answer.short_answer
    for item in ("빛고을 노인 건강 타운", "심혈관 센터", "지역 병원", "300여 개 중소기업"):
        assert item in answer.short_answer
    assert "등" not in answer.short_answer.split()
    span = answer.short_answer_span
    assert span and local_seed_assistant.document(span.doc_id).text[span.start : span.end] == answer.short_answer
