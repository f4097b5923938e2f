"""The HTTP API over a private copy of the seed index: real model, real FAISS, the whole app (UI mounted too)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.settings import Settings
from assistant.uploads import safe_filename
from index.loaders import load_document
from tests.conftest import age_index, free_port, make_settings

MAX_FILE_BYTES = 50_000
KO_QUESTION = "광주 AI 집적단지에 투자되는 금액은?"
EN_QUESTION = "What is the SW 미래채움 project in Gyeongbuk?"
KO_CLAIM = "경상북도는 2018년 8월 지자체 최초로 4차산업혁명 전략위원회를 출범시켰다."
UPLOAD_TEXT = """# 제주 수소트램 시범사업 착수

제주특별자치도는 2031년까지 수소트램 시범노선을 구축하기 위해 모두 1,234억 원을 투입한다고 밝혔다.
시범노선은 제주공항과 제주항을 잇는 9.8km 구간으로, 수소연료전지로 달리는 트램 6편성이 운행된다.
도는 수소트램 정비기지를 조천읍에 짓고 지역 부품기업 20곳을 육성할 계획이다.
"""


@pytest.fixture(scope="module")
def api_settings(tmp_path_factory: pytest.TempPathFactory, seed_settings: Settings) -> Settings:
    data_dir = tmp_path_factory.mktemp("api") / "data"
    shutil.copytree(seed_settings.data_dir, data_dir)
    return make_settings(data_dir, max_file_bytes=MAX_FILE_BYTES)


@pytest.fixture(scope="module")
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def sse_events(body: str) -> list[tuple[str, dict]]:
    """(event, data) pairs of a text/event-stream body."""
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def assert_exact_citations(client: TestClient, citations: list[dict]) -> None:
    for citation in citations:
        document = client.get(f"/api/documents/{citation['doc_id']}").json()
        assert document["text"][citation["start"] : citation["end"]] == citation["quote"]


def assert_error(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert "Traceback" not in response.text
    return body


# --- service ------------------------------------------------------------------------------------------------


def test_health_reports_index_model_and_generator(client: TestClient) -> None:
    body = client.get("/health").json()
    assistant = client.app.state.views.assistant  # type: ignore[attr-defined]
    assert body["status"] == "ok"
    assert body["documents"] == 5 and body["chunks"] == len(assistant.index.chunks) > 5
    assert body["embedding_model"] == assistant.index.manifest.embedding_model
    assert body["llm"] == assistant.generator.name
    assert body["warnings"] == []


def test_health_warns_of_an_index_cut_by_an_older_chunker_until_an_upload_cuts_it_again(
    tmp_path: Path, seed_settings: Settings
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(seed_settings.data_dir, data_dir)
    settings = make_settings(data_dir)
    age_index(settings.resolved_index_dir)
    with TestClient(create_app(settings, ui=False)) as aged:
        warnings = aged.get("/health").json()["warnings"]
        assert len(warnings) == 1 and "rag ingest --if-missing" in warnings[0]
        files = {"file": ("jeju.md", UPLOAD_TEXT.encode("utf-8"), "text/markdown")}
        assert aged.post("/api/documents", files=files).status_code == 201
        after = aged.get("/health").json()
        assert after["warnings"] == [] and after["documents"] == 6


def test_openapi_documents_every_endpoint_with_korean_and_english_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in ("/health", "/api/chat", "/api/chat/stream", "/api/search", "/api/check", "/api/documents",
                 "/api/documents/{doc_id}", "/api/sessions/{session_id}", "/v1/chat/completions", "/v1/models"):
        assert path in schema["paths"], path
    examples = schema["paths"]["/api/chat"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert examples["ko"]["value"]["message"] == KO_QUESTION and "en" in examples
    assert client.get("/docs").status_code == 200


def test_ui_is_mounted_at_root_next_to_the_api(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert client.get("/health").headers["content-type"] == "application/json"


# --- chat ----------------------------------------------------------------------------------------------------


def test_chat_answers_korean_with_exact_citations(client: TestClient) -> None:
    body = client.post("/api/chat", json={"message": KO_QUESTION}).json()
    assert body["grounded"] and body["language"] == "ko"
    assert "4000억" in body["answer"] and "[1]" in body["answer"]
    assert body["citations"] and body["session_id"]
    assert_exact_citations(client, body["citations"])


def test_chat_answers_english_and_honours_top_k(client: TestClient) -> None:
    body = client.post("/api/chat", json={"message": EN_QUESTION}).json()
    assert body["grounded"] and body["language"] == "en"
    assert "미래채움" in body["answer"]
    assert_exact_citations(client, body["citations"])
    narrow = client.post("/api/chat", json={"message": EN_QUESTION, "top_k": 1}).json()
    assert len({c["doc_id"] for c in narrow["citations"]}) == 1  # one chunk retrieved: one document cited
    assert_exact_citations(client, narrow["citations"])


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"message": ""}, 422, "message"),
        ({"message": "   \n "}, 422, "empty"),
        ({"message": "가" * 200_000}, 422, "limit"),
        ({"message": KO_QUESTION, "top_k": -1}, 422, "top_k"),
        ({"message": KO_QUESTION, "top_k": 51}, 422, "top_k"),
        ({"message": KO_QUESTION, "top_k": "many"}, 422, "top_k"),
        ({"message": KO_QUESTION, "session_id": "../etc/passwd"}, 422, "session id"),
        ({}, 422, "message"),
        ([1, 2], 422, "body"),
    ],
    ids=["empty", "blank", "200k-chars", "negative-top-k", "top-k-51", "top-k-text", "bad-session", "missing",
         "array"],
)
@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
def test_chat_rejects_bad_input_with_json_detail(
    client: TestClient, path: str, payload: object, status: int, field: str
) -> None:
    body = assert_error(client.post(path, json=payload), status)
    assert field in body["detail"]


def test_chat_rejects_a_non_json_body(client: TestClient) -> None:
    response = client.post("/api/chat", content=b"message=hello", headers={"content-type": "application/json"})
    assert "JSON" in assert_error(response, 422)["detail"]
    response = client.post("/api/chat", content="질문", headers={"content-type": "text/plain"})
    assert_error(response, 422)


def test_oversized_json_body_is_413_before_it_is_read(client: TestClient) -> None:
    response = client.post(
        "/api/chat", content=b"{" + b" " * 2_100_000 + b"}", headers={"content-type": "application/json"}
    )
    assert_error(response, 413)


def test_stream_sends_tokens_then_citations_then_done(client: TestClient) -> None:
    with client.stream("POST", "/api/chat/stream", json={"message": KO_QUESTION}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.read().decode("utf-8"))
    kinds = [kind for kind, _ in events]
    assert kinds[-2:] == ["citations", "done"] and set(kinds[:-2]) == {"token"} and len(kinds) > 3
    done = events[-1][1]
    assert "".join(data["text"] for kind, data in events if kind == "token") == done["answer"]
    assert events[-2][1] == {"citations": done["citations"], "session_id": done["session_id"]}
    assert done["grounded"] and done["session_id"]
    assert_exact_citations(client, done["citations"])


# --- sessions ------------------------------------------------------------------------------------------------


def test_sessions_remember_turns_and_can_be_deleted(client: TestClient) -> None:
    session_id = "api-test-session"
    first = client.post("/api/chat", json={"message": KO_QUESTION, "session_id": session_id}).json()
    with client.stream("POST", "/api/chat/stream", json={"message": "그 단지는 어느 도시에 있나요?",
                                                         "session_id": session_id}) as response:
        streamed = sse_events(response.read().decode("utf-8"))[-1][1]
    assert first["session_id"] == streamed["session_id"] == session_id

    session = client.get(f"/api/sessions/{session_id}").json()
    assert [t["question"] for t in session["turns"]] == [KO_QUESTION, "그 단지는 어느 도시에 있나요?"]
    assert session["turns"][0]["answer"] == first["answer"]
    assert session_id in [s["session_id"] for s in client.get("/api/sessions").json()["sessions"]]

    assert client.delete(f"/api/sessions/{session_id}").json() == {"session_id": session_id, "deleted": True}
    assert_error(client.get(f"/api/sessions/{session_id}"), 404)
    assert_error(client.delete(f"/api/sessions/{session_id}"), 404)


def test_unknown_and_malformed_sessions(client: TestClient) -> None:
    assert "no-such-session" in assert_error(client.get("/api/sessions/no-such-session"), 404)["detail"]
    assert_error(client.get("/api/sessions/bad%20id!"), 422)


# --- search, claims, documents -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_search_returns_exact_chunk_spans(client: TestClient, mode: str) -> None:
    body = client.post("/api/search", json={"query": "소부장 특화단지", "top_k": 3, "mode": mode}).json()
    ranks = [r["rank"] for r in body["results"]]
    assert body["mode"] == mode and 1 <= len(ranks) <= 3 and ranks == list(range(1, len(ranks) + 1))
    for result in body["results"]:
        text = client.get(f"/api/documents/{result['doc_id']}").json()["text"]
        assert text[result["start"] : result["end"]] == result["text"]


def test_search_rejects_bad_mode_and_top_k(client: TestClient) -> None:
    assert_error(client.post("/api/search", json={"query": "배터리", "mode": "magic"}), 422)
    assert_error(client.post("/api/search", json={"query": "배터리", "top_k": 0}), 422)
    assert_error(client.post("/api/search", json={"query": " "}), 422)


def test_check_finds_the_conflicting_year(client: TestClient) -> None:
    body = client.post("/api/check", json={"claim": KO_CLAIM}).json()
    assert body["verdict"] == "contradicted" and body["conflict"] == "2017년"
    assert body["evidence"] and "2017년 8월" in body["evidence"][0]["quote"]
    assert_exact_citations(client, body["evidence"])
    assert_error(client.post("/api/check", json={"claim": ""}), 422)


def test_documents_list_and_detail(client: TestClient) -> None:
    listing = client.get("/api/documents").json()
    assert listing["total"] == len(listing["documents"]) >= 5
    first = next(d for d in listing["documents"] if d["source"] == "004_90f594b122ef3ede.txt")
    assert first["title"] and first["chunks"] > 0 and "text" not in first and "광주" in first["regions"]
    by_id = client.get(f"/api/documents/{first['doc_id']}").json()
    by_name = client.get(f"/api/documents/{first['source']}").json()
    assert by_id == by_name and len(by_id["text"]) == first["chars"]
    assert "no-such-doc" in assert_error(client.get("/api/documents/no-such-doc"), 404)["detail"]


# --- uploads -------------------------------------------------------------------------------------------------


def test_upload_is_stored_safely_indexed_and_searchable(client: TestClient, api_settings: Settings) -> None:
    files = {"file": ("../../제주 수소트램<script>.md", UPLOAD_TEXT.encode("utf-8"), "text/markdown")}
    response = client.post("/api/documents", files=files)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "added" and body["filename"] == "제주_수소트램_script.md"
    assert body["documents"] == 6 and body["document"]["chunks"] >= 1
    stored = api_settings.data_dir / "uploads" / body["filename"]
    assert stored.read_bytes() == UPLOAD_TEXT.encode("utf-8")
    assert [p.name for p in api_settings.data_dir.rglob("*.md")] == [body["filename"]]

    results = client.post("/api/search", json={"query": "제주 수소트램 시범노선", "top_k": 3}).json()["results"]
    assert results[0]["doc_id"] == body["document"]["doc_id"]
    answer = client.post("/api/chat", json={"message": "제주 수소트램 시범사업에 투입되는 금액은?"}).json()
    assert "1,234억" in answer["answer"]
    assert_exact_citations(client, answer["citations"])
    assert client.get("/health").json()["documents"] == 6

    again = client.post("/api/documents", files=files)
    assert again.status_code == 200 and again.json()["status"] == "unchanged"


def test_an_upload_is_parsed_once(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checked upload is indexed as prepared, not read back from disk and parsed again (an OCR'd PDF would
    pay twice)."""
    import assistant.uploads
    import index.ingest

    parsed: list[str] = []

    def counting(data: bytes, name: str, max_bytes: int):  # the real loader, counted
        parsed.append(name)
        return load_document(data, name, max_bytes)

    monkeypatch.setattr(assistant.uploads, "load_document", counting)
    monkeypatch.setattr(index.ingest, "load_document", counting)
    text = "부산시는 해양 모빌리티 실증에 210억 원을 투입한다고 밝혔다.\n"
    response = client.post("/api/documents", files={"file": ("busan_mobility.txt", text.encode("utf-8"), "text/plain")})
    assert response.status_code == 201, response.text
    assert parsed == ["busan_mobility.txt"]


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("report.pdf", b"%PDF-1.7 ...", 422),  # a PDF (told by its bytes) that cannot be parsed
        ("sheet.xlsx", b"PK\x03\x04 ...", 415),
        ("no-extension", b"text", 415),
        ("big.txt", b"a" * (MAX_FILE_BYTES + 1), 413),
        ("binary.txt", b"\x00\x01\x02 not text", 422),
        ("empty.md", b"", 422),
        ("cp949-broken.txt", b"\xfa\xfb\xff\xfe" * 10, 422),
        ("utf16-broken.txt", b"\xff\xfe" + "정책".encode("utf-16-le") + b"\x00\xd8", 422),
    ],
)
def test_upload_rejects_bad_files(client: TestClient, api_settings: Settings, name: str, data: bytes,
                                  status: int) -> None:
    before = client.get("/health").json()["documents"]
    assert_error(client.post("/api/documents", files={"file": (name, data, "application/octet-stream")}), status)
    assert client.get("/health").json()["documents"] == before
    assert not (api_settings.data_dir / "uploads" / name).exists()


