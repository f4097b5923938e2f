"""Answers written by an LLM from numbered sources, checked sentence by sentence, with the extractive answer
as the fallback.

`LLMGenerator.stream` (the `Generator` protocol):

1. the extractive answerer decides whether the documents hold an answer at all; when they do not, the
   refusal is returned and the model is not called;
2. the retrieved chunks become numbered sources (title, outlet, date; a character budget keeps small
   context windows safe, centred on the evidence the extractive answerer found);
3. the model's tokens are streamed as they come (bounded by `llm_timeout` between tokens and
   `llm_total_timeout` in all);
4. the guardrail (`assistant.guardrail`) keeps the sentences their cited sources support and cites exact
   source sentences; when too little survives, or the model is unreachable, the extractive answer is
   returned with a warning that says why. The final `answer` event is the authority: streamed tokens are
   the model's draft.

`LLMGenerator.condense` rewrites follow-up questions with the condense prompt and falls back to the
rule-based `assistant.condense.condense` when the model fails or its rewrite brings in words the
conversation never used.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from assistant.another import CitedSpan, was_shown
from assistant.answer import NOT_FOUND, Answer, AnswerEvent, ExtractiveAnswerer, stream_text
from assistant.claims import ClaimCheck
from assistant.condense import condense, key_terms
from assistant.conversation import Turn
from assistant.guardrail import GuardResult, Source, check_with_settings, without_repeats
from assistant.llm import chat_model, describe_error, model_name
from assistant.prompts import load_prompt
from assistant.settings import Settings
from index.documents import SourceDocument
from index.language import detect_language
from index.regions import find_regions
from index.search import ScoredChunk

logger = logging.getLogger(__name__)
CONDENSE_MAX_CHARS = 300
CONDENSE_HISTORY_TURNS = 3
CONDENSE_ANSWER_CHARS = 300
CONDENSE_MIN_KNOWN_TERMS = 0.8  # share of the rewrite's terms the conversation must contain
CONDENSE_MIN_OWN_TERMS = 0.5  # share of the question's own terms the rewrite must keep
STEM_CHARS = 5  # "investment" keeps "invest"; enough of a stem for this check
MAX_DROP_WARNINGS = 3


class GenerationError(Exception):
    """The model failed or timed out; the message says how."""


@dataclass
class Draft:
    """What the model wrote, and any problem on the way (cut by the deadline, failed mid-stream)."""

    text: str = ""
    problem: str | None = None
    tokens: int = 0
    seconds: float = 0.0
    first_token_seconds: float | None = None


def _escape(value: str) -> str:
    return value.replace('"', "'").replace("\n", " ")


def format_sources(sources: list[Source]) -> str:
    """The numbered sources as the prompt shows them: quoted blocks the model must not take as instructions."""
    blocks = []
    for source in sources:
        d = source.document
        attributes = f'n="{source.n}" title="{_escape(d.title)}"'
        if d.outlet:
            attributes += f' outlet="{_escape(d.outlet)}"'
        if d.published:
            attributes += f' date="{d.published}"'
        body = re.sub(r"<\s*/?\s*source", "‹source", source.text, flags=re.IGNORECASE)
        blocks.append(f"<source {attributes}>\n{body}\n</source>")
    return "\n\n".join(blocks)


def select_sources(
    results: list[ScoredChunk], anchors: list[tuple[str, int]], max_sources: int, max_chars: int
) -> list[Source]:
    """Numbered sources from retrieved chunks: chunks holding an anchor (the extractive evidence, as
    (doc_id, start)) first, then the rest in rank order; each cut to whole sentences that fit the remaining
    character budget, in a window around its anchor."""

    def anchor_of(result: ScoredChunk) -> tuple[int, int] | None:
        """(rank among anchors, start) of the first anchor inside the chunk."""
        for rank, (doc_id, start) in enumerate(anchors):
            if doc_id == result.document.doc_id and result.chunk.start <= start < result.chunk.end:
                return rank, start
        return None

    ordered = sorted(results, key=lambda r: (anchor_of(r) or (len(anchors), 0), r.rank))
    sources: list[Source] = []
    budget = max_chars
    for result in ordered[:max_sources]:
        chunk, document = result.chunk, result.document
        spans = Source(0, document, chunk.start, chunk.end).sentences() or [(chunk.start, chunk.end)]
        anchor = anchor_of(result)
        anchor_start = anchor[1] if anchor else spans[0][0]
        center = next((i for i, (s, e) in enumerate(spans) if s <= anchor_start < e), 0)
        first = last = center
        if spans[center][1] - spans[center][0] > budget and sources:
            break
        used = spans[center][1] - spans[center][0]
        while True:  # grow the window one sentence at a time, after then before, while it fits
            grown = False
            for candidate in (last + 1, first - 1):
                if 0 <= candidate < len(spans):
                    extra = spans[candidate][1] - spans[candidate][0] + 1
                    if used + extra <= budget:
                        used += extra
                        first, last = min(first, candidate), max(last, candidate)
                        grown = True
            if not grown:
                break
        sources.append(Source(len(sources) + 1, document, spans[first][0], spans[last][1]))
        budget -= used
        if budget <= 0:
            break
    return sources


def with_warnings(events: Iterator[AnswerEvent], warnings: list[str]) -> Iterator[AnswerEvent]:
    """The events, with `warnings` put first on the final answer's warnings."""
    for event in events:
        if event.answer is not None and warnings:
            event.answer.warnings = [*warnings, *event.answer.warnings]
        yield event


