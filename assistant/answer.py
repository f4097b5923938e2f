"""The extractive answerer: pick the sentences that answer the question and cite each one.

No LLM is involved. Candidate sentences come from the top retrieved chunks; the answer model
(`assistant/answer_model.py`, fitted on development data) gives each the probability that it answers.
A sentence can only answer if its document names every region the question names and it holds the kind
of value asked for (an amount, a date, a count...). The best sentence is cited (more only when nearly as
likely), with the phrase that answers as the short answer; when even the best is below the language's
cut-off, the answer says the documents do not contain it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel, Field

from assistant.anaphora import opens_with_pointer
from assistant.another import CitedSpan, was_shown
from assistant.answer_model import (
    AnswerModel,
    Candidate,
    QueryTerm,
    QueryView,
    evidence_probabilities,
    feature_matrix,
    load_answer_model,
    token_bigrams,
)
from assistant.citations import Citation, cite
from assistant.english_render import bilingual_in
from assistant.injection import can_be_evidence
from assistant.narrowing import shown_extent
from assistant.question_types import AnswerType, expected_answer_type, sentence_answers_type
from assistant.short_answer import answer_likeness, best_span, character_bigrams, question_cues
from assistant.tables import asked_cell, first_row
from index.chunking import Sentence, document_sentences
from index.documents import SourceDocument
from index.formats.base import is_row_line
from index.korean import tokenize
from index.language import detect_language
from index.regions import find_regions, with_parents
from index.search import ScoredChunk, SearchEngine
from index.translation import query_word_forms

NOT_FOUND = {"ko": "문서에서 찾을 수 없습니다.", "en": "Not found in the documents."}
RELATED_PASSAGES = 2  # closest sentences shown with a refusal
KOREAN_SOURCES_NOTE = "The sources are in Korean; the cited sentences say:"
PARAGRAPH_CONTEXT = 3  # sentences (table rows) before a candidate in its paragraph that may name what it is about
ALSO_CITE = 0.5  # a further sentence is cited only when it is at least half as likely to answer as the best
# A follow-up's words carried over from the conversation weigh this share of their IDF in the lexical evidence
# features (retrieval uses them whole): they name the subject, not what is asked now. Chosen among 0, 0.1, 0.25,
# 0.5 and 1 on the KorQuAD follow-ups of the fit articles (`rag eval --follow-ups --split fit`).
CARRIED_TERM_WEIGHT = 0.25


class ShortAnswerSpan(BaseModel):
    """Where the short answer stands: character offsets into a cited document's cleaned text."""

    doc_id: str
    start: int
    end: int


class Answer(BaseModel):
    """The `rag ask --json` object."""

    answer: str
    language: str = Field(description="Language of the question and the answer: ko or en.")
    grounded: bool = Field(description="False when the documents do not contain the answer.")
    generator: str = "extractive"
    short_answer: str | None = Field(
        None,
        description="The exact phrase that answers (an amount, a date, a name...), quoted from the first citation; "
        "for an English question, numbers, amounts and dates also in English: `KRW 49.7 billion (497억원)`.",
    )
    short_answer_span: ShortAnswerSpan | None = Field(
        None, description="The short answer's place inside a cited sentence (the Korean phrase itself)."
    )
    citations: list[Citation] = []
    related: list[Citation] = Field(
        default_factory=list,
        description="Only when the documents do not hold the answer: the closest sentences found (at most "
        "RELATED_PASSAGES), for the reader to check; they do not answer the question well enough to be cited.",
    )
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

    def stream(
        self, question: str, retrieval_query: str, shown: frozenset[CitedSpan] = frozenset()
    ) -> Iterator[AnswerEvent]:
        """Tokens as they come, then exactly one final `answer` event; the `shown` sentences (already cited to a
        question asking for another one) are not cited again."""
        ...


def stream_text(answer: Answer) -> Iterator[AnswerEvent]:
    """A finished answer as a stream: its words as tokens, then the answer itself."""
    for word in re.findall(r"\S+\s*", answer.answer):
        yield AnswerEvent("token", word)
    yield AnswerEvent("answer", answer=answer)


@dataclass
class ScoredSentence:
    """A candidate answer sentence, where it came from, and the evidence model's probability that it answers."""

    document: SourceDocument
    start: int
    end: int
    chunk_rank: int
    index: int  # its place among the document's sentences
    score: float = 0.0

    @property
    def text(self) -> str:
        """The sentence itself."""
        return self.document.text[self.start : self.end]


@dataclass(frozen=True)
class SentenceTokens:
    """What is computed once per sentence from its morphemes: search tokens, their counts and pairs."""

    tokens: frozenset[str]
    counts: dict[str, int]
    bigrams: frozenset[tuple[str, str]]


