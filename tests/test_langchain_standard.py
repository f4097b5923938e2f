"""LangChain's standard test suites (langchain-tests) for the embeddings adapter and the hybrid retriever.

The suites build their objects from class properties, which cannot take fixtures; the retriever suite
therefore gets the search engine of the session's seed index through an autouse class fixture that
stores it on the test class. Async suite tests run on anyio's asyncio backend (pytest-asyncio is in
strict mode here and would not collect unmarked coroutines).
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from assistant.service import Assistant
from index.embeddings import DEFAULT_MODEL, SentenceTransformerEmbeddings
from index.langchain_adapters import HybridRetriever, LangChainEmbeddings
from index.search import SearchEngine
from tests.conftest import MODEL_CACHE_DIR

QUERY_KO = "경상북도 4차산업혁명 전략위원회"
EMBEDDING_PARAMS = {"model": DEFAULT_MODEL, "cache_dir": MODEL_CACHE_DIR}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """Run the suites' async tests on asyncio only."""
    return "asyncio"


class OfflineEmbeddings:
    """What both embeddings suites construct: the adapter over the offline model and the shared cache."""

    @property
    def embeddings_class(self) -> type[LangChainEmbeddings]:
        return LangChainEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return dict(EMBEDDING_PARAMS)


@pytest.mark.disable_socket  # building the adapter must not touch the network (the model loads lazily, offline)
class TestEmbeddingsUnit(OfflineEmbeddings, EmbeddingsUnitTests):
    pass


@pytest.mark.anyio
class TestEmbeddingsIntegration(OfflineEmbeddings, EmbeddingsIntegrationTests):
    pass


@pytest.mark.anyio
class TestHybridRetrieverIntegration(RetrieversIntegrationTests):
    engine: SearchEngine

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _seed_engine(cls, local_seed_assistant: Assistant) -> None:
        """Hand the suite's constructor params the engine over the seed index (29 chunks)."""
        cls.engine = local_seed_assistant.engine

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"engine": self.engine, "k": 2}

    @property
    def retriever_query_example(self) -> str:
        return QUERY_KO


# Beyond the suites: what the retriever's documents carry, and that the adapter's vectors mean something.


def test_retriever_documents_are_cited_chunks_of_the_cleaned_text(local_seed_assistant: Assistant) -> None:
    retriever = local_seed_assistant.retriever(k=4)
    documents = retriever.invoke(QUERY_KO)
    assert len(documents) == 4
    assert [d.metadata["rank"] for d in documents] == [1, 2, 3, 4]
    scores = [d.metadata["score"] for d in documents]
    assert scores == sorted(scores, reverse=True)
    for document in documents:
        assert isinstance(document, Document)
        meta = document.metadata
        assert document.id == meta["chunk_id"]
        assert {"doc_id", "source", "title", "published", "outlet", "start", "end", "lang"} <= set(meta)
        source = local_seed_assistant.document(meta["doc_id"])
        assert source.text[meta["start"] : meta["end"]] == document.page_content
    # The answer to the query (seed 000: the committee launched in 2017) is the top hit.
    assert documents[0].metadata["source"] == "000_6e031c1b1d43ca61.txt"
    assert "4차산업혁명 전략위원회" in documents[0].page_content


def test_retriever_mode_and_k_override(local_seed_assistant: Assistant) -> None:
    engine = local_seed_assistant.engine
    bm25 = HybridRetriever(engine=engine, k=3, mode="bm25")
    dense = HybridRetriever(engine=engine, k=3, mode="dense")
    assert [d.id for d in bm25.invoke(QUERY_KO)] == [r.chunk.chunk_id for r in engine.search(QUERY_KO, 3, "bm25")]
    assert [d.id for d in dense.invoke(QUERY_KO)] == [r.chunk.chunk_id for r in engine.search(QUERY_KO, 3, "dense")]
    assert len(bm25.invoke(QUERY_KO, k=5)) == 5
    assert bm25.invoke(QUERY_KO, k=0) == []
    with pytest.raises(ValueError):
        HybridRetriever(engine=engine, mode="fuzzy")


def test_embeddings_are_normalised_and_multilingual(embedder: SentenceTransformerEmbeddings) -> None:
    adapter = LangChainEmbeddings(**EMBEDDING_PARAMS)
    assert adapter.client is embedder.client  # the shared, already loaded model
    query = adapter.embed_query("How much does the Gyeongbuk new electronics project cost?")
    passages = adapter.embed_documents(["경북도 신전자산업 육성 프로젝트 예산", "오늘 저녁 메뉴는 김치찌개입니다"])
    assert len(query) == adapter.dimension == len(passages[0]) == len(passages[1])
    assert abs(sum(x * x for x in query) - 1.0) < 1e-4

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(query, passages[0]) > cosine(query, passages[1])
    assert adapter.embed_documents([]) == []
