"""The development QA set's quality bar: hybrid retrieval beats both retrievers, unanswerables are refused."""

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


def test_hybrid_recall_at_5_and_mrr_beat_each_retriever(evaluation: tuple[dict[str, Any], list[ItemResult]]) -> None:
    retrieval = evaluation[0]["retrieval"]
    assert retrieval["hybrid"]["recall@5"] >= 0.95
    assert retrieval["hybrid"]["mrr"] > retrieval["bm25"]["mrr"]
    assert retrieval["hybrid"]["mrr"] > retrieval["dense"]["mrr"]


def test_every_english_item_retrieves_its_korean_evidence_in_top_5(
    evaluation: tuple[dict[str, Any], list[ItemResult]],
) -> None:
    misses = [
        r.item.id for r in evaluation[1] if r.item.lang == "en" and "hybrid" in r.hits and not any(r.hits["hybrid"][:5])
    ]
    assert misses == []


def test_every_unanswerable_item_is_refused(evaluation: tuple[dict[str, Any], list[ItemResult]]) -> None:
    unanswerable = [r for r in evaluation[1] if r.item.type == "unanswerable"]
    assert unanswerable
    assert [r.item.id for r in unanswerable if not r.refused_correctly] == []


def test_answers_cite_the_evidence_for_most_answerable_items(
    evaluation: tuple[dict[str, Any], list[ItemResult]],
) -> None:
    assert evaluation[0]["evidence_recall"] >= 0.75
    assert evaluation[0]["answer_correctness"] >= 0.7


def test_every_claim_verdict_is_right(evaluation: tuple[dict[str, Any], list[ItemResult]]) -> None:
    claims = [r for r in evaluation[1] if r.item.type == "claim"]
    assert len(claims) >= 10
    assert [(r.item.id, r.verdict) for r in claims if not r.verdict_correct] == []


def test_every_follow_up_finds_its_evidence(evaluation: tuple[dict[str, Any], list[ItemResult]]) -> None:
    conversations = [r for r in evaluation[1] if r.item.type == "conversation"]
    assert len(conversations) >= 4
    assert [r.item.id for r in conversations if not r.evidence_recalled] == []
