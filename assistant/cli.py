"""The `rag` command line: ingest, search, ask, show, chat, serve."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from assistant.conversation import new_session_id, validate_session_id
from assistant.settings import Settings, get_settings
from index.errors import InputError, RagError

# Each command imports what it needs when it runs: `rag --help`, `show` and `sessions` never load the model,
# langchain or matplotlib, and a command that a running server answers loads neither model nor index.
if TYPE_CHECKING:
    from assistant.citations import Citation
    from assistant.client import ServerClient
    from assistant.service import Assistant

app = typer.Typer(help="정책톡: cited answers about Korean regional-policy documents.", no_args_is_help=True)
out = Console(highlight=False)
# Error messages must stay on one line whatever the terminal width: no wrapping on stderr.
err = Console(stderr=True, highlight=False, soft_wrap=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
BatchFile = Annotated[
    Path | None, typer.Option("--batch", help="A file with one query per line; prints one JSON object per line.")
]
ServerUrl = Annotated[
    str | None,
    typer.Option(
        "--server",
        metavar="URL",
        help="Send the request to this running `rag serve` (default: RAG_SERVER_URL, or one of this index "
        "on 127.0.0.1:8000).",
    ),
]
StandaloneFlag = Annotated[
    bool, typer.Option("--standalone", help="Load the model and index here even when a server is running.")
]


def _error(message: str) -> None:
    """Print `error: <message>` to stderr as exactly one line (inner line breaks become spaces)."""
    err.print(f"[red]error:[/red] {escape(' '.join(message.split()))}")


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn expected failures into a one-line message and exit code 2."""
    try:
        yield
    except RagError as exc:
        _error(str(exc))
        raise typer.Exit(2) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        _error(f"invalid setting {'.'.join(map(str, first['loc']))}: {first['msg']}")
        raise typer.Exit(2) from exc


def _assistant() -> Assistant:
    from assistant.service import Assistant

    return Assistant(_settings())


class _Standalone:
    """This process's own assistant, answering with the same JSON objects as the API (see `ServerClient`)."""

    def __init__(self, model: bool = True) -> None:
        self.assistant = _assistant()
        self.assistant.prefetch(model)

    def ask(self, question: str, session_id: str | None = None) -> dict[str, Any]:
        return self.assistant.ask(question, session_id).model_dump()

    def search(self, query: str, k: int | None = None, mode: str | None = None) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.assistant.search(query, k, mode)]

    def check(self, claim: str) -> dict[str, Any]:
        return self.assistant.check(claim).model_dump()

    def history(self, session_id: str) -> list[dict[str, Any]]:
        return [turn.model_dump() for turn in self.assistant.sessions.history(session_id)]


def _backend(server: str | None, standalone: bool, model: bool = True) -> _Standalone | ServerClient:
    """A running `rag serve` (named, from RAG_SERVER_URL, or found on the default port serving this index), else
    this process's own assistant."""
    settings = _settings()
    if not standalone:
        from assistant.client import ServerClient, detect_server

        url = detect_server(server or settings.server_url, settings.index_location, settings.server_autodetect)
        if url:
            return ServerClient(url, settings.api_key.get_secret_value() if settings.api_key else None)
    return _Standalone(model)


def _view(value: Any) -> Any:
    """A JSON object read with attributes (`answer.citations[0].title`), as the printers expect."""
    if isinstance(value, dict):
        return SimpleNamespace(**{key: _view(item) for key, item in value.items()})
    if isinstance(value, list):
        return [_view(item) for item in value]
    return value


def _settings() -> Settings:
    return get_settings()


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _batch_lines(path: Path) -> list[str]:
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read batch file {path}: {exc}") from exc
    queries = [line for line in lines if line]
    if not queries:
        raise InputError(f"Batch file {path} has no queries.")
    return queries


def _run_batch(path: Path, handle: Callable[[str], dict[str, Any]]) -> None:
    """One JSON line per query, in input order; a bad query gets an `error` object, the rest go on."""
    for query in _batch_lines(path):
        try:
            _print_json(handle(query))
        except InputError as exc:
            _print_json({"query": query, "error": str(exc)})


def _cited_from(c: Citation) -> str:
    """Where a citation comes from: title (file · p. N · outlet · date), leaving out what the document does not
    state."""
    page = f"p. {c.page}" if c.page else None
    return f"{escape(c.title)} ({' · '.join(escape(x) for x in (c.source, page, c.outlet, c.published) if x)})"


