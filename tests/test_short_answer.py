"""Short-answer extraction: candidate phrases of a sentence, the question's cues, and the fitted choice."""

from __future__ import annotations

from assistant.answer_model import load_answer_model
from assistant.short_answer import FEATURES, best_span, candidate_spans, feature_matrix, question_cues

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


def test_question_cues_read_the_kind_particle_and_head_noun() -> None:
    cues = question_cues("노아의 방주의 선체는 어떠한 나무로 만들었는가?")
    assert cues.head_noun == "나무"
    assert question_cues("사업비는 얼마인가요?").kind == "money"
    assert question_cues("When was the committee launched?").kind == "date"
    assert question_cues("노아는 누구의 명령에 따라 배를 만들었나?").particle == "의"


def test_feature_rows_match_the_feature_names() -> None:
    spans = candidate_spans(SENTENCE)
    matrix = feature_matrix(SENTENCE, spans, question_cues("사업비는 얼마인가요?"))
    assert matrix.shape == (len(spans), len(FEATURES))


def test_the_fitted_model_picks_the_amount_for_a_money_question() -> None:
    model = load_answer_model().short_answer
    start, end, probability = best_span("디지털 오픈랩 사업에 투입되는 재원은 얼마인가요?", SENTENCE, model)
    assert "497억원" in SENTENCE[start:end]
    assert probability >= load_answer_model().short_answer_cutoff  # likely enough to be shown


def test_no_candidate_no_span() -> None:
    assert best_span("무엇인가?", "…", load_answer_model().short_answer) is None
