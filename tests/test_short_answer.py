"""Short-answer extraction: candidate phrases of a sentence, the question's cues, and the fitted choice."""

from __future__ import annotations

import pytest

from assistant.answer_model import load_answer_model
from assistant.short_answer import (
    FEATURES,
    PHRASE_FEATURES,
    answer_likeness,
    answer_spans,
    best_span,
    candidate_spans,
    feature_matrix,
    question_cues,
)

SENTENCE = "본 사업은 2025년까지 총 497억원(국비 470, 지방비 27) 규모의 재원이 투입될 예정이다."


def _texts(sentence: str) -> set[str]:
    return {sentence[s.start : s.end] for s in candidate_spans(sentence)}


def test_candidates_are_noun_phrases_and_their_word_runs() -> None:
    texts = _texts(SENTENCE)
    assert {"497억원", "2025년", "국비 470", "재원"} <= texts
    assert not any(t.endswith(("은", "이", "까지")) for t in texts)  # particles are not part of a phrase
    texts = _texts(
        "2017년 8월 지방자치단체 최초로 4차산업혁명 대응 기구인 제1기 경상북도 4차산업혁명 전략위원회를 출범했다"
    )
    assert "제1기 경상북도 4차산업혁명 전략위원회" in texts


def test_a_quantity_written_in_several_words_is_a_candidate_only_whole() -> None:
    texts = _texts("일반 시민 2만 5000명에게 배정하고 매출은 49억300만 원이었다.")
    assert {"2만 5000명", "49억300만 원"} <= texts
    assert not {"2만", "5000명", "49억300만", "원"} & texts  # a number cut short, or a unit without its number
    assert {"2008년", "2008년 2월 25일", "2월 25일"} <= _texts("2008년 2월 25일 취임했다.")  # a date's parts stay
    assert {"코로나19", "2차 대유행"} <= _texts("코로나19 2차 대유행이 시작되었다.")  # a name ending in a number


def test_question_cues_read_the_kind_particle_and_head_noun() -> None:
    cues = question_cues("도는 새 청사를 어떠한 자재로 지었는가?")
    assert cues.head_noun == "자재"
    assert question_cues("사업비는 얼마인가요?").kind == "money"
    assert question_cues("When was the committee launched?").kind == "date"
    assert question_cues("Who was the minister when the ministry issued the explainer?").kind == "person"
    assert question_cues("How many people applied when the contest opened?").kind == "count"
    assert question_cues("두 시는 누구의 제안에 따라 협약을 맺었나?").particle == "의"
    assert question_cues("What were the pet-food exports worth in 2023?").kind == "money"
    assert question_cues("During what period was the draft open for comment?").kind == "date"


@pytest.mark.parametrize(
    ("phrase", "kind"),
    [("1억 5천만 달러", "money"), ("5억불", "money"), ("497억원", "money"), ("21.7%", "percent"), ("2014년", "date")],
)
def test_a_phrase_is_an_amount_of_money_as_the_number_parser_reads_it(phrase: str, kind: str) -> None:
    (span,) = [s for s in candidate_spans(phrase) if phrase[s.start : s.end] == phrase]
    assert span.kind == kind


def test_the_focus_is_the_noun_the_question_asks_about() -> None:
    assert question_cues("2020년 연구단지에 문을 연 센터의 이름은 무엇인가?").focus == {"센터"}
    assert question_cues("도는 실증 단지에 어떤 장비를 설치했나?").focus == {"장비"}
    assert question_cues("두 시와 협약을 맺은 기관은?").focus == {"기관"}


def test_an_english_question_asks_about_the_korean_words_of_the_noun_after_which() -> None:
    assert {"기업", "업체"} <= question_cues("Which company developed the platform?").focus
    assert {"과", "부서"} <= question_cues("Which K-water department wrote the press release?").focus
    assert question_cues("What is the budget?").focus == frozenset()  # "what is": no noun asked about
    newspaper = _row("Which newspaper first reported it?", "이 소식은 한겨레신문이 처음 보도했다.", "한겨레신문")
    news = _row("Which newspaper first reported it?", "이 소식은 한겨레신문이 처음 보도했다.", "소식")
    assert newspaper["focus_match"] == 1.0 and news["focus_match"] == 0.0


def _row(question: str, sentence: str, phrase: str) -> dict[str, float]:
    spans = candidate_spans(sentence)
    matrix = feature_matrix(sentence, spans, question_cues(question))
    index = next(i for i, s in enumerate(spans) if sentence[s.start : s.end] == phrase)
    return dict(zip(FEATURES, matrix[index], strict=True))


