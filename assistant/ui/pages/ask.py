"""The chat: questions and cited answers, kept for this browser tab only."""

import streamlit as st

from assistant.answer.pipeline import QuestionError
from assistant.answer.schema import Answer, Turn
from assistant.store import IndexMissing
from assistant.ui import resources
from assistant.ui.answer_view import show_answer
from assistant.ui.text import escape

PLACEHOLDER = "Ask about fake or intimate images and Hong Kong law…"
EXAMPLES = [
    "Someone made fake nude pictures of me and shared them. What can I do?",
    "Is creating AI porn of a classmate illegal in Hong Kong?",
    "Is it an offence to threaten to post an intimate image of someone?",
    "How do I report a deepfake image to the police?",
]
HISTORY_TURNS = 6


def _offer_build() -> None:
    st.warning("The law library (the search index) has not been built on this computer yet.")
    st.markdown("Build it from a terminal in the project folder:")
    st.code(".venv/bin/python -m assistant index", language="bash")
    if st.button("Build it now", type="primary"):
        bar = st.progress(0.0, text="Starting…")
        ok, last = resources.build_index(lambda done, text: bar.progress(done, text=text))
        if ok:
            st.cache_resource.clear()
            st.rerun()
        st.error(f"The build did not finish: {last}")


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
    st.markdown(
        "Ask in your own words, in English or Chinese. You do not need to give your name. "
        "Questions are not saved: they stay in this browser tab until you close it."
    )
    for number, example in enumerate(EXAMPLES):
        st.button(example, key=f"example-{number}", on_click=_set_pending, args=(example,))


st.header("Fake or intimate images: what Hong Kong law says")
if not resources.index_ready():
    _offer_build()
    st.stop()

turns: list[tuple[str, Answer]] = st.session_state.setdefault("turns", [])
question = st.chat_input(PLACEHOLDER, max_chars=2000) or st.session_state.pop("pending", None)
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
        try:
            with st.spinner("Looking up the law and the explainers…"):
                answer = resources.ask(question, _history(turns), lang)
        except QuestionError as exc:
            st.warning(str(exc).capitalize())
        except IndexMissing as exc:
            st.error(f"The law library cannot be opened: {exc}")
        else:
            turns.append((question, answer))
            show_answer(answer, len(turns) - 1, quick, stream=True)
