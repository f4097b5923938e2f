"""`GET /health`: whether the index and model are loaded, and what answers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from assistant.api.dependencies import Assistant_
from assistant.api.schemas import HealthResponse
from assistant.client import index_id
from assistant.service import Assistant
from index.errors import RagError

router = APIRouter(tags=["service"])


@router.get("/health", response_model=HealthResponse)
async def health(assistant: Assistant_) -> Any:
    """Whether the index and model are loaded; documents, chunks, embedding model and answer generator.
    Answered on the event loop (never queued behind busy worker threads) once the index is loaded."""
    if not assistant.index_loaded:
        return await run_in_threadpool(health_report, assistant)
    return health_report(assistant)


def health_report(assistant: Assistant) -> Any:
    """The health of `assistant` (it loads the index when needed); unavailable with the error's status."""
    try:
        index = assistant.index
        llm = assistant.generator.name
    except RagError as exc:
        body = HealthResponse(
            status="unavailable",
            documents=0,
            chunks=0,
            embedding_model=assistant.settings.embedding_model,
            llm="unavailable",
            detail=str(exc),
        )
        return JSONResponse(body.model_dump(), status_code=exc.status_code)
    return HealthResponse(
        status="ok",
        documents=len(index.documents),
        chunks=len(index.chunks),
        embedding_model=index.manifest.embedding_model,
        llm=llm,
        index_id=index_id(assistant.settings.index_location),
        warnings=index.manifest.warnings(),
    )
