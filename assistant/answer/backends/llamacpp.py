"""`llamacpp`: a local GGUF file run in this process by llama-cpp-python (the optional `llm`
extra), for a machine with no model server. HKLAW_LLM_GGUF names the file; README ("Getting the
local model") says which model runs on two cores and how to fetch it.

LangChain's own llama.cpp chat model comes with the whole langchain-community package, so a thin
adapter over `Llama.create_chat_completion` stands in for it here."""

import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr

from assistant.answer.backends.base import Backend
from assistant.answer.llm import LLMBackend, LLMSettings, ModelUnavailable, read_settings

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class LlamaCppSettings(LLMSettings):
    gguf: Path = Field(description="the GGUF model file, e.g. models/qwen2.5-1.5b-instruct.gguf")
    context: int = Field(4096, gt=0, description="tokens of context the model is loaded with")
    threads: int | None = Field(None, gt=0, description="CPU threads; llama.cpp's choice if unset")


class LlamaCppChat(BaseChatModel):
    """A loaded llama.cpp model as a LangChain chat model. One reply at a time: a llama.cpp
    context cannot serve two."""

    llama: Any
    max_tokens: int
    temperature: float
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(chunk.text for chunk in self._stream(messages, stop, run_manager))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        turns = [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages]
        with self._lock:
            parts = self.llama.create_chat_completion(
                messages=turns,
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                stop=stop,
                stream=True,
            )
            for part in parts:
                text = part["choices"][0]["delta"].get("content") or ""
                if not text:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk


@cache
def _chat_model(settings: LlamaCppSettings) -> BaseChatModel:
    """Loaded once per file and settings: loading takes seconds and a gigabyte of memory."""
    if not settings.gguf.is_file():
        raise ModelUnavailable(f"HKLAW_LLM_GGUF: no model file at {settings.gguf}")
    from llama_cpp import Llama

    llama = Llama(
        model_path=str(settings.gguf),
        n_ctx=settings.context,
        n_threads=settings.threads,
        verbose=False,
    )
    return LlamaCppChat(
        llama=llama, max_tokens=settings.max_tokens, temperature=settings.temperature
    )


def chat_model() -> BaseChatModel:
    return _chat_model(read_settings(LlamaCppSettings))


def backend() -> Backend:
    return LLMBackend("llamacpp", chat_model)
