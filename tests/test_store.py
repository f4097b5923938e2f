"""The index on disk and incremental ingest: real model, real FAISS, small indexes.

Re-embedding is detected with a subclass of the real embedder that records the passages it is asked to
encode (it shares the session's loaded model; nothing is mocked), and old vectors are compared bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from pydantic import PrivateAttr

from assistant.settings import Settings
from index.chunking import CHUNKER, ChunkingParams, chunk_search_text
from index.embeddings import SentenceTransformerEmbeddings
from index.errors import IndexUnavailableError, InputError
from index.ingest import IngestReport, ingest_paths
from index.korean import ANALYSER, tokenize
from index.store import (
    CURRENT,
    FILES,
    REBUILD_HINT,
    IndexData,
    LocalStore,
    all_vectors,
    current_generation,
    index_exists,
    load_index,
)
from tests.conftest import OLD_HEADING, SEEDS_DIR, age_index, make_settings

SEED_NAMES = sorted(p.name for p in SEEDS_DIR.glob("*.txt"))
NEW_ARTICLE = (
    "부산시, 해양 신산업 육성 본격화\n"
    "광고\n"
    "홍길동 기자 | 입력 2022.03.04 10:00\n"
    "부산시는 해양 신산업을 육성하기 위해 2025년까지 300억 원을 투자한다고 밝혔다. "
    "시는 스마트 항만과 친환경 선박 기술 개발을 지원할 계획이다.\n"
    "댓글 0\n"
)
OTHER_ARTICLE = "전라남도 해상풍력 지원센터 개소\n전라남도는 해상풍력 인허가를 돕는 원스톱 지원센터를 열었다."


class CountingEmbeddings(SentenceTransformerEmbeddings):
    """The real embedder, recording every passage it encodes."""

    _encoded: list[str] = PrivateAttr(default_factory=list)

    def encode_for_index(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Record the texts, then encode them with the real model."""
        self._encoded.extend(texts)
        return super().encode_for_index(texts, progress=progress)

    @property
    def encoded(self) -> list[str]:
        """Every passage encoded so far."""
        return self._encoded


@pytest.fixture
def counting(embedder: SentenceTransformerEmbeddings) -> CountingEmbeddings:
    spy = CountingEmbeddings(model=embedder.model, cache_dir=embedder.cache_dir, device=embedder.device)
    assert spy.client is embedder.client, "the spy must reuse the session's model, not load a second one"
    return spy


def _params(settings: Settings) -> ChunkingParams:
    return ChunkingParams(settings.chunk_target_chars, settings.chunk_max_chars, settings.chunk_overlap_sentences)


def _ingest(
    paths: list[Path],
    settings: Settings,
    embedder: SentenceTransformerEmbeddings,
    *,
    params: ChunkingParams | None = None,
    rebuild: bool = False,
    replace: list[str] | None = None,
) -> IngestReport:
    return ingest_paths(
        paths,
        store=LocalStore(settings.resolved_index_dir),
        embedder=embedder,
        params=params or _params(settings),
        max_file_bytes=settings.max_file_bytes,
        rebuild=rebuild,
        replace=replace,
        progress=False,
    )


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _vectors_by_chunk(data: IndexData) -> dict[str, bytes]:
    vectors = all_vectors(data.vectors)
    return {chunk.chunk_id: vectors[row].tobytes() for row, chunk in enumerate(data.chunks)}


def _generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith(("gen-", ".tmp-gen-")))


def _snapshot(index_dir: Path) -> dict[str, bytes]:
    """Every file of the index directory (lock files aside), by relative path."""
    return {str(p.relative_to(index_dir)): p.read_bytes() for p in sorted(index_dir.rglob("*")) if p.is_file()}


# --- building ------------------------------------------------------------------------------------------------


