"""The answer pipeline: the one function the CLI, the app and the evaluation harness call.

guard → retrieve → abstain or compose (through a backend) → verify → render. The question text
is never logged or stored: it may describe what happened to the person asking. `answer_stream`
is the same pipeline reporting as it goes: a backend that writes with a model passes on each
sentence once it is verified, and only the length of what it has not verified yet.
"""

import re
import time
import unicodedata
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableLambda

from assistant.answer import history as followups
from assistant.answer.abstain import can_answer
from assistant.answer.backends import (
    Backend,
    ComposeRequest,
    Draft,
    Progress,
    Sentence,
    StreamingBackend,
    drained,
    get_backend,
)
from assistant.answer.classify import Intent, classify
from assistant.answer.guard import without_injection
from assistant.answer.llm import FALLBACK, removed_line
from assistant.answer.messages import (
    ABSTAIN,
    DISCLAIMER,
    EMPTY_QUESTION,
    HELP_QUERY,
    LONG_QUESTION,
    REFUSE,
    Language,
)
from assistant.answer.named import named_provisions
from assistant.answer.refuse import refusal
from assistant.answer.render import markdown
from assistant.answer.schema import Answer, Status, Timings, Turn
from assistant.answer.verify import verify
from assistant.retrieve import glossary
from assistant.retrieve.catalog import catalog
from assistant.retrieve.hybrid import Hit, load_index, search
from assistant.store import Index
from assistant.text import traditional

MAX_QUESTION_CHARS = 2000
RETRIEVE_K = 12
HELP_K = 3
HELP_AT = 0.35
REFUSAL_LAW_K = 2
# Each language searched with the model that reads it, fused with BM25: on the gold sets,
# adding the multilingual model to English questions lowered recall@5 (0.907 -> 0.872), and
# adding the English model to Chinese ones (searched with the English of their subject words)
# lowered it from 0.849 to 0.605.
SPACES: dict[Language, tuple[str, ...]] = {"en": ("english",), "zh": ("multilingual",)}
# English questions are searched in English text: the Chinese twins hold the same law and only
# crowded English statute sections out of the top hits. Chinese questions reach both, and are
# answered from the Chinese twin of whatever document is found.
LANGUAGES: dict[Language, tuple[str, ...] | None] = {"en": ("en",), "zh": None}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class QuestionError(ValueError):
    """The question cannot be asked as it is; the message says what to change."""


def check_question(question: str) -> str:
    """The question without control and invisible format characters (a question made only of
    zero-width or direction marks is empty), or QuestionError saying what to change."""
    text = "".join(
        c for c in question if c in "\n\t" or unicodedata.category(c) not in {"Cc", "Cf"}
    ).strip()
    if not text:
        raise QuestionError(EMPTY_QUESTION)
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(LONG_QUESTION.format(length=len(text), limit=MAX_QUESTION_CHARS))
    return text


def language_of(question: str, lang: str | None) -> Language:
    if lang:
        return "zh" if lang.lower().startswith("zh") else "en"
    return "zh" if _CJK.search(question) else "en"


def answer(
    question: str,
    history: list[Turn] | None = None,
    lang: str | None = None,
    backend: str = "extractive",
) -> Answer:
    """Answer one question, with earlier turns for follow-ups. Raises QuestionError for an
    empty or over-long question and UnknownBackend for a backend name not registered."""
    return drained(_answering(question, history, lang, backend))


def answer_stream(
    question: str,
    history: list[Turn] | None = None,
    lang: str | None = None,
    backend: str = "extractive",
) -> Iterator[Progress | Sentence | Answer]:
    """The answer as it is written: Progress (characters generated, not yet verified) and each
    verified Sentence while a model writes, then the finished Answer, always last. An answer
    that falls back to the extractive one says so there; sentences shown before it are
    verified all the same. Raises as answer() does, when first iterated."""
    final = yield from _answering(question, history, lang, backend)
    yield final


