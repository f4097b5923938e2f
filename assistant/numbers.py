"""Quantities in Korean and English text, normalised so they compare as numbers.

`4000억 원`, `400 billion won` and `4,000억원` are the same amount; `2조 4천억` is 2.4 trillion;
`76.7%` and `76.7 percent` are the same share; `2017년` and `in 2017` are the same year. Money carries its
currency (`1억 5천만 달러` is USD 150 million, not won); an amount in Korean units with no currency is won.
A quantity may be a bound or an estimate (`4000억 원 이상`, `more than 400 billion won`, `약 3만 명`): it keeps
the words that say so, and the range of values it allows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

KOREAN_SCALES = {"만": 1e4, "억": 1e8, "조": 1e12}
ENGLISH_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
NUMBER = r"\d(?:[\d,]*\d)?(?:\.\d+)?"

# A run of numbers and Korean units with only blanks between them: "2조 4천억", "4000억", "76.7".
_KOREAN_RUN = re.compile(rf"(?:{NUMBER}|[조억만천])(?:\s?(?:{NUMBER}|[조억만천]))*")
_ENGLISH = re.compile(
    rf"(?P<currency>KRW|USD|US\$|EUR|JPY|CNY|RMB|GBP|\$|₩|€|£|¥)?\s?(?P<number>{NUMBER})"
    r"\s?(?P<scale>thousand|million|billion|trillion)?",
    re.IGNORECASE,
)
# 불 (the dollar of export figures: 5억불) and 엔 end a word of their own, or take a particle or the copula
# (5억불을, 10억불씩, 5억불이었다), unlike 불법, 불이익, 불만족, 엔진.
_WORD_ENDS = r"(?=(?:을|를|이|은|는|의|에|에서|으로|로|과|와|도|만|씩|어치|까지|이다|이었다|이며|이고)?(?![가-힣]))"
# Currencies written after an amount (Korean and English) or before it (symbols and codes).
_CURRENCY_AFTER = (
    ("KRW", re.compile(r"\s?(?:원|won\b|KRW\b)", re.IGNORECASE)),
    ("USD", re.compile(rf"\s?(?:달러|불{_WORD_ENDS}|dollars?\b|USD\b)", re.IGNORECASE)),
    ("EUR", re.compile(r"\s?(?:유로|euros?\b|EUR\b)", re.IGNORECASE)),
    ("JPY", re.compile(rf"\s?(?:엔(?=화)|엔{_WORD_ENDS}|yen\b|JPY\b)", re.IGNORECASE)),
    ("CNY", re.compile(r"\s?(?:위안|yuan\b|CNY\b|RMB\b)", re.IGNORECASE)),
    ("GBP", re.compile(r"\s?(?:파운드|GBP\b)", re.IGNORECASE)),  # not "pounds": 5 pounds of flour
)
_CURRENCY_BEFORE = {
    "krw": "KRW", "₩": "KRW", "$": "USD", "us$": "USD", "usd": "USD", "eur": "EUR", "€": "EUR", "jpy": "JPY",
    "¥": "JPY", "cny": "CNY", "rmb": "CNY", "gbp": "GBP", "£": "GBP",
}  # fmt: skip
_KOREAN_SUFFIXES = (
    ("percent", re.compile(r"\s?(?:%|퍼센트|프로)")),
    ("people", re.compile(r"\s?명")),
    ("year", re.compile(r"\s?년")),
    ("month", re.compile(r"\s?(?:개월|월)")),
    ("count", re.compile(r"\s?(?:개|곳|가지|건|배)")),
)
_ENGLISH_SUFFIXES = (
    ("percent", re.compile(r"\s?(?:%|percent\b|per cent\b)", re.IGNORECASE)),
    # 30,000 jobs, 30,000 new jobs
    ("people", re.compile(r"\s?(?:[a-z-]+\s)?(?:people|persons|jobs|workers|employees|residents)\b", re.IGNORECASE)),
    ("years", re.compile(r"\s?-?\s?years?\b", re.IGNORECASE)),  # a length of time: 10 years, a 10-year plan
)
LONGEST_DURATION = 1000  # N년 below this is a length of time (10년 후, 3년간), not a calendar year
_SUFFIXES = (*_KOREAN_SUFFIXES, *_ENGLISH_SUFFIXES)  # after a Korean number: Korean counters first


Bound = Literal["exact", "at_least", "more_than", "at_most", "less_than", "about"]
# Words that make a quantity a bound or an estimate, written before it (약 500억, more than 400 billion) or after it
# (4000억 원 이상, 3만명 남짓, 5억불을 넘어); a word before it stands on its own (계약 500억 is no estimate).
_BOUND_WORDS_BEFORE = re.compile(
    r"(?:(?<!\w)(?:(?P<at_least>최소|at least)|(?P<more_than>more than|over|above)|(?P<at_most>최대|up to|at most)"
    r"|(?P<less_than>less than|under|below)|(?P<about>약|대략|about|around|approximately|roughly|nearly|almost)))\s?$",
    re.IGNORECASE,
)
_BOUND_WORDS_AFTER = re.compile(
    r"\s?(?:(?P<at_least>이상|or more)|(?P<more_than>초과|남짓|(?:[을를]\s?)?넘(?:는|게|어|긴|은))"
    r"|(?P<at_most>이하|or less)|(?P<less_than>미만)|(?P<about>가량|정도|안팎|내외|쯤))",
    re.IGNORECASE,
)
BOUND_WINDOW = 20  # characters before a quantity searched for the words that bound it
_LOWER_BOUNDS, _UPPER_BOUNDS = frozenset({"at_least", "more_than"}), frozenset({"at_most", "less_than"})


class Measure(NamedTuple):
    """What a quantity counts: its kind (money, percent, people, year, years, month, count) and, for money, its
    currency; `year` is a calendar year (2017년, in 2017), `years` a length of time (10년 후, 10 years)."""

    kind: str
    currency: str = ""


SIGNIFICANT_DIGITS = 12  # values equal to this many digits are the same (float rounding of 497 × 1e8)


@dataclass(frozen=True)
class Quantity:
    """A normalised value, what kind of thing it counts (money, percent, people, year, month, count) and, for
    money, its currency (KRW, USD, ...)."""

    value: float
    kind: str
    text: str
    start: int = 0
    end: int = 0
    currency: str = ""
    bound: Bound = "exact"
    phrase: str = ""  # as written, with its counter and the words that bound it (3만명 이상, 76.7%)

    @property
    def measure(self) -> Measure:
        """What it counts (kind and, for money, currency)."""
        return Measure(self.kind, self.currency)

    @property
    def key(self) -> tuple[Measure, float]:
        """(measure, value) for set comparisons, the value rounded to SIGNIFICANT_DIGITS."""
        return (self.measure, float(f"{self.value:.{SIGNIFICANT_DIGITS}g}"))

    @property
    def interval(self) -> tuple[float, float]:
        """The values it allows: one for an exact figure, a half-line for a bound, and for an estimate the values
        that round to it at its last significant digit (약 500억: 450억 to 550억; 약 497억: 496.5억 to 497.5억)."""
        if self.bound in _LOWER_BOUNDS:
            return self.value, math.inf
        if self.bound in _UPPER_BOUNDS:
            return -math.inf, self.value
        if self.bound == "about":
            digits = f"{abs(self.value):.{SIGNIFICANT_DIGITS}e}".split("e")
            significant = digits[0].replace(".", "").rstrip("0") or "0"
            half = 0.5 * 10 ** (int(digits[1]) - len(significant) + 1)
            return self.value - half, self.value + half
        return self.value, self.value

    def same_value(self, other: Quantity) -> bool:
        """True for the same measure and the same value (up to float rounding)."""
        return self.key == other.key


def confirms(source: Quantity, claimed: Quantity) -> bool:
    """True when the source's quantity confirms the claimed one: the same figure unless bounded the other way
    (4000억 원 이상 confirms 4000억 원, not 최대 4000억 원), or values all inside the claim's range (4000억 원 이상
    confirms 3000억 원 이상; 497억 confirms 약 500억)."""
    bounds = {source.bound, claimed.bound}
    if source.same_value(claimed) and not (bounds & _LOWER_BOUNDS and bounds & _UPPER_BOUNDS):
        return True
    low, high = claimed.interval
    source_low, source_high = source.interval
    return source.measure == claimed.measure and low <= source_low and source_high <= high


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def korean_amount(run: str) -> tuple[float, bool]:
    """The value of a run like `2조 4천억` and whether it used a large unit (만, 억, 조)."""
    total = section = 0.0
    pending: float | None = None
    scaled = False
    for token in re.findall(rf"{NUMBER}|[조억만천]", run):
        if token == "천":
            section += (pending if pending is not None else 1.0) * 1e3
            pending = None
        elif token in KOREAN_SCALES:
            group = section + (pending or 0.0)
            total += (group or 1.0) * KOREAN_SCALES[token]
            section, pending, scaled = 0.0, None, True
        else:
            if pending is not None:  # two bare numbers in a row: "2017 8" is not one amount
                break
            pending = _number(token)
    return total + section + (pending or 0.0), scaled


def _written_currency(text: str, position: int) -> tuple[str, int] | None:
    """The currency written right after `position` (원, 달러, won, ...) and where its word ends."""
    for code, pattern in _CURRENCY_AFTER:
        if written := pattern.match(text, position):
            return code, written.end()
    return None


def _counter(text: str, position: int, suffixes: tuple[tuple[str, re.Pattern[str]], ...]) -> tuple[str, int] | None:
    """The counter written at `position` (명, %, 년, percent...): what it counts and where it ends."""
    for kind, pattern in suffixes:
        if unit := pattern.match(text, position):
            return kind, unit.end()
    return None


def _plain_kind(value: float, scaled: bool) -> str:
    if scaled:
        return "money"  # "5000억 투자": large Korean units without a noun are amounts of money here
    if value.is_integer() and 1900 <= value <= 2100:
        return "year"
    return "count"


def _inherited_scale(run: str) -> float | None:
    """The scale of the run's last Korean unit (`497억` → 1e8), for bare numbers that follow it."""
    units = re.findall(r"[조억만]", run)
    return KOREAN_SCALES[units[-1]] if units else None


