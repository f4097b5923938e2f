"""The JSON API's request and response models, with the request examples shown in the OpenAPI docs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.conversation import SessionSummary


class ErrorResponse(BaseModel):
    """Every error: what went wrong and, where possible, how to fix it."""

    detail: str = Field(examples=["The question is empty."])
    errors: list[dict[str, Any]] | None = Field(None, description="Field-level problems of a 422.")


class HealthResponse(BaseModel):
    """Whether the assistant can answer, and with what."""

    status: Literal["ok", "unavailable"]
    documents: int
    chunks: int
    embedding_model: str
    llm: str = Field(description="The answer generator: `extractive` or the LLM backend's name.")
    detail: str | None = Field(None, description="Why the assistant is unavailable.")
    index_id: str | None = Field(
        None, description="A hash of the index directory: `rag ask` uses a server of its own index without --server."
    )
    warnings: list[str] = Field(default_factory=list, description="What to do about the index (e.g. cut it again).")


class ChatRequest(BaseModel):
    """A question, optionally in an existing conversation."""

    message: str = Field(min_length=1, description="The question, in Korean or English.")
    session_id: str | None = Field(
        None, description="Conversation id (1-64 letters, digits, '-', '_'); a new one is made when omitted."
    )
    top_k: int | None = Field(None, ge=1, le=50, description="Chunks retrieved for this question (1-50).")


CHAT_EXAMPLES = {
    "ko": {
        "summary": "한국어 질문",
        "value": {"message": "광주 AI 집적단지에 투자되는 금액은?"},
    },
    "ko_followup": {
        "summary": "이어지는 질문 (세션)",
        "value": {"message": "그 사업은 언제 시작되나요?", "session_id": "demo-session-1", "top_k": 5},
    },
    "en": {
        "summary": "English question",
        "value": {"message": "What organisation did Gyeongbuk launch in 2017 for the 4th industrial revolution?"},
    },
}


class SearchRequest(BaseModel):
    """A search over the indexed chunks."""

    query: str = Field(min_length=1)
    top_k: int | None = Field(None, ge=1, le=50, description="How many chunks (1-50).")
    mode: Literal["hybrid", "dense", "bm25"] | None = Field(None, description="Retrieval mode (default: hybrid).")


SEARCH_EXAMPLES = {
    "ko": {"summary": "한국어 검색", "value": {"query": "소부장 특화단지", "top_k": 3}},
    "en": {"summary": "English search", "value": {"query": "battery recycling free regulation zone", "mode": "dense"}},
}


class SearchResult(BaseModel):
    """One ranked chunk; `text` is `document.text[start:end]`."""

    rank: int
    doc_id: str
    source: str
    title: str
    chunk_id: str
    score: float
    dense_score: float | None = Field(description="Cosine similarity; null in bm25 mode (no model is needed).")
    bm25_score: float
    start: int
    end: int
    pages: list[int] = Field(description="Pages the chunk spans (PDF); empty for formats without pages.")
    sections: list[int] = Field(description="Sections the chunk spans (HWP, HWPX, DOCX); empty otherwise.")
    text: str


class SearchResponse(BaseModel):
    """Ranked chunks for a query."""

    query: str
    mode: str
    results: list[SearchResult]


class CheckRequest(BaseModel):
    """A claim to verify against the documents."""

    claim: str = Field(min_length=1)


CHECK_EXAMPLES = {
    "ko": {
        "summary": "한국어 주장 (틀린 연도)",
        "value": {"claim": "경상북도는 2018년 8월 지자체 최초로 4차산업혁명 전략위원회를 출범시켰다."},
    },
    "en": {
        "summary": "English claim",
        "value": {"claim": "Under Gyeongbuk's battery hub plan, Gumi is in charge of producing battery parts."},
    },
}


class DocumentSummary(BaseModel):
    """An indexed document's metadata."""

    doc_id: str
    source: str
    title: str
    outlet: str | None = None
    author: str | None = None
    published: str | None = None
    regions: list[str] = []
    lang: str = "ko"
    chars: int = Field(description="Length of the cleaned text.")
    chunks: int = Field(description="Chunks of the document in the index.")


class DocumentDetail(DocumentSummary):
    """A document with its cleaned text: citations' `start`/`end` are offsets into `text`."""

    text: str


class DocumentList(BaseModel):
    """Every indexed document."""

    total: int
    documents: list[DocumentSummary]


class UploadResponse(BaseModel):
    """What indexing an uploaded file did."""

    status: Literal["added", "replaced", "unchanged"] = Field(
        description="added; replaced (same file name, new text); unchanged (this text is already indexed)."
    )
    filename: str = Field(description="The sanitised name the file is stored and indexed under.")
    document: DocumentSummary
    documents: int = Field(description="Documents in the index now.")
    chunks: int = Field(description="Chunks in the index now.")
    seconds: float


class SessionList(BaseModel):
    """Every conversation, most recently used first."""

    sessions: list[SessionSummary]


class SessionDeleted(BaseModel):
    """A forgotten conversation."""

    session_id: str
    deleted: bool = True
