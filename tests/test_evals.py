"""The evaluation harness: dataset checks, each evaluator on hand-made answers, the CLI."""

import json
from pathlib import Path
from typing import Any

import pytest

from assistant import config
from assistant.answer.schema import Answer, Citation, Timings
from evals import __main__ as cli
from evals import report, runner
from evals.base import Record, SequentialEvaluator
from evals.behaviour import BehaviourEvaluator
from evals.citations import CitationEvaluator
from evals.content import ContentEvaluator
from evals.dataset import DatasetError, Example, known_ids, load_dataset
from evals.latency import LatencyEvaluator
from evals.retrieval import AnswerRetrievalEvaluator, ndcg_at, recall_at, reciprocal_rank
from evals.support import SupportEvaluator, claims, sentences

DATASETS = Path(__file__).resolve().parent.parent / "evals" / "datasets"
S159AAE_1 = "(1) A person commits an offence if— (a) the person publishes an intimate image"
TEXTS = {"c1": f"{S159AAE_1} of an individual;", "c2": "Blackmail is an offence."}
METADATA = {
    "c1": {"section_cite": "Cap. 200 s.159AAE"},
    "c2": {"section_cite": "Cap. 210 s.23"},
}
KNOWN = frozenset({"Cap. 200 s.159AAE", "Cap. 210 s.23", "Cap. 200 s.24", "doc:help-police"})


@pytest.fixture(scope="module")
def known() -> frozenset[str]:
    return known_ids(config.corpus_dir())


def example(**fields: Any) -> Example:
    base = {"id": "q1", "question": "Is it illegal?", "lang": "en", "expect": "answer"}
    base.setdefault("cite", [["Cap. 200 s.159AAE"]])
    return Example.model_validate(base | fields)


def cite(n: int, cite_id: str, quote: str, chunk_id: str = "") -> Citation:
    return Citation(
        n=n,
        cite=cite_id,
        doc_id="d",
        title="t",
        url="u",
        version_date="v",
        quote=quote,
        chunk_id=chunk_id,
    )


def answer(text: str = "", citations: list[Citation] | None = None, **fields: Any) -> Answer:
    base = {
        "question": "Is it illegal?",
        "language": "en",
        "status": "answered",
        "answer": text,
        "citations": citations or [],
        "disclaimer": "This is legal information, not legal advice.",
        "timings_ms": Timings(),
    }
    return Answer.model_validate(base | fields)


def record(ex: Example | None = None, ans: Answer | None = None, seconds: float = 0.1) -> Record:
    return Record(ex or example(), ans or answer(), seconds)


def write_lines(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = json.dumps(
    {"id": "a", "question": "Q?", "lang": "en", "expect": "answer", "cite": [["Cap. 210 s.23"]]}
)
SECOND = GOOD.replace('"a"', '"b"')


# --- datasets ---


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"id": "b", "question": ', "line 2: bad JSON"),
        (SECOND.replace('"lang"', '"expected": 1, "lang"'), "line 2: unknown field 'expected'"),
        (SECOND.replace("s.23", "s.999"), "line 2: unknown citation id 'Cap. 210 s.999'"),
        (SECOND.replace("Cap. 210 s.23", "section 23"), "line 2: 'section 23' is not a citation"),
        (SECOND.replace('"en"', '"fr"'), "line 2: lang:"),
        (SECOND.replace(', "cite": [["Cap. 210 s.23"]]', ""), "line 2: missing field 'cite'"),
        (GOOD, "line 2: duplicate id 'a'"),
    ],
)
def test_dataset_errors_name_the_line(tmp_path: Path, bad: str, message: str) -> None:
    path = write_lines(tmp_path, [GOOD, bad])
    with pytest.raises(DatasetError, match=message.replace("(", r"\(")):
        load_dataset(path, KNOWN)


def test_unknown_id_says_not_in_this_corpus(tmp_path: Path) -> None:
    path = write_lines(tmp_path, [GOOD.replace("Cap. 210 s.23", "Cap. 200 s.118")])
    with pytest.raises(DatasetError, match="not in this corpus"):
        load_dataset(path, KNOWN)


def test_pinpoints_and_blank_lines_are_accepted(tmp_path: Path) -> None:
    path = write_lines(tmp_path, ["", GOOD.replace("s.23", "s.23(1)"), ""])
    assert [e.cite for e in load_dataset(path, KNOWN)] == [[["Cap. 210 s.23(1)"]]]


