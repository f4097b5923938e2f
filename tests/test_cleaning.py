"""Cleaning of scraped pages: each kind of page furniture is removed, and no sentence of content is lost.

Two kinds of evidence: small hand-written inputs shaped like the noise found in seeds/ (one test per kind),
and checks on the real seed pages, where the noise lines of each page are listed by hand below (independently
of the cleaner's own patterns) and every Kiwi sentence of every other line must survive cleaning.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from index.cleaning import CleanedText, clean_text
from index.korean import get_kiwi

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
SEED_NAMES = sorted(p.name for p in SEEDS_DIR.glob("*.txt"))

# Every line of each seed that is page furniture (compared after NFC + whitespace collapsing), and the
# dateline prefixes glued to the first sentence. Any other non-blank line is content and must survive.
SEED_NOISE: dict[str, dict[str, list[str]]] = {
    "000_6e031c1b1d43ca61.txt": {
        # A poll widget, then a related-section link and a "more" button.
        "lines": ["찬성 반대", "찬성", "0명", "0%", "반대", "총 0명 참여", "해외 벤치마킹", "더보기"],
        "prefixes": [],
    },
    "001_f7b0d974c79d8970.txt": {
        "lines": [
            "광고",
            "이성현 기자 | 기사입력 2020/11/20 [15:12]",
            "이성현 기자 | 입력 : 2020/11/20 [15:12]",
            "▲ <참고 : 新전자산업육성 추진성과> ©",
            "▲ < 참고 : 모바일, 디스플레이 주력산업 기반 7+3 신전자 산업생태계 조성 전략> ©",
            "▲ < 참고 : 신전자산업 육성프로젝트 정량 목표> ©",
            "<아래는 구글번역기로 번역한 기사 전문이다.>",
            "브레이크뉴스 대구경북 총괄팀장 입니다.기사제보:newsall@hanmail.net",
            "• 도배방지 이미지",
            "경북도 관련기사목록",
            "더보기",
        ],
        "prefixes": ["【브레이크뉴스 경북】이성현 기자=", "[Break News, Gyeongbuk] Reporter Seong-Hyun Lee = "],
    },
    "002_82ff0864cea72707.txt": {
        "lines": ["-", "기사 스크랩", "공유", "댓글", "클린뷰", "프린트", "홍석준 < 대구시 미래산업추진본부장 >"],
        "prefixes": [],
    },
    "003_78dce609237370f9.txt": {
        "lines": [
            "• 차종환 기자",
            "• 승인 2021.06.07 13:54",
            "• 댓글 0",
            "이 기사를 공유합니다",
            "[정보통신신문=차종환기자]",
            "댓글삭제",
            "삭제한 댓글은 다시 복구할 수 없습니다.",
            "그래도 삭제하시겠습니까?",
            "댓글 0",
            "댓글쓰기",
            "계정을 선택하시면 로그인·계정인증을 통해",
            "댓글을 남기실 수 있습니다.",
        ],
        "prefixes": [],
    },
    "004_90f594b122ef3ede.txt": {"lines": ["![]() |"], "prefixes": []},
}

# Real content sentences, hand-picked from each seed (Korean and the English translation section of 001).
CONTENT_SENTENCES: dict[str, list[str]] = {
    "000_6e031c1b1d43ca61.txt": [
        "4차산업혁명의 중요성도 인식해 올해 1월 4차산업기반과를 신설했다.",
        "대마는 주로 마리화나(마약)와 헴프(HEMP)로 구분되며, 헴프는 외국에서 의약품, 화장품 등 산업용으로 사용된다.",
        "규제자유특구 지정을 위한 노력",
    ],
    "001_f7b0d974c79d8970.txt": [
        "경북도, 신전자산업 육성 프로젝트 본격 가동",
        "경상북도는 지역 전자산업의 터닝포인트를 만들기 위해 20일 구미전자정보기술원에서 新전자산업 육성을 위한",
        "그 결과 5G중심 융합산업 활성화를 위한 혁신인프라들이 상당부분 구축되는 성과가 있었다.",
        "Gyeongbuk-do, full-fledged operation of the project to foster the new generation industry",
        "Gyeongsangbuk-do adopted a joint declaration to foster the new electronics industry",
        "As a result, a large part of the innovative infrastructure to activate the 5G-centered convergence "
        "industry was built.",
        "Especially. From next year, the Convergence Alliance project team will be formed in seven areas to "
        "systematically improve innovation capabilities.",
        "We will do our best to support meaningful projects that go beyond the wave of the 4th industry.”",
    ],
    "002_82ff0864cea72707.txt": [
        "중소기업이 99%를 차지하는 대구지역은 기업과 기업의 협력, "
        "행정과 기업의 성공적인 협력 모델을 만드는 것이 중요하다.",
        "로봇업계는 기술은 있으나 초기 시장이 없다고 한다.",
    ],
    "003_78dce609237370f9.txt": [
        "500억 규모 ‘디지털 오픈랩’ 구축",
        "경기도와 대구광역시가 그 주인공이다.",
        "대구시는 대구테크노파크가 거점이다.",
    ],
    "004_90f594b122ef3ede.txt": [
        "이러한 플랫폼 조성은 국가 차원의 전략적인 투자가 필요하다.",
        "광주는 빛고을 노인 건강 타운, 심혈관 센터, 지역 병원 및 300여 개 중소기업 등 헬스케어 분야에서 "
        "혁신을 선도할 수 있는 기반을 갖추고 있다.",
    ],
}


def _norm(text: str) -> str:
    """NFC with every run of white space (including no-break spaces) collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _raw(name: str) -> str:
    return (SEEDS_DIR / name).read_text(encoding="utf-8")


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _content_sentences(name: str) -> list[str]:
    """Kiwi sentences of every raw line of a seed that is not listed as noise, dateline prefixes removed."""
    spec = SEED_NOISE[name]
    noise = {_norm(line) for line in spec["lines"]}
    sentences: list[str] = []
    for raw_line in _raw(name).splitlines():
        line = _norm(raw_line)
        if not line or line in noise:
            continue
        for prefix in spec["prefixes"]:
            line = line.removeprefix(_norm(prefix)).strip()
        sentences.extend(_norm(sent.text) for sent in get_kiwi().split_into_sents(line) if sent.text.strip())
    return sentences


