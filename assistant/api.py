"""The HTTP API (FastAPI) and, mounted at `/`, the Gradio chat UI: one process, one port.

`create_app(settings)` builds the app around one `Assistant` (index and model loaded once, at start-up).
Every endpoint that searches, embeds or reads the index runs in the thread pool (plain `def` endpoints,
or `run_in_threadpool`), never on the event loop. Errors are JSON `{detail}`: a `RagError` gives its own
status code, a bad request body 422, an unexpected bug a logged 500 without a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import asynccontextmanager
from itertools import chain
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Body, Depends, FastAPI, File, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.answer import Answer, AnswerEvent
from assistant.citations import Citation
from assistant.claims import ClaimCheck
from assistant.client import index_id
from assistant.conversation import SESSION_ID, Session, SessionSummary
from assistant.service import Assistant
from assistant.settings import Settings, get_settings
from assistant.uploads import index_upload
from index.documents import SourceDocument
from index.errors import InputError, RagError

log = logging.getLogger("policy_rag.api")

MODEL_ID = "policy-rag"
MAX_JSON_BYTES = 2_000_000
STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_TRACKED_CLIENTS = 10_000
MULTIPART_OVERHEAD_BYTES = 1_000_000
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

# ---------------------------------------------------------------------------------------------------------
# Request and response models
# ---------------------------------------------------------------------------------------------------------


class ErrorResponse(BaseModel):
    """Every error: what went wrong and, where possible, how to fix it."""

    detail: str = Field(examples=["The question is empty."])
    errors: list[dict[str, Any]] | None = Field(None, description="Field-level problems of a 422.")


class HealthResponse(BaseModel):
    """Whether the assistant can answer, and with what."""

    status: Literal["ok", "unavailable"]
    documents: int
    chunks: int
    embedding_model: str
    llm: str = Field(description="The answer generator: `extractive` or the LLM backend's name.")
    detail: str | None = Field(None, description="Why the assistant is unavailable.")
    index_id: str | None = Field(
        None, description="A hash of the index directory: `rag ask` uses a server of its own index without --server."
    )


class ChatRequest(BaseModel):
    """A question, optionally in an existing conversation."""

    message: str = Field(min_length=1, description="The question, in Korean or English.")
    session_id: str | None = Field(
        None, description="Conversation id (1-64 letters, digits, '-', '_'); a new one is made when omitted."
    )
    top_k: int | None = Field(None, ge=1, le=50, description="Chunks retrieved for this question (1-50).")


CHAT_EXAMPLES = {
    "ko": {
        "summary": "한국어 질문",
        "value": {"message": "광주 AI 집적단지에 투자되는 금액은?"},
    },
    "ko_followup": {
        "summary": "이어지는 질문 (세션)",
        "value": {"message": "그 사업은 언제 시작되나요?", "session_id": "demo-session-1", "top_k": 5},
    },
    "en": {
        "summary": "English question",
        "value": {"message": "What organisation did Gyeongbuk launch in 2017 for the 4th industrial revolution?"},
    },
}


class SearchRequest(BaseModel):
    """A search over the indexed chunks."""

    query: str = Field(min_length=1)
    top_k: int | None = Field(None, ge=1, le=50, description="How many chunks (1-50).")
    mode: Literal["hybrid", "dense", "bm25"] | None = Field(None, description="Retrieval mode (default: hybrid).")


SEARCH_EXAMPLES = {
    "ko": {"summary": "한국어 검색", "value": {"query": "소부장 특화단지", "top_k": 3}},
    "en": {"summary": "English search", "value": {"query": "battery recycling free regulation zone", "mode": "dense"}},
}


class SearchResult(BaseModel):
    """One ranked chunk; `text` is `document.text[start:end]`."""

    rank: int
    doc_id: str
    source: str
    title: str
    chunk_id: str
    score: float
    dense_score: float | None = Field(description="Cosine similarity; null in bm25 mode (no model is needed).")
    bm25_score: float
    start: int
    end: int
    text: str


class SearchResponse(BaseModel):
    """Ranked chunks for a query."""

    query: str
    mode: str
    results: list[SearchResult]


class CheckRequest(BaseModel):
    """A claim to verify against the documents."""

    claim: str = Field(min_length=1)


CHECK_EXAMPLES = {
    "ko": {
        "summary": "한국어 주장 (틀린 연도)",
        "value": {"claim": "경상북도는 2018년 8월 지자체 최초로 4차산업혁명 전략위원회를 출범시켰다."},
    },
    "en": {
        "summary": "English claim",
        "value": {"claim": "Under Gyeongbuk's battery hub plan, Gumi is in charge of producing battery parts."},
    },
}


class DocumentSummary(BaseModel):
    """An indexed document's metadata."""

    doc_id: str
    source: str
    title: str
    outlet: str | None = None
    author: str | None = None
    published: str | None = None
    regions: list[str] = []
    lang: str = "ko"
    chars: int = Field(description="Length of the cleaned text.")
    chunks: int = Field(description="Chunks of the document in the index.")


