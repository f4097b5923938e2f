"""ONNX Runtime inference for the rebuilt multilingual-e5-small: exported once, then run without torch.

`export_onnx(model_dir)` turns the sentence-transformers directory that `index/offline_model.py` rebuilds into
`<model_dir>.onnx/` beside it (built offline on first use, like the model itself):

* `model.onnx`: the BERT encoder exported by `torch.onnx.export` (eager attention, so that ONNX Runtime's
  transformer optimizer can fuse it into `EmbedLayerNormalization`, `Attention`, `SkipLayerNormalization`
  and `BiasGelu` nodes), float32;
* `model_int8.onnx`: the same graph with its matrices quantised to int8 per output channel
  (`onnxruntime.quantization.quantize_dynamic`; activations are quantised per batch at run time);
* both saved after ONNX Runtime's extended graph optimisations, with their weights in `<graph>.data` files
  that ONNX Runtime memory-maps, so that a process loads a graph in a fraction of a second;
* `tokenizer.json` (a copy) and `.exported.json`, written last: its presence means "complete".

The export is atomic (built in a temporary sibling directory, then renamed into place) and serialised by a
file lock, so two processes racing on first use build it once. Only the export needs torch and
transformers; `OnnxEncoder` needs `onnxruntime`, `tokenizers` and numpy, and mean-pools and L2-normalises
exactly as the sentence-transformers modules of the rebuilt model do (mean over all tokens with attention
mask 1, `<s>` and `</s>` included).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["BACKENDS", "OnnxEncoder", "export_onnx", "onnx_dir_for", "onnx_file"]

BACKENDS = ("torch", "onnx", "onnx-int8")
_FORMAT_VERSION = 2  # 2: graphs saved after ONNX Runtime's load-time optimisations, weights memory-mapped
_MARKER = ".exported.json"
_FP32 = "model.onnx"
_INT8 = "model_int8.onnx"
_TOKENIZER = "tokenizer.json"
_OPSET = 17
_MAX_TOKENS = 512


def onnx_dir_for(model_dir: Path) -> Path:
    """Where the export of a model directory lives: a sibling `<name>.onnx` directory."""
    model_dir = Path(model_dir).absolute()
    return model_dir.parent / f"{model_dir.name}.onnx"


def onnx_file(model_dir: Path, backend: str) -> Path:
    """The graph a backend (`onnx` or `onnx-int8`) runs, inside the export of `model_dir`."""
    if backend not in ("onnx", "onnx-int8"):
        raise ValueError(f"not an ONNX backend: {backend!r}")
    return onnx_dir_for(model_dir) / (_INT8 if backend == "onnx-int8" else _FP32)


def _source_stamp(model_dir: Path) -> dict[str, Any]:
    weights = model_dir / "model.safetensors"
    stat = weights.stat()
    return {"model_dir": str(model_dir), "weights_size": stat.st_size, "weights_mtime_ns": stat.st_mtime_ns}


def _is_complete(target: Path, model_dir: Path) -> bool:
    try:
        info = json.loads((target / _MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(info, dict)
        and info.get("format_version") == _FORMAT_VERSION
        and info.get("source") == _source_stamp(model_dir)
        and all((target / name).is_file() for name in (_FP32, _INT8, _TOKENIZER))
        and all(_weights(target / name).is_file() for name in (_FP32, _INT8))
    )


def _config(model_dir: Path) -> dict[str, Any]:
    return json.loads((model_dir / "config.json").read_text(encoding="utf-8"))


def _export_fp32(model_dir: Path, path: Path) -> None:
    """Export the encoder (input_ids, attention_mask -> last_hidden_state) with eager attention."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    model = AutoModel.from_pretrained(str(model_dir), add_pooling_layer=False, attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 6, 5, 2], [0, 7, 2, 1]], dtype=torch.int64)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.int64)
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Encoder(model),
            (ids, mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=_OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def _optimize(path: Path, config: dict[str, Any]) -> None:
    """Fuse attention, LayerNorm and GELU in place (ONNX Runtime's transformer optimizer, CPU)."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(
        str(path),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
        opt_level=0,
        use_gpu=False,
    )
    optimized.save_model_to_file(str(path))


def _quantize(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,  # per-tensor scales lose too much (cosine to fp32 about 0.98; per channel 0.996)
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _preoptimize(path: Path) -> None:
    """Apply ONNX Runtime's load-time graph optimisations once and save the result in place, its weights in
    `<name>.data` beside it: ONNX Runtime memory-maps such external weights, so a process loads the graph in
    a fraction of a second (the 250k-row word-embedding table is read only where a text touches it). The
    extended level is used, not "all", because its output does not depend on this machine's CPU."""
    import onnxruntime as ort

    optimized = path.with_suffix(".opt.onnx")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.log_severity_level = 3
    options.optimized_model_filepath = str(optimized)
    options.add_session_config_entry("session.optimized_model_external_initializers_file_name", _weights(path).name)
    options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
    ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    os.replace(optimized, path)


def _weights(graph: Path) -> Path:
    """The external weights file of a saved graph."""
    return graph.with_name(graph.name + ".data")


def _build(tmp: Path, model_dir: Path, log: Any) -> None:
    import logging

    started = time.perf_counter()
    _export_fp32(model_dir, tmp / _FP32)
    log(f"exported {_FP32} in {time.perf_counter() - started:.1f}s")
    _optimize(tmp / _FP32, _config(model_dir))
    log("fused attention, LayerNorm and GELU")
    quiet = logging.getLogger()
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # quantize_dynamic logs a "consider pre-processing" warning on the root logger
    try:
        _quantize(tmp / _FP32, tmp / _INT8)
    finally:
        quiet.setLevel(level)
    log(f"quantised {_INT8} (int8 per channel)")
    for graph in (_FP32, _INT8):
        _preoptimize(tmp / graph)
    log("saved both graphs optimised for loading")
    shutil.copyfile(model_dir / _TOKENIZER, tmp / _TOKENIZER)
    marker = {
        "format_version": _FORMAT_VERSION,
        "source": _source_stamp(model_dir),
        "opset": _OPSET,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.perf_counter() - started, 1),
    }
    (tmp / _MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")  # written last


def export_onnx(model_dir: Path, *, progress: bool = False) -> Path:
    """The ONNX export of a sentence-transformers BERT directory (built on first use; returns its directory).

    Idempotent and safe against concurrent callers: a file lock serialises builders, each re-checks the
    marker under the lock, and the finished directory is renamed into place in one step.
    """
    from filelock import FileLock

    model_dir = Path(model_dir).absolute()
    target = onnx_dir_for(model_dir)
    if _is_complete(target, model_dir):
        return target

    def log(message: str) -> None:
        if progress:
            print(f"[onnx] {message}", file=sys.stderr, flush=True)

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if _is_complete(target, model_dir):  # another process built it while we waited
            return target
        log(f"exporting {model_dir.name} to ONNX (once; about half a minute)")
        with ExitStack() as cleanup:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
            cleanup.callback(shutil.rmtree, tmp, ignore_errors=True)
            _build(tmp, model_dir, log)
            tmp.chmod(0o755)
            if target.exists():  # stale or outdated export: move aside, then swap in
                stale = target.parent / f".{target.name}.stale-{os.getpid()}-{time.time_ns()}"
                os.replace(target, stale)
                cleanup.callback(shutil.rmtree, stale, ignore_errors=True)
            os.replace(tmp, target)
    log(f"done: {target}")
    return target


class OnnxEncoder:
    """Mean-pooled, normalised sentence vectors from an exported encoder; the `encode` subset the app uses of
    `SentenceTransformer` (same arguments), so the embeddings adapter treats both alike."""

    def __init__(self, graph: Path, tokenizer: Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC  # the rest is saved
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.enable_truncation(_MAX_TOKENS)
        pad_id = self.tokenizer.token_to_id("<pad>")
        self.tokenizer.enable_padding(pad_id=1 if pad_id is None else pad_id, pad_token="<pad>")
        self._dimension = int(self.session.get_outputs()[0].shape[-1])
        self._lock = threading.Lock()  # the tokenizer's padding/truncation state is shared

    def get_embedding_dimension(self) -> int:
        """Length of the vectors."""
        return self._dimension

    def encode(
        self,
        sentences: list[str],
        batch_size: int = 32,
        normalize_embeddings: bool = True,
        convert_to_numpy: bool = True,
        show_progress_bar: bool = False,
    ) -> np.ndarray:
        """Vectors of `sentences`, in order (batches of similar length, like sentence-transformers)."""
        del convert_to_numpy, show_progress_bar  # always numpy; the caller draws its own progress bar
        out = np.zeros((len(sentences), self._dimension), dtype=np.float32)
        order = np.argsort([-len(s) for s in sentences], kind="stable")
        for start in range(0, len(sentences), batch_size):
            rows = order[start : start + batch_size]
            with self._lock:
                encoded = self.tokenizer.encode_batch([sentences[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            if normalize_embeddings:
                pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[rows] = pooled
        return out
