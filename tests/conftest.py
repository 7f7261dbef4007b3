"""Shared fixtures: one real index, built once per test session with the network cut off."""

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import config
from assistant.ingest.build import BuildSummary, build

INTENTS = config.intents_file()
CORPUS = config.ROOT / "corpus"


class NetworkBlocked(RuntimeError):
    pass


def _refuse(*args: object, **kwargs: object) -> None:
    raise NetworkBlocked("network access attempted during a test that must run offline")


def cut_network(patch: pytest.MonkeyPatch) -> None:
    """Any connection attempt, name lookup included, fails at once."""
    patch.setattr(socket.socket, "connect", _refuse)
    patch.setattr(socket.socket, "connect_ex", _refuse)
    patch.setattr(socket, "create_connection", _refuse)
    patch.setattr(socket, "getaddrinfo", _refuse)


@pytest.fixture(scope="session")
def offline_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildSummary]:
    """The full corpus built into a fresh folder while every socket connection is refused."""
    index_dir = tmp_path_factory.mktemp("index")
    with pytest.MonkeyPatch.context() as patch:
        cut_network(patch)
        patch.setenv("HKLAW_INTENTS", str(INTENTS))
        summary = build(index_dir=index_dir)
    return index_dir, summary


@pytest.fixture(scope="session")
def built_index(offline_build: tuple[Path, BuildSummary]) -> Iterator[Path]:
    """The real index, made the live one for the session through HKLAW_INDEX_DIR."""
    index_dir, _ = offline_build
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HKLAW_INDEX_DIR", str(index_dir))
        yield index_dir


@pytest.fixture(scope="session")
def few_intents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten real training examples of each label: the builds of small test corpora train their
    classifier on these in seconds; the session's full index trains on the whole file."""
    by_label: dict[str, list[str]] = {}
    for line in INTENTS.read_text(encoding="utf-8").splitlines():
        by_label.setdefault(json.loads(line)["label"], []).append(line)
    path = tmp_path_factory.mktemp("intents") / "intents.jsonl"
    path.write_text("\n".join(ln for lines in by_label.values() for ln in lines[:10]) + "\n")
    return path


@pytest.fixture(autouse=True)
def _small_training_set(few_intents: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HKLAW_INTENTS", str(few_intents))


def write_small_corpus(corpus: Path) -> Path:
    """Two real documents (Cap. 210 and one explainer): enough to see what a build adds, keeps
    and removes."""
    (corpus / "statutes").mkdir(parents=True)
    (corpus / "explainers").mkdir()
    shutil.copy(CORPUS / "statutes" / "cap_210_en.excerpt.xml", corpus / "statutes")
    shutil.copy(
        CORPUS / "explainers" / "sextortion-blackmail-and-threats.md", corpus / "explainers"
    )
    return corpus


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    return write_small_corpus(tmp_path / "corpus")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChromaServer:
    """A real `chroma run` on a free port, which a test can stop and start again on the same
    folder and port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.host = "127.0.0.1"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        chroma = Path(sys.executable).parent / "chroma"
        self.process = subprocess.Popen(
            [str(chroma), "run", "--path", str(self.folder), "--host", self.host,
             "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://{self.host}:{self.port}/api/v2/heartbeat"
                ) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    pytest.fail("the Chroma server did not start")
                time.sleep(0.3)

    def use(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make this server the one the index lives in, for the test."""
        monkeypatch.setenv("CHROMA_HOST", self.host)
        monkeypatch.setenv("CHROMA_PORT", str(self.port))

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "server")
    server.start()
    try:
        yield server
    finally:
        server.stop()
