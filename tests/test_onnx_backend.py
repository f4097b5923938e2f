"""The ONNX backends of the bundled model: built offline once, close to torch, and free of torch at run time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.embeddings import SentenceTransformerEmbeddings, effective_backend
from index.errors import ModelUnavailableError
from index.onnx_backend import export_onnx, onnx_dir_for
from tests.conftest import MODEL_CACHE_DIR, SEEDS_DIR

TEXTS = [
    "광주 인공지능 집적단지에 4000억 원 이상이 투자된다.",
    "경상북도는 2017년 8월 지방자치단체 최초로 4차산업혁명 대응 조직을 만들었다.",
    "Gyeongbuk will invest in the secondary battery industry.",
    "소부장 특화단지",
]


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return SentenceTransformerEmbeddings(cache_dir=MODEL_CACHE_DIR, backend="torch").encode_passages(TEXTS)


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_onnx_vectors_match_torch(torch_vectors: np.ndarray, backend: str) -> None:
    vectors = SentenceTransformerEmbeddings(cache_dir=MODEL_CACHE_DIR, backend=backend).encode_passages(TEXTS)
    assert vectors.shape == torch_vectors.shape and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * torch_vectors).sum(axis=1)
    # int8 keeps its outlier channels in float32: a plain per-channel int8 graph reaches only about 0.995 here
    assert cosines.min() >= (0.9995 if backend == "onnx" else 0.998), cosines


def test_auto_indexes_with_int8_and_answers_with_float32() -> None:
    def vectors(backend: str, indexing: bool) -> np.ndarray:
        embedder = SentenceTransformerEmbeddings(cache_dir=MODEL_CACHE_DIR, backend=backend)
        return embedder.encode_for_index(TEXTS) if indexing else embedder.encode_passages(TEXTS)

    assert np.allclose(vectors("auto", True), vectors("onnx-int8", False), atol=1e-5)
    assert np.allclose(vectors("auto", False), vectors("onnx", False), atol=1e-5)
    assert not np.allclose(vectors("auto", True), vectors("auto", False), atol=1e-5)
    assert np.allclose(vectors("onnx", True), vectors("onnx", False), atol=1e-5)  # an explicit backend does both


def test_order_and_batching_do_not_change_vectors() -> None:
    embedder = SentenceTransformerEmbeddings(cache_dir=MODEL_CACHE_DIR, backend="onnx")
    together = embedder.encode_passages(TEXTS)  # encoded in parallel runs
    alone = np.stack([embedder.encode_passages([text])[0] for text in TEXTS])
    assert np.allclose(together, alone, atol=1e-4)
    assert embedder.client.encode([]).shape == (0, embedder.dimension)


def test_export_is_cached_beside_the_model() -> None:
    model_dir = MODEL_CACHE_DIR / "intfloat__multilingual-e5-small"
    export = export_onnx(model_dir)  # built by the tests above (or earlier): returned at once
    assert export == onnx_dir_for(model_dir) and export.parent == model_dir.parent
    marker = json.loads((export / ".exported.json").read_text(encoding="utf-8"))
    assert marker["source"]["model_dir"] == str(model_dir.absolute())
    assert {"model.onnx", "model_int8.onnx", "tokenizer.json"} <= {p.name for p in export.iterdir()}
    assert not list(export.parent.glob(f".{export.name}.tmp-*"))  # no half-built leftovers


def test_export_keeps_the_fast_fusions_and_not_the_slow_one() -> None:
    import onnx

    export = export_onnx(MODEL_CACHE_DIR / "intfloat__multilingual-e5-small")
    for graph, attention in (("model.onnx", "Attention"), ("model_int8.onnx", "QAttention")):
        ops = {node.op_type for node in onnx.load(str(export / graph), load_external_data=False).graph.node}
        assert {attention, "BiasGelu", "LayerNormalization"} <= ops, (graph, ops)
        assert "SkipLayerNormalization" not in ops, graph  # slower on CPU than Add + LayerNormalization


def test_backend_choice() -> None:
    assert effective_backend("bundled:intfloat/multilingual-e5-small") == "onnx"
    assert effective_backend("bundled:intfloat/multilingual-e5-small", indexing=True) == "onnx-int8"
    assert effective_backend("bundled:intfloat/multilingual-e5-small", "onnx", indexing=True) == "onnx"
    assert effective_backend("/models/bge-m3", indexing=True) == "torch"
    assert effective_backend("bundled:intfloat/multilingual-e5-small", device="cuda") == "torch"
    assert effective_backend("/models/bge-m3") == "torch"
    assert effective_backend("/models/bge-m3", "torch") == "torch"
    with pytest.raises(ModelUnavailableError, match="RAG_EMBEDDING_BACKEND=torch"):
        effective_backend("/models/bge-m3", "onnx-int8")
    with pytest.raises(ModelUnavailableError, match="must be one of"):
        effective_backend("bundled:intfloat/multilingual-e5-small", "tensorrt")


HEAVY = ("torch", "transformers", "sentence_transformers")


@pytest.mark.slow
def test_an_auto_ingest_loads_only_the_int8_encoder(tmp_path: Path) -> None:
    """Indexing needs the int8 graph alone: the float32 one (for questions) is not loaded, not even for the
    index's vector length."""
    docs = tmp_path / "docs"
    docs.mkdir()
    text = "경상북도는 이차전지 산업을 육성한다.\n구미시는 전자산업의 중심이다.\n"
    (docs / "note.txt").write_text(text, encoding="utf-8")
    script = (
        "import sys\n"
        "from index import embeddings\n"
        "from assistant.cli import app\n"
        f"sys.argv = ['rag', 'ingest', {str(docs)!r}, '--json']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "print(sorted(key[0] for key in embeddings._LOADED))\n"
    )
    env = {
        **os.environ,
        "RAG_DATA_DIR": str(tmp_path / "data"),
        "RAG_MODEL_CACHE_DIR": str(MODEL_CACHE_DIR),
        "RAG_EMBEDDING_BACKEND": "auto",
        "RAG_SERVER_AUTODETECT": "false",
    }
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "['onnx-int8']"


@pytest.mark.slow
def test_light_commands_import_no_torch(seed_settings, tmp_path: Path) -> None:
    """`--help`, `show`, `sessions`, BM25 search and (with the default ONNX backend) a dense search never import
    torch."""
    env = {
        **os.environ,
        "RAG_DATA_DIR": str(seed_settings.data_dir),
        "RAG_MODEL_CACHE_DIR": str(MODEL_CACHE_DIR),
        "RAG_SEEDS_DIR": str(SEEDS_DIR),
        "RAG_SERVER_AUTODETECT": "false",
    }
    commands = [
        ["--help"],
        ["show", "000_6e031c1b1d43ca61.txt", "--json"],
        ["sessions", "list", "--json"],
        ["search", "소부장 특화단지", "--mode", "bm25", "--json"],
        ["search", "소부장 특화단지", "--json"],
    ]
    for args in commands:
        run = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "assistant", *args],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-2000:]
        imported = {
            line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time")
        }
        assert not imported & set(HEAVY), (args, imported & set(HEAVY))
        assert "Loading weights" not in run.stderr