def _print_answer(answer: Any) -> None:
    style = "green" if answer.grounded else "yellow"
    text = answer.answer
    if answer.short_answer and text.startswith(answer.short_answer + "\n"):
        out.print(f"[bold {style}]{escape(answer.short_answer)}[/bold {style}]")
        text = text[len(answer.short_answer) + 1 :]
    out.print(f"[{style}]{escape(text)}[/{style}]")
    for c in answer.citations:
        out.print(f"  [bold][{c.n}][/bold] {_cited_from(c)} @{c.start}-{c.end}")
    related = getattr(answer, "related", [])  # a server of an older version does not send it
    if related:
        from assistant.citations import RELATED_HEADING

        out.print(f"[dim]{RELATED_HEADING.get(answer.language, RELATED_HEADING['en'])}:[/dim]")
        for c in related:
            out.print(f"  [dim]{escape(c.quote)}[/dim]\n    {_cited_from(c)} @{c.start}-{c.end}")


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: seeds/).")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Start a new index instead of adding.")] = False,
    if_missing: Annotated[
        bool,
        typer.Option("--if-missing", help="Do nothing when an index exists (but cut one of an older chunker again)."),
    ] = False,
    replace: Annotated[
        list[str] | None,
        typer.Option("--replace", metavar="NAME", help="This file replaces the indexed one of the same name."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Index files and folders (.txt, .md, .html, .pdf, .docx, .hwp, .hwpx) into the FAISS + BM25 index."""
    with user_errors():
        from index.ingest import IngestReport

        progress = not as_json and sys.stderr.isatty()  # our bars on a terminal only
        assistant = _assistant()
        if if_missing and assistant.store.exists():
            manifest = assistant.store.manifest()  # read alone: an index that needs nothing is not loaded
            if manifest.cut_by_another_chunker:  # cut its documents again, add nothing
                report = assistant.ingest_prepared([], progress=progress)
            elif as_json:  # the same object as an ingest that found nothing new
                unchanged = IngestReport(manifest.documents, manifest.chunks, unchanged_documents=manifest.documents)
                _print_json(unchanged.as_dict())
                return
            else:
                out.print(f"Index already at {_settings().index_location}; nothing to do.")
                return
        else:
            report = assistant.ingest(paths or None, rebuild=rebuild, progress=progress, replace=replace)
        for message in report.errors:
            err.print(f"[yellow]skipped:[/yellow] {escape(message)}")
        for message in report.warnings:
            err.print(f"[yellow]note:[/yellow] {escape(message)}")
        if as_json:
            _print_json(report.as_dict())
            return
        recut = f", {report.rechunked_documents} cut again by this version" if report.rechunked_documents else ""
        out.print(
            f"Indexed {report.documents} documents, {report.chunks} chunks "
            f"({report.added_documents} added, {report.unchanged_documents} unchanged, "
            f"{report.replaced_documents} replaced{recut}, {report.duplicates_removed} duplicate paragraphs removed) "
            f"in {report.seconds:.1f}s."
        )


@app.command()
def search(
    query: Annotated[str | None, typer.Argument(help="What to look for.")] = None,
    k: Annotated[int | None, typer.Option("-k", "--top-k", help="How many chunks.")] = None,
    mode: Annotated[str | None, typer.Option(help="hybrid, dense or bm25.")] = None,
    batch: BatchFile = None,
    server: ServerUrl = None,
    standalone: StandaloneFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Ranked chunks for a query."""
    with user_errors():
        if mode is not None and mode not in ("hybrid", "dense", "bm25"):
            raise InputError("--mode must be hybrid, dense or bm25.")
        backend = _backend(server, standalone, model=(mode or _settings().retrieval_mode) != "bm25")

        def run(q: str) -> dict[str, Any]:
            return {"query": q, "results": backend.search(q, k, mode)}

        if batch:
            _run_batch(batch, run)
            return
        if query is None:
            raise InputError("Give a query or --batch FILE.")
        result = run(query)
        if as_json:
            _print_json({"results": result["results"]})
            return
        from rich.table import Table

        table = Table("rank", "score", "source", "chunk", "text", show_lines=True)
        for r in result["results"]:
            table.add_row(
                str(r["rank"]), f"{r['score']:.4f}", r["source"], f"{r['start']}-{r['end']}", escape(r["text"][:160])
            )
        out.print(table)


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="A question in Korean or English.")] = None,
    session: Annotated[str | None, typer.Option("--session", help="Conversation id.")] = None,
    batch: BatchFile = None,
    server: ServerUrl = None,
    standalone: StandaloneFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """A cited answer to a question."""
    with user_errors():
        if session is not None:
            validate_session_id(session)
        backend = _backend(server, standalone)

        def run(q: str) -> dict[str, Any]:
            # With --session the turn joins that conversation (a follow-up is read in its light); without,
            # each question starts its own session, whose id the answer reports.
            return backend.ask(q, session)

        if batch:
            _run_batch(batch, run)
            return
        if question is None:
            raise InputError("Give a question or --batch FILE.")
        answer = run(question)
        if as_json:
            _print_json(answer)
        else:
            _print_answer(_view(answer))


