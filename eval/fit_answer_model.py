"""Fit the evidence model (`assistant/models/evidence_model.json`) on development data that is not the seeds.

Reads a KorQuAD-style development folder (`--dev DIR`: corpus/, qa.jsonl, unanswerable.jsonl), splits
it by article (`eval/split.py`), and
1. fits the short-answer model on the gold evidence sentences of the `fit` part;
2. collects every candidate sentence of every question with the answerer's own features (the sentence that
   holds the evidence is the positive), and of every answerable question asked again with its article left
   out of the index (no candidate is right: what "not in the documents" looks like);
3. fits the evidence model (a logistic regression) on the `fit` part;
4. chooses each language's refusal cut-off on the real unanswerable questions the model has not seen (those
   of the `fit` and `calibrate` parts), for at least 0.9 refusal at the highest answered rate;
5. reports sentence choice and refusal per source, language and part: `test` is what nothing above saw. Refusal
   is also reported on near misses (`eval/near_miss.py`: answerable questions asked of a copy of the corpus
   without their evidence sentence), which nothing is fitted or chosen on: what a question its documents
   almost answer gets.

An optional extra set in another genre (`--extra-qa`, e.g. press-release questions in English and Korean) is
split by item id into fit and calibrate halves and weighs as much as the development set.

Usage: python eval/fit_answer_model.py --dev DIR --extra-corpus DIR [--extra-qa FILE] [--out FILE] [--cache FILE]
       [--near-miss-rounds N]
(the shipped model: --dev <the KorQuAD dev folder> --extra-corpus <the sample documents>; see README, Evaluation)
"""

from __future__ import annotations

import argparse
import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from tqdm import tqdm

from assistant import short_answer
from assistant.answer import ExtractiveAnswerer
from assistant.answer_model import FEATURES, MODEL_PATH, AnswerModel, LogisticModel, evidence_probabilities
from assistant.narrowing import shown_extent
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.tree_model import TreeEnsemble
from eval.corpus import corpus_assistant
from eval.metrics import holds_evidence, short_answer_match
from eval.near_miss import near_miss_corpora
from eval.qa import QAItem, evidence_span, load_qa
from eval.split import Part, items_in_part, part_of

EXTRA_QA = Path(__file__).resolve().parent / "dev" / "samples_qa.jsonl"
MIN_REFUSAL = 0.9
NEAR_MISS_ROUNDS = 3  # near misses are reported (how often a question the article almost answers is refused)
SHORT_ANSWER_PRECISION = 0.6
REGULARISATION = 0.05  # inverse L2 strength: the features overlap a lot, small weights transfer better
# The short-answer trees: shallow (pairs of features), many, chosen on the calibrate articles.
SHORT_ANSWER_TREES = {"max_depth": 2, "max_iter": 500, "learning_rate": 0.1, "l2_regularization": 1.0}
LANGUAGES = ("ko", "en")
MODEL_VERSION = "2026-11-27.3"


@dataclass
class Question:
    """One question's candidates: features, which hold the evidence, and whether it is answerable."""

    item: QAItem
    part: Part
    answerable: bool
    matrix: np.ndarray
    labels: np.ndarray
    source: str = "dev"
    article_left_out: bool = False  # an answerable question asked with its article left out of the index
    near_miss: bool = False  # an answerable question asked with its evidence sentence taken out of its article


def _answerer(assistant: Assistant, phrases: TreeEnsemble) -> ExtractiveAnswerer:
    """An answerer computing candidate features (its evidence model is not fitted yet)."""
    unfitted = LogisticModel(FEATURES, np.zeros(len(FEATURES)), np.ones(len(FEATURES)), np.zeros(len(FEATURES)), 0.0)
    model = AnswerModel(MODEL_VERSION, unfitted, {"ko": 0.5}, phrases, 0.0, {})
    return ExtractiveAnswerer(assistant.engine, top_k=assistant.settings.top_k, model=model)


