"""`POST /api/search` (ranked chunks) and `POST /api/check` (a verdict on a claim)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from assistant.api.dependencies import Assistant_
from assistant.api.schemas import (
    CHECK_EXAMPLES,
    SEARCH_EXAMPLES,
    CheckRequest,
    SearchRequest,
    SearchResponse,
    SearchResult,
)
from assistant.claims import ClaimCheck

router = APIRouter()


@router.post("/api/search", response_model=SearchResponse, tags=["search"])
def search(body: Annotated[SearchRequest, Body(openapi_examples=SEARCH_EXAMPLES)], assistant: Assistant_) -> Any:
    """Ranked chunks (hybrid dense + BM25 by default) with scores and offsets."""
    mode = body.mode or assistant.settings.retrieval_mode
    results = assistant.search(body.query, body.top_k, mode)
    return SearchResponse(query=body.query, mode=mode, results=[SearchResult(**r.as_dict()) for r in results])


@router.post("/api/check", response_model=ClaimCheck, tags=["claims"])
def check(body: Annotated[CheckRequest, Body(openapi_examples=CHECK_EXAMPLES)], assistant: Assistant_) -> Any:
    """A verdict on a claim (supported / contradicted / not_found) with the conflicting figure and evidence."""
    return assistant.check(body.claim)
