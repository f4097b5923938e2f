"""Carry a loader's page/section map over to the cleaned text, so citations know their page.

`index.cleaning.clean_text` keeps or drops whole lines (a kept line may lose surrounding blanks and a
dateline prefix) and joins the kept ones with a blank line. Each kept line is found again, in order, as
the first later raw line that is not page furniture and ends with it; its unit is that raw line's.
"""

from __future__ import annotations

from index.cleaning import noise_kind, normalise_line
from index.formats.base import LoadedText, UnitSpan

PARAGRAPH_SEPARATOR = "\n\n"  # what `clean_text` joins kept lines with


def cleaned_units(loaded: LoadedText, cleaned: str) -> list[UnitSpan]:
    """The page/section spans of `cleaned` (the cleaned form of `loaded.text`); empty without a map.
    Spans cover the kept lines; the separators between two units belong to neither."""
    if not loaded.units or not cleaned:
        return []
    raw_lines: list[tuple[str, int | None]] = []
    offset = 0
    for line in loaded.text.split("\n"):
        raw_lines.append((normalise_line(line), loaded.unit_at(offset)))
        offset += len(line) + 1
    spans: list[UnitSpan] = []
    cursor = position = 0
    unit = loaded.units[0].n
    for kept in cleaned.split(PARAGRAPH_SEPARATOR):
        while cursor < len(raw_lines):
            line, line_unit = raw_lines[cursor]
            cursor += 1
            if line.endswith(kept) and noise_kind(line) is None:
                unit = line_unit if line_unit is not None else unit
                break
        end = position + len(kept)
        if spans and spans[-1].n == unit:
            spans[-1] = UnitSpan(unit, spans[-1].start, end)
        else:
            spans.append(UnitSpan(unit, position, end))
        position = end + len(PARAGRAPH_SEPARATOR)
    return spans
