"""The index in PostgreSQL + pgvector: one store that many workers on many machines share.

Readers load a snapshot of the documents and chunks (the text citations point into) and rank in the database:
dense top-k with pgvector's HNSW index (cosine distance), lexical top-k with BM25 computed in SQL from the
postings table over the same Kiwi tokens and with the same formula as `index/bm25.py`, so the local and the
shared store rank alike. The snapshot is replaced when the generation number moves (every committed change
raises it and NOTIFYs channel `rag_generation`).

Writers hold an advisory lock (one ingest at a time across all processes). Each added document is committed in
its own transaction, together with the removal of the versions it replaces, so a crash at any moment leaves
every document either in its previous or in its new version; a rebuild is one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from index.bm25 import BM25_B, BM25_K1
from index.documents import Chunk, SourceDocument
from index.errors import IndexUnavailableError, InputError
from index.korean import ANALYSER
from index.store import LOCK_TIMEOUT_SECONDS, REBUILD_HINT, Manifest
from index.stores.base import Change, IndexView, NewDocument, Rows, describe_database
from index.stores.pg_schema import CHANNEL, migrate

_WRITER_LOCK = 7_262_002  # pg_advisory_lock key held by the one writer
CONNECT_TIMEOUT_SECONDS = 10.0


def _vector(values: np.ndarray) -> str:
    """A pgvector literal."""
    return "[" + ",".join(f"{float(x):.8g}" for x in values) + "]"


class PostgresStore:
    """The index in a PostgreSQL database with the `vector` extension (see the module docstring)."""

    def __init__(self, url: str, pool_size: int = 4) -> None:
        self.url = url
        self.pool_size = pool_size
        self._pool: ConnectionPool | None = None

    @property
    def pool(self) -> ConnectionPool:
        """The process's connection pool (autocommit connections; opened on first use)."""
        if self._pool is None:
            self._pool = ConnectionPool(
                self.url,
                min_size=1,
                max_size=self.pool_size,
                kwargs={"autocommit": True, "connect_timeout": int(CONNECT_TIMEOUT_SECONDS)},
                open=True,
                name="policy-rag",
            )
        return self._pool

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; an `IndexUnavailableError` (503) when the database cannot be reached."""
        try:
            with self.pool.connection(timeout=CONNECT_TIMEOUT_SECONDS) as conn:
                yield conn
        except (PoolTimeout, psycopg.OperationalError) as exc:
            raise IndexUnavailableError(
                f"Cannot use the PostgreSQL database at {describe_database(self.url)} ({type(exc).__name__}: {exc}). "
                "Check RAG_DATABASE_URL and that the server runs (`make pg-up` starts a local one)."
            ) from exc

    def _state(self, conn: psycopg.Connection) -> tuple[dict[str, Any] | None, int] | None:
        """(manifest, generation), or None before the schema exists."""
        if conn.execute("SELECT to_regclass('rag_state')").fetchone() == (None,):
            return None
        row = conn.execute("SELECT manifest, generation FROM rag_state").fetchone()
        return (row[0], int(row[1])) if row else None

    def exists(self) -> bool:
        """True when an index was written to the database."""
        with self.connection() as conn:
            state = self._state(conn)
        return state is not None and state[0] is not None

    def generation(self) -> str:
        """The generation number ("" before any index was written)."""
        with self.connection() as conn:
            state = self._state(conn)
        return str(state[1]) if state is not None and state[0] is not None else ""

    def load(self, expected_model: str | None = None) -> PostgresIndex:
        """A consistent snapshot of the documents and chunks (one repeatable-read transaction)."""
        with self.connection() as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            try:
                with conn.transaction():
                    state = self._state(conn)
                    if state is None or state[0] is None:
                        raise IndexUnavailableError(
                            f"No index in the database at {describe_database(self.url)}. Run `rag ingest` to build it."
                        )
                    documents = [
                        SourceDocument.model_validate(r[0])
                        for r in conn.execute("SELECT record FROM rag_documents ORDER BY position")
                    ]
                    chunks = [
                        Chunk.model_validate(r[0])
                        for r in conn.execute("SELECT record FROM rag_chunks ORDER BY position")
                    ]
            finally:
                conn.isolation_level = None
        manifest = Manifest.model_validate(state[0]).model_copy(
            update={"documents": len(documents), "chunks": len(chunks)}
        )
        if expected_model is not None and manifest.embedding_model != expected_model:
            raise IndexUnavailableError(
                f"The database's index was built with embedding model {manifest.embedding_model!r} but "
                f"RAG_EMBEDDING_MODEL is {expected_model!r}. {REBUILD_HINT}"
            )
        if manifest.analyser != ANALYSER:
            raise IndexUnavailableError(
                f"The database's search tokens were made by {manifest.analyser!r}, not {ANALYSER!r}. {REBUILD_HINT}"
            )
        return PostgresIndex(manifest, {d.doc_id: d for d in documents}, chunks, store=self)

    def manifest(self) -> Manifest:
        """The stored manifest with the documents and chunks counted, without loading them."""
        with self.connection() as conn:
            state = self._state(conn)
            if state is None or state[0] is None:
                raise IndexUnavailableError(
                    f"No index in the database at {describe_database(self.url)}. Run `rag ingest` to build it."
                )
            counts = conn.execute("SELECT (SELECT count(*) FROM rag_documents), (SELECT count(*) FROM rag_chunks)")
            documents, chunks = counts.fetchone()
        return Manifest.model_validate(state[0]).model_copy(update={"documents": documents, "chunks": chunks})

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the database-wide writer lock (an `InputError` when another ingest keeps it for ten minutes)."""
        with self.connection() as conn:
            deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
            while not conn.execute("SELECT pg_try_advisory_lock(%s)", (_WRITER_LOCK,)).fetchone()[0]:  # type: ignore[index]
                if time.monotonic() > deadline:
                    raise InputError("Another ingest is writing to the database; try again when it has finished.")
                time.sleep(0.2)
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_WRITER_LOCK,))

    def apply(self, base: IndexView | None, manifest: Manifest, change: Change, rebuild: bool) -> PostgresIndex:
        """Commit the change: a rebuild in one transaction, else one transaction per added document (with the
        removal of the versions it replaces), then the removals left over."""
        with self.connection() as conn:
            migrate(conn, manifest.dimension)
            record = Jsonb(manifest.model_dump(mode="json", exclude={"checksums"}))
            if base is None or rebuild:
                with conn.transaction():
                    conn.execute("TRUNCATE rag_documents CASCADE")
                    conn.execute("UPDATE rag_state SET manifest = %s", (record,))
                    for new in change.added:
                        self._insert(conn, new)
                    self._bump(conn)
            else:
                removed = set(change.removed)
                for new in change.added:
                    replaced = {d for d in removed if base.documents[d].source == new.document.source}
                    with conn.transaction():
                        self._delete(conn, replaced)
                        self._insert(conn, new)
                        self._bump(conn)
                    removed -= replaced
                if removed:
                    with conn.transaction():
                        self._delete(conn, removed)
                        self._bump(conn)
        return self.load()

    def close(self) -> None:
        """Close the connection pool (a later use opens a new one)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    @staticmethod
    def _delete(conn: psycopg.Connection, doc_ids: set[str]) -> None:
        if doc_ids:
            conn.execute("DELETE FROM rag_documents WHERE doc_id = ANY(%s)", (sorted(doc_ids),))

    @staticmethod
    def _insert(conn: psycopg.Connection, new: NewDocument) -> None:
        """A document, its chunks (bulk COPY) and its postings (bulk COPY)."""
        document = new.document
        conn.execute(
            "INSERT INTO rag_documents (doc_id, source, record) VALUES (%s, %s, %s)",
            (document.doc_id, document.source, Jsonb(document.model_dump(mode="json"))),
        )
        with conn.cursor() as cursor:
            with cursor.copy("COPY rag_chunks (chunk_id, doc_id, lang, length, record, embedding) FROM STDIN") as copy:
                for chunk, vector, tokens in zip(new.chunks, new.vectors, new.tokens, strict=True):
                    copy.write_row(
                        (
                            chunk.chunk_id,
                            chunk.doc_id,
                            chunk.lang,
                            len(tokens),
                            chunk.model_dump_json(),
                            _vector(vector),
                        )
                    )
            with cursor.copy("COPY rag_postings (term, chunk_id, tf) FROM STDIN") as copy:
                for chunk, tokens in zip(new.chunks, new.tokens, strict=True):
                    for term in dict.fromkeys(tokens):
                        copy.write_row((term, chunk.chunk_id, tokens.count(term)))

    @staticmethod
    def _bump(conn: psycopg.Connection) -> None:
        """Raise the generation and tell the listeners (both take effect at commit)."""
        row = conn.execute("UPDATE rag_state SET generation = generation + 1 RETURNING generation").fetchone()
        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(row[0] if row else "")))


# BM25 over the postings of the query's terms, as `index/bm25.py` computes it (idf with +1 inside the log, length
# normalised by the mean token count of the chunks), restricted to the given chunks when the list is not NULL.
_BM25_SQL = """
WITH stats AS (SELECT count(*)::float8 AS n, greatest(avg(length), 1e-9)::float8 AS avgdl FROM rag_chunks),
     terms AS (SELECT DISTINCT unnest(%(terms)s::text[]) AS term),
     df AS (SELECT p.term, count(*)::float8 AS df FROM rag_postings p JOIN terms USING (term) GROUP BY p.term)
