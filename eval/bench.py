"""Benchmarks (not tests): cold start, serve start-up, ingest throughput, query latency, memory, scale.

    python eval/bench.py [--sizes 10000 100000] [--repeat 3] [--out eval/reports/bench.md]

Cold start is the wall time of fresh `python -m assistant ...` processes (median of `--repeat`) over a seed
index, with server auto-detection off; `rag serve` is timed to its first 200 on /health and its first answer.
End-to-end ingest (a fresh process: start-up, reading, cleaning, chunking, embedding, BM25, saving) runs once
per embedding backend (`auto` = int8 chunks, float32 questions) on 36 synthetic articles (~108k characters),
and with `auto` on 12 of them, each next to the raw float32 sentence-transformers encode rate of the same chunk
texts measured in the same run.

The scale run needs far more chunks than the model can embed in minutes on 2 CPU cores (about 20
passages/s), so its corpus is synthetic: chunks recombine 4-6 random sentences of the seed documents, and a
chunk's vector is the normalised mean of its sentences' real vectors (each sentence encoded once). That
measures what grows with the corpus (FAISS and BM25 search time, index size, approximate-search recall),
not the model, whose speed the first section measures on real chunks.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from assistant.service import Assistant
from assistant.settings import PROJECT_ROOT, Settings
from eval.bench_formats import FIXTURES as FORMAT_FIXTURES
from eval.bench_formats import bench as bench_format_file
from eval.metrics import percentile
from eval.qa import load_qa
from index.bm25 import BM25Index
from index.chunking import document_sentences
from index.errors import RagError
from index.korean import tokenize
from index.loaders import collect_files

SEED = 7
SCALE_QUERIES = 100
HNSW_NEIGHBOURS = 32
HNSW_EF_SEARCH = 64
RECALL_DEPTH = 10
# 36 synthetic articles: about 108k characters, the size of the corpus the issue measured (164 paragraphs, ~107k)
INGEST_DOCUMENTS = 36
SMALL_INGEST_DOCUMENTS = 12  # a third of it: start-up (about 3 s) weighs more
BACKENDS = ("torch", "onnx", "onnx-int8", "auto")


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_ms(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock milliseconds of `repeat` calls."""
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _p(values: list[float]) -> str:
    return f"{percentile(values, 50):.1f} / {percentile(values, 95):.1f}"


def synthetic_documents(seed_texts: list[str], count: int, rng: random.Random) -> list[str]:
    """`count` article-like texts whose paragraphs are seed paragraphs in shuffled order."""
    paragraphs = [p for text in seed_texts for p in text.split("\n\n") if len(p) > 80]
    return [f"합성 기사 {n}\n\n" + "\n\n".join(rng.sample(paragraphs, min(12, len(paragraphs)))) for n in range(count)]


def settings_in(data_dir: Path, base: Settings) -> Settings:
    """The base settings with their own data (and index) directory; the model cache is shared."""
    return Settings(data_dir=data_dir, model_cache_dir=base.resolved_model_cache_dir, seeds_dir=base.seeds_dir)


def bench_queries(assistant: Assistant, rows: list[list[str]]) -> None:
    """Search and ask latency over the QA questions (warm)."""
    questions = [item.final_question for item in load_qa() if item.type != "claim"][:40]
    assistant.ask(questions[0])  # warm-up: caches sentence vectors and Kiwi
    search = [timed_ms(lambda q=q: assistant.search(q), 1)[0] for q in questions]
    ask = [timed_ms(lambda q=q: assistant.ask(q), 1)[0] for q in questions]
    rows.append(["search (hybrid, k=5)", f"{len(questions)} queries", "p50 / p95 ms", _p(search)])
    rows.append(["ask (extractive)", f"{len(questions)} queries", "p50 / p95 ms", _p(ask)])


def sentence_pool(assistant: Assistant) -> tuple[np.ndarray, list[list[str]]]:
    """Vectors and BM25 tokens of every seed sentence, computed once."""
    texts = [
        doc.text[s.start : s.end]
        for doc in assistant.index.documents.values()
        for s in document_sentences(doc.text)
        if s.end - s.start > 20
    ]
    return assistant.embedder.encode_passages(texts), [tokenize(t) for t in texts]


