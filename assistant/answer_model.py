"""The learned answer model: how likely a candidate sentence is to answer a question, and which phrase does.

One logistic regression over a few features per candidate sentence (dense cosine, sentence-level BM25
over Kiwi morphemes, content-morpheme overlap, answer-type match, chunk rank, the neighbouring
sentences) picks the sentence to cite, and its probability for the best sentence decides refusal
(below the language's cut-off: "not found"). Weights, feature scaling, cut-offs and the held-out
numbers they were chosen with live in a small versioned JSON file (`assistant/models/answer_model.json`),
written by `eval/fit_answer_model.py` from development data that is not the seeds, next to the short-answer
model (`assistant/short_answer.py`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np

from assistant.short_answer import FEATURES as SHORT_ANSWER_FEATURES
from assistant.short_answer import character_bigrams
from assistant.tree_model import TreeEnsemble, require_features, sigmoid
from index.bm25 import BM25_B, BM25_K1
from index.errors import ModelUnavailableError

MODEL_PATH = Path(__file__).resolve().parent / "models" / "answer_model.json"

FEATURES = (
    "cosine",
    "cosine_gap",
    "idf_overlap",
    "idf_overlap_gap",
    "bm25",
    "bm25_gap",
    "overlap",
    "type_expected",
    "chunk_rank_inverse",
    "previous_idf_overlap",
    "next_idf_overlap",
    "window_idf_overlap",
    "log_length",
    "bigram_overlap",
    "character_overlap",
    "answer_likeness",
    "pool_overlap",
    "pool_overlap_gap",
    "untitled_overlap",
    "untitled_overlap_gap",
    "new_words",
    "new_share",
    "english_cosine",
    "english_cosine_gap",
    "english_idf_overlap_gap",
    "coverage",
    "chunk_idf_overlap",
    "chunk_cosine",
    "paragraph_idf_overlap",
    "anaphora_gain",
)


_GAPPED = ("cosine", "idf_overlap", "bm25", "pool_overlap", "untitled_overlap")


@dataclass
class Candidate:
    """What the features of one sentence are computed from."""

    text: str
    cosine: float
    tokens: frozenset[str]
    term_counts: dict[str, int]
    length: int
    chunk_rank: int
    previous_tokens: frozenset[str]
    next_tokens: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    answer_likeness: float
    title_tokens: frozenset[str]
    chunk_tokens: frozenset[str]
    chunk_cosine: float
    paragraph_tokens: frozenset[str]  # of the sentences before it in its paragraph
    opens_with_pointer: bool  # 본 사업은…, 이를 통해…: its subject is named before it


@dataclass(frozen=True)
class QueryTerm:
    """One word of the question: its search tokens (an English word: with its Korean translations) and IDF."""

    forms: frozenset[str]
    idf: float


@dataclass(frozen=True)
class QueryView:
    """The question as the features see it: weighted terms, ordered token pairs and character pairs."""

    terms: list[QueryTerm]
    bigrams: frozenset[tuple[str, str]]
    characters: frozenset[str]


def token_bigrams(tokens: list[str]) -> frozenset[tuple[str, str]]:
    """Pairs of consecutive search tokens."""
    return frozenset(pairwise(tokens))


def _idf_share(terms: list[QueryTerm], tokens: frozenset[str], total: float) -> float:
    return sum(term.idf for term in terms if term.forms & tokens) / total if total else 0.0


def feature_matrix(
    candidates: list[Candidate], query: QueryView, type_expected: bool, english: bool = False
) -> np.ndarray:
    """One row of FEATURES per candidate; `english` for an English question (over any text), whose lexical
    features rest on translated words and whose similarities run lower, so some features count differently."""
    query_terms = query.terms
    total = sum(term.idf for term in query_terms)
    mean_length = sum(len(c.tokens) for c in candidates) / max(len(candidates), 1) or 1.0
    # Within the candidates, a question word that most sentences share (the article's topic) tells them apart
    # less than one only a few hold.
    holding = [sum(bool(term.forms & c.tokens) for c in candidates) for term in query_terms]
    pool = [
        QueryTerm(term.forms, math.log((1 + len(candidates)) / (1 + count)))
        for term, count in zip(query_terms, holding, strict=True)
    ]
    pool_total = sum(term.idf for term in pool)
    asked = frozenset().union(*(term.forms for term in query_terms))
    # How much of the question the retrieved text holds at all (the same for every candidate): an unanswerable
    # question's rare words are often nowhere in it.
    found = frozenset().union(*(c.tokens for c in candidates)) if candidates else frozenset()
    coverage = _idf_share(query_terms, found, total)
    rows = []
    for c in candidates:
        untitled = [term for term in query_terms if not term.forms & c.title_tokens]
        new = len(c.tokens - asked)
        bm25 = 0.0
        norm = BM25_K1 * (1 - BM25_B + BM25_B * len(c.tokens) / mean_length)
        for term in query_terms:
            tf = sum(c.term_counts.get(form, 0) for form in term.forms)
            if tf:
                bm25 += term.idf * tf * (BM25_K1 + 1) / (tf + norm)
        idf_overlap = _idf_share(query_terms, c.tokens, total)
        in_paragraph = _idf_share(query_terms, c.tokens | c.paragraph_tokens, total)
        resolved = _idf_share(query_terms, c.tokens | c.paragraph_tokens | c.previous_tokens, total)
        rows.append(
            [
                c.cosine,
                0.0,
                idf_overlap,
                0.0,
                bm25 / total if total else 0.0,
                0.0,
                sum(1 for term in query_terms if term.forms & c.tokens) / max(len(query_terms), 1),
                float(type_expected),
                1.0 / c.chunk_rank,
                _idf_share(query_terms, c.previous_tokens, total),
                _idf_share(query_terms, c.next_tokens, total),
                _idf_share(query_terms, c.tokens | c.previous_tokens | c.next_tokens, total),
                math.log1p(c.length),
                len(query.bigrams & c.bigrams) / max(len(query.bigrams), 1),
                len(query.characters & character_bigrams(c.text)) / max(len(query.characters), 1),
                c.answer_likeness,
                _idf_share(pool, c.tokens, pool_total),
                0.0,
                _idf_share(untitled, c.tokens, sum(term.idf for term in untitled)),
                0.0,
                math.log1p(new),
                new / max(len(c.tokens), 1),
                c.cosine if english else 0.0,
                0.0,
                0.0,
                coverage,
                _idf_share(query_terms, c.chunk_tokens, total),
                c.chunk_cosine,
                in_paragraph,
                resolved - idf_overlap if c.opens_with_pointer else 0.0,
            ]
        )
    matrix = np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))
    if len(rows):
        gaps = [(FEATURES.index(f"{name}_gap"), FEATURES.index(name)) for name in _GAPPED]
        for column, source in gaps:  # gaps to the best candidate of the same question
            matrix[:, column] = matrix[:, source] - matrix[:, source].max()
        if english:
            for name in ("cosine_gap", "idf_overlap_gap"):
                matrix[:, FEATURES.index(f"english_{name}")] = matrix[:, FEATURES.index(name)]
    return matrix


@dataclass(frozen=True)
class LogisticModel:
    """A fitted logistic regression over named features (standardised with the fitted mean and scale)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        """P(positive) for each row of a feature matrix."""
        if not len(matrix):
            return np.zeros(0)
        return sigmoid(((matrix - self.mean) / self.scale) @ self.weights + self.bias)

    def to_json(self) -> dict:
        """The file form."""
        return {
            "features": list(self.features),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "weights": self.weights.round(6).tolist(),
            "bias": round(self.bias, 6),
        }

    @classmethod
    def from_json(cls, data: dict, expected: tuple[str, ...]) -> LogisticModel:
        """The model of a file section; a ValueError when it was fitted on other features than `expected`."""
        require_features(data["features"], expected, "answer model")
        return cls(
            expected, np.array(data["mean"]), np.array(data["scale"]), np.array(data["weights"]), float(data["bias"])
        )


