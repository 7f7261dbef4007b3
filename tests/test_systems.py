"""Baselines in `python -m evals run --system`: real index, real model, real corpus."""

import json
import shutil
from pathlib import Path

import pytest

from assistant import config
from assistant.ingest.statutes import load_statute
from evals import __main__ as cli
from evals.systems import tutorial

DATASETS = Path(__file__).resolve().parent.parent / "evals" / "datasets"
CAP_210 = config.corpus_dir() / "statutes" / "cap_210_en.excerpt.xml"
EXPLAINER = config.corpus_dir() / "explainers" / "blackmail-elements.md"


def test_a_tutorial_piece_is_cited_by_the_section_its_text_starts_in() -> None:
    path = config.corpus_dir() / "statutes" / "cap_200_en.excerpt.xml"
    source = next(
        s for s in tutorial.sources(path.parent.parent) if s.meta["doc_id"] == "cap200-en"
    )
    sections = {f"{s.number}. {s.heading}": s.cite for s in load_statute(path).sections}
    found = list(tutorial.pieces(source))
    assert all(len(text) <= tutorial.CHUNK_SIZE for text, _ in found)
    opening = [(text.split("\n")[0], meta["cite"]) for text, meta in found]
    checked = [(sections[line], cite) for line, cite in opening if line in sections]
    assert len(checked) > 10
    assert all(section == cite for section, cite in checked)


def test_a_document_piece_is_cited_by_the_document(tmp_path: Path) -> None:
    sources = tutorial.sources(corpus_copy(tmp_path))
    source = next(s for s in sources if s.meta["doc_id"] == "blackmail-elements")
    cites = {meta["cite"] for _, meta in tutorial.pieces(source)}
    assert cites == {"doc:blackmail-elements"}


def corpus_copy(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    for path, folder in ((EXPLAINER, "explainers"), (CAP_210, "statutes")):
        (corpus / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, corpus / folder / path.name)
    return corpus


def test_the_tutorial_store_is_built_once_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = corpus_copy(tmp_path)
    expected = sum(1 for source in tutorial.sources(corpus) for _ in tutorial.pieces(source))
    collection = tutorial.open_store(corpus, tmp_path / "baselines")
    assert collection.count() == expected
    assert [p.name for p in (tmp_path / "baselines").iterdir()] == [
        f"tutorial-{tutorial.store_key(corpus)}"
    ]

    def rebuilt(*args: object) -> None:
        raise AssertionError("the store was built again")

    monkeypatch.setattr(tutorial, "_build", rebuilt)
    again = tutorial.open_store(corpus, tmp_path / "baselines")
    assert again.count() == expected
    (corpus / "explainers" / EXPLAINER.name).write_text(
        EXPLAINER.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8"
    )
    with pytest.raises(AssertionError, match="built again"):
        tutorial.open_store(corpus, tmp_path / "baselines")


def test_backend_is_for_the_assistant_only(capsys: pytest.CaptureFixture[str]) -> None:
    dataset = str(DATASETS / "gold-smoke.jsonl")
    argv = ["run", "--dataset", dataset, "--out", "x", "--system", "bm25", "--backend", "openai"]
    assert cli.main(argv) == 2
    assert "--backend is for --system assistant" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("system", ["bm25", "dense", "tutorial"])
def test_a_baseline_run_names_its_system_and_always_answers(
    built_index: Path, tmp_path: Path, system: str
) -> None:
    out = tmp_path / system
    dataset = DATASETS / "gold-smoke.jsonl"
    argv = ["run", "--dataset", str(dataset), "--out", str(out), "--system", system]
    assert cli.main(argv) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    metrics = report["metrics"]
    assert report["system"] == system and report["backend"] is None
    assert metrics["n"] == len(report["items"]) == 12
    assert all(item["status"] == "answered" for item in report["items"])
    assert all(0 < len(item["cited"]) <= 4 and item["retrieved"] for item in report["items"])
    assert metrics["retrieval_recall_at_5"] is not None
    assert metrics["false_abstain_rate"] == metrics["disclaimer_rate"] == 0.0
    assert metrics["abstain_accuracy"] == metrics["refuse_accuracy"] == 0.0
    if system != "tutorial":
        assert metrics["citation_validity"] == 1.0
