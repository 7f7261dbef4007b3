"""The compose path every LLM backend shares: prompt, generate, verify sentence by sentence.

A backend supplies only a LangChain chat model; everything the reader sees is decided here. Each
sentence is checked as soon as it is complete (assistant/answer/support.py): a sentence its cited
sources do not support is removed and counted, and a kept sentence cites, for each source whose
text holds it, the clause that supports it, verbatim. Nothing unchecked is ever passed on: while
a sentence is being written, only its length is reported.

The model's answer is replaced by the extractive one (`fallback`) when the model cannot be
reached, fails, times out, writes in the other language, says its sources do not answer, or
loses its core claim: an answer opens with what it is about, so when neither of the first two
sentences survives (or none at all does), what is left would answer a different question.
"""

import re
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from typing import TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.answer import blocks, prompt
from assistant.answer.backends.base import ComposeRequest, Draft, Progress, Sentence, drained
from assistant.answer.messages import HEADINGS, Language
from assistant.answer.support import MARKER, Source, Verdict, check_sentence, claim_text
from assistant.retrieve.catalog import catalog
from assistant.text import normalise, sentences, traditional

# The core claim is lost when none of the first CORE_SENTENCES sentences is kept.
CORE_SENTENCES = 2
SHORT_ANSWER_SENTENCES = 2
# Generation stops after this many sentences: the prompt asks for four at most.
MAX_SENTENCES = 8
# Text this long with no sentence end in it is not an answer.
MAX_UNFINISHED_CHARS = 1500
REASON_CHARS = 200

FALLBACK: dict[Language, str] = {
    "en": "The language model's answer could not be used, so this answer quotes the sources.",
    "zh": "未能採用語言模型的回答，以下改為直接引用資料來源。",
}
REMOVED: dict[Language, tuple[str, str]] = {
    "en": (
        "1 sentence of the model's answer was removed as unsupported by the sources.",
        "{n} sentences of the model's answer were removed as unsupported by the sources.",
    ),
    "zh": (
        "已刪除模型回答中 1 句未獲資料來源支持的句子。",
        "已刪除模型回答中 {n} 句未獲資料來源支持的句子。",
    ),
}

_FULL_WIDTH_MARKER = re.compile(r"[【［]\s*(\d+)\s*[】］]")
_MARKER_LIST = re.compile(r"\[(\d+(?:\s*[,，、]\s*\d+)+)\]")
_MARKERS_AFTER_END = re.compile(r"([.!?。！？])((?:\s*\[\d+\])+)")
_UNFINISHED = re.compile(r"^[\s\[\]\d,，、]*$")
_FORMATTING = re.compile(r"^\s*(?:#+|[-*•]|\d+[.)])\s+|\*\*|__")
_SPACE_BEFORE_END = re.compile(r"\s+([.!?,;:。！？，；：])")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class LLMSettings(BaseSettings):
    """What every LLM backend reads from the environment (HKLAW_LLM_*)."""

    model_config = SettingsConfigDict(env_prefix="HKLAW_LLM_", frozen=True, extra="ignore")

    timeout: float = Field(
        60.0, gt=0, description="seconds the whole reply may take before the extractive answer"
    )
    max_tokens: int = Field(300, gt=0, description="most tokens the model may write")
    temperature: float = Field(0.0, ge=0, description="sampling temperature; 0 is repeatable")


Settings = TypeVar("Settings", bound=LLMSettings)


class ModelUnavailable(RuntimeError):
    """The model could not be used; the message says why in one line."""


class Unusable(RuntimeError):
    """The model answered, but not with something that can be shown; the message says why."""


def read_settings(kind: type[Settings]) -> Settings:
    """The settings, or one line naming the variable to set or fix."""
    try:
        return kind()
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        info = kind.model_fields.get(field)
        alias = info.validation_alias if info else None
        variable = alias if isinstance(alias, str) else f"HKLAW_LLM_{field.upper()}"
        about = f" ({info.description})" if info and info.description else ""
        raise ModelUnavailable(f"{variable}: {error['msg'].lower()}{about}") from exc


