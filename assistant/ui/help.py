"""The "Get help now" panel, read from the corpus's help documents.

Numbers and services come from the lead paragraph of each help document, where they are written
with their sources and checked, so the app never shows a number the corpus does not back. The
files are read directly, not from the index, so the panel works before any index is built. A
Chinese interface reads each document's Chinese twin (`help-police-zh.md` beside
`help-police.md`), falling back to the English one where a corpus has no twin.
"""

import re
from pathlib import Path

import streamlit as st
from pydantic import BaseModel

from assistant import config
from assistant.answer.messages import Language
from assistant.ingest.documents import Document, DocumentError, load_document
from assistant.ui.strings import STRINGS, format_date, language, t
from assistant.ui.text import escape, phone_number

SERVICES = (
    "help-police",
    "help-rainlily",
    "help-privacy-commissioner",
    "help-eoc",
    "help-legal-advice",
)


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


def _document(folder: Path, doc_id: str, lang: Language) -> Document | None:
    """The service's document in `lang`, else in English; None when neither reads cleanly."""
    names = [f"{doc_id}-zh", doc_id] if lang == "zh" else [doc_id]
    for name in names:
        try:
            return load_document(folder / f"{name}.md")
        except (DocumentError, OSError):
            continue
    return None


def load_entries(corpus: Path | None = None, lang: Language = "en") -> list[HelpEntry]:
    """Every help service whose document exists and reads cleanly, in the panel's order, named
    and described in `lang`."""
    folder = (corpus or config.corpus_dir()) / "help"
    entries = []
    for doc_id in SERVICES:
        doc = _document(folder, doc_id, lang)
        if doc is None:
            continue
        lead = _lead(doc.body)
        entries.append(
            HelpEntry(
                doc_id=doc_id,
                name=STRINGS[lang][doc_id],
                lead=lead,
                phone=phone_number(lead),
                url=doc.meta.url,
                checked=doc.meta.date.isoformat(),
            )
        )
    return entries


@st.cache_data(show_spinner=False)
def entries(lang: Language) -> list[HelpEntry]:
    return load_entries(lang=lang)


def _call(phone: str) -> str:
    return f"[{escape(phone)}](tel:{phone.replace(' ', '').replace('-', '')})"


def numbers_line() -> str:
    """One line of names and numbers: what a hotline worker reads out first."""
    found = [e for e in entries(language()) if e.phone]
    return " · ".join(f"**{escape(e.name)}** {_call(e.phone or '')}" for e in found)


def show_panel(leads: bool = True) -> None:
    """Every service with its number; with `leads`, what each one does, in its own words.

    It opens by saying the person is not to blame: someone who has just found a fake image of
    themselves should meet reassurance and a number before anything else.
    """
    found = entries(language())
    police = next((e for e in found if e.doc_id == "help-police" and e.phone), None)
    st.markdown(t("not-your-fault-danger", phone=police.phone) if police else t("not-your-fault"))
    if not found:
        st.warning(t("help-missing"))
        return
    for entry in found:
        number = f" — {_call(entry.phone)}" if entry.phone else ""
        st.markdown(f"**{escape(entry.name)}**{number}")
        if leads:
            st.caption(escape(entry.lead))
    checked = min(e.checked for e in found)
    st.caption(t("help-checked", date=escape(format_date(checked))))
