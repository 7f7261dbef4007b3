"""`ollama`: a model served by Ollama, through langchain-ollama; OLLAMA_HOST says where (Ollama's
own default, 127.0.0.1:11434, when unset)."""

from functools import cache

from langchain_core.language_models import BaseChatModel
from pydantic import Field

from assistant.answer.backends.base import Backend
from assistant.answer.llm import LLMBackend, LLMSettings, read_settings


class OllamaSettings(LLMSettings):
    host: str | None = Field(
        None, validation_alias="OLLAMA_HOST", description="the Ollama server, e.g. 127.0.0.1:11434"
    )
    model: str = Field(description="the Ollama model to answer with, e.g. qwen2.5:1.5b")


@cache
def _chat_model(settings: OllamaSettings) -> BaseChatModel:
    from langchain_ollama import ChatOllama

    return ChatOllama(
        base_url=settings.host,
        model=settings.model,
        num_predict=settings.max_tokens,
        temperature=settings.temperature,
        client_kwargs={"timeout": settings.timeout},
    )


def chat_model() -> BaseChatModel:
    return _chat_model(read_settings(OllamaSettings))


def backend() -> Backend:
    return LLMBackend("ollama", chat_model)