class DocumentDetail(DocumentSummary):
    """A document with its cleaned text: citations' `start`/`end` are offsets into `text`."""

    text: str


class DocumentList(BaseModel):
    """Every indexed document."""

    total: int
    documents: list[DocumentSummary]


class UploadResponse(BaseModel):
    """What indexing an uploaded file did."""

    status: Literal["added", "replaced", "unchanged"] = Field(
        description="added; replaced (same file name, new text); unchanged (this text is already indexed)."
    )
    filename: str = Field(description="The sanitised name the file is stored and indexed under.")
    document: DocumentSummary
    documents: int = Field(description="Documents in the index now.")
    chunks: int = Field(description="Chunks in the index now.")
    seconds: float


class SessionList(BaseModel):
    """Every conversation, most recently used first."""

    sessions: list[SessionSummary]


class SessionDeleted(BaseModel):
    """A forgotten conversation."""

    session_id: str
    deleted: bool = True


# OpenAI wire format (the parts clients use) -------------------------------------------------------------


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

# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------


class AssistantViews:
    """The app's assistant, and views of it with another top_k (sharing model, index and sessions)."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._views: dict[int, Assistant] = {}
        self._lock = threading.Lock()

    def get(self, top_k: int | None) -> Assistant:
        """The assistant for a request's top_k (called in the thread pool: it may load the index)."""
        if top_k is None or top_k == self.assistant.settings.top_k:
            return self.assistant
        current = self.assistant.index
        with self._lock:
            view = self._views.get(top_k)
            if view is None or view.index is not current:  # rebuilt after an upload changed the index
                view = self._views[top_k] = self.assistant.with_top_k(top_k)
            return view


async def get_views(request: Request) -> AssistantViews:  # async: resolved on the loop, not in a worker thread
    return request.app.state.views


async def get_assistant(request: Request) -> Assistant:
    return request.app.state.views.assistant


Views = Annotated[AssistantViews, Depends(get_views)]
Assistant_ = Annotated[Assistant, Depends(get_assistant)]


