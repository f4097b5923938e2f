"""The shared Kiwi morphological analyser: sentence splitting and BM25 tokens for Korean text."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kiwipiepy import Kiwi, Token

from index.language import detect_language

# Morpheme tags that carry meaning for search: nouns, verb/adjective stems, roots, numbers, foreign words.
CONTENT_TAGS = frozenset({"NNG", "NNP", "NNB", "NR", "NP", "VV", "VA", "XR", "SL", "SN", "SH", "MM", "XSN"})
# Nouns written together are also searched as one compound: Kiwi cuts an unknown name by what follows it
# (해누리호의 → 해누리 + 호, 해누리호를 → 해누리호) and splits known compounds (홍수지질학 → 홍수 + 지질 + 학).
COMPOUND_TAGS = frozenset({"NNG", "NNP", "XSN", "XPN", "SH"})
_ENGLISH_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")
_HANGUL_WORD = re.compile(r"[가-힣]+")
_LOCK = threading.Lock()
CACHED_CHARS = 400


# Kiwi's built-in typo and multi-word dictionaries triple its start-up (about 3 s instead of 1 s on two
# cores) and change few tokens (multi-word names such as "구글 번역기" stay two searchable words without them).
# Indexes record this name: tokens made by another analyser are made again on load (`index/store.py`).
ANALYSER = "kiwi-cong-nodict-compounds"


@lru_cache(maxsize=1)
def get_kiwi() -> Kiwi:
    """One Kiwi per process (about half a second to load)."""
    return Kiwi(load_typo_dict=False, load_multi_dict=False)


def _english_sentences(text: str, offset: int) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _ENGLISH_BOUNDARY.finditer(text):
        spans.append((offset + start, offset + match.start() + len(match.group(0).rstrip())))
        start = match.end()
    spans.append((offset + start, offset + len(text)))
    return [(s, e) for s, e in spans if e > s]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences_many(texts: list[str]) -> list[list[tuple[int, int]]]:
    """(start, end) offsets of every sentence of each text (a sentence never crosses a line break), with the lines
    of all texts in one Kiwi call (its worker threads share them: 164 short documents split in 0.4 s instead of
    0.9 s one by one)."""
    starts, lines, owners, offsets = [], [], [], [0] * len(texts)
    for owner, text in enumerate(texts):
        for line in text.split("\n"):
            if line.strip():
                starts.append(offsets[owner])
                lines.append(line)
                owners.append(owner)
            offsets[owner] += len(line) + 1
    with _LOCK:
        per_line = list(get_kiwi().split_into_sents(lines)) if lines else []
    spans: list[list[tuple[int, int]]] = [[] for _ in texts]
    for owner, line_start, line, kiwi_sents in zip(owners, starts, lines, per_line, strict=True):
        for sent in kiwi_sents:
            start, end = _trim(line, sent.start, sent.end)
            if end <= start:
                continue
            piece = line[start:end]
            if detect_language(piece) == "en":
                spans[owner].extend(_english_sentences(piece, line_start + start))
            else:
                spans[owner].append((line_start + start, line_start + end))
    return spans


@dataclass(frozen=True)
class Morpheme:
    """One morpheme: its form, its base tag (no `-R`/`-I` suffix) and where it stands in the text."""

    form: str
    tag: str
    start: int
    end: int


def morphemes(text: str) -> list[Morpheme]:
    """Every morpheme of `text`, with character offsets (sentence-sized texts are cached)."""
    return list(_cached_morphemes(text) if len(text) <= CACHED_CHARS else _analyse(text))


def _analyse(text: str) -> tuple[Morpheme, ...]:
    with _LOCK:
        tokens = get_kiwi().tokenize(text)
    return _morphemes_of(tokens)


def _morphemes_of(tokens: list[Token]) -> tuple[Morpheme, ...]:
    return tuple(Morpheme(t.form, t.tag.split("-")[0], t.start, t.start + t.len) for t in tokens)


@lru_cache(maxsize=20_000)
def _cached_morphemes(text: str) -> tuple[Morpheme, ...]:
    """Sentences are analysed again and again (each question scores the same retrieved sentences)."""
    return _analyse(text)


def _compound(run: list[Morpheme]) -> list[str]:
    """The whole of nouns written together, when there are more than one."""
    return ["".join(m.form for m in run).lower()] if len(run) > 1 else []


def _search_tokens(analysed: Iterable[Morpheme]) -> list[str]:
    out: list[str] = []
    run: list[Morpheme] = []  # the nouns written together so far
    for token in analysed:
        if run and token.tag in COMPOUND_TAGS and token.start == run[-1].end:
            run.append(token)
        else:
            out += _compound(run)
            run = [token] if token.tag in COMPOUND_TAGS else []
        if token.tag in CONTENT_TAGS:
            form = token.form.lower()
            out.append(form + "다" if token.tag in {"VV", "VA"} else form)
    return out + _compound(run)


def tokenize(text: str) -> list[str]:
    """Search tokens: content morphemes (lower-cased), particles and endings dropped; a compound noun gives its
    parts and, after them, the whole (홍수지질학은 → 홍수, 지질, 학, 홍수지질학)."""
    return _search_tokens(morphemes(text))


def headword_tokens(word: str) -> list[str]:
    """The search tokens of a word list's Korean headword. A noun alone can be misread (댐 as the verb 대다, 단지 as
    the adverb "merely"); a Hangul word not read back as itself is read again with 의 after it, and taken so when
    that reads it as one noun (a predicate such as 알려지다 keeps its own reading)."""
    tokens = tokenize(word)
    if word in tokens or not _HANGUL_WORD.fullmatch(word):
        return tokens
    as_noun = morphemes(word + "의")
    if any(m.form == word and m.tag in ("NNG", "NNP") for m in as_noun):
        return _search_tokens(as_noun)
    return tokens


def tokenize_many(texts: list[str]) -> list[list[str]]:
    """`tokenize` of many texts (chunks to index) in one call, so that Kiwi analyses them on its worker threads."""
    with _LOCK:
        analysed = list(get_kiwi().tokenize(texts)) if texts else []
    return [_search_tokens(_morphemes_of(tokens)) for tokens in analysed]
