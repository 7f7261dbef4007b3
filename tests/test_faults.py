"""Faults: a build or an upload killed with SIGKILL part-way, and a disk that fills up during a
build. The previous build must keep answering and no staff document may be lost."""

import datetime as dt
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import write_small_corpus

from assistant import config, store
from assistant.answer.pipeline import answer
from assistant.ingest import upload
from assistant.ingest.build import build
from assistant.retrieve.hybrid import search

pytestmark = pytest.mark.slow

CORPUS = config.ROOT / "corpus"
QUESTION = "What is the maximum penalty for blackmail?"
CLINIC = (
    "Harbour Youth Centre: support for students targeted by deepfake images.\n\n"
    "The Harbour Youth Centre in Kwun Tong runs a free deepfake support clinic for secondary "
    "school students every Tuesday from 4 pm to 7 pm. No appointment is needed."
)
CLINIC_QUESTION = "Is there a deepfake support clinic for students in Kwun Tong?"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, few_intents: Path) -> tuple[Path, Path]:
    """A small real corpus (Cap. 210 and one explainer) and its index, built once."""
    root = tmp_path_factory.mktemp("faults")
    corpus = write_small_corpus(root / "corpus")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HKLAW_INTENTS", str(few_intents))
        build(corpus=corpus, index_dir=root / "index")
    return corpus, root / "index"


@pytest.fixture
def copy(base: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own copy of the corpus and index, made the live ones, with one more
    explainer in the corpus so that the next build has work to do."""
    corpus, index_dir = base
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(index_dir, tmp_path / "index")
    shutil.copy(
        CORPUS / "explainers" / "threatening-to-share-intimate-images.md",
        tmp_path / "corpus" / "explainers",
    )
    monkeypatch.setenv("HKLAW_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("HKLAW_INDEX_DIR", str(tmp_path / "index"))
    return tmp_path


def start(args: list[str], **kwargs: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=config.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **kwargs,
    )


def kill_when(process: subprocess.Popen, reached: Callable[[], bool]) -> None:
    """SIGKILL the process the moment `reached` holds; fails if it ended first."""
    while not reached():
        assert process.poll() is None, "the process ended before it could be killed"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()


def changed(path: Path) -> Callable[[], bool]:
    stamp = path.stat().st_mtime_ns
    return lambda: path.stat().st_mtime_ns != stamp


def new_folder(folder: Path, pattern: str) -> Callable[[], bool]:
    before = set(folder.glob(pattern))
    return lambda: bool(set(folder.glob(pattern)) - before)


def serves(index_dir: Path, chunks: int) -> None:
    """The build the manifest names opens whole and answers from Cap. 210."""
    opened = store.Index(index_dir)
    assert len(opened.texts) == chunks
    assert search(QUESTION)[0].cite.startswith("Cap. 210 s.23")
    result = answer(QUESTION)
    assert result.status == "answered" and result.citations


@pytest.mark.parametrize("moment", ["chroma", "bm25"])
def test_a_build_killed_midway_leaves_the_previous_one_serving(copy: Path, moment: str) -> None:
    index_dir = copy / "index"
    manifest = (index_dir / store.MANIFEST).read_bytes()
    chunks = store.read_manifest(index_dir).chunks
    reached = {
        "chroma": changed(index_dir / "chroma" / "chroma.sqlite3"),
        "bm25": new_folder(index_dir, "bm25-*"),
    }[moment]

    kill_when(start(["-m", "assistant", "index"]), reached)

    assert (index_dir / store.MANIFEST).read_bytes() == manifest
    serves(index_dir, chunks)
    resumed = build()
    assert resumed.kept == chunks and resumed.added > 0
    names = {c.name for c in store.client(index_dir).list_collections()}
    assert names == {store.read_manifest(index_dir).collection}


def test_an_upload_killed_midway_loses_no_document(copy: Path) -> None:
    index_dir = copy / "index"
    first = upload.add_document(
        "clinic.txt", CLINIC.encode(), "Harbour clinic", "Harbour Youth Centre", dt.date(2026, 9, 1)
    )
    long_text = "\n\n".join(
        f"Section {n}. Staff record every call about image abuse in the log, note the time, "
        f"the platform and what the caller asked for, and never the caller's name ({n})."
        for n in range(600)
    )
    script = (
        "import datetime, sys\n"
        "from assistant.ingest import upload\n"
        "upload.add_document('log.txt', sys.stdin.buffer.read(), 'Call log policy', 'Office', "
        "datetime.date(2026, 1, 1))\n"
    )
    process = start(["-c", script], stdin=subprocess.PIPE)
    process.stdin.write(long_text.encode())
    process.stdin.close()

    kill_when(process, changed(index_dir / "chroma" / "chroma.sqlite3"))

    listed = {document.doc_id: document for document in upload.list_documents()}
    assert listed[first.doc_id].chunks == first.chunks
    assert first.cite in [hit.cite for hit in search(CLINIC_QUESTION)]
    again = upload.add_document(
        "clinic.txt", CLINIC.encode(), "Harbour clinic", "Harbour Youth Centre", dt.date(2026, 9, 1)
    )
    assert again.doc_id == first.doc_id
    assert upload.list_documents()[0].chunks == first.chunks


def _small_disk() -> None:
    """In the child: files may grow to 64 KB, and going past fails the write (EFBIG) instead
    of killing the process, as a full disk fails it with ENOSPC."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_a_full_disk_during_a_build_is_one_clear_line(copy: Path) -> None:
    index_dir = copy / "index"
    manifest = (index_dir / store.MANIFEST).read_bytes()
    chunks = store.read_manifest(index_dir).chunks

    done = subprocess.run(
        [sys.executable, "-m", "assistant", "index"],
        cwd=config.ROOT,
        capture_output=True,
        text=True,
        preexec_fn=_small_disk,
        env=os.environ,
    )

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: the index build in") and "previous build still serves" in last
    assert (index_dir / store.MANIFEST).read_bytes() == manifest
    serves(index_dir, chunks)
