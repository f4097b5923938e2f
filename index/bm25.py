"""Okapi BM25 over Kiwi morpheme tokens, as a sparse matrix of precomputed term weights."""

from __future__ import annotations

from collections import Counter

import numpy as np
from scipy import sparse

BM25_K1 = 1.2  # term-frequency saturation
BM25_B = 0.75  # length normalisation


class BM25Index:
    """BM25 scores of a query against every chunk; rebuilt from the stored token lists on load."""

    def __init__(self, token_lists: list[list[str]], k1: float = BM25_K1, b: float = BM25_B) -> None:
        self.k1, self.b = k1, b
        self.vocabulary: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        lengths = np.array([len(tokens) for tokens in token_lists], dtype=np.float64)
        for row, tokens in enumerate(token_lists):
            for term, tf in Counter(tokens).items():
                col = self.vocabulary.setdefault(term, len(self.vocabulary))
                rows.append(row)
                cols.append(col)
                tfs.append(tf)
        n_docs = len(token_lists)
        shape = (n_docs, max(len(self.vocabulary), 1))
        tf_matrix = sparse.csr_matrix((np.array(tfs, dtype=np.float64), (rows, cols)), shape=shape)
        doc_freq = np.bincount(np.array(cols, dtype=np.int64), minlength=shape[1])
        idf = np.log(1.0 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))
        self._idf = idf
        self._unseen_idf = float(np.log(1.0 + (n_docs + 0.5) / 0.5))
        avg_length = float(lengths.mean()) if n_docs else 1.0
        norm = k1 * (1.0 - b + b * lengths / max(avg_length, 1e-9))
        coo = tf_matrix.tocoo()
        weights = idf[coo.col] * coo.data * (k1 + 1.0) / (coo.data + norm[coo.row])
        self.matrix = sparse.csc_matrix((weights, (coo.row, coo.col)), shape=shape)
        self.size = n_docs

    def idf(self, term: str) -> float:
        """The inverse document frequency of a term (that of a term in no chunk when unknown)."""
        col = self.vocabulary.get(term)
        return float(self._idf[col]) if col is not None else self._unseen_idf

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk (0 where no query term occurs)."""
        cols = [self.vocabulary[t] for t in set(query_tokens) if t in self.vocabulary]
        if not cols or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.matrix[:, cols].sum(axis=1), dtype=np.float32).ravel()

    def top(self, query_tokens: list[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best (row, score) pairs with a positive score, best first, among `allowed` rows if given."""
        scores = self.scores(query_tokens)
        if allowed is not None:
            mask = np.zeros(self.size, dtype=bool)
            mask[allowed] = True
            scores = np.where(mask, scores, 0.0)
        if k <= 0 or self.size == 0:
            return []
        k = min(k, self.size)
        best = np.argpartition(-scores, k - 1)[:k] if k < self.size else np.arange(self.size)
        ranked = sorted(best, key=lambda i: (-scores[i], i))
        return [(int(i), float(scores[i])) for i in ranked if scores[i] > 0]
