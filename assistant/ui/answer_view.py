"""One answer on screen: the text with linked citation markers, the disclaimer, help when the
question is about something done to the asker, the sources panel and the feedback form.

Quoted corpus and user text reaches the screen escaped, so a "$", "*" or "![...]" in a statute or
an uploaded file shows as written instead of turning into maths, emphasis or a remote image; so
does every sentence a language model wrote. While a model writes, only sentences already
verified are shown; the text after them is shown as a count of characters, never as words.
"""

import re
import time
from collections.abc import Iterator

import streamlit as st

from assistant import feedback
from assistant.answer.backends import Progress, Sentence
from assistant.answer.schema import Answer, Citation
from assistant.text import without_citations
from assistant.ui import help as help_panel
from assistant.ui import resources
from assistant.ui.strings import STRINGS, format_date, language, t
from assistant.ui.text import anchor, escape, highlight, link, link_markers, pieces

STREAM_PAUSE = 0.02
PROGRESS_EVERY = 0.25
_HEADING = re.compile(r"^\*\*[^*]+\*\*$")
_PREFIX = re.compile(r"^(?:- |> )")
_MARKERS = re.compile(r"(\[\d+\])")


def _escape_quotes(markdown: str, citations: list[Citation]) -> str:
    """Escape exactly the quoted spans: the pipeline writes the structure (headings, quote
    blocks, markers) and everything it quotes is some citation's `quote`, shown whole or
    without its citation brackets."""
    shown = {form for c in citations if c.quote for form in (c.quote, without_citations(c.quote))}
    quotes = sorted(shown, key=len, reverse=True)
    if not quotes:
        return markdown
    spans = re.compile("|".join(re.escape(q) for q in quotes))
    return spans.sub(lambda m: escape(m.group(0)), markdown)


def _groups(answer: Answer) -> list[list[Citation]]:
    """Citations grouped by the passage they quote, in order of first use: three sentences of
    one explainer are one source to read, with three highlights."""
    grouped: dict[str, list[Citation]] = {}
    for citation in answer.citations:
        grouped.setdefault(citation.chunk_id or f"#{citation.n}", []).append(citation)
    return list(grouped.values())


def _anchors(answer: Answer, turn: int) -> dict[int, str]:
    return {c.n: anchor(turn, group[0].n) for group in _groups(answer) for c in group}


def _escape_generated(markdown: str) -> str:
    """Escape everything but the pipeline's headings, list and quote prefixes and markers: in a
    model's answer any sentence may hold Markdown the model wrote."""
    lines = []
    for line in markdown.splitlines():
        if _HEADING.match(line):
            lines.append(line)
            continue
        prefix = _PREFIX.match(line)
        start = prefix.end() if prefix else 0
        parts = _MARKERS.split(line[start:])
        shown = "".join(part if _MARKERS.fullmatch(part) else escape(part) for part in parts)
        lines.append(line[:start] + shown)
    return "\n".join(lines)


def _generated(answer: Answer) -> bool:
    return answer.status == "answered" and not answer.fallback and answer.backend != "extractive"


def safe_markdown(markdown: str, answer: Answer, turn: int) -> str:
    """Part of an answer ready for st.markdown: quotes (or a model's sentences) escaped, markers
    linked to sources."""
    if _generated(answer):
        escaped = _escape_generated(markdown)
    else:
        escaped = _escape_quotes(markdown, answer.citations)
    return link_markers(escaped, _anchors(answer, turn))


def _stream(markdown: str) -> Iterator[str]:
    for piece in pieces(markdown):
        yield piece
        time.sleep(STREAM_PAUSE)


def _write(markdown: str, stream: bool) -> None:
    if stream:
        st.write_stream(_stream(markdown))
    else:
        st.markdown(markdown)


def show_source(group: list[Citation], turn: int) -> None:
    """One passage: what it is, how current, where it comes from, and the passage itself as
    text with the sentences the answer relies on highlighted."""
    first = group[0]
    passage, heading = resources.passage(first)
    markers = " ".join(f"[{c.n}]" for c in group)
    statute = first.kind == "statute"
    name = first.cite if statute else first.title
    with st.container(border=True):
        st.subheader(escape(f"{markers} {name}"), anchor=anchor(turn, first.n))
        if statute:
            title = f"{first.title} — {heading}" if heading else first.title
            st.markdown(f"**{escape(title)}**")
        words = STRINGS[language()]
        kind = words.get(f"kind-{first.kind}", first.kind.title())
        date = format_date(first.version_date)
        if statute:
            details = [kind, t("law-as-at", date=date)]
        else:
            details = [kind, t("cited-as", cite=first.cite), t("dated", date=date)]
        st.caption(escape(" · ".join(details)))
        if f"status-{first.status}" in words:
            st.warning(words[f"status-{first.status}"])
        if first.url:
            st.markdown(t("source", link=link(first.url)))
        st.markdown(highlight(passage, [c.quote for c in group]))


