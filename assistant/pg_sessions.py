"""Conversation history in PostgreSQL (table `rag_turns`), shared by every worker; same contract as `SessionStore`."""

from __future__ import annotations

from contextlib import AbstractContextManager

from psycopg import Connection
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from assistant.conversation import SessionTable, validate_session_id
from index.errors import InputError

# First key of the two-key `pg_advisory_xact_lock(int, int)` taken per session (the second is the hashed id);
# two-key locks never collide with the schema migration's one-key lock.
_LOCK_SPACE = 7_262_002


class PostgresSessionStore(SessionTable):
    """Bounded conversation histories in the `rag_turns` table (created by `index.stores.pg_schema.migrate`).

    `created` is the database server's clock, so that every worker stamps turns on the same clock.
    """

    TABLE = "rag_turns"
    PARAM = "%s"
    PAYLOAD = "payload::text"

    def __init__(self, pool: ConnectionPool, max_turns: int = 20) -> None:
        self.pool = pool
        self.max_turns = max_turns

    def _connection(self) -> AbstractContextManager[Connection]:
        return self.pool.connection()

    def append(self, session_id: str, question: str, query: str, answer: str, payload: dict) -> None:
        """Record a turn and forget the oldest beyond `max_turns`, in one transaction under a per-session lock,
        so that workers appending to the same session at once keep exactly the newest `max_turns`."""
        validate_session_id(session_id)
        if any("\x00" in text for text in (question, query, answer)):
            raise InputError("The question or answer contains a NUL character, which cannot be stored.")
        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK_SPACE, session_id))
            conn.execute(
                "INSERT INTO rag_turns (session_id, question, query, answer, payload, created) "
                "VALUES (%s, %s, %s, %s, %s, extract(epoch FROM clock_timestamp())::double precision)",
                (session_id, question, query, answer, Jsonb(payload)),
            )
            self._trim(conn, session_id, self.max_turns)