_CHUNK_OVERLAP = FEATURES.index("chunk_idf_overlap")  # the share of the question's words a sentence's chunk holds


def shares_no_word(matrix: np.ndarray) -> bool:
    """True when candidates were found but no candidate's chunk holds a word of the question or claim (안녕하세요, a
    typo, gibberish): the passages were retrieved by their vectors alone and are no evidence."""
    return bool(len(matrix)) and not matrix[:, _CHUNK_OVERLAP].any()


def evidence_probabilities(model: LogisticModel, matrix: np.ndarray) -> np.ndarray:
    """How likely each candidate row is to answer; zero for all when they share no word with the question
    (`shares_no_word`), which the model, fitted on questions that share words with their documents, is not asked
    about."""
    if shares_no_word(matrix):
        return np.zeros(len(matrix))
    return model.probabilities(matrix)


@dataclass(frozen=True)
class AnswerModel:
    """The evidence model with its per-language refusal cut-offs, and the short-answer model with the
    probability below which no short answer is given (the cited sentence still answers)."""

    version: str
    evidence: LogisticModel
    cutoffs: dict[str, float]
    short_answer: TreeEnsemble
    short_answer_cutoff: float
    report: dict

    def cutoff(self, language: str) -> float:
        """The evidence probability below which a question in `language` is refused."""
        return self.cutoffs.get(language, self.cutoffs["ko"])

    def to_json(self) -> dict:
        """The file form (see `load_answer_model`)."""
        return {
            "version": self.version,
            "evidence": self.evidence.to_json(),
            "cutoffs": self.cutoffs,
            "short_answer": self.short_answer.to_json(),
            "short_answer_cutoff": self.short_answer_cutoff,
            "report": self.report,
        }


@lru_cache(maxsize=4)
def load_answer_model(path: Path = MODEL_PATH) -> AnswerModel:
    """A fitted answer model file (the shipped one by default); a ModelUnavailableError when it is missing,
    unreadable or was fitted on other features."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return AnswerModel(
            version=data["version"],
            evidence=LogisticModel.from_json(data["evidence"], FEATURES),
            cutoffs={language: float(value) for language, value in data["cutoffs"].items()},
            short_answer=TreeEnsemble.from_json(data["short_answer"], SHORT_ANSWER_FEATURES),
            short_answer_cutoff=float(data["short_answer_cutoff"]),
            report=data.get("report", {}),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelUnavailableError(f"Cannot read the answer model {path}: {exc!r}") from exc