def show_sources(answer: Answer, turn: int) -> None:
    if not answer.citations:
        return
    st.markdown(t("sources"))
    for group in _groups(answer):
        show_source(group, turn)


def _disclaimer(answer: Answer) -> None:
    st.caption(f":material/gavel: {escape(answer.disclaimer)}")


def _help_box() -> None:
    with st.container(border=True):
        st.markdown(f"**{t('get-help')}**")
        help_panel.show_panel(leads=False)


def _quick(answer: Answer, turn: int, stream: bool) -> None:
    """For a hotline worker with a caller waiting: short answer, key citation, numbers."""
    _write(safe_markdown(answer.short_answer or resources.body(answer), answer, turn), stream)
    key = next((c for c in answer.citations if c.kind == "statute"), None)
    if key is not None:
        date = format_date(key.version_date)
        st.markdown(
            t("key-provision", cite=escape(key.cite), title=escape(key.title), date=escape(date))
        )
    st.markdown(f":material/call: {help_panel.numbers_line()}")
    _disclaimer(answer)
    with st.expander(t("full-answer")):
        st.markdown(safe_markdown(resources.body(answer), answer, turn))
        show_sources(answer, turn)


def show_answer(answer: Answer, turn: int, quick: bool, stream: bool = False) -> None:
    """Everything shown for one answer, in reading order; `turn` keeps its anchors and widgets
    apart from other answers in the same conversation."""
    if quick and answer.status == "answered":
        _quick(answer, turn, stream)
    else:
        _write(safe_markdown(resources.body(answer), answer, turn), stream)
        _disclaimer(answer)
        if answer.victim:
            _help_box()
        show_sources(answer, turn)
    show_feedback(answer, turn)


def show_streamed(events: Iterator[Progress | Sentence | Answer], turn: int, quick: bool) -> Answer:
    """An answer as the pipeline reports it: each verified sentence once it is verified, with a
    count of the characters written but not yet checked below them; then the whole answer in
    their place. An answer the model could not write says why, in one line, above it."""
    with st.spinner(t("thinking")):
        event = next(events)
    live = st.empty()
    shown: list[str] = []
    updated = 0.0
    while not isinstance(event, Answer):
        if isinstance(event, Sentence):
            shown.append(event.text)
        if isinstance(event, Sentence) or time.monotonic() - updated > PROGRESS_EVERY:
            with live.container():
                st.markdown(_escape_generated("\n\n".join(shown)))
                if isinstance(event, Progress):
                    st.caption(t("writing", chars=event.chars))
            updated = time.monotonic()
        event = next(events)
    live.empty()
    if event.fallback:
        st.warning(t("llm-failed", reason=event.fallback_reason))
    show_answer(event, turn, quick, stream=not shown)
    return event


def show_feedback(answer: Answer, turn: int) -> None:
    """A rating is stored only when the person presses Save; the question only when ticked."""
    if st.session_state.get(f"rated-{turn}"):
        st.caption(t("feedback-saved"))
        return
    with (
        st.popover(t("feedback-open")),
        st.form(f"feedback-{turn}", border=False, clear_on_submit=True),
    ):
        rating = st.radio(
            t("feedback-rating"),
            ["helpful", "not helpful"],
            format_func=t,
            index=None,
            horizontal=True,
        )
        comment = st.text_area(t("feedback-comment"), max_chars=feedback.MAX_COMMENT)
        include = st.checkbox(t("feedback-include"), value=False)
        st.caption(t("feedback-notice"))
        if not st.form_submit_button(t("feedback-save")):
            return
        if rating is None:
            st.warning(t("feedback-choose"))
            return
        feedback.save(
            feedback.Feedback(
                rating=rating,
                status=answer.status,
                cited=[c.cite for c in answer.citations],
                comment=comment,
                question=answer.question if include else None,
            )
        )
        st.session_state[f"rated-{turn}"] = True
        st.rerun()
