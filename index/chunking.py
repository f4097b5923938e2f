"""Sentence-aligned chunks with character offsets into the cleaned text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.documents import Chunk, SourceDocument
from index.formats.base import is_row_line
from index.korean import split_sentences_many
from index.language import detect_language

_SENTENCE_END = re.compile(r"[.!?。…”\"'’)]$|[다요죠음함됨임]$")
HEADING_MAX_CHARS = 40
# What cuts the chunks, recorded in the index manifest: bump it whenever a change of this module gives other
# chunks, headings or search text for the same document (an index cut by another chunker is cut again by the
# next ingest: `index.ingest.ingest_prepared`).
CHUNKER = "2026-11-28-content-only"
# What an index cut by another chunker tells its users (the CLI, /health and the UI's English).
RECUT_HINT = (
    "This index was cut by an older chunker, so some answers may miss what it would cite now. Run "
    "`rag ingest --if-missing`, or upload a document, to cut it again (once)."
)


@dataclass(frozen=True)
class ChunkingParams:
    """How documents are cut; recorded in the index manifest."""

    target_chars: int = 550
    max_chars: int = 800
    overlap_sentences: int = 1


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document: offsets, language and whether it is a heading line."""

    start: int
    end: int
    lang: str
    is_heading: bool


def document_sentences(text: str) -> list[Sentence]:
    """Every sentence of a cleaned text, marking short unpunctuated lines as headings (a table row is not one:
    `총 길이 | 47.2 m` holds a value)."""
    return document_sentences_many([text])[0]


def document_sentences_many(texts: list[str]) -> list[list[Sentence]]:
    """`document_sentences` of each text, split by one Kiwi call for all."""
    return [
        [_sentence(text, start, end) for start, end in spans]
        for text, spans in zip(texts, split_sentences_many(texts), strict=True)
    ]


def _sentence(text: str, start: int, end: int) -> Sentence:
    piece = text[start:end]
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    whole_line = start == line_start and (line_end == -1 or line_end == end)
    is_heading = (
        whole_line
        and len(piece) <= HEADING_MAX_CHARS
        and not _SENTENCE_END.search(piece)
        and not is_row_line(piece)
    )
    return Sentence(start, end, detect_language(piece), is_heading)


def _headings_in_force(text: str, sentences: list[Sentence]) -> list[str | None]:
    """For each sentence, the latest heading at or before it."""
    current: str | None = None
    out: list[str | None] = []
    for sentence in sentences:
        if sentence.is_heading:
            current = text[sentence.start : sentence.end]
        out.append(current)
    return out


def _chunk_end(sentences: list[Sentence], first: int, params: ChunkingParams, must_reach: int) -> int:
    """Index one past the last sentence of the chunk that starts at `first`.

    The chunk always reaches sentence `must_reach` (the first one the previous chunk did not hold), so a
    chunk is never just the overlap of its predecessor.
    """
    start = sentences[first].start
    last = first + 1
    while last < len(sentences):
        nxt = sentences[last]
        if nxt.lang != sentences[first].lang:
            break
        size_now = sentences[last - 1].end - start
        if last > must_reach and (size_now >= params.target_chars or nxt.end - start > params.max_chars):
            break
        last += 1
    return last


def _next_first(sentences: list[Sentence], first: int, last: int, params: ChunkingParams) -> int:
    """Where the chunk after `first..last-1` starts: N sentences back, fewer if they leave no room.

    Overlap sentences are dropped (oldest first) while they and the next new sentence would exceed
    `max_chars`; there is no overlap across a change of language.
    """
    overlap = 0 if sentences[last].lang != sentences[first].lang else params.overlap_sentences
    nxt = max(first + 1, last - overlap)
    while nxt < last and sentences[last].end - sentences[nxt].start > params.max_chars:
        nxt += 1
    return nxt


def has_content(text: str) -> bool:
    """True when a text holds a letter or a digit (in any script)."""
    return any(character.isalnum() for character in text)


def chunk_document(doc: SourceDocument, params: ChunkingParams, sentences: list[Sentence] | None = None) -> list[Chunk]:
    """Cut a document into chunks of whole sentences (never splitting one), overlapping by N sentences;
    `sentences` are its `document_sentences` when the caller has them already. A chunk with no letter or digit
    (a rule of dashes, a row of table borders) is left out: its embedded text would be its title alone, which
    matches any question about the title's subject."""
    sentences = document_sentences(doc.text) if sentences is None else sentences
    headings = _headings_in_force(doc.text, sentences)
    chunks: list[Chunk] = []
    first = must_reach = 0
    while first < len(sentences):
        last = _chunk_end(sentences, first, params, must_reach)
        start, end = sentences[first].start, sentences[last - 1].end
        if has_content(doc.text[start:end]):
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}:{len(chunks):04d}",
                    doc_id=doc.doc_id,
                    start=start,
                    end=end,
                    text=doc.text[start:end],
                    heading=headings[first],
                    lang=sentences[first].lang,
                )
            )
        if last >= len(sentences):
            break
        first, must_reach = _next_first(sentences, first, last, params), last
    return chunks


def chunk_search_text(document: SourceDocument, chunk: Chunk) -> str:
    """What is embedded and tokenised for a chunk: its document title and heading give it context."""
    parts = [document.title]
    if chunk.heading and chunk.heading != document.title:
        parts.append(chunk.heading)
    parts.append(chunk.text)
    return "\n".join(parts)
