"""Follow-up questions rewritten into standalone queries, deterministically (no LLM needed).

A question is a follow-up when it points back ("그 사업은", "거기에", "How much does it cost?") or names
no region and no proper noun of its own ("투자 규모는 어느 정도예요?"). It then carries over the key
terms of the previous standalone query: its nouns, proper nouns and foreign words, never its question
words, so "얼마" in an earlier turn does not change what the new one asks for. A pronoun for a person or a
place (그는, 그곳의, his) carries only the regions and proper nouns: who or where the question before was about.
"""

from __future__ import annotations

import re

from assistant.anaphora import ENTITY_PRONOUNS, is_pointer
from assistant.conversation import Turn
from index.korean import Morpheme, morphemes
from index.regions import find_regions

MAX_CARRIED_TERMS = 8
_FOLLOW_UP_OPENERS = {
    "MAJ": {"그럼", "그러면", "그리고", "그런데"},
    "MAG": {"그럼", "그러면", "또", "그다음"},
}
# "there" for a place (What happens there?), not the existential one (Is there a budget? There are how many?).
_THERE = r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )there(?!'s|\s+(?:is|are|was|were|will|has|have|had|exists?)\b)"
_ENGLISH_POINTERS = re.compile(
    rf"\b(?:it|its|that|this|those|these|{_THERE}|they|them|their|the project|the plan|the program|"
    r"the same|what about|how about|and the)\b",
    re.IGNORECASE,
)
_ENGLISH_ENTITY_PRONOUNS = re.compile(rf"\b(?:he|she|him|his|her|hers|they|them|their|{_THERE})\b", re.IGNORECASE)
_QUESTION_WORDS = {
    "무엇",
    "뭐",
    "어떤",
    "얼마",
    "몇",
    "언제",
    "누구",
    "어디",
    "거",
    "것",
    "등",
    "수",
    "때",
    "정도",
    "요",
    "what",
    "which",
    "who",
    "whom",
    "how",
    "when",
    "where",
    "why",
    "much",
    "many",
    "is",
    "are",
    "was",
    "were",
    "the",
    "a",
    "an",
    "of",
    "in",
    "on",
    "for",
    "to",
    "and",
    "or",
    "by",
    "with",
    "does",
    "do",
    "did",
    "will",
    "would",
    "can",
    "could",
    "should",
    "it",
    "its",
    "that",
    "this",
    "s",
    "be",
    "been",
    "has",
    "have",
    "trying",
}
_TERM_TAGS = {"NNG", "NNP", "SL", "SH", "XR"}


def points_back(question: str) -> bool:
    """True when the question refers to something said before (pronoun, demonstrative, "그럼")."""
    if _ENGLISH_POINTERS.search(question):
        return True
    return any(is_pointer(m) or m.form in _FOLLOW_UP_OPENERS.get(m.tag, ()) for m in morphemes(question))


def refers_to_someone(question: str) -> bool:
    """True when the question points back with a pronoun for a person or a place (그가, 그녀의, 그곳의, his,
    there), not for a thing (그것, 그 사업, it): it asks about who or where the question before was about."""
    if _ENGLISH_ENTITY_PRONOUNS.search(question):
        return True
    return any(m.tag == "NP" and m.form in ENTITY_PRONOUNS for m in morphemes(question))


def has_own_subject(question: str) -> bool:
    """True when the question names a region or a proper noun itself."""
    if find_regions(question):
        return True
    return any(_is_proper(m, question) for m in morphemes(question))


def is_follow_up(question: str) -> bool:
    """True when the question needs the conversation to be understood."""
    return points_back(question) or not has_own_subject(question)


def _is_proper(m: Morpheme, text: str) -> bool:
    return m.tag == "NNP" or (m.tag == "SL" and m.start > 0 and text[m.start].isupper())


def subject_terms(text: str) -> list[str]:
    """What a follow-up carries over from the query before it: its regions and proper nouns (who or what it was
    about) when it names any, else all its key terms."""
    ranked = _ranked_terms(text)
    named = [form for rank, form in ranked if rank < 2]
    return named or [form for _, form in ranked]


def key_terms(text: str) -> list[str]:
    """The regions, then proper nouns, then other nouns and foreign words of a text, without question words
    or repeats."""
    return [form for _, form in _ranked_terms(text)]


def _ranked_terms(text: str) -> list[tuple[int, str]]:
    """(rank, term) without repeats, best first: regions 0, proper nouns 1, other nouns and foreign words 2."""
    ranked: list[tuple[int, str]] = [(0, region) for region in find_regions(text)]
    for m in morphemes(text):
        form = text[m.start : m.end] if m.tag == "SL" else m.form
        if m.tag in _TERM_TAGS and form.lower() not in _QUESTION_WORDS:
            ranked.append((1 if _is_proper(m, text) else 2, form))
    best: dict[str, int] = {}  # each term once, at its best rank, in order
    for rank, form in sorted(ranked, key=lambda pair: pair[0]):
        best.setdefault(form, rank)
    return [(rank, form) for form, rank in best.items()]


def condense(question: str, history: list[Turn]) -> str:
    """A standalone retrieval query for `question`, given the turns before it."""
    if not history or not is_follow_up(question):
        return question
    own = set(key_terms(question))
    previous = history[-1].query
    terms = subject_terms(previous) if refers_to_someone(question) else key_terms(previous)
    carried = [term for term in terms if term not in own][:MAX_CARRIED_TERMS]
    return f"{question} ({' '.join(carried)})" if carried else question