def collect(
    assistant: Assistant,
    items: list[QAItem],
    phrases: TreeEnsemble,
    progress: bool = True,
    source: str = "dev",
) -> list[Question]:
    """Candidates and labels of every item (scored for answer-likeness with the fitted short-answer model);
    answerable items are also asked without their article. The development set is split by article; an
    extra set (`source` other than "dev", a handful of documents) by item id into fit and calibrate halves."""
    documents = list(assistant.index.documents.values())
    by_title: dict[str, set[str]] = {}
    for document in documents:
        by_title.setdefault(document.title, set()).add(document.doc_id)
    answerer = _answerer(assistant, phrases)
    out: list[Question] = []
    for item in tqdm(items, desc="candidates", unit="question", disable=not progress):
        question = item.final_question
        span = evidence_span(item, documents)
        if span is None:
            sentences, matrix = answerer.candidates(question, question)
            part = _part(item.id, source)
            out.append(Question(item, part, False, matrix, np.zeros(len(sentences), dtype=bool), source))
            continue
        document, start, end = span
        item_part = _part(document.title if source == "dev" else item.id, source)
        sentences, matrix = answerer.candidates(question, question)
        gold = (document.doc_id, start, end)
        labels = np.array(
            [holds_evidence(s.document.doc_id, s.start, s.end, s.text, gold, item.evidence or "") for s in sentences],
            dtype=bool,
        )
        out.append(Question(item, item_part, True, matrix, labels, source))
        article = frozenset(by_title[document.title])
        sentences, matrix = answerer.candidates(question, question, exclude_docs=article)
        empty = np.zeros(len(sentences), dtype=bool)
        out.append(Question(item, item_part, False, matrix, empty, source, article_left_out=True))
    return out


def collect_near_misses(dev: Path, items: list[QAItem], phrases: TreeEnsemble, rounds: int) -> list[Question]:
    """Candidates of answerable questions asked of a copy of the development corpus with their evidence sentence
    taken out (`eval/near_miss.py`): no candidate is right, though the article is there."""
    settings = Settings()
    out: list[Question] = []
    for corpus, chosen in near_miss_corpora(dev / "corpus", items, rounds, settings.data_dir / "near-miss"):
        assistant = corpus_assistant(settings, corpus)
        answerer = _answerer(assistant, phrases)
        titles = {document.source: document.title for document in assistant.index.documents.values()}
        for item in tqdm(chosen, desc=f"near misses ({corpus.name})", unit="question"):
            sentences, matrix = answerer.candidates(item.final_question, item.final_question)
            empty = np.zeros(len(sentences), dtype=bool)
            out.append(Question(item, part_of(titles[item.doc or ""]), False, matrix, empty, near_miss=True))
    return out


def _part(key: str, source: str) -> Part:
    if source == "dev":
        return part_of(key)
    return "fit" if part_of(key) == "fit" else "calibrate"


def fit_evidence(questions: list[Question]) -> LogisticModel:
    """The evidence model, a logistic regression on standardised features, on the candidates of answerable
    questions and of the same questions asked with their article left out (every candidate wrong: what no answer
    looks like); each source weighs as much as the development set in all (a few dozen questions in another
    genre count as much as a thousand of Wikipedia)."""
    rows = [q for q in questions if (q.answerable or q.article_left_out) and len(q.labels)]
    per_source = {source: sum(q.source == source for q in rows) for source in {q.source for q in rows}}
    weights = np.concatenate([np.full(len(q.labels), len(rows) / len(per_source) / per_source[q.source]) for q in rows])
    x, y = np.vstack([q.matrix for q in rows]), np.concatenate([q.labels for q in rows])
    if x.shape[1] != len(FEATURES):
        raise SystemExit(f"The candidates have {x.shape[1]} features, this version {len(FEATURES)}: collect again.")
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    regression = LogisticRegression(C=REGULARISATION, max_iter=2000)
    regression.fit((x - mean) / scale, y, sample_weight=weights)
    return LogisticModel(FEATURES, mean, scale, regression.coef_[0], float(regression.intercept_[0]))


def short_answer_rows(item: QAItem) -> tuple[np.ndarray, np.ndarray]:
    """Candidate phrases of an item's evidence sentence: features, and which equal the gold answer."""
    sentence = item.evidence or ""
    cues = short_answer.question_cues(item.final_question)
    spans = short_answer.answer_spans(sentence, cues)
    matrix = short_answer.feature_matrix(sentence, spans, cues)
    return matrix, np.array([short_answer_match(sentence[s.start : s.end], item.answer)[0] for s in spans], dtype=bool)


