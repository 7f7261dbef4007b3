"""What a language model is shown: a few numbered sources and the rules for answering from them.

A 1.5B model on two cores reads about 90 prompt tokens a second, so the prompt is kept short: the
fixed rules and one worked example come first (llama.cpp reuses an unchanged prefix from one
question to the next), then at most four passages, each cut to its opening sentences. The rules
ask for what the verifier checks: each sentence restating one source sentence and ending with
its number, figures copied as written; a 1.5B model left the markers out until it was shown an
answer that has them. Disclaimer, help resources and refusals are added by code, never asked of
the model.
"""

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

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
        "You explain Hong Kong law using only the numbered sources. Write 2 to 4 short "
        "sentences. Each sentence repeats one sentence of one source in nearly the same words "
        "and ends with that source's number in square brackets, like [1]. Do not begin with yes "
        "or no. No headings, lists or bold. Copy numbers, ages, penalties, section numbers and "
        "ordinance names exactly. Answer in English. Only if no source is about the question, "
        f"reply only: {NO_ANSWER['en']}"
    ),
    "zh": (
        "你負責解釋香港法律，只可根據編號資料回答。用繁體中文寫2至4句簡短句子。"
        "每句以接近原文的字眼複述某一資料中的一句，句末用方括號寫出該資料編號，例如[1]。"
        "不要以「是」或「不是」開頭，不用標題、列表或粗體。數字、年齡、刑罰、條文編號及條例名稱"
        f"須照原文寫。只有當沒有任何資料與問題有關時，才只回覆：{NO_ANSWER['zh']}"
    ),
}
# One worked exchange, about a made-up ordinance, that shows the form the verifier accepts. It
# sits right after the rules, so llama.cpp reuses it from one question to the next.
EXAMPLE: dict[Language, tuple[str, str]] = {
    "en": (
        "Sources:\n\n[1] Example Ordinance s.4(1)\nA person who keeps a dog older than 5 months "
        "must hold a licence for it.\n\n[2] Guide: keeping a dog\nAn owner whose dog has no "
        "licence can be fined up to $10,000. A licence must be renewed every 3 years.\n\n"
        "Question: do I need a licence for my puppy?",
        "A person who keeps a dog older than 5 months must hold a licence for it [1]. An owner "
        "whose dog has no licence can be fined up to $10,000 [2]. A licence must be renewed "
        "every 3 years [2].",
    ),
    "zh": (
        "資料：\n\n[1] 示例條例 第4(1)條\n任何人飼養超過5個月大的狗，須為該狗領取牌照。\n\n"
        "[2] 指南：養狗\n狗隻沒有牌照，狗主可被罰款最高$10,000。牌照須每3年續領一次。\n\n"
        "問題：我養咗隻BB狗，使唔使領牌？",
        "任何人飼養超過5個月大的狗，須為該狗領取牌照[1]。狗隻沒有牌照，狗主可被罰款最高"
        "$10,000[2]。牌照須每3年續領一次[2]。",
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
    example, reply = EXAMPLE[language]
    return [
        SystemMessage(_RULES[language]),
        HumanMessage(example),
        AIMessage(reply),
        HumanMessage(f"{_SOURCES[language]}:\n\n{listed}\n\n{_QUESTION[language]}: {question}"),
    ]
