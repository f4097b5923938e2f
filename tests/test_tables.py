"""Table rows as the loaders write them: cells, the table a row stands in, and the cell a question asks for."""

from __future__ import annotations

from assistant.tables import asked_cell, cells, first_row
from index.chunking import document_sentences
from index.korean import tokenize

HEADER = "구 분 | 해누리호 | 기존 관측선"
ROW = "승선 인원 | 18명 | 12명"


def _forms(question: str) -> set[str]:
    return set(tokenize(question))


def test_cells_are_the_offsets_between_separators() -> None:
    assert [ROW[start:end] for start, end in cells(ROW)] == ["승선 인원", "18명", "12명"]


def test_the_cell_under_the_heading_the_question_names() -> None:
    own = asked_cell(_forms("해누리호의 승선 인원은?"), HEADER, ROW)
    old = asked_cell(_forms("기존 관측선은 몇 명이 타나요?"), HEADER, ROW)
    assert own and ROW[own[0] : own[1]] == "18명"
    assert old and ROW[old[0] : old[1]] == "12명"


def test_no_cell_when_no_heading_or_two_are_named_or_the_cells_do_not_line_up() -> None:
    assert asked_cell(_forms("승선 인원은?"), HEADER, ROW) is None
    assert asked_cell(_forms("해누리호와 기존 관측선의 승선 인원은?"), HEADER, ROW) is None
    assert asked_cell(_forms("해누리호의 승선 인원은?"), "구 분 | 해누리호", ROW) is None  # merged heading cells


def test_a_row_belongs_to_the_table_that_starts_at_the_first_row_above_it() -> None:
    text = f"해누리호 제원\n\n{HEADER}\n\n총 길이 | 41.5 m | 28.0 m\n\n{ROW}\n\n해누리호는 동해를 관측한다."
    sentences = document_sentences(text)
    rows = [i for i, s in enumerate(sentences) if " | " in text[s.start : s.end]]
    assert [first_row(text, sentences, i) for i in rows] == [rows[0]] * 3
