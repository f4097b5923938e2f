"""The app's `Assistant` as FastAPI dependencies: the shared assistant and its views with another top_k."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from assistant.service import Assistant


class AssistantViews:
    """The app's assistant, and views of it with another top_k (sharing model, index and sessions)."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._views: dict[int, Assistant] = {}
        self._lock = threading.Lock()

    def get(self, top_k: int | None) -> Assistant:
        """The assistant for a request's top_k (called in the thread pool: it may load the index)."""
        if top_k is None or top_k == self.assistant.settings.top_k:
            return self.assistant
        current = self.assistant.index
        with self._lock:
            view = self._views.get(top_k)
            if view is None or view.index is not current:  # rebuilt after an upload changed the index
                view = self._views[top_k] = self.assistant.with_top_k(top_k)
            return view


async def get_views(request: Request) -> AssistantViews:  # async: resolved on the loop, not in a worker thread
    """The app's `AssistantViews`."""
    return request.app.state.views


async def get_assistant(request: Request) -> Assistant:
    """The app's assistant (the default top_k)."""
    return request.app.state.views.assistant


Views = Annotated[AssistantViews, Depends(get_views)]
Assistant_ = Annotated[Assistant, Depends(get_assistant)]
