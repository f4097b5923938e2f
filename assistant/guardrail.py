"""The citation check on LLM answers: keep only sentences their cited source supports.

A generated answer is split into sentences and each sentence's `[n]` markers are read. A sentence is
dropped when it

* cites nothing, or cites a number that is not one of the sources given to the model;
* states a number, amount, percentage or year (`assistant.numbers.values`, so `400 billion won` equals
  `4000억 원`) that its cited sources do not state;
* names a region or organisation (`assistant.entities`, Korean and English names) that its cited sources
  and their documents' regions do not name;
* is not close enough in meaning to any sentence of its cited sources (multilingual embeddings; an
  English sentence is compared with Korean sources against a lower, cross-lingual threshold);
* only says that the documents do not contain the answer (the caller decides what to do then).

A source sentence that gives the assistant instructions (a poisoned document) never counts as support.

Each surviving sentence is cited by the exact source sentence that supports it best (its quote is
`document.text[start:end]`), and the citations are renumbered in order of first use. Everything here is a
pure function of the text, the sources and an embedding function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

import numpy as np

from assistant.citations import Citation, cite
from assistant.entities import find_entities
from assistant.injection import can_be_evidence, is_injected_instruction
from assistant.numbers import Measure, quantities, values
from index.chunking import document_sentences
from index.documents import SourceDocument
from index.language import detect_language
from index.regions import with_parents

if TYPE_CHECKING:
    from assistant.settings import Settings

Embed = Callable[[list[str]], np.ndarray]


class Embedder(Protocol):
    """Anything that embeds passages: the multilingual sentence-transformer adapter, or the extractive answerer
    (which reuses the vectors of the sentences it has scored)."""

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


MARKER = re.compile(r"\[\s*(\d+(?:\s*[,，、;]\s*\d+)*)\s*\]")
# A sentence ends at . ! ? 。 followed by a blank, a marker or the end; markers right after it belong to it.
_SENTENCE_END = re.compile(r"[.!?。](?=\s|\[|$)(?:\s*\[\s*\d+(?:\s*[,，、;]\s*\d+)*\s*\])*")
_ORDINAL = re.compile(r"\b\d+(?:st|nd|rd|th)\b", re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:[-*•]|\d+[.)])?\s*(?:answer|답변|답)\s*[:：]\s*", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)](?=\s))\s*")
_WORD = re.compile(r"\w+")
_REFUSALS = ("not found in the documents", "문서에서 찾을 수 없", "do not contain the answer", "does not contain")
NUMBER_BONUS = 0.05  # prefer, as the quote, a source sentence that holds the answer's figures


@dataclass(frozen=True)
class Source:
    """A numbered source given to the model: a span of a cleaned document (usually a retrieved chunk)."""

    n: int
    document: SourceDocument
    start: int
    end: int

    @property
    def text(self) -> str:
        """The source text the model saw."""
        return self.document.text[self.start : self.end]

    def sentences(self) -> list[tuple[int, int]]:
        """The (start, end) spans of the document's sentences inside this source, but the headline (it names
        the topic, so it resembles any sentence about it without supporting any, as in the extractive
        answerer) and sentences that give the assistant instructions (`assistant.injection`)."""
        document, text = self.document, self.document.text
        inside = [
            (s, e)
            for s, e in _sentence_spans(text)
            if self.start <= s and e <= self.end and not is_injected_instruction(text[s:e])
        ]
        # A source holding nothing but its headline may still be cited by it.
        return [(s, e) for s, e in inside if can_be_evidence(document, text[s:e])] or inside


@lru_cache(maxsize=64)
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple((s.start, s.end) for s in document_sentences(text))


@dataclass(frozen=True)
class GeneratedSentence:
    """One sentence of a generated answer: its text without markers and the source numbers it cites."""

    text: str
    cited: tuple[int, ...]


@dataclass(frozen=True)
class Support:
    """The best sentence of one cited source for a generated sentence."""

    source: Source
    start: int
    end: int
    similarity: float


@dataclass
class SentenceCheck:
    """The verdict on one generated sentence: kept (reason None) or dropped, and what supports it."""

    sentence: GeneratedSentence
    reason: str | None = None
    support: list[Support] = field(default_factory=list)

    @property
    def kept(self) -> bool:
        """True when the sentence survives."""
        return self.reason is None


@dataclass
class GuardResult:
    """The checked answer: surviving sentences with renumbered markers, and their citations."""

    checks: list[SentenceCheck]
    text: str
    citations: list[Citation]

    @property
    def kept(self) -> int:
        """Sentences that survived."""
        return sum(c.kept for c in self.checks)

    @property
    def total(self) -> int:
        """Sentences the model wrote."""
        return len(self.checks)

    @property
    def dropped(self) -> list[SentenceCheck]:
        """The sentences that did not survive."""
        return [c for c in self.checks if not c.kept]

    @property
    def refused(self) -> bool:
        """True when the model only said that the documents do not contain the answer."""
        return bool(self.checks) and all(c.reason == REFUSAL for c in self.checks)

    def enough(self, min_kept: float = 0.5) -> bool:
        """True when something survived and at least `min_kept` of the sentences did."""
        return self.kept > 0 and self.kept >= min_kept * self.total


REFUSAL = "says the documents do not contain the answer"
REPEATED = "repeats a sentence cited before"


def without_repeats(result: GuardResult, repeated: Callable[[Support], bool]) -> GuardResult:
    """A copy of the result with each kept sentence whose supporting source sentences are all `repeated` dropped (a
    question asking for another one does not want them again), the rest renumbered. Every kept sentence has support
    (`check_answer`)."""
    checks = [
        replace(check, reason=REPEATED) if check.kept and all(map(repeated, check.support)) else check
        for check in result.checks
    ]
    return _assemble(checks)


def split_sentences(text: str) -> list[GeneratedSentence]:
    """The sentences of a generated answer with the source numbers each one cites.

    Lines are split first (lists, paragraphs), then at sentence-ending punctuation; markers right after
    the punctuation belong to the sentence before. A piece with no words but markers adds its markers to
    the sentence before it ("... 원이다.\\n[1]").
    """
    out: list[GeneratedSentence] = []
    for raw_line in text.splitlines():
        line = _BULLET.sub("", _LABEL.sub("", raw_line))
        position = 0
        pieces = []
        for match in _SENTENCE_END.finditer(line):
            pieces.append(line[position : match.end()])
            position = match.end()
        pieces.append(line[position:])
        for piece in pieces:
            numbers = tuple(int(n) for group in MARKER.findall(piece) for n in re.split(r"\D+", group) if n)
            clean = " ".join(MARKER.sub(" ", piece).split())
            clean = re.sub(r"\s+([.,!?。])", r"\1", clean)
            if len(_WORD.findall(clean)) < 2:
                if numbers and out:
                    last = out[-1]
                    out[-1] = GeneratedSentence(last.text, _unique(last.cited + numbers))
                continue
            out.append(GeneratedSentence(clean, _unique(numbers)))
    return out


def _unique(numbers: Sequence[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(numbers))


def _is_refusal(sentence: str) -> bool:
    lowered = sentence.lower()
    return any(phrase in lowered for phrase in _REFUSALS)


def _checked_values(text: str) -> list[tuple[str, tuple[Measure, float]]]:
    """(surface text, (measure, value)) of each quantity in a generated sentence; ordinals ("2nd") are not facts
    the sources can be checked for, so they are left out."""
    cleaned = _ORDINAL.sub(" ", text)
    return [(q.text, q.key) for q in sorted(quantities(cleaned), key=lambda q: q.start)]


def _raw_numbers(text: str) -> set[float]:
    return {float(n.replace(",", "")) for n in re.findall(r"\d(?:[\d,]*\d)?(?:\.\d+)?", text)}


def _stated(value: tuple[Measure, float], source_values: set[tuple[Measure, float]], raw: set[float]) -> bool:
    """True when the source states this quantity: same kind and value, the same value under another kind
    (kinds are guessed from the words around a number and differ across languages) but not an amount in another
    currency ($150 million is not 1억 5천만원), or, for plain counts and years, the same number written anywhere
    ("300여 개" is a count the parser does not type)."""
    measure, number = value
    money = measure.kind == "money"
    if value in source_values or any(
        v == number and not (money and other.kind == "money") for other, v in source_values
    ):
        return True
    return not money and measure.kind != "percent" and number in raw


def _unnamed_entities(sentence: str, cited: list[Source], also_stated: str = "") -> list[str]:
    """The regions and organisations the sentence names that none of its cited sources names (a document's own
    regions and their provinces count: a chunk need not repeat where its article is about)."""
    named = set(with_parents([e.name for e in find_entities(also_stated)]))
    for source in cited:
        names = [e.name for e in find_entities(f"{source.document.title}\n{source.text}")]
        named |= set(with_parents([*source.document.regions, *names]))
    return [e.surface for e in find_entities(sentence) if e.name not in named]


def threshold(sentence_language: str, source_language: str, same: float, crosslingual: float) -> float:
    """The similarity a supporting source sentence needs (cross-lingual similarities run lower)."""
    return same if sentence_language == source_language else crosslingual


def check_answer(
    text: str,
    sources: Sequence[Source],
    embed: Embed,
    *,
    min_similarity: float,
    min_similarity_crosslingual: float,
    also_stated: str = "",
) -> GuardResult:
    """Check every sentence of a generated answer against the sources it cites (see the module docstring).

    `embed` turns texts into L2-normalised vectors (the multilingual passage embedder). Figures and names in
    `also_stated` may be repeated too (a claim being explained: "the claim says 5000억, the source 4000억")."""
    by_number = {s.n: s for s in sources}
    sentences = split_sentences(text)
    checks = [SentenceCheck(s) for s in sentences]
    pending: list[SentenceCheck] = []
    for check in checks:
        sentence = check.sentence
        unknown = [n for n in sentence.cited if n not in by_number]
        if _is_refusal(sentence.text):
            check.reason = REFUSAL
        elif not sentence.cited:
            check.reason = "cites no source"
        elif unknown:
            check.reason = f"cites {', '.join(f'[{n}]' for n in unknown)}, which is not one of the sources"
        else:
            cited_text = "\n".join(f"{by_number[n].document.title}\n{by_number[n].text}" for n in sentence.cited)
            cited_text += f"\n{also_stated}"
            source_values, raw = values(cited_text), _raw_numbers(cited_text)
            missing = [surface for surface, v in _checked_values(sentence.text) if not _stated(v, source_values, raw)]
            strangers = _unnamed_entities(sentence.text, [by_number[n] for n in sentence.cited], also_stated)
            if missing:
                check.reason = f"states {', '.join(missing)}, which its source does not"
            elif strangers:
                check.reason = f"names {', '.join(strangers)}, which its source does not"
            else:
                pending.append(check)
    _check_similarity(pending, by_number, embed, min_similarity, min_similarity_crosslingual)
    return _assemble(checks)


def check_with_settings(
    text: str, sources: Sequence[Source], embedder: Embedder, settings: Settings, also_stated: str = ""
) -> GuardResult:
    """`check_answer` with the embedder's passage vectors and the similarity thresholds of the settings."""
    return check_answer(
        text,
        sources,
        embedder.encode_passages,
        min_similarity=settings.guard_min_similarity,
        min_similarity_crosslingual=settings.guard_min_similarity_crosslingual,
        also_stated=also_stated,
    )


