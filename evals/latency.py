"""Wall time per question, measured by the harness around the whole answer call."""

import statistics

from evals.base import Evaluation, Evaluator, Record


def percentile(values: list[float], q: int) -> float | None:
    """Inclusive percentile; with one value, that value."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class LatencyEvaluator(Evaluator):
    def __call__(self, records: list[Record]) -> Evaluation:
        millis = [record.seconds * 1000 for record in records]
        return Evaluation(
            metrics={
                "latency_ms_p50": percentile(millis, 50),
                "latency_ms_p95": percentile(millis, 95),
            }
        )
