"""The shipped answer model file: versioned, readable, consistent with the features the code computes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.answer_model import (
    FEATURES,
    MODEL_PATH,
    Candidate,
    QueryTerm,
    QueryView,
    evidence_probabilities,
    feature_matrix,
    load_answer_model,
)
from index.errors import ModelUnavailableError


def test_shipped_model_loads_with_cutoffs_per_language_and_held_out_numbers() -> None:
    model = load_answer_model()
    assert model.version
    assert set(model.cutoffs) >= {"ko", "en"} and all(0 < c < 1 for c in model.cutoffs.values())
    assert model.report["evidence"]["dev/ko/test"]["questions"] > 0  # fitted and reported on separate articles


def test_probabilities_are_probabilities() -> None:
    model = load_answer_model()
    noise = np.random.default_rng(0).normal(size=(5, len(FEATURES)))
    p = model.evidence.probabilities(model.evidence.mean + noise * model.evidence.scale)
    assert p.shape == (5,) and np.all((p > 0) & (p < 1))


def test_no_question_word_in_any_chunk_means_no_answer() -> None:
    model = load_answer_model().evidence
    rows = model.mean + np.random.default_rng(1).normal(size=(4, len(FEATURES))) * model.scale
    chunk = FEATURES.index("chunk_idf_overlap")
    rows[:, chunk] = 0.0
    assert np.array_equal(evidence_probabilities(model, rows), np.zeros(4))
    rows[2, chunk] = 0.5  # one chunk holds half the question: the model decides, for every row
    assert np.allclose(evidence_probabilities(model, rows), model.probabilities(rows))
    assert evidence_probabilities(model, rows[:0]).shape == (0,)


def _candidate(
    text: str, tokens: set[str], cosine: float, paragraph: set[str] = frozenset(), pointer: bool = False
) -> Candidate:
    return Candidate(
        text=text, cosine=cosine, tokens=frozenset(tokens), term_counts=dict.fromkeys(tokens, 1), length=len(text),
        chunk_rank=1, previous_tokens=frozenset(), next_tokens=frozenset(),
        bigrams=frozenset(), answer_likeness=0.0, title_tokens=frozenset(), chunk_tokens=frozenset(tokens),
        chunk_cosine=cosine, paragraph_tokens=frozenset(paragraph), opens_with_pointer=pointer,
    )


def test_gap_features_are_zero_for_the_best_candidate_and_overlap_counts_question_words() -> None:
    terms = [QueryTerm(frozenset({"오픈"}), 2.0), QueryTerm(frozenset({"예산"}), 1.0)]
    query = QueryView(terms, frozenset(), frozenset())
    matrix = feature_matrix([_candidate("a", {"오픈", "예산"}, 0.9), _candidate("b", {"예산"}, 0.8)], query, False)
    column = {name: i for i, name in enumerate(FEATURES)}
    assert matrix[0, column["cosine_gap"]] == 0 and matrix[1, column["cosine_gap"]] == pytest.approx(-0.1)
    assert matrix[0, column["idf_overlap"]] == 1.0 and matrix[1, column["idf_overlap"]] == pytest.approx(1 / 3)


def test_a_sentence_that_points_back_borrows_the_question_words_of_its_paragraph() -> None:
    terms = [QueryTerm(frozenset({"오픈랩"}), 2.0), QueryTerm(frozenset({"사업비"}), 1.0)]
    query = QueryView(terms, frozenset(), frozenset())
    rows = [
        _candidate("본 사업은 …", {"사업비"}, 0.5, paragraph={"오픈랩"}, pointer=True),
        _candidate("대구시는 …", {"사업비"}, 0.5, paragraph={"오픈랩"}),
        _candidate("경기도는 …", {"사업비"}, 0.5),
    ]
    matrix = feature_matrix(rows, query, False)
    column = {name: i for i, name in enumerate(FEATURES)}
    assert list(matrix[:, column["paragraph_idf_overlap"]]) == pytest.approx([1.0, 1.0, 1 / 3])
    assert list(matrix[:, column["anaphora_gain"]]) == pytest.approx([2 / 3, 0.0, 0.0])


@pytest.mark.parametrize("content", ["not json", "{}", '{"version": "x", "evidence": {"features": ["other"]}}'])
def test_a_damaged_or_foreign_model_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ModelUnavailableError, match="answer model"):
        load_answer_model(path)


def test_the_file_round_trips() -> None:
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert load_answer_model().to_json()["evidence"]["weights"] == data["evidence"]["weights"]
