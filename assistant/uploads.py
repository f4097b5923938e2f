"""Uploaded files: a safe name, a size and type check, a place under the data dir, then the index.

Both the HTTP API (`POST /api/documents`) and the UI's documents tab go through `index_upload`, so an
upload is checked and stored the same way whichever door it came in by.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from assistant.service import Assistant
from index.documents import SourceDocument
from index.errors import InputError, MalformedFileError, RagError
from index.formats.base import LoadedText
from index.ingest import IngestReport, content_hash, prepare_document
from index.loaders import SUFFIXES, load_document

UPLOADS_FOLDER = "uploads"
MAX_NAME_CHARS = 100
_UNSAFE = re.compile(r"[^\w.\-]+")


class UploadTooLargeError(RagError):
    """An upload over `RAG_MAX_FILE_BYTES`."""

    status_code = 413


def safe_filename(name: str | None) -> str:
    """A file name that is safe to create in the uploads folder: the last path part of `name`, NFC,
    letters (Korean included), digits, `.`, `_` and `-` only, no leading dot, at most 100 characters
    (the extension kept). `upload` when nothing usable is left."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = _UNSAFE.sub("_", base).strip("._ ")
    base = re.sub(r"_{2,}", "_", base)
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = suffix[:10]
    stem = stem.strip("._")[: MAX_NAME_CHARS - len(suffix) - 1] or "upload"
    return f"{stem}.{suffix}" if suffix else stem


def uploads_dir(assistant: Assistant) -> Path:
    """Where uploads are kept: `<data_dir>/uploads`."""
    return (assistant.settings.data_dir / UPLOADS_FOLDER).resolve()


def check_upload(name: str, data: bytes, max_bytes: int) -> LoadedText:
    """The loaded text of an upload (any format the loaders read, told by its bytes), or the error it deserves
    before anything is written: 413 over the size limit, 415 for a format the loaders cannot read, 422 for
    an empty, broken, protected or text-less file (e.g. a scanned PDF without OCR)."""
    if not data:
        raise InputError(f"{name}: the file is empty.")
    if len(data) > max_bytes:
        raise UploadTooLargeError(
            f"{name}: {len(data)} bytes is more than the limit of {max_bytes} bytes (RAG_MAX_FILE_BYTES)."
        )
    loaded = load_document(data, name, max_bytes)  # UnsupportedFileError (415), MalformedFileError (422)
    if not loaded.text.strip():
        raise MalformedFileError(f"{name}: the file has no text.")
    return loaded


@dataclass
class UploadResult:
    """What indexing an upload did."""

    filename: str
    document: SourceDocument
    report: IngestReport

    @property
    def status(self) -> str:
        """added, replaced (same file name, new text) or unchanged (already indexed)."""
        if self.report.replaced_documents:
            return "replaced"
        return "added" if self.report.added_documents else "unchanged"


def _write_inside(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = (folder / name).resolve()
    if target.parent != folder:
        raise InputError(f"{name}: not a valid file name.")
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def index_upload(assistant: Assistant, filename: str | None, data: bytes) -> UploadResult:
    """Check an uploaded file, keep it under `<data_dir>/uploads/` with a safe name and add it to the index.
    A file with the name of one already uploaded replaces it (in the folder and, as `rag ingest --replace`,
    in the index)."""
    name = safe_filename(filename)
    loaded = check_upload(name, data, assistant.settings.max_file_bytes)
    if Path(name).suffix.lower() not in SUFFIXES:  # told by its bytes: name it so folder ingests find it too
        name = f"{name}.{loaded.format}"
    # 422 when cleaning leaves nothing
    prepared = prepare_document(loaded, name, assistant.chunking, content_hash(data))
    doc_id = prepared.document.doc_id
    folder = uploads_dir(assistant)
    previous = (folder / name).read_bytes() if (folder / name).is_file() else None
    path = _write_inside(folder, name, data)  # kept, so that a folder ingest of the uploads finds it too
    try:
        report = assistant.ingest_prepared([prepared], replace=[name])  # parsed once, not read back from disk
    except BaseException:
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(previous)
        raise
    # The same text under another name is not indexed twice: the result then shows the indexed copy.
    document = assistant.index.documents[doc_id]
    return UploadResult(name, document, report)


def configured_api_key(assistant: Assistant) -> str | None:
    """The API key uploads need (`RAG_API_KEY`, when the settings have one), else None."""
    key = assistant.settings.api_key
    return key.get_secret_value() or None if key is not None else None
