"""The "Get help now" panel, read from the corpus's help documents.

Numbers and services come from the lead paragraph of each help document, where they are written
with their sources and checked, so the app never shows a number the corpus does not back. The
files are read directly, not from the index, so the panel works before any index is built.
"""

import re
from pathlib import Path

import streamlit as st
from pydantic import BaseModel

from assistant import config
from assistant.ingest.documents import DocumentError, load_document
from assistant.ui.text import escape, phone_number

SERVICES = {
    "help-police": "Police",
    "help-rainlily": "RainLily sexual violence helpline",
    "help-privacy-commissioner": "Privacy Commissioner (PCPD)",
    "help-eoc": "Equal Opportunities Commission",
    "help-legal-advice": "Free legal advice",
}


class HelpEntry(BaseModel):
    doc_id: str
    name: str
    lead: str
    phone: str | None
    url: str
    checked: str


def _lead(body: str) -> str:
    """The first paragraph that is not a heading: the document's answer in one to three
    sentences."""
    for block in re.split(r"\n\s*\n", body):
        text = block.strip()
        if text and not text.startswith("#"):
            return re.sub(r"\s+", " ", text)
    return ""


def load_entries(corpus: Path | None = None) -> list[HelpEntry]:
    """Every help service whose document exists and reads cleanly, in the panel's order."""
    folder = (corpus or config.corpus_dir()) / "help"
    entries = []
    for doc_id, name in SERVICES.items():
        try:
            doc = load_document(folder / f"{doc_id}.md")
        except (DocumentError, OSError):
            continue
        lead = _lead(doc.body)
        entries.append(
            HelpEntry(
                doc_id=doc_id,
                name=name,
                lead=lead,
                phone=phone_number(lead),
                url=doc.meta.url,
                checked=doc.meta.date.isoformat(),
            )
        )
    return entries


@st.cache_data(show_spinner=False)
def entries() -> list[HelpEntry]:
    return load_entries()


def _call(phone: str) -> str:
    return f"[{escape(phone)}](tel:{phone.replace(' ', '').replace('-', '')})"


def numbers_line() -> str:
    """One line of names and numbers: what a hotline worker reads out first."""
    found = [e for e in entries() if e.phone]
    return " · ".join(f"**{escape(e.name)}** {_call(e.phone or '')}" for e in found)


def show_panel(leads: bool = True) -> None:
    """Every service with its number; with `leads`, what each one does, in its own words.

    It opens by saying the person is not to blame: someone who has just found a fake image of
    themselves should meet reassurance and a number before anything else.
    """
    found = entries()
    police = next((e for e in found if e.doc_id == "help-police" and e.phone), None)
    danger = f" If you are in danger now, call the police on {police.phone}." if police else ""
    st.markdown(f"It is not your fault, and you do not have to deal with it alone.{danger}")
    if not found:
        st.warning("The help contacts could not be loaded from corpus/help.")
        return
    for entry in found:
        number = f" — {_call(entry.phone)}" if entry.phone else ""
        st.markdown(f"**{escape(entry.name)}**{number}")
        if leads:
            st.caption(escape(entry.lead))
    checked = min(e.checked for e in found)
    st.caption(
        f"Numbers as published by each service, checked {escape(checked)}. "
        "Their websites have current details and opening hours."
    )
