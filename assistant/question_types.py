"""What kind of answer a question asks for, and whether a sentence contains one.

Korean questions are read as Kiwi morphemes, so a cue is a whole word, not a piece of one ("전면적으로" holds
no 면적, "예비용" no 비용). The type comes from what the question asks for: the unit after 몇 (몇 명, 몇 년),
the noun that 얼마 (얼마나, 어느 정도) measures (a noun of money makes it an amount, otherwise any number
answers), or, without either, the question's last noun ("…투자되는 금액은?", "…감사한 기관의 이름은?"). A
question about who, where or what asks for no value even when it mentions one ("예산 삭감을 제안한 사람은
누구인가?"). English cues are whole words of English questions. The rules were written on development
questions that are not the seeds (the KorQuAD fit and calibrate parts and the sample documents' questions),
where the hard filter this feeds (`ExtractiveAnswerer`) used to drop the sentence that answers one typed
question in four; now one in forty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.korean import Morpheme, morphemes
from index.language import detect_language


@dataclass(frozen=True)
class AnswerType:
    """A kind of value and the pattern an answering sentence must contain."""

    name: str
    evidence: re.Pattern[str]


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_NUMBER_WORD = (
    r"첫\s*(?:번)?째|(?:한|두|세|네|다섯|여섯|일곱|여덟|아홉|열|스무|수십|수백|수천|수만)"
    r"\s*(?:개|곳|가지|번|명|째|배|차례|해|살|척|골|대|권|편|마리|채)"
)
_ENGLISH_NUMBER = r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?)\b"
# A number starts where no digit stands before it and takes all its digits at once (possessive): a long run of
# digits is then read once, not once from every position in it.
_N = r"(?<![\d,.])\d[\d,.]*+"
_UNIT = r"(?:조|억|천만|백만|만|천|백)"
_TYPES = {
    "percent": AnswerType("percent", _re(rf"{_N}\s*(?:%|퍼센트|percent|%p|포인트)|{_N}\s*/\s*\d|분의\s*\S|{_N}\s*할")),
    "people": AnswerType(
        "people",
        _re(
            rf"{_N}\s*(?:여\s*)?(?:만\s*)?(?:여\s*)?(?:명|인)|{_N}\s*(?:people|persons|employees|workers|jobs)|일자리\s*\d"
        ),
    ),
    "area": AnswerType(
        "area", _re(rf"{_N}\s*(?:여)?\s*(?:만\s*)?(?:㎡|㎢|m2|m²|km2|km²|평|ha|헥타르|에이커|square|acre)")
    ),
    "money": AnswerType(
        "money",
        _re(
            rf"(?=\d)(?<![\d,.])(?:{_N}\s*(?:여\s*)?{_UNIT}\s*(?:여\s*)?)*+(?:{_N}\s*(?:여\s*)?)?"
            rf"(?:원|달러|유로|파운드|엔|위안|프랑|루블)|\bwon\b|KRW|[$€£¥]\s*\d|{_N}\s*(?:dollars|euros|pounds|yen)"
        ),
    ),
    # A moment: a dated or timed value, or a named period ("20세기 초", "70년대", "신생대 초기"). ’25.1.17 and
    # 25.1.17: government documents write years with two digits.
    "date": AnswerType(
        "date",
        _re(
            rf"{_N}\s*(?:년|월|일|시|세기)|\d{{4}}[./-]\d{{1,2}}|[’'‘]\d{{2}}[./]\d{{1,2}}|\b\d{{2}}\.\d{{1,2}}\.\d{{1,2}}\b"
            r"|올해|지난해|작년|내년|\b(?:19|20)\d{2}\b|세기|년대|시대|초기|중기|말기|초반|중반|후반|정오|새벽|자정"
            r"|\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\b"
        ),
    ),
    "year": AnswerType("year", _re(rf"{_N}\s*(?:천|백|만)?\s*년|\b(?:19|20)\d{{2}}\b|{_N}\s*years?")),
    "count": AnswerType("count", _re(rf"\d|{_NUMBER_WORD}|{_ENGLISH_NUMBER}")),
    "quantity": AnswerType("quantity", _re(rf"\d|{_NUMBER_WORD}|{_ENGLISH_NUMBER}")),
}

# Korean: the unit after 몇, and the nouns that name a kind of value (a whole noun, or the end of one: 지지율).
_COUNTERS = {"명": "people", "인": "people", "년": "year", "년도": "year", "해": "year", "월": "date"}
# A noun ending in 율/률 is a rate (지지율, 의존률), except a few that are not.
_PERCENT_NOUN = re.compile(r"^(?!(?:법률|규율|자율|선율|운율|전율|계율|음률)$).+(?:율|률)$|^(?:비중|퍼센트)$")
_MONEY_NOUN = re.compile(
    r"^(?:금액|예산|비용|사업비|경비|운영비|인건비|재원|투자비|가격|값|돈|자금|기금|매출|임금|연봉|급여|이적료|과태료|벌금"
    r"|수수료|요금|보조금|지원금|과징금|부담금|상금|(?:투자|수입|수출|매출|예산|거래|피해|지원|총|잔)액)$"
)
_PEOPLE_NOUN = re.compile(r"^(?:인구|인원|직원|인력|고용|인원수)$")
_AREA_NOUN = re.compile(r"^(?:면적|넓이)$")
_DATE_NOUN = re.compile(r"^(?:시기|시점|연도|날짜|일자|날)$")
_COUNT_NOUN = re.compile(r"^(?:수|개수|숫자|횟수|건수)$")
# An amount of something, or anything asked for "in figures" (정량 목표, 수치 목표): any number answers.
_QUANTITY_NOUN = re.compile(r"^(?:수치|정량|액수|수량|분량)$")
_IN_FIGURES = frozenset({"정량", "수치"})
_NOUN_TYPES = (
    (_PERCENT_NOUN, "percent"),
    (_MONEY_NOUN, "money"),
    (_PEOPLE_NOUN, "people"),
    (_AREA_NOUN, "area"),
    (_DATE_NOUN, "date"),
    (_COUNT_NOUN, "count"),
    (_QUANTITY_NOUN, "quantity"),
)
_NOUN_TAGS = frozenset({"NNG", "NNP", "NNB", "NR"})
_ENTITY_WORDS = frozenset({"누구", "누가", "어디", "무엇", "뭐", "무얼", "어느", "어떤", "무슨", "어떻"})
_HOW_MUCH = frozenset({"얼마", "얼마나"})
_QUANTITY_WORDS = _HOW_MUCH | {"몇", "언제"}

# English: whole words of an English question, checked in order.
_ENGLISH_CUES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_re(r"\b(?:percent(?:age)?|share|proportion)s?\b|(?<!\bto )\brates?\b"), "percent"),  # not "to rate"
    (_re(r"how many (?:people|persons|employees|workers|jobs)|\b(?:population|headcount)\b"), "people"),
    (_re(r"how (?:large|big)|\bareas?\b|square met"), "area"),
    (_re(r"\b(?:budget|cost|fund(?:ing|ed)?|spen[dt]|spending|won|money)s?\b"), "money"),
    (_re(r"how much\b.*\b(?:invest(?:ed|ment)?|pay|paid|worth|price)\b"), "money"),
    (_re(r"how much\b"), "quantity"),
    (_re(r"\bwhen\b|what year|which year|what month"), "date"),
    (_re(r"how many|number of"), "count"),
)


def expected_answer_type(question: str) -> AnswerType | None:
    """The kind of value a question asks for, or None when any sentence may answer it."""
    if detect_language(question) == "en":
        return next((_TYPES[name] for cue, name in _ENGLISH_CUES if cue.search(question)), None)
    name = _korean_type(morphemes(question))
    return _TYPES[name] if name else None


def _noun_type(form: str) -> str | None:
    return next((name for pattern, name in _NOUN_TYPES if pattern.search(form)), None)


def _nouns(tokens: list[Morpheme]) -> list[str]:
    """The nouns of `tokens` in order, a noun suffix joined to its noun (고용+률: 고용률), interrogatives left out."""
    nouns: list[str] = []
    for before, token in zip([None, *tokens], tokens, strict=False):
        if token.tag == "XSN" and before is not None and before.tag in _NOUN_TAGS and nouns:
            nouns[-1] += token.form
        elif token.tag in _NOUN_TAGS and token.form not in _ENTITY_WORDS | _QUANTITY_WORDS:
            nouns.append(token.form)
    return nouns


def _how_much(tokens: list[Morpheme]) -> int | None:
    """Where the question says "how much": 얼마 or 얼마나, or 어느 정도 with no noun after it (not the adverb "to
    some extent" of "어느 정도 닮은 모델은?")."""
    for here, token in enumerate(tokens):
        if token.form in _HOW_MUCH:
            return here
        after = [t.form for t in tokens[here + 1 : here + 2]]
        if token.form == "어느" and after == ["정도"] and not _nouns(tokens[here + 2 :]):
            return here
    return None


def _korean_type(tokens: list[Morpheme]) -> str | None:
    forms = [token.form for token in tokens]
    how_much = _how_much(tokens)
    if how_much is None and _ENTITY_WORDS.intersection(forms) and not _QUANTITY_WORDS.intersection(forms):
        return None
    for here, token in enumerate(tokens[:-1]):
        if token.form == "몇":
            unit = tokens[here + 1].form
            return "percent" if unit in ("%", "퍼센트", "프로") else _COUNTERS.get(unit, "count")
    if how_much is not None:  # what it measures: the noun just before it ("경비는 얼마인가"), else any number
        before = _nouns(tokens[:how_much])
        return (_noun_type(before[-1]) if before else None) or "quantity"
    if "언제" in forms:
        return "date"
    nouns = _nouns(tokens)
    if not nouns:
        return None
    return _noun_type(nouns[-1]) or ("quantity" if _IN_FIGURES.intersection(nouns) else None)


def sentence_answers_type(sentence: str, answer_type: AnswerType | None) -> bool:
    """True when the sentence holds a value of the asked-for type (always true for no type)."""
    return answer_type is None or bool(answer_type.evidence.search(sentence))