def test_the_noise_spec_covers_every_seed() -> None:
    assert sorted(SEED_NOISE) == SEED_NAMES == sorted(CONTENT_SENTENCES)
    assert len(SEED_NAMES) == 5


# --- one hand-written input per kind of noise ---------------------------------------------------------------


def test_ad_lines_are_removed() -> None:
    raw = "광고\n광고\n광고\n\n경상북도는 신전자산업 발대식을 개최했다.\nAD\nAdvertisement\n광고\n다음 문장도 본문이다."
    cleaned = clean_text(raw)
    assert _lines(cleaned.text) == ["경상북도는 신전자산업 발대식을 개최했다.", "다음 문장도 본문이다."]
    assert cleaned.removed["ad"] == 6


def test_share_print_and_comment_menus_are_removed() -> None:
    raw = (
        '[기고] "산업과 산업의 융합"\n-\n기사 스크랩\n-\n공유\n-\n댓글\n-\n클린뷰\n-\n프린트\n'
        "이 기사를 공유합니다\n  • 댓글 0\nURL 복사\n글자 크기\n"
        "중소기업이 99%를 차지하는 대구지역은 협력 모델이 중요하다."
    )
    cleaned = clean_text(raw)
    assert _lines(cleaned.text) == [
        '[기고] "산업과 산업의 융합"',
        "중소기업이 99%를 차지하는 대구지역은 협력 모델이 중요하다.",
    ]
    assert cleaned.removed["menu"] == 14


def test_poll_widget_ends_the_article() -> None:
    raw = (
        "박인환 과장은 포부를 밝혔다.\n\n찬성 반대\n찬성\n0명\n0%\n반대\n0명\n0%\n\n총 0명 참여\n\n"
        "해외 벤치마킹\n\n더보기"
    )
    cleaned = clean_text(raw)
    assert cleaned.text == "박인환 과장은 포부를 밝혔다."
    assert cleaned.removed["widget"] == 1


def test_stray_poll_lines_are_removed_without_losing_what_follows() -> None:
    raw = "첫 문단이다.\n찬성\n12명\n60%\n반대\n8명\n40%\n총 20명 참여\n둘째 문단이다."
    cleaned = clean_text(raw)
    assert _lines(cleaned.text) == ["첫 문단이다.", "둘째 문단이다."]
    assert cleaned.removed["poll"] == 7


def test_bylines_and_datelines_are_removed() -> None:
    raw = (
        "신산업 육성 위한 지자체 ‘연합전선’ 눈길\n"
        "이성현 기자 | 기사입력 2020/11/20 [15:12]\n"
        "이성현 기자 | 입력 : 2020/11/20 [15:12]\n"
        "  • 차종환 기자\n  • 승인 2021.06.07 13:54\n"
        "[정보통신신문=차종환기자]\n"
        "홍석준 < 대구시 미래산업추진본부장 >\n"
        "브레이크뉴스 대구경북 총괄팀장 입니다.기사제보:newsall@hanmail.net\n"
        "스마트시티 등 신산업 육성에 지자체가 협업하는 움직임을 보이고 있다."
    )
    cleaned = clean_text(raw)
    assert _lines(cleaned.text) == [
        "신산업 육성 위한 지자체 ‘연합전선’ 눈길",
        "스마트시티 등 신산업 육성에 지자체가 협업하는 움직임을 보이고 있다.",
    ]
    assert cleaned.removed["byline"] == 7


