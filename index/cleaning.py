"""Turn a scraped page into clean article text: drop page furniture, keep every sentence of content.

The function is deterministic: the same raw text always gives the same cleaned text, so document
ids (a hash of the cleaned text) and citation offsets are stable across rebuilds.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

# Whole lines that are page furniture, by kind. Each pattern must match the entire stripped line.
NOISE_LINES: dict[str, tuple[str, ...]] = {
    "ad": (r"광고", r"AD", r"[Aa]dvertisement"),
    "menu": (
        r"-",
        r"•",
        r"기사\s*스크랩",
        r"공유",
        r"댓글",
        r"클린뷰",
        r"프린트",
        r"스크랩",
        r"글자\s*크기",
        r"URL\s*복사",
        r"이 기사를 공유합니다",
        r"더보기",
        r"•?\s*댓글\s*\d+",
        r"댓글쓰기",
        r"삭제한 댓글은 다시 복구할 수 없습니다\.",
        r"그래도 삭제하시겠습니까\?",
        r"계정을 선택하시면 로그인·계정인증을 통해",
        r"댓글을 남기실 수 있습니다\.",
    ),
    "poll": (r"찬성\s*반대", r"찬성", r"반대", r"\d+\s*명", r"\d+(\.\d+)?\s*%", r"총\s*\d+\s*명\s*참여"),
    "byline": (
        r"\S{2,5}\s*기자\s*\|\s*(기사)?입력\s*:?\s*.+",
        r"•?\s*\S{2,5}\s*기자",
        r"•?\s*(승인|입력|수정)\s*:?\s*\d{4}[./-]\s*\d{1,2}[./-]\s*\d{1,2}.*",
        r"\[[^\]=]{2,30}=\s*\S{2,5}\s*기자\]",
        r"\S{2,4}\s*<\s*[^<>]{2,40}\s*>",
        r".{0,60}기사\s*제보\s*:.*",
    ),
    "image": (r"!\[[^\]]*\]\([^)]*\)\s*\|?", r"▲.*©", r"\[사진\s*=[^\]]*\]"),
    "note": (r"<\s*아래는[^>]*번역[^>]*>",),
}

# A line that starts a comment box, poll or related-articles widget: everything from it on is dropped.
TAIL_MARKERS = (r"찬성\s*반대", r"•?\s*도배방지\s*이미지", r"댓글삭제", r"\S*\s*관련기사\s*목록")

# Datelines glued to the first sentence: 【브레이크뉴스 경북】이성현 기자= / [Break News] Reporter X =
INLINE_PREFIXES = (r"^【[^】]{1,40}】\s*\S{2,5}\s*기자\s*=\s*", r"^\[[^\]]{1,40}\]\s*Reporter\s+[^=]{2,40}=\s*")

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


@dataclass
class CleanedText:
    """The cleaned text and a count of what was removed, by kind."""

    text: str
    removed: Counter[str] = field(default_factory=Counter)

    @property
    def duplicates_removed(self) -> int:
        """How many repeated paragraphs were dropped."""
        return self.removed["duplicate"]


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_NOISE = {kind: _compile(patterns) for kind, patterns in NOISE_LINES.items()}
_TAIL = _compile(TAIL_MARKERS)
_PREFIXES = [re.compile(p) for p in INLINE_PREFIXES]


def normalise_line(line: str) -> str:
    """NFC, no invisible characters, no-break spaces as spaces, no surrounding blanks."""
    line = unicodedata.normalize("NFC", line).translate(_INVISIBLE).replace("\u00a0", " ")
    return line.strip()


def noise_kind(line: str) -> str | None:
    """The kind of page furniture a stripped line is, or None when it is content."""
    for kind, pattern in _NOISE.items():
        if pattern.fullmatch(line):
            return kind
    return None


def _strip_inline_prefix(line: str) -> str:
    for pattern in _PREFIXES:
        line = pattern.sub("", line, count=1)
    return line


def _dedupe_key(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip().lower()


def clean_text(raw: str) -> CleanedText:
    """Clean a scraped article: drop ads, menus, polls, bylines, image stubs, widgets and repeated paragraphs.

    Paragraphs of the result are separated by one blank line; the lines of content are kept verbatim
    apart from surrounding white space and a dateline prefix.
    """
    removed: Counter[str] = Counter()
    seen: set[str] = set()
    kept: list[str] = []
    for raw_line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = normalise_line(raw_line)
        if not line:
            continue
        if _TAIL.fullmatch(line):
            removed["widget"] += 1
            break
        kind = noise_kind(line)
        if kind:
            removed[kind] += 1
            continue
        line = _strip_inline_prefix(line)
        key = _dedupe_key(line)
        if key in seen:
            removed["duplicate"] += 1
            continue
        seen.add(key)
        kept.append(line)
    return CleanedText(text="\n\n".join(kept), removed=removed)