def bench_scale(assistant: Assistant, sizes: list[int], rows: list[list[str]]) -> None:
    """FAISS flat vs HNSW and BM25 at each size: build time, search latency, index size, HNSW recall."""
    vectors, tokens = sentence_pool(assistant)
    rng = np.random.default_rng(SEED)
    questions = [item.final_question for item in load_qa()][:SCALE_QUERIES]
    query_vectors = assistant.embedder.encode_queries(questions)
    query_tokens = [tokenize(q) for q in questions]
    for size in sizes:
        members = [rng.choice(len(vectors), size=rng.integers(4, 7), replace=False) for _ in range(size)]
        chunk_vectors = np.stack([vectors[m].mean(axis=0) for m in members]).astype(np.float32)
        faiss.normalize_L2(chunk_vectors)
        flat = faiss.IndexFlatIP(chunk_vectors.shape[1])
        flat.add(chunk_vectors)
        started = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(chunk_vectors.shape[1], HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        hnsw.add(chunk_vectors)
        hnsw_build = time.perf_counter() - started
        hnsw.hnsw.efSearch = HNSW_EF_SEARCH
        started = time.perf_counter()
        bm25 = BM25Index([[t for i in m for t in tokens[i]] for m in members])
        bm25_build = time.perf_counter() - started
        flat_ms = [timed_ms(lambda q=q, index=flat: index.search(q[None], RECALL_DEPTH), 1)[0] for q in query_vectors]
        hnsw_ms = [timed_ms(lambda q=q, index=hnsw: index.search(q[None], RECALL_DEPTH), 1)[0] for q in query_vectors]
        bm25_ms = [timed_ms(lambda t=t, index=bm25: index.top(t, RECALL_DEPTH), 1)[0] for t in query_tokens]
        _, exact = flat.search(query_vectors, RECALL_DEPTH)
        _, approx = hnsw.search(query_vectors, RECALL_DEPTH)
        recall = np.mean([len(set(a) & set(e)) / RECALL_DEPTH for a, e in zip(approx, exact, strict=True)])
        with tempfile.TemporaryDirectory() as tmp:
            sizes_mb = {}
            for name, index in (("flat", flat), ("hnsw", hnsw)):
                path = Path(tmp) / name
                faiss.write_index(index, str(path))
                sizes_mb[name] = path.stat().st_size / 1e6
        rows.append([f"{size:,} chunks: FAISS flat", f"{sizes_mb['flat']:.1f} MB", "p50 / p95 ms", _p(flat_ms)])
        rows.append(
            [
                f"{size:,} chunks: FAISS HNSW (M={HNSW_NEIGHBOURS}, ef={HNSW_EF_SEARCH})",
                f"{sizes_mb['hnsw']:.1f} MB, built in {hnsw_build:.1f} s",
                f"recall@{RECALL_DEPTH} vs flat {recall:.3f}",
                _p(hnsw_ms),
            ]
        )
        rows.append(
            [f"{size:,} chunks: BM25 (kiwi tokens)", f"built in {bm25_build:.1f} s", "p50 / p95 ms", _p(bm25_ms)]
        )
        rows.append([f"peak memory after {size:,}", "", "", f"{peak_memory_mb():.0f} MB"])


def _run_child(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of one fresh `python -m assistant` process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    stdout = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"`rag {' '.join(args)}` exited with {process.returncode}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, stdout.decode("utf-8")


def _env(data_dir: Path, settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "RAG_DATA_DIR": str(data_dir),
        "RAG_MODEL_CACHE_DIR": str(settings.resolved_model_cache_dir.absolute()),
        "RAG_SEEDS_DIR": str(settings.seeds_dir),
        "RAG_SERVER_AUTODETECT": "false",
        "RAG_RATE_LIMIT_PER_MINUTE": "0",
        **extra,
    }


def bench_cold_start(seed_dir: Path, settings: Settings, repeat: int, rows: list[list[str]]) -> None:
    """Median wall time and peak memory of fresh processes, per command (the model and index are on disk)."""
    question = "광주 AI 집적단지에 투자되는 금액은?"
    source = sorted(settings.seeds_dir.glob("*.txt"))[0].name
    commands = {
        "rag --help": ["--help"],
        "rag show": ["show", source],
        "rag search --mode bm25": ["search", "소부장 특화단지", "--mode", "bm25", "--json"],
        "rag search": ["search", "소부장 특화단지", "--json"],
        "rag ask": ["ask", question, "--json"],
        "rag check": ["check", "광주 AI 단지에 5000억 투자?", "--json"],
    }
    env = _env(seed_dir, settings)
    for name, args in commands.items():
        try:
            runs = [_run_child(args, env) for _ in range(repeat)]
        except RuntimeError as exc:  # reported, not fatal: the other rows still mean something
            rows.append([f"cold `{name}`", "", "", f"failed: {exc}"])
            continue
        seconds = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        rows.append([f"cold `{name}`", f"median of {repeat}", "s (peak MB)", f"{seconds:.2f} ({peak:.0f})"])
        print(f"  {name}: {seconds:.2f} s", flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_serve(seed_dir: Path, settings: Settings, rows: list[list[str]]) -> None:
    """`rag serve`: seconds to the first 200 on /health and to the first answer; its peak memory."""
    import httpx

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        env=_env(seed_dir, settings, GRADIO_ANALYTICS_ENABLED="False", NO_PROXY="127.0.0.1,localhost"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        health = None
        while time.perf_counter() - started < 180:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    health = time.perf_counter() - started
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        if health is None:
            raise RuntimeError("`rag serve` did not answer /health in 180 s")
        status = httpx.post(f"{url}/api/chat", json={"message": "광주 AI 집적단지에 투자되는 금액은?"}, timeout=120)
        answer = time.perf_counter() - started
        for question in [item.final_question for item in load_qa() if item.type != "claim"][:20]:
            httpx.post(f"{url}/api/chat", json={"message": question}, timeout=120)
        peak = _peak_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    rows.append(["`rag serve`: first 200 on /health", "", "s", f"{health:.2f}"])
    rows.append(["`rag serve`: first answer", f"HTTP {status.status_code}", "s after start", f"{answer:.2f}"])
    rows.append(["`rag serve`: peak memory after 21 answers", "", "MB", f"{peak:.0f}"])
    print("  " + " | ".join(" | ".join(row) for row in rows[-3:]), flush=True)


def bench_backends(corpus: Path, settings: Settings, rows: list[list[str]], backends: tuple[str, ...]) -> None:
    """End-to-end `rag ingest` of `corpus` per backend, against the raw fp32 sentence-transformers encode rate of
    the same chunk texts, all in this run (encoded last, so that it sees the same machine as the ingests)."""
    texts: list[str] = []
    runs: list[tuple[str, int, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            data_dir = Path(tmp) / backend
            seconds, peak, stdout = _run_child(
                ["ingest", str(corpus), "--json"], _env(data_dir, settings, RAG_EMBEDDING_BACKEND=backend)
            )
            runs.append((backend, json.loads(stdout)["chunks"], seconds, peak))
            if not texts:
                texts = [json.loads(line)["text"] for line in _chunk_lines(data_dir)]
            print(f"  {backend}: {seconds:.1f} s", flush=True)
    embedder = Assistant(settings.model_copy(update={"embedding_backend": "torch"})).embedder
    embedder.encode_passages(texts[:2])  # load the model first: only the encode is timed
    started = time.perf_counter()
    embedder.encode_passages(texts)
    raw_seconds = time.perf_counter() - started
    chars = sum(map(len, texts))
    for backend, chunks, seconds, peak in runs:
        rows.append(
            [
                f"`rag ingest` end to end, {backend}",
                f"{chunks} chunks, {chars:,} chars",
                f"{chars / seconds:,.0f} chars/s = {raw_seconds / seconds:.2f}x raw",
                f"{seconds:.1f} s, {peak:.0f} MB",
            ]
        )
    rows.append(
        [
            "raw fp32 sentence-transformers encode, same chunks",
            f"{len(texts)} chunks",
            f"{chars / raw_seconds:,.0f} chars/s",
            f"{raw_seconds:.1f} s",
        ]
    )
    print("  " + " | ".join(rows[-1]), flush=True)


def _chunk_lines(data_dir: Path) -> list[str]:
    from index.store import current_generation

    generation = current_generation(data_dir / "index")
    assert generation is not None
    return (generation / "chunks.jsonl").read_text(encoding="utf-8").splitlines()


def markdown(rows: list[list[str]], seconds: float) -> str:
    """The results as a Markdown table."""
    lines = [
        "# Benchmarks",
        "",
        f"`python eval/bench.py` on this machine ({faiss.omp_get_max_threads()} threads), {seconds:.0f} s in all.",
        "Scale rows use synthetic chunks (recombined seed sentences, vectors = mean of real sentence vectors).",
        "",
        "| measure | size | unit | value |",
        "|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run every benchmark, print the table and write it to the report file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "eval" / "reports" / "bench.md")
    parser.add_argument("--repeat", type=int, default=3, help="Fresh processes per cold-start command.")
    args = parser.parse_args()
    started = time.perf_counter()
    settings = Settings()
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        seed_dir = Path(tmp) / "seed"
        _run_child(["ingest", "--json"], _env(seed_dir, settings))
        print("cold start…", flush=True)
        bench_cold_start(seed_dir, settings, args.repeat, rows)
        print("serve…", flush=True)
        bench_serve(seed_dir, settings, rows)
        print("ingest per backend…", flush=True)
        seed_texts = [p.read_text(encoding="utf-8") for p in sorted(settings.seeds_dir.glob("*.txt"))]
        for count, backends in ((INGEST_DOCUMENTS, BACKENDS), (SMALL_INGEST_DOCUMENTS, ("auto",))):
            corpus = Path(tmp) / f"corpus-{count}"
            corpus.mkdir()
            for n, text in enumerate(synthetic_documents(seed_texts, count, random.Random(SEED))):
                (corpus / f"synthetic_{n:02d}.txt").write_text(text, encoding="utf-8")
            bench_backends(corpus, settings, rows, backends)
        assistant = Assistant(settings_in(seed_dir, settings))  # the seed index the commands above used
        print("query latency…", flush=True)
        try:
            bench_queries(assistant, rows)
        except RagError as exc:  # e.g. an answer model that does not fit this version: the other rows still count
            rows.append(["search / ask latency", "", "", f"failed: {exc}"])
        rows.append(["peak memory after queries", "", "", f"{peak_memory_mb():.0f} MB"])
        print("parse time per format…", flush=True)
        for path in collect_files([FORMAT_FIXTURES]):
            format_name, name, _, _, _, best_ms, rate = bench_format_file(path, 3)
            rows.append([f"parse {format_name}", name, f"best of 3: {best_ms} ms", rate])
        print("scale run…", flush=True)
        bench_scale(assistant, args.sizes, rows)
    report = markdown(rows, time.perf_counter() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
