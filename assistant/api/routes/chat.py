"""`POST /api/chat` and `/api/chat/stream`: cited answers, whole or as server-sent events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from assistant.answer import Answer
from assistant.api.dependencies import Views
from assistant.api.schemas import CHAT_EXAMPLES, ChatRequest
from assistant.api.streaming import SSE_HEADERS, answer_events, start_stream

router = APIRouter(tags=["chat"])

ChatBody = Annotated[ChatRequest, Body(openapi_examples=CHAT_EXAMPLES)]


@router.post("/api/chat", response_model=Answer)
def chat(body: ChatBody, views: Views) -> Answer:
    """A cited answer (the `rag ask --json` object). Follow-ups are read with the session's history."""
    return views.get(body.top_k).ask(body.message, body.session_id)


@router.post(
    "/api/chat/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "token…, citations, done"}},
)
async def chat_stream(body: ChatBody, views: Views) -> StreamingResponse:
    """Server-sent events: `token` ({text}) events as the answer is written, then one `citations`
    ({citations, session_id}), then `done` (the final answer object). A failure after the stream has
    started is an `error` event ({detail, status_code})."""
    assistant = await run_in_threadpool(views.get, body.top_k)
    first, events = await start_stream(assistant, body.message, body.session_id)
    return StreamingResponse(answer_events(first, events), media_type="text/event-stream", headers=SSE_HEADERS)
