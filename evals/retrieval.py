"""Retrieval metrics: did the right sections come back, and how high?

Relevance is judged on sections, as every other metric is: each `cite` group is one relevant
item, met by any of its ids (a pinpoint counts as its section). Rankings are section ids best
first with repeats removed, so two chunks of one section do not count twice. A document counts
as its translated twin (`evals.twins`), as it does for citations: a Chinese question that
retrieves `doc:X-zh` has found the source a group naming `doc:X` asks for. A gold schedule is met
by any of its sections retrieved, as a gold id is met by any cited id inside it.
"""

import math
from dataclasses import dataclass

from evals.base import Evaluation, Evaluator, Record, answerable, keys, ratio, satisfied, sections
from evals.twins import NO_TWINS, Twins


@dataclass(frozen=True)
class Config:
    """One way to search, as `assistant.retrieve.hybrid.search` takes it."""

    name: str
    label: str
    mode: str
    expand: bool


CONFIGS = (
    Config("bm25", "BM25 only", "bm25", False),
    Config("dense", "dense only", "dense", False),
    Config("hybrid", "hybrid", "hybrid", False),
    Config("bm25_expand", "BM25 + legal expansion", "bm25", True),
    Config("dense_expand", "dense + legal expansion", "dense", True),
    Config("hybrid_expand", "hybrid + legal expansion", "hybrid", True),
)
RANKING_METRICS = ("recall_at_5", "recall_at_10", "mrr", "ndcg_at_10")


def recall_at(groups: list[list[str]], ranking: list[str], k: int, twins: Twins = NO_TWINS) -> bool:
    """Every group met in the top k: the definition of the contract's retrieval_recall_at_5."""
    top = keys(ranking[:k], twins)
    return all(satisfied(group, top, twins) for group in groups)


def reciprocal_rank(groups: list[list[str]], ranking: list[str], twins: Twins = NO_TWINS) -> float:
    for rank, section in enumerate(ranking, start=1):
        if any(satisfied(group, keys([section], twins), twins) for group in groups):
            return 1 / rank
    return 0.0


def ndcg_at(groups: list[list[str]], ranking: list[str], k: int, twins: Twins = NO_TWINS) -> float:
    """Binary gains: a section gains 1 for each group it is the first to meet (a twin ranked
    after its pair meets nothing new, so it gains nothing)."""
    unmet = list(groups)
    dcg = 0.0
    for rank, section in enumerate(ranking[:k], start=1):
        met = [group for group in unmet if satisfied(group, keys([section], twins), twins)]
        unmet = [group for group in unmet if group not in met]
        dcg += len(met) / math.log2(rank + 1)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(groups), k) + 1))
    return min(dcg / ideal, 1.0) if ideal else 0.0


class AnswerRetrievalEvaluator(Evaluator):
    """retrieval_recall_at_5 on the sources the answer pipeline itself retrieved."""

    def __init__(self, twins: Twins = NO_TWINS) -> None:
        self.twins = twins

    def __call__(self, records: list[Record]) -> Evaluation:
        result = Evaluation()
        scored = [r for r in answerable(records) if r.example.cite]
        hits = 0
        for record in scored:
            top = sections(record.answer.retrieved)[:5]
            hit = recall_at(record.example.cite, top, 5, self.twins)
            result.score(record.example.id, retrieval_hit=int(hit))
            if hit:
                hits += 1
            else:
                result.fail(record.example.id, f"retrieval_recall_at_5: top 5 were {top}")
        result.metrics["retrieval_recall_at_5"] = ratio(hits, len(scored))
        return result


class RetrievalComparisonEvaluator(Evaluator):
    """The same answerable questions searched with each configuration, for choosing a default.

    Follow-ups are left out: search sees the question alone, without the history the pipeline
    would use, so scoring them would measure the missing context, not the retriever.
    """

    def __init__(self, twins: Twins = NO_TWINS) -> None:
        self.twins = twins

    def __call__(self, records: list[Record]) -> Evaluation:
        scored = [r for r in answerable(records) if r.rankings and r.example.cite]
        metrics: dict[str, float | int | None] = {"retrieval_n": len(scored)}
        for config in CONFIGS:
            totals = dict.fromkeys(RANKING_METRICS, 0.0)
            for record in scored:
                groups, ranking = record.example.cite, record.rankings[config.name]
                totals["recall_at_5"] += recall_at(groups, ranking, 5, self.twins)
                totals["recall_at_10"] += recall_at(groups, ranking, 10, self.twins)
                totals["mrr"] += reciprocal_rank(groups, ranking, self.twins)
                totals["ndcg_at_10"] += ndcg_at(groups, ranking, 10, self.twins)
            for metric, total in totals.items():
                metrics[f"{config.name}_{metric}"] = ratio(total, len(scored))
        return Evaluation(metrics=metrics)
