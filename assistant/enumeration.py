"""Questions that ask for several things, and the list in a sentence that answers them.

"인재를 키우는 사업 두 가지는?", "공동 사업에는 어떤 것들이 있나요?", "주요 도시들은?", "What are the three
policies?" ask for a list. When the phrase that answers is one item of an enumeration (A, B, C 등 / A·B와 C /
A 및 B), the short answer is the whole enumeration. The rules are grammatical, not fitted.
"""

from __future__ import annotations

import re

from assistant.question_types import expected_answer_type
from assistant.short_answer import QUOTE_PAIRS, noun_runs
from index.korean import Morpheme, morphemes

_ENGLISH = re.compile(
    r"\b(?:two|three|four|five|six|seven|several|various|all the|[2-9])\s+(?:[a-z-]+\s+)?[a-z-]+s\b|\blist\b",
    re.IGNORECASE,
)
_NOUN_TAGS = {"NNG", "NNP", "NNB", "SL", "SH", "SN", "NR"}
_NUMERALS = {"두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉", "열"}
_NOT_COUNTED = {"번", "번째", "째", "차"}  # 두 번, 두 번째: times and ordinals, not a number of things
_COUNTED = {"가지", "개", "곳", "종", "대", "명"}  # counters after digits: 3가지, 2곳
_PARENTHESES = {"SSO", "SSC"}
_TOPIC = {"은", "는"}
_ETC = {"등", "등등", "등지"}  # "and so on" after a list's last item
# Brackets and the quotes that open and close differently: a list's items keep theirs whole.
_PAIRS = {"(": ")", "<": ">", **{opening: closing for opening, closing in QUOTE_PAIRS if opening != closing}}
_BOUNDARIES = ",·、" + "".join(_PAIRS) + "".join(_PAIRS.values())


def asks_for_several(question: str) -> bool:
    """True when what the question asks for is several things: its last noun phrase counted (사업 두 가지는?, 세
    도시는?, but not 몇 가지, 두 번째) or in the plural (사업들은?, 어떤 것들이 있나요?, but not a plural subject or
    topic: 선수들이 …, 기업들은 무엇을 얻나요?), and no amount, date or count asked (소방관들은 몇 명인가?); in
    English, a number before a plural noun, or "list"."""
    if expected_answer_type(question) is not None:
        return False
    if _ENGLISH.search(question):
        return True
    tokens = morphemes(question)
    for i, token in enumerate(tokens):
        counted = i > 0 and _counts(tokens[i - 1], token)
        plural = token.tag == "XSN" and token.form == "들"
        if not (counted or plural):
            continue
        rest = tokens[i + 1 :]
        if counted:  # the counted noun may follow: 세 가지 정책은, 세 개의 정책은
            while rest and (rest[0].tag in _NOUN_TAGS or rest[0].tag == "JKG"):
                rest = rest[1:]
        if not _names_something_else(rest):
            return True
    return False


def _counts(number: Morpheme, noun: Morpheme) -> bool:
    """True when `number` counts `noun` above one: 두 도시, 세 가지 (a numeral determiner before any noun but 번, 번째),
    3곳, 2개 (digits before a counter only: 2005년, 6호 are a date and a name)."""
    if number.tag == "MM":
        return number.form in _NUMERALS and noun.tag in ("NNG", "NNB") and noun.form not in _NOT_COUNTED
    return number.tag in ("SN", "NR") and number.form not in {"1", "하나", "일"} and noun.form in _COUNTED


def _names_something_else(rest: list[Morpheme]) -> bool:
    """True when what follows the counted or plural noun names another thing the question is about: a noun (not
    one made a verb: 투자하나요) or a question word with a case particle (무엇을 얻나요), not with the copula
    (무엇인가요)."""
    for token, after in zip(rest, [*rest[1:], None], strict=True):
        verbal = after is not None and after.tag in ("XSV", "XSA")
        if token.tag in _NOUN_TAGS and not verbal:
            return True
        if token.tag == "NP" and after is not None and after.tag.startswith("JK"):
            return True
    return False