def test_features_see_the_focus_the_role_and_the_word_order() -> None:
    question = "울산시는 2025년 어디에 수소 충전소를 짓나?"
    sentence = "울산시는 2025년 더 넓은 부지를 찾아 남구에 또 하나의 수소 충전소를 짓는다."
    place, company = _row(question, sentence, "남구"), _row(question, sentence, "울산시")
    assert place["order_agreement"] > company["order_agreement"]  # 충전소 after it, 울산/2025년 before it
    assert place["next_adverbial"] == 1.0 and company["next_topic"] == 1.0
    assert company["question_characters"] == 1.0 and place["question_characters"] == 0.0
    centre = _row(
        "연구단지에 문을 연 센터의 이름은?", "연구단지에는 인공지능센터가 2020년 문을 열었다.", "인공지능센터"
    )
    assert centre["focus_match"] == 1.0


def test_answer_likeness_scores_sentences_in_one_batch_as_one_by_one() -> None:
    model = load_answer_model().short_answer
    cues = question_cues("디지털 오픈랩 사업에 투입되는 재원은 얼마인가요?")
    sentences = [SENTENCE, "…", "디지털 오픈랩은 대구와 경북에 조성된다."]
    batch = answer_likeness(sentences, cues, model)
    assert batch == [answer_likeness([s], cues, model)[0] for s in sentences]
    assert batch[1] == 0.0  # no candidate phrase


def test_a_sentence_read_for_one_question_is_scored_afresh_for_the_next() -> None:
    # Candidate phrases and their question-free features are kept per sentence; nothing of a question may stick.
    first, second = question_cues("사업비는 얼마인가요?"), question_cues("디지털 오픈랩은 어디에 조성되나요?")
    before = feature_matrix(SENTENCE, answer_spans(SENTENCE, first), first)
    other = feature_matrix(SENTENCE, answer_spans(SENTENCE, second), second)
    again = feature_matrix(SENTENCE, answer_spans(SENTENCE, first), first)
    assert (before == again).all() and not (before == other).all()
    assert len(set(FEATURES)) == len(FEATURES)  # each name once: a column is found by its name
    assert {len(span.fixed) for span in candidate_spans(SENTENCE)} == {len(PHRASE_FEATURES)}


def test_feature_rows_match_the_feature_names() -> None:
    spans = candidate_spans(SENTENCE)
    matrix = feature_matrix(SENTENCE, spans, question_cues("사업비는 얼마인가요?"))
    assert matrix.shape == (len(spans), len(FEATURES))


def test_the_fitted_model_picks_the_amount_for_a_money_question() -> None:
    model = load_answer_model().short_answer
    start, end, probability = best_span("디지털 오픈랩 사업에 투입되는 재원은 얼마인가요?", SENTENCE, model)
    assert "497억원" in SENTENCE[start:end]
    assert probability >= load_answer_model().short_answer_cutoff  # likely enough to be shown


def test_a_korean_question_is_not_answered_by_a_gloss_in_another_script() -> None:
    sentence = "개발자가 발행하는 가상화폐(virtual currency)는 히사마쓰마루(久松丸)가 만든 디지털화폐(2종)의 하나다."
    korean = {sentence[s.start : s.end] for s in answer_spans(sentence, question_cues("이 화폐는 무엇인가?"))}
    english = {sentence[s.start : s.end] for s in answer_spans(sentence, question_cues("What is this currency?"))}
    assert {"가상화폐", "히사마쓰마루", "디지털화폐"} <= korean
    assert not korean & {"virtual", "virtual currency", "久松丸"}  # the glosses of the words before them
    assert "2종" in korean  # a parenthesis with a number is no gloss
    assert "virtual currency" in english  # an English asker may well want the English name
    start, end, _ = best_span("개발자가 발행하는 화폐는?", sentence, load_answer_model().short_answer)
    assert sentence[start:end] not in ("virtual", "virtual currency")


def test_no_candidate_no_span() -> None:
    assert best_span("무엇인가?", "…", load_answer_model().short_answer) is None


def test_a_table_cell_is_a_phrase_of_its_own() -> None:
    row = "총 길이 | 47.2 m | 25.8 m"
    phrases = [row[span.start : span.end] for span in candidate_spans(row)]
    assert "47.2 m" in phrases and "25.8 m" in phrases
    assert not any("|" in phrase for phrase in phrases)
