"""The store seam: what search, answers and ingest need from wherever the index lives.

`IndexView` is a loaded index as the readers see it: the manifest, the documents and chunks in row order (the
text every citation points into), and dense and lexical top-k over those rows. Two stores provide it:
`index/store.py` (FAISS + BM25 files in one directory, in memory) and `index/stores/postgres.py` (PostgreSQL +
pgvector, shared by many processes). A `Store` loads views, says when a newer one exists (`generation`),
serialises writers and applies a `Change` (documents removed, documents added with their vectors and tokens).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import numpy as np

if TYPE_CHECKING:
    from index.documents import Chunk, SourceDocument
    from index.store import Manifest


@dataclass
class Rows:
    """Documents and chunks in row order, with the lookups every view shares."""

    manifest: Manifest
    documents: dict[str, SourceDocument]
    chunks: list[Chunk]

    def __post_init__(self) -> None:
        self.rows_by_doc: dict[str, list[int]] = {}
        self.rows_by_lang: dict[str, list[int]] = {}
        for row, chunk in enumerate(self.chunks):
            self.rows_by_doc.setdefault(chunk.doc_id, []).append(row)
            self.rows_by_lang.setdefault(chunk.lang, []).append(row)

    @property
    def main_language(self) -> str:
        """The language most chunks are in."""
        return max(self.rows_by_lang, key=lambda lang: len(self.rows_by_lang[lang]), default="ko")


class IndexView(Protocol):
    """A loaded index: its rows, and dense and lexical ranking over them."""

    manifest: Manifest
    documents: dict[str, SourceDocument]
    chunks: list[Chunk]
    rows_by_doc: dict[str, list[int]]
    rows_by_lang: dict[str, list[int]]

    @property
    def main_language(self) -> str:
        """The language most chunks are in."""

    def dense_top(self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[int]:
        """The n rows closest to a normalised query vector (cosine), best first, among `allowed` rows if given."""

    def dense_scores(self, vector: np.ndarray, rows: list[int]) -> list[float]:
        """The cosine of each row's vector with the query vector."""

    def lexical_top(self, tokens: list[str], n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The n best (row, BM25 score) pairs with a positive score, best first, among `allowed` rows if given."""

    def lexical_scores(self, tokens: list[str], rows: list[int]) -> list[float]:
        """The BM25 score of each row for the query tokens (0 where no token occurs)."""

    def idf(self, term: str) -> float:
        """The inverse document frequency of a term over the chunks (that of an unseen term when unknown)."""

    def knows(self, term: str) -> bool:
        """True when some chunk holds the term."""


@dataclass
class NewDocument:
    """A document to add: its chunks, their passage vectors and their search tokens."""

    document: SourceDocument
    chunks: list[Chunk]
    vectors: np.ndarray
    tokens: list[list[str]]


@dataclass
class Change:
    """What an ingest changes: documents removed (by id), then documents added."""

    removed: set[str] = field(default_factory=set)
    added: list[NewDocument] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.removed or self.added)


class Store(Protocol):
    """Where an index lives: loads views of it, tells when it changed, and applies changes."""

    def exists(self) -> bool:
        """True when an index was written (it may still fail to load if damaged)."""

    def load(self, expected_model: str | None = None) -> IndexView:
        """The current index; an `IndexUnavailableError` when missing, damaged or built with another model."""

    def manifest(self) -> Manifest:
        """What the current index was built with, and its counts, read without loading it."""

    def generation(self) -> str:
        """A cheap token that changes whenever a change is committed (a reader reloads when it moves)."""

    def writing(self) -> AbstractContextManager[None]:
        """Hold while reading, changing and saving: one writer at a time (across processes)."""

    def apply(self, base: IndexView | None, manifest: Manifest, change: Change, rebuild: bool) -> IndexView:
        """Commit `change` on top of `base` (None or `rebuild`: start from nothing) and return the new view."""

    def close(self) -> None:
        """Release connections (views loaded before stop ranking)."""


def describe_database(url: str) -> str:
    """The server and database a PostgreSQL URL points at, without user or password (for messages and ids)."""
    parts = urlsplit(url)
    return f"postgresql://{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
