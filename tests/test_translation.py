"""English question words become Korean search tokens (word list + policy glossary + region names)."""

from __future__ import annotations

from pathlib import Path

from eval.build_glossary import build, glosses
from index.korean import headword_tokens, tokenize
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


def test_only_a_capitalised_word_is_read_as_a_romanised_name() -> None:
    assert "봉화" in _all_forms("Where is the Bonghwa dam?")
    assert "봉화" not in _all_forms("Where is the bonghwa dam in Korea?")  # other words capitalised: English
    assert "봉화" in _all_forms("where is bonghwa dam")  # a question typed all in lower case
    assert "봉화" in _all_forms("Where is bonghwa dam? It is new.")  # capitals only where sentences start


def test_an_irregular_past_form_is_looked_up_as_its_verb() -> None:
    assert dictionary_forms("held")[:2] == ["held", "hold"] and dictionary_forms("ran")[:2] == ["ran", "run"]
    assert "개최" in _all_forms("When was the contest held?")
    assert {"원", "이기다"} <= _forms("won")  # a word of its own (the currency) and a past form: both


def test_an_english_word_is_also_searched_as_korean_text_spells_it() -> None:
    """Korean text writes K-water inside Korean: its tokens are k and water, which the question's word must hold."""
    assert set(tokenize("한국수자원공사(K-water) 사장")) & _forms("K-water") >= {"k", "water"}


def test_policy_vocabulary_reaches_the_words_of_press_releases() -> None:
    assert "보도자료" in _all_forms("Which department issued the press release?")
    assert {"국토교통부", "국토부"} <= _all_forms("the transport ministry")
    assert "시행령" in _all_forms("the enforcement decree") and "공모전" in _forms("contest")


def test_a_noun_headword_kiwi_misreads_alone_keeps_its_noun_reading() -> None:
    assert tokenize("댐") != ["댐"] and headword_tokens("댐") == ["댐"]  # alone, Kiwi reads the verb 대다
    assert headword_tokens("단지") == ["단지"]  # alone, the adverb "merely", which is no search token
    assert headword_tokens("밝히다") == ["밝히다"] and headword_tokens("자동차 부품") == ["자동차", "부품"]
    assert headword_tokens("알려지다") == tokenize("알려지다")  # a predicate keeps its own reading
    assert "댐" in _forms("dam") and "단지" in _forms("complex")


def test_the_word_list_puts_headwords_that_mean_only_the_gloss_first(tmp_path: Path) -> None:
    lexicon = tmp_path / "ko_en.tsv"
    lexicon.write_text("관개\tirrigation, water\n생수\twater\n길다\tto be long\n", encoding="utf-8")
    table = build(lexicon)
    assert table["water"] == ["생수", "관개"]  # 관개 comes first in the list, but means water only among others
    assert table["long"] == ["길다"] and glosses("to be long") == ["long"]


def test_a_usage_label_is_no_gloss() -> None:
    assert glosses("In Joseon Korea") == glosses("in dynastic Korea") == glosses("in Korea") == []
    assert glosses("in fact; truth") == ["in fact", "truth"]
    forms = english_word_forms("What is the unemployment rate in Korea?")[-1]
    assert "대한민국" in forms and "진실게임" not in forms  # Korea itself, not a word labelled "in Korea"


def _forms(word: str) -> set[str]:
    (forms,) = english_word_forms(word)
    return set(forms)
