"""Schemathesis fuzzes the OpenAPI spec of a live server (its own, since the fuzzer uploads documents):
no generated request may produce a server error.

A longer run for development:
    schemathesis run http://127.0.0.1:8000/openapi.json --checks not_a_server_error --max-examples 100
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import Settings
from tests.conftest import LiveServer, running_server

pytestmark = pytest.mark.slow

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
SHORT_RUN = ["--max-examples", "3", "--phases", "examples,coverage,fuzzing", "--seed", "1", "--workers", "1"]


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory, seed_settings: Settings) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory.mktemp("fuzz"), seed_settings) as server:
        yield server


def test_fuzzing_the_api_finds_no_server_error(fuzzed_server: LiveServer) -> None:
    done = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{fuzzed_server.url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--request-timeout",
            "60",
            *SHORT_RUN,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = done.stdout[-3000:]
    assert done.returncode == 0, summary
    assert " passed" in summary and "failed" not in summary.split("Test cases:")[-1]
    assert "Traceback" not in fuzzed_server.log.read_text(encoding="utf-8", errors="replace")
