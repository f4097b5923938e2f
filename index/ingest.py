"""Build or extend the index: load, clean, describe, chunk, tokenise and embed documents."""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout
from tqdm import tqdm

from index.chunking import ChunkingParams, chunk_document
from index.cleaning import clean_text
from index.documents import Chunk, PageSpan, SectionSpan, SourceDocument
from index.embeddings import SentenceTransformerEmbeddings
from index.errors import InputError, MalformedFileError, RagError
from index.formats.base import LoadedText
from index.formats.provenance import cleaned_units
from index.korean import tokenize
from index.loaders import collect_files, load_document, supported_suffixes
from index.metadata import extract_metadata
from index.store import (
    IndexData,
    all_vectors,
    empty_vectors,
    index_exists,
    load_index,
    new_manifest,
    save_index,
)

LOCK_TIMEOUT_SECONDS = 600


@dataclass
class PreparedDocument:
    """A cleaned document with its chunks, ready to embed."""

    document: SourceDocument
    chunks: list[Chunk]
    duplicates_removed: int


@dataclass
class IngestReport:
    """What an ingest did (the `rag ingest --json` object)."""

    documents: int = 0
    chunks: int = 0
    added_documents: int = 0
    added_chunks: int = 0
    unchanged_documents: int = 0
    replaced_documents: int = 0
    duplicates_removed: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return asdict(self)


def document_id(cleaned_text: str) -> str:
    """Stable id of a document: a hash of its cleaned text."""
    return hashlib.sha256(cleaned_text.encode("utf-8")).hexdigest()[:16]


def content_hash(data: bytes) -> str:
    """A hash of a file's bytes."""
    return hashlib.sha256(data).hexdigest()[:16]


def prepare_document(
    raw: str | LoadedText, source: str, params: ChunkingParams, file_hash: str | None = None
) -> PreparedDocument:
    """Clean a raw page (or a loaded file with its page/section map), read its metadata and cut it into
    chunks; each chunk knows the pages or sections it spans."""
    loaded = raw if isinstance(raw, LoadedText) else LoadedText(raw)
    cleaned = clean_text(loaded.text)
    if not cleaned.text.strip():
        raise MalformedFileError(f"{source}: no text left after cleaning.")
    meta = extract_metadata(loaded.text, cleaned.text, fallback_title=Path(source).stem)
    units = cleaned_units(loaded, cleaned.text)
    pages = [PageSpan(page=u.n, start=u.start, end=u.end) for u in units] if loaded.unit == "page" else []
    sections = [SectionSpan(section=u.n, start=u.start, end=u.end) for u in units] if loaded.unit == "section" else []
    document = SourceDocument(
        doc_id=document_id(cleaned.text),
        source=source,
        format=loaded.format,
        content_hash=file_hash,
        title=loaded.title or meta.title,
        outlet=loaded.outlet or meta.outlet,
        author=meta.author,
        published=loaded.published or meta.published,
        regions=meta.regions,
        lang=meta.lang,
        text=cleaned.text,
        pages=pages,
        sections=sections,
    )
    chunks = [
        chunk.model_copy(
            update={
                "pages": document.pages_between(chunk.start, chunk.end),
                "sections": document.sections_between(chunk.start, chunk.end),
            }
        )
        for chunk in chunk_document(document, params)
    ]
    return PreparedDocument(document, chunks, cleaned.duplicates_removed)


def chunk_search_text(document: SourceDocument, chunk: Chunk) -> str:
    """What is embedded and tokenised for a chunk: its document title and heading give it context."""
    parts = [document.title]
    if chunk.heading and chunk.heading != document.title:
        parts.append(chunk.heading)
    parts.append(chunk.text)
    return "\n".join(parts)


def _empty_index(embedder: SentenceTransformerEmbeddings, params: ChunkingParams) -> IndexData:
    profile = embedder.profile
    manifest = new_manifest(
        embedding_model=embedder.model,
        dimension=embedder.dimension,
        query_prefix=profile.query_prefix,
        passage_prefix=profile.passage_prefix,
        chunking=asdict(params),
    )
    return IndexData(manifest, {}, [], [], empty_vectors(embedder.dimension))


def _without_documents(data: IndexData, doc_ids: set[str]) -> IndexData:
    keep = [row for row, chunk in enumerate(data.chunks) if chunk.doc_id not in doc_ids]
    vectors = empty_vectors(data.vectors.d)
    if keep:
        vectors.add(all_vectors(data.vectors)[keep])
    return IndexData(
        data.manifest,
        {doc_id: doc for doc_id, doc in data.documents.items() if doc_id not in doc_ids},
        [data.chunks[row] for row in keep],
        [data.tokens[row] for row in keep],
        vectors,
    )


