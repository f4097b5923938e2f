"""Talk to a running `rag serve` instead of loading the model and index in this process.

`rag ask/search/check/chat` use a server when one is named (`--server URL` or `RAG_SERVER_URL`) or, unless
`RAG_SERVER_AUTODETECT=false` or `--standalone`, when a `rag serve` of the *same index* answers `/health` on
the default address within a fraction of a second (its `/health` reports `index_id`, a hash of its index
directory, so a server of another data directory is never picked up by chance). The answers are the API's
objects, which are the same as the standalone `--json` output. httpx is imported only once a port answers.
"""

from __future__ import annotations

import hashlib
import socket
from typing import Any
from urllib.parse import urlsplit

from index.errors import InputError, RagError

DEFAULT_SERVER = "http://127.0.0.1:8000"
PROBE_TIMEOUT = 0.3  # seconds: a local server answers /health in a few milliseconds
REQUEST_TIMEOUT = 300.0


class ServerError(RagError):
    """The server could not be reached or failed."""


def index_id(location: str) -> str:
    """A short stable id of where an index lives (`Settings.index_location`; what `/health` reports)."""
    return hashlib.sha256(location.encode("utf-8")).hexdigest()[:16]


def probe(url: str, timeout: float = PROBE_TIMEOUT) -> dict[str, Any] | None:
    """The server's `/health` object when it answers `ok` in time, else None."""
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80))
    try:  # nobody listening (the usual case) is known at once, without importing an HTTP client
        with socket.create_connection(address, timeout=timeout):
            pass
    except OSError:
        return None
    import httpx

    try:
        response = httpx.get(url.rstrip("/") + "/health", timeout=timeout)
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    if response.status_code != 200 or not isinstance(body, dict) or body.get("status") != "ok":
        return None
    return body


def detect_server(explicit: str | None, location: str, autodetect: bool = True) -> str | None:
    """The server to use: `explicit` (a URL given by option or setting; checked), else a `rag serve` of the same
    index on the default address, else None (work standalone). An explicit server that does not answer is an
    error, not a silent fallback."""
    if explicit:
        url = explicit.rstrip("/")
        if probe(url, timeout=2.0) is None:
            raise ServerError(f"No `rag serve` answers at {url}/health; start one or drop --server / RAG_SERVER_URL.")
        return url
    if not autodetect:
        return None
    health = probe(DEFAULT_SERVER)
    if health is None or health.get("index_id") != index_id(location):
        return None
    return DEFAULT_SERVER


class ServerClient:
    """The API calls the CLI makes; failures become the CLI's errors (4xx: bad input, 5xx: unavailable)."""

    def __init__(self, url: str, api_key: str | None = None, timeout: float = REQUEST_TIMEOUT) -> None:
        import httpx

        headers = {"X-API-Key": api_key} if api_key else {}
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        import httpx

        try:
            response = self.http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ServerError(f"The server at {self.url} failed: {type(exc).__name__}: {exc}") from exc
        try:
            data = response.json()
        except ValueError:
            data = {"detail": response.text[:200]}
        if response.status_code in (400, 404, 413, 422):
            raise InputError(str(data.get("detail", data)))
        if response.status_code >= 400:
            raise ServerError(f"The server at {self.url} answered {response.status_code}: {data.get('detail', data)}")
        return data

    def ask(self, question: str, session_id: str | None = None) -> dict[str, Any]:
        """`POST /api/chat`: the `rag ask --json` object."""
        body: dict[str, Any] = {"message": question}
        if session_id:
            body["session_id"] = session_id
        return self._call("POST", "/api/chat", body)

    def search(self, query: str, k: int | None = None, mode: str | None = None) -> list[dict[str, Any]]:
        """`POST /api/search`: the ranked results."""
        body: dict[str, Any] = {"query": query}
        if k is not None:
            body["top_k"] = k
        if mode is not None:
            body["mode"] = mode
        return self._call("POST", "/api/search", body)["results"]

    def check(self, claim: str) -> dict[str, Any]:
        """`POST /api/check`: the `rag check --json` object."""
        return self._call("POST", "/api/check", {"claim": claim})

    def history(self, session_id: str) -> list[dict[str, Any]]:
        """A session's turns, oldest first (none for a session the server does not know yet)."""
        try:
            return self._call("GET", f"/api/sessions/{session_id}")["turns"]
        except InputError:
            return []
