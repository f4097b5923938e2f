"""What every format loader returns: text with one paragraph (or table row) per line, plus a page or
section map, and the errors loaders raise."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from index.errors import MalformedFileError

UnitKind = Literal["page", "section"]


class ProtectedDocumentError(MalformedFileError):
    """A password-, DRM- or distribution-protected document: its body is encrypted (HTTP 422, exit 2)."""


class NoTextError(MalformedFileError):
    """A document with no extractable text, e.g. a scanned PDF when OCR is unavailable (HTTP 422, exit 2)."""


@dataclass(frozen=True)
class UnitSpan:
    """Characters `start..end` of a text belong to page (or section) `n`, 1-based."""

    n: int
    start: int
    end: int


@dataclass
class LoadedText:
    """A file's raw text and what the loader knows about it.

    `units` are contiguous spans of `text` tagged with their page (`unit == "page"`: PDF) or section
    (`unit == "section"`: HWP/HWPX body sections, DOCX headings); empty for plain text. `title`,
    `outlet` and `published` are set when the format states them (web pages).
    """

    text: str
    format: str = "txt"
    unit: UnitKind | None = None
    units: list[UnitSpan] = field(default_factory=list)
    title: str | None = None
    outlet: str | None = None
    published: str | None = None

    def unit_at(self, offset: int) -> int | None:
        """The page/section holding character `offset` of `text`, or None without a map."""
        for span in self.units:
            if span.start <= offset < span.end:
                return span.n
        return self.units[-1].n if self.units and offset >= self.units[-1].end else None


_SPACES = re.compile(r"[ \t\u00a0\u2002-\u200b\u3000]+")


def clean_inline(text: str) -> str:
    """One line: line breaks, tabs, no-break and full-width spaces become one space; no surrounding blanks."""
    return _SPACES.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()


CELL_SEPARATOR = " | "


def is_row_line(text: str) -> bool:
    """Whether a line (or a sentence of it) is a table row that `row_line` wrote."""
    return CELL_SEPARATOR in text


def row_line(cells: list[str]) -> str:
    """A table row as one sentence-like line: the non-empty cells joined with CELL_SEPARATOR."""
    return CELL_SEPARATOR.join(c for c in map(clean_inline, cells) if c)


class LineBuilder:
    """Collects lines, each tagged with its page or section, into a `LoadedText`."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._units: list[UnitSpan] = []
        self._pos = 0

    def add(self, line: str, unit: int) -> None:
        """Append one line (cleaned; skipped when blank) that belongs to page/section `unit`."""
        line = clean_inline(line)
        if not line:
            return
        start, self._pos = self._pos, self._pos + len(line) + 1
        self._lines.append(line)
        if self._units and self._units[-1].n == unit:
            self._units[-1] = UnitSpan(unit, self._units[-1].start, self._pos)
        else:
            self._units.append(UnitSpan(unit, start, self._pos))

    def result(self, fmt: str, unit: UnitKind | None, **meta: str | None) -> LoadedText:
        """The collected text (one line each, newline-terminated) and its unit map."""
        text = "".join(line + "\n" for line in self._lines)
        return LoadedText(text, fmt, unit, self._units if unit else [], **meta)