@pytest.mark.parametrize("name", ["gold.jsonl", "gold-smoke.jsonl", "holdout.jsonl"])
def test_gold_datasets_are_valid(name: str, known: frozenset[str]) -> None:
    examples = load_dataset(DATASETS / name, known)
    assert {e.expect for e in examples} == {"answer", "abstain", "refuse"}


def test_gold_set_covers_what_the_issue_asks(known: frozenset[str]) -> None:
    examples = load_dataset(DATASETS / "gold.jsonl", known)
    count = {kind: sum(e.expect == kind for e in examples) for kind in ("refuse", "abstain")}
    assert len(examples) >= 80
    assert count["refuse"] >= 10 and count["abstain"] >= 10
    assert sum(e.lang == "zh" for e in examples) >= 15
    assert any(e.history for e in examples)
    smoke = load_dataset(DATASETS / "gold-smoke.jsonl", known)
    assert {e.id for e in smoke} <= {e.id for e in examples}


# --- evaluators on hand-made answers ---


def test_citation_validity_checks_quote_chunk_and_id() -> None:
    evaluator = CitationEvaluator(KNOWN, TEXTS, METADATA)
    valid = cite(1, "Cap. 200 s.159AAE(1)", S159AAE_1, "c1")
    assert evaluator.invalid(valid) is None
    assert evaluator.invalid(cite(1, "Cap. 200 s.159AAE", S159AAE_1)) is None
    assert "not verbatim" in evaluator.invalid(cite(1, "Cap. 200 s.159AAE", "made up", "c1"))
    assert "from Cap. 210 s.23" in evaluator.invalid(
        cite(1, "Cap. 200 s.159AAE", "Blackmail", "c2")
    )
    assert "not in this corpus" in evaluator.invalid(cite(1, "Cap. 200 s.118", "x"))
    assert "not in the index" in evaluator.invalid(cite(1, "Cap. 200 s.159AAE", S159AAE_1, "zz"))

    bad = answer(citations=[valid, cite(2, "Cap. 200 s.159AAE", "invented quote", "c1")])
    result = evaluator([record(ans=bad)])
    assert result.metrics["citation_validity"] == 0.5
    assert any("citation_validity: [2]" in f for f in result.failures["q1"])


def test_citation_recall_and_precision_count_pinpoints_as_sections() -> None:
    evaluator = CitationEvaluator(KNOWN, TEXTS, METADATA)
    ex = example(cite=[["Cap. 200 s.159AAE(2)"], ["Cap. 210 s.23"]], may_cite=["doc:help-police"])
    cited = [
        cite(1, "Cap. 200 s.159AAE(1)", S159AAE_1, "c1"),
        cite(2, "doc:help-police", "Call 999."),
        cite(3, "Cap. 200 s.24", "Any person who threatens"),
    ]
    result = evaluator([record(ex, answer(citations=cited))])
    assert result.metrics["citation_recall"] == 0.5
    assert result.metrics["citation_precision"] == pytest.approx(2 / 3)


def test_abstain_and_refuse_questions_stay_out_of_precision() -> None:
    evaluator = CitationEvaluator(KNOWN, TEXTS, METADATA)
    refused = record(example(expect="refuse", cite=[]), answer(status="refused"))
    result = evaluator([refused])
    assert result.metrics["citation_precision"] is None
    assert result.metrics["citation_recall"] is None


def test_content_checks_phrases_case_insensitively() -> None:
    ex = example(must_say=[["5 years", "five years"], ["police"]], must_not_say=["Not an offence"])
    ans = answer("Up to 5 YEARS. It is not an offence to ask.", disclaimer="")
    result = ContentEvaluator()([record(ex, ans)])
    assert result.metrics == {
        "must_say_rate": 0.5,
        "must_not_say_violations": 1,
        "disclaimer_rate": 0.0,
    }


def test_behaviour_rates() -> None:
    records = [
        record(example(id="a"), answer(status="abstained")),
        record(example(id="b"), answer()),
        record(example(id="c", expect="abstain", cite=[]), answer(status="abstained")),
        record(example(id="d", expect="refuse", cite=[]), answer(status="answered")),
    ]
    result = BehaviourEvaluator()(records)
    assert result.metrics == {
        "abstain_accuracy": 1.0,
        "refuse_accuracy": 0.0,
        "false_abstain_rate": 0.5,
    }
    assert result.failures["d"] == ["behaviour: expected refuse, got answered"]


