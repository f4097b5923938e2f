"""The `pg_url` fixture: a throwaway local PostgreSQL server with pgvector, one for the whole test session."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.stores.pg_server import PgServerUnavailable, start_local_server, stop_local_server


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of the `policy_rag` database (with `vector`) on a server in a temporary directory, stopped at the end.

    Skips, with the reason, where the server wheel is not installed or cannot run on this platform.
    """
    # Directly under the system temp dir, which the unprivileged server user can enter (pytest's own are 0700).
    data_dir = Path(tempfile.mkdtemp(prefix="policy-rag-pg-"))
    try:
        try:
            url = start_local_server(data_dir)
        except PgServerUnavailable as exc:
            pytest.skip(f"no local PostgreSQL server: {exc}")
        yield url
    finally:
        stop_local_server(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def fresh_database(pg_url: str, name: str) -> str:
    """The URL of a new, empty database `name` (with `vector`) on the test server; an old one is dropped first."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    return url