def removed_line(removed: int, language: Language) -> str:
    one, many = REMOVED[language]
    return one if removed == 1 else many.format(n=removed)


class LLMBackend:
    """A backend that writes with `connect()`'s chat model, any LangChain BaseChatModel."""

    def __init__(self, name: str, connect: Callable[[], BaseChatModel]) -> None:
        self.name = name
        self.connect = connect

    def compose(self, request: ComposeRequest) -> Draft:
        return drained(self.stream(request))

    def stream(self, request: ComposeRequest) -> Generator[Progress | Sentence, None, Draft]:
        given = prompt.sources(request)
        reply = _Reply(request, given)
        try:
            limits = read_settings(LLMSettings)
            model = self._model()
            yield from reply.read(
                _generated(model, prompt.messages(request, given), limits.timeout)
            )
        except (ModelUnavailable, Unusable) as exc:
            return self._fallback(request, str(exc), reply.removed)
        return reply.draft()

    def _model(self) -> BaseChatModel:
        try:
            return self.connect()
        except ModelUnavailable:
            raise
        except Exception as exc:  # any failure to load or reach a model means: use extractive
            raise ModelUnavailable(_described(exc)) from exc

    def _fallback(self, request: ComposeRequest, reason: str, removed: int) -> Draft:
        from assistant.answer.extractive import ExtractiveBackend

        draft = ExtractiveBackend().compose(request)
        why = f"the {self.name} backend's answer was not used: {reason}"
        return draft.model_copy(
            update={"fallback": True, "fallback_reason": why[:REASON_CHARS], "removed": removed}
        )


def _generated(
    model: BaseChatModel, messages: list[BaseMessage], timeout: float
) -> Generator[str, None, None]:
    """The model's text as it arrives. Whatever the client raises (connection refused, a
    timeout, an HTTP error, a model that will not load) becomes ModelUnavailable."""
    deadline = time.monotonic() + timeout
    chunks = model.stream(messages)
    try:
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            except Exception as exc:  # the model's client failed, whichever client it is
                raise ModelUnavailable(_described(exc)) from exc
            yield chunk.text
            if time.monotonic() > deadline:
                raise ModelUnavailable(f"no complete answer within {timeout:g} s")
    finally:
        chunks.close()


def _described(exc: BaseException) -> str:
    if isinstance(exc, ImportError):
        return f"{exc.name or 'a module'} is not installed: pip install -e '.[llm]'"
    said = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {said[0]}" if said else type(exc).__name__


def split(text: str, final: bool) -> tuple[list[str], str]:
    """(complete sentences, the text not yet complete). Markers written after a full stop
    ("offence. [1]") are moved before it, so they stay with their sentence; until a sentence is
    followed by the start of another, its marker may still be coming, so it is held back."""
    lines = text.split("\n")
    tail = "" if final else lines.pop()
    ready = [sentence for line in lines for sentence in sentences(_markers(line))]
    if final:
        return ready, ""
    written = normalise(_markers(tail))
    pieces = sentences(written)
    held = 2 if len(pieces) > 1 and _UNFINISHED.match(pieces[-1]) else 1
    if len(pieces) <= held:
        return ready, tail
    starts, position = [], 0
    for piece in pieces:
        position = written.index(piece, position)
        starts.append(position)
        position += len(piece)
    trailing = " " if tail[-1:].isspace() else ""
    return ready + pieces[:-held], written[starts[-held] :] + trailing


def _markers(text: str) -> str:
    text = _FULL_WIDTH_MARKER.sub(r"[\1]", text)
    text = _MARKER_LIST.sub(lambda m: " ".join(f"[{n}]" for n in re.split(r"\D+", m[1])), text)
    return _MARKERS_AFTER_END.sub(r"\2\1", text)


def written_in(text: str) -> Language:
    """Chinese when it has Chinese characters and at least twice as many of them as Latin
    words: a Chinese sentence names "Cap. 200 s.159AAE" in Latin letters, an English one may
    quote 《條例》, and a Chinese reply may be one character long (是。)."""
    chinese = len(_CJK.findall(text))
    return "zh" if chinese and chinese >= 2 * len(_LATIN_WORD.findall(text)) else "en"