def fit_short_answer(items: list[QAItem]) -> TreeEnsemble:
    """The short-answer model, on the candidate phrases of the items' gold evidence sentences (every phrase
    weighs the same: weighing the few press-release questions up made both genres worse on held-out items)."""
    rows = [short_answer_rows(item) for item in tqdm(items, desc="short answers", unit="question")]
    x = np.vstack([m for m, _ in rows if len(m)])
    y = np.concatenate([labels for m, labels in rows if len(m)])
    trees = HistGradientBoostingClassifier(**SHORT_ANSWER_TREES, early_stopping=False, random_state=0).fit(x, y)
    return TreeEnsemble.from_histogram_boosting(trees, short_answer.FEATURES)


def split_counts(trees: TreeEnsemble) -> dict[str, int]:
    """How many tree nodes split on each feature (what the short-answer model looks at)."""
    inner = trees.left != np.arange(trees.left.shape[1])[None, :]
    counts = np.bincount(trees.feature[inner], minlength=len(trees.features))
    return {name: int(count) for name, count in zip(trees.features, counts, strict=True)}


def short_answer_scores(model: TreeEnsemble, items: list[QAItem]) -> list[tuple[float, float, float]]:
    """Per item: the best phrase's probability, exact match and character F1 (from the gold sentence) of what the
    assistant shows for it (widened to a list, narrowed to a year or a name: `narrowing.shown_extent`)."""
    scores = []
    for item in items:
        sentence = item.evidence or ""
        span = short_answer.best_span(item.final_question, sentence, model)
        shown = shown_extent(item.final_question, sentence, span[0], span[1]) if span else None
        predicted = sentence[shown[0] : shown[1]] if shown else ""
        probability = span[2] if span else 0.0
        scores.append((probability, *short_answer_match(predicted, item.answer)))
    return scores


def choose_short_answer_cutoff(scores: list[tuple[float, float, float]]) -> float:
    """The lowest probability at which the short answers given are right (character F1 ≥ 0.5) at least
    SHORT_ANSWER_PRECISION of the time: below it, the cited sentence alone answers."""
    for cutoff in sorted({round(p, 3) for p, _, _ in scores}):
        shown = [f1 >= 0.5 for p, _, f1 in scores if p >= cutoff]
        if shown and np.mean(shown) >= SHORT_ANSWER_PRECISION:
            return cutoff
    return 1.0


def short_answer_summary(scores: list[tuple[float, float, float]], cutoff: float) -> dict[str, float]:
    """Exact match and character F1 of the short answers (none given below `cutoff` scores 0)."""
    return {
        "questions": len(scores),
        "given": round(float(np.mean([p >= cutoff for p, _, _ in scores])), 4),
        "exact_match": round(float(np.mean([em * (p >= cutoff) for p, em, _ in scores])), 4),
        "character_f1": round(float(np.mean([f1 * (p >= cutoff) for p, _, f1 in scores])), 4),
        "character_f1_always_given": round(float(np.mean([f1 for _, _, f1 in scores])), 4),
    }


def best_probabilities(model: LogisticModel, questions: list[Question]) -> list[tuple[float, bool]]:
    """Per question: the best candidate's probability and whether that candidate holds the evidence."""
    out = []
    for q in questions:
        if not len(q.labels):
            out.append((0.0, False))
            continue
        p = evidence_probabilities(model, q.matrix)
        out.append((float(p.max()), bool(q.labels[int(p.argmax())])))
    return out


def choose_cutoff(unanswerable: list[float]) -> float:
    """The lowest cut-off (so the highest answered rate) that refuses at least MIN_REFUSAL of the unanswerable
    questions, given their best probabilities."""
    ordered = sorted(unanswerable)
    index = int(np.ceil(MIN_REFUSAL * len(ordered))) - 1
    return float(ordered[index] + 1e-6) if ordered else 0.5


def _refusal(model: LogisticModel, questions: list[Question], cutoff: float) -> float | None:
    refused = [p < cutoff for p, _ in best_probabilities(model, questions)]
    return round(float(np.mean(refused)), 4) if refused else None