def _check_similarity(
    pending: list[SentenceCheck],
    by_number: dict[int, Source],
    embed: Embed,
    same: float,
    crosslingual: float,
) -> None:
    if not pending:
        return
    cited = sorted({n for check in pending for n in check.sentence.cited})
    spans = {n: by_number[n].sentences() or [(by_number[n].start, by_number[n].end)] for n in cited}
    texts = [by_number[n].document.text[s:e] for n in cited for s, e in spans[n]]
    vectors = embed([c.sentence.text for c in pending] + texts)
    sentence_vectors, source_vectors = vectors[: len(pending)], vectors[len(pending) :]
    offsets, position = {}, 0
    for n in cited:
        offsets[n] = position
        position += len(spans[n])
    for check, vector in zip(pending, sentence_vectors, strict=True):
        language = detect_language(check.sentence.text)
        figures = {v for _, v in _checked_values(check.sentence.text)}
        closest = (-2.0, 0.0, 0.0)  # (margin, similarity, threshold) of the nearest source sentence
        for n in check.sentence.cited:
            source = by_number[n]
            best: tuple[float, Support] | None = None
            for i, (start, end) in enumerate(spans[n]):
                piece = source.document.text[start:end]
                similarity = float(np.dot(vector, source_vectors[offsets[n] + i]))
                needed = threshold(language, detect_language(piece), same, crosslingual)
                margin = similarity - needed
                closest = max(closest, (margin, similarity, needed))
                covered = len(figures & values(piece))
                score = margin + NUMBER_BONUS * covered
                if margin >= 0 and (best is None or score > best[0]):
                    best = (score, Support(source, start, end, similarity))
            if best is not None:
                check.support.append(best[1])
        if not check.support:
            _, similarity, needed = closest
            check.reason = f"is not close to its cited source (similarity {similarity:.3f} < {needed:.3f})"


def _assemble(checks: list[SentenceCheck]) -> GuardResult:
    numbers: dict[tuple[str, int, int], Citation] = {}
    parts = []
    for check in checks:
        if not check.kept:
            continue
        markers = []
        for support in check.support:
            key = (support.source.document.doc_id, support.start, support.end)
            if key not in numbers:
                numbers[key] = cite(len(numbers) + 1, support.source.document, support.start, support.end)
            marker = f"[{numbers[key].n}]"
            if marker not in markers:
                markers.append(marker)
        parts.append(f"{check.sentence.text} {''.join(markers)}")
    return GuardResult(checks=checks, text=" ".join(parts), citations=list(numbers.values()))