SELECT c.chunk_id,
       sum(ln(1 + (s.n - df.df + 0.5) / (df.df + 0.5)) * p.tf * (%(k1)s + 1)
           / (p.tf + %(k1)s * (1 - %(b)s + %(b)s * c.length / s.avgdl))) AS score
FROM rag_postings p JOIN df USING (term) JOIN rag_chunks c USING (chunk_id) CROSS JOIN stats s
WHERE %(only)s::text[] IS NULL OR c.chunk_id = ANY(%(only)s::text[])
GROUP BY c.chunk_id, c.position
ORDER BY score DESC, c.position
LIMIT %(limit)s
"""


class PostgresIndex(Rows):
    """A snapshot of the database's documents and chunks, ranking in the database (an `IndexView`)."""

    def __init__(
        self, manifest: Manifest, documents: dict[str, SourceDocument], chunks: list[Chunk], store: PostgresStore
    ) -> None:
        super().__init__(manifest, documents, chunks)
        self.store = store
        self.row_of = {chunk.chunk_id: row for row, chunk in enumerate(chunks)}
        self._df: dict[str, int] = {}

    def _ids(self, rows: Sequence[int] | np.ndarray | None) -> list[str] | None:
        return None if rows is None else [self.chunks[int(row)].chunk_id for row in rows]

    def dense_top(self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[int]:
        """The n chunks nearest the query (HNSW, cosine), among `allowed` rows if given (iterative index scan)."""
        with self.store.connection() as conn, conn.transaction():
            conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(max(40, 2 * n)),))
            conn.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
            rows = conn.execute(
                "SELECT chunk_id, embedding <=> %(v)s::vector AS distance FROM rag_chunks "
                "WHERE %(only)s::text[] IS NULL OR chunk_id = ANY(%(only)s::text[]) "
                "ORDER BY embedding <=> %(v)s::vector LIMIT %(n)s",
                {"v": _vector(vector), "only": self._ids(allowed), "n": n},
            ).fetchall()
        ranked = sorted(rows, key=lambda r: (r[1], self.row_of.get(r[0], -1)))  # relaxed order: sort again
        return [self.row_of[chunk_id] for chunk_id, _ in ranked if chunk_id in self.row_of]

    def dense_scores(self, vector: np.ndarray, rows: list[int]) -> list[float]:
        """The cosine of each row's vector with the query vector."""
        with self.store.connection() as conn:
            found = dict(
                conn.execute(
                    "SELECT chunk_id, 1 - (embedding <=> %s::vector) FROM rag_chunks WHERE chunk_id = ANY(%s)",
                    (_vector(vector), self._ids(rows)),
                ).fetchall()
            )
        return [float(found.get(self.chunks[row].chunk_id, 0.0)) for row in rows]

    def _bm25(self, tokens: list[str], only: list[str] | None, limit: int) -> list[tuple[int, float]]:
        if not tokens or limit <= 0:
            return []
        with self.store.connection() as conn:
            found = conn.execute(
                _BM25_SQL, {"terms": list(tokens), "only": only, "limit": limit, "k1": BM25_K1, "b": BM25_B}
            ).fetchall()
        return [
            (self.row_of[chunk_id], float(score)) for chunk_id, score in found if chunk_id in self.row_of and score > 0
        ]

    def lexical_top(self, tokens: list[str], n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The n best (row, BM25 score) pairs with a positive score, among `allowed` rows if given."""
        return self._bm25(tokens, self._ids(allowed), n)

    def lexical_scores(self, tokens: list[str], rows: list[int]) -> list[float]:
        """The BM25 score of each row for the query tokens."""
        scores = dict(self._bm25(tokens, self._ids(rows), len(rows)))
        return [scores.get(row, 0.0) for row in rows]

    def _document_frequency(self, term: str) -> int:
        if term not in self._df:
            with self.store.connection() as conn:
                row = conn.execute("SELECT count(*) FROM rag_postings WHERE term = %s", (term,)).fetchone()
            self._df[term] = int(row[0]) if row else 0
        return self._df[term]

    def idf(self, term: str) -> float:
        """The inverse document frequency of a term over the snapshot's chunks (as `BM25Index.idf`)."""
        n = len(self.chunks)
        df = self._document_frequency(term)
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))

    def knows(self, term: str) -> bool:
        """True when some chunk holds the term."""
        return self._document_frequency(term) > 0
