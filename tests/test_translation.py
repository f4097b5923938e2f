"""English question words become Korean search tokens (word list + policy glossary + region names)."""

from __future__ import annotations

from index.translation import english_word_forms, query_word_forms


def _all_forms(text: str) -> set[str]:
    return {form for forms in english_word_forms(text) for form in forms}


def test_policy_terms_and_loanwords_reach_the_korean_words_of_the_documents() -> None:
    forms = _all_forms("Where is Daegu's base for the Digital Open Lab?")
    assert {"대구", "거점", "디지털", "오픈", "랩"} <= forms


def test_general_words_come_from_the_word_list() -> None:
    assert "투자" in _all_forms("How much is invested in the Gwangju AI cluster?")
    assert "광주" in _all_forms("How much is invested in the Gwangju AI cluster?")


def test_stopwords_are_not_terms_and_each_word_is_one_term() -> None:
    terms = english_word_forms("What is the budget of the project?")
    assert len(terms) == 2  # budget, project
    assert any({"예산", "사업비"} <= forms for forms in terms)


def test_korean_questions_keep_their_own_morphemes() -> None:
    assert query_word_forms("디지털 오픈랩 사업비는 얼마인가요?")[0] == frozenset({"디지털"})


def test_a_region_matches_the_names_documents_give_it() -> None:
    assert {"대구", "대구시", "대구광역시"} <= query_word_forms("대구의 거점은 어디인가요?")[0]
    assert {"대구", "대구시"} <= {form for forms in query_word_forms("Where is Daegu's base?") for form in forms}
    assert "대구시" not in _all_forms("Where is Daegu's base?")  # BM25's English tokens keep the canonical name
    assert query_word_forms("대구테크노파크는 어디인가요?")[0] == frozenset({"대구테크노파크"})  # not a region's name