class LLMGenerator:
    """Writes answers with a chat model from numbered sources; see the module docstring."""

    def __init__(
        self, answerer: ExtractiveAnswerer, model: BaseChatModel, settings: Settings, label: str | None = None
    ) -> None:
        self.answerer = answerer
        self.model = model
        self.settings = settings
        self.name = f"llm:{label or model_name(settings)}"
        self.unavailable: str | None = None  # set when the model failed during this request
        # The last generation, for inspection (tests, evaluation): what the model saw, wrote, and what survived.
        self.last_sources: list[Source] = []
        self.last_draft: Draft | None = None
        self.last_check: GuardResult | None = None

    @classmethod
    def from_settings(cls, settings: Settings, answerer: ExtractiveAnswerer) -> LLMGenerator:
        """The generator for the configured backend (the chat model is built once per configuration)."""
        return cls(answerer, chat_model(settings), settings)

    # -- generation -------------------------------------------------------------------------------------
    def _draft(self, messages: list[BaseMessage], deadline: float, stop_at_newline: bool = False) -> Iterator[str]:
        """The model's text piece by piece. Raises GenerationError when the model fails or runs out of time."""
        pieces = 0
        try:
            with closing(iter(self.model.stream(messages))) as chunks:
                for chunk in chunks:
                    piece = chunk.text
                    if piece:
                        yield piece
                        pieces += 1
                        if stop_at_newline and "\n" in piece:
                            return
                    if pieces > self.settings.llm_max_tokens:  # a server that ignores max_tokens
                        raise GenerationError(f"the model wrote more than {self.settings.llm_max_tokens} tokens")
                    if time.monotonic() > deadline:
                        raise GenerationError(f"the model took longer than {self.settings.llm_total_timeout:g} s")
        except GenerationError:
            raise
        except Exception as exc:  # any client or server failure (connection, timeout, HTTP status, bad model)
            logger.warning("LLM call failed: %s", describe_error(exc))
            raise GenerationError(describe_error(exc)) from exc

    def _fallback(self, extractive: Answer, warning: str) -> Answer:
        answer = extractive.model_copy(deep=True)
        answer.warnings = [*answer.warnings, warning]
        return answer

    def _unreachable(self, problem: str) -> str:
        where = f" at {self.settings.llm_base_url}" if self.settings.llm_base_url else ""
        return f"The language model{where} did not answer ({problem}); this is the extractive answer."

    def stream(
        self, question: str, retrieval_query: str, shown: frozenset[CitedSpan] = frozenset()
    ) -> Iterator[AnswerEvent]:
        """Tokens as the model writes them, then one checked answer (see the module docstring); the extractive
        answer leaves out the `shown` sentences."""
        language = detect_language(question)
        query = retrieval_query or question
        extractive = self.answerer.answer(question, query, shown)
        if not extractive.grounded:
            yield from stream_text(extractive)  # the documents do not hold the answer: no model call
            return
        if self.unavailable:
            yield AnswerEvent("answer", answer=self._fallback(extractive, self._unreachable(self.unavailable)))
            return
        engine = self.answerer.engine
        results = engine.search(query, self.answerer.top_k)
        anchors = [(c.doc_id, c.start) for c in extractive.citations]
        sources = select_sources(results, anchors, self.settings.llm_max_sources, self.settings.llm_max_source_chars)
        prompt = load_prompt("answer", language, self.settings.prompts_dir)
        messages = prompt.messages(sources=format_sources(sources), question=question)
        draft = Draft()
        self.last_sources, self.last_draft, self.last_check = sources, draft, None
        started = time.monotonic()
        try:
            for piece in self._draft(messages, started + self.settings.llm_total_timeout):
                if draft.first_token_seconds is None:
                    draft.first_token_seconds = time.monotonic() - started
                draft.text += piece
                draft.tokens += 1
                yield AnswerEvent("token", piece)
        except GenerationError as exc:
            draft.problem = str(exc)
        draft.seconds = time.monotonic() - started
        if draft.problem and not draft.text.strip():
            self.unavailable = draft.problem
            yield AnswerEvent("answer", answer=self._fallback(extractive, self._unreachable(draft.problem)))
            return
        yield AnswerEvent("answer", answer=self._checked(draft, sources, extractive, language, query, shown))

    def _checked(
        self,
        draft: Draft,
        sources: list[Source],
        extractive: Answer,
        language: str,
        query: str,
        shown: frozenset[CitedSpan] = frozenset(),
    ) -> Answer:
        """The model's answer as far as it passes the citation check and says something new, or the extractive one
        (with why) when too little passes or nothing new is left. Its sentences that only repeat the `shown` ones (a
        question asking for another one left them out) are dropped after the check, and do not count as failing it."""
        s = self.settings
        result = check_with_settings(draft.text, sources, self.answerer, s)
        self.last_check = result
        notes = [f"The model's answer was cut short ({draft.problem})."] if draft.problem else []
        why = None
        if not result.enough(s.guard_min_kept):
            refused = "the model said the sources do not contain the answer"
            why = refused if result.refused else f"{result.kept} of {result.total} sentences passed the citation check"
        elif shown and all(was_shown(c.doc_id, c.start, c.end, shown) for c in result.citations):
            why = "it only repeats sentences cited before"
        if not why and shown:
            result = without_repeats(result, lambda on: was_shown(on.source.document.doc_id, on.start, on.end, shown))
            self.last_check = result
        for check in result.dropped:
            logger.info("guardrail dropped %r: %s", check.sentence.text, check.reason)
        if why:
            warning = f"The model's answer was not used ({why}); this is the extractive answer."
            answer = self._fallback(extractive, warning)
            answer.warnings = [*notes, *answer.warnings]
            return answer
        warnings = [*notes, *self._drop_warnings(result)]
        return Answer(
            answer=result.text,
            language=language,
            grounded=True,
            generator=self.name,
            citations=result.citations,
            query=query,
            warnings=warnings,
        )

    @staticmethod
    def _drop_warnings(result: GuardResult) -> list[str]:
        dropped = result.dropped
        if not dropped:
            return []
        warnings = [f"Dropped {len(dropped)} of {result.total} sentences the model wrote:"]
        for check in dropped[:MAX_DROP_WARNINGS]:
            text = check.sentence.text
            short = text if len(text) <= 80 else text[:77] + "..."
            warnings.append(f'"{short}" {check.reason}.')
        if len(dropped) > MAX_DROP_WARNINGS:
            warnings.append(f"... and {len(dropped) - MAX_DROP_WARNINGS} more.")
        return warnings

    # -- claim explanations ---------------------------------------------------------------------------------
    def explain_claim(self, check: ClaimCheck, documents: Mapping[str, SourceDocument]) -> ClaimCheck:
        """The rule-based verdict with a one-sentence explanation by the model (claim prompt), when the model
        gives one whose sentences all pass the citation check against the evidence (the claim's own figures and
        names may be repeated). Otherwise, or when the model fails, the check is returned unchanged: the verdict
        is never the model's."""
        if not check.evidence or self.unavailable:
            return check
        sources = [Source(c.n, documents[c.doc_id], c.start, c.end) for c in check.evidence]
        prompt = load_prompt("claim", check.language, self.settings.prompts_dir)
        messages = prompt.messages(claim=check.claim, verdict=check.verdict, evidence=format_sources(sources))
        try:
            text = "".join(self._draft(messages, time.monotonic() + self.settings.llm_total_timeout))
        except GenerationError as exc:
            self.unavailable = str(exc)
            return check
        s = self.settings
        result = check_with_settings(text, sources, self.answerer, s, check.claim)
        self.last_check = result
        if not result.checks or result.dropped or result.total > 2:
            return check
        explanation = " ".join(c.sentence.text for c in result.checks)
        return check.model_copy(update={"explanation": explanation, "generator": f"{check.generator}+{self.name}"})

    # -- condensing -------------------------------------------------------------------------------------
    def condense(self, question: str, history: list[Turn]) -> tuple[str, list[str]]:
        """A standalone retrieval query for a follow-up, written by the model, and warnings. The rule-based
        rewrite is used when there is no history, condensing by model is off, the model fails, or its rewrite
        does not hold up (see `rewrite_problem`)."""
        rule = condense(question, history)
        if not history or not self.settings.llm_condense or self.unavailable:
            return rule, []
        language = detect_language(question)
        prompt = load_prompt("condense", language, self.settings.prompts_dir)
        turns = history[-CONDENSE_HISTORY_TURNS:]
        lines = []
        for turn in turns:
            lines.append(f"User: {turn.question}")
            answer = re.sub(r"\s*\[\d+\]", "", turn.answer)
            lines.append(f"Assistant: {answer[:CONDENSE_ANSWER_CHARS]}")
        messages = prompt.messages(history="\n".join(lines), question=question)
        text = ""
        try:
            deadline = time.monotonic() + self.settings.llm_total_timeout
            for piece in self._draft(messages, deadline, stop_at_newline=True):
                text += piece
                if len(text) > 2 * CONDENSE_MAX_CHARS:
                    break
        except GenerationError as exc:
            self.unavailable = str(exc)
            return rule, [
                f"The language model could not rewrite the follow-up ({exc}); the rule-based rewrite was used."
            ]
        rewrite = clean_rewrite(text)
        problem = rewrite_problem(rewrite, question, turns)
        if problem:
            logger.info("condense rewrite %r rejected: %s", rewrite, problem)
            return rule, [
                f"The model's rewrite of the follow-up was not used ({problem}); the rule-based rewrite was used."
            ]
        return rewrite, []


