"""The `openai` Python client against a live `rag serve`: cited answers, streamed and not."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.conftest import LiveServer

KO_QUESTION = "광주 AI 집적단지에 투자되는 금액은?"
EN_QUESTION = "What is the SW 미래채움 project in Gyeongbuk?"


@pytest.fixture(scope="module")
def client(live_server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server.url}/v1", api_key="not-needed", timeout=120, max_retries=0)


def document_text(live_server: LiveServer, doc_id: str) -> str:
    return httpx.get(f"{live_server.url}/api/documents/{doc_id}", timeout=30).json()["text"]


def test_models_lists_the_assistant(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["policy-rag"]


def test_chat_completion_returns_a_cited_answer(client: openai.OpenAI, live_server: LiveServer) -> None:
    completion = client.chat.completions.create(
        model="policy-rag", messages=[{"role": "user", "content": KO_QUESTION}], temperature=0
    )
    content = completion.choices[0].message.content or ""
    assert completion.choices[0].finish_reason == "stop"
    assert "4000억" in content and "[1]" in content and "\n\n출처:\n[1] " in content
    citations = completion.model_extra["citations"]  # type: ignore[index]
    assert citations and completion.model_extra["session_id"]  # type: ignore[index]
    for citation in citations:
        assert f"“{citation['quote']}”" in content
        text = document_text(live_server, citation["doc_id"])
        assert text[citation["start"] : citation["end"]] == citation["quote"]


def test_streamed_chat_completion_returns_a_cited_answer(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="policy-rag", messages=[{"role": "user", "content": EN_QUESTION}], stream=True
    )
    chunks = list(stream)
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(chunks) > 3 and chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert "미래채움" in content and "[1]" in content and "\n\nSources:\n[1] " in content
    assert chunks[-1].model_extra["citations"]  # type: ignore[index]


def test_user_field_keeps_the_conversation(client: openai.OpenAI, live_server: LiveServer) -> None:
    for question in (KO_QUESTION, "그 사업의 투자 규모를 다시 알려 주세요."):
        client.chat.completions.create(
            model="policy-rag", user="reporter-42", messages=[{"role": "user", "content": question}]
        )
    session = httpx.get(f"{live_server.url}/api/sessions/reporter-42", timeout=30).json()
    assert [t["question"] for t in session["turns"]][-2:] == [KO_QUESTION, "그 사업의 투자 규모를 다시 알려 주세요."]


def test_bad_requests_raise_clear_client_errors(client: openai.OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as empty:
        client.chat.completions.create(model="policy-rag", messages=[{"role": "user", "content": "  "}])
    assert "empty" in str(empty.value)
    with pytest.raises(openai.UnprocessableEntityError, match="no user message"):
        client.chat.completions.create(model="policy-rag", messages=[{"role": "system", "content": "hi"}])
