"""A gazetteer of Korean regions with Korean and English aliases."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Region:
    """A province, metropolitan city or city, with the province it belongs to (if any)."""

    name: str
    aliases: tuple[str, ...]
    parent: str | None = None


REGIONS: tuple[Region, ...] = (
    Region("서울", ("서울", "서울시", "서울특별시", "Seoul")),
    Region("부산", ("부산", "부산시", "부산광역시", "Busan")),
    Region("대구", ("대구", "대구시", "대구광역시", "Daegu")),
    Region("인천", ("인천", "인천시", "인천광역시", "Incheon")),
    Region("광주", ("광주", "광주시", "광주광역시", "Gwangju")),
    Region("대전", ("대전", "대전시", "대전광역시", "Daejeon")),
    Region("울산", ("울산", "울산시", "울산광역시", "Ulsan")),
    Region("세종", ("세종시", "세종특별자치시", "Sejong")),
    Region("경기도", ("경기도", "경기∙", "경기·", "Gyeonggi")),
    Region("강원도", ("강원도", "강원특별자치도", "Gangwon")),
    Region("충청북도", ("충청북도", "충북", "Chungcheongbuk", "North Chungcheong")),
    Region("충청남도", ("충청남도", "충남", "Chungcheongnam", "South Chungcheong")),
    Region("전라북도", ("전라북도", "전북", "Jeollabuk", "North Jeolla")),
    Region("전라남도", ("전라남도", "전남", "Jeollanam", "South Jeolla")),
    Region("경상북도", ("경상북도", "경북", "Gyeongsangbuk", "Gyeongbuk", "North Gyeongsang")),
    Region("경상남도", ("경상남도", "경남", "Gyeongsangnam", "Gyeongnam", "South Gyeongsang")),
    Region("제주도", ("제주", "Jeju")),
    Region("포항", ("포항", "Pohang"), parent="경상북도"),
    Region("구미", ("구미", "Gumi"), parent="경상북도"),
    Region("김천", ("김천", "Gimcheon"), parent="경상북도"),
    Region("경산", ("경산", "Gyeongsan"), parent="경상북도"),
    Region("경주", ("경주", "Gyeongju"), parent="경상북도"),
    Region("영천", ("영천", "Yeongcheon"), parent="경상북도"),
    Region("안동", ("안동", "Andong"), parent="경상북도"),
    Region("판교", ("판교", "Pangyo"), parent="경기도"),
    Region("수원", ("수원", "Suwon"), parent="경기도"),
    Region("창원", ("창원", "Changwon"), parent="경상남도"),
)


@lru_cache(maxsize=1)
def _alias_pattern() -> re.Pattern[str]:
    aliases = sorted({a for r in REGIONS for a in r.aliases}, key=len, reverse=True)
    # Latin aliases must stand as words; Korean ones may carry particles (광주는, 대구시와).
    # A Korean alias followed by 대학/대·/대 + a particle (경북대와, 서울대는) names a university, not the region;
    # 대구, 대전, 대도시, 대교 and the like still count.
    university = r"(?!대(?:학|·|,|\.|\s|병원|[와과는은가의에를을]|$))"
    parts = [rf"\b{re.escape(a)}" if a.isascii() else rf"{re.escape(a)}{university}" for a in aliases]
    return re.compile("|".join(parts), re.IGNORECASE)


@lru_cache(maxsize=1)
def _by_alias() -> dict[str, Region]:
    return {alias.lower(): region for region in REGIONS for alias in region.aliases}


def find_regions(text: str) -> list[str]:
    """Canonical names of every region the text mentions, in order of first mention."""
    found: list[str] = []
    for match in _alias_pattern().finditer(text):
        name = _by_alias()[match.group(0).lower()].name
        if name not in found:
            found.append(name)
    return found


def with_parents(names: list[str]) -> list[str]:
    """The names plus the provinces their cities belong to, without repeats, in order."""
    parents = {r.name: r.parent for r in REGIONS}
    out: list[str] = []
    for name in names:
        for item in (name, parents.get(name)):
            if item and item not in out:
                out.append(item)
    return out


def region_forms(word: str) -> frozenset[str]:
    """The Korean names of every region a word (or short phrase) names, as written (대구 → 대구, 대구시,
    대구광역시): a document may say 대구시 where the question says 대구 or Daegu."""
    return frozenset(
        alias for name in find_regions(word) for alias in _by_name()[name].aliases if not alias.isascii()
    )


@lru_cache(maxsize=1)
def _by_name() -> dict[str, Region]:
    return {region.name: region for region in REGIONS}