def test_seed_index_holds_the_five_seed_documents(
    seed_settings: Settings, embedder: SentenceTransformerEmbeddings
) -> None:
    index_dir = seed_settings.resolved_index_dir
    data = load_index(index_dir, expected_model=embedder.model)
    manifest = data.manifest
    assert sorted(doc.source for doc in data.documents.values()) == SEED_NAMES
    assert manifest.documents == 5
    assert manifest.chunks == len(data.chunks) == len(data.tokens) == data.vectors.ntotal > 5
    assert manifest.dimension == data.vectors.d == embedder.dimension
    assert manifest.embedding_model == embedder.model
    assert manifest.chunking == asdict(_params(seed_settings))
    assert set(manifest.checksums) == set(FILES)
    generation = current_generation(index_dir)
    assert generation is not None
    assert (index_dir / CURRENT).read_text(encoding="utf-8") == generation.name
    assert sorted(p.name for p in generation.iterdir()) == sorted([*FILES, "manifest.json"])
    assert np.allclose(np.linalg.norm(all_vectors(data.vectors), axis=1), 1.0, atol=1e-4)
    assert {c.doc_id for c in data.chunks} == set(data.documents)


def test_building_a_new_index_reports_what_it_added(tmp_path: Path, counting: CountingEmbeddings) -> None:
    settings = make_settings(tmp_path / "data")
    docs = tmp_path / "docs"
    _write(docs, "busan.txt", NEW_ARTICLE)
    _write(docs, "jeonnam.md", "# " + OTHER_ARTICLE)
    report = _ingest([docs], settings, counting)
    assert (report.documents, report.added_documents, report.unchanged_documents, report.replaced_documents) == (
        2,
        2,
        0,
        0,
    )
    assert report.chunks == report.added_chunks == len(counting.encoded) >= 2
    assert report.errors == []
    index_dir = settings.resolved_index_dir
    assert (index_dir / CURRENT).read_text(encoding="utf-8") == "gen-00000001"
    data = load_index(index_dir, expected_model=counting.model)
    busan = next(d for d in data.documents.values() if d.source == "busan.txt")
    assert (busan.title, busan.author, busan.published, busan.regions) == (
        "부산시, 해양 신산업 육성 본격화",
        "홍길동",
        "2022-03-04",
        ["부산"],
    )
    assert "광고" not in busan.text and "댓글" not in busan.text


# --- incremental ingest ----------------------------------------------------------------------------------------


def test_reingesting_the_same_files_is_a_no_op(seed_copy: Settings, counting: CountingEmbeddings) -> None:
    index_dir = seed_copy.resolved_index_dir
    before = _snapshot(index_dir)
    report = _ingest([SEEDS_DIR], seed_copy, counting)
    assert report.documents == 5
    assert (report.added_documents, report.added_chunks, report.replaced_documents) == (0, 0, 0)
    assert report.unchanged_documents == 5
    assert report.chunks == load_index(index_dir).manifest.chunks
    assert counting.encoded == []
    assert _snapshot(index_dir) == before, "no new generation may be written"


def test_the_same_text_under_another_file_name_is_not_indexed_twice(
    seed_copy: Settings, counting: CountingEmbeddings, tmp_path: Path
) -> None:
    index_dir = seed_copy.resolved_index_dir
    before = _snapshot(index_dir)
    copy = tmp_path / "new" / "copy-of-000.txt"
    copy.parent.mkdir()
    shutil.copy(SEEDS_DIR / SEED_NAMES[0], copy)
    report = _ingest([copy], seed_copy, counting)
    assert (report.documents, report.added_documents, report.unchanged_documents) == (5, 0, 1)
    assert counting.encoded == []
    assert _snapshot(index_dir) == before


