"""Run the QA set against an assistant: retrieval per method, answers, refusals, latency."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from assistant.answer import Answer
from assistant.numbers import values
from assistant.service import Assistant
from eval.metrics import (
    gold_alternatives,
    holds_evidence,
    mean,
    ndcg_at,
    percentile,
    recall_at,
    reciprocal_rank,
    short_answer_match,
    spans_overlap,
)
from eval.qa import QAItem, evidence_span
from index.documents import SourceDocument
from index.korean import tokenize
from index.search import ScoredChunk

RETRIEVAL_METHODS = ("hybrid", "bm25", "dense")
RANK_DEPTH = 10
TOKEN_RECALL_CORRECT = 0.7  # share of the gold answer's content words an answer must contain


@dataclass
class ItemResult:
    """What one QA item scored, with what was retrieved and answered (for the report's worst items)."""

    item: QAItem
    hits: dict[str, list[bool]] = field(default_factory=dict)
    retrieved: list[ScoredChunk] = field(default_factory=list)
    answer: Answer | None = None
    evidence_recalled: bool | None = None
    cited_supporting: list[bool] = field(default_factory=list)
    correct: bool | None = None
    answered: bool | None = None
    short_answer_em: float | None = None
    short_answer_f1: float | None = None
    refused_correctly: bool | None = None
    verdict: str | None = None
    verdict_correct: bool | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def _normalised(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def answer_contains(answer_text: str, gold: str) -> bool:
    """True when the answer holds the gold answer: verbatim (normalised), as the same numbers, or as most
    of its content words (lists and paraphrased phrases)."""
    gold_values = values(gold)
    if gold_values and gold_values <= values(answer_text):
        return True
    answer_tokens = set(tokenize(answer_text))
    for alternative in gold_alternatives(gold):
        if _normalised(alternative) and _normalised(alternative) in _normalised(answer_text):
            return True
        tokens = set(tokenize(alternative))
        if tokens and len(tokens & answer_tokens) / len(tokens) >= TOKEN_RECALL_CORRECT:
            return True
    return False


def short_answer_text(answer: Answer, documents: list[SourceDocument]) -> str:
    """The short answer as quoted from the source (without an English rendering); empty when there is none."""
    span = answer.short_answer_span
    if span is None:
        return ""
    document = next((d for d in documents if d.doc_id == span.doc_id), None)
    return document.text[span.start : span.end] if document else ""


def _hits(results: list[ScoredChunk], span: tuple[SourceDocument, int, int]) -> list[bool]:
    document, start, end = span
    return [
        r.document.doc_id == document.doc_id and spans_overlap(r.chunk.start, r.chunk.end, start, end) for r in results
    ]


def _timed(fn: Callable[[], Any], seconds: dict[str, float], stage: str) -> Any:
    started = time.perf_counter()
    value = fn()
    seconds[stage] = time.perf_counter() - started
    return value


def _ask(assistant: Assistant, item: QAItem) -> Answer:
    """Ask the item's question, or every turn of a conversation in one session (then forget the session)."""
    if not item.turns:
        return assistant.ask(item.final_question)
    answer = assistant.ask(item.turns[0])
    for turn in item.turns[1:]:
        answer = assistant.ask(turn, answer.session_id)
    assistant.sessions.delete(answer.session_id or "")
    return answer


def evaluate_item(assistant: Assistant, item: QAItem, documents: list[SourceDocument]) -> ItemResult:
    """The answer and its quality, then retrieval hits of its standalone query for every method."""
    result = ItemResult(item)
    span = evidence_span(item, documents)
    if item.type == "claim":
        check = _timed(lambda: assistant.check(item.final_question), result.seconds, "check")
        result.verdict = check.verdict
        result.verdict_correct = check.verdict == item.verdict
    else:
        answer = _timed(lambda: _ask(assistant, item), result.seconds, "answer")
        result.answer = answer
        if span is None:
            result.refused_correctly = not answer.grounded
        else:
            document, start, end = span
            gold = (document.doc_id, start, end)
            on_evidence = [
                holds_evidence(c.doc_id, c.start, c.end, c.quote, gold, item.evidence or "") for c in answer.citations
            ]
            result.evidence_recalled = any(on_evidence)
            result.cited_supporting = [
                hit or answer_contains(c.quote, item.answer)
                for hit, c in zip(on_evidence, answer.citations, strict=True)
            ]
            result.correct = answer.grounded and answer_contains(answer.answer, item.answer)
            result.answered = answer.grounded
            phrase = short_answer_text(answer, documents)
            result.short_answer_em, result.short_answer_f1 = short_answer_match(phrase, item.answer)
    query = result.answer.query if result.answer else item.final_question
    region_filter = item.type != "claim"  # a claim may name the wrong city on purpose
    for method in RETRIEVAL_METHODS:
        retrieved = _timed(
            lambda m=method: assistant.engine.search(query, RANK_DEPTH, m, region_filter=region_filter),
            result.seconds,
            f"retrieve_{method}",
        )
        if method == "hybrid":
            result.retrieved = retrieved
        if span is not None:
            result.hits[method] = _hits(retrieved, span)
    return result


def _share(values: list[bool | None] | list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(mean([float(v) for v in known]), 4) if known else None


def summarise(results: list[ItemResult]) -> dict[str, Any]:
    """The metrics object: retrieval per method, answer quality, latency, per type and language."""
    metrics: dict[str, Any] = {"items": len(results)}
    retrieval: dict[str, dict[str, float]] = {}
    for method in RETRIEVAL_METHODS:
        hit_lists = [r.hits[method] for r in results if method in r.hits]
        retrieval[method] = {
            "recall@1": round(mean([recall_at(h, 1) for h in hit_lists]), 4),
            "recall@5": round(mean([recall_at(h, 5) for h in hit_lists]), 4),
            "mrr": round(mean([reciprocal_rank(h[:RANK_DEPTH]) for h in hit_lists]), 4),
            "ndcg@5": round(mean([ndcg_at(h, 5) for h in hit_lists]), 4),
            "queries": len(hit_lists),
        }
    metrics["retrieval"] = retrieval
    metrics.update({key: retrieval["hybrid"][key] for key in ("recall@1", "recall@5", "mrr", "ndcg@5")})
    metrics["evidence_recall"] = _share([r.evidence_recalled for r in results])
    metrics["citation_precision"] = _share([flag for r in results for flag in r.cited_supporting])
    metrics["answer_correctness"] = _share([r.correct for r in results])
    metrics["answered_rate"] = _share([r.answered for r in results])
    metrics["short_answer_exact_match"] = _share([r.short_answer_em for r in results])
    metrics["short_answer_f1"] = _share([r.short_answer_f1 for r in results])
    metrics["refusal_accuracy"] = _share([r.refused_correctly for r in results])
    metrics["claim_accuracy"] = _share([r.verdict_correct for r in results])
    metrics["followup_accuracy"] = _share([r.evidence_recalled for r in results if r.item.type == "conversation"])
    for stage in ("retrieve_hybrid", "answer", "check"):
        values = [r.seconds[stage] * 1000 for r in results if stage in r.seconds]
        metrics[f"latency_{stage}_p50_ms"] = round(percentile(values, 50), 1)
        metrics[f"latency_{stage}_p95_ms"] = round(percentile(values, 95), 1)
    metrics["latency_p50_ms"] = metrics["latency_answer_p50_ms"]
    metrics["latency_p95_ms"] = metrics["latency_answer_p95_ms"]
    for key, group in (("by_type", lambda r: r.item.type), ("by_language", lambda r: r.item.lang)):
        groups: dict[str, list[ItemResult]] = defaultdict(list)
        for r in results:
            groups[group(r)].append(r)
        metrics[key] = {
            name: {
                "items": len(members),
                "recall@5": _share([recall_at(r.hits["hybrid"], 5) > 0 for r in members if "hybrid" in r.hits]),
                "evidence_recall": _share([r.evidence_recalled for r in members]),
                "citation_precision": _share([flag for r in members for flag in r.cited_supporting]),
                "answer_correctness": _share([r.correct for r in members]),
                "answered_rate": _share([r.answered for r in members]),
                "short_answer_f1": _share([r.short_answer_f1 for r in members]),
                "refusal_accuracy": _share([r.refused_correctly for r in members]),
                "claim_accuracy": _share([r.verdict_correct for r in members]),
            }
            for name, members in sorted(groups.items())
        }
    return metrics


def run_eval(
    assistant: Assistant, items: list[QAItem], progress: bool = True
) -> tuple[dict[str, Any], list[ItemResult]]:
    """Evaluate every item (with a progress bar) and summarise."""
    documents = list(assistant.index.documents.values())
    results = [
        evaluate_item(assistant, item, documents)
        for item in tqdm(items, desc="evaluating", unit="item", disable=not progress)
    ]
    return summarise(results), results
