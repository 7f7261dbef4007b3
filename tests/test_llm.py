"""LLM backends: whatever a model writes, only sentences its sources support reach the reader.

The model is LangChain's fake chat model replaying a scripted reply (no model runs here); the
index, retrieval, the support check and the pipeline are the real ones. The tests at the top
need no index; the rest are slow (they build the index once per session).
"""

import itertools
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.language_models import FakeListChatModel

from assistant import config
from assistant.answer import prompt
from assistant.answer.backends import ComposeRequest, Progress, Sentence, names, register
from assistant.answer.llm import FALLBACK, LLMBackend, split, written_in
from assistant.answer.pipeline import answer, answer_stream, search_in
from assistant.answer.schema import Answer
from assistant.answer.verify import holds
from assistant.retrieve.hybrid import load_index

QUESTION = "Is it an offence to threaten to post a deepfake nude of someone?"
CHINESE = "有人威脅話要將我嘅裸照放上網，係咪犯法？"
THREAT_DOC = "doc:threatening-to-share-intimate-images"
SUPPORTED = [
    "Threatening to share someone's intimate image without consent, even an AI fake, can be "
    "a crime [{n}].",
    "A threat can be an offence even if the person making it cannot actually post the image. [{n}]",
]
_names = itertools.count()


def test_every_llm_backend_is_registered_beside_the_extractive_one():
    assert {"extractive", "openai", "ollama", "llamacpp"} <= set(names())


def test_markers_after_a_full_stop_stay_with_their_sentence():
    ready, pending = split("It is an offence. [1] The penalty is", final=False)
    assert ready == ["It is an offence [1]."]
    assert pending == "The penalty is"


def test_a_sentence_is_held_until_its_marker_has_arrived():
    assert split("這是罪行。[1", final=False)[0] == []
    assert split("這是罪行。[1]最高", final=False)[0] == ["這是罪行[1]。"]
    assert split("It is an offence [1, 2].", final=True)[0] == ["It is an offence [1] [2]."]


def test_the_language_of_a_sentence_allows_citations_and_quoted_names():
    assert written_in("《刑事罪行條例》(Cap. 200) 第159AAE條訂明威脅發布私密影像屬罪行") == "zh"
    assert written_in("It is an offence under the 《刑事罪行條例》 (Cap. 200)") == "en"
    assert written_in("是") == "zh"
    assert written_in("Yes") == "en"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_worked_example_in_the_prompt_has_the_form_the_verifier_accepts(language):
    _, reply = prompt.EXAMPLE[language]
    written = split(reply, final=True)[0]
    assert len(written) == 3
    assert all(re.search(r"\[\d\]", sentence) for sentence in written)
    assert {written_in(sentence) for sentence in written} == {language}


def ask(reply: str, question: str = QUESTION) -> Answer:
    return _final(answer_stream(question, backend=_scripted(reply)))


def _scripted(reply: str) -> str:
    """A backend whose model replies `reply`, registered under a name of its own."""
    name = f"scripted-{next(_names)}"
    register(name, lambda: LLMBackend(name, lambda: FakeListChatModel(responses=[reply])))
    return name


def _final(events: object) -> Answer:
    *_, last = events  # type: ignore[misc]
    assert isinstance(last, Answer)
    return last


def source_number(cite: str, question: str = QUESTION) -> int:
    """The number the prompt gives the source `cite`, so a scripted reply can cite it."""
    hits = search_in("en", question, k=12, index=load_index())
    request = ComposeRequest(question, "en", False, hits, [], load_index())
    given = prompt.sources(request)
    return next(n for n, source in given.items() if source.cite == cite)


@pytest.fixture(scope="module")
def n(built_index: Path) -> int:
    return source_number(THREAT_DOC)


def supported(n: int) -> str:
    return " ".join(sentence.format(n=n) for sentence in SUPPORTED)


def assert_valid(result: Answer) -> None:
    index = load_index()
    assert result.citations
    assert all(holds(citation, index) for citation in result.citations)


@pytest.mark.slow
def test_a_supported_reply_is_answered_with_valid_citations(n):
    result = ask(supported(n))
    assert result.status == "answered"
    assert (result.fallback, result.removed) == (False, 0)
    assert result.backend.startswith("scripted-")
    assert "can be a crime." in result.answer
    assert "cannot actually post the image." in result.answer
    assert {citation.cite for citation in result.citations} == {THREAT_DOC}
    assert_valid(result)