def test_incremental_ingest_embeds_only_the_new_document(
    seed_copy: Settings, counting: CountingEmbeddings, embedder: SentenceTransformerEmbeddings, tmp_path: Path
) -> None:
    index_dir = seed_copy.resolved_index_dir
    before = load_index(index_dir)
    old_generation = current_generation(index_dir)
    old_vectors = all_vectors(before.vectors).copy()
    new_file = _write(tmp_path / "new", "busan.txt", NEW_ARTICLE)

    report = _ingest([SEEDS_DIR, new_file], seed_copy, counting)

    assert (report.documents, report.added_documents, report.unchanged_documents) == (6, 1, 5)
    assert report.chunks == len(before.chunks) + report.added_chunks
    after = load_index(index_dir, expected_model=embedder.model)
    n_old = len(before.chunks)
    # Old rows untouched, bit for bit, in the same order.
    assert after.chunks[:n_old] == before.chunks
    assert after.tokens[:n_old] == before.tokens
    assert all_vectors(after.vectors)[:n_old].tobytes() == old_vectors.tobytes()
    # Only the new document's chunks went through the model, and their stored vectors are the model's.
    new_doc = next(d for d in after.documents.values() if d.source == "busan.txt")
    new_chunks = after.chunks[n_old:]
    assert {c.doc_id for c in new_chunks} == {new_doc.doc_id}
    expected_texts = [chunk_search_text(new_doc, c) for c in new_chunks]
    assert counting.encoded == expected_texts
    assert len(expected_texts) == report.added_chunks < n_old
    assert np.allclose(all_vectors(after.vectors)[n_old:], embedder.encode_for_index(expected_texts), atol=1e-5)
    # A new generation replaced the old one.
    new_generation = current_generation(index_dir)
    assert old_generation is not None and new_generation is not None
    assert int(new_generation.name[4:]) == int(old_generation.name[4:]) + 1
    assert _generations(index_dir) == [new_generation.name]


def test_a_changed_file_given_as_replace_replaces_its_old_version_by_source_name(
    seed_copy: Settings, counting: CountingEmbeddings, tmp_path: Path
) -> None:
    index_dir = seed_copy.resolved_index_dir
    name = "004_90f594b122ef3ede.txt"
    before = load_index(index_dir)
    old_doc = next(d for d in before.documents.values() if d.source == name)
    old_vectors = _vectors_by_chunk(before)
    added = "광주시는 인공지능 단지에 2030년까지 스타트업 100곳을 유치할 계획이다."
    changed = _write(tmp_path / "new", name, (SEEDS_DIR / name).read_text(encoding="utf-8") + "\n" + added)

    report = _ingest([changed], seed_copy, counting, replace=[name])  # without it both versions are kept

    assert (report.documents, report.added_documents, report.replaced_documents) == (5, 1, 1)
    after = load_index(index_dir)
    assert old_doc.doc_id not in after.documents
    new_doc = next(d for d in after.documents.values() if d.source == name)
    assert added in new_doc.text
    assert sorted(d.source for d in after.documents.values()) == SEED_NAMES
    assert not any(c.doc_id == old_doc.doc_id for c in after.chunks)
    # The other four documents keep their chunks and vectors exactly; only the new version was embedded.
    new_vectors = _vectors_by_chunk(after)
    kept = {cid: vec for cid, vec in old_vectors.items() if not cid.startswith(old_doc.doc_id)}
    assert {cid: new_vectors[cid] for cid in kept} == kept
    new_chunks = [c for c in after.chunks if c.doc_id == new_doc.doc_id]
    assert counting.encoded == [chunk_search_text(new_doc, c) for c in new_chunks]
    assert len(after.chunks) == len(kept) + len(new_chunks) == after.vectors.ntotal == len(after.tokens)


def test_changed_chunk_settings_require_a_rebuild(seed_copy: Settings, counting: CountingEmbeddings) -> None:
    index_dir = seed_copy.resolved_index_dir
    before = _snapshot(index_dir)
    with pytest.raises(InputError, match="rag ingest --rebuild"):
        _ingest([SEEDS_DIR], seed_copy, counting, params=ChunkingParams(300, 400, 1))
    assert counting.encoded == []
    assert _snapshot(index_dir) == before