def test_sentences_keep_markers_and_citation_abbreviations() -> None:
    text = "It is an offence (Cap. 200 s.159AAE(1)). [1] Call 999 [2].\n- 罪行。[3]其他"
    assert list(sentences(text)) == [
        "It is an offence (Cap. 200 s.159AAE(1)). [1]",
        "Call 999 [2].",
        "- 罪行。[3]",
        "其他",
    ]


def test_claims_skip_quotes_and_the_sources_list() -> None:
    text = (
        "**Short answer**\n"
        "Sharing can be an offence (Cap. 200 s.159AAE(1); doc:help-police). [1] [2]\n"
        "> (1) A person commits an offence if— [2]\n"
        "> — `Cap. 200 s.159AAE(1)`, Crimes Ordinance [2]\n"
        "- [1] `doc:x` — Title — https://example.org\n- Call 999. [3]"
    )
    assert list(claims(text)) == [("Sharing can be an offence .", [1, 2]), ("Call 999.", [3])]


def test_support_rate_is_the_share_of_supported_sentences() -> None:
    citations = [cite(1, "Cap. 210 s.23", "A person commits blackmail if he makes a demand.")]
    text = "Making a demand can be blackmail [1]. Penalties include prison and fines [1]."
    result = SupportEvaluator()([record(ans=answer(text, citations))])
    assert result.metrics["support_rate"] == 0.5
    assert result.failures["q1"][0].startswith('support: "Penalties include prison')


def test_latency_percentiles() -> None:
    records = [record(seconds=s) for s in (0.1, 0.2, 0.3, 0.4, 1.0)]
    metrics = LatencyEvaluator()(records).metrics
    assert metrics["latency_ms_p50"] == pytest.approx(300)
    assert 400 < metrics["latency_ms_p95"] <= 1000


def test_ranking_metrics() -> None:
    groups = [["Cap. 200 s.159AAE"], ["Cap. 210 s.23", "Cap. 200 s.24"]]
    ranking = ["doc:x", "Cap. 200 s.24", "Cap. 200 s.159AAE"]
    assert recall_at(groups, ranking, 3) and not recall_at(groups, ranking, 2)
    assert reciprocal_rank(groups, ranking) == 0.5
    assert ndcg_at(groups, ranking, 10) == pytest.approx(
        (1 / 1.585 + 1 / 2) / (1 + 1 / 1.585), 1e-3
    )
    assert ndcg_at(groups, ["Cap. 200 s.159AAE", "Cap. 200 s.24"], 10) == pytest.approx(1.0)


def test_answer_retrieval_uses_the_top_five_sections() -> None:
    retrieved = ["doc:a", "Cap. 200 s.159AAE(1)", "Cap. 200 s.159AAE(2)", "doc:b", "doc:c"]
    hit = record(example(id="hit"), answer(retrieved=retrieved))
    others = [f"doc:{n}" for n in "abcde"]
    miss = record(example(id="miss"), answer(retrieved=[*others, "Cap. 200 s.159AAE"]))
    result = AnswerRetrievalEvaluator()([hit, miss])
    assert result.metrics["retrieval_recall_at_5"] == 0.5
    assert list(result.failures) == ["miss"]


# --- the report and the CLI ---


def fake_report(tmp_path: Path, records: list[Record]) -> dict[str, Any]:
    evaluator = SequentialEvaluator([BehaviourEvaluator(), ContentEvaluator()])
    overall, by_language = runner.score(records, evaluator)
    meta = {
        "dataset": {"path": "d.jsonl", "sha256": "0" * 64, "n": len(records)},
        "backend": "extractive",
        "index": {"built_at": "now", "chunks": 1, "current": True},
        "retrieval_default": "hybrid_expand",
        "seconds": 1.0,
    }
    return report.build(records, overall, by_language, meta)