def _normalised(text: str) -> str:
    return re.sub(r"\W+", "", text).lower()


def _about_asked_regions(sentence: str, asked: set[str]) -> bool:
    """False for a sentence that names regions, none of them (or their provinces) among the `asked` ones."""
    if not asked:
        return True
    named = with_parents(find_regions(sentence))
    return not named or bool(asked.intersection(named))


class ExtractiveAnswerer:
    """Answers from retrieved chunks by quoting the sentence the evidence model likes best."""

    name = "extractive"

    def __init__(
        self,
        engine: SearchEngine,
        *,
        top_k: int = 5,
        max_sentences: int = 3,
        model: AnswerModel | None = None,
    ) -> None:
        self.engine = engine
        self.top_k = top_k
        self.max_sentences = max_sentences
        self._model = model
        self._sentences: dict[str, list[Sentence]] = {}
        self._vectors: dict[str, np.ndarray] = {}  # passage vectors by sentence text
        self._tokens: dict[str, SentenceTokens] = {}  # by sentence text
        self._chunk_token_sets: dict[str, frozenset[str]] = {}

    @property
    def model(self) -> AnswerModel:
        """The evidence model (the shipped one unless another was given)."""
        if self._model is None:
            self._model = load_answer_model()
        return self._model

    def _document_sentences(self, document: SourceDocument) -> list[Sentence]:
        if document.doc_id not in self._sentences:
            self._sentences[document.doc_id] = document_sentences(document.text)
        return self._sentences[document.doc_id]

    def _sentence_tokens(self, text: str) -> SentenceTokens:
        """A sentence's search tokens, their counts and pairs (computed once)."""
        if text not in self._tokens:
            tokens = tokenize(text)
            self._tokens[text] = SentenceTokens(frozenset(tokens), Counter(tokens), token_bigrams(tokens))
        return self._tokens[text]

    def _chunk_tokens(self, result: ScoredChunk) -> frozenset[str]:
        """The search tokens of a retrieved chunk (the paragraph a sentence stands in)."""
        key = result.chunk.chunk_id
        if key not in self._chunk_token_sets:
            self._chunk_token_sets[key] = frozenset(tokenize(result.chunk.text))
        return self._chunk_token_sets[key]

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Passage vectors of `texts`, encoding in one batch only those not seen before (the guardrail checks a
        generated answer against the very sentences the answerer has just encoded)."""
        missing = [text for text in dict.fromkeys(texts) if text not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self.engine.embedder.encode_passages(missing), strict=True))
        return np.stack([self._vectors[text] for text in texts])

    def query_view(self, query: str, question: str | None = None) -> QueryView:
        """The query's words as search forms (English words with their Korean translations) with their IDF in
        the index (the mean IDF of the forms the index knows; an unseen word counts as rare), its token pairs
        and its character pairs. Words of a rewritten follow-up that the `question` asked does not hold (carried
        over from the conversation) weigh CARRIED_TERM_WEIGHT of their IDF."""
        index = self.engine.data
        asked = frozenset().union(*query_word_forms(question)) if question and question != query else None
        terms = []
        for forms in query_word_forms(query):
            known = [index.idf(form) for form in forms if index.knows(form)]
            idf = sum(known) / len(known) if known else index.idf("")
            carried = asked is not None and not forms & asked
            terms.append(QueryTerm(frozenset(forms), idf * CARRIED_TERM_WEIGHT if carried else idf))
        return QueryView(terms, token_bigrams(tokenize(query)), character_bigrams(query))

    def _candidate(self, result: ScoredChunk, index: int, cosine: float, likeness: float) -> Candidate:
        """The evidence inputs of the `index`-th sentence of a retrieved chunk's document."""
        document = result.document
        all_sentences = self._document_sentences(document)
        text = document.text[all_sentences[index].start : all_sentences[index].end]
        features = self._sentence_tokens(text)
        neighbours = [
            self._sentence_tokens(document.text[s.start : s.end]).tokens if s else frozenset()
            for s in (
                all_sentences[index - 1] if index > 0 else None,
                all_sentences[index + 1] if index + 1 < len(all_sentences) else None,
            )
        ]
        return Candidate(
            text=text,
            cosine=cosine,
            tokens=features.tokens,
            term_counts=features.counts,
            length=len(text),
            chunk_rank=result.rank,
            previous_tokens=neighbours[0],
            next_tokens=neighbours[1],
            bigrams=features.bigrams,
            answer_likeness=likeness,
            title_tokens=frozenset(tokenize(document.title)),
            chunk_tokens=self._chunk_tokens(result),
            chunk_cosine=result.dense_score or 0.0,
            paragraph_tokens=self._paragraph_tokens(document, all_sentences, index),
            opens_with_pointer=opens_with_pointer(text),
        )

    def _paragraph_tokens(self, document: SourceDocument, sentences: list[Sentence], index: int) -> frozenset[str]:
        """The tokens of the (up to PARAGRAPH_CONTEXT) sentences before the `index`-th in its paragraph; a
        table's rows are one paragraph, and a row's context also holds the table's first row, which names
        what its columns are about (`구 분 | 해누리호 | 기존 관측선` above `총 길이 | 41.5 m | 28.0 m`)."""
        text = document.text
        lowest = max(0, index - PARAGRAPH_CONTEXT)
        if is_row_line(text[sentences[index].start : sentences[index].end]):
            first = first_row(text, sentences, index)
            context = sentences[max(first, lowest) : index] + ([sentences[first]] if first < lowest else [])
        else:
            first = index
            while first > lowest and "\n" not in text[sentences[first - 1].end : sentences[first].start]:
                first -= 1
            context = sentences[first:index]
        tokens: set[str] = set()
        for sentence in context:
            tokens |= self._sentence_tokens(text[sentence.start : sentence.end]).tokens
        return frozenset(tokens)

    def candidate_features(
        self,
        query: str,
        results: list[ScoredChunk],
        query_vector: np.ndarray,
        answer_type: AnswerType | None = None,
        regions: set[str] | frozenset[str] = frozenset(),
        question: str | None = None,
    ) -> tuple[list[ScoredSentence], np.ndarray]:
        """Every sentence of the retrieved chunks that may be evidence, with its row of evidence features.
        Only documents naming all `regions` count, and in them no sentence that names only other regions (a
        question about Daegu is not answered by what Gyeonggi does); only sentences holding a value of
        `answer_type` count; headlines and injected instructions never do. `question` is what was asked, when
        `query` is its rewrite as a follow-up (see `query_view`)."""
        asked = set(with_parents(list(regions)))
        seen: set[tuple[str, int]] = set()
        picked: list[tuple[ScoredChunk, int]] = []  # (retrieved chunk, index of the sentence in its document)
        for result in results:
            if not regions <= set(result.document.regions):
                continue
            for index, sentence in enumerate(self._document_sentences(result.document)):
                key = (result.document.doc_id, sentence.start)
                inside = result.chunk.start <= sentence.start and sentence.end <= result.chunk.end
                if not inside or sentence.is_heading or key in seen:
                    continue
                seen.add(key)
                text = result.document.text[sentence.start : sentence.end]
                # A "how much / when / how many" question is answered only by a sentence holding such a value.
                if (
                    can_be_evidence(result.document, text)
                    and sentence_answers_type(text, answer_type)
                    and _about_asked_regions(text, asked)
                ):
                    picked.append((result, index))
        sentences = []
        for result, index in picked:
            span = self._document_sentences(result.document)[index]
            sentences.append(ScoredSentence(result.document, span.start, span.end, result.rank, index))
        # Only the candidates are encoded (in one batch); their neighbours need tokens only.
        cosines = self.encode_passages([s.text for s in sentences]) @ query_vector if sentences else np.zeros(0)
        likeness = answer_likeness([s.text for s in sentences], question_cues(query), self.model.short_answer)
        candidates = [
            self._candidate(result, index, float(cosine), phrase)
            for (result, index), cosine, phrase in zip(picked, cosines, likeness, strict=True)
        ]
        english = detect_language(query) == "en"
        view = self.query_view(query, question)
        return sentences, feature_matrix(candidates, view, answer_type is not None, english)

    def cutoff(self, language: str) -> float:
        """The evidence probability below which a question in `language` is refused."""
        return self.model.cutoff(language)

    def _select(self, ranked: list[ScoredSentence], language: str) -> list[ScoredSentence]:
        """The best sentence, and more only when they are nearly as likely to answer (a list spread over
        sentences, a two-part question)."""
        best = ranked[0].score
        chosen = [ranked[0]]
        seen_text = {_normalised(ranked[0].text)}
        for candidate in ranked[1:]:
            if len(chosen) == self.max_sentences or candidate.score < max(self.cutoff(language), ALSO_CITE * best):
                break
            key = _normalised(candidate.text)
            if key not in seen_text:
                seen_text.add(key)
                chosen.append(candidate)
        # Reading order: documents in retrieval order, sentences in text order.
        return sorted(chosen, key=lambda c: (c.chunk_rank, c.document.doc_id, c.start))

    def candidates(
        self, question: str, query: str, exclude_docs: frozenset[str] = frozenset()
    ) -> tuple[list[ScoredSentence], np.ndarray]:
        """The candidate sentences for a question (retrieved with `query`) and their evidence features.
        `exclude_docs` leaves documents out of the retrieved chunks (development data: a question whose
        article is missing is an unanswerable one)."""
        query_vector = self.engine.embed_query(query)
        results = self.engine.search(query, self.top_k + len(exclude_docs), query_vector=query_vector)
        if exclude_docs:
            kept = [r for r in results if r.document.doc_id not in exclude_docs][: self.top_k]
            results = [replace(r, rank=rank) for rank, r in enumerate(kept, start=1)]
        return self.candidate_features(
            query, results, query_vector, expected_answer_type(question), set(find_regions(query)), question
        )

    def ranked(self, question: str, query: str) -> list[ScoredSentence]:
        """The candidate sentences scored by the evidence model, best first."""
        sentences, matrix = self.candidates(question, query)
        for sentence, probability in zip(sentences, evidence_probabilities(self.model.evidence, matrix), strict=True):
            sentence.score = float(probability)
        return sorted(sentences, key=lambda c: -c.score)

    def answer(
        self, question: str, retrieval_query: str | None = None, shown: frozenset[CitedSpan] = frozenset()
    ) -> Answer:
        """Answer `question` (retrieving with `retrieval_query` when a rewritten one is given) with sentences
        other than the `shown` ones."""
        language = detect_language(question)
        query = retrieval_query or question
        ranked = [s for s in self.ranked(question, query) if not was_shown(s.document.doc_id, s.start, s.end, shown)]
        if not ranked or ranked[0].score < self.cutoff(language):
            related = [cite(n, c.document, c.start, c.end) for n, c in enumerate(ranked[:RELATED_PASSAGES], start=1)]
            return Answer(answer=NOT_FOUND[language], language=language, grounded=False, related=related, query=query)
        chosen = self._select(ranked, language)
        citations = [cite(n, c.document, c.start, c.end) for n, c in enumerate(chosen, start=1)]
        body = " ".join(f"{c.quote} [{c.n}]" for c in citations)
        if language == "en" and any(detect_language(c.quote) == "ko" for c in citations):
            body = f"{KOREAN_SOURCES_NOTE} {body}"
        span = self.short_answer_span(question, chosen)
        short = None
        if span is not None:
            short = self.engine.data.documents[span.doc_id].text[span.start : span.end]
            if language == "en":  # figures read in their sentence: the 470 of 497억원(국비 470, …) is KRW 47 billion
                home = next(c for c in chosen if c.document.doc_id == span.doc_id and c.start <= span.start < c.end)
                short = bilingual_in(home.text, span.start - home.start, span.end - home.start)
            body = f"{short}\n{body}"
        return Answer(
            answer=body, language=language, grounded=True, short_answer=short, short_answer_span=span,
            citations=citations, query=query,
        )

    def short_answer_span(self, question: str, cited: list[ScoredSentence]) -> ShortAnswerSpan | None:
        """The phrase of the cited sentences most likely to answer `question`, as document offsets: the highest
        phrase probability times its sentence's evidence probability (chosen over the phrase probability alone on
        the KorQuAD fit and calibrate articles), widened to the whole enumeration it is an item of when the
        question asks for several things, narrowed to a date's year or a name without its title when the question
        asks for a year or a person (`assistant/narrowing.py`); None when that phrase is not likely enough (an
        explanation: the sentences are the answer)."""
        model = self.model.short_answer
        found = []
        for sentence in cited:
            offset, part = self._asked_part(question, sentence)
            if span := best_span(question, part, model):
                found.append((span, sentence, offset, part))
        if not found:
            return None
        (start, end, probability), sentence, offset, part = max(found, key=lambda f: f[0][2] * f[1].score)
        if probability < self.model.short_answer_cutoff:
            return None
        start, end = shown_extent(question, part, start, end)
        return ShortAnswerSpan(doc_id=sentence.document.doc_id, start=offset + start, end=offset + end)

    def _asked_part(self, question: str, sentence: ScoredSentence) -> tuple[int, str]:
        """Where the short answer is looked for, as (document offset, text): in a table row, the cell of the
        column whose heading the question names (`해누리호의 승선 인원` → the 해누리호 column's cell), else the
        whole sentence."""
        text = sentence.text
        if is_row_line(text):
            document = sentence.document
            sentences = self._document_sentences(document)
            first = first_row(document.text, sentences, sentence.index)
            forms = {form for forms in query_word_forms(question) for form in forms}
            header = document.text[sentences[first].start : sentences[first].end]
            if first < sentence.index and (cell := asked_cell(forms, header, text)):
                return sentence.start + cell[0], text[cell[0] : cell[1]]
        return sentence.start, text

    def stream(
        self, question: str, retrieval_query: str, shown: frozenset[CitedSpan] = frozenset()
    ) -> Iterator[AnswerEvent]:
        """The answer as a stream (it is complete before the first token)."""
        yield from stream_text(self.answer(question, retrieval_query, shown))
