"""The answer pipeline: the one function the CLI, the app and the evaluation harness call.

guard → retrieve → abstain or compose (through a backend) → verify → render. The question text
is never logged or stored: it may describe what happened to the person asking.
"""

import re
import time
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableLambda

from assistant.answer import guard
from assistant.answer import history as followups
from assistant.answer.abstain import can_answer
from assistant.answer.backends import Backend, ComposeRequest, Draft, get_backend
from assistant.answer.messages import (
    ABSTAIN,
    DISCLAIMER,
    EMPTY_QUESTION,
    ENGLISH_SOURCES,
    LONG_QUESTION,
    REFUSE,
    Language,
)
from assistant.answer.refuse import HELP_QUERY, refusal
from assistant.answer.render import markdown
from assistant.answer.schema import Answer, Status, Timings, Turn
from assistant.answer.verify import verify
from assistant.retrieve import glossary
from assistant.retrieve.hybrid import Hit, load_index, search
from assistant.store import Index

MAX_QUESTION_CHARS = 2000
RETRIEVE_K = 12
HELP_K = 3
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class QuestionError(ValueError):
    """The question cannot be asked as it is; the message says what to change."""


def check_question(question: str) -> str:
    text = question.strip()
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
    started = time.perf_counter()
    text = check_question(question)
    composer = get_backend(backend)
    language = language_of(text, lang)
    index = load_index()
    asked = guard.without_injection(text)
    query = followups.resolve(asked, history)
    earlier = [turn.content for turn in history or [] if turn.role == "user"]
    victim = any(guard.is_victim(said) for said in [query, *earlier])
    if guard.is_harmful(asked) or guard.is_harmful(query):
        outcome = _refuse(asked, language, index)
    else:
        follow_up = asked if query != asked else ""
        outcome = _compose(query, follow_up, language, victim, index, composer)
    draft = verify(outcome.draft, index)
    status, notice = outcome.status, outcome.notice
    if status == "answered" and not draft.citations:
        status, notice = "abstained", ABSTAIN[language]
    disclaimer = DISCLAIMER[language]
    finished = time.perf_counter()
    return Answer(
        question=text,
        language=language,
        status=status,
        answer=markdown(notice, draft.body, draft.citations, disclaimer, language),
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
    )


@dataclass
class _Outcome:
    status: Status
    notice: str
    draft: Draft
    retrieved: float
    hits: list[Hit] = field(default_factory=list)


def _refuse(asked: str, language: Language, index: Index) -> _Outcome:
    help_hits = search(HELP_QUERY, k=HELP_K, expand=False, index=index, kinds=("help",))
    retrieved = time.perf_counter()
    return _Outcome(
        "refused", REFUSE[language], refusal(asked, language, help_hits, index), retrieved
    )


def _compose(
    query: str, follow_up: str, language: Language, victim: bool, index: Index, composer: Backend
) -> _Outcome:
    """Retrieve, then abstain or let the backend compose. A follow-up is searched joined to the
    question it follows (query); its own words (follow_up) tell the backend what is asked about
    that topic. A Chinese question is searched with the English of its subject words, since most
    of the corpus is English."""
    searched = _searchable(query, language)
    hits = search(searched, k=RETRIEVE_K, index=index)
    if not can_answer(query, hits, language, index):
        return _Outcome("abstained", ABSTAIN[language], Draft(), time.perf_counter(), hits)
    help_hits = (
        search(searched, k=HELP_K, expand=False, index=index, kinds=("help",)) if victim else []
    )
    retrieved = time.perf_counter()
    asked = _searchable(follow_up, language) if follow_up else ""
    request = ComposeRequest(searched, language, victim, hits, help_hits, index, asked)
    draft = composer.compose(request)
    notice = ENGLISH_SOURCES if language == "zh" else ""
    return _Outcome("answered", notice, draft, retrieved, hits)


def _searchable(text: str, language: Language) -> str:
    return glossary.with_english(text) if language == "zh" else text


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
