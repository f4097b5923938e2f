"""The conversation-session contract, run against the SQLite store and the PostgreSQL one, and shared workers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from assistant.conversation import Session, SessionStore, SessionSummary
from assistant.pg_sessions import PostgresSessionStore
from index.errors import InputError, NotFoundError
from index.stores.pg_schema import migrate
from tests.conftest import run_concurrently

Store = SessionStore | PostgresSessionStore
StoreFactory = Callable[[int], Store]
BAD_IDS = ["", "../etc", "a b", "x" * 65, "세션", "-leading"]


@pytest.fixture(scope="module")
def migrated_url(pg_url: str) -> str:
    """`pg_url`, with the schema (and so `rag_turns`) in place."""
    with psycopg.connect(pg_url) as conn:
        migrate(conn, dimension=384)
    return pg_url


@pytest.fixture(params=["sqlite", "postgres"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Makes stores (`max_turns` -> store) over one shared backend; each call is another "worker" (for PostgreSQL
    its own pool), starting from no sessions."""
    if request.param == "sqlite":
        yield lambda max_turns: SessionStore(tmp_path / "sessions.sqlite3", max_turns)
        return
    url = request.getfixturevalue("migrated_url")
    with psycopg.connect(url) as conn:
        conn.execute("TRUNCATE rag_turns")
    with ExitStack() as pools:

        def make(max_turns: int) -> Store:
            pool = ConnectionPool(url, min_size=1, max_size=4, open=True)
            pools.callback(pool.close)
            return PostgresSessionStore(pool, max_turns)

        yield make


@pytest.fixture
def store(make_store: StoreFactory) -> Store:
    return make_store(3)


def test_turns_are_kept_in_order_listed_and_deleted(store: Store) -> None:
    store.append("s1", "첫 질문", "첫 질문", "답 1", {"grounded": True})
    store.append("s1", "둘째 질문", "둘째 질문 (맥락)", "답 2", {})
    store.append("s2", "other", "other", "answer", {})
    session = store.get("s1")
    assert isinstance(session, Session) and session.session_id == "s1"
    assert [(t.question, t.query, t.answer) for t in session.turns] == [
        ("첫 질문", "첫 질문", "답 1"),
        ("둘째 질문", "둘째 질문 (맥락)", "답 2"),
    ]
    assert session.turns[0].payload == {"grounded": True}
    assert {s.session_id: s.turns for s in store.list()} == {"s1": 2, "s2": 1}
    store.delete("s1")
    with pytest.raises(NotFoundError):
        store.get("s1")
    with pytest.raises(NotFoundError):
        store.delete("s1")
    assert [s.session_id for s in store.list()] == ["s2"]


def test_history_is_bounded(store: Store) -> None:
    for n in range(5):
        store.append("s", f"q{n}", f"q{n}", f"a{n}", {})
    assert [t.question for t in store.history("s")] == ["q2", "q3", "q4"]
    assert store.list()[0].first_question == "q2"


def test_list_is_most_recently_used_first_with_count_update_and_first_question(store: Store) -> None:
    store.append("old", "first of old", "q", "a", {})
    store.append("new", "first of new", "q", "a", {})
    store.append("old", "second of old", "q", "a", {})
    listing = store.list()
    assert all(isinstance(s, SessionSummary) for s in listing)
    assert [(s.session_id, s.turns, s.first_question) for s in listing] == [
        ("old", 2, "first of old"),
        ("new", 1, "first of new"),
    ]
    assert listing[0].updated == store.history("old")[-1].created
    assert listing[0].updated >= listing[1].updated


def test_payload_and_timestamps_round_trip(store: Store) -> None:
    payload = {"answer": "지원 금액은 월 20만 원", "citations": [{"doc": "d1", "score": 0.125}], "n": 3, "x": None}
    store.append("s", "q", "q", "a", payload)
    store.append("s", "q2", "q2", "a2", {})
    first, second = store.history("s")
    assert first.payload == payload
    assert isinstance(first.created, float) and first.created <= second.created


def test_unknown_session_is_empty_history_and_not_found(store: Store) -> None:
    assert store.history("nobody") == []
    assert store.list() == []
    with pytest.raises(NotFoundError, match="nobody"):
        store.get("nobody")
    with pytest.raises(NotFoundError, match="nobody"):
        store.delete("nobody")


@pytest.mark.parametrize("bad", BAD_IDS)
def test_malformed_session_id_is_an_input_error(store: Store, bad: str) -> None:
    with pytest.raises(InputError):
        store.history(bad)
    with pytest.raises(InputError):
        store.get(bad)
    with pytest.raises(InputError):
        store.delete(bad)
    with pytest.raises(InputError):
        store.append(bad, "q", "q", "a", {})
    assert store.list() == []


def test_two_workers_see_each_others_turns(make_store: StoreFactory) -> None:
    first, second = make_store(20), make_store(20)
    first.append("shared", "q1", "q1", "a1", {})
    assert [t.question for t in second.history("shared")] == ["q1"]
    second.append("shared", "q2", "q2", "a2", {})
    assert [t.question for t in first.get("shared").turns] == ["q1", "q2"]
    assert [(s.session_id, s.turns) for s in first.list()] == [("shared", 2)]
    second.delete("shared")
    with pytest.raises(NotFoundError):
        first.get("shared")


def test_concurrent_appends_to_one_session_keep_exactly_the_newest(make_store: StoreFactory) -> None:
    workers, per_worker, max_turns = 2, 30, 20
    stores = [make_store(max_turns) for _ in range(workers)]
    start = threading.Barrier(workers)

    def write(store: Store, worker: int) -> None:
        start.wait()
        for n in range(per_worker):
            store.append("busy", f"w{worker}-{n:02d}", "q", "a", {"worker": worker, "n": n})

    assert run_concurrently(write, stores) == []
    kept = stores[0].history("busy")
    assert len(kept) == max_turns
    assert [(s.session_id, s.turns) for s in stores[1].list()] == [("busy", max_turns)]
    # The newest: each worker's kept turns are the end of its own sequence, in order, with nothing missing.
    for worker in range(workers):
        numbers = [t.payload["n"] for t in kept if t.payload["worker"] == worker]
        assert numbers == list(range(per_worker - len(numbers), per_worker))
    # The very last append (some worker's final turn) comes last; turns are in the order they were recorded.
    assert kept[-1].payload["n"] == per_worker - 1
    assert [t.created for t in kept] == sorted(t.created for t in kept)


@pytest.mark.parametrize("make_store", ["postgres"], indirect=True)
def test_nul_character_is_an_input_error_and_nothing_is_stored(store: Store) -> None:
    with pytest.raises(InputError, match="NUL"):
        store.append("s", "q\x00", "q", "a", {})
    assert store.history("s") == []
