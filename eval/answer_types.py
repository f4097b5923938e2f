"""How well the answer-type filter (`assistant/question_types.py`) keeps the sentences that answer.

The filter is hard: a question that asks for a date, an amount, a number... only considers sentences holding one,
so a gold sentence it drops is a question answered wrong or refused. For each part of a KorQuAD-style development
set (split by article, `eval/split.py`) and each kind, this prints how many questions the filter applies to, how
many of their gold evidence sentences it keeps, and how many of their document's sentences it keeps (the smaller,
the more it narrows the choice).

Usage: python eval/answer_types.py --dev DIR [--part fit --part calibrate] [--qa FILE --corpus DIR]
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant.question_types import expected_answer_type, sentence_answers_type
from assistant.settings import Settings
from eval.corpus import corpus_assistant
from eval.qa import QAItem, load_qa
from eval.split import PARTS, items_in_part
from index.chunking import document_sentences_many
from index.documents import SourceDocument


def filter_table(items: list[QAItem], documents: list[SourceDocument], title: str) -> Table:
    """Per kind: questions typed, the share of gold sentences kept, the mean share of document sentences kept."""
    asked = {item.doc for item in items}
    wanted = [document for document in documents if document.source in asked]
    sentences = {  # each document split once, all in one Kiwi call
        document.source: [document.text[s.start : s.end] for s in spans]
        for document, spans in zip(wanted, document_sentences_many([d.text for d in wanted]), strict=True)
    }
    rows: dict[str, list[tuple[bool, float]]] = defaultdict(list)
    for item in items:
        answer_type = expected_answer_type(item.final_question)
        if answer_type is None or item.doc not in sentences or not item.evidence:
            continue
        own = sentences[item.doc]
        kept = sum(sentence_answers_type(sentence, answer_type) for sentence in own) / max(len(own), 1)
        rows[answer_type.name].append((sentence_answers_type(item.evidence, answer_type), kept))
    table = Table(title=f"{title}: {len(items)} answerable questions")
    for column in ("kind", "questions", "gold sentence kept", "document sentences kept"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for kind, results in sorted(rows.items()):
        gold = sum(ok for ok, _ in results) / len(results)
        table.add_row(kind, str(len(results)), f"{gold:.3f}", f"{sum(k for _, k in results) / len(results):.3f}")
    every = [result for results in rows.values() for result in results]
    if every:
        missed = sum(not ok for ok, _ in every)
        table.add_row("all", str(len(every)), f"{1 - missed / len(every):.3f} ({missed} dropped)", "")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, help="KorQuAD-style folder: corpus/, qa.jsonl")
    parser.add_argument("--part", action="append", choices=PARTS, help="Parts of --dev to report (default: all).")
    parser.add_argument("--qa", type=Path, help="Another QA set, reported whole (with --corpus).")
    parser.add_argument("--corpus", type=Path, help="The documents of --qa.")
    args = parser.parse_args()
    console = Console()
    if args.dev:
        documents = list(corpus_assistant(Settings(), args.dev / "corpus").index.documents.values())
        items = [item for item in load_qa(args.dev / "qa.jsonl") if item.answerable]
        for part in args.part or PARTS:
            console.print(filter_table(items_in_part(items, documents, part), documents, f"{args.dev.name} {part}"))
    if args.qa and args.corpus:
        documents = list(corpus_assistant(Settings(), args.corpus).index.documents.values())
        items = [item for item in load_qa(args.qa) if item.answerable]
        console.print(filter_table(items, documents, args.qa.name))


if __name__ == "__main__":
    main()
