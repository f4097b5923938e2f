"""Streamed answers: starting an answer stream safely and writing it as server-sent events."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from itertools import chain
from typing import Any

from starlette.concurrency import run_in_threadpool

from assistant.answer import Answer, AnswerEvent
from assistant.service import Assistant
from index.errors import RagError

log = logging.getLogger("policy_rag.api")

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def sse(event: str, data: Any) -> str:
    """One server-sent event with a JSON payload."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _stream_error(exc: Exception) -> str:
    if isinstance(exc, RagError):
        return sse("error", {"detail": str(exc), "status_code": exc.status_code})
    log.exception("unexpected error while streaming an answer")
    return sse("error", {"detail": "Internal server error; see the server log.", "status_code": 500})


def answer_events(first: AnswerEvent | None, events: Iterator[AnswerEvent]) -> Iterator[str]:
    """`token` events, then one `citations` event, then `done` with the final answer (or an `error` event).
    When the generator streamed nothing (an LLM that failed over to the extractive answer), the final answer
    is sent as tokens, so a client that only shows tokens still shows it; `done` always holds the checked one."""
    answer: Answer | None = None
    streamed = False
    try:
        for event in chain([first] if first else [], events):
            if event.kind == "token":
                streamed = True
                yield sse("token", {"text": event.text})
            elif event.answer is not None:
                answer = event.answer
        if answer is None:
            raise RuntimeError("the generator ended without an answer")
    except Exception as exc:
        yield _stream_error(exc)
        return
    if not streamed:
        for word in re.findall(r"\S+\s*", answer.answer):
            yield sse("token", {"text": word})
    yield sse("citations", {"citations": [c.model_dump() for c in answer.citations], "session_id": answer.session_id})
    yield sse("done", answer.model_dump())


async def start_stream(assistant: Assistant, question: str, session_id: str | None) -> tuple[AnswerEvent | None, Any]:
    """Start an answer stream and take its first event in the thread pool, so that bad input, a missing
    index or an unreachable LLM still give a proper HTTP status instead of a broken stream."""
    events = await run_in_threadpool(assistant.ask_stream, question, session_id)
    first = await run_in_threadpool(next, events, None)
    return first, events
