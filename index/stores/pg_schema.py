"""The PostgreSQL schema of the shared store, created and migrated by the application.

`rag_schema_version` holds the version applied; `migrate(conn, dimension)` applies the missing steps in order,
under an advisory lock, so that workers starting together migrate once. Tables:

* `rag_state`: one row: the index manifest (model, dimension, analyser, chunking) and the generation number,
  raised by every committed change (workers reload their snapshot when it moves; a NOTIFY on channel
  `rag_generation` tells listeners at once);
* `rag_documents`: one row per document (its `SourceDocument` record as JSON), in ingest order;
* `rag_chunks`: one row per chunk: record, language, search-token count and the passage vector
  (`vector(<dimension>)`, HNSW index with cosine distance);
* `rag_postings`: (term, chunk, term frequency): the BM25 statistics, over the same Kiwi tokens as the local
  store, so that lexical scores are the local store's to the last digit;
* `rag_turns`: conversation turns (the sessions of every worker).
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

CHANNEL = "rag_generation"
_LOCK_KEY = 7_262_001  # pg_advisory_xact_lock key of the migration


def _v1(dimension: int) -> list[str]:
    return [
        "CREATE EXTENSION IF NOT EXISTS vector",
        """CREATE TABLE rag_state (
            id boolean PRIMARY KEY DEFAULT true CHECK (id),
            manifest jsonb,
            generation bigint NOT NULL DEFAULT 0
        )""",
        "INSERT INTO rag_state (id) VALUES (true)",
        """CREATE TABLE rag_documents (
            position bigserial UNIQUE,
            doc_id text PRIMARY KEY,
            source text NOT NULL,
            record jsonb NOT NULL
        )""",
        f"""CREATE TABLE rag_chunks (
            position bigserial UNIQUE,
            chunk_id text PRIMARY KEY,
            doc_id text NOT NULL REFERENCES rag_documents (doc_id) ON DELETE CASCADE,
            lang text NOT NULL,
            length integer NOT NULL,
            record jsonb NOT NULL,
            embedding vector({int(dimension)}) NOT NULL
        )""",
        "CREATE INDEX rag_chunks_doc ON rag_chunks (doc_id)",
        "CREATE INDEX rag_chunks_embedding ON rag_chunks USING hnsw (embedding vector_cosine_ops)",
        """CREATE TABLE rag_postings (
            term text NOT NULL,
            chunk_id text NOT NULL REFERENCES rag_chunks (chunk_id) ON DELETE CASCADE,
            tf integer NOT NULL,
            PRIMARY KEY (term, chunk_id)
        )""",
        "CREATE INDEX rag_postings_chunk ON rag_postings (chunk_id)",
        """CREATE TABLE rag_turns (
            id bigserial PRIMARY KEY,
            session_id text NOT NULL,
            question text NOT NULL,
            query text NOT NULL,
            answer text NOT NULL,
            payload jsonb NOT NULL,
            created double precision NOT NULL
        )""",
        "CREATE INDEX rag_turns_session ON rag_turns (session_id, id)",
    ]


MIGRATIONS: list[Callable[[int], list[str]]] = [_v1]
VERSION = len(MIGRATIONS)


def migrate(conn: psycopg.Connection, dimension: int) -> int:
    """Bring the schema to `VERSION` (in one transaction, under an advisory lock); the version applied before."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute("CREATE TABLE IF NOT EXISTS rag_schema_version (version integer NOT NULL)")
        row = conn.execute("SELECT max(version) FROM rag_schema_version").fetchone()
        before = int(row[0]) if row and row[0] is not None else 0
        if before > VERSION:
            raise psycopg.errors.FeatureNotSupported(
                f"The database schema is version {before}, newer than this program's {VERSION}: upgrade policy-rag."
            )
        for version in range(before + 1, VERSION + 1):
            for statement in MIGRATIONS[version - 1](dimension):
                conn.execute(statement)  # type: ignore[arg-type]  # our own literal DDL
            conn.execute("INSERT INTO rag_schema_version (version) VALUES (%s)", (version,))
    return before