def _breakdown(text: str, opening: int, scale: float, currency: str) -> tuple[set[Quantity], range]:
    """Bare numbers inside a parenthesis that itemises an amount (`497억원(국비 470, 지방비 27)`), and where the
    parenthesis runs (its amounts with units of their own, `5억 달러(정부 4억)`, are in the total's currency)."""
    match = re.compile(r"\s?\(([^()]*)\)").match(text, opening)
    if not match:
        return set(), range(0)
    found = set()
    for number in re.finditer(rf"(?<![\d,.]){NUMBER}(?!\d|[,.]\d|\s?[조억만천%])", match.group(1)):
        start = match.start(1) + number.start()
        end = start + len(number.group())
        found.add(Quantity(_number(number.group()) * scale, "money", number.group(), start, end, currency))
    return found, range(match.start(1), match.end(1))


def quantities(text: str) -> set[Quantity]:
    """Every quantity in a Korean or English text, with its character span and the words that bound it."""
    return {_bounded(text, quantity) for quantity in _unbounded_quantities(text)}


def _unbounded_quantities(text: str) -> set[Quantity]:
    """Every quantity in a text, each read as exact (what set comparisons and kinds need, on the answer path)."""
    found: set[Quantity] = set()
    itemised: list[tuple[range, str]] = []  # parentheses that break down an amount, and its currency
    for match in _KOREAN_RUN.finditer(text):
        run = match.group().strip()
        if not re.search(r"\d", run):
            continue
        value, scaled = korean_amount(run)
        written = _written_currency(text, match.end())
        counter = None if written else _counter(text, match.end(), _SUFFIXES)
        kind = "money" if written else counter[0] if counter else None
        if kind is None and not scaled:
            continue  # leave bare numbers to the English pass, which knows "billion" and "$"
        kind = kind or _plain_kind(value, scaled)
        if kind == "year" and value < LONGEST_DURATION:
            kind = "years"
        currency = written[0] if written else ""
        if kind == "money" and not written:  # 5000억 투자: won, unless it itemises an amount in another currency
            currency = next((code for span, code in itemised if match.start() in span), "KRW")
        end = written[1] if written else match.end()
        found.add(Quantity(value, kind, text[match.start() : end], match.start(), end, currency))
        scale = _inherited_scale(run)
        if kind == "money" and scale:
            parts, span = _breakdown(text, end, scale, currency)
            found |= parts
            itemised.append((span, currency))
    breakdown_spans = {(q.start, q.end) for q in found}
    for match in _ENGLISH.finditer(text):
        number_span = match.span("number")
        if number_span in breakdown_spans:
            continue
        before, after = text[number_span[0] - 1 : number_span[0]], text[number_span[1] : number_span[1] + 1]
        glued = after.isascii() and after.isalpha() and not match.group("scale")
        if glued or (before.isascii() and before.isalpha() and not match.group("currency")):
            continue  # part of a name or code (5G, 3D, G20, B2B), not a quantity
        value = _number(match.group("number"))
        if match.group("scale"):
            value *= ENGLISH_SCALES[match.group("scale").lower()]
        following = text[match.end() : match.end() + 12]
        if re.match(r"\s?(?:[조억만천]|[가-힣])", following):
            continue  # a Korean amount or counter, handled above
        symbol = match.group("currency")
        written = None if symbol else _written_currency(text, match.end())
        currency = _CURRENCY_BEFORE[symbol.lower()] if symbol else (written[0] if written else "")
        counter = _counter(text, match.end(), _ENGLISH_SUFFIXES)
        kind = "money" if currency else counter[0] if counter else _plain_kind(value, False)
        end = written[1] if written else match.end()
        found.add(Quantity(value, kind, text[match.start() : end].strip(), match.start(), end, currency))
    return found


def _unit_end(text: str, quantity: Quantity) -> int:
    """Where the quantity's counter ends (3만명, 76.7%, 5 percent): its text stops at the number."""
    counter = _counter(text, quantity.end, _SUFFIXES)
    same = counter is not None and quantity.kind in (counter[0], "years" if counter[0] == "year" else None)
    return counter[1] if counter and same else quantity.end


def _bounded(text: str, quantity: Quantity) -> Quantity:
    """The quantity with the bound or estimate that the words around it in `text` make it, and those words."""
    end = _unit_end(text, quantity)
    before = _BOUND_WORDS_BEFORE.search(text, max(0, quantity.start - BOUND_WINDOW), quantity.start)
    after = _BOUND_WORDS_AFTER.match(text, end)
    words = after or before
    bound = next(name for name, value in words.groupdict().items() if value) if words else "exact"
    phrase = text[before.start() if before else quantity.start : after.end() if after else end]
    return replace(quantity, bound=bound, phrase=phrase.strip())


def values(text: str) -> set[tuple[Measure, float]]:
    """The (measure, value) pairs of a text, for set comparisons (`Quantity.key`)."""
    return {q.key for q in _unbounded_quantities(text)}
