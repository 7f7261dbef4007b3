"""LLM backend speed and safety figures: first token, first verified sentence, complete answer,
removed-sentence rate and fallback rate, over questions from the gold, real and Chinese sets.

Prints figures; asserts nothing. Needs a built index and a model:
    scripts/get-model                  # prints the export HKLAW_LLM_GGUF=... line
    .venv/bin/python benchmarks/bench_llm.py --serve          # llama.cpp server on that file
    .venv/bin/python benchmarks/bench_llm.py --backend llamacpp
    HKLAW_LLM_BASE_URL=http://host:port/v1 .venv/bin/python benchmarks/bench_llm.py
Aims with the local 1.5B model on 2 cores: first token <= 3 s, complete answer p50 <= 15 s.

Times are read from `answer_stream`: first token is the first Progress (the model has written
something), first verified sentence the first Sentence the reader would see. The removed rate is
removed / (removed + shown) model sentences; the fallback rate counts, among the questions the
model was asked (status `answered`), those that got the extractive answer instead. The first
question, which loads the index and the embedding models, is timed on its own. Question texts
are never printed, only their dataset ids.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from assistant import config
from assistant.answer.backends import Progress, Sentence
from assistant.answer.pipeline import answer_stream
from assistant.answer.schema import Answer

DATASETS = config.ROOT / "evals" / "datasets"
SERVER_START_S = 300


@dataclass
class Run:
    id: str
    result: Answer
    total_s: float
    first_token_s: float | None
    first_sentence_s: float | None
    shown: int


def questions(smoke: int, real: int, chinese: int) -> list[dict]:
    """The first rows of each set, in file order, so runs compare like for like."""
    picked = []
    for name, count in (("gold-smoke", smoke), ("real", real), ("gold-zh", chinese)):
        lines = (DATASETS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        picked += [json.loads(line) for line in lines if line.strip()][:count]
    return picked


def timed(row: dict, backend: str) -> Run:
    began = time.perf_counter()
    first_token = first_sentence = None
    shown = 0
    for event in answer_stream(row["question"], lang=row.get("lang"), backend=backend):
        elapsed = time.perf_counter() - began
        if isinstance(event, Progress) and first_token is None:
            first_token = elapsed
        elif isinstance(event, Sentence):
            shown += 1
            first_sentence = first_sentence if first_sentence is not None else elapsed
        elif isinstance(event, Answer):
            result = event
    total = time.perf_counter() - began
    return Run(row["id"], result, total, first_token, first_sentence, shown)


def percentiles(values: list[float]) -> str:
    if not values:
        return "no values"
    if len(values) == 1:
        return f"p50 {values[0]:6.2f} s (one value)"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {cuts[49]:6.2f} s   p95 {cuts[94]:6.2f} s   max {max(values):6.2f} s"


def report(runs: list[Run]) -> None:
    asked = [run for run in runs if run.result.status == "answered"]
    model = [run for run in asked if not run.result.fallback]
    removed = sum(run.result.removed for run in asked)
    shown = sum(run.shown for run in asked)
    fallbacks = [run for run in asked if run.result.fallback]
    statuses = Counter(run.result.status for run in runs)
    print(f"questions: {len(runs)} ({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))})")
    first_tokens = [run.first_token_s for run in asked if run.first_token_s is not None]
    first_sentences = [run.first_sentence_s for run in asked if run.first_sentence_s is not None]
    print(f"first token              {percentiles(first_tokens)}")
    print(f"first verified sentence  {percentiles(first_sentences)}")
    print(f"complete answer (asked)  {percentiles([run.total_s for run in asked])}")
    print(f"complete, model's answer {percentiles([run.total_s for run in model])}")
    rate = removed / (removed + shown) if removed + shown else 0.0
    print(f"removed sentences: {removed} of {removed + shown} ({rate:.1%})")
    share = len(fallbacks) / len(asked) if asked else 0.0
    print(f"fallback: {len(fallbacks)} of {len(asked)} answered ({share:.1%})")
    for reason, count in Counter(run.result.fallback_reason for run in fallbacks).most_common():
        print(f"  {count} x {reason}")
    for run in runs:
        print(
            f"  {run.id:<40} {run.result.status:<9} {run.total_s:6.1f} s  shown {run.shown}"
            f"  removed {run.result.removed}{'  fallback' if run.result.fallback else ''}"
        )
    print("aim: first token <= 3 s, complete answer p50 <= 15 s (2 cores, 1.5B model)")


@contextmanager
def llama_server(gguf: str) -> Iterator[None]:
    """llama.cpp's OpenAI-compatible server on a free port, for the `openai` backend."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "llama_cpp.server", "--model", gguf, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--n_ctx", "4096"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}/v1"
    began = time.perf_counter()
    try:
        while True:
            try:
                urllib.request.urlopen(f"{base_url}/models", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.perf_counter() - began > SERVER_START_S:
                    sys.exit("error: the llama.cpp server did not start (is the model valid?)")
                time.sleep(0.5)
        print(f"llama.cpp server ready in {time.perf_counter() - began:.1f} s")
        os.environ["HKLAW_LLM_BASE_URL"] = base_url
        os.environ.setdefault("HKLAW_LLM_MODEL", Path(gguf).name)
        yield
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="openai")
    parser.add_argument("--smoke", type=int, default=12, help="questions from gold-smoke.jsonl")
    parser.add_argument("--real", type=int, default=4, help="questions from real.jsonl")
    parser.add_argument("--zh", type=int, default=4, help="questions from gold-zh.jsonl")
    parser.add_argument(
        "--serve", action="store_true", help="start llama.cpp's server on $HKLAW_LLM_GGUF"
    )
    args = parser.parse_args()
    rows = questions(args.smoke, args.real, args.zh)
    gguf = os.environ.get("HKLAW_LLM_GGUF", "")
    if args.serve and not gguf:
        sys.exit("error: --serve needs HKLAW_LLM_GGUF: run scripts/get-model")
    with llama_server(gguf) if args.serve else nullcontext():
        warm = timed(rows[0], args.backend)
        print(f"cold first question (index, embedders, model): {warm.total_s:.1f} s")
        report([timed(row, args.backend) for row in rows])


if __name__ == "__main__":
    main()
