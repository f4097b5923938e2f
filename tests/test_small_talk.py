"""Greetings, thanks and "what can you do?" get a reply about the assistant, not a sentence from the documents."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.small_talk import SMALL_TALK, Intent, small_talk_intent, without_small_talk


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("hi", Intent.INTRODUCE),
        ("Hello there!", Intent.INTRODUCE),
        ("Hi, what can you do?", Intent.INTRODUCE),
        ("who are you?", Intent.INTRODUCE),
        ("안녕하세요", Intent.INTRODUCE),
        ("안녕하십니까!!", Intent.INTRODUCE),
        ("너는 누구야?", Intent.INTRODUCE),
        ("무엇을 할 수 있나요?", Intent.INTRODUCE),
        ("thanks", Intent.THANKS),
        ("Thank you so much.", Intent.THANKS),
        ("고마워요", Intent.THANKS),
        ("네 감사합니다", Intent.THANKS),
        ("감사합니다. 안녕히 계세요", Intent.FAREWELL),
        ("bye", Intent.FAREWELL),
        ("알겠습니다", Intent.ACKNOWLEDGE),
        ("ok", Intent.ACKNOWLEDGE),
        ("What documents do you have?", Intent.DOCUMENTS),
        ("어떤 문서들이 있어?", Intent.DOCUMENTS),
        ("문서 목록 보여줘", Intent.DOCUMENTS),
    ],
)
def test_small_talk_is_recognised_in_both_languages(message: str, intent: Intent) -> None:
    assert small_talk_intent(message) is intent


@pytest.mark.parametrize(
    "message",
    [
        "감사 결과는?",  # 감사 is also an audit
        "누구야?",  # a follow-up about a person, not "who are you"
        "안녕하세요, 광주 AI 예산은?",
        "hi, how much is invested in Gwangju?",
        "Who is the mayor?",
        "어떤 문서에 있어?",  # where the last answer stands, not the list of documents
        "Which document is it in?",
        "What documents mention Daegu?",
        "디지털 오픈랩 사업비는 얼마인가요?",
        "?",
    ],
)
def test_a_question_is_not_small_talk(message: str) -> None:
    assert small_talk_intent(message) is None


def test_small_talk_around_a_question_is_left_out_of_it() -> None:
    assert without_small_talk("안녕하세요, 광주 AI 예산은?") == "광주 AI 예산은?"
    assert without_small_talk("Hi! How much is invested in Gwangju? Thanks.") == "How much is invested in Gwangju?"
    assert without_small_talk("5,000억 원 맞아?") == "5,000억 원 맞아?"


@pytest.fixture(scope="module")
def client(seed_settings: Settings) -> TestClient:
    with TestClient(create_app(seed_settings)) as test_client:
        yield test_client


@pytest.mark.parametrize(("message", "language"), [("hi", "en"), ("안녕하세요", "ko")])
def test_a_greeting_is_answered_with_what_is_indexed(client: TestClient, message: str, language: str) -> None:
    """It used to cite an unrelated sentence ("hi" is glossed 이 보다 in the word list)."""
    body = client.post("/api/chat", json={"message": message}).json()
    assert body["generator"] == SMALL_TALK and body["language"] == language
    assert body["citations"] == [] and body["related"] == [] and body["short_answer"] is None
    titles = [d["title"] for d in client.get("/api/documents").json()["documents"]]
    assert str(len(titles)) in body["answer"] and titles[0] in body["answer"]


def test_asked_for_the_documents_it_lists_them(client: TestClient) -> None:
    titles = [d["title"] for d in client.get("/api/documents").json()["documents"]]
    for message in ("What documents do you have?", "어떤 문서들이 있어?"):
        body = client.post("/api/chat", json={"message": message}).json()
        assert body["generator"] == SMALL_TALK and not body["citations"]
        assert all(f"- {title}" in body["answer"] for title in titles)


def test_thanks_between_a_question_and_its_follow_up_changes_nothing(local_seed_assistant: Assistant) -> None:
    first = local_seed_assistant.ask("경북의 신전자산업 프로젝트가 뭐야?")
    thanks = local_seed_assistant.ask("고마워요", first.session_id)
    assert thanks.generator == SMALL_TALK and not thanks.citations
    follow_up = local_seed_assistant.ask("그 프로젝트의 정량 목표는?", first.session_id)
    assert any("3만명" in c.quote and "6조원" in c.quote for c in follow_up.citations)
    turns = local_seed_assistant.sessions.get(first.session_id).turns
    questions = ["경북의 신전자산업 프로젝트가 뭐야?", "고마워요", "그 프로젝트의 정량 목표는?"]
    assert [t.question for t in turns] == questions


def test_a_greeting_before_a_question_does_not_change_the_answer(local_seed_assistant: Assistant) -> None:
    plain = local_seed_assistant.ask("디지털 오픈랩 사업비는 얼마인가요?")
    greeted = local_seed_assistant.ask("안녕하세요, 디지털 오픈랩 사업비는 얼마인가요?")
    assert greeted.grounded and greeted.short_answer == plain.short_answer == "497억원"
    assert [c.quote for c in greeted.citations] == [c.quote for c in plain.citations]
