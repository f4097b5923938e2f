"""The extractive answerer: pick the sentences that answer the question and cite each one.

No LLM is involved. Candidate sentences come from the top retrieved chunks; each is scored by the
cosine between the question and the sentence (the same multilingual model, so English questions
match Korean sentences) plus a little lexical overlap. A sentence can only answer if its document
names every region the question names and it holds the kind of value asked for (an amount, a date,
a count...). When the best sentence is weak, the answer says the documents do not contain it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel, Field

from assistant.citations import Citation, cite
from assistant.injection import can_be_evidence
from assistant.question_types import AnswerType, expected_answer_type, sentence_answers_type
from index.chunking import Sentence, document_sentences
from index.documents import SourceDocument
from index.korean import tokenize
from index.language import detect_language
from index.regions import find_regions
from index.retriever import ScoredChunk, SearchEngine

NOT_FOUND = {"ko": "문서에서 찾을 수 없습니다.", "en": "Not found in the documents."}
KOREAN_SOURCES_NOTE = "The sources are in Korean; the cited sentences say:"
LEXICAL_WEIGHT = 0.1
SELECTION_MARGIN = 0.03


class Answer(BaseModel):
    """The `rag ask --json` object."""

    answer: str
    language: str = Field(description="Language of the question and the answer: ko or en.")
    grounded: bool = Field(description="False when the documents do not contain the answer.")
    generator: str = "extractive"
    citations: list[Citation] = []
    session_id: str | None = None
    query: str = Field("", description="The standalone query used for retrieval.")
    warnings: list[str] = Field(
        default_factory=list,
        description="What went wrong on the way (LLM unreachable, sentences dropped by the check, fallback).",
    )


@dataclass
class AnswerEvent:
    """One step of a streamed answer: a piece of text (`token`), or the final, checked `answer`."""

    kind: Literal["token", "answer"]
    text: str = ""
    answer: Answer | None = None


class Generator(Protocol):
    """What produces answers: the extractive answerer, or an LLM with the extractive one as fallback."""

    name: str

    def stream(self, question: str, retrieval_query: str) -> Iterator[AnswerEvent]:
        """Tokens as they come, then exactly one final `answer` event."""
        ...


def stream_text(answer: Answer) -> Iterator[AnswerEvent]:
    """A finished answer as a stream: its words as tokens, then the answer itself."""
    for word in re.findall(r"\S+\s*", answer.answer):
        yield AnswerEvent("token", word)
    yield AnswerEvent("answer", answer=answer)


@dataclass
class ScoredSentence:
    """A candidate answer sentence and where it came from."""

    document: SourceDocument
    start: int
    end: int
    chunk_rank: int
    score: float

    @property
    def text(self) -> str:
        """The sentence itself."""
        return self.document.text[self.start : self.end]


def _normalised(text: str) -> str:
    return re.sub(r"\W+", "", text).lower()


class ExtractiveAnswerer:
    """Answers from retrieved chunks by quoting their best sentences."""

    name = "extractive"

    def __init__(
        self,
        engine: SearchEngine,
        *,
        top_k: int = 5,
        max_sentences: int = 3,
        threshold: float = 0.867,
        crosslingual_threshold: float = 0.778,
    ) -> None:
        self.engine = engine
        self.top_k = top_k
        self.max_sentences = max_sentences
        self.threshold = threshold
        self.crosslingual_threshold = crosslingual_threshold
        self._sentences: dict[str, list[Sentence]] = {}
        self._features: dict[str, tuple[np.ndarray, frozenset[str]]] = {}  # by sentence text
        self._featured: set[str] = set()  # doc_ids whose sentences are in `_features`

    def _document_sentences(self, document: SourceDocument) -> list[Sentence]:
        if document.doc_id not in self._sentences:
            self._sentences[document.doc_id] = document_sentences(document.text)
        return self._sentences[document.doc_id]

    def _sentence_features(self, document: SourceDocument, text: str) -> tuple[np.ndarray, frozenset[str]]:
        """A sentence's passage vector and search tokens; the whole document's are computed on first use."""
        if document.doc_id not in self._featured:
            texts = [document.text[s.start : s.end] for s in self._document_sentences(document)]
            vectors = self.engine.embedder.encode_passages(texts)
            self._features.update((t, (v, frozenset(tokenize(t)))) for t, v in zip(texts, vectors, strict=True))
            self._featured.add(document.doc_id)
        return self._features[text]

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Passage vectors of `texts`, reusing those of the document sentences already scored (the guardrail
        checks a generated answer against the very sentences the answerer has just encoded)."""
        missing = [text for text in dict.fromkeys(texts) if text not in self._features]
        fresh = dict(zip(missing, self.engine.embedder.encode_passages(missing), strict=True)) if missing else {}
        return np.stack([self._features[text][0] if text in self._features else fresh[text] for text in texts])

    def scored_sentences(
        self,
        query: str,
        results: list[ScoredChunk],
        query_vector: np.ndarray,
        answer_type: AnswerType | None = None,
        regions: set[str] | frozenset[str] = frozenset(),
    ) -> list[ScoredSentence]:
        """Every sentence of the retrieved chunks that may answer, scored against the query, best first.
        Only sentences holding a value of `answer_type` count, and only from documents naming all `regions`."""
        seen: set[tuple[str, int]] = set()
        candidates: list[ScoredSentence] = []
        for result in results:
            document = result.document
            if not regions <= set(document.regions):
                continue
            for sentence in self._document_sentences(document):
                key = (document.doc_id, sentence.start)
                inside = result.chunk.start <= sentence.start and sentence.end <= result.chunk.end
                if not inside or sentence.is_heading or key in seen:
                    continue
                seen.add(key)
                text = document.text[sentence.start : sentence.end]
                if not can_be_evidence(document, text):
                    continue
                if sentence_answers_type(text, answer_type):
                    candidates.append(ScoredSentence(document, sentence.start, sentence.end, result.rank, 0.0))
        if not candidates:
            return []
        question_tokens = set(tokenize(query))
        for candidate in candidates:
            vector, tokens = self._sentence_features(candidate.document, candidate.text)
            overlap = len(question_tokens & tokens) / max(len(question_tokens), 1)
            candidate.score = float(np.dot(vector, query_vector)) + LEXICAL_WEIGHT * overlap
        return sorted(candidates, key=lambda c: -c.score)

    def _select(self, ranked: list[ScoredSentence]) -> list[ScoredSentence]:
        best = ranked[0].score
        chosen: list[ScoredSentence] = []
        seen_text: set[str] = set()
        for candidate in ranked:
            if len(chosen) == self.max_sentences or candidate.score < best - SELECTION_MARGIN:
                break
            key = _normalised(candidate.text)
            if key in seen_text:
                continue
            seen_text.add(key)
            chosen.append(candidate)
        # Reading order: documents in retrieval order, sentences in text order.
        return sorted(chosen, key=lambda c: (c.chunk_rank, c.document.doc_id, c.start))

    def threshold_for(self, question_language: str, sentence: str) -> float:
        """The refusal threshold: cross-lingual similarities run lower than same-language ones."""
        same = detect_language(sentence) == question_language
        return self.threshold if same else self.crosslingual_threshold

    def answer(self, question: str, retrieval_query: str | None = None) -> Answer:
        """Answer `question` (retrieving with `retrieval_query` when a rewritten one is given)."""
        language = detect_language(question)
        query = retrieval_query or question
        query_vector = self.engine.embed_query(query)
        results = self.engine.search(query, self.top_k, query_vector=query_vector)
        ranked = self.scored_sentences(
            query, results, query_vector, expected_answer_type(question), set(find_regions(query))
        )
        if not ranked or ranked[0].score < self.threshold_for(language, ranked[0].text):
            return Answer(answer=NOT_FOUND[language], language=language, grounded=False, query=query)
        chosen = self._select(ranked)
        citations = [cite(n, c.document, c.start, c.end) for n, c in enumerate(chosen, start=1)]
        body = " ".join(f"{c.quote} [{c.n}]" for c in citations)
        if language == "en" and any(detect_language(c.quote) == "ko" for c in citations):
            body = f"{KOREAN_SOURCES_NOTE} {body}"
        return Answer(answer=body, language=language, grounded=True, citations=citations, query=query)

    def stream(self, question: str, retrieval_query: str) -> Iterator[AnswerEvent]:
        """The answer as a stream (it is complete before the first token)."""
        yield from stream_text(self.answer(question, retrieval_query))
