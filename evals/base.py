"""What every evaluator shares: one record per question, and the shape of a result.

Modelled on sentence-transformers' evaluators: each concern is one evaluator, and
`SequentialEvaluator` composes them. Answering and searching happen once, in the runner; an
evaluator only reads records, so the same evaluators score the whole set and each language.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from assistant.answer.schema import Answer
from assistant.citations import section_of
from evals.dataset import Example

Metric = float | int | None


@dataclass
class Record:
    """One question as it was run: what was asked, what came back, how long it took."""

    example: Example
    answer: Answer
    seconds: float
    rankings: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Evaluation:
    """Metrics (None when nothing was there to measure) and the failed checks by question id."""

    metrics: dict[str, Metric] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)

    def fail(self, example_id: str, check: str) -> None:
        self.failures.setdefault(example_id, []).append(check)


class Evaluator(ABC):
    """One concern of the report: reads records, never runs the assistant."""

    @abstractmethod
    def __call__(self, records: list[Record]) -> Evaluation: ...


class SequentialEvaluator(Evaluator):
    def __init__(self, evaluators: list[Evaluator]) -> None:
        self.evaluators = evaluators

    def __call__(self, records: list[Record]) -> Evaluation:
        merged = Evaluation()
        for evaluator in self.evaluators:
            result = evaluator(records)
            merged.metrics |= result.metrics
            for example_id, checks in result.failures.items():
                merged.failures.setdefault(example_id, []).extend(checks)
        return merged


def ratio(numerator: int | float, denominator: int) -> float | None:
    """None, not 0, when there is nothing to count: a missing kind of question is not a failure."""
    return numerator / denominator if denominator else None


def sections(cites: list[str]) -> list[str]:
    """Citation ids as the sections they count as, first occurrence kept, order kept."""
    return list(dict.fromkeys(section_of(cite) for cite in cites))


def satisfied(group: list[str], cited: set[str]) -> bool:
    """A `cite` group is met when any of its ids, taken as its section, was cited."""
    return any(section_of(cite) in cited for cite in group)


def answerable(records: list[Record]) -> list[Record]:
    return [r for r in records if r.example.expect == "answer"]
