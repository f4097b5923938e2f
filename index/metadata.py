"""Document metadata read off the raw page (bylines, datelines) and the cleaned text (title, regions)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from index.cleaning import normalise_line
from index.korean import morphemes
from index.language import detect_language
from index.regions import find_regions, with_parents

_DATE = re.compile(r"(\d{4})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{1,2})|(\d{4})년\s*(\d{1,2})월\s*(\d{1,2})일")
_DATE_LINE = re.compile(r"기사입력|입력|승인|등록|발행|수정|[Pp]ublished|[Uu]pdated")
_REPORTER = re.compile(r"(?:^|[\s=•|])([가-힣]{2,4})\s*기자(?:\s|$|\||\])")
_COLUMNIST = re.compile(r"^([가-힣]{2,4})\s*<\s*([^<>]{2,40}?)\s*>$")
_TITLE_TAG = re.compile(r"^\[([^\]]{1,40})\]\s*")
MAX_TITLE_CHARS = 200  # headlines are one short line; a longer first line is a paragraph
_FULL_STOP = re.compile(r"(?<![.…])[.。．]$")  # one, not an ellipsis
# Six words or more, the last a lower-case word or a number: ... by 2026. (not Hyundai Motor Co. nor Sept. 4, 2018.)
_ENGLISH_SENTENCE = re.compile(r"(?:\S+\s+){5,}(?:[a-z][\w'-]*|\d+)[.．]$")
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
    or no title ("") when the rest of that line is body text (`is_body_text`)."""
    first = cleaned.split("\n", 1)[0].strip()
    tag = _TITLE_TAG.match(first)
    rest = first[tag.end() :].strip() if tag else ""
    title, tag_text = (rest, tag.group(1)) if tag and rest else (first, None)
    return ("", tag_text) if is_body_text(title) else (title, tag_text)


def is_body_text(line: str) -> bool:
    """True when a first line is text rather than a headline: longer than MAX_TITLE_CHARS, or a sentence with its
    full stop. In Korean that is a sentence-final ending before the stop (도입한다고 밝혔다.; not 300대 도입.); in
    other text, six words or more ending in a lower-case word or a number (... by 2026.; not Hyundai Motor Co.).
    A date (2018. 9. 4.) or an ellipsis does not end a sentence."""
    if len(line) > MAX_TITLE_CHARS:
        return True
    if not _FULL_STOP.search(line):
        return False
    if re.search("[가-힣]", line):
        tail = morphemes(line)[-2:]
        return len(tail) == 2 and tail[0].tag == "EF"
    return bool(_ENGLISH_SENTENCE.search(line))


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
