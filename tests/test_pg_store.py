"""The PostgreSQL + pgvector store on a real local server: the same rankings as the local store, changes seen
by every process, per-document transactions that survive a `kill -9`, and clear errors.

The retrieval and answer suites themselves run against both stores through the parametrised `seed_assistant`
fixture (tests/conftest.py); this module covers what only a shared store has.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from assistant.service import Assistant
from assistant.settings import Settings
from index.chunking import CHUNKER
from index.errors import IndexUnavailableError
from index.korean import tokenize
from tests.conftest import MODEL_CACHE_DIR, OLD_HEADING, SEEDS_DIR, make_settings, running_server
from tests.pg_fixture import fresh_database

QUERIES = [
    "경북 신전자산업 육성 프로젝트의 목표",
    "디지털 오픈랩 사업비",
    "How much is invested in the Gwangju AI cluster?",
]
RAG = Path(os.environ.get("VIRTUAL_ENV", ".venv")) / "bin" / "rag"
NEW_TEXT = "세종시는 2031년까지 자율주행 셔틀 120대를 도입하고 여기에 1,870억원을 투입한다고 밝혔다.\n"


@pytest.fixture
def pg_settings(tmp_path: Path, pg_url: str, request: pytest.FixtureRequest) -> Settings:
    """Settings over a fresh, empty database of this test's own."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    (tmp_path / "data").mkdir()
    return make_settings(tmp_path / "data", store="postgres", database_url=fresh_database(pg_url, name))


@pytest.fixture
def open_assistant() -> Iterator[Callable[[Settings], Assistant]]:
    """Makes the test's assistants; their connection pools are closed at its end."""
    made: list[Assistant] = []

    def make(settings: Settings) -> Assistant:
        made.append(Assistant(settings))
        return made[-1]

    yield make
    for assistant in made:
        assistant.close()


def test_lexical_and_dense_scores_match_the_local_store(
    pg_seed_assistant: Assistant, local_seed_assistant: Assistant
) -> None:
    shared, local = pg_seed_assistant.index, local_seed_assistant.index
    assert [c.chunk_id for c in shared.chunks] == [c.chunk_id for c in local.chunks]
    vector = local_seed_assistant.embedder.encode_queries([QUERIES[0]])[0]
    rows = list(range(len(local.chunks)))
    assert np.allclose(shared.dense_scores(vector, rows), local.dense_scores(vector, rows), atol=1e-5)
    assert shared.dense_top(vector, 5) == local.dense_top(vector, 5)
    for query in QUERIES:
        tokens = tokenize(query)
        assert np.allclose(shared.lexical_scores(tokens, rows), local.lexical_scores(tokens, rows), atol=1e-4)
        assert [r for r, _ in shared.lexical_top(tokens, 5)] == [r for r, _ in local.lexical_top(tokens, 5)]
        assert shared.idf(tokens[0]) == pytest.approx(local.idf(tokens[0]))
    assert not shared.knows("없는낱말") and shared.idf("없는낱말") == pytest.approx(local.idf("없는낱말"))



def test_the_manifest_alone_matches_the_loaded_index_in_both_stores(
    pg_seed_assistant: Assistant, local_seed_assistant: Assistant
) -> None:
    """`rag ingest --if-missing` reads only the manifest (counts, chunker): the same as the loaded index's."""
    for assistant in (pg_seed_assistant, local_seed_assistant):
        loaded, alone = assistant.index.manifest, assistant.store.manifest()
        assert (alone.documents, alone.chunks, alone.chunker) == (loaded.documents, loaded.chunks, loaded.chunker)
        assert alone.documents == 5 and alone.chunks > 5 and alone.chunker == CHUNKER


