"""What the answer text says: required phrases, forbidden phrases, and the disclaimer.

Matching is a case-insensitive substring of the answer text, as the dataset contract defines it:
crude, but an evaluator can predict it exactly, which a fuzzier match would not allow.
"""

from evals.base import Evaluation, Evaluator, Record, ratio


class ContentEvaluator(Evaluator):
    def __call__(self, records: list[Record]) -> Evaluation:
        result = Evaluation()
        met = groups = violations = disclaimed = 0
        for record in records:
            example, text = record.example, record.answer.answer.casefold()
            for group in example.must_say:
                groups += 1
                if any(phrase.casefold() in text for phrase in group):
                    met += 1
                else:
                    result.fail(example.id, f"must_say: none of {group}")
            for phrase in example.must_not_say:
                if phrase.casefold() in text:
                    violations += 1
                    result.fail(example.id, f"must_not_say: {phrase!r}")
            if record.answer.disclaimer.strip():
                disclaimed += 1
            else:
                result.fail(example.id, "disclaimer: missing")
        result.metrics |= {
            "must_say_rate": ratio(met, groups),
            "must_not_say_violations": violations,
            "disclaimer_rate": ratio(disclaimed, len(records)),
        }
        return result
