"""Sentence-aligned chunking: Kiwi sentences, exact offsets, size limits, overlap, languages and headings.

The properties are checked on every cleaned seed with the default parameters and with small ones (which
give many chunks per document), plus hand-made documents for the edge cases.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from index.chunking import (
    ChunkingParams,
    Sentence,
    chunk_document,
    chunk_search_text,
    document_sentences,
    document_sentences_many,
)
from index.documents import Chunk, SourceDocument
from index.ingest import prepare_document
from index.korean import get_kiwi
from index.language import detect_language

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
PARAMS = [
    ChunkingParams(),
    ChunkingParams(target_chars=100, max_chars=150, overlap_sentences=1),
    ChunkingParams(target_chars=200, max_chars=300, overlap_sentences=0),
    ChunkingParams(target_chars=300, max_chars=400, overlap_sentences=2),
]
PARAM_IDS = [f"{p.target_chars}-{p.max_chars}-{p.overlap_sentences}" for p in PARAMS]
EN_SEED = "001_f7b0d974c79d8970.txt"
HEADING_SEED = "000_6e031c1b1d43ca61.txt"
SEED_HEADINGS = [
    "DNA 중심 4차산업 기반기술 확산시켜",
    "지역별 특화된 정책 시행",
    "규제자유특구 지정을 위한 노력",
    "IT 인력 양성을 위한 노력",
]


@pytest.fixture(scope="module")
def seed_docs() -> dict[str, SourceDocument]:
    """The cleaned seed documents, by file name."""
    docs = {}
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        docs[path.name] = prepare_document(path.read_text(encoding="utf-8"), path.name, ChunkingParams()).document
    return docs


def _doc(text: str) -> SourceDocument:
    return SourceDocument(doc_id="d", source="d.txt", title=text.split("\n", 1)[0], text=text)


def _sentence_index(sentences: list[Sentence]) -> tuple[dict[int, int], dict[int, int]]:
    return {s.start: i for i, s in enumerate(sentences)}, {s.end: i for i, s in enumerate(sentences)}


def _kiwi_boundaries(text: str) -> set[int]:
    """Start and end offsets of Kiwi's own sentences, line by line, without surrounding blanks."""
    bounds: set[int] = set()
    offset = 0
    for line in text.split("\n"):
        for sent in get_kiwi().split_into_sents(line):
            start, end = sent.start, sent.end
            while start < end and line[start].isspace():
                start += 1
            while end > start and line[end - 1].isspace():
                end -= 1
            if end > start:
                bounds.update((offset + start, offset + end))
        offset += len(line) + 1
    return bounds


def _all_seed_chunks(
    seed_docs: dict[str, SourceDocument], params: ChunkingParams
) -> list[tuple[SourceDocument, Chunk]]:
    return [(doc, chunk) for doc in seed_docs.values() for chunk in chunk_document(doc, params)]


@pytest.mark.parametrize("params", PARAMS, ids=PARAM_IDS)
def test_chunk_offsets_give_back_the_chunk_text(seed_docs: dict[str, SourceDocument], params: ChunkingParams) -> None:
    for doc, chunk in _all_seed_chunks(seed_docs, params):
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.doc_id == doc.doc_id
        assert chunk.text == chunk.text.strip()


@pytest.mark.parametrize("params", PARAMS, ids=PARAM_IDS)
def test_chunks_start_and_end_on_sentence_boundaries(
    seed_docs: dict[str, SourceDocument], params: ChunkingParams
) -> None:
    for doc in seed_docs.values():
        starts, ends = _sentence_index(document_sentences(doc.text))
        for chunk in chunk_document(doc, params):
            assert chunk.start in starts
            assert chunk.end in ends


def test_splitting_many_documents_at_once_gives_each_its_own_sentences(seed_docs: dict[str, SourceDocument]) -> None:
    """One Kiwi call for several documents (as an ingest does) keeps each document's offsets and languages."""
    texts = [doc.text for doc in seed_docs.values()] + ["", "한 줄.\n\nTwo lines. Here."]
    together = document_sentences_many(texts)
    assert together == [document_sentences(text) for text in texts]
    assert together[-2] == [] and [texts[-1][s.start : s.end] for s in together[-1]] == [
        "한 줄.",
        "Two lines.",
        "Here.",
    ]


def test_korean_sentences_are_kiwis_and_english_ones_end_at_sentence_punctuation(
    seed_docs: dict[str, SourceDocument],
) -> None:
    for doc in seed_docs.values():
        kiwi = _kiwi_boundaries(doc.text)
        for sentence in document_sentences(doc.text):
            piece = doc.text[sentence.start : sentence.end]
            if sentence.lang == "ko":
                assert sentence.start in kiwi and sentence.end in kiwi, piece
            else:
                # Kiwi leaves English runs whole; they are cut after . ! ? (and a closing quote) before a capital.
                after = doc.text[sentence.end : sentence.end + 1]
                assert after in ("", "\n", " "), piece
                assert after != " " or re.search(r"[.!?][\"”’)]?$", piece), piece