def test_a_document_ingested_by_one_process_is_searched_by_another(
    open_assistant: Callable[[Settings], Assistant], pg_settings: Settings, tmp_path: Path
) -> None:
    writer, reader = open_assistant(pg_settings), open_assistant(pg_settings)
    writer.ingest(progress=False)
    assert len(reader.index.documents) == 5
    new = tmp_path / "sejong.txt"
    new.write_text("세종시 자율주행 셔틀 도입\n\n" + NEW_TEXT, encoding="utf-8")
    writer.ingest([new], progress=False)
    time.sleep(0.6)  # the reader looks at the generation at most every half second
    top = reader.search("세종시 자율주행 셔틀", 1)[0]
    assert top.document.source == "sejong.txt"
    assert reader.ask("세종시는 자율주행 셔틀에 얼마를 투입하나요?").short_answer == "1,870억원"
    # Sessions are shared too: a turn written through one process is history in the other.
    session = writer.ask("세종시는 자율주행 셔틀을 몇 대 도입하나요?")
    assert [t.question for t in reader.sessions.history(session.session_id)] == [
        "세종시는 자율주행 셔틀을 몇 대 도입하나요?"
    ]


def test_a_database_cut_by_an_older_chunker_is_cut_again_once(
    open_assistant: Callable[[Settings], Assistant], pg_settings: Settings, local_seed_assistant: Assistant
) -> None:
    """As in the local store: the manifest names no chunker and every chunk has an old heading; the next ingest
    cuts the stored documents again (the same chunks as a fresh local build), and the one after does nothing."""
    import psycopg

    assistant = open_assistant(pg_settings)
    assistant.ingest(progress=False)
    assert pg_settings.database_url is not None
    with psycopg.connect(pg_settings.database_url, autocommit=True) as conn:
        conn.execute("UPDATE rag_state SET manifest = manifest - 'chunker', generation = generation + 1")
        old_heading = "UPDATE rag_chunks SET record = jsonb_set(record, '{heading}', to_jsonb(%s::text))"
        conn.execute(old_heading, (OLD_HEADING,))
    aged = open_assistant(pg_settings)
    assert aged.store.manifest().cut_by_another_chunker and aged.store.manifest().warnings()
    assert {chunk.heading for chunk in aged.index.chunks} == {OLD_HEADING}
    report = aged.ingest(progress=False)
    assert (report.rechunked_documents, report.added_documents, report.documents) == (5, 0, 5)
    assert aged.store.manifest().chunker == CHUNKER and not aged.store.manifest().warnings()
    assert aged.index.chunks == local_seed_assistant.index.chunks
    assert aged.ingest(progress=False).rechunked_documents == 0


def test_replacing_a_file_swaps_its_document_in_one_transaction(
    open_assistant: Callable[[Settings], Assistant], pg_settings: Settings, tmp_path: Path
) -> None:
    assistant = open_assistant(pg_settings)
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "note.txt").write_text("세종시 메모\n\n" + NEW_TEXT, encoding="utf-8")
    assistant.ingest([folder], progress=False)
    (folder / "note.txt").write_text("세종시 메모\n\n" + NEW_TEXT.replace("120대", "150대"), encoding="utf-8")
    report = assistant.ingest([folder], progress=False, replace=["note.txt"])
    assert (report.added_documents, report.replaced_documents, report.documents) == (1, 1, 1)
    (document,) = assistant.index.documents.values()
    assert "150대" in document.text and "120대" not in document.text


