"""`openai`: any OpenAI-compatible server (vLLM, llama.cpp's server, LM Studio, Ollama's /v1,
OpenAI itself) through langchain-openai. A local server needs no key, so a placeholder is sent
when none is set."""

from functools import cache

from langchain_core.language_models import BaseChatModel
from pydantic import Field, SecretStr

from assistant.answer.backends.base import Backend
from assistant.answer.llm import LLMBackend, LLMSettings, read_settings

PLACEHOLDER_KEY = "not-needed"


class OpenAISettings(LLMSettings):
    base_url: str = Field(
        description="the server's OpenAI-compatible address, e.g. http://127.0.0.1:8080/v1"
    )
    model: str = Field("default", description="the model name the server knows")
    api_key: SecretStr = Field(
        SecretStr(PLACEHOLDER_KEY), description="the server's API key; local servers need none"
    )


@cache
def _chat_model(settings: OpenAISettings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.base_url,
        model=settings.model,
        api_key=settings.api_key,
        timeout=settings.timeout,
        max_retries=0,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
    )


def chat_model() -> BaseChatModel:
    return _chat_model(read_settings(OpenAISettings))


def backend() -> Backend:
    return LLMBackend("openai", chat_model)