def test_dateline_prefix_is_cut_but_its_sentence_kept() -> None:
    raw = (
        "【브레이크뉴스 경북】이성현 기자=경상북도는 20일 공동선언문을 채택했다.\n"
        "[Break News, Gyeongbuk] Reporter Seong-Hyun Lee = Gyeongsangbuk-do adopted a joint declaration."
    )
    assert _lines(clean_text(raw).text) == [
        "경상북도는 20일 공동선언문을 채택했다.",
        "Gyeongsangbuk-do adopted a joint declaration.",
    ]


def test_image_stubs_captions_and_photo_credits_are_removed() -> None:
    raw = (
        "![]() |\n본문 첫 문장이다.\n▲ <참고 : 新전자산업육성 추진성과>  ©\n"
        "![사진](https://example.com/a.jpg)\n[사진=경기도청]\n본문 둘째 문장이다."
    )
    cleaned = clean_text(raw)
    assert _lines(cleaned.text) == ["본문 첫 문장이다.", "본문 둘째 문장이다."]
    assert cleaned.removed["image"] == 4


def test_translation_note_is_removed_but_the_translation_kept() -> None:
    raw = (
        "경상북도는 발대식을 개최했다.\n\n<아래는 구글번역기로 번역한 기사 전문이다.>\n\n"
        "Gyeongsangbuk-do held the ceremony."
    )
    cleaned = clean_text(raw)
    assert _lines(cleaned.text) == ["경상북도는 발대식을 개최했다.", "Gyeongsangbuk-do held the ceremony."]
    assert cleaned.removed["note"] == 1


def test_comment_box_and_related_articles_end_the_article() -> None:
    raw = (
        "그는 구조를 만들 수 있을 것이라고 말했다.\n\n댓글삭제\n삭제한 댓글은 다시 복구할 수 없습니다.\n"
        "그래도 삭제하시겠습니까?\n댓글 0\n댓글쓰기"
    )
    assert clean_text(raw).text == "그는 구조를 만들 수 있을 것이라고 말했다."
    for marker in ("  • 도배방지 이미지", "경북도 관련기사목록"):
        cleaned = clean_text(f"본문이다.\n{marker}\n광고\n더보기\n꼬리 문장")
        assert cleaned.text == "본문이다."
        assert cleaned.removed["widget"] == 1


def test_duplicated_headline_is_kept_once() -> None:
    headline = "신산업 육성 위한 지자체 ‘연합전선’ 눈길"
    cleaned = clean_text(f"{headline}\n  {headline}\n경기도와 대구광역시가 그 주인공이다.")
    assert _lines(cleaned.text) == [headline, "경기도와 대구광역시가 그 주인공이다."]
    assert cleaned.duplicates_removed == 1


def test_whole_duplicated_paragraphs_are_kept_once_even_with_different_spacing() -> None:
    para_a = "먼저 대구 주행시험장이다. 주행시험장은 중요한 인프라다."
    para_b = "두 번째로 대구 메디시티협의회가 협력의 좋은 예다."
    raw = f"{para_a}\n{para_b}\n홍석준 < 대구시 미래산업추진본부장 >\n{para_a.replace(' ', '  ')}  \n\u00a0{para_b}"
    cleaned = clean_text(raw)
    assert _lines(cleaned.text) == [para_a, para_b]
    assert cleaned.duplicates_removed == 2
    assert cleaned.removed["byline"] == 1


@pytest.mark.parametrize(
    "line",
    [
        "광고 시장이 커지고 있다.",
        "찬성 의견이 많았다.",
        "반대 의견도 있다.",
        "김철수 기자는 현장에서 말했다.",
        "5명이 참여했다.",
        "100% 지원한다.",
        "댓글 문화가 바뀌고 있다.",
        "공유 오피스를 지원한다.",
    ],
)
def test_content_lines_that_merely_contain_noise_words_are_kept(line: str) -> None:
    assert clean_text(f"제목이다\n{line}").text == f"제목이다\n\n{line}"


def test_invisible_characters_and_no_break_spaces_are_normalised() -> None:
    cleaned = clean_text("\ufeff\u200b경상북도는\u00a0혁신을 선도한다.\r\n\r\n\u00a0\r\n다음 문장이다.")
    assert cleaned.text == "경상북도는 혁신을 선도한다.\n\n다음 문장이다."


def test_empty_or_all_noise_input_gives_empty_text() -> None:
    assert clean_text("").text == ""
    assert clean_text("광고\n광고\n-\n공유\n \n").text == ""


