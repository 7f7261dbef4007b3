"""Answer systems the harness can run besides the assistant: baselines a user could build
instead, scored by the same evaluators so the report shows what the project adds.

Each baseline answers every question (none abstains, refuses or adds a disclaimer, as none of
the systems they stand for would) with its top passages quoted whole, each cited by the id
the passage came with, and reports its ranking of sources as `retrieved`. They are measuring
tools, so they live in evals/, not in the assistant.

- `bm25`: BM25 alone over the index's own chunks;
- `dense`: the index's English model alone over the same chunks;
- `tutorial`: fixed-size chunks of the corpus text in a Chroma collection, as a RAG tutorial
  builds it (`evals.systems.tutorial`).
"""

from collections.abc import Callable

from assistant.answer.schema import Answer
from assistant.store import Index
from evals.dataset import Example

ASSISTANT = "assistant"
BASELINES = ("bm25", "dense", "tutorial")
SYSTEMS = (ASSISTANT, *BASELINES)


def baseline(name: str, index: Index) -> Callable[[Example], Answer]:
    """The baseline's answer function, its store opened and its models warmed with one
    untimed query, so that loading them is not counted as the first question's latency."""
    from evals.systems import search, tutorial

    if name in search.MODES:
        return search.answerer(name, index)
    if name == "tutorial":
        return tutorial.answerer(index)
    raise ValueError(f"unknown system {name!r}: choose one of {', '.join(SYSTEMS)}")
