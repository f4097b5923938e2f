"""Hybrid retrieval over the seed index: fusion, cross-lingual search, region filtering."""

from __future__ import annotations

import pytest

from assistant.service import Assistant
from index.errors import InputError
from index.search import lexical_tokens


def test_results_are_ranked_chunks_with_exact_offsets(seed_assistant: Assistant) -> None:
    results = seed_assistant.search("대구 주행시험장 완공", k=3)
    assert [r.rank for r in results] == [1, 2, 3]
    assert results[0].score >= results[1].score >= results[2].score
    for result in results:
        assert result.document.text[result.chunk.start : result.chunk.end] == result.chunk.text


@pytest.mark.parametrize(
    ("query", "source", "needle"),
    [
        ("How much will be invested in the Gwangju AI cluster?", "004_", "4000억"),
        ("Which two local governments are building a Digital Open Lab together?", "003_", "디지털 오픈랩"),
        ("Which company do Gwangju auto-parts makers depend on?", "004_", "76.7%"),
    ],
)
def test_english_query_finds_korean_passage(seed_assistant: Assistant, query: str, source: str, needle: str) -> None:
    results = seed_assistant.search(query, k=5)
    assert any(r.document.source.startswith(source) and needle in r.chunk.text for r in results)


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("Which two local governments are building a Digital Open Lab together?", "디지털 오픈랩"),
        ("What is the budget of the Digital Open Lab project?", "497억원"),
    ],
)
def test_an_english_query_matches_korean_text_lexically_through_its_translations(
    seed_assistant: Assistant, query: str, needle: str
) -> None:
    tokens = lexical_tokens(query)
    assert "digital" in tokens and {"디지털", "오픈", "랩"} <= set(tokens)  # its own words and their translations
    korean = "디지털 오픈랩 사업비는 얼마인가요?"
    assert lexical_tokens(korean) == ["디지털", "오픈", "랩", "오픈랩", "사업비", "얼마"]  # morphemes, compounds
    results = seed_assistant.search(query, k=5, mode="bm25")
    assert any(r.document.source.startswith("003_") and needle in r.chunk.text for r in results)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_every_mode_finds_an_exact_korean_phrase(seed_assistant: Assistant, mode: str) -> None:
    results = seed_assistant.search("메디시티협의회 공동 IRB", k=5, mode=mode)
    assert any("메디시티협의회" in r.chunk.text for r in results)


def test_region_in_query_keeps_to_documents_about_it(seed_assistant: Assistant) -> None:
    results = seed_assistant.search("광주 산업 투자", k=5)
    assert results
    assert all("광주" in r.document.regions for r in results)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_the_reported_bm25_score_is_the_one_that_ranked(seed_assistant: Assistant, mode: str) -> None:
    """BM25 ranks with the query's morphemes and the Korean names of its regions; every result reports that
    score (a chunk only the dense lists found is scored the same way), and BM25 mode lists by it."""
    query = "경북 신전자산업 프로젝트 고용"
    results = seed_assistant.search(query, k=5, mode=mode)
    rows = {chunk.chunk_id: row for row, chunk in enumerate(seed_assistant.index.chunks)}
    expected = seed_assistant.index.lexical_scores(lexical_tokens(query), [rows[r.chunk.chunk_id] for r in results])
    assert [r.bm25_score for r in results] == pytest.approx(expected, abs=1e-4)
    if mode == "bm25":
        assert [r.bm25_score for r in results] == sorted((r.bm25_score for r in results), reverse=True)


@pytest.mark.parametrize("k", [0, -1, 51])
def test_top_k_out_of_range_is_an_input_error(seed_assistant: Assistant, k: int) -> None:
    with pytest.raises(InputError):
        seed_assistant.search("광주", k=k)