def test_report_is_written_whole_and_replaces_an_old_one(tmp_path: Path) -> None:
    records = [record(), record(example(id="z", lang="zh"), answer(status="abstained"))]
    result = fake_report(tmp_path, records)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("{}")
    (out / "stale.png").write_text("")
    report.write(result, out)
    assert sorted(p.name for p in out.iterdir()) == [
        "metrics.png",
        "report.json",
        "report.md",
        "retrieval.png",
    ]
    data = json.loads((out / "report.json").read_text())
    assert set(data["by_language"]) == {"en", "zh"}
    assert data["items"][1]["failed"] == ["behaviour: expected answer, got abstained"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_report_refuses_a_folder_that_is_not_a_report(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        report.write(fake_report(tmp_path, [record()]), tmp_path)


def test_cli_writes_nothing_for_a_malformed_dataset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_lines(tmp_path, [GOOD.replace("Cap. 210 s.23", "Cap. 210 s.23"), "{oops"])
    out = tmp_path / "out"
    assert cli.main(["run", "--dataset", str(path), "--out", str(out)]) == 2
    assert "line 2: bad JSON" in capsys.readouterr().err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl"]


def test_cli_leaves_a_folder_that_is_not_a_report_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_lines(tmp_path, [GOOD])
    (tmp_path / "notes.txt").write_text("mine")
    assert cli.main(["run", "--dataset", str(path), "--out", str(tmp_path)]) == 2
    assert "does not hold a report" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_fail_under_and_fail_over_exit_1_with_a_line_per_metric(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = fake_report(tmp_path, [record(ans=answer(status="abstained"))])
    monkeypatch.setattr(runner, "run", lambda *args: result)
    args = ["run", "--dataset", "d.jsonl", "--out", str(tmp_path / "o")]
    assert cli.main([*args, "--fail-under", "disclaimer_rate=1"]) == 0
    code = cli.main(
        [
            *args,
            "--fail-under",
            "by_language.en.disclaimer_rate=1",
            "--fail-over",
            "false_abstain_rate=0.1",
            "--fail-under",
            "refuse_accuracy=1",
        ]
    )
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err == [
        "refuse_accuracy was not measured (no questions of that kind)",
        "false_abstain_rate is 1.000, over the threshold 0.1",
    ]


def test_thresholds_must_point_the_right_way(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "--dataset", "d", "--out", "o", "--fail-under", "false_abstain_rate=0"])
    assert exit_.value.code == 2
    assert "use --fail-over" in capsys.readouterr().err


# --- the gold sets against the real index (CI runs these; the gates are in evals/README.md) ---

SMOKE_GATE = [
    *("--fail-under", "citation_validity=1", "--fail-under", "disclaimer_rate=1"),
    *("--fail-over", "must_not_say_violations=0", "--fail-over", "false_abstain_rate=0.1"),
    *("--fail-under", "by_language.en.retrieval_recall_at_5=0.9"),
    *("--fail-under", "by_language.en.citation_recall=0.9"),
    *("--fail-under", "by_language.en.citation_precision=0.8"),
    *("--fail-under", "abstain_accuracy=0.8", "--fail-under", "refuse_accuracy=1"),
]
FULL_GATE = [
    *("--fail-under", "citation_validity=1", "--fail-under", "disclaimer_rate=1"),
    *("--fail-over", "must_not_say_violations=0", "--fail-over", "false_abstain_rate=0.1"),
    *("--fail-under", "by_language.en.retrieval_recall_at_5=0.85"),
    *("--fail-under", "by_language.en.citation_recall=0.85"),
    *("--fail-under", "by_language.en.citation_precision=0.9"),
    *("--fail-under", "abstain_accuracy=0.8", "--fail-under", "refuse_accuracy=0.9"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "gate"), [("gold-smoke", SMOKE_GATE), ("gold", FULL_GATE)])
def test_gold_set_passes_its_ci_gate(
    built_index: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    gate: list[str],
) -> None:
    out = tmp_path / "report"
    dataset = DATASETS / f"{name}.jsonl"
    code = cli.main(["run", "--dataset", str(dataset), "--out", str(out), *gate])
    assert code == 0, capsys.readouterr().err
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert set(report.CONTRACT_KEYS) <= set(data["metrics"])
    assert set(report.METRIC_KEYS) <= set(data["metrics"])
    assert set(data["by_language"]) == {"en", "zh"}
    assert len(data["items"]) == data["metrics"]["n"] == len(dataset.read_text().splitlines())
    assert data["retrieval_default"] == "hybrid_expand"
    assert "## Retrieval configurations" in (out / "report.md").read_text(encoding="utf-8")
    assert all((out / chart).read_bytes().startswith(b"\x89PNG") for chart in report.CHARTS)