def test_kill_9_during_an_ingest_leaves_every_document_whole(
    open_assistant: Callable[[Settings], Assistant], pg_settings: Settings, tmp_path: Path
) -> None:
    open_assistant(pg_settings).ingest(progress=False)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(8):
        (corpus / f"city_{n}.txt").write_text(f"도시 {n} 계획\n\n" + NEW_TEXT * (n + 1), encoding="utf-8")
    env = {
        **os.environ,
        "RAG_STORE": "postgres",
        "RAG_DATABASE_URL": str(pg_settings.database_url),
        "RAG_DATA_DIR": str(pg_settings.data_dir),
        "RAG_MODEL_CACHE_DIR": str(MODEL_CACHE_DIR),
    }
    process = subprocess.Popen([str(RAG), "ingest", str(corpus)], env=env, start_new_session=True)
    time.sleep(4.0)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    index = open_assistant(pg_settings).index  # loads: every document has all its chunks, or is absent
    for doc_id, rows in index.rows_by_doc.items():
        assert [index.chunks[r].chunk_id for r in rows] == [f"{doc_id}:{i:04d}" for i in range(len(rows))]
    assert 5 <= len(index.documents) <= 13
    done = subprocess.run([str(RAG), "ingest", str(corpus), "--json"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["documents"] == 13  # the writer lock of the killed process was released


def test_two_servers_on_one_database_share_uploads_and_survive_a_kill_9(
    open_assistant: Callable[[Settings], Assistant], pg_settings: Settings, tmp_path: Path
) -> None:
    open_assistant(pg_settings).ingest(progress=False)
    env = {"RAG_STORE": "postgres", "RAG_DATABASE_URL": str(pg_settings.database_url)}
    seeds = make_settings(pg_settings.data_dir, seeds_dir=SEEDS_DIR)
    with running_server(tmp_path / "a", seeds, **env) as first, running_server(tmp_path / "b", seeds, **env) as second:
        upload = httpx.post(
            f"{first.url}/api/documents",
            files={"file": ("sejong.txt", ("세종시 자율주행 셔틀 도입\n\n" + NEW_TEXT).encode(), "text/plain")},
            timeout=120,
        )
        assert upload.status_code == 201, upload.text
        time.sleep(1.0)
        answer = httpx.post(
            f"{second.url}/api/chat", json={"message": "세종시는 자율주행 셔틀에 얼마를 투입하나요?"}, timeout=60
        ).json()
        assert answer["short_answer"] == "1,870억원"
        assert answer["citations"][0]["source"] == "sejong.txt"

        # kill -9 the first server while it indexes a long upload: the second keeps serving, every document in
        # the database is whole, and the dead writer's lock does not block the next upload.
        long_text = "".join(f"도시 {n}의 교통 계획은 {n}억원 규모다.\n" for n in range(3000))
        sender = threading.Thread(target=_post_quietly, args=(f"{first.url}/api/documents", "long.txt", long_text))
        sender.start()
        time.sleep(1.0)
        first.process.kill()
        first.process.wait(timeout=30)
        sender.join(timeout=30)
        assert httpx.get(f"{second.url}/health", timeout=10).json()["status"] == "ok"
        index = open_assistant(pg_settings).index
        for doc_id, rows in index.rows_by_doc.items():
            assert [index.chunks[r].chunk_id for r in rows] == [f"{doc_id}:{i:04d}" for i in range(len(rows))]
        again = httpx.post(
            f"{second.url}/api/documents",
            files={
                "file": (
                    "gimhae.txt",
                    "김해시 공항 계획\n\n김해시는 공항 확장에 300억원을 쓴다.\n".encode(),
                    "text/plain",
                )
            },
            timeout=120,
        )
        assert again.status_code == 201, again.text


def _post_quietly(url: str, name: str, text: str) -> None:
    """Upload a file, ignoring the failure when the server dies meanwhile."""
    with contextlib.suppress(httpx.HTTPError):
        httpx.post(url, files={"file": (name, text.encode(), "text/plain")}, timeout=120)


def test_an_unreachable_database_is_a_clear_503(
    open_assistant: Callable[[Settings], Assistant], tmp_path: Path
) -> None:
    url = "postgresql://nobody:secret@127.0.0.1:9/none"
    settings = make_settings(tmp_path, store="postgres", database_url=url)
    with pytest.raises(
        IndexUnavailableError, match=r"Cannot use the PostgreSQL database at postgresql://127\.0\.0\.1:9"
    ) as caught:
        open_assistant(settings).index  # noqa: B018
    assert caught.value.status_code == 503 and "secret" not in str(caught.value)


def test_an_empty_database_says_how_to_build_the_index(
    open_assistant: Callable[[Settings], Assistant], pg_settings: Settings
) -> None:
    assistant = open_assistant(pg_settings)
    with pytest.raises(IndexUnavailableError, match="rag ingest"):
        assistant.index  # noqa: B018
    with pytest.raises(IndexUnavailableError, match="rag ingest"):
        assistant.store.manifest()


def test_postgres_settings_need_a_database_url() -> None:
    with pytest.raises(ValueError, match="RAG_DATABASE_URL"):
        Settings(store="postgres", database_url=None)
