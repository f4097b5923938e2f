"""`rag ask/search/check --server URL` against a live `rag serve`: the same JSON as the standalone command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.client import index_id, probe
from tests.conftest import MODEL_CACHE_DIR, SEEDS_DIR, LiveServer, free_port

pytestmark = pytest.mark.slow

Q_KO = "경상북도가 2017년에 전국 지자체 가운데 처음으로 만든 4차산업혁명 대응 조직의 이름은 무엇인가요?"
Q_EN = "Which two local governments are building a Digital Open Lab together?"
SEARCH = "소부장 특화단지"
CLAIM = "광주 AI 단지에 5000억 투자?"


def rag(data_dir: Path, *args: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "RAG_DATA_DIR": str(data_dir),
        "RAG_MODEL_CACHE_DIR": str(MODEL_CACHE_DIR),
        "RAG_SEEDS_DIR": str(SEEDS_DIR),
        "NO_PROXY": "127.0.0.1,localhost",
        **env_extra,
    }
    env.pop("RAG_SERVER_URL", None)
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def comparable(obj: Any) -> Any:
    """The object without per-call fields (session ids) and with scores to 4 places."""
    if isinstance(obj, dict):
        return {k: comparable(v) for k, v in obj.items() if k != "session_id"}
    if isinstance(obj, list):
        return [comparable(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 4)
    return obj


@pytest.fixture(scope="module")
def runs(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, subprocess.CompletedProcess[str]]:
    """Each command once through the server and once standalone, over the same index (concurrently)."""
    batch = tmp_path_factory.mktemp("client") / "questions.txt"
    batch.write_text(f"{Q_KO}\n{Q_EN}\n", encoding="utf-8")
    commands = {
        "ask": ("ask", "--batch", str(batch)),
        "search": ("search", SEARCH, "-k", "3", "--json"),
        "bm25": ("search", SEARCH, "-k", "3", "--mode", "bm25", "--json"),
        "check": ("check", CLAIM, "--json"),
        "ask_text": ("ask", Q_KO),
    }
    jobs = {}
    with ThreadPoolExecutor(max_workers=3) as pool:
        for name, args in commands.items():
            jobs[f"{name}:server"] = pool.submit(rag, live_server.data_dir, *args, "--server", live_server.url)
            jobs[f"{name}:standalone"] = pool.submit(rag, live_server.data_dir, *args, "--standalone")
        return {name: job.result() for name, job in jobs.items()}


@pytest.mark.parametrize("command", ["ask", "search", "bm25", "check"])
def test_server_and_standalone_print_the_same_json(runs: dict[str, subprocess.CompletedProcess[str]], command: str):
    server, standalone = runs[f"{command}:server"], runs[f"{command}:standalone"]
    assert server.returncode == 0 and standalone.returncode == 0, server.stderr + standalone.stderr
    served = [json.loads(line) for line in server.stdout.splitlines()]
    local = [json.loads(line) for line in standalone.stdout.splitlines()]
    assert served and comparable(served) == comparable(local)
    assert "Loading weights" not in standalone.stderr + server.stderr  # no library progress bars


def test_text_output_is_the_same(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    server, standalone = runs["ask_text:server"], runs["ask_text:standalone"]
    assert server.returncode == 0 and server.stdout == standalone.stdout and "[1]" in server.stdout


def test_bm25_search_needs_no_model(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    results = json.loads(runs["bm25:standalone"].stdout)["results"]
    assert results and all(r["dense_score"] is None and r["bm25_score"] > 0 for r in results)


def test_health_names_the_index_it_serves(live_server: LiveServer) -> None:
    health = probe(live_server.url)
    assert health is not None and health["index_id"] == index_id(str((live_server.data_dir / "index").resolve()))
    assert httpx.get(f"{live_server.url}/health").json()["index_id"] == health["index_id"]


def test_a_named_server_that_is_down_is_a_clear_error(live_server: LiveServer) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    run = rag(live_server.data_dir, "search", SEARCH, "--server", url, "--json")
    assert run.returncode == 2 and url in run.stderr and run.stdout == ""
    run = rag(live_server.data_dir, "search", SEARCH, "--json", RAG_SERVER_URL=url)
    assert run.returncode == 2 and url in run.stderr
