"""What kind of answer a question asks for, and whether a sentence contains one."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class AnswerType:
    """A question cue (Korean or English) and the pattern an answering sentence must contain; `unless` the
    question also names something else to measure (얼마나 of a weight is no amount of money)."""

    name: str
    cue: re.Pattern[str]
    evidence: re.Pattern[str]
    unless: re.Pattern[str] | None = None


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Checked in order; the first whose cue matches applies (specific units before the generic 얼마 of money).
# English cues are whole words: "strategy" holds "rate", "Kwon" holds "won"; "to rate" is a verb.
# Durations are no dates (몇 년 동안, how much longer): the sentence's value may be "15년" or "6개월".
_OTHER_MEASURE = _re(
    r"무게|중량|길이|높이|거리|속도|기간|크기|동안"
    r"|\b(?:long(?:er)?|weigh(?:s|t)?|heav(?:y|ier)|tall(?:er)?|far(?:ther)?|distance|length|height|duration|period)\b"
)
ANSWER_TYPES: tuple[AnswerType, ...] = (
    AnswerType(
        "percent",
        _re(
            r"비율|비중|몇\s*%|퍼센트|점유율|의존률|의존율"
            r"|\b(?:percent(?:age)?|share|proportion)s?\b|(?<!\bto )\brates?\b"
        ),
        _re(r"\d[\d,.]*\s*(?:%|퍼센트|percent)"),
    ),
    AnswerType(
        "people",
        _re(r"몇\s*명|인구|인원|직원|how many (?:people|persons|employees|workers|jobs)|\b(?:population|headcount)\b"),
        _re(r"\d[\d,.]*\s*(?:여\s*)?(?:만\s*)?(?:여\s*)?명|\d[\d,.]*\s*(?:people|persons|employees|workers|jobs)|일자리\s*\d"),
    ),
    AnswerType(
        "area",
        _re(r"면적|넓이|how (?:large|big)|\bareas?\b|square met"),
        _re(r"\d[\d,.]*\s*(?:여)?\s*(?:만\s*)?(?:㎡|m2|m²|평|ha|헥타르|square)"),
    ),
    AnswerType(
        "money",
        _re(
            r"얼마|금액|예산|비용|사업비|재원|투자\s*규모"
            r"|how much|\b(?:budget|cost|fund(?:ing|ed)?|spen[dt]|spending|won|money)s?\b"
        ),
        _re(r"\d[\d,.]*\s*(?:여\s*)?(?:조|억|만|천)?\s*(?:\d[\d,.]*\s*(?:억|만|천)\s*)?(?:여\s*)?원|\bwon\b|KRW|\$\s*\d|달러"),
        _OTHER_MEASURE,
    ),
    AnswerType(
        "date",
        _re(r"언제|몇\s*년(?!\s*(?:동안|간|째|이나))|몇\s*월|시기|시점|연도|when\b|what year|which year|what month"),
        # ’25.1.17. and 25.1.17: government documents write years with two digits.
        _re(r"\d{4}\s*년|\d{1,2}\s*월|\d{4}[./-]\d{1,2}|[’'‘]\d{2}[./]\d{1,2}|\b\d{2}\.\d{1,2}\.\d{1,2}\b"
            r"|올해|지난해|작년|내년|\b(?:19|20)\d{2}\b"),
    ),
    AnswerType(
        "quantity",
        _re(r"정량|수치|계량|\bquantitative\b|\bfigures?\b"),
        _re(r"\d[\d,.]*\s*(?:여\s*)?(?:[조억만천]|%|퍼센트|원|명|개|곳|건|배|톤|달러|percent|won|people|jobs)"),
    ),
    AnswerType(
        "count",
        _re(r"몇\s*(?:개|곳|가지|건|번|차)|how many|number of"),
        _re(
            r"\d|(?:한|두|세|네|다섯|여섯|일곱|여덟|아홉|열)\s*(?:개|곳|가지|번|명|째)"
            r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten)\b"
        ),
    ),
)


def expected_answer_type(question: str) -> AnswerType | None:
    """The answer type a question asks for, or None when any sentence may answer it."""
    for answer_type in ANSWER_TYPES:
        if answer_type.cue.search(question) and not (answer_type.unless and answer_type.unless.search(question)):
            return answer_type
    return None


def sentence_answers_type(sentence: str, answer_type: AnswerType | None) -> bool:
    """True when the sentence holds a value of the asked-for type (always true for no type)."""
    return answer_type is None or bool(answer_type.evidence.search(sentence))