def test_upload_needs_a_file_part(client: TestClient) -> None:
    assert_error(client.post("/api/documents", data={"name": "x"}), 422)


def test_upload_needs_the_api_key_when_one_is_set(tmp_path: Path, api_settings: Settings) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(api_settings.data_dir, data_dir, ignore=shutil.ignore_patterns("uploads"))
    settings = make_settings(data_dir, api_key="s3cret")
    keyed = TestClient(create_app(settings, ui=False))
    files = {"file": ("note.txt", "울산시는 수소 버스 100대를 도입한다.".encode(), "text/plain")}
    assert_error(keyed.post("/api/documents", files=files), 401)
    assert_error(keyed.post("/api/documents", files=files, headers={"X-API-Key": "wrong"}), 401)
    response = keyed.post("/api/documents", files=files, headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("report.txt", "report.txt"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("보도자료 2024.md", "보도자료_2024.md"),
        (".hidden.txt", "hidden.txt"),
        ("a/b/<script>alert(1)</script>.md", "script.md"),
        ("", "upload"),
        ("...", "upload"),
        ("x" * 300 + ".txt", "x" * 96 + ".txt"),
    ],
)
def test_safe_filename(given: str, expected: str) -> None:
    assert safe_filename(given) == expected


# --- OpenAI-compatible endpoints (in process; the live-server tests use the openai client) ----------------------


