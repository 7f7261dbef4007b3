"""How much of a model backend's own writing reached the answers (contract section 6).

`fallback_rate` is the share of answered questions whose answer is the extractive one standing
in for the model's (the model missing, slow, off-language, or none of its first sentences
supported); `removed_per_answer`, the sentences the support check removed, per answered
question. Both are 0 for the extractive backend, and for another system's answers that do not
report them, so backends can be compared on the same report line.
"""

from evals.base import Evaluation, Evaluator, Record, ratio


class FallbackEvaluator(Evaluator):
    def __call__(self, records: list[Record]) -> Evaluation:
        result = Evaluation()
        answered = [r for r in records if r.answer.status == "answered"]
        for record in answered:
            result.score(
                record.example.id,
                fallback=int(record.answer.fallback),
                removed=record.answer.removed,
            )
        result.metrics |= {
            "fallback_rate": ratio(sum(r.answer.fallback for r in answered), len(answered)),
            "removed_per_answer": ratio(sum(r.answer.removed for r in answered), len(answered)),
        }
        return result
