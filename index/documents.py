"""The records the index stores: cleaned documents and their sentence-aligned chunks."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PageSpan(BaseModel):
    """Characters `start..end` of the cleaned text are on page `page` (1-based) of the original file."""

    page: int
    start: int
    end: int


class SectionSpan(BaseModel):
    """Characters `start..end` of the cleaned text are in section `section` (1-based): an HWP/HWPX body
    section or, in DOCX, the part under one heading."""

    section: int
    start: int
    end: int


class SourceDocument(BaseModel):
    """A cleaned document. Every citation points at character offsets of `text`."""

    doc_id: str = Field(description="Stable id: hash of the cleaned text.")
    source: str = Field(description="File name the document came from.")
    format: str = Field("txt", description="What the file was: txt, md, html, pdf, docx, hwp or hwpx.")
    content_hash: str | None = Field(None, description="SHA-256 of the file's bytes (first 16 hex digits).")
    title: str
    outlet: str | None = None
    author: str | None = None
    published: str | None = Field(None, description="ISO date when the text states one.")
    regions: list[str] = Field(default_factory=list)
    lang: str = "ko"
    text: str
    pages: list[PageSpan] = Field(default_factory=list, description="Page map of `text` (PDF); empty otherwise.")
    sections: list[SectionSpan] = Field(default_factory=list, description="Section map (HWP, HWPX, DOCX).")

    def page_at(self, offset: int) -> int | None:
        """The page holding character `offset` of `text` (the next page's when it falls between two), or None
        when the document has no page map."""
        for span in self.pages:
            if offset < span.end:
                return span.page
        return self.pages[-1].page if self.pages else None

    def pages_between(self, start: int, end: int) -> list[int]:
        """The pages that `text[start:end]` touches, in order."""
        return [p.page for p in self.pages if p.start < end and start < p.end]

    def sections_between(self, start: int, end: int) -> list[int]:
        """The sections that `text[start:end]` touches, in order."""
        return [s.section for s in self.sections if s.start < end and start < s.end]


class Chunk(BaseModel):
    """A run of whole sentences of one document, with offsets into its cleaned text."""

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str
    heading: str | None = None
    lang: str = "ko"
    pages: list[int] = Field(default_factory=list, description="Pages the chunk spans (PDF).")
    sections: list[int] = Field(default_factory=list, description="Sections the chunk spans (HWP, HWPX, DOCX).")