def _separates_items(token: Morpheme) -> bool:
    """A comma, a conjunctive particle (와, 과, 이나) or 및 between two items of a list."""
    return (token.tag == "SP" and token.form in {",", "、"}) or token.tag == "JC" or token.form in {"및", "·"}


def enumeration_around(sentence: str, start: int, end: int) -> tuple[int, int] | None:
    """The (start, end) of the enumeration in `sentence` that the phrase at `start:end` is an item of (from its
    first item to its last, with the quotes or brackets around them, 등 and what follows it left out; inside the
    parenthesis the phrase stands in, if any), or None when the phrase is in no list of two or more items, or the
    list is not one (울산은 수소, 부산은 해양: two clauses) or would cut a bracket or quote in half."""
    opening = sentence.rfind("(", 0, start)
    closing = sentence.find(")", end)
    if opening >= 0 and closing >= 0 and ")" not in sentence[opening:start]:  # 뉴딜정책(A, B, C 정책)
        inner = enumeration_around(sentence[opening + 1 : closing], start - opening - 1, end - opening - 1)
        return (opening + 1 + inner[0], opening + 1 + inner[1]) if inner else None
    tokens = morphemes(sentence)
    position = {id(t): i for i, t in enumerate(tokens)}
    chain = _chain_around(tokens, position, noun_runs(tokens, sentence), start, end)
    if chain is None:
        return None
    first, last = position[id(chain[0])], position[id(chain[1])]
    before = tokens[first - 1] if first > 0 else None
    after = tokens[last + 1] if last + 1 < len(tokens) else None
    if before and after and before.form in _TOPIC and after.form in _TOPIC and after.tag == "JX":
        return None  # 울산은 수소, 부산은 해양: each item names the topic of a clause of its own
    stop = last
    for i in range(first + 1, last + 1):
        if tokens[i].form in _ETC and tokens[i].start > start:  # 시장 등 (헬스케어 분야): the list, not "and so on"
            stop = i - 1
            break
    while stop > first and (_separates_items(tokens[stop]) or tokens[stop].tag == "SSO"):
        stop -= 1
    low, high = _word_start(sentence, tokens[first].start), tokens[stop].end
    if low > 0 and sentence[low - 1] in _PAIRS:
        if low > 1 and not sentence[low - 2].isspace():
            return None  # 1단계(2024~2025년), 2단계: the list would start inside another word's parenthesis
        low -= 1
    if high < len(sentence) and sentence[high] in _PAIRS.values():
        high += 1
    return (low, high) if low <= start < high and _balanced(sentence[low:high]) else None


def _chain_around(
    tokens: list[Morpheme], position: dict[int, int], runs: list[list[Morpheme]], start: int, end: int
) -> tuple[Morpheme, Morpheme] | None:
    """The first and last morphemes of the run of two or more list items (noun runs joined by separators; a
    parenthesis stays inside its item: 공동 IRB(임상시험심사위원회)) that overlaps `start:end`."""
    chains: list[tuple[Morpheme, Morpheme, int]] = []  # (first morpheme, last morpheme, number of items)
    for run in runs:
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
        if items >= 2 and first.start < end and start < last.end:
            return first, last
    return None


def _word_start(text: str, start: int) -> int:
    """Where the word holding `start` begins (홀로그램 기술개발: Kiwi may read 홀로 as an adverb)."""
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in _BOUNDARIES:
        start -= 1
    return start


def _balanced(text: str) -> bool:
    """True when every bracket and quote the text opens it also closes, in order."""
    expected: list[str] = []
    for ch in text:
        if ch in _PAIRS:
            expected.append(_PAIRS[ch])
        elif ch in _PAIRS.values() and (not expected or expected.pop() != ch):
            return False
    return not expected
