"""One evaluation run: check the dataset, ask every question once, score, write the report.

The system is called in one place (`collect`), timed around the whole call; evaluators then
only read the records, so overall and per-language figures come from the same answers. Answers
written by another system (`evals.score`) become the same records and go through `report_on`,
so both paths give the same figures by the same code.
"""

import hashlib
import inspect
import sys
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
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
from evals.fallback import FallbackEvaluator
from evals.language import AnswerLanguageEvaluator
from evals.latency import LatencyEvaluator
from evals.retrieval import (
    CONFIGS,
    AnswerRetrievalEvaluator,
    Config,
    RetrievalComparisonEvaluator,
)
from evals.support import SupportEvaluator
from evals.systems import ASSISTANT, baseline
from evals.twins import NO_TWINS, Twins, load_twins

RANK_DEPTH = 10

Ask = Callable[[Example], Answer]
Rank = Callable[[str, Config], list[str]]


@dataclass
class Checked:
    """A dataset read and checked against this corpus, before anything is asked or scored."""

    path: Path
    known: frozenset[str]
    twins: Twins
    examples: list[Example]
    warnings: list[str]


def check(dataset: Path, out: Path, strict: bool) -> Checked:
    """The output folder and the dataset, checked first: a run that cannot be written or a
    dataset that cannot be read stops before the first question."""
    report.check_out(out)
    known = known_ids(config.corpus_dir())
    examples = load_dataset(dataset, known, strict)
    twins = load_twins(config.corpus_dir())
    return Checked(dataset, known, twins, examples, unresolved(examples, known))


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


class Subset(Evaluator):
    """An evaluator that sees only some questions: an answers file from another system may
    carry no ranking or no time for a question, which is then left out of that metric rather
    than counted as a miss or as zero milliseconds."""

    def __init__(self, evaluator: Evaluator, ids: Collection[str] | None) -> None:
        self.evaluator = evaluator
        self.ids = ids

    def __call__(self, records: list[Record]) -> Evaluation:
        if self.ids is None:
            return self.evaluator(records)
        return self.evaluator([r for r in records if r.example.id in self.ids])


def evaluators(
    known: frozenset[str],
    index: Index,
    twins: Twins = NO_TWINS,
    ranked: Collection[str] | None = None,
    timed: Collection[str] | None = None,
) -> SequentialEvaluator:
    """Every concern of the report; `twins` (read once per run from the corpus) makes a
    translated document count as its twin wherever cited or retrieved ids are matched.
    `ranked` and `timed`, when given, are the question ids whose answers reported retrieved
    sources and a time; retrieval and latency are measured on those alone."""
    from assistant.embed import load_embedder

    return SequentialEvaluator(
        [
            Subset(AnswerRetrievalEvaluator(twins), ranked),
            CitationEvaluator(known, index.texts, index.metadata, twins),
            ContentEvaluator(),
            BehaviourEvaluator(),
            AnswerLanguageEvaluator(),
            SupportEvaluator(embed=load_embedder().embed_documents),
            Subset(LatencyEvaluator(), timed),
            FallbackEvaluator(),
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
    dataset: Path,
    out: Path,
    backend: str | None = None,
    strict: bool = False,
    system: str = ASSISTANT,
) -> dict[str, Any]:
    """Everything that can stop a run (the output folder, dataset, backend, index, a question
    the pipeline would reject) is checked before the first question is asked. An id the corpus
    does not hold stops it only when strict; otherwise it is listed under "warnings". A
    baseline `system` (`evals.systems`) answers in place of the assistant and is not searched
    per retrieval configuration: that comparison is of the assistant's own search."""
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
    checked = check(dataset, out, strict)
    for example in checked.examples:
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

    if system == ASSISTANT:
        records = collect(checked.examples, ask, rank)
    else:
        records = collect(checked.examples, baseline(system, index))
    meta = {
        "system": system,
        "backend": records[0].answer.backend if system == ASSISTANT else None,
        "retrieval_default": default_config(search) if system == ASSISTANT else None,
    }
    evaluator = evaluators(checked.known, index, checked.twins)
    return report_on(checked, records, evaluator, index, out, meta, started)


def report_on(
    checked: Checked,
    records: list[Record],
    evaluator: Evaluator,
    index: Index,
    out: Path,
    meta: dict[str, Any],
    started: float,
) -> dict[str, Any]:
    """Score the records and write the report; `meta` says which system answered and how."""
    overall, by_language = score(records, evaluator)
    dataset = {
        "path": str(checked.path),
        "sha256": sha256(checked.path),
        "n": len(checked.examples),
    }
    result = report.build(
        records=records,
        overall=overall,
        by_language=by_language,
        meta={
            "dataset": dataset,
            **meta,
            "index": _index_meta(index),
            "seconds": round(time.perf_counter() - started, 1),
            "warnings": checked.warnings,
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


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
