"""Search tokens from Kiwi morphemes: content words only, and compound nouns also whole."""

from __future__ import annotations

from index.korean import tokenize


def test_a_name_cut_by_its_particle_still_meets_the_name_written_whole() -> None:
    asked = tokenize("해누리호의 총 길이는?")  # Kiwi: 해누리 + 호 + 의
    written = tokenize("해누리호를 동해에 투입한다.")  # Kiwi: 해누리호 + 를
    assert "해누리호" in asked and "해누리호" in written


def test_a_compound_gives_its_parts_then_the_whole_and_particles_and_endings_go() -> None:
    tokens = tokenize("홍수지질학은 과학으로 남았다.")
    assert tokens[:4] == ["홍수", "지질", "학", "홍수지질학"]
    assert "은" not in tokens and "남다" in tokens
    assert tokenize("광주 인공지능 집적단지") == ["광주", "인공", "지능", "인공지능", "집적", "단지", "집적단지"]