def _answering(
    question: str, history: list[Turn] | None, lang: str | None, backend: str
) -> Generator[Progress | Sentence, None, Answer]:
    started = time.perf_counter()
    text = check_question(question)
    composer = get_backend(backend)
    language = language_of(text, lang)
    index = load_index()
    intent = classify(text)
    asked = without_injection(text)
    resolved = followups.resolve(asked, history)
    follow_up = searchable(asked, language) if resolved != asked else ""
    query = searchable(resolved, language)
    earlier = [turn.content for turn in history or [] if turn.role == "user"]
    victim = _helps(intent) or any(_helps(classify(said)) for said in earlier)
    if intent.refuse:
        outcome = _refuse(searchable(asked, language), language, index)
    else:
        topic = classify(resolved) if follow_up else intent
        about = followups.discussed(history) if follow_up else ()
        outcome = yield from _compose(
            query, resolved, follow_up, about, language, victim, topic, index, composer
        )
    composed = outcome.draft
    draft = verify(composed, index)
    status, notice, body = outcome.status, outcome.notice, draft.body
    if status == "answered" and not draft.citations:
        status, notice = "abstained", ABSTAIN[language]
    elif composed.fallback:
        notice = FALLBACK[language]
    elif composed.removed:
        body = f"{body}\n\n{removed_line(composed.removed, language)}"
    disclaimer = DISCLAIMER[language]
    finished = time.perf_counter()
    return Answer(
        question=text,
        language=language,
        status=status,
        answer=markdown(notice, body, draft.citations, disclaimer, language),
        citations=draft.citations,
        disclaimer=disclaimer,
        timings_ms=Timings(
            retrieve=round((outcome.retrieved - started) * 1000, 1),
            compose=round((finished - outcome.retrieved) * 1000, 1),
            total=round((finished - started) * 1000, 1),
        ),
        short_answer=draft.short_answer,
        retrieved=[hit.section_cite for hit in outcome.hits],
        victim=victim,
        backend=composer.name,
        intent=intent.label,
        intent_probabilities=intent.probabilities,
        fallback=composed.fallback,
        fallback_reason=composed.fallback_reason,
        removed=composed.removed,
    )


def _helps(intent: Intent) -> bool:
    """Something happened to the asker or someone they help: the answer says what they can do
    and where to get help. Shown also when help is a close second, since help shown to someone
    who only asked about the law costs a few lines, and help missed costs much more."""
    return intent.label == "help" or intent.probabilities.get("help", 0.0) >= HELP_AT


@dataclass
class _Outcome:
    status: Status
    notice: str
    draft: Draft
    retrieved: float
    hits: list[Hit] = field(default_factory=list)


def _refuse(asked: str, language: Language, index: Index) -> _Outcome:
    """The law on the act asked about (the statute provisions closest to the request) and where
    to get help, in place of what was asked for."""
    law_hits = search_in(
        language, asked, k=REFUSAL_LAW_K, expand=False, index=index, kinds=("statute",)
    )
    help_hits = search_in(
        language, HELP_QUERY[language], k=HELP_K, expand=False, index=index, kinds=("help",)
    )
    retrieved = time.perf_counter()
    draft = refusal(asked, language, law_hits, help_hits, index)
    return _Outcome("refused", REFUSE[language], draft, retrieved)


def _compose(
    query: str,
    wording: str,
    follow_up: str,
    discussed: tuple[str, ...],
    language: Language,
    victim: bool,
    intent: Intent,
    index: Index,
    composer: Backend,
) -> Generator[Progress | Sentence, None, _Outcome]:
    """Retrieve, then abstain or let the backend compose. A follow-up is searched joined to the
    question it follows (query); its own words (follow_up) tell the backend what is asked about
    that topic, and the sections the previous answer discussed what "that" refers to. A
    question naming a provision the corpus holds is answered from it, however the search went.
    A model is asked in the person's own wording, not the padded search text."""
    hits = search_in(language, query, k=RETRIEVE_K, index=index)
    named = () if follow_up else tuple(named_provisions(query, catalog(index)))
    if not (named and not intent.off_topic) and not can_answer(query, hits, intent, index):
        return _Outcome("abstained", ABSTAIN[language], Draft(), time.perf_counter(), hits)
    help_hits = (
        search_in(language, query, k=HELP_K, expand=False, index=index, kinds=("help",))
        if victim
        else []
    )
    retrieved = time.perf_counter()
    request = ComposeRequest(
        query, language, victim, hits, help_hits, index, follow_up, discussed, named, wording
    )
    if isinstance(composer, StreamingBackend):
        draft = yield from composer.stream(request)
    else:
        draft = composer.compose(request)
    return _Outcome("answered", "", draft, retrieved, hits)


def search_in(language: Language, query: str, **options: Any) -> list[Hit]:
    """Search as the pipeline does for a question in this language (the harness and the
    benchmarks call it too, so they measure what people get)."""
    return search(query, spaces=SPACES[language], languages=LANGUAGES[language], **options)


def searchable(text: str, language: Language) -> str:
    """A Chinese question read as Traditional written Chinese, with the written forms of its
    Cantonese words and the English of its subject words added, since the statutes other than
    Cap. 486 are in English only."""
    if language != "zh":
        return text
    return glossary.with_english(glossary.with_written(traditional(text)))


def _invoke(request: str | dict[str, Any]) -> Answer:
    if isinstance(request, str):
        return answer(request)
    turns = [Turn.model_validate(turn) for turn in request.get("history") or []]
    return answer(
        request["question"],
        history=turns,
        lang=request.get("lang"),
        backend=request.get("backend", "extractive"),
    )


answer_runnable = RunnableLambda(_invoke, name="hklaw_answer")
"""The pipeline as a LangChain Runnable: a question string, or a dict with "question" and
optionally "history" (role/content turns), "lang" and "backend"."""
