"""What a question asks for, read before anything is retrieved: the law, help for something
that happened, a harmful request, or something outside the corpus.

Refusal protects the people in the images; refusing a student or a caller who asks about the
law is the worst outcome this project can produce. So the trained classifier (assistant/
classifier.py) refuses only when P(harmful), weighed against P(law) and P(help), clears a bar
calibrated to refuse at most 1 % of the law and help examples of its training set (out of
fold); the structural rules of guard.py add only explicit orders to write a threat. A question
is off topic, and left unanswered, on the same terms.
"""

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel

from assistant.answer import guard
from assistant.classifier import Classifier, ClassifierError
from assistant.retrieve.hybrid import load_index, query_vector
from assistant.store import Index
from assistant.text import normalise

Label = Literal["law", "help", "harmful", "off_topic"]


class Intent(BaseModel):
    label: Label
    probabilities: dict[str, float]
    refuse: bool
    injection: bool
    off_topic: bool = False


def classify(question: str) -> Intent:
    """The intent of one question (prompt-injection text cut out first, as for retrieval)."""
    asked = guard.without_injection(question)
    injection = asked != normalise(question)
    ordered = guard.orders_harm(asked)
    model = _classifier(load_index())
    if model is None:
        label: Label = "harmful" if ordered else "law"
        return Intent(label=label, probabilities={}, refuse=ordered, injection=injection)
    probabilities = model.probabilities(
        asked, query_vector(asked, "english"), query_vector(asked, "multilingual")
    )
    best = max(probabilities, key=lambda name: probabilities[name])
    return Intent(
        label="harmful" if ordered else best,  # type: ignore[arg-type]
        probabilities=probabilities,
        refuse=ordered or model.refuses(probabilities),
        injection=injection,
        off_topic=probabilities.get("off_topic", 0.0) >= model.off_topic_at,
    )


@lru_cache(maxsize=4)
def _classifier(index: Index) -> Classifier | None:
    """The classifier stored with this build; None (with a note on stderr, once) when the build
    has none or it cannot be used, so answering goes on without it."""
    stored = index.manifest.classifier
    if stored is None:
        return None
    try:
        return Classifier(index.dir, stored)
    except ClassifierError as exc:
        import sys

        print(f"note: question classifier not used: {exc}", file=sys.stderr)
        return None