def summary(model: LogisticModel, questions: list[Question], cutoff: float) -> dict[str, float | None]:
    """Sentence choice and refusal numbers of a group of questions at `cutoff`."""
    answerable = [q for q in questions if q.answerable]
    best = best_probabilities(model, answerable)
    real = [q for q in questions if not q.answerable and not q.article_left_out and not q.near_miss]
    left_out = [q for q in questions if q.article_left_out]
    near = [q for q in questions if q.near_miss]
    return {
        "questions": len(answerable),
        "top1_evidence": round(float(np.mean([hit for _, hit in best])), 4) if best else None,
        "answered_rate": round(float(np.mean([p >= cutoff for p, _ in best])), 4) if best else None,
        "evidence_recall": round(float(np.mean([hit and p >= cutoff for p, hit in best])), 4) if best else None,
        "unanswerable": len(real),
        "refusal_rate": _refusal(model, real, cutoff),
        "article_left_out": len(left_out),
        "refusal_rate_article_left_out": _refusal(model, left_out, cutoff),
        "near_miss": len(near),
        "refusal_rate_near_miss": _refusal(model, near, cutoff),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, required=True, help="KorQuAD-style folder: corpus/, qa.jsonl, ...")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument(
        "--extra-qa", type=Path, default=EXTRA_QA,
        help="Another QA set (other genre, English questions): half fit, half calibrate.",
    )
    parser.add_argument("--extra-corpus", type=Path, required=True, help="The documents of --extra-qa.")
    parser.add_argument("--cache", type=Path, help="Keep the collected candidates here (refit without collecting).")
    parser.add_argument(
        "--near-miss-rounds", type=int, default=NEAR_MISS_ROUNDS,
        help="Rounds of near misses (each: one answerable question per file asked without its evidence sentence).",
    )
    args = parser.parse_args()
    assistant = corpus_assistant(Settings(), args.dev / "corpus")
    items = load_qa(args.dev / "qa.jsonl") + load_qa(args.dev / "unanswerable.jsonl")
    documents = list(assistant.index.documents.values())
    fit_items = [item for item in items_in_part(items, documents, "fit") if item.evidence]
    extra_items = load_qa(args.extra_qa) if args.extra_qa else []
    fit_items += [item for item in extra_items if item.evidence and _part(item.id, "extra") == "fit"]
    phrases = fit_short_answer(fit_items)
    if args.cache and args.cache.exists():
        questions = pickle.loads(args.cache.read_bytes())
    else:
        questions = collect(assistant, items, phrases)
        questions += collect_near_misses(args.dev, items, phrases, args.near_miss_rounds)
        if extra_items:
            extra_corpus = corpus_assistant(Settings(), args.extra_corpus)
            questions += collect(extra_corpus, extra_items, phrases, source=args.extra_qa.stem)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(questions))
    parts = {part: [q for q in questions if q.part == part] for part in ("fit", "calibrate", "test")}
    evidence = fit_evidence(parts["fit"])
    # The evidence model never sees an unanswerable question, so the real ones of the fit and calibrate parts
    # (not the test part) choose the cut-off of their language.
    unseen = [q for q in questions if q.part != "test" and not (q.answerable or q.article_left_out or q.near_miss)]
    cutoffs = {}
    for language in LANGUAGES:
        unanswerable = [q for q in unseen if q.item.lang == language]
        if unanswerable:
            cutoffs[language] = choose_cutoff([p for p, _ in best_probabilities(evidence, unanswerable)])
    groups: dict[tuple[str, str, str], list[Question]] = {}
    for q in questions:
        groups.setdefault((q.source, q.item.lang, q.part), []).append(q)
    by_group = {
        "/".join(key): summary(evidence, members, cutoffs.get(key[1], cutoffs["ko"]))
        for key, members in sorted(groups.items())
    }
    answerable = {part: [q.item for q in parts[part] if q.answerable and q.item.evidence] for part in parts}
    unique = {part: list({item.id: item for item in answerable[part]}.values()) for part in parts}
    phrase_scores = {part: short_answer_scores(phrases, unique[part]) for part in parts}
    phrase_cutoff = choose_short_answer_cutoff(phrase_scores["calibrate"])
    report = {
        "data": f"{args.dev.name}: split by article (eval/split.py)",
        "evidence": by_group,
        "cutoffs": cutoffs,
        "short_answer_cutoff": phrase_cutoff,
        "short_answer_on_gold_sentence": {
            part: short_answer_summary(phrase_scores[part], phrase_cutoff) for part in parts
        },
        "evidence_weights": dict(zip(FEATURES, (round(float(w), 4) for w in evidence.weights), strict=True)),
        "short_answer_splits": split_counts(phrases),
    }
    model = AnswerModel(MODEL_VERSION, evidence, cutoffs, phrases, phrase_cutoff, report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"cut-offs {cutoffs}; wrote {args.out}")


if __name__ == "__main__":
    main()
