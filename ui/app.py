"""The Gradio chat UI, mounted at `/` of the API app and calling the same `Assistant` in-process.

Tabs: chat (streamed answers, session memory, clickable [n] citations, a source panel with the quoted span
highlighted), claim check (colour-coded verdict, conflicting figure, evidence) and documents (list and
upload). A header toggle switches the labels between Korean and English. HTML comes from `ui.render`.
"""

from __future__ import annotations

import hmac
import time
from html import escape
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
from fastapi import FastAPI

from assistant.answer import Answer
from assistant.citations import Citation
from assistant.claims import ClaimCheck
from assistant.service import Assistant
from assistant.small_talk import SMALL_TALK
from assistant.uploads import configured_api_key, index_upload
from index.chunking import RECUT_HINT
from index.errors import RagError
from index.loaders import supported_suffixes
from ui import render
from ui.i18n import LANGUAGES, label

EXAMPLE_QUESTIONS = [
    "광주 AI 집적단지에 투자되는 금액은?",
    "경상북도가 2017년에 만든 4차산업혁명 대응 조직은?",
    "What is the SW 미래채움 project in Gyeongbuk?",
    "When was the battery recycling free regulation zone designated in Pohang?",
]
EXAMPLE_CLAIMS = [
    "경상북도는 2018년 8월 지자체 최초로 4차산업혁명 전략위원회를 출범시켰다.",
    "Gyeongbuk held its new electronics industry launch ceremony in Pohang.",
]

CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto !important; }
#header { align-items: center; gap: 8px; }
#header h2 { margin: 0; }
#header > * { flex: 1 1 260px; }
#header > #lang { flex: 0 0 auto !important; width: auto !important; min-width: 210px !important; }
#status { color: var(--body-text-color-subdued); }
#status { min-height: 1.6em; font-size: 0.92em; }
a.cite-ref { font-weight: 700; text-decoration: none; color: var(--color-accent); cursor: pointer; padding: 0 1px; }
a.cite-ref:hover { text-decoration: underline; }
.short-answer { font-size: 1.08em; }
mark .answer-mark { background: #ffd33d; outline: 1px solid #d4a72c; }
.cite-list h4, .source-panel h4, .doc-list h4 { margin: 4px 0 6px; }
.cite-items { list-style: none; padding: 0 !important; margin: 0 !important; }
.cite-btn { display: block; width: 100%; text-align: left; cursor: pointer; margin: 4px 0; padding: 6px 10px;
  border: 1px solid var(--border-color-primary); border-radius: 8px; background: var(--background-fill-secondary);
  color: var(--body-text-color); font: inherit; }
.cite-btn:hover, .cite-btn.active { border-color: var(--color-accent); }
.cite-n { font-weight: 700; color: var(--color-accent); }
.cite-meta, .source-meta, .source-file { display: block; font-size: 0.85em; opacity: 0.75; }
.cite-list.empty, .source-panel.empty, .source-panel.missing { opacity: 0.75; font-size: 0.92em; }
.source-panel mark, .claim-result mark { background: #ffe066; color: #111; padding: 0 2px; border-radius: 3px; }
.source-context { white-space: pre-wrap; max-height: 340px; overflow-y: auto; margin: 8px 0 !important;
  padding: 8px 10px !important; border-left: 4px solid var(--color-accent) !important; }
.source-text { white-space: pre-wrap; max-height: 420px; overflow-y: auto; font-size: 0.92em; }
.verdict-badge { color: #fff; border-radius: 999px; padding: 4px 14px; font-weight: 700; display: inline-block; }
.evidence { padding-left: 1.2em; }
.evidence-quote { margin: 4px 0 !important; }
.doc-table { width: 100%; border-collapse: collapse; font-size: 0.92em; }
.doc-table th, .doc-table td { padding: 6px 8px; border-bottom: 1px solid var(--border-color-primary); text-align: left;
  vertical-align: top; }
.doc-table code { word-break: break-all; }
.doc-warning { padding: 6px 10px; border-left: 3px solid var(--color-accent);
  background: var(--background-fill-secondary); }
.doc-list table, .doc-list tr { border: 0 !important; }
@media (max-width: 640px) {
  .gradio-container { padding: 4px !important; }
  #chatbot { height: 380px !important; }
  .doc-table thead { display: none; }
  .doc-table tr { display: block; border-bottom: 2px solid var(--border-color-primary) !important; padding: 6px 0; }
  .doc-table td { display: block; border: 0 !important; padding: 2px 4px; }
  .doc-table td::before { content: attr(data-label) ": "; font-weight: 600; }
}
"""

# A click on an inline [n] in an answer opens that citation through the citation list's event.
JS = """
() => {
  document.addEventListener('click', (event) => {
    const ref = event.target.closest ? event.target.closest('a.cite-ref') : null;
    if (!ref) return;
    event.preventDefault();
    event.stopPropagation();
    const [, n, doc, start, end, astart, aend] = (ref.getAttribute('href') || '').split('/');
    const host = document.querySelector('#citations .cite-list');
    const detail = {n: n, doc: decodeURIComponent(doc || ''), start: start, end: end, astart: astart, aend: aend};
    if (host) host.dispatchEvent(new CustomEvent('cite-open', {bubbles: true, detail: detail}));
  }, true);
}
"""

CITATIONS_JS = """
const open = (data) => {
  const answer = data.astart ? {astart: Number(data.astart), aend: Number(data.aend)} : {};
  trigger('click', {n: Number(data.n), doc: data.doc, start: Number(data.start), end: Number(data.end), ...answer});
  element.querySelectorAll('.cite-btn').forEach((b) => b.classList.toggle('active', b.dataset.n === String(data.n)));
  const panel = document.getElementById('source-panel');
  if (panel && panel.getBoundingClientRect().top > window.innerHeight) panel.scrollIntoView({behavior: 'smooth'});
};
element.addEventListener('click', (event) => {
  const button = event.target.closest('.cite-btn');
  if (button) open(button.dataset);
});
element.addEventListener('cite-open', (event) => open(event.detail));
"""

# Scroll the highlighted quote into the middle of its (scrollable) context box whenever the panel changes.
SOURCE_JS = """
watch('value', () => {
  const mark = element.querySelector('.source-context mark');
  if (!mark) return;
  const box = mark.closest('.source-context');
  box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 3;
});
"""

FONTS = ["Pretendard", "Apple SD Gothic Neo", "Malgun Gothic", "NanumGothic", "Noto Sans KR", "system-ui", "sans-serif"]


def theme() -> gr.themes.Base:
    """A theme with local fonts only (the server and its users may be offline)."""
    return gr.themes.Soft(primary_hue="blue", font=FONTS, font_mono=["ui-monospace", "monospace"])


# ---------------------------------------------------------------------------------------------------------
# Event handlers (plain functions over the assistant; the UI wiring is in build_ui)
# ---------------------------------------------------------------------------------------------------------


def _cited_list(cited: dict[str, Any] | None, language: str) -> str:
    """The citation list of the last answer again (`cited`: its heading and citations, as `chat_turn` keeps them)."""
    cited = cited or {}
    citations = [Citation.model_validate(c) for c in cited.get("citations", [])]
    return render.citation_list_html(citations, language, heading=cited.get("heading", "citations"))


def final_message(answer: Answer) -> str:
    """The chat bubble of a finished answer: text with clickable [n]."""
    return render.answer_html(answer.answer, answer.citations, answer.short_answer, answer.short_answer_span)


def status_for(answer: Answer, seconds: float, lang: str) -> str:
    """The line under the chat after an answer (with the generator's warnings, when it has any)."""
    if answer.generator == SMALL_TALK:  # a greeting or thanks: nothing was looked up
        status = label(lang, "small_talk", session=answer.session_id)
    elif not answer.grounded:
        status = label(lang, "not_found", session=answer.session_id)
    else:
        status = label(lang, "done", n=len(answer.citations), seconds=seconds, session=answer.session_id)
    warnings = getattr(answer, "warnings", None) or []
    return status + "".join(f"  \n{label(lang, 'warning', message=str(w))}" for w in warnings)


def chat_turn(assistant: Assistant, message: str, history: list[dict[str, Any]] | None, session_id: str | None,
              lang: str):
    """Stream one turn: yields (chat history, session id, citation list HTML, citations, status, textbox)."""
    history = list(history or [])
    cites_html = gr.skip()
    question = (message or "").strip()
    if not question:
        yield history, session_id, cites_html, gr.skip(), label(lang, "empty"), message
        return
    history += [{"role": "user", "content": question}, {"role": "assistant", "content": ""}]
    yield history, session_id, cites_html, gr.skip(), label(lang, "working"), ""
    started = time.perf_counter()
    try:
        answer: Answer | None = None
        text = ""
        for event in assistant.ask_stream(question, session_id or None):
            if event.kind == "token":
                text += event.text
                history[-1] = {"role": "assistant", "content": render.escape_markdown(text)}
                yield history, session_id, cites_html, gr.skip(), label(lang, "working"), ""
            elif event.answer is not None:
                answer = event.answer
        if answer is None:
            raise RagError("The answer generator stopped without an answer." if lang == "en" else
                           "답변 생성이 끝까지 되지 않았습니다.")
    except RagError as exc:
        history[-1] = {"role": "assistant", "content": label(lang, "error", message=str(exc))}
        yield history, session_id, cites_html, gr.skip(), label(lang, "error", message=str(exc)), ""
        return
    history[-1] = {"role": "assistant", "content": final_message(answer)}
    # A refusal shows the closest sentences instead, under their own heading.
    shown, heading = (answer.citations, "citations") if answer.grounded else (answer.related, "related")
    cites = {"heading": heading, "citations": [c.model_dump() for c in shown]}
    status = status_for(answer, time.perf_counter() - started, lang)
    cites_html = render.citation_list_html(shown, lang, answer.short_answer_span, heading)
    yield history, answer.session_id, cites_html, cites, status, ""


def open_source(assistant: Assistant, data: dict[str, Any], lang: str) -> tuple[str, dict[str, Any] | None]:
    """The source panel for a clicked citation `{doc, start, end, n, astart?, aend?}` (as sent by the page; the
    a- offsets are the short answer's)."""
    try:
        document = assistant.document(str(data["doc"]))
        start, end, n = int(data["start"]), int(data["end"]), int(data.get("n") or 0) or None
        answer = (int(data["astart"]), int(data["aend"])) if data.get("astart") is not None else None
    except (KeyError, TypeError, ValueError, RagError):
        return render.source_html(None, 0, 0, None, lang), None
    opened = {"doc": document.doc_id, "start": start, "end": end, "n": n, "astart": data.get("astart"),
              "aend": data.get("aend")}
    return render.source_html(document, start, end, n, lang, answer=answer), opened


def documents_table(assistant: Assistant, lang: str) -> str:
    """The documents tab's table (or why there is none)."""
    try:
        index = assistant.index
    except RagError as exc:
        return f"<p>{escape(str(exc))}</p>"
    summary = label(
        lang, "doc_count", documents=len(index.documents), chunks=len(index.chunks),
        model=index.manifest.embedding_model,
    )
    # The index's warnings are those the CLI and /health give (`Manifest.warnings()`), in the UI's language.
    translated = {RECUT_HINT: label(lang, "index_outdated")}
    warnings = [translated.get(warning, warning) for warning in index.manifest.warnings()]
    notices = "".join(f"<p class='doc-warning'>{escape(warning)}</p>" for warning in warnings)
    return notices + render.documents_html(index.documents.values(), lang, summary)


def upload_label(lang: str) -> str:
    """The upload box's label, naming the formats it takes."""
    return label(lang, "upload", formats=", ".join(supported_suffixes()))


def upload_file(assistant: Assistant, path: str | None, key: str | None, lang: str) -> tuple[str, str]:
    """Index an uploaded file: (status message, refreshed documents table)."""
    if not path:
        return label(lang, "upload_none"), documents_table(assistant, lang)
    expected = configured_api_key(assistant)
    try:
        if expected is not None and not hmac.compare_digest((key or "").encode(), expected.encode()):
            raise RagError("This needs the API key." if lang == "en" else "API 키가 필요합니다.")
        result = index_upload(assistant, Path(path).name, Path(path).read_bytes())
    except RagError as exc:
        return label(lang, "error", message=str(exc)), documents_table(assistant, lang)
    doc = result.document
    message = label(
        lang, f"upload_{result.status}", name=result.filename, title=doc.title, source=doc.source,
        documents=result.report.documents, chunks=result.report.chunks,
    )
    return message, documents_table(assistant, lang)


def check_claim(assistant: Assistant, claim: str, lang: str):
    """Yields (result HTML, the check as a dict) — first a working note, then the verdict."""
    yield f"<p>{escape(label(lang, 'checking'))}</p>", gr.skip()
    try:
        result = assistant.check(claim)
    except RagError as exc:
        yield f"<p>{escape(label(lang, 'error', message=str(exc)))}</p>", None
        return
    yield render.claim_html(result, lang), result.model_dump()


# ---------------------------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------------------------


class Widgets(SimpleNamespace):
    """The components the event wiring needs, by name."""


def _header(w: Widgets, lang: str) -> None:
    with gr.Row(elem_id="header"):
        w.title = gr.Markdown(label(lang, "title"))
        w.lang = gr.Radio(
            choices=list(LANGUAGES), value=lang, show_label=False, container=False, elem_id="lang", interactive=True
        )
    w.subtitle = gr.Markdown(subtitle(lang))


def _chat_tab(w: Widgets, lang: str) -> None:
    with gr.Tab(label(lang, "tab_chat"), id="chat") as w.chat_tab, gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            w.chatbot = gr.Chatbot(
                label=label(lang, "chatbot"), placeholder=label(lang, "chat_placeholder"),
                elem_id="chatbot", height=480, buttons=["copy"],
            )
            w.status = gr.Markdown("", elem_id="status")
            with gr.Row():
                w.message = gr.Textbox(
                    label=label(lang, "message"), placeholder=label(lang, "message_placeholder"),
                    elem_id="message", scale=5, lines=1, max_lines=4,
                )
                w.send = gr.Button(label(lang, "send"), variant="primary", scale=1, min_width=90, elem_id="send")
            gr.Examples([[q] for q in EXAMPLE_QUESTIONS], inputs=[w.message], label="예시 · Examples")
            w.new_chat = gr.Button(label(lang, "new_chat"), size="sm", elem_id="new-chat")
        with gr.Column(scale=2, min_width=300):
            w.citations = gr.HTML(render.citation_list_html([], lang), elem_id="citations", js_on_load=CITATIONS_JS)
            w.source = gr.HTML(render.source_placeholder(lang), elem_id="source-panel", js_on_load=SOURCE_JS)


def _claim_tab(w: Widgets, lang: str) -> None:
    with gr.Tab(label(lang, "tab_claim"), id="claim") as w.claim_tab:
        w.claim = gr.Textbox(
            label=label(lang, "claim"), placeholder=label(lang, "claim_placeholder"), elem_id="claim", lines=2
        )
        w.check = gr.Button(label(lang, "check"), variant="primary", elem_id="check")
        gr.Examples([[c] for c in EXAMPLE_CLAIMS], inputs=[w.claim], label="예시 · Examples")
        w.verdict = gr.HTML(claim_placeholder(lang), elem_id="verdict")


def _docs_tab(w: Widgets, lang: str, needs_key: bool) -> None:
    with gr.Tab(label(lang, "tab_docs"), id="docs") as w.docs_tab:
        with gr.Row(equal_height=False):
            w.upload = gr.File(
                label=upload_label(lang), file_types=supported_suffixes(), type="filepath", elem_id="upload",
                scale=3, min_width=240, height=150,
            )
            with gr.Column(scale=1, min_width=160):
                w.key = gr.Textbox(label=label(lang, "upload_key"), type="password", visible=needs_key)
                w.index_button = gr.Button(label(lang, "upload_button"), variant="primary", elem_id="index")
        w.upload_status = gr.Markdown("", elem_id="upload-status")
        w.docs = gr.HTML(elem_id="documents")


def subtitle(lang: str) -> str:
    return label(lang, "subtitle") + "  ·  [API /docs](/docs)"


def claim_placeholder(lang: str) -> str:
    return f"<p>{escape(label(lang, 'claim_result_placeholder'))}</p>"


# ---------------------------------------------------------------------------------------------------------
# Wiring
# ---------------------------------------------------------------------------------------------------------


def _wire_chat(w: Widgets, assistant: Assistant) -> None:
    def chat(text: str, history: list[dict[str, Any]] | None, session_id: str | None, language: str):
        yield from chat_turn(assistant, text, history, session_id, language)

    inputs = [w.message, w.chatbot, w.session, w.lang]
    outputs = [w.chatbot, w.session, w.citations, w.cites, w.status, w.message]
    w.send.click(chat, inputs, outputs, api_name="chat", show_progress="minimal")
    w.message.submit(chat, inputs, outputs, api_visibility="private", show_progress="minimal")

    def reset(language: str) -> tuple[Any, ...]:
        return ([], None, render.citation_list_html([], language), None, render.source_placeholder(language), None,
                label(language, "new_session"))

    w.new_chat.click(
        reset, [w.lang], [w.chatbot, w.session, w.citations, w.cites, w.source, w.opened, w.status],
        api_name="new_chat",
    )

    def show_source(language: str, event: gr.EventData) -> tuple[str, dict[str, Any] | None]:
        return open_source(assistant, getattr(event, "_data", None) or {}, language)

    w.citations.click(show_source, [w.lang], [w.source, w.opened], api_visibility="private", show_progress="hidden")

    def source(doc_id: str, start: int, end: int, n: int, language: str) -> str:
        """The source panel HTML for one citation (what clicking [n] shows)."""
        return open_source(assistant, {"doc": doc_id, "start": start, "end": end, "n": n}, language)[0]

    gr.api(source, api_name="source")


def _wire_claims_and_docs(w: Widgets, demo: gr.Blocks, assistant: Assistant) -> None:
    def run_check(text: str, language: str):
        yield from check_claim(assistant, text, language)

    w.check.click(run_check, [w.claim, w.lang], [w.verdict, w.checked], api_name="check")
    w.claim.submit(run_check, [w.claim, w.lang], [w.verdict, w.checked], api_visibility="private")

    def run_upload(path: str | None, api_key: str | None, language: str) -> tuple[str, str]:
        return upload_file(assistant, path, api_key, language)

    w.index_button.click(run_upload, [w.upload, w.key, w.lang], [w.upload_status, w.docs], api_name="upload")

    def list_documents(language: str) -> str:
        return documents_table(assistant, language)

    demo.load(list_documents, [w.lang], [w.docs], api_name="documents")


def _wire_language(w: Widgets, assistant: Assistant) -> None:
    def relabel(language: str, cited: dict[str, Any] | None, shown: dict[str, Any] | None,
                check_data: dict[str, Any] | None) -> tuple[Any, ...]:
        def t(key: str) -> str:
            return label(language, key)

        source_panel = open_source(assistant, shown, language)[0] if shown else render.source_placeholder(language)
        verdict = (
            render.claim_html(ClaimCheck.model_validate(check_data), language) if check_data
            else claim_placeholder(language)
        )
        return (
            t("title"), subtitle(language),
            gr.Tab(label=t("tab_chat")), gr.Tab(label=t("tab_claim")), gr.Tab(label=t("tab_docs")),
            gr.Chatbot(label=t("chatbot"), placeholder=t("chat_placeholder")),
            gr.Textbox(label=t("message"), placeholder=t("message_placeholder")),
            gr.Button(t("send")), gr.Button(t("new_chat")),
            _cited_list(cited, language), source_panel,
            gr.Textbox(label=t("claim"), placeholder=t("claim_placeholder")), gr.Button(t("check")), verdict,
            gr.File(label=upload_label(language)), gr.Textbox(label=t("upload_key")), gr.Button(t("upload_button")),
            documents_table(assistant, language),
        )

    w.lang.change(
        relabel, [w.lang, w.cites, w.opened, w.checked],
        [w.title, w.subtitle, w.chat_tab, w.claim_tab, w.docs_tab, w.chatbot, w.message, w.send, w.new_chat,
         w.citations, w.source, w.claim, w.check, w.verdict, w.upload, w.key, w.index_button, w.docs],
        api_visibility="private", show_progress="hidden",
    )


def build_ui(assistant: Assistant, lang: str = "ko") -> gr.Blocks:
    """The Blocks app over `assistant` (labels in `lang` until the toggle changes them)."""
    w = Widgets()
    with gr.Blocks(title="정책톡 · Policy RAG", analytics_enabled=False) as demo:
        w.session, w.cites, w.opened, w.checked = gr.State(None), gr.State(None), gr.State(None), gr.State(None)
        _header(w, lang)
        with gr.Tabs():
            _chat_tab(w, lang)
            _claim_tab(w, lang)
            _docs_tab(w, lang, needs_key=configured_api_key(assistant) is not None)
        _wire_chat(w, assistant)
        _wire_claims_and_docs(w, demo, assistant)
        _wire_language(w, assistant)
    return demo


def mount_ui(app: FastAPI, assistant: Assistant) -> FastAPI:
    """Mount the UI at `/` of `app` (after the API routes, which keep precedence)."""
    return gr.mount_gradio_app(
        app, build_ui(assistant), path="/", css=CSS, js=JS, theme=theme(), ssr_mode=False,
        max_file_size=assistant.settings.max_file_bytes, footer_links=["api"],
    )
