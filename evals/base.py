"""What every evaluator shares: one record per question, and the shape of a result.

Modelled on sentence-transformers' evaluators: each concern is one evaluator, and
`SequentialEvaluator` composes them. Answering and searching happen once, in the runner; an
evaluator only reads records, so the same evaluators score the whole set and each language.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from assistant.answer.schema import Answer
from assistant.citations import section_of
from evals.dataset import Example, enclosing
from evals.twins import NO_TWINS, Twins, match_key

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
    """Metrics (None when nothing was there to measure), the failed checks by question id, and
    per-question figures (`scores`) that let a later comparison recompute a metric on any subset
    of the questions (`python -m evals parallel`) without re-running them."""

    metrics: dict[str, Metric] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)
    scores: dict[str, dict[str, Metric]] = field(default_factory=dict)

    def fail(self, example_id: str, check: str) -> None:
        self.failures.setdefault(example_id, []).append(check)

    def score(self, example_id: str, **figures: Metric) -> None:
        self.scores.setdefault(example_id, {}).update(figures)


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
            for example_id, figures in result.scores.items():
                merged.scores.setdefault(example_id, {}).update(figures)
        return merged


def ratio(numerator: int | float, denominator: int) -> float | None:
    """None, not 0, when there is nothing to count: a missing kind of question is not a failure."""
    return numerator / denominator if denominator else None


def sections(cites: list[str]) -> list[str]:
    """Citation ids as the sections they count as, first occurrence kept, order kept."""
    return list(dict.fromkeys(section_of(cite) for cite in cites))


def keys(cites: list[str], twins: Twins = NO_TWINS) -> set[str]:
    """Cited (or retrieved) ids as they are matched: sections, a document's translated twin as
    itself, and every id that holds them, so that a gold id meets any cited id inside it."""
    return {key for cite in cites for key in (match_key(cite, twins), *enclosing(cite))}


def targets(cites: list[str], twins: Twins = NO_TWINS) -> set[str]:
    """Gold ids as they are matched: sections, a document as its twin pair. Unlike `keys`,
    nothing above them: a gold `Cap. 486 Sch. 1 s.3` does not accept all of Schedule 1."""
    return {match_key(cite, twins) for cite in cites}


def satisfied(group: list[str], cited: set[str], twins: Twins = NO_TWINS) -> bool:
    """A `cite` group is met when any of its ids, taken as its section (and a document as its
    twin pair), is in `cited`, a set of `keys`."""
    return not targets(group, twins).isdisjoint(cited)


def answerable(records: list[Record]) -> list[Record]:
    return [r for r in records if r.example.expect == "answer"]
