"""Short answers narrowed to what the question asks: the year of a date for a year question (어느 해, 연도, what
year), a person's name without the title after it for a who-question (김재원 간사 → 김재원; a Korean name: three
syllables, a common surname first). The rules are grammatical, not fitted; they were measured on the KorQuAD fit
and calibrate articles. `shown_extent` is what a short answer shows: this, or the whole list (`enumeration.py`)."""

from __future__ import annotations

import re

from assistant.enumeration import asks_for_several, enumeration_around
from assistant.question_types import YEAR_ASKED
from index.korean import morphemes

_WHO_QUESTION = re.compile(r"누구|누가|인물|사람|\bwhom?\b", re.I)
_YEAR_OF_DATE = re.compile(r"^((?:1[5-9]|20)\d{2}\s*년)\s*\d{1,2}\s*월")
# The forty most common Korean surnames (most Korean people bear one); a three-syllable name begins with one. Places and
# bodies written like a name (구미시, 민주당, 서울대) end in a syllable that names a unit or body.
_SURNAMES = frozenset("김이박최정강조윤장임한오서신권황안송전홍유류고문양손배백허남심노하곽성차주우구민진나지")
_BODY_ENDINGS = frozenset("시군구도당대차청처회단")


def shown_extent(question: str, sentence: str, start: int, end: int) -> tuple[int, int]:
    """What is shown as the short answer for the phrase `sentence[start:end]`: the whole enumeration it is an item
    of when the question asks for several things, else the part of it `narrowed` finds, else the phrase."""
    if asks_for_several(question) and (whole := enumeration_around(sentence, start, end)):
        return whole
    if narrow := narrowed(question, sentence[start:end]):
        return start + narrow[0], start + narrow[1]
    return start, end


def narrowed(question: str, phrase: str) -> tuple[int, int] | None:
    """The part of `phrase` (start, end) that answers `question` when it is less than the whole phrase: the year
    of a date (2008년 2월 25일 → 2008년) when a year is asked, a name before its title (김재원 간사 → 김재원) when a
    person is; else None."""
    if YEAR_ASKED.search(question) and (year := _YEAR_OF_DATE.match(phrase)):
        return 0, year.end(1)
    if _WHO_QUESTION.search(question) and _is_korean_name(first := phrase.split(" ")[0]) and first != phrase:
        tokens = morphemes(phrase)
        named = [t for t in tokens if t.end <= len(first)]
        titles = [t for t in tokens if t.start > len(first)]
        if len(named) == 1 and named[0].tag == "NNP" and all(t.tag == "NNG" for t in titles):
            return 0, len(first)
    return None


def _is_korean_name(word: str) -> bool:
    """Three Hangul syllables, a common surname first, no unit or body last (김재원; not 구미시, 서울대)."""
    hangul = re.fullmatch(r"[가-힣]{3}", word) is not None
    return hangul and word[0] in _SURNAMES and word[-1] not in _BODY_ENDINGS
