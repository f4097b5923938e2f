"""Citations: numbered pointers to exact character spans of a cleaned document."""

from __future__ import annotations

from pydantic import BaseModel, Field

from index.documents import SourceDocument

# The heading over the closest sentences shown with a refusal (`Answer.related`), in the CLI and the UI alike.
RELATED_HEADING = {"ko": "가장 가까운 문장 (답이 아닐 수 있음)", "en": "Closest passages (they may not answer)"}


class Citation(BaseModel):
    """One cited span; `quote` is always `document.text[start:end]`."""

    n: int = Field(description="The number used in the answer's [n] marker.")
    doc_id: str
    source: str
    title: str
    outlet: str | None = None
    published: str | None = None
    quote: str
    start: int
    end: int
    page: int | None = Field(None, description="Page of the original file where the quote starts (PDF), 1-based.")


def cite(n: int, document: SourceDocument, start: int, end: int) -> Citation:
    """A citation of `document.text[start:end]`."""
    if not 0 <= start < end <= len(document.text):
        raise ValueError(f"span {start}:{end} is outside document {document.doc_id}")
    return Citation(
        n=n,
        doc_id=document.doc_id,
        source=document.source,
        title=document.title,
        outlet=document.outlet,
        published=document.published,
        quote=document.text[start:end],
        start=start,
        end=end,
        page=document.page_at(start),
    )


def citation_matches(citation: Citation, document: SourceDocument) -> bool:
    """True when the citation's quote is exactly the document text at its offsets."""
    return citation.doc_id == document.doc_id and document.text[citation.start : citation.end] == citation.quote
