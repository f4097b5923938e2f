"""ASGI middleware in front of the API: request-body size limits, the API key and per-client rate limiting."""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.api.errors import error_response
from assistant.settings import Settings

MAX_JSON_BYTES = 2_000_000
MULTIPART_OVERHEAD_BYTES = 1_000_000
MAX_TRACKED_CLIENTS = 10_000


class BodyLimit:
    """Refuse over-large request bodies from their Content-Length, before reading them: uploads beyond
    RAG_MAX_FILE_BYTES (plus multipart overhead) and JSON bodies beyond 2 MB get a 413 JSON error."""

    def __init__(self, app: ASGIApp, max_file_bytes: int) -> None:
        self.app = app
        self.max_file_bytes = max_file_bytes

    def limit(self, path: str) -> int | None:
        """The largest body accepted on `path` (None: no limit)."""
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
        """Whether the request shows the configured key (compared in constant time)."""
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