def test_rebuild_starts_from_scratch(seed_copy: Settings, counting: CountingEmbeddings, tmp_path: Path) -> None:
    index_dir = seed_copy.resolved_index_dir
    old_generation = current_generation(index_dir)
    new_file = _write(tmp_path / "new", "busan.txt", NEW_ARTICLE)

    report = _ingest([new_file], seed_copy, counting, rebuild=True)

    assert (report.documents, report.added_documents, report.unchanged_documents) == (1, 1, 0)
    data = load_index(index_dir)
    assert [d.source for d in data.documents.values()] == ["busan.txt"]
    assert data.manifest.documents == 1 and data.manifest.chunks == data.vectors.ntotal == len(counting.encoded)
    live = current_generation(index_dir)
    assert old_generation is not None and live is not None and live != old_generation
    assert _generations(index_dir) == [live.name]


def test_a_rebuild_that_indexes_nothing_keeps_the_old_index(
    seed_copy: Settings, counting: CountingEmbeddings, tmp_path: Path
) -> None:
    index_dir = seed_copy.resolved_index_dir
    before = _snapshot(index_dir)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01binary")
    with pytest.raises(InputError, match="Nothing could be indexed"):
        _ingest([bad], seed_copy, counting, rebuild=True)
    assert _snapshot(index_dir) == before
    assert len(load_index(index_dir).documents) == 5


# --- loading a wrong or damaged index ----------------------------------------------------------------------------


def test_loading_with_another_embedding_model_asks_for_a_rebuild(
    seed_settings: Settings, embedder: SentenceTransformerEmbeddings
) -> None:
    index_dir = seed_settings.resolved_index_dir
    with pytest.raises(IndexUnavailableError) as caught:
        load_index(index_dir, expected_model="intfloat/multilingual-e5-base")
    message = str(caught.value)
    assert "rag ingest --rebuild" in message
    assert embedder.model in message and "intfloat/multilingual-e5-base" in message
    assert caught.value.status_code == 503


