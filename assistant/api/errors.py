"""Errors as JSON: the error responses every operation documents, the `{detail}` body and the app's handlers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api.schemas import ErrorResponse
from index.errors import RagError

log = logging.getLogger("policy_rag.api")

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in (
        (404, "Unknown document or session."),
        (413, "Request or upload too large."),
        (415, "Unsupported file type."),
        (422, "Invalid input (empty or too long text, top_k outside 1-50, malformed JSON)."),
        (503, "Index or model unavailable."),
    )
}


def error_response(request: Request, status: int, detail: str, **extra: Any) -> JSONResponse:
    """`{detail}` JSON; under /v1/ also OpenAI's `{error: {message, type, code}}` so its clients show it."""
    body: dict[str, Any] = {"detail": detail, **extra}
    if request.url.path.startswith("/v1/"):
        kind = "invalid_request_error" if status < 500 else "server_error"
        body["error"] = {"message": detail, "type": kind, "code": status}
    return JSONResponse(body, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """JSON errors: a `RagError` with its own status, a bad body 422, HTTP errors as is, anything else a logged 500."""

    @app.exception_handler(RagError)
    async def rag_error(request: Request, exc: RagError) -> JSONResponse:
        return error_response(request, exc.status_code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors) or "Invalid request."
        return error_response(request, 422, detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "Internal server error; see the server log.")
