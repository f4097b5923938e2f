"""The OpenAI-compatible endpoints (`/v1/chat/completions`, `/v1/models`): their wire format and its mapping
from answers, whole or streamed as `chat.completion.chunk` events."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterator
from itertools import chain
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from assistant.answer import Answer, AnswerEvent
from assistant.api.dependencies import Views
from assistant.api.streaming import SSE_HEADERS, start_stream
from assistant.citations import Citation
from assistant.conversation import SESSION_ID
from index.errors import InputError, RagError

log = logging.getLogger("policy_rag.api")

MODEL_ID = "policy-rag"

router = APIRouter(tags=["openai"])

# Wire format (the parts clients use) -----------------------------------------------------------------------


class OpenAIMessage(BaseModel):
    """One chat message; `content` is a string or a list of `{type: text, text}` parts."""

    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatCompletionRequest(BaseModel):
    """OpenAI `chat.completions` request. The last user message is the question; `session_id` (or `user`)
    names the conversation. Sampling fields (temperature, max_tokens...) are accepted and ignored."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {"model": MODEL_ID, "messages": [{"role": "user", "content": "광주 AI 집적단지에 투자되는 금액은?"}]},
                {
                    "model": MODEL_ID,
                    "stream": True,
                    "user": "reporter-42",
                    "messages": [{"role": "user", "content": "Which city hosts the battery recycling zone?"}],
                },
            ]
        },
    )

    model: str = MODEL_ID
    messages: list[OpenAIMessage] = Field(min_length=1)
    stream: bool = False
    user: str | None = Field(None, description="Used as the session id when `session_id` is not given.")
    session_id: str | None = Field(None, description="Conversation id (policy-rag extension).")
    top_k: int | None = Field(None, ge=1, le=50, description="Chunks retrieved (policy-rag extension).")


class CompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class CompletionChoice(BaseModel):
    index: int = 0
    message: CompletionMessage
    finish_reason: Literal["stop"] = "stop"


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    """OpenAI `chat.completion`; `citations`, `grounded` and `session_id` are policy-rag extensions (the
    sources are also appended to the message content, so any client shows them)."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: CompletionUsage
    citations: list[Citation] = []
    grounded: bool = True
    session_id: str | None = None
    warnings: list[str] = Field([], description="What the answer generator wants the reader to know (fallbacks).")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "policy-rag"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


# From requests to questions, from answers to completions ---------------------------------------------------


def message_text(message: OpenAIMessage) -> str:
    """The text of a message (string content, or the text parts of a list)."""
    if isinstance(message.content, str):
        return message.content
    parts = message.content or []
    return "\n".join(str(p.get("text", "")) for p in parts if p.get("type", "text") == "text")


def last_user_message(request: ChatCompletionRequest) -> str:
    """The question: the text of the last user message (an InputError when there is none)."""
    for message in reversed(request.messages):
        if message.role == "user":
            return message_text(message)
    raise InputError("The messages contain no user message.")


def session_for(request: ChatCompletionRequest) -> str | None:
    """`session_id`, else `user` (used as is when it is a valid id, else as a stable hash)."""
    if request.session_id:
        return request.session_id
    if request.user:
        if SESSION_ID.match(request.user):
            return request.user
        return "user-" + hashlib.sha256(request.user.encode("utf-8")).hexdigest()[:32]
    return None


def sources_text(answer: Answer) -> str:
    """The citations as plain text to append to an answer: `[n] title (outlet, date; file) — “quote”`."""
    if not answer.citations:
        return ""
    heading = "출처" if answer.language == "ko" else "Sources"
    lines = []
    for c in answer.citations:
        meta = ", ".join(x for x in (c.outlet, c.published) if x)
        where = f"{meta}; {c.source}" if meta else c.source
        lines.append(f"[{c.n}] {c.title} ({where}) — “{c.quote}”")
    return f"\n\n{heading}:\n" + "\n".join(lines)


def _tokens(text: str) -> int:
    return len(text.split())


def completion_for(answer: Answer, model: str, question: str) -> ChatCompletion:
    """A whole answer as a `chat.completion`, its sources appended to the content (word counts as usage)."""
    content = answer.answer + sources_text(answer)
    return ChatCompletion(
        id=f"chatcmpl-{uuid.uuid4().hex}",
        created=int(time.time()),
        model=model,
        choices=[CompletionChoice(message=CompletionMessage(content=content))],
        usage=CompletionUsage(
            prompt_tokens=_tokens(question),
            completion_tokens=_tokens(content),
            total_tokens=_tokens(question) + _tokens(content),
        ),
        citations=answer.citations,
        grounded=answer.grounded,
        session_id=answer.session_id,
        warnings=list(getattr(answer, "warnings", None) or []),
    )


def completion_chunks(first: AnswerEvent | None, events: Iterator[AnswerEvent], model: str) -> Iterator[str]:
    """`chat.completion.chunk` events: the role, the answer's tokens as they come, the sources, a final chunk
    with `finish_reason: stop` (and the citations), then `data: [DONE]`."""
    base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk", "created": int(time.time())}
    base["model"] = model

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    streamed: list[str] = []
    answer: Answer | None = None
    try:
        for event in chain([first] if first else [], events):
            if event.kind == "token":
                streamed.append(event.text)
                yield chunk({"content": event.text})
            elif event.answer is not None:
                answer = event.answer
        if answer is None:
            raise RuntimeError("the generator ended without an answer")
    except Exception as exc:
        detail = str(exc) if isinstance(exc, RagError) else "Internal server error; see the server log."
        if not isinstance(exc, RagError):
            log.exception("unexpected error while streaming a completion")
        yield f"data: {json.dumps({'error': {'message': detail, 'type': 'server_error'}}, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"
        return
    tail = sources_text(answer)
    if not "".join(streamed).strip():
        tail = answer.answer + tail  # nothing was streamed (e.g. the LLM failed over to the extractive answer)
    elif "".join(streamed).strip() != answer.answer.strip():
        # The checked answer differs from what was streamed (a sentence was dropped): send the checked one.
        tail = "\n\n" + ("검증된 답변" if answer.language == "ko" else "Checked answer") + ": " + answer.answer + tail
    if tail:
        yield chunk({"content": tail})
    extra = {
        "citations": [c.model_dump() for c in answer.citations],
        "session_id": answer.session_id,
        "warnings": list(getattr(answer, "warnings", None) or []),
    }
    yield chunk({}, "stop", **extra)
    yield "data: [DONE]\n\n"


# Endpoints -------------------------------------------------------------------------------------------------


@router.post(
    "/v1/chat/completions",
    response_model=ChatCompletion,
    responses={200: {"content": {"text/event-stream": {}}, "description": "With `stream: true`: chunks, [DONE]"}},
)
async def chat_completions(body: ChatCompletionRequest, views: Views) -> Any:
    """OpenAI-compatible chat: the last user message is the question, `session_id` or `user` the
    conversation; the answer's sources are appended to the content (and given as `citations`)."""
    question = last_user_message(body)
    session_id = session_for(body)
    assistant = await run_in_threadpool(views.get, body.top_k)
    if not body.stream:
        answer = await run_in_threadpool(assistant.ask, question, session_id)
        return completion_for(answer, body.model, question)
    first, events = await start_stream(assistant, question, session_id)
    return StreamingResponse(
        completion_chunks(first, events, body.model), media_type="text/event-stream", headers=SSE_HEADERS
    )


@router.get("/v1/models", response_model=ModelList)
def models() -> Any:
    """The one model this server offers."""
    return ModelList(data=[ModelCard(id=MODEL_ID, created=int(time.time()))])
