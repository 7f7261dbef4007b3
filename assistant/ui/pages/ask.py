"""The chat: questions and cited answers, kept for this browser tab only."""

import streamlit as st

from assistant.answer.pipeline import QuestionError
from assistant.answer.schema import Answer, Turn
from assistant.store import IndexMissing
from assistant.ui import resources
from assistant.ui.answer_view import show_answer, show_streamed
from assistant.ui.strings import EXAMPLES, language, t
from assistant.ui.text import escape

HISTORY_TURNS = 6


def _offer_build() -> None:
    st.warning(t("not-built"))
    st.markdown(t("build-from-terminal"))
    st.code(".venv/bin/python -m assistant index", language="bash")
    if st.button(t("build-now"), type="primary"):
        bar = st.progress(0.0, text=t("build-starting"))
        ok, last = resources.build_index(lambda done, text: bar.progress(done, text=text))
        if ok:
            st.cache_resource.clear()
            st.rerun()
        st.error(t("build-failed", last=last))


def _history(turns: list[tuple[str, Answer]]) -> list[Turn]:
    """The last few exchanges, so a follow-up like "what is the penalty?" keeps its topic."""
    history: list[Turn] = []
    for question, answer in turns[-HISTORY_TURNS:]:
        history.append(Turn(role="user", content=question))
        history.append(Turn(role="assistant", content=resources.body(answer)))
    return history


def _set_pending(question: str) -> None:
    st.session_state.pending = question


def _welcome() -> None:
    st.markdown(t("welcome"))
    for number, example in enumerate(EXAMPLES[language()]):
        st.button(example, key=f"example-{number}", on_click=_set_pending, args=(example,))


st.header(t("ask-header"))
if not resources.index_ready():
    _offer_build()
    st.stop()

turns: list[tuple[str, Answer]] = st.session_state.setdefault("turns", [])
question = st.chat_input(t("placeholder"), max_chars=2000) or st.session_state.pop("pending", None)
lang = None if st.session_state.get("lang", "auto") == "auto" else st.session_state.lang
quick = bool(st.session_state.get("quick"))
if not turns and not question:
    _welcome()

for number, (asked, answer) in enumerate(turns):
    with st.chat_message("user"):
        st.markdown(escape(asked))
    with st.chat_message("assistant"):
        show_answer(answer, number, quick)

if question:
    with st.chat_message("user"):
        st.markdown(escape(question))
    with st.chat_message("assistant"):
        backend = st.session_state.get("backend", "extractive")
        try:
            events = resources.ask(question, _history(turns), lang, backend)
            answer = show_streamed(events, len(turns), quick)
        except QuestionError as exc:
            st.warning(str(exc).capitalize())
        except IndexMissing as exc:
            st.error(t("cannot-open", error=exc))
        else:
            turns.append((question, answer))
