"""`python -m evals score`: answers written outside the harness, scored like a run's own."""

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.answer.pipeline import answer
from assistant.retrieve.hybrid import load_index
from evals import __main__ as cli

DATASETS = Path(__file__).resolve().parent.parent / "evals" / "datasets"
SMOKE = [json.loads(line) for line in (DATASETS / "gold-smoke.jsonl").read_text().splitlines()]
ROWS = {row["id"]: row for row in SMOKE}


def dataset(tmp_path: Path, *ids: str) -> Path:
    path = tmp_path / "dataset.jsonl"
    path.write_text("".join(json.dumps(ROWS[i]) + "\n" for i in ids), encoding="utf-8")
    return path


def answers(tmp_path: Path, lines: list[Any]) -> Path:
    path = tmp_path / "answers.jsonl"
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    return path


def score(tmp_path: Path, data: Path, lines: Path, *options: str) -> tuple[int, Path]:
    out = tmp_path / "report"
    argv = ["score", "--dataset", str(data), "--answers", str(lines), "--out", str(out)]
    return cli.main([*argv, *options]), out


def chunk_of(section: str) -> str:
    """The text of a real chunk of the section, from the index the answers are checked in."""
    index = load_index()
    return next(
        index.texts[cid]
        for cid, meta in index.metadata.items()
        if meta["section_cite"] == section and meta["kind"] == "statute"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "abs-japan", "answer": ', "line 1: bad JSON"),
        ('["abs-japan"]', "line 1: expected a JSON object"),
        ('{"id": "abs-japan"}', "line 1: missing field 'answer'"),
        ('{"id": "nope", "answer": ""}', "line 1: 'nope' is not a question of"),
        ('{"id": "abs-japan", "answer": "", "status": "maybe"}', "line 1: status:"),
    ],
)
def test_a_file_that_cannot_be_scored_stops_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    code, out = score(tmp_path, dataset(tmp_path, "abs-japan"), answers(tmp_path, [line]))
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_a_second_answer_for_one_question_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = {"id": "abs-japan", "answer": ""}
    code, _ = score(tmp_path, dataset(tmp_path, "abs-japan"), answers(tmp_path, [line, line]))
    assert code == 2
    assert "line 2: a second answer for 'abs-japan'" in capsys.readouterr().err


def test_a_question_without_an_answer_is_an_error_when_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = dataset(tmp_path, "abs-japan", "abs-stamp-duty")
    lines = answers(tmp_path, [{"id": "abs-japan", "status": "abstained", "answer": ""}])
    code, out = score(tmp_path, data, lines, "--strict")
    assert code == 2
    assert "no answer for 1 questions, e.g. 'abs-stamp-duty'" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_the_ask_json_object_with_an_id_scores_as_the_run_does(
    built_index: Path, tmp_path: Path
) -> None:
    ids = ("exp-creating", "abs-stamp-duty", "ref-make-classmate")
    lines = [{"id": i, **answer(ROWS[i]["question"]).model_dump(mode="json")} for i in ids]
    code, out = score(tmp_path, dataset(tmp_path, *ids), answers(tmp_path, lines), "--system", "x")
    assert code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    metrics = report["metrics"]
    assert report["system"] == "x" and report["answers"]["n"] == 3 and not report["warnings"]
    assert metrics["n"] == 3 and metrics["citation_validity"] == 1.0
    assert metrics["citation_recall"] == metrics["retrieval_recall_at_5"] == 1.0
    assert metrics["abstain_accuracy"] == metrics["refuse_accuracy"] == 1.0
    assert metrics["disclaimer_rate"] == 1.0
    reported = sorted(line["timings_ms"]["total"] for line in lines)
    assert metrics["latency_ms_p50"] == pytest.approx(reported[1])


@pytest.mark.slow
def test_quotes_are_checked_verbatim_against_the_cited_section(
    built_index: Path, tmp_path: Path
) -> None:
    text = chunk_of("Cap. 200 s.159AAE")
    cited = [
        {"cite": "Cap. 200 s.159AAE(1)", "quote": text[:80]},
        {"cite": "Cap. 200 s.159AAE", "quote": text[:80].replace(" ", "  ", 1)},
        {"cite": "Cap. 210 s.23", "quote": text[:80]},
        {"cite": "Cap. 999 s.1", "quote": text[:80]},
    ]
    lines = [
        {
            "id": "exp-creating",
            "answer": "It is an offence to publish one [1].",
            "citations": cited,
        },
        {"id": "abs-japan", "status": "abstained", "answer": "The corpus does not say."},
        {"id": "ref-make-classmate", "status": "refused", "answer": "I cannot help with that."},
    ]
    data = dataset(tmp_path, "exp-creating", "abs-japan", "ref-make-classmate", "exp-doxxing")
    code, out = score(tmp_path, data, answers(tmp_path, lines))
    assert code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    metrics = report["metrics"]
    assert metrics["n"] == 3
    assert metrics["citation_validity"] == 0.25
    assert metrics["citation_recall"] == 1.0
    assert metrics["abstain_accuracy"] == metrics["refuse_accuracy"] == 1.0
    assert metrics["disclaimer_rate"] == 0.0
    assert metrics["retrieval_recall_at_5"] is None and metrics["latency_ms_p50"] is None
    assert report["warnings"] == [f"exp-doxxing: no answer in {tmp_path / 'answers.jsonl'}"]
    failed = next(item for item in report["items"] if item["id"] == "exp-creating")["failed"]
    validity = [check for check in failed if check.startswith("citation_validity")]
    assert validity == [
        "citation_validity: [2] the quote is not verbatim in any chunk of Cap. 200 s.159AAE",
        "citation_validity: [3] the quote is not verbatim in any chunk of Cap. 210 s.23",
        "citation_validity: [4] Cap. 999 s.1 is not in this corpus",
    ]
