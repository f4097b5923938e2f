"""The index on disk: FAISS vectors, BM25 tokens, documents, chunks and a manifest, in one directory.

Layout: `<index_dir>/CURRENT` names the live generation `gen-NNNNNNNN/`. A new generation is written
completely and fsynced, then `CURRENT` is replaced atomically (`os.replace`), so a crash at any moment
leaves the previous index loadable. Old generations are removed after the switch.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import faiss
import numpy as np
from filelock import FileLock, Timeout
from pydantic import BaseModel, ValidationError

from index.bm25 import BM25Index
from index.chunking import CHUNKER, RECUT_HINT, chunk_search_text
from index.documents import Chunk, SourceDocument
from index.errors import IndexUnavailableError, InputError
from index.korean import ANALYSER, tokenize_many
from index.stores.base import Change, IndexView, Rows

# 2: documents carry their format, file hash and page/section map, chunks their pages/sections. Version 1
# indexes hold only plain text, whose records read as version 2 ones without a map, so they still load.
FORMAT_VERSION = 2
READABLE_FORMAT_VERSIONS = (1, 2)
CURRENT = "CURRENT"
FILES = ("documents.jsonl", "chunks.jsonl", "tokens.jsonl", "dense.faiss")
REBUILD_HINT = "Run `rag ingest --rebuild` to build it again from the documents."
LOCK_TIMEOUT_SECONDS = 600


class Manifest(BaseModel):
    """What an index was built with; checked on every load."""

    format_version: int = FORMAT_VERSION
    embedding_model: str
    dimension: int
    normalized: bool = True
    query_prefix: str
    passage_prefix: str
    chunking: dict[str, int]
    corpus_hash: str
    documents: int
    chunks: int
    created_at: str
    versions: dict[str, str]
    checksums: dict[str, str] = {}
    analyser: str = ""  # what made the BM25 tokens (`index.korean.ANALYSER`); empty in older indexes
    chunker: str = ""  # what cut the chunks (`index.chunking.CHUNKER`); empty in older indexes

    @property
    def cut_by_another_chunker(self) -> bool:
        """True when another (older) chunker cut the chunks: the next ingest or upload cuts them again, once."""
        return self.chunker != CHUNKER

    def warnings(self) -> list[str]:
        """What a user of this index should know: answers may miss what the current chunker would cite."""
        return [RECUT_HINT] if self.cut_by_another_chunker else []


@dataclass
class IndexData(Rows):
    """The local index, in memory: FAISS vectors and BM25 over the stored tokens (an `IndexView`)."""

    tokens: list[list[str]]
    vectors: faiss.Index
    bm25: BM25Index = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.bm25 = BM25Index(self.tokens)

    def dense_top(self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[int]:
        """The n rows closest to a normalised query vector (exact inner product), among `allowed` if given."""
        params = None if allowed is None else faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        _, rows = self.vectors.search(vector[None, :].astype(np.float32), n, params=params)
        return [int(r) for r in rows[0] if r >= 0]

    def dense_scores(self, vector: np.ndarray, rows: list[int]) -> list[float]:
        """The cosine of each row's vector with the query vector."""
        return [float(np.dot(self.vectors.reconstruct(row), vector)) for row in rows]

    def lexical_top(self, tokens: list[str], n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The n best (row, BM25 score) pairs with a positive score, among `allowed` rows if given."""
        return self.bm25.top(tokens, n, allowed)

    def lexical_scores(self, tokens: list[str], rows: list[int]) -> list[float]:
        """The BM25 score of each row for the query tokens."""
        scores = self.bm25.scores(tokens)
        return [float(scores[row]) for row in rows]

    def idf(self, term: str) -> float:
        """The inverse document frequency of a term over the chunks."""
        return self.bm25.idf(term)

    def knows(self, term: str) -> bool:
        """True when some chunk holds the term."""
        return term in self.bm25.vocabulary


def package_versions() -> dict[str, str]:
    """Versions of the libraries whose behaviour shapes the index."""
    out = {}
    for name in ("policy-rag", "faiss-cpu", "sentence-transformers", "kiwipiepy", "torch"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def corpus_hash(doc_ids: list[str]) -> str:
    """A hash of the set of documents in the index."""
    return hashlib.sha256("\n".join(sorted(doc_ids)).encode()).hexdigest()[:16]


def new_manifest(
    *, embedding_model: str, dimension: int, query_prefix: str, passage_prefix: str, chunking: dict[str, int]
) -> Manifest:
    """A manifest for an index about to be written (counts and hashes are filled in by `save_index`)."""
    return Manifest(
        embedding_model=embedding_model,
        dimension=dimension,
        query_prefix=query_prefix,
        passage_prefix=passage_prefix,
        chunking=chunking,
        corpus_hash="",
        documents=0,
        chunks=0,
        created_at="",
        versions=package_versions(),
        analyser=ANALYSER,
        chunker=CHUNKER,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_jsonl(path: Path, rows: list[str]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(row + "\n")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_generation(index_dir: Path) -> Path | None:
    """The live generation directory, or None when no index was ever written."""
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        return None
    return index_dir / pointer.read_text(encoding="utf-8").strip()


def index_exists(index_dir: Path) -> bool:
    """True when a generation is live (it may still fail to load if damaged)."""
    generation = current_generation(index_dir)
    return generation is not None and generation.is_dir()


def save_index(index_dir: Path, data: IndexData) -> Path:
    """Write `data` as a new generation and switch to it atomically; returns the generation directory.

    A failure to write (disk full, a file in the way, no permission) leaves `CURRENT` on the previous
    generation and is reported as an `IndexUnavailableError` rather than a raw `OSError` (or the
    `RuntimeError` FAISS raises when it cannot write its file).
    """
    try:
        return _write_generation(index_dir, data)
    except (OSError, RuntimeError) as exc:
        raise IndexUnavailableError(
            f"Could not write the index in {index_dir} ({exc}); the previous index is unchanged. "
            "Free some space or fix the directory's permissions, then run `rag ingest` again."
        ) from exc


def _write_generation(index_dir: Path, data: IndexData) -> Path:
    """Write a new generation, fsync it, then point `CURRENT` at it and remove older generations."""
    index_dir.mkdir(parents=True, exist_ok=True)
    number = 1 + max((int(p.name[4:]) for p in index_dir.glob("gen-*") if p.name[4:].isdigit()), default=0)
    staging = index_dir / f".tmp-gen-{number:08d}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    _write_jsonl(staging / "documents.jsonl", [d.model_dump_json() for d in data.documents.values()])
    _write_jsonl(staging / "chunks.jsonl", [c.model_dump_json() for c in data.chunks])
    _write_jsonl(staging / "tokens.jsonl", [json.dumps(t, ensure_ascii=False) for t in data.tokens])
    faiss.write_index(data.vectors, str(staging / "dense.faiss"))
    manifest = data.manifest.model_copy(
        update={
            "format_version": FORMAT_VERSION,
            "documents": len(data.documents),
            "chunks": len(data.chunks),
            "corpus_hash": corpus_hash(list(data.documents)),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "checksums": {name: _sha256(staging / name) for name in FILES},
        }
    )
    (staging / "manifest.json").write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    for name in (*FILES, "manifest.json"):
        _fsync(staging / name)
    generation = index_dir / f"gen-{number:08d}"
    os.replace(staging, generation)
    pointer_tmp = index_dir / f".{CURRENT}.{os.getpid()}"
    pointer_tmp.write_text(generation.name, encoding="utf-8")
    _fsync(pointer_tmp)
    os.replace(pointer_tmp, index_dir / CURRENT)
    data.manifest = manifest
    # Ingests are serialised by a lock, so anything else here is an old or crashed generation.
    for stale in index_dir.iterdir():
        if stale != generation and stale.name.startswith(("gen-", ".tmp-gen-")):
            shutil.rmtree(stale, ignore_errors=True)
    return generation


def _read_jsonl(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def live_manifest(index_dir: Path) -> tuple[Path, Manifest]:
    """The live generation directory and its manifest (read alone: nothing else is loaded or verified)."""
    generation = current_generation(index_dir)
    if generation is None or not generation.is_dir():
        raise IndexUnavailableError(f"No index at {index_dir}. Run `rag ingest` to build it from seeds/.")
    try:
        manifest = Manifest.model_validate_json((generation / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        raise IndexUnavailableError(f"The index manifest in {generation} is damaged ({exc}). {REBUILD_HINT}") from exc
    if manifest.format_version not in READABLE_FORMAT_VERSIONS:
        raise IndexUnavailableError(
            f"The index has format {manifest.format_version}, not {FORMAT_VERSION}. {REBUILD_HINT}"
        )
    return generation, manifest


def load_index(index_dir: Path, expected_model: str | None = None) -> IndexData:
    """Load the live generation, verifying files, counts and (when given) the embedding model."""
    generation, manifest = live_manifest(index_dir)
    if expected_model is not None and manifest.embedding_model != expected_model:
        raise IndexUnavailableError(
            f"The index was built with embedding model {manifest.embedding_model!r} but "
            f"RAG_EMBEDDING_MODEL is {expected_model!r}. {REBUILD_HINT} "
            f"(or set RAG_EMBEDDING_MODEL={manifest.embedding_model})"
        )
    for name in FILES:
        path = generation / name
        if not path.is_file() or _sha256(path) != manifest.checksums.get(name):
            raise IndexUnavailableError(f"Index file {path} is missing or damaged. {REBUILD_HINT}")
    try:
        documents = [SourceDocument.model_validate_json(r) for r in _read_jsonl(generation / "documents.jsonl")]
        chunks = [Chunk.model_validate_json(r) for r in _read_jsonl(generation / "chunks.jsonl")]
        tokens = [json.loads(r) for r in _read_jsonl(generation / "tokens.jsonl")]
        vectors = faiss.read_index(str(generation / "dense.faiss"))
    except (ValidationError, ValueError, RuntimeError) as exc:
        raise IndexUnavailableError(f"The index in {generation} cannot be read ({exc}). {REBUILD_HINT}") from exc
    if not (len(chunks) == len(tokens) == vectors.ntotal == manifest.chunks) or vectors.d != manifest.dimension:
        raise IndexUnavailableError(f"The index in {generation} is inconsistent. {REBUILD_HINT}")
    by_id = {d.doc_id: d for d in documents}
    if manifest.analyser != ANALYSER:  # search tokens of another analyser would miss the query's tokens
        tokens = tokenize_many([chunk_search_text(by_id[chunk.doc_id], chunk) for chunk in chunks])
    return IndexData(manifest, by_id, chunks, tokens, vectors)


class LocalStore:
    """The index as files in one directory (see the module docstring), written by one process at a time: the
    writers hold a file lock beside the directory."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir

    def exists(self) -> bool:
        """True when a generation is live."""
        return index_exists(self.index_dir)

    def load(self, expected_model: str | None = None) -> IndexData:
        """The live generation, verified (see `load_index`)."""
        return load_index(self.index_dir, expected_model=expected_model)

    def manifest(self) -> Manifest:
        """The live generation's manifest, without loading the index."""
        return live_manifest(self.index_dir)[1]

    def generation(self) -> str:
        """The live generation's name ("" when there is none)."""
        pointer = self.index_dir / CURRENT
        try:
            return pointer.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the directory's writer lock (an `InputError` when another ingest keeps it for ten minutes)."""
        self.index_dir.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.index_dir) + ".lock")
        try:
            with lock.acquire(timeout=LOCK_TIMEOUT_SECONDS):
                yield
        except Timeout as exc:
            raise InputError(f"Another ingest holds {lock.lock_file}; try again when it has finished.") from exc

    def apply(self, base: IndexView | None, manifest: Manifest, change: Change, rebuild: bool) -> IndexData:
        """Remove and add documents in memory, then write the result as a new generation."""
        if base is None or rebuild:
            data = IndexData(manifest, {}, [], [], empty_vectors(manifest.dimension))
        else:
            assert isinstance(base, IndexData), "a local store extends a local index"
            data = base
        keep = [row for row, chunk in enumerate(data.chunks) if chunk.doc_id not in change.removed]
        vectors = empty_vectors(manifest.dimension)
        kept_vectors = all_vectors(data.vectors)[keep]
        added_vectors = [np.asarray(new.vectors, dtype=np.float32) for new in change.added if len(new.chunks)]
        for block in [kept_vectors, *added_vectors]:
            if len(block):
                vectors.add(np.ascontiguousarray(block))
        documents = {doc_id: doc for doc_id, doc in data.documents.items() if doc_id not in change.removed}
        documents.update({new.document.doc_id: new.document for new in change.added})
        data = IndexData(
            manifest,
            documents,
            [data.chunks[row] for row in keep] + [chunk for new in change.added for chunk in new.chunks],
            [data.tokens[row] for row in keep] + [tokens for new in change.added for tokens in new.tokens],
            vectors,
        )
        save_index(self.index_dir, data)
        return data

    def close(self) -> None:
        """Nothing to release: the index is files and memory."""


def empty_vectors(dimension: int) -> faiss.Index:
    """An exact inner-product index (cosine on normalised vectors)."""
    return faiss.IndexFlatIP(dimension)


def all_vectors(index: faiss.Index) -> np.ndarray:
    """Every stored vector, in row order."""
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_n(0, index.ntotal)
