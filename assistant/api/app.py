"""The app factory: one `Assistant`, warmed up at start-up, behind the middleware, routers and offline docs."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from assistant.api import openai
from assistant.api.dependencies import AssistantViews
from assistant.api.errors import ERRORS, install_error_handlers
from assistant.api.middleware import BodyLimit, Guard
from assistant.api.routes import chat, documents, health, search, sessions
from assistant.service import Assistant
from assistant.settings import Settings, get_settings
from index.errors import RagError

log = logging.getLogger("policy_rag.api")

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
ROUTERS = (health.router, chat.router, search.router, documents.router, sessions.router, openai.router)


def warm_up(assistant: Assistant) -> None:
    """Load the index now, then load the Korean analyser and the model and run one search in a background
    thread: /health answers at once, and the first question waits only for what is still loading. A missing
    index is logged, not fatal: /health then says why, and uploads can still create the index."""
    try:
        manifest = assistant.index.manifest
    except RagError as exc:
        log.warning("the assistant is not ready: %s", exc)
        return
    log.info("index: %s documents, %s chunks (%s)", manifest.documents, manifest.chunks, manifest.embedding_model)

    def first_search() -> None:
        try:
            assistant.search("warm-up", 1)
            log.info("ready: analyser and embedding model loaded")
        except RagError as exc:
            log.warning("warm-up failed: %s", exc)

    threading.Thread(target=first_search, name="warm-up").start()  # not a daemon: native loads finish cleanly


def create_app(settings: Settings | None = None, *, ui: bool = True) -> FastAPI:
    """The FastAPI app: the JSON API, the OpenAI-compatible endpoints and (unless `ui=False`) the Gradio UI
    at `/`, all over one `Assistant` built from `settings` (default: the environment's)."""
    settings = settings or get_settings()
    assistant = Assistant(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(warm_up, assistant)
        yield
        assistant.close()

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
    for router in ROUTERS:
        app.include_router(router)
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
