"""SQLite sessions under concurrent writers, and follow-up questions rewritten from the conversation history
(the session store contract, for SQLite and PostgreSQL alike, is tested in tests/test_pg_sessions.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.another import already_cited, asks_for_another
from assistant.condense import condense, is_follow_up, key_terms, refers_to_someone
from assistant.conversation import SessionStore, Turn
from assistant.service import Assistant
from tests.conftest import run_concurrently


def _turn(question: str, cited: tuple[tuple[str, int, int], ...] = ()) -> Turn:
    citations = [{"doc_id": d, "start": start, "end": end} for d, start, end in cited]
    return Turn(question=question, query=question, answer="", payload={"citations": citations}, created=0.0)


def test_store_uses_wal_and_survives_concurrent_writers(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    stores = [SessionStore(path, max_turns=1000) for _ in range(4)]

    def write(store: SessionStore, worker: int) -> None:
        for n in range(25):
            store.append(f"w{worker}", f"q{n}", f"q{n}", "a", {})

    assert run_concurrently(write, stores) == []
    assert sorted(s.turns for s in stores[0].list()) == [25, 25, 25, 25]
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("그 특구에 투자하겠다고 나선 기업은 몇 곳이에요?", True),
        ("투자 규모는 어느 정도예요?", True),
        ("How much money goes into it by 2025?", True),
        ("광주 인공지능 집적단지 투자 금액은?", False),
        ("What does KEPCO plan in Gwangju?", False),
    ],
)
def test_follow_ups_are_recognised(question: str, follow_up: bool) -> None:
    assert is_follow_up(question) is follow_up


def test_follow_up_carries_the_previous_subject_but_not_its_question_words() -> None:
    history = [_turn("경상북도가 포항에 지정받은 배터리 관련 규제자유특구는 무엇인가요?")]
    query = condense("그 특구에 투자한 기업은 몇 곳이에요?", history)
    assert query.startswith("그 특구에 투자한 기업은 몇 곳이에요?")
    for term in ("포항", "배터리", "규제자유특구"):  # 그 특구: a thing, all of the subject is carried
        assert term in query
    assert "무엇" not in query


@pytest.mark.parametrize(
    ("first", "follow_up", "carried", "left"),
    [
        ("김이수는 몇년도에 법원장으로 승진했나?", "그는 몇년도에 태어났나?", {"김이수"}, {"법원장", "승진"}),
        ("Where did Mayor Kwon work before?", "What is his current job?", {"Mayor", "Kwon"}, {"work"}),
        ("대구시는 어느 기관을 거점으로 삼았나?", "그곳의 예산은?", {"대구"}, {"기관", "거점"}),
    ],
)
def test_a_pronoun_for_someone_carries_who_was_asked_about_not_what(
    first: str, follow_up: str, carried: set[str], left: set[str]
) -> None:
    """그는, his, 그곳의 stand for the person or place the question before named, not for the rest of it: its
    other words would pull the answer back to the sentence that answered it."""
    query = condense(follow_up, [_turn(first)])
    added = set(query[len(follow_up) :].strip(" ()").split())
    assert carried <= added and not left & added


@pytest.mark.parametrize(
    ("question", "someone"),
    [
        ("What is the budget there?", True),
        ("Who works there now?", True),
        ("Is there a budget for the lab?", False),  # existential: a thing is asked about, not a place
        ("Are there plans to expand the lab?", False),
        ("There are how many companies in the lab?", False),
        ("How many companies are there in the lab?", False),
    ],
)
def test_only_a_there_for_a_place_refers_to_someone(question: str, someone: bool) -> None:
    assert refers_to_someone(question) is someone


def test_standalone_question_is_left_alone() -> None:
    history = [_turn("대구 주행시험장은 언제 완공됐나요?")]
    assert condense("광주 인공지능 단지 투자 금액은?", history) == "광주 인공지능 단지 투자 금액은?"


@pytest.mark.parametrize(
    ("turns", "needle"),
    [
        (
            ["경상북도가 포항에 지정받은 배터리 규제자유특구는 무엇인가요?", "그 특구에 투자한 기업은 몇 곳이에요?"],
            "12개 기업",
        ),
        (
            [
                "Which two local governments signed an agreement to build a Digital Open Lab?",
                "Until what year will that project be funded?",
            ],
            "2025년까지",
        ),
    ],
)
def test_two_turn_conversation_answers_the_follow_up(seed_assistant: Assistant, turns: list[str], needle: str) -> None:
    first = seed_assistant.ask(turns[0])
    second = seed_assistant.ask(turns[1], first.session_id)
    assert second.session_id == first.session_id
    assert second.grounded
    assert any(needle in c.quote for c in second.citations)
    assert [t.question for t in seed_assistant.sessions.get(first.session_id).turns] == turns
    # Retrieval used the history: the standalone query names the first turn's subject.
    assert second.query.startswith(turns[1]) and len(second.query) > len(turns[1])
    assert set(key_terms(turns[0])) & set(key_terms(second.query[len(turns[1]) :]))


@pytest.mark.parametrize(
    ("question", "another"),
    [
        ("그럼 그다음으로 중요하게 보는 콘셉트는요?", True),
        ("그 밖에 어떤 사업이 있나요?", True),
        ("그 외에 참여하는 기업은?", True),
        ("다른 지역은 어디예요?", True),
        ("나머지 예산은 어디에 쓰여요?", True),
        ("또 뭐가 있어?", True),
        ("What else does the lab do?", True),
        ("Which other cities take part?", True),
        ("그 특구에 투자한 기업은 몇 곳이에요?", False),
        ("창 밖의 풍경은 어떤가요?", False),  # 밖 without a demonstrative: outside, not "besides"
        ("그는 몇 년도에 태어났나?", False),
        ("How much money goes into it by 2025?", False),
        ("What will the two cities learn from each other?", False),  # reciprocal, not another one
        ("그 이외의 사업은?", True),
        ("그거 말고 뭐 있어?", True),
        ("더 있나요?", True),
        ("다음 단계 예산은?", False),  # 다음 before a noun: the next stage is asked about, not another answer
        ("이 사업은 다른 사업과 어떻게 달라요?", False),  # compared with another, not asking for one
        ("Where is the Next Generation Center?", False),  # a name
        ("What about the rest?", True),
        ("What happens to the rest of the budget?", True),
        ("Where is the new highway rest area?", False),  # a rest area, not "the rest"
        ("Where can drivers rest?", False),
        ("What about the rest—any?", True),
    ],
)
def test_questions_asking_for_another_one_are_recognised(question: str, another: bool) -> None:
    assert asks_for_another(question) is another


def test_a_run_of_next_questions_leaves_out_every_sentence_cited_since_the_list_was_asked_for() -> None:
    history = [
        _turn("광주 인공지능 단지의 투자 규모는?", (("a", 0, 10),)),
        _turn("대구시 추진단의 기본 콘셉트는?", (("b", 5, 20), ("b", 30, 40))),
        _turn("그다음으로 중요한 콘셉트는?", (("b", 50, 60),)),
    ]
    assert already_cited("그 밖에 다른 콘셉트는?", history) == {("b", 5, 20), ("b", 30, 40), ("b", 50, 60)}
    assert already_cited("그 추진단은 누가 이끄나요?", history) == frozenset()  # not asking for another one
    assert already_cited("그 밖에 다른 콘셉트는?", []) == frozenset()


def test_asking_for_the_next_one_cites_a_sentence_not_cited_before(seed_assistant: Assistant) -> None:
    follow_up = "그럼 그다음으로 중요하게 보는 콘셉트는요?"
    first = seed_assistant.ask("대구시가 만들겠다는 미래산업육성추진단은 어떤 콘셉트를 기본으로 하나요?")
    second = seed_assistant.ask(follow_up, first.session_id)
    assert second.grounded
    assert any("수요자인 기업" in c.quote for c in second.citations)
    before = {(c.doc_id, c.start) for c in first.citations}
    assert before and not before & {(c.doc_id, c.start) for c in second.citations}
    # The same rewritten question without the conversation's citations goes back to what was cited first.
    alone = seed_assistant.answerer.answer(follow_up, second.query)
    assert before & {(c.doc_id, c.start) for c in alone.citations}
