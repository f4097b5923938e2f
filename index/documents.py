"""The records the index stores: cleaned documents and their sentence-aligned chunks."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SourceDocument(BaseModel):
    """A cleaned document. Every citation points at character offsets of `text`."""

    doc_id: str = Field(description="Stable id: hash of the cleaned text.")
    source: str = Field(description="File name the document came from.")
    title: str
    outlet: str | None = None
    author: str | None = None
    published: str | None = Field(None, description="ISO date when the text states one.")
    regions: list[str] = Field(default_factory=list)
    lang: str = "ko"
    text: str


class Chunk(BaseModel):
    """A run of whole sentences of one document, with offsets into its cleaned text."""

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str
    heading: str | None = None
    lang: str = "ko"
