"""Build or extend the index: load, clean, describe, chunk, tokenise and embed documents."""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index.chunking import ChunkingParams, chunk_document, chunk_search_text, document_sentences_many
from index.cleaning import clean_text
from index.documents import Chunk, PageSpan, SectionSpan, SourceDocument
from index.embeddings import SentenceTransformerEmbeddings
from index.errors import InputError, MalformedFileError, RagError
from index.formats.base import LoadedText
from index.formats.provenance import cleaned_units
from index.korean import ANALYSER, tokenize_many
from index.loaders import collect_files, load_document, supported_suffixes
from index.metadata import extract_metadata
from index.store import Manifest, new_manifest
from index.stores.base import Change, NewDocument, Store

# Documents whose sentences one Kiwi call splits: big enough to keep its worker threads busy, small enough for the
# progress bar to move.
_CHUNKING_GROUP = 64


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
    rechunked_documents: int = 0  # indexed documents cut again: another (older) chunker had cut them
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


@dataclass
class DescribedDocument:
    """A cleaned document with its metadata, not yet cut into chunks."""

    document: SourceDocument
    duplicates_removed: int


def describe_document(raw: str | LoadedText, source: str, file_hash: str | None = None) -> DescribedDocument:
    """Clean a raw page (or a loaded file with its page/section map) and read its metadata."""
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
    return DescribedDocument(document, cleaned.duplicates_removed)


def chunk_described(described: list[DescribedDocument], params: ChunkingParams) -> list[PreparedDocument]:
    """Cut documents into chunks (their sentences split in one call); each chunk knows the pages or sections it
    spans."""
    sentences = document_sentences_many([item.document.text for item in described])
    prepared = []
    for item, doc_sentences in zip(described, sentences, strict=True):
        document = item.document
        chunks = [
            chunk.model_copy(
                update={
                    "pages": document.pages_between(chunk.start, chunk.end),
                    "sections": document.sections_between(chunk.start, chunk.end),
                }
            )
            for chunk in chunk_document(document, params, doc_sentences)
        ]
        prepared.append(PreparedDocument(document, chunks, item.duplicates_removed))
    return prepared


def prepare_document(
    raw: str | LoadedText, source: str, params: ChunkingParams, file_hash: str | None = None
) -> PreparedDocument:
    """`describe_document` and `chunk_described` of one document."""
    return chunk_described([describe_document(raw, source, file_hash)], params)[0]


def new_index_manifest(embedder: SentenceTransformerEmbeddings, params: ChunkingParams) -> Manifest:
    """The manifest of an index built from nothing with this embedder and chunking."""
    profile = embedder.profile
    return new_manifest(
        embedding_model=embedder.model,
        dimension=embedder.dimension,
        query_prefix=profile.query_prefix,
        passage_prefix=profile.passage_prefix,
        chunking=asdict(params),
    )


def _read_sources(
    files: list[Path], params: ChunkingParams, max_file_bytes: int, report: IngestReport, progress: bool
) -> list[PreparedDocument]:
    described = []
    for path in tqdm(files, desc="Reading", unit="file", disable=not progress):
        try:
            if path.stat().st_size > max_file_bytes:
                raise InputError(f"{path.name}: larger than RAG_MAX_FILE_BYTES ({max_file_bytes} bytes).")
            data = path.read_bytes()
            loaded = load_document(data, path.name, max_file_bytes)
            described.append(describe_document(loaded, path.name, content_hash(data)))
        except (RagError, OSError) as exc:
            report.errors.append(str(exc))
    prepared = []
    with tqdm(total=len(described), desc="Chunking", unit="file", disable=not progress) as bar:
        for start in range(0, len(described), _CHUNKING_GROUP):
            group = described[start : start + _CHUNKING_GROUP]
            prepared.extend(chunk_described(group, params))
            bar.update(len(group))
    return prepared


