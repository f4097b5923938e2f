"""English question words become Korean search tokens (word list + policy glossary + region names)."""

from __future__ import annotations

from index.romanization import hangul_spellings
from index.translation import dictionary_forms, english_word_forms, query_word_forms


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


def test_an_inflected_or_derived_word_is_looked_up_as_its_dictionary_form() -> None:
    assert dictionary_forms("studies")[:2] == ["studies", "study"]
    assert "plan" in dictionary_forms("planned") and "produce" in dictionary_forms("producing")
    assert "use" in dictionary_forms("used") and "us" not in dictionary_forms("used")  # too short a stem
    assert "산업" in _forms("industrial") and "계획" in _forms("planned") and "수출" in _forms("exports")


def test_a_hyphenated_word_not_listed_whole_is_looked_up_by_its_parts() -> None:
    forms = _forms("pet-food")
    assert {"반려동물", "식품"} <= forms or {"애완동물", "먹이"} <= forms


def test_a_romanised_korean_name_gets_its_hangul_spellings() -> None:
    assert hangul_spellings("Bonghwa") == ("봉화",)
    assert "음성" in hangul_spellings("eumseong") and "권" in hangul_spellings("Kwon")
    assert hangul_spellings("dataframe") == () and hangul_spellings("water") == ()  # no Korean syllables
    assert "봉화" in _forms("Bonghwa")
    assert not any("\uac00" <= ch <= "\ud7a3" for form in _forms("pagerank") for ch in form)


def _forms(word: str) -> set[str]:
    (forms,) = english_word_forms(word)
    return set(forms)
