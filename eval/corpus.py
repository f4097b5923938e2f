"""An assistant over another corpus (e.g. development data), with its own index under the data dir."""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.service import Assistant
from assistant.settings import Settings
from index.errors import InputError


def corpus_settings(settings: Settings, corpus: Path) -> Settings:
    """Settings whose index and sessions live in `<data_dir>/eval-corpora/<name>-<hash of the path>`; the
    model cache is shared."""
    key = hashlib.sha256(str(corpus.resolve()).encode("utf-8")).hexdigest()[:10]
    data_dir = settings.data_dir / "eval-corpora" / f"{corpus.resolve().name}-{key}"
    dirs = {"data_dir": data_dir, "index_dir": data_dir / "index", "model_cache_dir": settings.resolved_model_cache_dir}
    return settings.model_copy(update=dirs)


def corpus_assistant(settings: Settings, corpus: Path, progress: bool = True) -> Assistant:
    """An assistant over `corpus`, indexed on first use (later runs only check that nothing changed)."""
    if not corpus.is_dir():
        raise InputError(f"The corpus {corpus} is not a folder.")
    assistant = Assistant(corpus_settings(settings, corpus))
    assistant.ingest([corpus], progress=progress)
    return assistant
