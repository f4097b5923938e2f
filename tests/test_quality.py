"""The development QA set's quality bar: hybrid retrieval at least as good as each retriever, unanswerables
refused."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.service import Assistant
from eval.qa import load_qa
from eval.runner import ItemResult, run_eval


@pytest.fixture(scope="module")
def evaluation(seed_assistant: Assistant) -> tuple[dict[str, Any], list[ItemResult]]:
    items = load_qa()
    return run_eval(seed_assistant, items, progress=False)


# A tie: less than two questions of 75 moving from 2nd to 1st place (MRR 2 × 0.5 / 75 = 0.0133).
MRR_TIE = 1 / 75


def test_hybrid_finds_and_ranks_at_least_as_well_as_each_retriever(
    evaluation: tuple[dict[str, Any], list[ItemResult]],
) -> None:
    retrieval = evaluation[0]["retrieval"]
    assert retrieval["hybrid"]["recall@5"] >= 0.95
    for single in ("bm25", "dense"):
        assert retrieval["hybrid"]["recall@5"] >= retrieval[single]["recall@5"], single
        # English questions match Korean text through translations since BM25 got them. Since the word list was
        # rebuilt (whole-definition headwords first), BM25 alone ranks the seeds a little better than the fusion (MRR
        # 0.825 against 0.812, within a tie; Recall@5 0.96 against 1.0), the sample documents' questions far worse
        # (development 0.742 against 0.784, held-out 0.669 against 0.782).
        assert retrieval["hybrid"]["mrr"] >= retrieval[single]["mrr"] - MRR_TIE, single


def test_every_english_item_retrieves_its_korean_evidence_in_top_5(
    evaluation: tuple[dict[str, Any], list[ItemResult]],
) -> None:
    misses = [
        r.item.id for r in evaluation[1] if r.item.lang == "en" and "hybrid" in r.hits and not any(r.hits["hybrid"][:5])
    ]
    assert misses == []


def test_unanswerable_items_are_refused(evaluation: tuple[dict[str, Any], list[ItemResult]]) -> None:
    # The refusal cut-offs are chosen on other data for at least 90 % refusal; on 8 items that allows one miss.
    unanswerable = [r for r in evaluation[1] if r.item.type == "unanswerable"]
    assert len(unanswerable) >= 8
    assert sum(not r.refused_correctly for r in unanswerable) <= 1
    assert all(r.refused_correctly for r in unanswerable if r.item.lang == "ko")


def test_answers_cite_the_evidence_for_most_answerable_items_and_little_else(
    evaluation: tuple[dict[str, Any], list[ItemResult]],
) -> None:
    # The answer model is fitted on other documents (eval/fit_answer_model.py), so these are held-out numbers:
    # the bar guards against regressions, it is not where the numbers were tuned.
    metrics = evaluation[0]
    assert metrics["by_language"]["ko"]["evidence_recall"] >= 0.7
    assert metrics["evidence_recall"] >= 0.6 and metrics["answer_correctness"] >= 0.6
    assert metrics["citation_precision"] >= 0.7  # one sentence when one answers


def test_short_answers_overlap_the_gold_answer(evaluation: tuple[dict[str, Any], list[ItemResult]]) -> None:
    by_language = evaluation[0]["by_language"]
    assert by_language["ko"]["short_answer_f1"] >= 0.35
    assert by_language["en"]["short_answer_f1"] >= 0.25  # the quoted Korean phrase, against a gold's Korean part


def test_every_claim_verdict_is_right(evaluation: tuple[dict[str, Any], list[ItemResult]]) -> None:
    claims = [r for r in evaluation[1] if r.item.type == "claim"]
    assert len(claims) >= 10
    assert [(r.item.id, r.verdict) for r in claims if not r.verdict_correct] == []


def test_most_follow_ups_find_their_evidence(evaluation: tuple[dict[str, Any], list[ItemResult]]) -> None:
    conversations = [r for r in evaluation[1] if r.item.type == "conversation"]
    assert len(conversations) >= 4
    assert sum(bool(r.evidence_recalled) for r in conversations) >= len(conversations) - 2
