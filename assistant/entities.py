"""Named entities a claim can get wrong: regions (from the gazetteer) and well-known organisations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index.regions import REGIONS, find_regions


@dataclass(frozen=True)
class Organisation:
    """A company or public body, with its Korean and English names."""

    name: str
    aliases: tuple[str, ...]


ORGANISATIONS: tuple[Organisation, ...] = (
    Organisation("현대자동차", ("현대자동차", "현대차", "Hyundai Motor", "Hyundai")),
    Organisation("기아", ("기아자동차", "기아차", "기아", "Kia Motors", "Kia")),
    Organisation("삼성", ("삼성전자", "삼성", "Samsung")),
    Organisation("LG", ("LG전자", "LG", "엘지")),
    Organisation("SK", ("SK하이닉스", "SK", "에스케이")),
    Organisation("포스코", ("포스코", "POSCO")),
    Organisation("한국전력", ("한국전력공사", "한국전력", "한전", "KEPCO")),
    Organisation("대구테크노파크", ("대구테크노파크", "Daegu Technopark")),
    Organisation("구미전자정보기술원", ("구미전자정보기술원", "Gumi Electronics and Information Technology")),
)


@dataclass(frozen=True)
class Entity:
    """A canonical entity name, its category (region or organisation) and how the text wrote it."""

    name: str
    category: str
    surface: str


@lru_cache(maxsize=1)
def _organisation_pattern() -> re.Pattern[str]:
    aliases = sorted({a for o in ORGANISATIONS for a in o.aliases}, key=len, reverse=True)
    return re.compile("|".join(rf"\b{re.escape(a)}\b" if a.isascii() else re.escape(a) for a in aliases))


def find_entities(text: str) -> list[Entity]:
    """Regions and organisations the text names, in order, each once."""
    by_alias = {a.lower(): o.name for o in ORGANISATIONS for a in o.aliases}
    found = [Entity(name, "region", name) for name in find_regions(text)]
    for match in _organisation_pattern().finditer(text):
        name = by_alias[match.group().lower()]
        if all(e.name != name for e in found):
            found.append(Entity(name, "organisation", match.group()))
    return found


def ancestors(region: str) -> set[str]:
    """The provinces a region belongs to."""
    parents = {r.name: r.parent for r in REGIONS}
    out: set[str] = set()
    while (parent := parents.get(region)) is not None and parent not in out:
        out.add(parent)
        region = parent
    return out