def test_no_sentence_crosses_a_line_and_none_is_lost(seed_docs: dict[str, SourceDocument]) -> None:
    for doc in seed_docs.values():
        sentences = document_sentences(doc.text)
        covered = [False] * len(doc.text)
        for sentence in sentences:
            assert "\n" not in doc.text[sentence.start : sentence.end]
            covered[sentence.start : sentence.end] = [True] * (sentence.end - sentence.start)
        assert all(c or ch.isspace() for c, ch in zip(covered, doc.text, strict=True))


@pytest.mark.parametrize("params", PARAMS, ids=PARAM_IDS)
def test_every_sentence_is_in_some_chunk_and_no_chunk_is_inside_another(
    seed_docs: dict[str, SourceDocument], params: ChunkingParams
) -> None:
    for doc in seed_docs.values():
        sentences = document_sentences(doc.text)
        chunks = chunk_document(doc, params)
        for sentence in sentences:
            assert any(c.start <= sentence.start and sentence.end <= c.end for c in chunks)
        for before, after in itertools.pairwise(chunks):
            assert before.start < after.start and before.end < after.end


@pytest.mark.parametrize("params", PARAMS, ids=PARAM_IDS)
def test_chunk_sizes_stay_within_target_and_max(seed_docs: dict[str, SourceDocument], params: ChunkingParams) -> None:
    for doc in seed_docs.values():
        sentences = document_sentences(doc.text)
        starts, ends = _sentence_index(sentences)
        for chunk in chunk_document(doc, params):
            first, last = starts[chunk.start], ends[chunk.end]
            size = chunk.end - chunk.start
            assert size <= params.max_chars or first == last, "only a single long sentence may exceed max_chars"
            if last + 1 < len(sentences) and sentences[last + 1].lang == sentences[first].lang:
                # Stopped short of the target only because the next sentence would break max_chars.
                grown = sentences[last + 1].end - chunk.start
                assert size >= params.target_chars or grown > params.max_chars


@pytest.mark.parametrize("params", PARAMS, ids=PARAM_IDS)
def test_neighbouring_chunks_overlap_by_the_configured_sentences(
    seed_docs: dict[str, SourceDocument], params: ChunkingParams
) -> None:
    overlaps_seen = 0
    for doc in seed_docs.values():
        sentences = document_sentences(doc.text)
        starts, ends = _sentence_index(sentences)
        chunks = chunk_document(doc, params)
        for before, after in itertools.pairwise(chunks):
            first, last, next_first = starts[before.start], ends[before.end], starts[after.start]
            if sentences[next_first].lang != sentences[first].lang:
                assert next_first == last + 1, "no overlap across a language switch"
                continue
            configured = max(first + 1, last + 1 - params.overlap_sentences)
            assert configured <= next_first <= last + 1
            if next_first > configured:
                # Fewer overlap sentences only when one more would leave no room for the new sentence.
                assert sentences[last + 1].end - sentences[next_first - 1].start > params.max_chars
            assert after.end >= sentences[last + 1].end, "every chunk adds at least one new sentence"
            overlaps_seen += last + 1 - next_first
    if params.overlap_sentences:
        assert overlaps_seen > 0


def test_one_sentence_overlap_repeats_the_last_sentence_of_the_previous_chunk(
    seed_docs: dict[str, SourceDocument],
) -> None:
    doc = seed_docs["004_90f594b122ef3ede.txt"]
    sentences = document_sentences(doc.text)
    chunks = chunk_document(doc, ChunkingParams())
    assert len(chunks) >= 3
    for before, after in itertools.pairwise(chunks):
        last_sentence = next(s for s in sentences if s.end == before.end)
        assert after.start == last_sentence.start
        assert after.text.startswith(doc.text[last_sentence.start : last_sentence.end])


def test_chunks_of_the_bilingual_article_never_mix_korean_and_english(seed_docs: dict[str, SourceDocument]) -> None:
    doc = seed_docs[EN_SEED]
    sentences = document_sentences(doc.text)
    for params in PARAMS:
        chunks = chunk_document(doc, params)
        assert {c.lang for c in chunks} == {"ko", "en"}
        for chunk in chunks:
            langs = {s.lang for s in sentences if chunk.start <= s.start and s.end <= chunk.end}
            assert langs == {chunk.lang}
            assert detect_language(chunk.text) == chunk.lang
            if chunk.lang == "en":
                assert not re.search("[가-힣]", chunk.text)
        # Korean first, then the whole English translation: exactly one switch.
        langs_in_order = [c.lang for c in chunks]
        assert langs_in_order == sorted(langs_in_order, key=["ko", "en"].index)
        first_en = next(c for c in chunks if c.lang == "en")
        assert first_en.text.startswith("Gyeongbuk-do, full-fledged operation")


