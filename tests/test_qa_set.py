"""The evaluation set eval/qa.jsonl: schema, coverage of question types, and verbatim gold evidence."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.service import Assistant
from eval.qa import QA_PATH, QAItem, evidence_span, load_qa
from index.cleaning import clean_text
from index.loaders import load_file
from tests.conftest import SEEDS_DIR

ITEMS = load_qa()
ANSWERABLE = [item for item in ITEMS if item.answerable]
REQUIRED_TYPES = {"factoid", "numeric", "list", "unanswerable", "crosslingual", "conversation", "claim"}


@cache
def raw_seed(name: str) -> str:
    """A seed file's raw text, read the way ingest reads it."""
    return load_file(SEEDS_DIR / name, max_bytes=20_000_000)


@cache
def cleaned_seed(name: str) -> str:
    """The cleaned text of a seed file: what the index stores and citations point into."""
    return clean_text(raw_seed(name)).text


def test_qa_file_loads_with_unique_ids_and_enough_items() -> None:
    lines = [line for line in QA_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(ITEMS) == len(lines) >= 40
    ids = [item.id for item in ITEMS]
    assert len(set(ids)) == len(ids)


def test_qa_set_covers_both_languages_and_every_question_type() -> None:
    types = Counter(item.type for item in ITEMS)
    assert set(types) == REQUIRED_TYPES, f"missing: {REQUIRED_TYPES - set(types)}"
    languages = Counter(item.lang for item in ITEMS)
    assert languages["ko"] >= 10 and languages["en"] >= 10, languages
    # Both directions of the multilingual set: Korean items and English questions over Korean sources.
    assert any(item.type == "crosslingual" and item.lang == "en" for item in ITEMS)
    verdicts = {item.verdict for item in ITEMS if item.type == "claim"}
    assert verdicts == {"supported", "contradicted", "not_found"}, verdicts


def test_every_named_document_is_a_seed_file() -> None:
    seeds = {path.name for path in SEEDS_DIR.iterdir()}
    named = {item.doc for item in ANSWERABLE}
    assert named <= seeds, f"unknown documents: {named - seeds}"
    # The gold set draws on the whole corpus, not one article.
    assert len(named) == len(seeds)


def test_unanswerable_items_name_no_evidence() -> None:
    for item in ITEMS:
        if item.type == "unanswerable" or item.verdict == "not_found":
            assert item.doc is None and item.evidence is None, item.id
            assert not item.answerable


@pytest.mark.parametrize("item", ANSWERABLE, ids=lambda item: item.id)
def test_evidence_is_verbatim_in_raw_and_cleaned_seed(item: QAItem) -> None:
    assert item.evidence and item.doc
    assert item.evidence.strip() == item.evidence, "evidence has surrounding blanks"
    assert item.evidence in raw_seed(item.doc), "evidence is not verbatim in the raw seed file"
    assert item.evidence in cleaned_seed(item.doc), "evidence does not survive cleaning (citations use cleaned text)"


def test_evidence_span_locates_every_answerable_item_in_the_index(seed_assistant: Assistant) -> None:
    documents = list(seed_assistant.index.documents.values())
    for item in ANSWERABLE:
        found = evidence_span(item, documents)
        assert found is not None, item.id
        document, start, end = found
        assert document.source == item.doc
        assert document.text[start:end] == item.evidence
    unanswerable = next(item for item in ITEMS if not item.answerable)
    assert evidence_span(unanswerable, documents) is None


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    return path


def test_load_qa_rejects_duplicate_ids(tmp_path: Path) -> None:
    row = {"id": "x-1", "type": "factoid", "lang": "en", "question": "q?", "answer": "a", "doc": "d", "evidence": "e"}
    with pytest.raises(ValueError, match="duplicate ids"):
        load_qa(_write(tmp_path / "qa.jsonl", [row, row]))


GOOD = {"id": "x", "type": "factoid", "lang": "en", "question": "q?", "answer": "a", "doc": "d", "evidence": "e"}


@pytest.mark.parametrize(
    "changes",
    [
        {"doc": None, "evidence": None},  # answerable without evidence
        {"type": "unanswerable"},  # unanswerable yet naming evidence
        {"type": "conversation", "question": None, "turns": ["only one turn"]},
        {"type": "claim", "question": None, "claim": "a claim"},  # no verdict
        {"question": None},
        {"type": "trivia"},
        {"lang": "fr"},
    ],
    ids=["no-evidence", "unanswerable-with-doc", "one-turn", "claim-no-verdict", "no-question", "bad-type", "bad-lang"],
)
def test_schema_rejects_inconsistent_items(tmp_path: Path, changes: dict[str, object]) -> None:
    assert QAItem.model_validate(GOOD).answerable  # the base item is valid; each change alone breaks it
    with pytest.raises(ValidationError):
        load_qa(_write(tmp_path / "qa.jsonl", [{**GOOD, **changes}]))
