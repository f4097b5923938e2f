"""Shared fixtures: the real offline model (loaded once per session) and small real indexes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.service import Assistant
from assistant.settings import PROJECT_ROOT, Settings
from index.embeddings import SentenceTransformerEmbeddings
from index.store import current_generation

pytest_plugins = ["tests.pg_fixture"]

SEEDS_DIR = PROJECT_ROOT / "seeds"
# The rebuilt model is cached next to the project's own index so every test run (and `make serve`) shares it.
MODEL_CACHE_DIR = PROJECT_ROOT / ".rag" / "models"


RAG = Path(sys.executable).with_name("rag")  # the console script installed next to this interpreter
RAG_TIMEOUT = 300


@dataclass(frozen=True)
class Run:
    """One finished `rag` process."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """stdout as exactly one JSON document on one line."""
        lines = self.stdout.splitlines()
        assert len(lines) == 1, f"expected one JSON line on stdout, got {len(lines)}: {self.stdout[:500]!r}"
        return json.loads(lines[0])

    def json_lines(self) -> list[Any]:
        """stdout as JSON lines (batch mode)."""
        return [json.loads(line) for line in self.stdout.splitlines()]


def rag(
    data_dir: Path,
    *args: str,
    cwd: Path,
    stdin: str | None = None,
    module: bool = False,
    columns: int = 80,
    env_extra: dict[str, str] | None = None,
) -> Run:
    """Run `rag ARGS` (or `python -m assistant ARGS`) on `data_dir` with the shared model cache.

    The terminal is 80 columns wide unless told otherwise, so a message that wraps shows up as two lines.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(RAG_DATA_DIR=str(data_dir), RAG_MODEL_CACHE_DIR=str(MODEL_CACHE_DIR), COLUMNS=str(columns))
    env.update(env_extra or {})
    command = [sys.executable, "-m", "assistant", *args] if module else [str(RAG), *args]
    done = subprocess.run(
        command, input=stdin, capture_output=True, text=True, encoding="utf-8", env=env, cwd=cwd, timeout=RAG_TIMEOUT
    )
    return Run(tuple(args), done.returncode, done.stdout, done.stderr)


def run_concurrently(work: Callable[[Any, int], None], targets: list[Any]) -> list[BaseException]:
    """Run `work(target, n)` for every target in its own thread; the exceptions they raised."""
    errors: list[BaseException] = []

    def guarded(target: Any, n: int) -> None:
        try:
            work(target, n)
        except BaseException as exc:  # reported to the caller
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(t, n)) for n, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a test: its own data dir, the shared model cache, the bundled seeds."""
    values: dict[str, object] = {"data_dir": data_dir, "model_cache_dir": MODEL_CACHE_DIR, "seeds_dir": SEEDS_DIR}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


OLD_HEADING = "옛 분할기의 제목"


def age_index(index_dir: Path) -> None:
    """Make an index look cut by an older chunker: its manifest names none (as before it was recorded) and every
    chunk carries a heading this chunker would not give it (checksums kept valid, as that chunker wrote them)."""
    generation = current_generation(index_dir)
    assert generation is not None
    chunks = [json.loads(line) for line in (generation / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    content = "".join(json.dumps({**chunk, "heading": OLD_HEADING}, ensure_ascii=False) + "\n" for chunk in chunks)
    (generation / "chunks.jsonl").write_text(content, encoding="utf-8")
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("chunker", None)
    manifest["checksums"]["chunks.jsonl"] = hashlib.sha256(content.encode("utf-8")).hexdigest()
    (generation / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbeddings:
    """The default offline embedder, loaded once for the session."""
    model = SentenceTransformerEmbeddings(cache_dir=MODEL_CACHE_DIR)
    model.client  # noqa: B018 - load (and on first use rebuild) the model now, outside any timed test
    return model


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbeddings) -> Settings:
    """Settings whose index holds the five bundled seed documents (built once per session)."""
    settings = make_settings(tmp_path_factory.mktemp("seed-data"))
    Assistant(settings).ingest(progress=False)
    return settings


@pytest.fixture(scope="session")
def local_seed_assistant(seed_settings: Settings) -> Assistant:
    """A read-only assistant over the local seed index; tests must not ingest into it."""
    return Assistant(seed_settings)


@pytest.fixture(scope="session")
def pg_seed_assistant(pg_url: str, local_seed_assistant: Assistant) -> Iterator[Assistant]:
    """A read-only assistant over the seeds ingested into PostgreSQL + pgvector (a database of their own)."""
    from tests.pg_fixture import fresh_database  # imported once pytest has registered the plugin module

    url = fresh_database(pg_url, "seeds")
    assistant = Assistant(make_settings(local_seed_assistant.settings.data_dir, store="postgres", database_url=url))
    assistant.ingest(progress=False)
    yield assistant
    assistant.close()


@pytest.fixture(scope="session", params=["local", "postgres"])
def seed_assistant(request: pytest.FixtureRequest) -> Assistant:
    """A read-only assistant over the seed index in each store (the local files, and PostgreSQL); tests must
    not ingest into it."""
    return request.getfixturevalue("local_seed_assistant" if request.param == "local" else "pg_seed_assistant")


@pytest.fixture
def seed_copy(tmp_path: Path, seed_settings: Settings) -> Settings:
    """A private copy of the seed index that a test may change."""
    data_dir = tmp_path / "data"
    shutil.copytree(seed_settings.data_dir, data_dir)
    return make_settings(data_dir)


# --- Live server (the real `rag serve` in a subprocess), shared by the HTTP/UI tests ---------------------------

LIVE_SERVER_TIMEOUT_SECONDS = 180


@dataclass
class LiveServer:
    """A running `rag serve`: its base URL and the data dir (a private copy of the seed index) it serves."""

    url: str
    data_dir: Path
    log: Path
    process: subprocess.Popen


def free_port() -> int:
    """A TCP port nobody listens on right now (on 127.0.0.1)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + LIVE_SERVER_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"`rag serve` exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"`rag serve` not ready after {LIVE_SERVER_TIMEOUT_SECONDS}s:\n{log.read_text()[-3000:]}")


@contextmanager
def running_server(root: Path, seed_settings: Settings, **env_extra: str) -> Iterator[LiveServer]:
    """`python -m assistant serve` on a free 127.0.0.1 port over a copy of the seed index, ready (/health 200),
    stopped on exit."""
    data_dir = root / "data"
    shutil.copytree(seed_settings.data_dir, data_dir)
    port = free_port()
    env = {
        **os.environ,
        "RAG_DATA_DIR": str(data_dir),
        "RAG_MODEL_CACHE_DIR": str(MODEL_CACHE_DIR),
        "RAG_SEEDS_DIR": str(SEEDS_DIR),
        "RAG_RATE_LIMIT_PER_MINUTE": "0",  # the tests and the fuzzer send bursts from one address
        "GRADIO_ANALYTICS_ENABLED": "False",
        "NO_PROXY": "127.0.0.1,localhost",
        **env_extra,
    }
    log = root / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(url, process, log)
        yield LiveServer(url, data_dir, log, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, seed_settings: Settings) -> Iterator[LiveServer]:
    """A live server shared by the HTTP and UI tests (see `running_server`)."""
    with running_server(tmp_path_factory.mktemp("live"), seed_settings) as server:
        yield server