def test_tokens_made_by_another_analyser_are_made_again_on_load(seed_copy: Settings) -> None:
    """An index written by another Kiwi configuration (or before the manifest named it) is searched with this
    analyser's tokens, not with stored ones the queries' tokens would miss."""
    index_dir = seed_copy.resolved_index_dir
    generation = current_generation(index_dir)
    assert generation is not None
    fresh = load_index(index_dir)
    assert fresh.manifest.analyser == ANALYSER
    stale_tokens = b"".join(json.dumps([f"stale{row}"]).encode() + b"\n" for row in range(len(fresh.chunks)))
    _rewrite_with_checksum(generation, "tokens.jsonl", stale_tokens)
    assert load_index(index_dir).tokens[0] == ["stale0"]  # same analyser: the stored tokens are used as they are
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    manifest["analyser"] = "kiwi-cong-with-dictionaries"
    (generation / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    reloaded = load_index(index_dir)
    assert reloaded.tokens == fresh.tokens
    assert reloaded.bm25.top(tokenize("디지털 오픈랩 사업비"), 1)
    # Ingest tokenises all chunks in one batched Kiwi call: the same tokens as one chunk at a time
    assert fresh.tokens == [tokenize(chunk_search_text(fresh.documents[c.doc_id], c)) for c in fresh.chunks]


def test_ingesting_into_an_index_of_another_analyser_stores_this_analysers_tokens(
    seed_copy: Settings, counting: CountingEmbeddings
) -> None:
    """Tokens made again on load are written back by the next ingest, even one that adds nothing, so later loads
    do not tokenise every chunk again."""
    index_dir = seed_copy.resolved_index_dir
    generation = current_generation(index_dir)
    assert generation is not None
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    manifest["analyser"] = "kiwi-cong-nodict"
    (generation / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = _ingest([SEEDS_DIR], seed_copy, counting)
    assert (report.added_documents, report.added_chunks) == (0, 0) and counting.encoded == []  # nothing new
    assert current_generation(index_dir) != generation
    stored = load_index(index_dir)
    assert stored.manifest.analyser == ANALYSER
    assert stored.tokens == [tokenize(chunk_search_text(stored.documents[c.doc_id], c)) for c in stored.chunks]


def test_an_index_cut_by_an_older_chunker_is_cut_again_by_the_next_ingest(
    seed_copy: Settings, counting: CountingEmbeddings, seed_settings: Settings
) -> None:
    """A chunker change gives other chunks, headings and search text: an index made before it is cut again from its
    stored documents (and embedded again) by the next ingest, even one that adds nothing, and only once."""
    index_dir = seed_copy.resolved_index_dir
    age_index(index_dir)
    aged = load_index(index_dir)
    assert aged.manifest.chunker == "" and {chunk.heading for chunk in aged.chunks} == {OLD_HEADING}
    report = _ingest([SEEDS_DIR], seed_copy, counting)
    assert report.rechunked_documents == report.unchanged_documents == report.documents == 5
    assert report.added_documents == report.added_chunks == 0
    fresh = load_index(seed_settings.resolved_index_dir)
    stored = load_index(index_dir)
    assert stored.manifest.chunker == CHUNKER
    assert stored.chunks == fresh.chunks and stored.tokens == fresh.tokens
    assert sorted(counting.encoded) == sorted(chunk_search_text(fresh.documents[c.doc_id], c) for c in fresh.chunks)
    assert np.allclose(all_vectors(stored.vectors), all_vectors(fresh.vectors), atol=1e-5)
    generation = current_generation(index_dir)
    again = _ingest([SEEDS_DIR], seed_copy, counting)
    assert again.rechunked_documents == 0 and current_generation(index_dir) == generation  # once


def test_an_aged_index_keeps_its_own_documents_when_cut_again(tmp_path: Path, counting: CountingEmbeddings) -> None:
    """Cutting again starts from the documents the index holds, not from the folder ingested: a user's documents
    stay (two versions of one file kept side by side, without warning again that both are kept), and a file named
    in --replace is replaced."""
    settings = make_settings(tmp_path / "data")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "mine.txt").write_text("울산시는 수소 산업 육성 계획을 발표했다.\n", encoding="utf-8")
    (folder / "other.txt").write_text("부산시는 해양 관광 거점을 만든다.\n", encoding="utf-8")
    _ingest([folder], settings, counting)
    (folder / "mine.txt").write_text("울산시는 수소 산업 육성 계획을 고쳐 발표했다.\n", encoding="utf-8")
    assert "both are kept" in _ingest([folder / "mine.txt"], settings, counting).warnings[0]
    age_index(settings.resolved_index_dir)
    (folder / "other.txt").write_text("부산시는 해양 관광 거점을 두 곳에 만든다.\n", encoding="utf-8")
    report = _ingest([folder / "other.txt"], settings, counting, replace=["other.txt"])
    assert (report.rechunked_documents, report.added_documents, report.replaced_documents) == (2, 1, 1)
    assert report.documents == 3 and report.warnings == []
    stored = load_index(settings.resolved_index_dir)
    assert sorted(d.text.strip() for d in stored.documents.values()) == [
        "부산시는 해양 관광 거점을 두 곳에 만든다.",
        "울산시는 수소 산업 육성 계획을 고쳐 발표했다.",
        "울산시는 수소 산업 육성 계획을 발표했다.",
    ]
    assert OLD_HEADING not in {chunk.heading for chunk in stored.chunks}


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = b"\xff\x00garbl"
    path.write_bytes(bytes(data))


def _delete(path: Path) -> None:
    path.unlink()


@pytest.mark.parametrize("damage", [_truncate, _garble, _delete], ids=["truncated", "garbled", "missing"])
@pytest.mark.parametrize("name", [*FILES, "manifest.json"])
def test_a_damaged_or_missing_index_file_gives_a_clear_error(seed_copy: Settings, name: str, damage: object) -> None:
    index_dir = seed_copy.resolved_index_dir
    generation = current_generation(index_dir)
    assert generation is not None
    damage(generation / name)  # type: ignore[operator]
    with pytest.raises(IndexUnavailableError) as caught:
        load_index(index_dir)
    assert REBUILD_HINT in str(caught.value)
    assert "rag ingest --rebuild" in str(caught.value)


def _rewrite_with_checksum(generation: Path, name: str, content: bytes) -> None:
    """Replace an index file and fix its manifest checksum, as a buggy writer would."""
    (generation / name).write_bytes(content)
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    manifest["checksums"][name] = hashlib.sha256(content).hexdigest()
    (generation / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("chunks.jsonl", b'{"not": "a chunk"}\n', "cannot be read"),
        ("dense.faiss", b"not a faiss index", "cannot be read"),
        ("tokens.jsonl", b'["only", "one", "row"]\n', "inconsistent"),
    ],
)
def test_bad_contents_behind_a_valid_checksum_are_still_caught(
    seed_copy: Settings, name: str, content: bytes, reason: str
) -> None:
    index_dir = seed_copy.resolved_index_dir
    generation = current_generation(index_dir)
    assert generation is not None
    _rewrite_with_checksum(generation, name, content)
    with pytest.raises(IndexUnavailableError, match=reason) as caught:
        load_index(index_dir)
    assert REBUILD_HINT in str(caught.value)


