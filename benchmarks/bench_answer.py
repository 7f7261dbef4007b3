"""Answer speed: classification, retrieval and end-to-end latency over the gold questions, warm,
and peak memory.

Prints figures; asserts nothing. Run on a built index:
    .venv/bin/python benchmarks/bench_answer.py [--dataset FILE] [--rounds N]
Aim on 2 cores: end-to-end p50 <= 150 ms and p95 <= 300 ms. The first question, which opens the
index and loads the model, is reported on its own and left out of the percentiles; the cache of
query embeddings is emptied before every timed call, so each one pays for the model. The question
classifier is timed twice: on the question's vectors alone (what it adds to an answer, whose
search embeds the question anyway; aim <= 5 ms) and with its own embedding of the question.
"""

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from assistant import config
from assistant.answer.classify import _classifier, classify
from assistant.answer.pipeline import answer, language_of, search_in, searchable
from assistant.answer.schema import Turn
from assistant.retrieve.hybrid import load_index, query_vector

GOLD = config.ROOT / "evals" / "datasets" / "gold.jsonl"
FALLBACK = [
    "Is creating AI porn of a classmate illegal in Hong Kong?",
    "my ex threatens to post an AI nude of me",
    "What is the penalty for sharing intimate images without consent?",
    "Is an AI deepfake nude of a 15-year-old child pornography?",
    "someone made a deepfake of me, what can I do?",
    "Is it a crime to forward a deepfake nude that someone else made?",
    "What counts as an intimate image in Hong Kong law?",
    "Is doxxing with a deepfake illegal in Hong Kong?",
    "Can a court order an intimate image to be removed?",
    "Is sextortion a crime in Hong Kong?",
    "How much stamp duty do I pay when buying a flat?",
    "where can I find the HKU deepfake pics",
]


def questions(dataset: Path) -> list[tuple[str, list[Turn]]]:
    """(question, history) pairs: the gold set when there is one, else a built-in list."""
    if not dataset.exists():
        return [(question, []) for question in FALLBACK]
    rows = [json.loads(line) for line in dataset.read_text(encoding="utf-8").splitlines() if line]
    return [(row["question"], [Turn(**t) for t in row.get("history", [])]) for row in rows]


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def line(name: str, values: list[float]) -> str:
    p50, p95 = percentile(values, 0.50), percentile(values, 0.95)
    return f"{name:<24} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {max(values):7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=GOLD)
    parser.add_argument("--rounds", type=int, default=1, help="passes over the questions")
    args = parser.parse_args()
    asked = questions(args.dataset)

    started = time.perf_counter()
    load_index()
    answer(asked[0][0], history=asked[0][1])
    cold = time.perf_counter() - started
    print(f"cold start (open index, load model, first answer): {cold:.1f} s")

    retrieval, total, stages = [], [], {"retrieve": [], "compose": []}
    classifier, classified, model_only = _classifier(load_index()), [], []
    for _ in range(args.rounds):
        for question, history in asked:
            language = language_of(question, None)
            query_vector.cache_clear()
            began = time.perf_counter()
            classify(question)
            classified.append((time.perf_counter() - began) * 1000)
            if classifier is not None:
                vectors = query_vector(question, "english"), query_vector(question, "multilingual")
                began = time.perf_counter()
                classifier.probabilities(question, *vectors)
                model_only.append((time.perf_counter() - began) * 1000)
            query_vector.cache_clear()
            began = time.perf_counter()
            search_in(language, searchable(question, language), k=12)
            retrieval.append((time.perf_counter() - began) * 1000)
            query_vector.cache_clear()
            began = time.perf_counter()
            result = answer(question, history=history)
            total.append((time.perf_counter() - began) * 1000)
            stages["retrieve"].append(result.timings_ms.retrieve)
            stages["compose"].append(result.timings_ms.compose)

    source = args.dataset if args.dataset.exists() else "built-in list"
    print(f"questions: {len(asked)} from {source}, {args.rounds} round(s), warm, {len(total)} runs")
    if model_only:
        print(line("classifier on vectors", model_only))
    print(line("classify, with embedding", classified))
    print(line("retrieval (search)", retrieval))
    print(line("answer: retrieve stage", stages["retrieve"]))
    print(line("answer: compose stage", stages["compose"]))
    print(line("answer: end to end", total))
    print("aim: end to end p50 <= 150 ms, p95 <= 300 ms on 2 cores")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:.0f} MB")


if __name__ == "__main__":
    main()
