"""One evaluation run: check the dataset, ask every question once, score, write the report.

The assistant is called in one place (`collect`), timed around the whole call; evaluators then
only read the records, so overall and per-language figures come from the same answers.
"""

import hashlib
import inspect
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assistant import config
from assistant.answer.schema import Answer
from assistant.ingest import build
from assistant.store import Index
from evals import report
from evals.base import Evaluation, Evaluator, Record, SequentialEvaluator, sections
from evals.behaviour import BehaviourEvaluator
from evals.citations import CitationEvaluator
from evals.content import ContentEvaluator
from evals.dataset import DatasetError, Example, known_ids, load_dataset, unresolved
from evals.language import AnswerLanguageEvaluator
from evals.latency import LatencyEvaluator
from evals.retrieval import (
    CONFIGS,
    AnswerRetrievalEvaluator,
    Config,
    RetrievalComparisonEvaluator,
)
from evals.support import SupportEvaluator
from evals.twins import NO_TWINS, Twins, load_twins

RANK_DEPTH = 10

Ask = Callable[[Example], Answer]
Rank = Callable[[str, Config], list[str]]


def collect(examples: list[Example], ask: Ask, rank: Rank | None = None) -> list[Record]:
    """Every question answered once; standalone answerable ones also searched per config."""
    records = []
    for example in tqdm(examples, desc="questions", unit="q", file=sys.stderr):
        started = time.perf_counter()
        answer = ask(example)
        seconds = time.perf_counter() - started
        rankings = {}
        if rank and example.expect == "answer" and example.cite and not example.history:
            rankings = {c.name: rank(example.question, c) for c in CONFIGS}
        records.append(Record(example, answer, seconds, rankings))
    return records


def score(records: list[Record], evaluator: Evaluator) -> tuple[Evaluation, dict[str, Any]]:
    """The whole set, then each language with the same evaluators."""
    overall = evaluator(records)
    overall.metrics = {"n": len(records)} | overall.metrics
    by_language = {}
    for lang in sorted({r.example.lang for r in records}):
        subset = [r for r in records if r.example.lang == lang]
        by_language[lang] = {"n": len(subset)} | evaluator(subset).metrics
    return overall, by_language


def evaluators(known: frozenset[str], index: Index, twins: Twins = NO_TWINS) -> SequentialEvaluator:
    """Every concern of the report; `twins` (read once per run from the corpus) makes a
    translated document count as its twin wherever cited or retrieved ids are matched."""
    from assistant.embed import load_embedder

    return SequentialEvaluator(
        [
            AnswerRetrievalEvaluator(twins),
            CitationEvaluator(known, index.texts, index.metadata, twins),
            ContentEvaluator(),
            BehaviourEvaluator(),
            AnswerLanguageEvaluator(),
            SupportEvaluator(embed=load_embedder().embed_documents),
            LatencyEvaluator(),
            RetrievalComparisonEvaluator(twins),
        ]
    )


def default_config(search: Callable[..., Any]) -> str | None:
    """The configuration `search` uses when called plainly: read from its signature, so the
    report marks what the code does, not what someone remembered."""
    params = inspect.signature(search).parameters
    mode, expand = params["mode"].default, params["expand"].default
    return next((c.name for c in CONFIGS if (c.mode, c.expand) == (mode, expand)), None)


def run(
    dataset: Path, out: Path, backend: str | None = None, strict: bool = False
) -> dict[str, Any]:
    """Everything that can stop a run (the output folder, dataset, backend, index, a question
    the pipeline would reject) is checked before the first question is asked. An id the corpus
    does not hold stops it only when strict; otherwise it is listed under "warnings"."""
    from assistant.answer.backends import get_backend
    from assistant.answer.pipeline import (
        QuestionError,
        answer,
        check_question,
        language_of,
        search_in,
        searchable,
    )
    from assistant.retrieve.hybrid import load_index, search

    started = time.perf_counter()
    report.check_out(out)
    known = known_ids(config.corpus_dir())
    twins = load_twins(config.corpus_dir())
    examples = load_dataset(dataset, known, strict)
    warnings = unresolved(examples, known)
    for example in examples:
        try:
            check_question(example.question)
        except QuestionError as exc:
            raise DatasetError(f"{dataset}, question {example.id!r}: {exc}") from exc
    backend = backend or inspect.signature(answer).parameters["backend"].default
    get_backend(backend)
    index = load_index()

    def ask(example: Example) -> Answer:
        return answer(example.question, history=example.history or None, backend=backend)

    def rank(question: str, cfg: Config) -> list[str]:
        language = language_of(question, None)
        query = searchable(question, language)
        hits = search_in(
            language, query, k=RANK_DEPTH, mode=cfg.mode, expand=cfg.expand, index=index
        )
        return sections([hit.section_cite for hit in hits])

    records = collect(examples, ask, rank)
    overall, by_language = score(records, evaluators(known, index, twins))
    result = report.build(
        records=records,
        overall=overall,
        by_language=by_language,
        meta={
            "dataset": {"path": str(dataset), "sha256": _sha256(dataset), "n": len(examples)},
            "backend": records[0].answer.backend,
            "index": _index_meta(index),
            "retrieval_default": default_config(search),
            "seconds": round(time.perf_counter() - started, 1),
            "warnings": warnings,
        },
    )
    report.write(result, out)
    return result


def _index_meta(index: Index) -> dict[str, Any]:
    """Which build was scored, and whether `python -m assistant index` would rebuild it: a
    stale index would be scored against quotes the corpus no longer holds."""
    manifest = index.manifest
    inputs = build.corpus_inputs(config.corpus_dir())
    return {
        "dir": str(index.dir),
        "built_at": manifest.built_at,
        "chunks": manifest.chunks,
        "model": manifest.model,
        "current": build.is_current(manifest, inputs, index.dir),
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
