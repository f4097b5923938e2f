"""`/api/sessions`: list, read and forget conversations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from assistant.api.dependencies import Assistant_
from assistant.api.schemas import SessionDeleted, SessionList
from assistant.conversation import Session

router = APIRouter(tags=["sessions"])


@router.get("/api/sessions", response_model=SessionList)
def sessions(assistant: Assistant_) -> Any:
    """Every conversation, most recently used first."""
    return SessionList(sessions=assistant.sessions.list())


@router.get("/api/sessions/{session_id}", response_model=Session)
def session(session_id: str, assistant: Assistant_) -> Any:
    """A conversation's turns, oldest first (404 when unknown)."""
    return assistant.sessions.get(session_id)


@router.delete("/api/sessions/{session_id}", response_model=SessionDeleted)
def delete_session(session_id: str, assistant: Assistant_) -> Any:
    """Forget a conversation (404 when unknown)."""
    assistant.sessions.delete(session_id)
    return SessionDeleted(session_id=session_id)
