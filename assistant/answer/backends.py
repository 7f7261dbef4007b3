"""Answer backends: what turns retrieved sources into a cited draft.

One small interface, so the extractive baseline and any LLM backend are compared like for like:
each gets the same request and returns a draft whose every line carries citation markers; the
pipeline then verifies the draft and adds the sources list and the disclaimer. Backends register
by name, in the manner of simonw/llm plugins.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from pydantic import BaseModel

from assistant.answer.messages import Language
from assistant.answer.schema import Citation
from assistant.retrieve.hybrid import Hit
from assistant.store import Index


@dataclass(frozen=True)
class ComposeRequest:
    """`question` is what was searched: a follow-up joined to the question it follows. `asked`
    is the follow-up's own words, which say what is asked about that topic; empty when the
    question stands on its own. `discussed` holds, for a follow-up, the sections the previous
    answer was about, which "that" and "it" refer to; `named`, the chunks of the provisions the
    question names itself ("s.64(3A) of the PDPO"), which it is answered from."""

    question: str
    language: Language
    victim: bool
    hits: list[Hit]
    help: list[Hit]
    index: Index
    asked: str = ""
    discussed: tuple[str, ...] = ()
    named: tuple[str, ...] = ()


class Draft(BaseModel):
    """Markdown whose claims carry [n] markers, and the citations the markers point to.
    `short_answer` holds the lines of the short answer, which `body` also contains."""

    short_answer: str = ""
    body: str = ""
    citations: list[Citation] = []


class Backend(Protocol):
    name: str

    def compose(self, request: ComposeRequest) -> Draft: ...


class UnknownBackend(ValueError):
    """The backend name is not registered; the message lists the ones that are."""


_FACTORIES: dict[str, Callable[[], Backend]] = {}


def register(name: str, factory: Callable[[], Backend]) -> None:
    _FACTORIES[name] = factory


def names() -> list[str]:
    return sorted(_FACTORIES)


@cache
def get_backend(name: str) -> Backend:
    """One instance per name and process: a backend may hold a loaded model."""
    if name not in _FACTORIES:
        raise UnknownBackend(f"unknown backend {name!r}: choose one of {', '.join(names())}")
    return _FACTORIES[name]()


def _extractive() -> Backend:
    from assistant.answer.extractive import ExtractiveBackend

    return ExtractiveBackend()


register("extractive", _extractive)
