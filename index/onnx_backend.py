"""ONNX Runtime inference for the rebuilt multilingual-e5-small: exported once, then run without torch.

`export_onnx(model_dir)` turns the sentence-transformers directory that `index/offline_model.py` rebuilds into
`<model_dir>.onnx/` beside it (built offline on first use, like the model itself):

* `model.onnx`: the BERT encoder exported by `torch.onnx.export` (eager attention, so that ONNX Runtime's
  transformer optimizer can fuse it into `Attention` and `BiasGelu` nodes; the residual additions stay `Add`
  + `LayerNormalization`, see `_optimize`), float32;
* `model_int8.onnx`: the same graph with its matrices (and the word-embedding table) quantised to int8 per
  output channel (`onnxruntime.quantization.quantize_dynamic`; activations are quantised per batch at run
  time, one scale per tensor), except where a few activation channels are outliers: in most layers the
  feed-forward input has 2-4 channels 10-25x larger than the median channel and the GELU output one neuron up
  to 40x larger, which would set the one int8 scale of the whole tensor. Those channels are found by running the
  float32 graph on a few built-in sentences at build time, and they get their own small float32 products
  (`_isolate_outliers`), so the rest quantises finely: cosine to float32 about 0.9995 instead of 0.996, at 95%
  of the plain int8 speed (about 1.9x float32);
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

import functools
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

__all__ = ["BACKENDS", "OnnxEncoder", "export_onnx", "onnx_dir_for", "onnx_file"]

BACKENDS = ("torch", "onnx", "onnx-int8")
# 2: saved optimised, weights memory-mapped; 3: int8 outliers float32; 4: calibration texts; 5: no SkipLayerNorm
_FORMAT_VERSION = 5
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


# Fusions that ONNX Runtime's CPU kernels make slower: its `SkipLayerNormalization` (residual Add + LayerNorm in
# one node) takes about 0.5 ms per call on a 300-token text, where `Add` + `LayerNormalization` take 0.2 ms; its
# 24 calls were 15 % of an int8 run (the unfused graph: 72-78 ms per 286-token text instead of 86-92 ms).
_UNFUSED = ("SkipLayerNormFusion",)


def _optimize(path: Path, config: dict[str, Any]) -> None:
    """Fuse attention, GELU and the embedding LayerNorm in place (ONNX Runtime's transformer optimizer, CPU),
    leaving residual additions unfused (`_UNFUSED`)."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    options = FusionOptions("bert")
    options.enable_skip_layer_norm = False
    options.enable_bias_skip_layer_norm = False
    optimized = optimize_model(
        str(path),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
        opt_level=0,
        use_gpu=False,
        optimization_options=options,
    )
    optimized.save_model_to_file(str(path))


# Calibration texts for `_isolate_outliers`: the outlier channels are a property of the model, the same for every
# text (passage or query, Korean or English), so a few short sentences find them. They are written for this
# purpose and repeat nothing of the seeds or of the evaluation sets, whose numbers the int8 graph is judged on.
_CALIBRATION = (
    "passage: 해양수산부는 내년까지 항만 물류 자동화 설비에 1,200억 원을 지원하고, 지방 어촌의 청년 창업을 돕는 "
    "교육 과정을 새로 연다고 밝혔다.",
    "passage: The regional council approved a three-year plan to expand rural bus routes and to train 500 "
    "technicians for hydrogen vehicles, officials said on Tuesday.",
    "query: 청년 어촌 창업 교육은 언제부터 시작되나요?",
    "query: How many technicians will the council train for hydrogen vehicles?",
)
_OUTLIER_RATIO = 4.0  # a feed-forward input channel whose largest |value| exceeds 4x the median channel's
_OUTLIER_NEURONS = 1  # GELU outputs kept in float32 per layer (one neuron per layer stands out, up to 40x)
_QUANTIZED_OPS = ["MatMul", "Attention", "EmbedLayerNormalization"]


def _ffn_blocks(graph: Any) -> list[tuple[Any, Any, Any]]:
    """(input MatMul, BiasGelu, output MatMul) of every feed-forward block of a fused graph, in order."""
    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    weights = {init.name for init in graph.initializer}
    blocks = []
    for node in graph.node:
        if node.op_type != "MatMul" or node.input[1] not in weights:
            continue
        gelu = consumers.get(node.output[0], [])
        if len(gelu) != 1 or gelu[0].op_type != "BiasGelu" or gelu[0].input[1] not in weights:
            continue
        out = consumers.get(gelu[0].output[0], [])
        if len(out) == 1 and out[0].op_type == "MatMul" and out[0].input[1] in weights:
            blocks.append((node, gelu[0], out[0]))
    return blocks


def _calibrate(model: Any, blocks: list[tuple[Any, Any, Any]], tokenizer: Path) -> list[tuple[Any, Any]]:
    """Largest |value| per channel of each block's input and GELU output over the calibration texts."""
    import onnx
    import onnxruntime as ort
    from tokenizers import Tokenizer

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    names = [name for mm_in, gelu, _ in blocks for name in (mm_in.input[0], gelu.output[0])]
    del probe.graph.output[:]
    probe.graph.output.extend(onnx.ValueInfoProto(name=name) for name in names)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(probe.SerializeToString(), options, providers=["CPUExecutionProvider"])
    del probe
    tok = Tokenizer.from_file(str(tokenizer))
    pad_id = tok.token_to_id("<pad>")
    tok.enable_padding(pad_id=1 if pad_id is None else pad_id, pad_token="<pad>")
    encoded = tok.encode_batch(list(_CALIBRATION))
    ids = np.array([e.ids for e in encoded], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
    values = session.run(names, {"input_ids": ids, "attention_mask": mask})
    peaks = [np.abs(v[mask.astype(bool)]).max(axis=0) for v in values]
    return list(zip(peaks[0::2], peaks[1::2], strict=True))


def _isolate_outliers(model: Any, tokenizer: Path) -> list[str]:
    """Rewrite every feed-forward block so that its outlier channels bypass int8; returns the float32 MatMuls.

    `X @ W_in -> BiasGelu -> @ W_out` becomes, with C the outlier input channels and O the outlier neurons:
    `(X * mask_C) @ W_in[:, ~O] + X[..., C] @ W_in[C, ~O] -> BiasGelu -> @ W_out[~O]` (int8 but for the thin
    product of C) plus `X @ W_in[:, O] -> BiasGelu -> @ W_out[O]` (float32, O one neuron). Exact in float32.
    """
    from onnx import helper, numpy_helper

    graph = model.graph
    blocks = _ffn_blocks(graph)
    if not blocks:
        return []
    stats = _calibrate(model, blocks, tokenizer)
    inits = {init.name: init for init in graph.initializer}
    replaced: dict[str, list[Any]] = {}
    new_inits: list[Any] = []
    keep_fp32: list[str] = []
    for n, ((mm_in, gelu, mm_out), (in_peak, gelu_peak)) in enumerate(zip(blocks, stats, strict=True)):
        w_in = numpy_helper.to_array(inits[mm_in.input[1]]).astype(np.float32)
        b_in = numpy_helper.to_array(inits[gelu.input[1]]).astype(np.float32)
        w_out = numpy_helper.to_array(inits[mm_out.input[1]]).astype(np.float32)
        neurons = np.sort(np.argsort(-gelu_peak)[:_OUTLIER_NEURONS])
        rest = np.setdiff1d(np.arange(w_in.shape[1]), neurons)
        channels = np.flatnonzero(in_peak > _OUTLIER_RATIO * np.median(in_peak))
        x, p = mm_in.input[0], f"ffn{n}_"

        def const(name: str, value: np.ndarray, p: str = p) -> str:
            new_inits.append(numpy_helper.from_array(value, p + name))
            return p + name

        def matmul(a: str, w: np.ndarray, out: str, name: str, fp32: bool) -> Any:
            if fp32:
                keep_fp32.append(name)
            return helper.make_node("MatMul", [a, const(name + "_w", np.ascontiguousarray(w))], [out], name=name)

        nodes = []
        if len(channels):
            mask = np.ones(w_in.shape[0], dtype=np.float32)
            mask[channels] = 0.0
            nodes += [
                helper.make_node("Mul", [x, const("mask", mask)], [p + "x_main"], name=p + "mask"),
                helper.make_node("Gather", [x, const("channels", channels.astype(np.int64))], [p + "x_out"],
                                 name=p + "gather", axis=2),
                matmul(p + "x_out", w_in[channels][:, rest], p + "y_out", p + "in_outliers", fp32=True),
                matmul(p + "x_main", w_in[:, rest], p + "y_main", p + "in", fp32=False),
                helper.make_node("Add", [p + "y_main", p + "y_out"], [p + "y"], name=p + "in_add"),
            ]  # fmt: skip
        else:
            nodes.append(matmul(x, w_in[:, rest], p + "y", p + "in", fp32=False))
        nodes += [
            helper.make_node("BiasGelu", [p + "y", const("b", b_in[rest])], [p + "g"], name=p + "gelu",
                             domain="com.microsoft"),
            matmul(p + "g", w_out[rest], p + "z_main", p + "out", fp32=False),
            matmul(x, w_in[:, neurons], p + "y_neuron", p + "neuron_in", fp32=True),
            helper.make_node("BiasGelu", [p + "y_neuron", const("b_neuron", b_in[neurons])], [p + "g_neuron"],
                             name=p + "neuron_gelu", domain="com.microsoft"),
            matmul(p + "g_neuron", w_out[neurons], p + "z_neuron", p + "neuron_out", fp32=True),
            helper.make_node("Add", [p + "z_main", p + "z_neuron"], [mm_out.output[0]], name=p + "out_add"),
        ]  # fmt: skip
        replaced[mm_in.name], replaced[gelu.name], replaced[mm_out.name] = nodes, [], []
    nodes = [new for node in graph.node for new in replaced.get(node.name, [node])]
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for node in graph.node for name in node.input}
    kept = [init for init in graph.initializer if init.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    return keep_fp32


def _quantize(source: Path, target: Path, tokenizer: Path) -> None:
    """The int8 graph: outlier channels isolated in float32 (`_isolate_outliers`), then every MatMul, the
    attention projections and the word-embedding table quantised to int8 per output channel."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(source))
    keep_fp32 = _isolate_outliers(model, tokenizer)
    isolated = target.with_name(target.stem + ".isolated.onnx")
    onnx.save(model, str(isolated))
    del model
    try:
        quantize_dynamic(
            str(isolated),
            str(target),
            op_types_to_quantize=_QUANTIZED_OPS,
            nodes_to_exclude=keep_fp32,
            weight_type=QuantType.QInt8,
            per_channel=True,  # per-tensor weight scales lose too much (cosine to fp32 about 0.98)
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        isolated.unlink(missing_ok=True)


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
    ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"], disabled_optimizers=list(_UNFUSED))
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
    log("fused attention and GELU")
    quiet = logging.getLogger()
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # quantize_dynamic logs a "consider pre-processing" warning on the root logger
    try:
        _quantize(tmp / _FP32, tmp / _INT8, model_dir / _TOKENIZER)
    finally:
        quiet.setLevel(level)
    log(f"quantised {_INT8} (int8 per channel, outlier channels in float32)")
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


@functools.lru_cache(maxsize=4)
def load_tokenizer(path: Path) -> Tokenizer:
    """The exported tokenizer, truncating at the model's length; loaded once per process (0.6 s for the 250k
    pieces of XLM-R) and shared by the float32 and int8 encoders (encoding does not change its state)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(_MAX_TOKENS)
    return tokenizer


class OnnxEncoder:
    """Mean-pooled, normalised sentence vectors from an exported encoder; the `encode` subset the app uses of
    `SentenceTransformer` (same arguments), so the embeddings adapter treats both alike."""

    def __init__(self, graph: Path, tokenizer: Path, workers: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC  # the rest is saved
        options.log_severity_level = 3
        # One thread per run, and as many runs at once as there are cores: on two cores, 100 chunks take 2.2 s
        # (int8) that way against 2.7 s for one run at a time on two threads, whose thread pool also made run times
        # vary up to 1.6x at random.
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.tokenizer = load_tokenizer(tokenizer)
        self._dimension = int(self.session.get_outputs()[0].shape[-1])
        self._workers = workers or len(os.sched_getaffinity(0))

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
        """Vectors of `sentences`, in order, one text per run: on a CPU, padding a batch to its longest text and
        attending over it costs more than the per-run overhead (102 chunks: 2.4 s one by one, 4.4 s in batches of
        32, int8). The other arguments are `SentenceTransformer.encode`'s, accepted for the same call; an empty
        list gives an empty array."""
        del batch_size, convert_to_numpy, show_progress_bar  # always numpy; the caller draws its own progress bar
        out = np.zeros((len(sentences), self._dimension), dtype=np.float32)
        encoded = self.tokenizer.encode_batch(sentences)

        def run(row: int) -> None:
            ids = np.array([encoded[row].ids], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
            out[row] = hidden[0].mean(axis=0)

        if len(sentences) > 1:  # ONNX Runtime releases the GIL while it runs
            with ThreadPoolExecutor(min(self._workers, len(sentences))) as pool:
                list(pool.map(run, range(len(sentences))))
        elif sentences:
            run(0)
        if normalize_embeddings:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out