def test_headings_are_detected_and_carried_by_the_chunks_under_them(seed_docs: dict[str, SourceDocument]) -> None:
    doc = seed_docs[HEADING_SEED]
    headings = [doc.text[s.start : s.end] for s in document_sentences(doc.text) if s.is_heading]
    assert headings == SEED_HEADINGS
    positions = [doc.text.index(h) for h in SEED_HEADINGS]
    for params in PARAMS:
        chunks = chunk_document(doc, params)
        for chunk in chunks:
            in_force = [h for h, pos in zip(SEED_HEADINGS, positions, strict=True) if pos <= chunk.start]
            assert chunk.heading == (in_force[-1] if in_force else None)
        assert len({c.heading for c in chunks} - {None}) >= 3


def test_heading_and_title_are_prefixed_to_the_embedded_text(seed_docs: dict[str, SourceDocument]) -> None:
    doc = seed_docs[HEADING_SEED]
    chunk = next(c for c in chunk_document(doc, ChunkingParams()) if c.heading == "규제자유특구 지정을 위한 노력")
    assert chunk_search_text(doc, chunk) == f"{doc.title}\n규제자유특구 지정을 위한 노력\n{chunk.text}"


def test_a_sentence_longer_than_max_is_a_chunk_of_its_own_and_never_cut() -> None:
    long_sentence = "경상북도는 " + "지역 전자산업의 체질개선을 위해 노력해 왔으며 " * 12 + "성과를 거두었다."
    text = f"짧은 첫 문장이다. 둘째 문장도 짧다.\n{long_sentence}\n마지막 문장이다."
    params = ChunkingParams(target_chars=60, max_chars=100, overlap_sentences=1)
    chunks = chunk_document(_doc(text), params)
    assert len(long_sentence) > params.max_chars
    assert [c.text for c in chunks if len(c.text) > params.max_chars] == [long_sentence]
    assert all(long_sentence not in c.text or c.text == long_sentence for c in chunks)
    assert chunks[-1].text.endswith("마지막 문장이다.")


def test_a_chunk_without_a_letter_or_digit_is_left_out() -> None:
    rule = "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -"
    text = f"광주는 인공지능 단지를 조성한다.\n{rule}\n{rule}\n대구는 로봇 산업을 키운다."
    chunks = chunk_document(_doc(text), ChunkingParams(target_chars=20, max_chars=80, overlap_sentences=0))
    assert chunks and all(any(ch.isalnum() for ch in c.text) for c in chunks)
    assert chunks[0].text.startswith("광주") and chunks[-1].text.endswith("키운다.")
    assert [c.chunk_id for c in chunks] == [f"{chunks[0].doc_id}:{i:04d}" for i in range(len(chunks))]


def test_chunk_ids_are_unique_and_numbered_in_order(seed_docs: dict[str, SourceDocument]) -> None:
    for doc in seed_docs.values():
        chunks = chunk_document(doc, ChunkingParams(target_chars=100, max_chars=150))
        assert [c.chunk_id for c in chunks] == [f"{doc.doc_id}:{i:04d}" for i in range(len(chunks))]


def test_chunking_is_deterministic(seed_docs: dict[str, SourceDocument]) -> None:
    for doc in seed_docs.values():
        assert chunk_document(doc, ChunkingParams()) == chunk_document(doc, ChunkingParams())


def test_a_one_sentence_document_is_one_chunk() -> None:
    text = "광주는 인공지능 단지를 조성한다."
    chunks = chunk_document(_doc(text), ChunkingParams())
    assert [(c.start, c.end, c.text, c.lang) for c in chunks] == [(0, len(text), text, "ko")]


def test_a_chunk_is_never_only_the_overlap_of_the_previous_one() -> None:
    # Regression: the overlap sentence plus the long next sentence exceed max_chars; the next chunk used to
    # be the overlap sentence alone, a copy of text already in the previous chunk.
    short = "가나다라마바사는 첫 문장이다."
    middle = "둘째 문장은 " + "아주 " * 160 + "길다."
    long = "셋째 문장은 " + "매우 " * 130 + "길다."
    text = " ".join([short, middle, long])
    params = ChunkingParams()
    assert len(middle) < params.max_chars < len(middle) + 1 + len(long)
    chunks = chunk_document(_doc(text), params)
    assert [c.text for c in chunks] == [f"{short} {middle}", long]
