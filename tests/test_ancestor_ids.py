"""Issue #13: a gold id matches any cited id inside it (docs/contract.md section 1).

`Cap. 486 Sch. 1` (the Data Protection Principles) is what an outside dataset names; answers
cite the principle itself, `Cap. 486 Sch. 1 s.3`, or a paragraph of it.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from assistant import config
from assistant.answer.schema import Answer, Citation, Timings
from evals.base import Record
from evals.citations import CitationEvaluator
from evals.dataset import Example, known_ids, load_dataset, unresolved
from evals.retrieval import AnswerRetrievalEvaluator, ndcg_at, recall_at, reciprocal_rank


@pytest.fixture(scope="module")
def known() -> frozenset[str]:
    return known_ids(config.corpus_dir())


def row(example_id: str, cite: list[list[str]], **fields: Any) -> dict[str, Any]:
    base = {"id": example_id, "question": "What must a data user do?", "lang": "en"}
    return base | {"expect": "answer", "cite": cite} | fields


def record(cite: list[list[str]], cited: list[str], **fields: Any) -> Record:
    example = Example.model_validate(row("q", cite, **fields))
    citations = [
        Citation(n=n, cite=c, doc_id="d", title="t", url="u", version_date="v", quote="q")
        for n, c in enumerate(cited, start=1)
    ]
    answer = Answer(
        question=example.question,
        language="en",
        status="answered",
        answer="text",
        citations=citations,
        disclaimer="d",
        timings_ms=Timings(),
        retrieved=cited,
    )
    return Record(example, answer, 0.1)


def scores(records: list[Record], known: frozenset[str]) -> dict[str, Any]:
    return CitationEvaluator(known, {}, {})(records).metrics


def test_a_schedule_in_a_dataset_is_known_because_its_sections_are(
    tmp_path: Path, known: frozenset[str]
) -> None:
    assert "Cap. 486 Sch. 1" not in known
    assert "Cap. 486 Sch. 1 s.3" in known
    path = tmp_path / "outside.jsonl"
    rows = [
        row("dpp", [["Cap. 486 Sch. 1"]]),
        row("typo", [["Cap. 486 Sch. 99"]], may_cite=["Cap. 486 Sch. 1 s.3(a)"]),
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    examples = load_dataset(path, known)
    warnings = unresolved(examples, known)
    assert len(warnings) == 1
    assert warnings[0].startswith("typo: unknown citation id 'Cap. 486 Sch. 99'")
    path.write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
    assert [e.id for e in load_dataset(path, known, strict=True)] == ["dpp"]


@pytest.mark.parametrize(
    ("gold", "cited", "met"),
    [
        ("Cap. 486 Sch. 1", "Cap. 486 Sch. 1 s.3", True),
        ("Cap. 486 Sch. 1", "Cap. 486 Sch. 1 s.3(a)", True),
        ("Cap. 486 Sch. 1", "Cap. 486 Sch. 1", True),
        ("Cap. 200 s.159AAE", "Cap. 200 s.159AAE(2)(b)", True),
        ("Cap. 200 s.159AAE(2)", "Cap. 200 s.159AAE(1)", True),
        ("Cap. 486 Sch. 1 s.3", "Cap. 486 Sch. 1", False),
        ("Cap. 486 Sch. 1 s.3", "Cap. 486 Sch. 1 s.4", False),
        ("Cap. 486 Sch. 1", "Cap. 486 Sch. 2 s.3", False),
        ("Cap. 486 Sch. 1", "Cap. 486 s.1", False),
    ],
)
def test_a_gold_id_is_met_by_any_cited_id_inside_it(
    gold: str, cited: str, met: bool, known: frozenset[str]
) -> None:
    metrics = scores([record([[gold]], [cited])], known)
    assert metrics["citation_recall"] == float(met)
    assert metrics["citation_precision"] == float(met)


def test_may_cite_accepts_what_is_inside_it_and_nothing_beside_it(known: frozenset[str]) -> None:
    cited = ["Cap. 486 s.64", "Cap. 486 Sch. 1 s.3", "Cap. 486 Sch. 1 s.5"]
    narrow = record([["Cap. 486 s.64"]], cited, may_cite=["Cap. 486 Sch. 1 s.3"])
    wide = record([["Cap. 486 s.64"]], cited, may_cite=["Cap. 486 Sch. 1"])
    assert scores([narrow], known)["citation_precision_statute"] == pytest.approx(2 / 3)
    assert scores([wide], known)["citation_precision_statute"] == 1.0


def test_retrieval_meets_a_schedule_with_any_of_its_sections() -> None:
    groups = [["Cap. 486 Sch. 1"]]
    ranking = ["Cap. 486 s.64", "Cap. 486 Sch. 2 s.1", "Cap. 486 Sch. 1 s.4"]
    assert recall_at(groups, ranking, 5)
    assert not recall_at(groups, ranking, 2)
    assert reciprocal_rank(groups, ranking) == pytest.approx(1 / 3)
    assert ndcg_at(groups, ranking, 10) == pytest.approx(0.5)
    hit = AnswerRetrievalEvaluator()([record(groups, ["Cap. 486 Sch. 1 s.4(1)"])])
    assert hit.metrics["retrieval_recall_at_5"] == 1.0
