"""Crash safety: a `rag ingest` killed with SIGKILL at any moment leaves a loadable index."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.settings import Settings
from index.store import load_index
from tests.conftest import MODEL_CACHE_DIR, SEEDS_DIR

pytestmark = pytest.mark.slow

RAG = Path(sys.executable).with_name("rag")
KILL_AFTER_SECONDS = (4.0, 9.0)
NEW_DOCUMENTS = 12


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough new documents that embedding them takes a while: seed paragraphs in a new order per file."""
    folder = tmp_path_factory.mktemp("corpus")
    paragraphs = [p for f in sorted(SEEDS_DIR.glob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n\n")]
    paragraphs = [p for p in paragraphs if len(p) > 80]
    for n in range(NEW_DOCUMENTS):
        rotated = paragraphs[n:] + paragraphs[:n]
        (folder / f"new_{n:02d}.txt").write_text(f"새 문서 {n}\n\n" + "\n\n".join(rotated[:10]), encoding="utf-8")
    return folder


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(RAG_DATA_DIR=str(data_dir), RAG_MODEL_CACHE_DIR=str(MODEL_CACHE_DIR))
    return env


@pytest.mark.parametrize("delay", KILL_AFTER_SECONDS)
def test_sigkill_during_ingest_leaves_previous_or_complete_index(
    tmp_path: Path, seed_settings: Settings, corpus: Path, delay: float
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(seed_settings.data_dir, data_dir)
    before = load_index(data_dir / "index")
    process = subprocess.Popen(
        [str(RAG), "ingest", str(corpus)],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(delay)
    finished_first = process.poll() is not None
    with contextlib.suppress(ProcessLookupError):  # a fast ingest may have finished and been reaped already
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    after = load_index(data_dir / "index")  # never raises: CURRENT always names a complete generation
    assert len(after.documents) in (len(before.documents), len(before.documents) + NEW_DOCUMENTS)
    if not finished_first and len(after.documents) == len(before.documents):
        assert [c.chunk_id for c in after.chunks] == [c.chunk_id for c in before.chunks]

    # The next ingest is not blocked by the killed one's lock or leftovers, and completes the job.
    done = subprocess.run(
        [str(RAG), "ingest", str(corpus), "--json"], env=_env(data_dir), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(load_index(data_dir / "index").documents) == len(before.documents) + NEW_DOCUMENTS


def test_concurrent_ingests_are_serialised_and_lose_nothing(
    tmp_path: Path, seed_settings: Settings, corpus: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(seed_settings.data_dir, data_dir)
    halves = [tmp_path / "first", tmp_path / "second"]
    for n, folder in enumerate(halves):
        folder.mkdir()
        for source in sorted(corpus.glob("*.txt"))[n * 3 : n * 3 + 3]:
            shutil.copy(source, folder / source.name)
    processes = [
        subprocess.Popen([str(RAG), "ingest", str(folder), "--json"], env=_env(data_dir), stderr=subprocess.PIPE)
        for folder in halves
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr.decode()[-2000:]
    # Without the lock the later writer would replace the earlier one's generation and lose its documents.
    assert (
        len(load_index(data_dir / "index").documents) == len(load_index(seed_settings.resolved_index_dir).documents) + 6
    )
