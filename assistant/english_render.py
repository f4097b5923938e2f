"""Korean numbers, amounts, dates and percentages rendered in English (`497억원` → `KRW 49.7 billion`)."""

from __future__ import annotations

import re

from assistant.numbers import Quantity, quantities

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DATE = re.compile(r"(?P<year>\d{4})\s*년(?:\s*(?P<month>\d{1,2})\s*월(?:\s*(?P<day>\d{1,2})\s*일)?)?")
_MONTH_DAY = re.compile(r"(?P<month>\d{1,2})\s*월(?:\s*(?P<day>\d{1,2})\s*일)?")
_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
# The English of a bound or an estimate (4000억 원 이상 → at least KRW 400 billion).
BOUND_WORDS = {"at_least": "at least", "more_than": "more than", "at_most": "up to", "less_than": "less than",
               "about": "about"}  # fmt: skip


def _number(value: float) -> str:
    """A number with thousands separators and at most two decimals (trailing zeros dropped)."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text


def english_money(amount: float, currency: str = "KRW") -> str:
    """`KRW 49.7 billion`, `KRW 3 million`, `KRW 5,000`, `USD 150 million`."""
    for scale, name in _SCALES:
        if amount >= scale:
            return f"{currency} {_number(amount / scale)} {name}"
    return f"{currency} {_number(amount)}"


def _english_date(match: re.Match[str]) -> str:
    groups = match.groupdict()
    year = groups.get("year")
    month = MONTHS[int(groups["month"]) - 1] if groups.get("month") and 1 <= int(groups["month"]) <= 12 else None
    day = groups.get("day")
    parts = [f"{month} {int(day)}," if month and day else month, year]
    return " ".join(p for p in parts if p)


def english_rendering(phrase: str) -> str | None:
    """The phrase's dates, amounts, percentages and counts in English, or None when it holds none."""
    date = _DATE.search(phrase) or _MONTH_DAY.search(phrase)
    if date:
        return _english_date(date)
    rendered = [english_quantity(quantity) for quantity in sorted(quantities(phrase), key=lambda q: q.start)]
    return ", ".join(dict.fromkeys(rendered)) or None


def english_quantity(quantity: Quantity) -> str:
    """One quantity in English, with its bound (`at least KRW 400 billion`)."""
    if quantity.kind == "money":
        text = english_money(quantity.value, quantity.currency)
    elif quantity.kind == "percent":
        text = f"{_number(quantity.value)}%"
    elif quantity.kind == "people":
        text = f"{_number(quantity.value)} people"
    elif quantity.kind == "year":
        text = str(int(quantity.value))
    elif quantity.kind == "years":
        text = f"{_number(quantity.value)} years"
    elif quantity.kind == "month":
        text = f"{_number(quantity.value)} months"
    else:
        text = _number(quantity.value)
    return f"{BOUND_WORDS[quantity.bound]} {text}" if quantity.bound in BOUND_WORDS else text


def bilingual(phrase: str, quantity: Quantity | None = None) -> str:
    """`KRW 49.7 billion (497억원)` for a phrase with numbers; the phrase itself otherwise. The `quantity` read from
    the phrase in its sentence, when given, is what is rendered (the bare 27 of `497억원(국비 470, 지방비 27)` is
    KRW 2.7 billion)."""
    english = english_quantity(quantity) if quantity is not None else english_rendering(phrase)
    return f"{english} ({phrase})" if english and english != phrase else phrase


def bilingual_in(text: str, start: int, end: int) -> str:
    """`bilingual` of `text[start:end]`, an amount written there without its unit read in its whole `text` (the
    bare 470 of `497억원(국비 470, 지방비 27)` is KRW 47 billion)."""
    phrase = text[start:end]
    if not any(q.kind == "money" for q in quantities(phrase)):
        inside = [q for q in quantities(text) if start <= q.start and q.end <= end and q.kind == "money"]
        if len(inside) == 1:
            return bilingual(phrase, inside[0])
    return bilingual(phrase)
