"""What kind of answer a question asks for, and whether a sentence contains one.

The kind comes from what the question asks, not from any word in it: a Korean question's last question word
(언제, 몇 명, 얼마) and the words next to it (사업비는 얼마, 얼마가 투자될), or, with no question word, its last two
words (투입된 금액은?); an English question's words from its first question word on (how much, in what year).
So 선거비용을 폭로한 사람은? asks for a person, not an amount of money, and 전면적으로 언제 asks for a date, not an
area. The kind is a hard filter on candidate sentences (`assistant.answer`), so its evidence patterns favour
recall: any currency, two-digit years, centuries and decades, times of day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.korean import morphemes
from index.language import detect_language


@dataclass(frozen=True)
class AnswerType:
    """A kind of value and the pattern an answering sentence must contain."""

    name: str
    evidence: re.Pattern[str]


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Syllables ending in ㄴ: the adnominal ending before a noun (설립된 해, 태어난 해, 많은 해).
_FINAL_N = "".join(chr(0xAC00 + syllable * 28 + 4) for syllable in range(19 * 21))
# A question that asks for a year: 연도; 어느 해 (어느 해부터, 어느 해였나, 어느 해요?; not 어느 해외); 몇 해 (not
# 몇 해 동안); or 해 as the noun an adnominal clause ends in, last or before 언제 (설립된 해는?, 해는요?; not 그 해에
# 누가 …, nor the verb of 누가 발표 해?, 안 해? or 주말에는 해요?).
YEAR_ASKED = _re(
    r"어느\s*해(?=(?:[는가를에도의]|부터|까지)?요?(?:[^가-힣]|$)|였|이었|인가|일까|부터|까지)"
    r"|몇\s*해(?=[는가를에도]?(?:[^가-힣]|$))(?!\s*(?:동안|간|마다))"
    rf"|(?<=[{_FINAL_N}]\s)(?<![안못]\s)해(?=(?:[는가를]요?)?\s*(?:언제|[?？]?\s*$))"
    r"|(?<!\d)(?:연도|년도)|\b(?:what|which) years?\b"
)


# A number, Korean magnitudes included: 497억, 2천7백만, 8만 1219, 40여만, 3.5.
_NUMBER = r"\d[\d,.]*\s*(?:여\s*)?(?:[십백천만억조]+\s*(?:\d[\d,.]*\s*)?(?:여\s*)?)*"
_CURRENCY = r"원|달러|유로|파운드|엔|위안|프랑|마르크|루블|페소|리라|dollars?|euros?|pounds?|yen|yuan"
_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
TYPES = {
    answer_type.name: answer_type
    for answer_type in (
        AnswerType(
            "money",
            _re(rf"{_NUMBER}(?:{_CURRENCY})|\d\s*[조억]|[$€£¥]\s*\d|\b(?:KRW|USD|EUR|GBP|JPY|CNY)\b|\bwon\b"),
        ),
        AnswerType("percent", _re(r"\d[\d,.]*\s*(?:%|퍼센트|percent|포인트)|\d+\s*분의\s*\d+|\b\d+\s*/\s*\d+\b")),
        AnswerType(
            "people",
            _re(rf"{_NUMBER}(?:명|인)|\d[\d,.]*\s*(?:people|persons|employees|workers|jobs)|일자리\s*\d"),
        ),
        AnswerType("area", _re(rf"{_NUMBER}(?:㎡|㎢|m2|m²|km2|km²|평|ha|헥타르|에이커|acres?|square|제곱)")),
        # ’25.1.17 and 25.1.17: government documents write years with two digits.
        AnswerType(
            "date",
            _re(
                _NUMBER + r"(?:년|세기|월|일|시)|[’'‘]\d{2}[./]\d{1,2}|\b\d{2}\.\d{1,2}\.\d{1,2}\b|\d{4}[./-]\d{1,2}"
                r"|\b(?:19|20)\d{2}s?\b|\d+(?:st|nd|rd|th)\s+century"
                r"|올해|지난해|작년|내년|이듬해|정오|자정|새벽|오전|오후|\b(?:" + _MONTHS + r")\b"
            ),
        ),
        AnswerType(
            "quantity",
            _re(r"\d[\d,.]*\s*(?:여\s*)?(?:[조억만천]|%|퍼센트|원|명|개|곳|건|배|톤|달러|percent|won|people|jobs)"),
        ),
        # Any number: how many of something, or an amount the question does not name a kind of (얼마나 늘었나).
        AnswerType(
            "count",
            _re(
                r"\d|(?:한|두|세|네|다섯|여섯|일곱|여덟|아홉|열|첫)\s*(?:개|곳|가지|번|명|째|차례|골|척|채|대|권|편|마리|종)"
                r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|once|twice)\b"
            ),
        ),
    )
}

# Nouns that name the kind of value asked for, checked in this order (Korean cues may sit inside words: 사업비는;
# a rate before money: 연봉 인상률 is a percentage).
_NOUN_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "percent",
        _re(
            r"비율|비중|퍼센트|점유율|지지율|득표율|의존[율률]|\b(?:percent(?:age)?|share|proportion)s?\b"
            r"|(?<!\bto )\brates?\b"
        ),
    ),
    (
        "money",
        _re(
            r"금액|예산|비용|사업비|재원|투자\s*규모|투자액|가격|요금|이적료|연봉|주급|월급|임금|상금|지원금|보조금"
            r"|\b(?:budget|cost|fund(?:ing|ed)?|spen[dt]|spending|invest(?:ed|ment)?|won|money|price|fee|salary)s?\b"
        ),
    ),
    ("area", _re(r"면적|\bareas?\b|square met|how (?:large|big)")),
    ("people", _re(r"인구|인원|직원|\b(?:population|headcount)\b|how many (?:people|persons|employees|workers|jobs)")),
    ("quantity", _re(r"정량|수치|계량|\bquantitative\b|\bfigures?\b")),
    ("date", _re(rf"시기|시점|날짜|일자|{YEAR_ASKED.pattern}|\bwhen\b|what (?:month|date)|which month")),
)
# Verbs of money right after 얼마 (얼마가 투자될, 얼마를 지급); before it they describe something else
# (투자한 기업은 얼마나).
_SPENT = re.compile(r"투자|투입|출연|지급|조달|모금")
_OTHER_MEASURE = _re(r"무게|중량|길이|높이|거리|속도|기간|크기|동안|\b(?:long(?:er)?|weigh|heavy|tall|far|distance)\b")
_KOREAN_QUESTION_WORD = re.compile(r"누구|누가|언제|며칠|어디|무엇|무슨|어떤|어떠한|어느|(?<!몇)몇(?!몇)|얼마|뭐|뭘")
_ENGLISH_QUESTION_WORD = _re(r"\b(?:what|which|how|when|who|whom|whose|where)\b")


def _noun_kind(phrase: str) -> str | None:
    return next((name for name, cue in _NOUN_CUES if cue.search(phrase)), None)


def _amount_kind(before: str, after: str) -> str:
    """What 얼마 (or 어느 정도) asks for, from the words around it: a rate, money, an area... or any number."""
    if re.search(r"[율률](?:은|는|이|가|을|를|의)?$", before):  # 상승률은 얼마: a rate
        return "percent"
    following = " ".join(after.split()[:2])  # 얼마가 투자될, 얼마의 주파수
    if _SPENT.search(following):
        return "money"
    named = _noun_kind(before + " " + following)
    return "count" if named is None or _OTHER_MEASURE.search(before + after) else named


def _korean_kind(question: str) -> str | None:
    """The kind a Korean question asks for, from its last question word and the two words before it."""
    found = list(_KOREAN_QUESTION_WORD.finditer(question))
    if not found:
        return _noun_kind(" ".join(question.rstrip(" ?？.").split()[-2:]))
    asked = found[-1]
    word, after = asked.group(), question[asked.end() :].lstrip()
    before = " ".join(question[: asked.start()].split()[-2:])
    if word in ("언제", "며칠"):
        return "date"
    if word == "몇":
        if re.match(r"(?:년|해|월|일)(?:도)?(?!\s*(?:동안|간|째|이나|마다|에\s*한|이\s*지))", after):
            return "date"
        if re.match(r"%|퍼센트", after):
            return "percent"
        return "people" if re.match(r"명|인(?![가-힣])", after) else "count"
    if word == "얼마" or (word == "어느" and after.startswith("정도")):
        return _amount_kind(before, after.removeprefix("정도").lstrip())
    if word == "어느":
        return "date" if re.match(r"연도|년도|시기|때", after) or _year_noun_follows(question, asked.end()) else None
    return None  # 누구, 어디, 무엇...: a name, a place or a thing


def _year_noun_follows(question: str, position: int) -> bool:
    """True when the first morpheme from `position` on is the noun 해 (어느 해에, 어느 해부터; not 어느 해외)."""
    following = next((m for m in morphemes(question) if m.start >= position), None)
    return following is not None and following.form == "해" and following.tag.startswith("NN")


def _english_kind(question: str) -> str | None:
    """The kind an English question asks for, from its first question word on."""
    asked = _ENGLISH_QUESTION_WORD.search(question)
    phrase = question[asked.start() :] if asked else question
    if re.match(r"who|whom|whose|where", phrase, re.IGNORECASE):
        return None
    head = " ".join(phrase.split()[:6])  # what/which + the noun asked about; the rest is context
    if re.match(r"how much", head, re.IGNORECASE):  # of what: anywhere in the question (how much of the budget...)
        named = _noun_kind(phrase)
        return "count" if named is None or _OTHER_MEASURE.search(head) else named
    named = _noun_kind(head)
    if re.match(r"how many|number of", head, re.IGNORECASE):
        return "people" if named == "people" else "count"
    return named


def expected_answer_type(question: str) -> AnswerType | None:
    """The answer type a question asks for, or None when any sentence may answer it."""
    kind = _korean_kind(question) if detect_language(question) == "ko" else _english_kind(question)
    return TYPES.get(kind) if kind else None


def sentence_answers_type(sentence: str, answer_type: AnswerType | None) -> bool:
    """True when the sentence holds a value of the asked-for type (always true for no type)."""
    return answer_type is None or bool(answer_type.evidence.search(sentence))
