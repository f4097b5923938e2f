"""LangChain adapters: the embeddings as an `Embeddings`, the hybrid search as a `BaseRetriever`.

Kept apart from `index/embeddings.py` and `index/search.py` so that a command that only searches or answers
does not import LangChain (about 0.7 s of start-up).
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from index.embeddings import SentenceTransformerEmbeddings
from index.search import ScoredChunk, SearchEngine


class LangChainEmbeddings(SentenceTransformerEmbeddings, Embeddings):
    """The sentence-transformers embeddings behind LangChain's `Embeddings` interface."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain: embed passages."""
        return self.encode_passages(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        """LangChain: embed one query."""
        return self.encode_queries([text])[0].tolist()


def to_langchain_document(result: ScoredChunk) -> Document:
    """A LangChain document carrying the chunk text and every field a citation needs."""
    metadata = result.as_dict()
    text = metadata.pop("text")
    metadata.update(
        published=result.document.published,
        outlet=result.document.outlet,
        heading=result.chunk.heading,
        lang=result.chunk.lang,
    )
    return Document(page_content=text, metadata=metadata, id=result.chunk.chunk_id)


class HybridRetriever(BaseRetriever):
    """LangChain retriever over the index: dense + BM25 with reciprocal-rank fusion."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    engine: SearchEngine
    k: int = Field(5, ge=1)
    mode: str = Field("hybrid", pattern="^(hybrid|dense|bm25)$")

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        results = self.engine.search(query, self.k if k is None else k, self.mode)
        return [to_langchain_document(r) for r in results]