@app.command()
def check(
    claim: Annotated[str | None, typer.Argument(help="A claim in Korean or English.")] = None,
    batch: BatchFile = None,
    server: ServerUrl = None,
    standalone: StandaloneFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """A verdict on a claim: supported, contradicted (with the source's figure) or not found."""
    with user_errors():
        backend = _backend(server, standalone)

        def run(c: str) -> dict[str, Any]:
            return backend.check(c)

        if batch:
            _run_batch(batch, run)
            return
        if claim is None:
            raise InputError("Give a claim or --batch FILE.")
        checked = run(claim)
        if as_json:
            _print_json(checked)
            return
        result = _view(checked)
        style = {"supported": "green", "contradicted": "red", "not_found": "yellow"}[result.verdict]
        out.print(f"[bold {style}]{result.verdict}[/bold {style}]  {escape(result.explanation)}")
        for c in result.evidence:
            out.print(f"  [bold][{c.n}][/bold] {escape(c.quote)}\n      {_cited_from(c)}")


sessions_app = typer.Typer(help="List, show and delete conversations.", no_args_is_help=True)
app.add_typer(sessions_app, name="sessions")


@sessions_app.command("list")
def sessions_list(as_json: JsonFlag = False) -> None:
    """Every session, most recent first."""
    with user_errors():
        summaries = _assistant().sessions.list()
        if as_json:
            _print_json({"sessions": [s.model_dump() for s in summaries]})
            return
        for s in summaries:
            out.print(f"{s.session_id}  {s.turns} turns  {escape(s.first_question[:60])}")


@sessions_app.command("show")
def sessions_show(session_id: Annotated[str, typer.Argument(help="A session id.")], as_json: JsonFlag = False) -> None:
    """One session's turns."""
    with user_errors():
        session = _assistant().sessions.get(session_id)
        if as_json:
            _print_json(session.model_dump())
            return
        for n, turn in enumerate(session.turns, start=1):
            out.print(f"[bold]{n}. {escape(turn.question)}[/bold]\n   {escape(turn.answer)}")


@sessions_app.command("delete")
def sessions_delete(session_id: Annotated[str, typer.Argument(help="A session id.")]) -> None:
    """Forget a session."""
    with user_errors():
        _assistant().sessions.delete(session_id)
        out.print(f"Deleted session {session_id}.")


@app.command("eval")
def evaluate(
    qa: Annotated[
        list[Path] | None, typer.Option("--qa", help="A QA set (JSON lines); repeat to join several.")
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="Evaluate over this folder's documents (indexed under the data dir) instead."),
    ] = None,
    split: Annotated[
        str, typer.Option("--split", help="Only this part of a development set: fit, calibrate, test or all.")
    ] = "all",
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Where to write the report (default eval/reports, or the corpus's).")
    ] = None,
    follow_ups: Annotated[
        bool,
        typer.Option(
            "--follow-ups",
            help="Ask the questions that name their article's title as follow-ups instead: after another question "
            "of the article, with the name replaced by 그 (development data for conversations).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Run a QA set; write report.md, metrics.json and charts; print the metrics."""
    with user_errors():
        from rich.table import Table

        from eval.corpus import corpus_assistant
        from eval.follow_ups import follow_up_conversations
        from eval.qa import QA_PATH, load_qa
        from eval.report import write_report
        from eval.runner import run_eval
        from eval.split import PARTS, items_in_part

        if split not in ("all", *PARTS):
            raise InputError(f"--split must be one of all, {', '.join(PARTS)}; not {split!r}.")
        items = []
        for path in qa or [QA_PATH]:
            try:
                items += load_qa(path)
            except (OSError, ValueError) as exc:
                raise InputError(f"Cannot read the QA set {path}: {str(exc).splitlines()[0]}") from exc
        assistant = corpus_assistant(_settings(), corpus, progress=True) if corpus else _assistant()
        documents = list(assistant.index.documents.values())
        if split != "all":
            items = items_in_part(items, documents, split)
        if follow_ups:
            items = follow_up_conversations(items, documents)
            if not items:
                raise InputError("No Korean question names its article's title: there are no follow-ups to ask.")
        if out_dir is None:
            out_dir = assistant.settings.data_dir / "report" if corpus else Path("eval/reports")
        metrics, results = run_eval(assistant, items, progress=True)
        written = write_report(out_dir, metrics, results, " ".join(["rag", "eval", *sys.argv[2:]]))
        if as_json:
            _print_json(metrics)
            return
        table = Table("method", "Recall@1", "Recall@5", "MRR", "nDCG@5")
        for method, m in metrics["retrieval"].items():
            table.add_row(method, *(f"{m[k]:.3f}" for k in ("recall@1", "recall@5", "mrr", "ndcg@5")))
        out.print(table)
        for key in (
            "evidence_recall",
            "citation_precision",
            "answer_correctness",
            "answered_rate",
            "short_answer_exact_match",
            "short_answer_f1",
            "refusal_accuracy",
            "claim_accuracy",
            "followup_accuracy",
            "latency_p50_ms",
            "latency_p95_ms",
        ):
            out.print(f"{key}: {metrics[key]}")
        out.print("Wrote " + ", ".join(str(p) for p in written))


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(help="A doc_id (or source file name).")],
    as_json: JsonFlag = False,
) -> None:
    """One document's cleaned text and metadata."""
    with user_errors():
        doc = _assistant().document(doc_id)
        if as_json:
            _print_json(
                doc.model_dump(
                    include={
                        "doc_id", "source", "format", "title", "outlet", "author", "published", "regions", "lang",
                        "text", "pages", "sections",
                    }
                )
            )
            return
        out.print(f"[bold]{escape(doc.title)}[/bold]  ({escape(doc.source)}, {doc.doc_id})")
        out.print(" · ".join(x for x in (doc.outlet, doc.author, doc.published, ", ".join(doc.regions)) if x))
        out.print()
        out.print(escape(doc.text))


@app.command()
def chat(
    session: Annotated[str | None, typer.Option("--session", help="Conversation id.")] = None,
    server: ServerUrl = None,
    standalone: StandaloneFlag = False,
) -> None:
    """Talk to the assistant in the terminal (empty line or /quit to leave, /history to review)."""
    with user_errors():
        backend = _backend(server, standalone)
        session_id = validate_session_id(session) if session is not None else new_session_id()
        out.print(f"정책톡 — ask in Korean or English. /history shows this session ({session_id}), /quit leaves.")
        while True:
            try:
                line = input("> ").strip()
            except EOFError:
                break
            if line in ("", "/quit", "/exit"):
                break
            if line == "/history":
                for n, turn in enumerate(_view(backend.history(session_id)), start=1):
                    out.print(f"[bold]{n}. {escape(turn.question)}[/bold]\n   {escape(turn.answer)}")
                continue
            try:
                answer = backend.ask(line, session_id)
            except InputError as exc:
                _error(str(exc))
                continue
            _print_answer(_view(answer))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (each loads the model; they share the store).")
    ] = 1,
) -> None:
    """Serve the API (OpenAPI at /docs) and the chat UI (at /) on one port with uvicorn. With several workers,
    each is a process of its own reading the settings from the environment; an upload through any of them is
    seen by all within a second (they reload when the store's generation moves)."""
    with user_errors():
        import uvicorn

        settings = _settings()
        probe = _assistant()
        warnings = (
            probe.store.manifest().warnings()
            if probe.store.exists()
            else [f"no index at {settings.index_location}; run `rag ingest` (or upload documents in the UI)."]
        )
        probe.close()  # the server opens its own connections
        for warning in warnings:
            err.print(f"[yellow]warning:[/yellow] {warning}")
        out.print(f"정책톡: UI at http://{host}:{port}/ · API docs at http://{host}:{port}/docs")
        options: dict[str, Any] = {"host": host, "port": port, "log_level": "info", "timeout_graceful_shutdown": 5}
        if workers > 1:
            uvicorn.run("assistant.api:create_app", factory=True, workers=workers, **options)
        else:
            from assistant.api import create_app

            uvicorn.run(create_app(settings), **options)


def main() -> None:
    """Console-script entry point. A finished command leaves at once: output is flushed and logging shut down,
    then `os._exit` skips tearing down the loaded analyser and model (half a second of freeing memory the
    system takes back anyway). Everything the commands write (index, sessions) is committed before."""
    try:
        app()
        code: int = 0
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
