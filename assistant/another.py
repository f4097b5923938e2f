"""Follow-ups that ask for another one ("그다음으로 중요한 콘셉트는?", "그 밖에 어떤 사업이 있나요?", "What else
is planned?"): the sentences the conversation has already cited, which such a question does not want again.

The rule is grammatical, not fitted: a question asks for another one when it holds 다음 (next), 다른 (other),
나머지 (the rest), 외 (besides: 그 외, 이외), 밖 after a demonstrative (그 밖에), 또 (also, again), or one of the
English words below.
"""

from __future__ import annotations

import re

from assistant.conversation import Turn
from index.korean import morphemes

CitedSpan = tuple[str, int, int]  # (doc_id, start, end) of a cited sentence

_KOREAN_CUES = {("NNG", "다음"), ("MM", "다른"), ("NNG", "나머지"), ("NNB", "외"), ("MAG", "또")}
_DEMONSTRATIVES = {"그", "이"}
# Not the reciprocal "each other" / "one another".
_ENGLISH_CUES = re.compile(
    r"\b(?<!each )(?<!one )(?:another|other|others)\b|\b(?:else|next|besides|rest|additional)\b", re.IGNORECASE
)


def asks_for_another(question: str) -> bool:
    """True when the question asks for something other than what was said (next, other, else, the rest)."""
    if _ENGLISH_CUES.search(question):
        return True
    forms = morphemes(question)
    for before, m in zip([None, *forms], forms, strict=False):
        if (m.tag, m.form) in _KOREAN_CUES:
            return True
        if m.form == "밖" and before is not None and before.tag == "MM" and before.form in _DEMONSTRATIVES:
            return True
    return False


def was_shown(doc_id: str, start: int, end: int, shown: frozenset[CitedSpan]) -> bool:
    """True when the span `start:end` of a document shares text with one of the `shown` spans."""
    return any(d == doc_id and s < end and start < e for d, s, e in shown)


def already_cited(question: str, history: list[Turn]) -> frozenset[CitedSpan]:
    """What a question asking for another one leaves out: the sentences cited by the turns since the conversation
    last asked for something new (that turn included), so a run of "그다음은?" goes on down the list. Empty for
    any other question."""
    if not history or not asks_for_another(question):
        return frozenset()
    spans: set[CitedSpan] = set()
    for turn in reversed(history):
        spans.update((c["doc_id"], c["start"], c["end"]) for c in turn.payload.get("citations", []))
        if not asks_for_another(turn.question):
            break
    return frozenset(spans)
