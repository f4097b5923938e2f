"""The local PostgreSQL + pgvector server (index/stores/pg_server.py), run for real from the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from assistant.settings import PROJECT_ROOT
from index.stores.pg_server import start_local_server, stop_local_server


@pytest.fixture
def spare_dir(pg_url: str) -> Iterator[Path]:
    """An empty directory for a second server (skipped like `pg_url`); that server is stopped and removed after."""
    data_dir = Path(tempfile.mkdtemp(prefix="policy-rag-pg-"))
    yield data_dir
    stop_local_server(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)


def test_url_is_tcp_on_loopback_and_server_answers(pg_url: str) -> None:
    parts = urlsplit(pg_url)
    assert (parts.scheme, parts.hostname, parts.port is not None) == ("postgresql", "127.0.0.1", True)
    assert (parts.username, parts.path) == ("postgres", "/policy_rag")
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.info.server_version >= 170000


def test_vector_extension_with_hnsw_cosine_index(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
        conn.execute("CREATE TEMP TABLE items (id int PRIMARY KEY, embedding vector(3))")
        conn.execute("CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_cosine_ops)")
        rows = [(1, "[1,0,0]"), (2, "[0,1,0]"), (3, "[1,1,0]"), (4, "[0,0,1]")]
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO items VALUES (%s, %s::vector)", rows)
        conn.execute("SET enable_seqscan = off")
        query = "SELECT id FROM items ORDER BY embedding <=> %s::vector LIMIT 2"
        plan = "\n".join(row[0] for row in conn.execute(f"EXPLAIN {query}", ("[1,0.1,0]",)))
        assert "items_hnsw" in plan
        assert [row[0] for row in conn.execute(query, ("[1,0.1,0]",))] == [1, 3]
        conn.rollback()


def test_simple_text_search_configuration(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        vector = conn.execute("SELECT to_tsvector('simple', '청년 월세 지원 Übersicht')::text").fetchone()
        assert vector == ("'übersicht':4 '월세':2 '지원':3 '청년':1",)
        query = "SELECT to_tsvector('simple', %s) @@ plainto_tsquery('simple', %s)"
        assert conn.execute(query, ("청년 월세 지원", "월세")).fetchone() == (True,)


def test_listen_notify_between_two_connections(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as listener, psycopg.connect(pg_url, autocommit=True) as sender:
        listener.execute("LISTEN index_changed")
        sender.execute("SELECT pg_notify('index_changed', 'gen-00000002')")
        received = list(listener.notifies(timeout=10, stop_after=1))
    assert [(n.channel, n.payload) for n in received] == [("index_changed", "gen-00000002")]


def test_up_is_idempotent_keeps_its_url_and_down_stops(spare_dir: Path) -> None:
    url = start_local_server(spare_dir)
    assert start_local_server(spare_dir) == url
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE kept (id int)")

    stop_local_server(spare_dir)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=5)
    stop_local_server(spare_dir)  # stopping a stopped server is a no-op

    assert start_local_server(spare_dir) == url  # warm start: same port, same data
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m index.stores.pg_server ARGS`, from the project root."""
    command = [sys.executable, "-m", "index.stores.pg_server", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=180)


@pytest.mark.slow
def test_command_line_prints_the_url_last_and_down_stops(spare_dir: Path) -> None:
    up = run_cli("up", "--data-dir", str(spare_dir))
    assert up.returncode == 0, up.stderr
    lines = up.stdout.strip().splitlines()
    assert len(lines) > 1  # progress first
    assert lines[-1].startswith("RAG_DATABASE_URL=postgresql://postgres@127.0.0.1:")
    url = lines[-1].removeprefix("RAG_DATABASE_URL=")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)

    down = run_cli("down", "--data-dir", str(spare_dir))
    assert down.returncode == 0, down.stderr
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=5)
