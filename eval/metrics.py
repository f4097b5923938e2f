"""Ranking and answer metrics, as plain functions over hit lists."""

from __future__ import annotations

import math
import re
from collections import Counter


def recall_at(hits: list[bool], k: int) -> float:
    """1.0 when a relevant item is among the first k."""
    return 1.0 if any(hits[:k]) else 0.0


def reciprocal_rank(hits: list[bool]) -> float:
    """1/rank of the first relevant item (0 when none)."""
    for position, hit in enumerate(hits, start=1):
        if hit:
            return 1.0 / position
    return 0.0


def ndcg_at(hits: list[bool], k: int) -> float:
    """nDCG@k with binary relevance and one relevant item."""
    for position, hit in enumerate(hits[:k], start=1):
        if hit:
            return 1.0 / math.log2(position + 1)
    return 0.0


def spans_overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """True when two half-open character spans share a character."""
    return a_start < b_end and b_start < a_end


def quotes_evidence(quote: str, evidence: str) -> bool:
    """True when a cited quote holds the whole gold evidence text (spacing aside): the same statement, also where
    the corpus repeats it in another document than the one the gold names."""
    return bool(evidence) and "".join(evidence.split()) in "".join(quote.split())


def holds_evidence(doc_id: str, start: int, end: int, quote: str, gold: tuple[str, int, int], evidence: str) -> bool:
    """Whether a cited (or candidate) span holds the gold evidence: it overlaps the gold span `gold` (doc_id,
    start, end), or its quote holds the whole evidence text (`quotes_evidence`)."""
    gold_doc, gold_start, gold_end = gold
    return (doc_id == gold_doc and spans_overlap(start, end, gold_start, gold_end)) or quotes_evidence(quote, evidence)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: list[float]) -> float:
    """Arithmetic mean; 0 for no values."""
    return sum(values) / len(values) if values else 0.0


def _answer_characters(text: str) -> str:
    """KorQuAD-style normalisation: lower case, no whitespace or punctuation."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def exact_match(prediction: str, gold: str) -> float:
    """1.0 when the normalised prediction equals the normalised gold answer."""
    return float(bool(_answer_characters(gold)) and _answer_characters(prediction) == _answer_characters(gold))


def gold_alternatives(gold: str) -> list[str]:
    """The gold answer and, for `English (한국어)` golds, each part on its own."""
    bilingual = re.match(r"^(.*?)\s\((.*[가-힣].*)\)$", gold)
    return [gold, *bilingual.groups()] if bilingual else [gold]


def short_answer_match(prediction: str, gold: str) -> tuple[float, float]:
    """Exact match and character F1 of a short answer, the best over the gold answer's alternatives: a phrase
    quoted from a Korean source is compared with the Korean part of an `English (한국어)` gold too."""
    alternatives = gold_alternatives(gold)
    return max(exact_match(prediction, g) for g in alternatives), max(character_f1(prediction, g) for g in alternatives)


def character_f1(prediction: str, gold: str) -> float:
    """F1 of the normalised characters shared by prediction and gold answer (KorQuAD's F1 for Korean)."""
    predicted, expected = _answer_characters(prediction), _answer_characters(gold)
    common = sum((Counter(predicted) & Counter(expected)).values())
    if not common:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)
