"""What a language model is shown: a few numbered sources and the rules for answering from them.

A 1.5B model on two cores reads about 90 prompt tokens a second, so the prompt is kept short: the
fixed rules come first (llama.cpp reuses an unchanged prefix from one question to the next), then
at most four passages, each cut to its opening sentences. The rules ask for what the verifier
checks: one claim per sentence, each ending with the number of its source, figures copied as
written. Disclaimer, help resources and refusals are added by code, never asked of the model.
"""

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.answer.backends.base import ComposeRequest
from assistant.answer.messages import Language
from assistant.answer.support import Source
from assistant.retrieve.catalog import catalog
from assistant.text import sentences

MAX_SOURCES = 4
# Characters of each passage: Chinese takes about three times as many tokens per character.
SOURCE_CHARS: dict[Language, int] = {"en": 450, "zh": 180}
NO_ANSWER: dict[Language, str] = {
    "en": "The sources do not answer this.",
    "zh": "資料未能回答這個問題。",
}

_RULES: dict[Language, str] = {
    "en": (
        "You explain Hong Kong law. Answer the question using only the numbered sources. "
        "Rules: write 2 to 4 short plain sentences, one fact per sentence, no headings, lists "
        "or bold. End every sentence with the number of the source it comes from in square "
        "brackets, like [1]. Copy numbers, ages, penalties, section numbers and ordinance names "
        "exactly as the source writes them. Answer in English. If the sources do not answer the "
        f"question, reply only: {NO_ANSWER['en']}"
    ),
    "zh": (
        "你負責解釋香港法律。只可根據編號資料回答問題。規則：用繁體中文寫2至4句簡短句子，"
        "每句只講一件事，不用標題、列表或粗體。每句句末用方括號寫出資料編號，例如[1]。"
        "數字、年齡、刑罰、條文編號及條例名稱須按資料原文照寫。"
        f"如資料未能回答問題，只回覆：{NO_ANSWER['zh']}"
    ),
}
_QUESTION: dict[Language, str] = {"en": "Question", "zh": "問題"}
_SOURCES: dict[Language, str] = {"en": "Sources", "zh": "資料"}


def sources(request: ComposeRequest) -> dict[int, Source]:
    """The passages the model may use, numbered from 1: the provisions the question names, then
    the best retrieved passages, each in the question's language where the corpus has it."""
    found = catalog(request.index)
    chosen: list[str] = []
    for chunk_id in [*request.named, *(hit.chunk_id for hit in request.hits)]:
        chunk_id = found.translation(chunk_id, request.language)
        if chunk_id not in chosen:
            chosen.append(chunk_id)
    numbered = {}
    for n, chunk_id in enumerate(chosen[:MAX_SOURCES], start=1):
        text = trimmed(found.texts[chunk_id], SOURCE_CHARS[request.language])
        numbered[n] = Source(n, str(found.metadata[chunk_id]["cite"]), chunk_id, text)
    return numbered


def trimmed(text: str, limit: int) -> str:
    """The passage's opening whole sentences that fit in `limit` characters; the first sentence
    cut at a word when even it does not fit. Always a piece of the passage as written."""
    kept = ""
    for sentence in sentences(text):
        longer = f"{kept} {sentence}".strip()
        if len(longer) > limit:
            break
        kept = longer
    if kept:
        return kept
    cut = sentences(text)[0][:limit] if text.strip() else ""
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def messages(request: ComposeRequest, given: dict[int, Source]) -> list[BaseMessage]:
    language = request.language
    found = catalog(request.index)
    listed = "\n\n".join(
        f"[{n}] {source.cite}, {found.metadata[source.chunk_id].get('title', '')}\n{source.text}"
        for n, source in given.items()
    )
    question = request.wording or request.question
    return [
        SystemMessage(_RULES[language]),
        HumanMessage(f"{_SOURCES[language]}:\n\n{listed}\n\n{_QUESTION[language]}: {question}"),
    ]
