"""The Streamlit app: `streamlit run app.py` (scripts/run builds the index first).

Every page opens with the disclaimer, and a bar pinned to the bottom of every page holds the
"Get help now" button and the disclaimer's first sentence: Streamlit keeps a chat scrolled to its
latest message, so only the bottom of the page is sure to be on screen, on a phone as on a desk.

The interface language (session key "ui") is settled before anything is written, so the page
titles, the navigation and every label come out in it on the same run; it starts as the
browser's language when that is Chinese, and English otherwise.
"""

import streamlit as st

from assistant.answer.backends import names as backend_names
from assistant.answer.messages import DISCLAIMER
from assistant.text import sentences
from assistant.ui import help as help_panel
from assistant.ui import resources
from assistant.ui.strings import LANGUAGE_NAMES, browser_language, language, t

PAGES = "assistant/ui/pages"


def _relabel() -> None:
    """Set the answer language to itself when the interface language changes: the browser keeps
    a selectbox's shown label while its key stays the same, and a value set from the script is
    the one thing that makes it show the label in the new language."""
    st.session_state.lang = st.session_state.get("lang", "auto")


st.session_state.setdefault("ui", browser_language())
st.set_page_config(page_title=t("page-title"), page_icon=":material/balance:", layout="centered")
resources.start_warm_up()
pages = st.navigation(
    [
        st.Page(f"{PAGES}/ask.py", title=t("nav-ask"), icon=":material/forum:", default=True),
        st.Page(f"{PAGES}/coverage.py", title=t("nav-coverage"), icon=":material/menu_book:"),
        st.Page(f"{PAGES}/documents.py", title=t("nav-documents"), icon=":material/upload_file:"),
    ]
)

with st.sidebar:
    st.radio(
        t("interface-language"),
        list(LANGUAGE_NAMES),
        format_func=LANGUAGE_NAMES.get,
        key="ui",
        horizontal=True,
        on_change=_relabel,
    )
    st.toggle(t("quick"), key="quick", help=t("quick-help"))
    st.selectbox(
        t("answer-language"),
        ["auto", "en", "zh"],
        format_func={"auto": t("answer-same"), **LANGUAGE_NAMES}.get,
        key="lang",
    )
    st.selectbox(
        t("backend"),
        sorted(backend_names(), key=lambda name: name != "extractive"),
        key="backend",
        help=t("backend-help"),
    )
    st.divider()
    st.markdown(f"**{t('get-help')}**")
    help_panel.show_panel(leads=False)

disclaimer = DISCLAIMER[language()]
st.info(disclaimer, icon=":material/gavel:")
with st.bottom, st.container(horizontal=True, vertical_alignment="center", wrap=False):
    with st.popover(t("get-help"), icon=":material/support:", type="primary"):
        help_panel.show_panel()
    st.caption(sentences(disclaimer)[0])

pages.run()
