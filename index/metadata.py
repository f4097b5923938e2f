"""Document metadata read off the raw page (bylines, datelines) and the cleaned text (title, regions)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from index.cleaning import normalise_line
from index.language import detect_language
from index.regions import find_regions, with_parents

_DATE = re.compile(r"(\d{4})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{1,2})|(\d{4})년\s*(\d{1,2})월\s*(\d{1,2})일")
_DATE_LINE = re.compile(r"기사입력|입력|승인|등록|발행|수정|[Pp]ublished|[Uu]pdated")
_REPORTER = re.compile(r"(?:^|[\s=•|])([가-힣]{2,4})\s*기자(?:\s|$|\||\])")
_COLUMNIST = re.compile(r"^([가-힣]{2,4})\s*<\s*([^<>]{2,40}?)\s*>$")
_TITLE_TAG = re.compile(r"^\[([^\]]{1,40})\]\s*")
MAX_TITLE_CHARS = 200  # headlines are one short line; a longer first line is a paragraph
_FULL_STOP = re.compile(r"(?<![.])[.。]$")  # one, not an ellipsis
_LETTER_WORD = re.compile(r"(?<!\S)[^\W\d_]")  # a word that starts with a letter
_SPACED_NAME = re.compile(r"^((?:[가-힣]\s){1,3}[가-힣])\s+\S")
_OUTLETS = (
    re.compile(r"【\s*([^】\s]+)[^】]*】"),
    re.compile(r"^\[([^\]=]{2,20})=\s*[가-힣]{2,5}\s*기자\]$"),
    re.compile(r"^\[([A-Za-z][^\],]{2,30})[,\]]"),
)


@dataclass
class DocumentMetadata:
    """What a page says about itself."""

    title: str
    outlet: str | None = None
    author: str | None = None
    published: str | None = None
    regions: list[str] = field(default_factory=list)
    lang: str = "ko"


def _first_date(lines: list[str]) -> str | None:
    """ISO date of the first dated byline (입력/승인/Published ...); dates that are not real days are skipped."""
    for line in lines:
        if not _DATE_LINE.search(line):
            continue
        for match in _DATE.finditer(line):
            year, month, day = (int(g) for g in match.groups() if g is not None)
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                continue
    return None


def _author(lines: list[str], title_tag: str | None) -> str | None:
    for line in lines:
        columnist = _COLUMNIST.match(line)
        if columnist:
            return columnist.group(1)
        reporter = _REPORTER.search(line)
        if reporter and len(line) < 80:
            return reporter.group(1)
    if title_tag:
        spaced = _SPACED_NAME.match(title_tag)
        if spaced:
            return spaced.group(1).replace(" ", "")
    return None


def _outlet(lines: list[str]) -> str | None:
    for line in lines:
        for pattern in _OUTLETS:
            match = pattern.search(line)
            if match:
                return match.group(1).strip()
    return None


def read_title(cleaned: str) -> tuple[str, str | None]:
    """The title a cleaned text opens with, and the [tag] before it (a byline, a section) if any: its first line,
    unless that line is body text (longer than MAX_TITLE_CHARS, or words ending in a full stop like a sentence:
    도입한다고 밝혔다. / by 2026.; not a date's 2018. 9. 4. nor an ellipsis), which gives no title."""
    first = cleaned.split("\n", 1)[0].strip()
    if len(first) > MAX_TITLE_CHARS or (_FULL_STOP.search(first) and len(_LETTER_WORD.findall(first)) >= 2):
        return "", None
    tag = _TITLE_TAG.match(first)
    if tag and first[tag.end() :].strip():
        return first[tag.end() :].strip(), tag.group(1)
    return first, None


def extract_metadata(raw: str, cleaned: str, fallback_title: str) -> DocumentMetadata:
    """Title, outlet, author, date, regions and language of a page; `fallback_title` when it has no text."""
    lines = [line for line in map(normalise_line, raw.splitlines()) if line]
    title, tag = read_title(cleaned) if cleaned else (fallback_title, None)
    return DocumentMetadata(
        title=title or fallback_title,
        outlet=_outlet(lines[:60]),
        author=_author(lines, tag),
        published=_first_date(lines),
        regions=with_parents(find_regions(cleaned)),
        lang=detect_language(cleaned[:1500]),
    )
