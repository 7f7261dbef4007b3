"""The backend interface and registry: what turns retrieved sources into a cited draft.

One small interface, so the extractive baseline and any LLM backend are compared like for like:
each gets the same request and returns a draft whose every line carries citation markers; the
pipeline then verifies the draft and adds the sources list and the disclaimer. Backends register
by name, in the manner of simonw/llm plugins, the built-in ones through the same call as any other.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, Field

from assistant.answer.messages import Language
from assistant.answer.schema import Citation

if TYPE_CHECKING:
    from assistant.retrieve.hybrid import Hit
    from assistant.store import Index


@dataclass(frozen=True)
class ComposeRequest:
    """`question` is what was searched: a follow-up joined to the question it follows. `asked`
    is the follow-up's own words, which say what is asked about that topic; empty when the
    question stands on its own. `discussed` holds, for a follow-up, the sections the previous
    answer was about, which "that" and "it" refer to; `named`, the chunks of the provisions the
    question names itself ("s.64(3A) of the PDPO"), which it is answered from. `wording` is the
    question as the person put it (joined to the one it follows), before a Chinese question is
    padded with English search words: what a language model is asked."""

    question: str
    language: Language
    victim: bool
    hits: list[Hit]
    help: list[Hit]
    index: Index
    asked: str = ""
    discussed: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    wording: str = ""


class Draft(BaseModel):
    """Markdown whose claims carry [n] markers, and the citations the markers point to.
    `short_answer` holds the lines of the short answer, which `body` also contains. A backend
    that could not use its model gives the extractive draft with `fallback` set and the reason
    in one line; `removed` counts the model's sentences dropped as unsupported."""

    short_answer: str = ""
    body: str = ""
    citations: list[Citation] = []
    removed: int = 0
    fallback: bool = False
    fallback_reason: str = Field("", description="one line: why the model's answer was not used")


@dataclass(frozen=True)
class Progress:
    """Text generated but not yet verified: only how much, never the words, since an unchecked
    sentence must not be readable."""

    chars: int


@dataclass(frozen=True)
class Sentence:
    """A generated sentence that passed verification, with its markers as the answer numbers
    them."""

    text: str


class Backend(Protocol):
    name: str

    def compose(self, request: ComposeRequest) -> Draft: ...


@runtime_checkable
class StreamingBackend(Protocol):
    """A backend that can report sentences while it writes: `stream` yields progress and each
    verified sentence, and returns the same draft `compose` would."""

    name: str

    def compose(self, request: ComposeRequest) -> Draft: ...

    def stream(self, request: ComposeRequest) -> Generator[Progress | Sentence, None, Draft]: ...


Result = TypeVar("Result")


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


def drained(events: Generator[Progress | Sentence, None, Result]) -> Result:
    """What a stream returns once it has run to its end, for callers that want only that."""
    while True:
        try:
            next(events)
        except StopIteration as done:
            return done.value
