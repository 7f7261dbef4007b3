"""Answer backends by name: `extractive` (the default: quotes only, no model), and `openai`,
`ollama` and `llamacpp`, which write with a language model and keep only what their sources
support. Each module is imported when its backend is first asked for, so listing the names
loads no model client."""

import importlib

from assistant.answer.backends.base import (
    Backend,
    ComposeRequest,
    Draft,
    Progress,
    Sentence,
    StreamingBackend,
    UnknownBackend,
    drained,
    get_backend,
    names,
    register,
)

__all__ = [
    "Backend",
    "ComposeRequest",
    "Draft",
    "Progress",
    "Sentence",
    "StreamingBackend",
    "UnknownBackend",
    "drained",
    "get_backend",
    "names",
    "register",
]


def _built_in(name: str) -> Backend:
    return importlib.import_module(f"assistant.answer.backends.{name}").backend()


for _name in ("extractive", "openai", "ollama", "llamacpp"):
    register(_name, lambda name=_name: _built_in(name))