def test_openai_chat_completion_in_process(client: TestClient) -> None:
    body = client.post(
        "/v1/chat/completions",
        json={"model": "policy-rag", "temperature": 0.2, "messages": [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": [{"type": "text", "text": KO_QUESTION}]},
        ]},
    ).json()
    content = body["choices"][0]["message"]["content"]
    assert body["object"] == "chat.completion" and body["choices"][0]["finish_reason"] == "stop"
    assert "[1]" in content and "출처:" in content and body["citations"][0]["quote"] in content
    assert client.get("/v1/models").json()["data"][0]["id"] == "policy-rag"


def test_openai_errors_carry_detail_and_error(client: TestClient) -> None:
    body = assert_error(
        client.post("/v1/chat/completions", json={"messages": [{"role": "system", "content": "hi"}]}), 422
    )
    assert body["error"]["message"] == body["detail"]
    assert_error(client.post("/v1/chat/completions", json={"messages": []}), 422)


def test_unexpected_bugs_are_a_json_500_without_traceback(api_settings: Settings) -> None:
    app = create_app(api_settings, ui=False)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal state")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    body = assert_error(response, 500)
    assert "secret" not in body["detail"]


def test_without_an_index_health_is_503_and_an_upload_creates_the_index(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "empty"), ui=False)) as empty:
        health = empty.get("/health")
        assert health.status_code == 503 and health.json()["status"] == "unavailable"
        assert "rag ingest" in health.json()["detail"]
        assert "rag ingest" in assert_error(empty.post("/api/chat", json={"message": KO_QUESTION}), 503)["detail"]
        assert_error(empty.get("/api/documents"), 503)

        files = {"file": ("jeju.md", UPLOAD_TEXT.encode("utf-8"), "text/markdown")}
        assert empty.post("/api/documents", files=files).status_code == 201
        after = empty.get("/health").json()
        assert after["status"] == "ok" and after["documents"] == 1 and after["chunks"] >= 1


