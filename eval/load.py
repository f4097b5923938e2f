"""Load test (not a unit test): N concurrent chat clients against a live server for a bounded time.

    python eval/load.py --clients 50 --seconds 60            # starts its own server on a copy of .rag
    python eval/load.py --url http://127.0.0.1:8000 --ingest  # an already running server, with an upload

Reports throughput, latency percentiles and errors of `POST /api/chat`, and how `GET /health` answered
meanwhile (also while a long upload-and-index runs, with `--ingest`). Writes eval/reports/load.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from assistant.settings import PROJECT_ROOT, Settings
from eval.metrics import percentile
from eval.qa import load_qa

REQUEST_TIMEOUT = 120.0
HEALTH_INTERVAL = 0.5


@dataclass
class Samples:
    """Latencies (ms) and failures, shared by the client threads."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, milliseconds: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies.append(milliseconds)
            else:
                self.errors[error] = self.errors.get(error, 0) + 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def spawned_server() -> Iterator[str]:
    """A `rag serve` on a free port over a private copy of the project's data dir."""
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        shutil.copytree(settings.resolved_index_dir, data_dir / "index")
        port = _free_port()
        # All clients come from 127.0.0.1, so the per-address rate limit would measure itself: it is off here.
        env = dict(
            os.environ,
            RAG_DATA_DIR=str(data_dir),
            RAG_MODEL_CACHE_DIR=str(settings.resolved_model_cache_dir),
            RAG_RATE_LIMIT_PER_MINUTE="0",
        )
        rag = Path(sys.executable).with_name("rag")
        server = subprocess.Popen(
            [str(rag), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                time.sleep(0.5)
            else:
                raise RuntimeError("the server did not become healthy in 180 s")
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)


def chat_client(url: str, questions: list[str], stop: float, samples: Samples, offset: int) -> None:
    """Ask questions in a loop until `stop` (monotonic time)."""
    with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
        n = offset
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                response = client.post(f"{url}/api/chat", json={"message": questions[n % len(questions)]})
                error = None if response.status_code == 200 else f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            samples.add((time.perf_counter() - started) * 1000, error)
            n += 1


def health_probe(url: str, stop: threading.Event, samples: Samples) -> None:
    """GET /health every half second until stopped."""
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                error = None if client.get(f"{url}/health").status_code == 200 else "HTTP error"
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            samples.add((time.perf_counter() - started) * 1000, error)
            stop.wait(HEALTH_INTERVAL)


def upload_long_document(url: str, api_key: str | None) -> float:
    """Upload and index a long synthetic document; the seconds it took."""
    paragraphs = [
        p
        for f in sorted((PROJECT_ROOT / "seeds").glob("*.txt"))
        for p in f.read_text(encoding="utf-8").split("\n\n")
        if len(p) > 80
    ]
    text = "부하 시험 문서\n\n" + "\n\n".join(paragraphs * 3)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    started = time.perf_counter()
    response = httpx.post(
        f"{url}/api/documents",
        files={"file": ("load-test.txt", text.encode(), "text/plain")},
        headers=headers,
        timeout=600,
    )
    response.raise_for_status()
    return time.perf_counter() - started


def _row(name: str, samples: Samples, seconds: float) -> str:
    ok = len(samples.latencies)
    failed = sum(samples.errors.values())
    p = [percentile(samples.latencies, q) for q in (50, 95, 99)]
    return (
        f"| {name} | {ok + failed} | {failed} | {ok / seconds:.2f} | {p[0]:.0f} | {p[1]:.0f} | {p[2]:.0f} | "
        f"{', '.join(f'{k}: {v}' for k, v in samples.errors.items()) or '–'} |"
    )


def run(url: str, clients: int, seconds: float, ingest: bool, api_key: str | None) -> str:
    """Run the load and return the Markdown report."""
    questions = [item.final_question for item in load_qa() if item.type != "claim"]
    chats, health = Samples(), Samples()
    stop_health = threading.Event()
    prober = threading.Thread(target=health_probe, args=(url, stop_health, health))
    prober.start()
    stop = time.monotonic() + seconds
    threads = [threading.Thread(target=chat_client, args=(url, questions, stop, chats, n)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    upload_seconds = upload_long_document(url, api_key) if ingest else None
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    stop_health.set()
    prober.join()
    lines = [
        "# Load test",
        "",
        f"`python eval/load.py --clients {clients} --seconds {seconds:.0f}{' --ingest' if ingest else ''}` "
        f"against {url}: {clients} concurrent chat clients for {elapsed:.0f} s.",
        "",
        "| endpoint | requests | errors | per second | p50 ms | p95 ms | p99 ms | error kinds |",
        "|---|---|---|---|---|---|---|---|",
        _row("POST /api/chat", chats, elapsed),
        _row("GET /health (every 0.5 s, during the load)", health, elapsed),
    ]
    if upload_seconds is not None:
        lines += ["", f"A long upload-and-index (`POST /api/documents`) ran during the load: {upload_seconds:.1f} s."]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse the arguments, run, print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="A running server (default: start one on a copy of the index).")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--ingest", action="store_true", help="Upload and index a long document meanwhile.")
    parser.add_argument("--api-key", default=os.environ.get("RAG_API_KEY"))
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "eval" / "reports" / "load.md")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(spawned_server())
        report = run(url, args.clients, args.seconds, args.ingest, args.api_key)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
