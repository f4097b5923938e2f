"""The assistant as one object: what the CLI and the API call to ingest, search, answer and show."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.conversation import SessionStore, new_session_id, validate_session_id
from assistant.settings import Settings
from index.errors import InputError, NotFoundError
from index.store import LocalStore
from index.stores.base import IndexView, Store

# What only answering, searching or ingesting needs is imported where it is used: `rag show`, `rag sessions`
# and the API's /health then start without langchain, the model or the answerer (see `Assistant`).
if TYPE_CHECKING:
    from assistant.answer import Answer, AnswerEvent, ExtractiveAnswerer, Generator
    from assistant.claims import ClaimCheck
    from assistant.pg_sessions import PostgresSessionStore
    from assistant.small_talk import Intent
    from index.chunking import ChunkingParams
    from index.documents import SourceDocument
    from index.embeddings import SentenceTransformerEmbeddings
    from index.ingest import IngestReport, PreparedDocument
    from index.langchain_adapters import HybridRetriever
    from index.search import ScoredChunk, SearchEngine


def validate_query(text: str, settings: Settings, what: str = "question") -> str:
    """The query stripped of surrounding blanks; an InputError when empty or too long."""
    stripped = (text or "").strip()
    if not stripped:
        raise InputError(f"The {what} is empty.")
    if "\x00" in stripped:
        raise InputError(f"The {what} holds a NUL character.")
    if len(stripped) > settings.max_query_chars:
        raise InputError(
            f"The {what} has {len(stripped)} characters; the limit is {settings.max_query_chars} (RAG_MAX_QUERY_CHARS)."
        )
    return stripped


def validate_top_k(k: int | None, settings: Settings) -> int:
    """`k`, or the default top-k; an InputError outside 1..50."""
    if k is None:
        return settings.top_k
    if not 1 <= k <= 50:
        raise InputError(f"top_k must be between 1 and 50, not {k}.")
    return k


RELOAD_CHECK_SECONDS = 0.5


class Assistant:
    """Holds the model and the index (loaded once, lazily) and answers requests."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedder: SentenceTransformerEmbeddings | None = None
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._index: IndexView | None = None
        self._generation = ""  # the store's generation the loaded index is from
        self._checked = 0.0  # when the store's generation was last read (time.monotonic)
        self._engine: SearchEngine | None = None
        self._answerer: ExtractiveAnswerer | None = None
        self._sessions: SessionStore | PostgresSessionStore | None = None

    @property
    def embedder(self) -> SentenceTransformerEmbeddings:
        """The embeddings adapter (cheap: the model itself loads on the first encode)."""
        if self._embedder is None:
            from index.embeddings import SentenceTransformerEmbeddings

            s = self.settings
            self._embedder = SentenceTransformerEmbeddings(
                model=s.embedding_model,
                cache_dir=s.resolved_model_cache_dir,
                device=s.embedding_device,
                backend=s.embedding_backend,
                batch_size=s.embedding_batch_size,
                query_prefix=s.query_prefix,
                passage_prefix=s.passage_prefix,
            )
        return self._embedder

    @embedder.setter
    def embedder(self, value: SentenceTransformerEmbeddings) -> None:
        self._embedder = value

    @property
    def chunking(self) -> ChunkingParams:
        """Chunking parameters from the settings."""
        from index.chunking import ChunkingParams

        s = self.settings
        return ChunkingParams(s.chunk_target_chars, s.chunk_max_chars, s.chunk_overlap_sentences)

    @property
    def store(self) -> Store:
        """Where the index lives: the local directory, or PostgreSQL with RAG_STORE=postgres."""
        if self._store is None:
            if self.settings.store == "postgres":
                from index.stores.postgres import PostgresStore

                assert self.settings.database_url is not None  # the settings' validator requires it
                self._store = PostgresStore(self.settings.database_url, pool_size=self.settings.database_pool_size)
            else:
                self._store = LocalStore(self.settings.resolved_index_dir)
        return self._store

    def close(self) -> None:
        """Release the store's connections (at server shutdown; the object stays usable)."""
        if self._store is not None:
            self._store.close()

    @property
    def index(self) -> IndexView:
        """The loaded index (read on first use, and again once another process or worker has changed it:
        the store's generation is read at most every `RELOAD_CHECK_SECONDS`)."""
        with self._lock:
            now = time.monotonic()
            if self._index is not None and now - self._checked >= RELOAD_CHECK_SECONDS:
                self._checked = now
                if self.store.generation() != self._generation:
                    self._index = self._engine = self._answerer = None
            if self._index is None:
                generation = self.store.generation()
                self._index = self.store.load(expected_model=self.settings.embedding_model)
                self._generation, self._checked = generation, now
            return self._index

    def prefetch(self, model: bool = True) -> None:
        """Load the index now (a missing or damaged one is reported at once), then start loading, in background
        threads, what the first question needs: the Korean analyser (Kiwi: about 2 s to load and 2 s for its
        first sentence) and, with `model`, the embedder. A cold command then waits for the slower of them, not
        their sum; whatever is asked first waits for its load (each is loaded once per process). The threads are
        not daemons: native code (Kiwi, ONNX Runtime) must not be torn down mid-load when the command exits
        early. Their failures are left for the request that needs them to report."""

        def run(load: Callable[[], object]) -> None:
            with contextlib.suppress(Exception):  # the request that needs it raises the error itself
                load()

        from index.korean import tokenize

        self.index  # noqa: B018 - raises the index's error here, before any thread starts
        loads: list[Callable[[], object]] = [lambda: tokenize("미리 불러오기")]
        if model:
            loads.append(lambda: self.embedder.client)
        for load in loads:
            threading.Thread(target=run, args=(load,), name="prefetch").start()

    @property
    def index_loaded(self) -> bool:
        """True once the index is in memory (reading `index` then never blocks on disk)."""
        return self._index is not None

    @property
    def engine(self) -> SearchEngine:
        """The search engine over the loaded index (a new one when the index was reloaded)."""
        index = self.index
        if self._engine is None or self._engine.data is not index:
            from index.search import SearchEngine

            s = self.settings
            self._engine = SearchEngine(index, self.embedder, rrf_k=s.rrf_k, candidates=s.fusion_candidates)
        return self._engine

    @property
    def answerer(self) -> ExtractiveAnswerer:
        """The extractive answerer over the search engine (a new one when the index was reloaded)."""
        engine = self.engine
        if self._answerer is None or self._answerer.engine is not engine:
            from assistant.answer import ExtractiveAnswerer
            from assistant.answer_model import load_answer_model

            s = self.settings
            model = load_answer_model(s.evidence_model) if s.evidence_model else None
            self._answerer = ExtractiveAnswerer(
                engine, top_k=s.top_k, max_sentences=s.answer_max_sentences, model=model
            )
        return self._answerer

    def retriever(self, k: int | None = None, mode: str | None = None) -> HybridRetriever:
        """A LangChain retriever over the index."""
        from index.langchain_adapters import HybridRetriever

        return HybridRetriever(
            engine=self.engine, k=validate_top_k(k, self.settings), mode=mode or self.settings.retrieval_mode
        )

    def ingest(
        self,
        paths: list[Path] | None = None,
        *,
        rebuild: bool = False,
        progress: bool = True,
        replace: list[str] | None = None,
    ) -> IngestReport:
        """Index files (default: the seeds folder) and reload the index; files named in `replace` replace the
        indexed documents of the same name."""
        from index.ingest import ingest_paths

        report = ingest_paths(
            paths or [self.settings.seeds_dir],
            store=self.store,
            embedder=self.embedder,
            params=self.chunking,
            max_file_bytes=self.settings.max_file_bytes,
            rebuild=rebuild,
            progress=progress,
            replace=replace,
        )
        self._forget_index()
        return report

    def ingest_prepared(
        self, prepared: list[PreparedDocument], replace: list[str] | None = None, progress: bool = False
    ) -> IngestReport:
        """Index documents already read and prepared (an upload, parsed once; none: only cut an index made by an
        older chunker again) and reload the index."""
        from index.ingest import ingest_prepared

        report = ingest_prepared(
            prepared, store=self.store, embedder=self.embedder, params=self.chunking, progress=progress, replace=replace
        )
        self._forget_index()
        return report

    def _forget_index(self) -> None:
        """Drop the loaded index and what was built on it: the next use loads the new one."""
        with self._lock:
            self._index = self._engine = self._answerer = None

    def search(self, query: str, k: int | None = None, mode: str | None = None) -> list[ScoredChunk]:
        """Ranked chunks for a query."""
        query = validate_query(query, self.settings, "query")
        return self.engine.search(query, validate_top_k(k, self.settings), mode or self.settings.retrieval_mode)

    @property
    def sessions(self) -> SessionStore | PostgresSessionStore:
        """The conversation store (opened on first use): SQLite under the data dir, or the shared database's
        `rag_turns` table with RAG_STORE=postgres (every worker sees every session)."""
        if self._sessions is None and self.settings.store == "postgres":
            from assistant.pg_sessions import PostgresSessionStore
            from index.stores.pg_schema import migrate
            from index.stores.postgres import PostgresStore

            store = self.store
            assert isinstance(store, PostgresStore)
            dimension = store.manifest().dimension if store.exists() else self.embedder.dimension
            with store.connection() as conn:
                migrate(conn, dimension)  # the sessions table may come before any index
            sessions = PostgresSessionStore(store.pool, self.settings.max_history_turns)
            with self._lock:
                self._sessions = self._sessions or sessions
        with self._lock:
            if self._sessions is None:
                self._sessions = SessionStore(self.settings.sessions_path, self.settings.max_history_turns)
            return self._sessions

    @property
    def generator(self) -> Generator:
        """What writes answers: the extractive answerer, or with `RAG_LLM` set an LLM whose answers are checked
        and fall back to the extractive one (a new, cheap object per request; the chat model is shared)."""
        if self.settings.llm == "none":
            return self.answerer
        from assistant.generate import LLMGenerator

        return LLMGenerator.from_settings(self.settings, self.answerer)

    def ask_stream(self, question: str, session_id: str | None = None) -> Iterator[AnswerEvent]:
        """A cited answer as a stream of tokens then the final answer; follow-ups are read in the light of
        the session's history (a new session when none is given), and the turn is kept. Bad input raises
        here, before the first event."""
        from assistant.another import already_cited
        from assistant.answer import stream_text
        from assistant.condense import condense
        from assistant.small_talk import small_talk_intent, without_small_talk

        said = validate_query(question, self.settings)
        session_id = validate_session_id(session_id) if session_id else new_session_id()
        if (intent := small_talk_intent(said)) is not None:
            return self._remembered(stream_text(self._small_talk(intent, said)), session_id, said, "")
        # A small-talk turn retrieved nothing (its query is empty): a follow-up points back past it.
        history = [turn for turn in self.sessions.history(session_id) if turn.query]
        question = without_small_talk(said)  # "안녕하세요, 광주 AI 예산은?" asks 광주 AI 예산은?
        shown = already_cited(question, history)
        generator = self.generator
        if self.settings.llm == "none":  # extractive: the LLM module (and its client libraries) is never imported
            query = condense(question, history)
            return self._remembered(generator.stream(question, query, shown), session_id, said, query)
        from assistant.generate import LLMGenerator, with_warnings

        warnings: list[str] = []
        if isinstance(generator, LLMGenerator):
            query, warnings = generator.condense(question, history)
        else:
            query = condense(question, history)
        events = with_warnings(generator.stream(question, query, shown), warnings)
        return self._remembered(events, session_id, said, query)

    def _small_talk(self, intent: Intent, message: str) -> Answer:
        """The reply to a greeting, thanks or "what can you do?" (no index yet: it says so)."""
        from assistant.answer import Answer
        from assistant.small_talk import SMALL_TALK, small_talk_reply
        from index.language import detect_language

        titles = [d.title for d in self.index.documents.values()] if self.store.exists() else []
        language = detect_language(message)
        reply = small_talk_reply(intent, language, titles)
        return Answer(answer=reply, language=language, grounded=False, generator=SMALL_TALK, query="")

    def _remembered(
        self, events: Iterator[AnswerEvent], session_id: str, question: str, query: str
    ) -> Iterator[AnswerEvent]:
        for event in events:
            if event.answer is not None:
                event.answer.session_id = session_id
                payload = event.answer.model_dump(exclude={"session_id"})
                self.sessions.append(session_id, question, query, event.answer.answer, payload)
            yield event

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        """A cited answer (see `ask_stream`)."""
        final = [event.answer for event in self.ask_stream(question, session_id) if event.answer is not None]
        return final[-1]

    def check(self, claim: str) -> ClaimCheck:
        """A verdict on a claim, with its evidence; with an LLM, a checked one-sentence explanation (the verdict
        stays the rules')."""
        from assistant.claims import ClaimChecker
        from index.regions import with_parents

        claim = validate_query(claim, self.settings, "claim")
        regions = {r for d in self.index.documents.values() for r in with_parents(d.regions)}
        minimum = (self.settings.claim_min_similarity, self.settings.claim_min_similarity_crosslingual)
        result = ClaimChecker(self.answerer, regions, minimum).check(claim)
        if self.settings.llm == "none":
            return result
        from assistant.generate import LLMGenerator

        generator = self.generator
        if isinstance(generator, LLMGenerator):
            result = generator.explain_claim(result, self.index.documents)
        return result

    def document(self, doc_id: str) -> SourceDocument:
        """One document by id (or by its source file name)."""
        documents = self.index.documents
        if doc_id in documents:
            return documents[doc_id]
        for document in documents.values():
            if document.source == doc_id:
                return document
        raise NotFoundError(f"No document {doc_id!r}. `rag search` shows the doc_id of each result.")

    # --- Serving additions (used by assistant/api/) -------------------------------------------------------

    def with_top_k(self, top_k: int | None) -> Assistant:
        """An assistant that retrieves `top_k` chunks per question but shares this one's model, loaded index
        and sessions; itself when `top_k` is None or the default. An InputError outside 1..50."""
        k = validate_top_k(top_k, self.settings)
        if k == self.settings.top_k:
            return self
        view = Assistant(self.settings.model_copy(update={"top_k": k}))
        view.embedder = self.embedder
        view._index, view._engine, view._sessions = self.index, self.engine, self.sessions
        return view
