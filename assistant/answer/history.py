"""Follow-up questions: "and what is the penalty for that?" means nothing to a search engine,
so it is searched together with the earlier question it refers to."""

import re

from assistant.answer.schema import Turn
from assistant.citations import find_cites, is_statute_cite, section_of

_FOLLOW_UP = re.compile(
    r"^\s*(?:and|but|also|so|then|what\s+about|how\s+about|what\s+if|and\s+if|or|same|that|this"
    r"|those|these|it|they|那|咁|如果|另外|還有)\b",
    re.IGNORECASE,
)
SHORT_QUESTION_WORDS = 8


def is_follow_up(question: str) -> bool:
    """Short, or opening with a word that leans on what came before."""
    return len(question.split()) <= SHORT_QUESTION_WORDS or _FOLLOW_UP.match(question) is not None


def resolve(question: str, history: list[Turn] | None) -> str:
    """The text to search for: a follow-up joined to the latest earlier question that stands
    on its own, which carries the topic ("threatens to post an AI nude")."""
    asked = [turn.content for turn in history or [] if turn.role == "user" and turn.content.strip()]
    if not asked or not is_follow_up(question):
        return question
    topic = next((text for text in reversed(asked) if not is_follow_up(text)), asked[-1])
    return f"{topic} {question}"


def discussed(history: list[Turn] | None) -> tuple[str, ...]:
    """The section the latest answer was about: the first provision it cites. "That" in a
    follow-up ("the maximum penalty for that?") means the offence just discussed, not whatever
    penalty sentence is closest in meaning."""
    answers = [turn.content for turn in history or [] if turn.role == "assistant"]
    for text in reversed(answers):
        cites = [cite for cite in find_cites(text) if is_statute_cite(cite)]
        if cites:
            return (section_of(cites[0]),)
    return ()
