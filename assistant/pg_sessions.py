"""Conversation history in PostgreSQL (table `rag_turns`), shared by every worker; same contract as `SessionStore`."""

from __future__ import annotations

from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from assistant.conversation import (
    SessionReads,
    SessionSummary,
    Turn,
    missing_session,
    summaries_from_rows,
    turns_from_rows,
    validate_session_id,
)
from index.errors import InputError

# First key of the two-key `pg_advisory_xact_lock(int, int)` taken per session (the second is the hashed id);
# two-key locks never collide with the schema migration's one-key lock.
_LOCK_SPACE = 7_262_002


class PostgresSessionStore(SessionReads):
    """Bounded conversation histories in the `rag_turns` table (created by `index.stores.pg_schema.migrate`).

    `created` is the database server's clock, so that every worker stamps turns on the same clock.
    """

    def __init__(self, pool: ConnectionPool, max_turns: int = 20) -> None:
        self.pool = pool
        self.max_turns = max_turns

    def append(self, session_id: str, question: str, query: str, answer: str, payload: dict) -> None:
        """Record a turn and forget the oldest beyond `max_turns`, in one transaction under a per-session lock,
        so that workers appending to the same session at once keep exactly the newest `max_turns`."""
        validate_session_id(session_id)
        if any("\x00" in text for text in (question, query, answer)):
            raise InputError("The question or answer contains a NUL character, which cannot be stored.")
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK_SPACE, session_id))
            conn.execute(
                "INSERT INTO rag_turns (session_id, question, query, answer, payload, created) "
                "VALUES (%s, %s, %s, %s, %s, extract(epoch FROM clock_timestamp())::double precision)",
                (session_id, question, query, answer, Jsonb(payload)),
            )
            conn.execute(
                "DELETE FROM rag_turns WHERE session_id = %s AND id NOT IN "
                "(SELECT id FROM rag_turns WHERE session_id = %s ORDER BY id DESC LIMIT %s)",
                (session_id, session_id, self.max_turns),
            )

    def history(self, session_id: str) -> list[Turn]:
        """The session's turns, oldest first (empty for a new session)."""
        validate_session_id(session_id)
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT question, query, answer, payload::text, created FROM rag_turns WHERE session_id = %s "
                "ORDER BY id",
                (session_id,),
            ).fetchall()
        return turns_from_rows(rows)

    def list(self) -> list[SessionSummary]:
        """Every session, most recently used first."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT session_id, COUNT(*), MAX(created), "
                "(SELECT question FROM rag_turns f WHERE f.session_id = t.session_id ORDER BY id LIMIT 1) "
                "FROM rag_turns t GROUP BY session_id ORDER BY MAX(created) DESC, MAX(id) DESC"
            ).fetchall()
        return summaries_from_rows(rows)

    def delete(self, session_id: str) -> None:
        """Forget a session; NotFoundError when there is none."""
        validate_session_id(session_id)
        with self.pool.connection() as conn:
            deleted = conn.execute("DELETE FROM rag_turns WHERE session_id = %s", (session_id,)).rowcount
        if not deleted:
            raise missing_session(session_id)