@pytest.mark.slow
@pytest.mark.parametrize(
    "bad",
    [
        "Posting a deepfake of someone is never an offence [9].",
        "Threatening to publish an intimate image carries up to 10 years in prison [{n}].",
        "The threat is an offence only if the person shown is under 18 [{n}].",
        "Such a threat is also an offence under the Deepfake Images Ordinance [{n}].",
        "Threatening to share an intimate image is a crime.",
    ],
    ids=["source-not-given", "penalty", "age", "no-such-ordinance", "no-marker"],
)
def test_an_unsupported_sentence_is_removed_and_counted(n, bad):
    bad = bad.format(n=n)
    result = ask(f"{supported(n)} {bad}")
    assert result.status == "answered"
    assert not result.fallback
    assert result.removed == 1
    assert bad.split(" [")[0].rstrip(".") not in result.answer
    assert "1 sentence of the model's answer was removed" in result.answer
    assert_valid(result)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("reply", "question"),
    [
        (
            "威脅發布他人的私密影像可構成罪行[{n}]。即使無法真的發布，威脅亦可屬罪行[{n}]。",
            QUESTION,
        ),
        (supported(1), CHINESE),
        ("", QUESTION),
        ('{"answer": "yes", "sources": [1, 2]}', QUESTION),
        ("lorem ipsum " * 200, QUESTION),
        ("The sources do not answer this.", QUESTION),
    ],
    ids=["chinese-for-english", "english-for-chinese", "empty", "json", "garbage", "declines"],
)
def test_a_reply_that_cannot_stand_falls_back_to_the_extractive_answer(n, reply, question):
    result = ask(reply.replace("{n}", str(n)), question)
    assert result.fallback
    assert result.fallback_reason
    assert result.status == "answered"
    assert FALLBACK[result.language] in result.answer
    extractive = answer(question)
    assert [c.cite for c in result.citations] == [c.cite for c in extractive.citations]
    assert_valid(result)


@pytest.mark.slow
def test_losing_the_first_two_sentences_loses_the_core_claim(n):
    wrong = f"It is legal [{n}]. The penalty is a fine of $1 [{n}]. "
    result = ask(wrong + supported(n))
    assert result.fallback
    assert "none of the first 2 sentences" in result.fallback_reason
    assert "It is legal" not in result.answer


@pytest.mark.slow
def test_streaming_shows_only_verified_sentences(n):
    bad = f"Threatening to publish an intimate image carries up to 10 years in prison [{n}]."
    events = list(answer_stream(QUESTION, backend=_scripted(f"{supported(n)} {bad}")))
    final = events[-1]
    assert isinstance(final, Answer)
    shown = [event.text for event in events if isinstance(event, Sentence)]
    assert len(shown) == 2
    assert all(text in final.answer for text in shown)
    assert not any("10 years" in text for text in shown)
    assert any(isinstance(event, Progress) for event in events)
    assert all(isinstance(event, Progress | Sentence) for event in events[:-1])


@pytest.mark.slow
def test_a_backend_without_its_settings_falls_back_and_names_the_variable(built_index, monkeypatch):
    monkeypatch.delenv("HKLAW_LLM_MODEL", raising=False)
    monkeypatch.setenv("HKLAW_LLM_GGUF", str(built_index / "no-such-model.gguf"))
    ollama = answer(QUESTION, backend="ollama")
    llamacpp = answer(QUESTION, backend="llamacpp")
    assert ollama.fallback and "HKLAW_LLM_MODEL" in ollama.fallback_reason
    assert llamacpp.fallback and "no model file" in llamacpp.fallback_reason
    assert_valid(ollama)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_an_unreachable_server_gives_one_line_and_the_extractive_answer(built_index):
    env = os.environ | {
        "HKLAW_INDEX_DIR": str(built_index),
        "HKLAW_LLM_BASE_URL": f"http://127.0.0.1:{_closed_port()}/v1",
        "HKLAW_LLM_TIMEOUT": "20",
    }
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", QUESTION, "--backend", "openai", "--json"],
        capture_output=True,
        text=True,
        cwd=config.ROOT,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0
    said = json.loads(result.stdout)
    assert said["fallback"] is True
    assert said["backend"] == "openai"
    assert said["citations"]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("note: the openai backend's answer was not used")
    assert "Traceback" not in result.stderr
