"""The HTTP API (FastAPI) and, mounted at `/`, the Gradio chat UI: one process, one port.

`create_app(settings)` builds the app around one `Assistant` (index and model loaded once, at start-up).
Every endpoint that searches, embeds or reads the index runs in the thread pool (plain `def` endpoints,
or `run_in_threadpool`), never on the event loop. Errors are JSON `{detail}`: a `RagError` gives its own
status code, a bad request body 422, an unexpected bug a logged 500 without a traceback.

Modules: `app` (the factory), `schemas`, `errors`, `middleware` (body limits, API key, rate limit),
`dependencies`, `streaming` (server-sent events), `openai` (the OpenAI-compatible endpoints) and
`routes/` (one router per group of JSON endpoints).
"""

from assistant.api.app import create_app

__all__ = ["create_app"]