def test_an_unreachable_llm_still_streams_a_complete_answer_or_a_clear_503(api_settings: Settings) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    settings = make_settings(api_settings.data_dir, llm="openai", llm_base_url=dead, llm_model="none-such")
    app = TestClient(create_app(settings, ui=False))
    with app.stream("POST", "/api/chat/stream", json={"message": KO_QUESTION}) as response:
        body = response.read().decode("utf-8")
    if response.status_code != 200:  # the generator may refuse outright: then a JSON 503 that says why
        assert response.status_code == 503 and json.loads(body)["detail"]
        return
    events = sse_events(body)
    done = events[-1][1]
    assert [k for k, _ in events][-2:] == ["citations", "done"] and done["answer"]
    assert "".join(data["text"] for kind, data in events if kind == "token") == done["answer"]
    assert done["generator"] == "extractive" and done["warnings"]  # fell back, and says so

    with app.stream("POST", "/v1/chat/completions",
                    json={"stream": True, "messages": [{"role": "user", "content": KO_QUESTION}]}) as response:
        lines = [line[6:] for line in response.read().decode("utf-8").splitlines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(line) for line in lines[:-1]]
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert content.startswith(done["answer"]) and "\n\n출처:\n[1] " in content
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["warnings"]


def test_docs_page_works_offline_from_bundled_swagger_ui(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "/static/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    script = client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000
    assert client.get("/openapi.json").json()["paths"]["/api/chat"]["post"]["requestBody"]
