"""Shared fixtures: the real offline model (loaded once per session) and small real indexes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.service import Assistant
from assistant.settings import PROJECT_ROOT, Settings
from index.embeddings import SentenceTransformerEmbeddings

SEEDS_DIR = PROJECT_ROOT / "seeds"
# The rebuilt model is cached next to the project's own index so every test run (and `make serve`) shares it.
MODEL_CACHE_DIR = PROJECT_ROOT / ".rag" / "models"


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a test: its own data dir, the shared model cache, the bundled seeds."""
    values: dict[str, object] = {"data_dir": data_dir, "model_cache_dir": MODEL_CACHE_DIR, "seeds_dir": SEEDS_DIR}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbeddings:
    """The default offline embedder, loaded once for the session."""
    model = SentenceTransformerEmbeddings(cache_dir=MODEL_CACHE_DIR)
    model.client  # noqa: B018 - load (and on first use rebuild) the model now, outside any timed test
    return model


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbeddings) -> Settings:
    """Settings whose index holds the five bundled seed documents (built once per session)."""
    settings = make_settings(tmp_path_factory.mktemp("seed-data"))
    Assistant(settings).ingest(progress=False)
    return settings


@pytest.fixture(scope="session")
def seed_assistant(seed_settings: Settings) -> Assistant:
    """A read-only assistant over the seed index; tests must not ingest into it."""
    return Assistant(seed_settings)


@pytest.fixture
def seed_copy(tmp_path: Path, seed_settings: Settings) -> Settings:
    """A private copy of the seed index that a test may change."""
    data_dir = tmp_path / "data"
    shutil.copytree(seed_settings.data_dir, data_dir)
    return make_settings(data_dir)
