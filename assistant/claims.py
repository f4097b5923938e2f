"""Claim checking for journalists: supported, contradicted (with the conflicting figure) or not found.

The verdict is rule-based and checkable. Evidence sentences are retrieved and scored like answers (but
without requiring the claim's regions, since a claim may name the wrong city). Then:

* a claim naming a region no document mentions is `not_found`;
* every number, amount (억/조/만 normalised), percentage and year of the claim is matched with the
  quantity of the same kind in the best evidence sentence that has one; when that sentence has
  several, the one whose neighbouring words share most with the claim's is compared (so "2007년에
  완공" is compared with "2014년 완공", not with "2007년부터"; across languages, where no words are shared,
  the neighbourhoods are compared by meaning with the multilingual embedder). The same figure, or one
  inside the claim's range (4000억 원 이상 for "3000억 원 넘게"), confirms it; a different figure is a
  contradiction, quoted with the words that bound it (4000억 원 이상 against a claimed 5000억);
* a region or organisation the claim names that the evidence sentence replaces by another of the same
  kind (Pohang for 구미, Hyundai for 기아차) is a contradiction (the sentences holding the claim's figures are
  that evidence, when there are any);
* a claim quantity with no counterpart in the evidence, or a name no evidence document mentions (대구시는 삼성과
  협약을 맺었다), is `not_found`; otherwise `supported`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from assistant.answer import ExtractiveAnswerer, ScoredSentence
from assistant.answer_model import FEATURES, shares_no_word
from assistant.citations import Citation, cite
from assistant.english_render import bilingual
from assistant.entities import Entity, ancestors, find_entities
from assistant.guardrail import Embed
from assistant.numbers import Quantity, confirms, quantities
from index.documents import SourceDocument
from index.korean import tokenize
from index.language import detect_language
from index.regions import find_regions, with_parents
from index.search import ScoredChunk
from index.translation import query_word_forms

Verdict = Literal["supported", "contradicted", "not_found"]
EVIDENCE_MARGIN = 0.05
LEXICAL_WEIGHT = 0.1
MAX_EVIDENCE = 3
CONTEXT_CHARS = 12


class ClaimCheck(BaseModel):
    """The `rag check --json` object."""

    claim: str
    language: str
    verdict: Verdict
    explanation: str = Field(description="One sentence, in the claim's language.")
    conflict: str | None = Field(None, description="The source's figure or name that contradicts the claim.")
    evidence: list[Citation] = []
    generator: str = "rules"


@dataclass
class Finding:
    """What comparing one claim detail with the evidence found."""

    claimed: str
    found: str | None
    sentence: ScoredSentence | None
    quantity: Quantity | None = None  # the source's figure, when it is one

    @property
    def conflicting(self) -> bool:
        return self.found is not None and self.found != self.claimed


_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def _window(text: str, quantity: Quantity) -> str:
    """The words around a quantity, the quantity itself left out. A figure inside brackets has the words of its
    item there (the 27 of "497억원(국비 470, 지방비 27)": 지방비); the words around any other skip bracketed asides,
    so the 497억원 there stands next to "규모의 재원이 투입", not next to its breakdown."""
    for aside in _BRACKETED.finditer(text):
        if aside.start() < quantity.start and quantity.end <= aside.end():
            items = re.finditer(r"(?:[^,;·]|(?<=\d),(?=\d))+", text[aside.start() + 1 : aside.end() - 1])
            item = next(m.group() for m in items if m.start() <= quantity.start - aside.start() - 1 < m.end())
            return item.replace(quantity.text, " ")
    before = _BRACKETED.sub(" ", text[: quantity.start])
    after = _BRACKETED.sub(" ", text[quantity.end :])
    return f"{before[-CONTEXT_CHARS:]} {after[:CONTEXT_CHARS]}"


def _aligned(claim: str, wanted: Quantity, sentence: str, candidates: list[Quantity], embed: Embed) -> Quantity:
    """The candidate that plays the claimed quantity's role: the one whose neighbouring words share most with
    the claim's, an English claim's words through their Korean translations ("completed in" ~ 완공했다, "national
    funds" ~ 국비), then the equal value. When no words are shared, the figure equal to the claimed one, if there
    is one: the meaning of a few neighbouring characters across languages tells 국비 from 지방비 no better than chance
    (cosines 0.77-0.86 either way); else the neighbourhoods are compared by meaning."""
    claim_words = query_word_forms(_window(claim, wanted))
    windows = {id(q): set(tokenize(_window(sentence, q))) for q in candidates}
    shared = {key: sum(bool(forms & tokens) for forms in claim_words) for key, tokens in windows.items()}
    if len(candidates) > 1 and not any(shared.values()):
        equal = next((q for q in candidates if q.same_value(wanted)), None)
        if equal is not None:
            return equal
        vectors = embed([_window(claim, wanted), *(_window(sentence, q) for q in candidates)])
        return candidates[int((vectors[1:] @ vectors[0]).argmax())]
    return max(candidates, key=lambda q: (shared[id(q)], confirms(q, wanted)))


def compare_quantity(
    claim: str, wanted: Quantity, closest: list[ScoredSentence], relevant: list[ScoredSentence], embed: Embed
) -> Finding:
    """Match one claimed quantity: the same value playing the same role in any relevant sentence supports it; so does
    the first closest sentence's figure when it lies inside the claim's range (4000억 원 이상 for "3000억 원 넘게"),
    which contradicts it otherwise."""
    conflict: Finding | None = None
    for sentence in relevant:
        candidates = sorted((q for q in quantities(sentence.text) if q.kind == wanted.kind), key=lambda q: q.start)
        if not candidates:
            continue
        found = _aligned(claim, wanted, sentence.text, candidates, embed)
        first_close = conflict is None and sentence in closest
        if found.same_value(wanted) or (first_close and confirms(found, wanted)):
            return Finding(wanted.phrase, wanted.phrase, sentence)
        if first_close:
            conflict = Finding(wanted.phrase, found.phrase, sentence, found)
    return conflict or Finding(wanted.phrase, None, None)


def _comparable(wanted: Entity, other: Entity) -> bool:
    """True when `other` could stand where the claim put `wanted`: same kind, same level, not nested."""
    if other.category != wanted.category or other.name == wanted.name:
        return False
    if wanted.category != "region":
        return True
    nested = other.name in ancestors(wanted.name) or wanted.name in ancestors(other.name)
    return not nested and bool(ancestors(other.name)) == bool(ancestors(wanted.name))


def compare_entity(wanted: Entity, closest: list[ScoredSentence]) -> Finding:
    """A claimed region or organisation against the first close sentence naming one of its kind."""
    for sentence in closest:
        present = find_entities(sentence.text)
        if any(e.name == wanted.name for e in present):
            return Finding(wanted.surface, wanted.surface, sentence)
        rivals = [e for e in present if _comparable(wanted, e)]
        if rivals:
            return Finding(wanted.surface, rivals[0].surface, sentence)
    return Finding(wanted.surface, None, None)


def named_in(entity: Entity, documents: list[SourceDocument]) -> bool:
    """True when one of the documents names the entity (a region also by its documents' regions)."""
    return any(
        entity.name in with_parents(d.regions) or any(e.name == entity.name for e in find_entities(d.text))
        for d in documents
    )


EXPLANATIONS = {
    "supported": {
        "ko": "근거 문장이 주장과 일치합니다{details}.",
        "en": "The source sentence agrees with the claim{details}.",
    },
    "contradicted": {
        "ko": "주장은 '{claimed}'(이)라고 하지만 출처에는 '{found}'(으)로 되어 있습니다.",
        "en": "The claim says '{claimed}', but the source says '{found}'.",
    },
    "not_found": {
        "ko": "문서에서 이 주장을 확인할 근거를 찾을 수 없습니다{details}.",
        "en": "The documents hold no evidence for this claim{details}.",
    },
}


class ClaimChecker:
    """Checks claims against the index with the extractive answerer's retrieval and candidate sentences.

    A claim is a statement, not a question: the answer model (fitted on questions) does not score it, the
    similarity of the statement to each sentence does (cosine + a little word overlap), with one minimum for
    a claim and evidence in the same language and a lower one across languages.
    """

    def __init__(
        self, answerer: ExtractiveAnswerer, known_regions: set[str], min_similarity: tuple[float, float]
    ) -> None:
        self.answerer = answerer
        self.known_regions = known_regions
        self.min_similarity = min_similarity

    def _similar(self, claim: str, results: list[ScoredChunk], vector: np.ndarray) -> list[ScoredSentence]:
        sentences, matrix = self.answerer.candidate_features(claim, results, vector)
        if shares_no_word(matrix):  # "안녕하세요" is no claim about anything the documents say
            return []
        similarity = matrix[:, FEATURES.index("cosine")] + LEXICAL_WEIGHT * matrix[:, FEATURES.index("overlap")]
        for sentence, score in zip(sentences, similarity, strict=True):
            sentence.score = float(score)
        return sorted(sentences, key=lambda s: -s.score)

    def evidence(self, claim: str) -> tuple[list[ScoredSentence], list[ScoredSentence]]:
        """The closest evidence sentences and every relevant one (both empty when even the best is weak)."""
        engine = self.answerer.engine
        vector = engine.embed_query(claim)
        results = engine.search(claim, self.answerer.top_k * 2, query_vector=vector, region_filter=False)
        ranked = self._similar(claim, results, vector)
        regions = set(find_regions(claim))
        if regions:  # an article about another region is no evidence (but one naming a wrong city may be)
            ranked = [s for s in ranked if regions & set(with_parents(s.document.regions))]
        language = detect_language(claim)
        same, across = self.min_similarity
        relevant = [s for s in ranked if s.score >= (same if detect_language(s.text) == language else across)]
        if not relevant or relevant[0] is not ranked[0]:
            return [], []
        closest = [s for s in relevant[: MAX_EVIDENCE * 2] if s.score >= relevant[0].score - EVIDENCE_MARGIN]
        return closest, relevant

    def check(self, claim: str) -> ClaimCheck:
        """The verdict on one claim, with its evidence cited."""
        language = detect_language(claim)
        entities = find_entities(claim)
        # A province or metropolitan city the corpus never mentions is outside what it can confirm or refute.
        unknown = [
            e.surface
            for e in entities
            if e.category == "region" and not ancestors(e.name) and e.name not in self.known_regions
        ]
        evidence, relevant = ([], []) if unknown else self.evidence(claim)
        if not evidence:
            details = f" ({', '.join(unknown)})" if unknown else ""
            return self._result(claim, language, "not_found", [], details=details)
        claimed = sorted(quantities(claim), key=lambda q: q.start)
        embed = self.answerer.engine.embedder.encode_passages
        quantity_findings = [compare_quantity(claim, q, evidence, relevant, embed) for q in claimed]
        # A name is checked in the sentences holding the claim's figures, when there are such: "Daegu's Digital Open
        # Lab costs 49.7 billion won" is not contradicted by the sentence before 497억원, which names 경기도.
        anchors = [f.sentence for f in quantity_findings if f.sentence is not None and not f.conflicting]
        entity_findings = [compare_entity(e, anchors or evidence) for e in entities]
        conflict = next((f for f in quantity_findings + entity_findings if f.conflicting), None)
        if conflict is not None:
            assert conflict.sentence is not None
            return self._result(
                claim, language, "contradicted", [conflict.sentence], claimed=conflict.claimed, found=conflict.found,
                quantity=conflict.quantity,
            )
        # A figure no evidence sentence holds, or a name (삼성) that no evidence document mentions, is unconfirmed.
        documents = list({s.document.doc_id: s.document for s in evidence}.values())
        missing = [f.claimed for f in quantity_findings if f.found is None] + [
            f.claimed
            for f, entity in zip(entity_findings, entities, strict=True)
            if f.found is None and not named_in(entity, documents)
        ]
        if missing:
            return self._result(claim, language, "not_found", evidence[:1], details=f" ({', '.join(missing)})")
        cited = [f.sentence for f in quantity_findings if f.sentence is not None] or evidence[:1]
        matched = ", ".join(dict.fromkeys(f.claimed for f in quantity_findings))
        return self._result(claim, language, "supported", cited, details=f": {matched}" if matched else "")

    @staticmethod
    def _result(
        claim: str,
        language: str,
        verdict: Verdict,
        sentences: list[ScoredSentence],
        *,
        details: str = "",
        claimed: str | None = None,
        found: str | None = None,
        quantity: Quantity | None = None,
    ) -> ClaimCheck:
        unique = list({(s.document.doc_id, s.start): s for s in sentences}.values())[:MAX_EVIDENCE]
        citations = [cite(n, s.document, s.start, s.end) for n, s in enumerate(unique, start=1)]
        # An English reader gets the source's figure in English first: 'at least KRW 400 billion (4000억 원 이상)'.
        shown = bilingual(found, quantity) if found and language == "en" else found
        explanation = EXPLANATIONS[verdict][language].format(details=details, claimed=claimed, found=shown)
        return ClaimCheck(
            claim=claim, language=language, verdict=verdict, explanation=explanation, conflict=found, evidence=citations
        )