def _read_sources(
    files: list[Path], params: ChunkingParams, max_file_bytes: int, report: IngestReport, progress: bool
) -> list[PreparedDocument]:
    prepared = []
    for path in tqdm(files, desc="Reading", unit="file", disable=not progress):
        try:
            if path.stat().st_size > max_file_bytes:
                raise InputError(f"{path.name}: larger than RAG_MAX_FILE_BYTES ({max_file_bytes} bytes).")
            data = path.read_bytes()
            loaded = load_document(data, path.name, max_file_bytes)
            prepared.append(prepare_document(loaded, path.name, params, content_hash(data)))
        except (RagError, OSError) as exc:
            report.errors.append(str(exc))
    return prepared


def add_documents(
    data: IndexData,
    prepared: list[PreparedDocument],
    embedder: SentenceTransformerEmbeddings,
    progress: bool,
    replace: frozenset[str] = frozenset(),
) -> tuple[IndexData, IngestReport]:
    """Add prepared documents to an index in memory, embedding only the new chunks.

    Documents are keyed by their content (a hash of the cleaned text): one already present is left alone.
    Other text under a file name that is already indexed is added beside the old version, with a warning,
    unless the name is in `replace`: then every other document of that name is removed.
    """
    report = IngestReport()
    by_source: dict[str, set[str]] = {}
    for doc_id, doc in data.documents.items():
        by_source.setdefault(doc.source, set()).add(doc_id)
    fresh: list[PreparedDocument] = []
    replaced: set[str] = set()
    for item in prepared:
        doc = item.document
        older = by_source.get(doc.source, set()) - {doc.doc_id}
        if doc.source in replace:
            replaced |= older
        if doc.doc_id in data.documents or any(f.document.doc_id == doc.doc_id for f in fresh):
            report.unchanged_documents += 1
            continue
        if older and doc.source not in replace:
            report.warnings.append(
                f"{doc.source}: another version of this file is already indexed ({', '.join(sorted(older))}); "
                f"both are kept. Run `rag ingest --replace {doc.source} PATH` to replace it."
            )
        fresh.append(item)
        by_source.setdefault(doc.source, set()).add(doc.doc_id)
        report.duplicates_removed += item.duplicates_removed
    if replaced:
        data = _without_documents(data, replaced)
    new_chunks = [(item.document, chunk) for item in fresh for chunk in item.chunks]
    texts = [chunk_search_text(doc, chunk) for doc, chunk in new_chunks]
    vectors = embedder.encode_passages(texts, progress=progress) if texts else np.zeros((0, data.vectors.d))
    if len(vectors):
        data.vectors.add(np.ascontiguousarray(vectors, dtype=np.float32))
    documents = dict(data.documents)
    documents.update({item.document.doc_id: item.document for item in fresh})
    data = IndexData(
        data.manifest,
        documents,
        data.chunks + [chunk for _, chunk in new_chunks],
        data.tokens + [tokenize(text) for text in texts],
        data.vectors,
    )
    report.added_documents = len(fresh)
    report.added_chunks = len(new_chunks)
    report.replaced_documents = len(replaced)
    return data, report


def ingest_paths(
    paths: list[Path],
    *,
    index_dir: Path,
    embedder: SentenceTransformerEmbeddings,
    params: ChunkingParams,
    max_file_bytes: int,
    rebuild: bool = False,
    progress: bool = True,
    replace: list[str] | None = None,
) -> IngestReport:
    """Index the files under `paths` into `index_dir` (created, extended, or rebuilt from scratch). A file
    named in `replace` replaces the indexed documents of the same name (an intentional new version)."""
    started = time.perf_counter()
    files = collect_files(paths)
    if not files:
        raise InputError(
            f"No {', '.join(supported_suffixes())} files found in " + ", ".join(str(p) for p in paths) + "."
        )
    missing = sorted(set(replace or []) - {p.name for p in files})
    if missing:
        raise InputError(f"--replace {missing[0]}: no file of that name among the files to ingest.")
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir) + ".lock")
    try:
        with lock.acquire(timeout=LOCK_TIMEOUT_SECONDS):
            if rebuild or not index_exists(index_dir):
                data = _empty_index(embedder, params)
            else:
                data = load_index(index_dir, expected_model=embedder.model)
                if data.manifest.chunking != asdict(params):
                    raise InputError(
                        f"The index was chunked with {data.manifest.chunking}, the settings now say "
                        f"{asdict(params)}. Run `rag ingest --rebuild`."
                    )
            read_report = IngestReport()
            prepared = _read_sources(files, params, max_file_bytes, read_report, progress)
            data, report = add_documents(data, prepared, embedder, progress, frozenset(replace or []))
            report.errors = read_report.errors
            if not data.documents:
                raise InputError("Nothing could be indexed: " + " ".join(report.errors))
            if report.added_documents or report.replaced_documents or rebuild or not index_exists(index_dir):
                save_index(index_dir, data)
    except Timeout as exc:
        raise InputError(f"Another ingest holds {lock.lock_file}; try again when it has finished.") from exc
    report.documents = len(data.documents)
    report.chunks = len(data.chunks)
    report.seconds = round(time.perf_counter() - started, 2)
    return report