def plan_change(
    documents: dict[str, SourceDocument],
    prepared: list[PreparedDocument],
    embedder: SentenceTransformerEmbeddings,
    progress: bool,
    replace: frozenset[str] = frozenset(),
    recut: list[PreparedDocument] | None = None,
) -> tuple[Change, IngestReport]:
    """What adding prepared documents to an index holding `documents` changes, embedding only the new chunks.

    Documents are keyed by their content (a hash of the cleaned text): one already present is left alone.
    Other text under a file name that is already indexed is added beside the old version, with a warning,
    unless the name is in `replace`: then every other document of that name is removed. `recut` are the index's
    documents cut again (another chunker cut them): stored again, and embedded again unless replaced, and not
    counted as added.
    """
    recut = recut or []
    report = IngestReport()
    by_source: dict[str, set[str]] = {}
    for doc in [*documents.values(), *(item.document for item in recut)]:
        by_source.setdefault(doc.source, set()).add(doc.doc_id)
    fresh: list[PreparedDocument] = list(recut)
    fresh_ids = {item.document.doc_id for item in recut}
    replaced: set[str] = set()
    for item in prepared:
        doc = item.document
        older = by_source.get(doc.source, set()) - {doc.doc_id}
        if doc.source in replace:
            replaced |= older
        if doc.doc_id in documents or doc.doc_id in fresh_ids:
            report.unchanged_documents += 1
            continue
        if older and doc.source not in replace:
            report.warnings.append(
                f"{doc.source}: another version of this file is already indexed ({', '.join(sorted(older))}); "
                f"both are kept. Run `rag ingest --replace {doc.source} PATH` to replace it."
            )
        fresh.append(item)
        fresh_ids.add(doc.doc_id)
        by_source.setdefault(doc.source, set()).add(doc.doc_id)
        report.duplicates_removed += item.duplicates_removed
    fresh = [item for item in fresh if item.document.doc_id not in replaced]  # a re-cut version being replaced
    kept = [item for item in recut if item.document.doc_id not in replaced]
    texts = [chunk_search_text(item.document, chunk) for item in fresh for chunk in item.chunks]
    vectors = embedder.encode_for_index(texts, progress=progress) if texts else np.zeros((0, 0), dtype=np.float32)
    tokens = tokenize_many(texts)
    change = Change(removed=replaced & set(documents))
    start = 0
    for item in fresh:
        end = start + len(item.chunks)
        change.added.append(NewDocument(item.document, item.chunks, vectors[start:end], tokens[start:end]))
        start = end
    report.rechunked_documents = len(kept)
    report.added_documents = len(fresh) - len(kept)
    report.added_chunks = len(texts) - sum(len(item.chunks) for item in kept)
    report.replaced_documents = len(replaced)
    return change, report


def _recut(indexed: dict[str, SourceDocument], params: ChunkingParams) -> list[PreparedDocument]:
    """The indexed documents cut again by this chunker from their stored cleaned text."""
    return chunk_described([DescribedDocument(document, 0) for document in indexed.values()], params)


def ingest_paths(
    paths: list[Path],
    *,
    store: Store,
    embedder: SentenceTransformerEmbeddings,
    params: ChunkingParams,
    max_file_bytes: int,
    rebuild: bool = False,
    progress: bool = True,
    replace: list[str] | None = None,
) -> IngestReport:
    """Index the files under `paths` into `store` (created, extended, or rebuilt from scratch). A file
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
    read_report = IngestReport()
    prepared = _read_sources(files, params, max_file_bytes, read_report, progress)
    report = ingest_prepared(
        prepared,
        store=store,
        embedder=embedder,
        params=params,
        rebuild=rebuild,
        progress=progress,
        replace=replace,
        errors=read_report.errors,
    )
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def ingest_prepared(
    prepared: list[PreparedDocument],
    *,
    store: Store,
    embedder: SentenceTransformerEmbeddings,
    params: ChunkingParams,
    rebuild: bool = False,
    progress: bool = True,
    replace: list[str] | None = None,
    errors: list[str] | None = None,
) -> IngestReport:
    """Index documents that are already read and prepared (by `ingest_paths`, or an upload the API has checked
    and prepared once) into `store`; `errors` are what reading the others gave, reported alongside."""
    started = time.perf_counter()
    with store.writing():
        base = None if rebuild or not store.exists() else store.load(expected_model=embedder.model)
        if base is not None and base.manifest.chunking != asdict(params):
            raise InputError(
                f"The index was chunked with {base.manifest.chunking}, the settings now say "
                f"{asdict(params)}. Run `rag ingest --rebuild`."
            )
        recut: list[PreparedDocument] = []
        if base is not None and base.manifest.cut_by_another_chunker:
            recut = _recut(base.documents, params)
            base, rebuild = None, True
        known = base.documents if base is not None else {}
        change, report = plan_change(known, prepared, embedder, progress, frozenset(replace or []), recut)
        report.errors = list(errors or [])
        if not (set(known) - change.removed) and not change.added:
            raise InputError("Nothing could be indexed: " + " ".join(report.errors))
        manifest = base.manifest if base is not None else new_index_manifest(embedder, params)
        # An index tokenised by another analyser was tokenised again on load: store those tokens, even with no
        # other change, or every load does it again.
        stale_tokens = base is not None and manifest.analyser != ANALYSER
        if stale_tokens:
            manifest = manifest.model_copy(update={"analyser": ANALYSER})
        data = store.apply(base, manifest, change, rebuild) if change or base is None or stale_tokens else base
    report.documents = len(data.documents)
    report.chunks = len(data.chunks)
    report.seconds = round(time.perf_counter() - started, 2)
    return report
