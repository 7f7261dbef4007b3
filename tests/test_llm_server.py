"""The LLM backends against a real model: llama.cpp's OpenAI-compatible server, started here on
the local GGUF file (scripts/get-model), and the same file loaded in process.

Whatever the 1.5B model writes, what leaves the pipeline must be safe: every quote verbatim in
the chunk it names, the disclaimer present, and either a verified answer or the extractive one
with `fallback` saying so. The server's access log proves the `openai` backend really asked it.
Skipped, with the reason, when HKLAW_LLM_GGUF is unset or llama-cpp-python is not installed.
"""

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import config
from assistant.answer.messages import DISCLAIMER
from assistant.answer.pipeline import answer
from assistant.answer.schema import Answer
from assistant.answer.verify import holds
from assistant.retrieve.hybrid import load_index

GGUF = os.environ.get("HKLAW_LLM_GGUF", "")
SEED = "Is creating AI porn of a classmate illegal in Hong Kong?"
CHINESE = "有人用AI整咗我嘅裸照放上網，係咪犯法？"
# Loading a 1 GB model on two busy cores can take a while; this only bounds a hung start.
START_WAIT_S = 300

pytestmark = [
    pytest.mark.llm,
    pytest.mark.slow,
    pytest.mark.skipif(not GGUF, reason="HKLAW_LLM_GGUF is unset: run scripts/get-model"),
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None,
        reason="llama-cpp-python is not installed: pip install -e '.[llm]'",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """llama.cpp's server on a free port, made the `openai` backend's server; its log file."""
    port = _free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", GGUF]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + START_WAIT_S
        while not _ready(f"{base_url}/models"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama.cpp server did not start:\n{log.read_text()[-2000:]}")
            time.sleep(1)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("HKLAW_LLM_BASE_URL", base_url)
            patch.setenv("HKLAW_LLM_MODEL", Path(GGUF).name)
            yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _checked(result: Answer, language: str) -> None:
    assert result.status == "answered"
    assert result.language == language
    assert result.disclaimer == DISCLAIMER[language]
    assert DISCLAIMER[language] in result.answer
    assert result.citations
    index = load_index()
    for citation in result.citations:
        assert holds(citation, index), f"[{citation.n}] {citation.cite}: quote not verbatim"
    if result.fallback:
        assert result.fallback_reason and "\n" not in result.fallback_reason
    assert "Traceback" not in result.answer


def _chat_requests(log: Path) -> int:
    return log.read_text(errors="replace").count('"POST /v1/chat/completions HTTP/1.1" 200')


@pytest.mark.parametrize(("question", "language"), [(SEED, "en"), (CHINESE, "zh")])
def test_openai_backend_answers_through_a_real_server(
    built_index: Path, server_log: Path, question: str, language: str
) -> None:
    before = _chat_requests(server_log)
    result = answer(question, backend="openai")
    assert result.backend == "openai"
    _checked(result, language)
    assert _chat_requests(server_log) == before + 1


def test_the_cli_answers_with_the_server_and_no_traceback(
    built_index: Path, server_log: Path
) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", SEED, "--backend", "openai", "--json"],
        capture_output=True,
        text=True,
        cwd=config.ROOT,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    result = Answer.model_validate(json.loads(run.stdout))
    _checked(result, "en")


def test_llamacpp_backend_answers_in_process(built_index: Path) -> None:
    result = answer(SEED, backend="llamacpp")
    assert result.backend == "llamacpp"
    _checked(result, "en")
    assert not result.fallback or "HKLAW_LLM_GGUF" not in result.fallback_reason
