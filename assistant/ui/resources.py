"""What the app loads once per process, and the calls into the answer pipeline.

Loading torch, the model and the index takes seconds, so it starts in a background thread the
moment the first page is served: by the time someone has typed a question it is usually done,
and the first answer waits only for what is left. The pipeline and retriever are imported inside
the calls, so the disclaimer and help panel are on screen before those modules have loaded.
"""

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import streamlit as st

from assistant import config, store
from assistant.answer import render
from assistant.answer.backends import Progress, Sentence
from assistant.answer.schema import Answer, Citation, Turn
from assistant.ui.strings import t

WARM_UP_QUESTION = "Is it an offence to publish an intimate image without consent?"
_PERCENT = re.compile(r"(\d{1,3})%\|")


def _load() -> None:
    """Answers one fixed question so every cache the pipeline keeps is filled. A failure is left
    for the first real question to raise, with its message, where the person can see it."""
    from assistant.answer.pipeline import answer

    try:
        answer(WARM_UP_QUESTION)
    except Exception:
        return


@st.cache_resource(show_spinner=False)
def _warm_up() -> threading.Thread:
    thread = threading.Thread(target=_load, name="hklaw-warm-up", daemon=True)
    thread.start()
    return thread


def start_warm_up() -> None:
    _warm_up()


def wait_ready() -> None:
    """Block until the warm-up has opened the index. Chroma's client setup is not safe to run
    in two threads at once, so every page that touches Chroma waits for it first."""
    _warm_up().join()


def ask(
    question: str, history: list[Turn], lang: str | None, backend: str = "extractive"
) -> Iterator[Progress | Sentence | Answer]:
    """The pipeline's answer as it is written (verified sentences, then the Answer), after the
    warm-up so two threads never load the model at once."""
    from assistant.answer.pipeline import answer_stream

    wait_ready()
    yield from answer_stream(question, history=history, lang=lang, backend=backend)


def index() -> store.Index:
    """The live index the pipeline uses, once the warm-up has opened it."""
    from assistant.retrieve.hybrid import load_index

    wait_ready()
    return load_index()


def body(answer: Answer) -> str:
    """The answer's Markdown without the sources list and disclaimer the pipeline appends: the
    app shows both itself, as a panel and a caption."""
    language = "zh" if answer.language == "zh" else "en"
    tail = render.markdown("", "", answer.citations, answer.disclaimer, language)
    return answer.answer.removesuffix(tail).rstrip()


def passage(citation: Citation) -> tuple[str, str]:
    """(the whole chunk the citation quotes, its section heading); the quote alone when the chunk
    is gone, e.g. an uploaded document removed since."""
    from assistant.retrieve.hybrid import chunk

    found = chunk(citation.chunk_id) if citation.chunk_id else None
    if found is None:
        return citation.quote, ""
    text, metadata = found
    return text, str(metadata.get("heading") or "")


def index_ready() -> bool:
    return store.read_manifest() is not None


def build_index(progress: Callable[[float, str], None]) -> tuple[bool, str]:
    """Run `python -m assistant index` in a child process, reporting the embedding progress it
    prints; returns (success, the command's last line). A child process keeps a build that
    fails or is interrupted from leaving half-loaded state in the app."""
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "index"],
        cwd=config.ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    last = ""
    progress(0.0, t("build-reading"))
    for line in process.stdout or []:
        match = _PERCENT.search(line)
        if match:
            progress(int(match.group(1)) / 100, t("build-embedding"))
        elif line.strip():
            last = line.strip()
    process.wait()
    return process.returncode == 0, last
