"""Serving at scale: a large build searched through Chroma's HNSW index answers as the small
one does, twenty questions at once are answered as one at a time, a rebuild under load switches
cleanly, and a Chroma server that goes away mid-session costs one clear line, not the session."""

import json
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import CORPUS, INTENTS, ChromaServer

from assistant import config, store
from assistant.answer.pipeline import answer
from assistant.answer.schema import Answer
from assistant.ingest.build import build
from assistant.retrieve.hybrid import load_index

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Is creating AI porn of a classmate illegal in Hong Kong?",
    "My ex says he will post our sex video unless I pay him. What can I do?",
    "What is the penalty for doxxing?",
    "Can my employer put a camera in the staff changing room?",
    "有人用AI整咗我嘅裸照放上網，係咪犯法？",
    "起底係咪犯法？會罰幾多？",
]


def gold_questions(count: int) -> list[str]:
    lines = (config.ROOT / "evals" / "datasets" / "gold.jsonl").read_text(encoding="utf-8")
    items = [json.loads(line) for line in lines.splitlines()]
    return [item["question"] for item in items if item.get("question")][:count]


def same(one: Answer, other: Answer) -> bool:
    """The same answer, whatever it took to write."""
    ignored = {"timings_ms"}
    return one.model_dump(exclude=ignored) == other.model_dump(exclude=ignored)


@pytest.fixture
def copied_index(offline_build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the session's index, live for this test; its classifier stays current."""
    copy = tmp_path / "index"
    shutil.copytree(offline_build[0], copy)
    monkeypatch.setenv("HKLAW_INTENTS", str(INTENTS))
    monkeypatch.setenv("HKLAW_INDEX_DIR", str(copy))
    return copy


def test_a_large_build_answers_as_the_small_one(
    offline_build, copied_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_dir = offline_build[0]
    monkeypatch.setenv("HKLAW_INDEX_DIR", str(small_dir))
    expected = [answer(question) for question in QUESTIONS]

    monkeypatch.setenv("HKLAW_EXACT_LIMIT", "0")
    build(index_dir=copied_index)
    monkeypatch.setenv("HKLAW_INDEX_DIR", str(copied_index))
    large = load_index()
    assert large.approximate and large.vectors is None
    assert isinstance(large.texts, store.ChromaTexts)
    assert large.manifest.search.hnsw == store.HNSW
    for question, small_answer in zip(QUESTIONS, expected, strict=True):
        assert same(answer(question), small_answer), question


def test_twenty_questions_at_once_are_answered_as_one_at_a_time(built_index: Path) -> None:
    questions = gold_questions(20)
    alone = [answer(question) for question in questions]
    with ThreadPoolExecutor(max_workers=20) as pool:
        together = list(pool.map(answer, questions))
    assert [same(a, b) for a, b in zip(alone, together, strict=True)] == [True] * 20


def test_a_rebuild_under_load_switches_cleanly(copied_index: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    added = corpus / "explainers" / "rebuild-under-load.md"
    source = (CORPUS / "explainers" / "sextortion-blackmail-and-threats.md").read_text("utf-8")
    added.write_text(
        source.replace("id: sextortion-blackmail-and-threats", "id: rebuild-under-load"),
        encoding="utf-8",
    )
    before = load_index().manifest.collection
    expected = {question: answer(question) for question in QUESTIONS[:3]}
    errors: list[Exception] = []
    answered = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            for question in expected:
                try:
                    answered.append(answer(question))
                except Exception as exc:  # every failure is what this test looks for
                    errors.append(exc)

    askers = [threading.Thread(target=keep_asking) for _ in range(4)]
    for asker in askers:
        asker.start()
    env = {
        "PATH": "/usr/bin:/bin",
        "HKLAW_CORPUS_DIR": str(corpus),
        "HKLAW_INDEX_DIR": str(copied_index),
        "HKLAW_INTENTS": str(INTENTS),
    }
    try:
        rebuilt = subprocess.run(
            [sys.executable, "-m", "assistant", "index"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        after = len(answered)
        while len(answered) < after + 8 and not errors:
            stop.wait(0.2)
    finally:
        stop.set()
        for asker in askers:
            asker.join()
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert errors == []
    live = load_index()
    assert live.manifest.collection != before
    assert "rebuild-under-load" in {str(meta["doc_id"]) for meta in live.metadata.values()}
    assert all(a.citations for a in answered)


def test_a_lost_chroma_server_is_one_line_and_answering_resumes(
    chroma_server: ChromaServer,
    small_corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chroma_server.use(monkeypatch)
    monkeypatch.setenv("HKLAW_EXACT_LIMIT", "0")
    monkeypatch.setenv("HKLAW_INDEX_DIR", str(tmp_path / "index"))
    build(corpus=small_corpus)
    question = "Is it blackmail to demand money by threatening to post my photos?"
    first = answer(question)
    assert load_index().approximate and first.citations

    chroma_server.stop()
    with pytest.raises(store.ServerUnavailable) as lost:
        answer(question)
    message = str(lost.value)
    assert "\n" not in message
    assert f"Chroma server at {chroma_server.host}:{chroma_server.port}" in message
    assert "answering resumes when it is back" in message

    chroma_server.start()
    assert same(answer(question), first)
