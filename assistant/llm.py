"""LangChain chat models for the LLM backends, built from settings.

* `openai`: `ChatOpenAI` against any OpenAI-compatible server (vLLM, llama.cpp's server, Ollama's `/v1`);
* `ollama`: `ChatOllama` against Ollama's own API;
* `llamacpp`: a GGUF file in-process through llama-cpp-python (`pip install .[llama]`), wrapped by the
  small `LlamaCppChatModel` below (langchain-community's `ChatLlamaCpp` would pull in a large package for
  one class).

Every backend gets a bounded timeout and no retries: a dead server must turn into a quick fallback, not a
hang. `python -m assistant.llm --model FILE.gguf --port 8080` runs llama-cpp-python's OpenAI-compatible
server with the same safe CPU settings as the in-process backend (see `no_cpu_repack`).
"""

from __future__ import annotations

import contextlib
import runpy
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr

from assistant.settings import Settings
from index.errors import InputError, ModelUnavailableError

DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"
LLAMA_EXTRA = "pip install .[llama]  (llama-cpp-python)"
_ROLES = {"system": "system", "human": "user", "ai": "assistant", "tool": "tool"}
_PATCH_LOCK = threading.RLock()
_CACHE_LOCK = threading.Lock()
_CACHE: dict[tuple[Any, ...], BaseChatModel] = {}


def model_name(settings: Settings) -> str:
    """The model's name as answers report it (`llm:<name>`)."""
    if settings.llm == "llamacpp" and not settings.llm_model and settings.llm_model_path:
        return Path(settings.llm_model_path).stem
    return settings.llm_model or settings.llm


