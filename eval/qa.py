"""The QA set's schema, loading, and locating each gold evidence quote in the cleaned documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from index.documents import SourceDocument
from index.language import detect_language

QA_PATH = Path(__file__).resolve().parent / "qa.jsonl"
ItemType = Literal["factoid", "numeric", "list", "crosslingual", "unanswerable", "conversation", "claim"]


class QAItem(BaseModel):
    """One evaluation item. Conversations use `turns`, claims `claim` and `verdict`, the rest `question`.

    External sets (KorQuAD-style `{id, question, answer, doc, evidence}` lines, or `{id, question}` for an
    unanswerable question) may leave out `type` and `lang`: an item with a `doc` is a factoid, one without is
    unanswerable, and the language is the question's.
    """

    id: str
    type: ItemType
    lang: Literal["ko", "en"]
    question: str | None = None
    turns: list[str] | None = None
    claim: str | None = None
    verdict: Literal["supported", "contradicted", "not_found"] | None = None
    conflict: str | None = None
    answer: str
    doc: str | None = Field(None, description="Gold source file name; null when the documents lack the answer.")
    evidence: str | None = Field(None, description="Verbatim quote of the source that answers.")

    @model_validator(mode="before")
    @classmethod
    def _infer_type_and_language(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("question"):
            data = dict(data)
            data.setdefault("type", "factoid" if data.get("doc") else "unanswerable")
            data.setdefault("lang", detect_language(data["question"]))
            data.setdefault("answer", "")
        return data

    @model_validator(mode="after")
    def _consistent(self) -> QAItem:
        if self.type == "conversation" and not (self.turns and len(self.turns) >= 2):
            raise ValueError(f"{self.id}: a conversation needs two or more turns")
        if self.type == "claim" and not (self.claim and self.verdict):
            raise ValueError(f"{self.id}: a claim needs `claim` and `verdict`")
        if self.type not in ("conversation", "claim") and not self.question:
            raise ValueError(f"{self.id}: needs a question")
        answerable = self.type != "unanswerable" and self.verdict != "not_found"
        if answerable != bool(self.doc and self.evidence):
            raise ValueError(f"{self.id}: `doc` and `evidence` are required exactly when the item is answerable")
        return self

    @property
    def answerable(self) -> bool:
        """True when the documents hold the answer."""
        return self.doc is not None

    @property
    def final_question(self) -> str:
        """The text asked last: the question, the last turn, or the claim."""
        return self.question or (self.turns[-1] if self.turns else None) or self.claim or ""


def load_qa(path: Path = QA_PATH) -> list[QAItem]:
    """Every item of a QA file, validated; ids must be unique."""
    items = [QAItem.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = [item.id for item in items]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate ids in {path}: {sorted(duplicates)}")
    return items


def evidence_span(item: QAItem, documents: list[SourceDocument]) -> tuple[SourceDocument, int, int] | None:
    """Where the item's evidence stands in the cleaned text of its gold document, or None."""
    if not item.answerable:
        return None
    for document in documents:
        if document.source == item.doc:
            start = document.text.find(item.evidence or "")
            if start >= 0:
                return document, start, start + len(item.evidence or "")
    return None
