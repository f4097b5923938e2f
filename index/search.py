"""Hybrid search: dense (FAISS) and BM25 (Kiwi morphemes) fused by reciprocal rank (no LangChain here: the
answerer, claim checker and CLI use it directly; `index/langchain_adapters.py` wraps it for LangChain)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from index.documents import Chunk, SourceDocument
from index.embeddings import SentenceTransformerEmbeddings
from index.korean import tokenize
from index.language import detect_language
from index.regions import find_regions
from index.stores.base import IndexView
from index.translation import english_word_forms

MODES = ("hybrid", "dense", "bm25")
CROSSLINGUAL_WEIGHT = 2.0


@dataclass
class ScoredChunk:
    """A retrieved chunk with its document and scores (fused, cosine, BM25)."""

    chunk: Chunk
    document: SourceDocument
    rank: int
    score: float
    dense_score: float | None  # None in bm25 mode: the query is not embedded
    bm25_score: float

    def as_dict(self) -> dict[str, Any]:
        """The `rag search --json` result object."""
        return {
            "rank": self.rank,
            "doc_id": self.document.doc_id,
            "source": self.document.source,
            "title": self.document.title,
            "chunk_id": self.chunk.chunk_id,
            "score": round(self.score, 6),
            "dense_score": None if self.dense_score is None else round(self.dense_score, 6),
            "bm25_score": round(self.bm25_score, 6),
            "start": self.chunk.start,
            "end": self.chunk.end,
            "pages": self.chunk.pages,
            "sections": self.chunk.sections,
            "text": self.chunk.text,
        }


def lexical_tokens(query: str) -> list[str]:
    """What BM25 matches for a query: its morphemes plus the Korean names of the regions it names, and for an
    English query the Korean translations of its words (`index/translation.py`), since Korean text holds few
    English words. Common wrong senses among the translations weigh little: BM25 gives common terms a low IDF."""
    tokens = tokenize(query) + tokenize(" ".join(find_regions(query)))
    if detect_language(query) != "en":
        return tokens
    return list(dict.fromkeys(tokens + [token for forms in english_word_forms(query) for token in sorted(forms)]))


class SearchEngine:
    """Ranks the chunks of a loaded index for a query."""

    def __init__(
        self,
        data: IndexView,
        embedder: SentenceTransformerEmbeddings,
        *,
        rrf_k: int = 60,
        candidates: int = 30,
    ) -> None:
        self.data = data
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.candidates = candidates

    def embed_query(self, query: str) -> np.ndarray:
        """The query vector (normalised)."""
        return self.embedder.encode_queries([query])[0]

    def region_rows(self, query: str) -> np.ndarray | None:
        """Rows of the documents that mention every region the query names (None: no restriction).

        When no document covers them all, retrieval is not restricted; the answerer then refuses.
        """
        regions = set(find_regions(query))
        if not regions:
            return None
        rows = [
            row
            for doc_id, doc_rows in self.data.rows_by_doc.items()
            if regions <= set(self.data.documents[doc_id].regions)
            for row in doc_rows
        ]
        return np.array(sorted(rows), dtype=np.int64) if rows else None

    def _translation_bridge(self, ranking: list[int], main: str) -> list[int]:
        """Map each hit in a translated section to the chunk at the same relative place in the original.

        A document that carries its own translation (e.g. a machine-translated English version of a
        Korean article) has both languages; the n-th of its translated chunks stands for the part of the
        original at the same fraction of its length.
        """
        bridged: list[int] = []
        for row in ranking:
            chunk = self.data.chunks[row]
            if chunk.lang == main:
                continue
            doc_rows = self.data.rows_by_doc[chunk.doc_id]
            originals = [r for r in doc_rows if self.data.chunks[r].lang == main]
            translated = [r for r in doc_rows if self.data.chunks[r].lang == chunk.lang]
            if not originals:
                continue
            fraction = translated.index(row) / len(translated)
            target = originals[min(len(originals) - 1, int(fraction * len(originals)))]
            if target not in bridged:
                bridged.append(target)
        return bridged

    def rankings(
        self, query: str, vector: np.ndarray | None, n: int, mode: str, region_filter: bool = True
    ) -> tuple[list[tuple[float, list[int]]], dict[int, float]]:
        """The (weight, ranked rows) lists that are fused for `mode`, and the BM25 scores of the rows the lexical
        list holds.

        Dense: one list over all chunks and, for a question not in the corpus's main language, one over
        main-language chunks only, weighted up, so that same-language text (e.g. a machine translation)
        cannot crowd out the original. BM25: `lexical_tokens` (an English query's words with their translations).
        """
        allowed = self.region_rows(query) if region_filter else None
        lists: list[tuple[float, list[int]]] = []
        lexical: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            lists.append((1.0, self.data.dense_top(vector, n, allowed)))
            main = self.data.main_language
            if detect_language(query) != main:
                main_rows = np.array(self.data.rows_by_lang.get(main, []), dtype=np.int64)
                if allowed is not None:
                    main_rows = np.intersect1d(main_rows, allowed)
                if len(main_rows):
                    lists.append((CROSSLINGUAL_WEIGHT, self.data.dense_top(vector, n, main_rows)))
                lists.append((1.0, self._translation_bridge(lists[0][1], main)))
        if mode in ("hybrid", "bm25"):
            lexical = dict(self.data.lexical_top(lexical_tokens(query), n, allowed))
            lists.append((1.0, list(lexical)))
        return lists, lexical

    def search(
        self,
        query: str,
        k: int,
        mode: str = "hybrid",
        query_vector: np.ndarray | None = None,
        region_filter: bool = True,
    ) -> list[ScoredChunk]:
        """The k best chunks for `query` by `mode` (hybrid, dense or bm25), best first.

        With `region_filter`, only documents that mention every region the query names compete (a claim
        checker turns it off: a claim may name the wrong city).
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        size = len(self.data.chunks)
        if size == 0 or k <= 0:
            return []
        n = min(size, max(self.candidates, k))
        # BM25 alone needs no model: the query is embedded only for dense ranking (and then dense scores).
        vector = query_vector
        if vector is None and mode != "bm25":
            vector = self.embed_query(query)
        fused: dict[int, float] = {}
        lists, lexical = self.rankings(query, vector, n, mode, region_filter)
        for weight, ranking in lists:
            for position, row in enumerate(ranking):
                fused[row] = fused.get(row, 0.0) + weight / (self.rrf_k + position + 1)
        best = sorted(fused, key=lambda row: (-fused[row], row))[:k]
        unscored = [row for row in best if row not in lexical]  # found by the dense lists only
        if unscored:
            lexical.update(zip(unscored, self.data.lexical_scores(lexical_tokens(query), unscored), strict=True))
        bm25_scores = [lexical[row] for row in best]
        dense_scores = [None] * len(best) if vector is None else self.data.dense_scores(vector, best)
        results = []
        for rank, (row, dense, bm25) in enumerate(zip(best, dense_scores, bm25_scores, strict=True), start=1):
            chunk = self.data.chunks[row]
            results.append(ScoredChunk(chunk, self.data.documents[chunk.doc_id], rank, fused[row], dense, bm25))
        return results
