"""The `rag` command line through real subprocesses, against copies of the session's seed index.

Every process loads Python, the index and (for search/ask/chat) the embedding model, so the runs are
few, each checked for several things, and independent runs go concurrently: `cli_runs` starts them all
once per module and the tests read their results.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import Settings
from index.chunking import CHUNKER
from index.store import current_generation, load_index
from tests.conftest import OLD_HEADING, Run, age_index, rag

pytestmark = pytest.mark.slow

PARALLEL = 3

Q_KO = "경상북도가 2017년에 전국 지자체 가운데 처음으로 만든 4차산업혁명 대응 조직의 이름은 무엇인가요?"
Q_EN = "How much is invested in the Gwangju AI cluster?"
Q_NONE = "부산시가 해양산업 육성에 배정한 예산은 얼마인가요?"
SEARCH_KO = "경상북도 4차산업혁명 전략위원회"
SEARCH_EN = "Gwangju artificial intelligence industrial complex investment"
CLAIM_WRONG = "광주 AI 단지에 5000억 투자?"  # the source says 4000억
CLAIM_EN = "More than 400 billion won will be invested in the Gwangju AI industrial complex."
CLAIM_NONE = "부산시는 해양산업 육성에 3000억 원을 투자한다."
TOO_LONG = "가" * 2001  # RAG_MAX_QUERY_CHARS defaults to 2000

SEARCH_FIELDS = {"rank", "doc_id", "source", "title", "chunk_id", "score", "start", "end", "text"}
ANSWER_FIELDS = {"answer", "language", "grounded", "citations", "session_id"}
CITATION_FIELDS = {"n", "doc_id", "source", "title", "published", "quote", "start", "end"}
SHOW_FIELDS = {"doc_id", "source", "title", "outlet", "published", "regions", "text"}




def assert_quotes_the_shown_text(citations: list[dict[str, Any]], shown: dict[str, dict[str, Any]]) -> None:
    """Every citation has the contract's fields and quotes exactly the shown document's text at its offsets."""
    for citation in citations:
        assert set(citation) >= CITATION_FIELDS
        assert shown[citation["doc_id"]]["text"][citation["start"] : citation["end"]] == citation["quote"]


def assert_user_error(run: Run, *needles: str) -> str:
    """Exit code 2, nothing on stdout, and exactly one `error: ...` line on stderr; returns that line."""
    assert run.returncode == 2, (run.args[:2], run.returncode, run.stderr[-2000:])
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, f"stderr is not one line: {run.stderr!r}"
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, seed_settings: Settings) -> dict[str, Path]:
    """Private data dirs (copies of the seed index, an empty one, a corrupt one) and input files."""
    root = tmp_path_factory.mktemp("cli")
    paths = {"root": root, "empty": root / "empty-data"}
    for name in ("data", "ingest-data", "corrupt-data", "aged-data"):
        paths[name] = root / name
        shutil.copytree(seed_settings.data_dir, paths[name])
    paths["empty"].mkdir()
    generation = current_generation(paths["corrupt-data"] / "index")
    assert generation is not None
    (generation / "dense.faiss").write_bytes(b"not a faiss index")
    age_index(paths["aged-data"] / "index")
    paths["new-seeds"] = root / "new-seeds"
    paths["new-seeds"].mkdir()
    (paths["new-seeds"] / "extra.txt").write_text("울산시는 수소 산업 육성 계획을 발표했다.\n", encoding="utf-8")
    paths["search-batch"] = root / "search.txt"
    paths["search-batch"].write_text(f"{SEARCH_KO}\n\n{TOO_LONG}\n  {SEARCH_EN}  \n", encoding="utf-8")
    paths["ask-batch"] = root / "ask.txt"
    paths["ask-batch"].write_text(f"{Q_EN}\n{TOO_LONG}\n\n{Q_NONE}\n", encoding="utf-8")
    paths["check-batch"] = root / "claims.txt"
    paths["check-batch"].write_text(f"{CLAIM_EN}\n\n{TOO_LONG}\n{CLAIM_NONE}\n", encoding="utf-8")
    paths["binary-batch"] = root / "binary.txt"
    paths["binary-batch"].write_bytes(b"\xff\xfe\x00\x81 not utf-8 \xc3\x28\n")
    return paths


@pytest.fixture(scope="module")
def cli_runs(workspace: dict[str, Path]) -> dict[str, Run]:
    """Every independent `rag` run of this module, a few at a time."""
    data, cwd = workspace["data"], workspace["root"]
    jobs: dict[str, Callable[[], Run]] = {
        "search": lambda: rag(data, "search", SEARCH_KO, "-k", "3", "--json", cwd=cwd),
        "ask": lambda: rag(data, "ask", Q_KO, "--session", "cli-1", "--json", cwd=cwd),
        "search-batch": lambda: rag(data, "search", "--batch", str(workspace["search-batch"]), "-k", "3", cwd=cwd),
        "ask-batch": lambda: rag(data, "ask", "--batch", str(workspace["ask-batch"]), "--json", cwd=cwd),
        "check": lambda: rag(data, "check", CLAIM_WRONG, "--json", cwd=cwd),
        "check-text": lambda: rag(data, "check", CLAIM_WRONG, columns=400, cwd=cwd),
        "check-batch": lambda: rag(data, "check", "--batch", str(workspace["check-batch"]), cwd=cwd),
        "chat": lambda: rag(data, "chat", stdin=f"{Q_KO}\n/history\n/quit\n", module=True, columns=400, cwd=cwd),
        "err-empty": lambda: rag(data, "ask", "   ", cwd=cwd),
        "err-long": lambda: rag(data, "ask", TOO_LONG, "--json", cwd=cwd),
        "err-unknown-doc": lambda: rag(data, "show", "0000000000000000", "--json", cwd=cwd),
        "err-missing-index": lambda: rag(workspace["empty"], "search", SEARCH_KO, "--json", cwd=cwd),
        "err-corrupt-index": lambda: rag(workspace["corrupt-data"], "ask", Q_KO, "--json", module=True, cwd=cwd),
        "err-batch-missing": lambda: rag(data, "search", "--batch", str(workspace["root"] / "nope.txt"), cwd=cwd),
        "err-batch-binary": lambda: rag(data, "ask", "--batch", str(workspace["binary-batch"]), cwd=cwd),
        "err-bad-session": lambda: rag(data, "ask", Q_KO, "--session", "no spaces!", "--json", cwd=cwd),
        "ingest-aged": lambda: rag(workspace["aged-data"], "ingest", "--if-missing", "--json", cwd=cwd),
    }
    ingest_data = workspace["ingest-data"]
    new_seeds = {"RAG_SEEDS_DIR": str(workspace["new-seeds"])}
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        # The ingests share a data dir, so they run one after the other here while the pool works.
        # --if-missing with a seeds folder that holds a new document must still leave the index alone.
        runs = {"ingest-if-missing": rag(ingest_data, "ingest", "--if-missing", "--json", env_extra=new_seeds, cwd=cwd)}
        runs["ingest"] = rag(ingest_data, "ingest", "--json", cwd=cwd)
        runs.update((name, future.result()) for name, future in futures.items())
    return runs


def test_ingest_if_missing_cuts_an_index_of_an_older_chunker_again(
    cli_runs: dict[str, Run], workspace: dict[str, Path]
) -> None:
    """`make serve` runs `rag ingest --if-missing`: after an upgrade that changes the chunker, the index it finds is
    cut again from its own documents (not left stale, and no other folder is added)."""
    run = cli_runs["ingest-aged"]
    assert run.returncode == 0, run.stderr[-2000:]
    report = run.json()
    assert (report["documents"], report["rechunked_documents"], report["added_documents"]) == (5, 5, 0)
    stored = load_index(workspace["aged-data"] / "index")
    assert stored.manifest.chunker == CHUNKER and OLD_HEADING not in {chunk.heading for chunk in stored.chunks}


@pytest.fixture(scope="module")
def shown(cli_runs: dict[str, Run], workspace: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """`rag show --json` of every document the search and ask runs returned, by doc_id.

    The first is asked for by its source file name, the rest by doc_id.
    """
    hits = cli_runs["search"].json()["results"] + cli_runs["ask"].json()["citations"]
    hits += cli_runs["check"].json()["evidence"]
    for line in cli_runs["ask-batch"].json_lines():
        hits += line.get("citations", [])  # the too-long line is an error object
    wanted = {hit["doc_id"]: hit["source"] for hit in hits}
    keys = [wanted[doc_id] if i == 0 else doc_id for i, doc_id in enumerate(sorted(wanted))]
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        runs = list(pool.map(lambda key: rag(workspace["data"], "show", key, "--json", cwd=workspace["root"]), keys))
    documents = {}
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
        document = run.json()
        documents[document["doc_id"]] = document
    assert set(documents) == set(wanted)
    return documents


def test_ingest_json_reports_the_five_seeds_and_if_missing_is_a_noop(
    cli_runs: dict[str, Run], workspace: dict[str, Path], seed_settings: Settings
) -> None:
    chunks = json.loads((current_generation(seed_settings.resolved_index_dir) / "manifest.json").read_text())["chunks"]
    # Had --if-missing ingested the new seeds folder, the index would now hold six documents.
    for name in ("ingest-if-missing", "ingest"):
        run = cli_runs[name]
        assert run.returncode == 0, run.stderr[-2000:]
        report = run.json()
        assert set(report) >= {"documents", "chunks", "duplicates_removed", "seconds"}
        assert report["documents"] == 5, name
        assert report["chunks"] == chunks > 5
        assert report["unchanged_documents"] == 5 and report["added_documents"] == report["replaced_documents"] == 0
        assert report["errors"] == []
    assert cli_runs["ingest-if-missing"].stderr == ""  # no model load, no progress bar: nothing was read
    # Nothing new: the live generation is still the copied one.
    assert (
        current_generation(workspace["ingest-data"] / "index").name
        == current_generation(seed_settings.resolved_index_dir).name
    )


def test_search_json_returns_ranked_chunks_with_exact_offsets(
    cli_runs: dict[str, Run], shown: dict[str, dict[str, Any]]
) -> None:
    run = cli_runs["search"]
    assert run.returncode == 0, run.stderr[-2000:]
    body = run.json()
    assert set(body) == {"results"}
    results = body["results"]
    assert [r["rank"] for r in results] == [1, 2, 3]
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    for result in results:
        assert set(result) >= SEARCH_FIELDS
        assert result["chunk_id"].startswith(result["doc_id"])
        document = shown[result["doc_id"]]
        assert (result["source"], result["title"]) == (document["source"], document["title"])
        assert document["text"][result["start"] : result["end"]] == result["text"]
    assert results[0]["source"] == "000_6e031c1b1d43ca61.txt"
    assert "전략위원회" in results[0]["text"]


def test_ask_json_answers_with_citations_that_quote_the_shown_text(
    cli_runs: dict[str, Run], shown: dict[str, dict[str, Any]]
) -> None:
    run = cli_runs["ask"]
    assert run.returncode == 0, run.stderr[-2000:]
    answer = run.json()
    assert set(answer) >= ANSWER_FIELDS
    assert answer["language"] == "ko"
    assert answer["grounded"] is True
    assert answer["session_id"] == "cli-1"
    assert "전략위원회" in answer["answer"]
    citations = answer["citations"]
    assert [c["n"] for c in citations] == list(range(1, len(citations) + 1)) and citations
    assert citations[0]["source"] == "000_6e031c1b1d43ca61.txt"
    assert_quotes_the_shown_text(citations, shown)
    for citation in citations:
        assert f"[{citation['n']}]" in answer["answer"]
        document = shown[citation["doc_id"]]
        assert (citation["source"], citation["title"], citation["published"]) == (
            document["source"],
            document["title"],
            document["published"],
        )


def test_show_json_fields(shown: dict[str, dict[str, Any]]) -> None:
    assert shown
    for doc_id, document in shown.items():
        assert set(document) >= SHOW_FIELDS
        assert document["doc_id"] == doc_id
        assert document["source"].endswith(".txt") and document["title"]
        assert isinstance(document["regions"], list)
        assert len(document["text"]) > 500
    regions = {region for document in shown.values() for region in document["regions"]}
    assert regions, "no region was recognised in any shown seed document"


def test_search_batch_prints_one_json_line_per_query_in_order(cli_runs: dict[str, Run]) -> None:
    run = cli_runs["search-batch"]
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.json_lines()
    # The blank line is skipped; the too-long query gets an error object and the batch goes on.
    assert [line["query"] for line in lines] == [SEARCH_KO, TOO_LONG, SEARCH_EN]
    first, too_long, english = lines
    assert first["results"] == cli_runs["search"].json()["results"]  # same as the one-query run
    assert "results" not in too_long and "2000" in too_long["error"]
    assert [r["rank"] for r in english["results"]] == [1, 2, 3]
    assert english["results"][0]["source"] == "004_90f594b122ef3ede.txt"


def test_ask_batch_prints_one_answer_per_question_in_order(
    cli_runs: dict[str, Run], shown: dict[str, dict[str, Any]]
) -> None:
    run = cli_runs["ask-batch"]
    assert run.returncode == 0, run.stderr[-2000:]
    english, too_long, unanswerable = run.json_lines()
    assert too_long == {"query": TOO_LONG, "error": too_long["error"]} and "2000" in too_long["error"]
    for answer in (english, unanswerable):
        assert set(answer) >= ANSWER_FIELDS
    # Without --session every question starts its own conversation.
    assert english["session_id"] and unanswerable["session_id"]
    assert english["session_id"] != unanswerable["session_id"]
    assert english["language"] == "en" and english["grounded"] is True
    assert english["citations"] and english["citations"][0]["source"] == "004_90f594b122ef3ede.txt"
    assert "4000억 원" in " ".join(c["quote"] for c in english["citations"])
    assert_quotes_the_shown_text(english["citations"], shown)
    assert unanswerable["language"] == "ko"
    assert unanswerable["grounded"] is False and unanswerable["citations"] == []
    assert english["related"] == [] and isinstance(unanswerable["related"], list)  # closest sentences, not citations


def test_check_json_quotes_the_conflicting_figure_from_the_source(
    cli_runs: dict[str, Run], shown: dict[str, dict[str, Any]]
) -> None:
    run = cli_runs["check"]
    assert run.returncode == 0, run.stderr[-2000:]
    result = run.json()
    assert set(result) >= {"claim", "language", "verdict", "explanation", "evidence"}
    assert (result["claim"], result["language"], result["verdict"]) == (CLAIM_WRONG, "ko", "contradicted")
    assert "5000억" in result["explanation"] and "4000억" in result["explanation"]
    evidence = result["evidence"]
    assert evidence and evidence[0]["source"] == "004_90f594b122ef3ede.txt" and "4000억" in evidence[0]["quote"]
    assert_quotes_the_shown_text(evidence, shown)


def test_check_text_names_verdict_quote_and_source_without_empty_fields(cli_runs: dict[str, Run]) -> None:
    run = cli_runs["check-text"]
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert lines[0].startswith("contradicted") and "4000억" in lines[0]
    assert "[1]" in lines[1] and "4000억 원 이상의 투자" in lines[1]
    # This op-ed states neither outlet nor date: the source line names only what is known.
    assert lines[2].strip() == "광주 인공지능 단지, 지역 혁신 성장 선도하길 (004_90f594b122ef3ede.txt)"


def test_check_batch_prints_one_verdict_per_claim_in_order(cli_runs: dict[str, Run]) -> None:
    run = cli_runs["check-batch"]
    assert run.returncode == 0, run.stderr[-2000:]
    english, too_long, unknown = run.json_lines()
    assert english["language"] == "en" and english["verdict"] == "supported"
    assert "4000억" in english["evidence"][0]["quote"]
    assert too_long == {"query": TOO_LONG, "error": too_long["error"]} and "2000" in too_long["error"]
    assert unknown["verdict"] == "not_found" and unknown["evidence"] == []


def test_chat_answers_then_shows_history_then_quits(cli_runs: dict[str, Run]) -> None:
    run = cli_runs["chat"]
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    assert "전략위원회" in out and "[1]" in out
    assert "000_6e031c1b1d43ca61.txt" in out  # the citation line
    assert out.index("1. " + Q_KO) > out.index("[1]"), "/history lists the question after its answer"
    assert "2. " not in out


def test_sessions_persist_across_processes(cli_runs: dict[str, Run], workspace: dict[str, Path]) -> None:
    # `rag ask --session cli-1` ran in another process; a chat resuming that session remembers the turn
    # (no question is asked here, so this process never loads the model).
    assert cli_runs["ask"].json()["session_id"] == "cli-1"
    run = rag(workspace["data"], "chat", "--session", "cli-1", stdin="/history\n", columns=400, cwd=workspace["root"])
    assert run.returncode == 0, run.stderr[-2000:]
    assert "(cli-1)" in run.stdout
    assert "1. " + Q_KO in run.stdout and "2. " not in run.stdout
    assert "전략위원회" in run.stdout.split("1. " + Q_KO, 1)[1]  # the remembered answer


@pytest.mark.parametrize(
    ("name", "needles"),
    [
        ("err-empty", ("empty",)),
        ("err-long", ("2001", "2000")),
        ("err-unknown-doc", ("0000000000000000",)),
        ("err-missing-index", ("No index", "rag ingest")),
        ("err-corrupt-index", ("damaged", "rag ingest")),
        ("err-batch-missing", ("nope.txt",)),
        ("err-batch-binary", ("binary.txt",)),
        ("err-bad-session", ("session id",)),
    ],
)
def test_user_errors_exit_2_with_one_line_on_stderr(
    cli_runs: dict[str, Run], workspace: dict[str, Path], name: str, needles: tuple[str, ...]
) -> None:
    assert_user_error(cli_runs[name], *needles)
    if name == "err-missing-index":
        assert current_generation(workspace["empty"] / "index") is None  # a failed search builds nothing