def clean_rewrite(text: str) -> str:
    """The first non-empty line of the model's rewrite, without labels or quotes."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = re.sub(
        r"^(?:standalone (?:search )?query|query|rewritten question|독립된 검색 질의|질의)\s*[:：]\s*",
        "",
        line,
        flags=re.IGNORECASE,
    )
    return line.strip().strip("\"'“”‘’`").strip()


def rewrite_problem(rewrite: str, question: str, history: list[Turn]) -> str | None:
    """Why a model's rewrite should not be used as the retrieval query, or None when it is fine: empty, too
    long, an answer rather than a query, built from terms that neither the question nor the recent
    conversation contains (a hallucinated subject retrieves the wrong documents), or missing what the
    question itself asks about (a small model likes to repeat the previous question), or leaving the region the
    conversation was about when the question names none."""
    if not rewrite:
        return "it was empty"
    if len(rewrite) > CONDENSE_MAX_CHARS:
        return f"it was longer than {CONDENSE_MAX_CHARS} characters"
    if re.search(r"\[\d+\]", rewrite) or any(phrase in rewrite for phrase in NOT_FOUND.values()):
        return "it answered instead of rewriting"
    conversation = " ".join([question, *(f"{t.question} {t.query} {t.answer}" for t in history)]).lower()
    terms = key_terms(rewrite)
    if not terms:
        return "it named nothing to search for"
    own = key_terms(question)
    kept = [t for t in own if t.lower()[:STEM_CHARS] in rewrite.lower()]
    if len(kept) < CONDENSE_MIN_OWN_TERMS * len(own):
        return f"it dropped {', '.join(t for t in own if t not in kept)} from the question"
    unknown = [t for t in terms if t.lower() not in conversation]
    if len(terms) - len(unknown) < CONDENSE_MIN_KNOWN_TERMS * len(terms):
        return f"it brought in {', '.join(unknown[:5])}, which the conversation never mentioned"
    place = find_regions(history[-1].query) if history and not find_regions(question) else []
    if place and not set(find_regions(rewrite)) & set(place):  # a follow-up stays in the place it was asked about
        return f"it dropped {', '.join(place)}, where the conversation is"
    return None
