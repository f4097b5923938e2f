"""Conversation history in SQLite (WAL, safe for concurrent writers), keyed by session id."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from index.errors import InputError, NotFoundError

SESSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
BUSY_TIMEOUT_SECONDS = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    question TEXT NOT NULL,
    query TEXT NOT NULL,
    answer TEXT NOT NULL,
    payload TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_session ON turns (session_id, id);
"""


class Turn(BaseModel):
    """One question and its answer; `query` is the standalone query retrieval used."""

    question: str
    query: str
    answer: str
    payload: dict = {}
    created: float


class SessionSummary(BaseModel):
    """A session in a listing."""

    session_id: str
    turns: int
    updated: float
    first_question: str


class Session(BaseModel):
    """A whole conversation, oldest turn first."""

    session_id: str
    turns: list[Turn]


def new_session_id() -> str:
    """A fresh random session id."""
    return uuid.uuid4().hex


def validate_session_id(session_id: str) -> str:
    """The id itself; an InputError unless it is 1-64 letters, digits, `-` or `_`."""
    if not SESSION_ID.match(session_id or ""):
        raise InputError("A session id is 1-64 letters, digits, '-' or '_' (starting with a letter or digit).")
    return session_id


def missing_session(session_id: str) -> NotFoundError:
    """The error for a session that has no turns."""
    return NotFoundError(f"No session {session_id!r}.")


class SessionTable:
    """The reads and the delete every session store shares, over a table of turns (`session_id`, `question`,
    `query`, `answer`, `payload` as JSON, `created`, and an increasing `id`). A store names its table, its
    driver's parameter marker and how to read the payload as text, and opens connections whose `execute`
    returns a cursor (sqlite3 and psycopg alike)."""

    TABLE = "turns"
    PARAM = "?"
    PAYLOAD = "payload"

    def _connection(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _sql(self, template: str) -> str:
        return template.format(table=self.TABLE, p=self.PARAM, payload=self.PAYLOAD)

    def _trim(self, db: Any, session_id: str, max_turns: int) -> None:
        """Forget the session's turns beyond the newest `max_turns` (inside the caller's transaction)."""
        db.execute(
            self._sql(
                "DELETE FROM {table} WHERE session_id = {p} AND id NOT IN "
                "(SELECT id FROM {table} WHERE session_id = {p} ORDER BY id DESC LIMIT {p})"
            ),
            (session_id, session_id, max_turns),
        )

    def history(self, session_id: str) -> list[Turn]:
        """The session's turns, oldest first (empty for a new session)."""
        validate_session_id(session_id)
        with self._connection() as db:
            rows = db.execute(
                self._sql(
                    "SELECT question, query, answer, {payload}, created FROM {table} WHERE session_id = {p} ORDER BY id"
                ),
                (session_id,),
            ).fetchall()
        return [Turn(question=q, query=qu, answer=a, payload=json.loads(p), created=c) for q, qu, a, p, c in rows]

    def get(self, session_id: str) -> Session:
        """A whole session; NotFoundError when it has no turns."""
        turns = self.history(session_id)
        if not turns:
            raise missing_session(session_id)
        return Session(session_id=session_id, turns=turns)

    def list(self) -> list[SessionSummary]:
        """Every session, most recently used first."""
        with self._connection() as db:
            rows = db.execute(
                self._sql(
                    "SELECT session_id, COUNT(*), MAX(created), "
                    "(SELECT question FROM {table} f WHERE f.session_id = t.session_id ORDER BY id LIMIT 1) "
                    "FROM {table} t GROUP BY session_id ORDER BY MAX(created) DESC, MAX(id) DESC"
                )
            ).fetchall()
        return [SessionSummary(session_id=s, turns=n, updated=u, first_question=f) for s, n, u, f in rows]

    def delete(self, session_id: str) -> None:
        """Forget a session; NotFoundError when there is none."""
        validate_session_id(session_id)
        with self._connection() as db:
            deleted = db.execute(self._sql("DELETE FROM {table} WHERE session_id = {p}"), (session_id,)).rowcount
        if not deleted:
            raise missing_session(session_id)


class SessionStore(SessionTable):
    """Bounded conversation histories in one SQLite file."""

    def __init__(self, path: Path, max_turns: int = 20) -> None:
        self.path = path
        self.max_turns = max_turns
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
            db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
            self._local.db = db
        yield db

    def append(self, session_id: str, question: str, query: str, answer: str, payload: dict) -> None:
        """Record a turn and forget the oldest beyond `max_turns`."""
        validate_session_id(session_id)
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO turns (session_id, question, query, answer, payload, created) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (session_id, question, query, answer, json.dumps(payload, ensure_ascii=False), time.time()),
                )
                self._trim(db, session_id, self.max_turns)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
