"""Follow-ups that ask for another one ("그다음으로 중요한 콘셉트는?", "그 밖에 어떤 사업이 있나요?", "What else
is planned?"): the sentences the conversation has already cited, which such a question does not want again.

The rules are grammatical, not fitted: 다음 not before a noun (그다음으로, 다음은; not 다음 달, 다음 단계), 다른 not
in a comparison (다른 지역은?; not 다른 사업과 어떻게 달라요?), 나머지, 외 and 이외, 밖 after a demonstrative (그 밖에),
또, 더 before 있다 (더 있나요?), 말고 after a pronoun (그거 말고), 추가로; in English another, other(s) (not each other,
one another), else, next, besides, the rest (not a rest area), additional, in addition, none of them capitalised
inside the question (the Next Generation Center is a name).
"""

from __future__ import annotations

import re

from assistant.conversation import Turn
from index.korean import Morpheme, morphemes

CitedSpan = tuple[str, int, int]  # (doc_id, start, end) of a cited sentence

_KOREAN_CUES = {("NNG", "나머지"), ("NNB", "외"), ("NNG", "이외"), ("MAG", "또")}
_DEMONSTRATIVES = {"그", "이"}
_NOUNS = {"NNG", "NNP", "NNB", "SL", "SH"}
_COMPARED_WITH = {"과", "와", "보다"}
_ENGLISH_CUES = re.compile(
    r"\b(?<!each )(?<!one )(?:another|other|others)\b|\b(?:else|next|besides|additional|in addition)\b"
    r"|\bthe\s+rest\b(?=\s+of\b|\s*(?:[^\w\s]|$))",  # the rest (of them)?; not a rest area, nor to rest
    re.IGNORECASE,
)


def asks_for_another(question: str) -> bool:
    """True when the question asks for something other than what was said (next, other, else, the rest)."""
    text = " ".join(question.split())
    if any(m.start() == 0 or not m.group()[0].isupper() for m in _ENGLISH_CUES.finditer(text)):
        return True
    tokens = morphemes(question)
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i > 0 else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if (token.tag, token.form) in _KOREAN_CUES:
            return True
        if token.tag == "NNG" and token.form == "다음" and not (after and after.tag in _NOUNS):
            return True
        if token.tag == "MM" and token.form == "다른" and not _compared(tokens[i + 1 :]):
            return True
        if token.form == "밖" and before and before.tag == "MM" and before.form in _DEMONSTRATIVES:
            return True
        if token.tag == "MAG" and token.form == "더" and after and after.form == "있":
            return True
        if token.tag == "VV" and token.form == "말" and before and before.tag == "NP" and after and after.form == "고":
            return True
        if token.tag == "NNG" and token.form == "추가" and after and after.tag == "JKB" and after.form == "로":
            return True
    return False


def _compared(rest: list[Morpheme]) -> bool:
    """True when the noun after 다른 is compared with (다른 사업과, 다른 지역보다), not asked for."""
    while rest and rest[0].tag in _NOUNS:
        rest = rest[1:]
    return bool(rest) and rest[0].tag == "JKB" and rest[0].form in _COMPARED_WITH


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
