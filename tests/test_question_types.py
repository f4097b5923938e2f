"""Which kind of value a question asks for (from what it asks: its question word and the noun before it, not any
word in it; Korean cues inside words, English cues as whole words only), and which sentences hold one."""

from __future__ import annotations

import pytest

from assistant.question_types import expected_answer_type, sentence_answers_type
from eval.answer_types import filter_table
from eval.qa import QAItem
from index.documents import SourceDocument


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("광주 AI 집적단지에 투자되는 금액은?", "money"),
        ("How much will Gwangju invest?", "money"),
        ("What is the total budget of the Digital Open Lab?", "money"),
        ("Where does the funding come from?", None),  # a source, not an amount
        ("How much did the county invest in the dam?", "money"),
        ("How much did exports grow last year?", "count"),  # an amount of no named kind: any number
        ("Who proposed cutting the budget?", None),
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
        # A duration, a weight or a length is a number, not an amount of money or a date; "to rate" is a verb.
        ("그 교량의 길이는 얼마나 되나요?", "count"),
        ("How much longer will the subsidy last?", "count"),
        ("자격은 몇 년 동안 제한되나요?", "count"),
        ("센터는 몇 년에 문을 열었나요?", "date"),
        ("그 기타는 몇 년도에 다시 출시되었나?", "date"),
        # The kind is what the question asks for, not a word elsewhere in it.
        ("선거 비용을 폭로한 사람은 누구인가?", None),
        ("도시철도가 전면적으로 개편된 것은 언제인가?", "date"),  # 전면적 holds 면적, an area
        ("인구가 가장 적은 섬은 어디인가?", None),
        ("몇몇 나라가 채택한 제도의 이름은?", None),  # 몇몇 is "some", no question word
        ("공무원 수는 얼마나 늘었나?", "count"),
        ("구단이 그 선수에게 지급한 이적료는 얼마인가?", "money"),
        ("시장 점유율은 얼마인가?", "percent"),
        ("그 노래는 차트에서 몇 위를 했나?", "count"),
        ("연봉 인상률은 얼마인가?", "percent"),
        ("광주의 인구는 몇 명인가요?", "people"),
        ("주행시험장의 면적은 어느 정도인가요?", "area"),
        ("투자 규모는 어느 정도예요?", "money"),
        ("인공지능 집적단지에는 얼마가 투자될 계획인가요?", "money"),
        ("그 특구에 투자한 기업은 얼마나 되나요?", "count"),
        ("How much of the lab's budget comes from the state?", "money"),
        ("새로 개정된 법률은?", None),
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


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("구단이 지급한 이적료는 얼마인가?", "이적료는 1200만 파운드였다."),
        ("공사비는 얼마였나?", "공사에는 2억 7천만 유로가 들었다."),
        ("How much did the county invest?", "The county invested $3 million."),
        ("그 음악은 언제 생겨났나?", "이 음악은 19세기 말 남부에서 생겨났다."),
        ("그 밴드가 인기를 끈 시기는?", "밴드는 1970년대에 인기를 끌었다."),
        ("그 기타는 몇 년도에 다시 출시되었나?", "회사는 이 기타를 72년에 다시 내놓았다."),
        ("두 사람은 언제 만나기로 했나?", "두 사람은 정오에 만나기로 했다."),
        ("When did the plant open?", "The plant opened in March."),
        ("강이 실어 나르는 흙의 비율은?", "강은 세계 유실 토양의 4분의 1을 실어 나른다."),
        ("그는 몇 골을 넣었나?", "그는 그 경기에서 두 골을 넣었다."),
        ("시험장의 면적은 어느 정도인가요?", "시험장은 40여만㎡ 규모다."),
        ("탑승할 수 있는 인원은 최대 몇 인인가?", "최대 3인까지 함께 탈 수 있다."),
        ("지자체가 시행령을 고친 건 언제예요?", "시행령을 개정‧시행('23.3)한 바 있다."),
    ],
)
def test_values_of_the_asked_kind_in_any_currency_and_calendar_form(question: str, sentence: str) -> None:
    answer_type = expected_answer_type(question)
    assert answer_type is not None
    assert sentence_answers_type(sentence, answer_type), answer_type.name
    assert not sentence_answers_type("그 계획은 시민의 호응을 얻었다.", answer_type)


def test_the_filter_report_counts_the_gold_sentences_it_drops() -> None:
    """`eval/answer_types.py` reports, per kind, how many gold sentences the filter keeps (here one of two dates:
    an event answers the second 언제) and how much of the document it keeps."""
    text = "센터는 2021년 3월에 문을 열었다. 공사는 전쟁이 끝난 뒤 시작되었다. 예산은 30억원이다. 직원은 친절하다."
    document = SourceDocument(doc_id="d1", source="center.txt", title="센터", text=text)

    def item(item_id: str, question: str, evidence: str) -> QAItem:
        return QAItem(id=item_id, question=question, answer=evidence[:4], doc="center.txt", evidence=evidence)

    items = [
        item("q1", "센터는 언제 문을 열었나?", "센터는 2021년 3월에 문을 열었다."),
        item("q2", "공사는 언제 시작되었나?", "공사는 전쟁이 끝난 뒤 시작되었다."),
        item("q3", "예산은 얼마인가?", "예산은 30억원이다."),
        item("q4", "직원은 어떤가?", "직원은 친절하다."),  # no kind: not counted
    ]
    table = filter_table(items, [document], "center")
    rows = list(zip(*(column.cells for column in table.columns), strict=True))
    assert rows == [
        ("date", "2", "0.500", "0.250"),
        ("money", "1", "1.000", "0.250"),
        ("all", "3", "0.667 (1 dropped)", ""),
    ]
