"""Do the local store and the PostgreSQL store give the same results? Top-5 agreement and QA metrics side by side.

    python eval/compare_stores.py --database-url postgresql://…/db                       # the seeds QA set
    python eval/compare_stores.py --database-url … --qa DEV/qa.jsonl --qa DEV/unanswerable.jsonl \\
        --corpus DEV/corpus --split test                    # a development set (DEV: its folder)

The corpus is indexed in both stores (the database is rebuilt from it: give it a database of its own). Writes
`eval/reports/stores-<corpus>.md` (or `--out`) and prints it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from assistant.service import Assistant
from assistant.settings import PROJECT_ROOT, Settings
from eval.corpus import corpus_assistant
from eval.qa import QA_PATH, QAItem, load_qa
from eval.runner import run_eval
from eval.split import PARTS, items_in_part

METRICS = (
    "recall@5",
    "evidence_recall",
    "answer_correctness",
    "citation_precision",
    "answered_rate",
    "refusal_accuracy",
    "short_answer_f1",
    "claim_accuracy",
    "latency_p50_ms",
)


def top5_agreement(local: Assistant, shared: Assistant, items: list[QAItem]) -> dict[str, float]:
    """Share of questions with identical top-5 chunk lists, and the mean overlap of the two top-5 sets."""
    questions = [item.question for item in items if item.question]
    identical, overlap = 0, 0.0
    for question in questions:
        a = [r.chunk.chunk_id for r in local.search(question, 5)]
        b = [r.chunk.chunk_id for r in shared.search(question, 5)]
        identical += a == b
        overlap += len(set(a) & set(b)) / max(len(set(a) | set(b)), 1)
    return {"questions": len(questions), "identical": identical / len(questions), "overlap": overlap / len(questions)}


def _metric(summary: dict[str, Any], name: str) -> str:
    value = summary.get(name)
    return "—" if value is None else f"{value:.1f}" if name.endswith("_ms") else f"{value:.3f}"


def report(corpus_name: str, agreement: dict[str, float], summaries: dict[str, dict[str, Any]]) -> str:
    """The comparison as Markdown."""
    lines = [
        f"# Local store vs PostgreSQL + pgvector: {corpus_name}",
        "",
        f"Top-5 chunks over {agreement['questions']:.0f} questions: identical lists {agreement['identical']:.3f}, "
        f"mean overlap (Jaccard) {agreement['overlap']:.3f}.",
        "",
        "| store | " + " | ".join(METRICS) + " |",
        "|---|" + "---|" * len(METRICS),
    ]
    for store, summary in summaries.items():
        lines.append(f"| {store} | " + " | ".join(_metric(summary, m) for m in METRICS) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Index the corpus in both stores, compare, print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="A database of its own: it is rebuilt.")
    parser.add_argument("--qa", type=Path, action="append", help="QA set(s) (default: the seeds QA set).")
    parser.add_argument("--corpus", type=Path, help="Folder of documents (default: the seeds).")
    parser.add_argument("--split", default="all", choices=["all", *PARTS])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    base = Settings(store="local")
    corpus = args.corpus or base.seeds_dir
    local = corpus_assistant(base, corpus) if args.corpus else Assistant(base)
    shared_settings = local.settings.model_copy(update={"store": "postgres", "database_url": args.database_url})
    shared = Assistant(shared_settings)
    shared.ingest([corpus], rebuild=True)
    items = [item for path in args.qa or [QA_PATH] for item in load_qa(path)]
    if args.split != "all":
        items = items_in_part(items, list(local.index.documents.values()), args.split)
    agreement = top5_agreement(local, shared, items)
    summaries = {name: run_eval(assistant, items)[0] for name, assistant in (("local", local), ("postgres", shared))}
    text = report(corpus.name, agreement, summaries)
    out = args.out or PROJECT_ROOT / "eval" / "reports" / f"stores-{corpus.name}.md"
    out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