# --- the real seeds -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cleaned_seeds() -> dict[str, CleanedText]:
    return {name: clean_text(_raw(name)) for name in SEED_NAMES}


@pytest.mark.parametrize("name", SEED_NAMES)
def test_every_content_sentence_of_a_seed_survives_cleaning(name: str, cleaned_seeds: dict[str, CleanedText]) -> None:
    cleaned = _norm(cleaned_seeds[name].text)
    sentences = _content_sentences(name)
    assert len(sentences) >= 10
    lost = [sentence for sentence in sentences if sentence not in cleaned]
    assert lost == []


@pytest.mark.parametrize("name", SEED_NAMES)
def test_hand_picked_sentences_of_a_seed_survive_cleaning(name: str, cleaned_seeds: dict[str, CleanedText]) -> None:
    cleaned = _norm(cleaned_seeds[name].text)
    for sentence in CONTENT_SENTENCES[name]:
        assert _norm(sentence) in cleaned, sentence


@pytest.mark.parametrize("name", SEED_NAMES)
def test_no_listed_noise_line_or_dateline_remains_in_a_seed(name: str, cleaned_seeds: dict[str, CleanedText]) -> None:
    lines = {_norm(line) for line in cleaned_seeds[name].text.split("\n")}
    for noise in SEED_NOISE[name]["lines"]:
        assert _norm(noise) not in lines, noise
    for prefix in SEED_NOISE[name]["prefixes"]:
        assert _norm(prefix) not in _norm(cleaned_seeds[name].text)
    for word in ("광고", "더보기", "댓글", "프린트", "기사제보", "newsall@hanmail.net", "©", "![]"):
        assert word not in cleaned_seeds[name].text


@pytest.mark.parametrize("name", SEED_NAMES)
def test_no_paragraph_appears_twice_in_a_cleaned_seed(name: str, cleaned_seeds: dict[str, CleanedText]) -> None:
    paragraphs = [_norm(p) for p in cleaned_seeds[name].text.split("\n\n")]
    assert all(paragraphs)
    assert len(paragraphs) == len(set(paragraphs))


def test_seed_duplicates_are_counted_exactly(cleaned_seeds: dict[str, CleanedText]) -> None:
    # 001 repeats its headline; 002 repeats five paragraphs; 003 its headline and photo caption; 004 four paragraphs.
    counts = {name: cleaned_seeds[name].duplicates_removed for name in SEED_NAMES}
    assert list(counts.values()) == [0, 1, 5, 2, 4]
    assert cleaned_seeds["001_f7b0d974c79d8970.txt"].text.count("경북도, 신전자산업 육성 프로젝트 본격 가동") == 1
    assert cleaned_seeds["003_78dce609237370f9.txt"].text.count("신산업 육성 위한 지자체 ‘연합전선’ 눈길") == 1


def test_seed_noise_is_removed_by_the_expected_kinds(cleaned_seeds: dict[str, CleanedText]) -> None:
    removed = {name[:3]: cleaned_seeds[name].removed for name in SEED_NAMES}
    assert removed["000"]["widget"] == 1
    assert removed["001"]["ad"] >= 30
    assert removed["001"]["byline"] >= 2
    assert removed["001"]["image"] == 3
    assert removed["001"]["note"] == 1
    assert removed["002"]["menu"] >= 10
    assert removed["002"]["byline"] == 3
    assert removed["003"]["byline"] >= 2
    assert removed["003"]["widget"] == 1
    assert removed["004"]["image"] == 1


def test_english_translation_section_of_001_is_kept_whole(cleaned_seeds: dict[str, CleanedText]) -> None:
    prefix = _norm(SEED_NOISE["001_f7b0d974c79d8970.txt"]["prefixes"][1])
    raw_english = [
        _norm(line).removeprefix(prefix).strip()
        for line in _raw("001_f7b0d974c79d8970.txt").splitlines()
        if _norm(line) and not re.search("[가-힣]", line)
    ]
    assert len(raw_english) == 17
    cleaned = _norm(cleaned_seeds["001_f7b0d974c79d8970.txt"].text)
    assert all(line in cleaned for line in raw_english)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_cleaning_is_deterministic_and_idempotent(name: str) -> None:
    raw = _raw(name)
    first, second = clean_text(raw), clean_text(raw)
    assert first.text == second.text
    assert first.removed == second.removed
    assert clean_text(first.text).text == first.text


@pytest.mark.parametrize("name", SEED_NAMES)
def test_cleaning_ignores_line_endings_bom_and_unicode_normal_form(name: str) -> None:
    raw = _raw(name)
    expected = clean_text(raw).text
    assert clean_text(raw.replace("\n", "\r\n")).text == expected
    assert clean_text("\ufeff" + raw).text == expected
    assert clean_text(unicodedata.normalize("NFD", raw)).text == expected