class _Reply:
    """The sentences of one reply as they are checked: kept ones with their citations, and the
    count of those removed."""

    def __init__(self, request: ComposeRequest, given: dict[int, Source]) -> None:
        self.request = request
        self.language = request.language
        self.given = given
        self.book = blocks.CitationBook()
        self.kept: list[str] = []
        self.seen = 0
        self.removed = 0

    def read(self, text: Generator[str, None, None]) -> Iterator[Progress | Sentence]:
        """Each sentence checked as soon as the text completes it; the length of the text not
        yet complete in between. Raises Unusable when the reply cannot stand as an answer."""
        pending = ""
        with closing(text):
            for piece in text:
                ready, pending = split(pending + piece, final=False)
                yield from self._shown(ready)
                if self.seen >= MAX_SENTENCES:
                    pending = ""
                    break
                if len(pending) > MAX_UNFINISHED_CHARS:
                    raise Unusable("the reply is not written in sentences")
                yield Progress(len(pending))
        yield from self._shown(split(pending, final=True)[0])
        if self.seen == 0:
            raise Unusable("the model returned no answer")
        if not self.kept:
            raise Unusable("no sentence of the answer is supported by its sources")

    def _shown(self, ready: list[str]) -> Iterator[Sentence]:
        for sentence in ready:
            line = self.add(sentence)
            if line is not None:
                yield Sentence(line)

    def add(self, sentence: str) -> str | None:
        """The sentence as the answer shows it, or None when it is removed. Raises Unusable
        when the reply cannot stand as an answer."""
        sentence = normalise(_FORMATTING.sub("", sentence))
        if not claim_text(sentence).strip(" .。"):
            return None
        if self.language == "zh":
            sentence = traditional(sentence)
        if _declines(claim_text(sentence)):
            raise Unusable("the model found no answer in its sources")
        if written_in(claim_text(sentence)) != self.language:
            raise Unusable(f"the model did not answer in {_LANGUAGE_NAMES[self.language]}")
        self.seen += 1
        verdict = check_sentence(sentence, self.given, self.language)
        line = self._cited(sentence, verdict) if verdict.supported else None
        if line is None:
            self.removed += 1
        else:
            self.kept.append(line)
        if self.seen >= CORE_SENTENCES and not self.kept:
            raise Unusable(f"none of the first {CORE_SENTENCES} sentences is supported")
        return line

    def _cited(self, sentence: str, verdict: Verdict) -> str | None:
        """The sentence without the model's markers, followed by one for each cited source
        whose text holds the supporting quote."""
        quote = normalise(verdict.quote)
        holding = [n for n in verdict.cited if quote and quote in normalise(self.given[n].text)]
        if not holding:
            return None
        found = catalog(self.request.index)
        numbers = []
        for n in holding:
            chunk_id = self.given[n].chunk_id
            numbers.append(self.book.cite(chunk_id, quote, found.metadata[chunk_id]))
        text = _SPACE_BEFORE_END.sub(r"\1", normalise(MARKER.sub(" ", sentence)))
        return f"{text} {blocks.markers(numbers)}"

    def draft(self) -> Draft:
        """The kept sentences, the first two as the short answer, and for a person something
        happened to, the same help block the extractive answer gives."""
        from assistant.answer.extractive import help_for

        short, rest = self.kept[:SHORT_ANSWER_SENTENCES], self.kept[SHORT_ANSWER_SENTENCES:]
        parts = [(HEADINGS["short"], short), (HEADINGS["law"], rest)]
        if self.request.victim:
            found = catalog(self.request.index)
            parts.append((HEADINGS["help"], help_for(self.book, self.request, None, found)))
        return Draft(
            short_answer="\n".join(short),
            body=blocks.sections(parts, self.language),
            citations=self.book.citations,
            removed=self.removed,
        )


_LANGUAGE_NAMES: dict[Language, str] = {"en": "English", "zh": "Chinese"}


def _declines(claim: str) -> bool:
    """The model's plain "the sources do not answer this", in either language."""
    said = claim.casefold()
    return any(words.casefold().rstrip(".。") in said for words in prompt.NO_ANSWER.values())
