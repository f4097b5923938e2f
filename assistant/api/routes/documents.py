"""`/api/documents`: list and read the indexed documents, and upload new ones into the index."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from assistant.api.dependencies import Assistant_, AssistantViews
from assistant.api.schemas import DocumentDetail, DocumentList, DocumentSummary, UploadResponse
from assistant.service import Assistant
from assistant.uploads import index_upload
from index.documents import SourceDocument

router = APIRouter(tags=["documents"])


def summary_of(document: SourceDocument, assistant: Assistant) -> DocumentSummary:
    """A document's metadata, its length and its number of chunks in the assistant's index."""
    rows = assistant.index.rows_by_doc.get(document.doc_id, [])
    return DocumentSummary(**document.model_dump(exclude={"text"}), chars=len(document.text), chunks=len(rows))


@router.get("/api/documents", response_model=DocumentList)
def documents(assistant: Assistant_) -> Any:
    """Every indexed document with its metadata."""
    docs = [summary_of(d, assistant) for d in assistant.index.documents.values()]
    return DocumentList(total=len(docs), documents=docs)


@router.get("/api/documents/{doc_id}", response_model=DocumentDetail)
def document(doc_id: str, assistant: Assistant_) -> Any:
    """One document's cleaned text and metadata (by doc_id or source file name)."""
    doc = assistant.document(doc_id)
    return DocumentDetail(**summary_of(doc, assistant).model_dump(), text=doc.text)


@router.post(
    "/api/documents",
    response_model=UploadResponse,
    status_code=201,
    responses={200: {"model": UploadResponse, "description": "The text was already indexed."}},
)
async def upload(
    file: Annotated[
        UploadFile,
        File(description="A document: HWP, HWPX, PDF, DOCX, HTML (told by its bytes), or .txt/.md text."),
    ],
    request: Request,
    response: Response,
) -> Any:
    """Upload a document and add it to the index (stored under `<data_dir>/uploads/` with a sanitised name;
    a file of the same name is replaced). The format is read from the bytes: HWP 5, HWPX, PDF (scanned
    pages by OCR), DOCX, a saved web page, or plain text/Markdown (UTF-8, CP949, UTF-16 with a BOM).
    Citations of PDFs carry their page. 413 over RAG_MAX_FILE_BYTES, 415 for other formats, 422 for a
    broken, password/DRM-protected or text-less file (a scan when OCR is not installed)."""
    views: AssistantViews = request.app.state.views
    assistant = views.assistant
    data = await file.read(assistant.settings.max_file_bytes + 1)
    result = await run_in_threadpool(index_upload, assistant, file.filename, data)
    if result.status == "unchanged":
        response.status_code = 200
    summary = await run_in_threadpool(summary_of, result.document, assistant)
    return UploadResponse(
        status=result.status,
        filename=result.filename,
        document=summary,
        documents=result.report.documents,
        chunks=result.report.chunks,
        seconds=result.report.seconds,
    )
