"""Metadata read off a page: title, outlet, author, ISO publication date, regions and language.

Checked against the real seeds (values verified by reading the files) and small hand-written bylines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from index.cleaning import clean_text
from index.metadata import MAX_TITLE_CHARS, DocumentMetadata, extract_metadata
from index.regions import find_regions, with_parents

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


def _seed_metadata(name: str) -> DocumentMetadata:
    raw = (SEEDS_DIR / name).read_text(encoding="utf-8")
    return extract_metadata(raw, clean_text(raw).text, fallback_title=Path(name).stem)


def _meta(raw: str) -> DocumentMetadata:
    return extract_metadata(raw, clean_text(raw).text, fallback_title="fallback")


# name: (title, outlet, author, published, regions as a set, lang)
SEED_EXPECTATIONS = {
    "000_6e031c1b1d43ca61.txt": (
        '경상북도 "지역기업들의 앞선 기술로 세계와 경쟁한다"',
        None,
        None,
        None,
        {"경상북도", "포항", "구미", "김천", "경산", "경주", "영천", "안동"},
        "ko",
    ),
    "001_f7b0d974c79d8970.txt": (
        "경북도, 신전자산업 육성 프로젝트 본격 가동",
        "브레이크뉴스",
        "이성현",
        "2020-11-20",
        {"경상북도", "구미"},
        "ko",
    ),
    "002_82ff0864cea72707.txt": (
        '"산업과 산업, 기술과 기술의 융합이 4차 산업혁명의 본질"',
        None,
        "홍석준",
        None,
        {"대구", "경상북도"},
        "ko",
    ),
    "003_78dce609237370f9.txt": (
        "신산업 육성 위한 지자체 ‘연합전선’ 눈길",
        "정보통신신문",
        "차종환",
        "2021-06-07",
        {"경기도", "대구", "판교"},
        "ko",
    ),
    "004_90f594b122ef3ede.txt": ("광주 인공지능 단지, 지역 혁신 성장 선도하길", None, "조영태", None, {"광주"}, "ko"),
}


@pytest.mark.parametrize("name", sorted(SEED_EXPECTATIONS))
def test_seed_metadata_matches_what_the_page_states(name: str) -> None:
    title, outlet, author, published, regions, lang = SEED_EXPECTATIONS[name]
    meta = _seed_metadata(name)
    assert meta.title == title
    assert meta.outlet == outlet
    assert meta.author == author
    assert meta.published == published
    assert set(meta.regions) == regions
    assert len(meta.regions) == len(set(meta.regions))
    assert meta.lang == lang


def test_seed_regions_are_in_order_of_first_mention() -> None:
    assert _seed_metadata("000_6e031c1b1d43ca61.txt").regions[:3] == ["경상북도", "포항", "구미"]
    assert _seed_metadata("003_78dce609237370f9.txt").regions == ["경기도", "대구", "판교"]
    assert _seed_metadata("004_90f594b122ef3ede.txt").regions == ["광주"]


def test_seed_regions_ignore_a_university_name() -> None:
    # 002 names 경북대 (a university) and 대구경북첨단의료복합단지; only the latter means the province.
    cleaned = clean_text((SEEDS_DIR / "002_82ff0864cea72707.txt").read_text(encoding="utf-8")).text
    without_complex = cleaned.replace("대구경북첨단의료복합단지", "첨단의료복합단지")
    assert "경북대" in without_complex
    assert find_regions(without_complex) == ["대구"]


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("이성현 기자 | 기사입력 2020/11/20 [15:12]", "2020-11-20"),
        ("  • 승인 2021.06.07 13:54", "2021-06-07"),
        ("입력 2019-3-5 09:00", "2019-03-05"),
        ("등록 2022년 3월 5일", "2022-03-05"),
        ("Published 2023.12.01", "2023-12-01"),
    ],
)
def test_published_date_is_read_from_a_dated_byline_as_iso(line: str, iso: str) -> None:
    assert _meta(f"제목이다\n{line}\n본문 문장이다.").published == iso


def test_dates_in_the_body_are_not_taken_for_the_publication_date() -> None:
    assert _meta("제목이다\n2019년 7월에는 규제자유특구가 지정됐다.\n2020.01.02 기준 통계다.").published is None


def test_an_impossible_date_is_skipped_for_the_next_real_one() -> None:
    assert _meta("제목이다\n입력 2020.13.45 10:00\n본문이다.").published is None
    assert _meta("제목이다\n입력 2020.02.30\n수정 2020.11.21\n본문이다.").published == "2020-11-21"


@pytest.mark.parametrize(
    ("byline", "author"),
    [
        ("이성현 기자 | 기사입력 2020/11/20 [15:12]", "이성현"),
        ("  • 차종환 기자", "차종환"),
        ("[정보통신신문=차종환기자]", "차종환"),
        ("홍석준 < 대구시 미래산업추진본부장 >", "홍석준"),
    ],
)
def test_author_is_read_from_reporter_and_columnist_bylines(byline: str, author: str) -> None:
    assert _meta(f"제목이다\n{byline}\n본문 문장이다.").author == author


def test_author_is_read_from_a_spaced_name_in_the_title_tag() -> None:
    meta = _meta("[조 영 태 국가균형발전위원회 총괄기획국장] 광주 인공지능 단지\n본문 문장이다.")
    assert meta.author == "조영태"
    assert meta.title == "광주 인공지능 단지"


def test_a_page_without_a_byline_has_no_author_outlet_or_date() -> None:
    meta = _meta("경상북도 정책 소개\n경상북도는 혁신을 선도한다.")
    assert (meta.author, meta.outlet, meta.published) == (None, None, None)


@pytest.mark.parametrize(
    ("line", "outlet"),
    [
        ("【브레이크뉴스 경북】이성현 기자=경상북도는 발대식을 열었다.", "브레이크뉴스"),
        ("[정보통신신문=차종환기자]", "정보통신신문"),
        ("[Break News, Gyeongbuk] Reporter Seong-Hyun Lee = Gyeongsangbuk-do held a ceremony.", "Break News"),
    ],
)
def test_outlet_is_read_from_datelines(line: str, outlet: str) -> None:
    assert _meta(f"제목이다\n{line}").outlet == outlet


def test_title_is_the_first_cleaned_line_without_its_tag_and_the_fallback_when_empty() -> None:
    assert _meta('광고\n광고\n[기고] "융합이 본질"\n본문이다.').title == '"융합이 본질"'
    assert _meta("광고\n-\n공유").title == "fallback"


@pytest.mark.parametrize(
    "first_line",
    [
        "울산시는 2026년까지 수소 버스 300대를 도입한다고 28일 밝혔다.",  # a sentence, however short
        "Ulsan will bring in 300 hydrogen buses by 2026.",
        "울산시 수소 버스 확대 계획 " * 15,  # a paragraph-long line (240 characters)
        "가" * (MAX_TITLE_CHARS + 1),
    ],
)
def test_a_first_line_of_body_text_is_no_title(first_line: str) -> None:
    assert _meta(f"{first_line}\n시는 충전소 10곳도 새로 짓는다.").title == "fallback"


@pytest.mark.parametrize(
    "title",
    [
        "수소 버스 300대 도입…충전소도 확대",
        "정부, 수소버스 300대 도입.",  # a noun before the stop: a headline
        "Ⅰ. 사업 개요.",
        "배포 일시 2018. 9. 4.",  # a date
        "수소 버스 확대….",
        "2018. 9. 4.(화) 보도자료",
        "Ulsan's plan",
        "Hyundai invests in Ulsan, says Hyundai Motor Co.",  # an abbreviation
        "Published Sept. 4, 2018.",
        "가" * MAX_TITLE_CHARS,
    ],
)
def test_a_headline_stays_the_title(title: str) -> None:
    assert _meta(f"{title}\n울산시는 수소 버스 300대를 도입한다.").title == title


def test_a_byline_tag_before_body_text_still_names_the_author() -> None:
    meta = _meta("[조 영 태 기자] 울산시는 수소 버스를 도입한다고 28일 밝혔다.\n시는 충전소도 짓는다.")
    assert meta.title == "fallback" and meta.author == "조영태"


def test_language_of_an_english_page_is_en() -> None:
    meta = _meta(
        "Gyeongbuk fosters the new electronics industry\n"
        "Gyeongsangbuk-do adopted a joint declaration in Gumi. The project targets 30,000 jobs."
    )
    assert meta.lang == "en"
    assert meta.regions == ["경상북도", "구미"]


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("광주는 인공지능 단지를 조성한다.", ["광주"]),
        ("대구시와 경기도가 협약을 맺었다.", ["대구", "경기도"]),
        ("경북대와 전남대 연구진", []),
        ("서울대는 발표했고 부산대에서 행사가 열렸다.", []),
        ("서울대도시권과 대구경북 지역", ["서울", "대구", "경상북도"]),
        ("경기 침체가 이어진다.", []),
        ("Gwangju and Daegu signed an agreement in Pangyo.", ["광주", "대구", "판교"]),
        ("포항과 구미의 전자산업", ["포항", "구미"]),
    ],
)
def test_find_regions_uses_korean_and_english_aliases(text: str, regions: list[str]) -> None:
    assert find_regions(text) == regions


def test_with_parents_adds_the_province_of_a_city_once() -> None:
    assert with_parents(["포항", "구미", "판교"]) == ["포항", "경상북도", "구미", "판교", "경기도"]
    assert with_parents(["경상북도", "포항"]) == ["경상북도", "포항"]
