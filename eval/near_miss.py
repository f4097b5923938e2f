"""Near-miss questions from development data: a question asked of its own article with the sentence that
answers it taken out.

KorQuAD's unanswerable questions are easy to refuse (nothing retrieved is about them); a journalist's are
not: the documents name the plant, the person or the law, but not the fact asked for. Taking the evidence
sentence out of an otherwise unchanged corpus makes such a question from every answerable one. A question is
used only when its answer is nowhere else in its article, and each round removes at most one evidence
sentence per article, so every other question of the round still has its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from eval.qa import QAItem


def _article_texts(corpus: Path) -> dict[str, str]:
    """Each file's text by file name (an article is the files sharing their first line, the title)."""
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(corpus.iterdir()) if path.is_file()}


def removable(item: QAItem, text: str, article: str) -> bool:
    """True when the item's evidence stands once in its file's `text` and, taken out of the whole `article`
    (every file with the same title line), leaves no copy of the answer."""
    evidence = item.evidence or ""
    if not evidence or not item.answer or text.count(evidence) != 1:
        return False
    return item.answer not in article.replace(evidence, " ")


def near_miss_rounds(corpus: Path, items: list[QAItem], rounds: int) -> list[dict[str, QAItem]]:
    """Up to `rounds` groups of answerable items, at most one per file, each removable from its article;
    items are taken in a fixed pseudo-random order so rounds do not favour the first questions of a file."""
    return _rounds(_article_texts(corpus), items, rounds)


def _rounds(texts: dict[str, str], items: list[QAItem], rounds: int) -> list[dict[str, QAItem]]:
    titles = {name: text.split("\n", 1)[0] for name, text in texts.items()}
    articles: dict[str, str] = {}
    for name, text in texts.items():
        articles[titles[name]] = articles.get(titles[name], "") + "\n" + text
    queues: dict[str, list[QAItem]] = {}
    ordered = sorted(items, key=lambda item: hashlib.sha256(item.id.encode("utf-8")).hexdigest())
    for item in ordered:
        if item.doc in texts and removable(item, texts[item.doc], articles[titles[item.doc]]):
            queues.setdefault(item.doc, []).append(item)
    return [
        {doc: queue[number] for doc, queue in sorted(queues.items()) if number < len(queue)}
        for number in range(rounds)
    ]


def _write_round(texts: dict[str, str], chosen: dict[str, QAItem], out: Path) -> Path:
    """A copy of the corpus (`texts` by file name) in `out` with the evidence sentence of each chosen item taken
    out of its file (files are rewritten only when they changed, so an index built from an earlier run stays
    valid)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        if name in chosen:
            text = text.replace(chosen[name].evidence or "", " ")
        target = out / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    return out


def near_miss_corpora(corpus: Path, items: list[QAItem], rounds: int, out: Path) -> Iterator[tuple[Path, list[QAItem]]]:
    """Each round's corpus copy (under `out`) and the items to ask of it."""
    texts = _article_texts(corpus)
    for number, chosen in enumerate(_rounds(texts, items, rounds), start=1):
        yield _write_round(texts, chosen, out / f"round-{number:02d}"), list(chosen.values())