def describe_error(exc: BaseException) -> str:
    """A one-line description of a backend failure (class and message, without a traceback)."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


@contextlib.contextmanager
def no_cpu_repack() -> Iterator[None]:
    """Load llama.cpp models without the "extra buffer types" that repack weights for AMX/AVX kernels.

    On some virtual machines the CPU advertises AMX but the tile instructions fault, which kills the
    whole process at the first matrix product (SmolLM2's Q4_1 weights take that path). The plain CPU
    kernels are correct everywhere and, for small models, about as fast.
    """
    import llama_cpp.llama_cpp as low

    with _PATCH_LOCK:
        original = low.llama_model_default_params

        def params() -> Any:
            value = original()
            value.use_extra_bufts = False
            return value

        low.llama_model_default_params = params
        try:
            yield
        finally:
            low.llama_model_default_params = original


def _require_llama_cpp() -> None:
    try:
        import llama_cpp  # noqa: F401
    except ImportError as exc:  # not installed, or its native library does not load
        raise ModelUnavailableError(
            f"RAG_LLM=llamacpp needs llama-cpp-python, which cannot be imported ({exc}): {LLAMA_EXTRA}."
        ) from exc


def _message_dict(message: BaseMessage) -> dict[str, str]:
    role = _ROLES.get(message.type)
    if role is None:
        raise ValueError(f"llama.cpp chat has no role for a {message.type!r} message")
    return {"role": role, "content": message.text}


class LlamaCppChatModel(BaseChatModel):
    """A GGUF model run in-process by llama-cpp-python, as a LangChain chat model (streams tokens).

    The model is loaded on first use; calls are serialised (a llama.cpp context is not thread-safe).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = 4096
    n_threads: int | None = None
    max_tokens: int = 512
    temperature: float = 0.0
    cpu_repack: bool = Field(False, description="Allow llama.cpp's weight repacking (AMX/AVX kernels).")
    _llama: Any = PrivateAttr(None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "temperature": self.temperature}

    def _load(self) -> Any:
        if self._llama is None:
            _require_llama_cpp()
            from llama_cpp import Llama

            if not Path(self.model_path).is_file():
                raise ModelUnavailableError(f"No GGUF file at {self.model_path} (RAG_LLM_MODEL_PATH).")
            repack = contextlib.nullcontext() if self.cpu_repack else no_cpu_repack()
            with repack:
                self._llama = Llama(
                    model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False
                )
        return self._llama

    def _completion(self, messages: list[BaseMessage], stop: list[str] | None, stream: bool, **kwargs: Any) -> Any:
        return self._load().create_chat_completion(
            messages=[_message_dict(m) for m in messages],
            max_tokens=kwargs.get("max_tokens", self.max_tokens),
            temperature=kwargs.get("temperature", self.temperature),
            stop=stop or [],
            stream=stream,
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:
            response = self._completion(messages, stop, False, **kwargs)
        choice = response["choices"][0]
        message = AIMessage(content=choice["message"].get("content") or "", usage_metadata=_usage(response))
        info = {"finish_reason": choice.get("finish_reason")}
        return ChatResult(generations=[ChatGeneration(message=message, generation_info=info)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self._lock:
            for part in self._completion(messages, stop, True, **kwargs):
                delta = part["choices"][0].get("delta", {}).get("content")
                if not delta:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                if run_manager:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk


def _usage(response: dict[str, Any]) -> Any:
    usage = response.get("usage")
    if not usage:
        return None
    return {
        "input_tokens": usage.get("prompt_tokens", 0),
        "output_tokens": usage.get("completion_tokens", 0),
        "total_tokens": usage.get("total_tokens", 0),
    }


def _build(settings: Settings) -> BaseChatModel:
    backend = settings.llm
    if backend == "openai":
        from langchain_openai import ChatOpenAI

        if not settings.llm_base_url or not settings.llm_model:
            raise InputError("RAG_LLM=openai needs RAG_LLM_BASE_URL (e.g. http://127.0.0.1:8080/v1) and RAG_LLM_MODEL.")
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
        return ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=key,  # type: ignore[arg-type]
            timeout=settings.llm_timeout,
            max_retries=0,
            temperature=settings.llm_temperature,
            # ChatOpenAI sends its own `max_tokens` as `max_completion_tokens`, which llama-cpp-python's server
            # (and older vLLM) ignore, so a small model would write until its context is full. `max_tokens` is
            # the field every OpenAI-compatible server reads.
            extra_body={"max_tokens": settings.llm_max_tokens},
        )
    if backend == "ollama":
        from langchain_ollama import ChatOllama

        if not settings.llm_model:
            raise InputError("RAG_LLM=ollama needs RAG_LLM_MODEL (e.g. qwen2.5:7b).")
        headers = {}
        if settings.llm_api_key:
            headers["Authorization"] = f"Bearer {settings.llm_api_key.get_secret_value()}"
        return ChatOllama(
            model=settings.llm_model,
            base_url=settings.llm_base_url or DEFAULT_OLLAMA_URL,
            temperature=settings.llm_temperature,
            num_predict=settings.llm_max_tokens,
            client_kwargs={"timeout": settings.llm_timeout, "headers": headers},
        )
    if backend == "llamacpp":
        _require_llama_cpp()
        if not settings.llm_model_path:
            raise InputError("RAG_LLM=llamacpp needs RAG_LLM_MODEL_PATH (a .gguf file).")
        if not Path(settings.llm_model_path).is_file():
            raise ModelUnavailableError(f"No GGUF file at {settings.llm_model_path} (RAG_LLM_MODEL_PATH).")
        return LlamaCppChatModel(
            model_path=str(settings.llm_model_path),
            n_ctx=settings.llm_n_ctx,
            n_threads=settings.llm_n_threads,
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
            cpu_repack=settings.llm_cpu_repack,
        )
    raise InputError(f"RAG_LLM={backend!r} has no chat model; use openai, ollama or llamacpp.")


def _cache_key(settings: Settings) -> tuple[Any, ...]:
    fields = settings.model_dump(include={name for name in Settings.model_fields if name.startswith("llm")})
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return (*sorted((k, str(v)) for k, v in fields.items() if k != "llm_api_key"), key)


def chat_model(settings: Settings) -> BaseChatModel:
    """The chat model the settings describe, built once per distinct configuration (a local GGUF is loaded
    once per process). Raises InputError for incomplete settings, ModelUnavailableError for a missing extra."""
    key = _cache_key(settings)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = _build(settings)
        return _CACHE[key]


def serve(argv: list[str]) -> None:
    """Run llama-cpp-python's OpenAI-compatible server (same arguments) without CPU weight repacking."""
    _require_llama_cpp()
    sys.argv = ["llama_cpp.server", *argv]
    with no_cpu_repack():
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    serve(sys.argv[1:])
