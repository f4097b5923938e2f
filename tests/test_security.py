"""API key on writes (and optionally reads), per-client rate limiting and CORS, over real HTTP."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.settings import Settings
from tests.conftest import make_settings

KEY = {"Authorization": "Bearer s3cret"}


def _client(tmp_path: Path, seed_settings: Settings, **overrides: object) -> TestClient:
    data_dir = tmp_path / "data"
    shutil.copytree(seed_settings.data_dir, data_dir)
    return TestClient(create_app(make_settings(data_dir, **overrides), ui=False))


def _session(client: TestClient, headers: dict[str, str] | None = None) -> str:
    response = client.post("/api/chat", json={"message": "대구 주행시험장은 언제 완공됐나요?"}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()["session_id"]


def test_writes_need_the_key_reads_do_not(tmp_path: Path, seed_settings: Settings) -> None:
    client = _client(tmp_path, seed_settings, api_key="s3cret")
    session_id = _session(client)  # chatting is a read
    assert client.get("/api/documents").status_code == 200
    denied = client.delete(f"/api/sessions/{session_id}")
    assert denied.status_code == 401 and "API key" in denied.json()["detail"]
    assert client.delete(f"/api/sessions/{session_id}", headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.delete(f"/api/sessions/{session_id}", headers=KEY).status_code == 200
    upload = {"file": ("note.txt", "울산시는 수소 버스 100대를 도입한다.".encode(), "text/plain")}
    assert client.post("/api/documents", files=upload).status_code == 401
    assert client.post("/api/documents", files=upload, headers={"X-API-Key": "s3cret"}).status_code == 201


def test_reads_need_the_key_when_configured(tmp_path: Path, seed_settings: Settings) -> None:
    client = _client(tmp_path, seed_settings, api_key="s3cret", api_key_reads=True)
    assert client.get("/api/documents").status_code == 401
    assert (
        client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "광주"}]}).json()["error"][
            "code"
        ]
        == 401
    )
    assert client.get("/api/documents", headers=KEY).status_code == 200
    assert client.get("/health").status_code == 200  # health stays open for probes


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path, seed_settings: Settings) -> None:
    client = _client(tmp_path, seed_settings, rate_limit_per_minute=3)
    statuses = [client.get("/api/documents").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    limited = client.get("/api/documents")
    assert "per minute" in limited.json()["detail"]
    assert int(limited.headers["Retry-After"]) >= 1
    assert client.get("/health").status_code == 200  # not counted, not limited


@pytest.mark.parametrize(("origins", "allowed"), [(["https://news.example"], True), ([], False)])
def test_cors_follows_the_settings(tmp_path: Path, seed_settings: Settings, origins: list[str], allowed: bool) -> None:
    client = _client(tmp_path, seed_settings, cors_origins=origins)
    response = client.get("/api/documents", headers={"Origin": "https://news.example"})
    assert (response.headers.get("access-control-allow-origin") == "https://news.example") is allowed
