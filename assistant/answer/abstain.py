"""Whether the corpus can answer a question, and which retrieved passages are related to it.

Retrieval always returns something, so an unrelated question would otherwise be answered from an
unrelated chunk. The dense similarity of the best passage separates the two well; BM25 stands in
for questions in Chinese, which the English embedding model cannot read. The thresholds were
calibrated on realistic questions (see benchmarks/bench_answer.py and the report of issue #4).
"""

from assistant.retrieve.hybrid import Hit

DENSE_MIN = 0.45
BM25_MIN_CJK = 8.0


def related(hit: Hit, language: str) -> bool:
    """A retrieved passage close enough to the question to be quoted in answer to it."""
    if language == "zh":
        return (hit.bm25 or 0.0) >= BM25_MIN_CJK or (hit.dense or 0.0) >= DENSE_MIN
    return (hit.dense or 0.0) >= DENSE_MIN


def can_answer(hits: list[Hit], language: str) -> bool:
    return any(related(hit, language) for hit in hits if hit.via == "search")