def sse(event: str, data: Any) -> str:
    """One server-sent event with a JSON payload."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def summary_of(document: SourceDocument, assistant: Assistant) -> DocumentSummary:
    rows = assistant.index.rows_by_doc.get(document.doc_id, [])
    return DocumentSummary(
        **document.model_dump(exclude={"text"}), chars=len(document.text), chunks=len(rows)
    )


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


# OpenAI helpers ---------------------------------------------------------------------------------------------


def message_text(message: OpenAIMessage) -> str:
    """The text of a message (string content, or the text parts of a list)."""
    if isinstance(message.content, str):
        return message.content
    parts = message.content or []
    return "\n".join(str(p.get("text", "")) for p in parts if p.get("type", "text") == "text")


def last_user_message(request: ChatCompletionRequest) -> str:
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


# ---------------------------------------------------------------------------------------------------------
# Errors and limits
# ---------------------------------------------------------------------------------------------------------


def error_response(request: Request, status: int, detail: str, **extra: Any) -> JSONResponse:
    """`{detail}` JSON; under /v1/ also OpenAI's `{error: {message, type, code}}` so its clients show it."""
    body: dict[str, Any] = {"detail": detail, **extra}
    if request.url.path.startswith("/v1/"):
        kind = "invalid_request_error" if status < 500 else "server_error"
        body["error"] = {"message": detail, "type": kind, "code": status}
    return JSONResponse(body, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
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


class BodyLimit:
    """Refuse over-large request bodies from their Content-Length, before reading them: uploads beyond
    RAG_MAX_FILE_BYTES (plus multipart overhead) and JSON bodies beyond 2 MB get a 413 JSON error."""

    def __init__(self, app: ASGIApp, max_file_bytes: int) -> None:
        self.app = app
        self.max_file_bytes = max_file_bytes

    def limit(self, path: str) -> int | None:
        if path == "/api/documents":
            return self.max_file_bytes + MULTIPART_OVERHEAD_BYTES
        if path.startswith(("/api/", "/v1/")):
            return MAX_JSON_BYTES
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            limit = self.limit(scope["path"])
            length = dict(scope["headers"]).get(b"content-length", b"")
            if limit is not None and length.isdigit() and int(length) > limit:
                response = JSONResponse(
                    {"detail": f"The request body has {int(length)} bytes; the limit here is {limit}."},
                    status_code=413,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class Guard:
    """The API key and a per-client rate limit for `/api/` and `/v1/` requests.

    With `RAG_API_KEY` set, writes (uploads, deletes) need it in `X-API-Key` or `Authorization: Bearer`, and
    so do reads when `RAG_API_KEY_READS` is true. Each client address may make `RAG_RATE_LIMIT_PER_MINUTE`
    requests in any 60 seconds; beyond that it gets a 429 with `Retry-After`."""

    WINDOW_SECONDS = 60.0

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.key = settings.api_key.get_secret_value() if settings.api_key else None
        self.key_for_reads = settings.api_key_reads
        self.per_minute = settings.rate_limit_per_minute
        self._recent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def needs_key(self, method: str, path: str) -> bool:
        """True when a key is configured and this request must show it (every write; reads if so set)."""
        write = method == "DELETE" or (method == "POST" and path == "/api/documents")
        return self.key is not None and (write or self.key_for_reads)

    def authorised(self, request: Request) -> bool:
        assert self.key is not None
        given = request.headers.get("x-api-key") or request.headers.get("authorization", "").removeprefix("Bearer ")
        return hmac.compare_digest(given.strip().encode(), self.key.encode())

    def retry_after(self, client: str) -> float | None:
        """None when the client may go on (the request is counted), else seconds until it may."""
        now = time.monotonic()
        with self._lock:
            recent = self._recent.setdefault(client, deque())
            while recent and recent[0] <= now - self.WINDOW_SECONDS:
                recent.popleft()
            if len(recent) >= self.per_minute:
                return recent[0] + self.WINDOW_SECONDS - now
            recent.append(now)
            if len(self._recent) > MAX_TRACKED_CLIENTS:  # forget idle clients
                for idle in [c for c, times in self._recent.items() if not times]:
                    del self._recent[idle]
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(("/api/", "/v1/")):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        response: Response | None = None
        client = scope["client"][0] if scope.get("client") else "unknown"
        wait = self.retry_after(client) if self.per_minute else None
        if wait is not None:
            response = error_response(
                request, 429, f"Too many requests: the limit is {self.per_minute} per minute; retry in {wait:.0f} s."
            )
            response.headers["Retry-After"] = str(max(1, round(wait)))
        elif self.needs_key(scope["method"], scope["path"]) and not self.authorised(request):
            response = error_response(request, 401, "This needs the API key (X-API-Key or Authorization: Bearer).")
            response.headers["WWW-Authenticate"] = "Bearer"
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


# ---------------------------------------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------------------------------------


def warm_up(assistant: Assistant) -> None:
    """Load the index and the model and run one search, so the first request is not the slow one. A missing
    index is logged, not fatal: /health then says why, and uploads can still create the index."""
    try:
        manifest = assistant.index.manifest
        assistant.search("warm-up", 1)
        log.info("index ready: %s documents, %s chunks (%s)", manifest.documents, manifest.chunks,
                 manifest.embedding_model)
    except RagError as exc:
        log.warning("the assistant is not ready: %s", exc)


def create_app(settings: Settings | None = None, *, ui: bool = True) -> FastAPI:
    """The FastAPI app: the JSON API, the OpenAI-compatible endpoints and (unless `ui=False`) the Gradio UI
    at `/`, all over one `Assistant` built from `settings` (default: the environment's)."""
    settings = settings or get_settings()
    assistant = Assistant(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        await run_in_threadpool(warm_up, assistant)
        yield

    app = FastAPI(
        title="정책톡 policy-rag API",
        version="0.1.0",
        description=(
            "Cited answers about Korean regional-policy documents, in Korean and English. Every answer "
            "sentence carries a `[n]` citation pointing at an exact span (`start`..`end`) of a document's "
            "cleaned text (`GET /api/documents/{doc_id}`). The chat UI is at `/`."
        ),
        lifespan=lifespan,
        responses=ERRORS,  # type: ignore[arg-type]
        docs_url=None,  # served below from bundled files: the default page loads Swagger UI from a CDN
        redoc_url=None,
    )
    add_offline_docs(app)
    app.state.views = AssistantViews(assistant)
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_file_bytes=settings.max_file_bytes)
    app.add_middleware(Guard, settings=settings)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    add_routes(app)
    if ui:
        from ui.app import mount_ui

        mount_ui(app, assistant)
    return app


def add_offline_docs(app: FastAPI) -> None:
    """`/docs` with the Swagger UI files shipped in `assistant/static/swagger-ui`, so it works with no network."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — docs",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="data:,",
        )


def add_routes(app: FastAPI) -> None:
    @app.get("/health", response_model=HealthResponse, tags=["service"])
    async def health(assistant: Assistant_) -> Any:
        """Whether the index and model are loaded; documents, chunks, embedding model and answer generator.
        Answered on the event loop (never queued behind busy worker threads) once the index is loaded."""
        if not assistant.index_loaded:
            return await run_in_threadpool(health_report, assistant)
        return health_report(assistant)

    def health_report(assistant: Assistant) -> Any:
        try:
            index = assistant.index
            llm = assistant.generator.name
        except RagError as exc:
            body = HealthResponse(
                status="unavailable", documents=0, chunks=0, embedding_model=assistant.settings.embedding_model,
                llm="unavailable", detail=str(exc),
            )
            return JSONResponse(body.model_dump(), status_code=exc.status_code)
        return HealthResponse(
            status="ok", documents=len(index.documents), chunks=len(index.chunks),
            embedding_model=index.manifest.embedding_model, llm=llm,
            index_id=index_id(assistant.settings.resolved_index_dir),
        )

    @app.post("/api/chat", response_model=Answer, tags=["chat"])
    def chat(body: Annotated[ChatRequest, Body(openapi_examples=CHAT_EXAMPLES)], views: Views) -> Answer:
        """A cited answer (the `rag ask --json` object). Follow-ups are read with the session's history."""
        return views.get(body.top_k).ask(body.message, body.session_id)

    @app.post(
        "/api/chat/stream",
        tags=["chat"],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "token…, citations, done"}},
    )
    async def chat_stream(
        body: Annotated[ChatRequest, Body(openapi_examples=CHAT_EXAMPLES)], views: Views
    ) -> StreamingResponse:
        """Server-sent events: `token` ({text}) events as the answer is written, then one `citations`
        ({citations, session_id}), then `done` (the final answer object). A failure after the stream has
        started is an `error` event ({detail, status_code})."""
        assistant = await run_in_threadpool(views.get, body.top_k)
        first, events = await start_stream(assistant, body.message, body.session_id)
        return StreamingResponse(answer_events(first, events), media_type="text/event-stream", headers=SSE_HEADERS)

    @app.post("/api/search", response_model=SearchResponse, tags=["search"])
    def search(body: Annotated[SearchRequest, Body(openapi_examples=SEARCH_EXAMPLES)], assistant: Assistant_) -> Any:
        """Ranked chunks (hybrid dense + BM25 by default) with scores and offsets."""
        mode = body.mode or assistant.settings.retrieval_mode
        results = assistant.search(body.query, body.top_k, mode)
        return SearchResponse(query=body.query, mode=mode, results=[SearchResult(**r.as_dict()) for r in results])

    @app.post("/api/check", response_model=ClaimCheck, tags=["claims"])
    def check(body: Annotated[CheckRequest, Body(openapi_examples=CHECK_EXAMPLES)], assistant: Assistant_) -> Any:
        """A verdict on a claim (supported / contradicted / not_found) with the conflicting figure and evidence."""
        return assistant.check(body.claim)

    @app.get("/api/documents", response_model=DocumentList, tags=["documents"])
    def documents(assistant: Assistant_) -> Any:
        """Every indexed document with its metadata."""
        docs = [summary_of(d, assistant) for d in assistant.index.documents.values()]
        return DocumentList(total=len(docs), documents=docs)

    @app.get("/api/documents/{doc_id}", response_model=DocumentDetail, tags=["documents"])
    def document(doc_id: str, assistant: Assistant_) -> Any:
        """One document's cleaned text and metadata (by doc_id or source file name)."""
        doc = assistant.document(doc_id)
        return DocumentDetail(**summary_of(doc, assistant).model_dump(), text=doc.text)

    @app.post(
        "/api/documents", response_model=UploadResponse, status_code=201, tags=["documents"],
        responses={200: {"model": UploadResponse, "description": "The text was already indexed."}},
    )
    async def upload(
        file: Annotated[
            UploadFile,
            File(description="A document: HWP, HWPX, PDF, DOCX, HTML (told by its bytes), or .txt/.md text."),
        ],
        request: Request,
        response: Response,
    ) -> Any:
        """Upload a document and add it to the index (stored under `<data_dir>/uploads/` with a sanitised name;
        a file of the same name is replaced). The format is read from the bytes: HWP 5, HWPX, PDF (scanned
        pages by OCR), DOCX, a saved web page, or plain text/Markdown (UTF-8, CP949, UTF-16 with a BOM).
        Citations of PDFs carry their page. 413 over RAG_MAX_FILE_BYTES, 415 for other formats, 422 for a
        broken, password/DRM-protected or text-less file (a scan when OCR is not installed)."""
        views: AssistantViews = request.app.state.views
        assistant = views.assistant
        data = await file.read(assistant.settings.max_file_bytes + 1)
        result = await run_in_threadpool(index_upload, assistant, file.filename, data)
        if result.status == "unchanged":
            response.status_code = 200
        summary = await run_in_threadpool(summary_of, result.document, assistant)
        return UploadResponse(
            status=result.status, filename=result.filename, document=summary,
            documents=result.report.documents, chunks=result.report.chunks, seconds=result.report.seconds,
        )

    @app.get("/api/sessions", response_model=SessionList, tags=["sessions"])
    def sessions(assistant: Assistant_) -> Any:
        """Every conversation, most recently used first."""
        return SessionList(sessions=assistant.sessions.list())

    @app.get("/api/sessions/{session_id}", response_model=Session, tags=["sessions"])
    def session(session_id: str, assistant: Assistant_) -> Any:
        """A conversation's turns, oldest first (404 when unknown)."""
        return assistant.sessions.get(session_id)

    @app.delete("/api/sessions/{session_id}", response_model=SessionDeleted, tags=["sessions"])
    def delete_session(session_id: str, assistant: Assistant_) -> Any:
        """Forget a conversation (404 when unknown)."""
        assistant.sessions.delete(session_id)
        return SessionDeleted(session_id=session_id)

    @app.post(
        "/v1/chat/completions",
        response_model=ChatCompletion,
        tags=["openai"],
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

    @app.get("/v1/models", response_model=ModelList, tags=["openai"])
    def models() -> Any:
        """The one model this server offers."""
        return ModelList(data=[ModelCard(id=MODEL_ID, created=int(time.time()))])