def test_a_missing_index_or_generation_says_how_to_build_it(tmp_path: Path, seed_copy: Settings) -> None:
    with pytest.raises(IndexUnavailableError, match="rag ingest"):
        load_index(tmp_path / "nowhere")
    index_dir = seed_copy.resolved_index_dir
    (index_dir / CURRENT).write_text("gen-99999999", encoding="utf-8")
    assert not index_exists(index_dir)
    with pytest.raises(IndexUnavailableError, match="rag ingest"):
        load_index(index_dir)


def test_a_damaged_index_refuses_incremental_ingest_until_rebuilt(
    seed_copy: Settings, counting: CountingEmbeddings, tmp_path: Path
) -> None:
    index_dir = seed_copy.resolved_index_dir
    generation = current_generation(index_dir)
    assert generation is not None
    _garble(generation / "chunks.jsonl")
    new_file = _write(tmp_path / "new", "busan.txt", NEW_ARTICLE)
    with pytest.raises(IndexUnavailableError, match="rag ingest --rebuild"):
        _ingest([new_file], seed_copy, counting)
    assert counting.encoded == []
    report = _ingest([new_file], seed_copy, counting, rebuild=True)
    assert report.documents == 1
    assert len(load_index(index_dir).documents) == 1


# --- atomic switch -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["pointer", "staging"])
def test_a_failed_save_leaves_the_previous_generation_live(
    seed_copy: Settings, counting: CountingEmbeddings, tmp_path: Path, where: str
) -> None:
    index_dir = seed_copy.resolved_index_dir
    old_generation = current_generation(index_dir)
    assert old_generation is not None
    next_number = int(old_generation.name[4:]) + 1
    # Something in the way: of the new CURRENT pointer (after the new generation is fully written), or of the
    # staging directory (before anything is written).
    if where == "pointer":
        obstacle = index_dir / f".{CURRENT}.{os.getpid()}"
        obstacle.mkdir()
        (obstacle / "keep").write_text("x", encoding="utf-8")
    else:
        obstacle = index_dir / f".tmp-gen-{next_number:08d}-{os.getpid()}"
        obstacle.write_text("x", encoding="utf-8")
    new_file = _write(tmp_path / "new", "busan.txt", NEW_ARTICLE)

    with pytest.raises(IndexUnavailableError, match="previous index is unchanged"):
        _ingest([new_file], seed_copy, counting)

    assert current_generation(index_dir) == old_generation
    data = load_index(index_dir, expected_model=counting.model)
    assert sorted(d.source for d in data.documents.values()) == SEED_NAMES

    # Once the obstacle is gone the same ingest succeeds and leftovers are cleaned away.
    if obstacle.is_dir():
        shutil.rmtree(obstacle)
    else:
        obstacle.unlink()
    report = _ingest([new_file], seed_copy, counting)
    assert (report.documents, report.added_documents) == (6, 1)
    live = current_generation(index_dir)
    assert live is not None and live != old_generation
    assert _generations(index_dir) == [live.name]
    assert not [p.name for p in index_dir.iterdir() if p.name.startswith(f".{CURRENT}.")]
    assert len(load_index(index_dir).documents) == 6
