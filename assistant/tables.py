"""Table rows as the loaders write them (cells joined by ` | `, one row a line): which rows make one table, and
which cell of a row a question asks for."""

from __future__ import annotations

from index.chunking import Sentence
from index.formats.base import CELL_SEPARATOR, is_row_line
from index.korean import tokenize


def first_row(text: str, sentences: list[Sentence], index: int) -> int:
    """The index of the first row of the table the `index`-th sentence (a row) stands in: rows above it, each on
    a line of its own, belong to the same table."""
    first = index
    while first > 0 and is_row_line(text[sentences[first - 1].start : sentences[first - 1].end]):
        first -= 1
    return first


def cells(row: str) -> list[tuple[int, int]]:
    """The (start, end) of each cell of a row, in the row's own offsets."""
    spans, start = [], 0
    while (end := row.find(CELL_SEPARATOR, start)) >= 0:
        spans.append((start, end))
        start = end + len(CELL_SEPARATOR)
    return [*spans, (start, len(row))]


def asked_cell(question_forms: set[str], header: str, row: str) -> tuple[int, int] | None:
    """The cell of `row` (its offsets in the row) in the one column whose heading in the `header` row the question
    (`question_forms`, its search tokens) names most fully (the largest share of the heading's tokens), or None
    when no column, or more than one, is named best, or the two rows do not have the same cells (merged cells).
    The first column names the rows."""
    header_cells, row_cells = cells(header), cells(row)
    if len(header_cells) != len(row_cells) or len(row_cells) < 3:
        return None
    headings = [set(tokenize(header[start:end])) for start, end in header_cells[1:]]
    shared = [len(question_forms & heading) / len(heading) if heading else 0.0 for heading in headings]
    best = max(shared)
    if best == 0 or shared.count(best) > 1:
        return None
    return row_cells[1 + shared.index(best)]
