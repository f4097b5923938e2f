"""Questions that ask for several things, and the list in a sentence that answers them.

"인재를 키우는 사업 두 가지는?", "공동 사업에는 어떤 것들이 있나요?", "주요 도시들은?", "What are the three
policies?" ask for a list. When the phrase that answers is one item of an enumeration (A, B, C 등 / A·B와 C /
A 및 B), the short answer is the whole enumeration. The rules are grammatical, not fitted.
"""

from __future__ import annotations

import re

from assistant.question_types import expected_answer_type
from assistant.short_answer import noun_runs
from index.korean import Morpheme, morphemes

_COUNTED = {"가지", "개", "곳"}  # 두 가지, 세 개, 3곳: a number of things asked for
_ENGLISH = re.compile(
    r"\b(?:two|three|four|five|six|seven|several|various|all the)\s+(?:[a-z-]+\s+)?[a-z-]+s\b|\blist\b",
    re.IGNORECASE,
)
_PARENTHESES = {"SSO", "SSC"}
_NOUN_TAGS = {"NNG", "NNP", "SL", "SH", "SN", "NR"}
_ETC = {"등", "등등", "등지"}  # "and so on" after a list's last item
_PAIRS = (("(", ")"), ("‘", "’"), ("“", "”"), ("「", "」"), ("『", "』"), ("<", ">"), ("《", "》"), ("〈", "〉"))
_BOUNDARIES = ",·、" + "".join(opening + closing for opening, closing in _PAIRS)
_NUMERALS = {"두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉", "열"}


def asks_for_several(question: str) -> bool:
    """True when what the question asks for is several things: its last noun phrase counted (사업 두 가지는?, 세 개의
    정책은?, but not 몇 가지) or in the plural (사업들은?, 어떤 것들이 있나요?), and no amount, date or count
    asked (소방관들은 몇 명인가?); in English, a number before a plural noun, or "list"."""
    if expected_answer_type(question) is not None:
        return False
    if _ENGLISH.search(question):
        return True
    tokens = morphemes(question)
    for i, token in enumerate(tokens):
        counted = token.tag == "NNB" and token.form in _COUNTED and i > 0 and _is_numeral(tokens[i - 1])
        plural = token.tag == "XSN" and token.form == "들"
        if not (counted or plural):
            continue
        rest = tokens[i + 1 :]
        if counted:  # the counted noun may follow: 세 가지 정책은, 세 개의 정책은
            while rest and (rest[0].tag in _NOUN_TAGS or rest[0].tag == "JKG"):
                rest = rest[1:]
        if not any(t.tag in _NOUN_TAGS for t in rest):  # asked for at the end, not a plural subject (선수들이 …)
            return True
    return False


def _is_numeral(token: Morpheme) -> bool:
    """두, 세, 3...: a number above one, not another determiner (몇 가지, 여러 가지, 한 곳)."""
    return (token.tag in ("SN", "NR") and token.form not in {"1", "하나", "일"}) or token.form in _NUMERALS


def _separates_items(token: Morpheme) -> bool:
    return (token.tag == "SP" and token.form in {",", "、"}) or token.tag == "JC" or token.form in {"및", "·"}


def enumeration_around(sentence: str, start: int, end: int) -> tuple[int, int] | None:
    """The (start, end) of the enumeration in `sentence` that the phrase at `start:end` is an item of (from its
    first item to its last, 등 and what follows it left out; inside the parenthesis the phrase stands in, if
    any), or None when the phrase is in no list of two or more items."""
    opening = sentence.rfind("(", 0, start)
    closing = sentence.find(")", end)
    if opening >= 0 and closing >= 0 and ")" not in sentence[opening:start]:  # 뉴딜정책(A, B, C 정책)
        inner = enumeration_around(sentence[opening + 1 : closing], start - opening - 1, end - opening - 1)
        return (opening + 1 + inner[0], opening + 1 + inner[1]) if inner else None
    tokens = morphemes(sentence)
    position = {id(t): i for i, t in enumerate(tokens)}
    chains: list[tuple[Morpheme, Morpheme, int]] = []  # (first morpheme, last morpheme, number of items)
    for run in noun_runs(tokens, sentence):
        if chains:
            first, last, items = chains[-1]
            gap = tokens[position[id(last)] + 1 : position[id(run[0])]]
            if gap and all(t.tag in _PARENTHESES for t in gap):  # 공동 IRB(임상시험심사위원회), (MEC) 플랫폼
                chains[-1] = (first, run[-1], items)
                continue
            separated = any(map(_separates_items, gap))
            if separated and all(t.tag in _PARENTHESES or _separates_items(t) for t in gap):  # A, B / A와 B / A 및 B
                chains[-1] = (first, run[-1], items + 1)
                continue
        chains.append((run[0], run[-1], 1))
    for first, last, items in chains:
        if items < 2 or not (first.start < end and start < last.end):
            continue
        inside = tokens[position[id(first)] : position[id(last)] + 1]
        etc = next((i for i, t in enumerate(inside) if t.form in _ETC and i > 0), None)
        stop = inside[etc - 1] if etc is not None else last  # 시장 등 (헬스케어 분야): the list, not "and so on"
        return _balanced(sentence, _word_start(sentence, first.start), stop.end)
    return None


def _word_start(text: str, start: int) -> int:
    """Where the word holding `start` begins (홀로그램: Kiwi may read 홀로 as an adverb)."""
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in _BOUNDARIES:
        start -= 1
    return start


def _balanced(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened to take in the other half of a bracket or quote it holds only one half of."""
    for opening, closing in _PAIRS:
        opened, closed = text.count(opening, start, end), text.count(closing, start, end)
        if opened > closed and (after := text.find(closing, end)) >= 0:
            end = after + 1
        if closed > opened and (before := text.rfind(opening, 0, start)) >= 0:
            start = before
    return start, end
